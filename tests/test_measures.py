"""Measures against members: reprimand, temporary and permanent suspension, the block list."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.members import jobs, services
from nabuur.members.models import (
    BlockedPerson,
    EndReason,
    Measure,
    MeasureKind,
    MeasureState,
    Membership,
    MembershipStatus,
)
from nabuur.members.services import MeasureRefused
from nabuur.staff.models import Role

from . import factories
from .i18n import nl
from .test_member_list import log_in_staff

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 5, 4, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def membership(bin_a):
    return factories.MembershipFactory(
        network=bin_a, user__email="jan@example.org", user__first_name="Jan", house_number=7
    )


def test_a_written_reprimand_is_kept_and_e_mailed(membership, coordinator_a, mailoutbox):
    measure = services.reprimand(coordinator_a, membership, "Beledigende berichten in de groep")

    measure.refresh_from_db()
    assert (measure.kind, measure.state, measure.confirmed_by) == (
        MeasureKind.WRITTEN_REPRIMAND,
        MeasureState.CONFIRMED,
        coordinator_a,
    )
    assert measure.reason == "Beledigende berichten in de groep"
    assert [m.subject for m in mailoutbox] == [
        nl("A written reprimand from %(name)s", name="BIN Centrum")
    ]
    assert "Beledigende berichten in de groep" in mailoutbox[0].body
    entry = AuditEntry.objects.get(action="members.measure.reprimand")
    assert (entry.subjects, entry.details) == ([membership.user_id], {"measure": measure.pk})


def test_a_temporary_suspension_ends_by_itself_when_the_date_passes(
    membership, officer_a, mailoutbox
):
    with clock.frozen_at(NOON):
        services.suspend_until(officer_a, membership, "Ruzie", datetime.date(2026, 5, 10))
    membership.refresh_from_db()
    assert (membership.status, membership.suspended_until) == (
        MembershipStatus.SUSPENDED,
        datetime.date(2026, 5, 10),
    )
    assert mailoutbox[0].subject == nl(
        "Your membership of %(name)s is suspended", name="BIN Centrum"
    )

    # On the last day it still holds; the day after, the worker's job reinstates the member.
    assert jobs.end_suspensions(datetime.datetime(2026, 5, 10, 20, 0, tzinfo=datetime.UTC)) == 0
    with clock.frozen_at(datetime.datetime(2026, 5, 11, 6, 0, tzinfo=datetime.UTC)):
        assert jobs.end_suspensions(clock.now()) == 1
    membership.refresh_from_db()
    assert (membership.status, membership.suspended_until) == (MembershipStatus.ACTIVE, None)


def test_a_suspension_needs_a_date_after_today_and_a_current_member(membership, coordinator_a):
    with clock.frozen_at(NOON), pytest.raises(MeasureRefused):
        services.suspend_until(coordinator_a, membership, "x", datetime.date(2026, 5, 4))
    services.leave_membership(membership, notify=False)
    with pytest.raises(MeasureRefused):
        services.suspend_until(coordinator_a, membership, "x", datetime.date(2099, 1, 1))
    assert Measure.objects.count() == 0


def test_only_coordinators_and_officers_of_the_bin_take_measures(
    membership, coordinator_b, zone_admin
):
    for outsider in (coordinator_b, zone_admin):
        with pytest.raises(PermissionDenied):
            services.reprimand(outsider, membership, "x")
        with pytest.raises(PermissionDenied):
            services.propose_permanent_suspension(outsider, membership, "x")
    assert Measure.objects.count() == 0


def test_a_permanent_suspension_needs_the_coordinator_and_the_officer(
    bin_a, membership, coordinator_a, officer_a, mailoutbox
):
    second_coordinator = factories.RoleFactory(role=Role.CO_COORDINATOR, network=bin_a).user
    measure = services.propose_permanent_suspension(coordinator_a, membership, "Misbruik")

    with pytest.raises(MeasureRefused):
        services.confirm_permanent_suspension(coordinator_a, measure)
    with pytest.raises(MeasureRefused):
        services.confirm_permanent_suspension(second_coordinator, measure)
    with pytest.raises(MeasureRefused):
        services.propose_permanent_suspension(officer_a, membership, "Nog eens")
    measure.refresh_from_db()
    assert measure.state == MeasureState.PROPOSED
    assert BlockedPerson.objects.count() == 0

    with clock.frozen_at(NOON):
        assert services.confirm_permanent_suspension(officer_a, measure) is True
        assert services.confirm_permanent_suspension(officer_a, measure) is False

    measure.refresh_from_db()
    membership.refresh_from_db()
    assert (measure.state, measure.confirmed_by, measure.confirmed_at) == (
        MeasureState.CONFIRMED,
        officer_a,
        NOON,
    )
    assert (membership.status, membership.end_reason) == (MembershipStatus.LEFT, EndReason.REMOVED)
    blocks = BlockedPerson.objects.all()
    assert len(blocks) == 2
    assert {b.expires_at for b in blocks} == {NOON + datetime.timedelta(days=5 * 365)}
    # Hashes only: neither the e-mail address nor the street appears in the rows.
    assert all("jan" not in b.value_hash and len(b.value_hash) == 64 for b in blocks)
    assert [m.subject for m in mailoutbox] == [
        nl("Your membership of %(name)s has ended", name="BIN Centrum")
    ]
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["members.measure.propose", "members.measure.confirm"]


def test_the_officer_may_propose_and_the_coordinator_confirm(membership, coordinator_a, officer_a):
    measure = services.propose_permanent_suspension(officer_a, membership, "Misbruik")
    assert services.confirm_permanent_suspension(coordinator_a, measure) is True


def test_a_withdrawn_proposal_cannot_be_confirmed(membership, coordinator_a, officer_a):
    measure = services.propose_permanent_suspension(officer_a, membership, "Misbruik")
    assert services.withdraw_measure(officer_a, measure) is True
    assert services.confirm_permanent_suspension(coordinator_a, measure) is False
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def suspend_permanently(membership, coordinator, officer):
    measure = services.propose_permanent_suspension(coordinator, membership, "Misbruik")
    services.confirm_permanent_suspension(officer, measure)
    return measure


def join(network, street, *, email, house_number=7):
    return services.request_membership(
        network=network,
        street=street,
        house_number=house_number,
        postcode=street.postcode,
        first_name="Jan",
        last_name="Claes",
        email=email,
    )


def test_a_permanently_suspended_person_cannot_rejoin_in_the_zone(
    bin_a, bin_b, membership, coordinator_a, officer_a, mailoutbox
):
    suspend_permanently(membership, coordinator_a, officer_a)
    mailoutbox.clear()
    other_street = factories.StreetFactory(municipality=bin_b.municipality)

    # Their e-mail address in another BIN of the zone, and their old address with a new one.
    assert join(bin_b, other_street, email="JAN@example.org ") is None
    assert join(bin_a, membership.street, email="nieuw@example.org") is None
    assert Membership.objects.filter(status=MembershipStatus.PENDING).count() == 0
    assert mailoutbox == []
    assert AuditEntry.objects.filter(action="members.rejoin_refused").count() == 2

    # A neighbour at another number is not blocked.
    assert join(bin_a, membership.street, email="buur@example.org", house_number=9) is not None


def test_a_blocked_person_cannot_be_added_by_hand(membership, coordinator_a, officer_a):
    suspend_permanently(membership, coordinator_a, officer_a)
    with pytest.raises(services.PersonBlocked):
        services.add_member_by_hand(
            coordinator_a,
            membership.network,
            street=membership.street,
            house_number=7,
            postcode=membership.postcode,
            first_name="Jan",
            last_name="Claes",
        )


def test_the_block_list_expires_with_the_zones_retention(
    zone, membership, coordinator_a, officer_a
):
    zone.retention_measures_days = 30
    zone.save(update_fields=["retention_measures_days"])
    with clock.frozen_at(NOON):
        suspend_permanently(membership, coordinator_a, officer_a)

    assert jobs.delete_expired_blocks(NOON + datetime.timedelta(days=29)) == 0
    assert jobs.delete_expired_blocks(NOON + datetime.timedelta(days=30)) == 2
    other = factories.StreetFactory(municipality=membership.network.municipality)
    assert join(membership.network, other, email="jan@example.org") is not None


def test_the_member_sees_measures_on_their_page(client, membership, coordinator_a):
    services.reprimand(coordinator_a, membership, "Beledigende berichten")
    client.force_login(membership.user)
    response = client.get("/nl/me/")
    assert nl("Measures against me") in response.text
    assert "Beledigende berichten" in response.text


def test_measures_through_the_pages(client, membership, coordinator_a, officer_a, mailoutbox):
    base = f"/nl/staff/members/centrum/{membership.pk}/"
    client = log_in_staff(client, coordinator_a)
    response = client.post(
        base + "measures/", {"kind": "permanent_suspension", "reason": "Misbruik"}
    )
    assert response.status_code == 302
    measure = Measure.objects.get()

    # The proposer's own confirmation is refused with a message, nothing changes.
    page = client.post(base + f"measures/{measure.pk}/", {"action": "confirm"}, follow=True)
    assert nl("The person who proposed a measure cannot confirm it.") in page.text
    assert Measure.objects.get().state == MeasureState.PROPOSED

    client = log_in_staff(client, officer_a)
    client.post(base + f"measures/{measure.pk}/", {"action": "confirm"})
    assert Measure.objects.get().state == MeasureState.CONFIRMED
    assert BlockedPerson.objects.count() == 2

    # A temporary suspension without a date is refused by the form.
    other = factories.MembershipFactory(network=membership.network)
    page = client.post(
        f"/nl/staff/members/centrum/{other.pk}/measures/",
        {"kind": "temporary_suspension", "reason": "Ruzie"},
        follow=True,
    )
    assert nl("Choose the last day of the suspension, after today.") in page.text
    other.refresh_from_db()
    assert other.status == MembershipStatus.ACTIVE


def test_the_dashboard_shows_the_other_side_what_waits_for_confirmation(
    client, membership, coordinator_a, officer_a
):
    services.propose_permanent_suspension(coordinator_a, membership, "Misbruik")
    title = nl("Permanent suspensions waiting for your confirmation")

    officer_page = log_in_staff(client, officer_a).get("/nl/staff/")
    assert title in officer_page.text
    assert f"/nl/staff/members/centrum/{membership.pk}/" in officer_page.text
    proposer_page = log_in_staff(client, coordinator_a).get("/nl/staff/")
    assert title not in proposer_page.text
    assert 'href="/nl/staff/members/centrum/"' in proposer_page.text
