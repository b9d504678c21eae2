"""A real SMTP server for tests: aiosmtpd on a free local port, recording what it accepts.

sink = SmtpSink(); sink.start()
sink.fail_next(2, "451 4.3.0 try later")   # answer DATA with this for the next 2 e-mails
sink.stop(); sink.start()                   # the relay is down, then back (same port)
sink.envelopes                              # every accepted e-mail
sink.delay = 0.005                          # answer each DATA this many seconds late
sink.handler.after_accept = callback        # called with each e-mail before the 250 answer
"""

import asyncio
import email
import email.policy
import logging
import socket
import threading
from dataclasses import dataclass

from aiosmtpd.controller import Controller

# aiosmtpd logs every connection at INFO from its own thread, which can outlive pytest's
# captured streams ("I/O operation on closed file"); its warnings are all a test needs.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list
    data: bytes
    peer: tuple = None

    @property
    def message(self):
        return email.message_from_bytes(self.data, policy=email.policy.default)

    @property
    def message_id(self):
        return self.message["Message-ID"]


class RecordingHandler:
    def __init__(self):
        self.envelopes = []
        self.failures = []
        self.lock = threading.Lock()
        self.delay = 0.0
        # Called with the Received after storing it and before answering 250.
        self.after_accept = None

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.failures:
                return self.failures.pop(0)
            received = Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content,
                session.peer,
            )
            self.envelopes.append(received)
        if self.after_accept is not None:
            self.after_accept(received)
        return "250 OK"


class SmtpSink:
    def __init__(self, port=None):
        self.port = port or free_port()
        self.handler = RecordingHandler()
        self.controller = None

    @property
    def envelopes(self):
        return self.handler.envelopes

    @property
    def delay(self):
        return self.handler.delay

    @delay.setter
    def delay(self, seconds):
        self.handler.delay = seconds

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def fail_next(self, count, reply):
        with self.handler.lock:
            self.handler.failures.extend([reply] * count)

    def message_ids(self):
        return [received.message_id for received in self.envelopes]

    def mailers(self):
        """A MAILERS setting that sends here over SMTP."""
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 5},
            }
        }

    def url(self):
        return f"smtp://127.0.0.1:{self.port}?timeout=5"
