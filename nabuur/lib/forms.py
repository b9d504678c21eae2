"""The pieces every form of Nabuur is built from: one field template for the whole site
(templates/django/forms/field.html, through FORM_RENDERER), accessible errors and hints, input
widths that fit the answer, ISO date inputs, radio groups an error summary can link to. The error
summary at the top of a form is templates/members/_errors.html."""

from django import forms
from django.forms.renderers import TemplatesSetting
from django.forms.widgets import Input
from django.utils.translation import gettext_noop

# Django 6's empty choice of every select (django.db.models.fields.BLANK_CHOICE_LABEL). Django's
# own Dutch and German catalogues do not translate it, so those pages showed English. Our catalogue
# (LOCALE_PATHS) comes before Django's for the same message id: marked here, it is translated
# in locale/ and every select of the site shows it in the page's language.
EMPTY_CHOICE = gettext_noop("- Select an option -")

# An input as wide as the answer it expects tells people what to write (GOV.UK and NL Design
# System guidance): a Belgian postcode is 4 digits, a house number "12B", a box "0.1".
# The number is the characters the input shows; static/css/forms.css has a class for each.
WIDTHS = (2, 3, 4, 5, 10, 20, 30)
WIDTH_BY_NAME = {
    "postcode": 4,
    "house_number": 5,
    "box": 5,
    "phone": 20,
    "enterprise_number": 20,
}
# On a phone the right keyboard: digits for a postcode, a dial pad for a telephone number.
INPUTMODE_BY_NAME = {"postcode": "numeric", "phone": "tel"}
WIDTH_BY_INPUT_TYPE = {
    "date": 10,
    "time": 5,
    "datetime-local": 20,
    "tel": 20,
    "email": 30,
    "url": 30,
    "password": 20,
    "text": 30,
    "search": 30,
}


def width_class(chars):
    return f"nabuur-width-{chars}"


def _input_width(name, field, widget):
    if name in WIDTH_BY_NAME:
        return WIDTH_BY_NAME[name]
    if isinstance(widget, forms.NumberInput):
        # Counts and days fit in 5 characters; an amount of euros with cents needs more.
        return 10 if isinstance(field, forms.DecimalField | forms.FloatField) else 5
    return WIDTH_BY_INPUT_TYPE.get(widget.input_type)


def widget_classes(name, field, widget):
    """The NL Design System (Utrecht) classes of a widget, and its width class."""
    if widget.is_hidden:
        return []
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
        return ["utrecht-checkbox", "utrecht-checkbox--html-input"]
    if isinstance(widget, forms.RadioSelect):
        return ["utrecht-radio-button", "utrecht-radio-button--html-input"]
    if isinstance(widget, forms.Select):
        return ["utrecht-select", "utrecht-select--html-select"]
    if isinstance(widget, forms.Textarea):
        return ["utrecht-textarea", "utrecht-textarea--html-textarea"]
    if isinstance(widget, forms.FileInput) or not isinstance(widget, Input):
        return []
    classes = ["utrecht-textbox", "utrecht-textbox--html-input"]
    if chars := _input_width(name, field, widget):
        classes.append(width_class(chars))
    return classes


class BoundField(forms.BoundField):
    """Every field of every form (FormRenderer.bound_field_class): the Utrecht classes and the
    width of its input, and the ids of its hint and error in aria-describedby."""

    @property
    def hint_id(self):
        return f"{self.auto_id}_hint"

    @property
    def error_id(self):
        return f"{self.auto_id}_error"

    @property
    def describedby_ids(self):
        """What a screen reader reads after the label: the hint, then the error."""
        ids = []
        if self.auto_id and not self.is_hidden:
            if self.help_text:
                ids.append(self.hint_id)
            if self.errors:
                ids.append(self.error_id)
        return " ".join(ids)

    @property
    def is_choice_group(self):
        """Radios or checkboxes, each option with its own label (CheckboxSelectMultiple is a
        RadioSelect in Django)."""
        return isinstance(self.field.widget, forms.RadioSelect)

    @property
    def aria_describedby(self):
        # Django's default points at "<id>_helptext"; our template writes "<id>_hint". A group
        # of radios or checkboxes is described on its fieldset (see the field template).
        if self.field.widget.attrs.get("aria-describedby"):
            return None
        return self.describedby_ids

    @property
    def id_for_label(self):
        # A group of radios or checkboxes, or a date and a time, has no input of its own: its
        # first stands for it, so a link in the error summary lands on the group.
        id_ = self.field.widget.attrs.get("id") or self.auto_id
        if self.is_choice_group:
            return self.field.widget.id_for_label(id_, "0") if id_ else ""
        if isinstance(self.field.widget, forms.MultiWidget):
            return f"{id_}_0" if id_ else ""
        return super().id_for_label

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        given = f"{widget.attrs.get('class', '')} {attrs.get('class', '')}".split()
        ours = [name for name in widget_classes(self.name, self.field, widget) if name not in given]
        if ours:
            attrs["class"] = " ".join(given + ours)
        if self.name in INPUTMODE_BY_NAME and "inputmode" not in widget.attrs:
            attrs.setdefault("inputmode", INPUTMODE_BY_NAME[self.name])
        return attrs


class FormRenderer(TemplatesSetting):
    """The site's form renderer (settings.FORM_RENDERER): our templates, one field template."""

    field_template_name = "django/forms/field.html"
    bound_field_class = BoundField


class Accessible:
    """Links each input to its hint and its error (aria-describedby) and marks it invalid.

    A mixin for Form and ModelForm alike: `class MyForm(Accessible, forms.ModelForm)`. The site's
    BoundField does the same for every form; this mixin stays for the forms that add their own
    ids to aria-describedby (an error is appended to them here).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.help_text and self._id_of(name):
                field.widget.attrs["aria-describedby"] = f"{self._id_of(name)}_hint"

    def _id_of(self, name):
        """The input's id, with the form's prefix ("id_quiet-quiet_to"), as BoundField.auto_id
        gives it; without building the bound field, which a subclass may still replace."""
        html_name = self.add_prefix(name)
        if self.auto_id and "%s" in str(self.auto_id):
            return self.auto_id % html_name
        return html_name if self.auto_id else ""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            described = [attrs.get("aria-describedby", ""), f"{self._id_of(name)}_error"]
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
    option); the site's BoundField now does this for every group, this widget stays for the
    forms that name it.
    """

    def id_for_label(self, id_, index=None):
        return super().id_for_label(id_, "0" if index is None else index)
