"""Verbs that change reference data: municipalities, postcodes and streets."""

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.db.models import Max
from django.dispatch import Signal

from nabuur.audit.services import record
from nabuur.lib.text import fold

from .documents import publish
from .models import Address, Document, DocumentKind, Municipality, Postcode, Street

DATA_DIR = Path(__file__).resolve().parent / "data"
REFERENCE_FILE = DATA_DIR / "reference.json"
SAMPLE_ADDRESS_FILE = DATA_DIR / "best-sample.csv"

# Sent with `streets` (Street instances) after an import changed their names: apps that keep a
# copy of a street's name (the member list's sort key) follow it.
streets_renamed = Signal()
# Sent with `street_ids` after an import added, moved or removed addresses of those streets:
# BIN areas drawn around the addresses (networks.areas) are drawn again.
addresses_changed = Signal()

# The header of BeSt Address CSV files (openaddress-be*.csv), in order.
BEST_COLUMNS = (
    "EPSG:31370_x",
    "EPSG:31370_y",
    "EPSG:4326_lat",
    "EPSG:4326_lon",
    "address_id",
    "box_number",
    "house_number",
    "municipality_id",
    "municipality_name_de",
    "municipality_name_fr",
    "municipality_name_nl",
    "postcode",
    "postname_fr",
    "postname_nl",
    "street_id",
    "streetname_de",
    "streetname_fr",
    "streetname_nl",
    "region_code",
    "status",
)
BINARY_FILE_MESSAGE = "The file is not UTF-8 text (is it a CSV file?)."
_LEADING_DIGITS = re.compile(r"\d+")
_POSTCODE = re.compile(r"[1-9]\d{3}")


def street_search_names(name_nl: str, name_fr: str = "", name_de: str = "") -> str:
    """The value of `Street.search_names`: each folded name between bars, '|kerkstraat|rue x|'.

    The bars let a lookup ask for a whole name (`contains='|kerkstraat|'`), a name's start
    (`'|kerk'`) or any part, without matching across two languages' names.
    """
    names = []
    for name in (name_nl, name_fr, name_de):
        folded = fold(name)
        if folded and folded not in names:
            names.append(folded)
    return "|" + "|".join(names) + "|" if names else ""


# --- Municipalities and postcodes -----------------------------------------------------------


@dataclass
class ReferenceReport:
    municipalities_created: int = 0
    municipalities_updated: int = 0
    postcodes_created: int = 0


@transaction.atomic
def load_reference(path: Path | str = REFERENCE_FILE) -> ReferenceReport:
    """Create missing municipalities and postcode links from reference.json; update names.

    Idempotent. Never touches a municipality's zone or language regime once the row exists:
    both are the administrators' to change. Never deletes anything.
    """
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    report = ReferenceReport()
    existing = {m.nis_code: m for m in Municipality.objects.all()}
    to_create, to_update = [], []
    for row in rows:
        municipality = existing.get(row["nis"])
        if municipality is None:
            to_create.append(
                Municipality(
                    nis_code=row["nis"],
                    name_nl=row["nl"],
                    name_fr=row["fr"],
                    name_de=row["de"],
                    language_regime=row["regime"],
                )
            )
            continue
        # An empty German name in our data must not erase one an administrator typed in.
        new_de = row["de"] or municipality.name_de
        if (municipality.name_nl, municipality.name_fr, municipality.name_de) != (
            row["nl"],
            row["fr"],
            new_de,
        ):
            municipality.name_nl, municipality.name_fr, municipality.name_de = (
                row["nl"],
                row["fr"],
                new_de,
            )
            to_update.append(municipality)
    Municipality.objects.bulk_create(to_create)
    Municipality.objects.bulk_update(to_update, ["name_nl", "name_fr", "name_de"])
    report.municipalities_created = len(to_create)
    report.municipalities_updated = len(to_update)

    ids = dict(Municipality.objects.values_list("nis_code", "id"))
    linked = set(Postcode.objects.values_list("code", "municipality_id"))
    new_links = [
        Postcode(code=code, municipality_id=ids[row["nis"]])
        for row in rows
        for code in row["postcodes"]
        if (code, ids[row["nis"]]) not in linked
    ]
    Postcode.objects.bulk_create(new_links)
    report.postcodes_created = len(new_links)
    return report


# --- Streets from BeSt Address --------------------------------------------------------------


class AddressFileError(Exception):
    """The address file cannot be imported; nothing was written."""


@dataclass
class ImportReport:
    rows_read: int = 0
    rows_used: int = 0
    streets_created: int = 0
    streets_updated: int = 0
    streets_unchanged: int = 0
    postcodes_created: int = 0
    # NIS codes asked for that had no current address in the file: probably the wrong file.
    municipalities_without_addresses: list[str] = field(default_factory=list)
    addresses_created: int = 0
    addresses_updated: int = 0
    addresses_deleted: int = 0
    # Current addresses without a usable WGS84 point: their street is kept, the point is not.
    addresses_without_point: int = 0


@dataclass
class _StreetSeen:
    nis_code: str
    name_nl: str = ""
    name_fr: str = ""
    name_de: str = ""
    max_number: int = 0
    postcodes: Counter = field(default_factory=Counter)
    # BeSt address id → (house number, number, box, postcode, latitude, longitude).
    addresses: dict = field(default_factory=dict)


# Belgium and a margin: a point outside is a broken row (or a test file), not an address.
_LATITUDES = (Decimal("49.4"), Decimal("51.6"))
_LONGITUDES = (Decimal("2.5"), Decimal("6.5"))
_MICRODEGREE = Decimal("0.000001")


def _point(row):
    """(latitude, longitude) of a BeSt row, rounded to six decimals, or None if unusable."""
    try:
        latitude = Decimal(row["EPSG:4326_lat"].strip()).quantize(_MICRODEGREE)
        longitude = Decimal(row["EPSG:4326_lon"].strip()).quantize(_MICRODEGREE)
    except InvalidOperation:
        return None
    if not (_LATITUDES[0] <= latitude <= _LATITUDES[1]):
        return None
    if not (_LONGITUDES[0] <= longitude <= _LONGITUDES[1]):
        return None
    return latitude, longitude


def _open_text(path_or_file):
    """A text stream over the file, and whether we opened it (and must close it)."""
    if isinstance(path_or_file, str | Path):
        path = Path(path_or_file)
        if not path.is_file():
            raise AddressFileError(f"No such file: {path}")
        # A text file never holds NUL bytes; a ZIP, PDF or image almost always does early on.
        with path.open("rb") as head:
            if b"\x00" in head.read(8192):
                raise AddressFileError(BINARY_FILE_MESSAGE)
        # utf-8-sig: files saved by spreadsheet programs start with a byte-order mark.
        return path.open(encoding="utf-8-sig", newline=""), True
    if isinstance(path_or_file, io.TextIOBase):
        return path_or_file, False
    return io.TextIOWrapper(path_or_file, encoding="utf-8-sig", newline=""), False


def _read_streets(stream, wanted: set[str], report: ImportReport) -> dict[str, _StreetSeen]:
    reader = csv.DictReader(stream, strict=True)
    header = tuple(name.strip() for name in (reader.fieldnames or ()))
    if header != BEST_COLUMNS:
        raise AddressFileError(
            "This is not a BeSt Address CSV file: the first line must be the 20 column names "
            f"{','.join(BEST_COLUMNS)}."
        )
    reader.fieldnames = list(BEST_COLUMNS)
    streets: dict[str, _StreetSeen] = {}
    for row in reader:
        report.rows_read += 1
        line = reader.line_num
        if None in row or None in row.values():
            raise AddressFileError(f"Line {line}: expected 20 columns.")
        # Most rows of a regional file belong to other municipalities: skip them first.
        nis_code = row["municipality_id"]
        if nis_code not in wanted or row["status"] != "current":
            continue
        street_id = row["street_id"].strip()
        postcode = row["postcode"].strip()
        names = (row["streetname_nl"], row["streetname_fr"], row["streetname_de"])
        if not street_id or not _POSTCODE.fullmatch(postcode) or not any(names):
            raise AddressFileError(
                f"Line {line}: a current address needs a street id, a street name and a "
                "four-digit postcode."
            )
        number = _LEADING_DIGITS.match(row["house_number"].strip())
        if number is None:
            raise AddressFileError(f"Line {line}: house number {row['house_number']!r}.")
        seen = streets.get(street_id)
        if seen is None:
            seen = streets[street_id] = _StreetSeen(nis_code=nis_code)
        elif seen.nis_code != nis_code:
            raise AddressFileError(f"Line {line}: street {street_id} in two municipalities.")
        seen.name_nl = names[0].strip() or seen.name_nl
        seen.name_fr = names[1].strip() or seen.name_fr
        seen.name_de = names[2].strip() or seen.name_de
        seen.max_number = max(seen.max_number, int(number.group()))
        seen.postcodes[postcode] += 1
        point = _point(row)
        address_id = row["address_id"].strip()
        if point is None or not address_id:
            report.addresses_without_point += 1
        else:
            seen.addresses[address_id] = (
                row["house_number"].strip()[:16],
                int(number.group()),
                row["box_number"].strip()[:16],
                postcode,
                *point,
            )
        report.rows_used += 1
    return streets


def import_streets(path_or_file, nis_codes) -> ImportReport:
    """Upsert the streets of some municipalities from a BeSt Address CSV file.

    Reads the file as a stream (constant memory in the number of rows; memory grows only with
    the number of streets kept), keeps `current` addresses of the municipalities `nis_codes`
    and, per street id: its names, its most frequent postcode and its highest house number.
    Then, in one transaction, creates new streets, updates changed ones (renames included) and
    links postcodes seen to their municipality. Re-running with the same file changes nothing.
    Streets absent from the file are kept: BIN segments may point at them.

    Raises AddressFileError, with nothing written, for a missing, binary or malformed file or
    a municipality not loaded yet (`nabuur load_reference`).
    """
    wanted = {str(code).strip() for code in nis_codes}
    if not wanted:
        raise AddressFileError("Give at least one municipality (NIS code).")
    municipalities = {m.nis_code: m for m in Municipality.objects.filter(nis_code__in=wanted)}
    unknown = sorted(wanted - set(municipalities))
    if unknown:
        raise AddressFileError(
            f"Unknown municipality {', '.join(unknown)}: run `nabuur load_reference` first "
            "and check the NIS code."
        )

    report = ImportReport()
    stream, opened = _open_text(path_or_file)
    try:
        streets = _read_streets(stream, wanted, report)
    except UnicodeDecodeError as error:
        raise AddressFileError(BINARY_FILE_MESSAGE) from error
    except csv.Error as error:
        raise AddressFileError(f"The file is not valid CSV: {error}.") from error
    finally:
        if opened:
            stream.close()

    seen_nis = {seen.nis_code for seen in streets.values()}
    report.municipalities_without_addresses = sorted(wanted - seen_nis)
    _save_streets(streets, municipalities, report)
    return report


@transaction.atomic
def _save_streets(streets, municipalities, report):
    existing = {
        (street.municipality_id, street.official_id): street
        for street in Street.objects.filter(municipality__in=municipalities.values())
    }
    fields = ["name_nl", "name_fr", "name_de", "postcode", "max_house_number", "search_names"]
    to_create, to_update = [], []
    links = set()
    for official_id, seen in streets.items():
        municipality = municipalities[seen.nis_code]
        # Ties go to the lowest postcode so that two runs always agree.
        postcode = min(seen.postcodes, key=lambda code: (-seen.postcodes[code], code))
        links.update((code, municipality.id) for code in seen.postcodes)
        values = {
            "name_nl": seen.name_nl,
            "name_fr": seen.name_fr,
            "name_de": seen.name_de,
            "postcode": postcode,
            "max_house_number": seen.max_number,
            "search_names": street_search_names(seen.name_nl, seen.name_fr, seen.name_de),
        }
        street = existing.get((municipality.id, official_id))
        if street is None:
            to_create.append(Street(municipality=municipality, official_id=official_id, **values))
        elif any(getattr(street, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(street, name, value)
            to_update.append(street)
        else:
            report.streets_unchanged += 1
    Street.objects.bulk_create(to_create, batch_size=500)
    Street.objects.bulk_update(to_update, fields, batch_size=500)
    if to_update:
        streets_renamed.send(sender=Street, streets=to_update)
    report.streets_created = len(to_create)
    report.streets_updated = len(to_update)

    linked = set(
        Postcode.objects.filter(municipality__in=municipalities.values()).values_list(
            "code", "municipality_id"
        )
    )
    new_links = [
        Postcode(code=code, municipality_id=municipality_id)
        for code, municipality_id in sorted(links - linked)
    ]
    Postcode.objects.bulk_create(new_links)
    report.postcodes_created = len(new_links)
    _save_addresses(streets, municipalities, report)


_ADDRESS_FIELDS = ("house_number", "number", "box", "postcode", "latitude", "longitude")


def _save_addresses(streets, municipalities, report):
    """Make the addresses of the municipalities found in the file those of the file.

    Only municipalities with rows in the file are touched: a wrong file must not empty the
    others. Addresses no longer current are deleted; nothing refers to an address row.
    """
    seen_nis = {seen.nis_code for seen in streets.values()}
    street_ids = {
        (municipality_id, official_id): street_id
        for street_id, municipality_id, official_id in Street.objects.filter(
            municipality__in=[municipalities[nis] for nis in seen_nis]
        ).values_list("id", "municipality_id", "official_id")
    }
    existing = {}
    for address in Address.objects.filter(street_id__in=street_ids.values()):
        existing[(address.street_id, address.official_id)] = address
    to_create, to_update, changed_streets = [], [], set()
    for official_id, seen in streets.items():
        street_id = street_ids[(municipalities[seen.nis_code].id, official_id)]
        for address_id, values in seen.addresses.items():
            values = dict(zip(_ADDRESS_FIELDS, values, strict=True))
            address = existing.pop((street_id, address_id), None)
            if address is None:
                to_create.append(Address(street_id=street_id, official_id=address_id, **values))
                changed_streets.add(street_id)
            elif any(getattr(address, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(address, name, value)
                to_update.append(address)
                changed_streets.add(street_id)
    Address.objects.bulk_create(to_create, batch_size=1000)
    Address.objects.bulk_update(to_update, _ADDRESS_FIELDS, batch_size=1000)
    gone = [address.pk for address in existing.values()]
    for start in range(0, len(gone), 1000):
        Address.objects.filter(pk__in=gone[start : start + 1000]).delete()
    changed_streets.update(address.street_id for address in existing.values())
    report.addresses_created = len(to_create)
    report.addresses_updated = len(to_update)
    report.addresses_deleted = len(gone)
    if changed_streets:
        addresses_changed.send(sender=Address, street_ids=sorted(changed_streets))


# --- The zone's own settings ------------------------------------------------------------------

# What a zone administrator changes on the zone's settings page (staff:zone_settings), in the
# page's five groups.
ZONE_CONTACT = (
    "name",
    "number",
    "postal_address",
    "phone",
    "email",
    "website",
    "non_emergency_number",
    "emergency_number",
    "accessibility_email",
)
ZONE_CONTROLLER = (
    "controller_kind",
    "controller_name",
    "controller_address",
    "controller_email",
    "dpo_name",
    "dpo_email",
)
ZONE_RETENTION = (
    "retention_unconfirmed_days",
    "retention_left_days",
    "retention_address_requests_days",
    "retention_measures_days",
    "retention_replies_days",
)
ZONE_DEADLINES = (
    "deadline_forward_hours",
    "deadline_signup_days",
    "deadline_measure_days",
    "deadline_evaluation_days",
)
ZONE_MAP = ("map_tile_url", "map_tile_attribution")
ZONE_SETTINGS = ZONE_CONTACT + ZONE_CONTROLLER + ZONE_RETENTION + ZONE_DEADLINES + ZONE_MAP


@dataclass
class ZoneSettingsChange:
    """What change_zone_settings did: the settings it changed, in ZONE_SETTINGS order, and
    the documents whose text they changed, published as new versions."""

    changed: list[str] = field(default_factory=list)
    published: list[Document] = field(default_factory=list)


def change_zone_settings(actor, zone, values, *, role) -> ZoneSettingsChange:
    """Save the zone's settings (`values`: setting → value, keys from ZONE_SETTINGS) and
    publish a new version of the privacy notice and the house rules where their text changes.
    `role` is the capacity `actor` acts in, for the audit entry: zones sits below staff, which
    decides it (the staff page passes it).

    Both documents name some of these settings (the controller, the data protection officer,
    the retention periods), and a member must be able to read the version they agreed to. The
    audit entry names the settings that changed, not their values.
    """
    unknown = set(values) - set(ZONE_SETTINGS)
    if unknown:
        raise ValueError(f"Not a zone setting: {', '.join(sorted(unknown))}")
    change = ZoneSettingsChange(
        changed=[
            name for name in ZONE_SETTINGS if name in values and getattr(zone, name) != values[name]
        ]
    )
    if not change.changed:
        return change
    with transaction.atomic():
        for name in change.changed:
            setattr(zone, name, values[name])
        zone.save(update_fields=change.changed)
        for kind in (DocumentKind.PRIVACY_NOTICE, DocumentKind.HOUSE_RULES):
            before = zone.documents.filter(kind=kind).aggregate(latest=Max("version"))["latest"]
            document = publish(zone, kind)
            if document.version != before:
                change.published.append(document)
        record(
            actor,
            "zones.settings_changed",
            role=role,
            zone=zone,
            target=zone,
            details={
                "settings": change.changed,
                "published": [f"{d.kind} v{d.version}" for d in change.published],
            },
        )
    return change


def set_zone_host(zone, host):
    """Give `zone` the host name its site answers on ("" for none), as the install's operator
    does when one install serves several zones (#18); checked as the model checks it.

    Raises ValidationError for a malformed name or one another zone already has.
    """
    host = host.strip().lower().rstrip(".")
    if host == zone.host:
        return
    zone.host = host
    zone.full_clean(validate_unique=True, validate_constraints=True)
    with transaction.atomic():
        zone.save(update_fields=["host"])
        # The operator acts outside any zone role: a system entry, read by the zone's admins.
        record(
            None,
            "zones.settings_changed",
            role="system",
            zone=zone,
            target=zone,
            details={"settings": ["host"], "published": []},
        )
