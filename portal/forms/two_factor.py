"""Forms of two-factor authentication: a code from the app (or a recovery code), and re-authentication."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text=gettext_lazy("The 6-digit code your authenticator app shows, or one of your recovery codes."),
    )

    def clean_token(self) -> str:
        return "".join(str(self.cleaned_data["token"]).split())


class ReauthForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    token = forms.CharField(label=gettext_lazy("Code from your authenticator app"), max_length=16, required=False)
