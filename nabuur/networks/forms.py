"""The forms of the BIN pages of zone administration: BINs, segments, CSV import, merge, stop,
measures against coordinators. The role forms (appoint, end, hand over) are staff's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from nabuur.lib.forms import Accessible, AccessibleForm, IsoDateInput
from nabuur.zones.models import Municipality

from . import segments_csv
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
