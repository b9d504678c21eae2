"""A whole charter in a browser, keyboard only: the coordinator starts it and fills in the
budget, the three partners sign, the zone administrator records the exchange with the FOD.
Every state of every charter page is axe-clean and HTML-valid."""

import datetime

import pytest
from django.core import mail

from nabuur.evaluation.models import CharterState, CharterVersion
from nabuur.staff import services as staff_services
from nabuur.staff.models import Role
from tests import factories
from tests.i18n import nl

from .helpers import check_page, press_and_wait, tab_to
from .test_resident_path import log_in_browser

CHARTER = "/nl/staff/evaluation/charter/centrum/"


@pytest.fixture
def partners(transactional_db):
    """BIN Centrum in Edegem with its coordinator, its officer, the municipality's contact and
    the zone's administrator."""
    zone = factories.ZoneFactory(slug="pz-rand", name="Politiezone Rand")
    edegem = factories.MunicipalityFactory(nis_code="11013", name_nl="Edegem", zone=zone)
    network = factories.NetworkFactory(municipality=edegem, name="BIN Centrum", slug="centrum")
    factories.SegmentFactory(network=network, street__name_nl="Kerkstraat", number_to=99)

    def person(first_name, **role):
        return factories.RoleFactory(user__first_name=first_name, **role).user

    return {
        "coordinator": person("Lotte", role=Role.COORDINATOR, network=network),
        "officer": person("Jan", role=Role.OFFICER, network=network),
        "municipality": person("Sofie", role=Role.MUNICIPALITY_CONTACT, municipality=edegem),
        "zone_admin": person("Wim", role=Role.ZONE_ADMIN, zone=zone),
    }


def check(page, assert_valid_html, heading=None):
    check_page(page, assert_valid_html, heading or nl("Charter of %(name)s", name="BIN Centrum"))


def messages(page):
    return page.locator(".messages").inner_text()


def sign_as(party):
    label = nl("Sign as %(party)s", party=nl(party))
    return lambda element: element.tag == "button" and element.text == label


def date_order(page, name, date):
    """Type `date` into the date field `name` and return the order of its segments (they follow
    the browser's own UI language, not the page's): day-month-year or another in use."""
    for order in ("%d%m%Y", "%m%d%Y", "%Y%m%d"):
        page.reload()
        tab_to(page, lambda element, name=name: element.name == name)
        page.keyboard.type(date.strftime(order))
        if page.locator(f"input[name={name}]").input_value() == date.isoformat():
            return order
    raise AssertionError(f"could not type {date} into the date field {name}")


def test_the_partners_make_sign_and_send_a_charter_by_keyboard(
    page, live_server, partners, assert_valid_html
):
    # The coordinator: no charter yet.
    log_in_browser(page.context, live_server, partners["coordinator"], second_factor=True)
    page.goto(live_server.url + "/nl/staff/evaluation/")
    check(page, assert_valid_html, nl("Charter and evaluation"))
    press_and_wait(page, lambda element: element.text == nl("No charter yet"))
    check(page, assert_valid_html)
    assert page.url == live_server.url + CHARTER

    # Start it: a draft with the partners' contacts and the area.
    press_and_wait(page, lambda element: element.text == nl("Start the charter"))
    check(page, assert_valid_html)
    draft = nl("Version %(version)s: draft", version=1)
    assert page.locator("#draft-heading").inner_text() == draft
    assert "Kerkstraat" in page.locator("main").inner_text()

    # The budget plan.
    press_and_wait(page, lambda element: element.text == nl("Edit the budget plan"))
    budget_heading = nl("Budget plan of %(name)s", name="BIN Centrum")
    check(page, assert_valid_html, budget_heading)
    tab_to(page, lambda element: element.name == "lines-0-item")
    page.keyboard.type("Straatborden")
    tab_to(page, lambda element: element.name == "lines-0-amount")
    page.keyboard.type("240")
    tab_to(page, lambda element: element.name == "lines-0-paid_by")
    page.keyboard.press("ArrowDown")
    assert page.locator("select[name=lines-0-paid_by]").input_value() == "municipality"
    tab_to(page, lambda element: element.name == "member_contribution")
    page.keyboard.type("gratis")
    press_and_wait(page, lambda element: element.text == nl("Save the budget plan"))
    check(page, assert_valid_html)
    assert nl("The budget plan has been saved.") in messages(page)
    assert "Straatborden" in page.locator("main").inner_text()

    # A line with an amount but no item nor payer stays on the form with both errors.
    press_and_wait(page, lambda element: element.text == nl("Edit the budget plan"))
    tab_to(page, lambda element: element.name == "lines-1-amount")
    page.keyboard.type("12")
    press_and_wait(page, lambda element: element.text == nl("Save the budget plan"))
    check(page, assert_valid_html, budget_heading)
    line = page.locator("fieldset").nth(1)
    assert line.locator(".error").count() == 2
    assert page.locator("fieldset").nth(0).locator(".error").count() == 0
    page.goto(live_server.url + CHARTER)

    press_and_wait(page, sign_as("coordinator"))
    check(page, assert_valid_html)
    assert nl("Your signature has been recorded.") in messages(page)
    assert nl("Your side has signed this version.") in page.locator("main").inner_text()

    # The officer, then the municipality contact.
    log_in_browser(page.context, live_server, partners["officer"], second_factor=True)
    page.goto(live_server.url + CHARTER)
    check(page, assert_valid_html)
    press_and_wait(page, sign_as("mandated officer"))
    check(page, assert_valid_html)

    log_in_browser(page.context, live_server, partners["municipality"], second_factor=True)
    page.goto(live_server.url + CHARTER)
    check(page, assert_valid_html)
    press_and_wait(page, sign_as("municipality contact"))
    check(page, assert_valid_html)
    assert nl("Every partner has signed: the charter is in force.") in messages(page)
    charter = CharterVersion.objects.get()
    assert charter.state == CharterState.IN_FORCE
    assert sorted(charter.signatures.values_list("party", flat=True)) == [
        "coordinator",
        "municipality",
        "officer",
    ]
    assert [(line.item, str(line.amount)) for line in charter.budget.all()] == [
        ("Straatborden", "240.00")
    ]

    # The zone administrator sends the copy to the FOD and records the exchange; they may
    # not sign, start a version or edit the budget.
    log_in_browser(page.context, live_server, partners["zone_admin"], second_factor=True)
    page.goto(live_server.url + CHARTER)
    check(page, assert_valid_html)
    main = page.locator("main")
    assert main.locator("form[action$='/start/'], form[action$='/sign/']").count() == 0
    assert main.locator("a[href$='/budget/']").count() == 0

    # Without a date the form says what is missing.
    press_and_wait(page, lambda element: element.text == nl("Save the exchange with the FOD"))
    check(page, assert_valid_html)
    assert page.locator(".message--error").count() == 1

    sent, answered = datetime.date(2025, 3, 1), datetime.date(2025, 4, 2)
    order = date_order(page, "sent_to_fod_on", sent)
    tab_to(page, lambda element: element.name == "fod_answered_on")
    page.keyboard.type(answered.strftime(order))
    tab_to(page, lambda element: element.name == "fod_answer")
    page.keyboard.type("Ontvangen, in orde.")
    press_and_wait(page, lambda element: element.text == nl("Save the exchange with the FOD"))
    check(page, assert_valid_html)
    assert nl("The exchange with the FOD has been recorded.") in messages(page)
    assert "Ontvangen, in orde." in main.inner_text()
    charter.refresh_from_db()
    assert (charter.sent_to_fod_on, charter.fod_answered_on, charter.fod_answer) == (
        sent,
        answered,
        "Ontvangen, in orde.",
    )
    assert charter.signatures.filter(user=partners["zone_admin"]).count() == 0

    # A new officer: at once a new draft waits beside the version in force.
    mail.outbox.clear()
    new_officer, _link = staff_services.invite(
        partners["zone_admin"],
        "nieuwe.agent@example.be",
        Role.OFFICER,
        network=charter.network,
        first_name="Bram",
    )
    # The coordinator enrolled a second factor at the first log-in.
    log_in_browser(page.context, live_server, partners["coordinator"])
    page.goto(live_server.url + CHARTER)
    check(page, assert_valid_html)
    assert page.locator("#draft-heading").inner_text() == nl(
        "Version %(version)s: draft", version=2
    )
    assert page.locator("#in-force-heading").count() == 1
    assert page.locator("#history-heading + ul li").count() == 2
    assert new_officer.user.email in page.locator("main").inner_text()
    assert sorted(m.to[0] for m in mail.outbox if "/staff/evaluation/charter/" in m.body) == sorted(
        [
            *(partners[p].email for p in ("coordinator", "officer", "municipality")),
            new_officer.user.email,
        ]
    )


def test_the_zone_overview_is_accessible_with_its_charts(
    page, live_server, partners, assert_valid_html
):
    zone_admin = partners["zone_admin"]
    other = factories.NetworkFactory(
        municipality=partners["coordinator"].roles.get().network.municipality,
        name="BIN Noord",
        slug="noord",
    )
    for network in (partners["coordinator"].roles.get().network, other):
        for _ in range(3):
            factories.MembershipFactory(network=network)
    log_in_browser(page.context, live_server, zone_admin, second_factor=True)
    year = datetime.date.today().year
    page.goto(f"{live_server.url}/nl/staff/evaluation/overview/zone/pz-rand/{year}/")
    check(
        page,
        assert_valid_html,
        heading=nl("BINs of %(place)s in %(year)s", place="Politiezone Rand", year=year),
    )
    assert page.locator("figure svg").count() >= 1
    table = page.locator("table").first.inner_text()
    assert "BIN Centrum" in table and "BIN Noord" in table
