"""Member list uploads that are too large, damaged or hostile (issue 13, point 3).

Each way a file could break the upload gets a clear message in the coordinator's language, never
a 500; reading and checking happen in the worker, with the file kept in the database meanwhile.
The damaged workbooks are built here with zipfile, part by part, as a broken program or an
attacker would write them.
"""

import io
import json
import os
import sqlite3
import subprocess
import threading
import time
import zipfile
from contextlib import closing

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from nabuur.imports import tasks
from nabuur.imports.models import BatchStatus, ConsentChoice, ImportBatch
from nabuur.imports.readers import UnreadableFile, read_table
from nabuur.imports.services import choose_consent, upload_list

from .test_accounts import with_totp
from .test_import_members import HEADER, streets  # noqa: F401 — a fixture
from .test_worker_kill import NABUUR, WorkerDatabase

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
UPLOAD_URL = "/en/staff/import/centrum/"
HEADER_CELLS = HEADER.split(",")
AN = ["An", "Peeters", "Kerkstraat", 2, None, 2650, "an@example.org"]
JAN = ["Jan", "Janssens", "Kerkstrat", 3, None, 2650, "jan@example.org"]


@pytest.fixture
def coordinator_client(client, coordinator_a):
    client.force_login(with_totp(coordinator_a))
    return client


@pytest.fixture
def immediate_tasks(settings):
    """The worker's task runs at once, inside the request (Django's immediate task backend)."""
    settings.TASKS = IMMEDIATE


def excel(rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def post(client, content, name):
    """Upload `content` as a file called `name`; the page the coordinator ends on, as text."""
    response = client.post(UPLOAD_URL, {"file": SimpleUploadedFile(name, content)}, follow=True)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


# --- A workbook written part by part --------------------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
    f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
    f'Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
ONE_SHEET = '<sheet name="Leden" sheetId="1" r:id="rId1"/>'


def cell(value, reference=None):
    where = f' r="{reference}"' if reference else ""
    if isinstance(value, int):
        return f"<c{where}><v>{value}</v></c>"
    return f'<c{where} t="inlineStr"><is><t>{value}</t></is></c>'


def sheet_row(number, values, references=True, extra=""):
    """A <row>; without `references` its cells carry no `r` and an empty one holds the place."""
    cells = []
    for index, value in enumerate(values):
        if references and value is not None:
            cells.append(cell(value, f"{chr(65 + index)}{number}"))
        elif not references:
            cells.append("<c/>" if value is None else cell(value))
    return f'<row r="{number}">{"".join(cells)}{extra}</row>'


def sheet_xml(rows, merges=()):
    body = "".join(sheet_row(number, row) for number, row in enumerate(rows, 1))
    merged = ""
    if merges:
        refs = "".join(f'<mergeCell ref="{ref}"/>' for ref in merges)
        merged = f'<mergeCells count="{len(merges)}">{refs}</mergeCells>'
    return f'<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData>{merged}</worksheet>'


def workbook_zip(sheet, sheets=ONE_SHEET, parts=None):
    """An .xlsx file from its parts; `parts` replaces or adds parts by name."""
    files = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>{sheets}</sheets>'
            "</workbook>"
        ),
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet,
        **(parts or {}),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text if isinstance(text, bytes) else text.encode())
    return buffer.getvalue()


GOOD_SHEET = sheet_xml([HEADER_CELLS, AN, JAN])


# --- Through the web: the format comes from the content -----------------------------------------


def test_an_excel_list_uploaded_through_the_web_is_checked(
    coordinator_client,
    streets,  # noqa: F811
    immediate_tasks,
):
    page = post(coordinator_client, excel([HEADER_CELLS, AN, JAN]), "leden.xlsx")
    assert "2 rows: 1 can be imported, 1 with problems." in page
    assert "Unknown street “Kerkstrat” in Edegem. Did you mean: Kerkstraat?" in page


@pytest.mark.parametrize("name", ["leden.csv", "ledenlijst", "leden.xlsx.pdf"])
def test_an_excel_list_is_read_whatever_its_name(
    coordinator_client,
    streets,  # noqa: F811
    immediate_tasks,
    name,
):
    page = post(coordinator_client, excel([HEADER_CELLS, AN, JAN]), name)
    assert "2 rows: 1 can be imported, 1 with problems." in page


def test_a_csv_list_called_xlsx_is_read_as_csv(
    coordinator_client,
    streets,  # noqa: F811
    immediate_tasks,
):
    content = f"{HEADER}\nAn,Peeters,Kerkstraat,2,,2650,an@example.org\n".encode()
    page = post(coordinator_client, content, "leden.xlsx")
    assert "1 row: 1 can be imported, 0 with problems." in page


def test_a_csv_field_longer_than_128_kib_is_explained(
    coordinator_client,
    streets,  # noqa: F811
    immediate_tasks,
):
    # A quotation mark that is never closed swallows the rest of the file into one field.
    rest = "".join(f"P{n},Peeters,Kerkstraat,{n},,2650,p{n}@example.org\n" for n in range(3000))
    content = f'{HEADER}\nAn,"Peeters,Kerkstraat,2,,2650,an@example.org\n{rest}'.encode()
    assert len(content) > 128 * 1024
    page = post(coordinator_client, content, "leden.csv")
    assert (
        "Row 2 holds a field that is too long: a quotation mark is probably not closed."
    ) in page
    assert ImportBatch.objects.get().rows.count() == 0


# --- Damaged workbooks, through the command -------------------------------------------------------

DAMAGED = "This Excel file is damaged or incomplete. Open it in your spreadsheet program, save it "
DAMAGED += "again and upload it again."


def command_output(tmp_path, content, capsys):
    path = tmp_path / "leden.xlsx"
    path.write_bytes(content)
    call_command("import_members", str(path), "--bin", "centrum", "--dry-run", "--language", "en")
    return capsys.readouterr().out.splitlines()


def command_error(tmp_path, content):
    path = tmp_path / "leden.xlsx"
    path.write_bytes(content)
    with pytest.raises(CommandError) as error:
        call_command(
            "import_members", str(path), "--bin", "centrum", "--dry-run", "--language", "en"
        )
    return str(error.value)


def test_a_workbook_without_sheets_is_explained(tmp_path, streets):  # noqa: F811
    assert command_error(tmp_path, workbook_zip(GOOD_SHEET, sheets="")) == (
        "This Excel workbook has no worksheet."
    )


def test_a_workbook_with_truncated_xml_is_explained(tmp_path, streets):  # noqa: F811
    truncated = GOOD_SHEET[: len(GOOD_SHEET) * 2 // 3]
    assert command_error(tmp_path, workbook_zip(truncated)) == DAMAGED


@pytest.mark.parametrize("reference", ["A1:", "B2:ZZZZZZ3", "1A:B2", ":", "A0:B2"])
def test_a_workbook_with_a_bad_merge_reference_is_explained(
    tmp_path,
    streets,  # noqa: F811
    reference,
):
    sheet = sheet_xml([HEADER_CELLS, AN, JAN], merges=[reference])
    assert command_error(tmp_path, workbook_zip(sheet)) == DAMAGED


def test_cells_without_a_reference_are_read_in_their_order(tmp_path, streets, capsys):  # noqa: F811
    # `r` is optional in the format: a cell without it follows the one before. The e-mail of
    # row 3 is a formula whose value was never saved.
    body = (
        sheet_row(1, HEADER_CELLS, references=False)
        + sheet_row(2, AN, references=False)
        + sheet_row(3, JAN[:6], references=False, extra="<c><f>LOWER(G2)</f></c>")
    )
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'
    assert command_output(tmp_path, workbook_zip(sheet), capsys) == [
        "row 3: The e-mail address cell holds a formula without a saved value: open the file in "
        "your spreadsheet program and save it again.",
        "row 3: Unknown street “Kerkstrat” in Edegem. Did you mean: Kerkstraat?",
        "2 rows, 1 to import, 1 with problems (dry run: nothing imported).",
    ]


def test_a_merge_over_the_whole_sheet_costs_only_the_real_cells(tmp_path, streets, capsys):  # noqa: F811
    # 5 KB on disk; expanded cell by cell it would be 1.7 × 10¹⁰ entries.
    sheet = sheet_xml([HEADER_CELLS, AN], merges=["A1:XFD1048576"])
    content = workbook_zip(sheet)
    assert len(content) < 5000
    path = tmp_path / "leden.xlsx"
    path.write_bytes(content)
    # Read cell by cell, the merge would never finish; that it answers at all is the check
    # (how fast is `make bench`'s business, not a test's).
    with pytest.raises(CommandError, match="^Nothing could be imported.$"):
        call_command(
            "import_members", str(path), "--bin", "centrum", "--dry-run", "--language", "en"
        )
    # Row 2 lies under the merge: every cell but A1 is hidden, and Excel shows them empty.
    hidden = "cell is part of the merged cells A1:XFD1048576; only the first of them holds a value."
    assert capsys.readouterr().out.splitlines() == [
        f"row 2: The {column} {hidden}"
        for column in (
            "first name",
            "last name",
            "street",
            "house number",
            "box",
            "postcode",
            "e-mail address",
        )
    ] + ["1 rows, 0 to import, 1 with problems (dry run: nothing imported)."]


# --- The reader itself: every damaged or hostile workbook gives a reason ------------------------


def reason(content):
    """The code of the reason read_table gives for refusing `content`."""
    with pytest.raises(UnreadableFile) as error:
        read_table(content)
    return error.value.problem["code"]


def test_a_workbook_that_unpacks_to_too_much_is_refused_early():
    # 60 MB of XML (a comment, here) packs into about 60 KB.
    filler = f"<!--{' ' * 60 * 1024 * 1024}-->"
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData>{filler}</sheetData></worksheet>'
    content = workbook_zip(sheet)
    assert len(content) < 200_000
    assert reason(content) == "too_large_unpacked"


@pytest.mark.parametrize(
    "doctype",
    [
        # The "billion laughs": entities that expand to gigabytes.
        '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
        '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
        '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">'
        "]>",
        # An external entity that would read a file of the server.
        '<!DOCTYPE w [<!ENTITY h SYSTEM "file:///etc/passwd">]>',
    ],
)
def test_entities_in_a_workbook_are_never_expanded(doctype):
    sheet = sheet_xml([HEADER_CELLS, ["&h;", *AN[1:]]])
    assert reason(workbook_zip(doctype + sheet)) == "broken_workbook"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old_excel"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "not_a_list"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_a_list"),
        (b"", "empty"),
        (b" \r\n ", "empty"),
    ],
)
def test_files_that_are_no_list_are_named(content, code):
    assert reason(content) == code


def test_an_opendocument_spreadsheet_is_named():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert reason(buffer.getvalue()) == "opendocument"


@pytest.mark.parametrize(
    "sheet",
    [
        # A shared string that does not exist.
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>7</v></c></row>'
        "</sheetData></worksheet>",
        # Rows that go back up.
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="5"/><row r="3"/></sheetData></worksheet>',
        # A cell beyond Excel's last column, XFD.
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="XFE1"><v>1</v></c></row>'
        "</sheetData></worksheet>",
        # Two cells in one place.
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="B1"><v>1</v></c>'
        '<c r="A1"><v>2</v></c></row></sheetData></worksheet>',
    ],
)
def test_impossible_cells_mark_the_workbook_damaged(sheet):
    assert reason(workbook_zip(sheet)) == "broken_workbook"


def test_overlapping_merges_mark_the_workbook_damaged():
    sheet = sheet_xml([HEADER_CELLS, AN, JAN], merges=["B2:B3", "A3:C3"])
    assert reason(workbook_zip(sheet)) == "broken_workbook"


def test_a_csv_file_saved_as_unicode_text_by_excel_is_read():
    # Excel's "Unicode text": UTF-16 with a byte order mark, tab-separated.
    content = "\t".join(HEADER_CELLS) + "\r\nÈve\tD'Hondt\tKerkstraat\t4\t\t2650\te@x.be\r\n"
    table = read_table(content.encode("utf-16"))
    assert [(row.number, row.values["first_name"]) for row in table.rows] == [(2, "Ève")]


def mutated_workbooks():
    """A real workbook (openpyxl's: shared strings, a merge, a formula), damaged at random: cut
    short, bytes flipped in the archive, or one XML part changed and zipped again properly."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [HEADER_CELLS, AN, JAN, [*AN[:6], "=LOWER(G2)"]]:
        sheet.append(row)
    sheet.merge_cells("B3:B4")
    buffer = io.BytesIO()
    workbook.save(buffer)
    original = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}

    def rezip(name, data):
        changed = io.BytesIO()
        with zipfile.ZipFile(changed, "w", zipfile.ZIP_DEFLATED) as archive:
            for part, text in parts.items():
                archive.writestr(part, data if part == name else text)
        return changed.getvalue()

    def edit(text, start, stop, insert):
        start, stop = sorted((start % (len(text) + 1), stop % (len(text) + 1)))
        return text[:start] + insert + text[stop:]

    positions = st.integers(min_value=0, max_value=10**6)
    cut = positions.map(lambda at: original[: at % len(original)])
    flipped = st.lists(st.tuples(positions, st.integers(1, 255)), min_size=1, max_size=8).map(
        lambda flips: bytes(
            byte ^ {at % len(original): mask for at, mask in flips}.get(index, 0)
            for index, byte in enumerate(original)
        )
    )
    fragments = st.sampled_from(
        [b"", b"<", b">", b"</row>", b'<c r="A1">', b"<v>-1</v>", b'r="0"', b'ref="A1:"', b"&a;"]
    )
    xml_edits = st.builds(
        lambda name, start, stop, insert, noise: rezip(
            name, edit(parts[name], start, stop, insert + noise)
        ),
        st.sampled_from(sorted(name for name in parts if name.endswith((".xml", ".rels")))),
        positions,
        positions,
        fragments,
        st.binary(max_size=20),
    )
    return st.one_of(cut, flipped, xml_edits)


@hypothesis_settings(max_examples=300, deadline=None, derandomize=True)
@given(content=mutated_workbooks())
def test_a_damaged_workbook_gives_a_reason_and_never_another_error(content):
    try:
        table = read_table(content)
    except UnreadableFile as error:
        assert str(error)
    else:
        assert all(row.number > 1 for row in table.rows)


# --- Limits -----------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_at_once(coordinator_client, streets):  # noqa: F811
    line = "An,Peeters,Kerkstraat,2,,2650,an@example.org\n"
    content = f"{HEADER}\n{line * (5 * 1024 * 1024 // len(line) + 1)}".encode()
    assert 5 * 1024 * 1024 < len(content) < 5 * 1024 * 1024 + 100
    page = post(coordinator_client, content, "leden.csv")
    assert "The file is larger than 5.0 MB. Split the list into smaller files." in page
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize(
    ("limit", "rows", "message"),
    [
        (None, 20_001, "The list has more than 20,000 rows. Split it into smaller files."),
        (2, 3, "The list has more than 2 rows. Split it into smaller files."),
    ],
)
def test_a_list_over_the_row_limit_is_refused(
    coordinator_client,
    streets,  # noqa: F811
    immediate_tasks,
    settings,
    limit,
    rows,
    message,
):
    if limit is not None:
        settings.NABUUR_IMPORT_MAX_ROWS = limit
    body = "".join(
        f"P{n},Peeters,Kerkstraat,{n % 99 + 1},,2650,p{n}@example.org\n" for n in range(rows)
    )
    page = post(coordinator_client, f"{HEADER}\n{body}".encode(), "leden.csv")
    assert message in page
    assert ImportBatch.objects.get().rows.count() == 0


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_list_over_the_column_limit_is_refused(
    coordinator_client,
    streets,  # noqa: F811
    immediate_tasks,
    kind,
):
    header = [*HEADER_CELLS, *(f"Extra {n}" for n in range(44))]
    row = [*AN[:4], "", *AN[5:], *(f"x{n}" for n in range(44))]
    assert len(header) == 51
    if kind == "csv":
        content = "\n".join(",".join(str(value) for value in line) for line in (header, row))
        content = content.encode()
    else:
        content = excel([header, row])
    page = post(coordinator_client, content, f"leden.{kind}")
    assert "The list has more than 50 columns. Delete the columns you do not need." in page


# --- The site keeps working during the largest allowed import, on SQLite ------------------------

# A resident signs up through the real service, in a process of its own, every 0.1 s: how long
# each sign-up took, or why it failed, one JSON line each.
SIGN_UPS = """
import json, os, time
from nabuur.members.services import request_membership
from nabuur.networks.models import Network
from nabuur.zones.models import Street

network = Network.objects.get(slug="centrum")
street = Street.objects.get(municipality=network.municipality, name_nl="Kerkstraat")
for n in range(10**6):
    start = time.monotonic()
    try:
        request_membership(
            network=network, email=f"signup{n}.{os.getpid()}@example.org", street=street,
            house_number=n % 99 + 1, postcode="2650", first_name="Sam", last_name="Segers",
        )
        outcome = {"seconds": time.monotonic() - start}
    except Exception as error:
        outcome = {"error": repr(error), "seconds": time.monotonic() - start}
    print(json.dumps(outcome), flush=True)
    time.sleep(0.1)
"""
# The longest a page may wait for the database before a person gives up on it.
PATIENCE_SECONDS = 5


def start(database, *command):
    environment = dict(
        os.environ, DATABASE_URL=database.url, NABUUR_ENV="test", NABUUR_EMAIL_URL="memory://"
    )
    return subprocess.Popen(
        [NABUUR, *command],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def batch_in_file(database, batch_id):
    """(status, done_rows) of a batch, read from the workers' SQLite file."""
    with closing(sqlite3.connect(database.file, timeout=PATIENCE_SECONDS)) as reader:
        return reader.execute(
            "SELECT status, done_rows FROM imports_importbatch WHERE id = ?", [batch_id]
        ).fetchone()


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def sign_ups_while_the_worker_runs(database, until, timeout):
    """Residents sign up while `nabuur worker` runs, until `until()` holds; the outcomes of the
    sign-ups made meanwhile."""
    sign_ups = start(database, "shell", "-c", SIGN_UPS)
    outcomes = []
    reader = threading.Thread(
        target=lambda: outcomes.extend(
            json.loads(line) for line in sign_ups.stdout if line.startswith("{")
        )
    )
    reader.start()
    worker = None
    try:
        wait_for(lambda: outcomes, 60, "the first sign-up")
        before = len(outcomes)
        worker = start(database, "worker", "--interval", "0.05")
        wait_for(lambda: worker.poll() is not None or until(), timeout, "the worker")
        assert worker.poll() is None, worker.communicate()[1]
        during = len(outcomes)
    finally:
        if worker is not None:
            worker.kill()
            worker.communicate(timeout=30)
        sign_ups.terminate()
        sign_ups.communicate(timeout=30)
        reader.join(timeout=30)
    return outcomes[before:during]


def largest_list():
    """NABUUR_IMPORT_MAX_ROWS good rows, padded with a remark column to just under
    NABUUR_IMPORT_MAX_BYTES."""
    rows, limit = settings.NABUUR_IMPORT_MAX_ROWS, settings.NABUUR_IMPORT_MAX_BYTES
    header = f"{HEADER},Opmerking\n"
    lines = [f"An,Peeters,Kerkstraat,{n % 99 + 1},,2650,p{n:05}@example.org," for n in range(rows)]
    width = (limit - len(header)) // rows
    content = (header + "".join(f"{line:x<{width - 1}}\n" for line in lines)).encode()
    assert limit - rows < len(content) <= limit
    return content


def assert_the_site_kept_working(outcomes):
    assert len(outcomes) >= 3, "too few sign-ups while the worker ran to tell"
    assert [outcome for outcome in outcomes if "error" in outcome] == []
    assert max(outcome["seconds"] for outcome in outcomes) < PATIENCE_SECONDS


@pytest.mark.django_db(transaction=True)
def test_residents_sign_up_while_the_worker_checks_and_imports_the_largest_list(
    tmp_path,
    streets,  # noqa: F811
    bin_a,
    coordinator_a,
):
    if connection.vendor != "sqlite":
        pytest.skip("about SQLite, where one writer at a time holds the database")
    batch = upload_list(bin_a, coordinator_a, largest_list(), "groot.csv")
    tasks.check_batch.enqueue(batch.pk)
    (tmp_path / "check").mkdir()
    database = WorkerDatabase(tmp_path / "check")

    outcomes = sign_ups_while_the_worker_runs(
        database, lambda: batch_in_file(database, batch.pk)[0] == BatchStatus.PREVIEWED, 300
    )

    assert_the_site_kept_working(outcomes)
    database.bring_back()
    batch.refresh_from_db()
    assert (batch.total_rows, batch.problem_rows) == (settings.NABUUR_IMPORT_MAX_ROWS, 0)

    # The import of all 20,000 rows takes minutes; the first thousand show the rhythm it keeps.
    assert choose_consent(batch, coordinator_a, ConsentChoice.ASK)
    tasks.import_batch.enqueue(batch.pk)
    (tmp_path / "import").mkdir()
    database = WorkerDatabase(tmp_path / "import")

    outcomes = sign_ups_while_the_worker_runs(
        database, lambda: batch_in_file(database, batch.pk)[1] >= 1000, 300
    )

    assert_the_site_kept_working(outcomes)
