"""What the members app holds about a person, for the privacy registry.

Everything here belongs to one zone (its BIN's, its document's) except the login links, which
open the person's account on any zone's site.
"""

from nabuur.lib import clock
from nabuur.privacy.registry import keeps_person, move_rows, register

from .models import (
    CURRENT_STATUSES,
    MESSAGE_CLASS_FIELDS,
    AddressRequest,
    BlockedPerson,
    EndReason,
    Measure,
    Membership,
    MembershipStatus,
)
from .services.blocks import block_hash

ZONE = "network__municipality__zone"


def _iso(value):
    return value.isoformat() if value else ""


def _memberships(user, zone):
    rows = user.memberships.all()
    return rows if zone is None else rows.filter(**{ZONE: zone})


def export_memberships(user, zone=None):
    return [
        {
            "network": membership.network.name,
            "address": membership.address_line,
            "postcode": membership.postcode,
            "basis": membership.basis,
            "enterprise_number": membership.enterprise_number,
            "status": membership.status,
            "requested": _iso(membership.requested_at),
            "confirmed": _iso(membership.confirmed_at),
            "approved": _iso(membership.approved_at),
            "paused_until": _iso(membership.paused_until),
            "quiet_from": _iso(membership.quiet_from),
            "quiet_to": _iso(membership.quiet_to),
            # The message classes chosen: receives_prevention: true, …
            **{name: getattr(membership, name) for name in MESSAGE_CLASS_FIELDS},
            "left": _iso(membership.left_at),
            "end_note": membership.end_note,
        }
        for membership in _memberships(user, zone)
        .select_related("network", "street")
        .order_by("pk")
    ]


def erase_memberships(user, zone=None):
    # The rows stay for the BIN's member figures (joins, leaves); the address goes. The street
    # (and its sort key, street_key) stays: alone it names no one once the person row is
    # anonymised.
    _memberships(user, zone).filter(status__in=CURRENT_STATUSES).update(
        status=MembershipStatus.LEFT, left_at=clock.now(), status_changed_at=clock.now()
    )
    _memberships(user, zone).update(
        house_number=0,
        house_number_suffix="",
        box="",
        enterprise_number="",
        paused_until=None,
        quiet_from=None,
        quiet_to=None,
        # The person's choices go with them: the defaults again.
        **dict.fromkeys(MESSAGE_CLASS_FIELDS, True),
        end_reason=EndReason.ERASED,
        end_note="",
        # The member list's copies of the name and e-mail (members.receivers also clears them
        # when the person row is anonymised; this does not depend on the order of the two).
        last_name_key="",
        first_name_key="",
        search_text="",
    )


register(
    "members.Membership",
    export=export_memberships,
    erase=erase_memberships,
    hand_over=move_rows(Membership, ZONE, "user"),
)


@keeps_person
def member_elsewhere(user, zone):
    # Erased memberships of a zone were handed to a stand-in: what is left is still held.
    return Membership.objects.filter(user=user).exclude(**{ZONE: zone}).exists()


def _consents(user, zone):
    rows = user.consents.all()
    return rows if zone is None else rows.filter(document__zone=zone)


def export_consents(user, zone=None):
    return [
        {
            "document": str(consent.document),
            "accepted": _iso(consent.accepted_at),
            "channel": consent.channel,
            "note": consent.source_note,
        }
        for consent in _consents(user, zone)
        .select_related("document")
        .order_by("accepted_at", "pk")
    ]


def erase_consents(user, zone=None):
    _consents(user, zone).delete()


register("members.Consent", export=export_consents, erase=erase_consents)


def export_login_links(user, zone=None):
    return [
        {"created": _iso(link.created_at), "used": _iso(link.used_at)}
        for link in user.login_links.order_by("created_at")
    ]


def erase_login_links(user, zone=None):
    user.login_links.all().delete()


register(
    "members.LoginLink",
    export=export_login_links,
    erase=erase_login_links,
    install_wide=True,
)


def _address_requests(user, zone=None):
    if not user.email:
        return AddressRequest.objects.none()
    rows = AddressRequest.objects.filter(email=user.email)
    return rows if zone is None else rows.filter(zone=zone)


def export_address_requests(user, zone=None):
    return [
        {
            "name": f"{request.first_name} {request.last_name}",
            "email": request.email,
            "phone": request.phone,
            "address": f"{request.street_name} {request.house_number} {request.box}".strip(),
            "postcode": request.postcode,
            "requested": _iso(request.requested_at),
            "status": request.status,
        }
        for request in _address_requests(user, zone).order_by("requested_at")
    ]


def erase_address_requests(user, zone=None):
    _address_requests(user, zone).delete()


register("members.AddressRequest", export=export_address_requests, erase=erase_address_requests)


def _measures(user, zone):
    rows = Measure.objects.filter(membership__user=user)
    return rows if zone is None else rows.filter(**{f"membership__{ZONE}": zone})


def export_measures(user, zone=None):
    return [
        {
            "network": measure.membership.network.name,
            "measure": measure.kind,
            "reason": measure.reason,
            "until": _iso(measure.until),
            "state": measure.state,
            "proposed": _iso(measure.proposed_at),
            "confirmed": _iso(measure.confirmed_at),
        }
        for measure in _measures(user, zone)
        .select_related("membership__network")
        .order_by("proposed_at", "pk")
    ]


def erase_measures(user, zone=None):
    # The block list keeps only keyed hashes, detached from the person; it stays for the zone's
    # retention period for measures, as the privacy notice says.
    _measures(user, zone).delete()


register(
    "members.Measure",
    export=export_measures,
    erase=erase_measures,
    # Measures the person proposed or confirmed as staff stay, naming the stand-in.
    hand_over=move_rows(
        Measure, f"membership__{ZONE}", "proposed_by", "confirmed_by", "letter_posted_by"
    ),
)


def _blocks(user, zone=None):
    hashes = [block_hash(f"email:{user.email}")] if user.email else []
    rows = BlockedPerson.objects.filter(value_hash__in=hashes)
    return rows if zone is None else rows.filter(zone=zone)


def export_blocks(user, zone=None):
    # Only the e-mail address can be matched to a person; address hashes stay unexplained.
    return [
        {"zone": block.zone.name, "kept_until": _iso(block.expires_at)}
        for block in _blocks(user, zone).select_related("zone").order_by("expires_at")
    ]


def keep_blocks(user, zone=None):
    # A permanent suspension is kept, as keyed hashes only, for the zone's retention period for
    # measures (named in the privacy notice); a periodic job deletes it then.
    return None


register("members.BlockedPerson", export=export_blocks, erase=keep_blocks)
