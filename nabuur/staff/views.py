from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from .panels import panels_for
from .permissions import scopes_for


@login_required
def dashboard(request):
    """The staff home: one panel per thing the person works on (see nabuur.staff.panels)."""
    scopes = scopes_for(request.user)
    if not scopes.is_staff:
        raise PermissionDenied
    panels = panels_for(request, scopes)
    networks = next((p.context["networks"] for p in panels if "networks" in p.context), [])
    return render(
        request,
        "staff/dashboard.html",
        {
            "panels": panels,
            "networks": networks,
            "assignments": scopes.assignments,
            "unscreened": [a for a in scopes.assignments if a.is_coordinator and not a.is_screened],
        },
    )
