"""The coordinator's member list: scope, search, filters, sort, counts, approval, query count."""

import datetime
import threading
from urllib.parse import quote

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.validators import MaxLengthValidator
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import escape

from nabuur.accounts.models import User
from nabuur.audit.models import AuditEntry
from nabuur.members import services
from nabuur.members.counts import status_counts
from nabuur.members.models import Membership, MembershipStatus, person_keys, street_key
from nabuur.members.staff_views import streets_and_counts
from nabuur.staff.models import Role
from nabuur.zones.models import ControllerKind
from nabuur.zones.services import import_streets

from . import factories
from .i18n import nl
from .queries import AUDIT_QUERIES
from .test_import_addresses import address, write_csv

pytestmark = pytest.mark.django_db


def log_in_staff(client, user):
    """Sign in a staff persona with a second factor, as the staff middleware demands."""
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return client


def list_url(network, query=""):
    return f"/nl/staff/members/{network.slug}/{query}"


def member(network, first, last, *, street=None, email=None, **fields):
    """A membership of `network` for a new person; `fields` go to the membership."""
    user_fields = {"email": email} if email else {}
    user = factories.UserFactory(first_name=first, last_name=last, **user_fields)
    if street is not None:
        fields["street"] = street
    return factories.MembershipFactory(network=network, user=user, **fields)


@pytest.fixture
def streets(municipality):
    return {
        "kerk": factories.StreetFactory(municipality=municipality, name_nl="Kerkstraat"),
        "molen": factories.StreetFactory(municipality=municipality, name_nl="Molenlei"),
    }


def names(response):
    return [row["full_name"] for row in response.context["rows"]]


def test_coordinator_sees_their_bins_members_and_the_view_is_audited(
    client, bin_a, bin_b, coordinator_a, streets
):
    jan = member(bin_a, "Jan", "Claes", street=streets["kerk"])
    els = member(bin_a, "Els", "Aerts", street=streets["molen"])
    member(bin_b, "Piet", "Bosmans")
    member(bin_a, "Oud", "Lid", status=MembershipStatus.LEFT)

    response = log_in_staff(client, coordinator_a).get(list_url(bin_a))

    assert response.status_code == 200
    assert names(response) == ["Els Aerts", "Jan Claes"]
    assert "Kerkstraat 12" in response.text
    counts = dict(response.context["counts"])
    assert counts[MembershipStatus.ACTIVE.label] == 2
    assert counts[MembershipStatus.LEFT.label] == 1
    entry = AuditEntry.objects.get(action="members.view_list")
    assert entry.actor_id == coordinator_a.pk
    assert entry.subjects == sorted([jan.user_id, els.user_id])
    assert entry.details == {
        "path": "/nl/staff/members/centrum/",
        "page": 1,
        "memberships": [els.pk, jan.pk],
    }
    assert entry.actor_role == "coordinator"


def test_the_list_view_is_audited_in_the_capacity_held_in_that_bin(client, bin_a, bin_b):
    # One person, the officer of A and a volunteer coordinator of B: each BIN's entry names the
    # role they hold there, not their widest one.
    person = factories.RoleFactory(role=Role.OFFICER, network=bin_a).user
    factories.RoleFactory(role=Role.COORDINATOR, network=bin_b, user=person)
    log_in_staff(client, person)

    assert client.get(list_url(bin_a)).status_code == 200
    assert client.get(list_url(bin_b)).status_code == 200

    entries = AuditEntry.objects.filter(action="members.view_list").order_by("seq")
    assert [(e.actor_id, e.object_id, e.actor_role) for e in entries] == [
        (person.pk, str(bin_a.pk), "officer"),
        (person.pk, str(bin_b.pk), "coordinator"),
    ]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("coordinator_b", 404),
        ("municipality_contact", 403),
        ("zone_admin", 200),
        ("officer_a", 200),
    ],
)
def test_who_may_open_bin_as_member_list(request, client, bin_a, bin_b, persona, status):
    user = request.getfixturevalue(persona)
    response = log_in_staff(client, user).get(list_url(bin_a))
    assert response.status_code == status
    assert AuditEntry.objects.filter(action="members.view_list").count() == (status == 200)


def test_a_municipality_contact_sees_the_list_where_the_municipality_is_controller(
    client, zone, bin_a, municipality_contact
):
    zone.controller_kind = ControllerKind.JOINT
    zone.save(update_fields=["controller_kind"])
    member(bin_a, "Jan", "Claes")

    response = log_in_staff(client, municipality_contact).get(list_url(bin_a))

    assert response.status_code == 200
    assert names(response) == ["Jan Claes"]
    assert response.context["may_manage"] is False
    assert nl("Approve") not in response.text


def test_staff_without_a_second_factor_are_sent_to_enrol_one(client, bin_a, coordinator_a):
    client.force_login(coordinator_a)
    response = client.get(list_url(bin_a))
    assert response.status_code == 302
    assert response["Location"].startswith("/nl/account/2fa/totp/activate/")


def test_search_by_name_email_and_street(client, bin_a, coordinator_a, streets):
    member(bin_a, "Jan", "Claes", street=streets["kerk"], email="jan@voorbeeld.be")
    member(bin_a, "Els", "Aerts", street=streets["molen"], email="els@example.org")
    member(bin_a, "Marie-Thérèse", "D'Hondt", street=streets["molen"])
    client = log_in_staff(client, coordinator_a)

    assert names(client.get(list_url(bin_a, "?q=claes"))) == ["Jan Claes"]
    assert names(client.get(list_url(bin_a, "?q=VOORBEELD"))) == ["Jan Claes"]
    assert names(client.get(list_url(bin_a, "?q=molen"))) == ["Els Aerts", "Marie-Thérèse D'Hondt"]
    assert names(client.get(list_url(bin_a, "?q=d'hondt molen"))) == ["Marie-Thérèse D'Hondt"]
    assert names(client.get(list_url(bin_a, "?q=nobody"))) == []


def test_search_ignores_accents_and_case_and_sorting_follows_the_folded_name(
    client, bin_a, coordinator_a, streets
):
    member(bin_a, "Zoë", "Maës", street=streets["kerk"])
    member(bin_a, "Émile", "Ämter", street=streets["kerk"])
    member(bin_a, "Anna", "Mortier", street=streets["kerk"])
    member(bin_a, "Anna", "Maes-Aerts", street=streets["kerk"])
    client = log_in_staff(client, coordinator_a)

    assert names(client.get(list_url(bin_a, "?q=maes"))) == ["Zoë Maës", "Anna Maes-Aerts"]
    assert names(client.get(list_url(bin_a, "?q=MAËS zoe"))) == ["Zoë Maës"]
    assert names(client.get(list_url(bin_a, "?q=emile"))) == ["Émile Ämter"]
    # Punctuation alone folds to nothing and narrows nothing.
    assert len(names(client.get(list_url(bin_a, "?q=-")))) == 4
    # 'Ämter' sorts as 'amter', not after 'Z'; the last name sorts before the first, so 'Maës,
    # Zoë' comes before 'Maes-Aerts, Anna'.
    assert names(client.get(list_url(bin_a))) == [
        "Émile Ämter",
        "Zoë Maës",
        "Anna Maes-Aerts",
        "Anna Mortier",
    ]


def test_the_sort_and_search_keys_follow_the_person(client, bin_a, bin_b, coordinator_a):
    jan = member(bin_a, "Jan", "Claes", email="jan@voorbeeld.be")
    other = factories.MembershipFactory(network=bin_b, user=jan.user)
    assert (jan.last_name_key, jan.first_name_key, jan.search_text) == (
        "claes",
        "jan",
        "jan claes jan voorbeeld be",
    )

    jan.user.last_name = "Ceulemans"
    jan.user.save(update_fields=["last_name"])
    jan.user.email = "jan@elders.be"
    jan.user.save()

    for membership in (jan, other):
        membership.refresh_from_db()
        assert (membership.last_name_key, membership.first_name_key) == ("ceulemans", "jan")
        assert membership.search_text == "jan ceulemans jan elders be"
    client = log_in_staff(client, coordinator_a)
    assert names(client.get(list_url(bin_a, "?q=ceulemans"))) == ["Jan Ceulemans"]
    assert names(client.get(list_url(bin_a, "?q=claes"))) == []
    assert names(client.get(list_url(bin_a, "?q=JAN@elders.be"))) == ["Jan Ceulemans"]


def test_the_street_key_follows_an_address_change_and_a_renamed_street(
    client, bin_a, coordinator_a, streets, tmp_path
):
    jan = member(bin_a, "Jan", "Claes", street=streets["kerk"])
    els = member(bin_a, "Els", "Aerts", street=streets["molen"])
    assert (jan.street_key, els.street_key) == ("kerkstraat", "molenlei")
    els.street = streets["kerk"]
    els.save(update_fields=["street"])
    els.street = streets["molen"]
    els.save(update_fields=["street"])
    els.refresh_from_db()
    assert els.street_key == "molenlei"

    # An address import renames the Kerkstraat; its members now sort before the Molenlei.
    kerk = streets["kerk"]
    path = write_csv(
        tmp_path / "streets.csv",
        [
            address(nis=kerk.municipality.nis_code, street_id=kerk.official_id, nl="Ëikenlaan"),
            address(nis=kerk.municipality.nis_code, street_id="other", nl="Molenlei"),
        ],
    )
    import_streets(path, [kerk.municipality.nis_code])
    jan.refresh_from_db()
    assert jan.street_key == "eikenlaan"
    client = log_in_staff(client, coordinator_a)
    assert names(client.get(list_url(bin_a, "?sort=street"))) == ["Jan Claes", "Els Aerts"]


def test_filter_by_status_and_street_and_sort(client, bin_a, coordinator_a, streets):
    jan = member(bin_a, "Jan", "Claes", street=streets["kerk"])
    member(bin_a, "Els", "Aerts", street=streets["molen"])
    member(bin_a, "Wim", "Zegers", street=streets["kerk"], status=MembershipStatus.PAUSED)
    member(bin_a, "Oud", "Lid", status=MembershipStatus.LEFT)
    client = log_in_staff(client, coordinator_a)

    assert names(client.get(list_url(bin_a, "?status=paused"))) == ["Wim Zegers"]
    assert names(client.get(list_url(bin_a, "?status=left"))) == ["Oud Lid"]
    street = f"?street={streets['kerk'].pk}"
    assert names(client.get(list_url(bin_a, street))) == ["Jan Claes", "Wim Zegers"]
    assert names(client.get(list_url(bin_a, "?sort=street"))) == [
        "Jan Claes",
        "Wim Zegers",
        "Els Aerts",
    ]
    assert names(client.get(list_url(bin_a, "?sort=status"))) == [
        "Els Aerts",
        "Jan Claes",
        "Wim Zegers",
    ]
    Membership.objects.filter(pk=jan.pk).update(requested_at=jan.requested_at.replace(year=2030))
    assert names(client.get(list_url(bin_a, "?sort=joined")))[0] == "Jan Claes"
    # Unknown values fall back to the defaults instead of an error.
    assert client.get(list_url(bin_a, "?sort=drop&status=x&street=y")).status_code == 200


def test_the_list_has_pages_of_fifty(client, bin_a, coordinator_a):
    factories.MembershipFactory.create_batch(51, network=bin_a)
    client = log_in_staff(client, coordinator_a)

    first = client.get(list_url(bin_a))
    second = client.get(list_url(bin_a, "?page=2"))

    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 1
    assert 'rel="next"' in first.text
    entry = AuditEntry.objects.filter(action="members.view_list").order_by("seq").last()
    assert entry.details["page"] == 2
    assert len(entry.subjects) == 1


def test_the_streets_and_the_counts_per_status_come_in_one_query(bin_a, bin_b, streets):
    member(bin_a, "Jan", "Claes", street=streets["molen"])
    member(bin_a, "Els", "Aerts", street=streets["kerk"])
    member(bin_a, "An", "Peeters", street=streets["kerk"], status=MembershipStatus.PENDING)
    elsewhere = factories.StreetFactory(municipality=bin_a.municipality, name_nl="Dorpsplein")
    member(bin_b, "Piet", "Janssens", street=elsewhere)

    with CaptureQueriesContext(connection) as queries:
        found, counts = streets_and_counts(bin_a)

    assert len(queries) == 1
    # Each street of the BIN's members once, in Street's order, with its names.
    assert [(street.pk, street.name_nl) for street in found] == [
        (streets["kerk"].pk, "Kerkstraat"),
        (streets["molen"].pk, "Molenlei"),
    ]
    assert (
        counts
        == status_counts(bin_a)
        == {
            MembershipStatus.ACTIVE: 2,
            MembershipStatus.PENDING: 1,
        }
    )
    assert streets_and_counts(bin_b)[1] == {MembershipStatus.ACTIVE: 1}


def queries_for_list(client, network, query=""):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(list_url(network, query))
    assert response.status_code == 200
    return len(response.context["rows"]), len(queries)


def test_the_list_takes_the_same_number_of_queries_for_1_and_3_members(
    client, bin_a, coordinator_a
):
    client = log_in_staff(client, coordinator_a)
    member(bin_a, "Lid", "Een", status=MembershipStatus.PENDING)
    client.get(list_url(bin_a))  # the first request of a session writes more

    rows_1, queries_1 = queries_for_list(client, bin_a)
    member(bin_a, "Lid", "Twee", status=MembershipStatus.PENDING, confirmed_at=None)
    member(bin_a, "Lid", "Drie", street=factories.StreetFactory(municipality=bin_a.municipality))
    rows_3, queries_3 = queries_for_list(client, bin_a)

    assert (rows_1, rows_3) == (1, 3)
    assert queries_1 == queries_3
    # Session, person, roles, BIN (with its zone, which the layout uses), streets and status
    # counts (which give the number of rows) in one, the page's rows (its ids in a subquery),
    # audit entry. The session remembers the second factor and is not written: it was saved
    # less than a minute ago.
    assert queries_3 == 6 + AUDIT_QUERIES


@pytest.mark.parametrize(
    ("query", "expected"),
    [("?q=lid", 6), ("?q=lid&sort=street", 6), ("?street=", 6), ("?status=pending", 6)],
)
def test_searches_and_filters_take_the_same_number_of_queries_for_1_and_3_members(
    client, bin_a, coordinator_a, query, expected
):
    client = log_in_staff(client, coordinator_a)
    street = factories.StreetFactory(municipality=bin_a.municipality)
    query = query.replace("street=", f"street={street.pk}")
    member(bin_a, "Lid", "Een", street=street, status=MembershipStatus.PENDING)
    client.get(list_url(bin_a))

    rows_1, queries_1 = queries_for_list(client, bin_a, query)
    member(bin_a, "Lid", "Twee", street=street, status=MembershipStatus.PENDING)
    member(bin_a, "Lid", "Drie", street=street, status=MembershipStatus.PENDING)
    rows_3, queries_3 = queries_for_list(client, bin_a, query)

    assert (rows_1, rows_3) == (1, 3)
    # As many as the plain list: a search or a street counts its rows while finding the page's
    # ids (COUNT(*) OVER ()), in the subquery of the query that reads those rows; a status
    # filter takes its number of rows from the status counts.
    assert queries_1 == queries_3 == expected + AUDIT_QUERIES


def test_a_search_counts_its_rows_and_a_page_past_the_end_shows_the_last(
    client, bin_a, coordinator_a
):
    for n in range(53):
        member(bin_a, "Lid", f"N{n:02}", email=f"lid{n}@voorbeeld.be")
    member(bin_a, "Ander", "Lid", email="ander@example.org")
    client = log_in_staff(client, coordinator_a)

    first = client.get(list_url(bin_a, "?q=voorbeeld"))
    beyond = client.get(list_url(bin_a, "?q=voorbeeld&page=9"))
    nothing = client.get(list_url(bin_a, "?q=nobody&page=2"))

    assert (first.context["page"].paginator.count, first.context["page"].number) == (53, 1)
    assert len(first.context["rows"]) == 50
    assert (beyond.context["page"].number, names(beyond)) == (2, ["Lid N50", "Lid N51", "Lid N52"])
    assert (nothing.context["page"].paginator.count, nothing.context["rows"]) == (0, [])
    assert nl("No members match.") in nothing.text


def test_pending_members_can_be_approved_from_the_list(client, bin_a, coordinator_a, mailoutbox):
    waiting = member(bin_a, "Jan", "Claes", status=MembershipStatus.PENDING)
    client = log_in_staff(client, coordinator_a)
    page = client.get(list_url(bin_a))
    assert f">{nl('Approve')}</button>" in page.text

    url = f"/nl/staff/members/{bin_a.slug}/{waiting.pk}/approve/"
    first = client.post(url)
    second = client.post(url)

    assert (first.status_code, second.status_code) == (302, 302)
    waiting.refresh_from_db()
    assert waiting.status == MembershipStatus.ACTIVE
    assert AuditEntry.objects.filter(action="members.approve").count() == 1
    assert len(mailoutbox) == 1
    assert client.get(url).status_code == 405


def decline_url(network, membership):
    return f"/nl/staff/members/{network.slug}/{membership.pk}/decline/"


@pytest.fixture
def marie(bin_a, streets):
    """A request to join BIN A from Kerkstraat 12, made on 3 May 2026, not yet handled."""
    return member(
        bin_a,
        "Marie",
        "Claes",
        street=streets["kerk"],
        email="marie.claes@example.org",
        house_number=12,
        status=MembershipStatus.PENDING,
        confirmed_at=None,
        approved_at=None,
        requested_at=datetime.datetime(2026, 5, 3, 9, 30, tzinfo=datetime.UTC),
    )


def test_the_list_links_a_waiting_request_to_its_decline_page(client, bin_a, coordinator_a, marie):
    page = log_in_staff(client, coordinator_a).get(list_url(bin_a))

    link = (
        f'<a href="{decline_url(bin_a, marie)}" '
        f'aria-label="{nl("Decline %(name)s", name="Marie Claes")}">{nl("Decline")}</a>'
    )
    assert link in page.text
    # Nothing on the list itself declines: no form posts there.
    assert f'action="{decline_url(bin_a, marie)}"' not in page.text


def test_declining_first_shows_who_and_asks_for_a_reason(
    client, bin_a, coordinator_a, marie, mailoutbox
):
    response = log_in_staff(client, coordinator_a).get(decline_url(bin_a, marie))

    assert response.status_code == 200
    assert response.templates[0].name == "members/staff/decline.html"
    title = nl("Decline the request of %(name)s", name="Marie Claes")
    assert f"<h1>{title}</h1>" in response.text
    assert "<dd>Marie Claes</dd>" in response.text
    assert "<dd>Kerkstraat 12, 2630</dd>" in response.text
    with translation.override("nl"):
        requested = date_format(datetime.date(2026, 5, 3), "DATE_FORMAT")
    assert f"<dd>{requested}</dd>" in response.text
    help_text = nl(
        "At most 500 characters. The person reads it in the e-mail that tells them their "
        "request is declined; it is also kept with the request until their data is deleted."
    )
    assert (
        '<p class="utrecht-form-field-description utrecht-form-field__description hint" '
        f'id="id_reason_hint">{escape(help_text)}</p>'
    ) in response.text
    assert 'aria-describedby="id_reason_hint"' in response.text
    assert "maxlength" not in response.text
    assert f'<button type="submit">{nl("Decline")}</button>' in response.text
    assert f'<a href="{list_url(bin_a)}">{nl("Cancel")}</a>' in response.text
    assert "error-summary" not in response.text
    # Looking is not deciding; seeing the person's details is recorded.
    marie.refresh_from_db()
    assert (marie.status, marie.end_reason, marie.left_at) == (MembershipStatus.PENDING, "", None)
    assert mailoutbox == []
    assert not AuditEntry.objects.filter(action="members.decline").exists()
    viewed = AuditEntry.objects.get(action="members.view_member")
    assert (viewed.actor_id, viewed.object_id, viewed.subjects) == (
        coordinator_a.pk,
        str(marie.pk),
        [marie.user_id],
    )


def test_declining_with_a_reason_tells_the_person_by_email(
    client, bin_a, coordinator_a, marie, mailoutbox
):
    client = log_in_staff(client, coordinator_a)
    response = client.post(decline_url(bin_a, marie), {"reason": "  Adres ligt buiten het BIN  "})

    assert (response.status_code, response["Location"]) == (302, list_url(bin_a))
    marie.refresh_from_db()
    assert (marie.status, marie.end_reason) == (MembershipStatus.LEFT, "declined")
    assert marie.left_at is not None
    entry = AuditEntry.objects.get(action="members.decline")
    assert (entry.actor_id, entry.object_id, entry.subjects, entry.details) == (
        coordinator_a.pk,
        str(marie.pk),
        [marie.user_id],
        {"with_note": True},
    )
    assert marie.end_note == "Adres ligt buiten het BIN"
    [message] = mailoutbox
    assert message.to == ["marie.claes@example.org"]
    assert message.subject == nl("Your request to join %(name)s", name="BIN Centrum")
    assert f"{nl('The reason given:')} Adres ligt buiten het BIN" in message.body
    listing = client.get(list_url(bin_a))
    assert [str(m) for m in listing.context["messages"]] == [nl("The request was declined.")]


def test_declining_without_a_reason_sends_the_email_without_one(
    client, bin_a, coordinator_a, marie, mailoutbox
):
    response = log_in_staff(client, coordinator_a).post(decline_url(bin_a, marie))

    assert response.status_code == 302
    marie.refresh_from_db()
    assert (marie.status, marie.end_reason) == (MembershipStatus.LEFT, "declined")
    assert AuditEntry.objects.get(action="members.decline").details == {"with_note": False}
    assert marie.end_note == ""
    [message] = mailoutbox
    assert message.to == ["marie.claes@example.org"]
    assert nl("The reason given:") not in message.body


def test_a_reason_over_500_characters_is_refused_in_the_users_language(
    client, bin_a, coordinator_a, marie, mailoutbox
):
    client = log_in_staff(client, coordinator_a)
    response = client.post(decline_url(bin_a, marie), {"reason": "x" * 501})

    assert response.status_code == 200
    with translation.override("nl"):
        # Django's own message, read from the validator so that it is not extracted into ours.
        error = MaxLengthValidator(500).message % {"limit_value": 500, "show_value": 501}
    assert response.context["form"].errors == {"reason": [error]}
    assert '<div class="error-summary" role="alert"' in response.text
    summary_link = f'<a href="#id_reason">{nl("Reason (optional)")}: {escape(error)}</a>'
    assert summary_link in response.text
    assert (
        '<p class="utrecht-form-field-error-message utrecht-form-field__error-message error" '
        f'id="id_reason_error"><span class="visually-hidden">{nl("Error:")}</span> '
        f"{escape(error)}</p>"
    ) in response.text
    assert 'aria-describedby="id_reason_hint id_reason_error" aria-invalid="true"' in response.text
    title = nl("Decline the request of %(name)s", name="Marie Claes")
    assert f"<title>{nl('Error')}: {title} · Nabuur" in response.text
    # What was typed comes back, so nothing needs typing again.
    assert "x" * 501 in response.text
    marie.refresh_from_db()
    assert marie.status == MembershipStatus.PENDING
    assert mailoutbox == []
    assert not AuditEntry.objects.filter(action="members.decline").exists()

    exactly = client.post(decline_url(bin_a, marie), {"reason": "y" * 500})
    assert exactly.status_code == 302
    assert AuditEntry.objects.get(action="members.decline").details == {"with_note": True}
    marie.refresh_from_db()
    assert marie.end_note == "y" * 500


def test_a_person_without_an_email_address_is_declined_without_one(
    client, bin_a, coordinator_a, marie, mailoutbox
):
    User.objects.filter(pk=marie.user_id).update(email=None)
    client = log_in_staff(client, coordinator_a)

    page = client.get(decline_url(bin_a, marie))
    help_text = nl(
        "At most 500 characters. This person has no e-mail address, so nobody tells them: the "
        "reason is only kept with the request until their data is deleted."
    )
    assert (
        '<p class="utrecht-form-field-description utrecht-form-field__description hint" '
        f'id="id_reason_hint">{escape(help_text)}</p>'
    ) in page.text
    response = client.post(decline_url(bin_a, marie), {"reason": "Onbekend adres"})

    assert response.status_code == 302
    marie.refresh_from_db()
    assert (marie.status, marie.end_reason) == (MembershipStatus.LEFT, "declined")
    assert mailoutbox == []


def test_a_request_handled_meanwhile_says_so_and_changes_nothing(
    client, bin_a, coordinator_a, marie, mailoutbox
):
    client = log_in_staff(client, coordinator_a)
    assert client.post(decline_url(bin_a, marie), {"reason": "Eerste keer"}).status_code == 302
    mailoutbox.clear()

    again = client.post(decline_url(bin_a, marie), {"reason": "Tweede keer"})
    page = client.get(decline_url(bin_a, marie))

    assert (again.status_code, again["Location"]) == (302, list_url(bin_a))
    assert (page.status_code, page["Location"]) == (302, list_url(bin_a))
    listing = client.get(list_url(bin_a))
    assert [str(m) for m in listing.context["messages"]] == [
        nl("The request was declined."),
        nl("This request was already handled."),
        nl("This request was already handled."),
    ]
    assert [e.details for e in AuditEntry.objects.filter(action="members.decline")] == [
        {"with_note": True}
    ]
    marie.refresh_from_db()
    assert marie.end_note == "Eerste keer"
    assert mailoutbox == []


def test_an_active_member_has_no_decline_page(client, bin_a, coordinator_a, member_a, mailoutbox):
    membership = member_a.memberships.get()
    response = log_in_staff(client, coordinator_a).post(decline_url(bin_a, membership))

    assert (response.status_code, response["Location"]) == (302, list_url(bin_a))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert mailoutbox == []


def test_the_coordinator_of_b_cannot_see_or_decline_as_requests(
    client, bin_a, coordinator_b, marie, mailoutbox
):
    client = log_in_staff(client, coordinator_b)
    outsider_url = f"/nl/staff/members/{bin_b_slug(coordinator_b)}/{marie.pk}/decline/"

    assert client.get(decline_url(bin_a, marie)).status_code == 404
    assert client.post(decline_url(bin_a, marie), {"reason": "x"}).status_code == 404
    # Through B's own list, A's member looks missing too.
    assert client.get(outsider_url).status_code == 404
    assert client.post(outsider_url, {"reason": "x"}).status_code == 404
    marie.refresh_from_db()
    assert marie.status == MembershipStatus.PENDING
    assert mailoutbox == []
    assert not AuditEntry.objects.filter(action__in=["members.decline", "members.view_member"])


def bin_b_slug(coordinator):
    return coordinator.roles.get().network.slug


def test_the_list_of_ten_thousand_members_takes_the_same_queries(client, bin_a, coordinator_a):
    # Speed is measured by `make bench` (member_list_p95_ms), not by a timer here: a timed
    # test fails on a busy machine and proves nothing on a quiet one.
    street = factories.StreetFactory(municipality=bin_a.municipality)
    users = User.objects.bulk_create(
        User(email=f"lid{n}@example.org", first_name="Lid", last_name=f"N{n:05}", password="!")
        for n in range(10_000)
    )
    Membership.objects.bulk_create(
        # bulk_create bypasses Membership.save(), which fills the sort and search keys.
        Membership(
            user=user,
            network=bin_a,
            street=street,
            house_number=n % 200 + 1,
            postcode="2630",
            **person_keys(user.first_name, user.last_name, user.email),
            street_key=street_key(street.name_nl),
        )
        for n, user in enumerate(users)
    )
    client = log_in_staff(client, coordinator_a)
    client.get("/nl/staff/members/centrum/")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/nl/staff/members/centrum/?q=N099&sort=street&page=2")

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 100
    assert len(response.context["rows"]) == 50
    assert len(queries) == 6 + AUDIT_QUERIES


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_approving_at_once_make_one_member(bin_a, coordinator_a, mailoutbox):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")
    second = factories.RoleFactory(role=Role.CO_COORDINATOR, network=bin_a).user
    waiting = member(bin_a, "Jan", "Claes", status=MembershipStatus.PENDING)
    start = threading.Barrier(2)
    results, errors = [], []

    def approve(actor):
        try:
            start.wait()
            results.append(services.approve_membership(actor, waiting))
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(a,)) for a in (coordinator_a, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [False, True]
    assert AuditEntry.objects.filter(action="members.approve").count() == 1
    assert len(mailoutbox) == 1


def test_staff_pages_switch_between_every_language_of_the_interface(client, bin_a, coordinator_a):
    # BIN A's municipality speaks Dutch only; its coordinator may still work in English.
    html = log_in_staff(client, coordinator_a).get(list_url(bin_a)).text
    switcher = html[html.index('class="language-switcher"') : html.index("</nav>")]
    assert [line.strip() for line in switcher.splitlines() if line.strip().startswith("<li>")] == [
        '<li><a href="/nl/staff/members/centrum/" lang="nl" hreflang="nl" aria-current="true">'
        "Nederlands</a></li>",
        '<li><a href="/fr/staff/members/centrum/" lang="fr" hreflang="fr">Français</a></li>',
        '<li><a href="/de/staff/members/centrum/" lang="de" hreflang="de">Deutsch</a></li>',
        '<li><a href="/en/staff/members/centrum/" lang="en" hreflang="en">English</a></li>',
    ]


# --- A pending member's own page, and the list's filters after an action ----------------------


def member_url(network, membership, query=""):
    return f"/nl/staff/members/{network.slug}/{membership.pk}/{query}"


def approve_url(network, membership):
    return f"/nl/staff/members/{network.slug}/{membership.pk}/approve/"


def test_a_pending_members_page_approves_and_declines(client, bin_a, coordinator_a, mailoutbox):
    waiting = member(bin_a, "Jan", "Claes", status=MembershipStatus.PENDING)
    client = log_in_staff(client, coordinator_a)
    page = client.get(member_url(bin_a, waiting))

    assert f'<form method="post" action="{approve_url(bin_a, waiting)}"' in page.text
    assert f'<button type="submit">{nl("Approve")}</button>' in page.text
    assert f'<a href="{decline_url(bin_a, waiting)}">{nl("Decline")}</a>' in page.text

    response = client.post(approve_url(bin_a, waiting))
    assert (response.status_code, response["Location"]) == (302, list_url(bin_a))
    waiting.refresh_from_db()
    assert waiting.status == MembershipStatus.ACTIVE
    assert len(mailoutbox) == 1
    # A member is no request: nothing to approve or decline any more.
    page = client.get(member_url(bin_a, waiting))
    assert approve_url(bin_a, waiting) not in page.text
    assert decline_url(bin_a, waiting) not in page.text


def test_who_may_only_read_the_list_sees_a_request_without_approve_or_decline(
    client, zone, bin_a, municipality_contact
):
    waiting = member(bin_a, "Jan", "Claes", status=MembershipStatus.PENDING)
    # A municipality contact reads the list where the municipality is (joint) controller.
    zone.controller_kind = ControllerKind.JOINT
    zone.save()
    page = log_in_staff(client, municipality_contact).get(member_url(bin_a, waiting))
    assert page.status_code == 200
    assert approve_url(bin_a, waiting) not in page.text
    assert decline_url(bin_a, waiting) not in page.text
    # The request is stated, so the reader knows it waits for a coordinator.
    assert nl("This person asks to join %(bin)s.", bin="BIN Centrum") in page.text


def test_an_unconfirmed_request_can_be_declined_but_not_approved_from_its_page(
    client, bin_a, coordinator_a, marie
):
    page = log_in_staff(client, coordinator_a).get(member_url(bin_a, marie))

    assert approve_url(bin_a, marie) not in page.text
    assert (
        nl("Their e-mail address is not confirmed yet, so the request cannot be approved yet.")
        in page.text
    )
    assert f'<a href="{decline_url(bin_a, marie)}">{nl("Decline")}</a>' in page.text


FILTERED = "?q=claes&status=pending&street={street}&sort=street&page=1"


def filtered_list(bin_a, streets):
    return list_url(bin_a, FILTERED.format(street=streets["kerk"].pk))


def next_to(url):
    return "?next=" + quote(url, safe="/")


def test_approving_from_a_filtered_list_comes_back_to_it(client, bin_a, coordinator_a, streets):
    waiting = member(bin_a, "Jan", "Claes", street=streets["kerk"], status=MembershipStatus.PENDING)
    client = log_in_staff(client, coordinator_a)
    here = filtered_list(bin_a, streets)
    page = client.get(here)
    action = approve_url(bin_a, waiting) + next_to(here)
    assert f'action="{escape(action)}"' in page.text

    response = client.post(action)

    assert (response.status_code, response["Location"]) == (302, here)
    waiting.refresh_from_db()
    assert waiting.status == MembershipStatus.ACTIVE


def test_declining_from_a_filtered_list_comes_back_to_it(
    client, bin_a, coordinator_a, marie, streets
):
    client = log_in_staff(client, coordinator_a)
    here = filtered_list(bin_a, streets)
    page = client.get(here)
    decline = decline_url(bin_a, marie) + next_to(here)
    assert f'href="{escape(decline)}"' in page.text

    form = client.get(decline)
    assert f'<a href="{escape(here)}">{nl("Cancel")}</a>' in form.text
    response = client.post(decline, {"reason": ""})

    assert (response.status_code, response["Location"]) == (302, here)
    marie.refresh_from_db()
    assert marie.end_reason == "declined"


def test_a_member_opened_from_a_filtered_list_leads_back_to_it(
    client, bin_a, coordinator_a, streets, mailoutbox
):
    jan = member(bin_a, "Jan", "Claes", street=streets["kerk"], email="jan@example.org")
    client = log_in_staff(client, coordinator_a)
    here = list_url(bin_a, f"?q=claes&street={streets['kerk'].pk}&page=1")
    page = client.get(here)
    opened = member_url(bin_a, jan, next_to(here))
    assert f'href="{escape(opened)}"' in page.text

    member_page = client.get(opened)
    assert f'<a href="{escape(here)}">{nl("Back to the member list")}</a>' in member_page.text
    unsubscribe = f"/nl/staff/members/{bin_a.slug}/{jan.pk}/unsubscribe/" + next_to(here)
    assert f'href="{escape(unsubscribe)}"' in member_page.text
    # Saving the details keeps the way back.
    saved = client.post(
        opened,
        {
            "first_name": "Jan",
            "last_name": "Claes",
            "email": "jan@example.org",
            "phone": "",
            "box": "",
        },
    )
    assert (saved.status_code, saved["Location"]) == (302, opened)

    response = client.post(unsubscribe, {"reason": "Verhuisd"})

    assert (response.status_code, response["Location"]) == (302, here)
    jan.refresh_from_db()
    assert jan.status == MembershipStatus.LEFT


UNSAFE = [
    "https://evil.example/nl/staff/members/centrum/",
    "//evil.example/nl/staff/members/centrum/",
    "/\\evil.example/",
    "javascript:alert(1)",
    "http://testserver@evil.example/",
]


def test_an_action_goes_back_only_to_a_page_of_this_site(client, bin_a, coordinator_a):
    waiting = member(bin_a, "Jan", "Claes", status=MembershipStatus.PENDING)
    client = log_in_staff(client, coordinator_a)
    safe = list_url(bin_a, "?status=pending")
    # The second press finds the request handled, and goes back all the same.
    targets = [(safe, safe)] + [(target, list_url(bin_a)) for target in UNSAFE]
    for target, expected in targets:
        response = client.post(approve_url(bin_a, waiting) + next_to(target))
        assert (response.status_code, response["Location"]) == (302, expected), target
        page = client.get(member_url(bin_a, waiting, next_to(target)))
        back = f'<a href="{escape(expected)}">{nl("Back to the member list")}</a>'
        assert back in page.text, target
