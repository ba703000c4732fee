"""Hostile addresses: a control character in a path, query string or cookie is a 404 or 400, never a 500.

PostgreSQL refuses NUL in text, so each of these used to reach a query and fail. The refusal happens before
the session or the user is loaded: not one query runs, whoever sends it.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from monitoring.models import Evidence
from tests.conftest import MX_SLUG
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PATHS = [
    "/es/institutions/%00/",
    "/en/plans/%00/",
    f"/es/plans/{MX_SLUG}/indicators/%00/",
    f"/es/plans/{MX_SLUG}%1F/",
    "/es/reports/%00/",
    "/es/reports/informe%01/v1/",
    "/es/files/6f5b6961-4c59-4016-a5ca-daeb9590ed2f%00/",
    "/es/transparency/requests/%00/",
    "/es/accounts/invitation/%00/",
    "/es/accounts/password/reset/%00/set-password/",
    "/es/institutions/SEMAR%09/",
    "/es/%7F/",
    "/en/%0D%0ALocation:%20x/",
    "/static/css/portal.css%00",
]

QUERIES = [
    "/es/evidence/?q=%00",
    "/es/evidence/?page=%01",
    "/en/evidence/?q=ok&year=2022%00",
    "/es/transparency/?x=%00",
    "/es/data/evidence.csv?x=%00",
    "/es/data/assessments.csv?year=%1B",
    f"/es/plans/{MX_SLUG}/?q=%7F",
    "/en/?%00=1",
    "/es/accounts/login/?next=/es/%00/",
    "/es/accounts/password/reset/?email=%00",
]

API_PATHS = [
    "/api/v1/plans/%00/",
    "/api/v1/institutions/%00/",
    "/api/v1/indicators/%00/",
    "/api/v1/evidence/%00/",
    "/api/v1/reports/%00/",
    "/api/v1/%00/",
]

API_QUERIES = [
    "/api/v1/evidence/?search=%00",
    "/api/v1/indicators/?code=%00",
    "/api/v1/plans/?page=%01",
    "/api/v1/reports/?format=%00",
    "/api/schema/?lang=%1F",
]

WORKSPACE = [
    ("member", "/es/workspace/evidence/?indicator=%00"),
    ("member", "/es/workspace/evidence/?status=%1F"),
    ("member", "/es/workspace/evidence/?plan=%00"),
    ("member", "/es/workspace/requests/?status=%00"),
    ("member", "/es/workspace/evidence/%00/edit/"),
    ("member", "/es/workspace/reports/?q=%00"),
    ("moderator", "/es/moderation/?indicator=%00"),
    ("moderator", "/es/moderation/audit/?action=%00"),
]


def assert_site_page(response, status: int, lang: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Language"] == lang
    body = response.content.decode()
    assert f'<html lang="{lang}">' in body and settings.SITE_NAME in body
    assert "\x00" not in body and "%00" not in body
    return body


@pytest.mark.parametrize("path", PATHS)
def test_a_control_character_in_a_path_is_the_sites_own_404(client, mx_plan, django_assert_num_queries, path):
    with django_assert_num_queries(0):
        response = client.get(path)
    lang = "en" if path.startswith("/en/") else "es"
    body = assert_site_page(response, 404, lang)
    assert ("Page not found" if lang == "en" else "Página no encontrada") in body


@pytest.mark.parametrize("path", QUERIES)
def test_a_control_character_in_a_query_string_is_the_sites_own_400(client, mx_plan, django_assert_num_queries, path):
    with django_assert_num_queries(0):
        response = client.get(path)
    lang = "en" if path.startswith("/en/") else "es"
    body = assert_site_page(response, 400, lang)
    assert ("Bad request" if lang == "en" else "Solicitud incorrecta") in body


def test_the_error_pages_language_links_lead_home_not_back_to_the_hostile_address(client):
    body = client.get("/es/institutions/%00/").content.decode()
    assert 'hreflang="en" href="http://testserver/en/"' in body and 'href="/en/" hreflang="en"' in body
    assert "/en/institutions/" not in body


@pytest.mark.parametrize("path", API_PATHS)
def test_a_control_character_in_an_api_path_is_a_json_404(client, mx_plan, django_assert_num_queries, path):
    with django_assert_num_queries(0):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("path", API_QUERIES)
def test_a_control_character_in_an_api_query_is_a_json_400(client, mx_plan, django_assert_num_queries, path):
    with django_assert_num_queries(0):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Malformed request."}


def test_api_refusals_speak_the_readers_language_spanish_by_default_like_drf(client):
    assert client.get("/api/v1/plans/%00/").json() == {"detail": "No encontrado."}
    assert client.get("/api/v1/plans/?q=%00", HTTP_ACCEPT_LANGUAGE="es-MX").json() == {
        "detail": "Solicitud mal formada."
    }
    assert client.get("/api/v1/plans/?q=%00", HTTP_ACCEPT_LANGUAGE="en").json() == {"detail": "Malformed request."}


@pytest.mark.parametrize(("who", "path"), WORKSPACE)
def test_workspace_filters_with_control_characters_are_refused_without_a_query(
    client, cast, mx_plan, django_assert_num_queries, who, path
):
    client.force_login(getattr(cast, who))
    with django_assert_num_queries(0):
        response = client.get(path)
    assert_site_page(response, 404 if "?" not in path else 400, "es")


def test_the_same_workspace_filters_without_control_characters_still_work(client, cast, mx_plan):
    client.force_login(cast.member)
    assert client.get("/es/workspace/evidence/?indicator=I13&status=draft").status_code == 200


@pytest.mark.parametrize("value", ["a%09b", "l%C3%ADnea%0Auno%0D%0Ados", "%2500", "%C0%80", "%E2%80%8B"])
def test_tabs_line_breaks_and_look_alikes_in_a_query_value_are_ordinary_text(client, mx_plan, value):
    """A spreadsheet cell pasted into the search box keeps its tab; an encoded "%00" is just three characters."""
    response = client.get(f"/es/evidence/?q={value}")
    assert response.status_code == 200
    assert client.get(f"/api/v1/evidence/?search={value}").status_code == 200


def test_a_session_cookie_with_nul_is_ignored_not_a_500(client, mx_plan):
    client.cookies["sessionid"] = "\x00" * 32
    response = client.get("/es/")
    assert response.status_code == 200
    assert "Log in" in response.content.decode() or "Iniciar sesión" in response.content.decode()


def test_other_cookies_survive_a_hostile_one(client, cast, mx_plan):
    client.force_login(cast.member)
    client.cookies["tracker"] = "\x00\x1f"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "\x00"
    assert client.get("/es/workspace/evidence/").status_code == 200
    assert client.get("/").status_code == 302


def test_a_nul_in_a_text_field_is_a_validation_error_and_nothing_is_saved(client, cast, mx_plan):
    client.force_login(cast.member)
    response = client.post(
        "/es/workspace/evidence/new/", {"title": "Informe\x00anual", "summary": "ok", "action": "draft"}
    )
    assert response.status_code == 200
    assert "Los caracteres nulos no están permitidos." in response.content.decode()
    assert not Evidence.objects.exists()


def test_a_nul_in_any_field_of_the_evidence_form_is_never_a_500(client, cast, mx_plan):
    client.force_login(cast.member)
    nul = "\x00"
    fields = [
        "organisation", "indicators", "period_year", "period_start", "period_end", "kind", "summary", "source_url",
        "source_date", "language", "reported_value", "regions", "institutions", "visibility", "creation_key", "note",
    ]  # fmt: skip
    for action in ("draft", "submit"):
        data = dict.fromkeys(fields, nul) | {"title": "Válido", "action": action}
        response = client.post("/es/workspace/evidence/new/", data)
        assert response.status_code == 200
    assert not Evidence.objects.exists()


def test_tabs_and_line_breaks_in_a_textarea_are_kept(client, cast, mx_plan):
    client.force_login(cast.member)
    response = client.post(
        "/es/workspace/evidence/new/",
        {"title": "Con tabulador", "summary": "col1\tcol2\r\nsegunda línea", "action": "draft"},
    )
    assert response.status_code == 302
    summary = Evidence.objects.get().summary
    assert "\t" in summary and "segunda línea" in summary


def test_a_nul_in_the_profile_form_is_a_validation_error(client, cast):
    client.force_login(cast.member)
    response = client.post(
        "/es/accounts/profile/",
        {"full_name": "Ana\x00", "preferred_language": "\x00", "notify_evidence_decided": "\x00"},
    )
    assert response.status_code == 200
    assert "Los caracteres nulos no están permitidos." in response.content.decode()
    cast.member.refresh_from_db()
    assert "\x00" not in cast.member.full_name


@pytest.mark.parametrize("target", ["/es/\x00/", "\x00//evil.example", "/es/\nLocation: https://evil.example/"])
def test_a_next_parameter_with_control_characters_stays_on_the_portal(client, cast, target):
    response = client.post("/es/accounts/login/", {"username": cast.member.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    location = response["Location"]
    # Django percent-encodes what it keeps ("/es/%00/"), so no header is split and the browser stays here ...
    assert location.startswith("/") and not location.startswith("//")
    assert not any(ord(c) < 0x20 or ord(c) == 0x7F for c in location)
    # ... and following the redirect is an ordinary page or the site's 404, never a 500.
    assert client.get(location).status_code in (200, 302, 404)


def test_djangos_own_400s_use_the_sites_page_or_json(client, mx_plan):
    many = "&".join(f"f{n}=x" for n in range(1500))
    assert_site_page(client.get(f"/es/evidence/?{many}"), 400, "es")
    api = client.get(f"/api/v1/evidence/?{many}")
    assert api.status_code == 400 and api.json() == {"detail": "Solicitud mal formada."}


def test_a_disallowed_host_is_a_400_page_not_a_500(mx_plan):
    response = Client(raise_request_exception=False).get("/es/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert settings.SITE_NAME in response.content.decode() and "evil.example" not in response.content.decode()
