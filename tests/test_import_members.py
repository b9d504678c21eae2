"""Reading, checking and importing member lists (nabuur.imports), and the command."""

import openpyxl
import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import translation

from nabuur.audit.models import AuditEntry
from nabuur.imports.checks import describe
from nabuur.imports.models import BatchStatus, ConsentChoice, ImportBatch, ImportRow
from nabuur.imports.readers import UnreadableFile, read_table
from nabuur.imports.services import check_batch, choose_consent, run_import, upload_list
from nabuur.members.models import Consent, Membership, MembershipStatus

from . import factories
from .smtp_sink import SmtpSink

HEADER = "Voornaam,Naam,Straat,Huisnummer,Bus,Postcode,E-mail"


@pytest.fixture
def streets(municipality, bin_a, bin_b):
    """Kerkstraat and Rue de l'Église lie in BIN A, Molenstraat in BIN B, Veldweg in none."""
    made = {}
    for name, network in [
        ("Kerkstraat", bin_a),
        ("Rue de l'Église", bin_a),
        ("Molenstraat", bin_b),
        ("Veldweg", None),
    ]:
        street = factories.SearchableStreetFactory(
            municipality=municipality, name_nl=name, postcode="2650"
        )
        if network is not None:
            factories.SegmentFactory(network=network, street=street)
        made[name] = street
    return made


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def rows_of(path):
    table = read_table(path.read_bytes())
    return table, [(row.number, row.values, row.notes) for row in table.rows]


def preview_import(network, actor, path, file_name):
    """Upload the file at `path` and check it, as the worker does: the previewed batch."""
    batch = upload_list(network, actor, path.read_bytes(), file_name)
    return check_batch(batch.pk)


def test_reads_a_comma_separated_utf8_file_in_any_column_order(tmp_path):
    path = write(
        tmp_path,
        "leden.csv",
        "E-mail,Naam,Voornaam,Straat,Huisnummer,Opmerking\n"
        "eve@example.org,D'Hondt,Ève,Kerkstraat,12A,vriendelijk\n",
    )
    table, rows = rows_of(path)
    assert table.ignored == ["Opmerking"]
    assert rows == [
        (
            2,
            {
                "email": "eve@example.org",
                "last_name": "D'Hondt",
                "first_name": "Ève",
                "street": "Kerkstraat",
                "house_number": "12A",
            },
            [],
        )
    ]


def test_reads_semicolons_and_a_byte_order_mark(tmp_path):
    path = write(
        tmp_path, "leden.csv", "\ufeffVoornaam;Naam;Straat;E-mail\nJosé;Maes;Kerkstraat 4;j@x.be\n"
    )
    _table, rows = rows_of(path)
    assert rows == [
        (
            2,
            {
                "first_name": "José",
                "last_name": "Maes",
                "street": "Kerkstraat 4",
                "email": "j@x.be",
            },
            [],
        )
    ]


def test_reads_windows_1252_with_french_headers(tmp_path):
    path = write(
        tmp_path,
        "membres.csv",
        "Prénom;Nom;Rue;Numéro;Boîte;Code postal;Commune;Courriel;GSM;Langue\r\n"
        "Françoise;L’Écuyer;Rue de l'Église;5;2;2650;Edegem;f@x.be;0470 12 34 56;français\r\n",
        encoding="cp1252",
    )
    _table, rows = rows_of(path)
    assert rows[0][1] == {
        "first_name": "Françoise",
        "last_name": "L’Écuyer",
        "street": "Rue de l'Église",
        "house_number": "5",
        "box": "2",
        "postcode": "2650",
        "municipality": "Edegem",
        "email": "f@x.be",
        "phone": "0470 12 34 56",
        "language": "français",
    }


def test_a_file_without_the_needed_columns_is_refused(tmp_path):
    path = write(tmp_path, "leden.csv", "Voornaam,Naam\nAn,Peeters\n")
    with pytest.raises(UnreadableFile) as error:
        read_table(path.read_bytes())
    assert error.value.problem == {"code": "missing_columns", "columns": ["street"]}
    # The sentence comes in the language of whoever reads it, not of the worker that read.
    with translation.override("en"):
        assert str(error.value) == "These columns are missing: street."
    with translation.override("fr"):
        assert str(error.value) == str(
            translation.gettext("These columns are missing: %(columns)s.") % {"columns": "rue"}
        )


def xlsx(tmp_path, rows, merge=None, name="leden.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    path = tmp_path / name
    workbook.save(path)
    return path


def test_reads_xlsx_flagging_formulas_without_a_value_and_merged_cells(tmp_path):
    path = xlsx(
        tmp_path,
        [
            ["Ledenlijst BIN Centrum"],
            ["Voornaam", "Naam", "Straat", "Huisnummer", "Postcode", "E-mail"],
            ["An", "Peeters", "Kerkstraat", 12, 2650, "an@example.org"],
            ["Bert", "Peeters", "Kerkstraat", 14, 2650, '=LOWER("BERT@EXAMPLE.ORG")'],
            ["Cis", "Claes", "Kerkstraat", 16, 2650, "cis@example.org"],
        ],
        merge="B3:B5",
    )
    _table, rows = rows_of(path)
    assert rows == [
        (
            3,
            {
                "first_name": "An",
                "last_name": "Peeters",
                "street": "Kerkstraat",
                "house_number": "12",
                "postcode": "2650",
                "email": "an@example.org",
            },
            [],
        ),
        (
            4,
            {
                "first_name": "Bert",
                "last_name": "",
                "street": "Kerkstraat",
                "house_number": "14",
                "postcode": "2650",
                "email": "",
            },
            [
                {"code": "merged", "field": "last_name", "range": "B3:B5"},
                {"code": "formula", "field": "email"},
            ],
        ),
        (
            5,
            {
                "first_name": "Cis",
                "last_name": "",
                "street": "Kerkstraat",
                "house_number": "16",
                "postcode": "2650",
                "email": "cis@example.org",
            },
            [{"code": "merged", "field": "last_name", "range": "B3:B5"}],
        ),
    ]


def problems(batch):
    # English, so the assertions hold before and after the translation pass.
    with translation.override("en"):
        return {
            row.number: [describe(p) for p in row.problems]
            for row in batch.rows.filter(has_problems=True)
        }


def test_preview_lists_each_problem_with_suggestions(tmp_path, streets, bin_a, coordinator_a):
    factories.MembershipFactory(
        network=bin_a, street=streets["Kerkstraat"], user__email="old@example.org"
    )
    path = write(
        tmp_path,
        "leden.csv",
        f"{HEADER}\n"
        "Ève,D'Hondt,Kerkstraat,12A,,2650,eve@example.org\n"  # 2 good
        "Jan,Janssens,Kerkstrat,3,,2650,jan@example.org\n"  # 3 unknown street
        "Piet,Pieters,Molenstraat,8,,2650,piet@example.org\n"  # 4 in BIN B
        "Mia,Maes,Veldweg,8,,2650,mia@example.org\n"  # 5 in no BIN
        "Eva,D'Hondt,Kerkstraat,14,,2650,EVE@example.org\n"  # 6 duplicate of 2
        "Oud,Lid,Kerkstraat,16,,2650,old@example.org\n"  # 7 already a member
        "Tom,Claes,Kerkstraat,18,,2650,tom@example\n"  # 8 invalid e-mail
        ",Claes,Rue de l'Église,5,2,2650,zoe@example.org\n"  # 9 missing name
        "Zoë,Lambrechts,rue de l eglise,7,b,,zoe2@example.org\n",  # 10 good
    )
    batch = preview_import(bin_a, coordinator_a, path, "leden.csv")
    assert (batch.total_rows, batch.problem_rows, batch.good_rows) == (9, 7, 2)
    assert problems(batch) == {
        3: ["Unknown street “Kerkstrat” in Edegem. Did you mean: Kerkstraat?"],
        4: ["This address lies outside BIN Centrum, in BIN Elsdonk."],
        5: ["This address lies outside BIN Centrum and no BIN covers it."],
        6: ["The same e-mail address as row 2."],
        7: ["Already a member of this BIN, or waiting for confirmation."],
        8: ["“tom@example” is not a valid e-mail address."],
        9: ["The first name or the last name is missing."],
    }
    good = {row.number: row.data for row in batch.rows.filter(has_problems=False)}
    assert good[2]["first_name"] == "Ève" and good[2]["last_name"] == "D'Hondt"
    assert (good[2]["number"], good[2]["suffix"], good[2]["postcode_value"]) == (12, "A", "2650")
    assert (good[10]["street_id"], good[10]["box_value"]) == (streets["Rue de l'Église"].pk, "b")
    entry = AuditEntry.objects.get(action="imports.preview")
    assert entry.actor_id == coordinator_a.pk
    assert entry.details == {"batch": batch.pk, "rows": 9, "problem_rows": 7}


def test_twenty_thousand_rows_with_three_thousand_bad_ones(tmp_path, streets, bin_a, coordinator_a):
    lines = [HEADER]
    for index in range(20_000):
        if index % 20 < 3:
            # 3 in 20 are bad: an unknown street, an invalid e-mail, a missing name.
            bad = index % 20
            street = "Kerkstrat" if bad == 0 else "Kerkstraat"
            email = f"p{index}@example" if bad == 1 else f"p{index}@example.org"
            first = "" if bad == 2 else "An"
            lines.append(f"{first},Peeters,{street},{index % 200 + 1},,2650,{email}")
        else:
            lines.append(
                f"An,O'Brien-Ñúñez,Kerkstraat,{index % 200 + 1},,2650,p{index}@example.org"
            )
    path = write(tmp_path, "groot.csv", "\n".join(lines) + "\n")
    batch = preview_import(bin_a, coordinator_a, path, "groot.csv")
    assert (batch.total_rows, batch.problem_rows, batch.good_rows) == (20_000, 3_000, 17_000)
    assert ImportRow.objects.filter(batch=batch).count() == 20_000


def previewed(tmp_path, bin_a, coordinator_a, body):
    path = write(tmp_path, "leden.csv", f"{HEADER}\n{body}")
    return preview_import(bin_a, coordinator_a, path, "leden.csv")


GOOD_AND_BAD = (
    "An,Peeters,Kerkstraat,2,,2650,an@example.org\n"
    "Jan,Janssens,Kerkstrat,3,,2650,jan@example.org\n"
    "Ève,D'Hondt,Kerkstraat,4,,2650,eve@example.org\n"
)


def test_import_asks_each_member_to_confirm(
    tmp_path, streets, bin_a, coordinator_a, django_capture_on_commit_callbacks
):
    batch = previewed(tmp_path, bin_a, coordinator_a, GOOD_AND_BAD)
    assert choose_consent(batch, coordinator_a, ConsentChoice.ASK) is True
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = run_import(batch.pk)
        # Nothing leaves before the import's transaction commits.
        assert mail.outbox == []
    assert len(callbacks) == 2
    assert (batch.status, batch.imported_rows, batch.problem_rows) == (BatchStatus.IMPORTED, 2, 1)
    memberships = Membership.objects.filter(network=bin_a).order_by("house_number")
    assert [(m.user.email, m.user.last_name, m.status) for m in memberships] == [
        ("an@example.org", "Peeters", MembershipStatus.PENDING),
        ("eve@example.org", "D'Hondt", MembershipStatus.PENDING),
    ]
    assert sorted(message.to[0] for message in mail.outbox) == ["an@example.org", "eve@example.org"]
    assert all("/nl/join/confirm/" in message.body for message in mail.outbox)
    # The good rows are gone (now memberships); the problem row stays for the list to fix.
    assert list(batch.rows.values_list("number", flat=True)) == [3]
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", "details"))
    assert actions == [
        ("imports.upload", {"batch": batch.pk, "bytes": len(f"{HEADER}\n{GOOD_AND_BAD}".encode())}),
        ("imports.preview", {"batch": batch.pk, "rows": 3, "problem_rows": 1}),
        ("imports.consent", {"batch": batch.pk, "consent": "ask", "note": ""}),
        ("imports.import", {"batch": batch.pk, "consent": "ask", "imported": 2, "skipped": 0}),
    ]


def test_import_with_recorded_consent_activates_and_keeps_the_note(
    tmp_path, streets, bin_a, coordinator_a, django_capture_on_commit_callbacks
):
    note = "paper forms signed at the info evening of 3 May 2026"
    batch = previewed(tmp_path, bin_a, coordinator_a, GOOD_AND_BAD)
    choose_consent(batch, coordinator_a, ConsentChoice.RECORDED, note)
    with django_capture_on_commit_callbacks(execute=True):
        run_import(batch.pk)
        assert mail.outbox == []
    # The welcome e-mails, after the commit.
    assert sorted(message.to[0] for message in mail.outbox) == ["an@example.org", "eve@example.org"]
    assert set(Membership.objects.filter(network=bin_a).values_list("status", flat=True)) == {
        MembershipStatus.ACTIVE
    }
    assert AuditEntry.objects.get(action="imports.consent").details == {
        "batch": batch.pk,
        "consent": "recorded",
        "note": note,
    }
    assert not Consent.objects.exclude(source_note=note).exists()


@pytest.mark.parametrize("consent", [ConsentChoice.ASK, ConsentChoice.RECORDED])
def test_a_failure_mid_import_leaves_nothing_behind_and_sends_no_email(
    tmp_path, streets, bin_a, coordinator_a, django_capture_on_commit_callbacks, consent
):
    batch = previewed(
        tmp_path,
        bin_a,
        coordinator_a,
        "".join(f"P{n},Peeters,Kerkstraat,{n},,2650,p{n}@example.org\n" for n in range(1, 6)),
    )
    # Row 4 now breaks a database constraint (a house number must not be negative).
    row = batch.rows.get(number=4)
    row.data["number"] = -4
    row.save(update_fields=["data"])
    choose_consent(batch, coordinator_a, consent, "paper forms")
    before = Membership.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Exception),  # noqa: B017, PT011 — whatever the database raises
    ):
        run_import(batch.pk)
    # Rows 1 to 3 were imported before row 4 failed: their e-mails went with the rollback.
    assert callbacks == []
    assert mail.outbox == []
    assert Membership.objects.count() == before
    batch.refresh_from_db()
    assert (batch.status, batch.imported_rows) == (BatchStatus.FAILED, 0)
    assert batch.rows.count() == 5
    assert AuditEntry.objects.filter(action="imports.import").count() == 0
    assert AuditEntry.objects.get(action="imports.failed").details["batch"] == batch.pk


def test_an_email_the_relay_refuses_after_the_commit_keeps_the_import_and_the_others(
    tmp_path, streets, bin_a, coordinator_a, settings, django_capture_on_commit_callbacks
):
    sink = SmtpSink().start()
    try:
        settings.MAILERS = sink.mailers()
        sink.fail_next(1, "550 5.1.1 No such user")
        batch = previewed(tmp_path, bin_a, coordinator_a, GOOD_AND_BAD)
        choose_consent(batch, coordinator_a, ConsentChoice.ASK)
        with django_capture_on_commit_callbacks(execute=True):
            batch = run_import(batch.pk)
    finally:
        sink.stop()
    assert (batch.status, batch.imported_rows) == (BatchStatus.IMPORTED, 2)
    assert Membership.objects.filter(network=bin_a).count() == 2
    # The first e-mail was refused; the second still left.
    assert [received.rcpt_tos for received in sink.envelopes] == [["eve@example.org"]]


def test_confirming_twice_imports_once(tmp_path, streets, bin_a, coordinator_a):
    batch = previewed(tmp_path, bin_a, coordinator_a, GOOD_AND_BAD)
    assert choose_consent(batch, coordinator_a, ConsentChoice.ASK) is True
    assert choose_consent(batch, coordinator_a, ConsentChoice.RECORDED, "twice") is False
    run_import(batch.pk)
    run_import(batch.pk)
    assert Membership.objects.filter(network=bin_a).count() == 2
    assert AuditEntry.objects.filter(action="imports.consent").count() == 1
    assert ImportBatch.objects.get().consent == ConsentChoice.ASK


def test_the_command_prints_each_problem_and_imports_the_good_rows(
    tmp_path, streets, bin_a, capsys
):
    path = write(tmp_path, "leden.csv", f"{HEADER}\n{GOOD_AND_BAD}Tom,,Kerkstraat,5,,2650,tom@x\n")
    call_command("import_members", str(path), "--bin", "centrum", "--language", "en")
    assert capsys.readouterr().out.splitlines() == [
        "row 3: Unknown street “Kerkstrat” in Edegem. Did you mean: Kerkstraat?",
        "row 5: The first name or the last name is missing.",
        "row 5: “tom@x” is not a valid e-mail address.",
        "4 rows, 2 imported, 2 with problems.",
    ]
    assert Membership.objects.filter(network=bin_a).count() == 2


def test_the_command_dry_run_imports_nothing(tmp_path, streets, bin_a, capsys):
    path = write(tmp_path, "leden.csv", f"{HEADER}\n{GOOD_AND_BAD}")
    call_command("import_members", str(path), "--bin", "centrum", "--dry-run", "--language", "en")
    assert capsys.readouterr().out.splitlines() == [
        "row 3: Unknown street “Kerkstrat” in Edegem. Did you mean: Kerkstraat?",
        "3 rows, 2 to import, 1 with problems (dry run: nothing imported).",
    ]
    assert Membership.objects.filter(network=bin_a).count() == 0
    assert ImportBatch.objects.count() == 0


def test_the_command_fails_when_nothing_can_be_imported(tmp_path, streets, bin_a, capsys):
    path = write(
        tmp_path, "leden.csv", f"{HEADER}\nJan,Janssens,Kerkstrat,3,,2650,jan@example.org\n"
    )
    with pytest.raises(CommandError, match="Nothing could be imported."):
        call_command("import_members", str(path), "--bin", "centrum", "--language", "en")
    assert capsys.readouterr().out.splitlines() == [
        "row 2: Unknown street “Kerkstrat” in Edegem. Did you mean: Kerkstraat?",
        "1 rows, 0 imported, 1 with problems.",
    ]


def test_the_command_records_consent_for_a_coordinator(tmp_path, streets, bin_a, coordinator_a):
    path = write(tmp_path, "leden.csv", f"{HEADER}\n{GOOD_AND_BAD}")
    with pytest.raises(CommandError, match="--by"):
        call_command("import_members", str(path), "--bin", "centrum", "--consent-note", "paper")
    call_command(
        "import_members",
        str(path),
        "--bin",
        "centrum",
        "--consent-note",
        "paper forms",
        "--by",
        coordinator_a.email,
    )
    assert Membership.objects.filter(network=bin_a, status=MembershipStatus.ACTIVE).count() == 2


def test_an_error_in_a_later_transaction_keeps_the_rows_committed_before_it(
    tmp_path, streets, bin_a, coordinator_a, django_capture_on_commit_callbacks
):
    # 150 rows: the first IMPORT_CHUNK (100) commit together, then row 120 breaks a constraint.
    batch = previewed(
        tmp_path,
        bin_a,
        coordinator_a,
        "".join(f"P{n},Peeters,Kerkstraat,{n},,2650,p{n}@example.org\n" for n in range(1, 151)),
    )
    row = batch.rows.get(number=120)
    row.data["number"] = -120
    row.save(update_fields=["data"])
    choose_consent(batch, coordinator_a, ConsentChoice.ASK)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Exception),  # noqa: B017, PT011 — whatever the database raises
    ):
        run_import(batch.pk)

    batch.refresh_from_db()
    assert (batch.status, batch.imported_rows, batch.done_rows) == (BatchStatus.FAILED, 100, 100)
    assert Membership.objects.filter(network=bin_a).count() == 100
    # The committed rows' people were asked to confirm; the rolled-back ones were not.
    assert len(mail.outbox) == 100
    assert list(batch.rows.values_list("number", flat=True)) == list(range(102, 152))
    assert AuditEntry.objects.get(action="imports.failed").details == {
        "batch": batch.pk,
        "error": batch.error,
        "imported": 100,
    }


def test_a_check_that_died_half_way_starts_again_from_the_file(streets, bin_a, coordinator_a):
    batch = upload_list(bin_a, coordinator_a, f"{HEADER}\n{GOOD_AND_BAD}".encode(), "leden.csv")
    ImportRow.objects.create(batch=batch, number=3, data={"email": "left@example.org"})

    batch = check_batch(batch.pk)

    assert (batch.status, batch.total_rows, batch.problem_rows) == (BatchStatus.PREVIEWED, 3, 1)
    assert not ImportRow.objects.filter(data__email="left@example.org").exists()


# --- Issue 14, point 10: rows without e-mail, postcodes that do not match -------------------------


def test_a_row_without_an_email_address_is_imported_with_recorded_consent(
    tmp_path, streets, bin_a, coordinator_a, django_capture_on_commit_callbacks
):
    batch = previewed(
        tmp_path,
        bin_a,
        coordinator_a,
        "An,Peeters,Kerkstraat,2,,2650,an@example.org\nMia,Maes,Kerkstraat,6,,2650,\n",
    )
    assert (batch.total_rows, batch.problem_rows) == (2, 0)
    choose_consent(batch, coordinator_a, ConsentChoice.RECORDED, "paper forms")
    with django_capture_on_commit_callbacks(execute=True):
        batch = run_import(batch.pk)
    assert (batch.status, batch.imported_rows) == (BatchStatus.IMPORTED, 2)
    mia = Membership.objects.get(user__last_name="Maes")
    # No e-mail: she gets letters by post; only An is welcomed by e-mail.
    assert (mia.status, mia.user.email, mia.address_line) == (
        MembershipStatus.ACTIVE,
        None,
        "Kerkstraat 6",
    )
    assert [message.to for message in mail.outbox] == [["an@example.org"]]


def test_a_row_without_an_email_address_cannot_be_asked_to_confirm_by_email(
    tmp_path, streets, bin_a, coordinator_a
):
    batch = previewed(
        tmp_path,
        bin_a,
        coordinator_a,
        "An,Peeters,Kerkstraat,2,,2650,an@example.org\nMia,Maes,Kerkstraat,6,,2650,\n",
    )
    choose_consent(batch, coordinator_a, ConsentChoice.ASK)
    batch = run_import(batch.pk)
    assert (batch.imported_rows, batch.problem_rows) == (1, 1)
    assert problems(batch) == {
        3: [
            "No e-mail address to ask this person to confirm: import this row with the consent "
            "you recorded, or add the person by hand."
        ]
    }
    assert list(Membership.objects.values_list("user__email", flat=True)) == ["an@example.org"]


def test_a_list_without_an_email_column_is_read(tmp_path, streets, bin_a, coordinator_a):
    path = write(tmp_path, "leden.csv", "Voornaam;Naam;Straat;Huisnummer\nMia;Maes;Kerkstraat;6\n")
    batch = preview_import(bin_a, coordinator_a, path, "leden.csv")
    assert (batch.status, batch.total_rows, batch.problem_rows) == (BatchStatus.PREVIEWED, 1, 0)


def test_a_person_without_email_already_in_the_bin_or_twice_in_the_list_is_reported(
    tmp_path, streets, bin_a, coordinator_a
):
    factories.MembershipFactory(
        network=bin_a,
        street=streets["Kerkstraat"],
        house_number=6,
        user__first_name="Mia",
        user__last_name="Maes",
        user__email="",
    )
    batch = previewed(
        tmp_path,
        bin_a,
        coordinator_a,
        "Mia,MAES,Kerkstraat,6,,2650,\nJos,Maes,Kerkstraat,8,,2650,\njos,Maes,Kerkstraat,8,,,\n",
    )
    assert problems(batch) == {
        2: ["Already a member of this BIN, or waiting for confirmation."],
        4: ["The same person at the same address as row 3."],
    }


@pytest.mark.parametrize("postcode", ["2600", "9999"])
def test_a_postcode_that_is_not_the_streets_is_reported_not_replaced(
    tmp_path, streets, bin_a, coordinator_a, postcode
):
    batch = previewed(
        tmp_path, bin_a, coordinator_a, f"Mia,Maes,Kerkstraat,6,,{postcode},mia@example.org\n"
    )
    assert problems(batch) == {
        2: [f"Kerkstraat in Edegem has the postcode 2650, not {postcode}."],
    }
