"""Find the BIN(s) of an address, a postcode or a municipality, for the public finder page."""

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from nabuur.lib.text import fold
from nabuur.zones.addresses import MAX_LENGTH, ParsedAddress, clean, parse_address
from nabuur.zones.models import Municipality, Street
from nabuur.zones.site import only_host_zone

from .models import Network, NetworkStatus, Segment, Side

# More candidates than this and we ask for a postcode rather than listing them all.
MAX_CANDIDATES = 12
OPEN_STATUSES = (NetworkStatus.ACTIVE, NetworkStatus.PREPARATION)


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


def _open_networks():
    # On a zone's own host name the finder leads only to that zone's BINs.
    networks = only_host_zone(Network.objects, "municipality__zone")
    return networks.filter(status__in=OPEN_STATUSES).select_related(
        "municipality__zone", "bin_type"
    )


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
        by_postcode = set(
            Municipality.objects.filter(postcodes__code=parsed.postcode).values_list(
                "id", flat=True
            )
        )
        # A place name that does not match the postcode (a former municipality's name, a
        # typo) must not hide the street: trust the postcode then.
        ids = (ids & by_postcode) or by_postcode
    if not ids:
        return []
    return list(Municipality.objects.filter(id__in=ids).select_related("zone"))


def _street_candidates(text: str, municipalities):
    """Streets whose name contains `text`, best matches only: whole names before name starts
    before any part."""
    streets = Street.objects.filter(search_names__contains=text)
    if municipalities:
        streets = streets.filter(municipality__in=municipalities)
    streets = (
        streets.annotate(
            rank=Case(
                When(search_names__contains=f"|{text}|", then=Value(0)),
                When(search_names__contains=f"|{text}", then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .select_related("municipality__zone")
        .order_by("rank", "name_nl", "name_fr", "municipality__name_nl")[: MAX_CANDIDATES + 1]
    )
    streets = list(streets)
    return [street for street in streets if street.rank == streets[0].rank] if streets else []


def _covering(street: Street, number: int):
    parity = Side.EVEN if number % 2 == 0 else Side.ODD
    segments = Segment.objects.filter(
        Q(number_to__isnull=True) | Q(number_to__gte=number),
        street=street,
        number_from__lte=number,
        side__in=[Side.BOTH, parity],
    )
    # A subquery rather than a join and DISTINCT: DISTINCT would compare every selected column,
    # the zone's logo (a BinaryField) among them.
    return list(_open_networks().filter(pk__in=segments.values("network")).order_by("name"))


def _area_result(parsed, municipalities):
    networks = _open_networks().filter(municipality__in=municipalities).order_by("name")
    return FinderResult(
        FinderStatus.AREA, parsed, networks=list(networks), municipalities=municipalities
    )


def find_networks(query: str) -> FinderResult:
    """What a visitor's search means and which open BINs it leads to.

    `query` is free text: an address ('Kerkstraat 12A bus 3, 2650 Edegem', '12 rue de
    l'Église'), a postcode or a municipality name. Streets match on any of their names (folded:
    case, accents and punctuation do not matter). A letter or box never changes which segment
    covers a number. Returns a FinderResult whose `status` says what happened; never raises
    for any text. Works with a few indexed or bounded queries, never reading all streets.
    """
    if not isinstance(query, str) or len(query) > MAX_LENGTH or not clean(query):
        return FinderResult(FinderStatus.INVALID)
    parsed = parse_address(query)
    if parsed.is_empty or (parsed.street and not any(ch.isalpha() for ch in parsed.street)):
        return FinderResult(FinderStatus.INVALID, parsed)

    municipalities = _area_municipalities(parsed)
    if not parsed.street:
        return _area_result(parsed, municipalities)
    if parsed.number is None and not parsed.postcode and not parsed.locality:
        # A place name alone ('Edegem') parses as a street; the municipality wins.
        named = _municipalities_named(parsed.street)
        if named:
            return _area_result(
                parsed, list(Municipality.objects.filter(id__in=named).select_related("zone"))
            )

    candidates = _street_candidates(parsed.street, municipalities)
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
        on_street = Segment.objects.filter(street=street).values("network")
        networks = _open_networks().filter(pk__in=on_street).order_by("name")
        return FinderResult(
            FinderStatus.NUMBER_NEEDED,
            parsed,
            networks=list(networks),
            street=street,
            municipalities=municipalities,
        )
    networks = _covering(street, parsed.number)
    status = FinderStatus.FOUND if networks else FinderStatus.NO_BIN_HERE
    return FinderResult(
        status, parsed, networks=networks, street=street, municipalities=municipalities
    )
