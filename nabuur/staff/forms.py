"""Forms of the staff pages: roles (appoint, hand over, end, screen, a coordinator's
confirmation), the zone's staff and settings, the audit log's filter. The BIN pages of zone
administration (nabuur.networks.views) use the role forms too."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

from nabuur.lib import clock
from nabuur.lib.forms import Accessible, AccessibleForm, IsoDateInput
from nabuur.zones.models import Municipality, Zone
from nabuur.zones.services import (
    ZONE_CONTACT,
    ZONE_CONTROLLER,
    ZONE_DEADLINES,
    ZONE_MAP,
    ZONE_RETENTION,
    ZONE_SETTINGS,
)

from .models import MUNICIPALITY_ROLES, NETWORK_ROLES, Role, ScreeningResult


class PersonForm(AccessibleForm):
    """The person to invite into a role, with the police screening for a coordinator."""

    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    screening_result = forms.ChoiceField(
        label=_("Police screening"),
        choices=ScreeningResult.choices,
        initial=ScreeningResult.PENDING,
        help_text=_("For coordinators only."),
    )
    screened_on = forms.DateField(label=_("Screened on"), required=False, widget=IsoDateInput)

    def person(self):
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "screening_result": data["screening_result"],
            "screened_on": data["screened_on"],
        }


class AppointForm(PersonForm):
    role = forms.ChoiceField(label=_("Role"), choices=[])

    field_order = ["role", "email", "first_name", "last_name"]

    def __init__(self, *args, roles=NETWORK_ROLES, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(Role(r).value, Role(r).label) for r in roles]


class EndRoleForm(AccessibleForm):
    ended_on = forms.DateField(
        label=_("Last day"),
        required=False,
        widget=IsoDateInput,
        help_text=_("Leave empty to end the role now: it grants nothing from this moment on."),
    )


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


class ScreeningForm(AccessibleForm):
    screening_result = forms.ChoiceField(
        label=_("Result of the police screening"),
        choices=ScreeningResult.choices,
        widget=forms.RadioSelect,
    )
    screened_on = forms.DateField(
        label=_("Screened on"),
        required=False,
        widget=IsoDateInput,
        help_text=_("Leave empty for today."),
    )

    def clean_screened_on(self):
        screened_on = self.cleaned_data.get("screened_on")
        if screened_on and screened_on > clock.today():
            raise forms.ValidationError(_("The screening cannot be in the future."))
        return screened_on


class ConfirmAdultForm(AccessibleForm):
    adult = forms.BooleanField(
        label=_("I confirm that I am 18 years or older."),
        error_messages={"required": _("Tick the box to confirm that you are 18 or older.")},
    )


# The bounds of each retention period, in days: long enough to handle a case, short enough to
# keep no more than the privacy notice can justify.
RETENTION_BOUNDS = {
    "retention_unconfirmed_days": (1, 30),
    "retention_left_days": (1, 365),
    "retention_address_requests_days": (1, 90),
    "retention_measures_days": (365, 3650),
    "retention_replies_days": (1, 90),
}
# The bounds of each deadline (#16): a volunteer needs a few days, a police message goes stale.
DEADLINE_BOUNDS = {
    "deadline_forward_hours": (4, 168),
    "deadline_signup_days": (1, 30),
    "deadline_measure_days": (1, 30),
    "deadline_evaluation_days": (7, 90),
}
PHONE_NUMBER = RegexValidator(
    r"^\+?[0-9][0-9 ./]{1,15}$",
    _("Enter the number as people dial it, for example 101 or 03 123 45 67."),
)


class ZoneSettingsForm(Accessible, forms.ModelForm):
    """The zone's settings; the view saves them through zones.services.change_zone_settings."""

    # The page's five groups (zones.services).
    CONTACT, CONTROLLER, RETENTION = ZONE_CONTACT, ZONE_CONTROLLER, ZONE_RETENTION
    DEADLINES, MAP = ZONE_DEADLINES, ZONE_MAP

    class Meta:
        model = Zone
        fields = ZONE_SETTINGS
        widgets = {
            "postal_address": forms.Textarea(attrs={"rows": 3}),
            "controller_address": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "phone": _("The zone's number for questions, shown at the foot of every page."),
            "non_emergency_number": _(
                "The number every page and every e-mail gives for reporting something "
                "suspicious; 101 in all of Belgium."
            ),
            "emergency_number": _("112 in all of Belgium."),
            "controller_kind": _(
                "Who decides why and how members' data are processed. Municipality contacts "
                "see the member lists only where the municipality is a controller."
            ),
            "retention_unconfirmed_days": _(
                "A sign-up whose e-mail address nobody confirmed is deleted after this many "
                "days (1 to 30)."
            ),
            "retention_left_days": _(
                "The personal data of a member who left are erased after this many days (1 to 365)."
            ),
            "retention_address_requests_days": _(
                "A sign-up from outside every BIN that nobody placed is deleted after this "
                "many days (1 to 90)."
            ),
            "retention_measures_days": _(
                "How long a permanent suspension keeps the person from joining again, in days "
                "(365 to 3650)."
            ),
            "retention_replies_days": _(
                "Members' e-mail replies to messages are deleted this many days after they "
                "arrive (1 to 90)."
            ),
            "map_tile_url": _(
                "Leave empty to show BIN areas without a background map. A tile server sees "
                "the address of every visitor who looks at a map, so the privacy notice names "
                "it. Example: https://tile.example.be/{z}/{x}/{y}.png"
            ),
            "map_tile_attribution": _(
                "The credit line the tile server's licence asks for, shown under each map."
            ),
            "deadline_forward_hours": _(
                "After this many hours a coordinator who has not forwarded or declined a police "
                "message is reminded; after twice as long the BIN's other partners are told "
                "(4 to 168)."
            ),
            "deadline_signup_days": _(
                "After this many days a sign-up nobody approved or refused is brought to the "
                "coordinator again; after twice as long to the BIN's other partners (1 to 30)."
            ),
            "deadline_measure_days": _(
                "After this many days a measure proposed by one side and not confirmed by the "
                "other is brought up again (1 to 30)."
            ),
            "deadline_evaluation_days": _(
                "The yearly evaluation should be signed within this many days after its period "
                "ends, or after it was opened if that was later; reminders follow (7 to 90)."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (low, high) in (RETENTION_BOUNDS | DEADLINE_BOUNDS).items():
            field = self.fields[name]
            field.validators += [MinValueValidator(low), MaxValueValidator(high)]
            field.widget.attrs.update(min=low, max=high)
        for name in ("phone", "non_emergency_number", "emergency_number"):
            self.fields[name].validators.append(PHONE_NUMBER)


class AuditFilterForm(forms.Form):
    actor = forms.IntegerField(label=_("Actor (user id)"), required=False, min_value=1)
    action = forms.ChoiceField(label=_("Action"), required=False)
    person = forms.IntegerField(label=_("Person concerned (user id)"), required=False, min_value=1)
    since = forms.DateField(label=_("From"), required=False, widget=IsoDateInput)
    until = forms.DateField(label=_("Until"), required=False, widget=IsoDateInput)

    def __init__(self, *args, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions"))] + [(a, a) for a in actions]
