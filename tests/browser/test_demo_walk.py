"""A resident tries the demo: joins, opens their own demo mail from the "check your mailbox" page,
follows the link in it and confirms, on a phone and on a desktop.

No zone administrator is needed: in the demo the confirmation page leads to the e-mails sent to
the address this browser signed up with. Every page passes axe, the Nu checker and, on the
phone, the reflow check.
"""

import re

import pytest

from nabuur.members.models import Membership
from tests.i18n import nl

from .test_resident_path import MAILBOX, Checked, path_data, run_the_worker  # noqa: F401

EMAIL = "jan.demo@example.org"


@pytest.fixture
def demo(settings, live_server, path_data):  # noqa: F811 - the fixture imported above
    settings.DEMO = True
    settings.MAILERS = MAILBOX
    # What `nabuur serve` does in the demo: links lead to the address served.
    settings.BASE_URL = live_server.url
    return path_data


@pytest.mark.parametrize(
    "viewport", [{"width": 360, "height": 640}, {"width": 1280, "height": 800}], ids=str
)
def test_a_resident_joins_the_demo_and_confirms_from_their_own_demo_mail(
    page, live_server, demo, nu_checker, viewport
):
    page.set_viewport_size(viewport)
    resident = Checked(page, nu_checker)

    page.goto(f"{live_server.url}/nl/join/?bin=centrum")
    resident.check(page.locator("h1").inner_text())
    for name, value in {
        "first_name": "Jan",
        "last_name": "Demo",
        "street": "Kerkstraat",
        "house_number": "12",
        "postcode": "2650",
        "email": EMAIL,
    }.items():
        page.locator(f"[name={name}]").fill(value)
    # By keyboard: the labels lie over the boxes (a large target for a finger).
    for choice in ("[name=basis][value=lives]", "[name=adult]", "[name=accept]"):
        page.locator(choice).focus()
        page.keyboard.press("Space")
        assert page.locator(choice).is_checked(), choice
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/nl/join/sent/$"))
    resident.check(nl("Check your mailbox"))

    # The worker sends the confirmation e-mail, as beside `make run`.
    run_the_worker()
    page.get_by_role("link", name=nl("Open the e-mail sent to you in this demo")).click()
    page.wait_for_url(re.compile(r"/nl/mailbox/mine/$"))
    resident.check(nl("Your e-mail in this demo"))
    subject = nl("Confirm your membership of %(name)s", name="BIN Centrum")
    page.get_by_role("link", name=subject).click()
    page.wait_for_url(re.compile(r"/nl/mailbox/mine/\d+/$"))
    resident.check(subject)

    page.locator("a[href*='/nl/join/confirm/']").click()
    page.wait_for_url(re.compile(r"/nl/join/confirm/"))
    resident.check(nl("Confirm your membership"))
    page.get_by_role("button", name=nl("Confirm my membership")).click()
    page.wait_for_load_state()
    resident.check(nl("Thank you for confirming"))

    membership = Membership.objects.get(user__email=EMAIL)
    assert (membership.network.slug, membership.status, membership.confirmed_at is not None) == (
        "centrum",
        "pending",
        True,
    )
