"""The inbox, the header badge and the e-mail preferences on the profile page (issue 17, item 1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import AuditEvent, Notification, NotificationPreference
from portal.notifications import notify

pytestmark = pytest.mark.django_db


def tell(user, n=1, kind="evidence.commented", title="Caso {i}"):
    for i in range(n):
        notify(kind, [user], url_name="portal:profile", url_kwargs={}, params={"title": title.format(i=i)})
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def test_the_inbox_lists_filters_and_paginates_only_her_notifications(client, cast):
    tell(cast.member, 30)
    tell(cast.member, 1, kind="transparency.overdue")
    tell(cast.other_member, 1, title="Ajeno")
    client.force_login(cast.member)
    page = client.get("/en/accounts/inbox/").content.decode()
    assert page.count('class="border rounded p-3 mb-2') == 25 and "Page 1 of 2" in page
    assert "Ajeno" not in page
    second = client.get("/en/accounts/inbox/?show=unread&group=&page=2").content.decode()
    assert second.count('class="border rounded p-3 mb-2') == 6
    only = client.get("/en/accounts/inbox/?group=transparency").content.decode()
    assert only.count('class="border rounded p-3 mb-2') == 1 and "Overdue: request" in only
    # Hostile filters fall back to the defaults instead of failing.
    assert client.get("/en/accounts/inbox/?show=<x>&group='or 1=1&page=zz").status_code == 200


def test_opening_marks_read_and_goes_to_the_object_and_mark_all_read(client, cast):
    first, second, third = tell(cast.member, 3)
    client.force_login(cast.member)
    response = client.get(f"/es/accounts/inbox/{first.pk}/")
    assert response.status_code == 302 and response["Location"] == "/es/accounts/profile/"
    first.refresh_from_db()
    assert first.read_at is not None
    response = client.post(f"/en/accounts/inbox/{second.pk}/read/", {"next": "//evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/en/accounts/inbox/"
    second.refresh_from_db()
    assert second.read_at is not None
    unread = client.get("/en/accounts/inbox/").content.decode()
    assert "Caso 2" in unread and "Caso 0" not in unread
    assert "Caso 0" in client.get("/en/accounts/inbox/?show=all").content.decode()
    assert client.post("/en/accounts/inbox/read-all/").status_code == 302
    assert not Notification.objects.filter(recipient=cast.member, read_at=None).exists()
    assert "Nothing unread" in client.get("/en/accounts/inbox/").content.decode()
    assert client.get(f"/en/accounts/inbox/{third.pk}/read/").status_code == 405  # marking read is a POST


def test_someone_elses_notification_is_a_404_and_anonymous_visitors_log_in(client, cast):
    (theirs,) = tell(cast.other_member)
    client.force_login(cast.member)
    assert client.get(f"/en/accounts/inbox/{theirs.pk}/").status_code == 404
    assert client.post(f"/en/accounts/inbox/{theirs.pk}/read/").status_code == 404
    client.post("/en/accounts/inbox/read-all/")
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.logout()
    response = client.get("/en/accounts/inbox/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_inbox_makes_a_constant_number_of_queries(client, cast):
    client.force_login(cast.member)
    tell(cast.member, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/en/accounts/inbox/").status_code == 200
    tell(cast.member, 60)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/en/accounts/inbox/").status_code == 200
    assert len(many) == len(few) <= 14  # session, user, two-factor, permissions, badge, count, page


def test_the_header_badge_counts_unread_in_one_query_and_never_for_anonymous_pages(client, cast):
    tell(cast.member, 3)
    client.force_login(cast.member)
    page = client.get("/en/accounts/profile/").content.decode()
    assert '<span class="badge text-bg-danger">3<span class="visually-hidden"> unread notifications' in page
    with CaptureQueriesContext(connection) as queries:
        client.get("/en/accounts/profile/")
    assert sum('"portal_notification"' in q["sql"] for q in queries.captured_queries) == 1
    Notification.objects.update(read_at="2026-01-01T00:00Z")
    assert "text-bg-danger" not in client.get("/en/accounts/profile/").content.decode()
    client.logout()
    with CaptureQueriesContext(connection) as queries:
        home = client.get("/en/").content.decode()
    assert "Inbox" not in home and not any('"portal_notification"' in q["sql"] for q in queries.captured_queries)


# -------------------------------------------------------------------------------------------------- preferences
def test_the_profile_offers_the_kinds_of_her_roles_and_saves_them_with_an_audit(client, cast):
    client.force_login(cast.member)
    page = client.get("/en/accounts/profile/").content.decode()
    assert 'name="notify_evidence_decided"' in page and 'name="notify_transparency_overdue"' in page
    assert 'name="notify_evidence_submitted"' not in page  # a moderator's kind
    assert 'name="notify_report_publication_requested"' not in page  # a reviewer's kind
    response = client.post(
        "/en/accounts/profile/",
        {
            "full_name": "Ana",
            "preferred_language": "en",
            "notify_evidence_decided": "daily",
            "notify_transparency_overdue": "never",
        },
    )
    assert response.status_code == 302
    assert dict(NotificationPreference.objects.filter(user=cast.member).values_list("kind", "frequency")) == {
        "evidence.decided": "daily",
        "transparency.overdue": "never",
    }
    event = AuditEvent.objects.filter(action="portal.user.profile_updated").latest("pk")
    assert event.changes["notifications:evidence.decided"] == ["immediate", "daily"]
    page = client.get("/en/accounts/profile/").content.decode()
    assert '<option value="daily" selected>' in page

    client.force_login(cast.moderator)
    page = client.get("/es/accounts/profile/").content.decode()
    assert 'name="notify_evidence_submitted"' in page and 'name="notify_mail_delivery_failed"' in page


@pytest.mark.parametrize("value", ["sometimes", "x" * 5000, "daily\x00", "<script>"])
def test_a_bad_preference_is_refused_and_what_was_typed_is_kept(client, cast, value):
    client.force_login(cast.member)
    response = client.post(
        "/en/accounts/profile/",
        {"full_name": "Ana Typed", "preferred_language": "en", "notify_evidence_decided": value},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice" in page or "Null characters are not allowed" in page
    assert 'value="Ana Typed"' in page
    assert not NotificationPreference.objects.exists()
    cast.member.refresh_from_db()
    assert cast.member.full_name != "Ana Typed"
