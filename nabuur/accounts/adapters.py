from allauth.account.adapter import DefaultAccountAdapter
from django.utils.translation import gettext_lazy as _


class AccountAdapter(DefaultAccountAdapter):
    """Staff never sign up: a zone administrator or officer invites them (nabuur.accounts)."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # ACCOUNT_RATE_LIMITS["login_failed"] locks an address for 15 minutes.
        "too_many_login_attempts": _(
            "Too many failed attempts to log in with this address. For your safety, logging in "
            "is blocked for 15 minutes. You can reset your password meanwhile."
        ),
    }

    def is_open_for_signup(self, request):
        return False
