"""Read a member list as coordinators keep it: CSV from Excel or LibreOffice, or an XLSX file.

The format comes from the content (a zip archive is a workbook, anything else is read as CSV),
never from the file's name. Columns may come in any order, with Dutch, French, German or English
headers.

A file is untrusted input. What it may cost is bounded by the settings NABUUR_IMPORT_MAX_BYTES,
NABUUR_IMPORT_MAX_ROWS and NABUUR_IMPORT_MAX_COLUMNS, and a workbook may unpack to at most
UNPACK_FACTOR times the file's limit. A file beyond a limit, or one that breaks its format in
any way, raises UnreadableFile with a reason for the coordinator; no other exception leaves
`read_table`. The workbook reader is our own streaming one: it reads only the first sheet's
cells, keeps memory flat whatever the XML holds, and judges merged cells only where real rows
meet the list's columns.
"""

import bisect
import codecs
import csv
import io
import lzma
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError, XMLPullParser

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
# The e-mail column may be missing: members without an address get letters by post.
REQUIRED_FIELDS = ("first_name", "last_name", "street")

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
# A workbook is a zip archive of XML: it may unpack to this many times NABUUR_IMPORT_MAX_BYTES.
UNPACK_FACTOR = 10


class UnreadableFile(Exception):
    """The file is not a list we can read; `problem` says why, as {"code": …, details}.

    `str()` gives the coordinator's sentence in the active language (describe_file_problem).
    """

    def __init__(self, code, **details):
        self.problem = {"code": code, **details}
        super().__init__(self.problem)

    def __str__(self):
        return describe_file_problem(self.problem)


def describe_file_problem(problem):
    """Why a file could not be read, in the active language, from an UnreadableFile's problem."""
    code = problem.get("code")
    if code == "too_large":
        return gettext("The file is larger than %(size)s. Split the list into smaller files.") % {
            "size": filesizeformat(problem["max"])
        }
    if code == "too_large_unpacked":
        return gettext(
            "This Excel file holds too much data. Copy only the member list into a new "
            "workbook, or save it as CSV, and upload that file."
        )
    if code == "empty":
        return gettext("The file is empty.")
    if code == "not_a_list":
        return gettext("This is neither a CSV file nor an Excel workbook (.xlsx).")
    if code == "old_excel":
        return gettext(
            "This is an old Excel file (.xls) or a workbook with a password. Save it as an "
            "Excel workbook (.xlsx) without a password, or as CSV, and upload it again."
        )
    if code == "opendocument":
        return gettext(
            "This is an OpenDocument spreadsheet (.ods). Save it as an Excel workbook (.xlsx) "
            "or as CSV and upload it again."
        )
    if code == "broken_workbook":
        return gettext(
            "This Excel file is damaged or incomplete. Open it in your spreadsheet program, "
            "save it again and upload it again."
        )
    if code == "no_sheet":
        return gettext("This Excel workbook has no worksheet.")
    if code == "too_many_rows":
        return gettext("The list has more than %(max)s rows. Split it into smaller files.") % {
            "max": number_format(problem["max"], force_grouping=True)
        }
    if code == "too_many_columns":
        return gettext(
            "The list has more than %(max)s columns. Delete the columns you do not need."
        ) % {"max": number_format(problem["max"], force_grouping=True)}
    if code == "long_field":
        return gettext(
            "Row %(row)s holds a field that is too long: a quotation mark is probably not closed."
        ) % {"row": problem["row"]}
    if code == "csv_error":
        return gettext("The CSV file cannot be read at row %(row)s.") % {"row": problem["row"]}
    if code == "no_header":
        return gettext(
            "No header row found. The first row must name the columns, e.g. first name, last "
            "name, street, house number, postcode, e-mail."
        )
    if code == "missing_columns":
        labels = [str(FIELD_LABELS[name]) for name in problem["columns"]]
        return gettext("These columns are missing: %(columns)s.") % {"columns": ", ".join(labels)}
    return str(code)


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
    rows: list  # of SourceRow, the data rows after the header


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


def check_size(size):
    """Refuse a file of `size` bytes beyond NABUUR_IMPORT_MAX_BYTES."""
    if size > settings.NABUUR_IMPORT_MAX_BYTES:
        raise UnreadableFile("too_large", max=settings.NABUUR_IMPORT_MAX_BYTES)


_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def detect_format(head):
    """The format, "xlsx" or "csv", of a file that starts with the bytes `head`.

    Raises UnreadableFile for a file that is neither: an old Excel file or a protected workbook
    (both OLE containers), a PDF, an empty file or another binary file.
    """
    if head.startswith(_ZIP):
        return "xlsx"
    if head.startswith(_OLE):
        raise UnreadableFile("old_excel")
    if head.startswith(_UTF16):
        return "csv"
    if not head.strip():
        raise UnreadableFile("empty")
    if head.startswith(b"%PDF") or b"\x00" in head:
        raise UnreadableFile("not_a_list")
    return "csv"


def read_table(content):
    """The list in `content` (the uploaded file's bytes): its columns and its data rows.

    Raises UnreadableFile, with the reason for the coordinator, for a file beyond the limits,
    in no format we read, damaged, or without a header row naming the required columns.
    """
    check_size(len(content))
    if detect_format(content[:4096]) == "xlsx":
        return _Workbook(content).table()
    return _read_csv(content)


class _Rows:
    """The non-empty rows of a sheet as (number, cells), kept within the limits."""

    def __init__(self):
        self.rows = []
        self.max_columns = settings.NABUUR_IMPORT_MAX_COLUMNS
        # The header lies within the first HEADER_SEARCH_ROWS rows, so a sheet with more rows
        # than this is too long whatever its header.
        self.max_kept = settings.NABUUR_IMPORT_MAX_ROWS + HEADER_SEARCH_ROWS

    def add(self, number, cells, flagged=False):
        while cells and not cells[-1]:
            cells.pop()
        if not cells and not flagged:
            return
        if len(cells) > self.max_columns:
            raise UnreadableFile("too_many_columns", max=self.max_columns)
        self.rows.append((number, cells))
        if len(self.rows) > self.max_kept:
            raise UnreadableFile("too_many_rows", max=settings.NABUUR_IMPORT_MAX_ROWS)

    def header(self):
        """(row number, {field: column index}, ignored headers) of the header row."""
        for number, cells in self.rows:
            if number > HEADER_SEARCH_ROWS:
                break
            if len({field_for_header(cell) for cell in cells} - {None}) >= 2:
                return (number, *_columns(cells))
        raise UnreadableFile("no_header")

    def table(self, header, flags=None):
        """The Table of the rows after the header; `flags` notes cells by (row, column)."""
        header_number, columns, ignored = header
        flags = flags or {}
        rows = []
        for number, cells in self.rows:
            if number <= header_number:
                continue
            values = {
                name: cells[index] if index < len(cells) else "" for name, index in columns.items()
            }
            notes = [
                {**flags[(number, index)], "field": name}
                for name, index in columns.items()
                if (number, index) in flags
            ]
            if any(values.values()) or notes:
                rows.append(SourceRow(number, values, notes))
        if len(rows) > settings.NABUUR_IMPORT_MAX_ROWS:
            raise UnreadableFile("too_many_rows", max=settings.NABUUR_IMPORT_MAX_ROWS)
        return Table(columns=columns, ignored=ignored, rows=rows)


def _columns(header):
    columns, ignored = {}, []
    for index, cell in enumerate(header):
        name = field_for_header(cell)
        if name and name not in columns:
            columns[name] = index
        elif cell:
            ignored.append(cell)
    missing = [name for name in REQUIRED_FIELDS if name not in columns]
    if missing:
        raise UnreadableFile("missing_columns", columns=missing)
    return columns, ignored


# --- CSV ----------------------------------------------------------------------------------------


def _decode(content):
    """The text of a CSV file: UTF-16 with its byte order mark (Excel's "Unicode text"),
    UTF-8 (with or without BOM) when the whole file is valid UTF-8, else Windows-1252."""
    if content.startswith(_UTF16):
        return content.decode("utf-16", errors="replace")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _delimiter(sample):
    first_line = sample.splitlines()[0] if sample else ""
    counts = {delimiter: first_line.count(delimiter) for delimiter in ";,\t"}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(content):
    text = _decode(content)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text[: 1 << 14]))
    rows = _Rows()
    # Row numbers as a spreadsheet shows them: one per record.
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            rows.add(number, [_cell_text(cell) for cell in cells])
    except csv.Error as error:
        # The csv module's one error type; a field over its 128 KiB limit is nearly always a
        # quotation mark that opens a field and is never closed.
        if str(error).startswith("field larger than field limit"):
            raise UnreadableFile("long_field", row=number + 1) from error
        raise UnreadableFile("csv_error", row=number + 1) from error
    return rows.table(rows.header())


# --- XLSX ---------------------------------------------------------------------------------------

# What a damaged zip archive or XML part can raise while it is read.
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    struct.error,
    EOFError,
    OSError,
    KeyError,
    ValueError,
    ParseError,
    NotImplementedError,
    # zipfile: an entry encrypted with a password.
    RuntimeError,
)
_CELL = re.compile(r"([A-Z]{1,3})([0-9]{1,7})", re.IGNORECASE)
_MAX_ROW = 1_048_576
# Expat before 2.6 parses a token that spans many chunks again with each chunk it is fed: a
# comment of 50 MB fed in iterparse's 16 KB chunks took four minutes. Large chunks keep such a
# token to a few seconds.
_CHUNK = 1 << 20
_MAX_COLUMN = 16_384


def _local(tag):
    return tag.rpartition("}")[2]


def _column_index(letters):
    """0 for A, 25 for Z, 26 for AA; ValueError beyond Excel's last column (XFD)."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    if index > _MAX_COLUMN:
        raise ValueError(letters)
    return index - 1


def _position(reference):
    """(row, column index) of a cell reference such as B12; ValueError if it is not one."""
    match = _CELL.fullmatch(reference or "")
    if match is None:
        raise ValueError(reference)
    row = int(match[2])
    if not 1 <= row <= _MAX_ROW:
        raise ValueError(reference)
    return row, _column_index(match[1])


def _rich_text(element):
    """The text of a shared or inline string: its <t>, or the <t> of each run, without the
    phonetic guides (<rPh>) that Japanese workbooks carry."""
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _number_text(value):
    try:
        return _cell_text(float(value))
    except ValueError:
        return _cell_text(value)


class _Workbook:
    """The first sheet of an .xlsx file, read from its XML in one streaming pass."""

    def __init__(self, content):
        self.content = content
        self.unpacked = 0
        self.max_unpacked = UNPACK_FACTOR * settings.NABUUR_IMPORT_MAX_BYTES
        self.max_strings = (
            settings.NABUUR_IMPORT_MAX_ROWS + HEADER_SEARCH_ROWS
        ) * settings.NABUUR_IMPORT_MAX_COLUMNS

    def table(self):
        try:
            with zipfile.ZipFile(io.BytesIO(self.content)) as self.archive:
                return self._read()
        except _DAMAGED as error:
            raise UnreadableFile("broken_workbook") from error

    def _read(self):
        names = set(self.archive.namelist())
        workbook = self._office_document(names)
        if workbook not in names:
            if "mimetype" in names and self.archive.read("mimetype").startswith(
                b"application/vnd.oasis.opendocument"
            ):
                raise UnreadableFile("opendocument")
            raise UnreadableFile("not_a_list")
        relationships = self._relationships(workbook, names)
        sheet_id = self._first_sheet(workbook)
        if sheet_id not in relationships:
            raise UnreadableFile("broken_workbook")
        strings = []
        for kind, target in relationships.values():
            if kind.endswith("/sharedStrings") and target in names:
                strings = self._shared_strings(target)
                break
        return self._sheet(relationships[sheet_id][1], strings)

    def _parts_chunks(self, name):
        """The unpacked bytes of the part `name`, in chunks, within the workbook's budget."""
        with self.archive.open(name) as stream:
            while chunk := stream.read(_CHUNK):
                self.unpacked += len(chunk)
                if self.unpacked > self.max_unpacked:
                    raise UnreadableFile("too_large_unpacked")
                yield chunk

    def _elements(self, name, wanted, keep_inside=None):
        """Yield (event, local name, element) for the start and end of each element of the
        part `name` whose local name is in `wanted`.

        Each element leaves the tree once it has ended and been handled (except inside a
        `keep_inside` element, whose children are read at its end), so memory stays flat
        whatever the part holds.
        """
        # Expat ≥ 2.4.1 (in every supported Python) refuses entity expansion attacks and
        # ElementTree never fetches external entities; the budget bounds the rest.
        parser = XMLPullParser(events=("start", "end"))  # noqa: S314
        stack, inside = [], 0
        chunks = self._parts_chunks(name)
        while True:
            chunk = next(chunks, None)
            if chunk is None:
                parser.close()
            else:
                parser.feed(chunk)
            for event, element in parser.read_events():
                local = _local(element.tag)
                if event == "start":
                    stack.append(element)
                    inside += local == keep_inside
                    if local in wanted:
                        yield event, local, element
                    continue
                if local in wanted:
                    yield event, local, element
                stack.pop()
                inside -= local == keep_inside
                if stack and not inside:
                    stack[-1].remove(element)
            if chunk is None:
                return

    def _relationships(self, part, names):
        """{id: (type, part name)} of the part's relationships."""
        folder, base = posixpath.split(part)
        path = posixpath.join(folder, "_rels", f"{base}.rels")
        relationships = {}
        if path not in names:
            return relationships
        for event, _name, element in self._elements(path, ("Relationship",)):
            if event != "end" or element.get("TargetMode") == "External":
                continue
            target = element.get("Target", "")
            if target.startswith("/"):
                target = target.lstrip("/")
            else:
                target = posixpath.normpath(posixpath.join(folder, target))
            relationships[element.get("Id")] = (element.get("Type", ""), target)
        return relationships

    def _office_document(self, names):
        for kind, target in self._relationships("", names).values():
            if kind.endswith("/officeDocument"):
                return target
        return "xl/workbook.xml"

    def _first_sheet(self, workbook):
        """The relationship id of the workbook's first sheet."""
        for event, _name, element in self._elements(workbook, ("sheet",)):
            if event == "end":
                for attribute, value in element.attrib.items():
                    if attribute.endswith("}id"):
                        return value
                raise UnreadableFile("broken_workbook")
        raise UnreadableFile("no_sheet")

    def _shared_strings(self, name):
        strings = []
        for event, _name, element in self._elements(name, ("si",), keep_inside="si"):
            if event == "end":
                strings.append(_cell_text(_rich_text(element)))
                if len(strings) > self.max_strings:
                    raise UnreadableFile("too_large_unpacked")
        return strings

    def _cell(self, element, strings):
        """(text, formula without a saved value) of a <c> element."""
        kind = element.get("t", "n")
        value = inline = None
        formula = False
        for child in element:
            name = _local(child.tag)
            if name == "v":
                value = child.text or ""
            elif name == "f":
                formula = True
            elif name == "is":
                inline = _rich_text(child)
        if kind == "inlineStr":
            return _cell_text(inline), False
        unsaved = formula and not (value or "").strip()
        if not value:
            return "", unsaved
        if kind == "s":
            index = int(value)
            if not 0 <= index < len(strings):
                raise ValueError(value)
            return strings[index], False
        if kind == "n":
            return _number_text(value), unsaved
        return _cell_text(value), unsaved

    def _sheet(self, name, strings):
        rows = _Rows()
        formulas = {}
        merged = _Merges()
        header = None
        number, column, cells, flagged = 0, -1, [], False
        wanted = ("row", "c", "sheetData", "mergeCell")
        for event, local, element in self._elements(name, wanted, keep_inside="c"):
            if event == "start":
                if local == "row":
                    number = self._row_number(element.get("r"), number)
                    column, cells, flagged = -1, [], False
                continue
            # A cell without `r` (the format allows it) follows the one before it.
            if local == "c":
                reference = element.get("r")
                previous = column
                column = _position(reference)[1] if reference else column + 1
                if column <= previous:
                    raise ValueError(reference)
                text, unsaved = self._cell(element, strings)
                if column >= rows.max_columns:
                    if text:
                        raise UnreadableFile("too_many_columns", max=rows.max_columns)
                    continue
                if text:
                    cells.extend([""] * (column + 1 - len(cells)))
                    cells[column] = text
                if unsaved:
                    formulas[(number, column)] = {"code": "formula"}
                    flagged = True
            elif local == "row":
                rows.add(number, cells, flagged)
            elif local == "sheetData":
                header = rows.header()
                merged.start(rows, header)
            elif local == "mergeCell" and header is not None:
                merged.add(element.get("ref"))
        if header is None:
            header = rows.header()
        # A formula without a value says more than a merge does: it wins.
        return rows.table(header, {**merged.flags, **formulas})

    @staticmethod
    def _row_number(reference, previous):
        number = previous + 1 if reference is None else int(reference)
        if not previous < number <= _MAX_ROW:
            raise ValueError(reference)
        return number


class _Merges:
    """The cells hidden by merged ranges, among the data rows and the list's columns only.

    A merge is judged where it meets real rows and mapped columns, so `A1:XFD1048576` costs
    what the list holds, not 1.7 × 10¹⁰ cells. Excel never writes overlapping merges; a cell
    covered twice marks the workbook as damaged, which also bounds the work to one visit per
    cell of the list.
    """

    def __init__(self):
        self.flags = {}

    def start(self, rows, header):
        header_number, columns, _ignored = header
        self.numbers = [number for number, _cells in rows.rows if number > header_number]
        self.columns = sorted(columns.values())

    def add(self, reference):
        first, colon, last = (reference or "").partition(":")
        top, left = _position(first)
        bottom, right = _position(last) if colon else (top, left)
        top, bottom = sorted((top, bottom))
        left, right = sorted((left, right))
        columns = self.columns[
            bisect.bisect_left(self.columns, left) : bisect.bisect_right(self.columns, right)
        ]
        if not columns:
            return
        rows = self.numbers[
            bisect.bisect_left(self.numbers, top) : bisect.bisect_right(self.numbers, bottom)
        ]
        for number in rows:
            for column in columns:
                if (number, column) == (top, left):
                    continue
                if (number, column) in self.flags:
                    raise ValueError(reference)
                self.flags[(number, column)] = {"code": "merged", "range": reference}
