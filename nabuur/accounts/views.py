from allauth.account.internal.flows.login import record_authentication
from allauth.account.utils import perform_login
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from nabuur.staff.services import confirm_adult, coordinator_roles_to_confirm

from .forms import AcceptInvitationForm
from .services import accept_invitation, find_invitation


@never_cache
def invitation(request, token):
    """Accept an invitation: choose a password, then enrol a second factor."""
    invite = find_invitation(token)
    if invite is None:
        return render(request, "account/invitation_invalid.html", status=404)
    asks_adult = bool(coordinator_roles_to_confirm(invite.user))
    form = AcceptInvitationForm(invite.user, request.POST or None, asks_adult=asks_adult)
    if request.method == "POST" and form.is_valid():
        if accept_invitation(invite, form.cleaned_data["password1"]):
            if form.cleaned_data.get("adult"):
                confirm_adult(invite.user)
            response = perform_login(
                request, invite.user, redirect_url=reverse("mfa_activate_totp")
            )
            # Counts as a fresh password login, so enrolment does not ask for it again.
            record_authentication(
                request, invite.user, "password", email=invite.user.email, reauthenticated=True
            )
            return response
        return render(request, "account/invitation_invalid.html", status=404)
    return render(request, "account/invitation.html", {"form": form, "invitee": invite.user})
