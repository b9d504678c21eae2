"""The national profile (issue 18, point 9): does a BIN's page, a zone's overview and the queue
stay as fast when one install serves the whole country?

`python -m bench` calls `run(DATABASE_URL, figures)` after the pages phase, with that phase's
figures; `scripts/with-postgres .venv/bin/python -m bench.national` runs the queue and pages
phases first and then this one. Two databases of their own, both dropped at the end:

1. `nabuur_national`: a copy of the pages phase's database (the demo zone with 100,000
   members, one BIN of 10,000, its coordinator and zone administrator), to which a child
   (`python -m bench.national --child`) adds the other zones with COPY: NATIONAL_ZONES zones in
   all, NATIONAL_BINS BINs and NATIONAL_MEMBERS members. `national_build_s` is the time to build
   it from nothing: the demo zone's build in the pages phase, the copy and the additions.
   Under gunicorn, as in the pages phase: the member list of the 10,000-member BIN and the demo
   zone's overview, whose p95 over the pages phase's give `national_member_list_ratio` and
   `national_overview_ratio`. With NABUUR_BENCH_KEEP_NATIONAL=1 it stays, to EXPLAIN the
   pages' queries in it (run the bench against a PostgreSQL server of your own then:
   scripts/with-postgres removes its cluster at the end).
2. `nabuur_national_queue`: `python -m bench.queue 300000`, one queue_message() to 300,000
   members, over the mean of `python -m bench.queue 100000` run right before and right after
   it (`queue_100k_beside_pg_s`), each in a new database: `national_queue_ratio`.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import pages

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE = "nabuur_national"
QUEUE_DATABASE = "nabuur_national_queue"
NATIONAL_ZONES = 180
NATIONAL_BINS = 1500
NATIONAL_MEMBERS = 300_000
# What national_queue_ratio divides by: the queue phase's size.
QUEUE_BASE = 100_000
# Belgium has 565 municipalities in some 180 zones: three a zone.
MUNICIPALITIES_PER_ZONE = 3
STREETS_PER_MUNICIPALITY = 40


def log(text):
    print(text, file=sys.stderr, flush=True)


def admin_connection(database_url):
    import psycopg

    parts = urlsplit(database_url)
    return psycopg.connect(
        urlunsplit(parts._replace(scheme="postgresql", path="/postgres")), autocommit=True
    )


def database_url_for(database_url, name):
    return urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))


def child_env(url):
    return dict(
        os.environ,
        DATABASE_URL=url,
        NABUUR_ENV="test",
        PYTHONPATH=str(ROOT),
        NABUUR_API_LIMIT_PER_MINUTE=pages.API_LIMIT,
        DJANGO_SETTINGS_MODULE="bench.settings",
    )


def queue_seconds(database_url, count):
    """Seconds of one queue_message() to `count` members in a new database, and the peak
    resident memory of the process that queued (MB)."""
    with admin_connection(database_url) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {QUEUE_DATABASE}")
        admin.execute(f"CREATE DATABASE {QUEUE_DATABASE}")
    try:
        process = subprocess.Popen(
            [PYTHON, "-m", "bench.queue", str(count)],
            env=child_env(database_url_for(database_url, QUEUE_DATABASE)),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        output = process.stdout.read()
        # wait4 gives this child's own resource usage: ru_maxrss in kilobytes on Linux.
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            raise subprocess.CalledProcessError(process.returncode, process.args)
    finally:
        with admin_connection(database_url) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {QUEUE_DATABASE}")
    seconds = json.loads(output.strip().splitlines()[-1])["seconds"]
    return seconds, usage.ru_maxrss / 1024


def copy_database(database_url, source, target):
    """CREATE DATABASE target TEMPLATE source, once the last session on `source` has gone."""
    import psycopg

    with admin_connection(database_url) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {target}")
        for attempt in range(30):
            try:
                admin.execute(f"CREATE DATABASE {target} TEMPLATE {source}")
                return
            except psycopg.errors.ObjectInUse:
                # The server ends a closed session's backend a moment after its client left.
                if attempt == 29:
                    raise
                time.sleep(1)


def run(database_url, figures):
    """The national figures, given the queue and pages phases' `figures` of the same run."""
    results = {}
    # Two timings taken minutes apart on a shared machine compare its load as much as the
    # code (one run measured 3.4 s for the queue phase's 100,000 and 22.6 s for 300,000 at
    # three times the load): the 300,000 are bracketed by two queues of 100,000, built the
    # same way right before and after, and divided by their mean.
    before, _peak = queue_seconds(database_url, QUEUE_BASE)
    seconds, peak = queue_seconds(database_url, NATIONAL_MEMBERS)
    after, _peak = queue_seconds(database_url, QUEUE_BASE)
    results["queue_300k_pg_s"] = round(seconds, 3)
    results["queue_100k_beside_pg_s"] = [round(before, 3), round(after, 3)]
    results["national_queue_ratio"] = round(seconds / ((before + after) / 2), 2)
    results["queue_300k_peak_rss_mb"] = round(peak, 1)
    log(
        f"queue 300,000 on PostgreSQL: {seconds:.2f} s (peak RSS {peak:.0f} MB); "
        f"100,000 before and after: {before:.2f} s, {after:.2f} s"
    )

    started = time.perf_counter()
    copy_database(database_url, pages.DATABASE, DATABASE)
    copied = time.perf_counter() - started
    try:
        child = subprocess.run(
            [PYTHON, "-m", "bench.national", "--child"],
            env=child_env(database_url_for(database_url, DATABASE)),
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
    finally:
        if not os.environ.get("NABUUR_BENCH_KEEP_NATIONAL"):
            with admin_connection(database_url) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    national = json.loads(child.stdout.strip().splitlines()[-1])
    build = (figures["demo_build_s"] or 0) + copied + national.pop("national_additions_s")
    results["national_build_s"] = round(build, 1)
    results.update(national)
    results["national_member_list_ratio"] = round(
        national["national_member_list_p95_ms"] / figures["member_list_p95_ms"], 2
    )
    results["national_overview_ratio"] = round(
        national["national_zone_overview_p95_ms"] / figures["zone_overview_p95_ms"], 2
    )
    return results


# --- The child: the other zones, then the pages under gunicorn ---------------------------------


def add_zones():
    """Add zones, municipalities, streets, BINs and members with COPY up to the national totals."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from bench.data import insert_with_defaults
    from nabuur.accounts.models import User
    from nabuur.lib.languages import LanguageRegime
    from nabuur.members.models import Membership, MembershipStatus, person_keys, street_key
    from nabuur.networks.models import BinType, Network, NetworkStatus, Segment
    from nabuur.zones.models import Municipality, Street, Zone

    zones = Zone.objects.bulk_create(
        Zone(
            slug=f"national-{n:03d}",
            name=f"Politiezone Nationaal {n}",
            email=f"info@zone{n}.example",
            phone="03 000 00 00",
            postal_address=f"Zonestraat {n}\n1000 Brussel",
            controller_name=f"Politiezone Nationaal {n}",
            controller_address=f"Zonestraat {n}\n1000 Brussel",
            controller_email=f"privacy@zone{n}.example",
            dpo_name="DPO",
            dpo_email=f"dpo@zone{n}.example",
            accessibility_email=f"a11y@zone{n}.example",
        )
        for n in range(NATIONAL_ZONES - Zone.objects.count())
    )
    bin_types = BinType.objects.bulk_create(
        BinType(zone=zone, code="bin", name_nl="BIN", name_fr="RIQ", name_de="BIN", name_en="BIN")
        for zone in zones
    )
    # No real NIS code or postcode starts with 0: these never meet the demo's.
    municipalities = Municipality.objects.bulk_create(
        Municipality(
            nis_code=f"0{n:04d}",
            name_nl=f"Gemeente {n}",
            name_fr=f"Commune {n}",
            zone=zones[n // MUNICIPALITIES_PER_ZONE],
            language_regime=LanguageRegime.DUTCH,
        )
        for n in range(len(zones) * MUNICIPALITIES_PER_ZONE)
    )
    streets = Street.objects.bulk_create(
        Street(
            municipality=municipality,
            official_id=str(s),
            postcode=f"0{n:03d}",
            name_nl=f"Straat {s}",
        )
        for n, municipality in enumerate(municipalities)
        for s in range(STREETS_PER_MUNICIPALITY)
    )
    bin_type_of = {bin_type.zone_id: bin_type for bin_type in bin_types}
    new_bins = NATIONAL_BINS - Network.objects.count()
    networks = Network.objects.bulk_create(
        Network(
            municipality=municipalities[n % len(municipalities)],
            bin_type=bin_type_of[municipalities[n % len(municipalities)].zone_id],
            name=f"BIN Nationaal {n}",
            slug=f"national-{n}",
            status=NetworkStatus.ACTIVE,
            contact_email=f"bin{n}@national.example",
        )
        for n in range(new_bins)
    )
    streets_of = {}
    for street in streets:
        streets_of.setdefault(street.municipality_id, []).append(street)
    # Each BIN covers a street of its municipality, one BIN after another.
    street_of = {
        network.pk: streets_of[network.municipality_id][
            n // len(municipalities) % STREETS_PER_MUNICIPALITY
        ]
        for n, network in enumerate(networks)
    }
    Segment.objects.bulk_create(
        Segment(network=network, street=street_of[network.pk]) for network in networks
    )

    count = NATIONAL_MEMBERS - Membership.objects.count()
    password = make_password(None)
    stamp = timezone.now()
    first = (User.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    insert_with_defaults(
        User,
        ("id", "email", "first_name", "last_name", "phone", "language", "password")
        + ("is_active", "is_staff", "is_superuser", "date_joined"),
        (
            (first + n, f"member{n}@national.example", "Lid", str(n), "", "nl", password)
            + (True, False, False, stamp)
            for n in range(count)
        ),
    )

    def membership(n):
        network = networks[n % len(networks)]
        street = street_of[network.pk]
        email = f"member{n}@national.example"
        return (
            (first + n, network.pk, street.pk, 1 + n % 200, "", "", street.postcode, "lives")
            + ("", MembershipStatus.ACTIVE.value, stamp, stamp, stamp, stamp)
            + (*person_keys("Lid", str(n), email).values(), street_key(street.name_nl))
        )

    insert_with_defaults(
        Membership,
        ("user_id", "network_id", "street_id", "house_number", "house_number_suffix", "box")
        + ("postcode", "basis", "enterprise_number", "status", "requested_at", "confirmed_at")
        + ("approved_at", "status_changed_at", "last_name_key", "first_name_key")
        + ("search_text", "street_key"),
        (membership(n) for n in range(count)),
    )
    with connection.cursor() as cursor:
        for model in (User, Membership):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT MAX(id) FROM {table}))"
            )
    log(f"  added {len(zones)} zones, {len(networks)} BINs, {count:,} members")


def child():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nabuur.settings")
    import django

    django.setup()
    from django.db.models import Count

    from nabuur.accounts.models import User
    from nabuur.members.counts import count_drift, fold_status_counts
    from nabuur.members.models import Membership
    from nabuur.networks.models import Network
    from nabuur.zones.models import Zone

    started = time.perf_counter()
    add_zones()
    # COPY fires the triggers that keep the counts per status (members/migrations/0011).
    drift = count_drift()
    if drift:
        raise RuntimeError(f"counts per status disagree with the memberships: {drift[:5]}")
    fold_status_counts()
    pages.vacuum_analyze()
    additions = time.perf_counter() - started
    coordinator = User.objects.get(email=pages.COORDINATOR_EMAIL)
    zone_admin = User.objects.get(email=pages.ZONE_ADMIN_EMAIL)
    network = Network.objects.get(roles__user=coordinator)
    zone = network.municipality.zone
    size = Membership.objects.filter(network=network).count()
    largest = (
        Network.objects.annotate(n=Count("memberships")).order_by("-n").values_list("n", flat=True)
    )[0]
    figures = {
        "national_additions_s": additions,
        "national_zones": Zone.objects.count(),
        "national_bins": Network.objects.count(),
        "national_members": Membership.objects.count(),
    }
    log(
        f"  national install: {figures['national_zones']} zones, {figures['national_bins']:,} "
        f"BINs, {figures['national_members']:,} members; {network.slug}: {size:,} members "
        f"(largest BIN: {largest:,}); built in {additions:.0f} s after the copy"
    )
    member_list = pages.replace(
        pages.member_list_load(network, pages.cookie_of(coordinator)), user=coordinator
    )
    overview = pages.overview_load(zone, pages.cookie_of(zone_admin), zone_admin)
    server = pages.Gunicorn()
    try:
        server.wait_until_ready()
        for page in (member_list, overview):
            for key, value in pages.measure(server, page).items():
                figures[f"national_{key}"] = value
    finally:
        server.stop()
    print(json.dumps(figures))


def main():
    if sys.argv[1:] == ["--child"]:
        child()
        return
    database_url = os.environ.get("DATABASE_URL", "")
    if sys.argv[1:2] == ["--after"]:
        # From `python -m bench`, with the figures of its earlier phases.
        print(json.dumps(run(database_url, json.loads(sys.argv[2]))))
        return
    if not database_url.startswith("postgres"):
        sys.exit(
            "bench.national: DATABASE_URL is not PostgreSQL; run it with scripts/with-postgres."
        )
    from bench.__main__ import queue_phase

    with admin_connection(database_url) as admin:
        admin.execute("DROP DATABASE IF EXISTS nabuur_bench")
        admin.execute("CREATE DATABASE nabuur_bench")
    figures = {"queue_100k_pg_s": queue_phase(database_url_for(database_url, "nabuur_bench"))}
    figures["queue_100k_pg_s"] = figures["queue_100k_pg_s"]["seconds"]
    figures.update(pages.run(database_url))
    print(json.dumps({**figures, **run(database_url, figures)}, indent=2))


if __name__ == "__main__":
    main()
