"""The coordinator adds members by hand, edits their details and unsubscribes them on request."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils.timezone import localdate

from nabuur.accounts.models import User
from nabuur.audit.models import AuditEntry
from nabuur.members import services
from nabuur.members.models import Consent, ConsentChannel, EndReason, Membership, MembershipStatus
from nabuur.staff.models import Role
from nabuur.zones.documents import publish_house_rules, publish_privacy_notice
from nabuur.zones.models import Postcode

from . import factories
from .i18n import nl
from .smtp_sink import SmtpSink
from .test_member_list import log_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def kerkstraat(municipality, bin_a):
    """Kerkstraat, 2650 Edegem: numbers 1–50 are in BIN A (Centrum)."""
    Postcode.objects.create(code="2650", municipality=municipality)
    street = factories.StreetFactory(
        municipality=municipality,
        postcode="2650",
        name_nl="Kerkstraat",
        search_names="|kerkstraat|",
    )
    factories.SegmentFactory(network=bin_a, street=street, number_from=1, number_to=50)
    return street


@pytest.fixture
def documents(zone):
    return [publish_house_rules(zone), publish_privacy_notice(zone)]


def add_url(network):
    return f"/nl/staff/members/{network.slug}/add/"


def paper_form(**changes):
    data = {
        "channel": "paper",
        "source_note": "Papieren formulier ondertekend op 3 mei 2026",
        "first_name": "Marie-Thérèse",
        "last_name": "D'Hondt",
        "street": "Kerkstraat",
        "house_number": "12b",
        "box": "",
        "postcode": "2650",
        "email": "",
        "phone": "",
        "basis": "lives",
        "enterprise_number": "",
        "adult": "on",
        "accept": "on",
    }
    data.update(changes)
    return data


def test_a_member_without_e_mail_is_added_active_and_gets_letters_by_post(
    client, kerkstraat, documents, bin_a, coordinator_a, mailoutbox
):
    response = log_in_staff(client, coordinator_a).post(add_url(bin_a), paper_form())

    membership = Membership.objects.get(network=bin_a)
    assert response.status_code == 302
    assert response["Location"] == f"/nl/staff/members/centrum/{membership.pk}/"
    assert membership.status == MembershipStatus.ACTIVE
    assert (membership.street, membership.house_number, membership.house_number_suffix) == (
        kerkstraat,
        12,
        "B",
    )
    user = membership.user
    assert (user.email, user.first_name, user.last_name) == (None, "Marie-Thérèse", "D'Hondt")
    assert membership.letters_by_post is True
    consents = Consent.objects.filter(user=user).order_by("document__kind")
    assert [(c.document, c.channel, c.source_note) for c in consents] == [
        (doc, ConsentChannel.PAPER, "Papieren formulier ondertekend op 3 mei 2026")
        for doc in sorted(documents, key=lambda d: d.kind)
    ]
    entry = AuditEntry.objects.get(action="members.add_by_hand")
    assert (entry.actor_id, entry.subjects, entry.details) == (
        coordinator_a.pk,
        [user.pk],
        {"channel": "paper"},
    )
    assert mailoutbox == []
    page = client.get(response["Location"])
    assert nl("letters by post") in page.text


def test_a_member_with_e_mail_added_by_phone_is_welcomed(
    client, kerkstraat, documents, bin_a, coordinator_a, mailoutbox
):
    data = paper_form(channel="phone", source_note="Telefonisch op 4 mei", email="MT@example.org")
    log_in_staff(client, coordinator_a).post(add_url(bin_a), data)

    membership = Membership.objects.get(network=bin_a)
    assert membership.user.email == "mt@example.org"
    assert membership.letters_by_post is False
    assert [m.subject for m in mailoutbox] == [nl("Welcome to %(name)s", name="BIN Centrum")]
    assert set(Consent.objects.values_list("channel", flat=True)) == {"phone"}


def test_the_same_validation_as_the_join_form(client, kerkstraat, bin_a, coordinator_a):
    client = log_in_staff(client, coordinator_a)
    response = client.post(add_url(bin_a), paper_form(accept="", postcode="265", source_note=""))

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"accept", "postcode", "source_note"}
    response = client.post(add_url(bin_a), paper_form(house_number="60"))
    assert response.context["form"].non_field_errors() == [
        nl("This address is outside %(bin)s.") % {"bin": "BIN Centrum"}
    ]
    assert Membership.objects.count() == 0


def test_adding_someone_who_is_already_a_member_says_so(
    client, kerkstraat, bin_a, coordinator_a, mailoutbox
):
    existing = factories.MembershipFactory(network=bin_a, user__email="mt@example.org")
    client = log_in_staff(client, coordinator_a)
    response = client.post(add_url(bin_a), paper_form(email="mt@example.org"))

    assert response.context["form"].errors["email"] == [
        nl("This person is already a member of this network.")
    ]
    assert list(Membership.objects.all()) == [existing]


def test_only_member_managers_may_add(client, kerkstraat, bin_a, coordinator_b, zone_admin):
    assert log_in_staff(client, coordinator_b).post(add_url(bin_a), paper_form()).status_code == 404
    assert log_in_staff(client, zone_admin).post(add_url(bin_a), paper_form()).status_code == 302
    assert Membership.objects.get().network == bin_a


def test_a_coordinator_edits_a_members_details(client, bin_a, coordinator_a):
    membership = factories.MembershipFactory(
        network=bin_a, user__first_name="Jan", user__last_name="Claes", user__email="jan@ex.org"
    )
    url = f"/nl/staff/members/centrum/{membership.pk}/"
    client = log_in_staff(client, coordinator_a)
    assert client.get(url).status_code == 200
    assert AuditEntry.objects.get(action="members.view_member").subjects == [membership.user_id]

    data = {"first_name": "Jan", "last_name": "Claes-Peeters", "email": "", "phone": "", "box": "2"}
    response = client.post(url, data)

    assert response.status_code == 302
    membership.refresh_from_db()
    membership.user.refresh_from_db()
    assert (membership.user.last_name, membership.user.email, membership.box) == (
        "Claes-Peeters",
        None,
        "2",
    )
    entry = AuditEntry.objects.get(action="members.edit")
    assert entry.details == {"fields": ["last_name", "email", "box"]}


def test_an_edit_cannot_take_someone_elses_e_mail(client, bin_a, coordinator_a):
    factories.UserFactory(email="taken@example.org")
    membership = factories.MembershipFactory(network=bin_a)
    data = {"first_name": "A", "last_name": "B", "email": "taken@example.org", "phone": ""}
    response = log_in_staff(client, coordinator_a).post(
        f"/nl/staff/members/centrum/{membership.pk}/", {**data, "box": ""}
    )
    assert response.context["form"].errors["email"] == [
        nl("Another person already uses this e-mail address.")
    ]
    assert not AuditEntry.objects.filter(action="members.edit").exists()


def test_a_municipality_contact_may_not_edit(client, zone, bin_a, municipality_contact):
    zone.controller_kind = "municipality"
    zone.save(update_fields=["controller_kind"])
    membership = factories.MembershipFactory(network=bin_a)
    url = f"/nl/staff/members/centrum/{membership.pk}/"
    client = log_in_staff(client, municipality_contact)
    assert client.get(url).status_code == 200
    data = {"first_name": "X", "last_name": "Y", "email": "", "phone": "", "box": ""}
    assert client.post(url, data).status_code == 403


def test_unsubscribe_on_request_records_the_reason(client, bin_a, coordinator_a, mailoutbox):
    membership = factories.MembershipFactory(network=bin_a, user__email="jan@example.org")
    url = f"/nl/staff/members/centrum/{membership.pk}/unsubscribe/"
    client = log_in_staff(client, coordinator_a)
    assert client.get(url).status_code == 200

    assert client.post(url, {"reason": ""}).status_code == 200
    response = client.post(url, {"reason": "Telefonisch gevraagd op 5 mei"})
    again = client.post(url, {"reason": "Telefonisch gevraagd op 5 mei"})

    assert (response.status_code, again.status_code) == (302, 302)
    membership.refresh_from_db()
    assert (membership.status, membership.end_reason) == (MembershipStatus.LEFT, EndReason.LEFT)
    assert membership.end_note == "Telefonisch gevraagd op 5 mei"
    entry = AuditEntry.objects.get(action="members.unsubscribe")
    assert entry.details == {"with_note": True}
    page = client.get(f"/nl/staff/members/centrum/{membership.pk}/")
    assert "Telefonisch gevraagd op 5 mei" in page.text
    assert [m.to for m in mailoutbox] == [["jan@example.org"], [coordinator_a.email]]
    assert mailoutbox[0].subject == nl("You left %(name)s", name="BIN Centrum")


def test_add_member_by_hand_refuses_someone_without_the_capability(kerkstraat, bin_a, member_a):
    with pytest.raises(PermissionDenied):
        services.add_member_by_hand(
            member_a,
            bin_a,
            street=kerkstraat,
            house_number=3,
            postcode="2650",
            first_name="A",
            last_name="B",
        )
    assert User.objects.filter(first_name="A").count() == 0


def test_the_add_form_speaks_about_the_person_and_does_not_autofill_the_coordinator(
    client, kerkstraat, bin_a, coordinator_a
):
    response = log_in_staff(client, coordinator_a).post(add_url(bin_a), {"first_name": ""})
    form = response.context["form"]

    assert form.fields["basis"].label == nl("Why may the person join?")
    assert [label for _value, label in form.fields["basis"].choices] == [
        nl("lives in the area"),
        nl("works in the area"),
        nl("runs a business in the area"),
    ]
    text_fields = ["source_note", "first_name", "last_name", "street", "house_number", "box"]
    assert {
        name: form.fields[name].widget.attrs.get("autocomplete")
        for name in [*text_fields, "postcode", "email", "phone", "enterprise_number"]
    } == dict.fromkeys([*text_fields, "postcode", "email", "phone", "enterprise_number"], "off")
    # The error summary links the radio group to its first option.
    assert 'href="#id_channel_0"' in response.text
    assert 'href="#"' not in response.text


def test_a_measure_form_with_errors_comes_back_with_what_was_typed(
    client, kerkstraat, bin_a, coordinator_a
):
    membership = factories.MembershipFactory(network=bin_a, street=kerkstraat)
    url = f"/nl/staff/members/centrum/{membership.pk}/measures/"

    client = log_in_staff(client, coordinator_a)
    answer = client.post(
        url, {"kind": "temporary_suspension", "reason": "Ruzie met de buren", "until": ""}
    )
    response = client.get(answer["Location"])

    assert answer["Location"] == f"/nl/staff/members/centrum/{membership.pk}/"
    assert response.context["measure_form"]["reason"].value() == "Ruzie met de buren"
    assert 'href="#id_until"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert nl("Choose the last day of the suspension, after today.") in response.text
    assert not membership.measures.exists()
    # Once: the next visit shows an empty form.
    assert client.get(answer["Location"]).context["measure_form"].is_bound is False


def test_a_date_in_the_measure_form_stays_an_iso_date(client, kerkstraat, bin_a, coordinator_a):
    membership = factories.MembershipFactory(network=bin_a, street=kerkstraat)
    url = f"/nl/staff/members/centrum/{membership.pk}/measures/"

    response = log_in_staff(client, coordinator_a).post(
        url, {"kind": "temporary_suspension", "reason": "", "until": "2031-05-03"}, follow=True
    )

    assert response.status_code == 200
    assert 'value="2031-05-03"' in response.text


# --- The login address: staff correct it only for a member they fully manage -----------------

ROLE_LOCK = (
    "This address cannot be changed here: the person logs in with it to help run Nabuur. They "
    "change it themselves, on their account page."
)
SCOPE_LOCK = (
    "This address cannot be changed here: the person is also a member of a network that you do "
    "not manage."
)


def details(membership, **changes):
    user = membership.user
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email or "",
        "phone": user.phone,
        "box": membership.box,
    }
    return {**data, **changes}


def member_url(membership):
    return f"/nl/staff/members/{membership.network.slug}/{membership.pk}/"


def assert_refused(client, membership, reason):
    """The page shows the address read-only with the reason; a POST that changes it saves
    nothing and says why."""
    user = membership.user
    before = (user.email, user.last_name)
    page = client.get(member_url(membership))
    field = page.context["form"]["email"]
    assert (field.field.disabled, field.help_text) == (True, nl(reason))
    assert "disabled" in str(field)

    response = client.post(
        member_url(membership),
        details(membership, email="attacker@example.org", last_name="Anders"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"email": [nl(reason)]}
    user.refresh_from_db()
    assert (user.email, user.last_name) == before
    assert not AuditEntry.objects.filter(action__in=["members.edit", "accounts.email_changed"])


def test_a_coordinator_cannot_change_a_co_coordinators_login_address(
    client, bin_a, coordinator_a, mailoutbox
):
    colleague = factories.RoleFactory(role=Role.CO_COORDINATOR, network=bin_a).user
    membership = factories.MembershipFactory(network=bin_a, user=colleague)

    assert_refused(log_in_staff(client, coordinator_a), membership, ROLE_LOCK)
    assert mailoutbox == []


def test_an_officer_cannot_change_the_address_of_someone_whose_role_starts_later(
    client, bin_a, bin_b, officer_a
):
    membership = factories.MembershipFactory(network=bin_a)
    factories.RoleFactory(
        user=membership.user,
        role=Role.OFFICER,
        network=bin_b,
        started_on=localdate() + datetime.timedelta(days=10),
    )

    assert_refused(log_in_staff(client, officer_a), membership, ROLE_LOCK)


def test_a_coordinator_cannot_change_the_address_of_a_member_of_another_bin_too(
    client, bin_a, bin_b, coordinator_a
):
    membership = factories.MembershipFactory(network=bin_a)
    factories.MembershipFactory(network=bin_b, user=membership.user)

    assert_refused(log_in_staff(client, coordinator_a), membership, SCOPE_LOCK)


def test_a_zone_administrator_may_change_the_address_of_a_member_of_two_bins(
    client, bin_a, bin_b, zone_admin, mailoutbox
):
    membership = factories.MembershipFactory(network=bin_a, user__email="jan@example.org")
    factories.MembershipFactory(network=bin_b, user=membership.user)

    response = log_in_staff(client, zone_admin).post(
        member_url(membership), details(membership, email="Jan.Claes@Example.org ")
    )

    assert response.status_code == 302
    membership.user.refresh_from_db()
    assert membership.user.email == "jan.claes@example.org"
    assert [message.to for message in mailoutbox] == [["jan@example.org"]]


def test_a_role_that_ended_no_longer_locks_the_address(client, bin_a, coordinator_a):
    membership = factories.MembershipFactory(network=bin_a, user__email="jan@example.org")
    factories.RoleFactory(
        user=membership.user,
        role=Role.CO_COORDINATOR,
        network=bin_a,
        ended_on=localdate() - datetime.timedelta(days=1),
    )

    response = log_in_staff(client, coordinator_a).post(
        member_url(membership), details(membership, email="jan.claes@example.org")
    )

    assert response.status_code == 302
    membership.user.refresh_from_db()
    assert membership.user.email == "jan.claes@example.org"


def test_the_service_refuses_too(bin_a, coordinator_a):
    from nabuur.members.services.coordinator import EmailLocked

    colleague = factories.RoleFactory(role=Role.CO_COORDINATOR, network=bin_a).user
    membership = factories.MembershipFactory(network=bin_a, user=colleague)

    with pytest.raises(EmailLocked) as refused:
        services.edit_member(
            coordinator_a, membership, **details(membership, email="attacker@example.org")
        )

    assert str(refused.value) == nl(ROLE_LOCK)
    colleague.refresh_from_db()
    assert colleague.email != "attacker@example.org"


def test_a_correction_tells_the_old_address_and_writes_the_audit_log(
    client, bin_a, coordinator_a, mailoutbox
):
    membership = factories.MembershipFactory(network=bin_a, user__email="jan@example.org")

    response = log_in_staff(client, coordinator_a).post(
        member_url(membership), details(membership, email="jan.claes@example.org")
    )

    assert response.status_code == 302
    assert [message.to for message in mailoutbox] == [["jan@example.org"]]
    assert "/nl/account/email/undo/" in mailoutbox[0].body
    changed = AuditEntry.objects.get(action="accounts.email_changed")
    assert (changed.actor_id, changed.actor_role, changed.subjects) == (
        coordinator_a.pk,
        "coordinator",
        [membership.user_id],
    )
    assert AuditEntry.objects.get(action="members.edit").details == {"fields": ["email"]}


def test_nothing_changes_when_the_old_address_cannot_be_told(
    client, bin_a, coordinator_a, settings
):
    membership = factories.MembershipFactory(network=bin_a, user__email="jan@example.org")
    sink = SmtpSink().start()
    try:
        settings.MAILERS = sink.mailers()
        sink.fail_next(1, "554 5.7.1 refused")
        response = log_in_staff(client, coordinator_a).post(
            member_url(membership), details(membership, email="jan.claes@example.org", box="3")
        )
    finally:
        sink.stop()

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        nl(
            "We could not send the e-mail that tells the old address, so nothing was changed. "
            "Please try again later."
        )
    ]
    membership.refresh_from_db()
    membership.user.refresh_from_db()
    assert (membership.user.email, membership.box) == ("jan@example.org", "")
    assert not AuditEntry.objects.filter(action__in=["members.edit", "accounts.email_changed"])
