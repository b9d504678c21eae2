"""The answer to "Was this useful?": the urgent-comment check, the verb, the officer's e-mail,
and the answer's place in the member's data export and erasure."""

import datetime
import logging

import pytest

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.messaging.feedback import looks_urgent, officers_of, save_feedback, urgency_score
from nabuur.messaging.models import Delivery, Feedback
from nabuur.privacy.registry import erase_person, export_person
from nabuur.staff.models import Role

from . import factories
from .i18n import nl
from .smtp_sink import SmtpSink
from .test_token_pages import NOW, delivered

URGENT = [
    # nl
    "Er loopt nu een verdachte man rond in de Kerkstraat",
    "Help! Er is iemand in mijn tuin",
    "Bij de buren wordt nu ingebroken",
    "Verdachte auto in de straat, nummerplaat 1-ABC-123",
    "Nu staan er twee inbrekers aan de achterdeur",
    # fr
    "Il y a un cambrioleur chez le voisin maintenant",
    "Au secours, quelqu'un essaie d'entrer",
    "Homme suspect devant ma maison",
    "On nous cambriole !",
    # de
    "Jemand bricht gerade bei den Nachbarn ein",
    "Verdächtiges Auto steht jetzt vor meinem Haus",
    "Hilfe!",
    "Ein Einbrecher ist gerade im Garten",
    # en
    "Someone is breaking into the house next door right now",
    "Suspicious man trying car doors",
    "HELP",
    "There is a fire in the street",
]
CALM = [
    "Goede tip, bedankt!",
    "Nuttige tips tegen inbraak.",
    "Goede tips over verdachte situaties",
    "Bedankt voor de hulp!",
    "Te laat verstuurd, maar interessant",
    "Merci pour votre aide !",
    "Merci pour l'information, très utile",
    "Mes voisins ont aimé",
    "Danke für Ihre Hilfe.",
    "Sehr nützlich, danke",
    "Thanks, this will help!",
    "Interesting read about burglary prevention",
    "",
]


@pytest.mark.parametrize("comment", URGENT)
def test_looks_urgent_spots_reports_in_four_languages(comment):
    assert looks_urgent(comment) is True


@pytest.mark.parametrize("comment", CALM)
def test_looks_urgent_leaves_ordinary_comments_alone(comment):
    assert looks_urgent(comment) is False


def test_one_clue_is_not_enough_two_kinds_are():
    assert urgency_score("inbraak") == 1
    assert urgency_score("inbraak nu") == 2
    assert urgency_score("nu nu nu") == 1
    assert urgency_score("Help!") == 2
    assert urgency_score("au secours") == 2


@pytest.fixture
def delivery(member_a, bin_a):
    delivered(bin_a)
    return Delivery.objects.get(user=member_a)


def audit_rows():
    return list(
        AuditEntry.objects.order_by("seq").values_list(
            "actor_id", "actor_role", "action", "object_type", "object_id", "subjects", "details"
        )
    )


@pytest.mark.django_db
def test_save_feedback_records_one_answer_per_member_and_message(delivery, member_a):
    with clock.frozen_at(NOW):
        first = save_feedback(delivery, useful=True)
    with clock.frozen_at(NOW + datetime.timedelta(hours=1)):
        second = save_feedback(delivery, useful=False, comment="  Kwam te laat.  ")

    assert first.pk == second.pk
    row = Feedback.objects.get()
    assert (row.delivery, row.useful, row.comment, row.urgent, row.updated_at) == (
        delivery,
        False,
        "Kwam te laat.",
        False,
        NOW + datetime.timedelta(hours=1),
    )
    assert audit_rows() == [
        (
            member_a.pk,
            "member",
            "messaging.feedback",
            "messaging.feedback",
            str(row.pk),
            [member_a.pk],
            {
                "message": delivery.message_id,
                "useful": True,
                "previous": None,
                "comment": False,
                "urgent": False,
            },
        ),
        (
            member_a.pk,
            "member",
            "messaging.feedback",
            "messaging.feedback",
            str(row.pk),
            [member_a.pk],
            {
                "message": delivery.message_id,
                "useful": False,
                "previous": True,
                "comment": True,
                "urgent": False,
            },
        ),
    ]


@pytest.mark.django_db
def test_save_feedback_keeps_the_comment_when_none_is_given(delivery):
    save_feedback(delivery, useful=True, comment="Goede tip.")
    save_feedback(delivery, useful=False)

    row = Feedback.objects.get()
    assert (row.useful, row.comment) == (False, "Goede tip.")


@pytest.mark.django_db
def test_an_urgent_comment_is_flagged_and_emailed_to_the_bins_officers(
    settings, delivery, member_a, bin_a, officer_a, coordinator_a, mailoutbox
):
    settings.BASE_URL = "https://bin.example.be"
    deputy = factories.RoleFactory(role=Role.DEPUTY_OFFICER, network=bin_a).user
    factories.RoleFactory(
        role=Role.OFFICER, network=bin_a, ended_on=datetime.date(2025, 1, 1)
    )  # no longer the officer
    mailoutbox.clear()

    feedback = save_feedback(delivery, useful=True, comment="Er loopt nu een verdachte man rond")

    assert feedback.urgent is True
    assert AuditEntry.objects.get().details["urgent"] is True
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [officer_a.email, deputy.email]
    )
    membership = member_a.memberships.get()
    sent = next(message for message in mailoutbox if message.to == [officer_a.email])
    assert sent.subject == nl(
        "Urgent-looking comment from a member of %(network)s", network="BIN Centrum"
    )
    assert "\n\nEr loopt nu een verdachte man rond\n\n" in sent.body
    assert "Preventietip" in sent.body
    assert f"https://bin.example.be/nl/staff/members/centrum/{membership.pk}/" in sent.body
    # Who wrote it stays behind the officer's login.
    assert member_a.email not in sent.body
    assert member_a.last_name not in sent.body
    html = sent.alternatives[0].content
    assert "Er loopt nu een verdachte man rond" in html
    assert '<html lang="nl">' in html


@pytest.mark.django_db
def test_the_same_urgent_comment_again_tells_the_officer_once(delivery, officer_a, mailoutbox):
    mailoutbox.clear()
    save_feedback(delivery, useful=True, comment="Help! Er is iemand in mijn tuin")
    # The browser sends the answered page's form again on a reload.
    save_feedback(delivery, useful=True, comment="Help! Er is iemand in mijn tuin")
    save_feedback(delivery, useful=False)
    assert [message.to for message in mailoutbox] == [[officer_a.email]]
    assert Feedback.objects.get().urgent is True


@pytest.mark.django_db
def test_an_ordinary_comment_tells_nobody(delivery, officer_a, mailoutbox):
    mailoutbox.clear()
    feedback = save_feedback(delivery, useful=True, comment="Goede tip, bedankt!")
    assert feedback.urgent is False
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_calm_comment_after_an_urgent_one_clears_the_flag(delivery, officer_a, mailoutbox):
    save_feedback(delivery, useful=True, comment="Help! Er is iemand in mijn tuin")
    mailoutbox.clear()
    feedback = save_feedback(delivery, useful=True, comment="Het was de kat. Sorry!")
    assert feedback.urgent is False
    assert mailoutbox == []


@pytest.mark.django_db
def test_a_mail_failure_never_loses_the_answer(settings, delivery, officer_a, caplog):
    sink = SmtpSink()
    # Nothing listens on the sink's port: the officer's e-mail is refused.
    settings.MAILERS = sink.mailers()
    with caplog.at_level(logging.ERROR, logger="nabuur.messaging.feedback"):
        feedback = save_feedback(delivery, useful=False, comment="Hulp nodig, inbraak bezig!")

    assert Feedback.objects.get().pk == feedback.pk
    assert feedback.urgent is True
    assert [record.getMessage() for record in caplog.records] == [
        f"officer {officer_a.pk} not told of feedback {feedback.pk}"
    ]


@pytest.mark.django_db
def test_officers_of_names_the_officers_who_hold_the_role_today(bin_a, bin_b, officer_a):
    factories.RoleFactory(role=Role.OFFICER, network=bin_b)
    factories.RoleFactory(role=Role.COORDINATOR, network=bin_a)
    without_address = factories.RoleFactory(role=Role.DEPUTY_OFFICER, network=bin_a).user
    without_address.email = None
    without_address.save(update_fields=["email"])
    assert officers_of(bin_a) == [officer_a]


@pytest.mark.django_db
def test_officers_of_counts_the_last_day_of_a_role_and_not_the_day_after(bin_a):
    today = datetime.date(2027, 3, 1)
    last_day = factories.RoleFactory(role=Role.OFFICER, network=bin_a, ended_on=today).user
    factories.RoleFactory(role=Role.OFFICER, network=bin_a, ended_on=datetime.date(2027, 2, 28))
    factories.RoleFactory(role=Role.OFFICER, network=bin_a, started_on=datetime.date(2027, 3, 2))
    with clock.frozen_at(datetime.datetime(2027, 3, 1, 12, 0, tzinfo=datetime.UTC)):
        assert officers_of(bin_a) == [last_day]


@pytest.mark.django_db
def test_the_answer_is_exported_and_its_comment_erased(delivery, member_a):
    with clock.frozen_at(NOW):
        save_feedback(delivery, useful=True, comment="Help! Er is iemand in mijn tuin")

    assert export_person(member_a)["messaging.Feedback"] == [
        {
            "message": delivery.message_id,
            "useful": True,
            "comment": "Help! Er is iemand in mijn tuin",
            "urgent": True,
            "updated": NOW.isoformat(),
        }
    ]
    erase_person(member_a)
    row = Feedback.objects.get()
    # The vote stays for the message's counts.
    assert (row.useful, row.comment, row.urgent) == (True, "", False)
