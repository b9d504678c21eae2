"""`nabuur demo` writes a year of history through the real services: exact, backdated, once."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Min
from django.utils import timezone

from nabuur.audit.models import AuditEntry
from nabuur.evaluation import figures
from nabuur.evaluation.models import CharterSignature, CharterVersion, Evaluation
from nabuur.lib import clock
from nabuur.members.models import Measure, Membership
from nabuur.messaging.models import Delivery, Feedback, Message, MessageEvent, Reply

pytestmark = pytest.mark.django_db

BRUSSELS = datetime.timezone(datetime.timedelta(hours=1))
# A Sunday in December, as when this was written; and the first days of a year, when the
# story of this year is short and squeezed into a few days.
DECEMBER = datetime.datetime(2026, 12, 6, 15, 0, tzinfo=BRUSSELS)
EARLY_JANUARY = datetime.datetime(2027, 1, 3, 9, 30, tzinfo=BRUSSELS)


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    # Argon2 takes half a second per persona password; the history is what is tested here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(now):
    out = StringIO()
    with clock.frozen_at(now):
        call_command("demo", "--members", "200", stdout=out)
    return out.getvalue()


def history_counts():
    return {
        "messages": dict(
            Message.objects.values_list("state").annotate(n=Count("id")).order_by("state")
        ),
        "events": dict(
            MessageEvent.objects.values_list("state").annotate(n=Count("id")).order_by("state")
        ),
        "deliveries": Delivery.objects.count(),
        "bounced": Delivery.objects.filter(state="bounced").count(),
        "feedback": (
            Feedback.objects.filter(useful=True).count(),
            Feedback.objects.filter(useful=False).count(),
            Feedback.objects.exclude(comment="").count(),
        ),
        "replies": Reply.objects.count(),
        "measures": list(Measure.objects.values_list("kind", "state")),
        "charters": list(CharterVersion.objects.values_list("network__slug", "version", "state")),
        "charter_signatures": sorted(CharterSignature.objects.values_list("party", flat=True)),
        "evaluations": list(Evaluation.objects.values_list("network__slug", "year", "state")),
        "waiting_sign_ups": list(
            Membership.objects.filter(
                status="pending", confirmed_at__isnull=False, user__email__endswith="example.org"
            )
            .filter(user__email="ria.hermans@example.org")
            .values_list("network__slug", flat=True)
        ),
        "audit": AuditEntry.objects.count(),
        "left_waiting": list(
            Message.objects.filter(handed_over_at__isnull=False).values_list(
                "targets__slug", flat=True
            )
        ),
    }


@pytest.mark.parametrize("now", [DECEMBER, EARLY_JANUARY], ids=["december", "early_january"])
def test_the_demo_holds_a_year_of_history(now):
    out = run_demo(now)

    assert ", a year of history written in " in out
    counts = history_counts()
    assert counts["messages"] == {"awaiting_forward": 1, "declined": 2, "sent": 8}
    assert counts["events"] == {
        "awaiting_forward": 7,
        "declined": 2,
        "draft": 11,
        "forwarded": 4,
        "queued": 8,
    }
    assert counts["bounced"] == 1
    assert counts["feedback"] == (13, 1, 6)
    assert counts["replies"] == 3
    assert counts["measures"] == [("written_reprimand", "confirmed")]
    assert counts["charters"] == [("edegem-centrum", 1, "in_force")]
    assert counts["charter_signatures"] == ["coordinator", "municipality", "officer"]
    assert counts["evaluations"] == [("edegem-centrum", now.year - 1, "signed")]
    assert counts["waiting_sign_ups"] == ["edegem-centrum"]
    # The 200 generated members are the same on every run (one seed), so are their e-mails.
    assert counts["deliveries"] == 197
    # Aartselaar's coordinator was away: the police message was handed over to the others
    # (in early January the story is too short for that).
    assert counts["left_waiting"] == (["aartselaar-centrum"] if now == DECEMBER else [])


def test_last_years_evaluation_froze_real_figures_from_the_records():
    run_demo(DECEMBER)

    evaluation = Evaluation.objects.get()
    frozen = {key: figure["value"] for key, figure in evaluation.figures.items()}
    assert evaluation.figures == figures.compute(evaluation)
    assert (evaluation.year, evaluation.frozen_at.date()) == (2025, datetime.date(2026, 1, 15))
    assert {
        key: frozen[key]
        for key in (
            "messages",
            "messages_police",
            "messages_coordinator",
            "police_forwarded",
            "police_declined",
            "measures_written_reprimand",
            "deliveries_bounced",
            "feedback_useful",
            "feedback_not_useful",
            "feedback_comments",
            "charter_versions",
        )
    } == {
        "messages": 4,
        "messages_police": 2,
        "messages_coordinator": 2,
        "police_forwarded": 2,
        "police_declined": 1,
        "measures_written_reprimand": 1,
        "deliveries_bounced": 1,
        "feedback_useful": 8,
        "feedback_not_useful": 1,
        "feedback_comments": 4,
        "charter_versions": 1,
    }
    assert frozen["deliveries_sent"] > 0
    # Each police message was decided on 4 h 48 min after it reached the coordinator.
    assert frozen["decision_hours"] == 4.8


def test_history_is_spread_over_the_past_and_so_is_its_audit_trail():
    run_demo(DECEMBER)

    created = sorted(Message.objects.values_list("created_at", flat=True))
    months = {timezone.localtime(moment).strftime("%Y-%m") for moment in created}
    assert months == {
        "2025-03",
        "2025-05",
        "2025-06",
        "2025-09",
        "2025-11",
        "2026-03",
        "2026-05",
        "2026-07",
        "2026-09",
        "2026-11",
        "2026-12",
    }
    assert created[-1] < DECEMBER
    forwards = AuditEntry.objects.filter(action="messaging.forward")
    assert forwards.count() == 4
    assert forwards.aggregate(first=Min("created_at"))["first"] == datetime.datetime(
        2025, 3, 12, 14, 0, tzinfo=datetime.UTC
    )
    bilingual = Message.objects.get(targets__slug="koekelberg-basiliek")
    assert sorted(bilingual.variants.values_list("language", flat=True)) == ["fr", "nl"]


def test_a_second_run_adds_no_history():
    run_demo(DECEMBER)
    before = history_counts()

    out = run_demo(DECEMBER + datetime.timedelta(days=40))

    assert "history" not in out
    assert history_counts() == before
