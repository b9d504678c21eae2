"""Read a CSV of area segments as zones keep them: Dutch or French headers, comma or semicolon,
UTF-8 or Windows-1252. Every row is checked; nothing is saved here (see services.import_segments).
"""

import csv
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from nabuur.lib.text import fold

from .models import Segment, Side

MAX_BYTES = 512 * 1024
MAX_ROWS = 2000

# Folded header → column. The first match wins.
HEADERS = {
    "street": {"straat", "straatnaam", "street", "street name", "rue", "nom de rue", "nom rue"},
    "street_id": {
        "straat id",
        "straatid",
        "straatcode",
        "best id",
        "street id",
        "official id",
        "id rue",
        "code rue",
        "identifiant rue",
    },
    "from": {"van", "vanaf", "nummer van", "from", "de", "du", "a partir de", "numero de"},
    "to": {"tot", "tot en met", "nummer tot", "to", "a", "au", "jusqu a", "numero a"},
    "side": {"kant", "zijde", "side", "cote"},
}
SIDES = {
    "": Side.BOTH,
    "beide": Side.BOTH,
    "beide kanten": Side.BOTH,
    "both": Side.BOTH,
    "les deux": Side.BOTH,
    "deux": Side.BOTH,
    "even": Side.EVEN,
    "pare": Side.EVEN,
    "pair": Side.EVEN,
    "pairs": Side.EVEN,
    "oneven": Side.ODD,
    "onpare": Side.ODD,
    "odd": Side.ODD,
    "impair": Side.ODD,
    "impairs": Side.ODD,
}


@dataclass
class Row:
    line: int
    values: dict
    segment: Segment | None = None
    problems: list = field(default_factory=list)
    overlaps: list = field(default_factory=list)


@dataclass
class Parsed:
    rows: list = field(default_factory=list)
    # Problems with the file as a whole (encoding, headers).
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems and all(not row.problems for row in self.rows)

    @property
    def problem_rows(self):
        return [row for row in self.rows if row.problems]

    @property
    def overlap_rows(self):
        return [row for row in self.rows if row.overlaps]


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _columns(header):
    columns = {}
    for index, name in enumerate(header):
        folded = fold(name)
        for column, names in HEADERS.items():
            if folded in names and column not in columns:
                columns[column] = index
    return columns


def _number(text, label, problems, required):
    text = text.strip()
    if not text:
        if required:
            problems.append(_("%(column)s is empty.") % {"column": label})
        return None
    if not text.isdigit() or int(text) < 1:
        problems.append(
            _("%(column)s is not a house number: %(value)s") % {"column": label, "value": text}
        )
        return None
    return int(text)


def _street_index(municipality):
    by_name, by_id = {}, {}
    for street in municipality.streets.all():
        by_id[street.official_id] = street
        for name in street.names():
            by_name.setdefault(fold(name), []).append(street)
    return by_name, by_id


def parse(text: str, network) -> Parsed:
    """Check every row of `text` against the streets of the BIN's municipality."""
    parsed = Parsed()
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        parsed.problems.append(_("The file is empty."))
        return parsed
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    columns = _columns(next(reader))
    if "street" not in columns and "street_id" not in columns:
        parsed.problems.append(_("No street column: name one 'straat', 'rue' or 'straat id'."))
    if "from" not in columns:
        parsed.problems.append(_("No column for the first house number: name it 'van' or 'de'."))
    if parsed.problems:
        return parsed
    by_name, by_id = _street_index(network.municipality)
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(parsed.rows) >= MAX_ROWS:
            parsed.problems.append(_("More than %(max)s rows.") % {"max": MAX_ROWS})
            break
        values = {
            column: cells[columns[column]].strip()
            if column in columns and columns[column] < len(cells)
            else ""
            for column in HEADERS
        }
        parsed.rows.append(_check_row(Row(line, values), network, by_name, by_id))
    if not parsed.rows and not parsed.problems:
        parsed.problems.append(_("The file has no rows."))
    return parsed


def _check_row(row, network, by_name, by_id):
    values, problems = row.values, row.problems
    street = None
    if values.get("street_id"):
        street = by_id.get(values["street_id"])
        if street is None:
            problems.append(_("No street with id %(id)s here.") % {"id": values["street_id"]})
    elif values.get("street"):
        matches = by_name.get(fold(values["street"]), [])
        if len(matches) == 1:
            street = matches[0]
        elif matches:
            problems.append(
                _("Several streets are called %(name)s: use the street id.")
                % {"name": values["street"]}
            )
        else:
            problems.append(_("No street called %(name)s here.") % {"name": values["street"]})
    else:
        problems.append(_("No street given."))
    number_from = _number(values.get("from", ""), _("from"), problems, required=True)
    number_to = _number(values.get("to", ""), _("to"), problems, required=False)
    side = SIDES.get(fold(values.get("side", "")))
    if side is None:
        problems.append(_("Unknown side: %(value)s") % {"value": values["side"]})
    if number_from and number_to and number_to < number_from:
        problems.append(_("The range ends before it starts."))
    if not problems:
        row.segment = Segment(
            network=network,
            street=street,
            number_from=number_from,
            number_to=number_to,
            side=side,
        )
    return row
