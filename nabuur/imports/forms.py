from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from nabuur.lib.forms import AccessibleForm, LinkableRadioSelect

from .models import ConsentChoice
from .readers import UnreadableFile, check_size, describe_file_problem, detect_format


def _upload_hint():
    return gettext(
        "A CSV file (comma or semicolon) or an Excel workbook (.xlsx) of at most %(size)s and "
        "%(rows)s rows. The first row names the columns: first name, last name, street, house "
        "number, box, postcode, e-mail."
    ) % {
        "size": filesizeformat(settings.NABUUR_IMPORT_MAX_BYTES),
        "rows": number_format(settings.NABUUR_IMPORT_MAX_ROWS, force_grouping=True),
    }


class UploadForm(AccessibleForm):
    """The member list to check. Its size and its first bytes are judged here, at once; the
    worker reads the rest."""

    # Not required as a field: a file the upload handler stopped for its size arrives as no
    # file, and clean_file says why.
    file = forms.FileField(
        label=_("Member list"),
        required=False,
        # Lazy: the limits are settings, the words the page's language.
        help_text=lazy(_upload_hint, str)(),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )

    def __init__(self, *args, too_large=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if self.too_large:
            too_large = {"code": "too_large", "max": settings.NABUUR_IMPORT_MAX_BYTES}
            raise forms.ValidationError(describe_file_problem(too_large))
        if not upload:
            raise forms.ValidationError(self.fields["file"].error_messages["required"])
        try:
            check_size(upload.size)
            head = upload.read(4096)
            upload.seek(0)
            detect_format(head)
        except UnreadableFile as error:
            raise forms.ValidationError(str(error)) from error
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
