"""Who receives a message, by which channel, and who is skipped and why.

This is the one place that decides it. Queueing (`services.queue_message`) freezes its answer
into Delivery and SkippedRecipient rows, the message page previews it (`preview`), and the
letters (`letters.py`) print it. The rule, once per person however many of the message's BINs
they belong to:

- Only current members count: active, paused or suspended in one of the message's BINs, with
  an account that is not closed. Pending sign-ups and members who left receive nothing and are
  not "skipped" either: they are not members.
- A membership whose member chose not to receive the message's class (`OPTIONAL_KINDS`)
  does not count while the person has another one that did not: they still get the message
  once, through that one. A person whose every membership opted out is skipped for it
  ("opted out"), whatever else holds for them, by e-mail and by letter alike.
- Of a person's memberships in those BINs the one that reaches them soonest decides: active,
  then a pause with an end (the earliest end first), then a pause without an end, then a
  suspension; among equals the first BIN (its language regime writes the e-mail).
- A suspension skips the person; so does a pause without an end (they asked for nothing until
  they resume), except for the notices that ignore pauses (`Message.ignores_pauses`).
- A person with an e-mail address gets an e-mail, unless bounces marked the address
  undeliverable; a pause with an end defers the e-mail until the day after the pause.
- A person without one gets a letter (every membership has its postal address). The letter is
  printed with the others: like the deferred e-mail, it waits in the letterbox for the end of
  a pause.
- An e-mail never goes out in the quiet hours of the person's current memberships in the
  message's BINs, whatever the message's class: it waits until they end (`after_quiet_hours`,
  in Belgian time). Queueing sets the first attempt after them; the worker checks again when
  the e-mail comes due (a retry, a pause that ends at midnight, quiet hours saved meanwhile).
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, Count, DateField, F, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from nabuur.lib import clock
from nabuur.members.models import Membership, MembershipStatus

from .models import (
    OPTIONAL_KINDS,
    RELEASED_STATES,
    Channel,
    HoldReason,
    SkippedRecipient,
    SkipReason,
)

# How soon a membership reaches its member: of a person's memberships the lowest decides.
NOW, AFTER_PAUSE, OPEN_PAUSE, SUSPENDED = range(4)

MEMBER_STATUSES = [MembershipStatus.ACTIVE, MembershipStatus.PAUSED, MembershipStatus.SUSPENDED]
NO_EMAIL = Q(user__email__isnull=True) | Q(user__email="")


def _standing(message, today):
    whens = [
        When(
            Q(status=MembershipStatus.SUSPENDED) | Q(suspended_until__gte=today),
            then=Value(SUSPENDED),
        )
    ]
    if not message.ignores_pauses:
        whens += [
            When(status=MembershipStatus.PAUSED, paused_until__isnull=True, then=Value(OPEN_PAUSE)),
            When(paused_until__gte=today, then=Value(AFTER_PAUSE)),
        ]
    return Case(*whens, default=Value(NOW))


def _opted_out(message):
    """1 for a membership whose member chose not to receive the message's class, else 0;
    None for a class nobody can refuse."""
    field = OPTIONAL_KINDS.get(message.kind)
    if field is None:
        return None
    return Case(When(**{field: False}, then=Value(1)), default=Value(0))


def _members(message, networks=None):
    """The current memberships in the message's BINs (in those among `networks`, if given)."""
    targets = message.targets.all()
    if networks is not None:
        targets = [network for network in targets if network in networks]
    return Membership.objects.filter(
        network__in=targets, status__in=MEMBER_STATUSES, user__is_active=True
    )


def _choose(message, today, memberships):
    standing = _standing(message, today)
    opted_out = _opted_out(message)
    order = [F("standing").asc(), F("pause_ends").asc(nulls_first=True), "network_id"]
    skip = [
        When(standing=OPEN_PAUSE, then=Value(SkipReason.PAUSED.value)),
        When(standing=SUSPENDED, then=Value(SkipReason.SUSPENDED.value)),
    ]
    if opted_out is not None:
        # A membership that opted out comes last: any other one of the person decides.
        memberships = memberships.annotate(opted_out=opted_out)
        order.insert(0, F("opted_out").asc())
        skip.insert(0, When(opted_out=1, then=Value(SkipReason.OPTED_OUT.value)))
    first = Window(RowNumber(), partition_by=[F("user_id")], order_by=order)
    return (
        memberships.annotate(standing=standing)
        .annotate(
            pause_ends=Case(
                When(standing=AFTER_PAUSE, then=F("paused_until")),
                default=None,
                output_field=DateField(),
            ),
            outcome=Case(
                *skip,
                When(NO_EMAIL, then=Value(Channel.LETTER.value)),
                When(
                    user__email_undeliverable_at__isnull=False,
                    then=Value(SkipReason.UNDELIVERABLE.value),
                ),
                default=Value(Channel.EMAIL.value),
            ),
        )
        .annotate(choice=first)
        .filter(choice=1)
    )


def decide(message, today):
    """One membership per current member of the message's BINs: the one that decides,
    annotated with

    - `outcome`: a `Channel` (email, letter) or a `SkipReason` value;
    - `pause_ends`: the last day of the pause that defers the e-mail, else None.

    Read it with values_list() (queueing inserts from its SQL). Do not filter or count it
    through the ORM: Django would apply those before choosing one membership per person.
    """
    return _choose(message, today, _members(message))


def end_of_pause(pause_ends):
    """The first moment after a pause: local midnight after its last day."""
    day_after = pause_ends + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day_after, datetime.time.min))


def quiet_hours(message_ids, user_ids=None):
    """{(message id, user id): [(quiet from, quiet to), …]}: the quiet hours of each person's
    current memberships in each message's BINs (of `user_ids` only, if given), for the people
    who set some. One query."""
    memberships = Membership.objects.filter(
        network__messages__in=message_ids,
        status__in=MEMBER_STATUSES,
        quiet_from__isnull=False,
        quiet_to__isnull=False,
    )
    if user_ids is not None:
        memberships = memberships.filter(user_id__in=user_ids)
    windows = {}
    rows = memberships.values_list("network__messages", "user_id", "quiet_from", "quiet_to")
    for message_id, user_id, quiet_from, quiet_to in rows:
        windows.setdefault((message_id, user_id), []).append((quiet_from, quiet_to))
    return windows


def _end_of_window(local, quiet_from, quiet_to):
    """When the quiet window holding the local moment `local` ends, or None if none holds it."""
    day, time_of_day = local.date(), local.time()
    if quiet_from < quiet_to:
        ends_on = day if quiet_from <= time_of_day < quiet_to else None
    elif time_of_day >= quiet_from:
        ends_on = day + datetime.timedelta(days=1)
    else:
        ends_on = day if time_of_day < quiet_to else None
    if ends_on is None:
        return None
    # A local time the clocks skip (02:30 on the night they go forward) is read in winter
    # time: 03:30 summer time.
    return datetime.datetime.combine(ends_on, quiet_to, tzinfo=local.tzinfo)


def after_quiet_hours(moment, windows):
    """The first moment from `moment` on that falls in none of the quiet windows, `moment`
    itself when it falls in none.

    A window is a pair of times of day in Belgian time: 22:00–07:00 runs past midnight,
    12:00–14:00 lies within the day, and one that ends where it starts is no window. Of several
    windows (one e-mail for several memberships) the e-mail waits until it is in none, so for
    the later end where they meet.
    """
    windows = [(start, end) for start, end in windows if start != end]
    zone = timezone.get_default_timezone()
    # Each step leaves one window; more steps than windows would mean they cover the whole day
    # between them, and the e-mail goes at the end of the last step rather than never.
    for _ in range(len(windows)):
        local = moment.astimezone(zone)
        ends = [_end_of_window(local, start, end) for start, end in windows]
        ends = [end for end in ends if end is not None]
        if not ends:
            break
        moment = max(ends)
    return moment


def first_attempt(moment, held_for, windows):
    """(when, why) for an e-mail that may go at `moment` as far as pauses go (`held_for` says
    whether a pause holds it): after the person's quiet `windows`, held for them if they move
    it and nothing else held it."""
    later = after_quiet_hours(moment, windows) if windows else moment
    if later != moment and not held_for:
        held_for = HoldReason.QUIET_HOURS.value
    return later, held_for


@dataclass
class Reach:
    """How many people a message reaches by each channel, and how many it skips and why."""

    # None once the message is queued: its deliveries count its e-mails.
    emails: int | None
    letters: int
    # {SkipReason: how many}, in the order of SkipReason, only the reasons that occur.
    skipped: dict


def preview(message, today=None, networks=None):
    """What queueing the message today would do, counted in one query; with `networks`, what
    queueing it to those of its BINs alone would do (a part of a message that is split)."""
    today = today or clock.today()
    chosen = _choose(message, today, _members(message, networks))
    chosen, params = chosen.values_list("outcome").query.sql_with_params()
    with connection.cursor() as cursor:
        # Counted around the choice, which the ORM would count before making it.
        cursor.execute(
            f"SELECT outcome, COUNT(*) FROM ({chosen}) AS chosen GROUP BY outcome",  # noqa: S608
            params,
        )
        counts = dict(cursor.fetchall())
    return Reach(
        emails=counts.get(Channel.EMAIL, 0),
        letters=counts.get(Channel.LETTER, 0),
        skipped=_by_reason(counts),
    )


def reach(message):
    """Whom `message` reaches, as its page tells: until it is queued, whom it would reach
    today (`preview`); once queued, whom it skipped (the rows queueing wrote) and how many
    members of its BINs get it by letter."""
    if message.state not in RELEASED_STATES:
        return preview(message)
    return Reach(emails=None, letters=letter_count(message), skipped=skipped(message))


def skipped(message):
    """{SkipReason: how many} of a queued message, from the rows queueing wrote."""
    counts = (
        SkippedRecipient.objects.filter(message=message)
        .values("reason")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("reason", "n")
    )
    return _by_reason(dict(counts))


def _by_reason(counts):
    return {reason: counts[reason] for reason in SkipReason if counts.get(reason)}


def letter_count(message, today=None):
    """How many members of the message's BINs get it as a letter, counted in one query."""
    today = today or clock.today()
    chosen, params = (
        _choose(message, today, _members(message).filter(NO_EMAIL))
        .values_list("outcome")
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM ({chosen}) AS chosen WHERE outcome = %s",  # noqa: S608
            [*params, Channel.LETTER.value],
        )
        return cursor.fetchone()[0]


def letter_recipients(message, networks, today=None):
    """The memberships that get `message` as a letter, one per person, in those of its BINs
    that are among `networks` (the BINs whose member list the person may see), in the order
    of their addresses."""
    today = today or clock.today()
    # Only people without an e-mail address get letters: the choice need not weigh the others.
    chosen = _choose(message, today, _members(message, networks).filter(NO_EMAIL))
    ids = [pk for pk, outcome in chosen.values_list("pk", "outcome") if outcome == Channel.LETTER]
    return list(
        Membership.objects.filter(pk__in=ids)
        .select_related("user", "street__municipality", "network__municipality__zone")
        .order_by("street__name_nl", "house_number", "house_number_suffix", "box", "pk")
    )
