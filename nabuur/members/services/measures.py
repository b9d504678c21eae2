"""Measures against a member: a reprimand, a temporary or a permanent suspension.

The zone's house rules (and the Ministerial Circular of 28 February 2019) have the BIN's
coordinator and its officer decide a measure together. So every measure is proposed by one side,
with its reason, and takes effect only when the other side confirms it: a coordinator confirms
the officer's proposal, the officer a coordinator's; the proposer and their own side never
confirm. The other side is told of a proposal by e-mail; either side may withdraw it.

At confirmation the member is told in writing: by e-mail, or, when they get letters instead
(`Membership.letters_by_post`), by a letter (`measure_letter_pdf`) that waits to be posted until
someone marks it posted. A permanent suspension also blocks the person's e-mail address and
address.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from nabuur.lib import clock, pdf
from nabuur.lib.mail import absolute_url, recipient_language, send_email
from nabuur.staff.models import COORDINATOR_ROLES, OFFICER_ROLES, partners_of
from nabuur.staff.permissions import Capability, Kind, can, capacity
from nabuur.zones.site import links_to

from .. import emails
from ..models import (
    CURRENT_STATUSES,
    BlockedPerson,
    EndReason,
    Measure,
    MeasureKind,
    MeasureSide,
    MeasureState,
    Membership,
    MembershipStatus,
)
from .blocks import block_hash, membership_address_key
from .common import record_member_action

# Who confirms a proposal made in each capacity.
OTHER_SIDE = {Kind.COORDINATOR: OFFICER_ROLES, Kind.OFFICER: COORDINATOR_ROLES}
# A suspension only suspends someone who receives messages.
SUSPENDABLE = (MembershipStatus.ACTIVE, MembershipStatus.PAUSED)
ALREADY_PROPOSED = _(
    "A measure against this member already waits for confirmation. Confirm or withdraw it first."
)


class MeasureRefused(Exception):
    """The measure cannot be proposed or confirmed this way; the message says why."""


def _side(user, network):
    """Kind.OFFICER or Kind.COORDINATOR: the capacity in which `user` takes measures in
    `network` (the only two that may), or None."""
    return capacity(user, network, Capability.MEMBER_MEASURES)


def _check_may_take_measures(actor, network):
    if not can(actor, Capability.MEMBER_MEASURES, network):
        raise PermissionDenied("This person does not take measures in this BIN.")


def _record(actor, action, membership, measure):
    record_member_action(
        actor, action, membership, {"measure": measure.pk}, capability=Capability.MEMBER_MEASURES
    )


def _locked_membership(membership):
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "street", "network__municipality__zone")
        .get(pk=membership.pk)
    )


def _locked_measure(measure):
    return (
        Measure.objects.select_for_update(of=("self",))
        .select_related("membership__network__municipality__zone", "proposed_by")
        .get(pk=measure.pk)
    )


def _check_applies(kind, membership):
    """Refuse a measure that cannot apply to this membership as it is now."""
    if kind == MeasureKind.TEMPORARY_SUSPENSION:
        if membership.status not in SUSPENDABLE:
            raise MeasureRefused(_("Only an active or paused member can be suspended."))
    elif membership.status not in CURRENT_STATUSES:
        raise MeasureRefused(_("This person is no longer a member."))


def propose_measure(actor, membership, kind, reason, until=None):
    """`actor` (a coordinator or the officer of the BIN) proposes a measure with its reason.

    Nothing happens to the member yet. The other side (the officer for a coordinator's
    proposal, the coordinators for the officer's) is told by e-mail. One proposal per member at
    a time. Raises MeasureRefused with the reason, PermissionDenied outside the BIN.
    """
    network = membership.network
    _check_may_take_measures(actor, network)
    if kind == MeasureKind.TEMPORARY_SUSPENSION and (until is None or until <= clock.today()):
        raise MeasureRefused(_("A temporary suspension ends after today."))
    side = _side(actor, network)
    try:
        with transaction.atomic():
            membership = _locked_membership(membership)
            _check_applies(kind, membership)
            if membership.measures.filter(state=MeasureState.PROPOSED).exists():
                raise MeasureRefused(ALREADY_PROPOSED)
            measure = Measure.objects.create(
                membership=membership,
                kind=kind,
                reason=reason.strip(),
                until=until if kind == MeasureKind.TEMPORARY_SUSPENSION else None,
                state=MeasureState.PROPOSED,
                proposed_by=actor,
                proposed_at=clock.now(),
                proposed_as=side,
            )
            _record(actor, "members.measure.propose", membership, measure)
            for partner in partners_of(network, OTHER_SIDE[side], clock.today()):
                if partner.pk != actor.pk:
                    send_measure_proposed(partner, measure, actor)
    except IntegrityError as error:
        # Two proposals at the same moment: the constraint lets one through.
        raise MeasureRefused(ALREADY_PROPOSED) from error
    return measure


def send_measure_proposed(partner, measure, proposer):
    """Tell `partner`, of the other side, that `proposer`'s proposal waits for them; the
    reason and the member's name stay on the page, behind the staff login."""
    membership = measure.membership
    network = membership.network
    language = recipient_language(partner, staff=True)
    zone = network.municipality.zone
    with links_to(zone):
        context = {
            "partner": partner,
            "proposer": proposer,
            "measure": measure,
            "network": network,
            "zone": zone,
            "url": absolute_url(language, "members_staff:member", network.slug, membership.pk),
        }
        send_email("members/measure_proposed", partner.email, language, context)


def confirm_measure(actor, measure):
    """The other side confirms a proposal, and the measure takes effect now.

    The proposer cannot confirm, nor can anyone on their side: one of the two must act as the
    officer, the other as a coordinator. A reprimand is sent; a temporary suspension starts; a
    permanent one ends the membership and blocks the person's e-mail address and address. The
    member is told by e-mail, or by a letter waiting to be posted when they get letters.
    Idempotent: False if the measure is no longer proposed.
    """
    network = measure.membership.network
    _check_may_take_measures(actor, network)
    with transaction.atomic():
        measure = _locked_measure(measure)
        if measure.state != MeasureState.PROPOSED:
            return False
        if measure.proposed_by_id == actor.pk:
            raise MeasureRefused(_("The person who proposed a measure cannot confirm it."))
        proposer_side = _side(measure.proposed_by, network) if measure.proposed_by else None
        actor_side = _side(actor, network)
        if actor_side is None or {proposer_side, actor_side} != {Kind.OFFICER, Kind.COORDINATOR}:
            raise MeasureRefused(
                _("A coordinator and the officer must agree: one proposes, the other confirms.")
            )
        membership = _locked_membership(measure.membership)
        if measure.kind == MeasureKind.TEMPORARY_SUSPENSION and measure.until <= clock.today():
            raise MeasureRefused(
                _(
                    "The last day of this suspension has passed. Withdraw the proposal and "
                    "propose a new one if it is still needed."
                )
            )
        _check_applies(measure.kind, membership)
        now = clock.now()
        measure.membership = membership
        measure.state = MeasureState.CONFIRMED
        measure.confirmed_by = actor
        measure.confirmed_at = now
        measure.by_letter = membership.letters_by_post
        measure.save(update_fields=["state", "confirmed_by", "confirmed_at", "by_letter"])
        if measure.kind == MeasureKind.TEMPORARY_SUSPENSION:
            _suspend(membership, measure.until, now)
        elif measure.kind == MeasureKind.PERMANENT_SUSPENSION:
            _remove(membership, measure, now)
        _record(actor, "members.measure.confirm", membership, measure)
        if not measure.by_letter:
            emails.send_measure(measure)
    return True


def _suspend(membership, until, now):
    membership.status = MembershipStatus.SUSPENDED
    membership.suspended_until = until
    membership.paused_until = None
    membership.status_changed_at = now
    membership.save(
        update_fields=["status", "suspended_until", "paused_until", "status_changed_at"]
    )


def _remove(membership, measure, now):
    zone = membership.network.municipality.zone
    expires = now + timedelta(days=zone.retention_measures_days)
    values = [f"address:{membership_address_key(membership)}"]
    if membership.user.email:
        values.append(f"email:{membership.user.email}")
    BlockedPerson.objects.bulk_create(
        BlockedPerson(zone=zone, value_hash=block_hash(v), measure=measure, expires_at=expires)
        for v in values
    )
    membership.status = MembershipStatus.LEFT
    membership.end_reason = EndReason.REMOVED
    membership.left_at = now
    membership.suspended_until = None
    membership.status_changed_at = now
    membership.save(
        update_fields=["status", "end_reason", "left_at", "suspended_until", "status_changed_at"]
    )


def end_suspensions(today=None):
    """Reinstate members whose temporary suspension has ended; return how many."""
    today = today or clock.today()
    return Membership.objects.filter(
        status=MembershipStatus.SUSPENDED, suspended_until__lt=today
    ).update(status=MembershipStatus.ACTIVE, suspended_until=None, status_changed_at=clock.now())


def withdraw_measure(actor, measure):
    """Withdraw a proposal that was not confirmed: the proposer takes it back, or the other
    side declines it. Idempotent: True if it changed."""
    _check_may_take_measures(actor, measure.membership.network)
    with transaction.atomic():
        measure = _locked_measure(measure)
        if measure.state != MeasureState.PROPOSED:
            return False
        measure.state = MeasureState.WITHDRAWN
        measure.save(update_fields=["state"])
        _record(actor, "members.measure.withdraw", measure.membership, measure)
    return True


def measure_letter_pdf(actor, measure):
    """The letter that tells the member of a confirmed measure, as PDF bytes, in the member's
    language; None if the measure is told by e-mail. Reading it is audited: it carries the
    member's name and address."""
    if not (measure.by_letter and measure.state == MeasureState.CONFIRMED):
        return None
    membership = measure.membership
    network = membership.network
    zone = network.municipality.zone
    head = pdf.letterhead(zone)
    language = recipient_language(membership.user, network)
    confirmed_on = timezone.localdate(measure.confirmed_at)
    # The two who decided, each with the side they spoke for (older proposals kept no side).
    signers = []
    if measure.proposed_as:
        proposer = MeasureSide(measure.proposed_as)
        other = next(side for side in MeasureSide if side != proposer)
        signers = [
            (proposer.label, measure.proposed_by, timezone.localdate(measure.proposed_at)),
            (other.label, measure.confirmed_by, confirmed_on),
        ]
    with translation.override(language):
        letter = render_to_string(
            "documents/measure_letter.html",
            {
                "measure": measure,
                "membership": membership,
                "network": network,
                "zone": zone,
                "head": head,
                "pages": pdf.page_numbers(),
                "language": language,
                "date": confirmed_on,
                "today": confirmed_on,
                "start": confirmed_on,
                "signers": signers,
            },
        )
        html = render_to_string(
            "documents/pdf.html",
            {
                "parts": [letter],
                "title": f"{measure.get_kind_display()} · {network.name}",
                "language": language,
                "head": head,
                "body_class": "letters",
            },
        )
    document = pdf.render(html)
    _record(actor, "members.measure.letter", membership, measure)
    return document


def mark_letter_posted(actor, measure):
    """Record that the letter of a confirmed measure was posted, by whom and when.
    Idempotent: False if it was already marked, or the measure has no letter."""
    _check_may_take_measures(actor, measure.membership.network)
    with transaction.atomic():
        measure = _locked_measure(measure)
        if not measure.letter_to_post or measure.state != MeasureState.CONFIRMED:
            return False
        measure.letter_posted_at = clock.now()
        measure.letter_posted_by = actor
        measure.save(update_fields=["letter_posted_at", "letter_posted_by"])
        _record(actor, "members.measure.letter_posted", measure.membership, measure)
    return True
