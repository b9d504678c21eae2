"""Staff pages of the charter and the evaluation, and the members' survey page.

access (nabuur.evaluation.access, nabuur.staff.access) → form (forms.py) → service
(services.py, reports.py) → render (templates/evaluation/).
"""

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nabuur.lib import clock
from nabuur.staff import waiting
from nabuur.staff.access import get_municipality_for, get_network_for, get_zone_for
from nabuur.staff.permissions import Capability, can, networks_where

from . import charts, figures, reports, services
from .access import get_charter_for, get_evaluation_for
from .forms import (
    BudgetFormSet,
    ConfirmForm,
    ContributionForm,
    EvaluationForm,
    FodForm,
    SurveyForm,
)
from .models import CharterState, CharterVersion, Evaluation

C = Capability


def _refused(request, error):
    messages.error(request, str(error))


@login_required
def index(request):
    """The person's BINs with their charter and evaluations. A fixed number of queries."""
    networks = list(
        networks_where(request.user, C.VIEW_EVALUATION)
        .select_related("municipality")
        .prefetch_related(
            Prefetch("charters", queryset=CharterVersion.objects.order_by("-version")),
            Prefetch("evaluations", queryset=Evaluation.objects.order_by("-year")),
        )
        .order_by("name", "pk")
    )
    if not networks:
        raise PermissionDenied
    for network in networks:
        charters = list(network.charters.all())
        network.charter_in_force = next(
            (c for c in charters if c.state == CharterState.IN_FORCE), None
        )
        network.charter_draft = next((c for c in charters if c.is_draft), None)
    return render(request, "evaluation/index.html", {"networks": networks})


# --- Charter ----------------------------------------------------------------------------------


@login_required
def charter(request, slug):
    network = get_network_for(request.user, C.VIEW_EVALUATION, slug)
    versions = list(
        CharterVersion.objects.filter(network=network)
        .prefetch_related("signatures__user", "budget")
        .order_by("-version")
    )
    for version in versions:
        version.network = network
    draft = next((v for v in versions if v.is_draft), None)
    in_force = next((v for v in versions if v.state == CharterState.IN_FORCE), None)
    may_sign = can(request.user, C.SIGN_CHARTER, network)
    party = services.party_for(request.user, network) if may_sign else None
    context = {
        "network": network,
        "versions": versions,
        "draft": reports.charter_context(draft) if draft else None,
        "in_force": reports.charter_context(in_force) if in_force else None,
        "may_sign": may_sign,
        "party": party,
        "has_signed": draft is not None and any(s.party == party for s in draft.signatures.all()),
        "may_record_fod": can(request.user, C.RECORD_FOD_EXCHANGE, network),
        "fod_form": FodForm(
            initial={
                "sent_to_fod_on": in_force.sent_to_fod_on,
                "fod_answered_on": in_force.fod_answered_on,
                "fod_answer": in_force.fod_answer,
            }
        )
        if in_force
        else None,
    }
    return render(request, "evaluation/charter.html", context)


@login_required
@require_POST
def charter_start(request, slug):
    network = get_network_for(request.user, C.SIGN_CHARTER, slug)
    if ConfirmForm(request.POST).is_valid():
        charter = services.start_charter(network, request.user)
        messages.success(
            request,
            _("Version %(version)s of the charter is a draft. Check it, then sign it.")
            % {"version": charter.version},
        )
    return redirect("evaluation:charter", slug=network.slug)


@login_required
def charter_budget(request, slug, version):
    charter = get_charter_for(request.user, C.SIGN_CHARTER, slug, version)
    if not charter.is_draft:
        raise Http404
    initial = [
        {"item": line.item, "amount": line.amount, "paid_by": line.paid_by}
        for line in charter.budget.all()
    ]
    formset = BudgetFormSet(request.POST or None, initial=initial, prefix="lines")
    contribution = ContributionForm(
        request.POST or None, initial={"member_contribution": charter.member_contribution}
    )
    if request.method == "POST" and formset.is_valid() and contribution.is_valid():
        lines = [
            {key: form.cleaned_data[key] for key in ("item", "amount", "paid_by")}
            for form in formset
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        try:
            services.update_budget(
                charter,
                request.user,
                lines=lines,
                member_contribution=contribution.cleaned_data["member_contribution"],
            )
        except services.Refused as error:
            _refused(request, error)
        else:
            messages.success(request, _("The budget plan has been saved."))
        return redirect("evaluation:charter", slug=charter.network.slug)
    return render(
        request,
        "evaluation/charter_budget.html",
        {
            "charter": charter,
            "network": charter.network,
            "formset": formset,
            "contribution": contribution,
        },
    )


@login_required
@require_POST
def charter_sign(request, slug, version):
    charter = get_charter_for(request.user, C.SIGN_CHARTER, slug, version)
    if ConfirmForm(request.POST).is_valid():
        try:
            charter = services.sign_charter(charter, request.user)
        except services.Refused as error:
            _refused(request, error)
        else:
            if charter.state == CharterState.IN_FORCE:
                messages.success(request, _("Every partner has signed: the charter is in force."))
            else:
                messages.success(request, _("Your signature has been recorded."))
    return redirect("evaluation:charter", slug=charter.network.slug)


@login_required
@require_POST
def charter_fod(request, slug, version):
    charter = get_charter_for(request.user, C.RECORD_FOD_EXCHANGE, slug, version)
    form = FodForm(request.POST)
    if form.is_valid():
        try:
            services.record_fod(
                charter,
                request.user,
                sent_on=form.cleaned_data["sent_to_fod_on"],
                answered_on=form.cleaned_data["fod_answered_on"],
                answer=form.cleaned_data["fod_answer"],
            )
        except services.Refused as error:
            _refused(request, error)
        else:
            messages.success(request, _("The exchange with the FOD has been recorded."))
    else:
        for errors in form.errors.values():
            _refused(request, " ".join(errors))
    return redirect("evaluation:charter", slug=charter.network.slug)


@login_required
def charter_pdf(request, slug, version):
    charter = get_charter_for(request.user, C.VIEW_EVALUATION, slug, version)
    pdf = reports.charter_pdf(charter, request.user)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="charter-{charter.network.slug}-v{charter.version}.pdf"'
    )
    return response


# --- Evaluation -------------------------------------------------------------------------------


@login_required
def detail(request, slug, year):
    evaluation = get_evaluation_for(request.user, C.VIEW_EVALUATION, slug, year)
    network = evaluation.network
    may_edit = can(request.user, C.EDIT_EVALUATION, network)
    party = services.party_for(request.user, network) if may_edit else None
    report = reports.evaluation_report(evaluation)
    context = {
        **report,
        "may_edit": may_edit and evaluation.is_editable,
        "may_sign": may_edit
        and party is not None
        and evaluation.state != "signed"
        and not evaluation.signatures.filter(party=party).exists(),
        "may_view_figures": can(request.user, C.VIEW_FIGURES, network),
        # "Reminder sent to … on …", "Handed over to … on …" (staff.waiting).
        "escalation_trail": waiting.trail(evaluation),
    }
    return render(request, "evaluation/detail.html", context)


@login_required
def edit(request, slug, year):
    evaluation = get_evaluation_for(request.user, C.EDIT_EVALUATION, slug, year)
    if not evaluation.is_editable:
        messages.error(request, _("A signed evaluation cannot change."))
        return redirect("evaluation:detail", slug=slug, year=year)
    form = EvaluationForm(request.POST or None, instance=Evaluation.objects.get(pk=evaluation.pk))
    if form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.fields}
        services.save_evaluation(evaluation, request.user, data)
        messages.success(request, _("The evaluation has been saved."))
        return redirect("evaluation:detail", slug=slug, year=year)
    return render(
        request,
        "evaluation/edit.html",
        {"form": form, "evaluation": evaluation, "network": evaluation.network},
    )


@login_required
@require_POST
def sign(request, slug, year):
    evaluation = get_evaluation_for(request.user, C.EDIT_EVALUATION, slug, year)
    if ConfirmForm(request.POST).is_valid():
        try:
            evaluation = services.sign_evaluation(evaluation, request.user)
        except services.Refused as error:
            _refused(request, error)
        else:
            if evaluation.state == "signed":
                messages.success(request, _("Both sides have signed: the evaluation is final."))
            else:
                messages.success(
                    request,
                    _("Your signature has been recorded; the figures are now frozen."),
                )
    return redirect("evaluation:detail", slug=slug, year=year)


@login_required
@require_POST
def survey_start(request, slug, year):
    evaluation = get_evaluation_for(request.user, C.EDIT_EVALUATION, slug, year)
    if ConfirmForm(request.POST).is_valid():
        try:
            count = services.start_survey(evaluation, request.user)
        except services.Refused as error:
            _refused(request, error)
        else:
            messages.success(
                request, _("The survey has been sent to %(count)s members.") % {"count": count}
            )
    return redirect("evaluation:detail", slug=slug, year=year)


# Which attributes of a counted row the figure page shows: no names, no addresses.
ROW_COLUMNS = {
    "members.Membership": ["status", "approved_at", "left_at", "end_reason"],
    "members.Measure": ["kind", "state", "confirmed_at"],
    "messaging.Message": ["kind", "author_side", "state", "queued_at"],
    "messaging.MessageEvent": ["message_id", "state", "created_at"],
    "messaging.Delivery": ["message_id", "state", "sent_at"],
    "messaging.Feedback": ["useful", "comment", "updated_at"],
    "evaluation.CharterVersion": ["version", "state", "created_at"],
    "messaging.CommunicationPlan": ["version", "created_at"],
    "evaluation.SurveyAnswer": ["feeling_of_safety", "usefulness", "remark"],
}
# The items left waiting past twice their deadline: what waited, and when others were told.
HANDED_OVER_COLUMNS = {
    "messaging.Message": ["kind", "state", "handed_over_at"],
    "members.Membership": ["status", "requested_at", "handed_over_at"],
    "members.Measure": ["kind", "state", "handed_over_at"],
    "evaluation.Evaluation": ["year", "state", "handed_over_at"],
}


def _heading(model, name):
    if name == "handed_over_at":
        return _("handed over to the others")
    return model._meta.get_field(name.removesuffix("_id")).verbose_name


def _cell(row, name):
    display = getattr(row, f"get_{name}_display", None)
    return display() if display else getattr(row, name)


@login_required
def figure_rows(request, slug, year, key):
    evaluation = get_evaluation_for(request.user, C.VIEW_FIGURES, slug, year)
    figure = figures.BY_KEY.get(key)
    if figure is None:
        raise Http404
    rows = list(figures.linked_rows(evaluation, key))
    if key in figures.HANDED_OVER_KEYS:
        columns = HANDED_OVER_COLUMNS[figure.model]
    else:
        columns = ROW_COLUMNS[figure.model]
    model = apps.get_model(figure.model)
    headings = [_heading(model, name) for name in columns]
    return render(
        request,
        "evaluation/figure_rows.html",
        {
            "evaluation": evaluation,
            "network": evaluation.network,
            "figure": figure,
            "headings": headings,
            "rows": [(row, [_cell(row, name) for name in columns]) for row in rows],
            "value": figures.figures_of(evaluation)[key]["value"]
            if evaluation.figures is not None
            else len(rows),
            "is_message": figure.model == "messaging.Message",
        },
    )


@login_required
def figures_csv(request, slug, year):
    evaluation = get_evaluation_for(request.user, C.VIEW_FIGURES, slug, year)
    response = HttpResponse(reports.figures_csv(evaluation), content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="evaluation-{evaluation.network.slug}-{evaluation.year}.csv"'
    )
    return response


@login_required
def evaluation_pdf(request, slug, year):
    evaluation = get_evaluation_for(request.user, C.VIEW_EVALUATION, slug, year)
    response = HttpResponse(
        reports.evaluation_pdf(evaluation, request.user), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="evaluation-{evaluation.network.slug}-{evaluation.year}.pdf"'
    )
    return response


# --- Survey (members, by the e-mailed link) ---------------------------------------------------


def survey(request, token):
    """The member survey. The link is the proof; the answer is stored without the person."""
    invitation = services.invitation_for(token)
    if invitation is None:
        raise Http404
    evaluation = invitation.evaluation
    closed = invitation.answered or evaluation.figures is not None
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and not closed and form.is_valid():
        try:
            services.answer_survey(token, **form.cleaned_data)
        except services.Refused as error:
            _refused(request, error)
        else:
            messages.success(request, _("Thank you: your answer has been recorded anonymously."))
        return redirect("evaluation_survey:answer", token=token)
    return render(
        request,
        "evaluation/survey.html",
        {
            "form": form,
            "network": evaluation.network,
            "evaluation": evaluation,
            "closed": closed,
            "answered": invitation.answered,
        },
    )


# --- Overview ---------------------------------------------------------------------------------


def _chosen_year(text, years, default):
    """The year asked for in the year selector, or the default for anything else."""
    # int() would also take " 2024" and other scripts' digits: the selector sends none of those.
    if not (isinstance(text, str) and text.isascii() and text.isdigit()):
        return default
    return int(text) if int(text) in years else default


def _overview(request, place, networks, year, url_name, place_key):
    """The overview page of a zone or a municipality: its BINs side by side in one year, a
    year selector and the trend over the years. A fixed number of queries, however many BINs
    and years."""
    years = figures.overview_years(networks)
    # The last full year, as on the dashboard; overview_years() always holds it.
    default = clock.today().year - 1
    # The year selector submits ?year=; a year without data (or none at all) gets the default.
    # Either way the page lives at the year's own address, where its CSV link belongs.
    if "year" in request.GET or year not in years:
        chosen = _chosen_year(request.GET.get("year", str(year)), years, default)
        return redirect(url_name, place_key, chosen)
    trend = figures.trend(networks, years)
    context = {**reports.overview_context(networks, year), "place": place}
    context.update(
        years=sorted(years, reverse=True),
        trend=trend,
        trend_charts=charts.trend_charts(trend),
        trend_labels=list(charts.TREND_LABELS.values()),
        csv_url=reverse(f"{url_name}_csv", args=[place_key, year]),
    )
    return render(request, "evaluation/overview.html", context)


def _overview_csv(networks, year, filename):
    response = HttpResponse(reports.overview_csv(networks, year), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _networks_of(request, **filters):
    return list(
        networks_where(request.user, C.VIEW_FIGURES)
        .filter(**filters)
        .select_related("municipality")
        .order_by("municipality__name_nl", "name", "pk")
    )


@login_required
def overview_zone(request, slug, year):
    zone = get_zone_for(request.user, C.VIEW_FIGURES, slug)
    networks = _networks_of(request, municipality__zone=zone)
    return _overview(request, zone, networks, year, "evaluation:overview_zone", zone.slug)


@login_required
def overview_zone_csv(request, slug, year):
    zone = get_zone_for(request.user, C.VIEW_FIGURES, slug)
    networks = _networks_of(request, municipality__zone=zone)
    return _overview_csv(networks, year, f"overview-{zone.slug}-{year}.csv")


@login_required
def overview_municipality(request, nis_code, year):
    municipality = get_municipality_for(request.user, C.VIEW_FIGURES, nis_code)
    networks = _networks_of(request, municipality=municipality)
    return _overview(
        request,
        municipality,
        networks,
        year,
        "evaluation:overview_municipality",
        municipality.nis_code,
    )


@login_required
def overview_municipality_csv(request, nis_code, year):
    municipality = get_municipality_for(request.user, C.VIEW_FIGURES, nis_code)
    networks = _networks_of(request, municipality=municipality)
    return _overview_csv(networks, year, f"overview-{municipality.nis_code}-{year}.csv")
