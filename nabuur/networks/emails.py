"""E-mails to members about their BIN itself: it stopped, or it merged into another.

Template triplets under templates/emails/networks/, sent with nabuur.lib.mail.send_email in
the member's language, with links to the site of the BIN's zone (a command may stop or merge
BINs of any zone).
"""

from nabuur.lib.mail import absolute_url, recipient_language, send_email
from nabuur.zones.site import links_to


def send_network_stopped(membership, network, reason=""):
    """The member's BIN stopped; their membership ended with it."""
    language = recipient_language(membership.user, network)
    zone = network.municipality.zone
    with links_to(zone):
        context = {
            "user": membership.user,
            "network": network,
            "zone": zone,
            "reason": reason,
            "find_url": absolute_url(language, "public:find"),
        }
        send_email("networks/stopped", membership.user.email, language, context)


def send_network_merged(membership, source):
    """The member's BIN merged into another; they are now a member of that one."""
    network = membership.network
    zone = network.municipality.zone
    language = recipient_language(membership.user, network)
    context = {"user": membership.user, "source": source, "network": network, "zone": zone}
    with links_to(zone):
        send_email("networks/merged", membership.user.email, language, context)
