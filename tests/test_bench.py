"""The bench's own code: its floor page exists only in the bench server, and its phases."""

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from bench import settings as bench_settings
from bench.__main__ import phases_to_run, target

FLOOR = "/nl/staff/bench-floor/"
BENCH_SERVER = override_settings(ROOT_URLCONF="bench.urls", TEMPLATES=bench_settings.TEMPLATES)


def test_floor_page_does_not_exist_in_production():
    with pytest.raises(Resolver404):
        resolve(FLOOR)


@BENCH_SERVER
def test_floor_page_sends_a_visitor_to_the_login(client, db):
    response = client.get(FLOOR)

    assert response.status_code == 302
    assert response["Location"].startswith("/nl/account/login/")


@BENCH_SERVER
def test_floor_page_shows_the_staff_layout_with_no_queries_of_its_own(client, coordinator_a):
    TOTP.activate(coordinator_a, generate_totp_secret())
    client.force_login(coordinator_a)
    client.get(FLOOR)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(FLOOR)

    assert response.status_code == 200
    assert [template.name for template in response.templates][:2] == [
        "bench/floor.html",
        "base.html",
    ]
    # Only what every staff page reads: session, person, site and roles (the second factor is
    # noted in the session at the first request).
    tables = {table for query in queries for table in re.findall(r'FROM "(\w+)"', query["sql"])}
    assert tables == {
        "django_session",
        "accounts_user",
        "zones_zone",
        "staff_roleassignment",
    }


def test_phases_bring_what_they_need():
    assert phases_to_run([]) == ["queue", "workers", "pages", "pdf", "national"]
    assert phases_to_run(["pages"]) == ["pages"]
    assert phases_to_run(["national"]) == ["queue", "pages", "national"]
    assert phases_to_run(["workers", "pdf"]) == ["queue", "workers", "pdf"]


def test_phases_refuse_an_unknown_one():
    with pytest.raises(SystemExit, match="no phase nationwide"):
        phases_to_run(["nationwide"])


def test_target_says_whether_a_figure_met_it():
    assert target(48.2, ("<", 50)) == "(target < 50: met)"
    assert target(50, ("<", 50)) == "(target < 50: MISSED)"
    assert target(2.0, ("≤", 2.0)) == "(target ≤ 2.0: met)"
    assert target(0.4, ("≥", 0.5)) == "(target ≥ 0.5: MISSED)"
