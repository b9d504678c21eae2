"""The demo mailbox holds members' e-mail: zone administrators only, each their own zone's."""

from django.core.mail import EmailMessage

from nabuur.mailbox.access import MAILBOX_BACKEND
from nabuur.mailbox.models import MailboxMessage
from nabuur.staff.permissions import Capability


def demo_mailer(ctx):
    ctx.settings.MAILERS = {"default": {"BACKEND": MAILBOX_BACKEND}}


def stored_message(ctx):
    message = MailboxMessage.objects.first()
    if message is None:
        # To a member of BIN A: an e-mail of the test zone.
        EmailMessage("Hallo", "Tekst", to=[ctx.fixture("member_a").email]).send()
        message = MailboxMessage.objects.get()
    return {"pk": message.pk}


MAILBOX_PAGE = {
    "capability": Capability.VIEW_MEMBERS,
    "object": "zone",
    "kwargs": {},
    "setup": demo_mailer,
}

ENTRIES = {
    "mailbox:inbox": MAILBOX_PAGE,
    "mailbox:message": {**MAILBOX_PAGE, "kwargs": stored_message},
    "mailbox:message_html": {**MAILBOX_PAGE, "kwargs": stored_message, "ok": (200, 404)},
    "mailbox:message_raw": {**MAILBOX_PAGE, "kwargs": stored_message},
    # A visitor's own demo mail: only the browser session that signed up in the demo reads it
    # (tests/test_mailbox.py); no persona's session holds a sign-up, so everyone gets 404.
    "mailbox:own": {"capability": "public", "object": None, "kwargs": {}, "ok": (404,)},
    "mailbox:own_message": {
        "capability": "public",
        "object": None,
        "kwargs": stored_message,
        "ok": (404,),
        "setup": demo_mailer,
    },
}
