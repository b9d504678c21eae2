"""`GET /metrics`: Prometheus's text format, behind NABUUR_METRICS_TOKEN."""

import math
import re
from datetime import UTC, datetime, timedelta

import pytest

from nabuur.imports.models import ImportBatch
from nabuur.lib import clock
from nabuur.operations import metrics
from nabuur.operations.models import RequestDuration, WorkerHeartbeat

from . import factories

TOKEN = "s3cret-metrics-token"  # noqa: S105 - a test's token
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def token(settings):
    settings.NABUUR_METRICS_TOKEN = TOKEN


@pytest.fixture(autouse=True)
def no_pending_durations():
    # Requests of earlier tests wait in this process's histogram; each test starts from none.
    metrics._pending.clear()
    yield
    metrics._pending.clear()


def scrape(client, authorization=f"Bearer {TOKEN}"):
    headers = {"Authorization": authorization} if authorization is not None else {}
    return client.get("/metrics", headers=headers)


# --- A parser of the Prometheus text format (0.0.4), strict enough to refuse a bad page. ---

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(rf"^({NAME})(?:\{{(.*)\}})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')
VALUE = re.compile(r"^[+-]?(Inf|NaN|\d+(\.\d+)?([eE][+-]?\d+)?)$")


def parse_labels(text):
    labels, position = {}, 0
    while position < len(text):
        match = LABEL.match(text, position)
        assert match, f"bad labels: {text!r}"
        raw = match.group(2)
        labels[match.group(1)] = raw.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
        position = match.end()
    return labels


def parse(text):
    """{family: {"type", "help", "samples": {(name, frozenset(labels)): value}}}."""
    assert text.endswith("\n")
    families, current = {}, None
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            assert name not in families, f"{name} twice"
            families[name] = current = {"help": help_text, "type": None, "samples": {}}
            current["name"] = name
        elif line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            assert current is not None and current["name"] == name and not current["samples"]
            assert kind in {"counter", "gauge", "histogram", "summary", "untyped"}
            current["type"] = kind
        else:
            match = SAMPLE.match(line)
            assert match, f"bad sample line: {line!r}"
            name, labels, value = match.groups()
            assert VALUE.match(value), f"bad value: {line!r}"
            base = current["name"]
            suffixes = ("_bucket", "_sum", "_count") if current["type"] == "histogram" else ("",)
            assert any(name == base + suffix for suffix in suffixes), f"{name} outside {base}"
            key = (name, frozenset(parse_labels(labels or "").items()))
            assert key not in current["samples"], f"{line!r} twice"
            current["samples"][key] = float(value)
    return families


def value(families, name, family=None, **labels):
    return families[family or name]["samples"][(name, frozenset(labels.items()))]


# --- Access ---


def test_no_token_set_means_no_page(client, settings):
    settings.NABUUR_METRICS_TOKEN = ""

    assert scrape(client).status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", TOKEN],
)
def test_a_missing_or_wrong_token_gets_401(client, authorization):
    response = scrape(client, authorization)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"nabuur_" not in response.content


def test_a_signed_in_zone_administrator_without_the_token_gets_401(client, zone_admin):
    client.force_login(zone_admin)

    assert scrape(client, None).status_code == 401


# --- The page ---


def test_figures_match_the_database(client, bin_a):
    bounced = factories.DeliveryFactory(state="bounced")
    factories.DeliveryFactory(state="sent")
    factories.DeliveryFactory(state="sent")
    factories.DeliveryFactory(state="queued", next_attempt_at=NOW - timedelta(seconds=75))
    factories.DeliveryFactory(state="queued", next_attempt_at=NOW + timedelta(seconds=75))
    factories.MembershipFactory(network=bin_a, user=bounced.user)
    factories.MembershipFactory(network=bin_a)
    factories.MembershipFactory(network=bin_a)
    for status in ("imported", "imported", "failed"):
        ImportBatch.objects.create(network=bin_a, file_name="leden.csv", status=status)
    WorkerHeartbeat.objects.create(
        host="worker-1", pid=7, started_at=NOW, last_seen=NOW - timedelta(seconds=12)
    )

    with clock.frozen_at(NOW):
        response = scrape(client)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    families = parse(response.text)
    assert {
        state: value(families, "nabuur_deliveries", state=state)
        for state in ("queued", "sending", "sent", "deferred", "failed", "bounced")
    } == {"queued": 2, "sending": 0, "sent": 2, "deferred": 0, "failed": 0, "bounced": 1}
    assert value(families, "nabuur_queue_oldest_due_seconds") == 75
    assert value(families, "nabuur_bounces_total") == 1
    assert value(families, "nabuur_signups_total") == 3
    assert value(families, "nabuur_imports_total", status="imported") == 2
    assert value(families, "nabuur_imports_total", status="failed") == 1
    assert value(families, "nabuur_imports_total", status="checking") == 0
    assert value(families, "nabuur_worker_heartbeat_age_seconds") == 12
    assert {name: family["type"] for name, family in families.items()} == {
        "nabuur_bounces_total": "counter",
        "nabuur_deliveries": "gauge",
        "nabuur_http_request_duration_seconds": "histogram",
        "nabuur_imports_total": "counter",
        "nabuur_queue_oldest_due_seconds": "gauge",
        "nabuur_signups_total": "counter",
        "nabuur_worker_heartbeat_age_seconds": "gauge",
    }
    assert all(family["help"] for family in families.values())
    # Figures only: no address of a member or a delivery appears anywhere.
    assert "@" not in response.text


def test_no_heartbeat_ever_is_an_infinite_age(client):
    families = parse(scrape(client).text)

    assert value(families, "nabuur_worker_heartbeat_age_seconds") == math.inf
    assert value(families, "nabuur_queue_oldest_due_seconds") == 0


HISTOGRAM = "nabuur_http_request_duration_seconds"


def bucket(families, le):
    return value(families, f"{HISTOGRAM}_bucket", HISTOGRAM, le=le)


def test_the_histogram_adds_what_other_processes_stored_to_this_ones(client):
    # Another web process has flushed two requests: one of 30 ms, one of 3 s.
    RequestDuration.objects.create(le="0.05", count=1, sum_seconds=0.03)
    RequestDuration.objects.create(le="5", count=1, sum_seconds=3.0)
    # This process saw three more, not yet flushed.
    for seconds in (0.005, 0.0051, 11.0):
        metrics.observe(seconds)

    families = parse(scrape(client).text)

    assert {le: bucket(families, le) for le in metrics.BUCKET_NAMES} == {
        "0.005": 1,
        "0.01": 2,
        "0.025": 2,
        "0.05": 3,
        "0.1": 3,
        "0.25": 3,
        "0.5": 3,
        "1": 3,
        "2.5": 3,
        "5": 4,
        "10": 4,
        "+Inf": 5,
    }
    assert value(families, f"{HISTOGRAM}_count", HISTOGRAM) == 5
    assert value(families, f"{HISTOGRAM}_sum", HISTOGRAM) == pytest.approx(14.0401)
    # The scrape stored this process's requests for the other processes' scrapes.
    assert sum(RequestDuration.objects.values_list("count", flat=True)) == 5


def test_every_request_but_health_and_metrics_is_measured(client):
    for _ in range(3):
        client.get("/i18n/setlang/?next=/nl/")
    client.get("/healthz/live")
    scrape(client)

    families = parse(scrape(client).text)

    assert value(families, f"{HISTOGRAM}_count", HISTOGRAM) == 3
    assert bucket(families, "+Inf") == 3


def test_without_a_token_no_request_is_measured(client, settings):
    settings.NABUUR_METRICS_TOKEN = ""
    for _ in range(3):
        client.get("/i18n/setlang/?next=/nl/")
    settings.NABUUR_METRICS_TOKEN = TOKEN

    families = parse(scrape(client).text)

    assert value(families, f"{HISTOGRAM}_count", HISTOGRAM) == 0
    assert RequestDuration.objects.count() == 0


def test_a_request_carries_an_id(client):
    given = client.get("/healthz/live", headers={"X-Request-ID": "nginx-0123456789abcdef"})
    # What a client may not write into the logs is replaced.
    forged = client.get("/healthz/live", headers={"X-Request-ID": "x\nlevel=ERROR"})

    assert given["X-Request-ID"] == "nginx-0123456789abcdef"
    assert re.fullmatch(r"[0-9a-f]{32}", forged["X-Request-ID"])


@pytest.mark.parametrize("rows", [1, 3])
def test_metrics_cost_a_fixed_number_of_queries(client, bin_a, django_assert_num_queries, rows):
    for number in range(rows):
        factories.DeliveryFactory(state="queued", next_attempt_at=NOW)
        factories.MembershipFactory(network=bin_a)
        ImportBatch.objects.create(network=bin_a, file_name="leden.csv", status="imported")
        WorkerHeartbeat.objects.create(host="w", pid=number, started_at=NOW, last_seen=NOW)
        RequestDuration.objects.create(le=metrics.BUCKET_NAMES[number], count=1)

    # The registered figures (deliveries, bounces, sign-ups, imports), the outbox, the
    # heartbeat and the histogram: one query each.
    with django_assert_num_queries(7):
        response = scrape(client)

    assert value(parse(response.text), "nabuur_signups_total") == rows
