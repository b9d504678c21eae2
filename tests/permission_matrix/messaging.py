"""Messaging: the one-click unsubscribe link of every e-mail; the secret token is the proof."""

TOKEN = "0" * 32

ENTRIES = {
    # An unknown token answers 404 for everyone, signed in or not.
    "messaging:unsubscribe": {
        "capability": "public",
        "object": None,
        "kwargs": {"lang": "nl", "token": TOKEN},
        "ok": (404,),
    },
    # Without a language the link is sent on to the one with a language.
    "messaging:unsubscribe_any": {
        "capability": "public",
        "object": None,
        "kwargs": {"token": TOKEN},
        "ok": (302, 404),
    },
}
