"""Sign-ups and measures left waiting (issue 16: escalation).

A sign-up waits from the moment its e-mail address is confirmed until a coordinator approves
or declines it (the zone's `deadline_signup_days`); a measure waits from its proposal until
the other side confirms it or someone withdraws it (`deadline_measure_days`). Past the
deadline the people who must act are reminded, past twice that the BIN's other partners are
told (`nabuur.staff.waiting.escalate`).
"""

from datetime import timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from nabuur.lib import clock
from nabuur.staff import waiting
from nabuur.staff.models import partners_of
from nabuur.staff.permissions import Capability, Kind, capacity, networks_where

from .models import Measure, MeasureState, Membership, MembershipStatus
from .services.measures import OTHER_SIDE


def _member_url(membership):
    return reverse("members_staff:member", args=[membership.network.slug, membership.pk])


def _signup_items(user, now):
    act = networks_where(user, Capability.MANAGE_MEMBERS)
    oversee = networks_where(user, Capability.INVITE_COORDINATORS)
    items = []
    for membership in waiting_signups().filter(Q(network__in=act) | Q(network__in=oversee)):
        network = membership.network
        item = waiting.Item(
            SIGNUP,
            network,
            membership.confirmed_at,
            membership.confirmed_at + signup_deadline(network),
            _member_url(membership),
            # The coordinators approve; an officer or zone administrator sees it once overdue.
            may_act=capacity(user, network, Capability.MANAGE_MEMBERS) == Kind.COORDINATOR,
        )
        if item.may_act or now >= item.deadline:
            items.append(item)
    return items


def _measure_items(user, now):
    act = networks_where(user, Capability.MEMBER_MEASURES)
    oversee = networks_where(user, Capability.INVITE_COORDINATORS)
    items = []
    rows = waiting_measures().filter(
        Q(membership__network__in=act) | Q(membership__network__in=oversee)
    )
    for measure in rows:
        membership = measure.membership
        network = membership.network
        side = capacity(user, network, Capability.MEMBER_MEASURES)
        item = waiting.Item(
            MEASURE,
            network,
            measure.proposed_at,
            measure.proposed_at + measure_deadline(network),
            _member_url(membership),
            # The other side confirms (as members.panels says).
            may_act=side is not None
            and side != measure.proposed_as
            and measure.proposed_by_id != user.pk,
        )
        if item.may_act or now >= item.deadline:
            items.append(item)
    return items


SIGNUP = waiting.register_kind(
    "members.signup",
    label=_("Sign-ups to approve"),
    what=_("a sign-up to %(network)s, to approve or decline"),
    link_text=_("Open the sign-up"),
    provider=_signup_items,
    order=2,
)
MEASURE = waiting.register_kind(
    "members.measure",
    label=_("Measures to confirm"),
    what=_("a proposed measure against a member of %(network)s, to confirm or withdraw"),
    link_text=_("Open the measure"),
    provider=_measure_items,
    order=3,
)


def signup_deadline(network):
    return timedelta(days=network.municipality.zone.deadline_signup_days)


def measure_deadline(network):
    return timedelta(days=network.municipality.zone.deadline_measure_days)


def waiting_signups():
    """Confirmed sign-ups waiting for approval, with their BIN and zone. One query."""
    return (
        Membership.objects.filter(status=MembershipStatus.PENDING, confirmed_at__isnull=False)
        .select_related("network__municipality__zone")
        .order_by("pk")
    )


def waiting_measures():
    """Proposed measures waiting for the other side, with their BIN and zone. One query."""
    return (
        Measure.objects.filter(state=MeasureState.PROPOSED)
        .select_related("membership__network__municipality__zone")
        .order_by("pk")
    )


def escalate_signups(now):
    """Remind and hand over every sign-up waiting past its deadline; returns the steps."""
    steps = 0
    for membership in waiting_signups().filter(handed_over_at__isnull=True):
        network = membership.network
        steps += waiting.escalate(
            membership,
            kind=SIGNUP,
            network=network,
            since=membership.confirmed_at,
            period=signup_deadline(network),
            now=now,
            must_act=lambda network=network: waiting.coordinators(network, clock.today()),
            url_name="members_staff:member",
            url_args=[network.slug, membership.pk],
        )
    return steps


def escalate_measures(now):
    """Remind and hand over every proposed measure waiting past its deadline; returns the
    steps."""
    steps = 0
    for measure in waiting_measures().filter(handed_over_at__isnull=True):
        network = measure.membership.network
        steps += waiting.escalate(
            measure,
            kind=MEASURE,
            network=network,
            since=measure.proposed_at,
            period=measure_deadline(network),
            now=now,
            must_act=lambda measure=measure: _other_side(measure),
            url_name="members_staff:member",
            url_args=[network.slug, measure.membership_id],
        )
    return steps


def _other_side(measure):
    """Who confirms `measure`: the side opposite its proposer's (both, if it is not known),
    the proposer left out."""
    network = measure.membership.network
    roles = OTHER_SIDE.get(measure.proposed_as) or [
        role for side in OTHER_SIDE.values() for role in side
    ]
    people = partners_of(network, roles, clock.today())
    return [person for person in people if person.pk != measure.proposed_by_id]
