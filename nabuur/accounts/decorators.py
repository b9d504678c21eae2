"""View decorators for sensitive actions."""

from functools import wraps

from allauth.account.decorators import reauthentication_required
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
