"""One function per e-mail about a person's account, sent with nabuur.lib.mail.send_email in
the recipient's language (the invitation's lives with the invitation in services.py)."""

from nabuur.lib.mail import send_email


def send_email_changed(user, old_email, undo_url, days, *, language, zone=None):
    """Tell `old_email` that it no longer opens `user`'s account.

    With an `undo_url`, the link that gives the address back within `days` days; without one
    (the person restored an earlier address), whom to ask. The new address is never named:
    the old address's reader may be someone the person left behind on purpose.
    """
    context = {"user": user, "old_email": old_email, "url": undo_url, "days": days, "zone": zone}
    send_email("accounts/email_changed", old_email, language, context)
