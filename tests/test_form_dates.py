"""Every date field of every form renders an ISO value, in every language.

A browser's <input type="date"> reads only ISO dates (2026-05-03); given Django's localised
value (03-05-2026 on a Dutch page) it shows an empty field, and saving the form then loses the
date. The test finds the forms itself, so a new form is checked without being listed here.
"""

import datetime
import importlib
import inspect
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.conf import settings
from django.utils import translation

import nabuur
from nabuur.messaging.models import Message
from nabuur.networks.models import Network
from nabuur.zones.models import Municipality

pytestmark = pytest.mark.django_db

# Day and month differ and both are at most 12, so a swapped or localised value cannot pass.
DAY = datetime.date(2026, 5, 3)
MOMENT = datetime.datetime(2026, 5, 3, 14, 30, tzinfo=ZoneInfo(settings.TIME_ZONE))
LANGUAGES = ["nl", "fr", "de", "en"]


def form_modules():
    """nabuur/<app>/forms.py and the other form modules (messaging/staff_forms.py)."""
    root = Path(nabuur.__file__).parent
    paths = sorted(root.glob("*/forms.py")) + sorted(root.glob("*/*_forms.py"))
    return [
        importlib.import_module(".".join(("nabuur", *path.relative_to(root).with_suffix("").parts)))
        for path in paths
    ]


def form_classes():
    return [
        cls
        for module in form_modules()
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__
    ]


def name(cls):
    return f"{cls.__module__.removeprefix('nabuur.')}.{cls.__name__}"


# The arguments of the forms that need more than `initial`: (args, kwargs) for the personas.
RECIPES = {
    "accounts.forms.ChoosePasswordForm": lambda p: ([p["user"]], {}),
    "accounts.forms.AcceptInvitationForm": lambda p: ([p["user"]], {"asks_adult": True}),
    "accounts.forms.AddWebAuthnForm": lambda p: ([], {"user": p["user"]}),
    "members.forms.AssignAddressForm": lambda p: ([], {"zone": p["zone"], "postcode": "2650"}),
    "messaging.staff_forms.ComposeForm": lambda p: ([], {"user": p["user"]}),
    "messaging.staff_forms.VariantsForm": lambda p: (
        [],
        {"languages": ["nl"], "follow_choices": Message.objects.none()},
    ),
    "networks.forms.CapForm": lambda p: (
        [],
        {"networks": Network.objects.filter(pk=p["network"].pk)},
    ),
    "networks.forms.MergeForm": lambda p: ([], {"source": p["network"]}),
    "networks.forms.NetworkFilterForm": lambda p: (
        [],
        {"municipalities": Municipality.objects.all()},
    ),
    "networks.forms.NetworkForm": lambda p: ([], {"zone": p["zone"]}),
    "networks.forms.SegmentForm": lambda p: ([], {"network": p["network"]}),
    "staff.forms.AuditFilterForm": lambda p: ([], {"actions": []}),
    "staff.forms.ZoneStaffInviteForm": lambda p: ([], {"zone": p["zone"]}),
    "staff.theme_forms.ZoneLookForm": lambda p: ([], {"zone": p["zone"]}),
}


@pytest.fixture
def personas(zone, bin_a, zone_admin):
    return {"zone": zone, "network": bin_a, "user": zone_admin}


def build(cls, personas):
    recipe = RECIPES.get(name(cls), lambda p: ([], {}))
    args, kwargs = recipe(personas)
    try:
        return cls(*args, **kwargs)
    except (TypeError, KeyError) as error:
        pytest.fail(f"Add a recipe for {name(cls)} to RECIPES: {error}")


def date_fields(form):
    return [
        field_name
        for field_name, field in form.fields.items()
        if isinstance(field, forms.DateField | forms.DateTimeField)
    ]


def rendered_value(form, field_name, value):
    """The input's type and value as the browser gets them, with `value` as the initial."""
    form.initial[field_name] = value
    html = str(form[field_name])
    kind = re.search(r'type="([^"]*)"', html).group(1)
    shown = re.search(r'value="([^"]*)"', html)
    return kind, shown.group(1) if shown else None


def wrong_values(form, language):
    """'form.field: type="…" value="…"' for each date field not rendered as ISO."""
    wrong = []
    with translation.override(language):
        for field_name in date_fields(form):
            if isinstance(form.fields[field_name], forms.DateTimeField):
                expected = ("datetime-local", MOMENT, "2026-05-03T14:30")
            else:
                expected = ("date", DAY, "2026-05-03")
            kind, shown = rendered_value(form, field_name, expected[1])
            if (kind, shown) != (expected[0], expected[2]):
                wrong.append(f'{field_name}: type="{kind}" value="{shown}"')
    return wrong


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_date_field_renders_its_value_in_iso(language, personas):
    wrong = {}
    for cls in form_classes():
        # A fresh form per language: a rendered field keeps its value.
        if problems := wrong_values(build(cls, personas), language):
            wrong[name(cls)] = problems
    assert wrong == {}


def test_the_search_finds_the_date_fields_of_every_app(personas):
    found = {
        f"{name(cls)}.{field_name}"
        for cls in form_classes()
        for field_name in date_fields(build(cls, personas))
    }
    assert {
        "evaluation.forms.EvaluationForm.period_start",
        "evaluation.forms.FodForm.sent_to_fod_on",
        "members.forms.MeasureForm.until",
        "members.forms.PauseForm.paused_until",
        "messaging.staff_forms.ComposeForm.scheduled_for",
        "networks.forms.MeasureForm.decided_on",
        "networks.forms.NetworkForm.start_date",
        "staff.forms.AppointForm.screened_on",
        "staff.forms.AuditFilterForm.since",
        "staff.forms.EndRoleForm.ended_on",
        "staff.forms.ScreeningForm.screened_on",
    } <= found
