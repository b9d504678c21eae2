"""Two `nabuur worker` processes on one PostgreSQL outbox: SKIP LOCKED keeps them apart."""

import time

import pytest

from nabuur.messaging.models import Delivery, DeliveryState

from .smtp_sink import SmtpSink
from .test_worker_kill import WorkerDatabase, duplicates, queue_to_members, start_worker


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_deliver_every_row_exactly_once(tmp_path):
    count = 3000
    queue_to_members(count)
    database = WorkerDatabase(tmp_path)
    sink = SmtpSink().start()
    workers = []
    try:
        workers = [start_worker(database, sink) for _ in range(2)]
        deadline = time.monotonic() + 180
        pending = Delivery.objects.exclude(state=DeliveryState.SENT)
        while pending.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
        sink.stop()

    received = [message_id.strip("<>") for message_id in sink.message_ids()]
    assert duplicates(received) == {}
    assert set(received) == set(Delivery.objects.values_list("message_id_header", flat=True))
    assert not Delivery.objects.exclude(state=DeliveryState.SENT).exists()
    assert len(received) == count
    # Both took part: the e-mails came over at least two SMTP connections.
    assert len({received.peer for received in sink.envelopes}) >= 2
