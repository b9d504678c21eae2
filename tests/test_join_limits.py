"""Only complete sign-ups count against the join form's limits: mistakes must not use them up."""

import pytest
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import ngettext
from django_tasks_db.models import DBTaskResult

from .test_anonymous_mail import kerkstraat, sign_up  # noqa: F401 — a fixture


@pytest.fixture(autouse=True)
def _empty_counters(db):
    cache.clear()
    yield
    cache.clear()


def test_invalid_sign_ups_do_not_use_up_the_limit_of_valid_ones(client, kerkstraat, settings):  # noqa: F811
    settings.NABUUR_JOIN_LIMIT_PER_IP = 1
    for junk in [
        {"first_name": ""},
        sign_up("not an address"),
        {**sign_up("marie@example.org"), "adult": ""},
        {**sign_up("marie@example.org"), "postcode": "x" * 5000},
    ]:
        response = client.post("/nl/join/", junk)
        assert response.status_code == 200
        assert 'aria-invalid="true"' in response.text

    assert client.post("/nl/join/", sign_up("marie@example.org"))["Location"] == "/nl/join/sent/"
    assert client.post("/nl/join/", sign_up("jan@example.org", house_number="14")).status_code == (
        429
    )
    assert DBTaskResult.objects.count() == 1


def test_the_join_limit_says_how_long_to_wait(client, kerkstraat, settings):  # noqa: F811
    settings.NABUUR_JOIN_LIMIT_PER_IP = 1
    client.post("/nl/join/", sign_up("marie@example.org"))

    response = client.post("/nl/join/", sign_up("jan@example.org", house_number="14"))

    # The per-IP window is an hour, counted from the first sign-up a moment ago.
    assert response.status_code == 429
    assert response["Retry-After"] in {"3599", "3600"}
    with translation.override("nl"):
        wait = ngettext(
            "Please wait %(minutes)s minute, then try again.",
            "Please wait %(minutes)s minutes, then try again.",
            60,
        ) % {"minutes": 60}
    assert wait in response.text
