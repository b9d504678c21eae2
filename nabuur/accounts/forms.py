from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _


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
