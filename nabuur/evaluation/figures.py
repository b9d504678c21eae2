"""The figures of an evaluation, computed from what Nabuur recorded in its period.

Each counted figure is a queryset: its value is the number of rows, and the evaluation links to
exactly those rows. While the evaluation is open the figures are computed live; the first
signature freezes them into `Evaluation.figures` as {key: {"value": n, "ids": [row ids]}}, so a
signed evaluation keeps its numbers and its links whatever happens to the data afterwards.
Rates and durations are derived from the counts (and, for the forwarding time, the trail).
The BIN's coverage (evaluation.coverage: dwellings in its area against member households) is
frozen with them, so a later address import does not change a signed year.
"""

import datetime
import functools
import operator
import statistics
from dataclasses import dataclass

from django.apps import apps
from django.db import connection
from django.db.models import CharField, Count, Exists, F, Min, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nabuur.lib import clock
from nabuur.members.models import Measure, MeasureKind, MeasureState, Membership
from nabuur.messaging.models import (
    OPTIONAL_KINDS,
    RELEASED_STATES,
    AuthorSide,
    CommunicationPlan,
    Delivery,
    DeliveryState,
    Feedback,
    Message,
    MessageEvent,
    MessageKind,
    MessageState,
)

from .coverage import coverage
from .models import CharterVersion, Evaluation, SurveyAnswer


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    group: str
    model: str  # "app_label.Model" of the rows it counts
    rows: object  # rows(evaluation, bounds) → queryset


def bounds(evaluation):
    """The period as [start, end) aware datetimes in the site's time zone."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(evaluation.period_start, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        evaluation.period_end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start, end


def _members_at(moment):
    def rows(evaluation, period):
        return Membership.objects.filter(
            Q(left_at__isnull=True) | Q(left_at__gte=period[moment]),
            network=evaluation.network,
            approved_at__lt=period[moment],
        )

    return rows


def _opted_out(kind):
    def rows(evaluation, period):
        # The members at the end of the period who chose not to receive the class. The choice
        # has no history: counted live, it is the choice of today; signing freezes it.
        return _members_at(1)(evaluation, period).filter(**{OPTIONAL_KINDS[kind]: False})

    return rows


def _joins(evaluation, period):
    start, end = period
    return Membership.objects.filter(
        network=evaluation.network, approved_at__gte=start, approved_at__lt=end
    )


def _leaves(evaluation, period):
    start, end = period
    # Declined sign-ups never joined: only memberships that were approved can be left.
    return Membership.objects.filter(
        network=evaluation.network,
        approved_at__isnull=False,
        left_at__gte=start,
        left_at__lt=end,
    )


def _measures(kind=None):
    def rows(evaluation, period):
        start, end = period
        query = Measure.objects.filter(
            membership__network=evaluation.network,
            state=MeasureState.CONFIRMED,
            confirmed_at__gte=start,
            confirmed_at__lt=end,
        )
        return query.filter(kind=kind) if kind else query

    return rows


def _messages(**filters):
    def rows(evaluation, period):
        start, end = period
        return Message.objects.filter(
            targets=evaluation.network,
            state__in=RELEASED_STATES,
            queued_at__gte=start,
            queued_at__lt=end,
            **filters,
        )

    return rows


def _decisions(state):
    def rows(evaluation, period):
        start, end = period
        return MessageEvent.objects.filter(
            message__targets=evaluation.network,
            state=state,
            created_at__gte=start,
            created_at__lt=end,
        )

    return rows


def _deliveries(*states):
    def rows(evaluation, period):
        # Only the e-mails to this BIN's members: a message to several BINs counts in each
        # BIN for its own members. Every delivery is an e-mail; the members that queueing
        # skipped are SkippedRecipient rows, so they never count as e-mailed or delivered.
        members = Membership.objects.filter(network=evaluation.network).values("user_id")
        query = Delivery.objects.filter(
            message__in=_messages()(evaluation, period), user_id__in=members
        )
        return query.filter(state__in=states) if states else query

    return rows


def _comments(evaluation, period):
    return Feedback.objects.filter(delivery__in=_deliveries()(evaluation, period)).exclude(
        comment=""
    )


def _changes(model):
    def rows(evaluation, period):
        start, end = period
        return model.objects.filter(
            network=evaluation.network, created_at__gte=start, created_at__lt=end
        )

    return rows


def _handed_over(model, network):
    """The items of `model` that waited past twice their deadline in the period, so that the
    BIN's other coordinators and its officers were told (nabuur.staff.waiting): the sign of a
    BIN whose coordinators did not act for a long time."""

    def rows(evaluation, period):
        start, end = period
        return model.objects.filter(
            **{network: evaluation.network, "handed_over_at__gte": start, "handed_over_at__lt": end}
        )

    return rows


def _answers(evaluation, period):
    # The overview computes figures for BINs whose evaluation was not opened (unsaved).
    if evaluation.pk is None:
        return SurveyAnswer.objects.none()
    return SurveyAnswer.objects.filter(evaluation=evaluation)


MEMBERS = _("Members")
OPTED_OUT = _("Members who chose not to receive a class of messages")
MESSAGES = _("Messages")
FORWARDING = _("Police messages for the coordinators")
DELIVERY = _("E-mails")
FEEDBACK = _("Feedback from members")
LEFT_WAITING = _("Left waiting past twice the deadline")
AGREEMENTS = _("Charter and communication plan")
SURVEY = _("Member survey")

FIGURES = [
    Figure(
        "members_start", _("members at the start"), MEMBERS, "members.Membership", _members_at(0)
    ),
    Figure("members_end", _("members at the end"), MEMBERS, "members.Membership", _members_at(1)),
    Figure("joins", _("joined"), MEMBERS, "members.Membership", _joins),
    Figure("leaves", _("left"), MEMBERS, "members.Membership", _leaves),
    Figure("measures", _("measures against members"), MEMBERS, "members.Measure", _measures()),
    *[
        Figure(f"measures_{kind.value}", kind.label, MEMBERS, "members.Measure", _measures(kind))
        for kind in MeasureKind
    ],
    *[
        Figure(
            f"opted_out_{kind.value}", kind.label, OPTED_OUT, "members.Membership", _opted_out(kind)
        )
        for kind in OPTIONAL_KINDS
    ],
    Figure("messages", _("messages sent"), MESSAGES, "messaging.Message", _messages()),
    *[
        Figure(
            f"messages_{kind.value}",
            kind.label,
            MESSAGES,
            "messaging.Message",
            _messages(kind=kind),
        )
        for kind in MessageKind
    ],
    Figure(
        "messages_police",
        _("written by the police"),
        MESSAGES,
        "messaging.Message",
        _messages(author_side=AuthorSide.POLICE),
    ),
    Figure(
        "messages_coordinator",
        _("written by a coordinator"),
        MESSAGES,
        "messaging.Message",
        _messages(author_side=AuthorSide.COORDINATOR),
    ),
    Figure(
        "police_forwarded",
        _("forwarded to the members"),
        FORWARDING,
        "messaging.MessageEvent",
        _decisions(MessageState.FORWARDED),
    ),
    Figure(
        "police_declined",
        _("declined"),
        FORWARDING,
        "messaging.MessageEvent",
        _decisions(MessageState.DECLINED),
    ),
    Figure("deliveries", _("e-mails to members"), DELIVERY, "messaging.Delivery", _deliveries()),
    Figure(
        "deliveries_sent",
        _("delivered"),
        DELIVERY,
        "messaging.Delivery",
        _deliveries(DeliveryState.SENT),
    ),
    Figure(
        "deliveries_bounced",
        _("bounced"),
        DELIVERY,
        "messaging.Delivery",
        _deliveries(DeliveryState.BOUNCED),
    ),
    Figure(
        "deliveries_failed",
        _("failed"),
        DELIVERY,
        "messaging.Delivery",
        _deliveries(DeliveryState.FAILED),
    ),
    Figure(
        "feedback_useful",
        _("found a message useful"),
        FEEDBACK,
        "messaging.Feedback",
        lambda e, p: Feedback.objects.filter(delivery__in=_deliveries()(e, p), useful=True),
    ),
    Figure(
        "feedback_not_useful",
        _("found a message not useful"),
        FEEDBACK,
        "messaging.Feedback",
        lambda e, p: Feedback.objects.filter(delivery__in=_deliveries()(e, p), useful=False),
    ),
    Figure("feedback_comments", _("comments"), FEEDBACK, "messaging.Feedback", _comments),
    Figure(
        "handed_over_messages",
        _("police messages to forward"),
        LEFT_WAITING,
        "messaging.Message",
        _handed_over(Message, "targets"),
    ),
    Figure(
        "handed_over_signups",
        _("sign-ups to approve"),
        LEFT_WAITING,
        "members.Membership",
        _handed_over(Membership, "network"),
    ),
    Figure(
        "handed_over_measures",
        _("measures to confirm"),
        LEFT_WAITING,
        "members.Measure",
        _handed_over(Measure, "membership__network"),
    ),
    Figure(
        "handed_over_evaluations",
        _("evaluations to sign"),
        LEFT_WAITING,
        "evaluation.Evaluation",
        _handed_over(Evaluation, "network"),
    ),
    Figure(
        "charter_versions",
        _("new charter versions"),
        AGREEMENTS,
        "evaluation.CharterVersion",
        _changes(CharterVersion),
    ),
    Figure(
        "plan_versions",
        _("new communication plan versions"),
        AGREEMENTS,
        "messaging.CommunicationPlan",
        _changes(CommunicationPlan),
    ),
    Figure("survey_answers", _("survey answers"), SURVEY, "evaluation.SurveyAnswer", _answers),
]
BY_KEY = {figure.key: figure for figure in FIGURES}
HANDED_OVER_KEYS = [figure.key for figure in FIGURES if figure.group == LEFT_WAITING]


def compute(evaluation):
    """{key: {"value": n, "ids": [...]}} from the recorded data, one query per figure."""
    period = bounds(evaluation)
    result = {}
    for figure in FIGURES:
        ids = sorted(set(figure.rows(evaluation, period).values_list("pk", flat=True)))
        result[figure.key] = {"value": len(ids), "ids": ids}
    result["decision_hours"] = {"value": _decision_hours(result), "ids": []}
    covered = coverage(evaluation.network)
    result["dwellings"] = {"value": covered.dwellings, "ids": []}
    result["households"] = {"value": covered.households, "ids": []}
    return result


def _decision_hours(counted):
    """The median time in hours between a police message reaching the coordinators and their
    decision (forward or decline), one decimal; None without decisions."""
    ids = counted["police_forwarded"]["ids"] + counted["police_declined"]["ids"]
    decisions = MessageEvent.objects.filter(pk__in=ids).values_list("message_id", "created_at")
    decided = dict(decisions)
    asked = {}
    for message_id, created_at in MessageEvent.objects.filter(
        message_id__in=decided, state=MessageState.AWAITING_FORWARD
    ).values_list("message_id", "created_at"):
        asked.setdefault(message_id, created_at)
    hours = [(decided[pk] - asked[pk]).total_seconds() / 3600 for pk in decided if pk in asked]
    return round(statistics.median(hours), 1) if hours else None


def figures_of(evaluation):
    """The frozen figures of a signed evaluation, else the live ones."""
    return evaluation.figures if evaluation.figures is not None else compute(evaluation)


def _percent(part, whole):
    return round(100 * part / whole, 1) if whole else None


def rates(values):
    """The derived figures: delivery and bounce rates, growth, coverage (None where the
    evaluation was signed before coverage was frozen with it)."""
    dwellings = values.get("dwellings", {}).get("value")
    households = values.get("households", {}).get("value")
    return {
        "coverage": _percent(households, dwellings) if households is not None else None,
        "delivery_rate": _percent(
            values["deliveries_sent"]["value"], values["deliveries"]["value"]
        ),
        "bounce_rate": _percent(
            values["deliveries_bounced"]["value"], values["deliveries"]["value"]
        ),
        "growth": values["members_end"]["value"] - values["members_start"]["value"],
    }


def linked_rows(evaluation, key):
    """The rows a figure counts: the frozen ids once signed, else the live query."""
    figure = BY_KEY[key]
    model = apps.get_model(figure.model)
    if evaluation.figures is not None:
        return model.objects.filter(pk__in=evaluation.figures[key]["ids"]).order_by("pk")
    return figure.rows(evaluation, bounds(evaluation)).order_by("pk")


def grouped(values):
    """[(group label, [(figure, value)])] in the order of FIGURES, for pages and PDFs."""
    groups = []
    for figure in FIGURES:
        if not groups or groups[-1][0] != figure.group:
            groups.append((figure.group, []))
        groups[-1][1].append((figure, values.get(figure.key, {}).get("value", 0)))
    return groups


# --- The overview: a few figures of many BINs at once -----------------------------------------
# The zone and municipality overview puts these figures of every BIN side by side. Counted BIN
# by BIN they would cost queries in proportion to the BINs; here each group is counted for all
# BINs in one grouped query, each BIN over its own period. They count exactly the rows the
# figures above count (tests/test_evaluation_figures.py holds the two together).

OVERVIEW_KEYS = [
    "members_start",
    "members_end",
    "joins",
    "leaves",
    "messages",
    "deliveries",
    "deliveries_sent",
    "deliveries_bounced",
    "feedback_useful",
    "feedback_not_useful",
    *HANDED_OVER_KEYS,
]


def _any_period(periods, condition):
    """Q: the row matches `condition(network ids, (start, end))` for one of the periods."""
    return functools.reduce(
        operator.or_, (condition(ids, period) for period, ids in periods.items())
    )


def _member_at(moment):
    def condition(ids, period):
        at = period[moment]
        return Q(network__in=ids, approved_at__lt=at) & (
            Q(left_at__isnull=True) | Q(left_at__gte=at)
        )

    return condition


def _in_period(network, field, **extra):
    def condition(ids, period):
        start, end = period
        return Q(**{f"{network}__in": ids, f"{field}__gte": start, f"{field}__lt": end, **extra})

    return condition


def _members_of_row_bin():
    """For a row of messages' BINs joined to the message's deliveries: the delivery's person
    is a member of the row's BIN (any time; the figures count e-mails to the BIN's members)."""
    return Membership.objects.filter(
        user_id=OuterRef("message__deliveries__user_id"), network_id=OuterRef("network_id")
    )


# A released message's e-mails per BIN it went to, counted only for the BIN's own members, as
# in _deliveries(). The rows (BIN, the e-mail's person, its state, the answer to "Was this
# useful?") are made first and kept (MATERIALIZED); only then is each row's person looked up
# among the BIN's members. Left to itself, PostgreSQL made the members' (BIN, person) pairs
# unique, joined them to the messages' BINs by the BIN alone, guessed 52 rows where there
# were millions, and looked the deliveries up person by person: the zone's overview ran for
# minutes once the delivery table carried the dead rows that sending leaves (the bench saw it;
# before that, a join through the memberships spilled a huge hash to disk in a national
# install). With both columns in one row of `sent`, the lookup can only be a join on both.
# A delivery has at most one feedback, so nothing is counted twice.
_DELIVERIES_PER_BIN = (
    "WITH sent (network_id, user_id, state, useful) AS MATERIALIZED ({sent}) "  # noqa: S608
    "SELECT network_id, COUNT(*), COUNT(*) FILTER (WHERE state = %s), "
    "COUNT(*) FILTER (WHERE state = %s), COUNT(*) FILTER (WHERE useful), "
    "COUNT(*) FILTER (WHERE NOT useful) FROM sent "
    f"WHERE EXISTS (SELECT 1 FROM {Membership._meta.db_table} AS member "
    "WHERE member.user_id = sent.user_id AND member.network_id = sent.network_id) "
    "GROUP BY network_id"
)
_DELIVERY_KEYS = (
    "deliveries",
    "deliveries_sent",
    "deliveries_bounced",
    "feedback_useful",
    "feedback_not_useful",
)


def _deliveries_per_bin(released):
    """Rows {"network": id, key: count for the _DELIVERY_KEYS} for the (message, BIN) rows
    `released`."""
    sent, params = (
        released.values_list(
            "network_id",
            "message__deliveries__user_id",
            "message__deliveries__state",
            "message__deliveries__feedback__useful",
        )
        .order_by()
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _DELIVERIES_PER_BIN.format(sent=sent),
            [*params, DeliveryState.SENT, DeliveryState.BOUNCED],
        )
        return [
            {"network": network, **dict(zip(_DELIVERY_KEYS, counts, strict=True))}
            for network, *counts in cursor.fetchall()
        ]


def overview_counts(periods):
    """{network id: {key: {"value": n}}} for the OVERVIEW_KEYS, live, of the BINs in `periods`
    ({(start, end) as in bounds(): [network ids]}). Six queries whatever the number of BINs."""
    ids = [pk for network_ids in periods.values() for pk in network_ids]
    if not ids:
        return {}
    counts = {pk: dict.fromkeys(OVERVIEW_KEYS, 0) for pk in ids}
    members = (
        Membership.objects.filter(network__in=ids)
        .order_by()
        .values("network")
        .annotate(
            members_start=Count("pk", filter=_any_period(periods, _member_at(0))),
            members_end=Count("pk", filter=_any_period(periods, _member_at(1))),
            joins=Count("pk", filter=_any_period(periods, _in_period("network", "approved_at"))),
            leaves=Count(
                "pk",
                filter=_any_period(
                    periods, _in_period("network", "left_at", approved_at__isnull=False)
                ),
            ),
            handed_over_signups=Count(
                "pk", filter=_any_period(periods, _in_period("network", "handed_over_at"))
            ),
        )
    )
    # One row per message and BIN it went to, released in that BIN's period.
    released = Message.targets.through.objects.filter(
        _any_period(periods, _in_period("network", "message__queued_at")),
        message__state__in=RELEASED_STATES,
    )
    messages = released.values("network").annotate(messages=Count("message", distinct=True))
    deliveries = _deliveries_per_bin(released)
    handed_over_messages = (
        Message.targets.through.objects.filter(
            _any_period(periods, _in_period("network", "message__handed_over_at"))
        )
        .values("network")
        .annotate(handed_over_messages=Count("message", distinct=True))
    )
    handed_over_measures = (
        Measure.objects.filter(
            _any_period(periods, _in_period("membership__network", "handed_over_at"))
        )
        .order_by()
        .values(network=F("membership__network"))
        .annotate(handed_over_measures=Count("pk"))
    )
    handed_over_evaluations = (
        Evaluation.objects.filter(_any_period(periods, _in_period("network", "handed_over_at")))
        .order_by()
        .values("network")
        .annotate(handed_over_evaluations=Count("pk"))
    )
    for rows in (
        members,
        messages,
        deliveries,
        handed_over_messages,
        handed_over_measures,
        handed_over_evaluations,
    ):
        for row in rows:
            network_id = row.pop("network")
            counts[network_id].update(row)
    return {
        pk: {key: {"value": value} for key, value in values.items()}
        for pk, values in counts.items()
    }


# --- The trend: the overview's key figures year by year ----------------------------------------
# Like the overview, a fixed number of queries however many years and BINs: each figure is
# counted once per year inside the same grouped query, each BIN over its period of that year.

TREND_KEYS = ["members_end", "messages", "feedback_useful", "feedback_not_useful"]


def overview_years(networks):
    """The years an overview can show for these BINs, oldest first: from the first approved
    member or opened evaluation (last year at the latest) up to this year. Two queries."""
    this_year = clock.today().year
    first = [this_year - 1]
    joined = Membership.objects.filter(network__in=networks, approved_at__isnull=False).aggregate(
        first=Min("approved_at")
    )["first"]
    if joined is not None:
        first.append(timezone.localtime(joined).year)
    opened = Evaluation.objects.filter(network__in=networks).aggregate(first=Min("year"))["first"]
    if opened is not None:
        first.append(opened)
    return list(range(min(first), this_year + 1))


def _year_counts(periods_by_year):
    """{year: {network id: {key: n}}} for the TREND_KEYS, live, of the BINs in
    `periods_by_year` ({year: {(start, end): [network ids]}}). Three queries."""
    ids = {
        pk for periods in periods_by_year.values() for pk_list in periods.values() for pk in pk_list
    }
    counts = {
        year: {pk: dict.fromkeys(TREND_KEYS, 0) for pk_list in periods.values() for pk in pk_list}
        for year, periods in periods_by_year.items()
    }
    if not ids:
        return counts
    members = (
        Membership.objects.filter(network__in=ids)
        .order_by()
        .values("network")
        .annotate(
            **{
                f"members_end_{year}": Count("pk", filter=_any_period(periods, _member_at(1)))
                for year, periods in periods_by_year.items()
            }
        )
    )
    in_year = {
        year: _any_period(periods, _in_period("network", "message__queued_at"))
        for year, periods in periods_by_year.items()
    }
    released = Message.targets.through.objects.filter(
        functools.reduce(operator.or_, in_year.values()),
        message__state__in=RELEASED_STATES,
    )
    messages = released.values("network").annotate(
        **{
            f"messages_{year}": Count("message", distinct=True, filter=condition)
            for year, condition in in_year.items()
        }
    )
    # Only the e-mails to the BIN's own members, as in _deliveries().
    feedback = "message__deliveries__feedback"
    votes = (
        released.filter(Exists(_members_of_row_bin()), **{f"{feedback}__isnull": False})
        .values("network")
        .annotate(
            **{
                f"feedback_{answer}_{year}": Count(
                    feedback, filter=condition & Q(**{f"{feedback}__useful": useful})
                )
                for year, condition in in_year.items()
                for answer, useful in (("useful", True), ("not_useful", False))
            }
        )
    )
    for rows in (members, messages, votes):
        for row in rows:
            network_id = row.pop("network")
            for name, value in row.items():
                key, year = name.rsplit("_", 1)
                if network_id in counts[int(year)]:
                    counts[int(year)][network_id][key] = value
    return counts


def _households(networks, years):
    """{year: the addresses where a member of one of these BINs lived at the end of the year};
    an address with members in two BINs counts once. One query."""
    address = Concat(
        Cast("street_id", CharField()),
        Value(" "),
        Cast("house_number", CharField()),
        Value(" "),
        "house_number_suffix",
        Value(" "),
        "box",
        output_field=CharField(),
    )
    zone = timezone.get_current_timezone()
    ends = {year: datetime.datetime(year + 1, 1, 1, tzinfo=zone) for year in years}
    totals = Membership.objects.filter(network__in=networks).aggregate(
        **{
            f"households_{year}": Count(
                address,
                distinct=True,
                filter=Q(approved_at__lt=end) & (Q(left_at__isnull=True) | Q(left_at__gte=end)),
            )
            for year, end in ends.items()
        }
    )
    return {year: totals[f"households_{year}"] for year in years}


def trend(networks, years):
    """[{"year", "members_end", "households", "messages", "feedback_useful",
    "feedback_not_useful"}] per year: the totals of the BINs' figures (frozen where the
    evaluation was signed, else counted live over the evaluation's period or the calendar
    year), so a member of two BINs counts in both; households count each address once.
    Five queries, whatever the number of years and BINs."""
    if not networks or not years:
        return []
    evaluations = {
        (e.network_id, e.year): e
        for e in Evaluation.objects.filter(network__in=networks, year__in=years)
    }
    totals = {year: dict.fromkeys(TREND_KEYS, 0) for year in years}
    periods_by_year = {}
    for year in years:
        for network in networks:
            evaluation = evaluations.get((network.pk, year)) or Evaluation(
                network=network,
                year=year,
                period_start=datetime.date(year, 1, 1),
                period_end=datetime.date(year, 12, 31),
            )
            if evaluation.figures is not None:
                for key in TREND_KEYS:
                    totals[year][key] += evaluation.figures[key]["value"]
            else:
                periods = periods_by_year.setdefault(year, {})
                periods.setdefault(bounds(evaluation), []).append(network.pk)
    for year, by_network in _year_counts(periods_by_year).items():
        for values in by_network.values():
            for key in TREND_KEYS:
                totals[year][key] += values[key]
    households = _households(networks, years)
    return [{"year": year, **totals[year], "households": households[year]} for year in years]
