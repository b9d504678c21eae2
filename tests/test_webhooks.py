"""A mail provider's webhooks (django-anymail): bounces, complaints, deferrals; inbound mail."""

import base64
import datetime
import json

import pytest
from anymail.signals import AnymailTrackingEvent
from django.core import mail

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.members.models import MembershipStatus
from nabuur.messaging.models import DeliveryState
from nabuur.messaging.webhooks import delivery_for_event, handle_event

from . import factories

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.webhook_urls")]
SECRET = "nabuur:correct-horse-battery"


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


@pytest.fixture
def delivery(bin_a):
    membership = factories.MembershipFactory(network=bin_a, user__email="an@example.org")
    message = factories.MessageFactory(targets=[bin_a])
    return factories.DeliveryFactory(
        message=message,
        user=membership.user,
        email="an@example.org",
        sent_at=clock.now() - datetime.timedelta(hours=2),
        message_id_header=f"nabuur.{message.pk}.0123456789abcdef@localhost",
    )


def postmark_bounce(email, kind="HardBounce", details="smtp;550 5.1.1 No such user here"):
    return {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": kind,
        "TypeCode": 1 if kind == "HardBounce" else 4096,
        "Name": "Hard bounce",
        "Tag": "",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Metadata": {},
        "ServerID": 23,
        "MessageStream": "outbound",
        "Description": "The server was unable to deliver your message.",
        "Details": details,
        "Email": email,
        "From": "nabuur@pz-test.example",
        "BouncedAt": "2026-12-01T10:00:00Z",
        "DumpAvailable": False,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Preventietip",
    }


def post(client, payload, secret=SECRET):
    auth = base64.b64encode(secret.encode()).decode()
    return client.post(
        "/anymail/postmark/tracking/",
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )


def test_a_providers_hard_bounce_marks_the_delivery_bounced(client, delivery):
    response = post(client, postmark_bounce("an@example.org"))
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.BOUNCED
    assert delivery.last_error.startswith("5.1.1 ")


def test_a_soft_bounce_is_only_noted(client, delivery):
    post(client, postmark_bounce("an@example.org", "SoftBounce", "smtp;452 4.2.2 Mailbox full"))
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert delivery.last_error.startswith("soft bounce 4.2.2")


def test_without_the_secret_the_event_is_refused(client, delivery):
    response = post(client, postmark_bounce("an@example.org"), secret="nabuur:guess")
    assert response.status_code == 400
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT


def test_an_event_for_an_unknown_address_changes_nothing(client, delivery):
    assert post(client, postmark_bounce("nobody@example.org")).status_code == 200
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT


def test_a_spam_complaint_makes_the_member_leave(client, delivery, bin_a):
    payload = {
        "RecordType": "SpamComplaint",
        "ID": 42,
        "Type": "SpamComplaint",
        "TypeCode": 512,
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Email": "an@example.org",
        "BouncedAt": "2026-12-01T10:00:00Z",
        "Description": "The subscriber explicitly marked this message as spam.",
        "Details": "",
        "Tag": "",
        "Metadata": {},
        "ServerID": 23,
        "MessageStream": "outbound",
        "Subject": "Preventietip",
        "Inactive": True,
        "CanActivate": False,
    }
    assert post(client, payload).status_code == 200
    membership = delivery.user.memberships.get(network=bin_a)
    assert membership.status == MembershipStatus.LEFT


def test_our_message_id_wins_over_the_address(delivery, bin_a):
    # Same address, a later e-mail: the Message-ID still names the first one.
    later = factories.DeliveryFactory(
        message=factories.MessageFactory(targets=[bin_a]),
        user=delivery.user,
        email="an@example.org",
        sent_at=clock.now(),
    )
    event = AnymailTrackingEvent(
        event_type="bounced",
        recipient="an@example.org",
        message_id=f"<{delivery.message_id_header}>",
        mta_response="550 5.7.1 Rejected",
    )
    assert delivery_for_event(event) == delivery
    event.message_id = "provider-id-123"
    assert delivery_for_event(event) == later
    assert handle_event(event) == later
    later.refresh_from_db()
    assert (later.state, later.last_error) == (DeliveryState.BOUNCED, "5.7.1 550 5.7.1 Rejected")


def test_opens_and_clicks_are_ignored(delivery):
    for kind in ("opened", "clicked", "delivered"):
        event = AnymailTrackingEvent(event_type=kind, recipient="an@example.org")
        assert handle_event(event) is None
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT


# --- Inbound mail: what the provider receives for our addresses -------------------------------


def postmark_inbound(recipient, raw):
    """Postmark's inbound webhook with "include raw email content" on."""
    return {
        "FromName": "An",
        "From": "an@example.org",
        "FromFull": {"Email": "an@example.org", "Name": "An", "MailboxHash": ""},
        "To": recipient,
        "ToFull": [{"Email": recipient, "Name": "", "MailboxHash": ""}],
        "OriginalRecipient": recipient,
        "Subject": "Unsubscribe",
        "MessageID": "22c74902-a0c1-4511-804f-341342852c90",
        "Date": "Mon, 1 Mar 2027 10:00:00 +0100",
        "TextBody": "",
        "Headers": [{"Name": "Return-Path", "Value": "<an@example.org>"}],
        "Attachments": [],
        "RawEmail": raw,
    }


def post_inbound(client, payload):
    auth = base64.b64encode(SECRET.encode()).decode()
    return client.post(
        "/anymail/postmark/inbound/",
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )


def test_an_unsubscribe_email_through_the_inbound_webhook_makes_the_member_leave(
    client, delivery, bin_a
):
    delivery.token = "5e1f0c3a9b7d42e8a6c1d0f9e8b7a6c5"
    delivery.save(update_fields=["token"])
    address = f"unsubscribe+{delivery.token}@localhost"
    raw = f"From: an@example.org\r\nTo: {address}\r\nSubject: Unsubscribe\r\n\r\nStop.\r\n"
    mail.outbox.clear()

    assert post_inbound(client, postmark_inbound(address, raw)).status_code == 200

    membership = delivery.user.memberships.get(network=bin_a)
    assert membership.status == MembershipStatus.LEFT
    assert [message.to for message in mail.outbox] == [["an@example.org"]]
    assert AuditEntry.objects.filter(action="messaging.unsubscribe_by_email").count() == 1
    # The provider retries: nothing more happens.
    assert post_inbound(client, postmark_inbound(address, raw)).status_code == 200
    assert len(mail.outbox) == 1


def test_a_reply_through_the_inbound_webhook_is_not_a_bounce(settings, client, delivery, bin_a):
    settings.BOUNCE_LIMIT = 1
    address = f"bounces+{delivery.token}@localhost"
    raw = (
        f"From: an@example.org\r\nTo: {address}\r\nSubject: Re: Preventietip\r\n"
        f"In-Reply-To: <{delivery.message_id_header}>\r\n\r\n"
        "Mijn fiets van 500 euro is ook weg.\r\n"
    )

    assert post_inbound(client, postmark_inbound(address, raw)).status_code == 200

    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_error) == (DeliveryState.SENT, "")
    delivery.user.refresh_from_db()
    assert delivery.user.email_undeliverable_at is None
    assert delivery.user.memberships.get(network=bin_a).status == MembershipStatus.ACTIVE
