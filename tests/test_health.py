"""`GET /healthz` (the install) and `GET /healthz/live` (this web node and its database)."""

import json
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from nabuur.lib import clock
from nabuur.operations import health, jobs
from nabuur.operations.models import WorkerHeartbeat

from . import factories

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with clock.frozen_at(NOW):
        yield NOW


def heartbeat(seconds_ago, host="web-1", pid=100):
    moment = NOW - timedelta(seconds=seconds_ago)
    return WorkerHeartbeat.objects.create(host=host, pid=pid, started_at=moment, last_seen=moment)


def delivery(state, due_seconds_ago, **fields):
    return factories.DeliveryFactory(
        state=state, next_attempt_at=NOW - timedelta(seconds=due_seconds_ago), **fields
    )


@pytest.mark.django_db
def test_health_with_a_fresh_heartbeat_reports_the_queue(client, frozen):
    heartbeat(42, pid=1)
    heartbeat(400, pid=2)
    delivery("queued", 90)
    delivery("deferred", 10)
    # Not due: a retry later, one being sent, one sent, one failed.
    delivery("deferred", -60)
    delivery("sending", 500)
    delivery("sent", 1000)
    delivery("failed", 2000)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "database": True,
        "worker_heartbeat_age_s": 42,
        "deliveries_due": 2,
        "oldest_due_age_s": 90,
    }
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


@pytest.mark.django_db
def test_health_without_any_heartbeat_is_503(client, frozen):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "ok": False,
        "database": True,
        "worker_heartbeat_age_s": None,
        "deliveries_due": 0,
        "oldest_due_age_s": 0,
    }


@pytest.mark.django_db
def test_health_with_a_stale_heartbeat_is_503(client, frozen):
    heartbeat(301)
    delivery("queued", 301)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "ok": False,
        "database": True,
        "worker_heartbeat_age_s": 301,
        "deliveries_due": 1,
        "oldest_due_age_s": 301,
    }


@pytest.mark.django_db
def test_health_counts_a_heartbeat_of_exactly_300_seconds_as_alive(client, frozen):
    heartbeat(300)

    response = client.get("/healthz")

    assert (response.status_code, response.json()["worker_heartbeat_age_s"]) == (200, 300)


@pytest.mark.django_db
def test_health_takes_a_heartbeat_from_a_clock_ahead_as_age_zero(client, frozen):
    heartbeat(-3)

    assert client.get("/healthz").json()["worker_heartbeat_age_s"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 3])
def test_health_costs_two_queries_whatever_the_rows(
    client, frozen, django_assert_num_queries, rows
):
    for number in range(rows):
        heartbeat(number, pid=number)
        delivery("queued", number + 1)

    with django_assert_num_queries(2):
        response = client.get("/healthz")

    assert response.json()["deliveries_due"] == rows


@pytest.mark.django_db
def test_live_checks_only_the_database(client):
    # No worker at all: the proxy keeps sending visitors to this node.
    response = client.get("/healthz/live")

    assert (response.status_code, response.json()) == (200, {"ok": True})


@pytest.mark.django_db
def test_health_is_not_redirected_to_https_in_production(client, settings):
    # The proxy asks the web node itself, over plain HTTP.
    settings.SECURE_SSL_REDIRECT = True
    health.beat(force=True)

    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz/live").status_code == 200
    assert client.get("/nl/").status_code == 301


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


DOWN_SCRIPT = """
import json, django
django.setup()
from django.test import Client
client = Client()
for path in ("/healthz", "/healthz/live"):
    response = client.get(path)
    print(json.dumps([path, response.status_code, response.json()]))
"""


def test_both_checks_answer_503_when_the_database_is_down():
    # A real Nabuur process whose PostgreSQL server does not answer (nothing listens there).
    environment = {
        **os.environ,
        "NABUUR_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "nabuur.settings",
        "DATABASE_URL": f"postgres://nabuur@127.0.0.1:{closed_port()}/nabuur",
    }
    result = subprocess.run(
        [sys.executable, "-c", DOWN_SCRIPT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert answers == [
        [
            "/healthz",
            503,
            {
                "ok": False,
                "database": False,
                "worker_heartbeat_age_s": None,
                "deliveries_due": None,
                "oldest_due_age_s": None,
            },
        ],
        ["/healthz/live", 503, {"ok": False}],
    ]


@pytest.mark.django_db(transaction=True)
def test_the_worker_beats_when_it_runs(client):
    before = clock.now()

    call_command("worker", "--until-empty")

    beat = WorkerHeartbeat.objects.get()
    assert (beat.host, beat.pid) == (socket.gethostname(), os.getpid())
    assert before <= beat.started_at <= beat.last_seen <= clock.now()
    with clock.frozen_at(beat.last_seen + timedelta(seconds=5)):
        answer = client.get("/healthz").json()
    assert (answer["ok"], answer["worker_heartbeat_age_s"]) == (True, 5)


@pytest.mark.django_db
def test_a_worker_beats_at_most_every_beat_every_seconds(frozen):
    health.beat(force=True)
    with clock.frozen_at(NOW + timedelta(seconds=5)):
        # Within BEAT_EVERY seconds of real time: no write.
        health.beat()

    assert WorkerHeartbeat.objects.get().last_seen == NOW


@pytest.mark.django_db
def test_heartbeats_older_than_a_day_are_deleted(frozen):
    heartbeat(60, pid=1)
    heartbeat(24 * 3600 + 1, pid=2)

    assert jobs.delete_old_heartbeats(NOW) == 1
    assert list(WorkerHeartbeat.objects.values_list("pid", flat=True)) == [1]


@pytest.mark.django_db
def test_an_unhealthy_answer_is_not_logged_as_a_server_error(client, frozen, caplog):
    with caplog.at_level("WARNING", logger="django.request"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert [r for r in caplog.records if r.name == "django.request"] == []
