"""The footer offers the portal's source code (AGPL-3.0 section 13) on every page, in both languages."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def footer(html: str) -> str:
    match = re.search(r'<footer class="site-footer">(.*?)</footer>', html, re.S)
    assert match, "the page has no site footer"
    return match.group(1)


@pytest.mark.parametrize(("path", "label"), [("/es/", "Código fuente"), ("/en/", "Source code")])
def test_the_footer_links_to_the_source_code(client, mx_plan, path, label):
    response = client.get(path)
    assert response.status_code == 200
    assert f'<a href="https://github.com/observatorio1325/portal" rel="external">{label}</a> (AGPL-3.0)' in footer(
        response.content.decode()
    )


def test_the_link_follows_the_source_code_url_setting(client, mx_plan, settings):
    settings.SOURCE_CODE_URL = "https://git.example.org/fork/observatorio"
    html = footer(client.get("/en/").content.decode())
    assert '<a href="https://git.example.org/fork/observatorio" rel="external">Source code</a>' in html
