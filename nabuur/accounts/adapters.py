from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.contrib import messages
from django.utils.translation import gettext_lazy as _

from .services import email_in_use, keep_login_email_primary


class AccountAdapter(DefaultAccountAdapter):
    """Staff never sign up: a zone administrator or officer invites them (nabuur.accounts).

    A login address changes only through services.change_login_email: allauth's own ways of
    moving it (removing the login address's row, confirming an address while no row is
    primary) are closed here.
    """

    # Our own words for every message a person can meet: allauth's Dutch catalogue says "je"
    # where Nabuur says "u", and its English says "email". (Phone numbers and usernames are
    # not used here; allauth's own words stay for them.)
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": _("This account is not active."),
        "cannot_remove_primary_email": _("You cannot remove the e-mail address you log in with."),
        "duplicate_email": _("This e-mail address is already linked to your account."),
        "email_password_mismatch": _("The e-mail address or the password is not correct."),
        "email_taken": _("Another person already uses this e-mail address."),
        "enter_current_password": _("Please enter your current password."),
        "incorrect_code": _("This code is not correct."),
        "incorrect_password": _("This password is not correct."),
        "invalid_or_expired_key": _("This link is not valid or has expired."),
        "invalid_login": _("Logging in did not succeed."),
        "invalid_password_reset": _("This link to choose a new password is not valid."),
        "max_email_addresses": _("You cannot add more than %d e-mail addresses."),
        # ACCOUNT_RATE_LIMITS["login_failed"] locks an address for 15 minutes.
        "too_many_login_attempts": _(
            "Too many failed attempts to log in with this address. For your safety, logging in "
            "is blocked for 15 minutes. You can reset your password meanwhile."
        ),
        "unknown_email": _("No account uses this e-mail address."),
        "unverified_primary_email": _("Your e-mail address must be confirmed first."),
        "select_only_one": _("Please choose only one."),
        "same_as_current": _("The new value must differ from the current one."),
        "rate_limited": _("Too many requests. Please wait a moment and try again."),
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


class MFAAdapter(DefaultMFAAdapter):
    """allauth's second factors, with Nabuur's words for their messages (formal Dutch)."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "add_email_blocked": _(
            "You cannot add an e-mail address to an account protected by a second factor."
        ),
        "cannot_delete_authenticator": _("You cannot switch off your second factor."),
        "cannot_generate_recovery_codes": _(
            "You can make recovery codes only once a second factor is set up."
        ),
        "incorrect_code": _("This code is not correct."),
        "unverified_email": _(
            "You can set up a second factor only once your e-mail address is confirmed."
        ),
    }


def user_display(user):
    """How allauth names a person on a page ("You are logged in as …"): their name, else their
    login address; never User.__str__, which is "person #12" for the logs."""
    # allauth also names the anonymous visitor, e.g. in the e-mails of a confirmation.
    first, last = getattr(user, "first_name", ""), getattr(user, "last_name", "")
    return f"{first} {last}".strip() or getattr(user, "email", "") or ""
