"""The audit log viewer for zone administrators (/<lang>/staff/audit/).

The log itself lives in nabuur.audit, which knows no roles; who may read it is staff's to say.
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

from .auditing import record, record_view
from .forms import AuditFilterForm
from .permissions import Capability, can

PAGE_SIZE = 50


def _require_audit_log(request):
    if not can(request.user, Capability.VIEW_AUDIT_LOG):
        raise PermissionDenied


def _day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filtered_entries(data):
    """(form, entries) for the viewer's GET parameters."""
    actions = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
    form = AuditFilterForm(data or None, actions=list(actions))
    entries = AuditEntry.objects.order_by("-seq")
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
    form, entries = filtered_entries(request.GET)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    context = {
        "form": form,
        "page_obj": page,
        "chain_break": verify_chain(),
        "head": current_head(),
    }
    person = form.cleaned_data.get("person") if form.is_valid() else None
    # Looking into the log is itself logged (after reading it, so the page matches the head);
    # a search for a person concerns that person.
    record_view(request, "audit.viewed", [person] if person else [])
    return render(request, "staff/audit_log.html", context)


@login_required
def audit_head(request):
    """The current head as a JSON file, to keep outside Nabuur (after a fresh login)."""
    _require_audit_log(request)
    return _export_head(request)


@require_recent_login
def _export_head(request):
    head = current_head()
    record(
        request.user,
        "audit.head_exported",
        capability=Capability.VIEW_AUDIT_LOG,
        details={"seq": head["seq"]},
    )
    response = HttpResponse(
        json.dumps(head, indent=2) + "\n", content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="nabuur-audit-head-{head["seq"]}.json"'
    return response
