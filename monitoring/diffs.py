"""What changed between two published versions of a report, computed from their immutable snapshots.

Pure functions over two snapshots (no database access): per indicator, the rating and the value before and after, a
word-level diff of the narrative and of the government's reply, and the evidence cited or no longer cited; and the
same word-level diff of the report's own texts. Because snapshots never change, a comparison never changes either:
``compare_cached`` keeps it in the shared cache under the two content hashes and the language.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from monitoring.presentation import _fmt, _num, _tr, rating_info
from portal import cache

# Words and the spaces between them, so that the diff joins back into the text exactly.
_TOKENS = re.compile(r"\s+|[^\s]+")
# A diff of two very long texts costs quadratic time; past this many tokens the texts are shown whole, replaced.
MAX_TOKENS = 20_000
CACHE_SECONDS = 7 * 24 * 3600
CACHE_PREFIX = "report-diff:1:"


def word_diff(old: str, new: str) -> list[dict[str, str]]:
    """The texts as runs of ``same``, ``del`` and ``ins`` words (whitespace kept), in reading order."""
    old, new = old or "", new or ""
    if old == new:
        return [{"op": "same", "text": new}] if new else []
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    if len(a) + len(b) > MAX_TOKENS:
        return [run for run in ({"op": "del", "text": old}, {"op": "ins", "text": new}) if run["text"]]
    runs: list[dict[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            _append(runs, "same", "".join(a[i1:i2]))
        else:
            _append(runs, "del", "".join(a[i1:i2]))
            _append(runs, "ins", "".join(b[j1:j2]))
    return runs


def _append(runs: list[dict[str, str]], op: str, text: str) -> None:
    if not text:
        return
    if runs and runs[-1]["op"] == op:
        runs[-1]["text"] += text
    else:
        runs.append({"op": op, "text": text})


def _changed(runs: list[dict[str, str]]) -> bool:
    return any(run["op"] != "same" for run in runs)


def _assessments(snapshot: dict[str, Any]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    return {a["indicator"]["code"]: (p, a) for p in snapshot.get("pillars", []) for a in p.get("assessments", [])}


def _evidence(e: dict[str, Any]) -> dict[str, Any]:
    return {"uuid": e["uuid"], "title": e.get("title", ""), "organisation": e.get("organisation", "")}


def _reply_text(a: dict[str, Any] | None) -> str:
    return ((a or {}).get("reply") or {}).get("text") or ""


def _reply_institution(a: dict[str, Any] | None, lang: str) -> str:
    institution = ((a or {}).get("reply") or {}).get("institution")
    return _tr(institution, "name", lang) if institution else ""


def _value(a: dict[str, Any] | None) -> str:
    if a is None:
        return ""
    return _fmt(_num(a.get("observed_value")), a["indicator"].get("unit", ""))


def compare(old: dict[str, Any], new: dict[str, Any], lang: str) -> dict[str, Any]:
    """Everything the comparison page shows, in ``lang``: report texts, then the indicators that changed."""
    with translation.override(lang):
        old_report, new_report = old["report"], new["report"]
        texts = []
        for key, label in (
            ("title", _("Title")),
            ("executive_summary", _("Executive summary")),
            ("recommendations", _("Recommendations")),
            ("methodology", _("Methodology")),
        ):
            runs = word_diff(old_report.get(key, ""), new_report.get(key, ""))
            texts.append({"key": key, "label": str(label), "changed": _changed(runs), "runs": runs})
        authors_before = [o["name"] for o in old_report.get("organisations", [])]
        authors_after = [o["name"] for o in new_report.get("organisations", [])]

        before, after = _assessments(old), _assessments(new)
        codes = list(after) + [code for code in before if code not in after]
        indicators, unchanged = [], 0
        for code in codes:
            pillar, a_new = after.get(code, (None, None))
            old_pillar, a_old = before.get(code, (None, None))
            pillar = pillar or old_pillar
            a_any = a_new or a_old
            assert a_any is not None and pillar is not None
            cited_old = {e["uuid"]: e for e in (a_old or {}).get("evidence", [])}
            cited_new = {e["uuid"]: e for e in (a_new or {}).get("evidence", [])}
            narrative = word_diff((a_old or {}).get("narrative", ""), (a_new or {}).get("narrative", ""))
            reply = word_diff(_reply_text(a_old), _reply_text(a_new))
            item = {
                "code": code,
                "anchor": f"ind-{code}".replace(".", "-"),
                "text": _tr(a_any["indicator"], "text", lang),
                "pillar": f"{pillar['code']} · {_tr(pillar, 'name', lang)}",
                "state": "added" if a_old is None else "removed" if a_new is None else "changed",
                "rating_before": rating_info(a_old["rating"]) if a_old else None,
                "rating_after": rating_info(a_new["rating"]) if a_new else None,
                "rating_changed": (a_old or {}).get("rating") != (a_new or {}).get("rating"),
                "value_before": _value(a_old),
                "value_after": _value(a_new),
                "value_changed": _value(a_old) != _value(a_new),
                "narrative": narrative,
                "narrative_changed": _changed(narrative),
                "reply": reply,
                "reply_changed": _changed(reply),
                "reply_institution_before": _reply_institution(a_old, lang),
                "reply_institution_after": _reply_institution(a_new, lang),
                "evidence_added": [_evidence(e) for u, e in cited_new.items() if u not in cited_old],
                "evidence_removed": [_evidence(e) for u, e in cited_old.items() if u not in cited_new],
            }
            item["reply_institution_changed"] = item["reply_institution_before"] != item["reply_institution_after"]
            if item["state"] == "changed" and not any(
                item[k]
                for k in (
                    "rating_changed",
                    "value_changed",
                    "narrative_changed",
                    "reply_changed",
                    "reply_institution_changed",
                    "evidence_added",
                    "evidence_removed",
                )
            ):
                unchanged += 1
                continue
            indicators.append(item)
        return {
            "texts": texts,
            "texts_changed": any(t["changed"] for t in texts),
            "period_before": f"{old_report.get('period_start')} – {old_report.get('period_end')}",
            "period_after": f"{new_report.get('period_start')} – {new_report.get('period_end')}",
            "authors_before": ", ".join(authors_before),
            "authors_after": ", ".join(authors_after),
            "indicators": indicators,
            "unchanged": unchanged,
        }


def compare_cached(old_sha: str, old: dict[str, Any], new_sha: str, new: dict[str, Any], lang: str) -> dict[str, Any]:
    """``compare``, kept in the shared cache: two snapshots with these hashes always compare the same."""
    from portal.page_cache import build_id  # the labels are the release's

    key = f"{CACHE_PREFIX}{build_id()}:{old_sha}:{new_sha}:{lang}"
    found = cache.get(key)
    if isinstance(found, dict):
        return found
    result = compare(old, new, lang)
    cache.set(key, result, CACHE_SECONDS)
    return result
