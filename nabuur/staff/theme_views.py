"""The zone's look page: main colour and logo, for the zone's administrators (issue 15)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from nabuur.accounts.decorators import confirm_recent_login_to_change

from .access import get_zone_for
from .permissions import Capability
from .theme_forms import ZoneLookForm
from .theme_services import change_zone_look


@login_required
def zone_theme(request, slug):
    """The colour and logo every page of the zone shows."""
    zone = get_zone_for(request.user, Capability.MANAGE_ZONE, slug)
    # The same care as the zone's other settings: every page shows what is set here.
    confirm_recent_login_to_change(request)
    form = ZoneLookForm(request.POST or None, request.FILES or None, zone=zone)
    if form.is_valid():
        changed = change_zone_look(
            request.user,
            zone,
            colour=form.cleaned_data["theme_colour"],
            logo=form.cleaned_data["logo"],
            remove_logo=form.cleaned_data.get("remove_logo", False),
        )
        if changed:
            messages.success(request, _("The look of the zone has been saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("staff:zone_theme", slug=zone.slug)
    return render(request, "staff/zone_theme.html", {"zone": zone, "form": form})
