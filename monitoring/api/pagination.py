"""Pagination of the open-data API: page numbers for the small lists, a cursor for the evidence list.

The evidence list is the one that grows: counting every match and reading every row before a deep page costs
more the more evidence there is. Its pages therefore follow ``next``/``previous`` links that carry a cursor (the
position of the last or first row, see ``monitoring.search.listing()``), and its ``count`` is exact up to
``monitoring.search.COUNT_CAP`` matches and ``null`` above (``count_capped`` is then true).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from monitoring import search

LICENCE = {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}
LICENCE_SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}, "url": {"type": "string"}}}
PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
PAGE_SIZE_PARAM = "page_size"


def page_size(request: Request) -> int:
    """An explicit page size must be a whole number from 1 to MAX_PAGE_SIZE: anything else is a 400."""
    raw = request.query_params.getlist(PAGE_SIZE_PARAM)
    if raw and (
        len(raw) > 1
        or not (raw[0].isascii() and raw[0].isdigit() and len(raw[0]) <= 3)
        or not 1 <= int(raw[0]) <= MAX_PAGE_SIZE
    ):
        raise ValidationError({PAGE_SIZE_PARAM: f"a whole number from 1 to {MAX_PAGE_SIZE}"})
    return int(raw[0]) if raw else PAGE_SIZE


class LicensedPagination(PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = PAGE_SIZE_PARAM
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int | None:
        return page_size(request)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "licence": LICENCE,
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        base = super().get_paginated_response_schema(schema)
        base["properties"]["licence"] = LICENCE_SCHEMA
        return base


def _page_number(value: str | None) -> int | None:
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 6 or int(value) < 1:
        raise ValidationError({"page": "a whole number from 1 (follow the next link past the first pages)"})
    return int(value)


class EvidenceCursorPagination(BasePagination):
    """Keyset pages of the evidence list: newest source first, or best first for a rare search term.

    The view passes the already filtered queryset and the search words (``view.search_query``).
    """

    cursor_query_param = "cursor"
    result: search.Listing

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list[Any]:
        self.request = request
        size = page_size(request)
        query = getattr(view, "search_query", "")
        # Empty means the first page, as an empty filter means no filter ("$" of the pattern allows one "\n").
        cursor = (request.query_params.get(self.cursor_query_param) or "").removesuffix("\n") or None
        number = _page_number(request.query_params.get("page"))
        try:
            self.result = search.listing(queryset, query, size=size, cursor=cursor, page=number)
        except search.BadCursor as exc:
            raise ValidationError(
                {self.cursor_query_param: "not a cursor of this API: follow next and previous"}
            ) from exc
        return self.result.items

    def _link(self, cursor: str | None = None, page: int | None = None) -> str:
        url = remove_query_param(self.request.build_absolute_uri(), "page")
        url = remove_query_param(url, self.cursor_query_param)
        if cursor:
            url = replace_query_param(url, self.cursor_query_param, cursor)
        elif page and page > 1:
            url = replace_query_param(url, "page", page)
        return url

    def get_next_link(self) -> str | None:
        return self._link(cursor=self.result.next_cursor) if self.result.next_cursor else None

    def get_previous_link(self) -> str | None:
        if self.result.previous_cursor:
            return self._link(cursor=self.result.previous_cursor)
        if self.result.previous_page:
            return self._link(page=self.result.previous_page)
        return None

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "licence": LICENCE,
                "count": None if self.result.capped else self.result.count,
                "count_capped": self.result.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "A position in the list, as given in the next and previous links (opaque).",
                "schema": {"type": "string", "maxLength": search.MAX_CURSOR, "pattern": f"^$|{search.CURSOR_PATTERN}"},
            },
            {
                "name": PAGE_SIZE_PARAM,
                "required": False,
                "in": "query",
                "description": "Number of results per page.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
            {
                "name": "page",
                "required": False,
                "in": "query",
                "description": (
                    "A page by number, for older links: the first pages only (up to "
                    f"{search.MAX_OFFSET} results deep, further numbers give the deepest such page); "
                    "follow the next link instead."
                ),
                "schema": {"type": "integer", "minimum": 1, "maximum": 999999},
                "deprecated": True,
            },
        ]

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["licence", "count", "count_capped", "next", "previous", "results"],
            "properties": {
                "licence": LICENCE_SCHEMA,
                "count": {
                    "type": "integer",
                    "nullable": True,
                    "description": (
                        f"Number of matching items when at most {search.COUNT_CAP:,}; null when there are more "
                        "(counting them all would cost more than the page)."
                    ),
                },
                "count_capped": {
                    "type": "boolean",
                    "description": f"True when more than {search.COUNT_CAP:,} items match (count is then null).",
                },
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }
