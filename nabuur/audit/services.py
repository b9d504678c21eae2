"""Write and check the audit log, inside the caller's transaction.

The log knows no roles and no places: apps above staff record through nabuur.staff.auditing,
which names the capacity the person acted in and the zone the action took place in; an app
below staff (zones) passes the role its caller gives it and the zone itself.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, connection, models, transaction

from nabuur.lib import clock

from .models import GENESIS_HASH, HASH_VERSION, AuditEntry, AuditHead


def _object_ref(target):
    if target is None:
        return "", ""
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk)
    object_type, object_id = target
    return str(object_type), str(object_id)


def _user_id(person):
    return person if isinstance(person, int) else person.pk


def _zone_id(zone):
    return zone if zone is None or isinstance(zone, int) else zone.pk


# The log's statements in SQL of our own: they run on every page that shows personal data,
# and Django takes longer to build them through the ORM than the database to run them.
_HEAD = AuditHead._meta.db_table
_READ_HEAD = f"SELECT seq, hash FROM {_HEAD} WHERE id = 1"  # noqa: S608 — a constant name
_MOVE_HEAD = f"UPDATE {_HEAD} SET seq = %s, hash = %s, updated_at = %s WHERE id = 1"  # noqa: S608
_ENTRY_FIELDS = [field for field in AuditEntry._meta.concrete_fields if not field.primary_key]
_INSERT_ENTRY = "INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING id".format(  # noqa: S608
    table=AuditEntry._meta.db_table,
    columns=", ".join(f'"{field.column}"' for field in _ENTRY_FIELDS),
    values=", ".join(["%s"] * len(_ENTRY_FIELDS)),
)
# On PostgreSQL the entry and the head's move are one statement: a statement costs the database
# more to receive and parse than these two cost it to run.
_APPEND_AND_MOVE_HEAD = (
    f"WITH entry AS ({_INSERT_ENTRY}) "  # noqa: S608 — names of our own tables
    f"UPDATE {_HEAD} SET seq = %s, hash = %s, updated_at = %s WHERE id = 1 "
    "RETURNING (SELECT id FROM entry)"
)


# On PostgreSQL an entry is one statement, with no transaction of its own: it locks and reads
# the head, moves it to the new entry, whose hash the database computes from the head's (the
# canonical text comes in three parts around the previous hash and the number,
# AuditEntry.canonical_parts), and inserts the entry. A writer that finds the head locked waits
# and then reads the head as the other writer left it, so the chain stays linear (and the unique
# seq would refuse a fork in any case). One round trip on every page that shows personal data.
_HASH_AFTER_HEAD = (
    "encode(sha256(convert_to(%s || head.hash || %s || (head.seq + 1)::text || %s, 'UTF8')), 'hex')"
)
_CHAINED = ("seq", "hash", "prev_hash")
_DATA_FIELDS = [field for field in _ENTRY_FIELDS if field.attname not in _CHAINED]
_APPEND_AFTER_HEAD = (
    f"WITH head AS (SELECT seq, hash FROM {_HEAD} WHERE id = 1 FOR UPDATE), "  # noqa: S608
    f"moved AS (UPDATE {_HEAD} AS moving SET seq = head.seq + 1, hash = {_HASH_AFTER_HEAD}, "
    "updated_at = %s FROM head WHERE moving.id = 1 "
    "RETURNING moving.seq, moving.hash, head.hash AS prev_hash) "
    "INSERT INTO {table} ({columns}, seq, hash, prev_hash) "
    "SELECT {values}, seq, hash, prev_hash FROM moved RETURNING id, seq, hash, prev_hash"
).format(
    table=AuditEntry._meta.db_table,
    columns=", ".join(f'"{field.column}"' for field in _DATA_FIELDS),
    values=", ".join(["%s"] * len(_DATA_FIELDS)),
)


def _locked_head(cursor):
    """(seq, hash) of the last entry; the head row stays locked until the transaction ends."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    cursor.execute(_READ_HEAD + lock)
    row = cursor.fetchone()
    if row is not None:
        return row
    try:
        # A savepoint, so that losing the race to create the row leaves the caller's
        # transaction usable on PostgreSQL.
        with transaction.atomic():
            AuditHead.objects.create(pk=1)
    except IntegrityError:
        pass
    cursor.execute(_READ_HEAD + lock)
    return cursor.fetchone()


def record(actor, action, *, role="", target=None, subjects=(), details=None, zone=None):
    """Append one entry to the audit log and return it.

    `actor` is a user (or None for the system), `action` a dotted code such as
    "staff.invite"; `role` the role the actor acted in; `target` a model instance or an
    (object type, id) pair; `subjects` the users (or user ids) whose data the action concerns;
    `details` a small JSON-able dict without names, addresses or other personal data; `zone`
    the zone (or its id) the action took place in: that zone's administrators read the entry.
    An entry without a zone is read only by the installation's own administrators.

    The entry joins the caller's transaction: if the action rolls back, so does its entry.
    The chain stays linear: on PostgreSQL the statement that appends the entry locks the head
    row first (_APPEND_AFTER_HEAD), so a second writer waits and follows the first; SQLite's
    IMMEDIATE transactions take the write lock for the whole transaction.
    """
    if not action:
        raise ValueError("An audit entry needs an action code.")
    object_type, object_id = _object_ref(target)
    entry = AuditEntry(
        created_at=clock.now().astimezone(datetime.UTC),
        actor_id=actor.pk if actor is not None else None,
        actor_role=str(role or ""),
        action=action,
        object_type=object_type,
        object_id=object_id,
        subjects=sorted({_user_id(person) for person in subjects}),
        details=details or {},
        zone_id=_zone_id(zone),
        hash_version=HASH_VERSION,
    )
    if connection.vendor == "postgresql" and _append_after_head(entry):
        return entry
    # SQLite, or a new install without a head yet.
    with transaction.atomic(), connection.cursor() as cursor:
        entry.seq, entry.prev_hash = _locked_head(cursor)
        entry.seq += 1
        entry.hash = entry.compute_hash()
        _store(cursor, entry)
    return entry


def _append_after_head(entry):
    """Append `entry` after the head in one statement (PostgreSQL); False if there is no head."""
    values = [
        field.get_db_prep_save(getattr(entry, field.attname), connection) for field in _DATA_FIELDS
    ]
    # The number and the previous hash are the database's to fill in, between these parts.
    before, between, after = entry.canonical_parts()
    moved_at = connection.ops.adapt_datetimefield_value(entry.created_at)
    with connection.cursor() as cursor:
        cursor.execute(_APPEND_AFTER_HEAD, [before, between, after, moved_at, *values])
        row = cursor.fetchone()
    if row is None:
        return False
    entry.pk, entry.seq, entry.hash, entry.prev_hash = row
    entry._state.adding = False
    entry._state.db = connection.alias
    return True


def _store(cursor, entry):
    """Insert `entry` and point the head at it (the caller holds the head's lock)."""
    values = [
        field.get_db_prep_save(getattr(entry, field.attname), connection) for field in _ENTRY_FIELDS
    ]
    head = [entry.seq, entry.hash, connection.ops.adapt_datetimefield_value(entry.created_at)]
    if connection.vendor == "postgresql":
        cursor.execute(_APPEND_AND_MOVE_HEAD, [*values, *head])
        (entry.pk,) = cursor.fetchone()
    else:
        cursor.execute(_INSERT_ENTRY, values)
        (entry.pk,) = cursor.fetchone()
        cursor.execute(_MOVE_HEAD, head)
    # Now a stored entry, as if read from the database: saving it again is refused.
    entry._state.adding = False
    entry._state.db = connection.alias


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain stops being trustworthy: the entry number and what is wrong there."""

    seq: int
    problem: str

    def __str__(self):
        return f"audit entry #{self.seq}: {self.problem}"


def verify_chain():
    """Check every entry and the head; return the first `ChainBreak`, or None if all is well."""
    expected_seq, expected_prev = 1, GENESIS_HASH
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return ChainBreak(expected_seq, "missing (deleted)")
        if entry.prev_hash != expected_prev:
            return ChainBreak(entry.seq, "does not follow the previous entry")
        if not entry.is_intact():
            return ChainBreak(entry.seq, "modified")
        expected_seq, expected_prev = entry.seq + 1, entry.hash
    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if head_seq >= expected_seq:
        return ChainBreak(expected_seq, "missing (deleted)")
    if head_seq != expected_seq - 1 or head_hash != expected_prev:
        return ChainBreak(expected_seq - 1, "does not match the recorded head")
    return None


def current_head():
    """The last entry's number, hash and time, to keep somewhere else (see export_audit_head)."""
    head = AuditHead.objects.filter(pk=1).first()
    if head is None:
        return {"seq": 0, "hash": GENESIS_HASH, "time": None}
    return {
        "seq": head.seq,
        "hash": head.hash,
        "time": head.updated_at.isoformat() if head.updated_at else None,
    }


def entry_matches(seq, entry_hash):
    """True if entry `seq` still carries `entry_hash`: compares with a head exported earlier."""
    return AuditEntry.objects.filter(seq=seq, hash=entry_hash).exists()
