"""View decorators for sensitive actions."""

from functools import wraps

from allauth.account.decorators import reauthentication_required
from allauth.account.internal.flows import reauthentication
from allauth.core.exceptions import ReauthenticationRequired
from django.contrib.auth.decorators import login_required


def require_recent_login(view):
    """Ask the person to confirm their password or second factor before the view runs.

    For role changes and exports: the login must be younger than
    ACCOUNT_REAUTHENTICATION_TIMEOUT, else allauth sends the person to re-authenticate and
    resumes the request afterwards. Applies to GET as well (a download is an export). Check
    permissions before calling a view wrapped in this, so that people without the right get
    their 403/404 rather than a password prompt.
    """
    return login_required(wraps(view)(reauthentication_required(view)))


def confirm_recent_login_to_change(request):
    """On a POST, ask for the password or second factor again unless the login is recent.

    For role changes: call it after the access checks, so that people without the right get
    their 403/404 first. allauth keeps the POST while the person confirms and replays it after.
    """
    if request.method == "POST" and reauthentication.is_reauthentication_required(request, app=""):
        raise ReauthenticationRequired()
