import datetime

import pytest
from django.core import mail

from nabuur.lib import clock
from nabuur.lib.languages import LanguageRegime
from nabuur.messaging.delivery import backoff, deliver_due, parse_rate
from nabuur.messaging.models import Delivery, DeliveryState, MessageState, MessageVariant
from nabuur.messaging.services import queue_message

from . import factories
from .smtp_sink import SmtpSink
from .test_outbox import make_message

NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)


def add_variant(message, language="nl", subject="Preventietip", text="Sluit uw ramen."):
    MessageVariant.objects.create(
        message=message,
        language=language,
        subject=subject,
        body_markdown=text,
        body_html=f"<p>{text}</p>",
        body_text=text,
    )


@pytest.fixture
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


@pytest.fixture
def queued(bin_a):
    """A prevention tip queued to three members of BIN A."""
    for _ in range(3):
        factories.MembershipFactory(network=bin_a)
    message = make_message(bin_a)
    add_variant(message)
    queue_message(message, now=NOW)
    return message


def states():
    return sorted(Delivery.objects.values_list("state", flat=True))


@pytest.mark.django_db
def test_deliver_due_sends_every_queued_row_once(settings, sink, queued):
    settings.MAILERS = sink.mailers()
    with clock.frozen_at(NOW):
        assert deliver_due() == 3
        assert deliver_due() == 0

    assert states() == [DeliveryState.SENT] * 3
    assert sorted(sink.message_ids()) == sorted(
        f"<{header}>" for header in Delivery.objects.values_list("message_id_header", flat=True)
    )
    queued.refresh_from_db()
    assert (queued.state, queued.sent_at) == (MessageState.SENT, NOW)
    assert queued.delivery_totals == {"sent": 3}


@pytest.mark.django_db
def test_deliver_due_falls_back_to_the_django_mailer(queued):
    with clock.frozen_at(NOW):
        assert deliver_due() == 3
    assert len(mail.outbox) == 3
    assert {message.to[0] for message in mail.outbox} == set(
        Delivery.objects.values_list("email", flat=True)
    )
    assert mail.outbox[0].message()["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.django_db
def test_deliver_due_defers_while_the_relay_is_down_then_delivers_once(settings, sink, queued):
    settings.MAILERS = sink.mailers()
    sink.stop()
    with clock.frozen_at(NOW):
        assert deliver_due() == 1  # the first refused connection; the rest were put back
    assert states() == [DeliveryState.DEFERRED] * 3
    assert sorted(Delivery.objects.values_list("attempts", flat=True)) == [0, 0, 1]

    with clock.frozen_at(NOW + datetime.timedelta(seconds=30)):
        assert deliver_due() == 0  # nothing is due before the backoff ends
    sink.start()
    with clock.frozen_at(NOW + datetime.timedelta(minutes=1)):
        assert deliver_due() == 3

    assert states() == [DeliveryState.SENT] * 3
    assert len(sink.envelopes) == len(set(sink.message_ids())) == 3


@pytest.mark.django_db
def test_deliver_due_retries_a_4xx_with_backoff(settings, sink, queued):
    settings.MAILERS = sink.mailers()
    sink.fail_next(1, "451 4.3.0 Try again later")
    with clock.frozen_at(NOW):
        assert deliver_due() == 3
    deferred = Delivery.objects.get(state=DeliveryState.DEFERRED)
    assert deferred.next_attempt_at == NOW + datetime.timedelta(minutes=1)
    assert deferred.last_error.startswith("451")
    assert len(sink.envelopes) == 2

    with clock.frozen_at(NOW + datetime.timedelta(minutes=1)):
        assert deliver_due() == 1
    deferred.refresh_from_db()
    assert (deferred.state, deferred.attempts) == (DeliveryState.SENT, 2)
    assert len(set(sink.message_ids())) == 3


@pytest.mark.django_db
def test_deliver_due_stops_at_a_5xx(settings, sink, queued):
    settings.MAILERS = sink.mailers()
    sink.fail_next(1, "550 5.1.1 No such user")
    with clock.frozen_at(NOW + datetime.timedelta(days=1)):
        deliver_due()
        assert deliver_due() == 0
    failed = Delivery.objects.get(state=DeliveryState.FAILED)
    assert failed.last_error == "550 5.1.1 No such user"
    assert states() == [DeliveryState.FAILED, DeliveryState.SENT, DeliveryState.SENT]


@pytest.mark.django_db
def test_deliver_due_fails_a_row_after_the_last_attempt(settings, sink, queued):
    settings.MAILERS = sink.mailers()
    settings.EMAIL_MAX_ATTEMPTS = 2
    sink.fail_next(2, "421 4.7.0 Too busy")
    with clock.frozen_at(NOW):
        deliver_due()
    with clock.frozen_at(NOW + datetime.timedelta(hours=2)):
        deliver_due()
    assert Delivery.objects.filter(state=DeliveryState.FAILED).count() == 1


@pytest.mark.django_db
def test_deliver_due_returns_claims_of_a_dead_worker_to_the_queue(settings, sink, queued):
    settings.MAILERS = sink.mailers()
    Delivery.objects.update(state=DeliveryState.SENDING, claimed_by="dead:1", claimed_at=NOW)
    with clock.frozen_at(NOW + datetime.timedelta(seconds=settings.EMAIL_CLAIM_TIMEOUT - 1)):
        assert deliver_due() == 0
    with clock.frozen_at(NOW + datetime.timedelta(seconds=settings.EMAIL_CLAIM_TIMEOUT + 1)):
        assert deliver_due() == 3
    assert states() == [DeliveryState.SENT] * 3


@pytest.mark.django_db
def test_deliver_due_never_resends_a_row_recorded_as_sent(settings, sink, queued):
    settings.MAILERS = sink.mailers()
    Delivery.objects.update(state=DeliveryState.SENT, sent_at=NOW)
    with clock.frozen_at(NOW + datetime.timedelta(days=2)):
        assert deliver_due() == 0
    assert sink.envelopes == []


@pytest.mark.django_db
def test_deliver_due_keeps_to_the_rate_cap(settings, sink, queued):
    settings.MAILERS = sink.mailers()
    settings.EMAIL_RATE = "2/d"
    with clock.frozen_at(NOW):
        assert deliver_due() == 2
        assert deliver_due() == 0
    assert states() == [DeliveryState.QUEUED, DeliveryState.SENT, DeliveryState.SENT]
    with clock.frozen_at(NOW + datetime.timedelta(days=1, seconds=1)):
        assert deliver_due() == 1


@pytest.mark.django_db
def test_deliver_due_waits_for_a_paused_member(settings, sink, bin_a):
    settings.MAILERS = sink.mailers()
    factories.MembershipFactory(
        network=bin_a, status="paused", paused_until=datetime.date(2027, 3, 3)
    )
    message = make_message(bin_a)
    add_variant(message)
    queue_message(message, now=NOW)
    with clock.frozen_at(NOW):
        assert deliver_due() == 0
    with clock.frozen_at(datetime.datetime(2027, 3, 4, 8, tzinfo=datetime.UTC)):
        assert deliver_due() == 1


@pytest.mark.django_db
def test_a_message_is_sent_once_nothing_but_deferred_e_mails_remain(settings, sink, bin_a):
    settings.MAILERS = sink.mailers()
    for _ in range(3):
        factories.MembershipFactory(network=bin_a)
    for _ in range(2):
        factories.MembershipFactory(
            network=bin_a, status="paused", paused_until=datetime.date(2027, 3, 3)
        )
    # An open-ended pause: skipped when queued, no e-mail to wait for.
    factories.MembershipFactory(network=bin_a, status="paused")
    message = make_message(bin_a)
    add_variant(message)
    queue_message(message, now=NOW)

    with clock.frozen_at(NOW):
        assert deliver_due() == 3
    message.refresh_from_db()
    assert (message.state, message.sent_at) == (MessageState.SENT, NOW)
    assert message.delivery_totals == {"sent": 3, "waiting_pause": 2}

    # The pauses end; the two e-mails go out and the stored totals follow.
    with clock.frozen_at(datetime.datetime(2027, 3, 4, 8, tzinfo=datetime.UTC)):
        assert deliver_due() == 2
    message.refresh_from_db()
    assert (message.state, message.sent_at) == (MessageState.SENT, NOW)
    assert message.delivery_totals == {"sent": 5}


@pytest.mark.django_db
def test_a_retry_after_a_temporary_failure_keeps_the_message_being_sent(settings, sink, queued):
    settings.MAILERS = sink.mailers()
    sink.fail_next(1, "451 4.3.0 Try again later")
    with clock.frozen_at(NOW):
        assert deliver_due() == 3
    queued.refresh_from_db()
    assert (queued.state, queued.delivery_totals) == (MessageState.SENDING, None)

    with clock.frozen_at(NOW + datetime.timedelta(minutes=1)):
        assert deliver_due() == 1
    queued.refresh_from_db()
    assert (queued.state, queued.delivery_totals) == (MessageState.SENT, {"sent": 3})


@pytest.mark.django_db
def test_a_message_with_nothing_to_send_now_is_sent_by_the_next_round(bin_a, bin_b):
    factories.MembershipFactory(
        network=bin_a, status="paused", paused_until=datetime.date(2027, 3, 3)
    )
    waiting = make_message(bin_a)
    add_variant(waiting)
    queue_message(waiting, now=NOW)
    # Only a member without e-mail: a letter, no e-mail at all.
    factories.MembershipFactory(network=bin_b, user=factories.UserFactory(email=None))
    letters_only = make_message(bin_b)
    add_variant(letters_only)
    queue_message(letters_only, now=NOW)

    with clock.frozen_at(NOW):
        assert deliver_due() == 0

    waiting.refresh_from_db()
    letters_only.refresh_from_db()
    assert (waiting.state, waiting.sent_at, waiting.delivery_totals) == (
        MessageState.SENT,
        NOW,
        {"waiting_pause": 1},
    )
    assert (letters_only.state, letters_only.delivery_totals) == (MessageState.SENT, {})


@pytest.mark.django_db
def test_deliver_due_skips_cancelled_messages(settings, sink, queued):
    settings.MAILERS = sink.mailers()
    queued.state = MessageState.CANCELLED
    queued.save(update_fields=["state"])
    with clock.frozen_at(NOW):
        assert deliver_due() == 0


@pytest.mark.django_db
def test_bilingual_delivery_carries_both_languages(settings, sink, zone):
    settings.MAILERS = sink.mailers()
    brussels = factories.MunicipalityFactory(zone=zone, language_regime=LanguageRegime.BRUSSELS)
    network = factories.NetworkFactory(municipality=brussels)
    factories.MembershipFactory(network=network, user__language="")
    message = make_message(network)
    add_variant(message, "nl", "Inbraakpreventie", "Sluit uw ramen.")
    add_variant(message, "fr", "Prévention des cambriolages", "Fermez vos fenêtres.")
    queue_message(message, now=NOW)
    with clock.frozen_at(NOW):
        deliver_due()

    parsed = sink.envelopes[0].message
    assert parsed["Subject"] == "Inbraakpreventie / Prévention des cambriolages"
    assert parsed["Content-Language"] == "nl, fr"
    html = parsed.get_body(("html",)).get_content()
    assert '<html lang="nl">' in html
    assert '<div lang="fr">' in html
    text = parsed.get_body(("plain",)).get_content()
    assert "Fermez vos fenêtres." in text
    # Each language section has its own "Was this useful?" links, in its language.
    token = Delivery.objects.get().token
    for language in ("nl", "fr"):
        for answer in ("yes", "no"):
            url = f"{settings.BASE_URL}/{language}/u/{token}/useful?answer={answer}"
            assert text.count(url) == 1
            assert html.count(f'<a href="{url}">') == 1


def test_parse_rate_reads_several_windows():
    assert parse_rate("10/s, 2000/d") == [(10, 1), (2000, 86400)]
    assert parse_rate("") == []


def test_backoff_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 7, 8, 20)] == [
        1,
        2,
        4,
        60,
        60,
        60,
    ]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_relay_accepts_no_e_mail_while_an_earlier_one_is_unrecorded(settings, sink, bin_a):
    # On PostgreSQL the worker overlaps recording a sent row with the next e-mail's SMTP
    # commands. A lock held elsewhere on the first row stalls its UPDATE: the relay must then
    # not receive the end of the second e-mail before the lock is gone and the first recorded.
    import threading
    import time

    from django.db import connections, transaction

    for _ in range(4):
        factories.MembershipFactory(network=bin_a)
    message = make_message(bin_a)
    add_variant(message)
    queue_message(message, now=NOW)
    settings.MAILERS = sink.mailers()
    unrecorded, locked = [], threading.Event()

    def hold_lock(message_id):
        with transaction.atomic():
            Delivery.objects.select_for_update().get(message_id_header=message_id)
            locked.set()
            time.sleep(0.5)
        connections.close_all()

    def check(received):
        # aiosmtpd's thread has a database connection of its own: it sees only commits.
        earlier = [envelope.message_id.strip("<>") for envelope in sink.envelopes[:-1]]
        recorded = set(
            Delivery.objects.filter(
                message_id_header__in=earlier, state=DeliveryState.SENT
            ).values_list("message_id_header", flat=True)
        )
        unrecorded.extend(sorted(set(earlier) - recorded))
        if len(sink.envelopes) == 1:
            threading.Thread(target=hold_lock, args=[received.message_id.strip("<>")]).start()
            locked.wait(5)
        connections.close_all()

    sink.handler.after_accept = check
    with clock.frozen_at(NOW):
        assert deliver_due() == 4

    assert len(sink.envelopes) == 4
    assert locked.is_set()
    assert unrecorded == []
    assert states() == [DeliveryState.SENT] * 4


def test_dot_stuffed_doubles_leading_dots_and_ends_the_data():
    from nabuur.messaging.delivery import dot_stuffed

    assert dot_stuffed(b"Subject: x\r\n\r\n.hidden\r\nline.\r\n..two") == (
        b"Subject: x\r\n\r\n..hidden\r\nline.\r\n...two\r\n.\r\n"
    )
