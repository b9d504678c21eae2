import json
from io import StringIO

import pytest
from django.core.management import call_command

from nabuur.members.models import MembershipStatus
from nabuur.messaging.models import DeliveryState, MessageState
from nabuur.networks.models import NetworkStatus
from nabuur.operations import stats
from nabuur.operations.models import JobRun

from . import factories


def run_stats(*args):
    out = StringIO()
    call_command("stats", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_stats_json_on_an_empty_database_lists_every_status_as_zero():
    assert json.loads(run_stats("--json")) == {
        "zones": 0,
        "municipalities": 0,
        "bins": {"preparation": 0, "active": 0, "suspended": 0, "merged": 0, "stopped": 0},
        "members": {"pending": 0, "active": 0, "paused": 0, "suspended": 0, "left": 0},
        "messages": {
            "draft": 0,
            "awaiting_approval": 0,
            "approved": 0,
            "rejected": 0,
            "awaiting_forward": 0,
            "forwarded": 0,
            "declined": 0,
            "scheduled": 0,
            "queued": 0,
            "sending": 0,
            "sent": 0,
            "cancelled": 0,
        },
        "deliveries": {
            "queued": 0,
            "sending": 0,
            "sent": 0,
            "deferred": 0,
            "failed": 0,
            "bounced": 0,
        },
        "jobs": {"runs": 0, "failing": 0},
    }


@pytest.mark.django_db
def test_stats_json_counts_what_is_in_the_database(bin_a, bin_b, municipality):
    # Reference data for a municipality that no zone runs must not count.
    factories.MunicipalityFactory(nis_code="11001", name_nl="Aartselaar", zone=None)
    factories.NetworkFactory(municipality=municipality, status=NetworkStatus.PREPARATION)
    factories.NetworkFactory(municipality=municipality, status=NetworkStatus.STOPPED)
    factories.MembershipFactory.create_batch(3, network=bin_a)
    factories.MembershipFactory(network=bin_b, status=MembershipStatus.PENDING)
    factories.MembershipFactory(network=bin_b, status=MembershipStatus.LEFT)
    JobRun.objects.create(name="ok")
    JobRun.objects.create(name="broken", last_error="Traceback …")

    assert json.loads(run_stats("--json")) == {
        "zones": 1,
        "municipalities": 1,
        "bins": {"preparation": 1, "active": 2, "suspended": 0, "merged": 0, "stopped": 1},
        "members": {"pending": 1, "active": 3, "paused": 0, "suspended": 0, "left": 1},
        "messages": dict.fromkeys(MessageState.values, 0),
        "deliveries": dict.fromkeys(DeliveryState.values, 0),
        "jobs": {"runs": 2, "failing": 1},
    }


@pytest.mark.django_db
def test_stats_table_is_readable(bin_a):
    factories.MembershipFactory(network=bin_a, status=MembershipStatus.PAUSED)

    # Labels are padded to the longest one ("  awaiting_approval").
    assert run_stats().splitlines() == [
        "zones                1",
        "municipalities       1",
        "bins",
        "  preparation        0",
        "  active             1",
        "  suspended          0",
        "  merged             0",
        "  stopped            0",
        "members",
        "  pending            0",
        "  active             0",
        "  paused             1",
        "  suspended          0",
        "  left               0",
        "messages",
        "  draft              0",
        "  awaiting_approval  0",
        "  approved           0",
        "  rejected           0",
        "  awaiting_forward   0",
        "  forwarded          0",
        "  declined           0",
        "  scheduled          0",
        "  queued             0",
        "  sending            0",
        "  sent               0",
        "  cancelled          0",
        "deliveries",
        "  queued             0",
        "  sending            0",
        "  sent               0",
        "  deferred           0",
        "  failed             0",
        "  bounced            0",
        "jobs",
        "  runs               0",
        "  failing            0",
    ]


@pytest.mark.django_db
def test_a_section_from_outside_the_apps_comes_last(monkeypatch):
    monkeypatch.setattr(stats, "_sections", dict(stats._sections))

    @stats.stats_section("example")
    def example():
        return {"queued": 4, "sent": 2}

    result = json.loads(run_stats("--json"))

    assert list(result) == [
        "zones",
        "municipalities",
        "bins",
        "members",
        "messages",
        "deliveries",
        "jobs",
        "example",
    ]
    assert result["example"] == {"queued": 4, "sent": 2}
