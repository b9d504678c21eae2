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
from nabuur.members.services import MeasureRefused, measures
from nabuur.staff.models import Role

from . import factories
from .i18n import nl
from .test_member_list import log_in_staff

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 5, 4, 12, 0, tzinfo=datetime.UTC)
MAY_10 = datetime.date(2026, 5, 10)
FAR = datetime.date(2099, 1, 1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def membership(bin_a):
    return factories.MembershipFactory(
        network=bin_a, user__email="jan@example.org", user__first_name="Jan", house_number=7
    )


def propose(actor, membership, kind, reason="Beledigende berichten in de groep", until=None):
    return measures.propose_measure(actor, membership, kind, reason, until=until)


@pytest.mark.parametrize(
    ("kind", "until"),
    [
        (MeasureKind.WRITTEN_REPRIMAND, None),
        (MeasureKind.TEMPORARY_SUSPENSION, datetime.date(2026, 5, 10)),
        (MeasureKind.PERMANENT_SUSPENSION, None),
    ],
)
def test_every_measure_waits_for_the_other_side_who_is_told_by_e_mail(
    bin_a, membership, coordinator_a, officer_a, mailoutbox, kind, until
):
    second_coordinator = factories.RoleFactory(role=Role.CO_COORDINATOR, network=bin_a).user
    with clock.frozen_at(NOON):
        measure = propose(coordinator_a, membership, kind, until=until)

    measure.refresh_from_db()
    membership.refresh_from_db()
    assert (measure.kind, measure.state, measure.proposed_by, measure.confirmed_by) == (
        kind,
        MeasureState.PROPOSED,
        coordinator_a,
        None,
    )
    assert measure.reason == "Beledigende berichten in de groep"
    # Nothing happens to the member yet: no e-mail, no suspension.
    assert (membership.status, membership.suspended_until) == (MembershipStatus.ACTIVE, None)
    # The officer, the other side, is told; the second coordinator is on the proposer's side.
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (
            [officer_a.email],
            nl("A measure in %(network)s waits for your confirmation", network="BIN Centrum"),
        )
    ]
    assert f"/nl/staff/members/centrum/{membership.pk}/" in mailoutbox[0].body
    assert "Beledigende" not in mailoutbox[0].body
    entry = AuditEntry.objects.get(action="members.measure.propose")
    assert (entry.subjects, entry.details) == ([membership.user_id], {"measure": measure.pk})

    # Neither the proposer nor anyone on their side confirms.
    for same_side in (coordinator_a, second_coordinator):
        with pytest.raises(MeasureRefused):
            measures.confirm_measure(same_side, measure)
    measure.refresh_from_db()
    assert measure.state == MeasureState.PROPOSED

    mailoutbox.clear()
    with clock.frozen_at(NOON):
        assert measures.confirm_measure(officer_a, measure) is True
        assert measures.confirm_measure(officer_a, measure) is False
    measure.refresh_from_db()
    assert (measure.state, measure.confirmed_by, measure.confirmed_at, measure.by_letter) == (
        MeasureState.CONFIRMED,
        officer_a,
        NOON,
        False,
    )
    assert [m.to for m in mailoutbox] == [["jan@example.org"]]
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions == ["members.measure.propose", "members.measure.confirm"]


def test_a_confirmed_reprimand_is_e_mailed_to_the_member(
    membership, coordinator_a, officer_a, mailoutbox
):
    measure = propose(officer_a, membership, MeasureKind.WRITTEN_REPRIMAND)
    mailoutbox.clear()
    measures.confirm_measure(coordinator_a, measure)
    assert [m.subject for m in mailoutbox] == [
        nl("A written reprimand from %(name)s", name="BIN Centrum")
    ]
    assert "Beledigende berichten in de groep" in mailoutbox[0].body
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def test_a_temporary_suspension_starts_at_confirmation_and_ends_by_itself(
    membership, coordinator_a, officer_a, mailoutbox
):
    with clock.frozen_at(NOON):
        measure = propose(officer_a, membership, MeasureKind.TEMPORARY_SUSPENSION, until=MAY_10)
        membership.refresh_from_db()
        assert membership.status == MembershipStatus.ACTIVE
        mailoutbox.clear()
        measures.confirm_measure(coordinator_a, measure)
    membership.refresh_from_db()
    assert (membership.status, membership.suspended_until) == (MembershipStatus.SUSPENDED, MAY_10)
    assert mailoutbox[0].subject == nl(
        "Your membership of %(name)s is suspended", name="BIN Centrum"
    )

    # On the last day it still holds; the day after, the worker's job reinstates the member.
    assert jobs.end_suspensions(datetime.datetime(2026, 5, 10, 20, 0, tzinfo=datetime.UTC)) == 0
    with clock.frozen_at(datetime.datetime(2026, 5, 11, 6, 0, tzinfo=datetime.UTC)):
        assert jobs.end_suspensions(clock.now()) == 1
    membership.refresh_from_db()
    assert (membership.status, membership.suspended_until) == (MembershipStatus.ACTIVE, None)


def test_a_suspension_whose_last_day_passed_while_waiting_is_not_confirmed(
    membership, coordinator_a, officer_a
):
    with clock.frozen_at(NOON):
        measure = propose(officer_a, membership, MeasureKind.TEMPORARY_SUSPENSION, until=MAY_10)
    with (
        clock.frozen_at(datetime.datetime(2026, 5, 10, 12, 0, tzinfo=datetime.UTC)),
        pytest.raises(MeasureRefused),
    ):
        measures.confirm_measure(coordinator_a, measure)
    measure.refresh_from_db()
    membership.refresh_from_db()
    assert (measure.state, membership.status) == (MeasureState.PROPOSED, MembershipStatus.ACTIVE)


def test_a_suspension_needs_a_date_after_today_and_a_current_member(membership, coordinator_a):
    with clock.frozen_at(NOON), pytest.raises(MeasureRefused):
        propose(coordinator_a, membership, MeasureKind.TEMPORARY_SUSPENSION, until=NOON.date())
    services.leave_membership(membership, notify=False)
    for kind in MeasureKind.values:
        with pytest.raises(MeasureRefused):
            propose(coordinator_a, membership, kind, until=datetime.date(2099, 1, 1))
    assert Measure.objects.count() == 0


def test_a_member_who_left_before_the_confirmation_is_not_suspended(
    membership, coordinator_a, officer_a, mailoutbox
):
    measure = propose(coordinator_a, membership, MeasureKind.TEMPORARY_SUSPENSION, until=FAR)
    services.leave_membership(membership, notify=False)
    mailoutbox.clear()
    with pytest.raises(MeasureRefused):
        measures.confirm_measure(officer_a, measure)
    measure.refresh_from_db()
    assert (measure.state, mailoutbox) == (MeasureState.PROPOSED, [])


def test_one_proposal_at_a_time(membership, coordinator_a, officer_a):
    propose(coordinator_a, membership, MeasureKind.WRITTEN_REPRIMAND)
    with pytest.raises(MeasureRefused):
        propose(officer_a, membership, MeasureKind.PERMANENT_SUSPENSION)
    assert Measure.objects.count() == 1


def test_only_coordinators_and_officers_of_the_bin_take_measures(
    membership, coordinator_b, zone_admin
):
    for outsider in (coordinator_b, zone_admin):
        for kind in MeasureKind.values:
            with pytest.raises(PermissionDenied):
                propose(outsider, membership, kind, until=FAR)
    assert Measure.objects.count() == 0


def test_either_side_may_withdraw_a_proposal_which_then_cannot_be_confirmed(
    membership, coordinator_a, officer_a, mailoutbox
):
    first = propose(officer_a, membership, MeasureKind.PERMANENT_SUSPENSION)
    assert measures.withdraw_measure(officer_a, first) is True
    assert measures.confirm_measure(coordinator_a, first) is False
    second = propose(officer_a, membership, MeasureKind.WRITTEN_REPRIMAND)
    assert measures.withdraw_measure(coordinator_a, second) is True
    assert measures.withdraw_measure(coordinator_a, second) is False

    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert [m.to for m in mailoutbox] == [[coordinator_a.email], [coordinator_a.email]]
    withdrawals = AuditEntry.objects.filter(action="members.measure.withdraw").order_by("seq")
    assert [(e.actor_id, e.details) for e in withdrawals] == [
        (officer_a.pk, {"measure": first.pk}),
        (coordinator_a.pk, {"measure": second.pk}),
    ]


def test_a_permanent_suspension_needs_the_coordinator_and_the_officer(
    membership, coordinator_a, officer_a, mailoutbox
):
    measure = propose(coordinator_a, membership, MeasureKind.PERMANENT_SUSPENSION, "Misbruik")
    assert BlockedPerson.objects.count() == 0
    mailoutbox.clear()

    with clock.frozen_at(NOON):
        assert measures.confirm_measure(officer_a, measure) is True

    membership.refresh_from_db()
    assert (membership.status, membership.end_reason) == (MembershipStatus.LEFT, EndReason.REMOVED)
    blocks = BlockedPerson.objects.all()
    assert len(blocks) == 2
    assert {b.expires_at for b in blocks} == {NOON + datetime.timedelta(days=5 * 365)}
    # Hashes only: neither the e-mail address nor the street appears in the rows.
    assert all("jan" not in b.value_hash and len(b.value_hash) == 64 for b in blocks)
    assert [m.subject for m in mailoutbox] == [
        nl("Your membership of %(name)s has ended", name="BIN Centrum")
    ]


def suspend_permanently(membership, coordinator, officer):
    measure = propose(coordinator, membership, MeasureKind.PERMANENT_SUSPENSION, "Misbruik")
    measures.confirm_measure(officer, measure)
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


def test_the_member_sees_only_confirmed_measures_on_their_page(
    client, membership, coordinator_a, officer_a
):
    measure = propose(coordinator_a, membership, MeasureKind.WRITTEN_REPRIMAND)
    client.force_login(membership.user)
    assert "Beledigende berichten" not in client.get("/nl/me/").text
    measures.confirm_measure(officer_a, measure)
    response = client.get("/nl/me/")
    assert nl("Measures against me") in response.text
    assert "Beledigende berichten" in response.text


def test_measures_through_the_pages(client, membership, coordinator_a, officer_a, mailoutbox):
    base = f"/nl/staff/members/centrum/{membership.pk}/"
    client = log_in_staff(client, coordinator_a)
    page = client.post(
        base + "measures/",
        {"kind": "written_reprimand", "reason": "Misbruik van de groep"},
        follow=True,
    )
    assert nl("The measure is proposed. It takes effect once the other side confirms it.") in (
        page.text
    )
    measure = Measure.objects.get()
    assert (measure.kind, measure.state) == (MeasureKind.WRITTEN_REPRIMAND, MeasureState.PROPOSED)
    assert [m.to for m in mailoutbox] == [[officer_a.email]]
    # The proposer's page says who must confirm and offers only to withdraw.
    assert nl("Waiting for the other side's confirmation.") in page.text
    assert 'value="confirm"' not in page.text
    assert 'value="withdraw"' in page.text

    # The proposer's own confirmation is refused with a message, nothing changes.
    page = client.post(base + f"measures/{measure.pk}/", {"action": "confirm"}, follow=True)
    assert nl("The person who proposed a measure cannot confirm it.") in page.text
    assert Measure.objects.get().state == MeasureState.PROPOSED

    # The officer finds it on the member's page, with the reason, and confirms it.
    mailoutbox.clear()
    client = log_in_staff(client, officer_a)
    page = client.get(base)
    assert nl("This measure waits for your confirmation.") in page.text
    assert "Misbruik van de groep" in page.text
    page = client.post(base + f"measures/{measure.pk}/", {"action": "confirm"}, follow=True)
    assert nl("The measure is confirmed and the member is told by e-mail.") in page.text
    assert Measure.objects.get().state == MeasureState.CONFIRMED
    assert [m.to for m in mailoutbox] == [["jan@example.org"]]

    # A temporary suspension without a date is refused by the form.
    other = factories.MembershipFactory(network=membership.network)
    page = client.post(
        f"/nl/staff/members/centrum/{other.pk}/measures/",
        {"kind": "temporary_suspension", "reason": "Ruzie"},
        follow=True,
    )
    assert nl("Choose the last day of the suspension, after today.") in page.text
    assert other.measures.count() == 0


def test_a_second_proposal_is_refused_with_a_message(client, membership, coordinator_a, officer_a):
    propose(coordinator_a, membership, MeasureKind.WRITTEN_REPRIMAND)
    client = log_in_staff(client, officer_a)
    page = client.post(
        f"/nl/staff/members/centrum/{membership.pk}/measures/",
        {"kind": "permanent_suspension", "reason": "Misbruik"},
        follow=True,
    )
    assert (
        nl(
            "A measure against this member already waits for confirmation. Confirm or withdraw it "
            "first."
        )
        in page.text
    )
    assert Measure.objects.count() == 1


def test_the_dashboard_shows_the_other_side_what_waits_for_confirmation(
    client, membership, coordinator_a, officer_a
):
    propose(coordinator_a, membership, MeasureKind.WRITTEN_REPRIMAND, "Misbruik")
    title = nl("Measures waiting for your confirmation")

    officer_page = log_in_staff(client, officer_a).get("/nl/staff/")
    assert title in officer_page.text
    assert f"/nl/staff/members/centrum/{membership.pk}/" in officer_page.text
    proposer_page = log_in_staff(client, coordinator_a).get("/nl/staff/")
    assert title not in proposer_page.text
    assert 'href="/nl/staff/members/centrum/"' in proposer_page.text
