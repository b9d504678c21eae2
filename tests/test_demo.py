"""`nabuur demo`: the fictional zone, its BINs, members and personas; idempotent; never in prod."""

import contextlib
import csv
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from nabuur.accounts.models import User
from nabuur.demo import data
from nabuur.demo.history import STORY_EMAILS
from nabuur.demo.members import generate, read_sample_addresses
from nabuur.members.models import Consent, Membership, MembershipStatus
from nabuur.members.services import purge_unconfirmed
from nabuur.networks.models import BinType, Network, Segment
from nabuur.staff.models import RoleAssignment, ScreeningResult
from nabuur.zones.documents import publish_house_rules, publish_privacy_notice
from nabuur.zones.models import Document, Municipality, Postcode, Street, Zone

from . import factories
from .smtp_sink import free_port
from .test_rate_limits import BIN_DIR, ROOT
from .test_worker_kill import WorkerDatabase

pytestmark = pytest.mark.django_db

EDEGEM_BINS = ["edegem-buizegem", "edegem-centrum", "edegem-elsdonk"]
ALL_BINS = sorted(spec.slug for spec in data.BINS)
PERSONAS = [
    {
        "key": "zone_admin",
        "role": "zone_admin",
        "email": "beheer@vierbeken.example",
        "password": "demo-zone-admin-2026",
        "bins": ALL_BINS,
        "zone": "demo",
        "host": "demo.localhost:8000",
    },
    {
        "key": "municipality_contact",
        "role": "municipality_contact",
        "email": "bin@edegem.gemeente.example",
        "password": "demo-gemeente-edegem",
        "bins": EDEGEM_BINS,
        "zone": "demo",
        "host": "demo.localhost:8000",
    },
    {
        "key": "coordinator_edegem",
        "role": "coordinator",
        "email": "els.peeters@example.org",
        "password": "demo-coordinator-edegem",
        "bins": EDEGEM_BINS,
        "zone": "demo",
        "host": "demo.localhost:8000",
    },
    {
        "key": "coordinator_aartselaar",
        "role": "coordinator",
        "email": "marc.claes@example.org",
        "password": "demo-coordinator-aartselaar",
        "bins": ["aartselaar-centrum"],
        "zone": "demo",
        "host": "demo.localhost:8000",
    },
    {
        "key": "officer",
        "role": "officer",
        "email": "tom.maes@vierbeken.example",
        "password": "demo-wijkinspecteur",
        "bins": ["aartselaar-centrum", "edegem-centrum"],
        "zone": "demo",
        "host": "demo.localhost:8000",
    },
    {
        "key": "member",
        "role": "member",
        "email": "an.vermeulen@example.org",
        "password": None,
        "bins": ["edegem-centrum"],
        "zone": "demo",
        "host": "demo.localhost:8000",
    },
]
ARDENNE_BINS = ["bastogne-centre", "bastogne-neufchateau"]
# The second zone, on its own host name (#18).
PERSONAS += [
    {
        "key": key,
        "role": role,
        "email": email,
        "password": password,
        "bins": bins,
        "zone": "ardenne",
        "host": "ardenne.localhost:8000",
    }
    for key, role, email, password, bins in [
        (
            "ardenne_zone_admin",
            "zone_admin",
            "gestion@ardenne.example",
            "demo-ardenne-zone-admin",
            ARDENNE_BINS,
        ),
        (
            "ardenne_coordinator",
            "coordinator",
            "claire.dubois@example.org",
            "demo-ardenne-coordinatrice",
            ARDENNE_BINS,
        ),
        (
            "ardenne_officer",
            "officer",
            "luc.lambert@ardenne.example",
            "demo-ardenne-inspecteur",
            ARDENNE_BINS,
        ),
        ("ardenne_member", "member", "julie.martin@example.org", None, ["bastogne-centre"]),
    ]
]
RESERVED_EMAIL = re.compile(r"^[a-z0-9.-]+@([a-z.]+\.example|example\.(org|net|com))$")


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    # Argon2 takes half a second per persona password; the demo's logic is what is tested here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(*args):
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def table_counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Zone,
            Municipality,
            Street,
            BinType,
            Network,
            Segment,
            Document,
            User,
            RoleAssignment,
            Membership,
            Consent,
        )
    }


def scope_name(role):
    if role.network:
        return role.network.slug
    return role.municipality.nis_code if role.municipality else role.zone.slug


def test_demo_loads_the_zone_and_its_bins(tmp_path):
    run_demo("--members", "200")

    zone = Zone.objects.get(slug="demo")
    assert zone.name == "Politiezone Vier Beken (demo)"
    assert sorted(zone.municipalities.values_list("nis_code", "language_regime")) == [
        ("11001", "nl"),
        ("11013", "nl"),
        ("11021", "nl"),
        ("11024", "nl"),
        ("11025", "nl"),
        ("21011", "nl+fr"),
    ]
    assert sorted(zone.bin_types.values_list("code", "name_nl", "name_fr", "for_businesses")) == [
        ("bin", "BIN", "RIQ", False),
        ("bin-z", "BIN-Z", "RIQ-I", True),
    ]
    networks = Network.objects.filter(municipality__zone=zone).order_by("slug")
    assert [(n.slug, n.municipality.nis_code, n.bin_type.code, n.status) for n in networks] == [
        ("aartselaar-centrum", "11001", "bin", "active"),
        ("aartselaar-cleydael", "11001", "bin", "active"),
        ("edegem-buizegem", "11013", "bin", "active"),
        ("edegem-centrum", "11013", "bin", "active"),
        ("edegem-elsdonk", "11013", "bin", "active"),
        ("hove-centrum", "11021", "bin", "active"),
        ("hove-molenveld", "11021", "bin", "preparation"),
        ("koekelberg-basiliek", "21011", "bin", "active"),
        ("kontich-handelskern", "11024", "bin-z", "active"),
        ("kontich-kazerne", "11024", "bin", "active"),
        ("kontich-waarloos", "11024", "bin", "active"),
        ("lint-centrum", "11025", "bin", "active"),
    ]
    for network in networks:
        assert (
            network.contact_name
            and network.contact_email == f"{network.slug}@bin.vierbeken.example"
        )
        # One coordinator and one officer per BIN at least, coordinators screened positive.
        coordinators = RoleAssignment.objects.filter(network=network, role="coordinator")
        assert coordinators.count() == 1
        assert coordinators.get().screening_result == ScreeningResult.POSITIVE
        assert RoleAssignment.objects.filter(network=network, role="officer").count() >= 1
    assert Segment.objects.filter(network__municipality__zone=zone).count() == sum(
        len(spec.segments) for spec in data.BINS
    )
    assert sorted(Document.objects.filter(zone=zone).values_list("kind", "version")) == [
        ("house_rules", 1),
        ("privacy_notice", 1),
    ]


def test_every_segment_covers_current_addresses_of_the_sample():
    run_demo("--members", "0")
    current = {}
    with open(data.SAMPLE_CSV, encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            if row["status"] == "current":
                number = int(re.match(r"\d+", row["house_number"]).group())
                current.setdefault(row["street_id"], set()).add(number)

    # The second zone's streets are not in the sample (nabuur/demo/data.py).
    for segment in Segment.objects.filter(network__municipality__zone__slug="demo").select_related(
        "street"
    ):
        covered = [n for n in current[segment.street.official_id] if segment.covers(n)]
        assert len(covered) >= 3, segment


def test_personas_are_printed_and_written_as_json(tmp_path):
    path = tmp_path / "personas.json"

    out = run_demo("--members", "0", "--personas-json", str(path))

    assert json.loads(path.read_text()) == PERSONAS
    assert "an.vermeulen@example.org     (logs in by e-mailed link)" in out
    for persona in PERSONAS:
        user = User.objects.get(email=persona["email"])
        if persona["password"] is None:
            assert not user.has_usable_password()
        else:
            assert user.check_password(persona["password"])
    roles = {
        persona["email"]: sorted(
            (role.role, scope_name(role))
            for role in User.objects.get(email=persona["email"]).roles.all()
        )
        for persona in PERSONAS
    }
    assert roles == {
        "beheer@vierbeken.example": [("zone_admin", "demo")],
        "bin@edegem.gemeente.example": [("municipality_contact", "11013")],
        "els.peeters@example.org": [
            ("coordinator", "edegem-centrum"),
            ("general_coordinator", "11013"),
        ],
        "marc.claes@example.org": [("coordinator", "aartselaar-centrum")],
        "tom.maes@vierbeken.example": [
            ("officer", "aartselaar-centrum"),
            ("officer", "edegem-centrum"),
        ],
        "an.vermeulen@example.org": [],
        "gestion@ardenne.example": [("zone_admin", "ardenne")],
        "claire.dubois@example.org": [
            ("coordinator", "bastogne-centre"),
            ("coordinator", "bastogne-neufchateau"),
        ],
        "luc.lambert@ardenne.example": [
            ("officer", "bastogne-centre"),
            ("officer", "bastogne-neufchateau"),
        ],
        "julie.martin@example.org": [],
    }
    member = User.objects.get(email="an.vermeulen@example.org")
    assert list(member.memberships.values_list("network__slug", "status")) == [
        ("edegem-centrum", "active")
    ]


def test_members_live_in_their_bin_and_accepted_the_current_documents():
    run_demo("--members", "200")

    generated = Membership.objects.exclude(
        user__email__in=[persona["email"] for persona in PERSONAS] + STORY_EMAILS
    ).select_related("user", "network")
    assert generated.count() == 200
    documents = set(Document.objects.values_list("pk", flat=True))
    # The house rules and the privacy notice of each of the two zones.
    assert len(documents) == 4
    segments = {}
    for segment in Segment.objects.all():
        segments.setdefault(segment.network_id, []).append(segment)
    for membership in generated:
        assert any(
            s.street_id == membership.street_id and s.covers(membership.house_number)
            for s in segments[membership.network_id]
        ), membership
        assert RESERVED_EMAIL.match(membership.user.email), membership.user.email
        assert not membership.user.has_usable_password()
    assert Consent.objects.filter(user__memberships__in=generated).count() == 400
    assert set(Consent.objects.values_list("document_id", flat=True)) == documents
    statuses = set(generated.values_list("status", flat=True))
    assert statuses == set(MembershipStatus.values)
    assert set(
        generated.filter(network__slug="hove-molenveld").values_list("status", flat=True)
    ) == {"pending"}
    languages = set(
        generated.filter(network__slug="koekelberg-basiliek").values_list(
            "user__language", flat=True
        )
    )
    assert {"nl", "fr"} <= languages


def test_a_second_run_changes_nothing_and_a_larger_one_adds_the_rest():
    run_demo("--members", "200")
    before = table_counts()
    emails = set(User.objects.values_list("email", flat=True))

    out = run_demo("--members", "200")

    assert table_counts() == before
    assert "12 BINs, 0 members added" in out
    run_demo("--members", "250")
    after = table_counts()
    assert (after["User"], after["Membership"], after["Consent"]) == (
        before["User"] + 50,
        before["Membership"] + 50,
        before["Consent"] + 100,
    )
    assert emails < set(User.objects.values_list("email", flat=True))


def test_a_run_after_the_worker_and_visitors_puts_back_only_whom_they_removed():
    run_demo("--members", "600")
    # The worker that `nabuur serve` starts purges unconfirmed sign-ups past the zone's
    # retention at once: the demo's are younger.
    assert purge_unconfirmed() == 0
    before = table_counts()
    generated = Membership.objects.filter(user__email__regex=r"\.[0-9]+@").order_by("pk")
    assert generated.count() == 600
    # A visitor erased a generated member from the middle of the list.
    removed = generated[300].user.email
    User.objects.get(email=removed).delete()

    out = run_demo("--members", "600")

    assert "12 BINs, 1 members added" in out
    assert table_counts() == before
    assert generated.filter(user__email=removed).count() == 1


def test_generated_members_are_the_same_every_time():
    run_demo("--members", "0")
    networks = {network.slug: network for network in Network.objects.all()}
    addresses = read_sample_addresses(data.SAMPLE_CSV, networks)

    first = [person["email"] for person, _ in generate(networks, addresses, 50)]
    second = [person["email"] for person, _ in generate(networks, addresses, 50)]

    assert first == second
    assert len(set(first)) == 50


def test_demo_is_refused_in_production(settings):
    settings.DEMO_DATA_ALLOWED = False

    with pytest.raises(CommandError, match="Demo data is not allowed here"):
        run_demo()
    assert not Zone.objects.exists()


# --- `nabuur serve` in the demo: links follow the port served ---------------------------------

SIGN_UP = {
    "first_name": "Marie",
    "last_name": "Peeters",
    "street": "kerkstraat",
    "house_number": "12",
    "box": "",
    "postcode": "2650",
    "email": "marie.peeters@example.org",
    "phone": "",
    "basis": "lives",
    "enterprise_number": "",
    "adult": "on",
    "accept": "on",
    "website": "",
}


class Browser:
    """A visitor with cookies, talking to the server on 127.0.0.1:`port`."""

    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path_or_url):
        url = path_or_url if path_or_url.startswith("http") else self.base + path_or_url
        with self.opener.open(url, timeout=30) as response:
            return response.url, response.read().decode()

    def post(self, path_or_url, fields):
        url = path_or_url if path_or_url.startswith("http") else self.base + path_or_url
        token = next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        # Only ever the test's own server on 127.0.0.1.
        request = urllib.request.Request(url, data=body, headers={"Referer": url})  # noqa: S310
        with self.opener.open(request, timeout=30) as response:
            return response.url, response.read().decode()


@contextlib.contextmanager
def nabuur_serve(database, port):
    """`nabuur serve` (gunicorn and the worker) as `make run` starts it, without a base URL."""
    environment = {key: value for key, value in os.environ.items() if key != "NABUUR_BASE_URL"}
    environment.update(DATABASE_URL=database.url, NABUUR_ENV="demo", NABUUR_EMAIL_URL="mailbox://")
    # The servers' log goes to a file, not a pipe: a pipe nobody reads until the end fills up
    # on a slow run, and a server writing to it stops.
    with tempfile.TemporaryFile() as log:

        def logged():
            log.seek(0)
            return log.read().decode(errors="replace")[-4000:]

        process = subprocess.Popen(
            [str(BIN_DIR / "nabuur"), "serve", "--port", str(port), "--web-workers", "1"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/nl/", timeout=5).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError(f"nabuur serve did not start: {logged()}") from None
                    time.sleep(0.2)
            yield
        finally:
            # Ctrl+C: serve stops gunicorn and the worker it started.
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                raise AssertionError(f"nabuur serve did not stop in 30 s: {logged()}") from None
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)


def wait_for(find, seconds=60):
    deadline = time.monotonic() + seconds
    while (found := find()) is None:
        assert time.monotonic() < deadline, "nothing came"
        time.sleep(0.5)
    return found


@pytest.mark.django_db(transaction=True)
def test_a_demo_served_on_another_port_sends_links_to_that_port(tmp_path, municipality, bin_a):
    Postcode.objects.create(code="2650", municipality=municipality)
    street = factories.StreetFactory(
        municipality=municipality,
        postcode="2650",
        name_nl="Kerkstraat",
        search_names="|kerkstraat|",
    )
    factories.SegmentFactory(network=bin_a, street=street, number_from=1, number_to=50)
    publish_house_rules(municipality.zone)
    publish_privacy_notice(municipality.zone)
    database = WorkerDatabase(tmp_path)
    port = free_port()
    visitor = Browser(port)

    with nabuur_serve(database, port):
        visitor.get("/nl/join/")
        url, sent_page = visitor.post("/nl/join/", SIGN_UP)
        assert url == f"{visitor.base}/nl/join/sent/"
        # The confirmation page leads to the visitor's own demo mail, which the worker sends.
        assert '<a href="/nl/mailbox/mine/">' in sent_page
        mail_path = wait_for(
            lambda: next(
                iter(
                    re.findall(
                        r'href="(/nl/mailbox/mine/\d+/)"', visitor.get("/nl/mailbox/mine/")[1]
                    )
                ),
                None,
            )
        )
        _, mail = visitor.get(mail_path)
        links = re.findall(r'<a href="(http://[^"]+/join/confirm/[^"]+)"', mail)
        assert len(links) == 1 and links[0].startswith(f"http://127.0.0.1:{port}/nl/join/confirm/")
        visitor.get(links[0])
        visitor.post(links[0], {})

    # On SQLite the server worked on a copy of the database; on PostgreSQL on this one.
    database.bring_back()
    memberships = Membership.objects.filter(user__email="marie.peeters@example.org")
    assert [m.confirmed_at is not None for m in memberships] == [True]
