"""`nabuur demo`: the fictional zone, its BINs, members and personas; idempotent; never in prod."""

import csv
import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from nabuur.accounts.models import User
from nabuur.demo import data
from nabuur.demo.members import generate, read_sample_addresses
from nabuur.members.models import Consent, Membership, MembershipStatus
from nabuur.networks.models import BinType, Network, Segment
from nabuur.staff.models import RoleAssignment, ScreeningResult
from nabuur.zones.models import Document, Municipality, Street, Zone

pytestmark = pytest.mark.django_db

EDEGEM_BINS = ["edegem-buizegem", "edegem-centrum", "edegem-elsdonk"]
ALL_BINS = sorted(spec.slug for spec in data.BINS)
PERSONAS = [
    {
        "role": "zone_admin",
        "email": "beheer@vierbeken.example",
        "password": "demo-zone-admin-2026",
        "bins": ALL_BINS,
    },
    {
        "role": "municipality_contact",
        "email": "bin@edegem.gemeente.example",
        "password": "demo-gemeente-edegem",
        "bins": EDEGEM_BINS,
    },
    {
        "role": "coordinator",
        "email": "els.peeters@example.org",
        "password": "demo-coordinator-edegem",
        "bins": EDEGEM_BINS,
    },
    {
        "role": "coordinator",
        "email": "marc.claes@example.org",
        "password": "demo-coordinator-aartselaar",
        "bins": ["aartselaar-centrum"],
    },
    {
        "role": "officer",
        "email": "tom.maes@vierbeken.example",
        "password": "demo-wijkinspecteur",
        "bins": ["aartselaar-centrum", "edegem-centrum"],
    },
    {
        "role": "member",
        "email": "an.vermeulen@example.org",
        "password": None,
        "bins": ["edegem-centrum"],
    },
]
RESERVED_EMAIL = re.compile(r"^[a-z0-9.-]+@([a-z.]+\.example|example\.(org|net|com))$")


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    # Argon2 takes half a second per persona password; the demo's logic is what is tested here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(*args):
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def table_counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Zone,
            Municipality,
            Street,
            BinType,
            Network,
            Segment,
            Document,
            User,
            RoleAssignment,
            Membership,
            Consent,
        )
    }


def scope_name(role):
    if role.network:
        return role.network.slug
    return role.municipality.nis_code if role.municipality else role.zone.slug


def test_demo_loads_the_zone_and_its_bins(tmp_path):
    run_demo("--members", "200")

    zone = Zone.objects.get(slug="demo")
    assert zone.name == "Politiezone Vier Beken (demo)"
    assert sorted(zone.municipalities.values_list("nis_code", "language_regime")) == [
        ("11001", "nl"),
        ("11013", "nl"),
        ("11021", "nl"),
        ("11024", "nl"),
        ("11025", "nl"),
        ("21011", "nl+fr"),
    ]
    assert sorted(zone.bin_types.values_list("code", "name_nl", "name_fr", "for_businesses")) == [
        ("bin", "BIN", "RIQ", False),
        ("bin-z", "BIN-Z", "RIQ-I", True),
    ]
    networks = Network.objects.order_by("slug")
    assert [(n.slug, n.municipality.nis_code, n.bin_type.code, n.status) for n in networks] == [
        ("aartselaar-centrum", "11001", "bin", "active"),
        ("aartselaar-cleydael", "11001", "bin", "active"),
        ("edegem-buizegem", "11013", "bin", "active"),
        ("edegem-centrum", "11013", "bin", "active"),
        ("edegem-elsdonk", "11013", "bin", "active"),
        ("hove-centrum", "11021", "bin", "active"),
        ("hove-molenveld", "11021", "bin", "preparation"),
        ("koekelberg-basiliek", "21011", "bin", "active"),
        ("kontich-handelskern", "11024", "bin-z", "active"),
        ("kontich-kazerne", "11024", "bin", "active"),
        ("kontich-waarloos", "11024", "bin", "active"),
        ("lint-centrum", "11025", "bin", "active"),
    ]
    for network in networks:
        assert (
            network.contact_name
            and network.contact_email == f"{network.slug}@bin.vierbeken.example"
        )
        # One coordinator and one officer per BIN at least, coordinators screened positive.
        coordinators = RoleAssignment.objects.filter(network=network, role="coordinator")
        assert coordinators.count() == 1
        assert coordinators.get().screening_result == ScreeningResult.POSITIVE
        assert RoleAssignment.objects.filter(network=network, role="officer").count() >= 1
    assert Segment.objects.count() == sum(len(spec.segments) for spec in data.BINS)
    assert sorted(Document.objects.filter(zone=zone).values_list("kind", "version")) == [
        ("house_rules", 1),
        ("privacy_notice", 1),
    ]


def test_every_segment_covers_current_addresses_of_the_sample():
    run_demo("--members", "0")
    current = {}
    with open(data.SAMPLE_CSV, encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            if row["status"] == "current":
                number = int(re.match(r"\d+", row["house_number"]).group())
                current.setdefault(row["street_id"], set()).add(number)

    for segment in Segment.objects.select_related("street"):
        covered = [n for n in current[segment.street.official_id] if segment.covers(n)]
        assert len(covered) >= 3, segment


def test_personas_are_printed_and_written_as_json(tmp_path):
    path = tmp_path / "personas.json"

    out = run_demo("--members", "0", "--personas-json", str(path))

    assert json.loads(path.read_text()) == PERSONAS
    assert "an.vermeulen@example.org     (logs in by e-mailed link)" in out
    for persona in PERSONAS:
        user = User.objects.get(email=persona["email"])
        if persona["password"] is None:
            assert not user.has_usable_password()
        else:
            assert user.check_password(persona["password"])
    roles = {
        persona["email"]: sorted(
            (role.role, scope_name(role))
            for role in User.objects.get(email=persona["email"]).roles.all()
        )
        for persona in PERSONAS
    }
    assert roles == {
        "beheer@vierbeken.example": [("zone_admin", "demo")],
        "bin@edegem.gemeente.example": [("municipality_contact", "11013")],
        "els.peeters@example.org": [
            ("coordinator", "edegem-centrum"),
            ("general_coordinator", "11013"),
        ],
        "marc.claes@example.org": [("coordinator", "aartselaar-centrum")],
        "tom.maes@vierbeken.example": [
            ("officer", "aartselaar-centrum"),
            ("officer", "edegem-centrum"),
        ],
        "an.vermeulen@example.org": [],
    }
    member = User.objects.get(email="an.vermeulen@example.org")
    assert list(member.memberships.values_list("network__slug", "status")) == [
        ("edegem-centrum", "active")
    ]


def test_members_live_in_their_bin_and_accepted_the_current_documents():
    run_demo("--members", "200")

    generated = Membership.objects.exclude(
        user__email__in=[persona["email"] for persona in PERSONAS]
    ).select_related("user", "network")
    assert generated.count() == 200
    documents = set(Document.objects.values_list("pk", flat=True))
    assert len(documents) == 2
    segments = {}
    for segment in Segment.objects.all():
        segments.setdefault(segment.network_id, []).append(segment)
    for membership in generated:
        assert any(
            s.street_id == membership.street_id and s.covers(membership.house_number)
            for s in segments[membership.network_id]
        ), membership
        assert RESERVED_EMAIL.match(membership.user.email), membership.user.email
        assert not membership.user.has_usable_password()
    assert Consent.objects.filter(user__memberships__in=generated).count() == 400
    assert set(Consent.objects.values_list("document_id", flat=True)) == documents
    statuses = set(generated.values_list("status", flat=True))
    assert statuses == set(MembershipStatus.values)
    assert set(
        generated.filter(network__slug="hove-molenveld").values_list("status", flat=True)
    ) == {"pending"}
    languages = set(
        generated.filter(network__slug="koekelberg-basiliek").values_list(
            "user__language", flat=True
        )
    )
    assert {"nl", "fr"} <= languages


def test_a_second_run_changes_nothing_and_a_larger_one_adds_the_rest():
    run_demo("--members", "200")
    before = table_counts()
    emails = set(User.objects.values_list("email", flat=True))

    out = run_demo("--members", "200")

    assert table_counts() == before
    assert "12 BINs, 0 members added" in out
    run_demo("--members", "250")
    after = table_counts()
    assert (after["User"], after["Membership"], after["Consent"]) == (
        before["User"] + 50,
        before["Membership"] + 50,
        before["Consent"] + 100,
    )
    assert emails < set(User.objects.values_list("email", flat=True))


def test_generated_members_are_the_same_every_time():
    run_demo("--members", "0")
    networks = {network.slug: network for network in Network.objects.all()}
    addresses = read_sample_addresses(data.SAMPLE_CSV, networks)

    first = [person["email"] for person, _ in generate(networks, addresses, 50)]
    second = [person["email"] for person, _ in generate(networks, addresses, 50)]

    assert first == second
    assert len(set(first)) == 50


def test_demo_is_refused_in_production(settings):
    settings.DEMO_DATA_ALLOWED = False

    with pytest.raises(CommandError, match="Demo data is not allowed here"):
        run_demo()
    assert not Zone.objects.exists()
