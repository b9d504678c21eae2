"""Session helpers: a login as recent as allauth's re-authentication asks for."""

import time


def mark_recently_authenticated(session, user):
    """Write allauth's note that `user` typed their password a moment ago into `session`."""
    session["account_authentication_methods_user"] = str(user.pk)
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "reauthenticated": True}
    ]
    session.save()


def reauthenticated(client, user):
    """As if the person logged in on `client` had typed their password again just now."""
    mark_recently_authenticated(client.session, user)
    return client
