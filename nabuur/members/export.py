"""A person's data as a zip: one JSON file with everything, one CSV file per kind of row."""

import csv
import io
import json
import zipfile

from nabuur.privacy.registry import export_person


def person_zip(user) -> bytes:
    data = export_person(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
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
