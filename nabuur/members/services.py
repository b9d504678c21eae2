"""Verbs of membership: join, confirm, approve, decline, change, pause, leave, erase.

Views, commands and jobs call these; nothing else writes memberships, consents or login links.
"""

import enum
import hashlib
import hmac
import logging
import secrets
import smtplib
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nabuur.accounts.models import User, normalize_email_address
from nabuur.lib import clock
from nabuur.privacy.registry import erase_person
from nabuur.staff.models import COORDINATOR_ROLES, Role, RoleAssignment
from nabuur.staff.permissions import Capability, can
from nabuur.zones.models import Document, DocumentKind

from . import emails
from .models import (
    CURRENT_STATUSES,
    AddressRequest,
    AddressRequestStatus,
    Basis,
    BlockedPerson,
    Consent,
    ConsentChannel,
    EndReason,
    LoginLink,
    Measure,
    MeasureKind,
    MeasureState,
    Membership,
    MembershipStatus,
)

CONFIRM_SALT = "nabuur.members.confirm"
LOGIN_LINK_LIFETIME = timedelta(hours=1)

logger = logging.getLogger(__name__)


class MembershipExists(Exception):
    """The person already holds a current membership (or a waiting request) in this BIN."""

    def __init__(self, membership):
        super().__init__(f"already a member: {membership}")
        self.membership = membership


def current_documents(zone):
    """The latest version of the zone's house rules and privacy notice (either may be missing)."""
    latest = {}
    for document in Document.objects.filter(zone=zone).order_by("kind", "-version"):
        latest.setdefault(document.kind, document)
    return [latest[kind] for kind in DocumentKind.values if kind in latest]


def coordinators_of(network):
    """People who coordinate `network` today: its (co-)coordinators and general coordinators."""
    today = clock.today()
    held = Q(ended_on__isnull=True) | Q(ended_on__gte=today)
    scope = Q(network=network, role__in=COORDINATOR_ROLES) | Q(
        municipality_id=network.municipality_id, role=Role.GENERAL_COORDINATOR
    )
    user_ids = RoleAssignment.objects.filter(held, scope, started_on__lte=today).values("user_id")
    return list(
        User.objects.filter(pk__in=user_ids, is_active=True, email__isnull=False).order_by("pk")
    )


# --- Join -------------------------------------------------------------------------------------


def request_membership(
    *,
    network,
    street,
    house_number,
    postcode,
    first_name,
    last_name,
    email,
    house_number_suffix="",
    box="",
    phone="",
    basis=Basis.LIVES,
    enterprise_number="",
    language="",
    documents=(),
    channel=ConsentChannel.WEB,
    source_note="",
    send_after_commit=False,
):
    """Create a pending membership of `network` and send the confirmation e-mail.

    Reuses the person with that e-mail address (their name and details stay as they are: a form
    must not overwrite someone else's data) or creates one without a usable password. Records a
    consent per accepted document. All or nothing: if the e-mail cannot be sent, nothing stays.
    Raises MembershipExists when the person already has a current membership of `network`.

    With `send_after_commit` (an import of many rows in one transaction) the e-mail leaves only
    once the caller's outermost transaction commits, so a rolled-back import sends nothing; a
    failed e-mail is then logged and leaves the membership in place.

    Returns None, silently, for an e-mail address or address permanently suspended in the
    zone: the caller answers as for any sign-up, so the page reveals nothing.
    """
    email = normalize_email_address(email)
    zone = network.municipality.zone
    address = address_key(street, house_number, house_number_suffix, box, postcode)
    if zone is not None and is_blocked(zone, email=email, address=address):
        _record_refused_rejoin(network)
        return None
    try:
        with transaction.atomic():
            user = User.objects.select_for_update().filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email,
                    first_name=first_name.strip(),
                    last_name=last_name.strip(),
                    phone=phone.strip(),
                    language=language,
                )
            existing = Membership.objects.filter(
                user=user, network=network, status__in=CURRENT_STATUSES
            ).first()
            if existing is not None:
                raise MembershipExists(existing)
            now = clock.now()
            membership = Membership.objects.create(
                user=user,
                network=network,
                street=street,
                house_number=house_number,
                house_number_suffix=house_number_suffix,
                box=box.strip(),
                postcode=postcode,
                basis=basis,
                enterprise_number=enterprise_number if basis == Basis.BUSINESS else "",
                status=MembershipStatus.PENDING,
                requested_at=now,
                status_changed_at=now,
            )
            Consent.objects.bulk_create(
                Consent(
                    user=user,
                    document=document,
                    accepted_at=now,
                    channel=channel,
                    source_note=source_note,
                )
                for document in documents
            )
            _notify(_send_confirm_request, membership, after_commit=send_after_commit)
    except IntegrityError:
        # A double click: the other request holds the place in this BIN (partial unique index).
        existing = Membership.objects.filter(
            user__email=email, network=network, status__in=CURRENT_STATUSES
        ).first()
        if existing is None:
            raise
        raise MembershipExists(existing) from None
    return membership


def _send_confirm_request(membership):
    emails.send_confirm_request(membership, confirmation_token(membership))


def _notify(send, membership, *, after_commit):
    if after_commit:
        # robust: one address the relay refuses must not keep the others from their e-mail.
        transaction.on_commit(partial(send, membership), robust=True)
    else:
        send(membership)


def remind_existing_member(membership):
    """Answer a repeated sign-up by e-mail only, so the page never tells who is a member."""
    token = None
    if membership.status == MembershipStatus.PENDING and membership.confirmed_at is None:
        token = confirmation_token(membership)
    emails.send_join_again(membership, token)


def request_address_check(
    *,
    zone,
    first_name,
    last_name,
    email,
    street_name,
    house_number,
    postcode,
    box="",
    phone="",
    basis=Basis.LIVES,
    enterprise_number="",
    language="",
    documents=(),
):
    """Queue a sign-up whose address lies outside every BIN, for the zone's police to assign.

    The request keeps a language the zone may write in (the form asks only where there is a
    choice), and the person gets an e-mail in it saying that the police will look at it.
    """
    with transaction.atomic():
        address_request = AddressRequest.objects.create(
            zone=zone,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=normalize_email_address(email),
            phone=phone.strip(),
            street_name=street_name.strip(),
            house_number=house_number.strip(),
            box=box.strip(),
            postcode=postcode,
            basis=basis,
            enterprise_number=enterprise_number if basis == Basis.BUSINESS else "",
            language=_zone_language(zone, language),
            requested_at=clock.now(),
        )
        address_request.documents.set(documents)
        emails.send_address_request_received(address_request)
    return address_request


def _zone_language(zone, language):
    """`language` if the zone may write in it, else the zone's first language."""
    allowed = zone.public_languages or (settings.LANGUAGE_CODE,)
    return language if language in allowed else allowed[0]


class AlreadyHandled(Exception):
    """Someone else assigned or closed this address request a moment ago."""


# What a handled request keeps: no name, contact or street address (the membership, if any,
# holds them); the postcode stays, so the zone can see where sign-ups fall outside every BIN.
_FORGOTTEN_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "enterprise_number",
    "street_name",
    "house_number",
    "box",
)


def _check_may_handle(actor, address_request, network=None):
    # The views check too; the service refuses on its own so no caller can skip the rule.
    if not can(actor, Capability.MANAGE_MEMBERS, address_request.zone):
        raise PermissionDenied("This person does not handle the zone's sign-ups.")
    if network is not None and network.municipality.zone_id != address_request.zone_id:
        raise PermissionDenied("The BIN lies outside the request's zone.")


def _lock_open_request(address_request):
    locked = (
        AddressRequest.objects.select_for_update(of=("self",))
        .select_related("zone")
        .get(pk=address_request.pk)
    )
    if locked.status != AddressRequestStatus.OPEN:
        raise AlreadyHandled
    return locked


def _forget_address_request(address_request, actor, action, *, subjects=(), **details):
    """Mark the request handled and keep no personal data on it; record who did it."""
    from nabuur.audit.services import record

    for name in _FORGOTTEN_FIELDS:
        setattr(address_request, name, "")
    address_request.handled_at = clock.now()
    address_request.save(update_fields=[*_FORGOTTEN_FIELDS, "status", "network", "handled_at"])
    record(actor, action, target=address_request, subjects=subjects, details=details)


def assign_address_request(
    actor, address_request, *, network, street, house_number, house_number_suffix=""
):
    """The zone's police put a sign-up from outside every BIN into `network` at `street`.

    The person gets a pending membership with the details and consents of their request, and
    the usual confirmation e-mail. Returns the membership, or None when the person or address is
    permanently suspended in the zone (the request is handled all the same). Raises
    PermissionDenied (the actor does not manage the zone's members, or `network` lies in another
    zone), AlreadyHandled (assigned or closed meanwhile), MembershipExists (the person is
    already a member of `network`) or the mailer's error; then the request stays open.
    """
    _check_may_handle(actor, address_request, network)
    with transaction.atomic():
        locked = _lock_open_request(address_request)
        membership = request_membership(
            network=network,
            street=street,
            house_number=house_number,
            house_number_suffix=house_number_suffix,
            box=locked.box,
            postcode=street.postcode or locked.postcode,
            first_name=locked.first_name,
            last_name=locked.last_name,
            email=locked.email,
            phone=locked.phone,
            basis=locked.basis,
            enterprise_number=locked.enterprise_number,
            language=locked.language,
            documents=list(locked.documents.all()),
            channel=ConsentChannel.WEB,
            source_note="sign-up outside every BIN, assigned by the police",
        )
        # A permanently suspended person joins no BIN: the request ends closed, not assigned,
        # so the zone's figures of placed sign-ups stay true.
        if membership is None:
            locked.status = AddressRequestStatus.CLOSED
        else:
            locked.status = AddressRequestStatus.ASSIGNED
            locked.network = network
        _forget_address_request(
            locked,
            actor,
            "members.address_request_assign",
            subjects=(membership.user,) if membership else (),
            network=network.pk,
            membership=membership.pk if membership else None,
        )
    return membership


def close_address_request(actor, address_request, *, reason=""):
    """No BIN fits the address: tell the person, in their language, and close the request.

    Raises PermissionDenied, AlreadyHandled or the mailer's error (then the request stays open).
    """
    _check_may_handle(actor, address_request)
    with transaction.atomic():
        locked = _lock_open_request(address_request)
        # Requests from before the language was always kept: write in the zone's language.
        locked.language = _zone_language(locked.zone, locked.language)
        emails.send_address_request_closed(locked, reason.strip())
        locked.status = AddressRequestStatus.CLOSED
        _forget_address_request(locked, actor, "members.address_request_close")
    return locked


def expire_address_requests(now=None):
    """Close the open requests nobody handled within their zone's retention; return how many.

    The privacy notice promises the deletion, so it happens even when the e-mail that tells the
    person cannot go out (the audit entry says whether it did).
    """
    now = now or clock.now()
    expired = 0
    candidates = AddressRequest.objects.filter(status=AddressRequestStatus.OPEN).select_related(
        "zone"
    )
    for address_request in candidates.iterator():
        days = address_request.zone.retention_address_requests_days
        if address_request.requested_at > now - timedelta(days=days):
            continue
        with transaction.atomic():
            try:
                locked = _lock_open_request(address_request)
            except AlreadyHandled:
                continue
            locked.language = _zone_language(locked.zone, locked.language)
            try:
                emails.send_address_request_expired(locked, days)
                told = True
            except (OSError, smtplib.SMTPException):
                logger.exception("Could not tell %s that it expired.", locked)
                told = False
            locked.status = AddressRequestStatus.CLOSED
            _forget_address_request(
                locked, None, "members.address_request_expire", days=days, told=told
            )
        expired += 1
    return expired


# --- Double opt-in ----------------------------------------------------------------------------


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
            emails.send_awaiting_approval(membership)
            for coordinator in coordinators_of(membership.network):
                emails.send_new_member_to_approve(coordinator, membership)
            return Confirmation.AWAITING_APPROVAL, membership
        membership.status = MembershipStatus.ACTIVE
        membership.approved_at = now
        membership.status_changed_at = now
        membership.save(
            update_fields=["confirmed_at", "status", "approved_at", "status_changed_at"]
        )
        emails.send_welcome(membership)
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


# --- Approval ---------------------------------------------------------------------------------


def _record(actor, action, membership, details=None):
    from nabuur.audit.services import record

    record(actor, action, target=membership, subjects=(membership.user,), details=details)


def _check_may_manage(actor, membership, network=None):
    # The views check too; the service refuses on its own so no caller can skip the rule.
    if not can(actor, Capability.MANAGE_MEMBERS, network or membership.network):
        raise PermissionDenied("This person does not manage members of this BIN.")


def approve_membership(actor, membership):
    """A coordinator accepts a confirmed, pending membership. Idempotent: True if it changed.

    Two coordinators pressing at once: the row lock lets one through; the other finds it done.
    Raises PermissionDenied when `actor` may not manage the BIN's members.
    """
    _check_may_manage(actor, membership)
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user", "network__municipality")
            .get(pk=membership.pk)
        )
        if membership.status != MembershipStatus.PENDING or membership.confirmed_at is None:
            return False
        now = clock.now()
        membership.status = MembershipStatus.ACTIVE
        membership.approved_at = now
        membership.status_changed_at = now
        membership.save(update_fields=["status", "approved_at", "status_changed_at"])
        _record(actor, "members.approve", membership)
        emails.send_welcome(membership)
    return True


def decline_membership(actor, membership, reason=""):
    """A coordinator refuses a pending membership. Idempotent: True if it changed.

    The person (if they have an e-mail address) is told by e-mail, with `reason` when one is
    given; the reason is kept on the membership (end_note), and the audit entry says only
    whether there was one. Raises PermissionDenied when `actor` may not manage the BIN's
    members.
    """
    _check_may_manage(actor, membership)
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("user", "network__municipality")
            .get(pk=membership.pk)
        )
        if membership.status != MembershipStatus.PENDING:
            return False
        now = clock.now()
        membership.status = MembershipStatus.LEFT
        membership.end_reason = EndReason.DECLINED
        membership.left_at = now
        membership.status_changed_at = now
        reason = reason.strip()
        membership.end_note = reason
        membership.save(
            update_fields=["status", "end_reason", "left_at", "status_changed_at", "end_note"]
        )
        _record(actor, "members.decline", membership, {"with_note": bool(reason)})
        if membership.user.email:
            emails.send_declined(membership, reason)
    return True


# --- Login links ------------------------------------------------------------------------------


def _hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def send_login_link(email):
    """E-mail a one-hour, single-use login link if a resident has this address.

    Staff (who have a password and two factors) log in through the staff login instead, so a
    login link can never open a staff session without the second factor.
    """
    user = User.objects.filter(email=normalize_email_address(email), is_active=True).first()
    if user is None or user.has_usable_password() or not user.memberships.exists():
        return None
    token = secrets.token_urlsafe(32)
    now = clock.now()
    link = LoginLink.objects.create(
        user=user,
        token_hash=_hash_token(token),
        created_at=now,
        expires_at=now + LOGIN_LINK_LIFETIME,
    )
    emails.send_login_link(user, token)
    return link


def valid_login_link(token, *, lock=False):
    queryset = LoginLink.objects.select_related("user")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    link = queryset.filter(token_hash=_hash_token(token)).first()
    if link is None or link.used_at is not None or link.expires_at <= clock.now():
        return None
    if not link.user.is_active:
        return None
    return link


def use_login_link(token):
    """Spend a login link: the user it logs in, or None if unknown, used or expired."""
    with transaction.atomic():
        link = valid_login_link(token, lock=True)
        if link is None:
            return None
        link.used_at = clock.now()
        link.save(update_fields=["used_at"])
        return link.user


# --- Self-service -----------------------------------------------------------------------------


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


def leave_membership(membership, *, reason=EndReason.LEFT, notify=True):
    """End a current membership; tell the member and the BIN's coordinators. True if it changed."""
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
        if notify:
            if membership.user.email:
                emails.send_left(membership)
            for coordinator in coordinators_of(membership.network):
                emails.send_member_left(coordinator, membership)
    return True


def erase_account(user):
    """The person asked to be forgotten: leave every BIN, erase, say goodbye by e-mail."""
    email, first_name, language = user.email, user.first_name, emails.person_language(user)
    with transaction.atomic():
        for membership in user.memberships.filter(status__in=CURRENT_STATUSES):
            leave_membership(membership, reason=EndReason.ERASED, notify=False)
            for coordinator in coordinators_of(membership.network):
                emails.send_member_left(coordinator, membership)
        erase_person(user)
    if email:
        emails.send_erased(email, first_name, language)


def erase_after_retention(now=None):
    """Erase people whose every membership ended longer ago than its zone keeps such data.

    People with a role are kept (their staff account is managed by the zone). The audit log
    records each erasure by the person's id only. Returns how many people were erased.
    """
    from nabuur.audit.services import record

    now = now or clock.now()
    candidate_ids = (
        Membership.objects.filter(status=MembershipStatus.LEFT)
        .exclude(end_reason=EndReason.ERASED)
        .values_list("user_id", flat=True)
        .distinct()
    )
    erased = 0
    for user in User.objects.filter(pk__in=candidate_ids, roles__isnull=True).distinct():
        memberships = list(user.memberships.select_related("network__municipality__zone"))
        if any(m.status in CURRENT_STATUSES for m in memberships):
            continue
        if any(
            m.left_at > now - timedelta(days=m.network.municipality.zone.retention_left_days)
            for m in memberships
            if m.left_at
        ):
            continue
        with transaction.atomic():
            erase_person(user)
            record(None, "privacy.erase_after_retention", details={"person": user.pk})
        erased += 1
    return erased


# --- Blocked people (permanent suspension) --------------------------------------------------


def address_key(street, house_number, house_number_suffix="", box="", postcode=""):
    """One spelling of an address, whatever was typed: the street row, number, letter, box."""
    box = "".join(box.split()).lower()
    return f"{street.pk}|{house_number}{house_number_suffix.strip().upper()}|{box}|{postcode}"


def membership_address_key(membership):
    return address_key(
        membership.street,
        membership.house_number,
        membership.house_number_suffix,
        membership.box,
        membership.postcode,
    )


def block_hash(value):
    """An HMAC of a normalised value, keyed with SECRET_KEY: comparable, not reversible."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def is_blocked(zone, *, email=None, address=None):
    """True if the e-mail address or the address was permanently suspended in `zone`."""
    hashes = [block_hash(f"email:{normalize_email_address(email)}")] if email else []
    if address:
        hashes.append(block_hash(f"address:{address}"))
    return BlockedPerson.objects.filter(
        zone=zone, value_hash__in=hashes, expires_at__gt=clock.now()
    ).exists()


def _record_refused_rejoin(network):
    from nabuur.audit.services import record

    record(None, "members.rejoin_refused", target=network)


def delete_expired_blocks(now=None):
    """Forget blocked people once the zone's retention for measures has passed."""
    deleted, _per_model = BlockedPerson.objects.filter(expires_at__lte=now or clock.now()).delete()
    return deleted


# --- The coordinator's work -------------------------------------------------------------------


class PersonBlocked(Exception):
    """The person was permanently suspended in this zone and cannot be added again."""


def add_member_by_hand(
    actor,
    network,
    *,
    street,
    house_number,
    postcode,
    first_name,
    last_name,
    email="",
    house_number_suffix="",
    box="",
    phone="",
    basis=Basis.LIVES,
    enterprise_number="",
    language="",
    channel=ConsentChannel.PAPER,
    source_note="",
    send_after_commit=False,
):
    """A coordinator adds a member from a paper form or a phone call; active at once.

    The consent source (`channel` and e.g. "paper form signed on 3 May") is recorded with the
    zone's current documents. Without an e-mail address the member gets letters by post; with
    one, an existing person with that address is reused and welcomed by e-mail (after the
    outermost transaction commits with `send_after_commit`, as for request_membership).
    Raises PermissionDenied, MembershipExists or PersonBlocked.
    """
    _check_may_manage(actor, membership=None, network=network)
    email = normalize_email_address(email)
    zone = network.municipality.zone
    address = address_key(street, house_number, house_number_suffix, box, postcode)
    if zone is not None and is_blocked(zone, email=email, address=address):
        raise PersonBlocked
    try:
        with transaction.atomic():
            user = None
            if email:
                user = User.objects.select_for_update().filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email,
                    first_name=first_name.strip(),
                    last_name=last_name.strip(),
                    phone=phone.strip(),
                    language=language,
                )
            existing = Membership.objects.filter(
                user=user, network=network, status__in=CURRENT_STATUSES
            ).first()
            if existing is not None:
                raise MembershipExists(existing)
            now = clock.now()
            membership = Membership.objects.create(
                user=user,
                network=network,
                street=street,
                house_number=house_number,
                house_number_suffix=house_number_suffix,
                box=box.strip(),
                postcode=postcode,
                basis=basis,
                enterprise_number=enterprise_number if basis == Basis.BUSINESS else "",
                status=MembershipStatus.ACTIVE,
                requested_at=now,
                approved_at=now,
                status_changed_at=now,
            )
            Consent.objects.bulk_create(
                Consent(
                    user=user,
                    document=document,
                    accepted_at=now,
                    channel=channel,
                    source_note=source_note.strip(),
                )
                for document in current_documents(zone)
            )
            _record(actor, "members.add_by_hand", membership, {"channel": channel})
            if user.email:
                _notify(emails.send_welcome, membership, after_commit=send_after_commit)
    except IntegrityError:
        existing = Membership.objects.filter(
            user__email=email, network=network, status__in=CURRENT_STATUSES
        ).first()
        if email is None or existing is None:
            raise
        raise MembershipExists(existing) from None
    return membership


class EmailTaken(Exception):
    """Another person already uses this e-mail address."""


def edit_member(actor, membership, *, first_name, last_name, email, phone, box):
    """A coordinator corrects a member's details; returns the names of the changed fields."""
    _check_may_manage(actor, membership)
    email = normalize_email_address(email)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=membership.user_id)
        if email and User.objects.filter(email=email).exclude(pk=user.pk).exists():
            raise EmailTaken
        new_user = {
            "first_name": first_name.strip(),
            "last_name": last_name.strip(),
            "email": email,
            "phone": phone.strip(),
        }
        changed = [name for name, value in new_user.items() if getattr(user, name) != value]
        for name in changed:
            setattr(user, name, new_user[name])
        if changed:
            user.save(update_fields=changed)
        if membership.box != box.strip():
            membership.box = box.strip()
            membership.save(update_fields=["box"])
            changed.append("box")
        if changed:
            _record(actor, "members.edit", membership, {"fields": changed})
    return changed


def unsubscribe_on_request(actor, membership, reason):
    """End a membership because the member asked a coordinator (e.g. "asked by phone").

    The reason is kept on the membership (end_note); the audit entry says only whether there
    was one.
    """
    _check_may_manage(actor, membership)
    with transaction.atomic():
        changed = leave_membership(membership, reason=EndReason.LEFT)
        if changed:
            membership.end_note = reason.strip()
            membership.save(update_fields=["end_note"])
            _record(
                actor, "members.unsubscribe", membership, {"with_note": bool(membership.end_note)}
            )
    return changed


# --- Measures ---------------------------------------------------------------------------------


class MeasureRefused(Exception):
    """The measure cannot be taken or confirmed this way; the message says why."""


def measure_side(user, network):
    """'officer' or 'coordinator': in which capacity `user` takes measures in `network`."""
    from nabuur.staff.permissions import Kind, kind_of, open_assignments

    kinds = set()
    for assignment in open_assignments(user):
        kind = kind_of(assignment.role)
        in_reach = (
            assignment.network_id == network.pk
            or assignment.municipality_id == network.municipality_id
        )
        if kind == Kind.COORDINATOR and not assignment.is_screened:
            continue
        if in_reach and kind in (Kind.OFFICER, Kind.COORDINATOR):
            kinds.add(kind)
    if Kind.OFFICER in kinds:
        return "officer"
    return "coordinator" if Kind.COORDINATOR in kinds else None


def _check_may_take_measures(actor, network):
    if not can(actor, Capability.MEMBER_MEASURES, network):
        raise PermissionDenied("This person does not take measures in this BIN.")


def _locked_membership(membership):
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "street", "network__municipality__zone")
        .get(pk=membership.pk)
    )


def reprimand(actor, membership, reason):
    """A written reprimand: kept as a confirmed measure and e-mailed to the member."""
    _check_may_take_measures(actor, membership.network)
    with transaction.atomic():
        membership = _locked_membership(membership)
        now = clock.now()
        measure = Measure.objects.create(
            membership=membership,
            kind=MeasureKind.WRITTEN_REPRIMAND,
            reason=reason.strip(),
            state=MeasureState.CONFIRMED,
            proposed_by=actor,
            proposed_at=now,
            confirmed_by=actor,
            confirmed_at=now,
        )
        _record(actor, "members.measure.reprimand", membership, {"measure": measure.pk})
        if membership.user.email:
            emails.send_measure(measure)
    return measure


def suspend_until(actor, membership, reason, until):
    """Suspend a current member until `until` (a date after today): they receive nothing."""
    _check_may_take_measures(actor, membership.network)
    if until <= clock.today():
        raise MeasureRefused(_("A temporary suspension ends after today."))
    with transaction.atomic():
        membership = _locked_membership(membership)
        if membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.PAUSED):
            raise MeasureRefused(_("Only an active or paused member can be suspended."))
        now = clock.now()
        measure = Measure.objects.create(
            membership=membership,
            kind=MeasureKind.TEMPORARY_SUSPENSION,
            reason=reason.strip(),
            until=until,
            state=MeasureState.CONFIRMED,
            proposed_by=actor,
            proposed_at=now,
            confirmed_by=actor,
            confirmed_at=now,
        )
        membership.status = MembershipStatus.SUSPENDED
        membership.suspended_until = until
        membership.paused_until = None
        membership.status_changed_at = now
        membership.save(
            update_fields=["status", "suspended_until", "paused_until", "status_changed_at"]
        )
        _record(actor, "members.measure.suspend", membership, {"measure": measure.pk})
        if membership.user.email:
            emails.send_measure(measure)
    return measure


def end_suspensions(today=None):
    """Reinstate members whose temporary suspension has ended; return how many."""
    today = today or clock.today()
    return Membership.objects.filter(
        status=MembershipStatus.SUSPENDED, suspended_until__lt=today
    ).update(status=MembershipStatus.ACTIVE, suspended_until=None, status_changed_at=clock.now())


def propose_permanent_suspension(actor, membership, reason):
    """One of coordinator and officer proposes; the other must confirm (see below)."""
    _check_may_take_measures(actor, membership.network)
    if measure_side(actor, membership.network) is None:
        raise PermissionDenied("Only the BIN's coordinator or officer proposes measures.")
    with transaction.atomic():
        membership = _locked_membership(membership)
        if membership.status not in CURRENT_STATUSES:
            raise MeasureRefused(_("This person is no longer a member."))
        if membership.measures.filter(
            kind=MeasureKind.PERMANENT_SUSPENSION, state=MeasureState.PROPOSED
        ).exists():
            raise MeasureRefused(_("A permanent suspension is already proposed."))
        measure = Measure.objects.create(
            membership=membership,
            kind=MeasureKind.PERMANENT_SUSPENSION,
            reason=reason.strip(),
            state=MeasureState.PROPOSED,
            proposed_by=actor,
            proposed_at=clock.now(),
        )
        _record(actor, "members.measure.propose", membership, {"measure": measure.pk})
    return measure


def confirm_permanent_suspension(actor, measure):
    """The other side confirms: the member is removed and their e-mail and address blocked.

    The proposer cannot confirm, nor can a second coordinator: one of the two must be the
    officer, the other a coordinator. Idempotent: False if the measure is no longer proposed.
    """
    network = measure.membership.network
    _check_may_take_measures(actor, network)
    with transaction.atomic():
        measure = (
            Measure.objects.select_for_update(of=("self",))
            .select_related("membership__network__municipality__zone", "proposed_by")
            .get(pk=measure.pk)
        )
        if measure.state != MeasureState.PROPOSED:
            return False
        if measure.proposed_by_id == actor.pk:
            raise MeasureRefused(_("The person who proposed a measure cannot confirm it."))
        proposer_side = measure_side(measure.proposed_by, network) if measure.proposed_by else None
        actor_side = measure_side(actor, network)
        if actor_side is None or {proposer_side, actor_side} != {"officer", "coordinator"}:
            raise MeasureRefused(
                _("A coordinator and the officer must agree: one proposes, the other confirms.")
            )
        membership = _locked_membership(measure.membership)
        now = clock.now()
        measure.state = MeasureState.CONFIRMED
        measure.confirmed_by = actor
        measure.confirmed_at = now
        measure.save(update_fields=["state", "confirmed_by", "confirmed_at"])
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
            update_fields=[
                "status",
                "end_reason",
                "left_at",
                "suspended_until",
                "status_changed_at",
            ]
        )
        _record(actor, "members.measure.confirm", membership, {"measure": measure.pk})
        if membership.user.email:
            emails.send_measure(measure)
    return True


def withdraw_measure(actor, measure):
    """Withdraw a proposal that was not confirmed. Idempotent: True if it changed."""
    _check_may_take_measures(actor, measure.membership.network)
    with transaction.atomic():
        measure = Measure.objects.select_for_update().get(pk=measure.pk)
        if measure.state != MeasureState.PROPOSED:
            return False
        measure.state = MeasureState.WITHDRAWN
        measure.save(update_fields=["state"])
        _record(actor, "members.measure.withdraw", measure.membership, {"measure": measure.pk})
    return True
