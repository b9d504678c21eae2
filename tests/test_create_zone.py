"""`nabuur create_zone`: a production install starts empty and gets its zone from the command."""

import pytest
from django.core.management import CommandError, call_command

from nabuur.audit.models import AuditEntry
from nabuur.networks.models import BinType
from nabuur.zones.models import Document, Municipality, Zone

from . import factories

ARGS = [
    "hekla",
    "--name=Politiezone HEKLA",
    "--municipalities=11013, 11024",
    "--email=info@pz-hekla.be",
    "--phone=03 123 45 67",
    "--postal-address=Kerkplein 1\\n2650 Edegem",
    "--dpo-name=Functionaris gegevensbescherming",
    "--dpo-email=dpo@pz-hekla.be",
]


@pytest.fixture
def municipalities(db):
    return [
        factories.MunicipalityFactory(nis_code="11013", name_nl="Edegem", zone=None),
        factories.MunicipalityFactory(nis_code="11024", name_nl="Kontich", zone=None),
        factories.MunicipalityFactory(nis_code="11021", name_nl="Hove", zone=None),
    ]


def test_create_zone_makes_a_zone_ready_for_its_administrator(municipalities, capsys):
    call_command("create_zone", *ARGS)

    zone = Zone.objects.get(slug="hekla")
    assert zone.postal_address == "Kerkplein 1\n2650 Edegem"
    assert (zone.controller_name, zone.controller_email) == (
        "Politiezone HEKLA",
        "info@pz-hekla.be",
    )
    assert sorted(zone.municipalities.values_list("nis_code", flat=True)) == ["11013", "11024"]
    assert Municipality.objects.get(nis_code="11021").zone is None
    assert sorted(BinType.objects.filter(zone=zone).values_list("code", "built_in")) == [
        (BinType.BIN, True),
        (BinType.BIN_Z, True),
    ]
    assert sorted(Document.objects.filter(zone=zone).values_list("kind", flat=True)) == [
        "house_rules",
        "privacy_notice",
    ]
    entry = AuditEntry.objects.get(action="zones.zone_created")
    assert (entry.zone_id, entry.details) == (zone.pk, {"municipalities": ["11013", "11024"]})
    assert "nabuur invite_admin <e-mail> --zone hekla" in capsys.readouterr().out


def test_create_zone_refuses_a_municipality_of_another_zone_and_writes_nothing(municipalities):
    other = factories.ZoneFactory(slug="other")
    Municipality.objects.filter(nis_code="11024").update(zone=other)

    with pytest.raises(CommandError, match="belong to another zone: 11024 Kontich"):
        call_command("create_zone", *ARGS)

    assert not Zone.objects.filter(slug="hekla").exists()
    assert Municipality.objects.get(nis_code="11013").zone is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("--municipalities=99999", "Unknown NIS codes: 99999"),
        ("--municipalities=,", "at least one municipality"),
    ],
)
def test_create_zone_explains_bad_municipalities(municipalities, change, message):
    args = [change if arg.startswith("--municipalities") else arg for arg in ARGS]
    with pytest.raises(CommandError, match=message):
        call_command("create_zone", *args)
    assert not Zone.objects.exists()


def test_create_zone_refuses_a_slug_in_use(municipalities):
    factories.ZoneFactory(slug="hekla")
    with pytest.raises(CommandError, match="exists already"):
        call_command("create_zone", *ARGS)
