"""What `nabuur demo` loads: one fictional police zone, its BINs and the demo personas.

The municipalities, postcodes and streets are real reference data (load_reference and the
BeSt Address sample); the zone, its contact details, the BINs and every person are invented.
E-mail addresses use domains reserved for examples (RFC 2606: example.org, *.example), so no
demo e-mail can ever reach a real mailbox.
"""

from dataclasses import dataclass, field
from pathlib import Path

from nabuur.networks.models import BinType, NetworkStatus, Side
from nabuur.staff.models import Role

SAMPLE_CSV = Path(__file__).resolve().parent.parent / "zones" / "data" / "best-sample.csv"
# One seed for every random choice, so two demo databases hold the same people.
SEED = 20261128

ZONE_SLUG = "demo"
ZONE = {
    "name": "Politiezone Vier Beken (demo)",
    "email": "info@vierbeken.example",
    "phone": "03 000 00 00",
    "website": "https://vierbeken.example/",
    "postal_address": "Voorbeeldlaan 1\n2650 Edegem\n(fictief adres / adresse fictive)",
    "controller_name": "Politiezone Vier Beken (demo)",
    "controller_address": "Voorbeeldlaan 1\n2650 Edegem\n(fictief adres / adresse fictive)",
    "controller_email": "privacy@vierbeken.example",
    "dpo_name": "Functionaris voor gegevensbescherming (demo)",
    "dpo_email": "dpo@vierbeken.example",
    "accessibility_email": "toegankelijkheid@vierbeken.example",
}

AARTSELAAR, EDEGEM, HOVE, KONTICH, LINT, KOEKELBERG = (
    "11001",
    "11013",
    "11021",
    "11024",
    "11025",
    "21011",
)
# Five Dutch-speaking municipalities and one small bilingual Brussels one, in one zone.
MUNICIPALITIES = [AARTSELAAR, EDEGEM, HOVE, KONTICH, LINT, KOEKELBERG]


@dataclass(frozen=True)
class SegmentSpec:
    street: str  # the street's Dutch name in the municipality
    number_from: int = 1
    number_to: int | None = None
    side: str = Side.BOTH


@dataclass(frozen=True)
class BinSpec:
    slug: str
    name: str
    nis_code: str
    segments: list[SegmentSpec]
    bin_type: str = BinType.BIN
    status: str = NetworkStatus.ACTIVE
    # Relative share of the demo members who live in this BIN.
    weight: int = 10


S = SegmentSpec
BINS = [
    BinSpec(
        "aartselaar-centrum",
        "BIN Aartselaar Centrum",
        AARTSELAAR,
        [S("Kerkstraat"), S("Kapelstraat"), S("Pastorijstraat", 1, 40)],
        weight=12,
    ),
    BinSpec(
        "aartselaar-cleydael",
        "BIN Cleydael",
        AARTSELAAR,
        [S("Cleydaellaan"), S("Groeningenlei"), S("Leon Gilliotlaan", side=Side.ODD)],
        weight=8,
    ),
    BinSpec(
        "edegem-centrum",
        "BIN Edegem Centrum",
        EDEGEM,
        [S("Gemeenteplein"), S("Nieuwe Kerkstraat"), S("Kerkstraat")],
        weight=14,
    ),
    BinSpec(
        "edegem-elsdonk",
        "BIN Elsdonk",
        EDEGEM,
        [S("Elsdonkstraat"), S("Hovestraat", 1, 30), S("Strijdersstraat", side=Side.EVEN)],
        weight=10,
    ),
    BinSpec(
        "edegem-buizegem",
        "BIN Buizegem",
        EDEGEM,
        [S("Buizegemlei"), S("Kattenbroek", 1, 40), S("Fortstraat", side=Side.ODD)],
        weight=10,
    ),
    BinSpec(
        "hove-centrum",
        "BIN Hove Centrum",
        HOVE,
        [S("Gemeenteplein"), S("Lindenlei"), S("Kapelstraat", side=Side.EVEN)],
        weight=9,
    ),
    BinSpec(
        "hove-molenveld",
        "BIN Molenveld",
        HOVE,
        [S("Molenstraat"), S("Beukenlaan"), S("Eikenlaan")],
        status=NetworkStatus.PREPARATION,
        weight=2,
    ),
    BinSpec(
        "kontich-handelskern",
        "BIN-Z Kontich Handelskern",
        KONTICH,
        [S("Stationsstraat"), S("Mechelsesteenweg", 1, 40)],
        bin_type=BinType.BIN_Z,
        weight=4,
    ),
    BinSpec(
        "kontich-kazerne",
        "BIN Kazerne",
        KONTICH,
        [S("Kazernestraat"), S("Bist"), S("Veldstraat", side=Side.ODD)],
        weight=9,
    ),
    BinSpec(
        "kontich-waarloos",
        "BIN Waarloos",
        KONTICH,
        [S("Waarloosveld"), S("Rooienberg"), S("Sint-Martinusstraat", 1, 30)],
        weight=8,
    ),
    BinSpec(
        "lint-centrum",
        "BIN Lint Centrum",
        LINT,
        [
            S("Koning Albertstraat"),
            S("Schoolstraat"),
            S("Kerkhofstraat"),
            S("Hovestraat", 2, None, Side.EVEN),
        ],
        weight=9,
    ),
    BinSpec(
        "koekelberg-basiliek",
        "BIN Basiliek / RIQ Basilique",
        KOEKELBERG,
        [
            S("Basiliekvoorplein"),
            S("Kasteelstraat"),
            S("Simonisplein"),
            S("Leopold II-laan", 1, 51, Side.ODD),
        ],
        weight=7,
    ),
]


@dataclass(frozen=True)
class PersonaSpec:
    key: str
    role: str  # what the personas JSON calls this person
    email: str
    first_name: str
    last_name: str
    # None: no usable password, the person logs in by e-mailed link.
    password: str | None
    # (role, scope kind, scope) held; scope is a BIN slug, a NIS code or the zone.
    roles: list[tuple[str, str, str]] = field(default_factory=list)
    # The BIN the person is a member of, if any.
    member_of: str | None = None


PERSONAS = [
    PersonaSpec(
        "zone_admin",
        "zone_admin",
        "beheer@vierbeken.example",
        "Sofie",
        "Janssens",
        "demo-zone-admin-2026",
        roles=[(Role.ZONE_ADMIN, "zone", ZONE_SLUG)],
    ),
    PersonaSpec(
        "municipality_contact",
        "municipality_contact",
        "bin@edegem.gemeente.example",
        "Koen",
        "Wouters",
        "demo-gemeente-edegem",
        roles=[(Role.MUNICIPALITY_CONTACT, "municipality", EDEGEM)],
    ),
    PersonaSpec(
        "coordinator_edegem",
        "coordinator",
        "els.peeters@example.org",
        "Els",
        "Peeters",
        "demo-coordinator-edegem",
        roles=[
            (Role.COORDINATOR, "network", "edegem-centrum"),
            (Role.GENERAL_COORDINATOR, "municipality", EDEGEM),
        ],
        member_of="edegem-centrum",
    ),
    PersonaSpec(
        "coordinator_aartselaar",
        "coordinator",
        "marc.claes@example.org",
        "Marc",
        "Claes",
        "demo-coordinator-aartselaar",
        roles=[(Role.COORDINATOR, "network", "aartselaar-centrum")],
        member_of="aartselaar-centrum",
    ),
    PersonaSpec(
        "officer",
        "officer",
        "tom.maes@vierbeken.example",
        "Tom",
        "Maes",
        "demo-wijkinspecteur",
        roles=[
            (Role.OFFICER, "network", "aartselaar-centrum"),
            (Role.OFFICER, "network", "edegem-centrum"),
        ],
    ),
    PersonaSpec(
        "member",
        "member",
        "an.vermeulen@example.org",
        "An",
        "Vermeulen",
        None,
        member_of="edegem-centrum",
    ),
]

# Every other BIN gets a volunteer coordinator and this officer, so each BIN can be run.
OTHER_OFFICER = PersonaSpec(
    "other_officer", "officer", "lien.jacobs@vierbeken.example", "Lien", "Jacobs", None
)

MEMBER_EMAIL_DOMAINS = ["example.org", "example.net", "example.com"]
