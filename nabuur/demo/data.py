"""What `nabuur demo` loads: one fictional police zone, its BINs and the demo personas.

The municipalities, postcodes and streets are real reference data (load_reference and the
BeSt Address sample); the zone, its contact details, the BINs and every person are invented.
E-mail addresses use domains reserved for examples (RFC 2606: example.org, *.example), so no
demo e-mail can ever reach a real mailbox.
"""

from dataclasses import dataclass, field, replace
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
    language: str = "nl"


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

# The demo's second zone (#18: one install serves several zones, each on its own host name).
# A small French-speaking zone around Bastogne, served on <slug>.localhost; the first zone has
# no host name, so it stays on 127.0.0.1 (and on demo.localhost) as before. The address sample
# holds no Walloon municipality: its streets are real street names of Bastogne, entered here
# without BeSt ids or addresses (so its BINs have no shape on the map).
SECOND_ZONE_SLUG = "ardenne"
SECOND_ZONE = {
    "name": "Zone de police Ardenne (démo)",
    "email": "info@ardenne.example",
    "phone": "061 00 00 00",
    "website": "https://ardenne.example/",
    "postal_address": "Rue de l'Exemple 1\n6600 Bastogne\n(adresse fictive)",
    "controller_name": "Zone de police Ardenne (démo)",
    "controller_address": "Rue de l'Exemple 1\n6600 Bastogne\n(adresse fictive)",
    "controller_email": "vie.privee@ardenne.example",
    "dpo_name": "Délégué à la protection des données (démo)",
    "dpo_email": "dpd@ardenne.example",
    "accessibility_email": "accessibilite@ardenne.example",
    "theme_colour": "#1d4e2f",
}
BASTOGNE = "82039"
SECOND_ZONE_MUNICIPALITIES = [BASTOGNE]
# (official id, postcode, French name, highest house number)
SECOND_ZONE_STREETS = [
    ("demo-82039-1", "6600", "Place McAuliffe", 40),
    ("demo-82039-2", "6600", "Rue du Sablon", 120),
    ("demo-82039-3", "6600", "Rue de Neufchâteau", 90),
    ("demo-82039-4", "6600", "Rue Pierre Thomas", 60),
]
SECOND_ZONE_BINS = [
    ("bastogne-centre", "RIQ Bastogne Centre", ["Place McAuliffe", "Rue du Sablon"]),
    (
        "bastogne-neufchateau",
        "RIQ Route de Neufchâteau",
        ["Rue de Neufchâteau", "Rue Pierre Thomas"],
    ),
]
SECOND_ZONE_PERSONAS = [
    PersonaSpec(
        "ardenne_zone_admin",
        "zone_admin",
        "gestion@ardenne.example",
        "Nathalie",
        "Lejeune",
        "demo-ardenne-zone-admin",
        roles=[(Role.ZONE_ADMIN, "zone", SECOND_ZONE_SLUG)],
    ),
    PersonaSpec(
        "ardenne_coordinator",
        "coordinator",
        "claire.dubois@example.org",
        "Claire",
        "Dubois",
        "demo-ardenne-coordinatrice",
        roles=[
            (Role.COORDINATOR, "network", "bastogne-centre"),
            (Role.COORDINATOR, "network", "bastogne-neufchateau"),
        ],
        member_of="bastogne-centre",
    ),
    PersonaSpec(
        "ardenne_officer",
        "officer",
        "luc.lambert@ardenne.example",
        "Luc",
        "Lambert",
        "demo-ardenne-inspecteur",
        roles=[
            (Role.OFFICER, "network", "bastogne-centre"),
            (Role.OFFICER, "network", "bastogne-neufchateau"),
        ],
    ),
    PersonaSpec(
        "ardenne_member",
        "member",
        "julie.martin@example.org",
        "Julie",
        "Martin",
        None,
        member_of="bastogne-centre",
    ),
]
# The second zone's people read French.
SECOND_ZONE_PERSONAS = [replace(spec, language="fr") for spec in SECOND_ZONE_PERSONAS]
