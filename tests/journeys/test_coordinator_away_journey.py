"""Journey 7: the coordinator is away (issue 16). An officer writes a police message that the
BIN's plan has the coordinator forward; nobody does. On the pinned clock the worker reminds the
coordinator past the zone's 48 h and tells the other coordinator and the officer past 96 h;
the plan lets the officer then send it to the members directly, and the message says so.
A member replies to it by e-mail (SMTP to the zone's mail server, a Maildir that
`nabuur process_bounces --maildir` reads): the member gets the automatic answer, the officer
the urgent-looking reply, and the coordinator marks it handled. An out-of-office notice gets
no answer, and no member reaches the replies page.
"""

import datetime
import io
import smtplib
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import translation
from django.utils.formats import date_format
from django.utils.timezone import localtime

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.messaging.models import Message, MessageState, Reply
from nabuur.messaging.plans import save_plan
from nabuur.staff.models import Role
from tests import factories
from tests.smtp_sink import free_port
from tests.test_smtp_unsubscribe import MaildirDelivery

from .conftest import run_the_worker, squash
from .fixtures import PLACES, make_bin

# Monday 1 March 2027, 10:00 in Brussels: the officer writes.
START = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)

SUBJECTS = {"nl": "Inbraken in de wijk", "fr": "Cambriolages dans le quartier"}
BODIES = {
    "nl": "Er werd deze week twee keer ingebroken. Sluit uw ramen en deuren, ook overdag.",
    "fr": "Deux cambriolages cette semaine. Fermez vos fenêtres et portes, même en journée.",
}
# A member's answer that reads like a report for the police.
URGENT = {
    "nl": "Er loopt nu een verdachte man rond met een koevoet, hij probeert in te breken.",
    "fr": "Un homme suspect rôde maintenant avec un pied-de-biche, il essaie d'entrer.",
}
OUT_OF_OFFICE = {
    "nl": "Afwezig: ik ben terug op 15 maart",
    "fr": "Réponse automatique : absent jusqu'au 15 mars",
}
SENT_DIRECTLY = (
    "This message comes to you from the police directly: the coordinator did not forward it "
    "in time."
)


@pytest.fixture
def zone_mail_server(tmp_path):
    """The zone's own mail server, which receives the reply+… addresses into a Maildir."""
    handler = MaildirDelivery(tmp_path / "Maildir")
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler.box, controller.port
    controller.stop()


@pytest.fixture
def pinned_clock():
    """The site's clock (the live server's too: the same process) starts at START."""
    clock.set_now(START)
    yield clock.set_now
    clock.set_now(None)


def answer(received, sender, text, subject=None, headers=None):
    """What the member's mail program sends when they press "Reply": to the Reply-To."""
    original = received
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = original["Reply-To"]
    reply["Subject"] = subject or f"Re: {original['Subject']}"
    reply["Message-ID"] = f"<{abs(hash((sender, text)))}@mail.example.org>"
    reply["In-Reply-To"] = original["Message-ID"]
    for name, value in (headers or {}).items():
        reply[name] = value
    reply.set_content(f"{text}\n\n> {original['Subject']}\n")
    return reply


def one_line(text):
    """A subject as lib.mail.send_email writes it on one line: it collapses every run of white
    space, the French no-break space before ":" included."""
    return " ".join(str(text).split())


def subject_of(message):
    """The subject as a mail program shows it (a long one is folded after "Subject:")."""
    return one_line(message["Subject"])


def send_to_zone(zone_mail_server, message):
    _box, port = zone_mail_server
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.send_message(message)


def take_in_replies(zone_mail_server):
    """The zone's mail intake runs (as cron or the worker would)."""
    box, _port = zone_mail_server
    out = io.StringIO()
    call_command("process_bounces", maildir=box._path, stdout=out)
    return out.getvalue()


def day(language, moment):
    """A date as the pages and e-mails in `language` write it."""
    with translation.override(language):
        return date_format(localtime(moment), "DATE_FORMAT")


@pytest.mark.parametrize(
    ("language", "device"), [("nl", "phone"), ("fr", "desktop")], ids=["nl-phone", "fr-desktop"]
)
def test_a_police_message_left_waiting_reaches_the_members_and_their_replies_are_handled(
    journey_factory, transactional_db, zone_mail_server, pinned_clock, language, device
):
    journey = journey_factory(language, device)
    t, mail = journey.t, journey.mail
    place = PLACES[language]
    data = make_bin(place, language)
    network, coordinator = data["network"], data["coordinator"]
    # A BIN that began this year: last year's evaluation is not waiting too.
    network.start_date = START.date().replace(month=1, day=15)
    network.save(update_fields=["start_date"])
    co_coordinator = factories.RoleFactory(
        role=Role.CO_COORDINATOR,
        network=network,
        user__first_name="Piet",
        user__last_name="Claes",
        user__language=language,
    ).user
    officer = factories.RoleFactory(
        role=Role.OFFICER,
        network=network,
        user__first_name="Jan",
        user__last_name="Wouters",
        user__language=language,
    ).user
    # The plan: police messages go through the coordinators, but when they are not forwarded
    # in time the officer may send them directly.
    save_plan(
        network,
        officer,
        police_direct_to_members=False,
        coordinator_needs_approval=False,
        allowed_kinds={"police": ["feedback", "prevention"], "coordinator": ["prevention"]},
        officer_sends_overdue=True,
    )

    def member(email, first_name, number):
        return factories.MembershipFactory(
            network=network,
            street=data["street"],
            house_number=number,
            user__email=email,
            user__first_name=first_name,
            user__language=language,
        ).user

    replier = member("an.peeters@example.org", "An", 12)
    holidaymaker = member("bart.maes@example.org", "Bart", 14)

    # 1. The officer writes a police message; it waits for the coordinator.
    officer_person = journey.person()
    page = officer_person.page
    officer_person.log_in(officer, second_factor=True)
    officer_person.goto(f"/{language}/staff/messages/new/")
    officer_person.check(t("Write a message"))
    if page.locator(f"input[name=networks][value='{network.pk}']").count():
        page.locator(f"input[name=networks][value='{network.pk}']").check()
    page.locator("input[name=kind][value=feedback]").check()
    for code in ("nl", "fr"):
        if page.locator(f"input[name=subject_{code}]").count():
            page.locator(f"input[name=subject_{code}]").fill(SUBJECTS[code])
            page.locator(f"textarea[name=body_{code}]").fill(BODIES[code])
    with page.expect_navigation():
        page.get_by_role("button", name=t("Save the draft")).click()
    message = Message.objects.get()
    officer_person.check(page.locator("h1").inner_text())
    officer_person.submit(
        page.get_by_role("button", name=t("Send the message")),
        f"/{language}/staff/messages/{message.pk}/submit/",
    )
    officer_person.check(t("Check whom the message reaches"))
    officer_person.submit(
        page.get_by_role("button", name=t("Confirm and send")),
        f"/{language}/staff/messages/{message.pk}/",
    )
    officer_person.check(page.locator("h1").inner_text())
    message.refresh_from_db()
    assert message.state == MessageState.AWAITING_FORWARD
    run_the_worker()
    # The BIN's coordinators are told that it waits for them (the ordinary e-mail).
    assert sorted(address for envelope in mail.sink.envelopes for address in envelope.rcpt_tos) == (
        sorted([coordinator.email, co_coordinator.email])
    )
    told_at_start = len(mail.sink.envelopes)

    # A quarter of an hour before the deadline (the job's round) the worker stays silent.
    pinned_clock(START + 48 * HOUR - 15 * MINUTE)
    run_the_worker()
    assert len(mail.sink.envelopes) == told_at_start

    # Past 48 h the coordinator is reminded, once, with a link to the message.
    pinned_clock(START + 48 * HOUR + MINUTE)
    run_the_worker()
    reminder_subject = one_line(
        t("Reminder: something in %(name)s waits for you", name=network.name)
    )
    reminders = [m for m in mail.to(coordinator.email) if subject_of(m) == reminder_subject]
    assert len(reminders) == 1
    assert mail.link(reminders[0], rf"/{language}/staff/messages/{message.pk}/")
    new = mail.sink.envelopes[told_at_start:]
    assert [envelope.rcpt_tos for envelope in new] == [[coordinator.email]]
    pinned_clock(START + 72 * HOUR)
    run_the_worker()
    assert len(mail.sink.envelopes) == told_at_start + 1

    # Past 96 h the other coordinator and the officer are told, once; the plan's leave is said.
    pinned_clock(START + 96 * HOUR + MINUTE)
    run_the_worker()
    handed_over_subject = t("Not handled in time in %(name)s", name=network.name)
    new = mail.sink.envelopes[told_at_start + 1 :]
    assert sorted(address for envelope in new for address in envelope.rcpt_tos) == sorted(
        [co_coordinator.email, officer.email]
    )
    handover = mail.newest(officer.email, subject=handed_over_subject)
    assert mail.newest(co_coordinator.email, subject=handed_over_subject)
    assert squash(
        t(
            "The communication plan allows the officer to send this police message to the "
            "members directly. The message page offers it."
        )
    ) in squash(mail.text(handover))
    entries = AuditEntry.objects.filter(action__startswith="escalation.").order_by("seq")
    assert [(entry.action, entry.subjects) for entry in entries] == [
        ("escalation.reminded", [coordinator.pk]),
        ("escalation.handed_over", sorted([co_coordinator.pk, officer.pk])),
    ]

    # The officer opens the hand-over's link: the page shows both steps and offers to send.
    officer_person.goto(mail.link(handover, rf"/{language}/staff/messages/{message.pk}/"))
    officer_person.check(page.locator("h1").inner_text())
    trail = [squash(line) for line in page.locator(".escalation-trail li").all_inner_texts()]
    assert trail == [
        t(
            "Reminder sent to %(people)s on %(date)s.",
            people=coordinator.full_name,
            date=day(language, START + 48 * HOUR + MINUTE),
        ),
        t(
            "Handed over to %(people)s on %(date)s.",
            people=f"{co_coordinator.full_name}, {officer.full_name}",
            date=day(language, START + 96 * HOUR + MINUTE),
        ),
    ]
    pinned_clock(START + 97 * HOUR)
    officer_person.submit(
        page.get_by_role("button", name=t("Send to the members now")),
        f"/{language}/staff/messages/{message.pk}/",
    )
    officer_person.check(page.locator("h1").inner_text())
    run_the_worker()
    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert (
        AuditEntry.objects.filter(
            action="messaging.send_overdue", actor_id=officer.pk, actor_role="officer"
        ).count()
        == 1
    )

    # Each member gets it once, and it says that it comes from the police directly.
    for person in (replier, holidaymaker):
        received = [m for m in mail.to(person.email) if subject_of(m) == SUBJECTS[language]]
        assert len(received) == 1, person.email
        text = squash(mail.text(received[0]))
        assert squash(t(SENT_DIRECTLY)) in text
        assert squash(BODIES[language]) in text
    police_message = mail.newest(replier.email, subject=SUBJECTS[language])

    # 2. A member replies from their own address; the zone's mail intake takes it in.
    pinned_clock(START + 98 * HOUR)
    before = len(mail.sink.envelopes)
    send_to_zone(zone_mail_server, answer(police_message, replier.email, URGENT[language]))
    out = take_in_replies(zone_mail_server)
    assert "replies taken in: 1" in out, out
    reply = Reply.objects.get()
    assert (reply.urgent, reply.automatic, reply.answered) == (True, False, True)
    new = mail.sink.envelopes[before:]
    # The automatic answer, only to the address the message went to, and the officer's alert.
    assert sorted(address for envelope in new for address in envelope.rcpt_tos) == sorted(
        [replier.email, officer.email]
    )
    [automatic_answer] = mail.to(replier.email)[-1:]
    assert subject_of(automatic_answer) == one_line(
        t("Your reply has arrived: for anything urgent, call the police")
    )
    assert automatic_answer["Auto-Submitted"] == "auto-replied"
    assert "112 BE" in mail.text(automatic_answer)
    alert = mail.newest(
        officer.email,
        subject=t("Urgent-looking e-mail reply from a member of %(network)s", network=network.name),
    )
    assert squash(URGENT[language]) in squash(mail.text(alert))
    # The officer's e-mail names no member: the page behind the login does.
    assert replier.email not in mail.text(alert)
    replies_path = f"/{language}/staff/messages/{message.pk}/replies/"
    assert mail.link(alert, replies_path) == replies_path
    # The officer follows the link: the page behind their login shows the reply, read by them.
    officer_person.goto(replies_path)
    officer_person.check(t("Replies"))
    assert squash(URGENT[language]) in officer_person.main_text()
    reply.refresh_from_db()
    assert (reply.read_by, reply.read_at, reply.handled_at) == (officer, START + 98 * HOUR, None)

    # 3. The other member's mail program answers by itself: kept, never answered.
    before = len(mail.sink.envelopes)
    send_to_zone(
        zone_mail_server,
        answer(
            mail.newest(holidaymaker.email, subject=SUBJECTS[language]),
            holidaymaker.email,
            "Ik ben met vakantie. / Je suis en vacances.",
            subject=OUT_OF_OFFICE[language],
            headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"},
        ),
    )
    out = take_in_replies(zone_mail_server)
    assert "replies taken in: 1" in out, out
    assert mail.sink.envelopes[before:] == []
    automatic = Reply.objects.get(delivery__user=holidaymaker)
    assert (automatic.automatic, automatic.answered, automatic.urgent) == (True, False, False)

    # The coordinator, back, finds the replies from the message page and marks one handled.
    pinned_clock(START + 99 * HOUR)
    coordinator_person = journey.person()
    coordinator_page = coordinator_person.page
    coordinator_person.log_in(coordinator, second_factor=True)
    coordinator_person.goto(f"/{language}/staff/messages/{message.pk}/")
    coordinator_person.check(coordinator_page.locator("h1").inner_text())
    coordinator_person.submit(
        coordinator_page.get_by_role("link", name=t("Members' replies by e-mail")), replies_path
    )
    coordinator_person.check(t("Replies"))
    urgent_card = coordinator_page.locator(f"#reply-{reply.pk}-heading").locator("..")
    assert squash(URGENT[language]) in squash(urgent_card.inner_text())
    coordinator_person.submit(
        urgent_card.get_by_role("button", name=t("Mark as handled")), replies_path
    )
    coordinator_person.check(t("Replies"))
    reply.refresh_from_db()
    assert (reply.handled_by, reply.handled_at) == (coordinator, START + 99 * HOUR)
    handled = squash(
        coordinator_page.locator(f"#reply-{reply.pk}-heading").locator("..").inner_text()
    )
    with translation.override(language):
        when = date_format(localtime(START + 99 * HOUR), "SHORT_DATETIME_FORMAT")
    assert t("by %(name)s on %(date)s", name=coordinator.full_name, date=when) in handled
    entry = AuditEntry.objects.get(action="messaging.reply_handled")
    assert (entry.actor_id, entry.subjects) == (coordinator.pk, [replier.pk])

    # 4. No member reaches the replies, not even their own: the page does not exist for them.
    member_person = journey.person()
    member_person.log_in(replier)
    member_person.goto(replies_path)
    member_person.check(member_person.page.locator("h1").inner_text(), status=404)
    assert URGENT[language] not in member_person.page.content()
    journey.assert_pages_passed()
