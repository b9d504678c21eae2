"""The pieces every form of Nabuur is built from: accessible errors and hints, ISO date inputs,
radio groups an error summary can link to. The field templates that render them are
templates/members/_field.html and _errors.html."""

from django import forms
from django.utils.translation import gettext_noop

# Django 6's empty choice of every select (django.db.models.fields.BLANK_CHOICE_LABEL). Django's
# own Dutch and German catalogues do not translate it, so those pages showed English. Our catalogue
# (LOCALE_PATHS) comes before Django's for the same message id: marked here, it is translated
# in locale/ and every select of the site shows it in the page's language.
EMPTY_CHOICE = gettext_noop("- Select an option -")


class Accessible:
    """Links each input to its hint and its error (aria-describedby) and marks it invalid.

    A mixin for Form and ModelForm alike: `class MyForm(Accessible, forms.ModelForm)`.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}_hint"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            described = [attrs.get("aria-describedby", ""), f"id_{name}_error"]
            attrs["aria-describedby"] = " ".join(part for part in described if part)
            attrs["aria-invalid"] = "true"


class AccessibleForm(Accessible, forms.Form):
    pass


class IsoDateInput(forms.DateInput):
    """A type=date input: the browser reads and writes only ISO dates (2026-05-03), whatever
    the page's language, so the value must not be rendered in the local date format (Django
    would write 03-05-2026 on a Dutch page, which the browser drops)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class LinkableRadioSelect(forms.RadioSelect):
    """Radio buttons whose field id is the first option's, so an error summary can link to it.

    Django's RadioSelect answers an empty id for the group (its <label> would toggle the first
    option); members/_errors.html then wrote links to "#" that go nowhere.
    """

    def id_for_label(self, id_, index=None):
        return super().id_for_label(id_, "0" if index is None else index)
