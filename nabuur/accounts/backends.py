"""The one authentication backend that checks passwords, with a bound that holds everywhere.

allauth locks an address after NABUUR_LOGIN_ATTEMPTS failed logins in 15 minutes (its
"login_failed" rate limit, kept in Django's cache) and says so on the login page. Its count is
read and written in separate steps, so attempts racing in several processes can slip past it.
This backend takes a number from an atomic counter (operations.RateCounter) before it checks a
password: at most NABUUR_LOGIN_ATTEMPTS wrong passwords are checked per address in 15 minutes,
whatever the number of processes and machines.
"""

from allauth.account.adapter import get_adapter
from allauth.account.auth_backends import AuthenticationBackend
from django.conf import settings
from django.core.exceptions import PermissionDenied

from nabuur.operations.models import RateCounter

SCOPE = "login-password"
WINDOW_SECONDS = 15 * 60


class LimitedPasswordBackend(AuthenticationBackend):
    def authenticate(self, request, **credentials):
        password = credentials.get("password")
        address = (credentials.get("email") or credentials.get("username") or "").strip().lower()
        if not password or not address:
            return None
        if RateCounter.objects.hit(SCOPE, address, WINDOW_SECONDS) > settings.NABUUR_LOGIN_ATTEMPTS:
            # The answer allauth's own lock gives (a form error on the login and
            # reauthentication pages), for the attempts that raced past it.
            raise get_adapter(request).validation_error("too_many_login_attempts")
        user = super().authenticate(request, **credentials)
        if user is None:
            # Final: the backends after this one (ModelBackend) must not check it again.
            raise PermissionDenied
        # The right password uses up no attempt (allauth rolls its own count back too).
        RateCounter.objects.give_back(SCOPE, address)
        return user
