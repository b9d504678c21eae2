"""Police messages left waiting for their coordinators (issue 16: escalation).

A police message waits from the moment it is submitted for forwarding until a coordinator
forwards or declines it. Past the zone's `deadline_forward_hours` the BIN's coordinators are
reminded, past twice that its other coordinators and its officers are told
(`nabuur.staff.waiting.escalate`). Where the communication plan allows it
(`CommunicationPlan.officer_sends_overdue`), the officer may then send the message to the
members directly (`send_overdue`).
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from nabuur.lib import clock
from nabuur.networks.models import Network
from nabuur.staff import waiting
from nabuur.staff.permissions import Capability, can, networks_where

from .compose import Blocked, _event, _release
from .markdown import render_html, render_text
from .models import Message, MessageEvent, MessageState
from .plans import current_plans


def _items(user, now):
    act = networks_where(user, Capability.FORWARD_POLICE_MESSAGES)
    oversee = networks_where(user, Capability.INVITE_COORDINATORS)
    messages = waiting_messages().filter(Q(targets__in=act) | Q(targets__in=oversee)).distinct()
    items = []
    for message in messages:
        network = message.targets.all()[0]
        since = message.waiting_since or message.created_at
        item = waiting.Item(
            FORWARD,
            network,
            since,
            since + deadline_of(network),
            reverse("messaging_staff:detail", args=[message.pk]),
            may_act=all(
                can(user, Capability.FORWARD_POLICE_MESSAGES, target)
                for target in message.targets.all()
            ),
        )
        if item.may_act or now >= item.deadline:
            items.append(item)
    return items


FORWARD = waiting.register_kind(
    "messaging.forward",
    label=_("Police messages to forward"),
    what=_("a police message for the members of %(network)s, to forward or decline"),
    link_text=_("Open the message"),
    provider=_items,
    order=1,
)


def deadline_of(network):
    return timedelta(hours=network.municipality.zone.deadline_forward_hours)


def waiting_messages():
    """Police messages waiting to be forwarded, with their BINs (and zones) and the moment
    they began to wait (`waiting_since`). Three queries, whatever their number."""
    since = (
        MessageEvent.objects.filter(message=OuterRef("pk"), state=MessageState.AWAITING_FORWARD)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    targets = Network.objects.select_related("municipality__zone").order_by("pk")
    return (
        Message.objects.filter(state=MessageState.AWAITING_FORWARD)
        .annotate(waiting_since=Subquery(since))
        .prefetch_related(Prefetch("targets", queryset=targets))
        .order_by("pk")
    )


def escalate_messages(now):
    """Remind and hand over every police message waiting past its deadline; returns the
    number of steps taken."""
    steps = 0
    for message in waiting_messages().filter(handed_over_at__isnull=True):
        targets = list(message.targets.all())
        if not targets:
            continue
        network = targets[0]
        plans = current_plans(targets)
        steps += waiting.escalate(
            message,
            kind=FORWARD,
            network=network,
            since=message.waiting_since or message.created_at,
            period=deadline_of(network),
            now=now,
            must_act=lambda targets=targets: _coordinators(targets),
            url_name="messaging_staff:detail",
            url_args=[message.pk],
            officer_may_send=all(plan.officer_sends_overdue for plan in plans.values()),
        )
    return steps


def _coordinators(networks):
    today = clock.today()
    people = {p for network in networks for p in waiting.coordinators(network, today)}
    return sorted(people, key=lambda person: person.pk)


def may_send_overdue(message, user):
    """True if `user` may send this waiting police message to the members themselves: it was
    handed over, they are the officer of every one of its BINs, and each BIN's plan allows it."""
    if message.state != MessageState.AWAITING_FORWARD or message.handed_over_at is None:
        return False
    targets = list(message.targets.all())
    if not targets or not all(can(user, Capability.APPROVE_MESSAGES, n) for n in targets):
        return False
    return all(plan.officer_sends_overdue for plan in current_plans(targets).values())


def send_overdue(message, user, *, now=None):
    """The officer sends a handed-over police message to the members directly. Each language
    version opens with a line saying that it comes from the police because the coordinator
    did not forward it in time."""
    now = now or clock.now()
    if message.state != MessageState.AWAITING_FORWARD:
        raise Blocked(_("This message is no longer waiting for that."))
    if not may_send_overdue(message, user):
        raise PermissionDenied
    with transaction.atomic():
        for variant in message.variants.all():
            with translation.override(variant.language):
                note = str(
                    _(
                        "This message comes to you from the police directly: the coordinator "
                        "did not forward it in time."
                    )
                )
            body = f"{note}\n\n---\n\n{variant.body_markdown}"
            variant.body_html = render_html(body)
            variant.body_text = render_text(body)
            variant.save(update_fields=["body_html", "body_text"])
        message.state = MessageState.FORWARDED
        message.save(update_fields=["state"])
        _event(
            message,
            MessageState.FORWARDED,
            user,
            action="send_overdue",
            capability=Capability.APPROVE_MESSAGES,
        )
        _release(message, user, now, Capability.APPROVE_MESSAGES)
    return message
