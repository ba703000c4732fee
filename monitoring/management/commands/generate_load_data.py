"""`manage.py generate_load_data`: realistic synthetic volumes for benchmarks (deterministic for a given --seed).

Defaults: 50 organisations, 100,000 evidence items across all indicators and years (a third with attachment
metadata, no file bytes), 5,000 transparency requests, 10 reports with 2–3 published versions each, one of them
citing 500 evidence items. About 56 % of the items are public (80 % approved × 70 % with public visibility).
Rows are written in bulk, bypassing the services (no audit rows, no e-mail): use it on a scratch database only.

Search terms with a known share of the items (and so of the public ones), for the search benchmarks
(bench/run.py, bench/README.md); each is a whole word of the titles and summaries:

- ``feminicidios`` — rare: about 0.3 % of items (topic "feminicidios sin dato de relación");
- ``capacitadas`` — about 30 % (the verb of 30 % of items);
- ``mujeres`` — about 60 % (the subject of 54 % of items, or the topic "redes de mujeres constructoras de paz"
  of 13 %: 1 − 0.46 × 0.87).

On PostgreSQL the evidence rows, their indicator/region/institution links and their attachments are streamed
with COPY in chunks of 20,000 items, so memory stays flat at any volume: each chunk is copied into a temporary
table and inserted from it with its search vector computed by PostgreSQL in the same statement (the expression
of monitoring.search._vector()); search_text is computed in Python (monitoring.search.normalise()). The
secondary indexes of the evidence table are dropped for the load and rebuilt once at the end, in the same
transaction, the id sequence is moved past the last id, and the command ends with VACUUM ANALYZE. One million
items take about 9 minutes on 2 cores, with a flat ~200 MiB peak (bench/README.md). Other databases (SQLite:
small volumes only) use bulk_create with the same rows.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import random
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.utils import timezone

from monitoring import search
from monitoring.deadlines import load_calendar
from monitoring.models import (
    Assessment,
    Evidence,
    EvidenceAttachment,
    Indicator,
    Institution,
    Plan,
    Rating,
    Region,
    Report,
    ReportVersion,
    TransparencyRequest,
)
from monitoring.models.evidence import PublicIndicatorEvidence
from monitoring.services.catalogue_import import import_catalogue, read_catalogue
from monitoring.snapshots import build_snapshot, index_version, snapshot_sha256
from portal.models import Membership, Organisation, User

# Vocabulary of the titles and summaries, with weights: see the search terms in the docstring above.
WORDS: dict[str, list[tuple[str, float]]] = {
    "subject": [
        ("mujeres", 0.54),
        *(
            (w, 0.46 / 7)
            for w in ("policías", "militares", "marinas", "funcionarias", "sobrevivientes", "periodistas", "migrantes")
        ),
    ],
    "verb": [
        ("capacitadas", 0.30),
        *(
            (w, 0.70 / 6)
            for w in ("desplegadas", "registradas", "atendidas", "ascendidas", "reportadas", "contratadas")
        ),
    ],
    "topic": [
        ("redes de mujeres constructoras de paz", 0.13),
        ("feminicidios sin dato de relación", 0.003),
        *(
            (w, 0.867 / 6)
            for w in (
                "operaciones de paz",
                "la Guardia Nacional",
                "unidades de género",
                "cursos del CECOPAM",
                "misiones de la ONU",
                "presupuesto ejercido",
            )
        ),
    ],
}
SEARCH_TERMS = {"rare": "feminicidios", "30 %": "capacitadas", "60 %": "mujeres"}
TITLE = "{n} {subject} {verb} en {topic} ({year})"
SUMMARY = (
    "Según la fuente, {n} {subject} fueron {verb} en {topic} durante {year}. "
    "La cifra corresponde a {code} y debe cotejarse con los informes oficiales."
)
KINDS = [
    "official_statistic",
    "transparency_answer",
    "official_document",
    "budget_document",
    "news_report",
    "testimony",
    "own_research",
]
CHUNK = 20_000


class Weighted(NamedTuple):
    words: list[tuple[str, str]]  # (word, normalised word)
    cumulative: list[float]


WEIGHTED = {
    key: Weighted(
        [(w, search.normalise(w)) for w, _weight in pairs], list(itertools.accumulate(weight for _w, weight in pairs))
    )
    for key, pairs in WORDS.items()
}


def _pick(rng: random.Random, table: Weighted) -> tuple[str, str]:
    return table.words[bisect.bisect_right(table.cumulative, rng.random() * table.cumulative[-1])]


class Item(NamedTuple):
    row: dict[str, Any]  # Evidence field attnames → values
    indicators: list[int]
    regions: list[int]
    institutions: list[int]
    attachment: dict[str, Any] | None


def _columns(model: type[models.Model], skip: set[str]) -> list[tuple[str | None, str, Any]]:
    """(column, attname, default) of every concrete field: the default fills a field the generator does not set."""
    return [(f.column, f.attname, _default(f)) for f in model._meta.concrete_fields if f.attname not in skip]


def _default(field: models.Field) -> Any:
    if isinstance(field, models.JSONField):  # COPY takes JSON as text: the default ([] or {}) serialised
        return json.dumps(field.get_default())
    return None if field.has_default() and callable(field.default) else field.get_default()


class Command(BaseCommand):
    help = "Fill a scratch database with realistic synthetic volumes for the benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--evidence", type=int, default=100_000)
        parser.add_argument("--requests", type=int, default=5_000)
        parser.add_argument("--reports", type=int, default=10)
        parser.add_argument("--organisations", type=int, default=50)
        parser.add_argument("--seed", type=int, default=1325)
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (scratch databases only).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("generate_load_data writes synthetic rows; use --force on a scratch database.")
        self.rng = random.Random(options["seed"])
        plan = Plan.objects.filter(slug="mx-pna-1325-2021").first()
        if plan is None:
            import_catalogue(data=read_catalogue(settings.DEFAULT_PLAN_FILE))
            plan = Plan.objects.get(slug="mx-pna-1325-2021")
        self.plan = plan
        self.indicators = list(Indicator.objects.filter(plan=plan))
        self.regions = list(Region.objects.all())
        self.institutions = list(Institution.objects.all())
        with transaction.atomic():
            people = self.organisations(options["organisations"])
        self.evidence(options["evidence"], people)
        with transaction.atomic():
            self.requests(options["requests"], people)
        with transaction.atomic():
            self.reports(options["reports"], people)
        # Rows written in bulk bypass the services: fill the indicator pages' list of public items in one statement.
        with transaction.atomic():
            PublicIndicatorEvidence.rebuild()
        if connection.vendor == "postgresql":
            started = time.monotonic()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")  # outside any transaction (autocommit)
            self.stdout.write(f"  VACUUM ANALYZE ({time.monotonic() - started:.0f} s)")
        self.stdout.write(self.style.SUCCESS("Load data ready."))

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def organisations(self, count: int) -> list[tuple[Organisation, User, User]]:
        password = make_password("load-password-1325")
        result = []
        for n in range(count):
            org, _ = Organisation.objects.get_or_create(slug=f"load-cso-{n}", defaults={"name": f"Load CSO {n}"})
            member, _ = User.objects.get_or_create(
                email=f"load-member-{n}@example.org", defaults={"password": password}
            )
            reviewer, _ = User.objects.get_or_create(
                email=f"load-reviewer-{n}@example.org", defaults={"password": password}
            )
            Membership.objects.get_or_create(user=member, organisation=org, defaults={"role": "member"})
            Membership.objects.get_or_create(user=reviewer, organisation=org, defaults={"role": "reviewer"})
            result.append((org, member, reviewer))
        return result

    def evidence(self, count: int, people: list[tuple[Organisation, User, User]]) -> None:
        # Ids are given here (the id sequence is moved past them at the end), so that links need no round trip.
        first_id = (Evidence.objects.aggregate(last=models.Max("id"))["last"] or 0) + 1
        items = self._items(first_id, count, [(org.pk, member.pk) for org, member, _reviewer in people])
        if connection.vendor == "postgresql":
            self._evidence_copy(count, items)
        else:
            self._evidence_orm(count, items)

    def _items(self, first_id: int, count: int, people: list[tuple[int, int]]) -> Iterator[Item]:
        """Every generated item, one at a time (never a list of them): the evidence row, its links, its attachment."""
        rng = self.rng
        now = timezone.now()
        indicator_ids = [i.pk for i in self.indicators]
        region_ids = [r.pk for r in self.regions]
        institutions = [(i.pk, i.code, search.normalise(i.code)) for i in self.institutions]
        title_n, summary_n = search.normalise(TITLE), search.normalise(SUMMARY)
        for pk in range(first_id, first_id + count):
            org_id, member_id = rng.choice(people)
            year = rng.randint(2015, 2025)
            (subject, subject_n), (verb, verb_n), (topic, topic_n) = (
                _pick(rng, WEIGHTED[k]) for k in ("subject", "verb", "topic")
            )
            roll = rng.random()
            status = "approved" if roll < 0.8 else "submitted" if roll < 0.9 else "draft" if roll < 0.95 else "rejected"
            roll = rng.random()
            visibility = "public" if roll < 0.7 else "reviewers" if roll < 0.9 else "confidential"
            n = rng.randint(1, 3000)
            institution_id, code, code_n = rng.choice(institutions)
            title = TITLE.format(n=n, subject=subject, verb=verb, topic=topic, year=year)
            summary = SUMMARY.format(n=n, subject=subject, verb=verb, topic=topic, year=year, code=code)
            source_url = f"https://example.org/fuente/{year}/{n}"
            # normalise() works character by character, so normalising the pieces is normalising the whole.
            search_text = " ".join(
                (
                    title_n.format(n=n, subject=subject_n, verb=verb_n, topic=topic_n, year=year),
                    summary_n.format(n=n, subject=subject_n, verb=verb_n, topic=topic_n, year=year, code=code_n),
                    source_url,
                )
            )
            evidence_uuid = self.uuid()
            row = {
                "id": pk,
                "created_at": now,
                "updated_at": now,
                "uuid": evidence_uuid,
                "plan_id": self.plan.pk,
                "organisation_id": org_id,
                "submitted_by_id": member_id,
                "status": status,
                "version": 1,
                "visibility": visibility,
                "kind": rng.choice(KINDS),
                "title": title,
                "summary": summary,
                "source_url": source_url,
                "source_date": dt.date(year, rng.randint(1, 12), rng.randint(1, 28)),
                "source_date_precision": "day",
                "period_start": dt.date(year, 1, 1),
                "period_start_precision": "year",
                "period_end": dt.date(year, 12, 31),
                "period_end_precision": "year",
                "reported_value": Decimal(n),
                "value_unit": "count",
                "language": "es",
                "submitted_at": None if status == "draft" else now - dt.timedelta(days=rng.randint(1, 3000)),
                "search_text": search_text,
            }
            indicators = rng.sample(indicator_ids, rng.randint(1, 2))
            regions = [rng.choice(region_ids)] if region_ids else []
            attachment = None
            if rng.random() < 0.33:
                attachment = {
                    "uuid": self.uuid(),
                    "evidence_id": pk,
                    "file": f"evidence/load/{evidence_uuid.hex}",
                    "original_name": "fuente.pdf",
                    "content_type": "application/pdf",
                    "size": rng.randint(10_000, 5_000_000),
                    "sha256": f"{rng.getrandbits(256):064x}",
                    "original_sha256": f"{rng.getrandbits(256):064x}",
                    "uploaded_by_id": member_id,
                    "created_at": now,
                }
            yield Item(row, indicators, regions, [institution_id], attachment)

    def _evidence_copy(self, count: int, items: Iterator[Item]) -> None:
        """PostgreSQL: COPY in chunks through a temporary table, search vectors computed in the INSERT from it."""
        evidence_columns = _columns(Evidence, skip={"search_vector"})
        attachment_columns = _columns(EvidenceAttachment, skip={"id"})
        names = ", ".join(f'"{column}"' for column, _attname, _default in evidence_columns)
        links = [
            (Evidence.indicators.through._meta.db_table, "indicator_id"),
            (Evidence.regions.through._meta.db_table, "region_id"),
            (Evidence.institutions.through._meta.db_table, "institution_id"),
        ]
        # The search vector of monitoring.search._vector(), computed from the same text.
        document = "coalesce(title, '') || ' ' || coalesce(summary, '') || ' ' || coalesce(source_url, '')"
        insert = (
            f"INSERT INTO monitoring_evidence ({names}, search_vector) SELECT {names},"  # noqa: S608 - model columns
            " setweight(to_tsvector('es_unaccent'::regconfig, doc), 'A')"
            " || setweight(to_tsvector('en_unaccent'::regconfig, doc), 'B')"
            f" FROM (SELECT *, {document} AS doc FROM load_evidence) AS s"
        )
        started = time.monotonic()
        with transaction.atomic(), connection.cursor() as cursor:
            # The FK checks of this transaction's rows run at each statement's end, not all queued for the commit.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute(
                "CREATE TEMPORARY TABLE load_evidence (LIKE monitoring_evidence INCLUDING DEFAULTS) ON COMMIT DROP"
            )
            # Secondary indexes (not those of the primary key and unique constraints) are rebuilt once at the end,
            # which is much cheaper than maintaining them row by row (the GIN index above all).
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
                " WHERE x.indrelid = 'monitoring_evidence'::regclass"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            done = 0
            while done < count:
                size = min(CHUNK, count - done)
                linked: list[list[tuple[int, int]]] = [[], [], []]
                attachments = []
                with cursor.copy(f"COPY load_evidence ({names}) FROM STDIN") as copy:
                    for item in itertools.islice(items, size):
                        row = item.row
                        copy.write_row([row.get(attname, default) for _column, attname, default in evidence_columns])
                        pk = row["id"]
                        for target, ids in zip(linked, (item.indicators, item.regions, item.institutions), strict=True):
                            target.extend((pk, other) for other in ids)
                        if item.attachment is not None:
                            attachments.append(item.attachment)
                cursor.execute(insert)
                cursor.execute("TRUNCATE load_evidence")
                for (table, column), rows in zip(links, linked, strict=True):
                    with cursor.copy(f'COPY "{table}" (evidence_id, "{column}") FROM STDIN') as copy:
                        for link in rows:
                            copy.write_row(link)
                table = EvidenceAttachment._meta.db_table
                columns = ", ".join(f'"{column}"' for column, _attname, _default in attachment_columns)
                with cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                    for attachment in attachments:
                        copy.write_row(
                            [attachment.get(attname, default) for _c, attname, default in attachment_columns]
                        )
                done += size
                self.stdout.write(f"  evidence {done}/{count} ({time.monotonic() - started:.0f} s)")
            for _name, definition in indexes:
                cursor.execute(definition)
            self.stdout.write(f"  indexes rebuilt ({time.monotonic() - started:.0f} s)")
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('monitoring_evidence', 'id'), coalesce(max(id), 1), max(id) IS NOT NULL)"
                " FROM monitoring_evidence"
            )

    def _evidence_orm(self, count: int, items: Iterator[Item]) -> None:
        """Other databases (SQLite, small volumes): bulk_create in chunks."""
        links: list[tuple[Any, str, Callable[[Item], list[int]]]] = [
            (Evidence.indicators.through, "indicator_id", lambda item: item.indicators),
            (Evidence.regions.through, "region_id", lambda item: item.regions),
            (Evidence.institutions.through, "institution_id", lambda item: item.institutions),
        ]
        done = 0
        while done < count:
            chunk = list(itertools.islice(items, min(5000, count - done)))
            with transaction.atomic():
                Evidence.objects.bulk_create([Evidence(**item.row) for item in chunk])
                for through, column, related in links:
                    through.objects.bulk_create(
                        [
                            through(evidence_id=item.row["id"], **{column: other})
                            for item in chunk
                            for other in related(item)
                        ],
                        batch_size=10_000,
                    )
                EvidenceAttachment.objects.bulk_create(
                    [EvidenceAttachment(**item.attachment) for item in chunk if item.attachment is not None]
                )
            done += len(chunk)
            self.stdout.write(f"  evidence {done}/{count}")

    def requests(self, count: int, people: list[tuple[Organisation, User, User]]) -> None:
        rng = self.rng
        calendar = load_calendar()
        rows = []
        for n in range(count):
            org, member, _ = rng.choice(people)
            filed = dt.date(2021, 1, 4) + dt.timedelta(days=rng.randint(0, 1700))
            due = calendar.add_working_days(filed, 20)
            status = rng.choice(["answered", "answered", "partial", "nonexistent", "reserved", "pending", "no_answer"])
            answered = (
                calendar.add_working_days(filed, rng.randint(3, 35)) if status not in ("pending", "no_answer") else None
            )
            rows.append(
                TransparencyRequest(
                    uuid=self.uuid(),
                    organisation=org,
                    created_by=member,
                    institution=rng.choice(self.institutions),
                    folio=f"LOAD{n:07d}",
                    question="Solicito el número de mujeres desplegadas por misión y año.",
                    filed_on=filed,
                    due_on=due,
                    status=status,
                    answered_on=answered,
                    is_public=rng.random() < 0.6,
                )
            )
        TransparencyRequest.objects.bulk_create(rows, batch_size=5000)

    def reports(self, count: int, people: list[tuple[Organisation, User, User]]) -> None:
        rng = self.rng
        public = list(
            Evidence.objects.public()
            .filter(period_start__year__gte=2021, period_end__year__lte=2024)
            .order_by("pk")
            .values_list("pk", flat=True)[:5000]
        )
        for n in range(count):
            org, _member, reviewer = people[n % len(people)]
            _org2, _m2, second = people[(n + 1) % len(people)]
            report = Report.objects.create(
                slug=f"load-report-{n}",
                title=f"Informe sintético {n}",
                plan=self.plan,
                period_start=dt.date(2021, 1, 1),
                period_end=dt.date(2024, 12, 31),
                created_by=reviewer,
                executive_summary="Resumen **sintético** para pruebas de rendimiento.\n\n" * 5,
                methodology="Metodología sintética.",
                recommendations="1. Publicar los informes.\n2. Medir resultados.",
                status="published",
            )
            report.organisations.set([org])
            assessments = Assessment.objects.bulk_create(
                [
                    Assessment(
                        report=report,
                        indicator=i,
                        rating=rng.choice(Rating.values),
                        narrative="Narrativa sintética. " * 20,
                        observed_value=Decimal(rng.randint(0, 500)),
                    )
                    for i in self.indicators
                ]
            )
            citations = 500 if n == 0 else 30
            chosen = rng.sample(public, min(citations, len(public)))
            Through = Assessment.cited_evidence.through
            Through.objects.bulk_create(
                [
                    Through(assessment_id=assessments[k % len(assessments)].pk, evidence_id=pk)
                    for k, pk in enumerate(chosen)
                ]
            )
            snapshot_base = build_snapshot(report)
            for number in range(1, rng.randint(2, 3) + 1):
                published = timezone.now() - dt.timedelta(days=100 - number)
                snapshot = {
                    **snapshot_base,
                    "version": {
                        "number": number,
                        "published_at": published.isoformat(),
                        "public_from": None,
                        "change_note": f"v{number}",
                    },
                }
                version = ReportVersion.objects.create(
                    report=report,
                    number=number,
                    snapshot=snapshot,
                    content_sha256=snapshot_sha256(snapshot),
                    change_note=f"v{number}",
                    published_at=published,
                    requested_by=reviewer,
                    approved_by=second,
                )
                index_version(version)
