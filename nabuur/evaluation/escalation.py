"""Evaluations left unsigned (issue 16: escalation).

An evaluation waits from the day after its period (or the day it was opened, if later) until
both partners have signed it. Past the zone's `deadline_evaluation_days` the partners who have
not signed are reminded, once; past twice that the BIN's other partners are told
(`nabuur.staff.waiting.escalate`). This replaces the earlier reminder every 14 days, so nobody
gets two kinds of reminder.
"""

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nabuur.staff import waiting
from nabuur.staff.permissions import Capability, networks_where

from .models import Evaluation, EvaluationState
from .services import evaluation_partners, party_for


def _items(user, now):
    edit = networks_where(user, Capability.EDIT_EVALUATION)
    act = set(edit.values_list("pk", flat=True))
    oversee = networks_where(user, Capability.INVITE_COORDINATORS)
    rows = (
        waiting_evaluations()
        .filter(Q(network__in=edit) | Q(network__in=oversee))
        .prefetch_related("signatures")
    )
    items = []
    for evaluation in rows:
        network = evaluation.network
        since = waiting_since(evaluation)
        signed = {signature.party for signature in evaluation.signatures.all()}
        item = waiting.Item(
            SIGN,
            network,
            since,
            since + deadline_of(network),
            reverse("evaluation:detail", args=[network.slug, evaluation.year]),
            may_act=network.pk in act and party_for(user, network) not in signed,
        )
        if since <= now and (item.may_act or now >= item.deadline):
            items.append(item)
    return items


SIGN = waiting.register_kind(
    "evaluation.sign",
    label=_("Evaluations to sign"),
    what=_("the evaluation of %(network)s, to complete and sign"),
    link_text=_("Open the evaluation"),
    provider=_items,
    order=4,
)


def deadline_of(network):
    return datetime.timedelta(days=network.municipality.zone.deadline_evaluation_days)


def waiting_since(evaluation):
    """The start of the day after the evaluation's period, Belgian time, or of the day it was
    opened if that is later."""
    # An evaluation opened late (a new install, a BIN added with an earlier start) gets its
    # whole deadline: nobody is reminded of what they were told of a moment ago.
    day = max(
        evaluation.period_end + datetime.timedelta(days=1),
        timezone.localdate(evaluation.opened_at),
    )
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def waiting_evaluations():
    """Evaluations not yet signed by both partners, with their BIN and zone. One query."""
    return (
        Evaluation.objects.exclude(state=EvaluationState.SIGNED)
        .select_related("network__municipality__zone")
        .order_by("pk")
    )


def escalate_evaluations(now):
    """Remind and hand over every evaluation unsigned past its deadline; returns the steps."""
    steps = 0
    for evaluation in waiting_evaluations().filter(handed_over_at__isnull=True):
        network = evaluation.network
        steps += waiting.escalate(
            evaluation,
            kind=SIGN,
            network=network,
            since=waiting_since(evaluation),
            period=deadline_of(network),
            now=now,
            must_act=lambda evaluation=evaluation: _not_signed(evaluation),
            url_name="evaluation:detail",
            url_args=[network.slug, evaluation.year],
            reminded_field="last_reminder_at",
        )
    return steps


def _not_signed(evaluation):
    """The officers and coordinators of the BIN whose side has not signed yet."""
    network = evaluation.network
    signed = set(evaluation.signatures.values_list("party", flat=True))
    return [p for p in evaluation_partners(network) if party_for(p, network) not in signed]
