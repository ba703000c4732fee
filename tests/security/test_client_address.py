"""One client address (portal/client.py): the login throttle, the API limit and the function agree, and a client
cannot choose its own address by sending X-Forwarded-For itself."""

from __future__ import annotations

from unittest import mock

import pytest
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.test import RequestFactory
from rest_framework.request import Request

from portal.client import client_address
from portal.throttles import ReadThrottle

FORGED = ["", "203.0.113.66", "203.0.113.66, 198.51.100.1", "garbage, 10.0.0.1, ::1"]


def request_from(remote: str = "192.0.2.10", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/api/v1/plans/", **extra)


def prefixed(forged: str, appended: str) -> str:
    """The header a proxy forwards: whatever the client sent, then what the proxies appended."""
    return f"{forged}, {appended}" if forged else appended


# ------------------------------------------------------------------------------------------------ the function


@pytest.mark.parametrize("forged", [None, *FORGED])
def test_without_a_proxy_the_connection_is_the_reader(settings, forged):
    settings.PROXY_COUNT = 0
    assert client_address(request_from("192.0.2.10", forged)) == "192.0.2.10"


@pytest.mark.parametrize("forged", FORGED)
def test_behind_one_proxy_the_last_address_is_the_reader(settings, forged):
    settings.PROXY_COUNT = 1
    # nginx (REMOTE_ADDR 127.0.0.1) appended the address it was reached from.
    assert client_address(request_from("127.0.0.1", prefixed(forged, "198.51.100.7"))) == "198.51.100.7"


@pytest.mark.parametrize("forged", FORGED)
def test_behind_two_proxies_the_second_from_the_right_is_the_reader(settings, forged):
    settings.PROXY_COUNT = 2
    # A CDN appended the reader, nginx appended the CDN.
    header = prefixed(forged, "198.51.100.7, 192.0.2.200")
    assert client_address(request_from("127.0.0.1", header)) == "198.51.100.7"


def test_ipv6_addresses_are_read_and_written_canonically(settings):
    settings.PROXY_COUNT = 0
    assert client_address(request_from("2001:DB8:0:0::1")) == "2001:db8::1"
    settings.PROXY_COUNT = 1
    assert client_address(request_from("::1", "203.0.113.66, 2001:db8::0:7")) == "2001:db8::7"
    assert client_address(request_from("::1", "::ffff:198.51.100.7")) == "198.51.100.7"  # one reader, one address
    settings.PROXY_COUNT = 2
    assert client_address(request_from("::1", "2001:db8::7 , 2001:db8::fe")) == "2001:db8::7"


@pytest.mark.parametrize(
    "header",
    [
        "",
        " ",
        ",",
        "not-an-address",
        "198.51.100.7, not-an-address",
        "198.51.100.7,",
        "300.1.1.1",
        "198.51.100.7:443",
        "[2001:db8::7]",
        "<script>",
        "198.51.100.7\x00",
        "1" * 5000,
    ],
)
def test_a_malformed_header_falls_back_to_the_connection(settings, header):
    settings.PROXY_COUNT = 1
    assert client_address(request_from("127.0.0.1", header)) == "127.0.0.1"


def test_a_header_shorter_than_the_proxy_chain_is_not_believed(settings):
    settings.PROXY_COUNT = 2
    assert client_address(request_from("127.0.0.1", "203.0.113.66")) == "127.0.0.1"
    assert client_address(request_from("127.0.0.1")) == "127.0.0.1"


def test_a_connection_address_that_is_no_address_gives_nothing(settings):
    settings.PROXY_COUNT = 0
    assert client_address(request_from("unix:/run/gunicorn.sock")) == ""


# -------------------------------------------------------------------- axes and the API throttle see the same


CASES = [
    (0, "192.0.2.10", None),
    (0, "192.0.2.10", "203.0.113.66"),
    (1, "127.0.0.1", "198.51.100.7"),
    (1, "127.0.0.1", "203.0.113.66, 198.51.100.7"),
    (2, "127.0.0.1", "203.0.113.66, 198.51.100.7, 192.0.2.200"),
    (1, "::1", "2001:db8::7"),
    (1, "127.0.0.1", "garbage"),
]


@pytest.mark.parametrize(("count", "remote", "header"), CASES)
def test_axes_and_the_api_throttle_see_the_functions_address(settings, count, remote, header):
    settings.PROXY_COUNT = count
    request = request_from(remote, header)
    expected = client_address(request)
    assert get_client_ip_address(request) == expected
    assert ReadThrottle().get_ident(Request(request)) == expected


@pytest.mark.django_db
def test_a_failed_login_is_recorded_under_the_readers_address(settings, client):
    settings.PROXY_COUNT = 1
    email = "nobody-here@example.org"
    response = client.post(
        "/en/accounts/login/",
        {"username": email, "password": "wrong-password"},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.66, 198.51.100.7",
    )
    assert response.status_code == 200
    assert list(AccessAttempt.objects.filter(username=email).values_list("ip_address", flat=True)) == ["198.51.100.7"]


API = "/api/v1/plans/"


def api_statuses(client, headers: list[str]) -> list[int]:
    with mock.patch.object(ReadThrottle, "THROTTLE_RATES", {"anon": "3/minute"}):
        return [client.get(API, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=h).status_code for h in headers]


@pytest.mark.django_db
def test_two_readers_behind_the_proxy_are_limited_separately(settings, client):
    settings.PROXY_COUNT = 1
    first = api_statuses(client, ["198.51.100.7"] * 4)
    second = api_statuses(client, ["198.51.100.8"] * 3)
    assert first == [200, 200, 200, 429] and second == [200, 200, 200]


@pytest.mark.django_db
def test_one_reader_forging_different_prefixes_is_limited_once(settings, client):
    settings.PROXY_COUNT = 1
    forged = [f"203.0.113.{n}, 198.51.100.7" for n in range(5)]
    assert api_statuses(client, forged) == [200, 200, 200, 429, 429]


@pytest.mark.django_db
def test_without_a_proxy_a_forged_header_does_not_escape_the_limit(settings, client):
    settings.PROXY_COUNT = 0
    assert api_statuses(client, [f"203.0.113.{n}" for n in range(5)]) == [200, 200, 200, 429, 429]
