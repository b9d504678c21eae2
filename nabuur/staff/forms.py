"""Forms of the staff pages: the zone's staff, screenings and a coordinator's confirmation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from nabuur.lib import clock
from nabuur.networks.forms import Accessible, DateInput, PersonForm
from nabuur.zones.models import Municipality

from .models import MUNICIPALITY_ROLES, Role, ScreeningResult

# The roles a zone administrator gives on the zone's staff page; BIN roles are given on each
# BIN's own page.
ZONE_PAGE_ROLES = [Role.MUNICIPALITY_CONTACT, Role.GENERAL_COORDINATOR, Role.ZONE_ADMIN]


class ZoneStaffInviteForm(PersonForm):
    role = forms.ChoiceField(
        label=_("Role"), choices=[(role.value, role.label) for role in ZONE_PAGE_ROLES]
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.none(),
        required=False,
        help_text=_("For a municipality contact or a general coordinator."),
    )

    field_order = ["role", "municipality", "email", "first_name", "last_name"]

    def __init__(self, *args, zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = zone.municipalities.order_by("name_nl")

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role in MUNICIPALITY_ROLES and not data.get("municipality"):
            self.add_error("municipality", _("Choose the municipality of this role."))
        if role == Role.ZONE_ADMIN and data.get("municipality"):
            self.add_error("municipality", _("A zone administrator works for the whole zone."))
        return data


class ScreeningForm(Accessible, forms.Form):
    screening_result = forms.ChoiceField(
        label=_("Result of the police screening"),
        choices=ScreeningResult.choices,
        widget=forms.RadioSelect,
    )
    screened_on = forms.DateField(
        label=_("Screened on"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty for today."),
    )

    def clean_screened_on(self):
        screened_on = self.cleaned_data.get("screened_on")
        if screened_on and screened_on > clock.today():
            raise forms.ValidationError(_("The screening cannot be in the future."))
        return screened_on


class ConfirmAdultForm(Accessible, forms.Form):
    adult = forms.BooleanField(
        label=_("I confirm that I am 18 years or older."),
        error_messages={"required": _("Tick the box to confirm that you are 18 or older.")},
    )
