import pytest
from django.core.exceptions import PermissionDenied

from nabuur.audit.models import AuditEntry
from nabuur.messaging.models import CommunicationPlan, MessageKind
from nabuur.messaging.plans import current_plan, save_plan


@pytest.mark.django_db
def test_without_a_plan_a_bin_follows_the_zones_defaults(bin_a):
    plan = current_plan(bin_a)
    assert (plan.version, plan.police_direct_to_members, plan.coordinator_needs_approval) == (
        0,
        False,
        False,
    )
    assert plan.kinds_for("coordinator") == [
        "prevention",
        "information",
        "newsletter",
        "invitation",
    ]
    assert MessageKind.MISSING_PERSON in plan.kinds_for("police")


@pytest.mark.django_db
def test_editing_writes_a_new_version_and_keeps_the_old(bin_a, officer_a, coordinator_a):
    first = save_plan(
        bin_a,
        officer_a,
        police_direct_to_members=True,
        coordinator_needs_approval=False,
        allowed_kinds={"police": ["feedback"], "coordinator": ["newsletter"]},
    )
    second = save_plan(
        bin_a,
        coordinator_a,
        police_direct_to_members=False,
        coordinator_needs_approval=True,
        allowed_kinds={"police": ["feedback"], "coordinator": ["newsletter", "missing_person"]},
    )
    assert (first.version, second.version) == (1, 2)
    assert current_plan(bin_a) == second
    assert CommunicationPlan.objects.get(pk=first.pk).police_direct_to_members is True
    # Missing-person notices stay police-only whatever the plan says.
    assert second.kinds_for("coordinator") == ["newsletter"]
    assert list(
        AuditEntry.objects.filter(action="messaging.plan_saved")
        .order_by("seq")
        .values_list("actor_id", flat=True)
    ) == [officer_a.pk, coordinator_a.pk]


@pytest.mark.django_db
def test_only_the_bins_officer_and_coordinators_edit_the_plan(bin_a, coordinator_b, zone_admin):
    for outsider in (coordinator_b, zone_admin):
        with pytest.raises(PermissionDenied):
            save_plan(
                bin_a,
                outsider,
                police_direct_to_members=True,
                coordinator_needs_approval=True,
                allowed_kinds={},
            )
    assert not CommunicationPlan.objects.exists()
