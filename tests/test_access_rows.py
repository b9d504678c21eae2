"""staff.access reads a BIN, its municipality and zone in SQL of our own (lib.rows): the same
instances, value for value, as Django's select_related gives, on SQLite and PostgreSQL."""

import datetime

import pytest
from django.http import Http404

from nabuur.networks.models import Network
from nabuur.staff.access import _network_with_zone, get_network_for
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
