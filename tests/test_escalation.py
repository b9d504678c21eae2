"""Escalation (issue 16, points 1-2): a waiting item past its deadline reminds the people who
must act, once; past twice the deadline the BIN's other coordinators and its officers are
told, once. Police messages, sign-ups, measures and evaluations; the pinned clock; the officer
who sends an overdue police message as the plan allows; two workers at once."""

import datetime
import smtplib
import threading

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.utils import translation

from nabuur.audit.models import AuditEntry
from nabuur.evaluation import escalation as evaluation_escalation
from nabuur.evaluation import services as evaluation_services
from nabuur.lib import clock
from nabuur.members.models import MeasureKind, MembershipStatus
from nabuur.members.services.measures import propose_measure
from nabuur.messaging import compose
from nabuur.messaging import escalation as messaging_escalation
from nabuur.messaging.models import Delivery, Message, MessageKind, MessageState
from nabuur.messaging.plans import current_plan, save_plan
from nabuur.operations.jobs import registered_jobs
from nabuur.staff import waiting
from nabuur.staff.models import Role

from . import factories
from .i18n import nl
from .smtp_sink import SmtpSink

UTC = datetime.UTC
NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
TEXT = {"nl": ("Inbraken in de wijk", "Sluit uw ramen en deuren.")}


def sent_to():
    """The recipients of the e-mails sent so far, sorted; then forget them."""
    recipients = sorted(address for message in mail.outbox for address in message.to)
    mail.outbox.clear()
    return recipients


def job(name):
    return next(job for job in registered_jobs() if job.name == name).func


def run(name, moment):
    with clock.frozen_at(moment):
        return job(name)(moment)


def log_in(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)


@pytest.fixture
def co_coordinator_a(bin_a):
    """A co-coordinator of BIN A: one of "the BIN's other coordinators"."""
    return factories.RoleFactory(role=Role.CO_COORDINATOR, network=bin_a).user


@pytest.fixture
def members(bin_a):
    return [factories.MembershipFactory(network=bin_a).user for _ in range(2)]


def police_message(officer, network):
    """A police message submitted at NOW, waiting for the BIN's coordinators."""
    with clock.frozen_at(NOW), TestCase.captureOnCommitCallbacks(execute=True):
        draft = compose.create_draft(
            officer, kind=MessageKind.FEEDBACK, networks=[network], variants=TEXT
        )
        [message] = compose.submit_message(draft, officer, now=NOW)
    mail.outbox.clear()
    return message


# --- Police messages ----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_ignored_police_message_reminds_the_coordinator_once_then_hands_over_once(
    bin_a, coordinator_a, co_coordinator_a, officer_a, members
):
    message = police_message(officer_a, bin_a)
    assert message.state == MessageState.AWAITING_FORWARD

    assert run("messaging.escalate", NOW + 47 * HOUR) == 0
    assert sent_to() == []

    assert run("messaging.escalate", NOW + 48 * HOUR) == 1
    [reminder] = mail.outbox
    assert reminder.to == [coordinator_a.email]
    assert reminder.subject == nl(
        "Reminder: something in %(name)s waits for you", name="BIN Centrum"
    )
    assert f"/nl/staff/messages/{message.pk}/" in reminder.body
    assert "101" in reminder.body
    assert sent_to() == [coordinator_a.email]
    assert run("messaging.escalate", NOW + 49 * HOUR) == 0
    assert run("messaging.escalate", NOW + 95 * HOUR) == 0
    assert sent_to() == []

    assert run("messaging.escalate", NOW + 96 * HOUR) == 1
    [handover, _] = mail.outbox
    assert handover.subject == nl("Not handled in time in %(name)s", name="BIN Centrum")
    # The default plan does not let the officer send it.
    allows = nl(
        "The communication plan allows the officer to send this police message to the members "
        "directly. The message page offers it."
    )
    assert " ".join(allows.split()[:6]) not in " ".join(handover.body.split())
    assert sent_to() == sorted([co_coordinator_a.email, officer_a.email])
    assert run("messaging.escalate", NOW + 200 * HOUR) == 0
    assert sent_to() == []

    entries = AuditEntry.objects.filter(action__startswith="escalation.").order_by("seq")
    assert [(e.action, e.actor_id, e.actor_role, e.subjects) for e in entries] == [
        ("escalation.reminded", None, "system", [coordinator_a.pk]),
        (
            "escalation.handed_over",
            None,
            "system",
            sorted([co_coordinator_a.pk, officer_a.pk]),
        ),
    ]
    assert {(e.object_type, e.object_id, e.details["kind"]) for e in entries} == {
        ("messaging.message", str(message.pk), "messaging.forward")
    }
    message.refresh_from_db()
    assert (message.reminded_at, message.handed_over_at) == (NOW + 48 * HOUR, NOW + 96 * HOUR)
    with translation.override("en"):
        lines = [str(line) for line in waiting.trail(message)]
    assert lines == [
        f"Reminder sent to {coordinator_a.full_name} on March 3, 2027.",
        f"Handed over to {co_coordinator_a.full_name}, {officer_a.full_name} on March 5, 2027.",
    ]


@pytest.mark.django_db
def test_a_forwarded_message_is_never_reminded(bin_a, coordinator_a, officer_a, members):
    message = police_message(officer_a, bin_a)
    with clock.frozen_at(NOW + HOUR), TestCase.captureOnCommitCallbacks(execute=True):
        compose.decline_message(message, coordinator_a, reason="Al gemeld.")
    mail.outbox.clear()
    assert run("messaging.escalate", NOW + 100 * HOUR) == 0
    assert sent_to() == []


@pytest.mark.django_db
def test_the_deadline_is_the_zones_setting(zone, bin_a, coordinator_a, officer_a, members):
    zone.deadline_forward_hours = 4
    zone.save(update_fields=["deadline_forward_hours"])
    police_message(officer_a, bin_a)
    assert run("messaging.escalate", NOW + 3 * HOUR) == 0
    assert run("messaging.escalate", NOW + 4 * HOUR) == 1
    assert sent_to() == [coordinator_a.email]


@pytest.mark.django_db
def test_the_reminder_is_written_in_the_recipients_language(bin_a, coordinator_a, officer_a):
    coordinator_a.language = "fr"
    coordinator_a.save(update_fields=["language"])
    police_message(officer_a, bin_a)
    run("messaging.escalate", NOW + 48 * HOUR)
    [reminder] = mail.outbox
    assert "/fr/staff/messages/" in reminder.body


@pytest.mark.django_db(transaction=True)
def test_the_officer_sends_an_overdue_message_when_the_plan_allows_it(
    client, bin_a, coordinator_a, officer_a, members
):
    save_plan(
        bin_a,
        officer_a,
        police_direct_to_members=False,
        coordinator_needs_approval=False,
        allowed_kinds={"police": ["feedback"], "coordinator": []},
        officer_sends_overdue=True,
    )
    assert current_plan(bin_a).officer_sends_overdue is True
    message = police_message(officer_a, bin_a)
    assert messaging_escalation.may_send_overdue(message, officer_a) is False
    run("messaging.escalate", NOW + 96 * HOUR)
    handover = next(m for m in mail.outbox if m.to == [officer_a.email])
    allows = nl(
        "The communication plan allows the officer to send this police message to the members "
        "directly. The message page offers it."
    )
    assert allows in " ".join(handover.body.split())
    message.refresh_from_db()
    assert messaging_escalation.may_send_overdue(message, officer_a) is True
    assert messaging_escalation.may_send_overdue(message, coordinator_a) is False

    log_in(client, officer_a)
    page = client.get(f"/nl/staff/messages/{message.pk}/")
    assert b"send-overdue/" in page.content
    with clock.frozen_at(NOW + 97 * HOUR):
        response = client.post(f"/nl/staff/messages/{message.pk}/send-overdue/")
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.state == MessageState.QUEUED
    assert Delivery.objects.filter(message=message).count() == 2
    assert message.variants.get().body_text.startswith(
        nl(
            "This message comes to you from the police directly: the coordinator did not "
            "forward it in time."
        )
        + "\n\n"
    )
    assert list(message.events.values_list("state", "actor_id"))[-2:] == [
        (MessageState.FORWARDED, officer_a.pk),
        (MessageState.QUEUED, officer_a.pk),
    ]
    assert AuditEntry.objects.filter(
        action="messaging.send_overdue", actor_id=officer_a.pk, actor_role="officer"
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_without_the_plans_leave_the_officer_may_not_send_it(
    client, bin_a, coordinator_a, officer_a, members
):
    message = police_message(officer_a, bin_a)
    run("messaging.escalate", NOW + 96 * HOUR)
    message.refresh_from_db()
    assert message.handed_over_at is not None
    assert messaging_escalation.may_send_overdue(message, officer_a) is False
    log_in(client, officer_a)
    assert b"send-overdue/" not in client.get(f"/nl/staff/messages/{message.pk}/").content
    assert client.post(f"/nl/staff/messages/{message.pk}/send-overdue/").status_code == 403
    message.refresh_from_db()
    assert message.state == MessageState.AWAITING_FORWARD


@pytest.mark.django_db
def test_the_plan_page_shows_and_saves_the_officers_leave(client, bin_a, officer_a):
    log_in(client, officer_a)
    page = client.get("/nl/staff/messages/plan/centrum/").content.decode()
    assert (
        nl(
            "A police message goes to the members only through the coordinators, even when "
            "they do not forward it in time."
        )
        in page
    )
    response = client.post(
        "/nl/staff/messages/plan/centrum/",
        {"officer_sends_overdue": "on", "police_kinds": ["feedback"]},
    )
    assert response.status_code == 302
    assert current_plan(bin_a).officer_sends_overdue is True
    page = client.get("/nl/staff/messages/plan/centrum/").content.decode()
    assert (
        nl(
            "When the coordinators have not forwarded a police message in twice the zone's "
            "deadline, the officer may send it to the members directly."
        )
        in page
    )


@pytest.mark.django_db
def test_the_message_page_shows_the_reminder_and_the_hand_over(
    client, bin_a, coordinator_a, officer_a
):
    message = police_message(officer_a, bin_a)
    run("messaging.escalate", NOW + 48 * HOUR)
    run("messaging.escalate", NOW + 96 * HOUR)
    log_in(client, coordinator_a)
    page = client.get(f"/nl/staff/messages/{message.pk}/").content.decode()
    reminded = nl(
        "Reminder sent to %(people)s on %(date)s.",
        people=coordinator_a.full_name,
        date="3 maart 2027",
    )
    handed_over = nl(
        "Handed over to %(people)s on %(date)s.", people=officer_a.full_name, date="5 maart 2027"
    )
    assert reminded in page
    assert handed_over in page


# --- Sign-ups and measures ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_sign_up_waiting_for_approval_reminds_then_hands_over(
    client, bin_a, coordinator_a, co_coordinator_a, officer_a
):
    signup = factories.MembershipFactory(
        network=bin_a, status=MembershipStatus.PENDING, confirmed_at=NOW, approved_at=None
    )
    # Not confirmed yet: nobody can approve it, so nothing waits.
    factories.MembershipFactory(
        network=bin_a, status=MembershipStatus.PENDING, confirmed_at=None, approved_at=None
    )
    assert run("members.escalate", NOW + 7 * DAY - HOUR) == 0
    assert run("members.escalate", NOW + 7 * DAY) == 1
    assert sent_to() == [coordinator_a.email]
    assert run("members.escalate", NOW + 8 * DAY) == 0
    assert run("members.escalate", NOW + 14 * DAY) == 1
    assert sent_to() == sorted([co_coordinator_a.email, officer_a.email])
    assert run("members.escalate", NOW + 30 * DAY) == 0
    assert sent_to() == []
    log_in(client, coordinator_a)
    page = client.get(f"/nl/staff/members/centrum/{signup.pk}/").content.decode()
    reminded = nl(
        "Reminder sent to %(people)s on %(date)s.",
        people=coordinator_a.full_name,
        date="8 maart 2027",
    )
    assert reminded in page


@pytest.mark.django_db
def test_a_proposed_measure_reminds_the_other_side_then_hands_over(bin_a, coordinator_a, officer_a):
    membership = factories.MembershipFactory(network=bin_a)
    with clock.frozen_at(NOW):
        propose_measure(coordinator_a, membership, MeasureKind.WRITTEN_REPRIMAND, "Herhaald.")
    mail.outbox.clear()
    assert run("members.escalate", NOW + 6 * DAY) == 0
    assert run("members.escalate", NOW + 7 * DAY) == 1
    assert sent_to() == [officer_a.email]
    assert run("members.escalate", NOW + 14 * DAY) == 1
    # The proposer's side is told that it still waits.
    assert sent_to() == [coordinator_a.email]
    assert run("members.escalate", NOW + 15 * DAY) == 0


# --- Evaluations --------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unsigned_evaluation_reminds_once_after_the_deadline_then_hands_over(
    bin_a, coordinator_a, officer_a
):
    opened = datetime.datetime(2026, 1, 1, 6, tzinfo=UTC)
    with clock.frozen_at(opened):
        evaluation = evaluation_services.open_evaluation(bin_a, 2025)
        evaluation_services.sign_evaluation(evaluation, officer_a)
    mail.outbox.clear()
    # The period ended on 31 December 2025; the zone's deadline is 30 days after it. The
    # old reminder every 14 days is gone: nothing before the deadline.
    assert run("evaluation.remind", opened + 15 * DAY) == 0
    assert run("evaluation.remind", datetime.datetime(2026, 1, 31, 0, tzinfo=UTC)) == 1
    assert sent_to() == [coordinator_a.email]
    assert run("evaluation.remind", datetime.datetime(2026, 2, 14, 0, tzinfo=UTC)) == 0
    assert run("evaluation.remind", datetime.datetime(2026, 3, 2, 0, tzinfo=UTC)) == 1
    assert sent_to() == [officer_a.email]
    assert run("evaluation.remind", datetime.datetime(2026, 6, 1, 0, tzinfo=UTC)) == 0
    assert sent_to() == []
    reminded = AuditEntry.objects.get(action="escalation.reminded")
    assert (reminded.actor_role, reminded.subjects, reminded.details) == (
        "system",
        [coordinator_a.pk],
        {"kind": "evaluation.sign"},
    )
    assert len(waiting.trail(evaluation)) == 2


@pytest.mark.django_db
def test_a_signed_evaluation_is_not_reminded(bin_a, coordinator_a, officer_a):
    with clock.frozen_at(datetime.datetime(2026, 1, 1, 6, tzinfo=UTC)):
        evaluation = evaluation_services.open_evaluation(bin_a, 2025)
        evaluation_services.sign_evaluation(evaluation, officer_a)
        evaluation.refresh_from_db()
        evaluation_services.sign_evaluation(evaluation, coordinator_a)
    mail.outbox.clear()
    assert evaluation_escalation.escalate_evaluations(NOW) == 0
    assert sent_to() == []


# --- Two workers --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_refused_e_mail_undoes_the_step_so_the_next_run_sends_it(
    settings, bin_a, coordinator_a, officer_a
):
    message = police_message(officer_a, bin_a)
    sink = SmtpSink().start()
    try:
        settings.MAILERS = sink.mailers()
        sink.fail_next(1, "451 4.3.0 try later")
        with pytest.raises(smtplib.SMTPException):
            run("messaging.escalate", NOW + 48 * HOUR)
        message.refresh_from_db()
        assert message.reminded_at is None
        assert not AuditEntry.objects.filter(action="escalation.reminded").exists()
        assert run("messaging.escalate", NOW + 49 * HOUR) == 1
        assert run("messaging.escalate", NOW + 50 * HOUR) == 0
    finally:
        sink.stop()
    assert [received.rcpt_tos for received in sink.envelopes] == [[coordinator_a.email]]
    assert sink.envelopes[0].message["Subject"] == nl(
        "Reminder: something in %(name)s waits for you", name="BIN Centrum"
    )


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_step_once(bin_a, coordinator_a, officer_a, members):
    messages = [police_message(officer_a, bin_a) for _ in range(5)]
    start = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            start.wait()
            results.append(messaging_escalation.escalate_messages(NOW + 100 * HOUR))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    # Five messages, two steps each, shared between the workers.
    assert sum(results) == 10
    assert sorted(address for m in mail.outbox for address in m.to) == sorted(
        [coordinator_a.email] * 5 + [officer_a.email] * 5
    )
    assert AuditEntry.objects.filter(action__startswith="escalation.").count() == 10
    assert all(
        m.reminded_at and m.handed_over_at
        for m in Message.objects.filter(pk__in=[m.pk for m in messages])
    )
