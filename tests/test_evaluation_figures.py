"""The evaluation's figures: pinned on a small persona year, equal to their linked rows, frozen
at the first signature whatever happens afterwards."""

import csv
import datetime
import io

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from nabuur.evaluation import figures, reports, services
from nabuur.evaluation.models import CharterVersion, Evaluation
from nabuur.members.models import Measure, MeasureKind, MeasureState, Membership, MembershipStatus
from nabuur.messaging.models import (
    CommunicationPlan,
    Feedback,
    MessageEvent,
    MessageState,
    SkippedRecipient,
    SkipReason,
)

from . import factories

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def member(network, approved, left=None, status=None):
    return factories.MembershipFactory(
        network=network,
        approved_at=approved,
        confirmed_at=approved,
        left_at=left,
        status=status or (MembershipStatus.LEFT if left else MembershipStatus.ACTIVE),
    )


def persona_year(bin_a, bin_b):
    """What Nabuur recorded for BIN A (and a little for B) around 2025. Returns the rows."""
    m1 = member(bin_a, at(2024, 6, 1, 9))  # member all year
    m2 = member(bin_a, at(2024, 9, 1, 9), left=at(2025, 5, 10, 9))  # leaves
    m3 = member(bin_a, at(2025, 3, 1, 9))  # joins
    member(bin_a, at(2025, 4, 1, 9), left=at(2025, 11, 1, 9))  # joins and leaves
    member(bin_a, None, status=MembershipStatus.PENDING)  # never approved
    member(bin_a, at(2026, 1, 10, 9))  # after the period
    b1 = member(bin_b, at(2025, 2, 1, 9))
    Measure.objects.create(
        membership=m1,
        kind=MeasureKind.WRITTEN_REPRIMAND,
        reason="Deelde een nummerplaat.",
        state=MeasureState.CONFIRMED,
        confirmed_at=at(2025, 7, 1, 9),
    )
    msg1 = factories.MessageFactory(targets=[bin_a], queued_at=at(2025, 2, 1, 10))
    msg2 = factories.MessageFactory(
        targets=[bin_a, bin_b], kind="feedback", author_side="police", queued_at=at(2025, 8, 1)
    )
    factories.MessageFactory(targets=[bin_a], kind="information", state="draft", queued_at=None)
    factories.MessageFactory(targets=[bin_a], queued_at=at(2024, 12, 20))
    msg5 = factories.MessageFactory(
        targets=[bin_a], author_side="police", queued_at=at(2025, 9, 1, 16)
    )
    MessageEvent.objects.create(
        message=msg5, state=MessageState.AWAITING_FORWARD, created_at=at(2025, 9, 1, 10)
    )
    MessageEvent.objects.create(
        message=msg5, state=MessageState.FORWARDED, created_at=at(2025, 9, 1, 16)
    )
    msg6 = factories.MessageFactory(
        targets=[bin_a], author_side="police", state="declined", queued_at=None
    )
    MessageEvent.objects.create(
        message=msg6, state=MessageState.AWAITING_FORWARD, created_at=at(2025, 10, 1, 8)
    )
    MessageEvent.objects.create(
        message=msg6, state=MessageState.DECLINED, created_at=at(2025, 10, 2, 8)
    )
    d11 = factories.DeliveryFactory(message=msg1, user=m1.user)
    factories.DeliveryFactory(message=msg1, user=m2.user, state="bounced")
    d21 = factories.DeliveryFactory(message=msg2, user=m1.user)
    d23 = factories.DeliveryFactory(message=msg2, user=m3.user)
    d2b = factories.DeliveryFactory(message=msg2, user=b1.user)
    factories.DeliveryFactory(message=msg5, user=m3.user, state="failed")
    Feedback.objects.create(delivery=d11, useful=True, comment="Goede tip")
    Feedback.objects.create(delivery=d21, useful=False)
    Feedback.objects.create(delivery=d23, useful=True)
    Feedback.objects.create(delivery=d2b, useful=True)
    CharterVersion.objects.create(
        network=bin_a, version=1, plan_version=0, created_at=at(2025, 4, 1)
    )
    CommunicationPlan.objects.create(network=bin_a, version=1, created_at=at(2025, 5, 1))
    CommunicationPlan.objects.create(network=bin_b, version=1, created_at=at(2025, 5, 1))
    # Left waiting past twice the deadline (nabuur.staff.waiting stamps `handed_over_at`): one
    # item of each kind in A's year, a police message before it, and one of B's.
    Membership.objects.filter(pk=m3.pk).update(handed_over_at=at(2025, 2, 20, 9))
    factories.MessageFactory(
        targets=[bin_a],
        author_side="police",
        state="awaiting_forward",
        queued_at=None,
        handed_over_at=at(2025, 11, 5, 9),
    )
    factories.MessageFactory(
        targets=[bin_a],
        author_side="police",
        state="declined",
        queued_at=None,
        handed_over_at=at(2024, 12, 30, 9),
    )
    factories.MessageFactory(
        targets=[bin_b],
        author_side="police",
        state="awaiting_forward",
        queued_at=None,
        handed_over_at=at(2025, 6, 1, 9),
    )
    Measure.objects.create(
        membership=m1,
        kind=MeasureKind.TEMPORARY_SUSPENSION,
        reason="Deelde een foto van een verdachte.",
        until=datetime.date(2025, 9, 10),
        state=MeasureState.WITHDRAWN,
        handed_over_at=at(2025, 8, 10, 9),
    )
    Evaluation.objects.create(
        network=bin_a,
        year=2024,
        period_start=datetime.date(2024, 1, 1),
        period_end=datetime.date(2024, 12, 31),
        handed_over_at=at(2025, 2, 14, 9),
    )
    return {"m1": m1, "m3": m3, "msg1": msg1}


EXPECTED = {
    "members_start": 2,
    "members_end": 2,
    "joins": 2,
    "leaves": 2,
    "measures": 1,
    "measures_written_reprimand": 1,
    "measures_temporary_suspension": 0,
    "measures_permanent_suspension": 0,
    "messages": 3,
    "messages_feedback": 1,
    "messages_prevention": 2,
    "messages_information": 0,
    "messages_newsletter": 0,
    "messages_invitation": 0,
    "messages_missing_person": 0,
    "messages_police": 2,
    "messages_coordinator": 1,
    "police_forwarded": 1,
    "police_declined": 1,
    "deliveries": 5,
    "deliveries_sent": 3,
    "deliveries_bounced": 1,
    "deliveries_failed": 1,
    "feedback_useful": 2,
    "feedback_not_useful": 1,
    "feedback_comments": 1,
    "charter_versions": 1,
    "plan_versions": 1,
    "survey_answers": 0,
    # Nobody chose not to receive a class of messages.
    "opted_out_prevention": 0,
    "opted_out_information": 0,
    "opted_out_newsletter": 0,
    "opted_out_invitation": 0,
    # Left waiting past twice the deadline in the year.
    "handed_over_messages": 1,
    "handed_over_signups": 1,
    "handed_over_measures": 1,
    "handed_over_evaluations": 1,
}


@pytest.fixture
def year(bin_a, bin_b):
    rows = persona_year(bin_a, bin_b)
    rows["evaluation"] = services.open_evaluation(bin_a, 2025)
    return rows


# Frozen with the figures, but derived or read elsewhere: no rows of their own.
NOT_COUNTED = {"decision_hours", "dwellings", "households"}


def values(result):
    return {key: value["value"] for key, value in result.items() if key not in NOT_COUNTED}


def test_the_figures_of_the_persona_year_are_exact(year):
    result = figures.compute(year["evaluation"])
    assert values(result) == EXPECTED
    assert result["decision_hours"]["value"] == 15.0
    assert figures.rates(result) == {
        "coverage": None,
        "delivery_rate": 60.0,
        "bounce_rate": 20.0,
        "growth": 0,
    }


def test_every_figure_equals_the_count_of_its_linked_rows(year):
    evaluation = year["evaluation"]
    result = figures.compute(evaluation)
    for figure in figures.FIGURES:
        rows = list(figures.linked_rows(evaluation, figure.key))
        assert len(rows) == result[figure.key]["value"], figure.key
        assert [row.pk for row in rows] == result[figure.key]["ids"], figure.key
        assert all(row._meta.label == figure.model for row in rows), figure.key


def test_every_figure_links_to_a_page_listing_its_rows(client, year, officer_a):
    TOTP.activate(officer_a, generate_totp_secret())
    client.force_login(officer_a)
    detail = client.get("/nl/staff/evaluation/bin/centrum/2025/").text
    for figure in figures.FIGURES:
        url = f"/nl/staff/evaluation/bin/centrum/2025/figures/{figure.key}/"
        assert url in detail
        page = client.get(url)
        assert page.status_code == 200
        assert page.text.count('<th scope="row">') == EXPECTED[figure.key], figure.key


def test_a_member_whom_queueing_skipped_counts_as_no_e_mail(year, bin_a):
    # Queueing writes a row, with the reason, for each member it did not reach: no e-mail
    # went to them, so they count neither among the e-mails nor against the delivery rate.
    skipped = member(bin_a, at(2024, 6, 1, 9))
    SkippedRecipient.objects.create(
        message=year["msg1"], user=skipped.user, reason=SkipReason.PAUSED
    )
    result = figures.compute(year["evaluation"])
    assert values(result) == EXPECTED | {"members_start": 3, "members_end": 3}
    assert figures.rates(result) == {
        "coverage": None,
        "delivery_rate": 60.0,
        "bounce_rate": 20.0,
        "growth": 0,
    }
    counts = figures.overview_counts({figures.bounds(year["evaluation"]): [bin_a.pk]})
    assert (counts[bin_a.pk]["deliveries"], counts[bin_a.pk]["deliveries_sent"]) == (
        {"value": 5},
        {"value": 3},
    )


def test_a_signed_evaluation_does_not_change_with_later_data(year, bin_a, officer_a, coordinator_a):
    evaluation = services.sign_evaluation(year["evaluation"], officer_a)
    evaluation = services.sign_evaluation(evaluation, coordinator_a)
    assert evaluation.state == "signed"
    frozen = figures.figures_of(evaluation)
    ids_before = {key: figures.linked_rows(evaluation, key).count() for key in EXPECTED}

    # Afterwards: a late join dated in the period, a message, a deleted row, a vote changed.
    member(bin_a, at(2025, 6, 1, 9))
    factories.MessageFactory(targets=[bin_a], queued_at=at(2025, 6, 2))
    Feedback.objects.filter(delivery__user=year["m1"].user, useful=False).update(useful=True)
    year["msg1"].delete()

    evaluation.refresh_from_db()
    assert figures.figures_of(evaluation) == frozen
    assert values(frozen) == EXPECTED
    # The live data has moved on …
    assert figures.compute(evaluation)["joins"]["value"] == 3
    # … and the links keep pointing at the rows that were counted (minus the deleted message).
    assert figures.linked_rows(evaluation, "joins").count() == ids_before["joins"]
    assert figures.linked_rows(evaluation, "messages").count() == ids_before["messages"] - 1


def test_the_csv_lists_every_figure(year):
    rows = list(csv.reader(io.StringIO(reports.figures_csv(year["evaluation"]))))
    assert rows[0][0] == "key"
    by_key = {row[0]: row[2] for row in rows[1:]}
    assert {key: int(by_key[key]) for key in EXPECTED} == EXPECTED
    assert by_key["delivery_rate"] == "60.0"
    assert by_key["decision_hours"] == "15.0"


# --- The overview counts many BINs at once: the same numbers as each BIN's figures ------------


def overview_values(networks, year):
    return {
        row["network"].slug: dict(zip(reports.OVERVIEW_COLUMNS, row["values"], strict=True))
        | {"growth": row["growth"], "delivery_rate": row["delivery_rate"]}
        for row in reports.overview_rows(networks, year)
    }


def expected_row(result):
    rates = figures.rates(result)
    return {key: result[key]["value"] for key in reports.OVERVIEW_COLUMNS} | {
        "growth": rates["growth"],
        "delivery_rate": rates["delivery_rate"],
    }


def test_the_overview_counts_what_the_figures_of_each_bin_count(year, bin_a, bin_b):
    # A member of both BINs gets a message to both; one of A rejoined (two memberships).
    both = member(bin_a, at(2024, 1, 1, 9))
    factories.MembershipFactory(
        user=both.user, network=bin_b, approved_at=at(2025, 6, 1, 9), confirmed_at=None
    )
    again = member(bin_a, at(2024, 2, 1, 9), left=at(2024, 3, 1, 9))
    factories.MembershipFactory(
        user=again.user, network=bin_a, approved_at=at(2025, 1, 5, 9), confirmed_at=None
    )
    message = factories.MessageFactory(targets=[bin_a, bin_b], queued_at=at(2025, 6, 2))
    Feedback.objects.create(
        delivery=factories.DeliveryFactory(message=message, user=both.user), useful=False
    )
    factories.DeliveryFactory(message=message, user=again.user, state="bounced")
    # B's evaluation covers another period than A's.
    evaluation_b = services.open_evaluation(
        bin_b,
        2025,
        period_start=datetime.date(2025, 3, 1),
        period_end=datetime.date(2025, 9, 30),
    )
    expected = {
        "centrum": expected_row(figures.compute(year["evaluation"])),
        "elsdonk": expected_row(figures.compute(evaluation_b)),
    }
    assert overview_values([bin_a, bin_b], 2025) == expected
    assert expected["centrum"] == {
        "members_start": 3,
        "members_end": 4,
        "joins": 3,
        "leaves": 2,
        "messages": 4,
        "feedback_useful": 2,
        "feedback_not_useful": 2,
        "growth": 1,
        "delivery_rate": 57.1,
    }
    assert expected["elsdonk"]["members_end"] == 2
    # The grouped counts give every figure they cover as compute() does.
    periods = {
        figures.bounds(year["evaluation"]): [bin_a.pk],
        figures.bounds(evaluation_b): [bin_b.pk],
    }
    counts = figures.overview_counts(periods)
    for network, evaluation in ((bin_a, year["evaluation"]), (bin_b, evaluation_b)):
        result = figures.compute(evaluation)
        assert {key: counts[network.pk][key]["value"] for key in figures.OVERVIEW_KEYS} == {
            key: result[key]["value"] for key in figures.OVERVIEW_KEYS
        }, network.slug


def test_the_overview_shows_the_frozen_figures_of_a_signed_evaluation(
    year, bin_a, bin_b, officer_a, coordinator_a
):
    evaluation = services.sign_evaluation(year["evaluation"], officer_a)
    services.sign_evaluation(evaluation, coordinator_a)
    before = overview_values([bin_a, bin_b], 2025)
    member(bin_a, at(2025, 6, 1, 9))
    member(bin_b, at(2025, 6, 1, 9))
    after = overview_values([bin_a, bin_b], 2025)
    assert after["centrum"] == before["centrum"] == expected_row(evaluation.figures)
    assert after["centrum"]["joins"] == EXPECTED["joins"]
    assert (before["elsdonk"]["joins"], after["elsdonk"]["joins"]) == (1, 2)


# --- Left waiting: the BINs whose coordinators did not act for a long time (issue 16) --------


def test_the_overview_counts_the_items_left_waiting_live_and_frozen(
    year, bin_a, bin_b, officer_a, coordinator_a
):
    live = {
        row["network"].slug: row["left_waiting"]
        for row in reports.overview_rows([bin_a, bin_b], 2025)
    }
    assert live == {"centrum": 4, "elsdonk": 1}
    evaluation = services.sign_evaluation(year["evaluation"], officer_a)
    services.sign_evaluation(evaluation, coordinator_a)
    # A hand-over recorded after signing leaves the signed year alone.
    factories.MessageFactory(
        targets=[bin_a, bin_b],
        author_side="police",
        state="awaiting_forward",
        queued_at=None,
        handed_over_at=at(2025, 12, 1, 9),
    )
    after = {
        row["network"].slug: row["left_waiting"]
        for row in reports.overview_rows([bin_a, bin_b], 2025)
    }
    assert after == {"centrum": 4, "elsdonk": 2}
    rows = list(csv.reader(io.StringIO(reports.overview_csv([bin_a, bin_b], 2025))))
    column = rows[0].index("left_waiting")
    assert [(row[0], row[column]) for row in rows[1:]] == [
        ("BIN Centrum", "4"),
        ("BIN Elsdonk", "2"),
    ]


def test_evaluations_signed_before_the_left_waiting_figures_get_them_counted(
    year, officer_a, coordinator_a
):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("nabuur.evaluation.migrations.0004_left_waiting_figures")
    evaluation = services.sign_evaluation(year["evaluation"], officer_a)
    evaluation = services.sign_evaluation(evaluation, coordinator_a)
    frozen = dict(evaluation.figures)
    for key in figures.HANDED_OVER_KEYS:
        del evaluation.figures[key]
    evaluation.save(update_fields=["figures"])

    migration.add_left_waiting_figures(apps, None)

    evaluation.refresh_from_db()
    assert evaluation.figures == frozen
    assert {key: evaluation.figures[key]["value"] for key in figures.HANDED_OVER_KEYS} == {
        "handed_over_messages": 1,
        "handed_over_signups": 1,
        "handed_over_measures": 1,
        "handed_over_evaluations": 1,
    }
