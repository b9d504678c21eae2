"""Rate limits that hold across every process and machine, and the client's address behind proxies.

The bound we state (docs/configuration.md): at most NABUUR_LOGIN_ATTEMPTS passwords are checked
per e-mail address in 15 minutes, whatever the number of processes; the sign-up and login-link
limits count once for the whole site. The tests start gunicorn with two workers on a copy of the
test database (see tests/test_worker_kill.py's WorkerDatabase) and fire requests at both.

How many passwords were checked is measured where it happens: the gunicorn workers run with a
password hasher that writes every password it verifies to a file.
"""

import http.client
import http.cookies
import json
import os
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django_tasks_db.models import DBTaskResult

from nabuur.accounts import backends
from nabuur.lib import clock
from nabuur.members import ratelimit, tasks
from nabuur.operations.jobs import registered_jobs
from nabuur.operations.models import RateCounter
from nabuur.zones.models import Postcode

from . import factories
from .i18n import nl
from .smtp_sink import free_port
from .test_worker_kill import WorkerDatabase

ROOT = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent
FACTORY_PASSWORD = "correct horse battery staple"
LOCKED = (
    "Too many failed attempts to log in with this address. For your safety, logging in is "
    "blocked for 15 minutes. You can reset your password meanwhile."
)

COUNTING_HASHER = '''
"""Argon2 that writes every password it verifies to CHECKED_PASSWORDS_LOG, one a line."""

import os

from django.contrib.auth.hashers import Argon2PasswordHasher


class CountingArgon2PasswordHasher(Argon2PasswordHasher):
    def verify(self, password, encoded):
        # O_APPEND: the lines of both workers land whole, one after the other.
        with open(os.environ["CHECKED_PASSWORDS_LOG"], "a") as log:
            log.write(password + "\\n")
        return super().verify(password, encoded)
'''

COUNTING_SETTINGS = """
from nabuur.settings import *  # noqa: F403

PASSWORD_HASHERS = ["counting_hasher.CountingArgon2PasswordHasher"]
"""


class Gunicorn:
    """`gunicorn nabuur.wsgi` with two workers on 127.0.0.1, on the given database."""

    def __init__(self, database, tmp_path, **env):
        (tmp_path / "counting_hasher.py").write_text(COUNTING_HASHER)
        (tmp_path / "counting_settings.py").write_text(COUNTING_SETTINGS)
        self.checked_log = tmp_path / "checked-passwords.log"
        self.checked_log.touch()
        self.access_log = tmp_path / "access.log"
        self.port = free_port()
        self.environment = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="counting_settings",
            PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}",
            CHECKED_PASSWORDS_LOG=str(self.checked_log),
            DATABASE_URL=database.url,
            NABUUR_ENV="test",
            NABUUR_EMAIL_URL="memory://",
            **env,
        )
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                str(BIN_DIR / "gunicorn"),
                "nabuur.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--no-control-socket",
                "--access-logfile",
                str(self.access_log),
                # The worker's process id and the request line.
                "--access-logformat",
                "%(p)s %(r)s",
            ],
            cwd=ROOT,
            env=self.environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, _ = self.request("GET", "/nl/")
                if status == 200:
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not start: {self.process.stderr.read()}")
            time.sleep(0.1)
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        _, errors = self.process.communicate(timeout=30)
        # No request may have ended in an error page (a 500 is logged with its traceback).
        assert b"Traceback" not in errors, errors.decode()

    def request(self, method, path, fields=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        body = urlencode(fields) if fields is not None else None
        headers = dict(headers or {})
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read().decode()
        finally:
            connection.close()

    def csrf_token(self, path):
        """The CSRF cookie from a GET of `path`; its value also serves as the form's token."""
        _, headers, _ = self.request("GET", path)
        cookies = http.cookies.SimpleCookie()
        for name, value in headers:
            if name.lower() == "set-cookie":
                cookies.load(value)
        return cookies["csrftoken"].value

    def post_form(self, path, fields, token):
        fields = {**fields, "csrfmiddlewaretoken": token}
        status, _, text = self.request("POST", path, fields, {"Cookie": f"csrftoken={token}"})
        return status, text

    def checked_passwords(self):
        return self.checked_log.read_text().splitlines()

    def workers_that_answered(self, method, path):
        """The process ids of the workers that answered requests for `path`."""
        lines = [line.split(" ", 1) for line in self.access_log.read_text().splitlines()]
        return {pid for pid, request in lines if request.startswith(f"{method} {path} ")}


def fire(requests, threads=8):
    """Run the callables concurrently, several at a time, and return their results in order."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda request: request(), requests))


def kerkstraat():
    """Kerkstraat, 2650 Edegem, numbers 1–50 in BIN Centrum: a valid address to sign up with."""
    municipality = factories.MunicipalityFactory(nis_code="11013", name_nl="Edegem")
    network = factories.NetworkFactory(municipality=municipality, name="BIN Centrum")
    Postcode.objects.create(code="2650", municipality=municipality)
    street = factories.StreetFactory(
        municipality=municipality,
        postcode="2650",
        name_nl="Kerkstraat",
        search_names="|kerkstraat|",
    )
    factories.SegmentFactory(network=network, street=street, number_from=1, number_to=50)


def sign_up(number):
    return {
        "first_name": "Marie",
        "last_name": f"Peeters {number}",
        "street": "kerkstraat",
        "house_number": str(number),
        "box": "",
        "postcode": "2650",
        "email": f"buur{number}@example.org",
        "phone": "",
        "basis": "lives",
        "enterprise_number": "",
        "adult": "on",
        "accept": "on",
        "website": "",
    }


# --- Two gunicorn workers ---------------------------------------------------------------------


@pytest.fixture
def empty_cache(transactional_db):
    """allauth's limits in the shared cache outlive a transactional test (on PostgreSQL the
    workers write into the test database itself): start and leave it empty."""
    cache.clear()
    yield
    cache.clear()


def test_two_workers_check_at_most_the_allowed_passwords_per_address(
    empty_cache, tmp_path, settings
):
    """Today's repro: with the lockout per process, 2 workers checked 9–10 guesses, not 5."""
    # The server verifies with Argon2 only (its counting hasher): hash as production does.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = factories.UserFactory(email="bewaakt@example.org")
    database = WorkerDatabase(tmp_path)
    attempts = settings.NABUUR_LOGIN_ATTEMPTS
    with Gunicorn(database, tmp_path) as server:
        token = server.csrf_token("/en/account/login/")

        def guess(n):
            fields = {"login": user.email, "password": f"wrong guess {n}"}
            return lambda: server.post_form("/en/account/login/", fields, token)

        answers = fire([guess(n) for n in range(4 * attempts)])
        right = server.post_form(
            "/en/account/login/", {"login": user.email, "password": FACTORY_PASSWORD}, token
        )
        checked = server.checked_passwords()
        workers = server.workers_that_answered("POST", "/en/account/login/")

    assert len(workers) == 2
    assert {status for status, _ in answers} == {200}
    assert len(set(checked)) == attempts
    # Even the right password is refused now, with the lockout message; it was not checked.
    assert right[0] == 200
    assert LOCKED in right[1]
    assert FACTORY_PASSWORD not in checked


def test_two_workers_share_the_sign_up_and_login_link_limits_per_ip(empty_cache, tmp_path):
    kerkstraat()
    database = WorkerDatabase(tmp_path)
    with Gunicorn(database, tmp_path, NABUUR_JOIN_LIMIT_PER_IP="3") as server:
        token = server.csrf_token("/nl/join/")
        joins = fire(
            [(lambda n=n: server.post_form("/nl/join/", sign_up(n), token)) for n in range(1, 11)]
        )
        links = fire(
            [
                (
                    lambda n=n: server.post_form(
                        "/nl/me/login/", {"email": f"buur{n}@example.org"}, token
                    )
                )
                for n in range(1, 11)
            ]
        )
        workers = server.workers_that_answered("POST", "/nl/join/")

    assert len(workers) == 2
    assert sorted(status for status, _ in joins) == [302] * 3 + [429] * 7
    assert sorted(status for status, _ in links) == [302] * 3 + [429] * 7


# --- The counter -----------------------------------------------------------------------------


# On SQLite every write takes the one database lock, so threads cannot race there; the test
# suite's in-memory SQLite answers "table is locked" to concurrent writers instead of waiting.
@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_attempts_each_get_their_own_number():
    """Each of 8 threads (8 database connections) counts 25 attempts at once: 1 to 200, each
    number exactly once. A read-then-write count (Django's cache.incr) repeats numbers."""

    def count_25():
        try:
            return [RateCounter.objects.hit("test", "203.0.113.7", 3600) for _ in range(25)]
        finally:
            connection.close()

    numbers = [number for batch in fire([count_25] * 8) for number in batch]
    assert sorted(numbers) == list(range(1, 201))
    assert RateCounter.objects.get().hits == 200


@pytest.mark.django_db
def test_a_window_starts_with_the_first_attempt_and_counts_anew_after_it():
    start = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with clock.frozen_at(start):
        counts = [RateCounter.objects.hit("join-ip", "203.0.113.7", 3600) for _ in range(3)]
        assert counts == [1, 2, 3]
        # Another client and another kind of attempt count apart.
        assert RateCounter.objects.hit("join-ip", "203.0.113.8", 3600) == 1
        assert RateCounter.objects.hit("login-ip", "203.0.113.7", 3600) == 1
    with clock.frozen_at(start + timedelta(minutes=59)):
        assert RateCounter.objects.hit("join-ip", "203.0.113.7", 3600) == 4
    with clock.frozen_at(start + timedelta(minutes=60)):
        assert RateCounter.objects.hit("join-ip", "203.0.113.7", 3600) == 1
    with clock.frozen_at(start + timedelta(minutes=61)):
        assert RateCounter.objects.hit("join-ip", "203.0.113.7", 3600) == 2


@pytest.mark.django_db
def test_only_digests_of_the_addresses_are_stored():
    RateCounter.objects.hit("login-email", "jan@example.org", 3600)
    row = RateCounter.objects.get()
    assert "jan" not in row.key_digest
    assert len(row.key_digest) == 64


@pytest.mark.django_db
def test_expired_counters_are_deleted():
    start = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with clock.frozen_at(start):
        RateCounter.objects.hit("join-ip", "203.0.113.7", 3600)
        RateCounter.objects.hit("join-address", "kerkstraat 12 2650", 24 * 3600)
    assert RateCounter.objects.delete_expired(start + timedelta(minutes=59)) == 0
    assert RateCounter.objects.delete_expired(start + timedelta(hours=1)) == 1
    assert list(RateCounter.objects.values_list("scope", flat=True)) == ["join-address"]


@pytest.mark.django_db
def test_the_worker_prunes_finished_tasks_after_a_day():
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    result = tasks.send_login_link.enqueue("nobody@example.org")
    DBTaskResult.objects.filter(pk=result.id).update(
        status="SUCCESSFUL", finished_at=now - timedelta(hours=25)
    )
    job = next(j for j in registered_jobs() if j.name == "operations.prune_finished_tasks")
    assert job.func(now) == 1
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_the_worker_deletes_expired_rate_counters():
    start = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with clock.frozen_at(start):
        RateCounter.objects.hit("join-ip", "203.0.113.7", 3600)
    job = next(j for j in registered_jobs() if j.name == "operations.delete_expired_rate_counters")
    assert job.func(start + timedelta(hours=2)) == 1
    assert not RateCounter.objects.exists()


# --- Password checks in one process ------------------------------------------------------------


@pytest.mark.django_db
def test_wrong_passwords_use_up_attempts_and_the_right_one_does_not():
    user = factories.UserFactory(email="bewaakt@example.org")
    for _ in range(3):
        assert authenticate(email="Bewaakt@example.org", password=FACTORY_PASSWORD) == user
    assert authenticate(email="bewaakt@example.org", password="wrong guess") is None
    assert authenticate(email="bewaakt@example.org", password="wrong guess 2") is None
    assert authenticate(email="bewaakt@example.org", password=FACTORY_PASSWORD) == user
    assert RateCounter.objects.get(scope=backends.SCOPE).hits == 2


@pytest.mark.django_db
def test_a_login_that_raced_past_allauths_lock_gets_the_lockout_message(client, settings):
    """allauth's own lock (in the cache) let this attempt through; the counter did not."""
    user = factories.UserFactory(email="bewaakt@example.org")
    for _ in range(settings.NABUUR_LOGIN_ATTEMPTS):
        RateCounter.objects.hit(backends.SCOPE, user.email, backends.WINDOW_SECONDS)
    response = client.post(
        "/nl/account/login/", {"login": user.email, "password": FACTORY_PASSWORD}
    )
    assert response.status_code == 200
    assert nl(LOCKED) in response.text
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_locked_address_gets_the_lockout_message_when_asked_for_its_password_again(
    client, settings
):
    """Sensitive actions ask for the password again (allauth's reauthentication)."""
    user = factories.UserFactory(email="bewaakt@example.org")
    client.force_login(user)
    for _ in range(settings.NABUUR_LOGIN_ATTEMPTS):
        RateCounter.objects.hit(backends.SCOPE, user.email, backends.WINDOW_SECONDS)
    response = client.post("/en/account/reauthenticate/", {"password": FACTORY_PASSWORD})
    assert response.status_code == 200
    assert LOCKED in response.text


# --- The client's address ---------------------------------------------------------------------


def request_from(remote_addr, forwarded_for=None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    return RequestFactory().post("/nl/join/", REMOTE_ADDR=remote_addr, **headers)


def test_without_trusted_proxies_a_forwarded_for_header_is_ignored(settings):
    settings.NABUUR_TRUSTED_PROXIES = 0
    request = request_from("198.51.100.20", "203.0.113.7")
    assert ratelimit.client_ip(request) == "198.51.100.20"


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "client"),
    [
        # The proxy appends the address it saw; what the client wrote before it is ignored.
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        (2, "6.6.6.6,203.0.113.7, 10.0.0.2", "203.0.113.7"),
        # Shorter than the number of proxies, or not an address: the proxy's own address.
        (2, "203.0.113.7", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "6.6.6.6, not-an-address", "10.0.0.1"),
    ],
)
def test_behind_trusted_proxies_the_client_is_the_nth_address_from_the_right(
    settings, proxies, forwarded_for, client
):
    settings.NABUUR_TRUSTED_PROXIES = proxies
    assert ratelimit.client_ip(request_from("10.0.0.1", forwarded_for)) == client


def test_an_ipv6_client_counts_as_its_64_network(settings):
    # One household or server holds a whole /64: each of its addresses is the same client.
    settings.NABUUR_TRUSTED_PROXIES = 1
    request = request_from("10.0.0.1", "2001:db8:1:2:aaaa::7")
    assert ratelimit.client_ip(request) == "2001:db8:1:2::"


@pytest.mark.django_db
@pytest.mark.parametrize(("proxies", "second"), [(0, 429), (1, 302)])
def test_sign_ups_behind_a_proxy_are_limited_per_visitor(client, settings, proxies, second):
    """Behind the proxy every request comes from its address; the limit must not be shared."""
    kerkstraat()
    settings.NABUUR_JOIN_LIMIT_PER_IP = 1
    settings.NABUUR_TRUSTED_PROXIES = proxies
    first = client.post(
        "/nl/join/", sign_up(1), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7"
    )
    other = client.post(
        "/nl/join/", sign_up(2), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.8"
    )
    spoofed = client.post(
        "/nl/join/",
        sign_up(3),
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.7",
    )
    assert (first.status_code, other.status_code, spoofed.status_code) == (302, second, 429)


# --- Settings ---------------------------------------------------------------------------------

PRINT_PROXY_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "proxies": settings.NABUUR_TRUSTED_PROXIES,
    "allauth": settings.ALLAUTH_TRUSTED_PROXY_COUNT,
    "https_header": getattr(settings, "SECURE_PROXY_SSL_HEADER", None),
}))
"""


def proxy_settings(**env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"NABUUR_TRUSTED_PROXIES", "NABUUR_BEHIND_PROXY", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(env, NABUUR_ENV="test", DJANGO_SETTINGS_MODULE="nabuur.settings")
    return subprocess.run(
        [sys.executable, "-c", PRINT_PROXY_SETTINGS],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, {"proxies": 0, "allauth": 0, "https_header": None}),
        (
            {"NABUUR_TRUSTED_PROXIES": "2"},
            {"proxies": 2, "allauth": 2, "https_header": ["HTTP_X_FORWARDED_PROTO", "https"]},
        ),
        # The older switch means one proxy.
        (
            {"NABUUR_BEHIND_PROXY": "1"},
            {"proxies": 1, "allauth": 1, "https_header": ["HTTP_X_FORWARDED_PROTO", "https"]},
        ),
    ],
)
def test_one_setting_gives_the_proxy_count_to_nabuur_allauth_and_https(env, expected):
    result = proxy_settings(**env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected


@pytest.mark.parametrize(
    "env",
    [
        {"NABUUR_TRUSTED_PROXIES": "0", "NABUUR_BEHIND_PROXY": "1"},
        {"NABUUR_TRUSTED_PROXIES": "1", "NABUUR_BEHIND_PROXY": "0"},
        {"NABUUR_TRUSTED_PROXIES": "-1"},
    ],
)
def test_contradicting_proxy_settings_refuse_to_start(env):
    result = proxy_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "NABUUR_TRUSTED_PROXIES" in result.stderr


# --- The shared cache -------------------------------------------------------------------------


def test_migrate_creates_the_shared_cache_table(tmp_path):
    """allauth keeps its limits in Django's cache: a table every process reads."""
    database = tmp_path / "fresh.sqlite3"
    environment = dict(os.environ, NABUUR_ENV="test", DATABASE_URL=f"sqlite:///{database}")
    subprocess.run(
        [str(BIN_DIR / "nabuur"), "migrate", "operations", "--noinput"],
        env=environment,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    db.close()
    assert "nabuur_cache" in tables


def test_every_process_shares_one_cache(settings):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
