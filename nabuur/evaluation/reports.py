"""What the pages, PDFs and CSV files of the evaluation show: figures, rates, survey, charts."""

import csv
import datetime
import io
import statistics

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from nabuur.lib import clock
from nabuur.messaging.models import MessageKind
from nabuur.staff.auditing import record
from nabuur.staff.permissions import Capability

from . import figures
from .charts import bar_chart
from .models import (
    CHARTER_PARTIES,
    EVALUATION_PARTIES,
    QUALITATIVE_FIELDS,
    Evaluation,
    EvaluationState,
    Usefulness,
)

KIND_KEYS = {f"messages_{kind.value}" for kind in MessageKind}


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


def evaluation_report(evaluation):
    """Everything the evaluation page and its PDF show, in the active language."""
    values = figures.figures_of(evaluation)
    groups = figures.grouped(values)
    by_key = {key: value["value"] for key, value in values.items()}
    survey = survey_results(evaluation)
    charts = [
        bar_chart(
            "chart-members",
            _("Members"),
            [(figure.label, value) for figure, value in groups[0][1][:4]],
        ),
        bar_chart(
            "chart-messages",
            _("Messages by class"),
            [(figure.label, value) for figure, value in groups[1][1] if figure.key in KIND_KEYS],
        ),
    ]
    if survey["answers"]:
        charts.append(bar_chart("chart-safety", _("Feeling of safety (1–5)"), survey["safety"]))
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


def _pdf(template, sections, title, language):
    # Not at the top: WeasyPrint takes about two seconds to import (Pango, fonts), which only
    # the processes that draw a PDF should pay, not every page and command.
    from weasyprint import HTML

    html = render_to_string(
        template, {"sections": sections, "title": title, "LANGUAGE_CODE": language}
    )
    return HTML(string=html).write_pdf(pdf_tags=True)


def evaluation_pdf(evaluation, actor):
    """The evaluation as a tagged PDF, one part per language of the municipality."""
    languages = evaluation.network.municipality.languages
    sections = []
    for language in languages:
        with translation.override(language):
            sections.append(
                render_to_string(
                    "evaluation/evaluation_pdf_section.html",
                    {**evaluation_report(evaluation), "language": language},
                )
            )
    pdf = _pdf("evaluation/evaluation_pdf.html", sections, evaluation.network.name, languages[0])
    record(actor, "evaluation.pdf", target=evaluation, capability=Capability.VIEW_EVALUATION)
    return pdf


def charter_context(charter):
    signatures = {s.party: s for s in charter.signatures.select_related("user")}
    return {
        "charter": charter,
        "network": charter.network,
        "parties": [
            (party, charter.contacts_of(party.value), signatures.get(party.value))
            for party in CHARTER_PARTIES
        ],
        "budget": list(charter.budget.all()),
        "budget_total": sum(line.amount for line in charter.budget.all()),
    }


def charter_pdf(charter, actor):
    """A charter version as a tagged PDF in the municipality's language(s), for the FOD."""
    languages = charter.network.municipality.languages
    sections = []
    for language in languages:
        with translation.override(language):
            sections.append(
                render_to_string(
                    "evaluation/charter_pdf_section.html",
                    {
                        **charter_context(charter),
                        "c": charter_context(charter),
                        "language": language,
                        "today": clock.today(),
                    },
                )
            )
    pdf = _pdf("evaluation/charter_pdf.html", sections, charter.network.name, languages[0])
    # The PDF carries the partners' names and contacts.
    record(
        actor,
        "evaluation.charter_pdf",
        target=charter,
        capability=Capability.VIEW_EVALUATION,
        subjects=[c["user"] for c in charter.contacts],
    )
    return pdf


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
    rows = []
    for network in networks:
        evaluation = evaluations[network.pk]
        values = evaluation.figures if evaluation.figures is not None else live[network.pk]
        rates = figures.rates(values)
        rows.append(
            {
                "network": network,
                "values": [values[key]["value"] for key in OVERVIEW_COLUMNS],
                "growth": rates["growth"],
                "delivery_rate": rates["delivery_rate"],
                "state": (evaluation.get_state_display() if evaluation.pk else _("not opened")),
                "signed": evaluation.state == EvaluationState.SIGNED and evaluation.pk,
            }
        )
    return rows


def overview_context(networks, year):
    rows = overview_rows(networks, year)
    return {
        "year": year,
        "rows": rows,
        "columns": [figures.BY_KEY[key].label for key in OVERVIEW_COLUMNS],
        "charts": [
            bar_chart(
                "chart-overview-members",
                _("Members at the end of the year"),
                [(row["network"].name, row["values"][1]) for row in rows],
            ),
            bar_chart(
                "chart-overview-messages",
                _("Messages sent"),
                [(row["network"].name, row["values"][4]) for row in rows],
            ),
        ],
    }


def overview_csv(networks, year):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["bin", "municipality", *OVERVIEW_COLUMNS, "growth", "delivery_rate", "evaluation"]
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
                row["state"],
            ]
        )
    return out.getvalue()
