from django import forms
from django.utils.translation import gettext_lazy as _

from nabuur.lib.forms import AccessibleForm, LinkableRadioSelect

from .models import ConsentChoice

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class UploadForm(AccessibleForm):
    file = forms.FileField(
        label=_("Member list"),
        help_text=_(
            "A CSV file (comma or semicolon) or an Excel file (.xlsx). The first row names the "
            "columns: first name, last name, street, house number, box, postcode, e-mail."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm")):
            raise forms.ValidationError(_("Upload a CSV file or an Excel (.xlsx) file."))
        return upload


class ConsentForm(AccessibleForm):
    consent = forms.ChoiceField(
        label=_("How did these people consent?"),
        choices=ConsentChoice.choices,
        widget=LinkableRadioSelect,
    )
    note = forms.CharField(
        label=_("How they consented before"),
        max_length=300,
        required=False,
        help_text=_("For example: paper forms signed at the info evening of 3 May 2026."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("consent") == ConsentChoice.RECORDED and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say how these people consented before."))
        return cleaned
