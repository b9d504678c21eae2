"""Double opt-in: the link in the confirmation e-mail, and sign-ups nobody confirmed."""

import enum
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction

from nabuur.lib import clock

from .. import tasks
from ..models import Membership, MembershipStatus
from .common import deciders_of

CONFIRM_SALT = "nabuur.members.confirm"


class Confirmation(enum.Enum):
    READY = "ready"  # valid, not used yet
    ACTIVE = "active"  # confirmed now, membership active
    AWAITING_APPROVAL = "awaiting_approval"  # confirmed now, a coordinator decides
    ALREADY_USED = "already_used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # a broken link, or the request was purged


def confirmation_token(membership):
    payload = {
        "m": membership.pk,
        "r": int(membership.requested_at.timestamp()),
        "i": int(clock.now().timestamp()),
    }
    return signing.dumps(payload, salt=CONFIRM_SALT, compress=True)


def _membership_for_token(token, *, lock=False):
    try:
        payload = signing.loads(token, salt=CONFIRM_SALT)
    except signing.BadSignature:
        return Confirmation.UNKNOWN, None
    queryset = Membership.objects.select_related("user", "network__municipality")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    membership = queryset.filter(pk=payload["m"]).first()
    # A purged request whose number was given again later must not be confirmed by an old link.
    if membership is None or int(membership.requested_at.timestamp()) != payload["r"]:
        return Confirmation.UNKNOWN, None
    if membership.confirmed_at is not None or membership.status != MembershipStatus.PENDING:
        return Confirmation.ALREADY_USED, membership
    lifetime = timedelta(hours=settings.NABUUR_CONFIRM_HOURS)
    if clock.now().timestamp() > payload["i"] + lifetime.total_seconds():
        return Confirmation.EXPIRED, membership
    return Confirmation.READY, membership


def check_confirmation(token):
    """What pressing the button would do, without doing it: (Confirmation, membership)."""
    return _membership_for_token(token)


def confirm_membership(token):
    """Confirm the e-mail address of a pending membership; single use.

    Activates the membership, or leaves it pending for a coordinator when the BIN requires
    approval (and tells its coordinators). Returns (Confirmation, membership).
    """
    with transaction.atomic():
        state, membership = _membership_for_token(token, lock=True)
        if state is not Confirmation.READY:
            return state, membership
        now = clock.now()
        membership.confirmed_at = now
        if membership.network.requires_approval:
            membership.save(update_fields=["confirmed_at"])
            # The visitor's request only queues the e-mails, in this transaction: they go if
            # and only if the confirmation holds, and a slow relay cannot fail the page.
            tasks.send_awaiting_approval.enqueue(membership.pk)
            for person in deciders_of(membership.network):
                tasks.send_new_member_to_approve.enqueue(person.pk, membership.pk)
            return Confirmation.AWAITING_APPROVAL, membership
        membership.status = MembershipStatus.ACTIVE
        membership.approved_at = now
        membership.status_changed_at = now
        membership.save(
            update_fields=["confirmed_at", "status", "approved_at", "status_changed_at"]
        )
        tasks.send_welcome.enqueue(membership.pk)
        return Confirmation.ACTIVE, membership


def purge_unconfirmed(now=None):
    """Delete sign-ups not confirmed within their zone's retention; return how many.

    The person goes too when nothing else is left of them (no other membership, no role).
    """
    now = now or clock.now()
    purged = 0
    candidates = Membership.objects.filter(
        status=MembershipStatus.PENDING, confirmed_at__isnull=True
    ).select_related("network__municipality__zone")
    for membership in candidates.iterator():
        zone = membership.network.municipality.zone
        days = zone.retention_unconfirmed_days if zone else 7
        if membership.requested_at > now - timedelta(days=days):
            continue
        with transaction.atomic():
            user = membership.user
            membership.delete()
            if not user.memberships.exists() and not user.roles.exists():
                user.delete()
        purged += 1
    return purged
