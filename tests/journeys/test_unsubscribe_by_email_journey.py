"""Journey 2: a member leaves by sending an e-mail to the mailto: address of the message's
List-Unsubscribe header. The e-mail travels over SMTP to the zone's mail server (aiosmtpd) into
a Maildir, which `nabuur process_bounces --maildir` reads; the member then sees on their
preferences page that they left, and receives the confirmation e-mail.
"""

import io
import re
import smtplib
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from nabuur.members.models import EndReason, MembershipStatus
from tests import factories
from tests.smtp_sink import free_port
from tests.test_smtp_unsubscribe import MaildirDelivery

from .conftest import run_the_worker
from .fixtures import PLACES, TIPS, make_bin, send_tip


@pytest.fixture
def zone_mail_server(tmp_path):
    """The zone's own mail server, which receives the unsubscribe+… addresses into a Maildir."""
    handler = MaildirDelivery(tmp_path / "Maildir")
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler.box, controller.port
    controller.stop()


@pytest.mark.parametrize(
    ("language", "device"), [("nl", "phone"), ("fr", "desktop")], ids=["nl-phone", "fr-desktop"]
)
def test_a_member_unsubscribes_by_email_and_sees_they_left(
    journey_factory, transactional_db, zone_mail_server, language, device
):
    journey = journey_factory(language, device)
    t, mail = journey.t, journey.mail
    place = PLACES[language]
    data = make_bin(place, language)
    network = data["network"]
    membership = factories.MembershipFactory(
        network=network,
        street=data["street"],
        house_number=14,
        user__email="jan.peeters@example.org",
        user__first_name="Jan",
        user__language=language,
    )
    email = membership.user.email

    # The coordinator's tip arrives.
    send_tip(network, data["coordinator"], [language])
    run_the_worker()
    tip = mail.newest(email, subject=TIPS[language][0])

    # Before: the e-mail's preferences link shows the membership.
    member = journey.person()
    page = member.page
    preferences_path = mail.link(tip, rf"/{language}/u/[0-9a-f]{{48}}/")
    member.goto(preferences_path)
    member.check(t("Your preferences"))
    assert t("You receive the messages of this network.") in member.main_text()

    # The member's mail program writes to the mailto: address of List-Unsubscribe.
    address = re.search(r"<mailto:([^>]+)>", tip["List-Unsubscribe"]).group(1)
    assert re.fullmatch(r"unsubscribe\+[0-9a-f]{48}@\S+", address), address
    box, port = zone_mail_server
    request = EmailMessage()
    request["From"] = email
    request["To"] = address
    request["Subject"] = "unsubscribe"
    request.set_content("")
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.send_message(request)
    assert len(box) == 1

    # The zone's mail intake runs (as cron or the worker would).
    out = io.StringIO()
    call_command("process_bounces", maildir=box._path, stdout=out)
    assert "unsubscriptions taken in: 1" in out.getvalue(), out.getvalue()
    assert len(box) == 0
    membership.refresh_from_db()
    assert (membership.status, membership.end_reason) == (MembershipStatus.LEFT, EndReason.LEFT)

    # After: the same link says they left …
    page.reload()
    member.check(t("Your preferences"))
    assert (
        t(
            "You are no longer a member of %(networks)s: you receive none of its messages.",
            networks=network.name,
        )
        in member.main_text()
    )
    # … and the confirmation e-mail has come, in their language.
    run_the_worker()
    confirmation = mail.newest(email)
    assert confirmation["Subject"] == t("You left %(name)s", name=network.name)
    assert t(
        "You are no longer a member of %(network)s and will receive no more of its "
        "messages. Your coordinator has been told.",
        network=network.name,
    ) in " ".join(mail.text(confirmation).split())
    journey.assert_pages_passed()
