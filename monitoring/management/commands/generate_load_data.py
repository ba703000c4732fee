"""`manage.py generate_load_data`: realistic synthetic volumes for benchmarks (deterministic for a given --seed).

Defaults: 50 organisations, 100,000 evidence items across all indicators and years (a third with attachment
metadata, no file bytes), 5,000 transparency requests, 10 reports with 2–3 published versions each, one of them
citing 500 evidence items. Rows are written in bulk, bypassing the services (no audit rows, no e-mail):
use it on a scratch database only.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
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
from monitoring.services.catalogue_import import import_catalogue, read_catalogue
from monitoring.snapshots import build_snapshot, index_version, snapshot_sha256
from portal.models import Membership, Organisation, User

WORDS = {
    "subject": [
        "mujeres",
        "policías",
        "militares",
        "marinas",
        "funcionarias",
        "sobrevivientes",
        "periodistas",
        "migrantes",
    ],
    "verb": ["desplegadas", "capacitadas", "registradas", "atendidas", "ascendidas", "reportadas", "contratadas"],
    "topic": [
        "operaciones de paz",
        "la Guardia Nacional",
        "unidades de género",
        "redes de mujeres constructoras de paz",
        "cursos del CECOPAM",
        "misiones de la ONU",
        "presupuesto ejercido",
        "feminicidios sin dato de relación",
    ],
}
KINDS = [
    "official_statistic",
    "transparency_answer",
    "official_document",
    "budget_document",
    "news_report",
    "testimony",
    "own_research",
]


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
        rng = self.rng
        batch = 5000
        now = timezone.now()
        for start in range(0, count, batch):
            rows = []
            for _ in range(min(batch, count - start)):
                org, member, _reviewer = rng.choice(people)
                year = rng.randint(2015, 2025)
                subject, verb, topic = (rng.choice(WORDS[k]) for k in ("subject", "verb", "topic"))
                roll = rng.random()
                status = (
                    "approved" if roll < 0.8 else "submitted" if roll < 0.9 else "draft" if roll < 0.95 else "rejected"
                )
                roll = rng.random()
                visibility = "public" if roll < 0.7 else "reviewers" if roll < 0.9 else "confidential"
                n = rng.randint(1, 3000)
                rows.append(
                    Evidence(
                        uuid=self.uuid(),
                        plan=self.plan,
                        organisation=org,
                        submitted_by=member,
                        status=status,
                        visibility=visibility,
                        kind=rng.choice(KINDS),
                        title=f"{n} {subject} {verb} en {topic} ({year})",
                        summary=(
                            f"Según la fuente, {n} {subject} fueron {verb} en {topic} durante {year}. "
                            f"La cifra corresponde a {rng.choice(self.institutions).code} y debe cotejarse con los informes oficiales."
                        ),
                        source_url=f"https://example.org/fuente/{year}/{n}",
                        source_date=dt.date(year, rng.randint(1, 12), rng.randint(1, 28)),
                        period_start=dt.date(year, 1, 1),
                        period_start_precision="year",
                        period_end=dt.date(year, 12, 31),
                        period_end_precision="year",
                        reported_value=Decimal(n),
                        value_unit="count",
                        language="es",
                        submitted_at=None if status == "draft" else now - dt.timedelta(days=rng.randint(1, 3000)),
                    )
                )
            created = Evidence.objects.bulk_create(rows, batch_size=batch)
            Through = Evidence.indicators.through
            Through.objects.bulk_create(
                [
                    Through(evidence_id=e.pk, indicator_id=ind.pk)
                    for e in created
                    for ind in rng.sample(self.indicators, rng.randint(1, 2))
                ],
                batch_size=10_000,
            )
            Evidence.regions.through.objects.bulk_create(
                [Evidence.regions.through(evidence_id=e.pk, region_id=rng.choice(self.regions).pk) for e in created],
                batch_size=10_000,
            )
            Evidence.institutions.through.objects.bulk_create(
                [
                    Evidence.institutions.through(evidence_id=e.pk, institution_id=rng.choice(self.institutions).pk)
                    for e in created
                ],
                batch_size=10_000,
            )
            EvidenceAttachment.objects.bulk_create(
                [
                    EvidenceAttachment(
                        uuid=self.uuid(),
                        evidence=e,
                        file=f"evidence/load/{e.uuid.hex}",
                        original_name="fuente.pdf",
                        content_type="application/pdf",
                        size=rng.randint(10_000, 5_000_000),
                        sha256=f"{rng.getrandbits(256):064x}",
                        original_sha256=f"{rng.getrandbits(256):064x}",
                        uploaded_by=e.submitted_by,
                    )
                    for e in created
                    if rng.random() < 0.33
                ],
                batch_size=batch,
            )
            self._search(created)
            self.stdout.write(f"  evidence {start + len(created)}/{count}")

    def _search(self, created: list[Evidence]) -> None:
        ids = [e.pk for e in created]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE monitoring_evidence SET search_text = lower(unaccent(title || ' ' || summary || ' ' || source_url)),"
                    " search_vector = setweight(to_tsvector('es_unaccent', coalesce(title,'') || ' ' || coalesce(summary,'') || ' '"
                    " || coalesce(source_url,'')), 'A') || setweight(to_tsvector('en_unaccent', coalesce(title,'') || ' ' ||"
                    " coalesce(summary,'') || ' ' || coalesce(source_url,'')), 'B') WHERE id = ANY(%s)",
                    [ids],
                )
        else:
            search.refresh(ids)

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
