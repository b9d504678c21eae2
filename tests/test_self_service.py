"""What a logged-in resident does at /me/: details, pause, quiet hours, address, leave, export,
erase, and who looked at their data."""

import datetime
import io
import json
import re
import zipfile
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nabuur.accounts.models import User
from nabuur.audit.models import AuditEntry
from nabuur.audit.services import record
from nabuur.lib import clock
from nabuur.members import services
from nabuur.members.models import Consent, Membership, MembershipStatus
from nabuur.zones.documents import publish_house_rules
from nabuur.zones.models import Postcode

from . import factories
from .i18n import nl


@pytest.fixture
def resident(bin_a):
    """A member of BIN A without a password, logged in through a login link."""
    user = factories.UserFactory(
        email="jan@example.org", first_name="Jan", last_name="Peeters", password=None
    )
    user.set_unusable_password()
    user.save()
    factories.MembershipFactory(user=user, network=bin_a, house_number=7)
    return user


@pytest.fixture
def logged_in(client, resident):
    client.force_login(resident, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_me_lists_memberships_and_staff_views(logged_in, resident, coordinator_a):
    record(coordinator_a, "members.view", role="coordinator", subjects=(resident,))
    record(coordinator_a, "members.view", role="coordinator", subjects=(coordinator_a,))
    response = logged_in.get("/nl/me/")
    assert response.status_code == 200
    assert [m.network.name for m in response.context["memberships"]] == ["BIN Centrum"]
    assert [(e.action, e.actor_role) for e in response.context["audit_entries"]] == [
        ("members.view", "coordinator")
    ]


def test_who_viewed_my_data_reads_as_sentences_without_codes(logged_in, resident, coordinator_a):
    with clock.frozen_at(datetime.datetime(2026, 5, 3, 10, 0, tzinfo=datetime.UTC)):
        record(coordinator_a, "members.view_list", role="coordinator", subjects=(resident,))
        record(coordinator_a, "members.view_list", role="coordinator", subjects=(resident,))
        record(coordinator_a, "members.approve", role="coordinator", subjects=(resident,))
        record(None, "members.something_new", role="system", subjects=(resident,))
    response = logged_in.get("/nl/me/")
    html = response.content.decode()
    items = [
        " ".join(unescape(item).split())
        for item in re.findall(
            r"<li>(.*?)</li>", html.split('class="audit-trail"')[1].split("</ul>")[0], re.S
        )
    ]
    # The two looks at the list on one day read as one sentence.
    assert items == [
        nl("%(actor)s worked with your data on %(date)s.")
        % {"actor": nl("Nabuur"), "date": "3 mei 2026"},
        nl("%(actor)s approved your membership on %(date)s.")
        % {"actor": nl("Your coordinator"), "date": "3 mei 2026"},
        nl("%(actor)s looked at the member list, with your details, on %(date)s.")
        % {"actor": nl("Your coordinator"), "date": "3 mei 2026"},
    ]
    for code in ("members.", "coordinator<", ">coordinator", "system"):
        assert code not in html


def test_me_page_queries_do_not_grow_with_memberships(logged_in, resident, municipality):
    def queries_for_me():
        with CaptureQueriesContext(connection) as queries:
            response = logged_in.get("/nl/me/")
        return len(response.context["memberships"]), len(queries)

    logged_in.get("/nl/me/")  # the session's first use saves it again
    one = queries_for_me()
    for _ in range(2):
        factories.MembershipFactory(
            user=resident, network=factories.NetworkFactory(municipality=municipality)
        )
    three = queries_for_me()
    # Session, user and middleware queries belong to other apps and change with them; what
    # matters here is that the page costs the same for 1 and for 3 memberships.
    assert (one[0], three[0]) == (1, 3)
    assert one[1] == three[1]


def test_changing_details_saves_and_confirms_by_email(logged_in, resident, mailoutbox):
    response = logged_in.post(
        "/nl/me/details/", {"first_name": "Jean", "last_name": "Peeters", "phone": "0470 11 22 33"}
    )
    assert response["Location"] == "/nl/me/"
    resident.refresh_from_db()
    assert (resident.first_name, resident.phone) == ("Jean", "0470 11 22 33")
    assert mailoutbox[0].to == ["jan@example.org"]


def test_pause_until_a_date_and_the_job_resumes(logged_in, resident, mailoutbox):
    membership = resident.memberships.get()
    until = clock.today() + timedelta(days=14)
    logged_in.post(
        f"/nl/me/bin/{membership.pk}/",
        {"action": "pause", "pause-paused_until": until.isoformat()},
    )
    membership.refresh_from_db()
    assert (membership.status, membership.paused_until) == (MembershipStatus.PAUSED, until)
    assert str(until.day) in mailoutbox[0].body
    assert services.end_pauses(until) == 0
    assert services.end_pauses(until + timedelta(days=1)) == 1
    membership.refresh_from_db()
    assert (membership.status, membership.paused_until) == (MembershipStatus.ACTIVE, None)


def test_quiet_hours_need_both_times(logged_in, resident):
    membership = resident.memberships.get()
    url = f"/nl/me/bin/{membership.pk}/"
    half = logged_in.post(url, {"action": "quiet", "quiet-quiet_from": "22:00"})
    assert half.status_code == 200
    logged_in.post(url, {"action": "quiet", "quiet-quiet_from": "22:00", "quiet-quiet_to": "07:00"})
    membership.refresh_from_db()
    assert (membership.quiet_from, membership.quiet_to) == (
        datetime.time(22, 0),
        datetime.time(7, 0),
    )


def test_another_persons_membership_is_not_found(logged_in, member_a):
    other = member_a.memberships.get()
    assert logged_in.get(f"/nl/me/bin/{other.pk}/").status_code == 404
    assert logged_in.post(f"/nl/me/bin/{other.pk}/leave/").status_code == 404
    other.refresh_from_db()
    assert other.status == MembershipStatus.ACTIVE


def test_leaving_tells_the_member_and_the_coordinators(
    logged_in, resident, coordinator_a, mailoutbox
):
    membership = resident.memberships.get()
    response = logged_in.post(f"/nl/me/bin/{membership.pk}/leave/")
    assert response["Location"] == "/nl/me/"
    membership.refresh_from_db()
    assert (membership.status, membership.end_reason) == ("left", "left")
    assert [m.to for m in mailoutbox] == [["jan@example.org"], [coordinator_a.email]]
    assert "Jan Peeters" in mailoutbox[1].body


def test_export_zip_holds_json_and_csv(logged_in, resident, zone):
    Consent.objects.create(user=resident, document=publish_house_rules(zone), channel="web")
    response = logged_in.get("/nl/me/export/")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == [
        "about.txt",
        "accounts.User.csv",
        "members.Consent.csv",
        "members.Membership.csv",
        "nabuur.json",
    ]
    # One site serves every zone here: the export holds them all and says so.
    assert archive.read("about.txt").decode() == (
        nl("These are all the personal data Nabuur holds about you.") + "\n"
    )
    data = json.loads(archive.read("nabuur.json"))
    assert data["accounts.User"][0]["email"] == "jan@example.org"
    assert data["members.Membership"][0]["network"] == "BIN Centrum"
    assert data["members.Consent"][0]["channel"] == "web"
    assert archive.read("members.Membership.csv").decode("utf-8-sig").startswith("network,")


def test_erasing_the_account_keeps_only_anonymous_figures(
    logged_in, resident, coordinator_a, mailoutbox
):
    membership = resident.memberships.get()
    Membership.objects.filter(pk=membership.pk).update(end_note="Vroeger eens afgemeld")
    response = logged_in.post("/nl/me/erase/")
    assert response.status_code == 200
    person = User.objects.get(pk=resident.pk)
    assert (person.email, person.first_name, person.last_name, person.is_active) == (
        None,
        "—",
        "—",
        False,
    )
    membership.refresh_from_db()
    assert (membership.status, membership.end_reason, membership.house_number) == (
        "left",
        "erased",
        0,
    )
    assert membership.end_note == ""
    assert (membership.last_name_key, membership.first_name_key, membership.search_text) == (
        "",
        "",
        "",
    )
    assert [m.to for m in mailoutbox] == [[coordinator_a.email], ["jan@example.org"]]
    assert logged_in.get("/nl/me/").status_code == 302


def test_retention_job_erases_members_who_left_long_ago(resident, member_a, zone):
    services.leave_membership(resident.memberships.get(), notify=False)
    with clock.frozen_at(clock.now() + timedelta(days=zone.retention_left_days - 1)):
        assert services.erase_after_retention() == 0
    with clock.frozen_at(clock.now() + timedelta(days=zone.retention_left_days, hours=1)):
        assert services.erase_after_retention() == 1
        assert services.erase_after_retention() == 0
    assert User.objects.get(pk=resident.pk).email is None
    assert User.objects.get(pk=member_a.pk).email is not None
    entry = AuditEntry.objects.get(action="privacy.erase_after_retention")
    assert (entry.actor_id, entry.subjects, entry.details, entry.zone_id) == (
        None,
        [],
        {"person": resident.pk},
        zone.pk,
    )
    # The membership row stays for the BIN's figures, erased and no longer the person's.
    assert not Membership.objects.filter(user=resident).exists()
    [kept] = Membership.objects.filter(network=member_a.memberships.get().network).exclude(
        user=member_a
    )
    assert (kept.end_reason, kept.house_number, kept.user.email) == ("erased", 0, None)


def test_an_address_change_is_checked_against_the_bin(
    logged_in, resident, municipality, bin_a, bin_b, mailoutbox
):
    Postcode.objects.create(code="2650", municipality=municipality)
    street = factories.StreetFactory(
        municipality=municipality,
        postcode="2650",
        name_nl="Kerkstraat",
        search_names="|kerkstraat|",
    )
    factories.SegmentFactory(network=bin_a, street=street, number_from=1, number_to=50)
    factories.SegmentFactory(network=bin_b, street=street, number_from=51)
    membership = resident.memberships.get()
    url = f"/nl/me/bin/{membership.pk}/"
    fields = {"action": "address", "address-street": "Kerkstraat", "address-postcode": "2650"}

    outside = logged_in.post(url, {**fields, "address-house_number": "60"})
    assert outside.status_code == 200
    assert (
        nl(
            "This address is outside %(bin)s. Leave %(bin)s and join again with your new "
            "address: the address decides the network.",
            bin="BIN Centrum",
        )
        in outside.text
    )
    membership.refresh_from_db()
    assert membership.house_number == 7

    inside = logged_in.post(url, {**fields, "address-house_number": "8a", "address-box": "2"})
    assert inside["Location"] == url
    membership.refresh_from_db()
    assert (membership.street, membership.house_number, membership.house_number_suffix) == (
        street,
        8,
        "A",
    )
    assert membership.box == "2"
    assert "Kerkstraat 8A" in mailoutbox[-1].body


@pytest.mark.parametrize("path", ["/nl/me/details/", "/nl/me/erase/", "/fr/me/"])
def test_the_resident_pages_open(logged_in, path):
    response = logged_in.get(path)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")


def test_leaving_on_the_page_is_audited_in_the_members_name(logged_in, resident):
    membership = resident.memberships.get()
    response = logged_in.post(f"/nl/me/bin/{membership.pk}/leave/")
    assert response.status_code == 302
    left = AuditEntry.objects.get(action="members.left")
    assert (left.actor_id, left.actor_role, left.object_id, left.details) == (
        resident.pk,
        "member",
        str(membership.pk),
        {"via": "page"},
    )


def test_the_leave_page_asks_before_leaving(logged_in, resident):
    membership = resident.memberships.get()
    response = logged_in.get(f"/nl/me/bin/{membership.pk}/leave/")
    assert response.status_code == 200
    assert 'method="post"' in response.text
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
