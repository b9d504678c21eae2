"""Zone administration pages under /<lang>/staff/bins/: access → form → service → render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from nabuur.accounts.decorators import confirm_recent_login_to_change
from nabuur.lib import clock
from nabuur.staff.access import get_network_for
from nabuur.staff.auditing import record
from nabuur.staff.forms import AppointForm, EndRoleForm, PersonForm
from nabuur.staff.models import COORDINATOR_ROLES, NETWORK_ROLES, RoleAssignment
from nabuur.staff.permissions import Capability, can, networks_where, scopes_for
from nabuur.staff.services import INVITE_CAPABILITY, already_holds
from nabuur.staff.views import screening_page
from nabuur.zones.models import Municipality

from . import cap, segments_csv, services
from .forms import (
    NO_COORDINATOR,
    CapForm,
    MeasureForm,
    MergeForm,
    NetworkFilterForm,
    NetworkForm,
    SegmentForm,
    SegmentImportForm,
    StopForm,
)

C = Capability


def _zone_for_new_network(user):
    """The zone where the person may create BINs (the first, if they administer several)."""
    zones = scopes_for(user).grant(C.MANAGE_NETWORKS).zones
    if not zones:
        raise PermissionDenied
    return min(zones)


@login_required
def network_list(request):
    """Every BIN the person may see, with member counts, filtered by municipality."""
    if not can(request.user, C.VIEW_NETWORKS):
        raise PermissionDenied
    visible = networks_where(request.user, C.VIEW_NETWORKS)
    municipalities = Municipality.objects.filter(pk__in=visible.values("municipality")).order_by(
        "name_nl"
    )
    form = NetworkFilterForm(request.GET or None, municipalities=municipalities)
    if form.is_valid() and form.cleaned_data["municipality"]:
        visible = visible.filter(municipality=form.cleaned_data["municipality"])
    networks = services.networks_with_counts(visible).order_by("municipality__name_nl", "name")
    return render(
        request,
        "networks/network_list.html",
        {
            "networks": networks,
            "form": form,
            "may_create": can(request.user, C.MANAGE_NETWORKS),
        },
    )


@login_required
def network_create(request):
    zone_id = _zone_for_new_network(request.user)
    form = NetworkForm(request.POST or None, zone=zone_id)
    if form.is_valid():
        try:
            network = services.create_network(request.user, form.save(commit=False))
        except services.NoCoordinator:
            form.add_error("status", NO_COORDINATOR)
        else:
            messages.success(request, _("The BIN has been created."))
            return redirect("networks:detail", slug=network.slug)
    return render(request, "networks/network_form.html", {"form": form, "network": None})


@login_required
def network_detail(request, slug):
    network = get_network_for(request.user, C.VIEW_NETWORKS, slug)
    segments = network.segments.select_related("street")
    return render(
        request,
        "networks/network_detail.html",
        {
            "network": network,
            "segments": segments,
            "may_manage": can(request.user, C.MANAGE_NETWORKS, network),
            "may_appoint": can(request.user, C.INVITE_COORDINATORS, network),
            "may_export_alert": can(request.user, cap.EXPORT_CAPABILITY, network),
            "has_coordinator": services.has_coordinator(network),
        },
    )


@login_required
def network_edit(request, slug):
    network = get_network_for(request.user, C.MANAGE_NETWORKS, slug)
    form = NetworkForm(request.POST or None, instance=network, zone=network.municipality.zone_id)
    if form.is_valid():
        try:
            services.update_network(request.user, form.save(commit=False), form.changed_data)
        except services.NoCoordinator:
            form.add_error("status", NO_COORDINATOR)
        else:
            messages.success(request, _("The BIN has been saved."))
            return redirect("networks:detail", slug=network.slug)
        # The form wrote the refused values on the BIN; the page's title and links use the saved.
        network.refresh_from_db()
    return render(request, "networks/network_form.html", {"form": form, "network": network})


@login_required
def network_cap(request, slug):
    """The BE-Alert hand-off: choose BINs, write the texts, download the CAP 1.2 file."""
    network = get_network_for(request.user, cap.EXPORT_CAPABILITY, slug)
    # The BINs of this zone the person may alert for, which have an area to hand over.
    choosable = (
        networks_where(request.user, cap.EXPORT_CAPABILITY)
        .filter(municipality__zone_id=network.municipality.zone_id)
        .exclude(area="")
        .exclude(status__in=services.CLOSED_STATUSES)
        .select_related("municipality__zone")
        .order_by("municipality__name_nl", "name")
    )
    form = CapForm(request.POST or None, networks=choosable, initial={"bins": [network.pk]})
    if form.is_valid():
        data = form.cleaned_data
        alert = cap.export_alert(
            request.user,
            list(data["bins"]),
            form.texts(),
            exercise=data["exercise"],
            urgency=data["urgency"],
            severity=data["severity"],
            certainty=data["certainty"],
        )
        response = HttpResponse(alert.xml, content_type="application/xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{alert.filename}"'
        return response
    return render(request, "networks/network_cap.html", {"form": form, "network": network})


# --- Segments ------------------------------------------------------------------------------


def _segment_page(request, network, segment=None):
    form = SegmentForm(request.POST or None, instance=segment, network=network)
    overlaps = []
    if form.is_valid():
        candidate = form.save(commit=False)
        overlaps = services.overlapping_segments(network, candidate, exclude=segment)
        if not overlaps or form.cleaned_data["confirm_overlap"]:
            services.save_segment(request.user, candidate, overlaps=overlaps)
            messages.success(request, _("The segment has been saved."))
            return redirect("networks:detail", slug=network.slug)
    return render(
        request,
        "networks/segment_form.html",
        {"form": form, "network": network, "segment": segment, "overlaps": overlaps},
    )


@login_required
def segment_add(request, slug):
    network = get_network_for(request.user, C.MANAGE_NETWORKS, slug)
    return _segment_page(request, network)


@login_required
def segment_edit(request, slug, pk):
    network = get_network_for(request.user, C.MANAGE_NETWORKS, slug)
    segment = get_object_or_404(network.segments, pk=pk)
    return _segment_page(request, network, segment)


@login_required
def segment_delete(request, slug, pk):
    network = get_network_for(request.user, C.MANAGE_NETWORKS, slug)
    segment = get_object_or_404(network.segments.select_related("street"), pk=pk)
    if request.method == "POST":
        services.delete_segment(request.user, segment)
        messages.success(request, _("The segment has been deleted."))
        return redirect("networks:detail", slug=network.slug)
    return render(request, "networks/segment_delete.html", {"network": network, "segment": segment})


@login_required
def segment_import(request, slug):
    """Upload → preview of every row (problems, overlaps) → apply all rows or none."""
    network = get_network_for(request.user, C.MANAGE_NETWORKS, slug)
    form = SegmentImportForm(request.POST or None, request.FILES or None)
    parsed = None
    if form.is_valid():
        parsed = segments_csv.parse(form.cleaned_data["content"], network)
        for row in parsed.rows:
            if row.segment is not None:
                row.overlaps = services.overlapping_segments(network, row.segment)
        applying = "apply" in request.POST
        confirmed = not parsed.overlap_rows or form.cleaned_data["confirm_overlap"]
        if applying and parsed.ok and confirmed:
            added = services.import_segments(
                request.user,
                network,
                [row.segment for row in parsed.rows],
                replace=form.cleaned_data["replace"],
            )
            messages.success(request, _("%(count)s segments imported.") % {"count": added})
            return redirect("networks:detail", slug=network.slug)
        # The next step re-sends the decoded text, not the file.
        form = SegmentImportForm(
            initial={
                "content": form.cleaned_data["content"],
                "replace": form.cleaned_data["replace"],
            }
        )
    return render(
        request,
        "networks/segment_import.html",
        {"form": form, "network": network, "parsed": parsed},
    )


# --- Merge and stop ------------------------------------------------------------------------


def _open_network_for_manager(user, slug):
    network = get_network_for(user, C.MANAGE_NETWORKS, slug)
    if network.status in services.CLOSED_STATUSES:
        raise Http404
    return network


@login_required
def network_merge(request, slug):
    """Choose the BIN to merge into; then confirm a summary; then merge."""
    source = _open_network_for_manager(request.user, slug)
    form = MergeForm(request.POST or None, source=source)
    plan = None
    if form.is_valid():
        target = form.cleaned_data["target"]
        if not can(request.user, C.MANAGE_NETWORKS, target):
            raise PermissionDenied
        if "confirm" in request.POST:
            services.merge_networks(request.user, source, target)
            messages.success(
                request,
                _("%(source)s has been merged into %(target)s.")
                % {"source": source.name, "target": target.name},
            )
            return redirect("networks:detail", slug=target.slug)
        plan = services.plan_merge(source, target)
    return render(
        request, "networks/network_merge.html", {"form": form, "network": source, "plan": plan}
    )


@login_required
def network_stop(request, slug):
    network = _open_network_for_manager(request.user, slug)
    form = StopForm(request.POST or None)
    plan = services.plan_stop(network)
    if form.is_valid() and "confirm" in request.POST:
        services.stop_network(request.user, network, form.cleaned_data["reason"])
        messages.success(request, _("The BIN has been stopped and its members told."))
        return redirect("networks:detail", slug=network.slug)
    return render(
        request, "networks/network_stop.html", {"form": form, "network": network, "plan": plan}
    )


# --- Roles and measures --------------------------------------------------------------------


def _appointable_roles(user, network):
    return [role for role in NETWORK_ROLES if can(user, INVITE_CAPABILITY[role], network)]


def _role_of(user, network, pk):
    """An assignment of `network`; 403 if the person may not appoint to that role."""
    assignment = get_object_or_404(
        RoleAssignment.objects.select_related("user"), network=network, pk=pk
    )
    if not can(user, INVITE_CAPABILITY[assignment.role], network):
        raise PermissionDenied
    return assignment


def _not_holding_already(form, network, role):
    """False (with an error on the form) if the person already holds `role` in the BIN."""
    if already_holds(form.cleaned_data["email"], role, network=network):
        form.add_error("email", _("This person already holds this role in this BIN."))
        return False
    return True


@login_required
def network_roles(request, slug):
    """The BIN's coordinators and officers, current and past; appoint a new one."""
    network = get_network_for(request.user, C.INVITE_COORDINATORS, slug)
    confirm_recent_login_to_change(request)
    roles = _appointable_roles(request.user, network)
    form = AppointForm(request.POST or None, roles=roles)
    if form.is_valid() and _not_holding_already(form, network, form.cleaned_data["role"]):
        services.appoint(
            request.user,
            network,
            form.cleaned_data["role"],
            form.cleaned_data["email"],
            **form.person(),
        )
        messages.success(request, _("The invitation has been sent."))
        return redirect("networks:roles", slug=network.slug)
    today = clock.today()
    assignments = list(network.roles.select_related("user").order_by("role", "-started_on"))
    for assignment in assignments:
        assignment.is_open = assignment.is_held_on(today)
    record(
        request.user,
        "networks.roles_view",
        capability=C.INVITE_COORDINATORS,
        target=network,
        subjects=[a.user_id for a in assignments],
    )
    return render(
        request,
        "networks/network_roles.html",
        {
            "network": network,
            "assignments": assignments,
            "form": form,
            "may_record_measures": can(request.user, C.COORDINATOR_MEASURES, network),
            "coordinator_roles": COORDINATOR_ROLES,
        },
    )


@login_required
def role_end(request, slug, pk):
    network = get_network_for(request.user, C.INVITE_COORDINATORS, slug)
    assignment = _role_of(request.user, network, pk)
    confirm_recent_login_to_change(request)
    form = EndRoleForm(request.POST or None)
    if form.is_valid():
        services.end_role(request.user, assignment, form.cleaned_data["ended_on"])
        messages.success(request, _("The role has been ended."))
        return redirect("networks:roles", slug=network.slug)
    return render(
        request,
        "networks/role_end.html",
        {"network": network, "assignment": assignment, "form": form},
    )


@login_required
def role_replace(request, slug, pk):
    network = get_network_for(request.user, C.INVITE_COORDINATORS, slug)
    assignment = _role_of(request.user, network, pk)
    confirm_recent_login_to_change(request)
    form = PersonForm(request.POST or None)
    if form.is_valid() and _not_holding_already(form, network, assignment.role):
        services.replace_role(request.user, assignment, form.cleaned_data["email"], **form.person())
        messages.success(request, _("The role has been handed over and the invitation sent."))
        return redirect("networks:roles", slug=network.slug)
    return render(
        request,
        "networks/role_replace.html",
        {"network": network, "assignment": assignment, "form": form},
    )


@login_required
def role_screening(request, slug, pk):
    """Record the police screening of one of the BIN's coordinators."""
    network = get_network_for(request.user, C.INVITE_COORDINATORS, slug)
    assignment = _role_of(request.user, network, pk)
    return screening_page(
        request,
        assignment,
        back_url=reverse("networks:roles", kwargs={"slug": network.slug}),
        context={"network": network},
    )


@login_required
def coordinator_measures(request, slug, pk):
    """The measures taken against one coordinator of the BIN; record a new one."""
    network = get_network_for(request.user, C.COORDINATOR_MEASURES, slug)
    assignment = get_object_or_404(
        RoleAssignment.objects.select_related("user").filter(
            Q(role__in=COORDINATOR_ROLES), network=network
        ),
        pk=pk,
    )
    confirm_recent_login_to_change(request)
    form = MeasureForm(request.POST or None)
    if form.is_valid():
        data = form.cleaned_data
        services.record_measure(
            request.user,
            assignment,
            data["kind"],
            decided_on=data["decided_on"],
            decided_by=data["decided_by"],
            reasons=data["reasons"],
            until=data["removed_until"],
        )
        messages.success(request, _("The measure has been recorded."))
        return redirect("networks:measures", slug=network.slug, pk=assignment.pk)
    return render(
        request,
        "networks/coordinator_measures.html",
        {
            "network": network,
            "assignment": assignment,
            "measures": assignment.measures.select_related("recorded_by"),
            "form": form,
        },
    )
