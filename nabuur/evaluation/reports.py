"""What the pages, PDFs and CSV files of the evaluation show: figures, rates, survey, charts."""

import csv
import datetime
import io
import statistics

from django.db import models
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from nabuur.lib import clock, pdf
from nabuur.messaging.models import AuthorSide, CommunicationPlan, MessageKind
from nabuur.messaging.plans import default_plan
from nabuur.staff.auditing import record
from nabuur.staff.permissions import Capability

from . import figures
from .charts import evaluation_charts, overview_charts
from .coverage import Coverage, coverage_of
from .models import (
    CHARTER_PARTIES,
    EVALUATION_PARTIES,
    QUALITATIVE_FIELDS,
    Evaluation,
    EvaluationState,
    Usefulness,
)


def survey_results(evaluation):
    """The anonymous results: counts and averages, and the remarks in alphabetical order (so
    that their order tells nothing about who answered when)."""
    answers = list(evaluation.answers.values_list("feeling_of_safety", "usefulness", "remark"))
    invited = evaluation.survey_invited
    safety = [row[0] for row in answers]
    return {
        "sent": evaluation.survey_sent_at is not None,
        "invited": invited,
        "answers": len(answers),
        "response_rate": round(100 * len(answers) / invited, 1) if invited else None,
        "average_safety": round(statistics.mean(safety), 1) if safety else None,
        "safety": [(str(n), safety.count(n)) for n in range(1, 6)],
        "usefulness": [
            (label, sum(1 for row in answers if row[1] == value))
            for value, label in Usefulness.choices
        ],
        "remarks": sorted(row[2] for row in answers if row[2].strip()),
    }


def evaluation_report(evaluation, values=None):
    """Everything the evaluation page and its PDF show, in the active language. `values`: the
    figures when the caller already has them (a PDF in two languages counts them once)."""
    if values is None:
        values = figures.figures_of(evaluation)
    groups = figures.grouped(values)
    by_key = {key: value["value"] for key, value in values.items()}
    survey = survey_results(evaluation)
    charts = evaluation_charts(groups, survey)
    signatures = {s.party: s for s in evaluation.signatures.select_related("user")}
    return {
        "evaluation": evaluation,
        "network": evaluation.network,
        "groups": groups,
        "values": by_key,
        "rates": figures.rates(values),
        "decision_hours": by_key.get("decision_hours"),
        "survey": survey,
        "charts": charts,
        "qualitative": [
            (Evaluation._meta.get_field(name).verbose_name, getattr(evaluation, name))
            for name in QUALITATIVE_FIELDS
        ],
        "signatures": [(party, signatures.get(party.value)) for party in EVALUATION_PARTIES],
        "frozen": evaluation.figures is not None,
    }


def figures_csv(evaluation):
    """The figures as CSV text: key, label, value (labels in the active language)."""
    values = figures.figures_of(evaluation)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["key", _("figure"), _("value")])
    for figure in figures.FIGURES:
        writer.writerow([figure.key, str(figure.label), values[figure.key]["value"]])
    for key, value in figures.rates(values).items():
        writer.writerow([key, key, "" if value is None else value])
    hours = values.get("decision_hours", {}).get("value")
    writer.writerow(["decision_hours", "decision_hours", "" if hours is None else hours])
    return out.getvalue()


def _document(network, template, contexts, title):
    """One tagged PDF with a part per language: `contexts` {language: context of
    `template`}; `title()` is the document's title in the active language. Each part carries
    the zone's letterhead and the page footer in its own language."""
    head = pdf.letterhead(network.municipality.zone)
    today = clock.today()
    parts, titles = [], []
    for language, context in contexts.items():
        with translation.override(language):
            titles.append(title())
            parts.append(
                render_to_string(
                    template,
                    {
                        **context,
                        "language": language,
                        "head": head,
                        "title": titles[-1],
                        "today": today,
                        "pages": pdf.page_numbers(),
                    },
                )
            )
    html = render_to_string(
        "documents/pdf.html",
        {"parts": parts, "title": titles[0], "language": next(iter(contexts)), "head": head},
    )
    return pdf.render(html)


def evaluation_pdf(evaluation, actor):
    """The evaluation as a tagged PDF, one part per language of the municipality."""
    network = evaluation.network
    # Counted once for all languages: while the evaluation is open, most of the work.
    values = figures.figures_of(evaluation)
    contexts = {}
    for language in network.municipality.languages:
        with translation.override(language):
            contexts[language] = evaluation_report(evaluation, values)
    document = _document(
        network,
        "evaluation/evaluation_pdf_section.html",
        contexts,
        lambda: (
            _("Evaluation %(year)s of %(name)s") % {"year": evaluation.year, "name": network.name}
        ),
    )
    record(actor, "evaluation.pdf", target=evaluation, capability=Capability.VIEW_EVALUATION)
    return document


def plan_rules(charter):
    """The communication plan the charter was written with, in full: its version, each of its
    yes-or-no rules (every boolean field of the plan, by its name) and the classes each side
    may send."""
    plan = CommunicationPlan.objects.filter(
        network=charter.network, version=charter.plan_version
    ).first() or default_plan(charter.network)
    labels = dict(MessageKind.choices)
    return {
        "plan": plan,
        "rules": [
            (field.verbose_name, getattr(plan, field.name))
            for field in CommunicationPlan._meta.get_fields()
            if isinstance(field, models.BooleanField)
        ],
        "police_kinds": [labels.get(kind, kind) for kind in plan.kinds_for(AuthorSide.POLICE)],
        "coordinator_kinds": [
            labels.get(kind, kind) for kind in plan.kinds_for(AuthorSide.COORDINATOR)
        ],
    }


def charter_context(charter):
    signatures = {s.party: s for s in charter.signatures.select_related("user")}
    budget = list(charter.budget.all())
    return {
        "charter": charter,
        "network": charter.network,
        "parties": [
            (party, charter.contacts_of(party.value), signatures.get(party.value))
            for party in CHARTER_PARTIES
        ],
        "budget": budget,
        "budget_total": sum(line.amount for line in budget),
        "plan": plan_rules(charter),
    }


def charter_pdf(charter, actor):
    """A charter version as a tagged PDF in the municipality's language(s), for the FOD."""
    network = charter.network
    context = charter_context(charter)
    document = _document(
        network,
        "evaluation/charter_pdf_section.html",
        dict.fromkeys(network.municipality.languages, context),
        lambda: _("Charter of %(name)s") % {"name": network.name},
    )
    # The PDF carries the partners' names and contacts.
    record(
        actor,
        "evaluation.charter_pdf",
        target=charter,
        capability=Capability.VIEW_EVALUATION,
        subjects=[c["user"] for c in charter.contacts],
    )
    return document


OVERVIEW_COLUMNS = [
    "members_start",
    "members_end",
    "joins",
    "leaves",
    "messages",
    "feedback_useful",
    "feedback_not_useful",
]


def overview_rows(networks, year):
    """One row per BIN for `year`: its figures and evaluation state. The figures are the frozen
    ones where the evaluation was signed, else counted live for all BINs at once (a fixed number
    of queries, however many BINs)."""
    evaluations = {
        e.network_id: e for e in Evaluation.objects.filter(network__in=networks, year=year)
    }
    periods = {}
    for network in networks:
        if network.pk not in evaluations:
            # Not opened (yet): the calendar year, counted live.
            evaluations[network.pk] = Evaluation(
                network=network,
                year=year,
                period_start=datetime.date(year, 1, 1),
                period_end=datetime.date(year, 12, 31),
            )
        evaluation = evaluations[network.pk]
        if evaluation.figures is None:
            periods.setdefault(figures.bounds(evaluation), []).append(network.pk)
    live = figures.overview_counts(periods)
    # Dwellings in each area against member households: frozen for signed years; live
    # otherwise, and for years signed before coverage was frozen.
    covered = coverage_of(networks)
    rows = []
    for network in networks:
        evaluation = evaluations[network.pk]
        values = evaluation.figures if evaluation.figures is not None else live[network.pk]
        rates = figures.rates(values)
        coverage = covered[network.pk]
        if evaluation.figures is not None and "dwellings" in evaluation.figures:
            coverage = Coverage(
                dwellings=evaluation.figures["dwellings"]["value"],
                households=evaluation.figures["households"]["value"],
            )
        rows.append(
            {
                "network": network,
                "values": [values[key]["value"] for key in OVERVIEW_COLUMNS],
                "growth": rates["growth"],
                "delivery_rate": rates["delivery_rate"],
                "state": (evaluation.get_state_display() if evaluation.pk else _("not opened")),
                "signed": evaluation.state == EvaluationState.SIGNED and evaluation.pk,
                "coverage": coverage,
                # Evaluations signed before these figures existed have none: nothing counted.
                "left_waiting": sum(
                    values.get(key, {"value": 0})["value"] for key in figures.HANDED_OVER_KEYS
                ),
            }
        )
    return rows


def overview_context(networks, year):
    rows = overview_rows(networks, year)
    return {
        "year": year,
        "rows": rows,
        "columns": [figures.BY_KEY[key].label for key in OVERVIEW_COLUMNS],
        "charts": overview_charts(rows),
    }


def overview_csv(networks, year):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "bin",
            "municipality",
            *OVERVIEW_COLUMNS,
            "growth",
            "delivery_rate",
            "left_waiting",
            "evaluation",
        ]
    )
    for row in overview_rows(networks, year):
        network = row["network"]
        writer.writerow(
            [
                network.name,
                network.municipality.name,
                *row["values"],
                row["growth"],
                "" if row["delivery_rate"] is None else row["delivery_rate"],
                row["left_waiting"],
                row["state"],
            ]
        )
    return out.getvalue()
