"""Zone administration: BINs, area segments, CSV import, merge, stop, roles and measures."""

import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.members.models import Membership, MembershipStatus
from nabuur.networks import segments_csv, services
from nabuur.networks.models import (
    CoordinatorMeasure,
    MeasureKind,
    Network,
    NetworkStatus,
    Segment,
    Side,
)
from nabuur.staff.models import Role, RoleAssignment
from nabuur.staff.permissions import Capability, can

from . import factories
from .i18n import nl
from .sessions import reauthenticated

pytestmark = pytest.mark.django_db


def staff(client, user):
    """Log a staff person in with a TOTP device, as the second-factor middleware demands, a
    moment ago (role changes ask for a recent login)."""
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return reauthenticated(client, user)


def actions():
    return [entry.action for entry in AuditEntry.objects.order_by("seq")]


@pytest.fixture
def kerkstraat(municipality):
    return factories.StreetFactory(municipality=municipality, name_nl="Kerkstraat", official_id="7")


# --- List, create, edit ----------------------------------------------------------------------


def test_the_list_shows_the_zones_bins_with_member_counts(client, zone_admin, bin_a, bin_b):
    factories.MembershipFactory.create_batch(2, network=bin_a)
    factories.MembershipFactory(network=bin_a, status=MembershipStatus.LEFT)
    response = staff(client, zone_admin).get("/nl/staff/bins/")
    assert response.status_code == 200
    counts = {n.slug: n.member_count for n in response.context["networks"]}
    assert counts == {"centrum": 2, "elsdonk": 0}
    assert nl("New BIN") in response.text


def test_the_list_filters_by_municipality(client, zone, zone_admin, bin_a):
    other = factories.MunicipalityFactory(zone=zone, nis_code="11002", name_nl="Boechout")
    factories.NetworkFactory(municipality=other, slug="boechout-dorp")
    response = staff(client, zone_admin).get("/nl/staff/bins/?municipality=11002")
    assert [n.slug for n in response.context["networks"]] == ["boechout-dorp"]


@pytest.mark.parametrize("extra", [0, 2])
def test_the_list_takes_the_same_queries_for_one_and_three_bins(
    client, zone_admin, bin_a, municipality, django_assert_num_queries, extra
):
    factories.NetworkFactory.create_batch(extra, municipality=municipality)
    factories.MembershipFactory(network=bin_a)
    staff(client, zone_admin)
    client.get("/nl/staff/bins/")  # warm the session and second-factor caches
    # Session, user, roles (with the zone of the zone administrator's role), the site's zone,
    # the municipalities of the filter, the BINs with their counts. The session remembers the
    # second factor; staff pages speak every language of the interface.
    with django_assert_num_queries(7):
        response = client.get("/nl/staff/bins/")
    assert len(response.context["networks"]) == 1 + extra


def test_a_municipality_contact_sees_the_bins_read_only(client, municipality_contact, bin_a):
    response = staff(client, municipality_contact).get("/nl/staff/bins/centrum/")
    assert response.status_code == 200
    assert response.context["may_manage"] is False
    assert "/edit/" not in response.text
    assert client.get("/nl/staff/bins/centrum/edit/").status_code == 403
    assert client.get("/nl/staff/bins/new/").status_code == 403


def test_a_coordinator_of_a_gets_403_on_zone_admin_pages(client, coordinator_a, bin_a):
    staff(client, coordinator_a)
    for path in ["edit/", "segments/new/", "segments/import/", "merge/", "stop/", "roles/"]:
        assert client.get(f"/nl/staff/bins/centrum/{path}").status_code == 403, path


def test_an_outsider_gets_404_on_as_admin_pages(client, coordinator_b, bin_a):
    staff(client, coordinator_b)
    for path in ["", "edit/", "segments/new/", "merge/", "stop/", "roles/"]:
        assert client.get(f"/nl/staff/bins/centrum/{path}").status_code == 404, path


def test_a_zone_admin_creates_a_bin(client, zone, zone_admin, municipality, bin_a):
    bin_type = bin_a.bin_type
    response = staff(client, zone_admin).post(
        "/nl/staff/bins/new/",
        {
            "name": "BIN Molenveld",
            "slug": "molenveld",
            "bin_type": bin_type.pk,
            "municipality": municipality.pk,
            "status": NetworkStatus.PREPARATION,
            "start_date": "2026-12-01",
            "requires_approval": "on",
            "contact_email": "molenveld@example.org",
        },
    )
    assert response.status_code == 302
    network = Network.objects.get(slug="molenveld")
    assert (network.name, network.status, network.start_date) == (
        "BIN Molenveld",
        NetworkStatus.PREPARATION,
        datetime.date(2026, 12, 1),
    )
    assert actions() == ["networks.create"]


def test_the_create_form_offers_only_the_zones_municipalities(client, zone_admin, bin_a):
    elsewhere = factories.MunicipalityFactory(nis_code="21004", name_nl="Brussel")
    response = staff(client, zone_admin).get("/nl/staff/bins/new/")
    choices = list(response.context["form"].fields["municipality"].queryset)
    assert elsewhere not in choices and bin_a.municipality in choices


def test_editing_a_bin_saves_only_changed_fields_and_audits_them(client, zone_admin, bin_a):
    response = staff(client, zone_admin).post(
        "/nl/staff/bins/centrum/edit/",
        {
            "name": "BIN Centrum-Zuid",
            "slug": "centrum",
            "bin_type": bin_a.bin_type_id,
            "municipality": bin_a.municipality_id,
            "status": NetworkStatus.ACTIVE,
            "start_date": "2024-01-15",
            "requires_approval": "on",
        },
    )
    assert response.status_code == 302
    assert Network.objects.get(pk=bin_a.pk).name == "BIN Centrum-Zuid"
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.details) == ("networks.update", {"fields": ["name"]})


def test_the_edit_form_does_not_offer_merged_or_stopped(client, zone_admin, bin_a):
    response = staff(client, zone_admin).get("/nl/staff/bins/centrum/edit/")
    values = [value for value, _ in response.context["form"].fields["status"].choices]
    assert NetworkStatus.MERGED not in values and NetworkStatus.STOPPED not in values


# --- Segments and overlaps ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((1, 20, Side.BOTH), (10, None, Side.BOTH), True),
        ((1, 9, Side.BOTH), (10, None, Side.BOTH), False),
        ((1, 20, Side.EVEN), (1, 20, Side.ODD), False),
        ((1, 20, Side.EVEN), (1, 20, Side.BOTH), True),
        ((5, 5, Side.BOTH), (1, 9, Side.EVEN), False),
        ((6, 6, Side.BOTH), (1, 9, Side.EVEN), True),
        ((1, None, Side.ODD), (100, None, Side.ODD), True),
    ],
)
def test_segments_overlap_when_ranges_and_sides_share_a_number(a, b, expected):
    first = Segment(street_id=1, number_from=a[0], number_to=a[1], side=a[2])
    second = Segment(street_id=1, number_from=b[0], number_to=b[1], side=b[2])
    assert services.segments_overlap(first, second) is expected
    assert services.segments_overlap(second, first) is expected


def test_adding_an_overlapping_segment_asks_for_confirmation(
    client, zone_admin, bin_a, bin_b, kerkstraat
):
    factories.SegmentFactory(network=bin_b, street=kerkstraat, number_from=1, number_to=30)
    staff(client, zone_admin)
    data = {"street": kerkstraat.pk, "number_from": 20, "number_to": 40, "side": Side.BOTH}
    response = client.post("/nl/staff/bins/centrum/segments/new/", data)
    assert response.status_code == 200
    assert "BIN Elsdonk" in response.text
    assert nl("This segment overlaps another BIN") in response.text
    assert bin_a.segments.count() == 0

    response = client.post(
        "/nl/staff/bins/centrum/segments/new/", {**data, "confirm_overlap": "on"}
    )
    assert response.status_code == 302
    segment = bin_a.segments.get()
    assert (segment.number_from, segment.number_to) == (20, 40)
    entry = AuditEntry.objects.get()
    assert entry.action == "networks.segment_add"
    assert entry.details["overlaps"] == [bin_b.pk]


def test_a_stopped_bin_does_not_count_as_overlap(client, zone_admin, bin_a, bin_b, kerkstraat):
    factories.SegmentFactory(network=bin_b, street=kerkstraat)
    bin_b.status = NetworkStatus.STOPPED
    bin_b.save(update_fields=["status"])
    response = staff(client, zone_admin).post(
        "/nl/staff/bins/centrum/segments/new/",
        {"street": kerkstraat.pk, "number_from": 1, "side": Side.BOTH},
    )
    assert response.status_code == 302
    assert bin_a.segments.count() == 1


def test_the_street_must_be_in_the_bins_municipality(client, zone_admin, bin_a):
    elsewhere = factories.StreetFactory()
    response = staff(client, zone_admin).post(
        "/nl/staff/bins/centrum/segments/new/",
        {"street": elsewhere.pk, "number_from": 1, "side": Side.BOTH},
    )
    assert response.status_code == 200
    assert 'aria-describedby="id_street_error"' in response.text
    assert Segment.objects.count() == 0


def test_editing_and_deleting_a_segment(client, zone_admin, bin_a, kerkstraat):
    segment = factories.SegmentFactory(network=bin_a, street=kerkstraat)
    staff(client, zone_admin)
    response = client.post(
        f"/nl/staff/bins/centrum/segments/{segment.pk}/edit/",
        {"street": kerkstraat.pk, "number_from": 2, "number_to": 50, "side": Side.EVEN},
    )
    assert response.status_code == 302
    segment.refresh_from_db()
    assert (segment.number_from, segment.number_to, segment.side) == (2, 50, Side.EVEN)
    assert client.post(f"/nl/staff/bins/centrum/segments/{segment.pk}/delete/").status_code == 302
    assert Segment.objects.count() == 0
    assert actions() == ["networks.segment_update", "networks.segment_delete"]


def test_a_segment_of_another_bin_answers_404(client, zone_admin, bin_a, bin_b):
    other = factories.SegmentFactory(network=bin_b)
    response = staff(client, zone_admin).get(f"/nl/staff/bins/centrum/segments/{other.pk}/edit/")
    assert response.status_code == 404


# --- CSV import --------------------------------------------------------------------------------


def test_parse_reads_dutch_headers_with_semicolons(bin_a, kerkstraat):
    text = "Straat;Van;Tot;Kant\nKerkstraat;1;29;oneven\nkerkstraat;2;;even\n"
    parsed = segments_csv.parse(text, bin_a)
    assert parsed.ok
    assert [(r.segment.number_from, r.segment.number_to, r.segment.side) for r in parsed.rows] == [
        (1, 29, Side.ODD),
        (2, None, Side.EVEN),
    ]


def test_parse_reads_french_headers_windows_1252_and_street_ids(municipality, bin_a):
    street = factories.StreetFactory(
        municipality=municipality, name_nl="", name_fr="Rue de l'Église"
    )
    data = "Rue,De,À,Côté\nRue de l'Église,1,9,pair\n".encode("cp1252")
    parsed = segments_csv.parse(segments_csv.decode(data), bin_a)
    assert parsed.ok
    assert parsed.rows[0].segment.street == street
    parsed = segments_csv.parse(f"straat id,van\n{street.official_id},3\n", bin_a)
    assert parsed.rows[0].segment.street == street


def test_parse_reports_every_row_with_a_problem(bin_a, kerkstraat):
    text = "straat;van;tot;kant\nKerkstraat;10;5;\nOnbekendstraat;1;;\nKerkstraat;x;;links\n"
    parsed = segments_csv.parse(text, bin_a)
    assert not parsed.ok
    assert [(row.line, len(row.problems)) for row in parsed.problem_rows] == [
        (2, 1),
        (3, 1),
        (4, 2),
    ]


def test_parse_rejects_a_file_without_a_street_column(bin_a):
    parsed = segments_csv.parse("naam;van\nx;1\n", bin_a)
    assert parsed.rows == [] and len(parsed.problems) == 1


def _upload(text, encoding="utf-8"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("segmenten.csv", text.encode(encoding), content_type="text/csv")


def test_importing_previews_then_applies_all_rows(client, zone_admin, bin_a, kerkstraat):
    staff(client, zone_admin)
    text = "Straat;Van;Tot;Kant\nKerkstraat;1;29;oneven\nKerkstraat;2;30;even\n"
    response = client.post("/nl/staff/bins/centrum/segments/import/", {"file": _upload(text)})
    assert response.status_code == 200
    assert len(response.context["parsed"].rows) == 2
    assert Segment.objects.count() == 0
    response = client.post(
        "/nl/staff/bins/centrum/segments/import/", {"content": text, "apply": "1"}
    )
    assert response.status_code == 302
    assert bin_a.segments.count() == 2
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.details) == ("networks.segment_import", {"added": 2, "removed": 0})


def test_an_import_with_one_bad_row_imports_nothing(client, zone_admin, bin_a, kerkstraat):
    staff(client, zone_admin)
    text = "straat,van\nKerkstraat,1\nNergensstraat,1\n"
    response = client.post(
        "/nl/staff/bins/centrum/segments/import/", {"content": text, "apply": "1"}
    )
    assert response.status_code == 200
    assert Segment.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_an_import_that_overlaps_needs_confirmation_and_can_replace(
    client, zone_admin, bin_a, bin_b, kerkstraat
):
    factories.SegmentFactory(network=bin_b, street=kerkstraat, number_from=1, number_to=9)
    old = factories.SegmentFactory(network=bin_a)
    staff(client, zone_admin)
    text = "straat;van\nKerkstraat;1\n"
    url = "/nl/staff/bins/centrum/segments/import/"
    response = client.post(url, {"content": text, "apply": "1", "replace": "on"})
    assert response.status_code == 200
    assert "BIN Elsdonk" in response.text
    response = client.post(
        url, {"content": text, "apply": "1", "replace": "on", "confirm_overlap": "on"}
    )
    assert response.status_code == 302
    assert list(bin_a.segments.values_list("street", flat=True)) == [kerkstraat.pk]
    assert not Segment.objects.filter(pk=old.pk).exists()


# --- Merge and stop ----------------------------------------------------------------------------


def test_merging_moves_members_segments_and_keeps_history(
    client, zone_admin, bin_a, bin_b, django_capture_on_commit_callbacks
):
    moving = factories.MembershipFactory(network=bin_b)
    both = factories.MembershipFactory(network=bin_b)
    in_a = factories.MembershipFactory(network=bin_a, user=both.user)
    segment = factories.SegmentFactory(network=bin_b)
    coordinator_b = factories.RoleFactory(role=Role.COORDINATOR, network=bin_b)
    staff(client, zone_admin)

    response = client.post("/nl/staff/bins/elsdonk/merge/", {"target": "centrum"})
    assert response.status_code == 200
    plan = response.context["plan"]
    assert (plan.moving_count, plan.already_count, plan.segments, plan.roles) == (1, 1, 1, 1)
    assert Network.objects.get(pk=bin_b.pk).status == NetworkStatus.ACTIVE

    moment = datetime.datetime(2026, 3, 2, 10, tzinfo=datetime.UTC)
    with clock.frozen_at(moment), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/nl/staff/bins/elsdonk/merge/", {"target": "centrum", "confirm": "1"}
        )
    assert response.status_code == 302
    bin_b.refresh_from_db()
    assert (bin_b.status, bin_b.merged_into) == (NetworkStatus.MERGED, bin_a)
    moving.refresh_from_db()
    assert (moving.network, moving.status) == (bin_a, MembershipStatus.ACTIVE)
    both.refresh_from_db()
    assert (both.network, both.status) == (bin_b, MembershipStatus.LEFT)
    assert Membership.objects.get(pk=in_a.pk).status == MembershipStatus.ACTIVE
    assert Segment.objects.get(pk=segment.pk).network == bin_a
    # Ended now: the last day the role was held is the day before.
    assert RoleAssignment.objects.get(pk=coordinator_b.pk).ended_on == datetime.date(2026, 3, 1)
    entry = AuditEntry.objects.get()
    assert entry.action == "networks.merge"
    assert entry.subjects == sorted([moving.user_id, both.user_id])
    assert entry.details["moved"] == [moving.pk] and entry.details["ended"] == [both.pk]
    assert [m.to for m in mail.outbox] == [[moving.user.email]]
    assert mail.outbox[0].subject == nl(
        "%(source)s is now part of %(network)s", source="BIN Elsdonk", network="BIN Centrum"
    )


def test_merge_networks_as_a_service_writes_one_entry(
    zone_admin, bin_a, bin_b, django_capture_on_commit_callbacks
):
    factories.MembershipFactory(network=bin_b)
    with django_capture_on_commit_callbacks(execute=True):
        plan = services.merge_networks(zone_admin, bin_b, bin_a)
    assert (plan.moving_count, plan.already_count) == (1, 0)
    assert bin_a.memberships.count() == 1
    assert actions() == ["networks.merge"]
    assert len(mail.outbox) == 1


def test_a_bin_cannot_merge_into_itself_or_a_closed_bin(zone_admin, bin_a, bin_b):
    with pytest.raises(ValueError):
        services.merge_networks(zone_admin, bin_a, bin_a)
    bin_b.status = NetworkStatus.STOPPED
    with pytest.raises(ValueError):
        services.merge_networks(zone_admin, bin_a, bin_b)


def test_stopping_ends_memberships_and_tells_members(
    client, zone_admin, bin_a, coordinator_a, django_capture_on_commit_callbacks
):
    active = factories.MembershipFactory(network=bin_a)
    gone = factories.MembershipFactory(network=bin_a, status=MembershipStatus.LEFT)
    staff(client, zone_admin)
    response = client.get("/nl/staff/bins/centrum/stop/")
    assert (response.context["plan"].member_count, response.context["plan"].roles) == (1, 1)
    assert Network.objects.get(pk=bin_a.pk).status == NetworkStatus.ACTIVE

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/nl/staff/bins/centrum/stop/", {"reason": "Te weinig leden.", "confirm": "1"}
        )
    assert response.status_code == 302
    assert Network.objects.get(pk=bin_a.pk).status == NetworkStatus.STOPPED
    active.refresh_from_db()
    assert (active.status, active.end_reason) == (
        MembershipStatus.LEFT,
        services.NETWORK_ENDED_REASON,
    )
    assert Membership.objects.get(pk=gone.pk).left_at is None
    assert not can(coordinator_a, Capability.VIEW_MEMBERS, bin_a)
    assert [m.to for m in mail.outbox] == [[active.user.email]]
    assert mail.outbox[0].subject == nl("%(name)s has stopped", name="BIN Centrum")
    assert "Te weinig leden." in mail.outbox[0].body
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.subjects) == ("networks.stop", [active.user_id])
    # A stopped BIN cannot be stopped or merged again.
    assert client.get("/nl/staff/bins/centrum/stop/").status_code == 404
    assert client.get("/nl/staff/bins/centrum/merge/").status_code == 404


# --- Roles and measures ------------------------------------------------------------------------


def test_a_zone_admin_appoints_a_coordinator(
    client, zone_admin, bin_a, django_capture_on_commit_callbacks
):
    staff(client, zone_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/nl/staff/bins/centrum/roles/",
            {
                "role": Role.COORDINATOR,
                "email": "nieuw@example.org",
                "first_name": "Lien",
                "screening_result": "positive",
                "screened_on": "2026-01-05",
            },
        )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user__email="nieuw@example.org")
    assert (assignment.role, assignment.network, assignment.screening_result) == (
        Role.COORDINATOR,
        bin_a,
        "positive",
    )
    assert actions() == ["staff.invite"]
    assert len(mail.outbox) == 1


def test_an_officer_may_appoint_coordinators_but_not_officers(client, officer_a, bin_a):
    response = staff(client, officer_a).get("/nl/staff/bins/centrum/roles/")
    roles = [value for value, _ in response.context["form"].fields["role"].choices]
    assert roles == [Role.COORDINATOR, Role.CO_COORDINATOR]
    officer_role = RoleAssignment.objects.get(user=officer_a)
    assert client.get(f"/nl/staff/bins/centrum/roles/{officer_role.pk}/end/").status_code == 403


def test_ending_and_replacing_a_coordinator(client, zone_admin, bin_a, coordinator_a):
    role = RoleAssignment.objects.get(user=coordinator_a)
    staff(client, zone_admin)
    with clock.frozen_at(datetime.datetime(2026, 4, 1, 10, tzinfo=datetime.UTC)):
        response = client.post(
            f"/nl/staff/bins/centrum/roles/{role.pk}/replace/",
            {"email": "opvolger@example.org", "screening_result": "pending"},
        )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.ended_on == datetime.date(2026, 3, 31)
    successor = RoleAssignment.objects.get(user__email="opvolger@example.org")
    assert (successor.role, successor.network, successor.ended_on) == (
        Role.COORDINATOR,
        bin_a,
        None,
    )
    assert actions() == ["staff.role_end", "staff.invite"]
    response = client.post(
        f"/nl/staff/bins/centrum/roles/{successor.pk}/end/", {"ended_on": "2026-06-30"}
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.get(pk=successor.pk).ended_on == datetime.date(2026, 6, 30)


def test_the_roles_page_lists_people_and_writes_an_audit_entry(
    client, zone_admin, bin_a, coordinator_a
):
    response = staff(client, zone_admin).get("/nl/staff/bins/centrum/roles/")
    assert coordinator_a.email in response.text or coordinator_a.full_name in response.text
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.subjects) == ("networks.roles_view", [coordinator_a.pk])


def test_a_definitive_removal_ends_the_role_and_sets_the_appeal_deadline(
    client, zone_admin, bin_a, coordinator_a
):
    role = RoleAssignment.objects.get(user=coordinator_a)
    staff(client, zone_admin)
    url = f"/nl/staff/bins/centrum/roles/{role.pk}/measures/"
    response = client.post(
        url,
        {
            "kind": MeasureKind.DEFINITIVE_REMOVAL,
            "decided_on": "2026-05-04",
            "decided_by": "De burgemeester",
        },
    )
    assert response.status_code == 200
    assert 'aria-describedby="id_reasons_hint id_reasons_error"' in response.text
    response = client.post(
        url,
        {
            "kind": MeasureKind.DEFINITIVE_REMOVAL,
            "decided_on": "2026-05-04",
            "decided_by": "De burgemeester",
            "reasons": "Herhaaldelijk ledengegevens gedeeld.",
        },
    )
    assert response.status_code == 302
    measure = CoordinatorMeasure.objects.get()
    assert (measure.appeal_deadline, measure.recorded_by) == (
        datetime.date(2026, 5, 25),
        zone_admin,
    )
    # The removal takes effect on the day of the decision.
    assert RoleAssignment.objects.get(pk=role.pk).ended_on == datetime.date(2026, 5, 3)
    entry = AuditEntry.objects.get()
    assert entry.action == "networks.coordinator_measure"
    assert "reasons" not in entry.details
    assert entry.details["appeal_deadline"] == "2026-05-25"


def test_a_temporary_removal_suspends_the_role_until_the_date(zone_admin, bin_a, coordinator_a):
    role = RoleAssignment.objects.get(user=coordinator_a)
    today = clock.today()
    services.record_measure(
        zone_admin,
        role,
        MeasureKind.TEMPORARY_REMOVAL,
        decided_on=today,
        decided_by="De korpschef",
        until=today + datetime.timedelta(days=30),
    )
    assert not can(coordinator_a, Capability.VIEW_MEMBERS, bin_a)
    later = clock.now() + datetime.timedelta(days=31)
    with clock.frozen_at(later):
        coordinator_a.__dict__.pop("_nabuur_scopes", None)
        assert can(coordinator_a, Capability.VIEW_MEMBERS, bin_a)
    assert RoleAssignment.objects.filter(user=coordinator_a).count() == 2


def test_only_a_zone_admin_records_measures(client, officer_a, bin_a, coordinator_a):
    role = RoleAssignment.objects.get(user=coordinator_a)
    response = staff(client, officer_a).get(f"/nl/staff/bins/centrum/roles/{role.pk}/measures/")
    assert response.status_code == 403


def test_a_french_speaking_member_is_told_in_french(django_capture_on_commit_callbacks, zone_admin):
    from django.utils import translation

    from nabuur.lib.languages import LanguageRegime

    brussels = factories.MunicipalityFactory(
        nis_code="21015", name_nl="Schaarbeek", language_regime=LanguageRegime.BRUSSELS
    )
    network = factories.NetworkFactory(municipality=brussels, name="RIQ Josaphat")
    member = factories.MembershipFactory(network=network, user__language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        services.stop_network(zone_admin, network)
    with translation.override("fr"):
        expected = translation.gettext("%(name)s has stopped") % {"name": "RIQ Josaphat"}
    assert [(m.to, m.subject) for m in mail.outbox] == [([member.user.email], expected)]


def test_uploading_a_french_windows_1252_file_with_commas(client, zone_admin, bin_a, municipality):
    street = factories.StreetFactory(municipality=municipality, name_nl="", name_fr="Rue Thérèse")
    staff(client, zone_admin)
    upload = _upload("Nom de rue,De,Au,Côté\nRue Thérèse,2,40,pairs\n", encoding="cp1252")
    response = client.post("/nl/staff/bins/centrum/segments/import/", {"file": upload})
    parsed = response.context["parsed"]
    assert parsed.ok
    row = parsed.rows[0]
    assert (row.segment.street, row.segment.number_to, row.segment.side) == (street, 40, Side.EVEN)
    assert response.context["form"]["content"].value().startswith("Nom de rue,De,Au,Côté")


def test_a_temporary_removal_needs_an_end_after_the_decision(
    client, zone_admin, bin_a, coordinator_a
):
    role = RoleAssignment.objects.get(user=coordinator_a)
    response = staff(client, zone_admin).post(
        f"/nl/staff/bins/centrum/roles/{role.pk}/measures/",
        {
            "kind": MeasureKind.TEMPORARY_REMOVAL,
            "decided_on": "2026-05-04",
            "decided_by": "De korpschef",
            "removed_until": "2026-05-01",
        },
    )
    assert response.status_code == 200
    assert nl("The removal must end after the decision.") in response.text
    assert CoordinatorMeasure.objects.count() == 0


def test_a_municipality_contact_lists_only_their_municipality(
    client, zone, municipality_contact, bin_a, bin_b
):
    other = factories.MunicipalityFactory(zone=zone, nis_code="11002")
    factories.NetworkFactory(municipality=other, slug="elders")
    response = staff(client, municipality_contact).get("/nl/staff/bins/")
    assert [n.slug for n in response.context["networks"]] == ["centrum", "elsdonk"]
    assert response.context["may_create"] is False


def test_appointing_someone_who_already_holds_the_role_is_refused(
    client, zone_admin, bin_a, coordinator_a
):
    response = staff(client, zone_admin).post(
        "/nl/staff/bins/centrum/roles/",
        {"role": Role.COORDINATOR, "email": coordinator_a.email, "screening_result": "pending"},
    )
    assert response.status_code == 200
    assert nl("This person already holds this role in this BIN.") in response.text
    assert RoleAssignment.objects.filter(user=coordinator_a).count() == 1


# --- A BIN becomes active only with a coordinator ------------------------------------------------


def bin_form(network, **changes):
    data = {
        "name": network.name,
        "slug": network.slug,
        "bin_type": network.bin_type_id,
        "municipality": network.municipality_id,
        "status": network.status,
        "start_date": "2026-12-01",
        "requires_approval": "on",
    }
    return data | changes


NO_COORDINATOR = (
    "A BIN becomes active only once a coordinator may act for it: appointed, screened and "
    "confirmed 18 or older. Until then it stays in preparation."
)


@pytest.fixture
def molenveld(municipality, bin_a):
    """A BIN in preparation with no coordinator yet (BIN A's zone)."""
    return factories.NetworkFactory(
        municipality=municipality,
        bin_type=bin_a.bin_type,
        name="BIN Molenveld",
        slug="molenveld",
        status=NetworkStatus.PREPARATION,
    )


def test_a_bin_without_a_coordinator_cannot_become_active(client, zone_admin, molenveld):
    # A coordinator who is not screened yet may not act, so does not count.
    factories.RoleFactory(role=Role.COORDINATOR, network=molenveld, screening_result="pending")
    client = staff(client, zone_admin)

    response = client.post(
        "/nl/staff/bins/molenveld/edit/", bin_form(molenveld, status=NetworkStatus.ACTIVE)
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"status": [nl(NO_COORDINATOR)]}
    molenveld.refresh_from_db()
    assert molenveld.status == NetworkStatus.PREPARATION
    assert actions() == []


def test_a_new_bin_cannot_be_created_active(client, zone_admin, municipality, bin_a):
    response = staff(client, zone_admin).post(
        "/nl/staff/bins/new/",
        {
            "name": "BIN Molenveld",
            "slug": "molenveld",
            "bin_type": bin_a.bin_type_id,
            "municipality": municipality.pk,
            "status": NetworkStatus.ACTIVE,
            "requires_approval": "on",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"status": [nl(NO_COORDINATOR)]}
    assert not Network.objects.filter(slug="molenveld").exists()
    assert actions() == []


@pytest.mark.parametrize("scope", ["network", "municipality"])
def test_a_bin_with_a_coordinator_becomes_active(client, zone_admin, molenveld, scope):
    if scope == "network":
        factories.RoleFactory(role=Role.COORDINATOR, network=molenveld)
    else:
        factories.RoleFactory(role=Role.GENERAL_COORDINATOR, municipality=molenveld.municipality)

    response = staff(client, zone_admin).post(
        "/nl/staff/bins/molenveld/edit/", bin_form(molenveld, status=NetworkStatus.ACTIVE)
    )

    assert response.status_code == 302
    molenveld.refresh_from_db()
    assert molenveld.status == NetworkStatus.ACTIVE


def test_the_service_refuses_too(zone_admin, molenveld):
    molenveld.status = NetworkStatus.ACTIVE
    with pytest.raises(services.NoCoordinator):
        services.update_network(zone_admin, molenveld, ["status"])
    molenveld.refresh_from_db()
    assert molenveld.status == NetworkStatus.PREPARATION


def test_the_rule_is_stated_where_the_bin_is_managed_and_on_its_public_page(
    client, zone_admin, molenveld
):
    client = staff(client, zone_admin)
    form = client.get("/nl/staff/bins/molenveld/edit/")
    hint = nl(
        "A BIN becomes active only once a coordinator may act for it. In preparation it already "
        "accepts sign-ups; until it has a coordinator, the police zone handles them."
    )
    assert hint in form.text
    detail = client.get("/nl/staff/bins/molenveld/")
    assert (
        nl(
            "No coordinator may act for this BIN yet: it cannot become active, and the police zone "
            "handles its sign-ups."
        )
        in detail.text
    )

    public = client.get("/nl/bin/molenveld/")
    assert (
        nl(
            "This BIN is in preparation. You can already sign up: its coordinator handles your "
            "request or, until it has one, the police zone."
        )
        in public.text
    )
