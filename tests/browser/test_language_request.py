"""A resident of Ronse (Dutch, French on request) renews their ended request for French on
their own page, on a phone and on a desktop; every page passes axe, the Nu checker and the
reflow check."""

import datetime

import pytest

from nabuur.lib import clock
from nabuur.lib.languages import LanguageRegime, facility_request_ends
from tests import factories

from .test_resident_path import Checked, log_in_browser

VIEWPORTS = {"phone": {"width": 360, "height": 640}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture
def ronse_resident(transactional_db):
    zone = factories.ZoneFactory(slug="pz-vlaamse-ardennen", name="Politiezone Vlaamse Ardennen")
    ronse = factories.MunicipalityFactory(
        nis_code="45041",
        name_nl="Ronse",
        name_fr="Renaix",
        zone=zone,
        language_regime=LanguageRegime.FACILITIES_DUTCH_FIRST,
    )
    network = factories.NetworkFactory(municipality=ronse, name="BIN Ronse Centrum", slug="ronse")
    user = factories.UserFactory(
        language="fr",
        language_requested_on=clock.today() - datetime.timedelta(days=5 * 365),
        password=None,
    )
    user.set_unusable_password()
    user.save()
    factories.MembershipFactory(user=user, network=network)
    return user


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_resident_renews_their_request_for_french(
    page, live_server, nu_checker, ronse_resident, viewport
):
    checked = Checked(page, nu_checker)
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in_browser(page.context, live_server, ronse_resident)

    # The request ended: the page says so, and the form offers Dutch again.
    page.goto(live_server.url + "/nl/me/")
    checked.check(page.locator("h1").inner_text())
    notice = page.locator("#language-request")
    assert notice.locator("p").count() == 2
    assert page.locator("input[name=language][value=nl]").is_checked()

    page.locator("input[name=language][value=fr]").check()
    # The form comes back to the same address: wait for the navigation, not for the URL.
    with page.expect_navigation():
        page.locator("form[action$='/me/details/'] button[type=submit]").click()
    page.wait_for_url(live_server.url + "/nl/me/")
    checked.check(page.locator("h1").inner_text())

    ronse_resident.refresh_from_db()
    assert (ronse_resident.language, ronse_resident.language_requested_on) == (
        "fr",
        clock.today(),
    )
    last_day = facility_request_ends(clock.today()) - datetime.timedelta(days=1)
    assert str(last_day.year) in notice.inner_text()
    assert page.locator("input[name=language][value=fr]").is_checked()
