"""The yearly evaluation: opened by the worker, reminders, sign-off, read-only, PDF, survey,
overview, the dashboard panel and the query count of the list page."""

import csv
import datetime
import io

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from pypdf import PdfReader

from nabuur.audit.models import AuditEntry
from nabuur.evaluation import reports, services
from nabuur.evaluation.models import (
    Evaluation,
    EvaluationState,
    SurveyAnswer,
    SurveyInvitation,
)
from nabuur.lib import clock
from nabuur.lib.languages import LanguageRegime
from nabuur.messaging.models import Feedback
from nabuur.operations.jobs import registered_jobs
from nabuur.staff.models import Role

from . import factories
from .test_evaluation_figures import persona_year

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def log_in(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def in_language(language, msgid):
    with translation.override(language):
        return translation.gettext(msgid)


def test_the_worker_opens_last_years_evaluation_once_and_tells_the_partners(
    bin_a, bin_b, coordinator_a, officer_a
):
    assert "evaluation.open_due" in {job.name for job in registered_jobs()}
    job = next(job for job in registered_jobs() if job.name == "evaluation.open_due")
    now = datetime.datetime(2026, 1, 1, 6, tzinfo=UTC)
    with clock.frozen_at(now), TestCase.captureOnCommitCallbacks(execute=True):
        assert job.func(now) == 2
        assert job.func(now) == 0
    evaluation = Evaluation.objects.get(network=bin_a)
    assert (evaluation.year, evaluation.period_start, evaluation.period_end) == (
        2025,
        datetime.date(2025, 1, 1),
        datetime.date(2025, 12, 31),
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([coordinator_a.email, officer_a.email])
    assert "/nl/staff/evaluation/bin/centrum/2025/" in mail.outbox[0].body


def test_sign_off_by_officer_and_coordinator_then_read_only(
    client, bin_a, coordinator_a, officer_a, municipality_contact
):
    evaluation = services.open_evaluation(bin_a, 2025)
    log_in(client, officer_a)
    url = "/nl/staff/evaluation/bin/centrum/2025/"
    response = client.post(
        url + "edit/",
        {
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "compliance": "Het plan werd gevolgd.",
            "next_year": "Een infoavond in het voorjaar.",
        },
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.compliance == "Het plan werd gevolgd."
    client.post(url + "sign/")
    evaluation.refresh_from_db()
    assert evaluation.state == "signing"
    assert evaluation.figures is not None
    # After the first signature nothing changes any more.
    assert client.get(url + "edit/").status_code == 302
    with pytest.raises(services.Refused):
        services.save_evaluation(evaluation, coordinator_a, {"compliance": "Anders."})
    log_in(client, coordinator_a)
    client.post(url + "sign/")
    evaluation.refresh_from_db()
    assert evaluation.state == "signed"
    assert sorted(evaluation.signatures.values_list("party", flat=True)) == [
        "coordinator",
        "officer",
    ]
    # Each entry names the capacity its partner acted in.
    entries = AuditEntry.objects.filter(action__startswith="evaluation.").exclude(
        action="evaluation.opened"
    )
    assert list(entries.order_by("seq").values_list("action", "actor_id", "actor_role")) == [
        ("evaluation.saved", officer_a.pk, "officer"),
        ("evaluation.signed", officer_a.pk, "officer"),
        ("evaluation.signed", coordinator_a.pk, "coordinator"),
    ]
    with pytest.raises(services.Refused):
        services.sign_evaluation(evaluation, officer_a)
    # The municipality contact reads it, but may not sign.
    log_in(client, municipality_contact)
    page = client.get(url)
    assert page.status_code == 200
    assert "Het plan werd gevolgd." in page.text
    assert url + "sign/" not in page.text
    assert client.post(url + "sign/").status_code == 403


def test_the_evaluation_pdf_in_dutch_has_figures_chart_and_text(bin_a, bin_b, officer_a):
    persona_year(bin_a, bin_b)
    evaluation = services.open_evaluation(bin_a, 2025)
    services.save_evaluation(evaluation, officer_a, {"compliance": "Het plan werd gevolgd."})
    text = pdf_text(reports.evaluation_pdf(evaluation, officer_a))
    assert AuditEntry.objects.get(action="evaluation.pdf").actor_role == "officer"
    assert "BIN Centrum" in text
    assert "Het plan werd gevolgd." in text
    assert in_language("nl", "prevention tip").capitalize() in text
    assert "Preventietip" in text
    assert "60,0 %" in text


def test_the_evaluation_pdf_of_a_french_municipality_is_in_french(zone):
    wavre = factories.MunicipalityFactory(
        nis_code="25112",
        name_nl="Waver",
        name_fr="Wavre",
        zone=zone,
        language_regime=LanguageRegime.FRENCH,
    )
    network = factories.NetworkFactory(municipality=wavre, name="RIQ Centre")
    officer = factories.RoleFactory(role=Role.OFFICER, network=network).user
    evaluation = services.open_evaluation(network, 2025)
    text = pdf_text(reports.evaluation_pdf(evaluation, officer))
    assert "RIQ Centre" in text
    assert "Conseil de prévention" in text
    assert "Preventietip" not in text
    assert in_language("fr", "Member survey") in text


def test_the_survey_is_anonymous_counted_once_and_gives_a_response_rate(
    client, bin_a, coordinator_a
):
    members = [factories.MembershipFactory(network=bin_a) for _ in range(3)]
    evaluation = services.open_evaluation(bin_a, 2025)
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.start_survey(evaluation, coordinator_a) == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.user.email for m in members)
    link = next(line for line in mail.outbox[0].body.splitlines() if "/survey/" in line)
    path = link.split("127.0.0.1:8000")[-1].strip()
    assert client.get(path).status_code == 200
    answer = {"feeling_of_safety": "4", "usefulness": "very", "remark": "Meer infoavonden."}
    assert client.post(path, answer).status_code == 302
    client.post(path, {**answer, "feeling_of_safety": "1"})
    assert SurveyAnswer.objects.count() == 1
    stored = SurveyAnswer.objects.get()
    assert [f.name for f in SurveyAnswer._meta.concrete_fields] == [
        "id",
        "evaluation",
        "feeling_of_safety",
        "usefulness",
        "remark",
    ]
    assert stored.feeling_of_safety == 4
    assert SurveyInvitation.objects.filter(answered=True).count() == 1
    # The log says a member answered, never which one.
    sent, answered = AuditEntry.objects.filter(action__startswith="evaluation.survey_").order_by(
        "seq"
    )
    assert (sent.action, sent.actor_id, sent.actor_role) == (
        "evaluation.survey_sent",
        coordinator_a.pk,
        "coordinator",
    )
    assert (answered.action, answered.actor_id, answered.actor_role, answered.subjects) == (
        "evaluation.survey_answered",
        None,
        "member",
        [],
    )
    results = reports.survey_results(evaluation)
    assert (results["invited"], results["answers"], results["response_rate"]) == (3, 1, 33.3)
    assert results["average_safety"] == 4
    assert results["remarks"] == ["Meer infoavonden."]
    with pytest.raises(services.Refused):
        services.start_survey(evaluation, coordinator_a)


def test_the_zone_overview_puts_the_bins_side_by_side_with_a_csv(client, bin_a, bin_b, zone_admin):
    persona_year(bin_a, bin_b)
    services.open_evaluation(bin_a, 2025)
    log_in(client, zone_admin)
    page = client.get("/nl/staff/evaluation/overview/zone/pz-test/2025/")
    assert page.status_code == 200
    # Two charts of the year, BIN by BIN, and three of the trend over the years.
    assert page.text.count("<svg") == 5
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    "/nl/staff/evaluation/overview/zone/pz-test/2025/overview.csv"
                ).content.decode()
            )
        )
    )
    assert rows[0][:4] == ["bin", "municipality", "members_start", "members_end"]
    assert [row[:9] for row in rows[1:]] == [
        ["BIN Centrum", "Edegem", "2", "2", "2", "2", "3", "2", "1"],
        ["BIN Elsdonk", "Edegem", "0", "1", "1", "0", "1", "1", "0"],
    ]


def test_the_dashboard_panel_lists_evaluations_due_and_charters_to_sign(
    client, bin_a, coordinator_a, officer_a
):
    services.open_evaluation(bin_a, 2025)
    services.start_charter(bin_a, officer_a)
    log_in(client, coordinator_a)
    page = client.get("/nl/staff/")
    assert "/nl/staff/evaluation/bin/centrum/2025/" in page.text
    assert "/nl/staff/evaluation/charter/centrum/" in page.text


def index_queries(client):
    with CaptureQueriesContext(connection) as context:
        assert client.get("/nl/staff/evaluation/").status_code == 200
    return len(context.captured_queries)


def test_the_list_page_needs_as_many_queries_for_three_bins_as_for_one(
    client, zone, municipality, zone_admin
):
    first = factories.NetworkFactory(municipality=municipality)
    services.open_evaluation(first, 2025)
    log_in(client, zone_admin)
    client.get("/nl/staff/")  # the first staff page of a session writes more
    one = index_queries(client)
    for _ in range(2):
        network = factories.NetworkFactory(municipality=municipality)
        services.open_evaluation(network, 2025)
        services.open_evaluation(network, 2024)
        services.start_charter(
            network, factories.RoleFactory(role=Role.OFFICER, network=network).user
        )
    assert index_queries(client) == one


def test_the_dashboard_links_a_zone_admin_to_last_years_overview(client, zone_admin):
    log_in(client, zone_admin)
    with clock.frozen_at(datetime.datetime(2027, 2, 1, 9, 0, tzinfo=datetime.UTC)):
        response = client.get("/nl/staff/")
    assert 'href="/nl/staff/evaluation/overview/zone/pz-test/2026/"' in response.text
    overview = client.get("/nl/staff/evaluation/overview/zone/pz-test/2026/")
    assert overview.status_code == 200


def test_a_coordinator_gets_no_zone_overview_link(client, coordinator_a):
    log_in(client, coordinator_a)
    assert "/staff/evaluation/overview/zone/" not in client.get("/nl/staff/").text


def busy_bin(municipality, index):
    """A BIN with a member, a message, an e-mail with feedback in 2025; its evaluation open
    (over its own period), signed, or not opened, by turns."""
    network = factories.NetworkFactory(municipality=municipality)
    membership = factories.MembershipFactory(
        network=network, approved_at=datetime.datetime(2025, 3, 1, 9, tzinfo=UTC)
    )
    message = factories.MessageFactory(
        targets=[network], queued_at=datetime.datetime(2025, 4, 1, 9, tzinfo=UTC)
    )
    delivery = factories.DeliveryFactory(message=message, user=membership.user)
    Feedback.objects.create(delivery=delivery, useful=True)
    if index % 3 == 1:
        services.open_evaluation(
            network, 2025, period_start=datetime.date(2025, 1, index), period_end=None
        )
    elif index % 3 == 2:
        evaluation = services.open_evaluation(network, 2025)
        for role in (Role.OFFICER, Role.COORDINATOR):
            signer = factories.RoleFactory(role=role, network=network).user
            evaluation = services.sign_evaluation(evaluation, signer)
    return network


def overview_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries), response


OVERVIEW_URLS = [
    "/nl/staff/evaluation/overview/zone/pz-test/2025/",
    "/nl/staff/evaluation/overview/zone/pz-test/2025/overview.csv",
    "/nl/staff/evaluation/overview/municipality/11013/2025/",
    "/nl/staff/evaluation/overview/municipality/11013/2025/overview.csv",
]


@pytest.mark.parametrize("url", OVERVIEW_URLS)
def test_the_overview_needs_as_many_queries_for_six_bins_as_for_two(
    client, municipality, zone_admin, url
):
    for index in range(2):
        busy_bin(municipality, index)
    log_in(client, zone_admin)
    client.get("/nl/staff/")  # the first staff page of a session writes more
    two, response = overview_queries(client, url)
    if url.endswith(".csv"):
        assert len(response.content.decode().splitlines()) == 1 + 2
    for index in range(2, 6):
        busy_bin(municipality, index)
    six, response = overview_queries(client, url)
    if url.endswith(".csv"):
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        # Each BIN: 1 member at the end, 1 joined, 1 message, 1 useful vote, all delivered.
        assert [row[3:10] for row in rows[1:]] == [["1", "1", "0", "1", "1", "0", "1"]] * 6
        with translation.override("nl"):
            states = {
                translation.gettext("not opened"),
                str(EvaluationState.OPEN.label),
                str(EvaluationState.SIGNED.label),
            }
        assert {row[-1] for row in rows[1:]} == states
    else:
        table = response.text.split('id="overview-caption"')[1].split("</table>")[0]
        assert table.count('<th scope="row">') == 6
    assert six == two
