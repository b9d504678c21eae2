"""Every form: a resident's (join, login link, details, address, pause, quiet hours, message
classes) and the coordinator's (member search, add by hand, edit, unsubscribe, measures)."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nabuur.accounts.models import normalize_email_address
from nabuur.lib import clock
from nabuur.lib.forms import AccessibleForm, IsoDateInput, LinkableRadioSelect
from nabuur.lib.languages import PUBLIC_LANGUAGES
from nabuur.networks.models import Network
from nabuur.zones.models import Street

from .models import (
    MESSAGE_CLASS_FIELDS,
    Basis,
    ConsentChannel,
    MeasureKind,
    Membership,
    MembershipStatus,
)

LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "de": "Deutsch"}


def _text(label, max_length, autocomplete="", required=True, help_text=""):
    attrs = {"autocomplete": autocomplete} if autocomplete else {}
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs),
    )


def language_field(languages):
    return forms.ChoiceField(
        label=_("Language for e-mails"),
        choices=[(code, LANGUAGE_NAMES[code]) for code in languages],
        widget=LinkableRadioSelect,
        help_text=_("Your municipality may write to you in these languages."),
    )


class AddressFields(forms.Form):
    street = _text(_("Street"), 200, "address-line1")
    house_number = _text(_("House number"), 8, help_text=_("With the letter if any, e.g. 12B."))
    box = _text(_("Box"), 16, required=False, help_text=_("Only for a flat or an office."))
    postcode = forms.RegexField(
        label=_("Postcode"),
        regex=r"^[1-9]\d{3}$",
        error_messages={"invalid": _("Enter the four-digit Belgian postcode.")},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )


class JoinForm(AccessibleForm, AddressFields):
    first_name = _text(_("First name"), 150, "given-name")
    last_name = _text(_("Last name"), 150, "family-name")
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("We send a link to this address to confirm it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.RegexField(
        label=_("Mobile number (optional)"),
        regex=r"^\+?[\d /.()-]{8,20}$",
        required=False,
        error_messages={"invalid": _("Enter a telephone number, e.g. 0470 12 34 56.")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    basis = forms.ChoiceField(
        label=_("I join because I"),
        choices=[
            (Basis.LIVES, _("live at this address")),
            (Basis.WORKS, _("work at this address")),
            (Basis.BUSINESS, _("run a business at this address (business networks only)")),
        ],
        initial=Basis.LIVES,
        widget=LinkableRadioSelect,
    )
    enterprise_number = forms.RegexField(
        label=_("Enterprise number (optional)"),
        regex=r"^[01]\d{3}[. ]?\d{3}[. ]?\d{3}$",
        required=False,
        help_text=_("Only for a business, e.g. 0123.456.789."),
        error_messages={"invalid": _("Enter an enterprise number like 0123.456.789.")},
    )
    adult = forms.BooleanField(
        label=_("I am 18 years or older."),
        error_messages={"required": _("Only adults can join a neighbourhood information network.")},
    )
    accept = forms.BooleanField(
        label=_("I accept the house rules and have read the privacy notice."),
        error_messages={"required": _("You can join only if you accept the house rules.")},
    )
    # A field people never see; form-filling robots fill it in.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    field_order = [
        "first_name",
        "last_name",
        "street",
        "house_number",
        "box",
        "postcode",
        "email",
        "phone",
        "basis",
        "enterprise_number",
        "language",
        "adult",
        "accept",
        "website",
    ]

    def __init__(self, *args, languages=PUBLIC_LANGUAGES, **kwargs):
        super().__init__(*args, **kwargs)
        if len(languages) > 1:
            self.fields["language"] = language_field(languages)
            self.fields["language"].widget.attrs["aria-describedby"] = "id_language_hint"
            self.order_fields(self.field_order)
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    @property
    def is_spam(self):
        return bool(self.data.get("website"))

    def clean_enterprise_number(self):
        value = self.cleaned_data["enterprise_number"]
        return "".join(ch for ch in value if ch.isdigit())


class LoginForm(AccessibleForm):
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class DetailsForm(AccessibleForm):
    first_name = _text(_("First name"), 150, "given-name")
    last_name = _text(_("Last name"), 150, "family-name")
    phone = JoinForm.base_fields["phone"]

    def __init__(self, *args, languages=PUBLIC_LANGUAGES, **kwargs):
        super().__init__(*args, **kwargs)
        if len(languages) > 1:
            self.fields["language"] = language_field(languages)
            self.fields["language"].widget.attrs["aria-describedby"] = "id_language_hint"


class AddressForm(AccessibleForm, AddressFields):
    pass


class PauseForm(AccessibleForm):
    paused_until = forms.DateField(
        label=_("Pause messages until"),
        required=False,
        help_text=_(
            "The last day of your pause. Messages sent during the pause are kept for you: their "
            "e-mails arrive the day after it ends, after your quiet hours if you set any. Leave "
            "empty to receive messages again now."
        ),
        widget=IsoDateInput,
    )

    def clean_paused_until(self):
        value = self.cleaned_data["paused_until"]
        if value is not None and value <= clock.today():
            raise forms.ValidationError(_("Choose a date after today."))
        return value


class QuietHoursForm(AccessibleForm):
    quiet_from = forms.TimeField(
        label=_("Quiet from"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_to = forms.TimeField(
        label=_("Quiet until"),
        required=False,
        help_text=_(
            "No e-mails between these times, for example from 22:00 to 07:00: an e-mail that "
            "comes in meanwhile waits until the quiet hours end. Leave both empty for none."
        ),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("quiet_from")) != bool(data.get("quiet_to")):
            raise forms.ValidationError(_("Fill in both times, or neither."))
        if data.get("quiet_from") and data.get("quiet_from") == data.get("quiet_to"):
            raise forms.ValidationError(
                _("The quiet hours must start and end at different times."),
                code="empty_window",
            )
        return data


class MessageClassesForm(forms.Form):
    """Which of the optional message classes a member receives from one BIN: one checkbox per
    field of MESSAGE_CLASS_FIELDS, ticked for the classes they receive.

    A plain Form: the site's BoundField describes the group on its fieldset, with the form's
    prefix (several BINs' forms share the page of an e-mail's link), which Accessible's ids
    would leave out."""

    receives = forms.MultipleChoiceField(
        label=_("Which messages do you want to receive from this BIN?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Untick what you do not want to receive. Feedback after an incident, notices about "
            "a missing person or a disaster, and e-mails about your membership always arrive."
        ),
    )

    def __init__(self, *args, membership=None, **kwargs):
        if membership is not None:
            kwargs.setdefault(
                "initial",
                {"receives": [name for name in MESSAGE_CLASS_FIELDS if getattr(membership, name)]},
            )
        super().__init__(*args, **kwargs)
        self.fields["receives"].choices = [
            (name, capfirst(Membership._meta.get_field(name).verbose_name))
            for name in MESSAGE_CLASS_FIELDS
        ]

    def choices(self):
        """{field: whether the member receives that class}, for set_message_classes."""
        ticked = set(self.cleaned_data["receives"])
        return {name: name in ticked for name in MESSAGE_CLASS_FIELDS}


# --- The coordinator's forms ------------------------------------------------------------------


class MemberSearchForm(forms.Form):
    """The member list's search, filters and sort; every field optional (GET)."""

    SORTS = {
        "name": ("last_name_key", "first_name_key", "pk"),
        "street": ("street_key", "house_number", "pk"),
        "joined": ("-requested_at", "-pk"),
        "status": ("status", "last_name_key", "first_name_key", "pk"),
    }

    q = forms.CharField(label=_("Search by name, e-mail or street"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    street = forms.TypedChoiceField(label=_("Street"), required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("name")),
            ("street", pgettext_lazy("public road", "street")),
            ("joined", _("date joined")),
            ("status", _("status")),
        ],
    )

    def __init__(self, *args, streets=(), **kwargs):
        super().__init__(*args, **kwargs)
        # {street id: name in the active language}, also for the list's addresses.
        self.street_names = {street.pk: street.name for street in streets}
        self.fields["status"].choices = [("", _("current members"))] + MembershipStatus.choices
        self.fields["street"].choices = [("", _("all streets")), *self.street_names.items()]

    def selects(self):
        """(bound field, [(value, label, selected)]) of each select, in the form's order: the
        list's template writes the options out itself (members/staff/_search_select.html)."""
        selects = []
        for name in ("status", "street", "sort"):
            field = self[name]
            current = "" if field.value() is None else str(field.value())
            options = [
                (value, label, str(value) == current) for value, label in field.field.choices
            ]
            selects.append((field, options))
        return selects


class MemberByHandForm(JoinForm):
    """The join form as a coordinator fills it in from a paper form or a phone call."""

    channel = forms.ChoiceField(
        label=_("How did the person ask to join?"),
        choices=[(ConsentChannel.PAPER, _("paper form")), (ConsentChannel.PHONE, _("by phone"))],
        widget=LinkableRadioSelect,
    )
    source_note = _text(
        _("Consent given"),
        300,
        help_text=_("For example: paper form signed on 3 May 2026, kept by the coordinator."),
    )

    field_order = ["channel", "source_note", *JoinForm.field_order]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["website"]
        _not_the_users_own(self)
        # The coordinator fills this in about someone else: no "I" here.
        self.fields["basis"].label = _("Why may the person join?")
        self.fields["basis"].choices = Basis.choices
        email = self.fields["email"]
        email.required = False
        email.label = _("E-mail address (optional)")
        email.help_text = _("Without an e-mail address the member receives letters by post.")
        self.fields["adult"].label = _("The person is 18 years or older.")
        self.fields["accept"].label = _(
            "The person accepted the house rules and was told about the privacy notice."
        )
        self.fields["accept"].error_messages["required"] = _(
            "Add a member only once they accepted the house rules."
        )

    @property
    def is_spam(self):
        return False


class MemberEditForm(AccessibleForm):
    first_name = _text(_("First name"), 150)
    last_name = _text(_("Last name"), 150)
    email = forms.EmailField(
        label=_("E-mail address (optional)"),
        required=False,
        help_text=_("Without an e-mail address the member receives letters by post."),
    )
    phone = JoinForm.base_fields["phone"]
    box = _text(_("Box"), 16, required=False)

    def __init__(self, *args, email_lock=None, **kwargs):
        """`email_lock`: why this coordinator may not change the address (services.email_lock);
        the field is then read-only, with the reason as its hint."""
        super().__init__(*args, **kwargs)
        _not_the_users_own(self)
        self.email_lock = email_lock
        if email_lock:
            field = self.fields["email"]
            field.disabled = True
            field.help_text = email_lock
            field.widget.attrs["aria-describedby"] = "id_email_hint"

    def clean(self):
        data = super().clean()
        # A disabled field keeps its initial value whatever is posted; a post that tries to
        # change it anyway is answered, not silently half-saved.
        posted = normalize_email_address(self.data.get("email", self["email"].initial))
        if self.email_lock and posted != normalize_email_address(self["email"].initial):
            self.add_error("email", self.email_lock)
        return data


def _not_the_users_own(form):
    # These fields describe a member, not the coordinator typing: the browser must not offer to
    # fill in the coordinator's own name, address or number (WCAG 1.3.5 marks the user's own).
    for field in form.fields.values():
        if field.widget.input_type in {"text", "email"}:
            field.widget.attrs["autocomplete"] = "off"


class ReasonForm(AccessibleForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the record. For example: asked by phone on 3 May."),
    )


class MeasureForm(AccessibleForm):
    """A proposed measure; it takes effect when the other side confirms it."""

    kind = forms.ChoiceField(
        label=_("Measure"), choices=MeasureKind.choices, widget=LinkableRadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        help_text=_("The member reads it in the e-mail or the letter that tells them."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    until = forms.DateField(
        label=_("Suspended until"),
        required=False,
        help_text=_("Only for a temporary suspension."),
        widget=IsoDateInput,
    )

    def clean(self):
        data = super().clean()
        if data.get("kind") == MeasureKind.TEMPORARY_SUSPENSION:
            until = data.get("until")
            if until is None or until <= clock.today():
                self.add_error("until", _("Choose the last day of the suspension, after today."))
        return data


class AssignAddressForm(AccessibleForm):
    """Where the zone's police put a sign-up from outside every BIN."""

    network = forms.ModelChoiceField(label=_("BIN"), queryset=Network.objects.none())
    street = forms.ModelChoiceField(
        label=_("Street"),
        queryset=Street.objects.none(),
        help_text=_("The street as it is known in the address register."),
    )
    house_number = forms.IntegerField(label=_("House number"), min_value=1, max_value=99999)
    house_number_suffix = forms.CharField(label=_("Letter"), max_length=8, required=False)

    def __init__(self, *args, zone, postcode, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["network"].queryset = Network.objects.filter(
            municipality__zone=zone, status__in=["preparation", "active"]
        ).order_by("name")
        streets = Street.objects.filter(municipality__zone=zone).select_related("municipality")
        near = streets.filter(postcode=postcode)
        self.fields["street"].queryset = (near if near.exists() else streets).order_by("name_nl")
        self.fields["street"].label_from_instance = lambda street: (
            f"{street.name}, {street.postcode} {street.municipality.name}"
        )

    def clean(self):
        data = super().clean()
        network, street = data.get("network"), data.get("street")
        if network and street and street.municipality_id != network.municipality_id:
            self.add_error(
                "street",
                _("%(street)s lies in %(municipality)s, outside the municipality of %(bin)s.")
                % {
                    "street": street.name,
                    "municipality": street.municipality.name,
                    "bin": network.name,
                },
            )
        return data


class DeclineForm(AccessibleForm):
    """The coordinator's optional reason for declining a request, told to the person."""

    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "At most 500 characters. The person reads it in the e-mail that tells them their "
            "request is declined; it is also kept with the request until their data is deleted."
        ),
    )

    def __init__(self, *args, by_email=True, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        # maxlength would cut a pasted text short without a word; the error summary says why.
        field.widget.attrs.pop("maxlength", None)
        if not by_email:
            field.help_text = _(
                "At most 500 characters. This person has no e-mail address, so nobody tells "
                "them: the reason is only kept with the request until their data is deleted."
            )


class CloseAddressForm(AccessibleForm):
    reason = forms.CharField(
        label=_("Message to the person (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
