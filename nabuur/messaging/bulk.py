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

from nabuur.lib.languages import STAFF_LANGUAGES, LanguageRegime, languages_for_person

from . import recipients
from .models import Channel, Delivery, DeliveryState, SkippedRecipient, SkipReason


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
    "user__language",
    "network__municipality__language_regime",
    "outcome",
    "pause_ends",
)


def freeze_recipients(message, now, *, prefix, domain, columns, batch_size=5000):
    """Insert one queued Delivery per person `message` reaches by e-mail and one
    SkippedRecipient per person it skips; return the number of deliveries.

    `columns` are the Delivery columns in the order message_id, user_id, email, languages,
    state, attempts, next_attempt_at, claimed_by, last_error, message_id_header, token.
    Call inside the caller's transaction.

    PostgreSQL does it with INSERT … SELECT: the rows never travel to Python and back, and
    the tokens come from gen_random_uuid() (the server's strong random source). SQLite builds
    the rows in Python and inserts them with executemany.
    """
    people = recipients.decide(message, timezone.localdate(now)).values_list(*PERSON_FIELDS)
    if connection.vendor == "postgresql":
        return _freeze_in_sql(message, now, people, prefix=prefix, domain=domain, columns=columns)
    adapted = {}
    reasons = set(SkipReason.values)
    deliveries, skipped = [], []
    for user_id, email, language, regime, outcome, pause_ends in people.iterator(chunk_size=5000):
        if outcome in reasons:
            skipped.append((message.pk, user_id, outcome))
        if outcome != Channel.EMAIL:
            continue
        not_before = recipients.end_of_pause(pause_ends) if pause_ends else now
        if not_before not in adapted:
            adapted[not_before] = adapt_datetime(not_before)
        deliveries.append(
            (
                message.pk,
                user_id,
                email,
                "+".join(languages_for_person(regime, language)),
                DeliveryState.QUEUED.value,
                0,
                adapted[not_before],
                "",
                "",
                f"{prefix}{secrets.token_hex(8)}@{domain}",
                secrets.token_hex(16),
            )
        )
    # Every person is read before any row is written (the same order of work as on PostgreSQL).
    insert_rows(SkippedRecipient, SKIPPED_COLUMNS, skipped, batch_size=batch_size)
    return insert_rows(Delivery, columns, deliveries, batch_size=batch_size)


def _freeze_in_sql(message, now, people, *, prefix, domain, columns):
    chosen, chosen_params = people.query.sql_with_params()
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
    # end is recipients.end_of_pause() in SQL: local midnight after its last day.
    skipped_table = quote(SkippedRecipient._meta.db_table)
    delivery_table = quote(Delivery._meta.db_table)
    fields = "user_id, email, language, regime, outcome, pause_ends"
    sql = (
        f"WITH r ({fields}) AS MATERIALIZED ({chosen}), "  # noqa: S608 - quoted names, parameters
        f"skipped AS (INSERT INTO {skipped_table} ({skipped_names}) "
        "SELECT %s, r.user_id, r.outcome FROM r "
        f"WHERE r.outcome IN ({', '.join(['%s'] * len(reasons))})) "
        f"INSERT INTO {delivery_table} ({names}) "
        "SELECT %s, r.user_id, r.email, p.languages, %s, 0, "
        "coalesce((r.pause_ends + 1)::timestamp AT TIME ZONE %s, %s), '', '', "
        "%s || left(replace(gen_random_uuid()::text, '-', ''), 16) || %s, "
        "replace(gen_random_uuid()::text, '-', '') "
        f"FROM r JOIN (VALUES {pair_sql}) AS p (regime, chosen, languages) "
        "ON p.regime = r.regime AND p.chosen = coalesce(r.language, '') "
        "WHERE r.outcome = %s"
    )
    params = [
        *chosen_params,
        message.pk,
        *reasons,
        message.pk,
        DeliveryState.QUEUED.value,
        settings.TIME_ZONE,
        now,
        prefix,
        f"@{domain}",
        *pair_params,
        Channel.EMAIL.value,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
