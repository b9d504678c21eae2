"""Read a member list as coordinators keep it: CSV from Excel or LibreOffice, or an XLSX file.

Columns may come in any order, with Dutch, French, German or English headers. Rows are read one
at a time (constant memory), so a list of tens of thousands of rows is no problem.
"""

import codecs
import csv
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import iterparse

import openpyxl
from django.utils.translation import gettext_lazy as _
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, range_boundaries

from nabuur.lib.text import fold

# The fields a row can fill, and the headers (folded) people give those columns.
HEADERS = {
    "first_name": ["voornaam", "prenom", "first name", "firstname", "given name", "vorname"],
    "last_name": [
        "naam",
        "achternaam",
        "familienaam",
        "nom",
        "nom de famille",
        "last name",
        "lastname",
        "surname",
        "family name",
        "nachname",
    ],
    "street": ["straat", "straatnaam", "rue", "nom de rue", "street", "strasse"],
    "house_number": [
        "huisnummer",
        "huisnr",
        "nummer",
        "nr",
        "numero",
        "n",
        "no",
        "house number",
        "number",
        "hausnummer",
    ],
    "box": ["bus", "busnummer", "boite", "bte", "boite postale", "box", "apartment"],
    "postcode": ["postcode", "code postal", "cp", "postal code", "zip", "postleitzahl", "plz"],
    "municipality": [
        "gemeente",
        "woonplaats",
        "plaats",
        "commune",
        "localite",
        "ville",
        "municipality",
        "city",
        "town",
        "gemeinde",
        "ort",
    ],
    "email": [
        "e mail",
        "email",
        "mail",
        "e mailadres",
        "emailadres",
        "e mail adres",
        "courriel",
        "adresse e mail",
        "adresse mail",
        "e mail address",
        "email address",
    ],
    "phone": [
        "gsm",
        "gsm nummer",
        "mobiel",
        "mobiel nummer",
        "telefoon",
        "telefoonnummer",
        "tel",
        "telephone",
        "portable",
        "gsm nr",
        "mobile",
        "phone",
        "handy",
    ],
    "language": ["taal", "langue", "language", "sprache"],
}
FIELD_BY_HEADER = {header: name for name, headers in HEADERS.items() for header in headers}
REQUIRED_FIELDS = ("first_name", "last_name", "street", "email")

FIELD_LABELS = {
    "first_name": _("first name"),
    "last_name": _("last name"),
    "street": _("street"),
    "house_number": _("house number"),
    "box": _("box"),
    "postcode": _("postcode"),
    "municipality": _("municipality"),
    "email": _("e-mail address"),
    "phone": _("mobile number"),
    "language": _("language"),
}

# Look this far for the header row; lists often start with a title line or two.
HEADER_SEARCH_ROWS = 10
MAX_CELL_LENGTH = 300


class UnreadableFile(Exception):
    """The file is not a list we can read; the message says why, for the coordinator."""


@dataclass
class SourceRow:
    number: int
    values: dict
    # Problems the reader saw in the cells themselves: formulas without a value, merged cells.
    notes: list = field(default_factory=list)


@dataclass
class Table:
    columns: dict  # field → column index
    ignored: list  # headers we did not recognise
    rows: object  # iterator of SourceRow


def field_for_header(text):
    return FIELD_BY_HEADER.get(fold(str(text or "")))


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel keeps numbers as floats: house number 12.0, postcode 2650.0.
        value = int(value)
    text = " ".join(str(value).split())
    return text[:MAX_CELL_LENGTH]


def _find_header(rows):
    """(row number, cells) of the first row that names at least two known columns."""
    for number, cells in rows:
        if len({field_for_header(cell) for cell in cells} - {None}) >= 2:
            return number, cells
        if number >= HEADER_SEARCH_ROWS:
            break
    raise UnreadableFile(
        _(
            "No header row found. The first row must name the columns, e.g. first name, last "
            "name, street, house number, postcode, e-mail."
        )
    )


def _columns(header):
    columns, ignored = {}, []
    for index, cell in enumerate(header):
        name = field_for_header(cell)
        if name and name not in columns:
            columns[name] = index
        elif _cell_text(cell):
            ignored.append(_cell_text(cell))
    missing = [FIELD_LABELS[name] for name in REQUIRED_FIELDS if name not in columns]
    if missing:
        raise UnreadableFile(
            _("These columns are missing: %(columns)s.")
            % {"columns": ", ".join(str(label) for label in missing)}
        )
    return columns, ignored


def _table(numbered_rows, notes_for=None):
    """Find the header in an iterator of (number, cells) and map the rest to SourceRows."""
    header_number, header = _find_header(numbered_rows)
    columns, ignored = _columns(header)

    def rows():
        for number, cells in numbered_rows:
            values = {
                name: _cell_text(cells[index]) if index < len(cells) else ""
                for name, index in columns.items()
            }
            notes = notes_for(number, columns) if notes_for else []
            if not any(values.values()) and not notes:
                continue
            yield SourceRow(number, values, notes)

    return Table(columns=columns, ignored=ignored, rows=rows())


# --- CSV ----------------------------------------------------------------------------------------


def _encoding(path):
    """'utf-8-sig' if the whole file is UTF-8 (with or without BOM), else Windows-1252."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as binary:
        try:
            while chunk := binary.read(1 << 16):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _delimiter(sample):
    first_line = sample.splitlines()[0] if sample else ""
    counts = {delimiter: first_line.count(delimiter) for delimiter in ";,\t"}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_csv(path):
    encoding = _encoding(path)
    with open(path, encoding=encoding, errors="replace", newline="") as text:
        delimiter = _delimiter(text.read(1 << 14))

    def numbered():
        with open(path, encoding=encoding, errors="replace", newline="") as text:
            # Row numbers as a spreadsheet shows them: one per record.
            yield from enumerate(csv.reader(text, delimiter=delimiter), start=1)

    return _table(numbered())


# --- XLSX ---------------------------------------------------------------------------------------

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _cell_position(reference):
    letters, row = coordinate_from_string(reference)
    return row, column_index_from_string(letters) - 1


def _scan_sheet_xml(archive, sheet_path):
    """Cells that hold a formula without a saved value, and cells hidden by a merge.

    Read straight from the sheet's XML in one streaming pass, since openpyxl's read-only mode
    shows neither. Returns ({(row, column)}, {(row, column): 'A1:B2'}).
    """
    formulas, merged = set(), {}
    with archive.open(sheet_path) as xml:
        # Expat ≥ 2.4.1 (in every supported Python) refuses entity expansion attacks and never
        # fetches external entities; the sheet XML holds no DTD anyway.
        for _event, element in iterparse(xml, events=("end",)):  # noqa: S314
            tag = element.tag
            if tag == f"{_MAIN}c":
                formula = element.find(f"{_MAIN}f")
                value = element.find(f"{_MAIN}v")
                if formula is not None and (value is None or not (value.text or "").strip()):
                    formulas.add(_cell_position(element.get("r")))
            elif tag == f"{_MAIN}row":
                element.clear()
            elif tag == f"{_MAIN}mergeCell":
                reference = element.get("ref")
                min_col, min_row, max_col, max_row = range_boundaries(reference)
                for row in range(min_row, max_row + 1):
                    for col in range(min_col, max_col + 1):
                        if (row, col) != (min_row, min_col):
                            merged[(row, col - 1)] = reference
    return formulas, merged


def read_xlsx(path):
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise UnreadableFile(_("This is not an Excel file we can read.")) from error
    sheet = workbook.worksheets[0]
    with zipfile.ZipFile(path) as archive:
        formulas, merged = _scan_sheet_xml(archive, sheet._worksheet_path)

    def notes_for(number, columns):
        notes = []
        for name, index in columns.items():
            if (number, index) in formulas:
                notes.append({"code": "formula", "field": name})
            elif (number, index) in merged:
                notes.append({"code": "merged", "field": name, "range": merged[(number, index)]})
        return notes

    def numbered():
        try:
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        finally:
            workbook.close()

    return _table(numbered(), notes_for if formulas or merged else None)


def read_table(path, file_name):
    """Open the list at `path` (an uploaded file saved to disk); `file_name` tells the format.

    Returns a Table whose rows are read lazily; raises UnreadableFile with a message for the
    coordinator when the file cannot be read or lacks a required column.
    """
    lower = file_name.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        return read_xlsx(path)
    if lower.endswith((".csv", ".txt")):
        return read_csv(path)
    raise UnreadableFile(_("Upload a CSV file or an Excel (.xlsx) file."))
