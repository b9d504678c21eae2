"""A member's measures: proposing one, confirming or withdrawing a proposal (the house rules),
the letter that tells a member without e-mail, and marking that letter posted.

Mounted with the coordinator's pages at /<lang>/staff/members/<slug>/<id>/measures/; the member's
page (staff_views.member) shows the measures and the form.
"""

import smtplib

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from nabuur.staff.access import get_network_for
from nabuur.staff.permissions import Capability

from .forms import MeasureForm
from .models import Measure
from .services.measures import (
    MeasureRefused,
    confirm_measure,
    mark_letter_posted,
    measure_letter_pdf,
    propose_measure,
    withdraw_measure,
)
from .staff_views import MEASURE_FORM_KEY, _get_membership, staff_page

MAIL_FAILED = (OSError, smtplib.SMTPException)


def _back(membership):
    return redirect(
        "members_staff:member", slug=membership.network.slug, membership_id=membership.pk
    )


def _get_measure(request, slug, membership_id, measure_id):
    """A measure of a member of a BIN where this person takes measures, or 404 (403 inside
    their scope without the capability)."""
    network = get_network_for(request.user, Capability.MEMBER_MEASURES, slug)
    membership = _get_membership(network, membership_id)
    measure = get_object_or_404(Measure, pk=measure_id, membership=membership)
    measure.membership = membership
    return measure


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
        return _back(membership)
    data = form.cleaned_data
    try:
        propose_measure(request.user, membership, data["kind"], data["reason"], data["until"])
    except MeasureRefused as refused:
        messages.error(request, str(refused))
    except MAIL_FAILED:
        messages.error(
            request,
            _(
                "We could not send the e-mail that tells the other side, so nothing was "
                "proposed. Please try again later."
            ),
        )
    else:
        messages.success(
            request, _("The measure is proposed. It takes effect once the other side confirms it.")
        )
    return _back(membership)


@require_POST
@staff_page
def decide_measure(request, slug, membership_id, measure_id):
    measure = _get_measure(request, slug, membership_id, measure_id)
    withdraw = request.POST.get("action") == "withdraw"
    try:
        if withdraw:
            changed = withdraw_measure(request.user, measure)
        else:
            changed = confirm_measure(request.user, measure)
    except MeasureRefused as refused:
        messages.error(request, str(refused))
    except MAIL_FAILED:
        messages.error(
            request,
            _(
                "We could not send the e-mail that tells the member, so the measure is not "
                "confirmed yet. Please try again later."
            ),
        )
    else:
        if not changed:
            messages.info(request, _("This proposal was already handled."))
        elif withdraw:
            messages.success(request, _("The proposal is withdrawn."))
        else:
            measure.refresh_from_db(fields=["by_letter"])
            messages.success(
                request,
                _(
                    "The measure is confirmed. The member receives no e-mail: print the letter "
                    "and post it, then mark it posted."
                )
                if measure.by_letter
                else _("The measure is confirmed and the member is told by e-mail."),
            )
    return _back(measure.membership)


@require_GET
@staff_page
def measure_letter(request, slug, membership_id, measure_id):
    measure = _get_measure(request, slug, membership_id, measure_id)
    pdf = measure_letter_pdf(request.user, measure)
    if pdf is None:
        raise Http404("This measure is not told by letter.")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="measure-{measure.pk}.pdf"'
    return response


@require_POST
@staff_page
def letter_posted(request, slug, membership_id, measure_id):
    measure = _get_measure(request, slug, membership_id, measure_id)
    if mark_letter_posted(request.user, measure):
        messages.success(request, _("The letter is marked as posted."))
    else:
        messages.info(request, _("This letter was already marked as posted."))
    return _back(measure.membership)
