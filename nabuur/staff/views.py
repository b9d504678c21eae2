import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nabuur.accounts.decorators import confirm_recent_login_to_change
from nabuur.lib import clock
from nabuur.zones import services as zone_services
from nabuur.zones.models import DocumentKind

from . import services
from .access import get_zone_for
from .auditing import record
from .forms import (
    ConfirmAdultForm,
    EndRoleForm,
    ScreeningForm,
    ZoneSettingsForm,
    ZoneStaffInviteForm,
)
from .models import (
    COORDINATOR_ROLES,
    MUNICIPALITY_ROLES,
    ZONE_ROLES,
    RoleAssignment,
    ScreeningResult,
)
from .panels import panels_for, waiting_queue
from .permissions import Capability, capacity, scopes_for


@login_required
def dashboard(request):
    """The staff home: one panel per thing the person works on (see nabuur.staff.panels)."""
    scopes = scopes_for(request.user)
    if not scopes.is_staff:
        raise PermissionDenied
    # The "To handle" queue comes first: what waits for this person, oldest deadline first.
    queue = waiting_queue(request)
    panels = panels_for(request, scopes)
    networks = next((p.context["networks"] for p in panels if "networks" in p.context), [])
    coordinator_roles = [a for a in scopes.assignments if a.is_coordinator]
    screening_pending = [
        a for a in coordinator_roles if a.screening_result != ScreeningResult.POSITIVE
    ]
    return render(
        request,
        "staff/dashboard.html",
        {
            "queue": queue,
            "panels": panels,
            "networks": networks,
            "assignments": scopes.assignments,
            "screening_pending": screening_pending,
            "to_confirm": [a for a in coordinator_roles if a.adult_confirmed_at is None],
        },
    )


@login_required
def confirm_role(request):
    """A coordinator confirms being 18 or older, which the role needs besides the screening."""
    if not scopes_for(request.user).is_staff:
        raise PermissionDenied
    roles = services.coordinator_roles_to_confirm(request.user)
    # An unticked box posts nothing: bind on the method, not on the data.
    form = ConfirmAdultForm(request.POST if request.method == "POST" else None)
    if roles and form.is_valid():
        services.confirm_adult(request.user)
        messages.success(request, _("Thank you. Your confirmation has been recorded."))
        return redirect("staff:dashboard")
    return render(request, "staff/confirm_role.html", {"roles": roles, "form": form})


# --- The zone's staff: municipality contacts, general coordinators, zone administrators ------


def _zone_roles(zone):
    """The roles of the zone page: over the zone itself or one of its municipalities."""
    return RoleAssignment.objects.filter(
        Q(zone=zone, role__in=ZONE_ROLES) | Q(municipality__zone=zone, role__in=MUNICIPALITY_ROLES)
    ).select_related("user", "municipality", "zone", "screened_by")


def _zone_role(zone, pk):
    return get_object_or_404(_zone_roles(zone), pk=pk)


@login_required
def zone_staff(request, slug):
    """The zone's staff with a role beyond one BIN, current and past; invite someone."""
    zone = get_zone_for(request.user, Capability.INVITE_STAFF, slug)
    confirm_recent_login_to_change(request)
    form = ZoneStaffInviteForm(request.POST or None, zone=zone)
    if form.is_valid():
        data = form.cleaned_data
        municipality = data["municipality"] if data["role"] in MUNICIPALITY_ROLES else None
        scope = {"municipality": municipality} if municipality else {"zone": zone}
        if services.already_holds(data["email"], data["role"], **scope):
            form.add_error("email", _("This person already holds this role."))
        else:
            services.invite(
                request.user,
                data["email"],
                data["role"],
                municipality=municipality,
                zone=None if municipality else zone,
                **form.person(),
            )
            messages.success(request, _("The invitation has been sent."))
            return redirect("staff:zone_staff", slug=zone.slug)
    today = clock.today()
    assignments = list(_zone_roles(zone).order_by("role", "municipality__name_nl", "-started_on"))
    for assignment in assignments:
        assignment.is_open = assignment.is_held_on(today)
    record(
        request.user,
        "staff.zone_staff_view",
        capability=Capability.INVITE_STAFF,
        target=zone,
        subjects=[a.user_id for a in assignments],
    )
    return render(
        request,
        "staff/zone_staff.html",
        {
            "zone": zone,
            "assignments": assignments,
            "form": form,
            "coordinator_roles": COORDINATOR_ROLES,
        },
    )


@login_required
def zone_role_end(request, slug, pk):
    zone = get_zone_for(request.user, Capability.INVITE_STAFF, slug)
    assignment = _zone_role(zone, pk)
    confirm_recent_login_to_change(request)
    form = EndRoleForm(request.POST or None)
    if form.is_valid():
        # The last administrator ending their own role would lock the zone out of itself.
        if assignment.user_id == request.user.pk:
            form.add_error(None, _("You cannot end your own role. Ask another administrator."))
        else:
            services.end_role(request.user, assignment, form.cleaned_data["ended_on"])
            messages.success(request, _("The role has been ended."))
            return redirect("staff:zone_staff", slug=zone.slug)
    return render(
        request,
        "staff/role_end.html",
        {"zone": zone, "assignment": assignment, "form": form},
    )


def screening_page(request, assignment, *, back_url, context):
    """The screening form of one coordinator role; shared by the zone and the BIN pages."""
    if assignment.role not in COORDINATOR_ROLES:
        raise PermissionDenied
    confirm_recent_login_to_change(request)
    initial = {
        "screening_result": assignment.screening_result,
        "screened_on": assignment.screened_on,
    }
    form = ScreeningForm(request.POST or None, initial=initial)
    if form.is_valid():
        services.record_screening(
            request.user,
            assignment,
            form.cleaned_data["screening_result"],
            form.cleaned_data["screened_on"],
        )
        messages.success(request, _("The screening has been recorded."))
        return redirect(back_url)
    return render(
        request,
        "staff/screening.html",
        {**context, "assignment": assignment, "form": form, "back_url": back_url},
    )


@login_required
def zone_role_screening(request, slug, pk):
    zone = get_zone_for(request.user, Capability.INVITE_STAFF, slug)
    assignment = _zone_role(zone, pk)
    return screening_page(
        request,
        assignment,
        back_url=reverse("staff:zone_staff", kwargs={"slug": zone.slug}),
        context={"zone": zone},
    )


# One sentence per document: the article before its name differs between languages.
PUBLISHED = {
    DocumentKind.PRIVACY_NOTICE: gettext_lazy("Version %(version)s of the privacy notice is out."),
    DocumentKind.HOUSE_RULES: gettext_lazy("Version %(version)s of the house rules is out."),
}


@login_required
def zone_settings(request, slug):
    """The zone's contact details, data controller and retention periods."""
    zone = get_zone_for(request.user, Capability.MANAGE_ZONE, slug)
    # The controller decides who may see member lists: as weighty as a role change.
    confirm_recent_login_to_change(request)
    # The form fills a copy: the service compares the new values with the zone as it was.
    form = ZoneSettingsForm(request.POST or None, instance=copy.copy(zone))
    if form.is_valid():
        change = zone_services.change_zone_settings(
            request.user,
            zone,
            form.cleaned_data,
            role=capacity(request.user, zone, Capability.MANAGE_ZONE),
        )
        if not change.changed:
            messages.info(request, _("Nothing was changed."))
        else:
            messages.success(request, _("The settings have been saved."))
        for document in change.published:
            messages.info(request, PUBLISHED[document.kind] % {"version": document.version})
        return redirect("staff:zone_settings", slug=zone.slug)
    return render(request, "staff/zone_settings.html", {"zone": zone, "form": form})
