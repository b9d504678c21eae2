"""Load tests of staff pages under gunicorn: `member_list_p95_ms` (and later the message log).

`python -m bench` calls `run(DATABASE_URL)`; `scripts/with-postgres .venv/bin/python -m
bench.pages` runs this phase alone. It makes its own database `nabuur_bench_pages` on the
server of DATABASE_URL and works in a child process (`python -m bench.pages --child`) with that
database:

1. the demo zone (`nabuur demo`) with 100,000 generated members, 10,000 of them in one BIN,
   and a screened coordinator of that BIN with an authenticator app and a session;
2. the number of database queries of each page variant, through Django's test client;
3. gunicorn with 2 workers on 127.0.0.1 only, and 10 client threads sending a fixed number of
   requests (`REQUESTS`) with the coordinator's session cookie; the p95 of their latencies.

A page is one `PageLoad`: its result key and its URL variants, built from the data set: the
coordinator's member list and message log.
"""

import datetime
import gc
import http.client
import io
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN_DIR = Path(PYTHON).parent
DATABASE = "nabuur_bench_pages"
ZONE_MEMBERS = 100_000
BIN_MEMBERS = 10_000
WEB_WORKERS = 2
CLIENTS = 10
REQUESTS = 500
WARM_UP_REQUESTS = 20


@dataclass(frozen=True)
class PageLoad:
    """One page under load: `key` names its figures in bench/results.json."""

    key: str
    paths: list[str]


# --- The parent: a database of its own, the child, the results ----------------------------------


def run(database_url):
    """Create the pages database next to `database_url`'s, run the child; return its figures."""
    import psycopg

    parts = urlsplit(database_url)
    admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    pages_url = urlunsplit(parts._replace(path=f"/{DATABASE}"))
    env = dict(os.environ, DATABASE_URL=pages_url, NABUUR_ENV="test", PYTHONPATH=str(ROOT))
    child = subprocess.run(
        [PYTHON, "-m", "bench.pages", "--child"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


# --- The child: data, query counts, gunicorn and the clients ------------------------------------


def log(text):
    # stdout carries the result line; progress goes to stderr.
    print(text, file=sys.stderr, flush=True)


def build_data():
    """The demo zone with ZONE_MEMBERS members, BIN_MEMBERS in its largest BIN; its coordinator."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from nabuur.accounts.models import User
    from nabuur.members.models import Membership
    from nabuur.networks.models import Network
    from nabuur.staff.models import Role, RoleAssignment, ScreeningResult

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("demo", members=ZONE_MEMBERS, stdout=io.StringIO())
    log(f"  demo zone with {ZONE_MEMBERS:,} members: {time.perf_counter() - started:.0f} s")
    sizes = (
        Network.objects.annotate(members=Count("memberships"))
        .filter(members__gt=0)
        .order_by("-members")
    )
    network, other = sizes[0], sizes[1]
    # The demo spreads its members by weight; move the surplus of the largest BIN to the next.
    surplus = list(
        Membership.objects.filter(network=network)
        .order_by("-pk")
        .values_list("pk", flat=True)[: network.members - BIN_MEMBERS]
    )
    Membership.objects.filter(pk__in=surplus).update(network=other)
    assert Membership.objects.filter(network=network).count() == BIN_MEMBERS
    zone_members = Membership.objects.filter(network__municipality__zone=network.municipality.zone)
    log(f"  {network.slug}: {BIN_MEMBERS:,} members, zone: {zone_members.count():,}")

    coordinator = User.objects.create_user(
        "bench.coordinator@example.org", "bench password 1234", first_name="Bench"
    )
    RoleAssignment.objects.create(
        user=coordinator,
        role=Role.COORDINATOR,
        network=network,
        started_on=datetime.date(2024, 1, 15),
        screening_result=ScreeningResult.POSITIVE,
        screened_on=datetime.date(2024, 1, 10),
        adult_confirmed_at=datetime.datetime(2024, 1, 10, 9, 0, tzinfo=datetime.UTC),
    )
    TOTP.activate(coordinator, generate_totp_secret())
    # A database in use has been vacuumed and analysed by autovacuum long since; a freshly
    # bulk-loaded one not yet, and its plans and index-only scans would not be the real ones.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return network, coordinator


def session_cookie(user):
    """A session of `user` in the database, as if they had logged in: (cookie name, value)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


def member_list_load(network):
    """The member list: first page, later pages, searches by name and street, a filter, sorts."""
    from django.db.models import Count

    from nabuur.members.models import Membership

    last_name = (
        Membership.objects.filter(network=network)
        .values("user__last_name")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("user__last_name", flat=True)
        .first()
    )
    street = Membership.objects.filter(network=network).select_related("street").first().street
    base = f"/nl/staff/members/{network.slug}/"
    word = street.name_nl.split()[0][:6].lower()
    return PageLoad(
        "member_list",
        [
            base,
            f"{base}?page=2",
            f"{base}?page=150",
            f"{base}?q={last_name}",
            f"{base}?q={last_name}&page=2",
            f"{base}?q={word}",
            f"{base}?status=pending",
            f"{base}?sort=street&page=3",
            f"{base}?street={street.pk}&sort=joined",
        ],
    )


# A BIN's message log after some years: this many messages, the latest of them e-mailed to
# every member (the rest kept only their counts' rows in earlier years, which weigh the same
# per page).
LOG_MESSAGES = 250
LOG_SENT = 20


def message_log_load(network, coordinator):
    """The message log: the person's BINs, one BIN, later pages, a state filter."""
    from django.db.models import F
    from django.utils import timezone

    from nabuur.messaging.delivery import finish_messages
    from nabuur.messaging.models import (
        DeliveryState,
        Message,
        MessageKind,
        MessageState,
        MessageVariant,
    )
    from nabuur.messaging.services import queue_message

    started = time.perf_counter()
    now = timezone.now()
    messages = Message.objects.bulk_create(
        Message(
            kind=MessageKind.PREVENTION,
            author=coordinator,
            author_side="coordinator",
            state=MessageState.DRAFT,
            created_at=now - datetime.timedelta(days=7 * n),
        )
        for n in range(LOG_MESSAGES)
    )
    Message.targets.through.objects.bulk_create(
        Message.targets.through(message=message, network=network) for message in messages
    )
    MessageVariant.objects.bulk_create(
        MessageVariant(
            message=message,
            language="nl",
            subject=f"Preventietip {n}",
            body_markdown="Sluit uw ramen en deuren.",
            body_html="<p>Sluit uw ramen en deuren.</p>",
            body_text="Sluit uw ramen en deuren.",
        )
        for n, message in enumerate(messages)
    )
    for message in messages[:LOG_SENT]:
        queue_message(message, now=message.created_at)
        message.deliveries.update(state=DeliveryState.SENT, sent_at=F("next_attempt_at"))
    # The older messages went out before these members joined: released, without deliveries.
    Message.objects.filter(pk__in=[m.pk for m in messages[LOG_SENT:]]).update(
        state=MessageState.QUEUED, queued_at=F("created_at")
    )
    # As the worker ends each message: sent, with its delivery totals stored.
    finish_messages([m.pk for m in messages], now)
    assert not Message.objects.filter(pk__in=[m.pk for m in messages]).exclude(
        state=MessageState.SENT
    )
    log(f"  {LOG_MESSAGES} messages, {LOG_SENT} e-mailed: {time.perf_counter() - started:.0f} s")
    base = "/nl/staff/messages/"
    return PageLoad(
        "message_log",
        [
            base,
            f"{base}?bin={network.slug}",
            f"{base}?bin={network.slug}&page=2",
            f"{base}?bin={network.slug}&page=10",
            f"{base}?state=sent",
        ],
    )


def page_loads(network, coordinator):
    return [member_list_load(network), message_log_load(network, coordinator)]


def count_queries(user, paths):
    """{path: number of database queries} through the test client, after one warm-up request."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    client.get(paths[0])
    counts = {}
    for path in paths:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        counts[path] = len(queries)
    return counts


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    def __init__(self):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                str(BIN_DIR / "gunicorn"),
                "nabuur.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(WEB_WORKERS),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
        )

    def wait_until_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not listen on port {self.port} in {timeout} s")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def get(port, path, cookie):
    """One GET on a new connection (gunicorn's sync workers close each one): (status, ms)."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    return response.status, (time.perf_counter() - started) * 1000


def load(port, paths, cookie, requests=REQUESTS, clients=CLIENTS):
    """`requests` GETs over `paths` in turn from `clients` threads; [(path, status, ms)]."""
    todo = queue.Queue()
    for n in range(requests):
        todo.put(paths[n % len(paths)])
    results, lock = [], threading.Lock()

    def client():
        while True:
            try:
                path = todo.get_nowait()
            except queue.Empty:
                return
            status, ms = get(port, path, cookie)
            with lock:
                results.append((path, status, ms))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def p95(values):
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def child():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nabuur.settings")
    import django

    django.setup()
    network, coordinator = build_data()
    name, value = session_cookie(coordinator)
    cookie = f"{name}={value}"
    figures = {}
    # The client threads share this process with what building the data left behind (some
    # 100,000 objects); a full garbage collection here stalls every client thread for tens of
    # milliseconds, which would count as the server's latency. Frozen, those objects are
    # left out of the client's collections.
    gc.collect()
    gc.freeze()
    server = Gunicorn()
    try:
        server.wait_until_ready()
        for page in page_loads(network, coordinator):
            queries = count_queries(coordinator, page.paths)
            for path, count in queries.items():
                log(f"  {count:3} queries  {path}")
            load(server.port, page.paths, cookie, requests=WARM_UP_REQUESTS)
            # One client alone: the time a request takes when it waits for no other.
            alone = [ms for _p, _s, ms in load(server.port, page.paths, cookie, 100, clients=1)]
            started = time.perf_counter()
            results = load(server.port, page.paths, cookie)
            seconds = time.perf_counter() - started
            failed = [(path, status) for path, status, _ms in results if status != 200]
            if failed:
                raise RuntimeError(f"{len(failed)} requests failed, e.g. {failed[:3]}")
            times = [ms for _path, _status, ms in results]
            for path in page.paths:
                mine = [ms for p, _status, ms in results if p == path]
                log(f"  p95 {p95(mine):6.1f} ms  median {statistics.median(mine):6.1f} ms  {path}")
            distinct = set(queries.values())
            figures[f"{page.key}_p95_ms"] = round(p95(times), 1)
            figures[f"{page.key}_median_ms"] = round(statistics.median(times), 1)
            figures[f"{page.key}_one_client_median_ms"] = round(statistics.median(alone), 1)
            figures[f"{page.key}_requests_per_s"] = round(len(results) / seconds, 1)
            figures[f"{page.key}_queries"] = distinct.pop() if len(distinct) == 1 else queries
    finally:
        server.stop()
    print(json.dumps(figures))


def main():
    if sys.argv[1:] == ["--child"]:
        child()
        return
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("bench.pages: DATABASE_URL is not PostgreSQL; run it with scripts/with-postgres.")
    print(json.dumps(run(database_url), indent=2))


if __name__ == "__main__":
    main()
