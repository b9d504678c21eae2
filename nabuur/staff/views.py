from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from .permissions import Capability, networks_where, scopes_for


@login_required
def dashboard(request):
    """The staff home: the BINs the person works on. Later issues add their panels."""
    scopes = scopes_for(request.user)
    if not scopes.is_staff:
        raise PermissionDenied
    networks = networks_where(request.user, Capability.VIEW_NETWORKS).select_related("municipality")
    return render(
        request,
        "staff/dashboard.html",
        {
            "networks": networks,
            "assignments": scopes.assignments,
            "unscreened": [a for a in scopes.assignments if a.is_coordinator and not a.is_screened],
        },
    )
