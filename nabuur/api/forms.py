from django import forms
from django.utils.translation import gettext_lazy as _

from nabuur.lib.forms import AccessibleForm

from .models import ApiToken, Scope


class TokenForm(AccessibleForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Who uses it and for what, for example: 101 dispatch centre of the province."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("What the token may read"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
    )


class AddZoneForm(AccessibleForm):
    prefix = forms.CharField(
        label=_("Token id"),
        max_length=12,
        help_text=_(
            "The id (nbr_…) that the administrator of the zone that created the token gives "
            "you. Adding your zone lets that token read your zone's data too."
        ),
    )

    def clean_prefix(self):
        prefix = self.cleaned_data["prefix"].strip()
        token = ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
        if token is None:
            raise forms.ValidationError(_("No active token has this id."))
        self.token = token
        return prefix


class RevokeForm(AccessibleForm):
    pass
