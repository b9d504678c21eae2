"""Change the zone's look (nabuur.staff.theme_views)."""

from django.db import transaction

from nabuur.lib import clock

from .auditing import record
from .permissions import Capability


def change_zone_look(actor, zone, *, colour, logo=None, remove_logo=False):
    """Save the zone's main colour and, when given, its logo (`logo`: {"data", "content_type"})
    or its removal; return the names of the settings that changed.

    The audit entry is the zone settings' (zones.settings_changed): the look is one of them. It
    names what changed, not the colour or the image.
    """
    changed = []
    if colour != zone.theme_colour:
        zone.theme_colour = colour
        changed.append("theme_colour")
    if logo is not None:
        zone.logo = logo["data"]
        zone.logo_content_type = logo["content_type"]
        zone.logo_updated_at = clock.now()
        changed.append("logo")
    elif remove_logo and zone.logo_content_type:
        zone.logo = b""
        zone.logo_content_type = ""
        zone.logo_updated_at = clock.now()
        changed.append("logo")
    if not changed:
        return changed
    fields = ["theme_colour"] if "theme_colour" in changed else []
    if "logo" in changed:
        fields += ["logo", "logo_content_type", "logo_updated_at"]
    with transaction.atomic():
        zone.save(update_fields=fields)
        record(
            actor,
            "zones.settings_changed",
            capability=Capability.MANAGE_ZONE,
            target=zone,
            details={"settings": changed, "published": []},
        )
    return changed
