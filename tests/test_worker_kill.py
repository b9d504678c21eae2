"""A real `nabuur worker` process, killed with SIGKILL half-way through a message, restarted.

What the outbox guarantees (nabuur/messaging/delivery.py): each result is committed as soon as
the relay answers, one e-mail at a time, so a kill can leave at most ONE e-mail that the relay
accepted and the outbox did not record — the one in flight. Its claim goes back to the queue
after NABUUR_EMAIL_CLAIM_TIMEOUT and that one e-mail goes out a second time; nothing else does,
and nothing is lost. The test asserts exactly that: every recipient at the sink, at most one
Message-ID twice.

On SQLite the test database lives in memory, which another process cannot open: the test
copies it into a file with SQLite's backup API, lets the workers use that file, and copies the
result back for the assertions. On PostgreSQL the workers connect to the test database itself.
"""

import collections
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from bench.data import create_members, create_message
from nabuur.lib import clock
from nabuur.messaging.models import Delivery, DeliveryState
from nabuur.messaging.services import queue_message

from .smtp_sink import SmtpSink

NABUUR = str(Path(sys.executable).parent / "nabuur")
CLAIM_TIMEOUT = 1


class WorkerDatabase:
    """The database a worker subprocess can open, with the test's data in it."""

    def __init__(self, tmp_path):
        self.file = None
        settings = connection.settings_dict
        if connection.vendor == "sqlite":
            self.file = tmp_path / "outbox.sqlite3"
            with sqlite3.connect(self.file) as target:
                connection.ensure_connection()
                connection.connection.backup(target)
            target.close()
            self.url = f"sqlite:///{self.file}"
        else:
            password = quote(settings["PASSWORD"] or "")
            credentials = quote(settings["USER"]) + (f":{password}" if password else "")
            self.url = (
                f"postgres://{credentials}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
            )

    def bring_back(self):
        """On SQLite, copy the workers' file back into the test database."""
        if self.file is not None:
            source = sqlite3.connect(self.file)
            source.backup(connection.connection)
            source.close()


def queue_to_members(count):
    bins = create_members(count, networks=2, tag=f"kill{os.getpid()}")
    message = create_message(bins, body_paragraphs=2)
    assert queue_message(message, now=clock.now()) == count
    return message


def start_worker(database, sink, **env):
    environment = dict(
        os.environ,
        DATABASE_URL=database.url,
        NABUUR_ENV="test",
        NABUUR_EMAIL_URL=sink.url(),
        NABUUR_EMAIL_CLAIM_TIMEOUT=str(CLAIM_TIMEOUT),
        **env,
    )
    return subprocess.Popen(
        [NABUUR, "worker", "--interval", "0.05"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def run_until_empty(database, sink):
    environment = dict(
        os.environ,
        DATABASE_URL=database.url,
        NABUUR_ENV="test",
        NABUUR_EMAIL_URL=sink.url(),
        NABUUR_EMAIL_CLAIM_TIMEOUT=str(CLAIM_TIMEOUT),
    )
    subprocess.run(
        [NABUUR, "worker", "--until-empty"],
        env=environment,
        check=True,
        capture_output=True,
        timeout=120,
    )


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def duplicates(message_ids):
    return {key: n for key, n in collections.Counter(message_ids).items() if n > 1}


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_loses_nothing_and_resends_at_most_the_one_in_flight(tmp_path):
    """The worst moment: the relay has stored the e-mail, its 250 has not reached the worker."""
    count = 300
    queue_to_members(count)
    database = WorkerDatabase(tmp_path)
    sink = SmtpSink().start()
    worker = None
    killed = []

    def kill_at_the_100th(received):
        if len(sink.envelopes) == 100 and not killed:
            killed.append(received.message_id)
            worker.send_signal(signal.SIGKILL)

    sink.handler.after_accept = kill_at_the_100th
    try:
        worker = start_worker(database, sink)
        try:
            wait_for(lambda: killed, 60, "the 100th e-mail")
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        sink.handler.after_accept = None
        # The dead worker's claim returns to the queue once it is older than the timeout.
        time.sleep(CLAIM_TIMEOUT + 0.5)
        run_until_empty(database, sink)
    finally:
        sink.stop()
    database.bring_back()

    headers = set(Delivery.objects.values_list("message_id_header", flat=True))
    received = [message_id.strip("<>") for message_id in sink.message_ids()]
    assert set(received) == headers, "every recipient got the e-mail"
    assert not Delivery.objects.exclude(state=DeliveryState.SENT).exists()
    # Exactly the one e-mail in flight at the kill arrived twice; every other one once.
    assert duplicates(received) == {killed[0].strip("<>"): 2}
    assert len(received) == count + 1
