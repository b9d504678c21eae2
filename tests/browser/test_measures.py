"""A measure taken together, in a browser: the coordinator proposes a temporary suspension of a
member without e-mail, the officer follows the e-mail's link to the member's page and confirms
it, then prints the letter and marks it posted. On a phone and on a desktop; every page passes
axe and the Nu HTML checker, and the phone page is no wider than the phone.
"""

import datetime
import io
import re

import pytest
from django.core import mail
from pypdf import PdfReader

from nabuur.audit.models import AuditEntry
from nabuur.members.models import Measure, MeasureKind, MeasureState, MembershipStatus
from nabuur.staff.models import Role
from tests import factories
from tests.i18n import nl

from .helpers import assert_no_horizontal_scroll, check_page
from .test_resident_path import log_in_browser

VIEWPORTS = {"phone": {"width": 360, "height": 640}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture
def bin_with_bart(transactional_db, live_server, settings):
    """BIN Centrum in Edegem with its coordinator and officer, and Bart, a member added by hand
    without an e-mail address (he gets letters)."""
    # The links in the e-mails lead to this test's server.
    settings.BASE_URL = live_server.url
    zone = factories.ZoneFactory(slug="pz-rand", name="Politiezone Rand")
    edegem = factories.MunicipalityFactory(nis_code="11013", name_nl="Edegem", zone=zone)
    network = factories.NetworkFactory(municipality=edegem, name="BIN Centrum", slug="centrum")
    bart = factories.MembershipFactory(
        network=network,
        user__email=None,
        user__first_name="Bart",
        user__last_name="Van Dyck",
        street__name_nl="Kerkstraat",
        house_number=31,
    )
    return {
        "bart": bart,
        "coordinator": factories.RoleFactory(
            role=Role.COORDINATOR, network=network, user__first_name="Lotte"
        ).user,
        "officer": factories.RoleFactory(
            role=Role.OFFICER, network=network, user__first_name="Pieter"
        ).user,
    }


def check(page, assert_valid_html, phone):
    check_page(page, assert_valid_html, "Bart Van Dyck")
    if phone:
        assert_no_horizontal_scroll(page)


def status_text(page):
    return page.locator("main [role=status]").inner_text()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_coordinator_and_officer_suspend_a_member_who_gets_a_letter(
    page, live_server, bin_with_bart, assert_valid_html, viewport
):
    data = bin_with_bart
    phone = viewport == "phone"
    page.set_viewport_size(VIEWPORTS[viewport])
    member_url = f"{live_server.url}/nl/staff/members/centrum/{data['bart'].pk}/"
    last_day = datetime.date.today() + datetime.timedelta(days=14)

    # The coordinator proposes a temporary suspension.
    log_in_browser(page.context, live_server, data["coordinator"], second_factor=True)
    page.goto(member_url)
    check(page, assert_valid_html, phone)
    page.get_by_label(nl("temporary suspension")).check()
    page.get_by_label(nl("Reason")).fill("Deelde namen van verdachten in de groep.")
    page.locator("input[name=until]").fill(last_day.isoformat())
    page.get_by_role("button", name=nl("Propose the measure")).click()
    page.get_by_text(
        nl("The measure is proposed. It takes effect once the other side confirms it.")
    ).wait_for()
    check(page, assert_valid_html, phone)
    assert nl("Waiting for the other side's confirmation.") in page.locator("main").inner_text()
    assert page.get_by_role("button", name=nl("Confirm"), exact=True).count() == 0
    measure = Measure.objects.get()
    assert (measure.state, data["bart"].status) == (MeasureState.PROPOSED, MembershipStatus.ACTIVE)

    # The officer reads the e-mail and follows its link to the member's page.
    [message] = mail.outbox
    assert message.to == [data["officer"].email]
    link = re.search(r"https?://\S+/staff/members/centrum/\d+/", message.body).group(0)
    page.context.clear_cookies()
    log_in_browser(page.context, live_server, data["officer"], second_factor=True)
    page.goto(link)
    check(page, assert_valid_html, phone)
    main = page.locator("main").inner_text()
    assert nl("This measure waits for your confirmation.") in main
    assert "Deelde namen van verdachten in de groep." in main
    page.get_by_role("button", name=nl("Confirm"), exact=True).click()
    page.get_by_text(
        nl(
            "The measure is confirmed. The member receives no e-mail: print the letter and post "
            "it, then mark it posted."
        )
    ).wait_for()
    check(page, assert_valid_html, phone)
    assert nl("Letter to post") in page.locator("main").inner_text()
    data["bart"].refresh_from_db()
    assert (data["bart"].status, data["bart"].suspended_until) == (
        MembershipStatus.SUSPENDED,
        last_day,
    )
    assert len(mail.outbox) == 1

    # The letter, then marking it posted.
    href = page.get_by_role("link", name=nl("The letter (PDF)")).get_attribute("href")
    response = page.request.get(live_server.url + href)
    assert response.headers["content-type"] == "application/pdf"
    letter = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages).split()
    )
    assert "Bart Van Dyck" in letter
    assert "Deelde namen van verdachten in de groep." in letter
    page.get_by_role("button", name=nl("Mark the letter as posted")).click()
    page.get_by_text(nl("The letter is marked as posted.")).wait_for()
    check(page, assert_valid_html, phone)
    assert nl("Letter to post") not in page.locator("main").inner_text()
    measure.refresh_from_db()
    assert (measure.kind, measure.state, measure.letter_posted_by) == (
        MeasureKind.TEMPORARY_SUSPENSION,
        MeasureState.CONFIRMED,
        data["officer"],
    )
    assert list(
        AuditEntry.objects.filter(action__startswith="members.measure.")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == [
        "members.measure.propose",
        "members.measure.confirm",
        "members.measure.letter",
        "members.measure.letter_posted",
    ]
