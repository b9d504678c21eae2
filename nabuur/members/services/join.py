"""Join a BIN: the sign-up with its confirmation e-mail, and the core every new member shares."""

from django.db import IntegrityError, transaction

from nabuur.accounts.models import User, normalize_email_address
from nabuur.lib import clock
from nabuur.staff.auditing import record
from nabuur.zones.models import Document, DocumentKind

from .. import emails
from ..models import CURRENT_STATUSES, Basis, Consent, ConsentChannel, Membership, MembershipStatus
from .blocks import PersonBlocked, address_key, is_blocked
from .common import notify
from .confirmation import confirmation_token


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


def create_membership(
    network,
    *,
    status,
    documents,
    channel,
    source_note,
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
):
    """Create a membership of `network` at an address, with its person and their consents.

    The one way a new member comes into being, by sign-up or by a coordinator's hand. Raises
    PersonBlocked for an e-mail address or address permanently suspended in the zone. Reuses
    the person with that e-mail address (their name and details stay as they are: a form must
    not overwrite someone else's data) or creates one without a usable password. Raises
    MembershipExists when the person already has a current membership of `network`, also when
    a double click created it a moment ago. Records a consent per document in `documents`. An
    active membership is approved at once. Runs in a savepoint of the caller's transaction, in
    which the caller adds its own audit entry and e-mail.
    """
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
                status=status,
                requested_at=now,
                approved_at=now if status == MembershipStatus.ACTIVE else None,
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
                for document in documents
            )
    except IntegrityError:
        # A double click: the other request holds the place in this BIN (partial unique index).
        existing = None
        if email:
            existing = Membership.objects.filter(
                user__email=email, network=network, status__in=CURRENT_STATUSES
            ).first()
        if existing is None:
            raise
        raise MembershipExists(existing) from None
    return membership


def request_membership(
    *,
    network,
    email,
    documents=(),
    channel=ConsentChannel.WEB,
    source_note="",
    send_after_commit=False,
    **person,
):
    """Create a pending membership of `network` and send the confirmation e-mail.

    `person` holds the address and details that `create_membership` takes (street,
    house_number, postcode, first_name, last_name, …), which also makes the person and records
    their consent to `documents`. All or nothing: if the e-mail cannot be sent, nothing stays.
    Raises MembershipExists when the person already has a current membership of `network`.

    With `send_after_commit` (an import of many rows in one transaction) the e-mail leaves only
    once the caller's outermost transaction commits, so a rolled-back import sends nothing; a
    failed e-mail is then logged and leaves the membership in place.

    Returns None, silently, for an e-mail address or address permanently suspended in the
    zone: the caller answers as for any sign-up, so the page reveals nothing.
    """
    try:
        with transaction.atomic():
            membership = create_membership(
                network,
                status=MembershipStatus.PENDING,
                documents=documents,
                channel=channel,
                source_note=source_note,
                email=email,
                **person,
            )
            notify(_send_confirm_request, membership, after_commit=send_after_commit)
    except PersonBlocked:
        record(None, "members.rejoin_refused", target=network)
        return None
    return membership


def _send_confirm_request(membership):
    emails.send_confirm_request(membership, confirmation_token(membership))


def remind_existing_member(membership):
    """Answer a repeated sign-up by e-mail only, so the page never tells who is a member."""
    token = None
    if membership.status == MembershipStatus.PENDING and membership.confirmed_at is None:
        token = confirmation_token(membership)
    emails.send_join_again(membership, token)
