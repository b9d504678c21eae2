"""The 403 pages, which ask who the person is to say how to go on (the other error pages are
in `lib.errors`). nabuur/urls.py names `permission_denied` as Django's handler403, and
settings.CSRF_FAILURE_VIEW names `csrf_failure`."""

from django.urls import reverse

from nabuur.accounts.middleware import is_staff_page
from nabuur.lib.errors import render_error
from nabuur.staff.permissions import scopes_for


def _login_url_name(request):
    """Where this person logs in to open this page: staff with their password, everyone else
    with a link by e-mail."""
    return "account_login" if is_staff_page(request.path) else "members:login"


def permission_denied(request, exception):
    user = getattr(request, "user", None)
    # The staff overview is a way on only for a person who holds a role, and only when it is
    # not the very page refused.
    staff_home = reverse("staff:dashboard")
    if not (user and user.is_authenticated and scopes_for(user).is_staff) or (
        request.path == staff_home
    ):
        staff_home = None
    context = {
        "login_url_name": _login_url_name(request),
        "next_path": request.get_full_path(),
        "staff_home_url": staff_home,
    }
    return render_error(request, "403.html", 403, context)


def csrf_failure(request, reason=""):
    """A form sent without its valid token: open too long, or cookies are off."""
    context = {
        # The form's own address (the path it was sent to), never the Referer: a link back to
        # another site would make this page an open redirect.
        "form_path": request.path,
        "login_url_name": _login_url_name(request),
    }
    return render_error(request, "403_csrf.html", 403, context)
