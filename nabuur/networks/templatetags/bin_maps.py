"""{% bin_map networks %}: the map of BIN areas, on public and staff pages."""

from django import template

from nabuur.networks.maps import map_context
from nabuur.zones.models import Address

register = template.Library()


@register.inclusion_tag("public/_map.html", takes_context=True)
def bin_map(context, networks, street=None, number=None):
    """The map of one BIN (or a list of them); nothing while none has an area.

    With `street` and `number` (the finder's answer) the address is marked when BeSt has it.
    """
    if not isinstance(networks, list | tuple):
        networks = [networks]
    # Only BINs with an area are drawn; without one, the page asks nothing more.
    networks = [network for network in networks if network is not None and network.area]
    zone = networks[0].municipality.zone if networks else None
    if zone is None:
        return {"map": None}
    address = None
    if street is not None and number is not None:
        address = Address.objects.filter(street=street, number=number).order_by("box").first()
    found = map_context(context.get("request"), networks, zone, address=address)
    if found is not None:
        # The finder's page lists BINs, not streets: its caption points to their pages.
        found.update(finder=street is not None, address=address)
    return {"map": found}
