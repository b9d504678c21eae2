"""Every select's empty choice ("- Select an option -", Django 6) reads in the page's language.

Django's own Dutch and German catalogues lack that text; nabuur.lib.forms marks it so that our
catalogue translates it, and ours comes first (LOCALE_PATHS)."""

import pytest
from django.db.models.fields import BLANK_CHOICE_LABEL
from django.utils import translation

from nabuur.lib.forms import EMPTY_CHOICE
from nabuur.networks.forms import NetworkForm


@pytest.mark.parametrize("language", ["nl", "fr", "de"])
def test_the_empty_choice_of_a_select_is_translated(language):
    # The very message id Django uses, so that our catalogue's translation is found.
    with translation.override("en"):
        assert str(BLANK_CHOICE_LABEL) == EMPTY_CHOICE == "- Select an option -"
    with translation.override(language):
        label = str(BLANK_CHOICE_LABEL)
    assert label != EMPTY_CHOICE
    assert label.startswith("- ") and label.endswith(" -")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nl", "fr", "de"])
def test_the_bin_forms_selects_show_no_english(zone, language):
    with translation.override(language):
        html = str(NetworkForm(zone=zone))
        label = str(BLANK_CHOICE_LABEL)
    assert f'<option value="" selected>{label}</option>' in html
    assert "Select an option" not in html
