"""What a member does themselves: details, address, pauses, quiet hours, message classes,
leaving, erasure.

Also the jobs that follow from it: pauses that end, people whose data has been kept long enough.
"""

from datetime import timedelta

from django.db import transaction

from nabuur.accounts.models import User
from nabuur.lib import clock
from nabuur.lib.mail import recipient_language
from nabuur.privacy import erasures
from nabuur.privacy.registry import erase_person
from nabuur.staff.auditing import record
from nabuur.staff.models import RoleAssignment
from nabuur.zones.models import Zone

from .. import emails
from ..models import (
    CURRENT_STATUSES,
    MESSAGE_CLASS_FIELDS,
    EndReason,
    Membership,
    MembershipStatus,
)
from .common import coordinators_of
from .erasure import ZONE, erase_in_zone, roles_in


def update_details(user, *, first_name, last_name, phone, language):
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.phone = phone.strip()
    user.language = language
    user.save(update_fields=["first_name", "last_name", "phone", "language"])
    emails.send_details_changed(user)


def change_address(membership, *, street, house_number, house_number_suffix, box, postcode):
    """Move a membership to another address inside the same BIN (the caller checked the BIN)."""
    membership.street = street
    membership.house_number = house_number
    membership.house_number_suffix = house_number_suffix
    membership.box = box.strip()
    membership.postcode = postcode
    membership.save(
        update_fields=["street", "house_number", "house_number_suffix", "box", "postcode"]
    )
    emails.send_membership_changed(membership)


def pause_membership(membership, until):
    """Receive nothing until `until` (a date), or resume now with None."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update(of=("self",)).get(pk=membership.pk)
        if membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.PAUSED):
            return membership
        membership.paused_until = until
        membership.status = MembershipStatus.PAUSED if until else MembershipStatus.ACTIVE
        membership.status_changed_at = clock.now()
        membership.save(update_fields=["paused_until", "status", "status_changed_at"])
        emails.send_membership_changed(membership)
    return membership


def end_pauses(today=None):
    """Resume memberships whose pause has ended; return how many."""
    today = today or clock.today()
    return Membership.objects.filter(status=MembershipStatus.PAUSED, paused_until__lt=today).update(
        status=MembershipStatus.ACTIVE, paused_until=None, status_changed_at=clock.now()
    )


def set_quiet_hours(membership, quiet_from, quiet_to):
    membership.quiet_from = quiet_from
    membership.quiet_to = quiet_to
    membership.save(update_fields=["quiet_from", "quiet_to"])
    emails.send_membership_changed(membership)


# How a member left by their own hand, for the audit entry (`via` of leave_membership).
LEFT_ON_PAGE, LEFT_BY_LINK, LEFT_BY_EMAIL = "page", "link", "email"


def set_message_classes(membership, choices, *, via):
    """Keep which optional message classes the member receives from this BIN: `choices` is
    {field of MESSAGE_CLASS_FIELDS: bool}; `via` says where they chose: "page" (their
    membership's page, LEFT_ON_PAGE) or "link" (the page of an e-mail's link, LEFT_BY_LINK).
    A change is audited as the member's own act; choosing what already holds changes nothing.
    True if it changed."""
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user", "network")
            .get(pk=membership.pk)
        )
        changed = {
            name: bool(value)
            for name, value in choices.items()
            if name in MESSAGE_CLASS_FIELDS and getattr(membership, name) != bool(value)
        }
        if not changed or membership.status not in CURRENT_STATUSES:
            return False
        for name, value in changed.items():
            setattr(membership, name, value)
        membership.save(update_fields=list(changed))
        record(
            membership.user,
            "members.message_classes",
            role="member",
            target=membership,
            subjects=(membership.user,),
            details={"via": via, **changed},
        )
    return True


def leave_membership(membership, *, reason=EndReason.LEFT, notify=True, via=None):
    """End a current membership; tell the member and the BIN's coordinators. True if it changed.

    `via` says the member left themselves, on their page, by the unsubscribe link or by
    e-mail: the withdrawal of their consent is then audited here. Callers acting for someone
    else (a coordinator, the end of a BIN) audit their own action instead.
    """
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user", "street", "network__municipality")
            .get(pk=membership.pk)
        )
        if membership.status not in CURRENT_STATUSES:
            return False
        now = clock.now()
        membership.status = MembershipStatus.LEFT
        membership.end_reason = reason
        membership.left_at = now
        membership.status_changed_at = now
        membership.save(update_fields=["status", "end_reason", "left_at", "status_changed_at"])
        if via is not None:
            record(
                membership.user,
                "members.left",
                role="member",
                target=membership,
                subjects=(membership.user,),
                details={"via": via},
            )
        if notify:
            if membership.user.email:
                emails.send_left(membership)
            for coordinator in coordinators_of(membership.network):
                emails.send_member_left(coordinator, membership)
    return True


def erase_account(user, zone=None, *, actor=None):
    """The person asked to be forgotten by `zone` (every zone when None): leave its BINs, erase
    what it holds, say goodbye by e-mail. Their account goes only when no other zone holds
    them; the goodbye then says so. Returns True if the account went.

    `actor` is the zone administrator who erases at the person's request (by letter, at the
    desk); None when the person does it themselves."""
    email, first_name, language = user.email, user.first_name, recipient_language(user)
    memberships = user.memberships.filter(status__in=CURRENT_STATUSES)
    if zone is not None:
        memberships = memberships.filter(network__municipality__zone=zone)
    with transaction.atomic():
        for membership in memberships:
            leave_membership(membership, reason=EndReason.ERASED, notify=False)
            for coordinator in coordinators_of(membership.network):
                emails.send_member_left(coordinator, membership)
        if actor is None:
            whole = erase_in_zone(user, zone, actor=user, role="member", via="self")
        else:
            whole = erase_in_zone(user, zone, actor=actor, via="zone_admin")
    if email:
        if whole:
            emails.send_erased(email, first_name, language)
        else:
            emails.send_erased_in_zone(email, first_name, language, zone.name)
    return whole


def erase_after_retention(now=None):
    """Erase, zone by zone, the people whose every membership in a zone ended longer ago than
    that zone keeps such data.

    Each zone is the controller of its own members' data, with its own retention: a person who
    left zone B long ago but is still a member in zone A loses their zone B data only; the
    account goes with the last zone that held them (`registry.erase_person`). A zone keeps the
    people who hold a role in it (their staff account is managed by the zone). The audit log
    records each erasure by the person's id only. Returns the number of erasures (one per
    person and zone).
    """
    now = now or clock.now()
    ended = (
        Membership.objects.filter(status=MembershipStatus.LEFT)
        .exclude(end_reason=EndReason.ERASED)
        .values_list("user_id", ZONE)
        .distinct()
    )
    zones = {}
    erased = 0
    for user_id, zone_id in sorted(set(ended)):
        zone = zones.get(zone_id) or zones.setdefault(zone_id, Zone.objects.get(pk=zone_id))
        memberships = list(Membership.objects.filter(user_id=user_id, **{ZONE: zone}))
        if any(m.status in CURRENT_STATUSES for m in memberships):
            continue
        keep_until = now - timedelta(days=zone.retention_left_days)
        if any(m.left_at > keep_until for m in memberships if m.left_at):
            continue
        if RoleAssignment.objects.filter(roles_in(zone), user_id=user_id).exists():
            continue
        with transaction.atomic():
            user = User.objects.get(pk=user_id)
            email = user.email
            erase_person(user, zone)
            record(
                None,
                "privacy.erase_after_retention",
                zone=zone.pk,
                details={"person": user_id},
            )
            # The job would find the person again in a restored database, but only once the
            # retention period is over there too: the register makes it at once.
            erasures.append(erasures.person_line(clock.now(), user_id, email, zone))
        erased += 1
    return erased
