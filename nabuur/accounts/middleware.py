"""Sessions that expire after inactivity; staff pages (/<lang>/staff/…) need a session that
authenticated with the password and a second factor, or with a passkey."""

import enum
import time
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from nabuur.staff.permissions import scopes_for

from .services import exempt_from_mfa_in_demo, has_second_factor
from .sessions import passed_password, passed_password_and_second_factor

# A session used again after this many seconds is saved with a new expiry (see below).
SESSION_TOUCH_SECONDS = 60
SESSION_TOUCHED_KEY = "nabuur_touched"

# The URL areas that only staff use; other apps' staff pages should live under /<lang>/staff/.
STAFF_AREAS = {"staff"}
# The account pages (password, second factor, e-mail): a person with a role reaches them only
# from a session that logged in properly, but may enrol a second factor there.
ACCOUNT_AREAS = {"account"}


def _area(path):
    parts = path.split("/", 3)
    return parts[2] if len(parts) > 2 else ""


def is_staff_page(path):
    return _area(path) in STAFF_AREAS


# Set in a session once the person's second factor was found, so that later staff pages of
# that session need not look for it again. Removing an authenticator clears it in the session
# that removes it; the person's other sessions were opened with a second factor and keep
# going until they expire.
SECOND_FACTOR_KEY = "nabuur_second_factor"


class StaffAccess(enum.Enum):
    OPEN = "open"  # no role, or a session that passed both factors (or a demo persona)
    ENROL = "enrol"  # logged in with the password; the person must enrol a second factor
    LOG_IN = "log_in"  # anything else: a login link, a session from before the appointment, …


def _has_second_factor(request, user):
    if request.session.get(SECOND_FACTOR_KEY) == user.pk:
        return True
    if has_second_factor(user):
        request.session[SECOND_FACTOR_KEY] = user.pk
        return True
    return False


def staff_access(request):
    """What this session of a person with a role may open (see StaffAccess).

    People without a role are OPEN here: the views refuse them staff pages themselves.
    """
    user = request.user
    if not (user.is_authenticated and scopes_for(user).is_staff):
        return StaffAccess.OPEN
    both_factors = passed_password_and_second_factor(request, user)
    if both_factors and _has_second_factor(request, user):
        return StaffAccess.OPEN
    if exempt_from_mfa_in_demo(user):
        request.mfa_demo_exempt = True
        return StaffAccess.OPEN
    # Both factors passed but the last authenticator since removed: enrol a new one.
    if both_factors or (passed_password(request, user) and not has_second_factor(user)):
        return StaffAccess.ENROL
    return StaffAccess.LOG_IN


def _log_in_properly(request):
    """End this session and send the person to the staff login, back here afterwards."""
    path = request.get_full_path()
    logout(request)
    messages.warning(
        request, _("To open the staff pages, log in with your password and your second factor.")
    )
    if request.path == reverse("account_login"):
        # Coming back to the login page itself would only ask again.
        return redirect("account_login")
    return redirect_to_login(path)


def require_second_factor(get_response):
    def middleware(request):
        request.mfa_demo_exempt = False
        area = _area(request.path)
        if area in STAFF_AREAS or area in ACCOUNT_AREAS:
            access = staff_access(request)
            if access is StaffAccess.LOG_IN:
                return _log_in_properly(request)
            if access is StaffAccess.ENROL and area in STAFF_AREAS:
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
