"""The reader's address: one definition for the login throttle, the API limit and anything else that counts readers.

Without a proxy (``PROXY_COUNT=0``, the default) it is the address of the connection, ``REMOTE_ADDR``. Behind
``PROXY_COUNT`` reverse proxies, each of which appends the address it was reached from to ``X-Forwarded-For``
(nginx's ``$proxy_add_x_forwarded_for``), the reader is the ``PROXY_COUNT``-th address from the right: the one the
outermost trusted proxy saw. Whatever stands further left was sent by the client and is never read, so a client
cannot choose its own address by sending the header itself. A header that is missing, too short or whose address
at that position is not an IP address gives ``REMOTE_ADDR``.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def _normalised(value: str) -> str:
    """``value`` as a canonical IP address (an IPv4-mapped IPv6 address as IPv4), or "" if it is not one."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def client_address(request: Any) -> str:
    """The reader's address as a string ("" when not even the connection's address is an IP address).

    ``request`` is a Django ``HttpRequest`` or anything with its ``META`` (DRF's ``Request``)."""
    meta = request.META
    remote = _normalised(str(meta.get("REMOTE_ADDR") or ""))
    count = int(getattr(settings, "PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    forwarded = str(meta.get("HTTP_X_FORWARDED_FOR") or "")
    hops = forwarded.split(",") if forwarded.strip() else []
    if len(hops) < count:  # fewer proxies appended than are configured: the header is not theirs
        return remote
    return _normalised(hops[-count]) or remote
