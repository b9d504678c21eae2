import datetime
import io
import mailbox
import re
import smtplib
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.lib.languages import LanguageRegime
from nabuur.members.models import MembershipStatus
from nabuur.messaging.delivery import deliver_due
from nabuur.messaging.models import Delivery, DeliveryState
from nabuur.messaging.services import queue_message

from . import factories
from .smtp_sink import SmtpSink, free_port
from .test_delivery import add_variant
from .test_outbox import make_message

NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)


def deliver_one(settings, bin_a, bin_b, language="nl", base_url="https://bin.example.be"):
    """(received e-mail, delivery, membership of A, membership of B, sink) for one e-mail
    delivered to a member of BIN A (also in B), who reads `language`, through an SMTP sink."""
    sink = SmtpSink().start()
    settings.MAILERS = sink.mailers()
    settings.BASE_URL = base_url
    bin_a.contact_email = "centrum@bin.example.be"
    bin_a.save(update_fields=["contact_email"])
    membership = factories.MembershipFactory(network=bin_a, user__language=language)
    other = factories.MembershipFactory(network=bin_b, user=membership.user)
    message = make_message(bin_a)
    add_variant(message)
    if language != "nl":
        add_variant(message, language, "Conseil de prévention", "Fermez vos fenêtres.")
    queue_message(message, now=NOW)
    with clock.frozen_at(NOW):
        deliver_due()
    return sink.envelopes[0], Delivery.objects.get(), membership, other, sink


@pytest.fixture
def delivered(settings, bin_a, bin_b):
    """One e-mail delivered to a member of BIN A (also in B) through a real SMTP sink."""
    *delivered, sink = deliver_one(settings, bin_a, bin_b)
    yield delivered
    sink.stop()


@pytest.fixture
def delivered_in_french(settings, municipality, bin_a, bin_b):
    """The same, in a bilingual Brussels municipality, to a member who reads French."""
    municipality.language_regime = LanguageRegime.BRUSSELS
    municipality.save(update_fields=["language_regime"])
    *delivered, sink = deliver_one(settings, bin_a, bin_b, language="fr")
    yield delivered
    sink.stop()


@pytest.mark.django_db
def test_the_list_headers_stay_one_line_of_plain_links_for_long_host_names(settings, bin_a, bin_b):
    domain = "buurtinformatienetwerken.politiezone-kempenland-noord.example.be"
    base = f"https://{domain}"
    settings.DEFAULT_FROM_EMAIL = f"BIN <bin@{domain}>"
    received, delivery, _membership, _other, sink = deliver_one(
        settings, bin_a, bin_b, base_url=base
    )
    sink.stop()
    head = received.data.split(b"\r\n\r\n")[0].decode()
    lines = {line.split(":")[0]: line for line in head.split("\r\n")}
    assert lines["List-Unsubscribe"] == (
        f"List-Unsubscribe: <{base}/nl/u/{delivery.token}/unsubscribe>, "
        f"<mailto:unsubscribe+{delivery.token}@{domain}>"
    )
    assert lines["List-Id"] == f"List-Id: BIN Centrum <centrum.bin.{domain}>"
    # Folding had made encoded words of both (and could split the token's marker).
    assert "=?utf-8?" not in head


@pytest.mark.django_db
def test_delivered_email_has_the_list_headers(delivered):
    received, delivery, membership, _ = delivered
    parsed = received.message
    token = delivery.token
    assert received.mail_from == f"bounces+{token}@localhost"
    assert received.rcpt_tos == [membership.user.email]
    assert parsed["To"] == membership.user.email
    assert parsed["Message-ID"] == f"<{delivery.message_id_header}>"
    # Replies come back to Nabuur, named by the delivery (tests/test_replies.py).
    assert parsed["Reply-To"] == f"reply+{token}@localhost"
    assert parsed["List-Id"] == "BIN Centrum <centrum.bin.localhost>"
    # The header is long enough to be folded; unfolded it reads:
    assert parsed["List-Unsubscribe"].strip() == (
        f"<https://bin.example.be/nl/u/{token}/unsubscribe>, <mailto:unsubscribe+{token}@localhost>"
    )
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed.get_content_type() == "multipart/alternative"
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "Sluit uw ramen." in text
    assert f"https://bin.example.be/nl/u/{token}/" in text
    # "Was this useful?": links that open the page; the vote itself is a button there.
    for answer in ("yes", "no"):
        url = f"https://bin.example.be/nl/u/{token}/useful?answer={answer}"
        assert f"\n{url}\n" in text.replace("\r\n", "\n")
        assert f'<a href="{url}">' in html
    assert '<html lang="nl">' in html
    assert "<img" not in html
    assert "112 BE" in text and "101" in text


@pytest.mark.django_db
def test_one_click_post_leaves_only_the_messages_bins(client, delivered):
    _, delivery, membership, other = delivered
    response = client.post(f"/nl/u/{delivery.token}/unsubscribe", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    membership.refresh_from_db()
    other.refresh_from_db()
    assert membership.status == MembershipStatus.LEFT
    assert other.status == MembershipStatus.ACTIVE
    # A second POST (mail providers retry) changes nothing and still succeeds.
    assert client.post(f"/nl/u/{delivery.token}/unsubscribe").status_code == 200
    # The member's withdrawal is on record, once, in their own name.
    left = AuditEntry.objects.get(action="members.left")
    assert (left.actor_id, left.actor_role, left.subjects, left.details) == (
        membership.user_id,
        "member",
        [membership.user_id],
        {"via": "link"},
    )


@pytest.mark.django_db
def test_unsubscribe_get_shows_a_button_and_changes_nothing(client, delivered):
    _, delivery, membership, _ = delivered
    response = client.get(f"/nl/u/{delivery.token}/unsubscribe")
    assert response.status_code == 200
    assert '<button type="submit">' in response.text
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


@pytest.mark.django_db
def test_unsubscribe_with_an_unknown_token_is_not_found(client, delivered):
    assert client.post(f"/nl/u/{'0' * 32}/unsubscribe").status_code == 404


# --- Unsubscribing by e-mail, through a real mail server --------------------------------------


class MaildirDelivery:
    """The zone's mail server: stores each accepted e-mail in a Maildir, one copy per recipient,
    with the Return-Path and Delivered-To headers a local delivery agent (Postfix) adds."""

    def __init__(self, path):
        self.box = mailbox.Maildir(path, create=True)

    async def handle_DATA(self, server, session, envelope):
        for recipient in envelope.rcpt_tos:
            trace = f"Return-Path: <{envelope.mail_from}>\r\nDelivered-To: {recipient}\r\n"
            self.box.add(trace.encode() + envelope.original_content)
        return "250 OK"


@pytest.fixture
def mail_server(tmp_path):
    handler = MaildirDelivery(tmp_path / "Maildir")
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler.box, controller.port
    controller.stop()


@pytest.mark.django_db
def test_a_member_unsubscribes_by_sending_an_email_to_the_list_unsubscribe_address(
    settings, delivered_in_french, mail_server
):
    received, delivery, membership, other = delivered_in_french
    box, port = mail_server
    # The member's mail program sends to the mailto: of List-Unsubscribe.
    header = received.message["List-Unsubscribe"]
    address = re.search(r"<mailto:([^>]+)>", header).group(1)
    assert address == f"unsubscribe+{delivery.token}@localhost"
    request = EmailMessage()
    request["From"] = membership.user.email
    request["To"] = address
    request["Subject"] = "Unsubscribe"
    request.set_content("Please take me off this list.")
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.send_message(request)
    assert len(box) == 1
    # The confirmation goes through the test mailer again, to read it here.
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    mail.outbox.clear()
    out = io.StringIO()

    call_command("process_bounces", maildir=box._path, stdout=out)

    assert out.getvalue().splitlines() == [
        "e-mails read: 1, bounces recorded: 0, unsubscriptions taken in: 1, "
        "replies taken in: 0, not handled (left in the mailbox): 0."
    ]
    membership.refresh_from_db()
    other.refresh_from_db()
    assert membership.status == MembershipStatus.LEFT
    assert other.status == MembershipStatus.ACTIVE
    # Told at once, in their language, at the address the e-mail went to.
    assert [(message.to, message.subject) for message in mail.outbox] == [
        ([membership.user.email], "Vous avez quitté BIN Centrum")
    ]
    assert "Vous n'êtes plus membre de BIN Centrum" in mail.outbox[0].body
    entry = AuditEntry.objects.get(action="messaging.unsubscribe_by_email")
    assert (entry.actor_id, entry.actor_role) == (membership.user_id, "member")
    assert (entry.object_type, entry.object_id) == ("messaging.delivery", str(delivery.pk))
    assert entry.subjects == [membership.user_id]
    assert len(box) == 0
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT

    # The member's mail program sends it again: nothing more happens.
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.send_message(request)
    call_command("process_bounces", maildir=box._path, stdout=io.StringIO())
    assert len(mail.outbox) == 1
    assert AuditEntry.objects.filter(action="messaging.unsubscribe_by_email").count() == 1
    assert len(box) == 0
