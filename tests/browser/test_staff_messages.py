"""Compose, review and forward messages in a browser, keyboard first, every page axe-clean."""

import email
import email.policy
import re

import pytest
from django.utils import translation
from django.utils.translation import pgettext

from nabuur.mailbox.models import MailboxMessage
from nabuur.members.models import MembershipStatus
from nabuur.messaging import compose
from nabuur.messaging.delivery import deliver_due
from nabuur.messaging.models import Delivery, Feedback, Message, MessageKind, MessageState
from nabuur.messaging.plans import save_plan
from nabuur.staff.models import Role
from tests import factories
from tests.i18n import nl

from .helpers import (
    PHONE_VIEWPORT,
    assert_accessible,
    assert_no_horizontal_scroll,
    check_page,
    tab_to,
)
from .test_resident_path import log_in_browser


@pytest.fixture
def newsroom(transactional_db):
    """BIN Centrum in Edegem with three members, its coordinator and its officer."""
    zone = factories.ZoneFactory(slug="pz-rand", name="Politiezone Rand")
    edegem = factories.MunicipalityFactory(nis_code="11013", name_nl="Edegem", zone=zone)
    network = factories.NetworkFactory(municipality=edegem, name="BIN Centrum", slug="centrum")
    for _ in range(3):
        factories.MembershipFactory(network=network)
    coordinator = factories.RoleFactory(
        role=Role.COORDINATOR, network=network, user__first_name="Lotte"
    ).user
    officer = factories.RoleFactory(role=Role.OFFICER, network=network, user__first_name="Jan").user
    return {"network": network, "coordinator": coordinator, "officer": officer}


def type_into(page, name, text):
    tab_to(page, lambda element: element.name == name)
    page.keyboard.type(text)


def test_a_coordinator_writes_and_sends_a_message_by_keyboard(
    page, live_server, newsroom, assert_valid_html
):
    log_in_browser(page.context, live_server, newsroom["coordinator"], second_factor=True)
    page.goto(live_server.url + "/nl/staff/messages/new/")
    check_page(page, assert_valid_html, nl("Write a message"))

    tab_to(page, lambda element: element.name == "networks")
    page.keyboard.press("Space")
    tab_to(page, lambda element: element.name == "kind")
    # The plan lets a coordinator send prevention first: Space chooses the focused radio.
    page.keyboard.press("Space")
    type_into(page, "subject_nl", "Fietsdiefstallen aan het station")
    type_into(page, "body_nl", "Zet uw fiets op slot, **ook voor even**.")
    tab_to(page, lambda element: element.tag == "button")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    message = Message.objects.get()
    assert message.kind == MessageKind.PREVENTION
    check_page(page, assert_valid_html, "Fietsdiefstallen aan het station")
    assert page.locator(".preview strong").inner_text() == "ook voor even"

    tab_to(page, lambda element: element.text == nl("Send the message"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page, assert_valid_html, nl("Check whom the message reaches"))
    assert_no_horizontal_scroll(page)
    message.refresh_from_db()
    assert message.state == MessageState.DRAFT
    tab_to(page, lambda element: element.text == nl("Confirm and send"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page, assert_valid_html, "Fietsdiefstallen aan het station")
    message.refresh_from_db()
    assert message.state == MessageState.QUEUED
    assert Delivery.objects.filter(message=message).count() == 3
    assert page.locator("#progress-summary").inner_text() == "0 van 3 e-mails verstuurd."


def test_the_officer_writes_and_the_coordinator_forwards(
    page, live_server, newsroom, assert_valid_html
):
    network = newsroom["network"]
    draft = compose.create_draft(
        newsroom["officer"],
        kind=MessageKind.FEEDBACK,
        networks=[network],
        variants={"nl": ("Terugkoppeling inbraak", "De daders zijn gevat.")},
    )
    [waiting] = compose.submit_message(draft, newsroom["officer"])

    log_in_browser(page.context, live_server, newsroom["coordinator"], second_factor=True)
    page.goto(live_server.url + "/nl/staff/messages/")
    check_page(page, assert_valid_html, nl("Messages"))
    page.get_by_role("link", name="Terugkoppeling inbraak").first.click()
    check_page(page, assert_valid_html, "Terugkoppeling inbraak")

    type_into(page, "note", "Goed nieuws voor onze straat.")
    tab_to(page, lambda element: element.text == nl("Forward to the members"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page, assert_valid_html, "Terugkoppeling inbraak")
    waiting.refresh_from_db()
    assert waiting.state == MessageState.QUEUED
    assert waiting.forward_note == "Goed nieuws voor onze straat."

    page.goto(live_server.url + "/nl/staff/messages/plan/centrum/")
    check_page(page, assert_valid_html, nl("Communication plan of %(name)s", name="BIN Centrum"))


@pytest.mark.parametrize("viewport", [PHONE_VIEWPORT, {"width": 1280, "height": 800}])
def test_an_officer_confirms_a_split_message_and_sees_every_part(
    page, live_server, newsroom, assert_valid_html, viewport
):
    page.set_viewport_size(viewport)
    network = newsroom["network"]
    other = factories.NetworkFactory(
        municipality=network.municipality, name="BIN Elsdonk", slug="elsdonk"
    )
    factories.RoleFactory(role=Role.OFFICER, network=other, user=newsroom["officer"])
    factories.MembershipFactory(network=other, user=factories.UserFactory(email=None))
    factories.MembershipFactory(network=other, status=MembershipStatus.PAUSED)
    draft = compose.create_draft(
        newsroom["officer"],
        kind=MessageKind.PREVENTION,
        networks=[network, other],
        variants={"nl": ("Fietsdiefstal", "Meer tips op https://www.politie.be/5344/fiets.")},
    )
    log_in_browser(page.context, live_server, newsroom["officer"], second_factor=True)
    page.goto(live_server.url + f"/nl/staff/messages/{draft.pk}/")
    check_page(page, assert_valid_html, "Fietsdiefstal")
    assert page.locator(".preview a").get_attribute("href") == "https://www.politie.be/5344/fiets"
    tab_to(page, lambda element: element.text == nl("Send the message"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page, assert_valid_html, nl("Check whom the message reaches"))
    assert_no_horizontal_scroll(page)
    assert page.locator("section.part h2").all_inner_texts() == [
        nl("Message %(number)s of %(total)s: %(bins)s", number=1, total=2, bins="BIN Centrum"),
        nl("Message %(number)s of %(total)s: %(bins)s", number=2, total=2, bins="BIN Elsdonk"),
    ]
    tab_to(page, lambda element: element.text == nl("Confirm and send"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page, assert_valid_html, "Fietsdiefstal")
    assert_no_horizontal_scroll(page)
    first, second = compose.parts_of(draft)
    assert page.locator(".parts a").all_inner_texts() == ["BIN Centrum", "BIN Elsdonk"]
    page.get_by_role("link", name="BIN Elsdonk").click()
    check_page(page, assert_valid_html, "Fietsdiefstal")
    assert page.url.endswith(f"/nl/staff/messages/{second.pk}/")


def test_from_the_coordinators_draft_to_the_members_unsubscribe(
    page, live_server, newsroom, assert_valid_html, settings
):
    """The whole way of a message: a coordinator writes, the officer approves (the plan asks
    for it), the worker delivers into the demo mailbox, a member answers "useful" and then
    unsubscribes with the e-mail's link. Keyboard only; every page axe-clean and Nu-valid."""
    settings.MAILERS = {"default": {"BACKEND": "nabuur.mailbox.backend.MailboxBackend"}}
    network = newsroom["network"]
    save_plan(
        network,
        newsroom["officer"],
        police_direct_to_members=False,
        coordinator_needs_approval=True,
        allowed_kinds={"coordinator": ["prevention"], "police": ["feedback", "prevention"]},
    )
    member = network.memberships.select_related("user").first().user

    log_in_browser(page.context, live_server, newsroom["coordinator"], second_factor=True)
    page.goto(live_server.url + "/nl/staff/messages/new/")
    tab_to(page, lambda element: element.name == "networks")
    page.keyboard.press("Space")
    tab_to(page, lambda element: element.name == "kind")
    page.keyboard.press("Space")  # the only class the plan allows: prevention
    type_into(page, "subject_nl", "Brandveiligheid in de winter")
    type_into(page, "body_nl", "Laat de kachel nooit onbewaakt branden.")
    tab_to(page, lambda element: element.tag == "button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, lambda element: element.text == nl("Send the message"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, lambda element: element.text == nl("Confirm and send"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    message = Message.objects.get()
    assert message.state == MessageState.AWAITING_APPROVAL

    page.context.clear_cookies()
    log_in_browser(page.context, live_server, newsroom["officer"], second_factor=True)
    page.goto(live_server.url + f"/nl/staff/messages/{message.pk}/")
    check_page(page, assert_valid_html, "Brandveiligheid in de winter")
    tab_to(page, lambda element: element.text == nl("Approve and send"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    message.refresh_from_db()
    assert message.state == MessageState.QUEUED

    assert deliver_due() == 3
    row = MailboxMessage.objects.get(recipients=member.email)
    parsed = email.message_from_bytes(bytes(row.raw), policy=email.policy.default)
    assert parsed["Subject"] == "Brandveiligheid in de winter"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = parsed.get_body(("plain",)).get_content()
    useful = re.search(r"https?://\S+?(/nl/u/[0-9a-f]{48}/useful\?answer=yes)", text).group(1)
    unsubscribe = re.search(r"https?://\S+?(/nl/u/[0-9a-f]{48}/unsubscribe)\b", text).group(1)

    page.context.clear_cookies()
    page.goto(live_server.url + useful)
    check_page(page, assert_valid_html, nl("Was this useful?"))
    with translation.override("nl"):
        yes = pgettext("answer to: was this useful?", "Yes")
    tab_to(page, lambda element: element.text == yes)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Feedback.objects.get(delivery__user=member).useful is True

    page.goto(live_server.url + unsubscribe)
    check_page(page, assert_valid_html, nl("Unsubscribe"))
    tab_to(page, lambda element: element.text == nl("Unsubscribe and leave"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    membership = member.memberships.get(network=network)
    assert membership.status == MembershipStatus.LEFT


def test_the_zone_admin_places_a_sign_up_from_outside_every_bin(
    page, live_server, newsroom, assert_valid_html
):
    """The queue of sign-ups no BIN covers: the list, one request, placed in a BIN by keyboard."""
    from nabuur.members.models import AddressRequestStatus
    from nabuur.members.services import request_address_check

    network = newsroom["network"]
    zone = network.municipality.zone
    street = factories.StreetFactory(
        municipality=network.municipality, name_nl="Veldstraat", postcode="2650"
    )
    item = request_address_check(
        zone=zone,
        first_name="Ann",
        last_name="Peeters",
        email="ann.peeters@example.org",
        street_name="Veldstr.",
        house_number="12",
        postcode="2650",
    )
    admin = factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone).user
    log_in_browser(page.context, live_server, admin, second_factor=True)
    page.goto(live_server.url + f"/nl/staff/members/zone/{zone.slug}/requests/")
    check_page(page, assert_valid_html, nl("Sign-ups from outside every BIN"))
    page.get_by_role("link", name="Peeters, Ann").click()
    check_page(
        page, assert_valid_html, nl("Sign-up of %(first)s %(last)s", first="Ann", last="Peeters")
    )

    tab_to(page, lambda element: element.name == "network")
    page.keyboard.press("ArrowDown")
    tab_to(page, lambda element: element.name == "street")
    page.keyboard.type("Veldstraat")  # a select's type-ahead picks the option
    tab_to(page, lambda element: element.text == nl("Put in this BIN"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_page(page, assert_valid_html, nl("Sign-ups from outside every BIN"))
    item.refresh_from_db()
    assert (item.status, item.network) == (AddressRequestStatus.ASSIGNED, network)
    membership = network.memberships.get(user__email="ann.peeters@example.org")
    assert (membership.street, membership.house_number) == (street, 12)
