"""`manage.py seed_demo`: demo organisations, accounts and evidence from real reported figures.

Refuses to run with DEBUG off unless --force: demo accounts share a published password.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from monitoring.models import (
    Assessment,
    Evidence,
    EvidenceKind,
    Indicator,
    InformationCredibility,
    Institution,
    Plan,
    Region,
    Report,
    SourceReliability,
    Visibility,
)
from monitoring.partial_dates import PartialDate, partial_date_columns
from monitoring.services.catalogue_import import import_catalogue, read_catalogue
from monitoring.services.evidence import create_evidence
from monitoring.services.moderation import approve_evidence
from monitoring.services.reports import (
    accept_coauthorship,
    approve_publication,
    citable_evidence,
    create_report,
    request_publication,
    save_assessment,
)
from monitoring.services.transparency import extend_request, file_requests, record_answer
from portal.models import Membership, Organisation, Role, User

DEMO_PASSWORD = "demo-password-1325"  # noqa: S105 - published on purpose, local demo only
ORGANISATIONS = [
    ("Data Cívica", "data-civica", "https://datacivica.org", "datacivica"),
    ("Intersecta", "intersecta", "https://www.intersecta.org", "intersecta"),
    ("Justicia Transicional MX", "justicia-transicional-mx", "https://justiciatransicional.mx", "jtmx"),
]
KINDS = {
    "official_statistic": EvidenceKind.OFFICIAL_STATISTIC,
    "official_statement": EvidenceKind.OFFICIAL_DOCUMENT,
    "news_report": EvidenceKind.NEWS_REPORT,
    "independent_study": EvidenceKind.INDEPENDENT_STUDY,
}
MODERATOR_PERMISSIONS = [
    ("portal", "moderate"),
    ("portal", "view_organisation"),
    ("portal", "add_organisation"),
    ("portal", "change_organisation"),
    ("portal", "view_membership"),
    ("portal", "add_membership"),
    ("portal", "change_membership"),
    ("portal", "delete_membership"),
    ("portal", "view_invitation"),
    ("portal", "view_user"),
    ("portal", "view_auditevent"),
    ("monitoring", "view_evidence"),
]


# The one-word rating of monitoring/data/reported-values.yaml as the two values of the scale (docs/RELIABILITY.md):
# none of the demo figures was confirmed against a second independent source, so even "high" is "probably true".
RELIABILITY = {
    "high": (SourceReliability.RELIABLE, InformationCredibility.PROBABLY_TRUE),
    "medium": (SourceReliability.USUALLY_RELIABLE, InformationCredibility.POSSIBLY_TRUE),
    "low": (SourceReliability.DOUBTFUL, InformationCredibility.DOUBTFUL),
}


class Command(BaseCommand):
    help = f"Create demo organisations, accounts (password: {DEMO_PASSWORD}) and evidence."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never on a live site).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates accounts with a published password; it refuses to run with DEBUG off."
            )
        plan = Plan.objects.filter(slug="mx-pna-1325-2021").first()
        if plan is None:
            import_catalogue(data=read_catalogue(settings.DEFAULT_PLAN_FILE))
            plan = Plan.objects.get(slug="mx-pna-1325-2021")
        with transaction.atomic():
            moderator = self.moderator()
            people = self.organisations()
        created = self.evidence(plan, people, moderator)
        self.report(plan, people)
        self.requests(plan, people)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {len(people)} organisations, moderator {moderator.email}, {created} new evidence items. "
                f"Password for every demo account: {DEMO_PASSWORD}"
            )
        )

    def user(self, email: str, name: str, **extra: Any) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name, **extra)
        return user

    def moderator(self) -> User:
        group, _ = Group.objects.get_or_create(name="Moderators")
        for app, codename in MODERATOR_PERMISSIONS:
            group.permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
        moderator = self.user("moderadora@observatorio1325.demo", "Moderadora Demo", is_staff=True)
        moderator.groups.add(group)
        return moderator

    def organisations(self) -> list[tuple[Organisation, User, User]]:
        result = []
        for name, slug, website, short in ORGANISATIONS:
            org, _ = Organisation.objects.get_or_create(
                slug=slug, defaults={"name": name, "website": website, "description_es": ""}
            )
            member = self.user(f"miembro@{short}.demo", f"Integrante {name}")
            reviewer = self.user(f"revisora@{short}.demo", f"Revisora {name}")
            Membership.objects.get_or_create(user=member, organisation=org, defaults={"role": Role.MEMBER})
            Membership.objects.get_or_create(user=reviewer, organisation=org, defaults={"role": Role.REVIEWER})
            result.append((org, member, reviewer))
        return result

    def requests(self, plan: Plan, people: list[tuple[Organisation, User, User]]) -> None:
        """Intersecta asks the same question of five institutions; demo folios, illustrative answers."""
        _dc, (intersecta, member, _reviewer), _jt = people
        if intersecta.transparency_requests.exists():
            return
        codes = ["SRE", "SEDENA", "SEMAR", "SSPC", "SECMUJERES"]
        institutions = {i.code: i for i in Institution.objects.filter(code__in=codes)}
        created = file_requests(
            organisation=intersecta,
            actor=member,
            question=(
                "Solicito el número de mujeres y de hombres desplegados en operaciones de paz de la ONU en 2024, "
                "por institución y por misión. (Solicitud de demostración.)"
            ),
            filed_on=dt.date(2025, 2, 10),
            folios={institutions[c]: f"DEMO-{n + 1:03d}-2025" for n, c in enumerate(codes)},
            indicators=list(Indicator.objects.filter(plan=plan, code__in=["I07", "I08"])),
            is_public=True,
        )
        by_code = {r.institution.code: r for r in created}
        record_answer(
            request=by_code["SRE"],
            actor=member,
            status="answered",
            answered_on=dt.date(2025, 3, 5),
            summary="Respuesta de demostración.",
            files=[],
        )
        record_answer(
            request=by_code["SEMAR"],
            actor=member,
            status="nonexistent",
            answered_on=dt.date(2025, 3, 20),
            summary="Respuesta de demostración.",
            files=[],
        )
        extend_request(request=by_code["SEDENA"], actor=member)
        record_answer(
            request=by_code["SEDENA"],
            actor=member,
            status="partial",
            answered_on=dt.date(2025, 3, 26),
            summary="Respuesta de demostración.",
            files=[],
        )

    def report(self, plan: Plan, people: list[tuple[Organisation, User, User]]) -> None:
        """A report by Intersecta and Data Cívica, published as v1, then corrected as v2."""
        slug = "informe-sombra-pna-1325-2021-2022"
        if Report.objects.filter(slug=slug).exists():
            return
        (data_civica, _m1, reviewer_dc), (intersecta, _m2, reviewer_in), _jt = people
        report = create_report(
            actor=reviewer_in,
            organisations=[intersecta, data_civica],
            fields={
                "title": "Informe sombra del PNA-1325: 2021–2022",
                "slug": slug,
                "plan": plan,
                "period_start": dt.date(2021, 1, 1),
                "period_end": dt.date(2022, 12, 31),
                "executive_summary": DEMO_SUMMARY,
                "methodology": DEMO_METHODOLOGY,
                "recommendations": DEMO_RECOMMENDATIONS,
            },
        )
        accept_coauthorship(report=report, actor=reviewer_dc)  # Data Cívica consents to co-author
        for code, rating, value, narrative, reply in DEMO_ASSESSMENTS:
            assessment = Assessment.objects.get(report=report, indicator__code=code)
            cited = list(citable_evidence(report=report, user=reviewer_in, indicators=[assessment.indicator]))
            save_assessment(
                assessment=assessment,
                actor=reviewer_in,
                fields={
                    "rating": rating,
                    "observed_value": Decimal(value) if value is not None else None,
                    "narrative": narrative,
                    **reply,
                },
                cited=cited,
                expected_version=assessment.version,
            )
        request_publication(report=report, actor=reviewer_in)
        approve_publication(report=report, actor=reviewer_dc)
        correction = Assessment.objects.get(report=report, indicator__code="I13")
        save_assessment(
            assessment=correction,
            actor=reviewer_dc,
            fields={
                "rating": "insufficient",
                "observed_value": Decimal("84"),
                "narrative": DEMO_I13_CORRECTED,
                "reply_institution": None,
                "reply_text": "",
                "reply_received_on": None,
                "reply_requested_on": dt.date(2022, 3, 1),
            },
            cited=list(correction.cited_evidence.all()),
            expected_version=correction.version,
        )
        request_publication(
            report=report,
            actor=reviewer_dc,
            change_note="I13: la calificación pasa de «logrado» a «insuficiente»; las cifras del INMUJERES y la SSPC no concuerdan.",
        )
        approve_publication(report=report, actor=reviewer_in)

    def evidence(self, plan: Plan, people: list[tuple[Organisation, User, User]], moderator: User) -> int:
        path = Path(settings.DEFAULT_PLAN_FILE).with_name("reported-values.yaml")
        values = yaml.safe_load(path.read_text(encoding="utf-8"))["values"]
        national = Region.objects.filter(code="MX-NAT")
        created = 0
        for index, entry in enumerate(values):
            org, member, _reviewer = people[index % len(people)]
            if Evidence.objects.filter(organisation=org, title=entry["title_es"]).exists():
                continue
            indicator = Indicator.objects.get(plan=plan, code=entry["indicator"])
            value = entry.get("value")
            period = PartialDate.from_iso(str(entry["period"]))
            item = create_evidence(
                organisation=org,
                actor=member,
                submit=True,
                files=[],
                fields={
                    "plan": plan,
                    "indicators": [indicator],
                    "regions": list(national),
                    "institutions": list(indicator.responsible.all()),
                    "kind": KINDS[entry["kind"]],
                    "title": entry["title_es"],
                    "summary": entry["summary_es"],
                    "source_url": entry["source_url"],
                    # As precise as the source: "2023" stays a year, "2021-04" a month.
                    **partial_date_columns(
                        source=PartialDate.from_iso(str(entry["source_date"])), start=period, end=None
                    ),
                    "reported_value": Decimal(str(value)) if value is not None else None,
                    "value_unit": entry["unit"] if value is not None else "",
                    "language": "es",
                    "visibility": Visibility.PUBLIC,
                    # The member's assessment from the file's one-word rating (docs/RELIABILITY.md); the demo
                    # moderator confirms it when approving.
                    "source_reliability": RELIABILITY[entry["reliability"]][0],
                    "information_credibility": RELIABILITY[entry["reliability"]][1],
                },
            )
            # SSPC's MUCPAZ total contradicts INMUJERES's: it stays in the queue, for a moderator to weigh.
            if not (entry["indicator"] == "I13" and value == 257):
                approve_evidence(evidence=item, actor=moderator, note="Fuente verificada (demo).")
            created += 1
        org, member, _reviewer = people[1]
        title = "Testimonio de una policía estatal sobre la unidad de género (borrador confidencial)"
        if not Evidence.objects.filter(organisation=org, title=title).exists():
            create_evidence(
                organisation=org,
                actor=member,
                submit=False,
                files=[],
                fields={
                    "plan": plan,
                    "indicators": list(Indicator.objects.filter(plan=plan, code="CS04")),
                    "regions": list(Region.objects.filter(code="MX-CHH")),
                    "institutions": list(Institution.objects.filter(code="SSPC")),
                    "kind": EvidenceKind.TESTIMONY,
                    "title": title,
                    "summary": "Borrador de demostración: un testimonio anonimizado que solo ve la organización.",
                    "visibility": Visibility.CONFIDENTIAL,
                    "language": "es",
                },
            )
            created += 1
        return created


DEMO_SUMMARY = """El Observatorio 1325 evaluó los indicadores del PNA-1325 con la evidencia pública disponible para 2021 y
2022. La mayoría de los indicadores **no tiene información pública**: los informes anuales del plan no se han
publicado. Donde hay cifras, miden capacitaciones y despliegues, no resultados para las mujeres en México.

*Demostración*: este informe se generó con `seed_demo` a partir de cifras reales reportadas; las calificaciones
son ilustrativas."""
DEMO_METHODOLOGY = """Cada indicador se califica con la evidencia aprobada por las moderadoras del observatorio, citada en
su evaluación. Se pidió a cada institución responsable su versión; su respuesta, o la falta de ella, aparece junto
a la evaluación."""
DEMO_RECOMMENDATIONS = """1. Publicar los informes anuales de avance del plan (2021–2023) y la revisión de 2024.
2. Incorporar a organizaciones feministas al grupo interinstitucional de seguimiento.
3. Medir resultados, no solo capacitaciones: feminicidio, violencia contra mujeres migrantes, presupuesto ejercido."""
DEMO_I13_CORRECTED = """El INMUJERES reportó 84 redes nuevas en 2021 y la SSPC 257 redes acumuladas desde 2020: las cifras no
concuerdan y ninguna procede de un informe oficial del plan. **Corrección (v2):** la calificación baja a
«insuficiente» hasta que las instituciones concilien sus datos."""
DEMO_ASSESSMENTS: list[tuple[str, str, str | None, str, dict[str, Any]]] = [
    (
        "I13",
        "achieved",
        "84",
        "El INMUJERES reportó 84 redes MUCPAZ nuevas en 2021, por encima de la meta de 50 por año.",
        {
            "reply_institution": None,
            "reply_text": "",
            "reply_received_on": None,
            "reply_requested_on": dt.date(2022, 3, 1),
        },
    ),
    (
        "I08",
        "in_progress",
        "23",
        "Una evaluación MOWIP estima en 23 % la proporción de mujeres desplegadas; la SEMAR reportó 50 % solo para su personal.",
        {"reply_institution": None, "reply_text": "", "reply_received_on": None, "reply_requested_on": None},
    ),
    (
        "I02",
        "in_progress",
        "2900",
        "ONU Mujeres informó que 2,900 policías se capacitaron sobre la Resolución 1325 en 2021 con un curso de la SSPC.",
        {"reply_institution": None, "reply_text": "", "reply_received_on": None, "reply_requested_on": None},
    ),
    (
        "CS06",
        "not_started",
        None,
        "El grupo interinstitucional de seguimiento sigue sin lugar formal para organizaciones de la sociedad civil.",
        {"reply_institution": None, "reply_text": "", "reply_received_on": None, "reply_requested_on": None},
    ),
]
