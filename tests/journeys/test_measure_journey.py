"""Journey 5: coordinator and officer take a measure together against a member without e-mail.

The coordinator opens the member from their member list and proposes a temporary suspension
with its reason. The officer receives an e-mail (over SMTP) whose link leads to the member's
page, confirms the measure there, downloads the letter that tells the member, in the member's
language, and marks it posted. The member, who has no e-mail address, is suspended until the
day chosen and is told only by that letter. In Dutch on a phone (a Flemish BIN) and in French on
a desktop (a Brussels BIN).
"""

import datetime
import io

import pytest
from pypdf import PdfReader

from nabuur.audit.models import AuditEntry
from nabuur.members.models import Measure, MeasureKind, MeasureState, MembershipStatus
from nabuur.staff.models import Role
from tests import factories

from .fixtures import PLACES, make_bin

MEMBER = {"nl": ("Bart", "Van Dyck"), "fr": ("Luc", "Dupont")}
REASONS = {
    "nl": "Deelde namen van verdachten in de groep.",
    "fr": "A partagé des noms de suspects dans le groupe.",
}


@pytest.mark.parametrize(
    ("language", "device"), [("nl", "phone"), ("fr", "desktop")], ids=["nl-phone", "fr-desktop"]
)
def test_coordinator_and_officer_suspend_a_member_without_email_who_gets_a_letter(
    journey_factory, transactional_db, language, device
):
    journey = journey_factory(language, device)
    t, mail = journey.t, journey.mail
    place = PLACES[language]
    data = make_bin(place, language)
    network = data["network"]
    officer = factories.RoleFactory(
        role=Role.OFFICER,
        network=network,
        user__first_name="Pieter",
        user__last_name="Wouters",
        user__email="pieter.wouters@example.org",
        user__language=language,
    ).user
    first_name, last_name = MEMBER[language]
    membership = factories.MembershipFactory(
        network=network,
        street=data["street"],
        house_number=31,
        user__email=None,
        user__first_name=first_name,
        user__last_name=last_name,
        user__language=language,
    )
    name = f"{first_name} {last_name}"
    member_path = f"/{language}/staff/members/{network.slug}/{membership.pk}/"
    last_day = datetime.date.today() + datetime.timedelta(days=14)

    # The coordinator finds the member in their list and proposes a temporary suspension.
    coordinator = journey.person()
    page = coordinator.page
    coordinator.log_in(data["coordinator"], second_factor=True)
    coordinator.goto(f"/{language}/staff/")
    coordinator.check(t("Staff"))
    coordinator.submit(
        page.get_by_role("link", name=t("Members of %(name)s", name=network.name)),
        f"/{language}/staff/members/{network.slug}/",
    )
    coordinator.check(page.locator("h1").inner_text())
    with page.expect_navigation():
        # The list names members "Last, First", to sort by.
        page.get_by_role("link", name=f"{last_name}, {first_name}").click()
    assert page.url.startswith(journey.url + member_path), page.url
    coordinator.check(name)
    page.locator("input[name=kind][value=temporary_suspension]").check()
    page.locator("textarea[name=reason]").fill(REASONS[language])
    page.locator("input[name=until]").fill(last_day.isoformat())
    page.get_by_role("button", name=t("Propose the measure")).click()
    page.get_by_text(
        t("The measure is proposed. It takes effect once the other side confirms it.")
    ).wait_for()
    coordinator.check(name)
    assert t("Waiting for the other side's confirmation.") in coordinator.main_text()
    measure = Measure.objects.get()
    membership.refresh_from_db()
    assert (measure.state, membership.status) == (MeasureState.PROPOSED, MembershipStatus.ACTIVE)

    # The officer reads the e-mail (sent as the measure is proposed) on their own device and
    # follows its link.
    asked = mail.newest(
        officer.email,
        t("A measure in %(network)s waits for your confirmation", network=network.name),
    )
    link = mail.link(asked, rf"/{language}/staff/members/{network.slug}/\d+/")
    assert link == member_path
    police = journey.person()
    opage = police.page
    police.log_in(officer, second_factor=True)
    police.goto(link)
    police.check(name)
    assert t("This measure waits for your confirmation.") in police.main_text()
    assert REASONS[language] in police.main_text()
    opage.get_by_role("button", name=t("Confirm"), exact=True).click()
    opage.get_by_text(
        t(
            "The measure is confirmed. The member receives no e-mail: print the letter and post "
            "it, then mark it posted."
        )
    ).wait_for()
    police.check(name)
    assert t("Letter to post") in police.main_text()
    membership.refresh_from_db()
    assert (membership.status, membership.suspended_until) == (
        MembershipStatus.SUSPENDED,
        last_day,
    )

    # The letter, in the member's language, with their address and the reason.
    href = opage.get_by_role("link", name=t("The letter (PDF)")).get_attribute("href")
    response = opage.request.get(journey.url + href)
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    letter = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for expected in (
        name,
        f"{place.street(language)} 31",
        REASONS[language],
        t("Temporary suspension of your membership"),
    ):
        assert expected in letter, (expected, letter)
    opage.get_by_role("button", name=t("Mark the letter as posted")).click()
    opage.get_by_text(t("The letter is marked as posted.")).wait_for()
    police.check(name)
    assert t("Letter to post") not in police.main_text()

    # The coordinator sees the measure in force; the only e-mail was the officer's (the member
    # has no address: the letter tells them).
    assert [e.rcpt_tos for e in mail.sink.envelopes] == [[officer.email]]
    coordinator.goto(member_path)
    coordinator.check(name)
    assert t("Letter to post") not in coordinator.main_text()
    measure.refresh_from_db()
    assert (measure.kind, measure.state, measure.proposed_by, measure.confirmed_by) == (
        MeasureKind.TEMPORARY_SUSPENSION,
        MeasureState.CONFIRMED,
        data["coordinator"],
        officer,
    )
    assert measure.letter_posted_by == officer
    assert list(
        AuditEntry.objects.filter(action__startswith="members.measure.")
        .order_by("seq")
        .values_list("action", "actor_role")
    ) == [
        ("members.measure.propose", "coordinator"),
        ("members.measure.confirm", "officer"),
        ("members.measure.letter", "officer"),
        ("members.measure.letter_posted", "officer"),
    ]
    journey.assert_pages_passed()
