"""Workers deliver the outbox: claim rows, send over one SMTP connection, record each result.

The contract, for a worker that may be killed at any moment:
- A claim sets state=sending, claimed_by, claimed_at and counts an attempt, in one transaction
  (PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, so workers never take the same rows; SQLite:
  the IMMEDIATE transaction serialises claims).
- Each result is committed as soon as the relay answers. A row recorded as sent is never
  claimed again.
- A claim older than NABUUR_EMAIL_CLAIM_TIMEOUT belongs to a dead worker and returns to the
  queue. Only the e-mail that was in flight when the worker died can then go out twice (the
  relay may have accepted it just before the kill); every other row of that claim was either
  recorded or never handed to the relay.
- 4xx answers, refused connections and timeouts defer the row with exponential backoff
  (1, 2, 4 … minutes, at most an hour) until NABUUR_EMAIL_MAX_ATTEMPTS; 5xx answers fail it.
- NABUUR_EMAIL_RATE (e.g. "10/s,2000/d") caps how many are sent per window, counted from the
  rows themselves so that every worker shares the cap; the rest waits in the queue.
- A due row whose person is in quiet hours is not claimed: it waits until they end, with no
  attempt counted (recipients.after_quiet_hours).
- A message is sent once nothing but rows held for a pause or quiet hours waits; those go out
  later and its stored totals follow them.
"""

import datetime
import email
import email.policy
import os
import re
import select
import smtplib
import socket
import time
from collections import OrderedDict

import psycopg
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, mailers
from django.db import DatabaseError, connection, transaction
from django.db.models import Case, Count, F, Q, Value, When
from psycopg import pq

from nabuur.lib import clock

from . import recipients
from .bulk import adapt_datetime
from .emails import bounce_address, render_message
from .models import (
    RELEASED_STATES,
    WAITING_STATES,
    Delivery,
    DeliveryState,
    HoldReason,
    Message,
    MessageState,
    Outcome,
)

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
BATCH_SIZE = 100
BACKOFF_BASE = datetime.timedelta(minutes=1)
BACKOFF_CAP = datetime.timedelta(hours=1)
RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
LEADING_DOT = re.compile(rb"(?m)^\.")


def parse_rate(value):
    """'10/s,2000/d' → [(10, 1), (2000, 86400)]; empty means no cap."""
    limits = []
    for part in (value or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            count, unit = part.split("/")
            limits.append((int(count), RATE_UNITS[unit.strip()]))
        except (ValueError, KeyError) as error:
            raise ImproperlyConfigured(
                f"NABUUR_EMAIL_RATE: {part!r} is not like 10/s, 300/m, 1000/h or 2000/d."
            ) from error
    return limits


def max_attempts():
    return settings.EMAIL_MAX_ATTEMPTS


def backoff(attempts):
    """How long to wait after the `attempts`-th failed try."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def worker_name():
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def release_stale_claims(now):
    """Return rows claimed by a worker that stopped answering to the queue."""
    timeout = datetime.timedelta(seconds=settings.EMAIL_CLAIM_TIMEOUT)
    return Delivery.objects.filter(
        state=DeliveryState.SENDING, claimed_at__lt=now - timeout
    ).update(state=DeliveryState.DEFERRED, claimed_by="", next_attempt_at=now)


def rate_allowance(now, limits):
    """How many more e-mails the rate cap allows right now (None when uncapped)."""
    if not limits:
        return None
    in_flight = Delivery.objects.filter(state=DeliveryState.SENDING).count()
    allowance = None
    for count, seconds in limits:
        sent = Delivery.objects.filter(
            state=DeliveryState.SENT, sent_at__gt=now - datetime.timedelta(seconds=seconds)
        ).count()
        left = max(count - sent - in_flight, 0)
        allowance = left if allowance is None else min(allowance, left)
    return allowance


def claim_batch(worker, now, size, held_messages=None):
    """Atomically take up to `size` due rows; return them as dicts.

    Due rows whose person is in quiet hours are held instead (`hold_quiet_hours`), in the same
    transaction, and the next due rows are looked at; the ids of their messages are added to
    the set `held_messages`, if given.
    """
    ids = []
    while not ids:
        with transaction.atomic():
            due = list(
                Delivery.objects.filter(state__in=WAITING_STATES, next_attempt_at__lte=now)
                .exclude(message__state=MessageState.CANCELLED)
                .order_by("next_attempt_at", "id")
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("id", "message_id", "user_id")[:size]
            )
            if not due:
                return []
            held = hold_quiet_hours(due, now)
            ids = [pk for pk, _message_id, _user_id in due if pk not in held]
            if held and held_messages is not None:
                held_messages.update(message_id for pk, message_id, _ in due if pk in held)
            if ids:
                Delivery.objects.filter(id__in=ids).update(
                    state=DeliveryState.SENDING,
                    claimed_by=worker,
                    claimed_at=now,
                    attempts=F("attempts") + 1,
                    held_for="",
                )
    return list(
        Delivery.objects.filter(id__in=ids)
        .order_by("message_id", "languages", "id")
        .values("id", "message_id", "email", "languages", "token", "message_id_header", "attempts")
    )


def hold_quiet_hours(due, now):
    """Of the locked rows `due` ((id, message id, user id) each), give those whose person is in
    quiet hours `now` a next attempt when they end; return their ids.

    A queued row now waits for quiet hours (and so leaves its message free to be sent); a
    retry stays a retry, only later.
    """
    windows = recipients.quiet_hours(
        {message_id for _pk, message_id, _user_id in due},
        {user_id for _pk, _message_id, user_id in due if user_id is not None},
    )
    if not windows:
        return set()
    until = {}
    for pk, message_id, user_id in due:
        quiet = windows.get((message_id, user_id))
        later = recipients.after_quiet_hours(now, quiet) if quiet else now
        if later > now:
            until.setdefault(later, []).append(pk)
    for later, ids in until.items():
        Delivery.objects.filter(pk__in=ids).update(
            next_attempt_at=later,
            held_for=Case(
                When(state=DeliveryState.QUEUED, then=Value(HoldReason.QUIET_HOURS.value)),
                default=F("held_for"),
            ),
        )
    return {pk for ids in until.values() for pk in ids}


class SmtpSender:
    """One reused smtplib connection to the relay of MAILERS['default']."""

    def __init__(self, options):
        self.options = options
        self.connection = None
        self.mail_options = []

    def open(self):
        options = self.options
        host, port = options.get("host", "localhost"), options.get("port", 25)
        timeout = options.get("timeout") or 30
        if options.get("use_ssl"):
            self.connection = smtplib.SMTP_SSL(host, port, timeout=timeout)
        else:
            self.connection = smtplib.SMTP(host, port, timeout=timeout)
        self.connection.ehlo()
        if options.get("use_tls"):
            self.connection.starttls()
            self.connection.ehlo()
        if options.get("username"):
            self.connection.login(options["username"], options.get("password") or "")
        self.mail_options = ["BODY=8BITMIME"] if self.connection.has_extn("8bitmime") else []

    def send(self, sender, recipient, data, before_accept=None):
        """smtplib's sendmail, step by step, so that `before_accept` runs between the relay's
        354 and the end of the data: until then the relay has accepted nothing."""
        if self.connection is None:
            self.open()
        smtp = self.connection
        code, reply = smtp.mail(sender, self.mail_options)
        if code != 250:
            self._reset()
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            self._reset()
            raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        smtp.putcmd("data")
        code, reply = smtp.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        if before_accept is not None:
            try:
                before_accept()
            except BaseException:
                # Mid-data, the only way not to hand the e-mail over is to hang up.
                self.connection.close()
                self.connection = None
                raise
        smtp.send(dot_stuffed(data))
        code, reply = smtp.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)

    def _reset(self):
        try:
            self.connection.rset()
        except smtplib.SMTPServerDisconnected:
            self.connection = None

    def close(self):
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None


def dot_stuffed(data):
    """The DATA section of RFC 5321 (4.5.2): lines starting with a dot get a second one."""
    data = LEADING_DOT.sub(b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


class RawEmail(EmailMessage):
    """Hands finished bytes to a Django mail backend (the demo mailbox, locmem, console)."""

    def __init__(self, sender, recipient, data):
        super().__init__(from_email=sender, to=[recipient])
        self.data = data

    def message(self, *, policy=email.policy.default):
        return email.message_from_bytes(self.data, policy=policy)


class MailerSender:
    """For backends that are not SMTP: correctness over speed, one call per e-mail."""

    def open(self):
        pass

    def send(self, sender, recipient, data, before_accept=None):
        if before_accept is not None:
            before_accept()
        mailers.default.send_messages([RawEmail(sender, recipient, data)])

    def close(self):
        pass


def make_sender():
    config = settings.MAILERS["default"]
    if config.get("BACKEND", SMTP_BACKEND) == SMTP_BACKEND:
        return SmtpSender(config.get("OPTIONS", {}))
    return MailerSender()


def classify(error):
    """(permanent, connection_lost, text) for an exception raised while sending one e-mail."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()))
        return code >= 500, False, f"{code} {reply.decode(errors='replace')}"
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        lost = error.smtp_code == 421
        return error.smtp_code >= 500, lost, f"{error.smtp_code} {text}"
    return False, True, f"{type(error).__name__}: {error}"


class Recorder:
    """Writes each result at once, in autocommit: a crash loses at most the one in flight.

    `sent` may leave its write travelling while the next e-mail starts (see the PostgreSQL
    recorder); `settle()` waits for it. `send_batch` settles before the relay can accept the
    next e-mail, and before any other query.
    """

    def __init__(self):
        table = connection.ops.quote_name(Delivery._meta.db_table)
        self.sent_sql = (
            f"UPDATE {table} SET state = %s, sent_at = %s, claimed_by = '', "  # noqa: S608
            "last_error = '' WHERE id = %s"
        )

    def sent(self, row, now):
        with connection.cursor() as cursor:
            cursor.execute(
                self.sent_sql, [DeliveryState.SENT.value, adapt_datetime(now), row["id"]]
            )

    def settle(self):
        pass

    def failed(self, row, now, permanent, text):
        if permanent or row["attempts"] >= max_attempts():
            Delivery.objects.filter(pk=row["id"]).update(
                state=DeliveryState.FAILED, claimed_by="", last_error=text[:2000]
            )
        else:
            Delivery.objects.filter(pk=row["id"]).update(
                state=DeliveryState.DEFERRED,
                claimed_by="",
                last_error=text[:2000],
                next_attempt_at=now + backoff(row["attempts"]),
            )

    def put_back(self, rows, until, text):
        """Rows of a claim never handed to the relay: their attempt does not count."""
        Delivery.objects.filter(pk__in=[row["id"] for row in rows]).update(
            state=DeliveryState.DEFERRED,
            claimed_by="",
            attempts=F("attempts") - 1,
            last_error=text[:2000],
            next_attempt_at=until,
        )


class PostgresRecorder(Recorder):
    """Overlaps the write of a sent row with the next e-mail's MAIL, RCPT and DATA commands.

    A round trip to PostgreSQL costs about half of what an e-mail costs on a local relay, and
    nothing needs to wait for it until the relay is about to accept the next e-mail: `sent`
    hands the UPDATE to the server as one simple-protocol query (its own transaction in
    autocommit) and returns; `settle`, called before the next e-mail's data ends, reads its
    result. So, as with the plain recorder, at most one e-mail the relay accepted is not yet
    recorded when the worker dies.
    """

    def __init__(self):
        super().__init__()
        self.table = connection.ops.quote_name(Delivery._meta.db_table)
        self.pending = False

    def sent(self, row, now):
        self.settle()
        connection.ensure_connection()
        # Only integers and a timestamp in its ISO form go into the text: nothing to escape.
        query = (
            f"UPDATE {self.table} SET state = '{DeliveryState.SENT.value}', "  # noqa: S608
            f"sent_at = '{now.isoformat()}', claimed_by = '', last_error = '' "
            f"WHERE id = {int(row['id'])}"
        )
        connection.connection.pgconn.send_query(query.encode())
        self.pending = True

    def settle(self):
        if not self.pending:
            return
        self.pending = False
        pgconn = connection.connection.pgconn
        failure = None
        try:
            # Wait in select(), not in libpq: a blocking libpq call would hold the GIL.
            pgconn.flush()
            while pgconn.is_busy():
                select.select([pgconn.socket], [], [])
                pgconn.consume_input()
            while (result := pgconn.get_result()) is not None:
                if result.status != pq.ExecStatus.COMMAND_OK and failure is None:
                    failure = result.get_error_field(pq.DiagnosticField.MESSAGE_PRIMARY) or b"?"
        except psycopg.Error as error:
            raise DatabaseError(str(error)) from error
        if failure is not None:
            raise DatabaseError(failure.decode(errors="replace"))


def make_recorder():
    return PostgresRecorder() if connection.vendor == "postgresql" else Recorder()


class TemplateCache:
    """The rendered (message, languages) templates of this worker; a few messages at a time."""

    def __init__(self, size=32):
        self.size = size
        self.templates = OrderedDict()

    def get(self, message_id, languages, now, before_query=None):
        key = (message_id, languages)
        if key not in self.templates:
            if before_query is not None:
                before_query()
            message = Message.objects.prefetch_related(
                "variants", "targets__municipality__zone"
            ).get(pk=message_id)
            self.templates[key] = render_message(message, languages.split("+"), now=now)
            while len(self.templates) > self.size:
                self.templates.popitem(last=False)
        return self.templates[key]


def send_batch(rows, now, sender, cache, recorder):
    """Send the claimed rows over `sender`; record every result. Returns how many were tried."""
    tried = 0
    for index, row in enumerate(rows):
        template = cache.get(row["message_id"], row["languages"], now, before_query=recorder.settle)
        data = template.personalise(
            to=row["email"], message_id_header=row["message_id_header"], token=row["token"]
        )
        try:
            sender.send(
                bounce_address(row["token"]), row["email"], data, before_accept=recorder.settle
            )
        except DatabaseError:
            raise
        except Exception as error:  # noqa: BLE001 - every failure is recorded on the row
            recorder.settle()
            permanent, lost, text = classify(error)
            recorder.failed(row, clock.now(), permanent, text)
            tried += 1
            if lost:
                sender.close()
                rest = rows[index + 1 :]
                if rest:
                    recorder.put_back(rest, clock.now() + backoff(row["attempts"]), text)
                return tried
            continue
        recorder.sent(row, clock.now())
        tried += 1
    recorder.settle()
    return tried


# A queued row held for these waits, and does not keep its message from being sent.
HELD = {
    HoldReason.PAUSE.value: Outcome.WAITING_PAUSE.value,
    HoldReason.QUIET_HOURS.value: Outcome.WAITING_QUIET_HOURS.value,
}
# The rows that keep a message being sent: to send now, being sent, or to try again.
UNFINISHED = Q(state__in=[DeliveryState.SENDING, DeliveryState.DEFERRED]) | Q(
    state=DeliveryState.QUEUED, held_for=""
)


def count_deliveries(message_ids):
    """{message id: {Outcome: count}} for several messages, in one query."""
    counts = {pk: {} for pk in message_ids}
    rows = (
        Delivery.objects.filter(message_id__in=message_ids)
        .values("message_id", "state", "held_for")
        .annotate(total=Count("id"))
        .order_by()
    )
    for row in rows:
        outcome = row["state"]
        if outcome == DeliveryState.QUEUED and row["held_for"]:
            outcome = HELD[row["held_for"]]
        by_outcome = counts[row["message_id"]]
        by_outcome[outcome] = by_outcome.get(outcome, 0) + row["total"]
    return counts


def delivery_totals(messages):
    """{message id: {Outcome: count}}: what a sent message stored, else counted now."""
    totals = {m.pk: m.delivery_totals for m in messages if m.delivery_totals is not None}
    live = [m.pk for m in messages if m.pk not in totals and m.state in RELEASED_STATES]
    totals |= count_deliveries(live) if live else {}
    return {m.pk: totals.get(m.pk, {}) for m in messages}


def finish_messages(message_ids, now):
    """Mark messages sending, and sent once nothing but held rows waits (UNFINISHED); store the
    totals of those already sent again, for their held rows that went out since.

    A message becomes sent together with its delivery totals, under a lock on its row that
    recount_deliveries takes too: a bounce recorded meanwhile is counted either here or there.
    """
    Message.objects.filter(pk__in=message_ids, state=MessageState.QUEUED).update(
        state=MessageState.SENDING
    )
    for message_id in message_ids:
        with transaction.atomic():
            locked = Message.objects.select_for_update().filter(
                pk=message_id, state__in=[MessageState.SENDING, MessageState.SENT]
            )
            state = locked.values_list("state", flat=True).first()
            if state == MessageState.SENT:
                locked.update(delivery_totals=count_deliveries([message_id])[message_id])
            elif (
                state == MessageState.SENDING
                and not Delivery.objects.filter(UNFINISHED, message_id=message_id).exists()
            ):
                locked.update(
                    state=MessageState.SENT,
                    sent_at=now,
                    delivery_totals=count_deliveries([message_id])[message_id],
                )


def finish_waiting_messages(now):
    """finish_messages for every message being sent: also those of which no row was claimed
    (all held, all by letter, all held back in quiet hours at the claim)."""
    in_flight = Message.objects.filter(state__in=[MessageState.QUEUED, MessageState.SENDING])
    finish_messages(list(in_flight.values_list("pk", flat=True)), now)


def recount_deliveries(message_id):
    """Store a sent message's delivery totals again, after one of its deliveries bounced."""
    with transaction.atomic():
        sent = Message.objects.select_for_update().filter(pk=message_id, state=MessageState.SENT)
        if sent.exists():
            sent.update(delivery_totals=count_deliveries([message_id])[message_id])


def deliver_due(*, worker=None, batch_size=BATCH_SIZE, max_seconds=30.0):
    """Send what is due, batch after batch, for up to `max_seconds`; return how many were tried."""
    worker = worker or worker_name()
    limits = parse_rate(settings.EMAIL_RATE)
    started = time.monotonic()
    handled = 0
    release_stale_claims(clock.now())
    sender = make_sender()
    cache = TemplateCache()
    recorder = make_recorder()
    held_messages = set()
    try:
        while time.monotonic() - started < max_seconds:
            now = clock.now()
            allowance = rate_allowance(now, limits)
            if allowance == 0:
                # Only a short window (per second or minute) is worth waiting for here.
                if min(seconds for _, seconds in limits) > 60:
                    break
                time.sleep(0.05)
                if clock.now() == now:
                    break  # a pinned clock (tests, --now) never frees the window
                continue
            size = batch_size if allowance is None else min(batch_size, allowance)
            rows = claim_batch(worker, now, size, held_messages)
            if not rows:
                break
            handled += send_batch(rows, now, sender, cache, recorder)
            finish_messages({row["message_id"] for row in rows}, clock.now())
        # Held rows change what a sent message's totals count as waiting for.
        finish_messages(held_messages, clock.now())
        finish_waiting_messages(clock.now())
    finally:
        sender.close()
    return handled
