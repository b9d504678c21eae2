"""One install serves several zones, each on its own host name (#18 point 8).

Zone A is the personas' zone of tests/conftest.py (host a.localhost); zone B (host b.localhost)
has a Brussels municipality, one BIN and a member of its own, and every persona of zone A also
holds the matching role (or membership) in zone B. On B's host a persona acts only in B, on A's
host only in A: the crawl walks every page of tests/pages.py on each host and finds nothing of
the other zone.
"""

import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation

from nabuur.lib.languages import LanguageRegime
from nabuur.messaging.emails import render_message
from nabuur.messaging.models import MessageVariant
from nabuur.staff.models import Role
from nabuur.zones.site import base_url

from . import factories
from .pages import PERSONAS, allowed_statuses, pages
from .test_permission_matrix import log_in_as

HOST_A, HOST_B = "a.localhost", "b.localhost"


@pytest.fixture(autouse=True)
def _hosts(settings, zone):
    settings.ALLOWED_HOSTS = [".localhost", "testserver", "127.0.0.1"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    zone.host = HOST_A
    zone.save(update_fields=["host"])


@pytest.fixture(autouse=True)
def _unique_municipality_name(municipality):
    # The finder's hint gives "2650 Edegem" as an example, whichever zone's page it is on.
    municipality.name_nl = municipality.name_fr = "Kleinbeek"
    municipality.save(update_fields=["name_nl", "name_fr"])


@pytest.fixture
def zone_b(db):
    return factories.ZoneFactory(slug="pz-bravo", name="Politiezone Bravo", host=HOST_B)


@pytest.fixture
def municipality_b(zone_b):
    return factories.MunicipalityFactory(
        nis_code="21015",
        name_nl="Schaarbeek",
        name_fr="Schaerbeek",
        zone=zone_b,
        language_regime=LanguageRegime.BRUSSELS,
    )


@pytest.fixture
def bin_b_zone(municipality_b):
    return factories.NetworkFactory(
        municipality=municipality_b, name="BIN Citadelle", slug="citadelle"
    )


@pytest.fixture
def member_of_b(bin_b_zone):
    """A member of zone B only."""
    user = factories.UserFactory(first_name="Bernadette", last_name="Bravissimo")
    factories.MembershipFactory(user=user, network=bin_b_zone)
    return user


def hold_the_same_in_zone_b(persona, user, bin_b_zone, municipality_b, zone_b):
    """Give a persona of zone A the matching role or membership in zone B."""
    if persona == "member_a":
        factories.MembershipFactory(user=user, network=bin_b_zone)
    elif persona == "coordinator_a":
        factories.RoleFactory(user=user, role=Role.COORDINATOR, network=bin_b_zone)
    elif persona == "officer_a":
        factories.RoleFactory(user=user, role=Role.OFFICER, network=bin_b_zone)
    elif persona == "municipality_contact":
        factories.RoleFactory(
            user=user, role=Role.MUNICIPALITY_CONTACT, municipality=municipality_b
        )
    elif persona == "zone_admin":
        factories.RoleFactory(user=user, role=Role.ZONE_ADMIN, zone=zone_b)


def words_of_zone(zone, except_user=None):
    """What would betray that a page shows something of `zone`: its name, its municipalities'
    and BINs' names, its members' and staff's names (not the reader's own)."""
    from nabuur.accounts.models import User

    words = {zone.name}
    for municipality in zone.municipalities.all():
        words |= {municipality.name_nl, municipality.name_fr}
        for network in municipality.networks.all():
            words.add(network.name)
    people = User.objects.filter(
        memberships__network__municipality__zone=zone
    ) | User.objects.filter(roles__network__municipality__zone=zone)
    for person in people.distinct():
        if person != except_user:
            words.add(f"{person.first_name} {person.last_name}")
    return {word for word in words if word}


def leaks(response, words):
    text = response.content.decode()
    return sorted(word for word in words if re.search(rf"\b{re.escape(word)}\b", text))


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_zone_b_host_shows_nothing_of_zone_a(
    client, request, persona, zone, zone_b, municipality_b, bin_b_zone, member_of_b
):
    found = pages(request, persona)
    user = log_in_as(client, request, persona)
    hold_the_same_in_zone_b(persona, user, bin_b_zone, municipality_b, zone_b)
    zone_a_words = words_of_zone(zone, except_user=user)
    problems = []
    for name, url in found:
        response = client.get(url, HTTP_HOST=HOST_B)
        if response.status_code not in (200, 302, 403, 404):
            problems.append(f"{name} {url}: {response.status_code}")
        elif leaked := leaks(response, zone_a_words):
            problems.append(f"{name} {url}: {response.status_code} shows {leaked}")
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_zone_a_host_shows_nothing_of_zone_b(
    client, request, persona, zone_b, municipality_b, bin_b_zone, member_of_b
):
    found = pages(request, persona)
    user = log_in_as(client, request, persona)
    hold_the_same_in_zone_b(persona, user, bin_b_zone, municipality_b, zone_b)
    zone_b_words = words_of_zone(zone_b, except_user=user)
    problems = []
    for name, url in found:
        response = client.get(url, HTTP_HOST=HOST_A)
        # On its own host, zone A answers as the permission matrix says.
        if response.status_code not in {200, *allowed_statuses(name)}:
            problems.append(f"{name} {url}: {response.status_code}")
        elif leaked := leaks(response, zone_b_words):
            problems.append(f"{name} {url}: {response.status_code} shows {leaked}")
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_a_bin_of_zone_a_is_missing_on_zone_b_host(client, bin_a, zone_b):
    assert client.get(f"/nl/bin/{bin_a.slug}/", HTTP_HOST=HOST_A).status_code == 200
    assert client.get(f"/nl/bin/{bin_a.slug}/", HTTP_HOST=HOST_B).status_code == 404


@pytest.mark.django_db
def test_home_page_lists_only_the_hosts_zone(client, bin_a, bin_b_zone):
    on_b = client.get("/nl/", HTTP_HOST=HOST_B).content.decode()
    assert "BIN Citadelle" in on_b
    assert "BIN Centrum" not in on_b
    assert "Politiezone Bravo" in on_b
    on_a = client.get("/nl/", HTTP_HOST=HOST_A).content.decode()
    assert "BIN Centrum" in on_a
    assert "BIN Citadelle" not in on_a


@pytest.mark.django_db
def test_unknown_host_is_refused(client, settings, bin_a, zone_b):
    # A name outside NABUUR_ALLOWED_HOSTS: Django's 400.
    client.raise_request_exception = False
    assert client.get("/nl/", HTTP_HOST="elsewhere.example").status_code == 400
    # An allowed name that no zone answers to: 404, and its page shows no zone.
    response = client.get("/nl/", HTTP_HOST="c.localhost")
    assert response.status_code == 404
    assert leaks(response, {"Politiezone Test", "Politiezone Bravo", "BIN Centrum"}) == []
    # The install's own health check answers on any allowed name.
    assert client.get("/healthz/live", HTTP_HOST="c.localhost").status_code == 200


@pytest.mark.django_db
def test_one_zone_without_host_serves_every_allowed_host(client, zone, bin_a):
    zone.host = ""
    zone.save(update_fields=["host"])
    for host in ("testserver", HOST_B):
        response = client.get("/nl/", HTTP_HOST=host)
        assert response.status_code == 200
        assert "BIN Centrum" in response.content.decode()


@pytest.mark.django_db
def test_staff_role_of_zone_a_gives_nothing_on_zone_b_host(client, request, bin_a, zone_b):
    log_in_as(client, request, "coordinator_a")
    with translation.override("nl"):
        url = reverse("members_staff:list", kwargs={"slug": bin_a.slug})
    on_a = client.get(url, HTTP_HOST=HOST_A)
    on_b = client.get(url, HTTP_HOST=HOST_B)
    assert (on_a.status_code, on_b.status_code) == (200, 404)


def test_base_url_of_zone(settings):
    settings.BASE_URL = "http://127.0.0.1:8000"
    assert base_url(factories.ZoneFactory.build(host="")) == "http://127.0.0.1:8000"
    assert base_url(factories.ZoneFactory.build(host="b.localhost")) == "http://b.localhost:8000"
    assert base_url(None) == "http://127.0.0.1:8000"
    settings.BASE_URL = "https://bin.pz-hekla.be"
    assert base_url(factories.ZoneFactory.build(host="bin.pz-vesta.be")) == (
        "https://bin.pz-vesta.be"
    )


@pytest.mark.django_db
def test_set_zone_host_command(zone, zone_b):
    translation.activate("en")
    call_command("set_zone_host", zone.slug, "BIN.PZ-Test.be")
    zone.refresh_from_db()
    assert zone.host == "bin.pz-test.be"
    with pytest.raises(CommandError, match="host name"):
        call_command("set_zone_host", zone.slug, HOST_B)
    with pytest.raises(CommandError, match="host name"):
        call_command("set_zone_host", zone.slug, "https://x.example")
    zone.refresh_from_db()
    assert zone.host == "bin.pz-test.be"


@pytest.mark.django_db
def test_links_in_a_message_to_a_zone_b_member_lead_to_zone_b(settings, bin_b_zone):
    settings.BASE_URL = "http://127.0.0.1:8000"
    message = factories.MessageFactory(targets=[bin_b_zone])
    MessageVariant.objects.create(
        message=message,
        language="nl",
        subject="Tip",
        body_markdown="Tip",
        body_html="<p>Tip</p>",
        body_text="Tip",
    )
    raw = render_message(message, ["nl"], now=timezone.now()).raw.decode()
    links = set(re.findall(r"https?://[^/\s>\"]+", raw))
    assert links == {"http://b.localhost:8000"}


@pytest.mark.django_db
def test_a_login_link_asked_for_on_zone_b_leads_to_zone_b(client, settings, mailoutbox, bin_b_zone):
    settings.BASE_URL = "http://127.0.0.1:8000"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    cache.clear()
    user = factories.UserFactory(email="bea@example.org", password=None)
    user.set_unusable_password()
    user.save()
    factories.MembershipFactory(user=user, network=bin_b_zone)
    client.post("/nl/me/login/", {"email": "bea@example.org"}, HTTP_HOST=HOST_B)
    assert [m.to for m in mailoutbox] == [["bea@example.org"]]
    assert re.findall(r"http://[^/\s]+/nl/me/", mailoutbox[0].body)[0] == (
        "http://b.localhost:8000/nl/me/"
    )
    cache.clear()


@pytest.mark.django_db
def test_the_finder_on_zone_b_leads_to_no_bin_of_zone_a(client, bin_a, bin_b_zone):
    street = factories.SearchableStreetFactory(municipality=bin_a.municipality, name_nl="Lindelei")
    factories.SegmentFactory(network=bin_a, street=street)
    on_a = client.get("/nl/find/", {"q": "Lindelei 5"}, HTTP_HOST=HOST_A).content.decode()
    on_b = client.get("/nl/find/", {"q": "Lindelei 5"}, HTTP_HOST=HOST_B).content.decode()
    assert "BIN Centrum" in on_a
    assert "BIN Centrum" not in on_b


@pytest.mark.django_db
def test_the_zone_without_host_name_is_served_on_every_other_name(client, zone, bin_a, bin_b_zone):
    # The demo's way: its first zone on 127.0.0.1 (NABUUR_BASE_URL), the second on its name.
    zone.host = ""
    zone.save(update_fields=["host"])
    for host in ("testserver", "127.0.0.1", "pz-test.localhost"):
        page = client.get("/nl/", HTTP_HOST=host).content.decode()
        assert "BIN Centrum" in page and "BIN Citadelle" not in page, host
    page = client.get("/nl/", HTTP_HOST=HOST_B).content.decode()
    assert "BIN Citadelle" in page and "BIN Centrum" not in page
