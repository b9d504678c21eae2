"""Session helpers: how a session authenticated, as allauth notes it.

Staff pages open only to a session that authenticated with a password and a second factor (or
a passkey): nabuur.accounts.sessions reads allauth's notes. `client.force_login` writes none,
so the autouse fixture `force_login_is_a_full_login` (tests/conftest.py imports it, for every
test) makes it stand for a complete login. Tests of the rule itself log in through the real pages.
"""

import time

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from django.test import Client

# allauth keeps whose notes they are next to the notes (allauth.account.internal.flows.login).
AUTHENTICATION_USER_SESSION_KEY = "account_authentication_methods_user"


def _add_records(session, user, *records):
    if session.get(AUTHENTICATION_USER_SESSION_KEY) != str(user.pk):
        session[AUTHENTICATION_METHODS_SESSION_KEY] = []
    session[AUTHENTICATION_USER_SESSION_KEY] = str(user.pk)
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        *session.get(AUTHENTICATION_METHODS_SESSION_KEY, []),
        *records,
    ]
    session.save()


def mark_fully_authenticated(session, user):
    """Write allauth's notes of a login with password and authenticator app into `session`."""
    now = time.time()
    _add_records(
        session,
        user,
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "at": now, "type": "totp"},
    )


def mark_recently_authenticated(session, user):
    """Add allauth's note that `user` typed their password again a moment ago to `session`."""
    _add_records(session, user, {"method": "password", "at": time.time(), "reauthenticated": True})


def reauthenticated(client, user):
    """As if the person logged in on `client` had typed their password again just now."""
    mark_recently_authenticated(client.session, user)
    return client


@pytest.fixture(autouse=True)
def force_login_is_a_full_login(monkeypatch):
    """`client.force_login(user)` as if `user` had logged in with password and second factor.

    Whether the person has an authenticator is theirs to set (tests' `with_totp`): without
    one, staff pages still send them to enrol one, as after a real password login.
    """
    force_login = Client.force_login

    def force_full_login(self, user, backend=None):
        force_login(self, user, backend)
        mark_fully_authenticated(self.session, user)

    monkeypatch.setattr(Client, "force_login", force_full_login)
