"""Journey 3: an officer writes a prevention message to two BINs and confirms whom it reaches;
it goes out as one message per BIN, which each BIN's coordinator forwards (one with a note).
The members receive it over SMTP (aiosmtpd), one address bounces (a delivery report that
`nabuur process_bounces --maildir` takes in), and the officer's page of each part shows every
outcome and ends "sent".
"""

import io
import smtplib

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import translation
from django.utils.formats import localize
from django.utils.text import capfirst
from django.utils.translation import ngettext

from nabuur.lib import typography
from nabuur.messaging.models import DeliveryState, Message, MessageState
from nabuur.staff.models import Role
from tests import factories
from tests.smtp_sink import free_port
from tests.test_smtp_unsubscribe import MaildirDelivery

from .conftest import run_the_worker, squash
from .fixtures import PLACES, make_bin

SUBJECTS = {"nl": "Fietsdiefstal in de wijk", "fr": "Vols de vélos dans le quartier"}
BODIES = {
    "nl": "Registreer uw fiets: https://www.politie.be/5344/fiets.",
    "fr": "Enregistrez votre vélo : https://www.politie.be/5344/fiets.",
}
NOTES = {"nl": "Beste buren, dit geldt ook voor onze straat.", "fr": "Chers voisins, à lire."}
BOUNCING = "onbekend@example.org"


@pytest.fixture
def zone_mail_server(tmp_path):
    """The zone's own mail server, which receives the bounces+… addresses into a Maildir."""
    handler = MaildirDelivery(tmp_path / "Maildir")
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler.box, controller.port
    controller.stop()


def delivery_report(bounce_address, recipient):
    """What the relay sends back for an address that does not exist: a DSN (RFC 3464)."""
    return (
        f"From: MAILER-DAEMON@relay.example.org (Mail Delivery System)\r\n"
        f"To: {bounce_address}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
        "\r\n--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "Your message could not be delivered.\r\n"
        "\r\n--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; relay.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        "\r\n--b1--\r\n"
    )


@pytest.mark.parametrize(
    ("language", "device"), [("nl", "phone"), ("fr", "desktop")], ids=["nl-phone", "fr-desktop"]
)
def test_an_officer_writes_to_two_bins_and_sees_every_outcome(
    journey_factory, transactional_db, zone_mail_server, language, device
):
    journey = journey_factory(language, device)
    t, mail = journey.t, journey.mail
    place = PLACES[language]
    data = make_bin(place, language)
    centre = data["network"]
    other = factories.NetworkFactory(
        municipality=centre.municipality, name=f"{place.bin_name} 2", slug=f"{place.bin_slug}-2"
    )
    factories.SegmentFactory(network=other, street=data["street"], number_from=100, number_to=120)
    other_coordinator = factories.RoleFactory(
        role=Role.COORDINATOR, network=other, user__language=language
    ).user
    officer = factories.RoleFactory(
        role=Role.OFFICER, network=centre, user__first_name="Jan", user__language=language
    ).user
    factories.RoleFactory(role=Role.OFFICER, network=other, user=officer)

    def member(network, email, number):
        return factories.MembershipFactory(
            network=network,
            street=data["street"],
            house_number=number,
            user__email=email,
            user__language=language,
        ).user

    reader = member(centre, "lezer@example.org", 12)
    member(centre, BOUNCING, 14)
    neighbour = member(other, "buur@example.org", 102)
    member(other, None, 104)  # no e-mail address: a letter

    # The officer writes: the composer offers the BINs and the classes the plans allow.
    officer_person = journey.person()
    page = officer_person.page
    officer_person.log_in(officer, second_factor=True)
    officer_person.goto(f"/{language}/staff/messages/new/")
    officer_person.check(t("Write a message"))
    for network in (centre, other):
        page.locator(f"input[name=networks][value='{network.pk}']").check()
    page.locator("input[name=kind][value=prevention]").check()
    for code in ("nl", "fr"):
        if page.locator(f"input[name=subject_{code}]").count():
            page.locator(f"input[name=subject_{code}]").fill(SUBJECTS[code])
            page.locator(f"textarea[name=body_{code}]").fill(BODIES[code])
    with page.expect_navigation():
        page.get_by_role("button", name=t("Save the draft")).click()
    draft = Message.objects.get()
    officer_person.check(page.locator("h1").inner_text())
    # The address written out in the text is a link in the preview.
    assert page.locator(".preview a").first.get_attribute("href") == (
        "https://www.politie.be/5344/fiets"
    )

    # Sending first says whom each part reaches, per BIN and channel.
    officer_person.submit(
        page.get_by_role("button", name=t("Send the message")),
        f"/{language}/staff/messages/{draft.pk}/submit/",
    )
    officer_person.check(t("Check whom the message reaches"))
    draft.refresh_from_db()
    assert draft.state == MessageState.DRAFT
    rows = [" ".join(row.split()) for row in page.locator("tbody tr").all_inner_texts()]
    assert rows == [f"{centre.name} 2 0 —", f"{other.name} 1 1 —"], rows
    officer_person.submit(
        page.get_by_role("button", name=t("Confirm and send")),
        f"/{language}/staff/messages/{draft.pk}/",
    )
    officer_person.check(page.locator("h1").inner_text())
    first, second = Message.objects.order_by("pk")
    assert page.locator(".parts a").all_inner_texts() == [centre.name, other.name]

    # Each BIN's coordinator forwards their own part, one with a note.
    for coordinator, part, note in (
        (data["coordinator"], first, NOTES[language]),
        (other_coordinator, second, ""),
    ):
        person = journey.person()
        person.log_in(coordinator, second_factor=True)
        person.goto(f"/{language}/staff/messages/{part.pk}/")
        person.check(person.page.locator("h1").inner_text())
        if note:
            person.page.locator("textarea[name=note]").fill(note)
        person.submit(
            person.page.get_by_role("button", name=t("Forward to the members")),
            f"/{language}/staff/messages/{part.pk}/",
        )
        person.check(person.page.locator("h1").inner_text())
        preview = " ".join(person.page.locator(".preview").first.inner_text().split())
        if note:
            assert preview.count(note) == 1, preview

    # The worker sends over SMTP; the members receive it, the note above the police's text.
    run_the_worker()
    received = mail.newest(reader.email)
    assert received["Subject"] in SUBJECTS.values()
    assert NOTES[language] in mail.text(received)
    html = received.get_body(("html",)).get_content()
    assert 'href="https://www.politie.be/5344/fiets"' in html
    assert mail.newest(neighbour.email)["Subject"] in SUBJECTS.values()

    # One address does not exist: the relay's report reaches the zone's mail intake.
    [bounced] = [e for e in mail.sink.envelopes if BOUNCING in e.rcpt_tos]
    box, port = zone_mail_server
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.sendmail("", [bounced.mail_from], delivery_report(bounced.mail_from, BOUNCING))
    out = io.StringIO()
    call_command("process_bounces", maildir=box._path, stdout=out)
    assert first.deliveries.get(email=BOUNCING).state == DeliveryState.BOUNCED, out.getvalue()

    # The officer's page of each part shows every outcome; both parts end sent.
    officer_person.goto(f"/{language}/staff/messages/{first.pk}/")
    officer_person.check(page.locator("h1").inner_text())
    facts = " ".join(page.locator("#progress-heading + p + dl").inner_text().split())
    for label, count in ((t("delivered"), 1), (t("bounced"), 1)):
        assert f"{capfirst(label)} {localize(count)}" in facts, facts
    parts = [squash(item) for item in page.locator(".parts li").all_inner_texts()]
    with translation.override(language):
        sent = capfirst(t("sent"))
        colon = typography.colon()
        summaries = [
            ngettext(
                "%(sent)s of %(total)s e-mail sent.", "%(sent)s of %(total)s e-mails sent.", total
            )
            % {"sent": 1, "total": total}
            for total in (2, 1)
        ]
    assert parts == [
        f"{centre.name}{colon} {sent}. {summaries[0]}",
        f"{other.name}{colon} {sent}. {summaries[1]}",
    ], parts
    officer_person.goto(f"/{language}/staff/messages/{second.pk}/")
    officer_person.check(page.locator("h1").inner_text())
    assert t("Recipients by letter") in officer_person.main_text()
    for part in (first, second):
        part.refresh_from_db()
        assert part.state == MessageState.SENT
    journey.assert_pages_passed()
