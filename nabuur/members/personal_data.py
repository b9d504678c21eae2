"""What the members app holds about a person, for the privacy registry."""

from nabuur.lib import clock
from nabuur.privacy.registry import register

from .models import CURRENT_STATUSES, AddressRequest, EndReason, MembershipStatus


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
        }
        for membership in user.memberships.select_related("network", "street").order_by("pk")
    ]


def erase_memberships(user):
    # The rows stay for the BIN's member figures (joins, leaves); the address goes. The street
    # stays: alone it names no one once the person row is anonymised.
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
