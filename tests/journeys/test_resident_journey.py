"""Journey 1: a resident finds the BIN of their address, joins, confirms by the e-mailed link,
is approved by the coordinator, receives a message and says whether it was useful, pauses, sets
quiet hours, downloads their data and leaves with the one click of the e-mail's unsubscribe
link. In Dutch (a Flemish BIN) and in French (a Brussels BIN), on a phone and on a desktop.
"""

import datetime
import json
import re
import zipfile

import pytest
from django.utils import translation
from django.utils.formats import date_format

from nabuur.lib import clock
from nabuur.members.models import EndReason, MembershipStatus
from nabuur.messaging.models import Feedback

from .conftest import run_the_worker, trp
from .fixtures import PLACES, TIPS, make_bin, send_tip
from .walks import approve_as_coordinator, confirm_by_email, find_and_join

RESIDENT = {
    "nl": ("Marie", "Claes-D'Hondt", "marie.claes@example.org"),
    "fr": ("Amélie", "Dubois", "amelie.dubois@example.org"),
}


@pytest.mark.parametrize(
    ("language", "device"),
    [("nl", "phone"), ("nl", "desktop"), ("fr", "phone"), ("fr", "desktop")],
    ids=["nl-phone", "nl-desktop", "fr-phone", "fr-desktop"],
)
def test_a_resident_joins_is_approved_rates_pauses_sets_quiet_hours_exports_and_leaves(
    journey_factory, transactional_db, language, device
):
    place = PLACES[language]
    data = make_bin(place, language)
    journey = journey_factory(language, device)
    t, mail = journey.t, journey.mail
    first_name, last_name, email = RESIDENT[language]
    network = data["network"]

    resident = journey.person()
    page = resident.page
    membership = find_and_join(journey, resident, place, first_name, last_name, email)
    confirm_by_email(journey, resident, membership)
    assert membership.status == MembershipStatus.PENDING

    # The coordinator is told by e-mail, logs in and approves from their member list.
    assert network.name in mail.text(mail.newest(data["coordinator"].email))
    coordinator = journey.person()
    coordinator.log_in(data["coordinator"], second_factor=True)
    approve_as_coordinator(journey, coordinator, membership)

    # The coordinator's prevention tip reaches the resident in their language.
    send_tip(network, data["coordinator"], [language])
    run_the_worker()
    subject, text = TIPS[language]
    tip = mail.newest(email, subject=subject)
    assert text in mail.text(tip)

    # "Was this useful?": the e-mail's Yes opens a page; the answer counts with the button.
    useful_path = mail.link(tip, rf"/{language}/u/[0-9a-f]{{48}}/useful\?answer=yes")
    resident.goto(useful_path)
    resident.check(t("Was this useful?"))
    assert Feedback.objects.count() == 0
    yes = trp(language, "answer to: was this useful?", "Yes")
    page.get_by_role("button", name=yes, exact=True).click()
    page.get_by_text(t("Thank you: your answer is saved.")).wait_for()
    resident.check(t("Was this useful?"))
    assert list(Feedback.objects.values_list("delivery__user__email", "useful")) == [(email, True)]

    # The welcome e-mail tells where to ask for a login link.
    welcome = mail.newest(email, subject=t("Welcome to %(name)s", name=network.name))
    resident.goto(mail.link(welcome, rf"/{language}/me/login/"))
    resident.check(t("My membership"))
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=email]").press("Enter")
    page.wait_for_url(f"{journey.url}/{language}/me/login/sent/")
    resident.check(t("Check your mailbox"))
    run_the_worker()
    link_path = mail.link(mail.newest(email), rf"/{language}/me/login/[^/]+/")
    resident.goto(link_path)
    resident.check(t("Log in"))
    page.get_by_role("button", name=t("Log in")).click()
    page.wait_for_url(f"{journey.url}/{language}/me/")
    resident.check(t("My membership"))
    # "Who viewed or exported my data" tells, in sentences, that the coordinator looked at the
    # member list and approved: never the audit log's codes (members.approve, coordinator).
    with translation.override(language):
        said = {"actor": t("Your coordinator"), "date": date_format(clock.today(), "DATE_FORMAT")}
    trail = [" ".join(item.split()) for item in page.locator(".audit-trail li").all_inner_texts()]
    for sentence in (
        "%(actor)s approved your membership on %(date)s.",
        "%(actor)s looked at the member list, with your details, on %(date)s.",
    ):
        assert t(sentence) % said in trail, trail
    codes = sorted(set(re.findall(r"\b[a-z_]+\.[a-z_.]+\b", " ".join(trail))))
    assert not codes, f"/{language}/me/ shows audit codes to the resident: {codes}"

    # Pause until a date, then quiet hours, on the BIN's page.
    page.get_by_role(
        "link", name=t("Pause, quiet hours or address for %(name)s", name=network.name)
    ).click()
    page.wait_for_url(f"{journey.url}/{language}/me/bin/{membership.pk}/")
    resident.check(network.name)
    until = datetime.date.today() + datetime.timedelta(days=30)
    page.get_by_label(t("Pause messages until")).fill(until.isoformat())
    page.get_by_role("button", name=t("Save the pause")).click()
    page.get_by_text(t("Paused. We sent you an e-mail about it.")).wait_for()
    resident.check(network.name)
    membership.refresh_from_db()
    assert (membership.status, membership.paused_until) == (MembershipStatus.PAUSED, until)
    changed = t("Your membership of %(name)s was changed", name=network.name)
    assert [m["Subject"] for m in mail.to(email)][-1] == changed
    told = len(mail.to(email))

    page.get_by_label(t("Quiet from")).fill("22:00")
    page.get_by_label(t("Quiet until")).fill("07:00")
    page.get_by_role("button", name=t("Save quiet hours")).click()
    page.get_by_text(t("Quiet hours saved. We sent you an e-mail about it.")).wait_for()
    resident.check(network.name)
    membership.refresh_from_db()
    assert (membership.quiet_from, membership.quiet_to) == (
        datetime.time(22, 0),
        datetime.time(7, 0),
    )
    assert [m["Subject"] for m in mail.to(email)][told:] == [changed]

    # Download all their data.
    page.get_by_role("link", name=t("Back to my membership")).click()
    page.wait_for_url(f"{journey.url}/{language}/me/")
    resident.check(t("My membership"))
    with page.expect_download() as download_info:
        page.get_by_role(
            "link", name=t("Download all my data (zip with JSON and CSV files)")
        ).click()
    download = download_info.value
    assert download.suggested_filename == "nabuur-my-data.zip"
    with zipfile.ZipFile(download.path()) as archive:
        exported = json.loads(archive.read("nabuur.json"))
    exported_text = json.dumps(exported, ensure_ascii=False)
    for expected in (email, first_name, last_name, network.name, until.isoformat(), "22:00"):
        assert expected in exported_text, f"{expected!r} missing from the export"

    # Leave with one click, from the unsubscribe link of the tip's e-mail.
    unsubscribe_path = mail.link(tip, rf"/{language}/u/[0-9a-f]{{48}}/unsubscribe")
    resident.goto(unsubscribe_path)
    resident.check(t("Unsubscribe"))
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PAUSED
    page.get_by_role("button", name=t("Unsubscribe and leave")).click()
    page.get_by_role("heading", name=t("You are unsubscribed")).wait_for()
    resident.check(t("You are unsubscribed"))
    membership.refresh_from_db()
    assert (membership.status, membership.end_reason) == (MembershipStatus.LEFT, EndReason.LEFT)
    run_the_worker()
    assert mail.newest(email)["Subject"] == t("You left %(name)s", name=network.name)
    journey.assert_pages_passed()
