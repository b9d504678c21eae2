import datetime

import pytest

from nabuur.lib import clock
from nabuur.members.models import MembershipStatus
from nabuur.messaging.delivery import deliver_due
from nabuur.messaging.models import Delivery
from nabuur.messaging.services import queue_message

from . import factories
from .smtp_sink import SmtpSink
from .test_delivery import add_variant
from .test_outbox import make_message

NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def delivered(settings, bin_a, bin_b):
    """One e-mail delivered to a member of BIN A (also in B) through a real SMTP sink."""
    sink = SmtpSink().start()
    settings.MAILERS = sink.mailers()
    settings.BASE_URL = "https://bin.example.be"
    bin_a.contact_email = "centrum@bin.example.be"
    bin_a.save(update_fields=["contact_email"])
    membership = factories.MembershipFactory(network=bin_a)
    other = factories.MembershipFactory(network=bin_b, user=membership.user)
    message = make_message(bin_a)
    add_variant(message)
    queue_message(message, now=NOW)
    with clock.frozen_at(NOW):
        deliver_due()
    yield sink.envelopes[0], Delivery.objects.get(), membership, other
    sink.stop()


@pytest.mark.django_db
def test_delivered_email_has_the_list_headers(delivered):
    received, delivery, membership, _ = delivered
    parsed = received.message
    token = delivery.token
    assert received.mail_from == f"bounces+{token}@localhost"
    assert received.rcpt_tos == [membership.user.email]
    assert parsed["To"] == membership.user.email
    assert parsed["Message-ID"] == f"<{delivery.message_id_header}>"
    assert parsed["Reply-To"] == "centrum@bin.example.be"
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
