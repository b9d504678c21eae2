"""Exports: a person's data as a zip (JSON and CSV), and a BIN's member list (CSV, XLSX)."""

import csv
import io
import json
import zipfile

from django.utils.translation import gettext as _
from openpyxl import Workbook

from nabuur.privacy.registry import export_person


def person_zip(user, zone=None) -> bytes:
    """A person's data as a ZIP: `nabuur.json` and a CSV file per kind of row. With a zone,
    what that zone holds (and the account, which serves every zone); `about.txt` says which."""
    data = export_person(user, zone)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("about.txt", _about_export(zone))
        archive.writestr("nabuur.json", json.dumps(data, ensure_ascii=False, indent=2))
        for label, rows in data.items():
            if not rows:
                continue
            text = io.StringIO()
            columns = list(dict.fromkeys(key for row in rows for key in row))
            writer = csv.DictWriter(text, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
            # Excel opens UTF-8 CSV correctly only with the byte order mark.
            archive.writestr(f"{label}.csv", "\ufeff" + text.getvalue())
    return buffer.getvalue()


def _about_export(zone):
    if zone is None:
        return _("These are all the personal data Nabuur holds about you.") + "\n"
    return (
        _(
            "These are the personal data that %(zone)s holds about you, the data controller of "
            "this site, and your account, which serves every police zone. Another police zone "
            "where you are a member gives you its data on its own site."
        )
        % {"zone": zone.name}
        + "\n"
    )


# Spreadsheet programs run a cell that starts like a formula; a leading apostrophe shows it as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The cell's text, made safe to open in Excel or LibreOffice (no formula injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def member_list_rows(memberships):
    """The header and one row per membership, as the coordinator's export shows them."""
    yield [
        _("First name"),
        _("Last name"),
        _("E-mail address"),
        _("Telephone"),
        _("Address"),
        _("Postcode"),
        _("Status"),
        _("Joined"),
        _("Letters by post"),
    ]
    for membership in memberships:
        user = membership.user
        yield [
            neutralise(value)
            for value in (
                user.first_name,
                user.last_name,
                user.email or "",
                user.phone,
                membership.address_line,
                membership.postcode,
                membership.get_status_display(),
                membership.requested_at.date().isoformat(),
                _("yes") if membership.letters_by_post else "",
            )
        ]


def member_list_csv(memberships) -> bytes:
    text = io.StringIO()
    # Semicolons, because Excel in Belgium expects them; the byte order mark, so it reads UTF-8.
    writer = csv.writer(text, delimiter=";")
    writer.writerows(member_list_rows(memberships))
    return ("\ufeff" + text.getvalue()).encode()


def member_list_xlsx(memberships) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_("Members")))
    for row in member_list_rows(memberships):
        sheet.append([str(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
