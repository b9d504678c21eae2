"""What the members app holds about a person, for the privacy registry."""

from nabuur.lib import clock
from nabuur.privacy.registry import register

from .models import (
    CURRENT_STATUSES,
    AddressRequest,
    BlockedPerson,
    EndReason,
    Measure,
    MembershipStatus,
)
from .services.blocks import block_hash


def _iso(value):
    return value.isoformat() if value else ""


def export_memberships(user):
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
            "left": _iso(membership.left_at),
            "end_note": membership.end_note,
        }
        for membership in user.memberships.select_related("network", "street").order_by("pk")
    ]


def erase_memberships(user):
    # The rows stay for the BIN's member figures (joins, leaves); the address goes. The street
    # (and its sort key, street_key) stays: alone it names no one once the person row is
    # anonymised.
    user.memberships.filter(status__in=CURRENT_STATUSES).update(
        status=MembershipStatus.LEFT, left_at=clock.now(), status_changed_at=clock.now()
    )
    user.memberships.update(
        house_number=0,
        house_number_suffix="",
        box="",
        enterprise_number="",
        paused_until=None,
        quiet_from=None,
        quiet_to=None,
        end_reason=EndReason.ERASED,
        end_note="",
        # The member list's copies of the name and e-mail (members.receivers also clears them
        # when the person row is anonymised; this does not depend on the order of the two).
        last_name_key="",
        first_name_key="",
        search_text="",
    )


register("members.Membership", export=export_memberships, erase=erase_memberships)


def export_consents(user):
    return [
        {
            "document": str(consent.document),
            "accepted": _iso(consent.accepted_at),
            "channel": consent.channel,
            "note": consent.source_note,
        }
        for consent in user.consents.select_related("document").order_by("accepted_at", "pk")
    ]


def erase_consents(user):
    user.consents.all().delete()


register("members.Consent", export=export_consents, erase=erase_consents)


def export_login_links(user):
    return [
        {"created": _iso(link.created_at), "used": _iso(link.used_at)}
        for link in user.login_links.order_by("created_at")
    ]


def erase_login_links(user):
    user.login_links.all().delete()


register("members.LoginLink", export=export_login_links, erase=erase_login_links)


def _address_requests(user):
    if not user.email:
        return AddressRequest.objects.none()
    return AddressRequest.objects.filter(email=user.email)


def export_address_requests(user):
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
        for request in _address_requests(user).order_by("requested_at")
    ]


def erase_address_requests(user):
    _address_requests(user).delete()


register("members.AddressRequest", export=export_address_requests, erase=erase_address_requests)


def export_measures(user):
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
        for measure in Measure.objects.filter(membership__user=user)
        .select_related("membership__network")
        .order_by("proposed_at", "pk")
    ]


def erase_measures(user):
    # The block list keeps only keyed hashes, detached from the person; it stays for the zone's
    # retention period for measures, as the privacy notice says.
    Measure.objects.filter(membership__user=user).delete()


register("members.Measure", export=export_measures, erase=erase_measures)


def _blocks(user):
    hashes = [block_hash(f"email:{user.email}")] if user.email else []
    return BlockedPerson.objects.filter(value_hash__in=hashes)


def export_blocks(user):
    # Only the e-mail address can be matched to a person; address hashes stay unexplained.
    return [
        {"zone": block.zone.name, "kept_until": _iso(block.expires_at)}
        for block in _blocks(user).select_related("zone").order_by("expires_at")
    ]


def keep_blocks(user):
    # A permanent suspension is kept, as keyed hashes only, for the zone's retention period for
    # measures (named in the privacy notice); a periodic job deletes it then.
    return None


register("members.BlockedPerson", export=export_blocks, erase=keep_blocks)
