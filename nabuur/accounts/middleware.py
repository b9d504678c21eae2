"""Staff must enrol a second factor before they open any staff page (/<lang>/staff/…)."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from nabuur.staff.permissions import scopes_for

from .services import exempt_from_mfa_in_demo, has_second_factor

# The URL areas that only staff use; other apps' staff pages should live under /<lang>/staff/.
STAFF_AREAS = {"staff"}


def is_staff_page(path):
    parts = path.split("/", 3)
    return len(parts) > 2 and parts[2] in STAFF_AREAS


def second_factor_missing(request):
    """True if the person holds a role but has no second factor (and no demo exemption)."""
    user = request.user
    if not (user.is_authenticated and scopes_for(user).is_staff) or has_second_factor(user):
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
