"""The forms of the BIN pages of zone administration: BINs, segments, CSV import, merge, stop,
measures against coordinators. The role forms (appoint, end, hand over) are staff's."""

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from nabuur.lib.forms import Accessible, AccessibleForm, IsoDateInput
from nabuur.lib.languages import union_languages
from nabuur.zones.models import Municipality

from . import cap, segments_csv
from .models import BinType, CoordinatorMeasure, MeasureKind, Network, Segment
from .services import CLOSED_STATUSES


class NetworkFilterForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.none(),
        required=False,
        empty_label=_("All municipalities"),
        to_field_name="nis_code",
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities


# networks.services.NoCoordinator, said on the status field.
NO_COORDINATOR = _(
    "A BIN becomes active only once a coordinator may act for it: appointed, screened and "
    "confirmed 18 or older. Until then it stays in preparation."
)


class NetworkForm(Accessible, forms.ModelForm):
    class Meta:
        model = Network
        fields = [
            "name",
            "slug",
            "bin_type",
            "municipality",
            "status",
            "start_date",
            "requires_approval",
            "contact_name",
            "contact_email",
            "contact_phone",
        ]
        labels = {
            "bin_type": _("Type"),
            "municipality": _("Municipality"),
            "slug": _("Web address"),
        }
        help_texts = {
            "slug": _("Lower-case letters, digits and hyphens, as in the public link."),
            "status": _(
                "A BIN becomes active only once a coordinator may act for it. In preparation it "
                "already accepts sign-ups; until it has a coordinator, the police zone handles "
                "them."
            ),
        }
        widgets = {"start_date": IsoDateInput}

    def __init__(self, *args, zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(zone=zone)
        self.fields["bin_type"].queryset = BinType.objects.filter(zone=zone)
        # Merging and stopping have their own pages: they move members and tell them.
        status = self.fields["status"]
        status.choices = [
            choice
            for choice in status.choices
            if choice[0] not in CLOSED_STATUSES or choice[0] == self.instance.status
        ]
        if self.instance.status in CLOSED_STATUSES:
            status.disabled = True


class SegmentForm(Accessible, forms.ModelForm):
    confirm_overlap = forms.BooleanField(
        label=_("I know this overlaps another BIN and want it anyway."), required=False
    )

    class Meta:
        model = Segment
        fields = ["street", "number_from", "number_to", "side"]
        labels = {"street": _("Street")}
        help_texts = {"number_to": _("Leave empty for the rest of the street.")}

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.network = network
        self.fields["street"].queryset = network.municipality.streets.order_by("name_nl", "name_fr")

    def clean(self):
        data = super().clean()
        start, end = data.get("number_from"), data.get("number_to")
        if start and end and end < start:
            self.add_error("number_to", _("The range ends before it starts."))
        return data


class SegmentImportForm(AccessibleForm):
    file = forms.FileField(
        label=_("CSV file"),
        required=False,
        help_text=_(
            "Columns: street (name or street id), from, to, side. Dutch or French headers, "
            "separated by commas or semicolons."
        ),
    )
    # The decoded file, carried from the preview to the apply step.
    content = forms.CharField(widget=forms.HiddenInput, required=False)
    replace = forms.BooleanField(label=_("Replace the BIN's current segments"), required=False)
    confirm_overlap = forms.BooleanField(
        label=_("I know some rows overlap other BINs and want them anyway."), required=False
    )

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            if upload.size > segments_csv.MAX_BYTES:
                raise forms.ValidationError(_("The file is too large."))
            data["content"] = segments_csv.decode(upload.read())
        elif not data.get("content"):
            self.add_error("file", _("Choose a CSV file."))
        return data


class MergeForm(AccessibleForm):
    target = forms.ModelChoiceField(
        label=_("Merge into"),
        queryset=Network.objects.none(),
        to_field_name="slug",
    )

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = (
            Network.objects.filter(municipality__zone=source.municipality.zone_id)
            .exclude(pk=source.pk)
            .exclude(status__in=CLOSED_STATUSES)
            .order_by("name")
        )


class StopForm(AccessibleForm):
    reason = forms.CharField(
        label=_("Message to the members (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class MeasureForm(Accessible, forms.ModelForm):
    class Meta:
        model = CoordinatorMeasure
        fields = ["kind", "decided_on", "decided_by", "reasons", "removed_until"]
        widgets = {
            "kind": forms.RadioSelect,
            "decided_on": IsoDateInput,
            "removed_until": IsoDateInput,
            "reasons": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "decided_by": _("As named in the decision, e.g. the zone chief or the mayor."),
            "removed_until": _("Temporary removal only: the role resumes on this day."),
            "reasons": _("Required for a definitive removal."),
        }

    def clean(self):
        data = super().clean()
        kind, decided_on = data.get("kind"), data.get("decided_on")
        if kind == MeasureKind.TEMPORARY_REMOVAL:
            until = data.get("removed_until")
            if not until:
                self.add_error("removed_until", _("Give the day the removal ends."))
            elif decided_on and until <= decided_on:
                self.add_error("removed_until", _("The removal must end after the decision."))
        elif data.get("removed_until"):
            self.add_error("removed_until", _("Only a temporary removal has an end."))
        if kind == MeasureKind.DEFINITIVE_REMOVAL and not data.get("reasons", "").strip():
            self.add_error("reasons", _("A definitive removal needs its reasons in writing."))
        return data

    def _post_clean(self):
        # The service builds the row (it also changes the role); only validate the fields here.
        pass


class CapForm(AccessibleForm):
    """The BE-Alert hand-off (networks.cap): the BINs, a text per language, the CAP options.

    A headline and a description field for every language of the BINs offered; those the
    chosen BINs' municipalities require must be filled in.
    """

    bins = forms.ModelMultipleChoiceField(
        label=_("BINs whose area the alert covers"),
        queryset=Network.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one BIN.")},
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=[
            ("Immediate", _("Immediate: act now")),
            ("Expected", _("Expected: act within the hour")),
            ("Future", _("Future: act in the near future")),
            ("Past", _("Past: no action needed any more")),
            ("Unknown", _("Unknown")),
        ],
        initial=cap.Urgency.DEFAULT,
        widget=forms.RadioSelect,
        help_text=_("Default: Immediate."),
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=[
            ("Extreme", _("Extreme: a threat to life")),
            ("Severe", _("Severe: a significant threat to life or property")),
            ("Moderate", _("Moderate: a possible threat to life or property")),
            ("Minor", _("Minor: little or no threat to life or property")),
            ("Unknown", _("Unknown")),
        ],
        initial=cap.Severity.DEFAULT,
        widget=forms.RadioSelect,
        help_text=_("Default: Moderate."),
    )
    certainty = forms.ChoiceField(
        label=_("Certainty"),
        choices=[
            ("Observed", _("Observed: it is happening or has happened")),
            ("Likely", _("Likely: more likely than not")),
            ("Possible", _("Possible: possible but not likely")),
            ("Unlikely", _("Unlikely: not expected to happen")),
            ("Unknown", _("Unknown")),
        ],
        initial=cap.Certainty.DEFAULT,
        widget=forms.RadioSelect,
        help_text=_("Default: Likely."),
    )
    exercise = forms.BooleanField(
        label=_("This is an exercise"),
        required=False,
        help_text=_("The file then says Exercise instead of Actual, and BE-Alert treats it so."),
    )

    def __init__(self, *args, networks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bins"].queryset = networks
        self.languages = union_languages(
            networks.values_list("municipality__language_regime", flat=True)
        )
        for lang in self.languages:
            name = translation.get_language_info(lang)["name_translated"]
            self.fields[f"headline_{lang}"] = forms.CharField(
                label=_("Headline in %(language)s") % {"language": name},
                required=False,
                max_length=160,
                help_text=_("One short sentence, as a phone shows it first."),
            )
            self.fields[f"description_{lang}"] = forms.CharField(
                label=_("Description in %(language)s") % {"language": name},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=_("What is happening and what residents should do."),
            )
        # The options after the texts, in the order a person fills them in.
        self.order_fields(
            ["bins", *(f"{kind}_{lang}" for lang in self.languages for kind in TEXT_FIELDS)]
        )

    def clean(self):
        data = super().clean()
        networks = list(data.get("bins") or [])
        required = cap.required_languages(networks) if networks else ()
        for lang in self.languages:
            given = {kind: data.get(f"{kind}_{lang}", "").strip() for kind in TEXT_FIELDS}
            if lang not in required and not any(given.values()):
                continue
            for kind, value in given.items():
                if not value and f"{kind}_{lang}" not in self.errors:
                    message = MISSING_TEXT[kind] if lang in required else BOTH_OR_NEITHER
                    self.add_error(f"{kind}_{lang}", message)
        if networks and not self.errors:
            try:
                cap.check(networks, self.texts())
            except cap.CapError as error:
                raise forms.ValidationError(str(error)) from error
        return data

    def texts(self):
        """{language: cap.Text} of the languages with a text."""
        data = self.cleaned_data
        return {
            lang: cap.Text(data[f"headline_{lang}"], data[f"description_{lang}"])
            for lang in self.languages
            if data.get(f"headline_{lang}", "").strip()
        }


TEXT_FIELDS = ("headline", "description")
MISSING_TEXT = {
    "headline": _("Give the headline in this language: the area's language law requires it."),
    "description": _("Give the description in this language: the area's language law requires it."),
}
BOTH_OR_NEITHER = _("Give both a headline and a description in this language, or neither.")
