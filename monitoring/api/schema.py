"""OpenAPI post-processing: document the error answers every endpoint can give."""

from __future__ import annotations

from typing import Any

ERROR = {"type": "object", "properties": {"detail": {"type": "string"}}}
ANSWERS = {
    "400": "Invalid query parameter (filter or page size).",
    "404": "No such object, or it is not public; also an out-of-range page.",
    "429": "Too many requests: slow down (see the Retry-After header).",
}


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                # An empty filter value means "no filter", as in the web forms.
                enum = parameter.get("schema", {}).get("enum")
                if parameter.get("in") == "query" and enum is not None and "" not in enum:
                    enum.append("")
            responses = operation.setdefault("responses", {})
            for code, description in ANSWERS.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result
