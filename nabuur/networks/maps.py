"""Maps of BIN areas on pages: what the map script reads, and the tile server's CSP opening.

Background tiles stay off until the zone sets `Zone.map_tile_url`: each tile request tells
that server which place a visitor looks at (the privacy notice names it then). Without tiles
the map still draws the area and its streets (networks.areas.map_data).
"""

from urllib.parse import urlsplit

from django.conf import settings

from .areas import map_data


def tile_origin(url_template):
    """The CSP source for a tile URL template: 'https://{s}.tile.example/{z}/{x}/{y}.png' →
    'https://*.tile.example'; '' for no template."""
    if not url_template:
        return ""
    parts = urlsplit(url_template.replace("{s}", "sub"))
    host = parts.netloc.replace("sub", "*", 1) if "{s}" in url_template else parts.netloc
    return f"{parts.scheme}://{host}"


def map_context(request, networks, zone, *, address=None):
    """What templates/public/_map.html needs for a map of `networks`, or None when none of
    them has an area yet (the page's list of streets says it all then).

    `address` (a zones Address) is marked on the map: the visitor's own search on the finder.
    Marks the request so that MapTilesMiddleware lets the page load the zone's tiles.
    """
    networks = [network for network in networks if network.area]
    if not networks:
        return None
    data = map_data(networks)
    if address is not None:
        data["features"].append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [float(address.longitude), float(address.latitude)],
                },
                "properties": {"kind": "address", "name": str(address)},
            }
        )
    tile_url = zone.map_tile_url if zone is not None else ""
    if tile_url and request is not None:
        request.map_tile_origin = tile_origin(tile_url)
    return {
        "map_data": data,
        "tile_url": tile_url,
        "tile_attribution": zone.map_tile_attribution if tile_url else "",
    }


class MapTilesMiddleware:
    """Opens img-src of one response to the zone's tile server, when that page shows a map.

    Listed after Django's CSP middleware, so it runs first on the way out and that middleware
    writes the header from the policy set here. Every other response keeps the site's policy.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        origin = getattr(request, "map_tile_origin", "")
        if origin:
            policy = getattr(response, "_csp_config", None) or settings.SECURE_CSP
            response._csp_config = {**policy, "img-src": [*policy.get("img-src", ()), origin]}
        return response
