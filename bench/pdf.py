"""How long the charter and the evaluation PDF of the demo's largest BIN take in a warm process:
`pdf_charter_s` and `pdf_evaluation_s`, the median of 5 renders after a first one (target
< 1.0 s, issue 15). The first render, which pays for importing WeasyPrint and finding the
fonts, is reported too (`pdf_*_first_s`), and the median CPU time of the warm renders in this
process (`pdf_*_cpu_s`, without the database server's), which a busy machine inflates less.

`python -m bench` calls `run(DATABASE_URL, database)` after the pages phase, on the pages
database (the demo zone with 100,000 members, its largest BIN with 10,000 and more);
`scripts/with-postgres .venv/bin/python -m bench.pdf` runs this phase alone, on a database of its
own with the demo as `nabuur demo` makes it. The child (`python -m bench.pdf --child`) renders;
it opens a charter and last year's evaluation for the BIN if the demo has none.
"""

import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE = "nabuur_bench_pdf"
WARM_RENDERS = 5


def log(text):
    # stdout carries the result line; progress goes to stderr.
    print(text, file=sys.stderr, flush=True)


def run(database_url, database=None):
    """Render in a child on `database` (the pages phase's) or, without one, on a new database
    with the demo; return the figures."""
    parts = urlsplit(database_url)
    build = database is None
    if build:
        import psycopg

        database = DATABASE
        admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {database}")
            admin.execute(f"CREATE DATABASE {database}")
    url = urlunsplit(parts._replace(path=f"/{database}"))
    env = dict(os.environ, DATABASE_URL=url, NABUUR_ENV="test", PYTHONPATH=str(ROOT))
    child = subprocess.run(
        [PYTHON, "-m", "bench.pdf", "--child", *(["--build"] if build else [])],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(child.stdout.strip().splitlines()[-1])


def documents():
    """The largest BIN's latest charter and evaluation (opened if missing), and a partner of
    the BIN to read them as."""
    from django.db.models import Count

    from nabuur.evaluation import services
    from nabuur.evaluation.models import CharterVersion, Evaluation
    from nabuur.lib import clock
    from nabuur.networks.models import Network
    from nabuur.staff.models import COORDINATOR_ROLES, OFFICER_ROLES, partners_of

    # The largest BIN with a partner to sign its charter (every BIN of the demo has one).
    for network in Network.objects.annotate(members=Count("memberships")).order_by("-members"):
        partners = partners_of(network, OFFICER_ROLES + COORDINATOR_ROLES, clock.today())
        if partners:
            reader = partners[0]
            break
    charter = CharterVersion.objects.filter(network=network).order_by("-version").first()
    if charter is None:
        charter = services.start_charter(network, reader)
    evaluation = Evaluation.objects.filter(network=network).order_by("-year").first()
    if evaluation is None:
        evaluation = services.open_evaluation(network, clock.today().year - 1, actor=reader)
    log(
        f"  {network.slug}: {network.members:,} members, charter v{charter.version} "
        f"({charter.state}), evaluation {evaluation.year} ({evaluation.state})"
    )
    return network, reader, charter, evaluation


def timed(render):
    """Seconds on the clock and of this process's CPU (without the database server's): on a
    busy machine the first grows with the load, the second much less."""
    started, cpu = time.perf_counter(), time.process_time()
    render()
    return time.perf_counter() - started, time.process_time() - cpu


def child(build):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nabuur.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from nabuur.evaluation import reports

    if build:
        call_command("migrate", verbosity=0)
        call_command("demo", stdout=io.StringIO())
    _network, reader, charter, evaluation = documents()
    figures = {}
    for key, render in [
        ("pdf_evaluation", lambda: reports.evaluation_pdf(evaluation, reader)),
        ("pdf_charter", lambda: reports.charter_pdf(charter, reader)),
    ]:
        first, _cpu = timed(render)
        warm = [timed(render) for _ in range(WARM_RENDERS)]
        seconds = [wall for wall, _cpu in warm]
        figures[f"{key}_s"] = round(statistics.median(seconds), 3)
        figures[f"{key}_cpu_s"] = round(statistics.median(cpu for _wall, cpu in warm), 3)
        figures[f"{key}_first_s"] = round(first, 3)
        log(f"  {key}: first {first:.3f} s, warm {', '.join(f'{s:.3f}' for s in seconds)} s")
    print(json.dumps(figures))


def main():
    if sys.argv[1:2] == ["--child"]:
        child(build="--build" in sys.argv)
        return
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("bench.pdf: DATABASE_URL is not PostgreSQL; run it with scripts/with-postgres.")
    print(json.dumps(run(database_url), indent=2))


if __name__ == "__main__":
    main()
