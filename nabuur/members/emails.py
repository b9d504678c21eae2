"""One function per e-mail a resident (or a coordinator about a resident) receives.

Each e-mail is a template triplet under templates/emails/members/, sent with
nabuur.lib.mail.send_email in the recipient's language. These are transactional e-mails, sent
at once; bulk messages go through the outbox.

The worker, the periodic jobs and the commands send them for every zone: an e-mail about a
membership (or an address request) links to the site of its zone (`_links_of`). The login
link and the confirmation of changed details know no zone; their caller chooses the site.
"""

from django.conf import settings

from nabuur.lib.mail import absolute_url, recipient_language, send_email
from nabuur.zones.site import links_to


def _about(membership, /, **context):
    """The context of an e-mail about one membership; `zone` gives the notice its numbers."""
    network = membership.network
    return {
        "user": membership.user,
        "network": network,
        "zone": network.municipality.zone,
        **context,
    }


def _zone(membership):
    return membership.network.municipality.zone


def send_confirm_request(membership, token):
    """Double opt-in: the link that confirms the e-mail address."""
    language = recipient_language(membership.user, membership.network)
    with links_to(_zone(membership)):
        context = _about(
            membership,
            url=absolute_url(language, "members:confirm", token),
            hours=settings.NABUUR_CONFIRM_HOURS,
        )
        send_email("members/confirm_request", membership.user.email, language, context)


def send_join_again(membership, token=None):
    """Someone asked to join with an address that is already a member (or waiting)."""
    language = recipient_language(membership.user, membership.network)
    with links_to(_zone(membership)):
        context = _about(
            membership,
            url=absolute_url(language, "members:confirm", token) if token else "",
            login_url=absolute_url(language, "members:login"),
            hours=settings.NABUUR_CONFIRM_HOURS,
        )
        send_email("members/join_again", membership.user.email, language, context)


def send_awaiting_approval(membership):
    language = recipient_language(membership.user, membership.network)
    with links_to(_zone(membership)):
        send_email("members/awaiting_approval", membership.user.email, language, _about(membership))


def send_new_member_to_approve(coordinator, membership):
    language = recipient_language(coordinator, staff=True)
    network = membership.network
    context = {"coordinator": coordinator, "network": network, "zone": _zone(membership)}
    with links_to(_zone(membership)):
        context["url"] = absolute_url(language, "members_staff:member", network.slug, membership.pk)
        send_email("members/new_member_to_approve", coordinator.email, language, context)


def send_welcome(membership):
    language = recipient_language(membership.user, membership.network)
    with links_to(_zone(membership)):
        context = _about(membership, login_url=absolute_url(language, "members:login"))
        send_email("members/welcome", membership.user.email, language, context)


def send_declined(membership, reason):
    language = recipient_language(membership.user, membership.network)
    context = _about(membership, reason=reason)
    with links_to(_zone(membership)):
        send_email("members/declined", membership.user.email, language, context)


def send_address_request_received(address_request):
    language = recipient_language(address_request)
    context = {"request": address_request, "zone": address_request.zone}
    with links_to(address_request.zone):
        send_email("members/address_request_received", address_request.email, language, context)


def send_address_request_closed(address_request, reason):
    """No BIN covers the person's address: the police tell them, with whom to talk."""
    language = recipient_language(address_request)
    context = {"request": address_request, "zone": address_request.zone, "reason": reason}
    with links_to(address_request.zone):
        send_email("members/address_request_closed", address_request.email, language, context)


def send_address_request_expired(address_request, days):
    """Nobody placed the sign-up within the zone's retention: its details are deleted now."""
    language = recipient_language(address_request)
    context = {"request": address_request, "zone": address_request.zone, "days": days}
    with links_to(address_request.zone):
        send_email("members/address_request_expired", address_request.email, language, context)


def send_login_link(user, token):
    language = recipient_language(user)
    context = {
        "user": user,
        "url": absolute_url(language, "members:login_link", token),
        "minutes": 60,
    }
    send_email("members/login_link", user.email, language, context)


def send_details_changed(user):
    language = recipient_language(user)
    context = {"user": user, "url": absolute_url(language, "members:login")}
    send_email("members/details_changed", user.email, language, context)


def send_membership_changed(membership):
    """Pause, quiet hours or address of one membership changed."""
    language = recipient_language(membership.user, membership.network)
    context = _about(membership, membership=membership)
    with links_to(_zone(membership)):
        send_email("members/membership_changed", membership.user.email, language, context)


def send_left(membership):
    language = recipient_language(membership.user, membership.network)
    with links_to(_zone(membership)):
        send_email("members/left", membership.user.email, language, _about(membership))


def send_member_left(coordinator, membership):
    language = recipient_language(coordinator, staff=True)
    network = membership.network
    context = {
        "coordinator": coordinator,
        "network": network,
        "zone": network.municipality.zone,
        "member_name": membership.user.full_name,
        "address": membership.address_line,
    }
    with links_to(_zone(membership)):
        send_email("members/member_left", coordinator.email, language, context)


def send_erased(email, first_name, language):
    send_email("members/erased", email, language, {"first_name": first_name})


def send_erased_in_zone(email, first_name, language, zone_name):
    """The zone erased what it held; the account stays for another zone."""
    send_email(
        "members/erased_zone", email, language, {"first_name": first_name, "zone": zone_name}
    )


def send_measure(measure):
    """A measure taken against the member: the reprimand letter, or the suspension and its end."""
    membership = measure.membership
    language = recipient_language(membership.user, membership.network)
    with links_to(_zone(membership)):
        login_url = absolute_url(language, "members:login")
        context = _about(membership, measure=measure, login_url=login_url)
        send_email("members/measure", membership.user.email, language, context)
