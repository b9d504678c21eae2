"""How a session authenticated, and ending a person's sessions.

allauth notes in the session each way its person authenticated: "password", "mfa" (an
authenticator app code, a security key, a recovery code or a passkey), "password_reset", …
(allauth.account.authentication.get_authentication_records). Nabuur's login links and Django's
own `login()` note nothing, so a session without notes proved nothing.
"""

from importlib import import_module

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.dispatch import receiver
from django.utils import timezone

SECOND_FACTORS = {Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN}


def passed_password_and_second_factor(request, user):
    """True if this session authenticated `user` with a passkey alone, or with the password and
    a second factor (in either order, at login or on re-authentication)."""
    records = get_authentication_records(request, user)
    if any(r.get("method") == "mfa" and r.get("passwordless") for r in records):
        return True
    methods = {r.get("method") for r in records}
    return {"password", "mfa"} <= methods


def passed_password(request, user):
    """True if this session authenticated `user` with the password (at login, on accepting an
    invitation or on re-authentication)."""
    return any(r.get("method") == "password" for r in get_authentication_records(request, user))


# Connected when this module is imported: AccountsConfig.ready imports the middleware, which
# imports this module.
@receiver(authenticator_added, dispatch_uid="accounts.note_enrolled_second_factor")
def note_enrolled_second_factor(sender, request, user, authenticator, **kwargs):
    """On allauth's authenticator_added: a person who enrols an app or a key has just proved
    holding it (a code, a signature), which counts as this session's second factor."""
    if request is None or authenticator.type not in SECOND_FACTORS:
        return
    record_authentication(
        request, user, "mfa", id=authenticator.pk, type=authenticator.type, enrolled=True
    )


def end_sessions(user, *, keep=None):
    """Delete every session logged in as `user`, except the one whose key is `keep`.

    Return how many ended. The session store keeps the user's id inside the signed session data
    only, so every unexpired session is read; there are few (NABUUR_SESSION_AGE of inactivity
    ends one), and this runs on rare occasions such as an appointment.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    user_id = str(user.pk)
    ended = 0
    unexpired = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    for session in unexpired.iterator():
        if session.session_key == keep or session.get_decoded().get(SESSION_KEY) != user_id:
            continue
        # Through the store, so that a cached session (cached_db) ends as well.
        store(session.session_key).delete()
        ended += 1
    return ended
