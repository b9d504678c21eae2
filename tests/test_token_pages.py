"""The pages behind an e-mail's links: preferences (pause, resume, leave), privacy notice and
"Was this useful?". The token is the proof; the pages show nothing personal."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from nabuur.lib import clock
from nabuur.lib.languages import LanguageRegime
from nabuur.members.models import MembershipStatus
from nabuur.messaging.delivery import deliver_due
from nabuur.messaging.models import Delivery, Feedback
from nabuur.messaging.services import queue_message

from . import factories
from .i18n import nl
from .test_delivery import add_variant
from .test_outbox import make_message

NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)


def delivered(*networks, variants=(("nl", "Preventietip", "Sluit uw ramen."),), now=NOW):
    """A prevention tip queued to the members of `networks` and sent (to the test outbox)."""
    message = make_message(*networks)
    for language, subject, text in variants:
        add_variant(message, language, subject, text)
    queue_message(message, now=now)
    with clock.frozen_at(now):
        deliver_due()
    return message


def fr(msgid, **values):
    with translation.override("fr"):
        text = gettext(msgid)
    return text % values if values else text


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    # A token page activates the link's language in the thread; later tests expect Dutch.
    yield
    translation.activate("nl")


@pytest.fixture
def membership(member_a):
    return member_a.memberships.get()


@pytest.fixture
def delivery(bin_a, member_a):
    delivered(bin_a)
    mail.outbox.clear()
    return Delivery.objects.get(user=member_a)


@pytest.fixture
def brussels(zone):
    municipality = factories.MunicipalityFactory(
        nis_code="21019",
        name_nl="Sint-Pieters-Woluwe",
        name_fr="Woluwe-Saint-Pierre",
        zone=zone,
        language_regime=LanguageRegime.BRUSSELS,
    )
    return factories.NetworkFactory(
        municipality=municipality, name="BIN Stokkel / RIQ Stockel", slug="stokkel"
    )


def url(delivery, rest="", lang="nl"):
    return f"/{lang}/u/{delivery.token}/{rest}"


# --- Preferences ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_preferences_show_the_bin_and_its_buttons_and_nothing_personal(
    client, delivery, membership, member_a
):
    response = client.get(url(delivery))

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    text = response.text
    assert f'<h2 id="bin-{membership.pk}">BIN Centrum</h2>' in text
    assert nl("You receive the messages of this network.") in text
    for action in ("pause", "leave"):
        assert f'<input type="hidden" name="action" value="{action}">' in text
    assert 'value="resume"' not in text
    assert 'href="/nl/me/login/"' in text
    for personal in (member_a.email, member_a.last_name, membership.street.name_nl):
        assert personal not in text
    # Opening the page changed nothing.
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert mail.outbox == []


@pytest.mark.django_db
def test_pausing_from_the_email_pauses_and_confirms_by_email(client, delivery, membership):
    until = datetime.date.today() + datetime.timedelta(days=10)
    response = client.post(
        url(delivery),
        {
            "membership": membership.pk,
            "action": "pause",
            f"bin{membership.pk}-paused_until": until.isoformat(),
        },
    )

    assert response.status_code == 302
    assert response.url == url(delivery)
    membership.refresh_from_db()
    assert (membership.status, membership.paused_until) == (MembershipStatus.PAUSED, until)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (
            [membership.user.email],
            nl("Your membership of %(name)s was changed", name="BIN Centrum"),
        )
    ]
    page = client.get(response.url).text
    assert nl("Paused. We sent you an e-mail about it.") in page
    assert 'value="resume"' in page


@pytest.mark.django_db
def test_a_pause_must_end_after_today(client, delivery, membership):
    response = client.post(
        url(delivery),
        {
            "membership": membership.pk,
            "action": "pause",
            f"bin{membership.pk}-paused_until": datetime.date.today().isoformat(),
        },
    )

    assert response.status_code == 200
    assert nl("Choose a date after today.") in response.text
    field = f'id="id_bin{membership.pk}-paused_until"'
    assert field in response.text
    assert (
        f'aria-describedby="id_bin{membership.pk}-paused_until_hint '
        f'id_bin{membership.pk}-paused_until_error"' in response.text
    )
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert mail.outbox == []


@pytest.mark.django_db
def test_resuming_from_the_email(client, delivery, membership):
    membership.status = MembershipStatus.PAUSED
    membership.paused_until = datetime.date.today() + datetime.timedelta(days=5)
    membership.save(update_fields=["status", "paused_until"])

    response = client.post(url(delivery), {"membership": membership.pk, "action": "resume"})

    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.status, membership.paused_until) == (MembershipStatus.ACTIVE, None)
    assert len(mail.outbox) == 1
    assert nl("You receive messages again.") in client.get(response.url).text


@pytest.mark.django_db
def test_leaving_from_the_email_confirms_on_screen_and_by_email(
    client, delivery, membership, coordinator_a
):
    response = client.post(
        url(delivery), {"membership": membership.pk, "action": "leave"}, follow=True
    )

    assert response.redirect_chain == [(url(delivery), 302)]
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.LEFT
    assert nl("You left %(bin)s. We sent you an e-mail about it.", bin="BIN Centrum") in (
        response.text
    )
    assert nl(
        "You are no longer a member of %(networks)s: you receive none of its messages.",
        networks="BIN Centrum",
    ) in (response.text)
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == sorted(
        [
            (membership.user.email, nl("You left %(name)s", name="BIN Centrum")),
            (coordinator_a.email, nl("A member left %(name)s", name="BIN Centrum")),
        ]
    )
    # A second press finds nothing left to do.
    assert client.post(url(delivery), {"membership": membership.pk, "action": "leave"}).url == (
        url(delivery)
    )
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_brussels_member_leaves_in_french_and_is_told_in_french(client, brussels):
    membership = factories.MembershipFactory(network=brussels, user__language="fr")
    delivered(
        brussels,
        variants=[("nl", "Preventietip", "Sluit uw ramen."), ("fr", "Conseil", "Fermez.")],
    )
    delivery = Delivery.objects.get(user=membership.user)
    mail.outbox.clear()

    response = client.post(
        url(delivery, lang="fr"), {"membership": membership.pk, "action": "leave"}, follow=True
    )

    assert '<html lang="fr">' in response.text
    assert fr(
        "You left %(bin)s. We sent you an e-mail about it.", bin="BIN Stokkel / RIQ Stockel"
    ) in (response.text)
    assert [m.subject for m in mail.outbox] == [
        fr("You left %(name)s", name="BIN Stokkel / RIQ Stockel")
    ]


@pytest.mark.django_db
def test_a_token_page_changes_only_the_bins_of_its_message(client, delivery, member_a, bin_b):
    other = factories.MembershipFactory(network=bin_b, user=member_a)

    response = client.post(url(delivery), {"membership": other.pk, "action": "leave"})

    assert response.status_code == 302
    other.refresh_from_db()
    assert other.status == MembershipStatus.ACTIVE
    assert mail.outbox == []


@pytest.mark.django_db
def test_token_pages_refuse_a_post_without_the_forms_csrf_token(delivery, membership):
    client = Client(enforce_csrf_checks=True)
    response = client.post(url(delivery), {"membership": membership.pk, "action": "leave"})
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


# --- Languages and unknown links --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["fr", "de", "en"])
@pytest.mark.parametrize("rest", ["", "privacy", "useful?answer=yes"])
def test_a_dutch_bins_link_answers_in_dutch(client, delivery, lang, rest):
    response = client.get(url(delivery, rest, lang=lang))
    assert response.status_code == 302
    assert response.url == url(delivery, rest)


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["nl", "fr"])
def test_a_brussels_members_pages_speak_dutch_or_french(client, brussels, lang):
    factories.MembershipFactory(network=brussels, user__language="")
    delivered(
        brussels,
        variants=[("nl", "Preventietip", "Sluit uw ramen."), ("fr", "Conseil", "Fermez.")],
    )
    delivery = Delivery.objects.get()
    assert delivery.languages == "nl+fr"

    response = client.get(url(delivery, "useful", lang=lang))

    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.text
    # The switcher offers this same page in the other language.
    other = "fr" if lang == "nl" else "nl"
    assert f'<a href="{url(delivery, "useful", lang=other)}" lang="{other}"' in response.text
    subject = "Preventietip" if lang == "nl" else "Conseil"
    with translation.override(lang):
        about = gettext("About the message “%(subject)s” to %(networks)s.") % {
            "subject": subject,
            "networks": brussels.name,
        }
    assert escape(about) in response.text
    # German is not a language of Brussels: the first language of the e-mail.
    assert client.get(url(delivery, lang="de")).url == url(delivery)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rest", "status"), [("", 200), ("privacy", 302), ("useful", 200), ("unsubscribe", 200)]
)
def test_links_sent_with_the_tokens_before_migration_0010_keep_working(
    client, delivery, rest, status
):
    # The e-mails queued before messaging migration 0010 carry 32 random digits.
    assert len(delivery.token) == 48
    delivery.token = "5e1f0c3a9b7d42e8a6c1d0f9e8b7a6c5"
    delivery.save(update_fields=["token"])

    assert client.get(url(delivery, rest)).status_code == status


@pytest.mark.django_db
@pytest.mark.parametrize("length", [31, 33, 47, 49])
def test_a_token_of_another_length_is_not_a_link(client, delivery, length):
    assert client.get(f"/nl/u/{delivery.token[:16] + 'a' * (length - 16)}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("rest", ["", "privacy", "useful"])
def test_an_unknown_token_is_not_found(client, delivery, rest):
    assert client.get(f"/nl/u/{'0' * 32}/{rest}").status_code == 404


@pytest.mark.django_db
def test_the_links_of_a_deleted_person_lead_nowhere(client, delivery):
    # The row stays for the message's counts once its person is gone (SET_NULL).
    Delivery.objects.filter(pk=delivery.pk).update(user=None)
    for rest in ("", "privacy", "useful"):
        assert client.get(url(delivery, rest)).status_code == 404


# --- Privacy notice ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_privacy_sends_on_to_the_zones_privacy_notice(client, delivery):
    response = client.get(url(delivery, "privacy"))
    assert response.status_code == 302
    assert response.url == "/nl/zone/pz-test/privacy/"
    assert client.get(response.url).status_code == 200


@pytest.mark.django_db
def test_privacy_of_a_brussels_member_in_french(client, brussels):
    factories.MembershipFactory(network=brussels, user__language="fr")
    delivered(brussels, variants=[("fr", "Conseil", "Fermez.")])
    delivery = Delivery.objects.get()
    assert client.get(url(delivery, "privacy", lang="fr")).url == "/fr/zone/pz-test/privacy/"


# --- Was this useful? -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("answer", ["yes", "no"])
def test_the_emails_links_open_the_page_without_voting(client, bin_a, member_a, answer):
    delivered(bin_a)
    token = Delivery.objects.get(user=member_a).token
    (sent,) = mail.outbox
    text = sent.message().get_body(("plain",)).get_content()
    match = re.search(rf"https?://\S+?(/nl/u/{token}/useful\?answer={answer})\r?\n", text)

    response = client.get(match.group(1))

    assert response.status_code == 200
    page = response.text
    assert '<button type="submit" name="useful" value="yes">' in page
    assert '<button type="submit" name="useful" value="no">' in page
    assert nl(
        "E-mail programs open links by themselves, so your answer counts only once you press "
        "a button below."
    ) in (page)
    assert "“Preventietip”" in page
    assert Feedback.objects.count() == 0


@pytest.mark.django_db
def test_voting_and_changing_the_vote(client, delivery, member_a):
    response = client.post(url(delivery, "useful"), {"useful": "yes", "comment": ""})

    assert response.status_code == 200
    assert nl("Thank you: your answer is saved.") in response.text
    assert nl("Your answer: yes, it was useful.") in response.text
    assert list(Feedback.objects.values_list("delivery", "useful", "comment", "urgent")) == [
        (delivery.pk, True, "", False)
    ]

    response = client.post(url(delivery, "useful"), {"useful": "no", "comment": "Te laat."})

    assert nl("Your answer: no, it was not useful.") in response.text
    assert list(Feedback.objects.values_list("delivery", "useful", "comment", "urgent")) == [
        (delivery.pk, False, "Te laat.", False)
    ]
    assert 'role="alert"' not in response.text
    # The page never shows the comment: the link may have been forwarded.
    assert "Te laat." not in client.get(url(delivery, "useful")).text


@pytest.mark.django_db
def test_an_urgent_comment_shows_the_police_numbers_at_once(client, delivery, officer_a):
    response = client.post(
        url(delivery, "useful"),
        {"useful": "no", "comment": "Er loopt nu een verdachte man rond in de Kerkstraat"},
    )

    assert response.status_code == 200
    text = response.text
    assert 'role="alert" aria-labelledby="urgent-heading"' in text
    assert nl("Is something happening now? Call the police.") in text
    assert "<strong>101</strong>" in text and "<strong>112</strong>" in text
    assert "<strong>112 BE</strong>" in text
    assert Feedback.objects.get().urgent is True
    assert [m.to for m in mail.outbox] == [[officer_a.email]]


@pytest.mark.django_db
def test_a_comment_is_at_most_500_characters(client, delivery):
    response = client.post(url(delivery, "useful"), {"useful": "yes", "comment": "x" * 501})

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert Feedback.objects.count() == 0


@pytest.mark.django_db
def test_the_useful_page_links_to_the_preferences(client, delivery):
    response = client.get(url(delivery, "useful"))
    path = urlsplit(url(delivery)).path
    assert f'<a href="{path}">{nl("Your preferences")}</a>' in response.text
