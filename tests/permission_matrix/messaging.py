"""Messaging: the token pages behind the links of every e-mail; the secret token is the proof.

A token page is "public": whoever holds the link gets the page, signed in or not, and the page
shows nothing personal. An unknown token answers 404 for everyone.
"""

import secrets

from django.utils import timezone

TOKEN = "0" * 32


def delivery_for(user, network, *, state="sent"):
    """A prevention tip in Dutch to `network`, delivered to `user`."""
    from nabuur.messaging.models import Delivery, Message, MessageKind, MessageVariant

    message = Message.objects.create(kind=MessageKind.PREVENTION, state="sent")
    message.targets.set([network])
    MessageVariant.objects.create(
        message=message,
        language="nl",
        subject="Preventietip",
        body_markdown="Sluit uw ramen.",
        body_html="<p>Sluit uw ramen.</p>",
        body_text="Sluit uw ramen.",
    )
    now = timezone.now()
    return Delivery.objects.create(
        message=message,
        user=user,
        email=user.email or "",
        languages="nl",
        state=state,
        next_attempt_at=now,
        sent_at=now if state == "sent" else None,
        message_id_header=f"nabuur.{message.pk}.{secrets.token_hex(8)}@localhost",
        token=secrets.token_hex(16),
    )


def _member_a_link(ctx):
    """The link in an e-mail member A received, opened by whoever the persona is."""
    delivery = delivery_for(ctx.fixture("member_a"), ctx.bin_a)
    return {"lang": "nl", "token": delivery.token}


PUBLIC = {"capability": "public", "object": None}

ENTRIES = {
    # An unknown token answers 404 for everyone, signed in or not.
    "messaging:unsubscribe": {
        **PUBLIC,
        "kwargs": {"lang": "nl", "token": TOKEN},
        "ok": (404,),
    },
    # Without a language the link is sent on to the one with a language.
    "messaging:unsubscribe_any": {**PUBLIC, "kwargs": {"token": TOKEN}, "ok": (302, 404)},
    # Pause, resume, leave: a GET shows the buttons only.
    "messaging:preferences": {**PUBLIC, "kwargs": _member_a_link},
    # Sent on to the zone's privacy notice.
    "messaging:privacy": {**PUBLIC, "kwargs": _member_a_link, "ok": (302,)},
    # "Was this useful?": a GET shows the buttons only.
    "messaging:useful": {**PUBLIC, "kwargs": _member_a_link},
}
