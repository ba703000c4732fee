"""Every action code the application can write has a readable label in both languages.

The codes are read from the source, not from a list kept by hand: every ``audit.record(action=...)`` (or
``record(...)`` imported from ``portal.audit``) in ``portal/`` and ``monitoring/``. A literal code is taken as it
is; a code held in a variable (``_save(locked, actor, "monitoring.transparency.answered", ...)``) is taken from
every code-shaped string of that module; a code built in an f-string (the admin's
``f"{obj._meta.label_lower}.admin_changed"``) must end in a verb that has a label of its own.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import translation

from monitoring import audit_labels
from monitoring.audit_labels import ACTION_LABELS, OBJECT_KINDS, VERB_LABELS, kind_label, label_for

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"^(portal|monitoring)\.[a-z_]+\.[a-z_]+$")


def _is_audit_call(node: ast.Call, imported_record: bool) -> bool:
    """``audit.record(...)``, ``record(...)`` imported from portal.audit, or a row written by hand
    (``AuditEvent.objects.create(...)``)."""
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "record":
        return isinstance(func.value, ast.Name) and func.value.id == "audit"
    if isinstance(func, ast.Attribute) and func.attr == "create" and isinstance(func.value, ast.Attribute):
        manager = func.value
        return manager.attr == "objects" and isinstance(manager.value, ast.Name) and manager.value.id == "AuditEvent"
    return imported_record and isinstance(func, ast.Name) and func.id == "record"


def _imports_record(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "portal.audit"
        and any(a.name == "record" for a in node.names)
        for node in ast.walk(tree)
    )


def scan() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(literal or variable codes -> files, f-string verbs -> files) over the application's source."""
    codes: dict[str, set[str]] = {}
    verbs: dict[str, set[str]] = {}
    for app in ("portal", "monitoring"):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = str(path.relative_to(ROOT))
            tree = ast.parse(path.read_text(encoding="utf-8"))
            imported = _imports_record(tree)
            indirect = False
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and _is_audit_call(node, imported)):
                    continue
                action = next((kw.value for kw in node.keywords if kw.arg == "action"), None)
                if action is None:
                    continue
                if isinstance(action, ast.Constant) and isinstance(action.value, str):
                    codes.setdefault(action.value, set()).add(name)
                elif isinstance(action, ast.JoinedStr):
                    # The verb is the literal end ("….admin_deleted") or each literal a choice between them.
                    tail = action.values[-1]
                    ends = [tail] if isinstance(tail, ast.Constant) else list(ast.walk(tail))
                    found = [str(c.value).rpartition(".")[2] for c in ends if isinstance(c, ast.Constant)]
                    assert found, f"{name}:{node.lineno}: a code built at run time must end in a fixed verb"
                    for verb in found:
                        verbs.setdefault(verb, set()).add(name)
                else:
                    indirect = True
            if indirect:
                for node in ast.walk(tree):
                    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
                        codes.setdefault(node.value, set()).add(name)
    return codes, verbs


CODES, VERBS = scan()


def test_the_scan_finds_the_codes_of_every_kind_of_call():
    # A literal, a code passed through a helper, a decision rule, and the admin's f-strings.
    assert "monitoring.evidence.submitted" in CODES
    assert "monitoring.transparency.answered" in CODES
    assert "monitoring.evidence.changes_requested" in CODES
    assert "portal.audit.exported" in CODES
    assert {"admin_added", "admin_changed", "admin_deleted", "created", "updated", "retired"} <= set(VERBS)


def test_every_code_the_code_can_write_has_a_label():
    missing = {code: sorted(files) for code, files in CODES.items() if code not in ACTION_LABELS}
    assert missing == {}, f"add these to monitoring/audit_labels.py ACTION_LABELS: {missing}"
    missing_verbs = {verb: sorted(files) for verb, files in VERBS.items() if verb not in VERB_LABELS}
    assert missing_verbs == {}, f"add these to monitoring/audit_labels.py VERB_LABELS: {missing_verbs}"


LABELS = {
    **{f"action {code}": label for code, label in ACTION_LABELS.items()},
    **{f"verb {verb}": label for verb, label in VERB_LABELS.items()},
    **{f"kind {kind}": label for kind, label in OBJECT_KINDS.items()},
    **{f"reason {reason}": label for reason, label in audit_labels.SYSTEM_REASONS.items()},
    "generic": audit_labels.GENERIC_LABEL,
}


@pytest.mark.parametrize("key", sorted(LABELS))
def test_every_label_reads_in_english_and_in_spanish(key):
    label = LABELS[key]
    with translation.override("en"):
        english = str(label)
    with translation.override("es"):
        spanish = str(label)
    assert english and "." not in english.rstrip("."), f"{key}: the English label looks like a code: {english!r}"
    assert spanish != english, f"{key}: no Spanish translation for {english!r} (add it to locale/es)"


def test_every_model_of_both_apps_is_a_kind_of_object_or_declared_never_audited():
    models = {m._meta.label_lower for app in ("portal", "monitoring") for m in apps.get_app_config(app).get_models()}
    unclassified = models - set(OBJECT_KINDS) - audit_labels.NOT_AUDITED
    assert unclassified == set(), (
        f"name these in OBJECT_KINDS or NOT_AUDITED (monitoring/audit_labels.py): {unclassified}"
    )
    assert not set(OBJECT_KINDS) & audit_labels.NOT_AUDITED


def test_an_unknown_code_or_kind_still_reads_as_words_never_as_the_code():
    with translation.override("en"):
        assert label_for("monitoring.evidence.changes_requested") == "asked for changes"
        assert label_for("portal.organisation.admin_changed") == "changed it in the administration"
        assert label_for("monitoring.indicator.retired") == "retired it from the catalogue"
        assert label_for("monitoring.gadget.frobnicated") == "made a change"
        assert kind_label("monitoring.transparencyrequest") == "Transparency requests"
        assert kind_label("elsewhere.thing") == "Other record"
        assert kind_label("<script>") == "Other record"


def test_every_action_and_kind_is_offered_in_the_audit_filter_with_its_label():
    from monitoring.forms.audit import AuditFilterForm

    with translation.override("en"):
        form = AuditFilterForm()
        offered = {value for group, options in form.fields["action"].choices[1:] for value, _label in options}
        kinds = dict(form.fields["object_type"].choices)
    assert set(ACTION_LABELS) <= offered
    assert {"*.admin_added", "*.admin_changed", "*.admin_deleted", "*.admin_password_set"} <= offered
    assert kinds["monitoring.report"] == "Shadow reports" and kinds["portal.organisation"] == "Organisations"
    assert set(kinds) - {""} == set(OBJECT_KINDS)
