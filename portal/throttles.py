"""API throttling through the shared cache (portal/cache.py says why reading stays open when Redis is down)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from rest_framework.throttling import AnonRateThrottle

from portal.client import client_address

if TYPE_CHECKING:  # DRF's views import the throttle classes named in settings: no import of them at run time
    from rest_framework.request import Request
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)


class ReadThrottle(AnonRateThrottle):
    """DRF's anonymous limit, shared through the cache; if the cache is down, reading stays open."""

    def get_ident(self, request: Request) -> str:
        """The reader's address, the same one the login throttle sees (portal/client.py)."""
        return client_address(request)

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # redis.ConnectionError and the like
            logger.warning("API throttle without a cache (%s): request allowed", type(exc).__name__)
            return True
