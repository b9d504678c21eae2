"""Find the BIN(s) of an address, a postcode or a municipality, for the public finder page."""

from dataclasses import dataclass, field

from django.db import connection, models
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from nabuur.lib.text import fold
from nabuur.zones.addresses import MAX_LENGTH, ParsedAddress, clean, parse_address
from nabuur.zones.models import Municipality, Street, Zone
from nabuur.zones.site import host_zone_sql, only_host_zone

from .models import Network, NetworkStatus, Segment, Side

# More candidates than this and we ask for a postcode rather than listing them all.
MAX_CANDIDATES = 12
OPEN_STATUSES = (NetworkStatus.ACTIVE, NetworkStatus.PREPARATION)
# What a brief search (the API's lookup) reads of a BIN, a street, a municipality and its zone:
# what a BIN's name, state and links need, and which zone it is; no contact, area or BIN type.
BRIEF_MUNICIPALITY_FIELDS = (
    "nis_code",
    "name_nl",
    "name_fr",
    "name_de",
    "language_regime",
    "zone__slug",
    "zone__host",
)


class FinderStatus(models.TextChoices):
    FOUND = "found", _("found")
    NO_BIN_HERE = "no_bin_here", _("no BIN covers this address")
    UNKNOWN_STREET = "unknown_street", _("unknown street")
    AMBIGUOUS_STREET = "ambiguous_street", _("several streets match")
    NUMBER_NEEDED = "number_needed", _("house number needed")
    AREA = "area", _("postcode or municipality")
    INVALID = "invalid", _("nothing to look up")


@dataclass
class FinderResult:
    status: FinderStatus
    parsed: ParsedAddress = field(default_factory=ParsedAddress)
    # Open (active or in preparation) BINs: covering the address (FOUND), touching the street
    # (NUMBER_NEEDED), or in the area (AREA).
    networks: list[Network] = field(default_factory=list)
    # Streets to choose from (AMBIGUOUS_STREET).
    street_candidates: list[Street] = field(default_factory=list)
    # The one street found (FOUND, NO_BIN_HERE, NUMBER_NEEDED).
    street: Street | None = None
    # The municipalities of the postcode or place name given (AREA, and as context otherwise).
    municipalities: list[Municipality] = field(default_factory=list)

    @property
    def zone(self):
        """The police zone to contact about this result, when there is exactly one."""
        if self.street is not None:
            return self.street.municipality.zone
        zones = {m.zone for m in self.municipalities if m.zone is not None}
        zones |= {street.municipality.zone for street in self.street_candidates}
        zones.discard(None)
        return zones.pop() if len(zones) == 1 else None


def _open_networks(networks, known_municipalities):
    """The open ones of `networks`, by name, each with its municipality and zone."""
    networks = networks.filter(status__in=OPEN_STATUSES).order_by("name")
    return _with_municipalities(list(networks.select_related("bin_type")), known_municipalities)


def _with_municipalities(networks, known_municipalities, brief=False):
    """`networks`, each given its municipality and zone.

    The municipalities come from `known_municipalities` (already read, with their zones) where
    they can: joining and reading them again in every query is most of what a lookup costs
    Django to build. A BIN of another municipality costs one more query for those.
    """
    municipalities = {municipality.pk: municipality for municipality in known_municipalities}
    missing = {network.municipality_id for network in networks} - municipalities.keys()
    if missing:
        others = Municipality.objects.filter(pk__in=missing)
        municipalities |= _with_zone(others, brief).in_bulk()
    for network in networks:
        network.municipality = municipalities[network.municipality_id]
    return networks


def _with_zone(municipalities, brief=False):
    if brief:
        return municipalities.select_related("zone").only(*BRIEF_MUNICIPALITY_FIELDS)
    # Not the zone's logo: its bytes would travel with every row of every search.
    return municipalities.select_related("zone").defer("zone__logo")


def _municipalities_named(folded_name):
    """Municipalities whose name in any language folds to `folded_name`.

    Reads the ~600 names (one small query): the table has no folded column to filter on.
    """
    names = Municipality.objects.values_list("id", "name_nl", "name_fr", "name_de")
    ids = [row[0] for row in names if folded_name in {fold(name) for name in row[1:] if name}]
    return ids


def _area_municipalities(parsed: ParsedAddress):
    """The municipalities the postcode and/or place name point at ([] if neither resolves)."""
    ids = set()
    if parsed.locality:
        ids = set(_municipalities_named(parsed.locality))
    if parsed.postcode:
        served = Municipality.objects.filter(postcodes__code=parsed.postcode)
        if not ids:
            # The postcode alone (the API's lookups, most searches): one query.
            return list(_with_zone(served))
        by_postcode = set(served.values_list("id", flat=True))
        # A place name that does not match the postcode (a former municipality's name, a
        # typo) must not hide the street: trust the postcode then.
        ids = (ids & by_postcode) or by_postcode
    if not ids:
        return []
    return list(_with_zone(Municipality.objects.filter(id__in=ids)))


def _street_candidates(text: str, municipalities, postcode="", brief=False):
    """Streets whose name contains `text`, best matches only: whole names before name starts
    before any part.

    In `municipalities` when given; with `postcode` instead (a brief search), in the
    municipalities it serves, each street read with its municipality and zone."""
    if brief and not municipalities:
        return _brief_street_candidates(text, postcode)
    # On a zone's own host name, only that zone's streets: another zone's are unknown there.
    streets = only_host_zone(Street.objects, "municipality__zone")
    streets = streets.filter(search_names__contains=text)
    if municipalities:
        # Each street then takes its municipality (and zone) from those already read.
        streets = streets.filter(municipality__in=municipalities)
    else:
        streets = streets.select_related("municipality__zone").defer("municipality__zone__logo")
    streets = list(
        streets.annotate(
            rank=Case(
                When(search_names__contains=f"|{text}|", then=Value(0)),
                When(search_names__contains=f"|{text}", then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        ).order_by("rank", "name_nl", "name_fr", "municipality__name_nl")[: MAX_CANDIDATES + 1]
    )
    if municipalities:
        by_id = {municipality.pk: municipality for municipality in municipalities}
        for street in streets:
            street.municipality = by_id[street.municipality_id]
    return [street for street in streets if street.rank == streets[0].rank] if streets else []


# The brief search's street query (the API's lookup, the busiest request) in SQL of our own:
# Django took ten times longer to build and compile it than the database takes to run it. The
# same rule as `_street_candidates` builds through the ORM; tests/test_api_speed.py holds the
# two to the same answers.
_BRIEF_STREETS = """
    SELECT s.id, s.official_id, s.postcode, s.name_nl, s.name_fr, s.name_de,
        m.id, m.nis_code, m.name_nl, m.name_fr, m.name_de, m.language_regime,
        z.id, z.slug, z.host,
        CASE WHEN s.search_names LIKE %s ESCAPE '\\' THEN 0
            WHEN s.search_names LIKE %s ESCAPE '\\' THEN 1 ELSE 2 END AS street_rank
    FROM zones_street s
    JOIN zones_municipality m ON m.id = s.municipality_id
    LEFT JOIN zones_zone z ON z.id = m.zone_id
    WHERE s.search_names LIKE %s ESCAPE '\\' {where}
    ORDER BY street_rank, s.name_nl, s.name_fr, m.name_nl
    LIMIT %s
"""
# Each model's columns in the order of its fields: Model.from_db() takes them so, and marks
# the fields not read as deferred.
_STREET_COLUMNS = ["id", "official_id", "postcode", "name_nl", "name_fr", "name_de"]
_MUNICIPALITY_COLUMNS = ["id", "nis_code", "name_nl", "name_fr", "name_de", "language_regime"]
_ZONE_COLUMNS = ["id", "slug", "host"]


def _brief_street_candidates(text, postcode=""):
    """`_street_candidates` without municipalities, in one statement of our own."""
    like = connection.ops.prep_for_like_query(text)
    conditions, params = [], [f"%|{like}|%", f"%|{like}%", f"%{like}%"]
    if postcode:
        # The postcode's municipalities are found within this query, not read before it.
        conditions.append(
            "EXISTS (SELECT 1 FROM zones_postcode p WHERE p.municipality_id = m.id AND p.code = %s)"
        )
        params.append(postcode)
    # On a zone's own host name, only that zone's streets: another zone's are unknown there.
    host, host_params = host_zone_sql("m.zone_id")
    if host:
        conditions.append(host)
        params += host_params
    sql = _BRIEF_STREETS.format(where="".join(f" AND {c}" for c in conditions))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, MAX_CANDIDATES + 1])
        rows = cursor.fetchall()
    db = connection.alias
    streets = []
    for row in rows:
        street = Street.from_db(db, _STREET_COLUMNS, row[0:6])
        municipality = Municipality.from_db(db, _MUNICIPALITY_COLUMNS, row[6:12])
        municipality.zone = Zone.from_db(db, _ZONE_COLUMNS, row[12:15]) if row[12] else None
        street.municipality = municipality
        street.rank = row[15]
        streets.append(street)
    return [street for street in streets if street.rank == streets[0].rank] if streets else []


# The brief search's BINs on a street (at a number), in SQL of our own like its streets: the
# open BINs of the street's zone with a segment there, by name, with the columns the lookup's
# answer needs.
_BRIEF_NETWORKS = """
    SELECT n.id, n.municipality_id, n.name, n.slug, n.status
    FROM networks_network n
    JOIN zones_municipality m ON m.id = n.municipality_id
    WHERE m.zone_id = %s AND n.status IN (%s, %s)
        AND n.id IN (SELECT g.network_id FROM networks_segment g WHERE g.street_id = %s {at})
    ORDER BY n.name
"""
_AT_NUMBER = (
    "AND g.number_from <= %s AND (g.number_to IS NULL OR g.number_to >= %s) AND g.side IN (%s, %s)"
)
_NETWORK_COLUMNS = ["id", "municipality_id", "name", "slug", "status"]


def _brief_networks(street, number=None):
    """The open BINs with a segment on `street` (covering `number` when given), read brief."""
    params = [street.municipality.zone_id, *OPEN_STATUSES, street.pk]
    at = ""
    if number is not None:
        at = _AT_NUMBER
        parity = Side.EVEN if number % 2 == 0 else Side.ODD
        params += [number, number, Side.BOTH, parity]
    with connection.cursor() as cursor:
        cursor.execute(_BRIEF_NETWORKS.format(at=at), params)
        rows = cursor.fetchall()
    return [Network.from_db(connection.alias, _NETWORK_COLUMNS, row) for row in rows]


def _covering(street: Street, number: int, municipalities, brief=False):
    if brief:
        known = [street.municipality, *municipalities]
        return _with_municipalities(_brief_networks(street, number), known, brief=True)
    parity = Side.EVEN if number % 2 == 0 else Side.ODD
    segments = Segment.objects.filter(
        Q(number_to__isnull=True) | Q(number_to__gte=number),
        street=street,
        number_from__lte=number,
        side__in=[Side.BOTH, parity],
    )
    return _on_street(street, segments, municipalities)


def _on_street(street, segments, municipalities):
    """The open BINs of `segments` (of `street`)."""
    # A BIN's segments lie on its own municipality's streets (the segment form and the CSV
    # import take no other), so the BINs of a street found in the host's zone are that zone's.
    # The street's zone narrows them: a plain filter, where the host's zone would cost a
    # subquery to build again.
    networks = Network.objects.filter(
        municipality__zone=street.municipality.zone_id,
        # A subquery rather than a join and DISTINCT: one BIN may have several segments there.
        pk__in=segments.values("network"),
    )
    return _open_networks(networks, [street.municipality, *municipalities])


def _area_result(parsed, municipalities):
    # On a zone's own host name the finder leads only to that zone's BINs.
    networks = only_host_zone(Network.objects, "municipality__zone")
    networks = _open_networks(networks.filter(municipality__in=municipalities), municipalities)
    return FinderResult(FinderStatus.AREA, parsed, networks=networks, municipalities=municipalities)


def find_networks(query: str, *, brief: bool = False) -> FinderResult:
    """What a visitor's search means and which open BINs it leads to.

    `query` is free text: an address ('Kerkstraat 12A bus 3, 2650 Edegem', '12 rue de
    l'Église'), a postcode or a municipality name. Streets match on any of their names (folded:
    case, accents and punctuation do not matter). A letter or box never changes which segment
    covers a number. Returns a FinderResult whose `status` says what happened; never raises
    for any text. Works with a few indexed or bounded queries, never reading all streets.

    `brief` (the API's lookup, the busiest request): the same answer, read with only what a
    BIN's name and links need. An address's BINs come without their type, area or contact,
    their zones without contact details (each of those would cost a query to read now); and
    with a postcode, `municipalities` stays empty: the street's query finds the postcode's
    municipalities itself, one query fewer; the street and its BINs are read in SQL of our own
    (`_brief_street_candidates`, `_brief_networks`).
    """
    if not isinstance(query, str) or len(query) > MAX_LENGTH or not clean(query):
        return FinderResult(FinderStatus.INVALID)
    parsed = parse_address(query)
    if parsed.is_empty or (parsed.street and not any(ch.isalpha() for ch in parsed.street)):
        return FinderResult(FinderStatus.INVALID, parsed)

    if brief and parsed.street and parsed.postcode and not parsed.locality:
        candidates = _street_candidates(parsed.street, [], parsed.postcode, brief)
        if not candidates:
            served = Municipality.objects.filter(postcodes__code=parsed.postcode)
            if not served.exists():
                # A postcode that serves no municipality narrows nothing, as below.
                candidates = _street_candidates(parsed.street, [], brief=brief)
        return _street_result(parsed, candidates, [], brief)

    municipalities = _area_municipalities(parsed)
    if not parsed.street:
        return _area_result(parsed, municipalities)
    if parsed.number is None and not parsed.postcode and not parsed.locality:
        # A place name alone ('Edegem') parses as a street; the municipality wins.
        named = _municipalities_named(parsed.street)
        if named:
            return _area_result(parsed, list(_with_zone(Municipality.objects.filter(id__in=named))))
    candidates = _street_candidates(parsed.street, municipalities, brief=brief)
    return _street_result(parsed, candidates, municipalities, brief)


def _street_result(parsed, candidates, municipalities, brief):
    """The result for the street `candidates` of an address: which one, and its open BINs."""
    if not candidates:
        return FinderResult(FinderStatus.UNKNOWN_STREET, parsed, municipalities=municipalities)
    if len(candidates) > 1:
        return FinderResult(
            FinderStatus.AMBIGUOUS_STREET,
            parsed,
            street_candidates=candidates[:MAX_CANDIDATES],
            municipalities=municipalities,
        )
    street = candidates[0]
    if parsed.number is None:
        if brief:
            known = [street.municipality, *municipalities]
            networks = _with_municipalities(_brief_networks(street), known, brief=True)
        else:
            networks = _on_street(street, Segment.objects.filter(street=street), municipalities)
        return FinderResult(
            FinderStatus.NUMBER_NEEDED,
            parsed,
            networks=networks,
            street=street,
            municipalities=municipalities,
        )
    networks = _covering(street, parsed.number, municipalities, brief)
    status = FinderStatus.FOUND if networks else FinderStatus.NO_BIN_HERE
    return FinderResult(
        status, parsed, networks=networks, street=street, municipalities=municipalities
    )
