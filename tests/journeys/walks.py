"""Stretches of path that several journeys walk: a resident finding their BIN and joining it."""

from nabuur.members.models import Membership, MembershipStatus

from .conftest import run_the_worker


def find_and_join(journey, resident, place, first_name, last_name, email):
    """From the home page: search the address, open the BIN, fill in the join form. Returns the
    pending membership."""
    t, language, page = journey.t, journey.language, resident.page
    street = place.street(language)
    resident.goto(f"/{language}/")
    heading = page.locator("h1").inner_text()
    assert heading.startswith(t("Neighbourhood information networks")), heading
    resident.check(heading)
    page.locator("input[name=q]").fill(f"{street} 12")
    page.locator("input[name=q]").press("Enter")
    page.wait_for_url(f"**/{language}/find/?q=*")
    resident.check(t("Find the BIN of your address"))
    page.get_by_role("link", name=place.bin_name).first.click()
    page.wait_for_url(f"{journey.url}/{language}/bin/{place.bin_slug}/")
    resident.check(place.bin_name)
    page.locator(f"a[href='/{language}/join/?bin={place.bin_slug}']").first.click()
    page.wait_for_url(f"{journey.url}/{language}/join/?bin={place.bin_slug}")
    resident.check(t("Join %(name)s", name=place.bin_name))

    page.locator("input[name=first_name]").fill(first_name)
    page.locator("input[name=last_name]").fill(last_name)
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=street]").fill(street)
    page.locator("input[name=house_number]").fill("12")
    page.locator("input[name=postcode]").fill(place.postcode)
    page.locator("input[name=basis][value=lives]").check()
    if page.locator("input[name=language]").count():
        # Brussels: the resident chooses the language of their e-mails.
        page.locator(f"input[name=language][value={language}]").check()
    page.locator("input[name=adult]").check()
    page.locator("input[name=accept]").check()
    resident.submit(
        page.get_by_role("button", name=t("Send my request")), f"/{language}/join/sent/"
    )
    resident.check(t("Check your mailbox"))
    run_the_worker()
    membership = Membership.objects.select_related("user").get(user__email=email)
    assert (membership.network.slug, membership.status, membership.confirmed_at) == (
        place.bin_slug,
        MembershipStatus.PENDING,
        None,
    )
    assert membership.user.language == language
    return membership


def confirm_by_email(journey, resident, membership):
    """Open the confirmation e-mail's link and press its button (mail scanners only open
    links)."""
    t, language, page, mail = journey.t, journey.language, resident.page, journey.mail
    confirmation = mail.newest(membership.user.email)
    resident.goto(mail.link(confirmation, rf"/{language}/join/confirm/[^/]+/"))
    resident.check(t("Confirm your membership"))
    page.get_by_role("button", name=t("Confirm my membership")).click()
    page.get_by_role("heading", name=t("Thank you for confirming")).wait_for()
    resident.check(t("Thank you for confirming"))
    membership.refresh_from_db()
    assert membership.confirmed_at is not None
    run_the_worker()
    return membership


def approve_as_coordinator(journey, coordinator, membership):
    """The coordinator opens their member list from the staff page and approves."""
    t, language, page = journey.t, journey.language, coordinator.page
    network, name = membership.network, membership.user.full_name
    coordinator.goto(f"/{language}/staff/")
    coordinator.check(t("Staff"))
    page.get_by_role("link", name=t("Members of %(name)s", name=network.name)).click()
    page.wait_for_url(f"{journey.url}/{language}/staff/members/{network.slug}/")
    coordinator.check(page.locator("h1").inner_text())
    page.get_by_role("button", name=t("Approve %(name)s", name=name)).click()
    page.get_by_text(t("%(name)s is now a member.", name=name)).first.wait_for()
    coordinator.check(page.locator("h1").inner_text())
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.approved_at is not None
    run_the_worker()
