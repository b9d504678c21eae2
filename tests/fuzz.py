"""The pieces of the form fuzz test (tests/test_fuzz_forms.py): the forms a page offers, the
values Hypothesis sends to them, a request body encoded by hand (so that raw bytes, odd file
names and broken bodies reach the server as an attacker would send them) and a fingerprint of
the database to see whether a refused request changed anything."""

import functools
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote_plus, urljoin, urlsplit

from hypothesis import strategies as st

# --- The forms of a page --------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # the input's type ("text", "email", "checkbox", "file", …), "select", "textarea"
    offered: list = field(default_factory=list)  # the values the page puts in or offers


@dataclass
class Form:
    method: str  # "get" or "post"
    action: str  # the path (and query) it is sent to
    fields: dict = field(default_factory=dict)
    buttons: list = field(default_factory=list)  # (name, value) of named submit buttons


class _FormParser(HTMLParser):
    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms = []
        self._form = self._select = self._option = self._textarea = None

    def _field(self, name, kind):
        return self._form.fields.setdefault(name, Field(name, kind))

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "form":
            action = urljoin(self.page, attrs.get("action") or self.page)
            parts = urlsplit(action)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            self._form = Form(attrs.get("method", "get").lower(), path)
            return
        if self._form is None:
            return
        name, kind = attrs.get("name"), attrs.get("type", "").lower()
        submits = (tag == "button" and kind in ("", "submit")) or (
            tag == "input" and kind in ("submit", "image")
        )
        if submits and name:
            self._form.buttons.append((name, attrs.get("value", "")))
        elif tag == "input" and name and kind not in ("button", "reset", "submit", "image"):
            kind = kind or "text"
            default = "on" if kind in ("checkbox", "radio") else ""
            entry = self._field(name, kind)
            if kind != "file":
                entry.offered.append(attrs.get("value", default))
        elif tag == "select" and name:
            self._select = self._field(name, "select")
        elif tag == "option" and self._select is not None:
            self._close_option()
            self._option = [attrs.get("value"), ""]
        elif tag == "textarea" and name:
            self._textarea = self._field(name, "textarea")
            self._textarea.offered.append("")

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data
        if self._textarea is not None:
            self._textarea.offered[-1] += data

    def _close_option(self):
        if self._option is not None:
            value, text = self._option
            self._select.offered.append(text.strip() if value is None else value)
            self._option = None

    def handle_endtag(self, tag):
        if tag in ("option", "select"):
            self._close_option()
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def forms_on(html, page):
    """Every <form> of an HTML page at path `page`, with its action made absolute."""
    parser = _FormParser(page)
    parser.feed(html)
    parser.close()
    return parser.forms


BOUNDARY = "NabuurFuzzBoundary7MA4YWxkTrZu0gW"

# --- Values --------------------------------------------------------------------------------


class Huge(str):
    """A long repetition that Hypothesis prints as the expression that builds it."""

    def __repr__(self):
        unit = str(self[: self.unit_length])
        return f"{unit!r} * {len(self) // self.unit_length}"

    @classmethod
    def of(cls, unit, size):
        value = cls(unit * max(1, size // len(unit.encode())))
        value.unit_length = len(unit)
        return value


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart body."""

    filename: str
    content: bytes
    content_type: str

    def __repr__(self):
        content = self.content if len(self.content) <= 80 else f"<{len(self.content)} bytes>"
        return f"Upload({self.filename!r}, {content!r}, {self.content_type!r})"


# Addresses at the edge: the longest parts, an IDN domain, non-ASCII local parts.
EMAILS = ["a" * 64 + "@" + "b" * 250 + ".be", "u@xn--80ak6aa92e.com", "Ünï@exämple.be"]

# Values that broke web forms somewhere: NUL and other control characters, text direction
# overrides, combining marks, emoji sequences, scripts other than Latin, markup, formulas,
# numbers and dates at the edge, paths.
SAMPLES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n\t\x0b\x0c\x1b[31m\x7f",
    "\u202egnp.exe",
    "\ufeff\u200b\u200d\u2028\u2029",
    "Z\u0338\u0321\u0327a\u0335l\u0336g\u0337o",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466\U0001f3f3\ufe0f\u200d\U0001f308",
    "مرحبا بالعالم",
    "שָׁלוֹם עוֹלָם",
    "Привет мир",
    "日本語のテキスト",
    "ภาษาไทย",
    "Ⓐ𝔟𝕔𝒹",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1' --",
    '=HYPERLINK("https://evil.example","x")',
    "{{ 7*7 }}{% debug %}",
    "../../../../etc/passwd",
    "%00%0d%0a",
    "-1",
    "0",
    "-0",
    "1e309",
    "NaN",
    "99999999999999999999999999999",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "31/12/2025",
    "true",
    "None",
    "null",
    "[]",
    '{"a": 1}',
    *EMAILS,
]

HUGE = st.builds(
    Huge.of,
    st.sampled_from(["a", "é", "\U0001f600", "\x00", "<", " ", "9", "a;b,\n"]),
    st.sampled_from([4_000, 140_000, 1_000_000]),
)

TEXT = st.one_of(
    st.sampled_from(SAMPLES),
    # Any code point UTF-8 can carry: control characters, RTL, combining marks, emoji, …
    st.text(max_size=40),
    st.text(
        st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Co", "Mn", "Cn"], codec="utf-8"),
        max_size=12,
    ),
    HUGE,
)
# Raw bytes: invalid UTF-8, overlong sequences, encoded surrogates.
BINARY = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\x00\xff\x00"]),
)


def _xlsx(rows):
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rezip(data, change):
    """A copy of the zip `data` with `change(name, content)` → new content or None (dropped)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            content = change(name, source.read(name))
            if content is not None:
                target.writestr(name, content)
    return buffer.getvalue()


MEMBER_HEADER = ["voornaam", "naam", "straat", "huisnummer", "bus", "postcode", "e-mail"]
MEMBER_ROW = ["Ann", "Peeters", "Kerkstraat", "3", "", "2650", "ann.peeters@example.org"]


def _file_samples():
    good_xlsx = _xlsx([MEMBER_HEADER, MEMBER_ROW])
    sheet = "xl/worksheets/sheet1.xml"
    member_csv = (";".join(MEMBER_HEADER) + "\n" + ";".join(MEMBER_ROW) + "\n").encode()
    return [
        member_csv,
        b"straat;van;tot;kant\nKerkstraat;1;99;beide\n",
        b"",
        b"\xef\xbb\xbf" + member_csv,
        member_csv.decode().encode("utf-16"),
        member_csv.decode().encode("latin-1") + "Ané;Ç;€\n".encode("cp1252"),
        (";".join(MEMBER_HEADER) + "\n" + "a" * 140_000 + ";b\n").encode(),
        b'"unterminated;quote\n' * 3,
        b"\x00" * 100,
        good_xlsx,
        good_xlsx[: len(good_xlsx) // 2],
        _rezip(
            good_xlsx,
            lambda name, content: b"<worksheet><sheetData><row><c>" if name == sheet else content,
        ),
        _rezip(
            good_xlsx, lambda name, content: None if name.startswith("xl/worksheets/") else content
        ),
        _rezip(
            good_xlsx,
            lambda name, content: content.replace(b' r="A1"', b"") if name == sheet else content,
        ),
        b"PK\x03\x04" + b"\x00" * 60,
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    ]


FILE_NAMES = st.one_of(
    st.sampled_from(
        [
            "leden.csv",
            "leden.xlsx",
            "leden.txt",
            "leden",
            "",
            "LEDEN.XLSX",
            "leden.xlsx.exe",
            "../../../etc/passwd.csv",
            "a\x00b.csv",
            "\U0001f600.xlsx",
            "x" * 300 + ".csv",
        ]
    ),
    st.text(max_size=20),
)
CONTENT_TYPES = st.sampled_from(
    [
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/octet-stream",
        "",
        "text/html",
    ]
)


UPLOADS = st.builds(
    Upload,
    FILE_NAMES,
    st.one_of(
        st.sampled_from(_file_samples()),
        st.binary(max_size=200),
        st.builds(lambda text: text.encode(), TEXT),
        # Over the upload limits of imports (5 MB) and of segment lists.
        st.just(b"a;b\n" * 1_600_000),
    ),
    CONTENT_TYPES,
)


def plausible(kind):
    """Values near what a person would type into a field of this kind."""
    if kind == "email":
        return st.one_of(st.emails().map(str), st.sampled_from(EMAILS))
    if kind == "date":
        return st.one_of(st.dates().map(lambda day: day.isoformat()), st.sampled_from(SAMPLES))
    if kind == "number":
        return st.one_of(
            st.integers().map(str), st.floats().map(str), st.sampled_from(["1e309", "0x10"])
        )
    if kind == "file":
        return UPLOADS
    return TEXT


@functools.cache
def values(kind, offered):
    """A list of values for one field: usually one, sometimes none (missing) or several.

    Cached: Hypothesis spends more time on a new strategy object than on drawing from it.
    """
    own = st.sampled_from(offered) if offered else plausible(kind)
    # The wrong type: a file where text is expected and text where a file is.
    wrong = TEXT if kind == "file" else UPLOADS
    one = st.one_of(own, plausible(kind), TEXT, BINARY, wrong)
    return st.one_of(
        own.map(lambda value: [value]),
        one.map(lambda value: [value]),
        st.just([]),
        st.lists(one, min_size=2, max_size=3),
    )


NABUUR = Path(__file__).parents[1] / "nabuur"


def names_views_read():
    """The parameter names Nabuur's views read from request.GET and request.POST themselves
    (`request.GET.get("bin")`, `"apply" in request.POST`), outside any form."""
    source = "\n".join(path.read_text() for path in NABUUR.rglob("*.py"))
    read = re.findall(r'request\.(?:GET|POST)(?:\.get|\.getlist)?\(?\[?"([\w-]+)"', source)
    tested = re.findall(r'"([\w-]+)" in request\.(?:GET|POST)\b', source)
    return sorted({*read, *tested})


VIEW_READS = names_views_read()

# Names a form does not have: those views read, ids and flags a mass assignment would take,
# Django's own.
EXTRA_NAMES = st.one_of(
    st.sampled_from(
        [
            *VIEW_READS,
            "id",
            "pk",
            "user",
            "user_id",
            "is_staff",
            "is_superuser",
            "zone",
            "network",
            "role",
            "state",
            "status",
            "action",
            "confirm",
            "next",
            "email",
            "csrfmiddlewaretoken",
            "_method",
            "form-TOTAL_FORMS",
        ]
    ),
    st.text(max_size=12),
)


@dataclass
class Submission:
    """What one example sends: (name, value) pairs and how the body is encoded."""

    pairs: list
    query: list  # (name, value) pairs added to the URL's query string
    encoding: str  # "multipart", "urlencoded" or "raw"
    raw_body: bytes = b""
    raw_type: str = ""


# Over Django's DATA_UPLOAD_MAX_NUMBER_FIELDS.
TOO_MANY_FIELDS = "&".join(f"f{number}=1" for number in range(1100)).encode()
EXTRA_FIELDS = st.lists(st.tuples(EXTRA_NAMES, st.one_of(TEXT, BINARY, UPLOADS)), max_size=3)
# The query string views read next to a form (`?bin=…` on the sign-up form, `?next=…`).
QUERY = st.lists(st.tuples(st.sampled_from([*VIEW_READS, "next"]), TEXT), max_size=2)
ENCODINGS = st.sampled_from(["multipart", "urlencoded", "raw"])


# Values that crash whole families of code, sent to every field at once before the generated
# examples, so that even a short run tries them: NUL (PostgreSQL refuses it in text), a number
# too large for SQLite's integers, and one too long for Python's int() and json.loads().
CLASSICS = ["a\x00b", "99999999999999999999999999999", Huge.of("9", 5_000)]


def classic_submissions(form):
    """One submission per classic value: in every field, extra parameter and the query."""
    names = [*form.fields, *(name for name, _ in form.buttons), *VIEW_READS]
    return [
        Submission(
            [(name, value) for name in names],
            [(name, value) for name in VIEW_READS],
            "multipart",
        )
        for value in CLASSICS
    ]


def submissions(form):
    """Submissions for `form`: its fields' values, a submit button, extra fields, a body."""
    fields = [
        (entry.name, values(entry.kind, tuple(entry.offered))) for entry in form.fields.values()
    ]
    buttons = st.sampled_from([*form.buttons, None])
    return _submissions(fields, buttons)


@st.composite
def _submissions(draw, fields, buttons):
    pairs = []
    for name, strategy in fields:
        pairs += [(name, value) for value in draw(strategy, label=name)]
    button = draw(buttons, label="button")
    if button is not None:
        pairs.append(button)
    pairs += draw(EXTRA_FIELDS, label="extra fields")
    query = draw(QUERY, label="query")
    encoding = draw(ENCODINGS, label="encoding")
    if encoding != "raw":
        return Submission(pairs, query, encoding)
    # A body that does not match its Content-Type, a cut-off multipart body, too many fields.
    body = draw(
        st.one_of(
            st.binary(max_size=300),
            st.just(multipart(pairs)[:-7]),
            st.just(TOO_MANY_FIELDS),
        ),
        label="raw body",
    )
    content_type = draw(RAW_CONTENT_TYPES, label="raw content type")
    return Submission(pairs, query, encoding, body, content_type)


RAW_CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        f"multipart/form-data; boundary={BOUNDARY}",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "application/json",
        "text/plain; charset=utf-16",
        "",
    ]
)

# --- Request bodies -------------------------------------------------------------------------


def _header(text):
    # As browsers send a name or file name in a part's header: raw UTF-8, quotes and line
    # breaks percent-encoded.
    return text.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A").encode()


def multipart(pairs):
    out = io.BytesIO()
    for name, value in pairs:
        out.write(b"--" + BOUNDARY.encode() + b"\r\n")
        out.write(b'Content-Disposition: form-data; name="' + _header(name) + b'"')
        if isinstance(value, Upload):
            out.write(b'; filename="' + _header(value.filename) + b'"')
            if value.content_type:
                out.write(b"\r\nContent-Type: " + value.content_type.encode())
            content = value.content
        else:
            content = value if isinstance(value, bytes) else value.encode()
        out.write(b"\r\n\r\n" + content + b"\r\n")
    out.write(b"--" + BOUNDARY.encode() + b"--\r\n")
    return out.getvalue()


# gunicorn refuses a request line longer than 4,094 bytes (its limit_request_line): a query
# string never brings a megabyte to Django, so one is not worth the seconds it takes to decode.
QUERY_STRING_LIMIT = 4_000


def _quote(value, limit=None):
    if isinstance(value, Huge):
        # Quoting a megabyte character by character takes seconds; a repetition's quoting is
        # its unit's, repeated.
        unit = quote_plus(str(value[: value.unit_length]))
        count = len(value) // value.unit_length
        return unit * (count if limit is None else min(count, limit // len(unit)))
    # A browser sends a file input's file name in a form that is not multipart.
    return quote_plus(value.filename if isinstance(value, Upload) else value)[:limit]


def query_string(pairs, limit=None):
    return "&".join(f"{quote_plus(name)}={_quote(value, limit)}" for name, value in pairs)


def send(client, method, path, submission):
    """The request a browser (or a tool posing as one) would make for this submission."""
    if submission.query:
        path += ("&" if "?" in path else "?") + query_string(submission.query, QUERY_STRING_LIMIT)
    if method == "get":
        separator = "&" if "?" in path else "?"
        return client.get(path + separator + query_string(submission.pairs, QUERY_STRING_LIMIT))
    if submission.encoding == "multipart":
        body, content_type = (
            multipart(submission.pairs),
            f"multipart/form-data; boundary={BOUNDARY}",
        )
    elif submission.encoding == "urlencoded":
        body = query_string(submission.pairs).encode()
        content_type = "application/x-www-form-urlencoded"
    else:
        body, content_type = submission.raw_body, submission.raw_type
    return client.generic("POST", path, body, content_type=content_type)


# --- The database's fingerprint --------------------------------------------------------------


class Writes:
    """The tables a request's SQL wrote to, as a `connection.execute_wrapper`.

    Cheap, but it sees statements, not their effect: a write undone before the answer (a
    savepoint rolled back) shows here too, so `fingerprint` has the last word.
    """

    TARGET = re.compile(
        r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+[`\"]?(\w+)", re.I
    )
    READ = re.compile(r"\s*(?:SELECT|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|PRAGMA|SHOW)\b", re.I)

    def __init__(self):
        self.tables = set()

    def __call__(self, execute, sql, params, many, context):
        target = self.TARGET.match(sql)
        if target:
            self.tables.add(target[1])
        elif not self.READ.match(sql):
            # Anything else (DDL, a WITH … INSERT): assume it may write anywhere.
            self.tables.add("?")
        return execute(sql, params, many, context)


def fingerprint(connection, tables):
    """{table: Counter of its rows}: equal before and after only if no row changed."""
    quote = connection.ops.quote_name
    state = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 (names from the schema)
            rows = cursor.fetchall()
            try:
                state[table] = Counter(rows)
            except TypeError:
                # PostgreSQL gives JSON as dicts and lists, bytea as memoryviews.
                state[table] = Counter(map(repr, rows))
    return state


def changes(before, after, limit=300):
    """What differs, table by table: the rows that are new and the rows that are gone."""
    lines = []
    for table in sorted(before):
        if before[table] == after[table]:
            continue
        added = list((after[table] - before[table]).elements())
        removed = list((before[table] - after[table]).elements())
        lines.append(f"{table}: {len(added)} row(s) written, {len(removed)} row(s) gone")
        lines += [f"  + {str(row)[:limit]}" for row in added[:3]]
        lines += [f"  - {str(row)[:limit]}" for row in removed[:3]]
    return lines
