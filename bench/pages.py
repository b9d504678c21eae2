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
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

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


# The public API's limit for the bench server only: 10 clients make thousands of lookups a
# minute from one address. Still counted (a database hit a request), as in production.
API_LIMIT = "1000000000"
OVERVIEW_REQUESTS = 20


@dataclass(frozen=True)
class PageLoad:
    """One page under load: `key` names its figures in bench/results.json. Requests carry
    `cookie` (a staff session) unless it is empty; `clients` threads send `requests` of them."""

    key: str
    paths: list[str]
    cookie: str = ""
    requests: int = REQUESTS
    clients: int = CLIENTS
    # The person whose queries count_queries() counts; None for public pages.
    user: object = None
    # For the API: the `status` each path must answer.
    expected: dict | None = None


# --- The parent: a database of its own, the child, the results ----------------------------------


def run(database_url):
    """Create the pages database next to `database_url`'s, run the child; return its figures."""
    import psycopg

    parts = urlsplit(database_url)
    admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]
        ).fetchone()
        # BENCH_REUSE=1 (for development) keeps the data of a run before.
        if not (exists and os.environ.get("BENCH_REUSE")):
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
            admin.execute(f"CREATE DATABASE {DATABASE}")
    pages_url = urlunsplit(parts._replace(path=f"/{DATABASE}"))
    env = dict(
        os.environ,
        DATABASE_URL=pages_url,
        NABUUR_ENV="test",
        PYTHONPATH=str(ROOT),
        NABUUR_API_LIMIT_PER_MINUTE=API_LIMIT,
        # The bench URLconf adds the floor page (bench/settings.py).
        DJANGO_SETTINGS_MODULE="bench.settings",
    )
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
    """The demo zone with ZONE_MEMBERS members, BIN_MEMBERS in its largest BIN, its coordinator
    and zone administrator: (that BIN, its coordinator, seconds the demo took)."""
    from django.core.management import call_command
    from django.db.models import Count

    from nabuur.members.counts import fold_status_counts
    from nabuur.members.models import Membership
    from nabuur.networks.models import Network
    from nabuur.staff.models import Role

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("demo", members=ZONE_MEMBERS, stdout=io.StringIO())
    demo_seconds = time.perf_counter() - started
    log(f"  demo zone with {ZONE_MEMBERS:,} members: {demo_seconds:.0f} s")
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

    coordinator = staff_person(COORDINATOR_EMAIL, Role.COORDINATOR, network=network)
    staff_person(ZONE_ADMIN_EMAIL, Role.ZONE_ADMIN, zone=network.municipality.zone)
    # As the worker does every hour (members.fold_status_counts).
    fold_status_counts()
    vacuum_analyze()
    return network, coordinator, demo_seconds


COORDINATOR_EMAIL = "bench.coordinator@example.org"
ZONE_ADMIN_EMAIL = "bench.zone.admin@example.org"


def staff_person(email, role, **scope):
    """A screened person with `role` over `scope` (network= or zone=) and an authenticator app."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from nabuur.accounts.models import User
    from nabuur.staff.models import RoleAssignment, ScreeningResult

    person = User.objects.create_user(email, "bench password 1234", first_name="Bench")
    RoleAssignment.objects.create(
        user=person,
        role=role,
        started_on=datetime.date(2024, 1, 15),
        screening_result=ScreeningResult.POSITIVE,
        screened_on=datetime.date(2024, 1, 10),
        adult_confirmed_at=datetime.datetime(2024, 1, 10, 9, 0, tzinfo=datetime.UTC),
        **scope,
    )
    TOTP.activate(person, generate_totp_secret())
    return person


def vacuum_analyze():
    from django.db import connection

    # A database in use has been vacuumed and analysed by autovacuum long since; a freshly
    # bulk-loaded one not yet, and its plans and index-only scans would not be the real ones.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def logged_in_client(user):
    """A test client logged in as `user` with password and authenticator app, as allauth notes
    a real login in the session (staff pages open only to such a session)."""
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = client.session
    now = time.time()
    # allauth keeps whose notes they are beside them (allauth.account.internal.flows.login).
    session["account_authentication_methods_user"] = str(user.pk)
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    session.save()
    return client


def session_cookie(user):
    """A session of `user` in the database, as if they had logged in: (cookie name, value)."""
    from django.conf import settings

    client = logged_in_client(user)
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


def member_list_load(network, cookie):
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
        cookie=cookie,
        paths=[
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


def message_log_load(network, coordinator, cookie):
    """The message log: the person's BINs, one BIN, later pages, a state filter."""
    if not has_message_log(coordinator):
        message_log_data(network, coordinator)
    base = "/nl/staff/messages/"
    return PageLoad(
        "message_log",
        cookie=cookie,
        paths=[
            base,
            f"{base}?bin={network.slug}",
            f"{base}?bin={network.slug}&page=2",
            f"{base}?bin={network.slug}&page=10",
            f"{base}?state=sent",
        ],
    )


def has_message_log(coordinator):
    from nabuur.messaging.models import Message

    return Message.objects.filter(author=coordinator).exists()


def message_log_data(network, coordinator):
    """LOG_MESSAGES messages of `coordinator` to `network`, the latest LOG_SENT e-mailed."""
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


def floor_load(cookie):
    """The floor page (bench/floor.py): the cost every staff page pays before its own work."""
    return PageLoad("floor", ["/nl/staff/bench-floor/"], cookie=cookie)


# Of every 20 lookups: 10 find a BIN, 4 a street no BIN covers, 3 an unknown street and 3 a
# street without a number; a finder on a BIN's public page sees mostly residents' own addresses.
LOOKUP_MIX = {"found": 10, "no_bin_here": 4, "unknown_street": 3, "number_needed": 3}
LOOKUP_ROUNDS = 3
UNKNOWN_STREETS = [
    "Nergensdreef",
    "Onbekendelaan",
    "Verzonnenstraat",
    "Rue Imaginaire",
    "Zomaarweg",
]


def lookup_addresses(zone):
    """Addresses of the zone's streets for each status of LOOKUP_MIX: {status: [query, …]}.

    Candidates are drawn from the streets and BIN segments of the data set, each one's status
    found out with the finder itself (an ambiguous street name, say, is dropped)."""
    import random

    from nabuur.networks.finder import find_networks
    from nabuur.networks.models import Segment
    from nabuur.zones.models import Street

    chooser = random.Random(17)
    segments = list(
        Segment.objects.filter(network__municipality__zone=zone).select_related("street")
    )
    bare = list(Street.objects.filter(municipality__zone=zone, segments__isnull=True)[:2000])
    chooser.shuffle(segments)
    chooser.shuffle(bare)

    def name(street):
        return street.name_nl or street.name_fr or street.name_de

    def candidates():
        for segment, street in zip(segments, bare, strict=False):
            covered = segment.street
            number = segment.number_from + (1 if segment.side == "even" else 0)
            yield covered.postcode, name(covered), str(number)
            yield covered.postcode, name(covered), ""
            yield street.postcode, name(street), str(chooser.randint(1, 60))
            yield covered.postcode, chooser.choice(UNKNOWN_STREETS), str(chooser.randint(1, 60))

    wanted = {status: LOOKUP_MIX[status] * LOOKUP_ROUNDS for status in LOOKUP_MIX}
    found = {status: [] for status in LOOKUP_MIX}
    for postcode, street, number in candidates():
        if all(len(found[s]) >= n for s, n in wanted.items()):
            break
        text = f"{street} {number}, {postcode}" if number else f"{street}, {postcode}"
        result = find_networks(text)
        status = result.status.value
        # As the API: the finder must read back the postcode and number it was given.
        read_back = result.parsed.postcode == postcode and str(result.parsed.number or "") == number
        if read_back and status in found and len(found[status]) < wanted[status]:
            found[status].append(
                urlencode({"postcode": postcode, "street": street, "number": number})
            )
    short = {s: len(found[s]) for s in wanted if len(found[s]) < wanted[s]}
    if short:
        raise RuntimeError(f"too few lookup addresses of some statuses: {short}")
    return found


def api_lookup_load(zone):
    """The public API's lookup, no session, in the mix of LOOKUP_MIX."""
    addresses = lookup_addresses(zone)
    paths, expected = [], {}
    for round_ in range(LOOKUP_ROUNDS):
        for status, share in LOOKUP_MIX.items():
            for query in addresses[status][round_ * share : (round_ + 1) * share]:
                path = f"/api/v1/lookup?{query}"
                paths.append(path)
                expected[path] = status
    return PageLoad("api_lookup", paths, expected=expected)


def overview_load(zone, cookie, user):
    """The zone's evaluation overview of this year, as its zone administrator sees it."""
    from django.utils.timezone import localdate

    path = f"/nl/staff/evaluation/overview/zone/{zone.slug}/{localdate().year}/"
    return PageLoad(
        "zone_overview",
        [path],
        cookie=cookie,
        user=user,
        requests=OVERVIEW_REQUESTS,
        clients=1,
    )


def count_queries(page):
    """{path: number of database queries} through the test client, after one warm-up request;
    checks that each path answers 200 (and, for the API, the expected status)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client() if page.user is None else logged_in_client(page.user)
    client.get(page.paths[0])
    counts = {}
    for path in page.paths:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        if page.expected and response.json()["status"] != page.expected[path]:
            raise RuntimeError(f"{path} answered {response.json()['status']}")
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
                "--no-control-socket",
            ],
            cwd=ROOT,
            # The bench URLconf adds the floor page (bench/settings.py).
            env=dict(os.environ, PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="bench.settings"),
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
        headers = {"Host": "127.0.0.1", **({"Cookie": cookie} if cookie else {})}
        connection.request("GET", path, headers=headers)
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


def timed_load(server, page, requests):
    """`requests` of `page` under its clients: (results, seconds)."""
    started = time.perf_counter()
    results = load(server.port, page.paths, page.cookie, requests, page.clients)
    return results, time.perf_counter() - started


def measure(server, page):
    """Query counts, then `page` under load on `server`: its figures, keyed by `page.key`."""
    queries = counted(page)
    load(server.port, page.paths, page.cookie, requests=min(WARM_UP_REQUESTS, page.requests))
    results, seconds = timed_load(server, page, page.requests)
    return figures_of(server, page, queries, results, seconds)


def counted(page):
    queries = count_queries(page)
    if len(page.paths) <= 10:
        for path, count in queries.items():
            log(f"  {count:3} queries  {path}")
    return queries


def figures_of(server, page, queries, results, seconds):
    """The figures of `page` from its `results` under load, which took `seconds`."""
    # One client alone: the time a request takes when it waits for no other.
    alone = [ms for _p, _s, ms in results]
    if page.clients > 1:
        alone = [ms for _p, _s, ms in load(server.port, page.paths, page.cookie, 100, clients=1)]
    failed = [(path, status) for path, status, _ms in results if status != 200]
    if failed:
        raise RuntimeError(f"{len(failed)} requests failed, e.g. {failed[:3]}")
    times = [ms for _path, _status, ms in results]
    groups = {path: [path] for path in page.paths} if len(page.paths) <= 10 else {}
    if page.expected:
        groups = {
            status: [path for path in page.paths if page.expected[path] == status]
            for status in dict.fromkeys(page.expected.values())
        }
    by_group = {}
    for label, paths in groups.items():
        mine = [ms for p, _status, ms in results if p in paths]
        by_group[label] = round(p95(mine), 1)
        log(f"  p95 {p95(mine):6.1f} ms  median {statistics.median(mine):6.1f} ms  {label}")
    distinct = set(queries.values())
    figures = {
        f"{page.key}_p95_ms": round(p95(times), 1),
        f"{page.key}_median_ms": round(statistics.median(times), 1),
        f"{page.key}_one_client_median_ms": round(statistics.median(alone), 1),
        f"{page.key}_requests_per_s": round(len(results) / seconds, 1),
        f"{page.key}_queries": distinct.pop() if len(distinct) == 1 else queries,
    }
    if page.expected:
        figures[f"{page.key}_p95_by_status_ms"] = by_group
        # One number for each status rather than one for each of the many addresses.
        figures[f"{page.key}_queries"] = {
            label: sorted({queries[path] for path in paths}) for label, paths in groups.items()
        }
    log(
        f"  {page.key}: p95 {figures[f'{page.key}_p95_ms']} ms, "
        f"{figures[f'{page.key}_requests_per_s']} requests/s"
    )
    return figures


# The floor and a list take turns, this many times, each sending a share of its requests.
FLOOR_ROUNDS = 5


def measure_against_floor(server, floor, page, rounds=FLOOR_ROUNDS):
    """The floor page's figures and its ratio to `page`: the two loaded in turns.

    The machine's speed drifts by a third within a minute (other work on the host): a floor
    measured once before a list and the list after it saw different machines, and the ratio
    moved by ±0.15 between runs. Taking turns, both see each moment of the run alike. The
    ratio is the floor's requests a second over the list's, each over all of its rounds; the
    ratio of each round is kept beside it, to show how far the moments differed. The list's
    own figures (p95, median) come from its uninterrupted load in `measure`.
    """
    queries = counted(floor)
    for each in (floor, page):
        load(server.port, each.paths, each.cookie, requests=min(WARM_UP_REQUESTS, each.requests))
    results = {floor.key: [], page.key: []}
    seconds = {floor.key: 0.0, page.key: 0.0}
    by_round = []
    for _round in range(rounds):
        rates = {}
        for each in (floor, page):
            got, took = timed_load(server, each, each.requests // rounds)
            results[each.key] += got
            seconds[each.key] += took
            rates[each.key] = len(got) / took
        by_round.append(round(rates[floor.key] / rates[page.key], 2))
    failed = [status for _path, status, _ms in results[page.key] if status != 200]
    if failed:
        raise RuntimeError(f"{len(failed)} requests of {page.key} failed beside the floor")
    figures = {
        key.replace("floor_", f"floor_beside_{page.key}_", 1): value
        for key, value in figures_of(
            server, floor, queries, results[floor.key], seconds[floor.key]
        ).items()
    }
    page_rate = len(results[page.key]) / seconds[page.key]
    figures[f"{page.key}_requests_per_s_beside_floor"] = round(page_rate, 1)
    figures[f"{page.key}_floor_ratio"] = round(
        len(results[floor.key]) / seconds[floor.key] / page_rate, 2
    )
    figures[f"{page.key}_floor_ratio_by_round"] = by_round
    log(f"  {page.key}: floor ratio {figures[f'{page.key}_floor_ratio']}, by round {by_round}")
    return figures


def cookie_of(user):
    name, value = session_cookie(user)
    return f"{name}={value}"


def reused_data():
    """With BENCH_REUSE=1, the data a run before built in this database, if there is:
    (network, coordinator, None)."""
    from django.core.management import call_command

    from nabuur.accounts.models import User

    if not os.environ.get("BENCH_REUSE"):
        return None
    call_command("migrate", verbosity=0)
    coordinator = User.objects.filter(email=COORDINATOR_EMAIL).first()
    if coordinator is None:
        return None
    log("  reusing the data of a run before (BENCH_REUSE)")
    return coordinator.roles.get().network, coordinator, None


def child():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nabuur.settings")
    import django

    django.setup()
    network, coordinator, demo_seconds = reused_data() or build_data()
    zone = network.municipality.zone
    zone_admin = type(coordinator).objects.get(email=ZONE_ADMIN_EMAIL)
    cookie = cookie_of(coordinator)
    # The message log's data first, so that every load below sees the same database.
    lists = [member_list_load(network, cookie), message_log_load(network, coordinator, cookie)]
    lists = [replace(page, user=coordinator) for page in lists]
    floor = replace(floor_load(cookie), user=coordinator)
    figures = {"demo_build_s": round(demo_seconds, 1) if demo_seconds else None}
    # The client threads share this process with what building the data left behind (some
    # 100,000 objects); a full garbage collection here stalls every client thread for tens of
    # milliseconds, which would count as the server's latency. Frozen, those objects are
    # left out of the client's collections.
    gc.collect()
    gc.freeze()
    server = Gunicorn()
    try:
        server.wait_until_ready()
        for page in lists:
            figures.update(measure(server, page))
            figures.update(measure_against_floor(server, floor, page))
        figures.update(measure(server, api_lookup_load(zone)))
        figures.update(measure(server, overview_load(zone, cookie_of(zone_admin), zone_admin)))
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
