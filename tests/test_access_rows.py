"""staff.access reads a BIN, its municipality and zone in SQL of our own (lib.rows): the same
instances, value for value, as Django's select_related gives, on SQLite and PostgreSQL."""

import datetime
import re

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from nabuur.networks.models import Network
from nabuur.staff.access import (
    _network_with_zone,
    get_municipality_for,
    get_network_for,
    get_zone_for,
)
from nabuur.staff.permissions import Capability

from . import factories

pytestmark = pytest.mark.django_db


def fields_of(instance, leave_out=()):
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name not in leave_out
    }


def test_the_bin_its_municipality_and_zone_are_those_django_reads(django_assert_num_queries):
    zone = factories.ZoneFactory(
        logo=b"\x89PNG logo",
        logo_content_type="image/png",
        logo_updated_at=datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC),
        theme_colour="#1f4e79",
    )
    network = factories.NetworkFactory(
        municipality=factories.MunicipalityFactory(zone=zone, name_fr="Commune"),
        requires_approval=False,
        start_date=datetime.date(2023, 5, 2),
        contact_name="Wijkcomité",
        contact_email="comite@example.org",
        area='{"type": "MultiPolygon", "coordinates": []}',
        dwellings=412,
    )
    expected = Network.objects.select_related("municipality__zone").get(pk=network.pk)

    with django_assert_num_queries(1):
        read = _network_with_zone(network.slug)
        assert fields_of(read) == fields_of(expected)
        assert fields_of(read.municipality) == fields_of(expected.municipality)
        assert fields_of(read.municipality.zone, {"logo"}) == fields_of(
            expected.municipality.zone, {"logo"}
        )
    assert read.created_at.tzinfo is not None
    assert read.municipality.zone.logo_updated_at == datetime.datetime(
        2026, 3, 1, 9, 30, tzinfo=datetime.UTC
    )
    # The logo is left out, and read only if asked for.
    with django_assert_num_queries(1):
        assert bytes(read.municipality.zone.logo) == b"\x89PNG logo"


def test_a_municipality_without_a_zone_reads_as_none():
    network = factories.NetworkFactory(
        municipality=factories.MunicipalityFactory(zone=None),
        bin_type=factories.BinTypeFactory(zone=factories.ZoneFactory()),
    )
    assert _network_with_zone(network.slug).municipality.zone is None


def test_an_unknown_bin_is_404(coordinator_a):
    assert _network_with_zone("no-such-bin") is None
    with pytest.raises(Http404):
        get_network_for(coordinator_a, Capability.VIEW_MEMBERS, "no-such-bin")


def test_no_staff_page_reads_the_zones_logo_with_its_place(zone_admin, zone, municipality):
    # A logo may weigh 200 kB; the pages show it from its own address.
    zone.logo, zone.logo_content_type = b"\x89PNG" * 1000, "image/png"
    zone.save()
    network = factories.NetworkFactory(municipality=municipality)
    with CaptureQueriesContext(connection) as queries:
        get_network_for(zone_admin, Capability.VIEW_MEMBERS, network.slug)
        get_municipality_for(zone_admin, Capability.VIEW_FIGURES, municipality.nis_code)
        found = get_zone_for(zone_admin, Capability.VIEW_FIGURES, zone.slug)
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert "logo_content_type" in read
    assert re.search(r"""["`.]logo["`]?(,| FROM)""", read) is None, read
    assert bytes(found.logo) == b"\x89PNG" * 1000
