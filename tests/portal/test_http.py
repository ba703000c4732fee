"""portal/http.py: the version a page posts back, and one way of turning a refused change into a message."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory

from portal.errors import DomainError, StaleVersion
from portal.http import expected_version, refusal


def post(data: dict[str, str]):
    request = RequestFactory().post("/", data)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.parametrize(
    ("data", "version"),
    [({"version": "3"}, 3), ({"version": " 7 "}, 7), ({}, 0), ({"version": ""}, 0), ({"version": "x"}, 0)],
)
def test_the_expected_version_is_0_when_missing_or_malformed(data, version):
    assert expected_version(post(data)) == version


def test_a_refused_change_becomes_the_services_message_and_a_200():
    request = post({})
    with refusal(request) as refused:
        raise DomainError("Not allowed.")
    assert [str(m) for m in get_messages(request)] == ["Not allowed."]
    assert (refused.conflict, refused.status) == (False, 200)
    assert refused.response(lambda status: HttpResponse(status=status), "/back/")["Location"] == "/back/"


def test_a_stale_version_is_a_409_page_not_a_redirect():
    request = post({})
    with refusal(request) as refused:
        raise StaleVersion("Someone saved it first.")
    assert (refused.conflict, refused.status) == (True, 409)
    assert refused.response(lambda status: HttpResponse(status=status), "/back/").status_code == 409


def test_anything_else_is_not_swallowed():
    with pytest.raises(ValueError), refusal(post({})):
        raise ValueError("a bug")


def test_a_block_that_finishes_refused_nothing():
    with refusal(post({})) as refused:
        pass
    assert refused.error is None and refused.status == 200
