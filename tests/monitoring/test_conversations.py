"""The thread on an item between its organisation and the moderators, and the moderators' internal notes."""

from __future__ import annotations

import pytest

from monitoring.models import EvidenceComment, EvidenceStatus, Visibility
from monitoring.services import conversations
from portal.models import AuditEvent, Notification
from tests.monitoring.conversations_kit import item, small_plan

pytestmark = pytest.mark.django_db

SECRET = "NOTA-INTERNA-7731: la fuente parece dudosa"


@pytest.fixture
def plan(db):
    return small_plan()


def login(client, cast, role):
    if role != "anonymous":
        client.force_login(getattr(cast, role))


# Who reaches the thread of a confidential submitted item of Intersecta, and what posting does.
POST_STATUS = {
    "anonymous": 302,  # to the log-in page
    "outsider": 404,
    "member": 302,
    "reviewer": 302,  # a reviewer of Intersecta is a member of it
    "other_member": 404,
    "other_reviewer": 404,
    "moderator": 302,
}


@pytest.mark.parametrize("role", POST_STATUS)
def test_only_the_organisation_and_the_moderators_may_write_on_the_thread(client, cast, plan, role):
    evidence = item(cast, plan, visibility=Visibility.CONFIDENTIAL)
    login(client, cast, role)
    response = client.post(f"/en/evidence/{evidence.uuid}/comments/", {"comment-text": "¿Hay una fuente oficial?"})
    assert response.status_code == POST_STATUS[role]
    if role == "anonymous":
        assert "/accounts/login/" in response["Location"]
    created = EvidenceComment.objects.filter(evidence=evidence)
    assert created.count() == (1 if POST_STATUS[role] == 302 and role != "anonymous" else 0)


@pytest.mark.parametrize(
    ("role", "status", "sees_thread"),
    [
        ("anonymous", 200, False),
        ("other_member", 200, False),
        ("member", 200, True),
        ("moderator", 200, True),
    ],
)
def test_a_public_item_shows_its_thread_only_to_its_organisation_and_moderators(
    client, cast, plan, role, status, sees_thread
):
    evidence = item(cast, plan, status=EvidenceStatus.APPROVED)
    conversations.post_comment(evidence=evidence, actor=cast.member, text="Mensaje para moderación 4521")
    login(client, cast, role)
    response = client.get(f"/en/evidence/{evidence.uuid}/")
    assert response.status_code == status
    html = response.content.decode()
    assert ("Mensaje para moderación 4521" in html) is sees_thread
    assert ("Conversation with the moderators" in html) is sees_thread


def test_another_organisation_gets_404_for_a_confidential_item_and_its_thread(client, cast, plan):
    evidence = item(cast, plan, visibility=Visibility.CONFIDENTIAL)
    client.force_login(cast.other_member)
    assert client.get(f"/en/evidence/{evidence.uuid}/").status_code == 404
    assert client.post(f"/en/moderation/{evidence.uuid}/notes/", {"note-text": "x"}).status_code == 404


def test_a_member_message_reaches_the_moderators_and_a_moderator_reply_reaches_the_members(client, cast, plan):
    evidence = item(cast, plan, title="SEMAR: 50 % de mujeres")
    client.force_login(cast.member)
    response = client.post(
        f"/en/evidence/{evidence.uuid}/comments/",
        {"comment-text": "Adjuntamos la fuente oficial.", "comment-text_format": "plain", "comment-kind": "answer"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/en/evidence/{evidence.uuid}/#thread-heading")
    to_moderator = Notification.objects.get(recipient=cast.moderator, kind="evidence.commented")
    assert to_moderator.params == {"title": "SEMAR: 50 % de mujeres"}
    assert not Notification.objects.filter(recipient=cast.reviewer).exists()  # her side: not told

    client.force_login(cast.moderator)
    response = client.post(
        f"/en/evidence/{evidence.uuid}/comments/",
        {
            "comment-text": "Gracias, la revisamos.",
            "comment-text_format": "plain",
            "comment-kind": "message",
            "from": "moderation",
        },
    )
    assert response["Location"].endswith(f"/en/moderation/{evidence.uuid}/#thread-heading")
    told = set(Notification.objects.filter(kind="evidence.commented").values_list("recipient__email", flat=True))
    assert told == {cast.moderator.email, cast.member.email, cast.reviewer.email}
    html = client.get(f"/en/moderation/{evidence.uuid}/").content.decode()
    assert "Adjuntamos la fuente oficial." in html and "Gracias, la revisamos." in html
    assert "Answer" in html  # the kind of message is shown
    event = AuditEvent.objects.filter(action="monitoring.evidence.commented").latest("pk")
    assert (event.object_type, event.actor) == ("monitoring.evidence", cast.moderator)
    assert "Gracias" not in str(event.changes)  # the audit says who wrote, the thread keeps what


def test_notifications_never_carry_the_message_text(cast, plan):
    evidence = item(cast, plan)
    conversations.post_comment(evidence=evidence, actor=cast.moderator, text="Texto privado 9911")
    for notification in Notification.objects.all():
        assert "9911" not in str(notification.params)
    from django.core import mail

    assert all("9911" not in m.body for m in mail.outbox)


def test_internal_notes_never_reach_members_pages_api_history_or_notifications(client, cast, plan):
    evidence = item(cast, plan, status=EvidenceStatus.SUBMITTED)
    client.force_login(cast.moderator)
    response = client.post(
        f"/en/moderation/{evidence.uuid}/notes/", {"note-text": SECRET, "note-text_format": "markdown"}
    )
    assert response.status_code == 302
    note = EvidenceComment.objects.get(evidence=evidence)
    assert note.internal and note.author == cast.moderator
    moderator_page = client.get(f"/en/moderation/{evidence.uuid}/").content.decode()
    assert SECRET in moderator_page and "Internal notes (moderators only)" in moderator_page
    assert not Notification.objects.filter(kind="evidence.commented").exists()

    for person in (cast.member, cast.reviewer):
        client.force_login(person)
        for lang in ("en", "es"):
            html = client.get(f"/{lang}/evidence/{evidence.uuid}/").content.decode()
            assert "7731" not in html
    # The audit event is on the note, never on the item whose history the organisation reads.
    assert not AuditEvent.objects.filter(object_type="monitoring.evidence", action__contains="note").exists()
    assert AuditEvent.objects.filter(action="monitoring.evidence.internal_note_added", actor=cast.moderator).exists()

    # Approved and public: the API and the public page show nothing of it either.
    from monitoring.services import moderation

    moderation.approve_evidence(evidence=evidence, actor=cast.moderator)
    client.logout()
    assert "7731" not in client.get(f"/api/v1/evidence/{evidence.uuid}/").content.decode()
    assert "7731" not in client.get(f"/en/evidence/{evidence.uuid}/").content.decode()
    assert "7731" not in client.get("/api/v1/evidence/").content.decode()


def test_members_cannot_write_internal_notes_even_through_the_service(cast, plan):
    evidence = item(cast, plan)
    with pytest.raises(conversations.ConversationError):
        conversations.post_comment(evidence=evidence, actor=cast.member, text="x", internal=True)
    assert not EvidenceComment.objects.exists()


def test_a_draft_has_no_thread_to_write_on_yet(client, cast, plan):
    draft = item(cast, plan, status=EvidenceStatus.DRAFT)
    client.force_login(cast.member)
    response = client.post(
        f"/en/evidence/{draft.uuid}/comments/",
        {"comment-text": "Hola", "comment-text_format": "plain", "comment-kind": "message"},
    )
    assert "Submit the item first: moderators do not see drafts." in response.content.decode()
    assert not EvidenceComment.objects.exists()
    client.force_login(cast.moderator)  # moderators never see drafts
    assert client.post(f"/en/evidence/{draft.uuid}/comments/", {"comment-text": "Hola"}).status_code == 404


def test_a_resubmission_note_shows_in_the_thread_as_a_resubmission(client, cast, plan):
    from monitoring.services import moderation
    from monitoring.services.evidence import submit_evidence

    evidence = item(cast, plan)
    evidence = moderation.request_changes(evidence=evidence, actor=cast.moderator, reason="Falta la fuente.")
    submit_evidence(evidence=evidence, actor=cast.member, expected_version=evidence.version, note="Ya la añadimos.")
    client.force_login(cast.moderator)
    html = client.get(f"/en/moderation/{evidence.uuid}/").content.decode()
    assert "Resubmitted" in html
    assert html.index("Falta la fuente.") < html.index("Ya la añadimos.")


VALID = {"comment-text_format": "plain", "comment-kind": "message"}


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_an_empty_message_is_refused_and_nothing_is_stored(client, cast, plan, text):
    evidence = item(cast, plan)
    client.force_login(cast.member)
    response = client.post(f"/en/evidence/{evidence.uuid}/comments/", {**VALID, "comment-text": text})
    assert response.status_code == 200
    assert "Write a message first." in response.content.decode()
    assert not EvidenceComment.objects.exists()


def test_a_message_of_10001_characters_is_refused_and_kept_and_10000_are_accepted(client, cast, plan):
    evidence = item(cast, plan)
    client.force_login(cast.member)
    too_long = "á" * 10_001
    response = client.post(f"/en/evidence/{evidence.uuid}/comments/", {**VALID, "comment-text": too_long})
    html = response.content.decode()
    assert response.status_code == 200
    assert "at most 10000 characters" in html or "10,000" in html
    assert too_long in html  # what was typed is still in the box
    assert not EvidenceComment.objects.exists()
    # Line breaks count one character each, as in the box.
    longest = ("b" * 99 + "\r\n") * 99 + "b" * 100
    assert len(longest.replace("\r\n", "\n")) == 10_000
    response = client.post(f"/en/evidence/{evidence.uuid}/comments/", {**VALID, "comment-text": longest})
    assert response.status_code == 302
    assert len(EvidenceComment.objects.get().text) == 10_000


def test_an_unknown_format_or_kind_is_refused(client, cast, plan):
    evidence = item(cast, plan)
    client.force_login(cast.member)
    response = client.post(
        f"/en/evidence/{evidence.uuid}/comments/",
        {"comment-text": "Hola", "comment-text_format": "html", "comment-kind": "order"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not EvidenceComment.objects.exists()


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> [clic](javascript:alert(1)) **negrita**'


@pytest.mark.parametrize("text_format", ["plain", "markdown"])
def test_hostile_html_and_markdown_are_shown_as_text_never_run(client, cast, plan, text_format):
    evidence = item(cast, plan)
    client.force_login(cast.member)
    client.post(
        f"/en/evidence/{evidence.uuid}/comments/",
        {"comment-text": HOSTILE, "comment-text_format": text_format, "comment-kind": "message"},
    )
    assert EvidenceComment.objects.get().text == HOSTILE  # stored as typed
    html = client.get(f"/en/evidence/{evidence.uuid}/").content.decode()
    body = html.split('class="comment-body">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in body and "<img" not in body
    assert 'href="javascript:' not in body
    assert "&lt;script&gt;" in body
    if text_format == "markdown":
        assert "<strong>negrita</strong>" in body
    else:
        assert "**negrita**" in body
