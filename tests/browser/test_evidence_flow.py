"""A member of Intersecta logs in on a phone, logs evidence with a PDF, saves a draft, submits it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from monitoring.models import Evidence, EvidenceStatus
from tests.factories import PASSWORD
from tests.files import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_logs_evidence_with_a_pdf_saves_a_draft_and_submits_it(
    live_server, mx_plan, cast, page: Page, tmp_path
):
    pdf = tmp_path / "respuesta-sedena.pdf"
    pdf.write_bytes(PDF_BYTES)

    page.goto(f"{live_server.url}/es/accounts/login/")
    page.get_by_label("Correo electrónico").fill("member@intersecta.test")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidencia de mi organización")

    page.get_by_role("link", name="Registrar evidencia").first.click()
    page.get_by_label(re.compile(r"^I07 — ")).check()
    page.get_by_label("Periodo al que se refiere").fill("2021")
    page.get_by_label("Tipo de evidencia").select_option("news_report")
    page.get_by_label("Título").fill("Unas 22 mujeres entre 117 despliegues (2015 a febrero de 2021)")
    page.get_by_label("Resumen").fill("Cifra acumulada reportada por la prensa.")
    page.get_by_label("URL de la fuente").fill("https://example.org/nota")
    page.get_by_label("Fecha de la fuente").fill("2021-02-15")
    page.get_by_label("Idioma de la fuente").select_option("es")
    page.get_by_label("Valor reportado").fill("22")
    page.get_by_label("Archivos", exact=True).set_input_files(str(pdf))
    page.get_by_role("radio", name="Pública").check()
    page.get_by_role("button", name="Guardar borrador").click()

    expect(page.get_by_text("Borrador guardado.")).to_be_visible()
    expect(page.get_by_text("respuesta-sedena.pdf")).to_be_visible()
    page.get_by_role("button", name="Enviar a revisión").click()
    expect(page.get_by_text("Enviada a revisión. Una moderadora la revisará.")).to_be_visible()

    page.locator("summary.menu-button").click()  # on a phone the menu opens behind its button
    page.get_by_role("link", name="Mi evidencia").click()
    row = page.get_by_role("row", name=re.compile("Unas 22 mujeres"))
    expect(row).to_contain_text("Enviada a revisión")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    item = Evidence.objects.get()
    assert item.status == EvidenceStatus.SUBMITTED
    assert item.attachments.get().original_name == "respuesta-sedena.pdf"
