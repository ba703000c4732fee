"""Duplicate warnings: the same source URL, the same file or a near-identical title in the same plan — among what
the person may read — and a moderator marking an item as a duplicate of another."""

from __future__ import annotations

import pytest

from monitoring import duplicates
from monitoring.models import DuplicateMark, EntryKind, Evidence, EvidenceStatus, ModerationEntry, Visibility
from portal.models import AuditEvent, Notification
from tests.monitoring.conversations_kit import attach, item, png, small_plan

pytestmark = pytest.mark.django_db

NEW = "/en/workspace/evidence/new/?plan=xx-test-plan"


@pytest.fixture
def plan(db):
    return small_plan()


@pytest.fixture(params=["database", "python"])
def similarity(request, monkeypatch):
    """Every title test runs with the database's trigrams (PostgreSQL with pg_trgm) and with the Python ratio."""
    from django.db import connection

    if request.param == "python":
        monkeypatch.setattr(duplicates, "trigram_available", lambda: False)
    elif connection.vendor == "postgresql":
        assert duplicates.trigram_available(), "migration 0020 installs pg_trgm where it may"
    return request.param


@pytest.mark.parametrize(
    ("url", "same_as"),
    [
        ("HTTPS://WWW.Gob.MX/sedena/informe/", "https://www.gob.mx/sedena/informe"),
        ("https://www.gob.mx/sedena/informe?utm_source=x&utm_medium=y", "https://www.gob.mx/sedena/informe"),
        ("https://www.gob.mx/sedena/informe#seccion-2", "https://www.gob.mx/sedena/informe"),
        ("https://www.gob.mx:443/sedena/informe", "https://www.gob.mx/sedena/informe"),
        ("https://www.gob.mx/a?b=2&a=1", "https://www.gob.mx/a?a=1&b=2"),
    ],
)
def test_urls_are_normalised_before_comparing(url, same_as):
    assert duplicates.normalise_url(url) == duplicates.normalise_url(same_as)


@pytest.mark.parametrize(
    ("url", "other"),
    [
        ("https://www.gob.mx/sedena/informe", "https://www.gob.mx/sedena/informe-2"),
        ("https://www.gob.mx/a?id=1", "https://www.gob.mx/a?id=2"),
        ("https://www.gob.mx/Sedena", "https://www.gob.mx/sedena"),  # paths are case-sensitive
    ],
)
def test_different_addresses_stay_different(url, other):
    assert duplicates.normalise_url(url) != duplicates.normalise_url(other)


def test_malformed_urls_do_not_break_the_comparison():
    assert duplicates.normalise_url("http://[::1") == "http://[::1"
    assert duplicates.normalise_url("") == ""


def found(user, evidence):
    return {d.evidence.pk: d.reasons for d in duplicates.duplicates_of(evidence, user)}


def test_the_same_url_among_the_organisations_items_and_public_ones_is_found(cast, plan):
    url = "https://www.gob.mx/sedena/informe"
    own_draft = item(cast, plan, status=EvidenceStatus.DRAFT, source_url=url + "/", title="Borrador propio")
    public = item(
        cast,
        plan,
        status=EvidenceStatus.APPROVED,
        organisation=cast.data_civica,
        submitted_by=cast.other_member,
        source_url=url + "?utm_campaign=z",
        title="Pública de otra",
    )
    new = item(
        cast,
        plan,
        status=EvidenceStatus.DRAFT,
        source_url=url.upper().replace("/SEDENA/INFORME", "/sedena/informe"),
        title="Nueva",
    )
    assert found(cast.member, new) == {own_draft.pk: ["url"], public.pk: ["url"]}


@pytest.mark.parametrize("visibility", [Visibility.CONFIDENTIAL, Visibility.REVIEWERS])
def test_another_organisations_restricted_items_are_never_revealed(client, cast, plan, visibility):
    url = "https://www.gob.mx/sedena/informe"
    hidden = item(
        cast,
        plan,
        status=EvidenceStatus.APPROVED,
        organisation=cast.data_civica,
        submitted_by=cast.other_member,
        source_url=url,
        title="Informe reservado sobre la SEDENA",
        visibility=visibility,
    )
    waiting = item(
        cast,
        plan,
        status=EvidenceStatus.SUBMITTED,
        organisation=cast.data_civica,
        submitted_by=cast.other_member,
        source_url=url,
        title="En espera de moderación",
    )
    new = item(cast, plan, status=EvidenceStatus.DRAFT, source_url=url, title="Informe reservado sobre la SEDENA")
    for person in (cast.member, cast.reviewer):  # a reviewer may read reviewers-only items, yet is not told here
        assert found(person, new) == {}
    client.force_login(cast.member)
    html = client.get(f"/en/evidence/{new.uuid}/").content.decode()
    assert "Possible duplicates" not in html and "Data Cívica" not in html
    # Moderators read every submitted item: they are told about both.
    assert found(cast.moderator, new) == {hidden.pk: ["url", "title"], waiting.pk: ["url"]}


def test_the_same_file_is_found_by_its_hash(cast, plan):
    content = png((33, 21))
    earlier = item(cast, plan, source_url="", title="Foto del evento")
    attach(earlier, "foto.png", content, "image/png")
    new = item(cast, plan, status=EvidenceStatus.DRAFT, source_url="", title="Otra cosa")
    attach(new, "misma-foto.png", content, "image/png")
    different = item(cast, plan, status=EvidenceStatus.DRAFT, source_url="", title="Nada que ver")
    attach(different, "otra.png", png((34, 21)), "image/png")
    assert found(cast.member, new) == {earlier.pk: ["file"]}


@pytest.mark.parametrize(
    ("existing", "typed", "match"),
    [
        (
            "Informe anual de la SEDENA sobre personal femenino 2021",
            "informe anual de la sedena sobre personal femenino 2021",
            True,
        ),
        ("Participación de mujeres en operaciones de paz", "Participacion de Mujeres en Operaciones de Paz.", True),
        ("Participación de mujeres en operaciones de paz", "Participación de mujeres en operaciones de pas", True),
        ("Participación de mujeres en operaciones de paz", "Presupuesto de la Guardia Nacional 2022", False),
        ("Informe 2021", "Informe 2022 de la Marina sobre igualdad", False),
    ],
)
def test_near_identical_titles_are_found_without_accents_or_case(cast, plan, similarity, existing, typed, match):
    earlier = item(cast, plan, source_url="", title=existing)
    new = item(cast, plan, status=EvidenceStatus.DRAFT, source_url="", title=typed)
    assert found(cast.member, new) == ({earlier.pk: ["title"]} if match else {})


def test_other_plans_are_not_compared(cast, plan, mx_plan):
    url = "https://www.gob.mx/sedena/informe"
    item(cast, mx_plan, source_url=url, title="Mismo título")
    new = item(cast, plan, status=EvidenceStatus.DRAFT, source_url=url, title="Mismo título")
    assert found(cast.member, new) == {}


def test_saving_a_draft_warns_the_member_and_the_page_lists_the_duplicates(client, cast, plan):
    earlier = item(cast, plan, source_url="https://www.gob.mx/sedena/informe", title="Informe SEDENA 2021")
    client.force_login(cast.member)
    response = client.post(
        NEW,
        {"title": "Informe de la Marina", "source_url": "https://WWW.GOB.MX/sedena/informe/#p3", "action": "draft"},
        follow=True,
    )
    html = response.content.decode()
    assert "This item may repeat 1 item(s) already logged for this plan" in html
    assert "Possible duplicates" in html and "Informe SEDENA 2021" in html and "same source URL" in html
    new = Evidence.objects.exclude(pk=earlier.pk).get()
    edit = client.get(f"/en/workspace/evidence/{new.uuid}/edit/").content.decode()
    assert "Possible duplicates" in edit and "Informe SEDENA 2021" in edit


def test_saving_without_a_duplicate_says_nothing(client, cast, plan):
    item(cast, plan, source_url="https://www.gob.mx/sedena/informe", title="Informe SEDENA 2021")
    client.force_login(cast.member)
    html = client.post(
        NEW, {"title": "Presupuesto 2022", "source_url": "https://www.gob.mx/otra", "action": "draft"}, follow=True
    ).content.decode()
    assert "may repeat" not in html and "Possible duplicates" not in html


def test_the_duplicate_check_is_bounded_in_queries(client, cast, plan, django_assert_max_num_queries):
    import hashlib

    titles = [" ".join(hashlib.sha256(str(n).encode()).hexdigest()[i : i + 6] for i in (0, 8, 16)) for n in range(60)]
    for n, title in enumerate(titles):
        item(cast, plan, title=title, source_url=f"https://www.gob.mx/x/{n}")
    new = item(cast, plan, status=EvidenceStatus.DRAFT, title=titles[7].upper(), source_url="https://www.gob.mx/x/9/")
    with django_assert_max_num_queries(10):
        result = duplicates.duplicates_of(new, cast.member)
    assert sorted((d.evidence.title, d.reasons) for d in result) == sorted(
        [(titles[7], ["title"]), (titles[9], ["url"])]
    )


# --- marking as a duplicate ---------------------------------------------------------------------------------------


def pair(cast, plan):
    original = item(
        cast,
        plan,
        status=EvidenceStatus.APPROVED,
        title="Informe SEDENA 2021",
        source_url="https://www.gob.mx/sedena/informe",
    )
    repeat = item(cast, plan, title="Informe de la SEDENA 2021", source_url="https://www.gob.mx/sedena/informe/")
    return original, repeat


def test_the_moderator_sees_the_possible_duplicates_beside_the_item_and_marks_one(client, cast, plan):
    original, repeat = pair(cast, plan)
    client.force_login(cast.moderator)
    page = client.get(f"/en/moderation/{repeat.uuid}/").content.decode()
    assert "Possible duplicates" in page and "Mark as a duplicate" in page and str(original.uuid) in page
    response = client.post(
        f"/en/moderation/{repeat.uuid}/duplicate/",
        {
            "duplicate-original": str(original.uuid),
            "duplicate-reason": "Ya está registrada.",
            "version": repeat.version,
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Marked as a duplicate of “Informe SEDENA 2021”: the item is rejected." in html
    repeat.refresh_from_db()
    assert repeat.status == EvidenceStatus.REJECTED
    mark = DuplicateMark.objects.get(evidence=repeat)
    assert (mark.duplicate_of, mark.moderator, mark.reason) == (original, cast.moderator, "Ya está registrada.")
    entry = ModerationEntry.objects.get(evidence=repeat)
    assert (entry.kind, entry.text) == (EntryKind.REJECTED, "Ya está registrada.")
    event = AuditEvent.objects.get(action="monitoring.evidence.marked_duplicate")
    assert (event.actor, event.reason, event.changes) == (
        cast.moderator,
        "Ya está registrada.",
        {"status": ["submitted", "rejected"]},
    )
    assert Notification.objects.filter(recipient=cast.member, kind="evidence.decided").exists()

    client.force_login(cast.member)
    detail = client.get(f"/en/evidence/{repeat.uuid}/").content.decode()
    assert "A moderator marked this item as a duplicate of “Informe SEDENA 2021”." in detail
    assert "Ya está registrada." in detail


def test_the_member_is_not_told_which_restricted_item_of_another_organisation_it_repeats(client, cast, plan):
    hidden = item(
        cast,
        plan,
        organisation=cast.data_civica,
        submitted_by=cast.other_member,
        title="Título secreto",
        visibility=Visibility.CONFIDENTIAL,
        source_url="https://a.mx/x",
    )
    repeat = item(cast, plan, title="Título secreto", source_url="https://a.mx/x")
    from monitoring.services import conversations

    conversations.mark_duplicate(
        evidence=repeat,
        original_uuid=hidden.uuid,
        actor=cast.moderator,
        reason="Repetida.",
        expected_version=repeat.version,
    )
    client.force_login(cast.member)
    html = client.get(f"/en/evidence/{repeat.uuid}/").content.decode()
    assert "a duplicate of an item that is not public" in html
    assert str(hidden.uuid) not in html and "Data Cívica" not in html
    notification = Notification.objects.get(recipient=cast.member, kind="evidence.decided")
    assert "secreto" not in str(notification.params).replace("Título secreto", "")  # only her own item's title


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"duplicate-reason": "Ya está."}, "Choose the item this one repeats."),
        (
            {"duplicate-original": "not-a-uuid", "duplicate-reason": "Ya está."},
            "Choose the item this one repeats, from the list.",
        ),
        ({"duplicate-original": "ORIGINAL", "duplicate-reason": "   "}, "Give a reason: the submitter will read it."),
        ({"duplicate-original": "ORIGINAL", "duplicate-reason": "x" * 5001}, "at most 5000 characters"),
    ],
)
def test_marking_a_duplicate_validates_and_keeps_what_was_typed(client, cast, plan, data, error):
    original, repeat = pair(cast, plan)
    data = {k: (str(original.uuid) if v == "ORIGINAL" else v) for k, v in data.items()}
    client.force_login(cast.moderator)
    response = client.post(f"/en/moderation/{repeat.uuid}/duplicate/", {**data, "version": repeat.version})
    html = response.content.decode()
    assert response.status_code == 200 and error in html
    if data.get("duplicate-reason", "").strip() and len(data["duplicate-reason"]) < 100:
        assert data["duplicate-reason"] in html
    repeat.refresh_from_db()
    assert repeat.status == EvidenceStatus.SUBMITTED and not DuplicateMark.objects.exists()


def test_an_item_that_is_not_a_possible_duplicate_cannot_be_chosen(client, cast, plan, mx_plan):
    _original, repeat = pair(cast, plan)
    elsewhere = item(cast, mx_plan, title="Otro plan")
    client.force_login(cast.moderator)
    response = client.post(
        f"/en/moderation/{repeat.uuid}/duplicate/",
        {"duplicate-original": str(elsewhere.uuid), "duplicate-reason": "x", "version": repeat.version},
    )
    assert "Choose the item this one repeats, from the list." in response.content.decode()
    assert not DuplicateMark.objects.exists()


def test_a_stale_duplicate_mark_is_a_conflict(client, cast, plan):
    original, repeat = pair(cast, plan)
    client.force_login(cast.moderator)
    response = client.post(
        f"/en/moderation/{repeat.uuid}/duplicate/",
        {"duplicate-original": str(original.uuid), "duplicate-reason": "Ya está.", "version": repeat.version - 1},
    )
    assert response.status_code == 409
    assert not DuplicateMark.objects.exists()
