"""Translation helpers for assertions on what a Dutch-speaking user sees."""

from django.utils import translation
from django.utils.translation import gettext


def nl(msgid, **values):
    """The Dutch text of a source string, so the assertions hold before and after translation."""
    with translation.override("nl"):
        text = gettext(msgid)
    return text % values if values else text
