"""The coordinator's member list in a browser: search, filter, approve, decline, add by hand, a
member's page, a written reprimand, unsubscribing on request; in Dutch, and the list in French.

The coordinator is screened and has an authenticator app, as the staff pages require. Approving,
declining (through its confirmation page) and adding by hand use the keyboard only; after
approving or declining from a filtered list, the same filtered list comes back. Every page
visited passes axe (WCAG 2.1 AA) and the Nu HTML checker. The reflow check is left out: a member
list is a data table, which WCAG 1.4.10 lets scroll sideways on a phone.
"""

import re

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from nabuur.audit.models import AuditEntry
from nabuur.lib.languages import LanguageRegime
from nabuur.members.models import (
    Consent,
    ConsentChannel,
    EndReason,
    Measure,
    MeasureKind,
    MeasureState,
    Membership,
    MembershipStatus,
)
from nabuur.staff.models import Role
from nabuur.zones.documents import publish_house_rules, publish_privacy_notice
from tests import factories
from tests.i18n import nl

from .helpers import assert_accessible, press_and_wait, press_tab_to_and_enter, tab_to
from .test_resident_path import fill_by_keyboard, log_in_browser


def fr(msgid, **values):
    """The French text of a source string."""
    with translation.override("fr"):
        text = gettext(msgid)
    return text % values if values else text


class PageChecks:
    """Checks the HTML the server sent for the page's last document (also the answer to a
    POST), not the browser's serialisation, and the rendered page with axe."""

    def __init__(self, page, assert_valid_html):
        self.page = page
        self.assert_valid_html = assert_valid_html
        self.document = None
        page.on("response", self._remember)

    def _remember(self, response):
        if response.request.resource_type == "document" and response.frame == self.page.main_frame:
            self.document = response

    def check(self, h1, language="nl"):
        """The page is in `language`, has this main heading, is valid HTML and passes axe."""
        page = self.page
        page.wait_for_load_state()
        assert self.document is not None and self.document.status == 200, page.url
        assert page.locator("html").get_attribute("lang") == language, page.url
        assert page.locator("h1").inner_text() == h1, page.url
        self.assert_valid_html(self.document.text(), where=page.url)
        assert_accessible(page)


def member(network, first, last, street, number, **fields):
    user = factories.UserFactory(
        first_name=first,
        last_name=last,
        email=f"{first.lower()}.{last.lower()}@example.org".replace("'", ""),
    )
    return factories.MembershipFactory(
        network=network, user=user, street=street, house_number=number, **fields
    )


@pytest.fixture
def coordinator_data(transactional_db):
    """Politiezone Rand: BIN Centrum in Edegem (Dutch only; a coordinator approves new members)
    with four members and two waiting requests, one to approve (its e-mail is confirmed) and one
    to decline (not confirmed yet); BIN Stokkel in Sint-Pieters-Woluwe (Dutch or
    French per person) with one member. Each BIN has its screened coordinator."""
    zone = factories.ZoneFactory(slug="pz-rand", name="Politiezone Rand")
    edegem = factories.MunicipalityFactory(
        nis_code="11013", name_nl="Edegem", name_fr="Edegem", zone=zone
    )
    woluwe = factories.MunicipalityFactory(
        nis_code="21019",
        name_nl="Sint-Pieters-Woluwe",
        name_fr="Woluwe-Saint-Pierre",
        zone=zone,
        language_regime=LanguageRegime.BRUSSELS,
    )
    centrum = factories.NetworkFactory(
        municipality=edegem, name="BIN Centrum", slug="centrum", requires_approval=True
    )
    kerkstraat = factories.SearchableStreetFactory(
        municipality=edegem, name_nl="Kerkstraat", postcode="2650", max_house_number=120
    )
    molenstraat = factories.SearchableStreetFactory(
        municipality=edegem, name_nl="Molenstraat", postcode="2650"
    )
    factories.SegmentFactory(network=centrum, street=kerkstraat, number_from=1, number_to=99)
    factories.SegmentFactory(network=centrum, street=molenstraat)
    stokkel = factories.NetworkFactory(
        municipality=woluwe, name="BIN Stokkel / RIQ Stockel", slug="stokkel"
    )
    orban = factories.SearchableStreetFactory(
        municipality=woluwe, name_nl="Orbanlaan", name_fr="Avenue Orban", postcode="1150"
    )
    factories.SegmentFactory(network=stokkel, street=orban, number_from=2, number_to=60)
    publish_house_rules(zone)
    publish_privacy_notice(zone)
    coordinator = factories.RoleFactory(role=Role.COORDINATOR, network=centrum).user
    return {
        "centrum": centrum,
        "jan": member(centrum, "Jan", "Claes", kerkstraat, 12),
        "els": member(centrum, "Els", "Aerts", molenstraat, 4),
        "wim": member(centrum, "Wim", "Zegers", molenstraat, 8, status=MembershipStatus.PAUSED),
        "marie": member(
            centrum, "Marie", "Claes-D'Hondt", kerkstraat, 20, status=MembershipStatus.PENDING
        ),
        "tom": member(
            centrum,
            "Tom",
            "Peeters",
            kerkstraat,
            40,
            status=MembershipStatus.PENDING,
            confirmed_at=None,
            approved_at=None,
        ),
        "sophie": member(stokkel, "Sophie", "Dubois", orban, 14, user__language="fr"),
        "coordinator": coordinator,
        "stokkel_coordinator": factories.RoleFactory(role=Role.COORDINATOR, network=stokkel).user,
    }


def listed(page):
    """The names in the member list's table, in order."""
    return page.locator("table.members tbody th").all_inner_texts()


def state(membership):
    membership.refresh_from_db()
    return membership.status, membership.end_reason


def test_a_coordinator_works_the_member_list_in_dutch(
    page, live_server, coordinator_data, assert_valid_html
):
    data = coordinator_data
    checks = PageChecks(page, assert_valid_html)
    log_in_browser(page.context, live_server, data["coordinator"], second_factor=True)
    list_url = live_server.url + "/nl/staff/members/centrum/"
    list_title = nl("Members of %(name)s", name="BIN Centrum")

    page.goto(list_url)
    checks.check(list_title)
    assert listed(page) == [
        "Aerts, Els",
        "Claes, Jan",
        "Claes-D'Hondt, Marie",
        "Peeters, Tom",
        "Zegers, Wim",
    ]

    # Search, then filter by status.
    fill_by_keyboard(page, "q", "claes")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?q=claes&"))
    checks.check(list_title)
    assert listed(page) == ["Claes, Jan", "Claes-D'Hondt, Marie"]
    page.locator("#id_q").fill("")
    page.locator("#id_status").select_option(MembershipStatus.PENDING.value)
    page.get_by_role("button", name=nl("Search"), exact=True).click()
    page.wait_for_url(re.compile(r"status=pending"))
    checks.check(list_title)
    assert listed(page) == ["Claes-D'Hondt, Marie", "Peeters, Tom"]

    filtered = page.url

    # Approve the waiting request, with the keyboard: the filtered list comes back as it was.
    approve = nl("Approve %(name)s", name="Marie Claes-D'Hondt")
    # The page posts and comes back to the same address: wait for the navigation itself, or
    # the checks below could run on the page that is being replaced.
    press_and_wait(page, lambda element: element.name == approve)
    page.wait_for_url(filtered)
    checks.check(list_title)
    assert (
        nl("%(name)s is now a member.", name="Marie Claes-D'Hondt")
        in page.locator("main [role=status]").all_inner_texts()[0]
    )
    assert state(data["marie"]) == (MembershipStatus.ACTIVE, "")
    assert listed(page) == ["Peeters, Tom"]

    # The other request's own page says it waits and offers to decline it (not to approve it:
    # the e-mail address is not confirmed yet); its way back is the filtered list.
    page.get_by_role("link", name="Peeters, Tom").click()
    page.wait_for_url(re.compile(rf"/centrum/{data['tom'].pk}/\?next="))
    checks.check("Tom Peeters")
    request_section = page.locator("section[aria-labelledby=request-heading]")
    assert request_section.get_by_role("link", name=nl("Decline"), exact=True).is_visible()
    assert request_section.get_by_role("button").count() == 0
    page.get_by_role("link", name=nl("Back to the member list")).click()
    page.wait_for_url(filtered)

    # Decline it from the list, with the keyboard: a page shows who it is and asks to confirm.
    decline = nl("Decline %(name)s", name="Tom Peeters")
    decline_url = re.compile(rf"/centrum/{data['tom'].pk}/decline/\?next=")
    decline_title = nl("Decline the request of %(name)s", name="Tom Peeters")
    press_tab_to_and_enter(page, lambda element: element.name == decline)
    page.wait_for_url(decline_url)
    checks.check(decline_title)
    assert page.locator(".facts dd").all_inner_texts()[:2] == ["Tom Peeters", "Kerkstraat 40, 2650"]
    # Cancel leaves the request as it was.
    press_tab_to_and_enter(page, lambda element: element.text == nl("Cancel"))
    page.wait_for_url(filtered)
    checks.check(list_title)
    assert state(data["tom"]) == (MembershipStatus.PENDING, "")
    press_tab_to_and_enter(page, lambda element: element.name == decline)
    page.wait_for_url(decline_url)
    checks.check(decline_title)
    # A reason over 500 characters comes back with the error summary, in Dutch.
    tab_to(page, lambda element: element.name == "reason")
    page.keyboard.insert_text("Te lang. " * 60)
    press_tab_to_and_enter(page, lambda element: element.text == nl("Decline"))
    page.locator(".error-summary").wait_for()
    checks.check(decline_title)
    assert page.title().startswith(nl("Error") + ": ")
    assert page.locator(".error-summary a").get_attribute("href") == "#id_reason"
    assert page.locator("#id_reason").get_attribute("aria-invalid") == "true"
    assert state(data["tom"]) == (MembershipStatus.PENDING, "")
    tab_to(page, lambda element: element.name == "reason")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Woont buiten het BIN")
    press_tab_to_and_enter(page, lambda element: element.text == nl("Decline"))
    page.wait_for_url(filtered)
    checks.check(list_title)
    assert (
        nl("The request was declined.") in page.locator("main [role=status]").all_inner_texts()[0]
    )
    assert state(data["tom"]) == (MembershipStatus.LEFT, EndReason.DECLINED)
    [declined] = [message for message in mail.outbox if message.to == ["tom.peeters@example.org"]]
    assert f"{nl('The reason given:')} Woont buiten het BIN" in declined.body

    # Add a member from a paper form, with the keyboard; a first try without any data.
    press_tab_to_and_enter(page, lambda element: element.href == "/nl/staff/members/centrum/add/")
    page.wait_for_url(list_url + "add/")
    add_title = nl("Add a member to %(name)s", name="BIN Centrum")
    checks.check(add_title)
    press_tab_to_and_enter(page, lambda element: element.text == nl("Add the member"))
    page.locator(".error-summary").wait_for()
    checks.check(add_title)
    targets = page.locator(".error-summary a").evaluate_all("links => links.map(l => l.hash)")
    # The radio group's error leads to its first option, not to "#".
    assert targets[:2] == ["#id_channel_0", "#id_source_note"]
    tab_to(page, lambda element: element.name == "channel")
    page.keyboard.press("Space")
    fill_by_keyboard(page, "source_note", "Papieren formulier ondertekend op 3 mei 2026")
    fill_by_keyboard(page, "first_name", "Bart")
    fill_by_keyboard(page, "last_name", "Van Dyck")
    fill_by_keyboard(page, "street", "Kerkstraat")
    fill_by_keyboard(page, "house_number", "31B")
    fill_by_keyboard(page, "postcode", "2650")
    tab_to(page, lambda element: element.name == "adult")
    page.keyboard.press("Space")
    tab_to(page, lambda element: element.name == "accept")
    page.keyboard.press("Space")
    press_tab_to_and_enter(page, lambda element: element.text == nl("Add the member"))
    page.wait_for_url(re.compile(r"/nl/staff/members/centrum/\d+/$"))
    checks.check("Bart Van Dyck")
    bart = Membership.objects.get(user__last_name="Van Dyck")
    assert (bart.status, bart.address_line, bart.user.email) == (
        MembershipStatus.ACTIVE,
        "Kerkstraat 31B",
        None,
    )
    assert set(Consent.objects.filter(user=bart.user).values_list("channel", "source_note")) == {
        (ConsentChannel.PAPER, "Papieren formulier ondertekend op 3 mei 2026")
    }
    assert nl("letters by post") in page.locator(".member-facts").inner_text()

    # Open a member from the list and propose a written reprimand (the officer confirms it).
    page.get_by_role("link", name=nl("Back to the member list")).click()
    page.wait_for_url(list_url)
    checks.check(list_title)
    page.get_by_role("link", name="Claes, Jan").click()
    page.wait_for_url(f"{list_url}{data['jan'].pk}/")
    checks.check("Jan Claes")
    # Without a reason first: the form comes back with the error next to its field.
    page.get_by_label(nl("written reprimand")).check()
    page.get_by_role("button", name=nl("Propose the measure")).click()
    page.locator(".error-summary").wait_for()
    checks.check("Jan Claes")
    assert page.locator(".error-summary a").get_attribute("href") == "#id_reason"
    assert page.get_by_label(nl("written reprimand")).is_checked()
    page.get_by_label(nl("Reason")).fill("Bleef na twee waarschuwingen namen van verdachten delen.")
    page.get_by_role("button", name=nl("Propose the measure")).click()
    page.get_by_text(
        nl("The measure is proposed. It takes effect once the other side confirms it.")
    ).wait_for()
    checks.check("Jan Claes")
    measure = Measure.objects.get(membership=data["jan"])
    assert (measure.kind, measure.reason, measure.state, measure.proposed_by) == (
        MeasureKind.WRITTEN_REPRIMAND,
        "Bleef na twee waarschuwingen namen van verdachten delen.",
        MeasureState.PROPOSED,
        data["coordinator"],
    )
    assert "Bleef na twee waarschuwingen" in page.locator("#measures + .measure-list").inner_text()
    # He is told only once the officer confirms.
    assert [message.to for message in mail.outbox if "jan.claes" in message.to[0]] == []

    # Unsubscribe him on his request.
    page.get_by_role("link", name=nl("Unsubscribe on the member's request")).click()
    page.wait_for_url(f"{list_url}{data['jan'].pk}/unsubscribe/")
    checks.check(
        nl("Unsubscribe %(name)s from %(network)s", name="Jan Claes", network="BIN Centrum")
    )
    page.get_by_label(nl("Reason")).fill("Telefonisch gevraagd op 3 mei")
    page.get_by_role("button", name=nl("Unsubscribe"), exact=True).click()
    page.wait_for_url(list_url)
    checks.check(list_title)
    assert (
        nl("%(name)s no longer is a member.", name="Jan Claes")
        in page.locator("main [role=status]").inner_text()
    )
    assert "Claes, Jan" not in listed(page)
    assert state(data["jan"]) == (MembershipStatus.LEFT, EndReason.LEFT)
    assert AuditEntry.objects.get(action="members.unsubscribe").details == {"with_note": True}
    assert Membership.objects.get(pk=data["jan"].pk).end_note == "Telefonisch gevraagd op 3 mei"


def test_a_brussels_coordinator_reads_the_member_list_in_french(
    page, live_server, coordinator_data, assert_valid_html
):
    checks = PageChecks(page, assert_valid_html)
    log_in_browser(
        page.context, live_server, coordinator_data["stokkel_coordinator"], second_factor=True
    )
    list_title = fr("Members of %(name)s", name="BIN Stokkel / RIQ Stockel")

    page.goto(live_server.url + "/fr/staff/members/stokkel/")
    checks.check(list_title, language="fr")
    assert listed(page) == ["Dubois, Sophie"]
    assert "Avenue Orban 14" in page.locator("table.members").inner_text()

    page.get_by_label(fr("Search by name, e-mail or street")).fill("orban")
    page.get_by_role("button", name=fr("Search"), exact=True).click()
    page.wait_for_url(re.compile(r"\?q=orban&"))
    checks.check(list_title, language="fr")
    assert listed(page) == ["Dubois, Sophie"]
