"""The form patterns of the whole site (GOV.UK, NL Design System): one field template through
FORM_RENDERER, every label tied to its input, hints and errors in aria-describedby, an error
summary whose links land on the fields, inputs as wide as their answer."""

from html.parser import HTMLParser

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django import forms
from django.forms.renderers import get_default_renderer
from django.template.loader import render_to_string
from django.utils import translation

from nabuur.lib.forms import BoundField, FormRenderer, IsoDateInput
from nabuur.members.forms import JoinForm

from .i18n import nl
from .sessions import reauthenticated

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Element:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children, self.text = [], ""

    @property
    def classes(self):
        return (self.attrs.get("class") or "").split()

    @property
    def described_by(self):
        return (self.attrs.get("aria-describedby") or "").split()

    def iter(self):
        for child in self.children:
            yield child
            yield from child.iter()

    def find_all(self, tag=None, cls=None):
        return [
            element
            for element in self.iter()
            if (tag is None or element.tag == tag) and (cls is None or cls in element.classes)
        ]

    def ancestor(self, tag):
        node = self.parent
        while node is not None and node.tag != tag:
            node = node.parent
        return node

    def all_text(self):
        words = self.text.split()
        for child in self.children:
            words += child.all_text()
        return words


class Page(HTMLParser):
    """A page as a small tree: enough to follow ids, labels and classes."""

    def __init__(self, html):
        super().__init__()
        self.root = self.current = Element("document", {}, None)
        self.feed(html)
        self.by_id = {el.attrs["id"]: el for el in self.root.iter() if el.attrs.get("id")}

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.text += data

    def form(self, action_contains=""):
        for form in self.root.find_all("form"):
            if action_contains in form.attrs.get("action", ""):
                return form
        raise AssertionError(f"no form with {action_contains!r} in its action")


def fields_of(form):
    """The inputs a person fills in: not hidden, not the robots' trap, not a button."""
    return [
        element
        for element in form.iter()
        if element.tag in {"input", "select", "textarea"}
        and element.attrs.get("type") not in {"hidden", "submit"}
        and element.attrs.get("name") not in {"website", "csrfmiddlewaretoken"}
    ]


def assert_labelled_and_described(page, form):
    labels = {label.attrs.get("for") for label in form.find_all("label")}
    for field in fields_of(form):
        assert field.attrs.get("id") in labels, field.attrs
        # Every id in aria-describedby names an element of the page (a hint or an error).
        for id_ in field.described_by:
            assert id_ in page.by_id, (field.attrs["id"], id_)
    for fieldset in form.find_all("fieldset"):
        for id_ in fieldset.described_by:
            assert id_ in page.by_id, id_


def summary_targets(page):
    (summary,) = page.root.find_all("div", "error-summary")
    return [link.attrs["href"] for link in summary.find_all("a")]


def width_of(element):
    return [name for name in element.classes if name.startswith("nabuur-width-")]


def log_in_staff(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return client


# --- The join form, what most residents see ---------------------------------------------------


def test_the_join_form_ties_every_label_and_hint_to_its_input(client, bin_a):
    page = Page(client.get("/nl/join/").text)
    form = page.form("/join/")

    assert_labelled_and_described(page, form)
    email = page.by_id["id_email"]
    assert email.described_by == ["id_email_hint"]
    assert page.by_id["id_email_hint"].classes == [
        "utrecht-form-field-description",
        "utrecht-form-field__description",
        "hint",
    ]
    # A form of the site renders through the one field template.
    assert "utrecht-form-field" in email.ancestor("div").parent.classes


def test_the_join_form_gives_each_input_the_width_and_keyboard_of_its_answer(client, bin_a):
    page = Page(client.get("/nl/join/").text)

    widths = {
        name: width_of(page.by_id[f"id_{name}"])
        for name in [
            "first_name",
            "last_name",
            "email",
            "phone",
            "street",
            "house_number",
            "box",
            "postcode",
            "enterprise_number",
        ]
    }
    assert widths == {
        "first_name": ["nabuur-width-30"],
        "last_name": ["nabuur-width-30"],
        "email": ["nabuur-width-30"],
        "phone": ["nabuur-width-20"],
        "street": ["nabuur-width-30"],
        "house_number": ["nabuur-width-5"],
        "box": ["nabuur-width-5"],
        "postcode": ["nabuur-width-4"],
        "enterprise_number": ["nabuur-width-20"],
    }
    postcode = page.by_id["id_postcode"].attrs
    assert (postcode["inputmode"], postcode["autocomplete"]) == ("numeric", "postal-code")
    phone = page.by_id["id_phone"].attrs
    assert (phone["inputmode"], phone["autocomplete"]) == ("tel", "tel")
    assert page.by_id["id_first_name"].attrs["autocomplete"] == "given-name"
    assert page.by_id["id_last_name"].attrs["autocomplete"] == "family-name"
    assert page.by_id["id_email"].attrs["autocomplete"] == "email"


def test_the_join_forms_radios_sit_in_a_fieldset_each_beside_its_label(client, bin_a):
    page = Page(client.get("/nl/join/").text)

    radios = [el for el in page.form("/join/").iter() if el.attrs.get("type") == "radio"]
    assert [radio.attrs["id"] for radio in radios] == ["id_basis_0", "id_basis_1", "id_basis_2"]
    fieldset = radios[0].ancestor("fieldset")
    (legend,) = [child for child in fieldset.children if child.tag == "legend"]
    assert " ".join(legend.all_text()) == nl("I join because I")
    for radio in radios:
        assert radio.ancestor("fieldset") is fieldset
        assert "utrecht-radio-button" in radio.classes
        # The option's row holds the input and its label, in this order.
        row = radio.parent.parent
        assert "utrecht-form-field--radio" in row.classes
        label = row.find_all("label")[0]
        assert label.attrs["for"] == radio.attrs["id"]
        assert row.children.index(radio.parent) < row.children.index(label.parent)


def test_an_empty_join_form_links_each_error_to_its_field_non_field_errors_first(client, bin_a):
    response = client.post("/nl/join/?bin=" + bin_a.slug, {"bin": bin_a.slug})
    page = Page(response.text)

    form = response.context["form"]
    assert summary_targets(page) == [f"#{form[name].id_for_label}" for name in form.errors]
    assert summary_targets(page) == [
        "#id_first_name",
        "#id_last_name",
        "#id_street",
        "#id_house_number",
        "#id_postcode",
        "#id_email",
        "#id_basis_0",
        "#id_adult",
        "#id_accept",
    ]
    for href in summary_targets(page):
        field = page.by_id[href[1:]]
        name = field.attrs["name"]
        error = page.by_id[f"id_{name}_error"]
        assert f"id_{name}_error" in (field.described_by or field.ancestor("fieldset").described_by)
        assert field.attrs["aria-invalid"] == "true"
        # The message says it is an error to those who do not see its colour.
        (prefix,) = error.find_all("span", "visually-hidden")
        assert prefix.all_text() == nl("Error:").split()
    assert_labelled_and_described(page, page.form("/join/"))


def test_a_message_above_the_fields_comes_first_in_the_summary():
    class Pair(forms.Form):
        first = forms.CharField(label="First")

        def clean(self):
            raise forms.ValidationError("The pair does not match.")

    form = Pair(data={})
    with translation.override("en"):
        page = Page(render_to_string("members/_errors.html", {"form": form}))
    (summary,) = page.root.find_all("div", "error-summary")
    items = [" ".join(item.all_text()) for item in summary.find_all("li")]
    assert items == ["The pair does not match.", "First: This field is required."]
    assert summary_targets(page) == ["#id_first"]


# --- Staff forms ------------------------------------------------------------------------------


def test_the_zone_settings_page_follows_the_patterns(client, zone_admin, zone):
    client = reauthenticated(log_in_staff(client, zone_admin), zone_admin)
    page = Page(client.get(f"/nl/staff/zone/{zone.slug}/settings/").text)
    form = page.form()

    assert_labelled_and_described(page, form)
    # Counts of hours and days are short numbers.
    assert width_of(page.by_id["id_deadline_forward_hours"]) == ["nabuur-width-5"]
    assert width_of(page.by_id["id_retention_left_days"]) == ["nabuur-width-5"]
    assert width_of(page.by_id["id_dpo_email"]) == ["nabuur-width-30"]


def test_the_compose_page_follows_the_patterns(client, coordinator_a, bin_a):
    page = Page(log_in_staff(client, coordinator_a).get("/nl/staff/messages/new/").text)
    form = page.form()

    assert_labelled_and_described(page, form)
    body = page.by_id["id_body_nl"]
    assert body.tag == "textarea"
    assert body.classes == ["utrecht-textarea", "utrecht-textarea--html-textarea"]


def test_the_coordinators_member_form_follows_the_patterns(client, coordinator_a, bin_a):
    client = log_in_staff(client, coordinator_a)
    page = Page(client.get(f"/nl/staff/members/{bin_a.slug}/add/").text)
    form = page.form()

    assert_labelled_and_described(page, form)
    assert width_of(page.by_id["id_postcode"]) == ["nabuur-width-4"]
    # The coordinator types someone else's details: no offer of the coordinator's own.
    assert page.by_id["id_first_name"].attrs["autocomplete"] == "off"
    channel = page.by_id["id_channel_0"]
    assert channel.ancestor("fieldset").find_all("legend")

    response = client.post(f"/nl/staff/members/{bin_a.slug}/add/", {"channel": ""})
    page = Page(response.text)
    for href in summary_targets(page):
        assert href[1:] in page.by_id, href


def test_the_login_link_form_follows_the_patterns(client, member_a):
    page = Page(client.get("/nl/me/login/").text)
    form = page.form()

    assert_labelled_and_described(page, form)
    email = page.by_id["id_email"]
    assert (email.attrs["autocomplete"], width_of(email)) == ("email", ["nabuur-width-30"])

    page = Page(client.post("/nl/me/login/", {"email": "geen-adres"}).text)
    assert summary_targets(page) == ["#id_email"]
    assert page.by_id["id_email"].described_by == ["id_email_error"]


# --- The pieces ------------------------------------------------------------------------------


def test_the_site_renders_every_form_with_its_own_renderer():
    renderer = get_default_renderer()
    assert isinstance(renderer, FormRenderer)
    assert isinstance(JoinForm()["postcode"], BoundField)


def test_a_plain_form_also_describes_its_input_by_the_hint_the_template_writes():
    """Django's own default names the hint "<id>_helptext", which the template never wrote."""

    class Plain(forms.Form):
        year = forms.IntegerField(label="Year", help_text="For example 2026.")

    page = Page(Plain(data={})["year"].as_field_group())
    year = page.by_id["id_year"]
    assert year.described_by == ["id_year_hint", "id_year_error"]
    assert {"id_year_hint", "id_year_error"} <= page.by_id.keys()


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (
            forms.IntegerField(),
            ["utrecht-textbox", "utrecht-textbox--html-input", "nabuur-width-5"],
        ),
        (
            forms.DecimalField(),
            ["utrecht-textbox", "utrecht-textbox--html-input", "nabuur-width-10"],
        ),
        (
            forms.DateField(widget=IsoDateInput),
            ["utrecht-textbox", "utrecht-textbox--html-input", "nabuur-width-10"],
        ),
        (
            forms.CharField(widget=forms.Textarea),
            ["utrecht-textarea", "utrecht-textarea--html-textarea"],
        ),
        (
            forms.ChoiceField(choices=[("a", "A")]),
            ["utrecht-select", "utrecht-select--html-select"],
        ),
        (forms.BooleanField(), ["utrecht-checkbox", "utrecht-checkbox--html-input"]),
        (forms.FileField(), []),
    ],
)
def test_each_kind_of_input_gets_its_design_system_class_and_width(field, expected):
    class One(forms.Form):
        pass

    form = One()
    form.fields["answer"] = field
    page = Page(str(form["answer"]))
    (element,) = [el for el in page.root.iter() if el.tag in {"input", "select", "textarea"}]
    assert element.classes == expected


def test_a_class_a_form_gives_its_widget_is_kept():
    class Own(forms.Form):
        code = forms.CharField(widget=forms.TextInput(attrs={"class": "code"}))

    page = Page(str(Own()["code"]))
    assert page.by_id["id_code"].classes == [
        "code",
        "utrecht-textbox",
        "utrecht-textbox--html-input",
        "nabuur-width-30",
    ]


def test_a_hidden_input_gets_no_class():
    class Hidden(forms.Form):
        token = forms.CharField(widget=forms.HiddenInput)

    assert "class" not in Page(str(Hidden()["token"])).by_id["id_token"].attrs


def test_a_radio_group_without_a_linkable_widget_still_links_to_its_first_option():
    class Plain(forms.Form):
        colour = forms.ChoiceField(choices=[("r", "Red"), ("g", "Green")], widget=forms.RadioSelect)

    assert Plain()["colour"].id_for_label == "id_colour_0"


def test_a_field_of_several_inputs_is_a_fieldset_without_option_rows():
    class When(forms.Form):
        at = forms.SplitDateTimeField(label="When", help_text="Date and time.")

    page = Page(When(data={})["at"].as_field_group())
    (fieldset,) = page.root.find_all("fieldset")
    assert fieldset.described_by == ["id_at_hint", "id_at_error"]
    assert not fieldset.find_all(cls="choice")
    assert [el.attrs["name"] for el in fieldset.find_all("input")] == ["at_0", "at_1"]
    assert When()["at"].id_for_label == "id_at_0"
