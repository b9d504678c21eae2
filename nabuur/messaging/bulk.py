"""Insert many rows fast: COPY on PostgreSQL, executemany on SQLite.

`Model.objects.bulk_create` spends most of its time compiling SQL for each object (about
0.13 ms a row here, 13 s for 100,000 deliveries); these paths hand plain tuples to the driver
and insert 100,000 rows in well under a second. They skip model `save()` and signals, so use
them only for rows whose every column the caller fills.
"""

import secrets

from django.conf import settings
from django.db import connection
from django.utils import timezone

from nabuur.lib.languages import (
    STAFF_LANGUAGES,
    LanguageRegime,
    language_in_force,
    languages_for_person,
)

from . import recipients
from .models import Channel, Delivery, DeliveryState, HoldReason, SkippedRecipient, SkipReason


def insert_rows(model, columns, rows, *, batch_size=5000):
    """Insert `rows` (tuples in the order of `columns`, database column names) into `model`."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # noqa: S608
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == batch_size:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def adapt_datetime(value):
    """A datetime in the form the current backend's raw cursor expects."""
    if value is None or connection.vendor == "postgresql":
        return value
    return connection.ops.adapt_datetimefield_value(value)


# --- Freezing a message's recipients into rows -----------------------------------------------
# Who gets the message is decided in recipients.py; here its answer becomes rows, fast.

SKIPPED_COLUMNS = ("message_id", "user_id", "reason")
# What the freezing reads of each person whom recipients.decide() chose, in this order (named
# user_id, email, language, regime, outcome, pause_ends in the SQL of _freeze_in_sql).
PERSON_FIELDS = (
    "user_id",
    "user__email",
    # The person's language, or "" once a facility-language request has ended.
    "language_in_force",
    "network__municipality__language_regime",
    "outcome",
    "pause_ends",
)


def freeze_recipients(message, now, *, prefix, domain, columns, batch_size=5000):
    """Insert one queued Delivery per person `message` reaches by e-mail and one
    SkippedRecipient per person it skips; return the number of deliveries.

    `columns` are the Delivery columns in the order message_id, user_id, email, languages,
    state, attempts, next_attempt_at, held_for, claimed_by, last_error, message_id_header,
    token. Call inside the caller's transaction.

    An e-mail waits for the end of a pause (recipients.end_of_pause) and then for the end of
    the person's quiet hours (recipients.first_attempt); only the few people with quiet hours
    cost work of their own.

    The rows' token and Message-ID are unique, so each goes into a unique index; random ones
    would land all over those indexes, and once they outgrow the buffer cache each row costs a
    page read and written back. Each therefore starts with where the row stands: the token with
    the message's number and the row's place in this queue (eight hex digits each, then 32
    random ones), the Message-ID with `prefix` and the row's place (then 16 random digits).
    One queue's rows then fill their indexes' pages one after the other (docs/performance.md,
    national_queue_ratio).

    PostgreSQL does it with INSERT … SELECT: the rows never travel to Python and back, and
    the tokens come from gen_random_uuid() (the server's strong random source); the end of
    quiet hours comes along as an array per person, and only rows held for a pause whose person
    also has quiet hours are moved afterwards. SQLite builds the rows in Python and inserts
    them with executemany.
    """
    today = timezone.localdate(now)
    people = (
        recipients.decide(message, today)
        .annotate(
            language_in_force=language_in_force(
                "user__", "network__municipality__language_regime", today
            )
        )
        .values_list(*PERSON_FIELDS)
    )
    windows = {
        user_id: quiet for (_, user_id), quiet in recipients.quiet_hours([message.pk]).items()
    }
    when = _FirstAttempts(windows)
    if connection.vendor == "postgresql":
        count = _freeze_in_sql(
            message, now, people, when, prefix=prefix, domain=domain, columns=columns
        )
        if windows:
            _hold_paused_for_quiet_hours_in_sql(message, when)
        return count
    adapted = {}
    token_prefix = f"{message.pk:08x}"
    reasons = set(SkipReason.values)
    deliveries, skipped = [], []
    for user_id, email, language, regime, outcome, pause_ends in people.iterator(chunk_size=5000):
        if outcome in reasons:
            skipped.append((message.pk, user_id, outcome))
        if outcome != Channel.EMAIL:
            continue
        if pause_ends:
            not_before, held_for = recipients.end_of_pause(pause_ends), HoldReason.PAUSE.value
        else:
            not_before, held_for = now, ""
        not_before, held_for = when(user_id, not_before, held_for)
        if not_before not in adapted:
            adapted[not_before] = adapt_datetime(not_before)
        place = f"{len(deliveries) + 1:08x}"
        deliveries.append(
            (
                message.pk,
                user_id,
                email,
                "+".join(languages_for_person(regime, language)),
                DeliveryState.QUEUED.value,
                0,
                adapted[not_before],
                held_for,
                "",
                "",
                f"{prefix}{place}{secrets.token_hex(8)}@{domain}",
                f"{token_prefix}{place}{secrets.token_hex(16)}",
            )
        )
    # Every person is read before any row is written (the same order of work as on PostgreSQL).
    insert_rows(SkippedRecipient, SKIPPED_COLUMNS, skipped, batch_size=batch_size)
    return insert_rows(Delivery, columns, deliveries, batch_size=batch_size)


class _FirstAttempts:
    """recipients.first_attempt for each person, computed once per distinct case: most people
    share their moment and their quiet hours (or have none)."""

    def __init__(self, windows):
        # {user id: their quiet windows}, in a form that can be a key.
        self.windows = {user_id: tuple(sorted(quiet)) for user_id, quiet in windows.items()}
        self.known = {}

    def __call__(self, user_id, moment, held_for):
        quiet = self.windows.get(user_id)
        if not quiet:
            return moment, held_for
        key = (moment, held_for, quiet)
        if key not in self.known:
            self.known[key] = recipients.first_attempt(moment, held_for, quiet)
        return self.known[key]


def _hold_paused_for_quiet_hours_in_sql(message, when):
    """Move the first attempt of rows held for a pause whose person has quiet hours past them
    (the few people who have both)."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    users, moments = [], []
    with connection.cursor() as cursor:
        # A join, not "user_id = ANY(…)", which PostgreSQL checks row by row along the array.
        cursor.execute(
            f"SELECT d.user_id, d.next_attempt_at FROM {table} AS d "  # noqa: S608
            "JOIN unnest(%s::bigint[]) AS q (user_id) ON d.user_id = q.user_id "
            "WHERE d.message_id = %s AND d.state = %s AND d.held_for = %s",
            [list(when.windows), message.pk, DeliveryState.QUEUED.value, HoldReason.PAUSE.value],
        )
        for user_id, moment in cursor.fetchall():
            later, _held_for = when(user_id, moment, HoldReason.PAUSE.value)
            if later != moment:
                users.append(user_id)
                moments.append(later)
        if users:
            cursor.execute(
                f"UPDATE {table} AS d SET next_attempt_at = q.moment "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::timestamptz[]) AS q (user_id, moment) "
                "WHERE d.message_id = %s AND d.user_id = q.user_id",
                [users, moments, message.pk],
            )


def _freeze_in_sql(message, now, people, when, *, prefix, domain, columns):
    chosen, chosen_params = people.query.sql_with_params()
    # When quiet hours let each person with some receive an e-mail due now.
    quiet_users, quiet_until = [], []
    for user_id in when.windows:
        later, _held_for = when(user_id, now, "")
        if later != now:
            quiet_users.append(user_id)
            quiet_until.append(later)
    # Every (regime, chosen language) pair and what languages_for_person makes of it.
    pairs = [
        (regime.value, language, "+".join(languages_for_person(regime.value, language or None)))
        for regime in LanguageRegime
        for language in ("", *STAFF_LANGUAGES)
    ]
    pair_sql = ", ".join(["(%s, %s, %s)"] * len(pairs))
    pair_params = [value for pair in pairs for value in pair]
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    skipped_names = ", ".join(quote(column) for column in SKIPPED_COLUMNS)
    reasons = SkipReason.values
    # One statement, so the choice of recipients is made once for both tables. The pause's
    # end is recipients.end_of_pause() in SQL: local midnight after its last day. A row not
    # held by a pause waits for quiet hours (q) if they hold it now. The row's place (n) is
    # numbered after the joins, in the order the rows are inserted.
    skipped_table = quote(SkippedRecipient._meta.db_table)
    delivery_table = quote(Delivery._meta.db_table)
    fields = "user_id, email, language, regime, outcome, pause_ends"
    sql = (
        f"WITH r ({fields}) AS MATERIALIZED ({chosen}), "  # noqa: S608 - quoted names, parameters
        f"skipped AS (INSERT INTO {skipped_table} ({skipped_names}) "
        "SELECT %s, r.user_id, r.outcome FROM r "
        f"WHERE r.outcome IN ({', '.join(['%s'] * len(reasons))})) "
        f"INSERT INTO {delivery_table} ({names}) "
        "SELECT %s, user_id, email, languages, %s, 0, "
        "coalesce((pause_ends + 1)::timestamp AT TIME ZONE %s, until, %s), "
        "CASE WHEN pause_ends IS NOT NULL THEN %s WHEN until IS NOT NULL THEN %s "
        "ELSE '' END, '', '', "
        "%s || lpad(to_hex(n), 8, '0') || left(replace(gen_random_uuid()::text, '-', ''), 16) "
        "|| %s, "
        "%s || lpad(to_hex(n), 8, '0') || replace(gen_random_uuid()::text, '-', '') "
        "FROM (SELECT r.user_id, r.email, r.pause_ends, p.languages, q.until, "
        "row_number() OVER () AS n "
        f"FROM r JOIN (VALUES {pair_sql}) AS p (regime, chosen, languages) "
        "ON p.regime = r.regime AND p.chosen = coalesce(r.language, '') "
        "LEFT JOIN unnest(%s::bigint[], %s::timestamptz[]) AS q (user_id, until) "
        "ON q.user_id = r.user_id "
        "WHERE r.outcome = %s) AS placed"
    )
    params = [
        *chosen_params,
        message.pk,
        *reasons,
        message.pk,
        DeliveryState.QUEUED.value,
        settings.TIME_ZONE,
        now,
        HoldReason.PAUSE.value,
        HoldReason.QUIET_HOURS.value,
        prefix,
        f"@{domain}",
        f"{message.pk:08x}",
        *pair_params,
        quiet_users,
        quiet_until,
        Channel.EMAIL.value,
    ]
    with connection.cursor() as cursor:
        # Only the plans of the largest messages cross jit_above_cost, and compiling them took
        # 0.15-0.23 s at 300,000 recipients, for a statement whose time goes into writing rows
        # and index entries, which JIT does not speed up (docs/performance.md,
        # national_queue_ratio). Off for this statement alone.
        cursor.execute("SELECT current_setting('jit')")
        jit = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('jit', 'off', true)")
        cursor.execute(sql, params)
        count = cursor.rowcount
        cursor.execute("SELECT set_config('jit', %s, true)", [jit])
        return count
