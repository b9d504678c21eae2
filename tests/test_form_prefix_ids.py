"""aria-describedby must name ids that exist, also in a form with a prefix (several forms on
one page, as the member's BIN page has)."""

import re

from django import forms

from nabuur.lib.forms import AccessibleForm


class QuietHours(AccessibleForm):
    quiet_to = forms.CharField(help_text="Until when.")


def described_ids_exist(form):
    html = form.as_div()
    ids = set(re.findall(r'id="([^"]+)"', html))
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert described
    return [part for value in described for part in value.split() if part not in ids]


def test_the_hint_and_error_ids_carry_the_prefix():
    assert described_ids_exist(QuietHours(prefix="quiet")) == []
    assert described_ids_exist(QuietHours({"quiet-quiet_to": ""}, prefix="quiet")) == []


def test_without_a_prefix_they_stay_as_they_were():
    form = QuietHours({"quiet_to": ""})
    assert described_ids_exist(form) == []
    assert 'aria-describedby="id_quiet_to_hint id_quiet_to_error"' in form.as_div()
