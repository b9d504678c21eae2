from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.utils.translation import gettext_lazy as _

from .services import email_in_use, keep_login_email_primary


class AccountAdapter(DefaultAccountAdapter):
    """Staff never sign up: a zone administrator or officer invites them (nabuur.accounts).

    A login address changes only through services.change_login_email: allauth's own ways of
    moving it (removing the login address's row, confirming an address while no row is
    primary) are closed here.
    """

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

    def can_delete_email(self, email_address):
        # allauth would hand the login to another row, or leave the account without one.
        if email_address.email.lower() == (email_address.user.email or "").lower():
            return False
        return super().can_delete_email(email_address)

    def confirm_email(self, request, email_address):
        user = email_address.user
        if email_in_use(email_address.email, other_than=user):
            messages.error(request, _("Another person already uses this e-mail address."))
            return False
        # allauth makes a confirmed address primary, and the login, when no row is primary yet.
        keep_login_email_primary(user)
        return super().confirm_email(request, email_address)
