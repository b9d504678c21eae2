"""The map of a BIN's area on its public page: drawn without background tiles (the default),
with the zone's tile server once it is set (a real local one here), accessible, valid, no
wider than a phone, and within the strict CSP (no violation reported by the browser)."""

import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import translation
from django.utils.translation import gettext

from nabuur.networks.areas import update_area
from nabuur.zones.documents import publish_house_rules, publish_privacy_notice
from tests import factories
from tests.test_areas import import_hoekstraat

from .helpers import assert_accessible, assert_no_horizontal_scroll

SHOTS = Path("/tmp/shots/map")
VIEWPORTS = {"phone": {"width": 360, "height": 640}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture
def centrum(transactional_db):
    """BIN Centrum in Edegem covers all of Hoekstraat, an L-shaped street of ten addresses."""
    zone = factories.ZoneFactory(slug="pz-rand", name="Politiezone Rand")
    edegem = factories.MunicipalityFactory(
        nis_code="11013", name_nl="Edegem", name_fr="Edegem", zone=zone
    )
    network = factories.NetworkFactory(municipality=edegem, name="BIN Centrum", slug="centrum")
    import_hoekstraat()
    factories.SegmentFactory(network=network, street=edegem.streets.get())
    update_area(network)
    publish_house_rules(zone)
    publish_privacy_notice(zone)
    return network


def _png(width, height, rgb):
    """A plain one-colour PNG, so the tile server needs no image library."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def tile_server():
    """A tile server on 127.0.0.1 that answers every tile with a light green square."""
    tile = _png(256, 256, (214, 232, 200))
    requested = []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self):
            requested.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(tile)))
            self.end_headers()
            self.wfile.write(tile)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", requested
    finally:
        server.shutdown()
        server.server_close()


def watch(page):
    """Console errors (a CSP violation is one) and requests that left the site."""
    seen = {"errors": [], "elsewhere": []}
    page.on(
        "console",
        lambda message: seen["errors"].append(message.text) if message.type == "error" else None,
    )
    return seen


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_bin_page_draws_the_area_without_tiles(
    page, live_server, centrum, screen, assert_valid_html
):
    page.set_viewport_size(VIEWPORTS[screen])
    seen = watch(page)
    origin = urlsplit(live_server.url).netloc
    page.on(
        "request",
        lambda request: (
            seen["elsewhere"].append(request.url)
            if urlsplit(request.url).netloc not in {origin, ""}
            else None
        ),
    )

    response = page.goto(f"{live_server.url}/nl/bin/centrum/")

    assert_valid_html(response.text(), where="/nl/bin/centrum/")
    canvas = page.locator("#bin-map")
    canvas.wait_for(state="visible")
    assert "leaflet-container" in canvas.get_attribute("class")
    # The area and Hoekstraat's two arms (one line each side) as SVG paths; no tile at all.
    page.locator(".leaflet-overlay-pane path").first.wait_for()
    assert page.locator(".leaflet-overlay-pane path").count() == 2
    assert page.locator(".leaflet-tile").count() == 0
    assert seen["elsewhere"] == []
    assert seen["errors"] == []
    # The text alternative: the list of streets, and the caption that points to it.
    assert page.locator(".area-list li strong").all_inner_texts() == ["Hoekstraat"]
    with translation.override("nl"):
        caption = gettext(
            "The area and its streets on a map without background. The list of streets and "
            "house numbers says the same in words."
        )
    assert page.locator(".bin-map figcaption").inner_text() == caption
    box = canvas.bounding_box()
    assert box["width"] <= VIEWPORTS[screen]["width"]
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"bin-page-{screen}.png"), full_page=True)


def test_the_zones_tile_server_draws_the_background(page, live_server, centrum, tile_server):
    url, requested = tile_server
    zone = centrum.municipality.zone
    # Set as a zone administrator's settings page would, but over plain http: the test server
    # has no certificate (the setting's validator asks for https).
    zone.map_tile_url = url + "/{z}/{x}/{y}.png"
    zone.map_tile_attribution = "<b>Tiles</b> © test"
    zone.save(update_fields=["map_tile_url", "map_tile_attribution"])
    page.set_viewport_size(VIEWPORTS["desktop"])
    seen = watch(page)

    response = page.goto(f"{live_server.url}/nl/bin/centrum/")

    assert f"img-src 'self' data: {url}" in response.headers["content-security-policy"]
    page.locator(".leaflet-tile-loaded").first.wait_for()
    assert requested and all(path.endswith(".png") for path in requested)
    # The zone's attribution is shown as text, never as HTML.
    assert "<b>Tiles</b> © test" in page.locator(".leaflet-control-attribution").inner_text()
    assert seen["errors"] == []
    assert_accessible(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "bin-page-tiles.png"), full_page=True)

    # Other pages keep the site's policy.
    other = page.goto(f"{live_server.url}/nl/")
    assert url not in other.headers["content-security-policy"]
