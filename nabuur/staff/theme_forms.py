"""The zone's look: its main colour and its logo (issue 15)."""

import io

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from nabuur.lib.colours import HEX_COLOUR, MIN_CONTRAST, WHITE, contrast_ratio
from nabuur.lib.forms import AccessibleForm

# A logo in the header is at most 36 px high: 200 kB is plenty for a sharp PNG.
MAX_LOGO_BYTES = 200 * 1024
MAX_LOGO_PIXELS = 2000
# Only raster images: an SVG can carry scripts, and sanitising one is a project of its own.
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


class ColourInput(forms.TextInput):
    input_type = "color"


class ZoneLookForm(AccessibleForm):
    # HTML allows no `required` on a colour input; the colour always has a value anyway.
    use_required_attribute = False

    theme_colour = forms.CharField(
        label=_("Main colour"),
        help_text=_(
            "The colour of the page header, the buttons and the headings. White text must be "
            "readable on it: it needs a contrast of at least 4.5 to 1 with white."
        ),
        widget=ColourInput,
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("A PNG or JPEG image of at most 200 kB, shown in the page header."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    def __init__(self, *args, zone, **kwargs):
        kwargs.setdefault("initial", {"theme_colour": zone.theme_colour})
        super().__init__(*args, **kwargs)
        if not zone.logo_content_type:
            del self.fields["remove_logo"]

    def clean_theme_colour(self):
        colour = self.cleaned_data["theme_colour"].strip().lower()
        if not HEX_COLOUR.match(colour):
            raise forms.ValidationError(_("Enter a colour as # and six hex digits."))
        ratio = contrast_ratio(colour, WHITE)
        if ratio < MIN_CONTRAST:
            raise forms.ValidationError(
                _(
                    "This colour is too light: white text on it has a contrast of %(ratio)s to 1, "
                    "and at least 4.5 to 1 is needed. Choose a darker colour."
                ),
                # Rounded down, so that 4.46 never reads as an acceptable "4.5"; 1,5 in Dutch.
                params={"ratio": number_format(int(ratio * 10) / 10, 1)},
            )
        return colour

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        if upload.size > MAX_LOGO_BYTES:
            raise forms.ValidationError(_("The logo may be at most 200 kB."))
        data = upload.read()
        content_type = logo_content_type(data)
        if content_type is None:
            raise forms.ValidationError(
                _("The logo must be a PNG or JPEG image. Other formats, SVG included, are refused.")
            )
        return {"data": data, "content_type": content_type}


def logo_content_type(data):
    """The content type of `data` if it is a whole PNG or JPEG image of a sensible size, else
    None. Pillow reads the image, so a file that only starts like one is refused."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in LOGO_FORMATS:
                return None
            if max(image.size) > MAX_LOGO_PIXELS:
                return None
            image.verify()
            return LOGO_FORMATS[image.format]
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
