"""The erasure register: every erasure, also written outside the database.

A database restored from a backup holds again the people erased since that backup was made.
Each erasure is therefore also appended to a JSON-lines file (`NABUUR_ERASURE_REGISTER`) that
the database backup does not contain, and `nabuur replay_erasures` applies again, after a
restore, every erasure registered since the restored dump.

The register must not itself become a list of the people who asked to be forgotten: a line
names the person only by their id (the same in the restored database) and a keyed hash of the
e-mail address they had, which confirms that the id is still theirs (an id given out anew after
the restore to someone else does not match) and which nobody can turn back into an address
without the site's secret key. No names, no addresses.
"""

import fcntl
import hashlib
import hmac
import json
import os
from datetime import datetime
from pathlib import Path

from django.conf import settings

PERSON, ZONE = "person", "zone"


def email_key(email):
    """The keyed hash of an e-mail address the register names a person by ("" for none)."""
    if not email:
        return ""
    key = hashlib.sha256(f"nabuur.erasures:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def _path():
    return Path(settings.ERASURE_REGISTER)


def append(line: dict) -> None:
    """Append one erasure to the register and make sure it reached the disk.

    A failure raises: the caller's transaction then rolls back, so no erasure is made that a
    restore could undo without trace.
    """
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(line, sort_keys=True, separators=(",", ":")) + "\n"
    with path.open("a", encoding="utf-8") as register:
        # Web and worker processes may erase at the same moment: one line at a time.
        fcntl.flock(register, fcntl.LOCK_EX)
        try:
            register.write(text)
            register.flush()
            os.fsync(register.fileno())
        finally:
            fcntl.flock(register, fcntl.LOCK_UN)


def person_line(at, person_id, email, zone):
    """The register's line for the erasure of person `person_id` in `zone` (None: everywhere)."""
    return {
        "at": at.isoformat(),
        "kind": PERSON,
        "person": person_id,
        "email_key": email_key(email),
        "zone": zone.slug if zone is not None else None,
    }


def zone_line(at, zone):
    """The register's line for the offboarding of a whole zone."""
    return {"at": at.isoformat(), "kind": ZONE, "zone": zone.slug}


def read(since=None):
    """The registered erasures, oldest first; with `since` (an aware datetime) only the later
    ones. A line cut short by a crash while it was written is skipped."""
    path = _path()
    if not path.exists():
        return []
    lines = []
    with path.open(encoding="utf-8") as register:
        for text in register:
            try:
                line = json.loads(text)
            except json.JSONDecodeError:
                continue
            if since is None or datetime.fromisoformat(line["at"]) > since:
                lines.append(line)
    return sorted(lines, key=lambda line: line["at"])
