"""The member's archive: the messages they received (/<lang>/me/messages/) and each message."""

import datetime

import pytest

from nabuur.lib.languages import LanguageRegime
from nabuur.messaging.feedback import save_feedback
from nabuur.messaging.models import Delivery, DeliveryState
from nabuur.messaging.services import queue_message

from . import factories
from .i18n import nl
from .test_delivery import add_variant
from .test_outbox import make_message
from .test_token_pages import NOW, delivered


def received(user, count, network):
    """`count` prevention tips delivered to `user`, one day apart, oldest first."""
    deliveries = []
    for day in range(count):
        delivered(
            network,
            variants=[("nl", f"Tip {day + 1}", f"Tekst {day + 1}.")],
            now=NOW + datetime.timedelta(days=day),
        )
        deliveries.append(Delivery.objects.filter(user=user).latest("pk"))
    return deliveries


@pytest.fixture
def logged_in(client, member_a):
    client.force_login(member_a)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/nl/me/messages/", "/nl/me/messages/1/"])
def test_the_archive_needs_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.url == "/nl/me/login/"


@pytest.mark.django_db
def test_the_archive_lists_what_the_member_received_newest_first(logged_in, member_a, bin_a, bin_b):
    factories.MembershipFactory(network=bin_b)  # receives B's messages only
    first, second = received(member_a, 2, bin_a)
    save_feedback(second, useful=False)
    save_feedback(first, useful=True)
    delivered(bin_b, variants=[("nl", "Alleen voor Elsdonk", "Tekst.")])
    # Queued, not sent yet: not received.
    waiting = make_message(bin_a)
    add_variant(waiting, subject="Nog onderweg")
    queue_message(waiting, now=NOW)

    response = logged_in.get("/nl/me/messages/")

    assert response.status_code == 200
    rows = [
        (row["delivery"].pk, row["subject"], row["networks"], row["useful"])
        for row in response.context["rows"]
    ]
    assert rows == [
        (second.pk, "Tip 2", "BIN Centrum", False),
        (first.pk, "Tip 1", "BIN Centrum", True),
    ]
    text = response.text
    assert f'<a href="/nl/me/messages/{second.pk}/" lang="nl">Tip 2</a>' in text
    assert '<time datetime="2027-03-02">' in text
    assert "Alleen voor Elsdonk" not in text
    assert "Nog onderweg" not in text


@pytest.mark.django_db
def test_the_archive_shows_nothing_before_the_first_message(logged_in):
    response = logged_in.get("/nl/me/messages/")
    assert nl("You have not received any message yet.") in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 3])
def test_the_archive_costs_the_same_queries_for_1_and_3_rows(
    logged_in, member_a, bin_a, django_assert_num_queries, rows
):
    received(member_a, rows, bin_a)
    for delivery in Delivery.objects.filter(user=member_a):
        save_feedback(delivery, useful=True)

    # Session and user; the count for the pages; the deliveries with their messages and
    # answers, then their variants and BINs; the zone and its languages for the header. The
    # session is not saved again: it was saved less than a minute ago.
    with django_assert_num_queries(8):
        response = logged_in.get("/nl/me/messages/")
    assert len(response.context["rows"]) == rows


@pytest.mark.django_db
def test_a_message_as_the_member_received_it(logged_in, member_a, bin_a):
    (delivery,) = received(member_a, 1, bin_a)
    save_feedback(delivery, useful=True, comment="Goede tip.")

    response = logged_in.get(f"/nl/me/messages/{delivery.pk}/")

    assert response.status_code == 200
    text = response.text
    assert '<h1 lang="nl">Tip 1</h1>' in text
    assert "<p>Tekst 1.</p>" in text
    assert "BIN Centrum" in text
    assert "Goede tip." in text
    assert f'href="/nl/u/{delivery.token}/useful"' in text


@pytest.mark.django_db
def test_a_bilingual_message_shows_both_languages(client, zone):
    brussels = factories.MunicipalityFactory(zone=zone, language_regime=LanguageRegime.BRUSSELS)
    network = factories.NetworkFactory(municipality=brussels, name="BIN Stokkel / RIQ Stockel")
    user = factories.MembershipFactory(network=network, user__language="").user
    delivered(
        network,
        variants=[("nl", "Preventietip", "Sluit uw ramen."), ("fr", "Conseil", "Fermez.")],
    )
    delivery = Delivery.objects.get(user=user)
    client.force_login(user)

    response = client.get(f"/fr/me/messages/{delivery.pk}/")

    text = response.text
    assert '<h1 lang="fr">Conseil</h1>' in text
    assert '<section lang="nl" aria-labelledby="section-1" class="document">' in text
    assert '<section lang="fr" aria-labelledby="section-2" class="document">' in text
    assert "<p>Sluit uw ramen.</p>" in text and "<p>Fermez.</p>" in text
    assert f'href="/fr/u/{delivery.token}/useful"' in text
    listed = client.get("/fr/me/messages/")
    assert [row["subject"] for row in listed.context["rows"]] == ["Conseil"]


@pytest.mark.django_db
def test_someone_elses_message_and_an_unsent_one_are_not_found(logged_in, member_a, bin_a):
    other = factories.MembershipFactory(network=bin_a).user
    received(member_a, 1, bin_a)
    others = Delivery.objects.get(user=other)
    assert logged_in.get(f"/nl/me/messages/{others.pk}/").status_code == 404

    mine = Delivery.objects.get(user=member_a)
    Delivery.objects.filter(pk=mine.pk).update(state=DeliveryState.BOUNCED)
    assert logged_in.get(f"/nl/me/messages/{mine.pk}/").status_code == 404


@pytest.mark.django_db
def test_my_membership_links_to_the_archive(logged_in):
    response = logged_in.get("/nl/me/")
    assert f'<a href="/nl/me/messages/">{nl("Messages I received")}</a>' in response.text
