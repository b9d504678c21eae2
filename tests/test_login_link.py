"""Residents log in with an e-mailed link: one hour, single use, same answer for everyone."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache

from nabuur.lib import clock
from nabuur.members.models import LoginLink

from . import factories


@pytest.fixture(autouse=True)
def _empty_rate_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def resident(bin_a):
    """A member of BIN A without a password, as every resident is."""
    user = factories.UserFactory(email="jan@example.org", first_name="Jan", password=None)
    user.set_unusable_password()
    user.save()
    factories.MembershipFactory(user=user, network=bin_a)
    return user


def link_from(message):
    return re.search(r"http://127\.0\.0\.1:8000(/\S+/)", message.body).group(1)


def test_a_login_link_logs_in_once(client, resident, mailoutbox):
    response = client.post("/nl/me/login/", {"email": "JAN@example.org"})
    assert response["Location"] == "/nl/me/login/sent/"
    assert mailoutbox[0].to == ["jan@example.org"]
    url = link_from(mailoutbox[0])
    link = LoginLink.objects.get()
    assert url.split("/")[-2] not in link.token_hash

    assert client.get(url).context["valid"] is True
    assert client.get("/nl/me/")["Location"] == "/nl/me/login/"
    response = client.post(url)
    assert response["Location"] == "/nl/me/"
    assert client.get("/nl/me/").status_code == 200
    link.refresh_from_db()
    assert link.used_at is not None

    client.post("/nl/me/logout/")
    again = client.post(url)
    assert again.status_code == 410
    assert again.context["valid"] is False
    assert client.get("/nl/me/").status_code == 302


def test_a_login_link_expires_after_one_hour(client, resident, mailoutbox):
    client.post("/nl/me/login/", {"email": "jan@example.org"})
    url = link_from(mailoutbox[0])
    with clock.frozen_at(clock.now() + timedelta(minutes=61)):
        assert client.get(url).context["valid"] is False
        assert client.post(url).status_code == 410
    assert client.get("/nl/me/").status_code == 302


def test_known_and_unknown_addresses_get_the_same_answer(client, resident, mailoutbox):
    known = client.post("/nl/me/login/", {"email": "jan@example.org"})
    unknown = client.post("/nl/me/login/", {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mailoutbox] == [["jan@example.org"]]


def test_staff_with_a_password_get_no_login_link(client, coordinator_a, mailoutbox):
    factories.MembershipFactory(user=coordinator_a)
    client.post("/nl/me/login/", {"email": coordinator_a.email})
    assert mailoutbox == []
    assert LoginLink.objects.count() == 0


def test_login_links_per_address_are_limited(client, resident, mailoutbox, settings):
    settings.NABUUR_JOIN_LIMIT_PER_ADDRESS = 2
    for _ in range(3):
        assert client.post("/nl/me/login/", {"email": "jan@example.org"}).status_code == 302
    assert len(mailoutbox) == 2
