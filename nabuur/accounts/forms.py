from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.mfa.utils import is_mfa_enabled
from allauth.mfa.webauthn import forms as webauthn_forms
from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput
from django.utils.translation import gettext_lazy as _

from .services import email_in_use

SECOND_FACTOR_BLOCKS_NEW_ADDRESS = _(
    "An account protected by a second factor cannot get a new e-mail address here: until it is "
    "confirmed, a new address could receive a link to reset your password."
)


class ChoosePasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; not a common or only-numbers password."),
    )
    password2 = forms.CharField(
        label=_("New password, again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class AcceptInvitationForm(ChoosePasswordForm):
    """The password, and for a coordinator the confirmation of being 18 or older."""

    adult = forms.BooleanField(
        label=_("I confirm that I am 18 years or older."),
        error_messages={"required": _("Tick the box to confirm that you are 18 or older.")},
    )

    def __init__(self, user, *args, asks_adult=False, **kwargs):
        super().__init__(user, *args, **kwargs)
        if not asks_adult:
            del self.fields["adult"]


class AddEmailForm(AllauthAddEmailForm):
    """allauth's form on the e-mail page (ACCOUNT_FORMS), which lets anyone add an address that
    another account uses (to hide who has an account); such a row would log in and reset that
    password too. Nabuur refuses it first, with the same words as the coordinator's form.

    allauth refuses any new address for an account with a second factor (an unconfirmed one
    could receive a password reset); Nabuur says so in its own words."""

    def clean_email(self):
        value = self.cleaned_data["email"]
        if email_in_use(value, other_than=self.user):
            raise forms.ValidationError(
                _("Another person already uses this e-mail address."), code="email_taken"
            )
        if is_mfa_enabled(self.user):
            raise forms.ValidationError(SECOND_FACTOR_BLOCKS_NEW_ADDRESS, code="second_factor")
        return super().clean_email()


class CredentialField(forms.JSONField):
    """A security key's answer, as JSON. Django's JSONField lets the decoder's ValueError for an
    integer of more than 4,300 digits escape (a 500); here it is invalid input like any other."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValueError as error:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from error

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except ValueError:
            return InvalidJSONInput(data)


class AddWebAuthnForm(webauthn_forms.AddWebAuthnForm):
    credential = CredentialField(required=True, widget=forms.HiddenInput)


class LoginWebAuthnForm(webauthn_forms.LoginWebAuthnForm):
    credential = CredentialField(required=True, widget=forms.HiddenInput)
