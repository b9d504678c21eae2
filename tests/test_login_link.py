"""Residents log in with an e-mailed link: one hour, single use, same answer for everyone."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache

from nabuur.lib import clock
from nabuur.members.models import LoginLink
from nabuur.staff.models import Role

from . import factories

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _immediate_tasks_and_empty_counters(db, settings):
    # The e-mail leaves from a task (members.tasks): here at once, inside the request;
    # tests/test_anonymous_mail.py lets the worker send it.
    settings.TASKS = IMMEDIATE
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


def test_a_member_with_a_role_and_no_password_yet_gets_no_login_link(
    client, resident, bin_a, mailoutbox
):
    # Invited, not yet accepted: the invitation sets the password.
    factories.RoleFactory(user=resident, role=Role.CO_COORDINATOR, network=bin_a)
    response = client.post("/nl/me/login/", {"email": resident.email})
    assert response["Location"] == "/nl/me/login/sent/"
    assert mailoutbox == []
    assert LoginLink.objects.count() == 0


def test_a_link_is_refused_once_its_person_chose_a_password(client, resident, mailoutbox):
    client.post("/nl/me/login/", {"email": resident.email})
    url = link_from(mailoutbox[0])
    resident.set_password("Kerkstraat-lantaarn-2026")
    resident.save(update_fields=["password"])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert client.get("/nl/me/")["Location"] == "/nl/me/login/"
    assert LoginLink.objects.get().used_at is None


def test_login_links_per_address_are_limited(client, resident, mailoutbox, settings):
    settings.NABUUR_JOIN_LIMIT_PER_ADDRESS = 2
    for _ in range(3):
        assert client.post("/nl/me/login/", {"email": "jan@example.org"}).status_code == 302
    assert len(mailoutbox) == 2


def test_invalid_posts_do_not_use_up_the_limit(client, resident, mailoutbox, settings):
    settings.NABUUR_JOIN_LIMIT_PER_IP = 1
    settings.NABUUR_JOIN_LIMIT_PER_ADDRESS = 1
    for junk in ["", "not an address", "jan@", "x" * 300]:
        response = client.post("/nl/me/login/", {"email": junk})
        assert response.status_code == 200
        assert 'aria-invalid="true"' in response.text
    assert client.post("/nl/me/login/", {"email": "jan@example.org"}).status_code == 302
    assert [m.to for m in mailoutbox] == [["jan@example.org"]]
    assert client.post("/nl/me/login/", {"email": "jan@example.org"}).status_code == 429
