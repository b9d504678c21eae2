"""The audit log viewer for zone administrators (/<lang>/staff/audit/).

The log itself lives in nabuur.audit, which knows no roles; who may read it is staff's to say.
A zone administrator reads the entries of their own zone. Entries without a zone (those written
before entries named their zone, and system jobs outside every zone) are read only by the
installation's own administrators: superusers who also administer a zone, so that they come
through the same second factor as every staff page.
"""

import datetime
import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import TextField
from django.db.models.functions import Cast
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from nabuur.accounts.decorators import require_recent_login
from nabuur.audit.models import AuditEntry
from nabuur.audit.services import current_head, verify_chain
from nabuur.zones.models import Zone

from .audit_labels import action_label, object_label, role_label
from .auditing import record, record_view
from .forms import AuditFilterForm
from .permissions import Capability, can, scopes_for

PAGE_SIZE = 50


def _require_audit_log(request):
    if not can(request.user, Capability.VIEW_AUDIT_LOG):
        raise PermissionDenied


def audit_zones(user):
    """The zones whose entries `user` reads: those over which they hold the capability (a
    zone administrator's reach is their whole zone), from the request's scopes."""
    scopes = scopes_for(user)
    zone_ids = scopes.grant(Capability.VIEW_AUDIT_LOG).zones
    zones = {role.zone_id: role.zone for role in scopes.assignments if role.zone_id in zone_ids}
    return list(zones.values())


def visible_entries(user):
    """The entries `user` may read once `_require_audit_log` let them in: their zones'
    entries; for a superuser every entry, those without a zone included."""
    if user.is_superuser:
        return AuditEntry.objects.all()
    return AuditEntry.objects.filter(zone_id__in=[zone.pk for zone in audit_zones(user)])


def _day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filtered_entries(data, entries):
    """(form, entries) for the viewer's GET parameters, among `entries`."""
    actions = entries.order_by("action").values_list("action", flat=True).distinct()
    form = AuditFilterForm(data or None, actions=list(actions))
    # The filter offers the actions in words, like the table.
    form.fields["action"].choices = [
        (value, action_label(value) if value else label)
        for value, label in form.fields["action"].choices
    ]
    entries = entries.order_by("-seq")
    if not form.is_valid():
        return form, entries
    values = form.cleaned_data
    if values["actor"]:
        entries = entries.filter(actor_id=values["actor"])
    if values["action"]:
        entries = entries.filter(action=values["action"])
    if values["person"]:
        # `subjects` is a JSON list of ids; its text form works on SQLite and PostgreSQL alike.
        entries = entries.annotate(subjects_text=Cast("subjects", TextField())).filter(
            subjects_text__regex=rf"[\[ ]{values['person']}[,\]]"
        )
    if values["since"]:
        entries = entries.filter(created_at__gte=_day_start(values["since"]))
    if values["until"]:
        entries = entries.filter(
            created_at__lt=_day_start(values["until"] + datetime.timedelta(days=1))
        )
    return form, entries


@login_required
def audit_log(request):
    _require_audit_log(request)
    form, entries = filtered_entries(request.GET, visible_entries(request.user))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    # The log stores codes ("members.view_member", "networks.network"); the page shows words.
    for entry in page.object_list:
        entry.action_label = action_label(entry.action)
        entry.role_label = role_label(entry.actor_role)
        entry.object_label = object_label(entry)
    # Someone who reads more than one zone's entries needs to see whose each one is.
    if request.user.is_superuser or len(audit_zones(request.user)) > 1:
        zones = Zone.objects.in_bulk({entry.zone_id for entry in page.object_list} - {None})
        for entry in page.object_list:
            zone = zones.get(entry.zone_id)
            entry.zone_name = zone.name if zone else ""
        show_zones = True
    else:
        show_zones = False
    context = {
        "form": form,
        "page_obj": page,
        "show_zones": show_zones,
        "chain_break": verify_chain(),
        "head": current_head(),
    }
    person = form.cleaned_data.get("person") if form.is_valid() else None
    # Looking into the log is itself logged (after reading it, so the page matches the head);
    # a search for a person concerns that person. Each zone whose entries the page showed
    # sees that in its own log.
    for zone in audit_zones(request.user):
        record_view(request, "audit.viewed", [person] if person else [], place=zone)
    return render(request, "staff/audit_log.html", context)


@login_required
def audit_head(request):
    """The current head as a JSON file, to keep outside Nabuur (after a fresh login)."""
    _require_audit_log(request)
    return _export_head(request)


@require_recent_login
def _export_head(request):
    head = current_head()
    for zone in audit_zones(request.user):
        record(
            request.user,
            "audit.head_exported",
            place=zone,
            capability=Capability.VIEW_AUDIT_LOG,
            details={"seq": head["seq"]},
        )
    response = HttpResponse(
        json.dumps(head, indent=2) + "\n", content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="nabuur-audit-head-{head["seq"]}.json"'
    return response
