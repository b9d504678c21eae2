"""Personas used across the suite. Each comment says what that person may see.

Two BINs in one Dutch-speaking municipality of one zone: A (Kerkstraat area) and B.
"""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import translation

from nabuur.staff.models import Role

from . import factories

TESTS_DIR = Path(__file__).resolve().parent

# `make test` runs every test without a browser on PostgreSQL, the production database, and
# these on SQLite as well (with the browser tests), as they are about SQLite or take another
# path there: SQLite's backup, the release database, one writer at a time; freezing recipients
# and recording deliveries (messaging/bulk.py, delivery.Recorder), the audit chain's lock,
# "who viewed my data" (json_each); the counts per status, kept by triggers of each database's
# own; the demo, which `make run` starts on SQLite; and the fuzz test, as each database refuses
# other input. `make test-sqlite` runs everything on SQLite.
SQLITE_MODULES = {
    "test_audit",
    "test_backup_restore",
    "test_delivery",
    "test_demo",
    "test_demo_history",
    "test_demo_zones",
    "test_erasure_replay",
    "test_fuzz_forms",
    "test_import_limits",
    "test_outbox",
    "test_quiet_hours",
    "test_recipients",
    "test_self_service",
    "test_smoke",
    "test_status_counts",
    "test_upgrade",
    "test_worker",
    "test_worker_kill",
}
# The longest tests (a minute or more each), started first: pytest-xdist hands tests out in
# collection order, and one of them started last would keep the run going after the other
# process has finished.
SLOW_MODULES = (
    "tests/test_production_stack.py",
    "tests/test_two_workers.py",
    "tests/browser/test_every_page.py",
    "tests/test_erasure_replay.py",
    "tests/test_backup_restore.py",
    "tests/test_import_limits.py",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.parent == TESTS_DIR and item.path.stem in SQLITE_MODULES:
            item.add_marker(pytest.mark.sqlite)

    def slow_first(item):
        module = item.nodeid.split("::", 1)[0]
        return SLOW_MODULES.index(module) if module in SLOW_MODULES else len(SLOW_MODULES)

    items.sort(key=slow_first)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After every test that used the database and passed: the counts per status that the
    database keeps (members.StatusCount) still agree with the memberships, whatever the test
    did to them (joins, imports, merges, erasure, retention, COPY, raw SQL)."""
    result = yield
    used_database = {"db", "transactional_db"} & set(item.fixturenames) or item.get_closest_marker(
        "django_db"
    )
    # A test of a command that exits may have closed the connection with its transaction.
    if used_database and connection.connection is not None and connection.is_usable():
        from nabuur.members.counts import count_drift

        assert count_drift() == [], "StatusCount no longer agrees with the memberships"
    return result


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: Django's LocaleMiddleware leaves the
    language of a test's last request active in the thread, where the next test would find it."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _erasure_register(settings, tmp_path):
    """Each test writes its erasures to a register of its own, never to var/erasures.jsonl."""
    settings.ERASURE_REGISTER = str(tmp_path / "erasures.jsonl")


@pytest.fixture
def zone(db):
    return factories.ZoneFactory(slug="pz-test", name="Politiezone Test")


@pytest.fixture
def municipality(zone):
    return factories.MunicipalityFactory(
        nis_code="11013", name_nl="Edegem", name_fr="Edegem", zone=zone
    )


@pytest.fixture
def bin_a(municipality):
    return factories.NetworkFactory(municipality=municipality, name="BIN Centrum", slug="centrum")


@pytest.fixture
def bin_b(municipality):
    return factories.NetworkFactory(municipality=municipality, name="BIN Elsdonk", slug="elsdonk")


@pytest.fixture
def member_a(bin_a):
    """A member of BIN A: sees only their own data and messages."""
    return factories.MembershipFactory(network=bin_a).user


@pytest.fixture
def coordinator_a(bin_a):
    """The (screened) coordinator of BIN A: sees A's member list, nothing of B."""
    return factories.RoleFactory(role=Role.COORDINATOR, network=bin_a).user


@pytest.fixture
def coordinator_b(bin_b):
    """The coordinator of BIN B: the outsider for everything about A."""
    return factories.RoleFactory(role=Role.COORDINATOR, network=bin_b).user


@pytest.fixture
def officer_a(bin_a):
    """The mandated officer of BIN A."""
    return factories.RoleFactory(role=Role.OFFICER, network=bin_a).user


@pytest.fixture
def municipality_contact(municipality):
    """The municipality's contact: figures and BINs of the municipality, no member lists."""
    return factories.RoleFactory(role=Role.MUNICIPALITY_CONTACT, municipality=municipality).user


@pytest.fixture
def zone_admin(zone):
    """A zone administrator: everything in the zone."""
    return factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone).user


# Every test's client.force_login is a full staff login (password and second factor).
from .sessions import force_login_is_a_full_login  # noqa: E402, F401
