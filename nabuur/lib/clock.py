"""The one clock of Nabuur, so tests and `nabuur worker --now` can move time.

Code that decides something by the time of day or the date (purges, reinstatements, reminders)
calls `clock.now()` instead of `timezone.now()`.
"""

from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone

_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else timezone.now()


def today():
    return timezone.localdate(now())


def set_now(moment: datetime | None) -> None:
    """Pin the clock to `moment` (an aware datetime), or release it with None."""
    global _frozen
    if moment is not None and timezone.is_naive(moment):
        raise ValueError("The clock takes aware datetimes only.")
    _frozen = moment


@contextmanager
def frozen_at(moment: datetime):
    previous = _frozen
    set_now(moment)
    try:
        yield moment
    finally:
        set_now(previous)
