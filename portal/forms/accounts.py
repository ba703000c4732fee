"""Account forms: log in, profile, invitations."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import notifications
from portal.mail import queue_message
from portal.models import Frequency, InvitationRole, Organisation, User
from portal.permissions import is_moderator, is_reviewer


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with an e-mail address. The error never says whether the address has an account."""

    error_messages = {
        "invalid_login": gettext_lazy(
            "The e-mail address and password do not match an active account. Both are case-sensitive "
            "except the address."
        ),
        "inactive": gettext_lazy(
            "The e-mail address and password do not match an active account. Both are case-sensitive "
            "except the address."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("E-mail address")
        self.fields["username"].widget = forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
        self.fields["username"].max_length = 254  # type: ignore[attr-defined]
        self.helper = _helper()

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        if len(username) > 254 or "\x00" in username:
            # Never look up an impossible address: same answer as a wrong password.
            raise self.get_invalid_login_error()
        return super().clean()


class ResetForm(PasswordResetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail address")
        self.helper = _helper()

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        """Through the outbox like every other mail: retried with backoff, never sent inside the request.

        The token is a secret: the stored row holds it sealed until delivery, then not at all (portal/mail.py).
        """
        queue_message(
            to=to_email,
            subject=render_to_string(subject_template_name, context),
            body=render_to_string(email_template_name, context),
            secrets={"token": context["token"]},
        )


class NewPasswordForm(SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class ChangePasswordForm(PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class ProfileForm(forms.ModelForm):
    """Name, language and, per kind of notification the person can receive, how to hear about it by e-mail."""

    class Meta:
        model = User
        fields = ["full_name", "preferred_language"]
        help_texts = {"preferred_language": gettext_lazy("Used for the site and the e-mails we send you.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["full_name"].label = _("Full name")
        self.fields["preferred_language"].label = _("Language")
        self.notification_fields: dict[str, _PreferenceField] = notification_preference_fields(self.instance)
        self.fields.update(self.notification_fields)
        self.helper = _helper()

    def clean_full_name(self) -> str:
        return str(self.cleaned_data["full_name"]).strip()

    def notification_preferences(self) -> dict[str, str]:
        """Kind → chosen frequency, from the cleaned data (a field left out of the POST keeps its current value)."""
        return {
            self.notification_fields[name].kind: self.cleaned_data[name]
            for name in self.notification_fields
            if self.cleaned_data.get(name)
        }


class _PreferenceField(forms.ChoiceField):
    kind = ""


def notification_preference_fields(user: User) -> dict[str, _PreferenceField]:
    """One choice per kind of notification this person can receive (by role), filled with her current choice."""
    roles = set()
    if is_moderator(user):
        roles.add("moderator")
    if user.pk and user.memberships.exists():
        roles.add("member")
    if is_reviewer(user):
        roles.add("reviewer")
    current = notifications.preferences_of(user) if user.pk else {}
    fields: dict[str, _PreferenceField] = {}
    for code, kind in notifications.KINDS.items():
        if not roles.intersection(kind.audience):
            continue
        field = _PreferenceField(
            label=str(kind.label), choices=Frequency.choices, initial=current.get(code, kind.default), required=False
        )
        field.kind = code
        fields["notify_" + code.replace(".", "_")] = field
    return fields


class InvitationForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail address of the person to invite"), max_length=254)
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=InvitationRole.choices,
        help_text=gettext_lazy(
            "Members log evidence. Reviewers also write and publish shadow reports. Moderators run the site: "
            "a moderator invitation is sent only after a second moderator confirms it."
        ),
    )
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"),
        queryset=Organisation.objects.all(),
        required=False,
        help_text=gettext_lazy("Required for members and reviewers; leave empty for a moderator."),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language of the invitation e-mail"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role = data.get("role")
        if role == InvitationRole.MODERATOR:
            if data.get("organisation") is not None:
                self.add_error("organisation", _("Moderators do not belong to an organisation: leave it empty."))
        elif role and data.get("organisation") is None:
            self.add_error("organisation", _("Choose the organisation the person will join."))
        return data


class AcceptInvitationForm(forms.Form):
    """For invitees without an account: choose a name and a password."""

    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=200)
    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email
        self.helper = _helper()

    def clean_full_name(self) -> str:
        return str(self.cleaned_data["full_name"]).strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                password_validation.validate_password(p1, User(email=self.email, full_name=data.get("full_name", "")))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
