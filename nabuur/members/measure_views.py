"""A member's measures: taking one, confirming or withdrawing a proposal (the house rules).

Mounted with the coordinator's pages at /<lang>/staff/members/<slug>/<id>/measures/; the member's
page (staff_views.member) shows the measures and the form.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nabuur.staff.access import get_network_for
from nabuur.staff.permissions import Capability

from . import services
from .forms import MeasureForm
from .models import Measure, MeasureKind
from .services import MeasureRefused
from .staff_views import MEASURE_FORM_KEY, _get_membership, staff_page


@require_POST
@staff_page
def take_measure(request, slug, membership_id):
    network = get_network_for(request.user, Capability.MEMBER_MEASURES, slug)
    membership = _get_membership(network, membership_id)
    form = MeasureForm(request.POST)
    if not form.is_valid():
        # The member's page shows the form again with what was typed, each error next to its
        # field; the answer stays a redirect, so reloading that page never posts twice.
        data = {name: request.POST.get(name, "") for name in form.fields}
        request.session[MEASURE_FORM_KEY] = {"membership": membership.pk, "data": data}
        return redirect("members_staff:member", slug=slug, membership_id=membership.pk)
    data = form.cleaned_data
    try:
        if data["kind"] == MeasureKind.WRITTEN_REPRIMAND:
            services.reprimand(request.user, membership, data["reason"])
            messages.success(request, _("The reprimand is recorded and sent."))
        elif data["kind"] == MeasureKind.TEMPORARY_SUSPENSION:
            services.suspend_until(request.user, membership, data["reason"], data["until"])
            messages.success(request, _("The member is suspended."))
        else:
            services.propose_permanent_suspension(request.user, membership, data["reason"])
            messages.success(
                request,
                _("The permanent suspension is proposed. The other side must confirm it."),
            )
    except MeasureRefused as refused:
        messages.error(request, str(refused))
    return redirect("members_staff:member", slug=slug, membership_id=membership.pk)


@require_POST
@staff_page
def decide_measure(request, slug, membership_id, measure_id):
    network = get_network_for(request.user, Capability.MEMBER_MEASURES, slug)
    membership = _get_membership(network, membership_id)
    measure = get_object_or_404(
        Measure.objects.select_related("membership__network"),
        pk=measure_id,
        membership=membership,
        kind=MeasureKind.PERMANENT_SUSPENSION,
    )
    withdraw = request.POST.get("action") == "withdraw"
    try:
        if withdraw:
            changed = services.withdraw_measure(request.user, measure)
        else:
            changed = services.confirm_permanent_suspension(request.user, measure)
    except MeasureRefused as refused:
        messages.error(request, str(refused))
    else:
        if not changed:
            messages.info(request, _("This proposal was already handled."))
        elif withdraw:
            messages.success(request, _("The proposal is withdrawn."))
        else:
            messages.success(request, _("The permanent suspension is confirmed."))
    return redirect("members_staff:member", slug=slug, membership_id=membership.pk)
