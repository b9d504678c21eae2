"""Dates as people read them."""

from functools import lru_cache

from django.utils.formats import date_format
from django.utils.translation import get_language


@lru_cache(maxsize=4096)
def _short_date(day, language):
    return date_format(day, "SHORT_DATE_FORMAT")


def short_date(day):
    """`day` (a date) in the active language's short format, as |date:"SHORT_DATE_FORMAT" gives.

    Remembered per language: a member list shows the same few hundred dates of joining again
    and again, and formatting one costs Django ten microseconds.
    """
    return _short_date(day, get_language())
