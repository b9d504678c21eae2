"""E-mails to staff about their own role. Template triplets under templates/emails/staff/."""

from nabuur.lib.mail import absolute_url, recipient_language, send_email
from nabuur.zones.site import links_to


def zone_of_role(assignment):
    """The zone the role lies in, whatever its scope (a BIN, a municipality or the zone)."""
    if assignment.network_id:
        return assignment.network.municipality.zone
    if assignment.municipality_id:
        return assignment.municipality.zone
    return assignment.zone


def send_screening_positive(assignment):
    """The coordinator's police screening is positive: their role opens once they confirm."""
    user = assignment.user
    language = recipient_language(user, staff=True)
    zone = zone_of_role(assignment)
    # The dashboard of the zone the role lies in, whichever site the screening was noted on.
    with links_to(zone):
        context = {
            "user": user,
            "assignment": assignment,
            "scope": str(assignment.scope),
            "zone": zone,
            "dashboard_url": absolute_url(language, "staff:dashboard"),
        }
        send_email("staff/screening_positive", user.email, language, context)
