"""Journey 3: a zone administrator creates a BIN (in preparation), draws its area street segment
by segment and appoints its coordinator, recording the police screening. The coordinator
accepts the e-mailed invitation, chooses a password, confirms being 18 or older and sets up an
authenticator app. The administrator then makes the BIN active, and a resident finds it by
address, joins and confirms, and the new coordinator is told by e-mail.
"""

import pytest

from nabuur.accounts.models import Invitation
from nabuur.networks.models import Network, NetworkStatus
from nabuur.staff.models import Role, RoleAssignment, ScreeningResult
from tests import factories
from tests.browser.test_staff_accounts import PASSWORD, totp_code

from .fixtures import PLACES, make_zone
from .walks import confirm_by_email, find_and_join

COORDINATOR = {
    "nl": ("Lies", "Janssens", "lies.janssens@example.org"),
    "fr": ("Sophie", "Lambert", "sophie.lambert@example.org"),
}
RESIDENT = {
    "nl": ("Marie", "Claes", "marie.claes@example.org"),
    "fr": ("Amélie", "Dubois", "amelie.dubois@example.org"),
}


@pytest.mark.parametrize(
    ("language", "device"), [("nl", "phone"), ("fr", "desktop")], ids=["nl-phone", "fr-desktop"]
)
def test_a_zone_admin_creates_a_bin_its_area_and_coordinator_and_a_resident_joins(
    journey_factory, transactional_db, language, device
):
    journey = journey_factory(language, device)
    t, mail = journey.t, journey.mail
    place = PLACES[language]
    zone, municipality, street = make_zone(place)
    bin_type = factories.BinTypeFactory(zone=zone)
    admin_user = factories.RoleFactory(
        role=Role.ZONE_ADMIN, zone=zone, user__language=language
    ).user

    # The zone administrator opens the BINs from the staff page and creates one.
    admin = journey.person()
    page = admin.page
    admin.log_in(admin_user, second_factor=True)
    admin.goto(f"/{language}/staff/")
    admin.check(t("Staff"))
    admin.submit(
        page.get_by_role("link", name=t("BINs, their areas and their coordinators")),
        f"/{language}/staff/bins/",
    )
    admin.check(t("BINs"))
    admin.submit(page.get_by_role("link", name=t("New BIN")), f"/{language}/staff/bins/new/")
    admin.check(t("New BIN"))
    page.locator("input[name=name]").fill(place.bin_name)
    page.locator("input[name=slug]").fill(place.bin_slug)
    page.locator("select[name=bin_type]").select_option(str(bin_type.pk))
    page.locator("select[name=municipality]").select_option(str(municipality.pk))
    page.locator("select[name=status]").select_option(NetworkStatus.PREPARATION)
    page.locator("input[name=requires_approval]").check()
    page.locator("input[name=contact_email]").fill("bin@example.org")
    admin.submit(
        page.get_by_role("button", name=t("Save"), exact=True),
        f"/{language}/staff/bins/{place.bin_slug}/",
    )
    admin.check(place.bin_name)
    network = Network.objects.get(slug=place.bin_slug)
    assert (network.municipality_id, network.status, network.requires_approval) == (
        municipality.pk,
        NetworkStatus.PREPARATION,
        True,
    )

    # Its area: numbers 1 to 99 of the street.
    admin.submit(
        page.get_by_role("link", name=t("Add a segment")),
        f"/{language}/staff/bins/{place.bin_slug}/segments/new/",
    )
    admin.check(t("Add a segment"))
    page.locator("select[name=street]").select_option(str(street.pk))
    page.locator("input[name=number_from]").fill("1")
    page.locator("input[name=number_to]").fill("99")
    admin.submit(
        page.get_by_role("button", name=t("Save"), exact=True),
        f"/{language}/staff/bins/{place.bin_slug}/",
    )
    admin.check(place.bin_name)
    assert list(network.segments.values_list("street", "number_from", "number_to")) == [
        (street.pk, 1, 99)
    ]
    assert place.street(language) in admin.main_text()

    # Its coordinator, screened by the police already.
    first_name, last_name, coordinator_email = COORDINATOR[language]
    admin.submit(
        page.get_by_role("link", name=t("Coordinators and officers")),
        f"/{language}/staff/bins/{place.bin_slug}/roles/",
    )
    admin.check(t("Coordinators and officers of %(name)s", name=place.bin_name))
    page.locator("select[name=role]").select_option(Role.COORDINATOR)
    page.locator("input[name=email]").fill(coordinator_email)
    page.locator("input[name=first_name]").fill(first_name)
    page.locator("input[name=last_name]").fill(last_name)
    page.locator("select[name=screening_result]").select_option(ScreeningResult.POSITIVE)
    page.get_by_role("button", name=t("Send the invitation")).click()
    page.get_by_text(t("The invitation has been sent.")).wait_for()
    admin.check(t("Coordinators and officers of %(name)s", name=place.bin_name))
    assignment = RoleAssignment.objects.get(network=network, role=Role.COORDINATOR)
    assert (assignment.user.email, assignment.screening_result) == (
        coordinator_email,
        ScreeningResult.POSITIVE,
    )

    # The coordinator opens the invitation e-mail on their own device: it is written in the
    # language the administrator works in, which the BIN's language regime allows.
    invitation = mail.newest(coordinator_email)
    assert invitation["Subject"] == t("Your invitation to Nabuur")
    link = mail.link(invitation, rf"/{language}/account/invitation/[^/]+/")
    coordinator = journey.person()
    cpage = coordinator.page
    coordinator.goto(link)
    coordinator.check(t("Accept your invitation"))
    cpage.locator("input[name=password1]").fill(PASSWORD)
    cpage.locator("input[name=password2]").fill(PASSWORD)
    cpage.locator("input[name=adult]").check()
    coordinator.submit(
        cpage.get_by_role("button", name=t("Save the password and continue")),
        f"/{language}/account/2fa/totp/activate/",
    )
    coordinator.check(t("Set up an authenticator app"))
    assert Invitation.objects.get(user=assignment.user).used_at is not None
    secret = cpage.locator("#totp-secret").inner_text()
    cpage.locator("input[name=code]").fill(totp_code(secret))
    cpage.locator("input[name=code]").press("Enter")
    cpage.wait_for_url(f"{journey.url}/{language}/account/2fa/recovery-codes/")
    coordinator.check(t("Recovery codes"))
    coordinator.goto(f"/{language}/staff/")
    coordinator.check(t("Staff"))
    assignment.refresh_from_db()
    assert assignment.adult_confirmed_at is not None

    # With a coordinator who may act, the administrator makes the BIN active.
    admin.goto(f"/{language}/staff/bins/{place.bin_slug}/")
    admin.check(place.bin_name)
    admin.submit(
        page.get_by_role("link", name=t("Edit"), exact=True).first,
        f"/{language}/staff/bins/{place.bin_slug}/edit/",
    )
    admin.check(t("Edit %(name)s", name=place.bin_name))
    page.locator("select[name=status]").select_option(NetworkStatus.ACTIVE)
    admin.submit(
        page.get_by_role("button", name=t("Save"), exact=True),
        f"/{language}/staff/bins/{place.bin_slug}/",
    )
    admin.check(place.bin_name)
    network.refresh_from_db()
    assert network.status == NetworkStatus.ACTIVE

    # A resident finds the new BIN by address, joins and confirms; the new coordinator is told
    # (journey 1 walks the approval).
    resident = journey.person()
    first, last, email = RESIDENT[language]
    membership = find_and_join(journey, resident, place, first, last, email)
    confirm_by_email(journey, resident, membership)
    assert membership.network_id == network.pk
    told = mail.newest(coordinator_email)
    assert told["Subject"] != invitation["Subject"]
    assert network.name in mail.text(told)
    journey.assert_pages_passed()
