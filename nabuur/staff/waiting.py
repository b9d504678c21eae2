"""Waiting items: work that waits for a BIN's partner, its deadline, the reminder and the
hand-over.

The apps above staff own the kinds of wait (messaging: police messages to forward; members:
sign-ups to approve and measures to confirm; evaluation: evaluations to sign). Each declares
its kind in its `escalation.py` with `register_kind`, and its periodic job hands every waiting
item to `escalate`, the one rule for all of them:

- past the deadline (a zone setting), the people who must act get one reminder;
- past twice the deadline, the BIN's other coordinators and its officers get one hand-over.

Both steps are audited ("escalation.reminded", "escalation.handed_over", with the people told
as subjects) and read back from the audit log on the item's page (`trail`). The staff
dashboard's "To handle" queue asks every kind for the person's items (`queue_for`).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.module_loading import autodiscover_modules
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.lib.mail import absolute_url, recipient_language, send_email
from nabuur.zones.site import links_to

from .auditing import record
from .models import COORDINATOR_ROLES, OFFICER_ROLES, Role, partners_of

REMINDED = "escalation.reminded"
HANDED_OVER = "escalation.handed_over"


@dataclass(frozen=True)
class WaitKind:
    """One kind of wait. `provider(user, now)` returns the person's `Item`s of this kind in a
    fixed number of queries: those they may act on, and for an officer or a zone
    administrator (`Capability.INVITE_COORDINATORS`) the overdue ones of their BINs."""

    name: str
    # The heading of its group in the queue, e.g. "Police messages to forward".
    label: str
    # What waits, in a sentence of an e-mail: "a police message for the members of %(network)s".
    what: str
    # The link to the item in the queue, e.g. "Open the message".
    link_text: str
    provider: object = field(compare=False)
    # The place of its group in the queue.
    order: int = 0


@dataclass
class Item:
    """One waiting item as the queue shows it."""

    kind: WaitKind
    network: object
    # When the wait began and when it should have ended.
    since: datetime
    deadline: datetime
    url: str
    # False for an item shown to an officer or zone administrator only because it is overdue.
    may_act: bool = True
    # Filled in by `queue_for` for the moment the queue is shown.
    age_days: int = 0
    overdue: bool = False
    # Past twice its deadline: the people who must act have not done so for a long time.
    long_overdue: bool = False

    def at(self, now):
        self.age_days = max((now - self.since).days, 0)
        self.overdue = now >= self.deadline
        self.long_overdue = now >= self.deadline + (self.deadline - self.since)
        return self


_KINDS: dict[str, WaitKind] = {}


def register_kind(name, *, label, what, link_text, provider, order=0):
    """Declare a kind of wait (in an app's `escalation.py`); returns it."""
    kind = WaitKind(name, label, what, link_text, provider, order)
    _KINDS[name] = kind
    return kind


def registered_kinds():
    # Each app declares its kinds in its escalation.py, as it declares its jobs in jobs.py.
    autodiscover_modules("escalation")
    return sorted(_KINDS.values(), key=lambda kind: (kind.order, kind.name))


@dataclass
class Group:
    kind: WaitKind
    items: list
    overdue: int


def queue_for(user, now=None):
    """[Group] of the person's waiting items, one group per kind that has any, each sorted by
    deadline. A fixed number of queries per kind, whatever the number of items and BINs."""
    now = now or clock.now()
    groups = []
    for kind in registered_kinds():
        items = [item.at(now) for item in kind.provider(user, now)]
        items.sort(key=lambda item: (item.deadline, item.url))
        if items:
            groups.append(Group(kind, items, sum(item.overdue for item in items)))
    return groups


# --- The reminder and the hand-over ---------------------------------------------------------


def coordinators(network, day):
    """The people who must act on a BIN's coordinator work (forward, approve): its
    coordinators, or where it has none, its co-coordinators and general coordinators."""
    return partners_of(network, [Role.COORDINATOR], day) or partners_of(
        network, COORDINATOR_ROLES, day
    )


def partners(network, day):
    """The BIN's coordinators and officers today (its municipality's general coordinators
    included), who are told when an item waits past twice its deadline."""
    return partners_of(network, COORDINATOR_ROLES + OFFICER_ROLES, day)


def escalate(
    obj,
    *,
    kind,
    network,
    since,
    period,
    now,
    must_act,
    url_name,
    url_args,
    reminded_field="reminded_at",
    officer_may_send=False,
):
    """Take `obj` (a waiting item of `kind` over `network`, waiting since `since`) one step on
    if its time has come; return the number of steps taken (0, 1 or 2).

    Past `since + period` the people in `must_act` (a function returning a list, asked only
    when needed) get one reminder; past `since + 2 × period` the BIN's other partners get one
    hand-over (all its partners if nobody else is left). Each step is claimed by setting its
    time on the row only where it is still empty, in the transaction that audits and sends
    it: two workers never send the same step, and an e-mail that fails rolls the step back,
    to be tried again on the next run.
    """
    steps = 0
    mail = {"kind": kind, "network": network, "since": since, "period": period}
    mail.update(url_name=url_name, url_args=url_args)
    if now >= since + period and getattr(obj, reminded_field) is None:
        steps += _step(REMINDED, obj, reminded_field, now, must_act(), **mail)
    if now >= since + 2 * period and obj.handed_over_at is None:
        reminded = {person.pk for person in must_act()}
        everyone = partners(network, clock.today())
        others = [person for person in everyone if person.pk not in reminded] or everyone
        mail["officer_may_send"] = officer_may_send
        steps += _step(HANDED_OVER, obj, "handed_over_at", now, others, **mail)
    return steps


def _step(action, obj, name, now, people, *, kind, network, **mail):
    """Claim, audit and send one step in one transaction; False if another worker had it.

    On PostgreSQL a second worker's UPDATE waits for the first to commit and then matches no
    row; SQLite's write transactions run one at a time anyway.
    """
    with transaction.atomic():
        claimed = type(obj).objects.filter(pk=obj.pk, **{f"{name}__isnull": True})
        if not claimed.update(**{name: now}):
            return False
        setattr(obj, name, now)
        record(
            None, action, place=network, target=obj, subjects=people, details={"kind": kind.name}
        )
        for person in people:
            _send(action, person, kind, network, **mail)
    return True


def _send(action, person, kind, network, **mail):
    if action == REMINDED:
        send_reminder(person, kind, network, **mail)
    else:
        send_handed_over(person, kind, network, **mail)


def send_reminder(person, kind, network, *, since, period, url_name, url_args):
    """One who must act: `kind`'s item in `network` has waited past its deadline."""
    _send_waiting(
        "staff/waiting_reminder", person, kind, network, since, period, url_name, url_args
    )


def send_handed_over(
    person, kind, network, *, since, period, url_name, url_args, officer_may_send=False
):
    """Another partner of the BIN: the item waits past twice its deadline despite a reminder;
    for a police message, whether the plan lets the officer send it to the members."""
    _send_waiting(
        "staff/waiting_handed_over",
        person,
        kind,
        network,
        since,
        period,
        url_name,
        url_args,
        officer_may_send=officer_may_send,
    )


def _send_waiting(name, person, kind, network, since, period, url_name, url_args, **extra):
    language = recipient_language(person, staff=True)
    with translation.override(language):
        what = str(kind.what) % {"network": network.name}
    zone = network.municipality.zone
    # The worker escalates for every zone: the link leads to the site of the item's zone.
    with links_to(zone):
        context = {
            "person": person,
            "network": network,
            "zone": zone,
            "what": what,
            "since": since,
            "deadline": since + period,
            "url": absolute_url(language, url_name, *url_args),
            **extra,
        }
        send_email(name, person.email, language, context)


# --- The item's page ------------------------------------------------------------------------


@dataclass
class TrailLine:
    action: str
    people: list
    at: datetime

    def __str__(self):
        names = ", ".join(person.full_name or person.email for person in self.people) or "—"
        day = date_format(localtime(self.at), "DATE_FORMAT")
        if self.action == REMINDED:
            return str(_("Reminder sent to %(people)s on %(date)s.")) % {
                "people": names,
                "date": day,
            }
        return str(_("Handed over to %(people)s on %(date)s.")) % {"people": names, "date": day}


def trail(*objs):
    """The reminders and hand-overs of `objs` (records of one model), oldest first, from the
    audit log: two queries, whatever their number."""
    objs = [obj for obj in objs if obj is not None]
    if not objs:
        return []
    entries = list(
        AuditEntry.objects.filter(
            object_type=objs[0]._meta.label_lower,
            object_id__in=[str(obj.pk) for obj in objs],
            action__in=[REMINDED, HANDED_OVER],
        ).order_by("seq")
    )
    ids = {pk for entry in entries for pk in entry.subjects}
    people = get_user_model().objects.in_bulk(ids) if ids else {}
    return [
        TrailLine(
            entry.action,
            [people[pk] for pk in entry.subjects if pk in people],
            entry.created_at,
        )
        for entry in entries
    ]
