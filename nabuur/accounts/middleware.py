"""Sessions that expire after inactivity; staff must enrol a second factor before they open
any staff page (/<lang>/staff/…)."""

import time
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from nabuur.staff.permissions import scopes_for

from .services import exempt_from_mfa_in_demo, has_second_factor

# A session used again after this many seconds is saved with a new expiry (see below).
SESSION_TOUCH_SECONDS = 60
SESSION_TOUCHED_KEY = "nabuur_touched"

# The URL areas that only staff use; other apps' staff pages should live under /<lang>/staff/.
STAFF_AREAS = {"staff"}


def is_staff_page(path):
    parts = path.split("/", 3)
    return len(parts) > 2 and parts[2] in STAFF_AREAS


# Set in a session once the person's second factor was found, so that later staff pages of
# that session need not look for it again. Removing an authenticator clears it in the session
# that removes it; the person's other sessions were opened with a second factor and keep
# going until they expire.
SECOND_FACTOR_KEY = "nabuur_second_factor"


def second_factor_missing(request):
    """True if the person holds a role but has no second factor (and no demo exemption)."""
    user = request.user
    if not (user.is_authenticated and scopes_for(user).is_staff):
        return False
    if request.session.get(SECOND_FACTOR_KEY) == user.pk:
        return False
    if has_second_factor(user):
        request.session[SECOND_FACTOR_KEY] = user.pk
        return False
    if exempt_from_mfa_in_demo(user):
        request.mfa_demo_exempt = True
        return False
    return True


def require_second_factor(get_response):
    def middleware(request):
        request.mfa_demo_exempt = False
        if is_staff_page(request.path) and second_factor_missing(request):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('mfa_activate_totp')}?{query}")
        return get_response(request)

    return middleware


def forget_second_factor(sender, request, **kwargs):
    """On allauth's authenticator_removed: look again on the next staff page (it may be the
    last one, and then the person must enrol a new one before going on)."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(SECOND_FACTOR_KEY, None)


def mark_session_touched(sender, request, **kwargs):
    """On user_logged_in: the sign-in saves the session, so the next minute's pages need not."""
    if hasattr(request, "session"):
        request.session[SESSION_TOUCHED_KEY] = int(time.time())


def slide_session_expiry(get_response):
    """Keep a session alive while it is used: a request a minute or more after the last save
    saves it again, which moves its expiry (NABUUR_SESSION_AGE) on from now.

    Django's SESSION_SAVE_EVERY_REQUEST would write the session row on every page, three of a
    staff page's queries; a minute's slack on a half-hour inactivity timeout changes nothing.
    """

    def middleware(request):
        response = get_response(request)
        session = request.session
        if session.accessed and session.session_key:
            now = int(time.time())
            # A session saved anyway (it changed) counts as this minute's save too.
            if session.modified or now - session.get(SESSION_TOUCHED_KEY, 0) >= (
                SESSION_TOUCH_SECONDS
            ):
                session[SESSION_TOUCHED_KEY] = now
        return response

    return middleware
