"""`python -m bench` (`make bench`): the figures of issues 5, 15, 17 and 18, written to
bench/results.json; docs/performance.md says what each measures and its target.

`python -m bench PHASE …` runs only those phases (queue, workers, pages, pdf, national) and the
ones they need, and prints the figures instead of writing the file.

Needs DATABASE_URL pointing at a PostgreSQL server (scripts/with-postgres sets one); the
benchmark makes its own database `nabuur_bench` there and a SQLite file in a temporary folder,
so it never touches real data. Each phase runs in its own process with its own DATABASE_URL.
"""

import json
import os
import signal
import smtplib
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import pages, pdf

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
NABUUR = str(Path(PYTHON).parent / "nabuur")
SEND_COUNT = 20_000


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(database_url, **extra):
    env = dict(os.environ, DATABASE_URL=database_url, NABUUR_ENV="test", **extra)
    env["PYTHONPATH"] = str(ROOT)
    return env


def queue_phase(database_url):
    output = subprocess.run(
        [PYTHON, "-m", "bench.queue"],
        env=environment(database_url),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


class Sink:
    def __init__(self, workdir, name):
        self.port = free_port()
        self.outfile = Path(workdir) / f"{name}.ids"
        self.process = subprocess.Popen(
            [PYTHON, "-m", "bench.sink", str(self.port), str(self.outfile)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.process.stdout.readline()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait()
        text = self.outfile.read_text()
        return text.splitlines() if text else []


def django_setup(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ["NABUUR_ENV"] = "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nabuur.settings")
    import django

    django.setup()


def smtplib_rate(port, templates, rows):
    """A bare smtplib loop over one connection, messages rendered beforehand."""
    messages = [
        (
            f"bounces+{row['token']}@localhost",
            row["email"],
            templates.personalise(
                to=row["email"], message_id_header=f"base.{row['id']}@bench", token=row["token"]
            ),
        )
        for row in rows
    ]
    connection = smtplib.SMTP("127.0.0.1", port)
    started = time.perf_counter()
    for sender, recipient, data in messages:
        connection.sendmail(sender, [recipient], data)
    seconds = time.perf_counter() - started
    connection.quit()
    return len(messages) / seconds


def peak_rss_watcher(pid, peaks):
    def watch():
        while True:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                return
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peaks[pid] = max(peaks.get(pid, 0), int(line.split()[1]) / 1024)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()


def run_workers(database_url, count, port, ids, peaks):
    """Release `ids` to the queue, run `count` workers until they are sent; return the rate."""
    from django.db.models import Max, Min

    from nabuur.lib import clock
    from nabuur.messaging.models import Delivery, DeliveryState

    Delivery.objects.filter(id__in=ids).update(next_attempt_at=clock.now())
    env = environment(database_url, NABUUR_EMAIL_URL=f"smtp://127.0.0.1:{port}")
    workers = [
        subprocess.Popen(
            [NABUUR, "worker", "--interval", "0.05"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    for worker in workers:
        peak_rss_watcher(worker.pid, peaks)
    pending = Delivery.objects.filter(id__in=ids).exclude(state=DeliveryState.SENT)
    deadline = time.monotonic() + 600
    while pending.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        worker.wait(timeout=60)
    span = Delivery.objects.filter(id__in=ids).aggregate(first=Min("sent_at"), last=Max("sent_at"))
    sent = Delivery.objects.filter(id__in=ids, state=DeliveryState.SENT).count()
    seconds = (span["last"] - span["first"]).total_seconds()
    return sent / seconds if seconds else None


def national_phase(database_url, results):
    """bench/national.py's figures, from a process of its own given the figures so far."""
    output = subprocess.run(
        [PYTHON, "-m", "bench.national", "--after", json.dumps(results)],
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


PHASES = ("queue", "workers", "pages", "pdf", "national")
# What each phase needs of an earlier one: the workers send the queue phase's rows, the
# national profile divides by the queue and pages figures.
NEEDS = {"workers": {"queue"}, "national": {"queue", "pages"}}


def phases_to_run(asked):
    """The phases of `asked` (all if empty) and those they need, in PHASES order."""
    unknown = set(asked) - set(PHASES)
    if unknown:
        sys.exit(f"bench: no phase {', '.join(sorted(unknown))}; phases: {', '.join(PHASES)}.")
    chosen = set(asked or PHASES)
    for phase in list(chosen):
        chosen |= NEEDS.get(phase, set())
    return [phase for phase in PHASES if phase in chosen]


def queue_figures(bench_url, workdir, results):
    sqlite = queue_phase(f"sqlite:///{workdir}/bench.sqlite3")
    results["queue_100k_sqlite_s"] = round(sqlite["seconds"], 3)
    print(f"queue 100,000 on SQLite:     {sqlite['seconds']:.2f} s", flush=True)
    pg = queue_phase(bench_url)
    results["queue_100k_pg_s"] = round(pg["seconds"], 3)
    print(f"queue 100,000 on PostgreSQL: {pg['seconds']:.2f} s", flush=True)
    return pg["message"]


def worker_figures(bench_url, workdir, message_id, results):
    django_setup(bench_url)
    from datetime import timedelta

    from nabuur.lib import clock
    from nabuur.messaging.emails import render_message
    from nabuur.messaging.models import Delivery, Message

    # Park every row; each phase releases its own slice.
    Delivery.objects.update(next_attempt_at=clock.now() + timedelta(days=365))
    ids = list(Delivery.objects.order_by("id").values_list("id", flat=True))
    one, two = ids[:SEND_COUNT], ids[SEND_COUNT : 3 * SEND_COUNT]
    rows = list(Delivery.objects.filter(id__in=ids[-SEND_COUNT:]).values("id", "email", "token"))
    template = render_message(Message.objects.get(pk=message_id), ["nl"], now=clock.now())

    sink = Sink(workdir, "baseline")
    results["smtplib_rate_per_s"] = round(smtplib_rate(sink.port, template, rows), 1)
    sink.stop()
    print(f"bare smtplib loop:           {results['smtplib_rate_per_s']:.0f} /s", flush=True)

    peaks = {}
    sink = Sink(workdir, "one")
    one_rate = run_workers(bench_url, 1, sink.port, one, peaks)
    seen = sink.stop()
    results["worker_rate_per_s"] = round(one_rate, 1)
    print(f"one worker:                  {one_rate:.0f} /s", flush=True)

    sink = Sink(workdir, "two")
    two_rate = run_workers(bench_url, 2, sink.port, two, peaks)
    seen += sink.stop()
    print(f"two workers:                 {two_rate:.0f} /s", flush=True)
    results["rate_ratio"] = round(one_rate / results["smtplib_rate_per_s"], 3)
    results["two_worker_speedup_pg"] = round(two_rate / one_rate, 3)
    results["duplicates"] = sum(n - 1 for n in Counter(seen).values() if n > 1)
    results["received_at_sink"] = len(seen)
    results["worker_peak_rss_mb"] = round(max(peaks.values()), 1) if peaks else None


def target(value, limit):
    """'(target < 50: met)' for a figure and its target: `limit` is (sign, number)."""
    sign, number = limit
    met = {"<": value < number, "≤": value <= number, ">": value > number, "≥": value >= number}
    met = met[sign]
    return f"(target {sign} {number}: {'met' if met else 'MISSED'})"


# (result key, label, unit, target or None): printed in this order when present.
SUMMARY = [
    ("queue_100k_sqlite_s", "queue 100,000 on SQLite", "s", ("<", 5)),
    ("queue_100k_pg_s", "queue 100,000 on PostgreSQL", "s", ("<", 5)),
    ("smtplib_rate_per_s", "bare smtplib loop", "/s", None),
    ("worker_rate_per_s", "one worker", "/s", None),
    ("rate_ratio", "rate ratio", "", ("≥", 0.5)),
    ("two_worker_speedup_pg", "two-worker speed-up", "", (">", 1)),
    ("duplicates", "duplicates at the sink", "", ("≤", 0)),
    ("worker_peak_rss_mb", "worker peak RSS", "MB", ("<", 200)),
    ("floor_beside_member_list_p95_ms", "floor page p95", "ms", None),
    ("member_list_p95_ms", "member list p95", "ms", ("<", 100)),
    ("member_list_floor_ratio", "member list floor ratio", "", ("≤", 2.0)),
    ("message_log_p95_ms", "message log p95", "ms", ("<", 100)),
    ("message_log_floor_ratio", "message log floor ratio", "", ("≤", 2.0)),
    ("api_lookup_p95_ms", "API lookup p95", "ms", ("<", 50)),
    ("zone_overview_p95_ms", "zone overview p95", "ms", None),
    ("pdf_evaluation_s", "evaluation PDF, warm median", "s", ("<", 1.0)),
    ("pdf_charter_s", "charter PDF, warm median", "s", ("<", 1.0)),
    ("national_build_s", "national build", "s", None),
    ("national_member_list_p95_ms", "national member list p95", "ms", None),
    ("national_member_list_ratio", "national member list ratio", "", ("≤", 1.2)),
    ("queue_300k_pg_s", "queue 300,000 on PostgreSQL", "s", None),
    ("national_queue_ratio", "national queue ratio", "", ("≤", 3.3)),
    ("national_zone_overview_p95_ms", "national zone overview p95", "ms", None),
    ("national_overview_ratio", "national overview ratio", "", ("≤", 1.5)),
]


def print_summary(results):
    for key, label, unit, limit in SUMMARY:
        if key not in results:
            continue
        value = results[key]
        line = f"{label + ':':<32} {value}{' ' + unit if unit else ''}"
        if limit is not None:
            line += f" {target(value, limit)}"
        for page in ("member_list", "message_log", "api_lookup"):
            if key == f"{page}_p95_ms":
                line += f" ({results[f'{page}_queries']} queries a request)"
        print(line, flush=True)


def main():
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("bench: DATABASE_URL is not PostgreSQL; run it with make bench.")
    phases = phases_to_run(sys.argv[1:])
    parts = urlsplit(database_url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    bench_url = urlunsplit(parts._replace(path="/nabuur_bench"))
    import psycopg

    with psycopg.connect(
        admin_url.replace("postgres://", "postgresql://"), autocommit=True
    ) as admin:
        admin.execute("DROP DATABASE IF EXISTS nabuur_bench")
        admin.execute("CREATE DATABASE nabuur_bench")

    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        if "queue" in phases:
            message_id = queue_figures(bench_url, workdir, results)
        if "workers" in phases:
            worker_figures(bench_url, workdir, message_id, results)
    if "pages" in phases:
        # Staff pages and the API under gunicorn, in a database of their own (bench/pages.py).
        results.update(pages.run(database_url))
    if "pdf" in phases:
        # The charter and evaluation PDFs of that data set's largest BIN (bench/pdf.py).
        results.update(pdf.run(database_url, pages.DATABASE if "pages" in phases else None))
    if "national" in phases:
        # The national profile (bench/national.py), after the pdf phase: it copies the pages
        # database, which must have no other connection then.
        results.update(national_phase(database_url, results))
    print_summary(results)
    if phases == list(PHASES):
        (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    else:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
