"""Forms of the staff messaging pages: compose, edit, decide, and the communication plan."""

import datetime

from django import forms
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from nabuur.lib import clock
from nabuur.lib.forms import Accessible
from nabuur.lib.languages import union_languages
from nabuur.networks.models import BinType, Network, NetworkStatus
from nabuur.staff.permissions import Capability, Kind, networks_where, scopes_for
from nabuur.zones.models import Municipality

from .models import POLICE_ONLY_KINDS, AuthorSide, Message, MessageKind, MessageState
from .plans import kinds_for_author

# A stopped or merged BIN has no members left to write to.
WRITABLE_STATUSES = [NetworkStatus.PREPARATION, NetworkStatus.ACTIVE, NetworkStatus.SUSPENDED]
# How far back a feedback message may follow up an earlier one.
FOLLOW_UP_DAYS = 90


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def language_label(code):
    return get_language_info(code)["name_local"].capitalize()


def composable_networks(user):
    return (
        networks_where(user, Capability.COMPOSE_MESSAGES)
        .filter(status__in=WRITABLE_STATUSES)
        .select_related("municipality__zone")
        .order_by("name")
    )


class VariantsForm(Accessible, forms.Form):
    """A subject and a text per language, a schedule and, for feedback, the message it follows."""

    follows = forms.ModelChoiceField(
        label=_("Follows up on (feedback only)"),
        queryset=Message.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("The earlier message this feedback is about."),
    )
    scheduled_for = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        widget=DateTimeInput(),
        help_text=_("Leave empty to send as soon as the message is released."),
    )

    def __init__(self, *args, languages, follow_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = list(languages)
        self.fields["follows"].queryset = follow_choices
        self.fields["follows"].label_from_instance = self.describe_message
        for language in self.languages:
            name = language_label(language)
            self.fields[f"subject_{language}"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": name},
                max_length=200,
                required=False,
            )
            self.fields[f"body_{language}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": name},
                required=False,
                max_length=20000,
                widget=forms.Textarea(attrs={"rows": 12, "lang": language}),
                help_text=_(
                    "Paragraphs, **bold**, lists (lines starting with - or 1.) and links "
                    "(https://…). No images."
                ),
            )
            self.fields[f"subject_{language}"].widget.attrs["lang"] = language

    @staticmethod
    def describe_message(message):
        variant = next(iter(message.variants.all()), None)
        subject = variant.subject if variant else ""
        return f"{message.created_at:%d.%m.%Y} · {subject}"

    def clean_scheduled_for(self):
        moment = self.cleaned_data.get("scheduled_for")
        if moment and moment <= clock.now():
            raise forms.ValidationError(_("Choose a moment in the future."))
        return moment

    def clean(self):
        data = super().clean()
        written = 0
        for language in self.languages:
            subject = (data.get(f"subject_{language}") or "").strip()
            body = (data.get(f"body_{language}") or "").strip()
            if subject and not body:
                self.add_error(f"body_{language}", _("Write the text that goes with the subject."))
            elif body and not subject:
                self.add_error(f"subject_{language}", _("Give this text a subject."))
            elif subject:
                written += 1
        if not written and not self.errors:
            raise forms.ValidationError(_("Write the message in at least one language."))
        return data

    def variants(self):
        data = self.cleaned_data
        return {
            language: (data[f"subject_{language}"], data[f"body_{language}"])
            for language in self.languages
            if data.get(f"subject_{language}", "").strip()
        }

    def language_fields(self):
        """(language name, subject field, body field) per language, for the template."""
        return [
            (language_label(language), self[f"subject_{language}"], self[f"body_{language}"])
            for language in self.languages
        ]


def follow_choices(networks):
    since = clock.now() - datetime.timedelta(days=FOLLOW_UP_DAYS)
    return (
        Message.objects.filter(
            targets__in=networks,
            state__in=[MessageState.QUEUED, MessageState.SENDING, MessageState.SENT],
            created_at__gte=since,
        )
        .distinct()
        .prefetch_related("variants")
        .order_by("-created_at")
    )


class ComposeForm(VariantsForm):
    networks = forms.ModelMultipleChoiceField(
        label=_("BINs"),
        queryset=Network.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    kind = forms.ChoiceField(
        label=_("Class"),
        choices=MessageKind.choices,
        widget=forms.RadioSelect,
        help_text=_("The communication plan of each BIN says which classes you may send."),
    )
    # Zone administrators only: whole groups of BINs at once.
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Every BIN of these municipalities"),
        queryset=Municipality.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    bin_types = forms.ModelMultipleChoiceField(
        label=_("Every BIN of these types"),
        queryset=BinType.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    whole_zone = forms.BooleanField(label=_("Every BIN of the zone"), required=False)

    field_order = ["networks", "municipalities", "bin_types", "whole_zone", "kind"]

    def __init__(self, *args, user, **kwargs):
        self.composable = composable_networks(user)
        networks = list(self.composable)
        languages = union_languages({n.municipality.language_regime for n in networks})
        super().__init__(
            *args, languages=languages, follow_choices=follow_choices(networks), **kwargs
        )
        self.fields["networks"].queryset = self.composable
        # Only the classes the plans let this person send: a class no chosen BIN allows would
        # be refused after the whole text is written.
        allowed = kinds_for_author(user, networks)
        self.fields["kind"].choices = [(kind.value, kind.label) for kind in allowed]
        if not allowed:
            self.fields["kind"].help_text = _(
                "The communication plans of your BINs let you send no class of message. Their "
                "officer and coordinators can change a plan."
            )
        self.by_group = Kind.ZONE_ADMIN in scopes_for(user).kinds
        if self.by_group:
            zones = {n.municipality.zone_id for n in networks}
            self.fields["municipalities"].queryset = Municipality.objects.filter(
                zone__in=zones
            ).order_by("name_nl")
            self.fields["bin_types"].queryset = BinType.objects.filter(zone__in=zones).order_by(
                "name_nl"
            )
            self.fields["municipalities"].label_from_instance = lambda m: m.name
            self.fields["bin_types"].label_from_instance = lambda t: t.name
        else:
            for name in ("municipalities", "bin_types", "whole_zone"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if not self.targets():
            self.add_error("networks", _("Choose at least one BIN."))
        if data.get("follows") and data.get("kind") != MessageKind.FEEDBACK:
            self.add_error("follows", _("Only a feedback message follows up on another one."))
        return data

    def targets(self):
        """The chosen BINs, groups expanded, within what the person may write to."""
        data = self.cleaned_data
        chosen = set(data.get("networks") or [])
        if self.by_group:
            groups = self.composable.none()
            if data.get("whole_zone"):
                groups = self.composable
            else:
                if data.get("municipalities"):
                    groups |= self.composable.filter(municipality__in=data["municipalities"])
                if data.get("bin_types"):
                    groups |= self.composable.filter(bin_type__in=data["bin_types"])
            chosen |= set(groups)
        return sorted(chosen, key=lambda network: network.name)


class SubmitForm(Accessible, forms.Form):
    justification = forms.CharField(
        label=_("Justification for sending despite the findings (police only)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Logged with the message. Leave empty if nothing was found."),
    )
    # Set by the confirmation page: the author has seen whom each part reaches.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ReasonForm(Accessible, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required


class ForwardForm(Accessible, forms.Form):
    note = forms.CharField(
        label=_("Your note to the members (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown above the police's message."),
    )


class PlanForm(Accessible, forms.Form):
    police_direct_to_members = forms.BooleanField(
        label=_("Police messages go straight to the members (the coordinators get a copy)"),
        required=False,
    )
    coordinator_needs_approval = forms.BooleanField(
        label=_("Coordinators' messages need the officer's approval"), required=False
    )
    officer_sends_overdue = forms.BooleanField(
        label=_(
            "The officer may send a police message to the members directly when the "
            "coordinators have not forwarded it in twice the zone's deadline"
        ),
        required=False,
    )
    police_kinds = forms.MultipleChoiceField(
        label=_("Classes the police may send"),
        choices=MessageKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    coordinator_kinds = forms.MultipleChoiceField(
        label=_("Classes the coordinators may send"),
        choices=[(k.value, k.label) for k in MessageKind if k not in POLICE_ONLY_KINDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    @classmethod
    def initial_for(cls, plan):
        return {
            "police_direct_to_members": plan.police_direct_to_members,
            "coordinator_needs_approval": plan.coordinator_needs_approval,
            "officer_sends_overdue": plan.officer_sends_overdue,
            "police_kinds": plan.kinds_for(AuthorSide.POLICE),
            "coordinator_kinds": plan.kinds_for(AuthorSide.COORDINATOR),
        }

    def allowed_kinds(self):
        return {
            AuthorSide.POLICE.value: self.cleaned_data["police_kinds"],
            AuthorSide.COORDINATOR.value: self.cleaned_data["coordinator_kinds"],
        }
