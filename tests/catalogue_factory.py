"""Builds catalogue files (nap-catalogue/1) of any size, for importer and query-count tests."""

from __future__ import annotations

from typing import Any

import yaml


def make_catalogue(
    slug: str = "xx-test-plan",
    pillars: int = 2,
    objectives_per_pillar: int = 1,
    lines_per_objective: int = 1,
    indicators_per_line: int = 1,
    civil_society: int = 1,
) -> dict[str, Any]:
    flags = {"wording": "provisional", "placement": "provisional", "source": ["test"]}
    data: dict[str, Any] = {
        "format": "nap-catalogue/1",
        "plan": {
            "slug": slug,
            "country": "XX",
            "title_es": f"Plan de prueba {slug}",
            "title_en": f"Test plan {slug}",
            "short_name": "PNA-TEST",
            "adopted": "2022-01-01",
            "period_start": "2022-01-01",
            "period_end": "2025-12-31",
            "review_due": 2025,
            "summary_es": "Resumen.",
            "summary_en": "Summary.",
            "wording_note_es": "Nota de redacción.",
            "wording_note_en": "Wording note.",
            "sources": ["https://example.org/plan"],
        },
        "institutions": [
            {"code": f"{slug}-A", "name_es": "Institución A", "name_en": "Institution A", "signatory": True},
            {"code": f"{slug}-B", "name_es": "Institución B", "name_en": "Institution B", "signatory": False},
        ],
        "pillars": [],
        "objectives": [],
        "lines_of_action": [],
        "indicators": [],
        "civil_society_indicators": [],
    }
    n_obj = n_ind = 0
    for p in range(1, pillars + 1):
        data["pillars"].append(
            {
                "code": f"P{p}",
                "name_es": f"Pilar {p}",
                "name_en": f"Pillar {p}",
                "description_es": "Descripción.",
                "description_en": "Description.",
            }
        )
        for _ in range(objectives_per_pillar):
            n_obj += 1
            data["objectives"].append(
                {"code": f"OE{n_obj}", "pillar": f"P{p}", "text_es": "Objetivo", "text_en": "Objective", **flags}
            )
            for n_line in range(1, lines_per_objective + 1):
                line_code = f"LA{n_obj}.{n_line}"
                data["lines_of_action"].append(
                    {
                        "code": line_code,
                        "objective": f"OE{n_obj}",
                        "text_es": "Línea",
                        "text_en": "Line",
                        "responsible": [f"{slug}-A"],
                        **flags,
                    }
                )
                for _ in range(indicators_per_line):
                    n_ind += 1
                    data["indicators"].append(
                        {
                            "code": f"I{n_ind:02d}",
                            "line_of_action": line_code,
                            "text_es": f"Indicador {n_ind}",
                            "text_en": f"Indicator {n_ind}",
                            "unit": "count",
                            "direction": "increase",
                            "target": {
                                "value": 10,
                                "period": "per_year",
                                "comparator": ">=",
                                "text_es": "10 por año",
                                "text_en": "10 a year",
                            },
                            "baseline": None,
                            "responsible": [f"{slug}-A", f"{slug}-B"],
                            "disaggregation": ["sex"],
                            **flags,
                        }
                    )
    for c in range(1, civil_society + 1):
        data["civil_society_indicators"].append(
            {
                "code": f"CS{c:02d}",
                "pillar": "P1",
                "text_es": "Indicador civil",
                "text_en": "Civil indicator",
                "unit": "percentage",
                "rationale_es": "Razón.",
                "rationale_en": "Reason.",
                "source": ["test"],
            }
        )
    return data


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
