"""The person's own e-mail page (django-allauth's, made safe) and the link that undoes a change
of the login address. Both change the login address only through
services.change_login_email."""

from allauth.account.internal.flows.reauthentication import raise_if_reauthentication_required
from allauth.account.views import EmailView as AllauthEmailView
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from nabuur.lib.mail import recipient_language
from nabuur.staff.permissions import scopes_for

from .forms import SECOND_FACTOR_BLOCKS_NEW_ADDRESS
from .services import (
    EMAIL_UNDO_DAYS,
    EmailTaken,
    change_login_email,
    find_email_undo,
    keep_login_email_primary,
    undo_email_change,
)


def email_taken_message():
    return _("Another person already uses this e-mail address.")


class EmailView(AllauthEmailView):
    """allauth's page, with "make primary" going through change_login_email: only a confirmed
    address, never one another account uses, and the old address is told."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            # allauth's own sync would copy the login address as a row that is not primary.
            keep_login_email_primary(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # allauth refuses new addresses to such accounts (see forms.AddEmailForm).
        context["second_factor"] = is_mfa_enabled(self.request.user)
        context["second_factor_blocks"] = SECOND_FACTOR_BLOCKS_NEW_ADDRESS
        return context

    def _action_primary(self, request, *args, **kwargs):
        email_address = self._get_email_address(request)
        if email_address is None or email_address.email == request.user.email:
            return None
        raise_if_reauthentication_required(request, app="allauth.account")
        if not email_address.verified:
            messages.error(
                request,
                _(
                    "First confirm this address with the link we sent to it, then make it your "
                    "login."
                ),
            )
            return None
        user = request.user
        language = recipient_language(user, staff=scopes_for(user).is_staff)
        try:
            change_login_email(
                user, email_address.email, actor=user, verified=True, language=language
            )
        except EmailTaken:
            messages.error(request, email_taken_message())
            return None
        messages.success(request, _("This address is now your login address."))
        return HttpResponseRedirect(self.get_success_url())


email = EmailView.as_view()


def _invalid(request):
    context = {"days": EMAIL_UNDO_DAYS}
    return render(request, "account/email_undo_invalid.html", context, status=404)


@never_cache
def undo(request, token):
    """The link in the e-mail to an old login address: a GET asks, a POST gives it back."""
    change = find_email_undo(token)
    if change is None:
        return _invalid(request)
    error = None
    if request.method == "POST":
        try:
            restored = undo_email_change(token)
        except EmailTaken:
            error = email_taken_message()
        else:
            if restored is None:
                return _invalid(request)
            return render(request, "account/email_undo_done.html", {"email": change.email})
    return render(request, "account/email_undo.html", {"change": change, "error": error})
