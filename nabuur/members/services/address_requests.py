"""Sign-ups whose address lies outside every BIN: queued for the zone's police to assign."""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from nabuur.accounts.models import normalize_email_address
from nabuur.lib import clock
from nabuur.staff.auditing import record
from nabuur.staff.permissions import Capability, can

from .. import emails
from ..models import AddressRequest, AddressRequestStatus, Basis, ConsentChannel
from .join import request_membership

logger = logging.getLogger(__name__)


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
    for name in _FORGOTTEN_FIELDS:
        setattr(address_request, name, "")
    address_request.handled_at = clock.now()
    address_request.save(update_fields=[*_FORGOTTEN_FIELDS, "status", "network", "handled_at"])
    record(
        actor,
        action,
        place=address_request.zone,
        capability=Capability.MANAGE_MEMBERS,
        target=address_request,
        subjects=subjects,
        details=details,
    )


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
