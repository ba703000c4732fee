"""Changes made in the Django admin go to the audit trail too, with the fields before and after.

``AuditedAdmin`` is a ModelAdmin mixin: every add, change and delete of the object (and of the rows of its inlines,
and of its many-to-many fields) becomes one ``AuditEvent`` (portal.audit.record), written in the admin's own
transaction. Actions are ``<app>.<model>.admin_added`` / ``admin_changed`` / ``admin_deleted``; ``changes`` maps
each changed field to ``[before, after]``. Secret fields (password hashes, token hashes) are recorded only as
"changed", never their value.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.files import FieldFile
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest, HttpResponse

from portal import audit, page_cache

SECRET_FIELDS = frozenset({"password", "token_hash"})
HIDDEN = "[hidden]"
IGNORED_FIELDS = frozenset({"last_login", "created_at", "updated_at"})  # noise, not a decision


def _plain(value: Any) -> Any:
    if isinstance(value, FieldFile):
        return value.name or ""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's concrete fields as JSON-safe values (foreign keys as their id)."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.name in IGNORED_FIELDS:
            continue
        value = field.value_from_object(obj)
        data[field.name] = HIDDEN if field.name in SECRET_FIELDS and value else _plain(value)
    return data


def many_to_many(obj: models.Model) -> dict[str, list[str]]:
    if obj.pk is None:
        return {}
    return {field.name: sorted(str(o) for o in getattr(obj, field.name).all()) for field in obj._meta.many_to_many}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changes[name] = [old, new]
    return changes


def _secret_changes(obj: models.Model, stored: models.Model | None) -> dict[str, list[str]]:
    """A changed password (or token) hash: recorded as changed, never its value."""
    out = {}
    for name in SECRET_FIELDS:
        if stored is not None and hasattr(obj, name) and getattr(obj, name) != getattr(stored, name):
            out[name] = [HIDDEN, "[changed]"]
    return out


class AuditedAdmin:
    """Mix into a ModelAdmin (before ``admin.ModelAdmin``): its saves and deletes are audited."""

    def _stored(self, obj: models.Model) -> models.Model | None:
        if obj.pk is None:
            return None
        return type(obj)._default_manager.filter(pk=obj.pk).first()

    def save_model(self, request: HttpRequest, obj: models.Model, form: ModelForm, change: bool) -> None:
        stored = self._stored(obj) if change else None
        before = snapshot(stored) if stored is not None else {}
        secrets = _secret_changes(obj, stored)
        before_m2m = many_to_many(stored) if stored is not None else {}
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        page_cache.bump_all()  # an administrator may have edited anything a public page shows
        # Recorded in save_related, once the many-to-many fields are saved too.
        request._audit_pending = (obj, change, before, before_m2m, secrets)  # type: ignore[attr-defined]

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: list[BaseFormSet], change: bool) -> None:
        inline_before: dict[tuple[type, Any], dict[str, Any]] = {}
        deleted: list[tuple[models.Model, dict[str, Any]]] = []
        for formset in formsets:
            for inline_form in formset.forms:
                instance = inline_form.instance
                if instance.pk is None:
                    continue
                stored = self._stored(instance)
                if stored is None:
                    continue
                inline_before[(type(instance), instance.pk)] = snapshot(stored)
                if formset.can_delete and formset._should_delete_form(inline_form):  # type: ignore[attr-defined]
                    deleted.append((stored, snapshot(stored)))
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        actor = request.user if request.user.is_authenticated else None
        pending = getattr(request, "_audit_pending", None)
        if pending is not None:
            obj, was_change, before, before_m2m, secrets = pending
            changes = diff(before, snapshot(obj))
            changes.update(
                diff(before_m2m, many_to_many(obj))
                if was_change
                else {k: [None, v] for k, v in many_to_many(obj).items() if v}
            )
            changes.update(secrets)
            if changes or not was_change:
                audit.record(
                    action=f"{obj._meta.label_lower}.{'admin_changed' if was_change else 'admin_added'}",
                    obj=obj,
                    actor=actor,
                    changes=changes,
                    reason="admin",
                )
            del request._audit_pending  # type: ignore[attr-defined]
        for formset in formsets:
            for instance in getattr(formset, "new_objects", []):
                audit.record(
                    action=f"{instance._meta.label_lower}.admin_added",
                    obj=instance,
                    actor=actor,
                    changes={k: [None, v] for k, v in snapshot(instance).items()},
                    reason="admin",
                )
            for instance, _fields in getattr(formset, "changed_objects", []):
                changes = diff(inline_before.get((type(instance), instance.pk), {}), snapshot(instance))
                if changes:
                    audit.record(
                        action=f"{instance._meta.label_lower}.admin_changed",
                        obj=instance,
                        actor=actor,
                        changes=changes,
                        reason="admin",
                    )
        for stored, values in deleted:
            self._record_deleted(request, stored, values)

    def _record_deleted(self, request: HttpRequest, obj: models.Model, values: dict[str, Any]) -> None:
        """Recorded before the row goes (the instance still has its pk), in the same transaction."""
        audit.record(
            action=f"{obj._meta.label_lower}.admin_deleted",
            obj=obj,
            actor=request.user if request.user.is_authenticated else None,
            changes={k: [v, None] for k, v in values.items()},
            reason="admin",
        )

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        self._record_deleted(request, obj, {**snapshot(obj), **many_to_many(obj)})
        super().delete_model(request, obj)  # type: ignore[misc]
        page_cache.bump_all()

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        for obj in queryset:
            self._record_deleted(request, obj, {**snapshot(obj), **many_to_many(obj)})
        super().delete_queryset(request, queryset)  # type: ignore[misc]
        page_cache.bump_all()


def audit_password_change(request: HttpRequest, user: models.Model, response: HttpResponse) -> None:
    """The admin's "change password" form saves outside save_model: record it (never the hash)."""
    if request.method == "POST" and response.status_code == 302:
        audit.record(
            action=f"{user._meta.label_lower}.admin_password_set",
            obj=user,
            actor=request.user if request.user.is_authenticated else None,
            changes={"password": [HIDDEN, "[changed]"]},
            reason="admin",
        )
