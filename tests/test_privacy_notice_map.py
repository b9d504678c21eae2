"""The privacy notice names the map tile server when the zone has one (#17 point 6): each tile
request sends that server the visitor's IP address and the part of the map they look at."""

import pytest

from nabuur.zones.documents import render_bodies
from nabuur.zones.models import DocumentKind
from nabuur.zones.services import change_zone_settings

pytestmark = pytest.mark.django_db

TILES = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"


def test_with_tiles_the_notice_names_the_tile_host_and_what_it_receives(zone):
    zone.map_tile_url = TILES
    body = render_bodies(zone, DocumentKind.PRIVACY_NOTICE)["body_en"]
    assert '<h2 id="maps">Maps</h2>' in body
    assert (
        "The maps of BIN areas on this website show a background map from "
        "<strong>tile.openstreetmap.org</strong>. To draw it, your browser asks that server "
        "for the map images: it receives your IP address and the area of the map you look at."
    ) in body
    assert "no map provider" not in body


def test_without_tiles_the_notice_says_no_map_provider_receives_data(zone):
    body = render_bodies(zone, DocumentKind.PRIVACY_NOTICE)["body_en"]
    assert (
        "The maps of BIN areas on this website are drawn by this website alone: no map "
        "provider receives any data about you."
    ) in body
    assert "openstreetmap" not in body


def test_choosing_a_tile_server_publishes_a_new_notice_naming_it(zone):
    change = change_zone_settings(None, zone, {"map_tile_url": TILES}, role="system")
    [notice] = [d for d in change.published if d.kind == DocumentKind.PRIVACY_NOTICE]
    assert "<strong>tile.openstreetmap.org</strong>" in notice.body_en
    assert "<strong>tile.openstreetmap.org</strong>" in notice.body_nl
