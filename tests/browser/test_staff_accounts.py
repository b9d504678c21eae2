"""Staff accounts in a browser: accept an invitation, choose a password, enrol a second factor
(an authenticator app or a passkey), log out and in again; the lockout after repeated failed
passwords; the zone's staff page, a coordinator's screening and the 18-or-older confirmation.

Everything is done with the keyboard where the flow allows it. Every page visited passes axe
(WCAG 2.1 AA) and the Nu HTML checker.
"""

import datetime
import importlib
import time
from urllib.parse import urlencode, urlsplit

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from nabuur.accounts.models import Invitation
from nabuur.lib import clock
from nabuur.staff.models import Role, RoleAssignment, ScreeningResult
from nabuur.staff.services import invite
from nabuur.zones.documents import publish_privacy_notice
from nabuur.zones.models import Zone
from tests import factories
from tests.i18n import nl
from tests.sessions import mark_recently_authenticated

from .helpers import assert_accessible, press_tab_to_and_enter, tab_to

PASSWORD = "Kerkstraat-lantaarn-2026"
# The password tests/factories.py gives every user.
FACTORY_PASSWORD = "correct horse battery staple"
ADD_KEY_NEXT = urlencode({"next": "/nl/account/2fa/webauthn/add/"})


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and used TOTP codes live in the cache, which the live server shares with the
    test process: start and leave it empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_data(transactional_db):
    zone = factories.ZoneFactory(slug="pz-rand", name="Politiezone Rand")
    edegem = factories.MunicipalityFactory(
        nis_code="11013", name_nl="Edegem", name_fr="Edegem", zone=zone
    )
    centrum = factories.NetworkFactory(municipality=edegem, name="BIN Centrum", slug="centrum")
    return {
        "zone": zone,
        "edegem": edegem,
        "centrum": centrum,
        "zone_admin": factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone).user,
    }


class Checked:
    """Checks the page the browser shows. The Nu checker sees the HTML the server sent for the
    last document (also the answer to a POST), not the browser's serialisation."""

    def __init__(self, page, assert_valid_html):
        self.page = page
        self.assert_valid_html = assert_valid_html
        self.document = None
        page.on("response", self._remember)

    def _remember(self, response):
        if response.request.resource_type == "document" and response.frame == self.page.main_frame:
            self.document = response

    def check(self, path, h1):
        """The browser shows `path` with this main heading, and the page passes every check."""
        page = self.page
        page.wait_for_load_state()
        assert urlsplit(page.url).path == path
        assert self.document is not None and self.document.status == 200, page.url
        assert page.locator("h1").inner_text() == h1, page.url
        self.assert_valid_html(self.document.text(), where=page.url)
        assert_accessible(page)


def fill_by_keyboard(page, name, text):
    """Tab to the field called `name` and type into it."""
    tab_to(page, lambda element: element.name == name)
    page.keyboard.type(text)


def tick_by_keyboard(page, name):
    tab_to(page, lambda element: element.name == name)
    page.keyboard.press("Space")
    assert page.locator(f"input[name={name}]").is_checked()


def submit_with_enter(page):
    """Press Enter in a form field and wait for the page the server answers with."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def totp_code(secret):
    """The code an authenticator app shows now. Waits for the next period when this one ends
    within 3 s, so the code is still valid when the server checks it."""
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 3:
        time.sleep(period - time.time() % period + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def authenticator_types(user):
    return sorted(Authenticator.objects.filter(user=user).values_list("type", flat=True))


def roles_listed(page):
    return page.locator("ul.roles li").all_inner_texts()


def role_line(role_label, scope):
    """A line of the dashboard's list of roles: the role's label, capitalised, and its scope."""
    label = nl(role_label)
    return f"{label[0].upper()}{label[1:]}: {scope}"


def log_out(page, checked, live_server):
    """Log out with the button of the logout page (no page links to it); land on the home page."""
    page.goto(live_server.url + "/nl/account/logout/")
    checked.check("/nl/account/logout/", nl("Log out"))
    press_tab_to_and_enter(page, lambda e: e.tag == "button" and e.text == nl("Log out"))
    page.wait_for_url(live_server.url + "/nl/")
    checked.check("/nl/", page.locator("h1").inner_text())
    assert page.locator("h1").inner_text().startswith(nl("Neighbourhood information networks"))


def log_in_with_password(page, live_server, email, password):
    page.goto(live_server.url + "/nl/account/login/")
    fill_by_keyboard(page, "login", email)
    fill_by_keyboard(page, "password", password)
    submit_with_enter(page)


def log_in_browser(context, live_server, user, recent=False):
    """Give a browser context the session of `user`, as if they had logged in a while ago (or,
    with `recent`, a moment ago: role changes ask for a recent login)."""
    client = Client()
    client.force_login(user)
    if recent:
        mark_recently_authenticated(client.session, user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def add_virtual_authenticator(page):
    """Chromium's virtual authenticator: a platform passkey that verifies its user at once."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, authenticator["authenticatorId"]


class ShiftedClock:
    """`time` for allauth's rate limits, `minutes` later than the real one."""

    def __init__(self, minutes):
        self.offset = minutes * 60

    def time(self):
        return time.time() + self.offset

    def __getattr__(self, name):
        return getattr(time, name)


def test_a_coordinator_accepts_the_invitation_enrols_an_app_and_logs_in_again(
    page, live_server, staff_data, assert_valid_html
):
    checked = Checked(page, assert_valid_html)
    assignment, link = invite(
        staff_data["zone_admin"],
        "lies.janssens@example.org",
        Role.COORDINATOR,
        network=staff_data["centrum"],
        first_name="Lies",
        last_name="Janssens",
        screening_result=ScreeningResult.POSITIVE,
        send=False,
    )
    user = assignment.user
    # The link points at the configured site; the browser opens it on the live server.
    assert link.startswith(f"{django_settings.BASE_URL}/nl/account/invitation/")
    path = link.removeprefix(django_settings.BASE_URL)

    page.goto(live_server.url + path)
    checked.check(path, nl("Accept your invitation"))
    fill_by_keyboard(page, "password1", PASSWORD)
    fill_by_keyboard(page, "password2", PASSWORD)
    tick_by_keyboard(page, "adult")
    press_tab_to_and_enter(page, lambda e: e.text == nl("Save the password and continue"))
    page.wait_for_url(live_server.url + "/nl/account/2fa/totp/activate/")
    checked.check("/nl/account/2fa/totp/activate/", nl("Set up an authenticator app"))
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert Invitation.objects.get(user=user).used_at is not None
    assignment.refresh_from_db()
    assert assignment.adult_confirmed_at is not None

    secret = page.locator("#totp-secret").inner_text()
    fill_by_keyboard(page, "code", totp_code(secret))
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/nl/account/2fa/recovery-codes/")
    checked.check("/nl/account/2fa/recovery-codes/", nl("Recovery codes"))
    assert page.locator(".recovery-codes li").count() == 10
    assert authenticator_types(user) == ["recovery_codes", "totp"]

    # The recovery codes page links nowhere further: the person goes to the staff pages.
    page.goto(live_server.url + "/nl/staff/")
    checked.check("/nl/staff/", nl("Staff"))
    assert roles_listed(page) == [role_line("coordinator", "BIN Centrum")]
    # Screened and confirmed 18 or older at the invitation: nothing is left to do.
    assert page.locator("main .notice").count() == 0

    # Log out …
    log_out(page, checked, live_server)
    page.goto(live_server.url + "/nl/staff/")
    checked.check("/nl/account/login/", nl("Staff login"))

    # … and in again, with the password and a code from the app.
    fill_by_keyboard(page, "login", "lies.janssens@example.org")
    fill_by_keyboard(page, "password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/nl/account/2fa/authenticate/")
    checked.check("/nl/account/2fa/authenticate/", nl("Second factor"))
    fill_by_keyboard(page, "code", totp_code(secret))
    press_tab_to_and_enter(page, lambda e: e.tag == "button" and e.text == nl("Log in"))
    page.wait_for_url(live_server.url + "/nl/staff/")
    checked.check("/nl/staff/", nl("Staff"))
    assert roles_listed(page) == [role_line("coordinator", "BIN Centrum")]
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert totp.last_used_at is not None


def test_an_officer_adds_a_passkey_and_logs_in_with_it(
    page, live_server, staff_data, assert_valid_html
):
    checked = Checked(page, assert_valid_html)
    officer = factories.RoleFactory(role=Role.OFFICER, network=staff_data["centrum"]).user
    TOTP.activate(officer, generate_totp_secret())
    cdp, authenticator_id = add_virtual_authenticator(page)
    # The WebAuthn pages run allauth's scripts: a CSP refusal or a script error shows here.
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in_browser(page.context, live_server, officer)

    page.goto(live_server.url + "/nl/account/2fa/")
    checked.check("/nl/account/2fa/", nl("Second factor"))
    press_tab_to_and_enter(page, lambda e: e.href == "/nl/account/2fa/webauthn/add/")
    # Adding a key needs the password again.
    page.wait_for_url(f"{live_server.url}/nl/account/reauthenticate/?{ADD_KEY_NEXT}")
    checked.check("/nl/account/reauthenticate/", nl("Confirm it is you"))
    fill_by_keyboard(page, "password", FACTORY_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/nl/account/2fa/webauthn/add/")
    checked.check("/nl/account/2fa/webauthn/add/", nl("Add a security key or passkey"))
    fill_by_keyboard(page, "name", "Laptop")
    tick_by_keyboard(page, "passwordless")
    press_tab_to_and_enter(page, lambda e: e.tag == "button" and e.text == nl("Add"))
    # The first key comes with recovery codes, as the app did for the others.
    page.wait_for_url(live_server.url + "/nl/account/2fa/recovery-codes/")
    checked.check("/nl/account/2fa/recovery-codes/", nl("Recovery codes"))
    assert authenticator_types(officer) == ["recovery_codes", "totp", "webauthn"]
    key = Authenticator.objects.get(user=officer, type=Authenticator.Type.WEBAUTHN).wrap()
    assert (key.name, key.is_passwordless) == ("Laptop", True)
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})
    assert [c["isResidentCredential"] for c in credentials["credentials"]] == [True]

    # Log out, then in with the passkey alone: no address, no password.
    log_out(page, checked, live_server)
    page.goto(live_server.url + "/nl/account/login/")
    checked.check("/nl/account/login/", nl("Staff login"))
    press_tab_to_and_enter(page, lambda e: e.text == nl("Log in with a passkey"))
    page.wait_for_url(live_server.url + "/nl/staff/")
    checked.check("/nl/staff/", nl("Staff"))
    assert roles_listed(page) == [role_line("mandated officer", "BIN Centrum")]
    key = Authenticator.objects.get(user=officer, type=Authenticator.Type.WEBAUTHN)
    first_use = key.last_used_at
    assert first_use is not None

    # Log out, then in with the password and the key as second factor.
    log_out(page, checked, live_server)
    page.goto(live_server.url + "/nl/account/login/")
    fill_by_keyboard(page, "login", officer.email)
    fill_by_keyboard(page, "password", FACTORY_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/nl/account/2fa/authenticate/")
    checked.check("/nl/account/2fa/authenticate/", nl("Second factor"))
    press_tab_to_and_enter(page, lambda e: e.text == nl("Use a security key"))
    page.wait_for_url(live_server.url + "/nl/staff/")
    checked.check("/nl/staff/", nl("Staff"))
    key.refresh_from_db()
    assert key.last_used_at > first_use
    assert Authenticator.objects.get(user=officer, type="totp").last_used_at is None
    assert errors == []


def test_five_wrong_passwords_lock_the_address_for_15_minutes(
    page, live_server, staff_data, assert_valid_html, settings, monkeypatch
):
    checked = Checked(page, assert_valid_html)
    admin = staff_data["zone_admin"]
    TOTP.activate(admin, generate_totp_secret())
    mismatch = nl("The e-mail address or the password is not correct.")
    locked = nl(
        "Too many failed attempts to log in with this address. For your safety, logging in is "
        "blocked for 15 minutes. You can reset your password meanwhile."
    )

    page.goto(live_server.url + "/nl/account/login/")
    checked.check("/nl/account/login/", nl("Staff login"))
    fill_by_keyboard(page, "login", admin.email)
    for attempt in range(settings.NABUUR_LOGIN_ATTEMPTS):
        # The form keeps the address; only the password is typed again.
        assert page.locator("input[name=login]").input_value() == admin.email
        fill_by_keyboard(page, "password", f"wrong guess {attempt}")
        submit_with_enter(page)
        assert page.get_by_role("alert").inner_text() == mismatch
    checked.check("/nl/account/login/", nl("Staff login"))

    # Now even the right password is refused, with a message read out at once.
    fill_by_keyboard(page, "password", FACTORY_PASSWORD)
    submit_with_enter(page)
    checked.check("/nl/account/login/", nl("Staff login"))
    assert page.get_by_role("alert").inner_text() == locked

    # A colleague on the same computer is not locked out.
    officer = factories.RoleFactory(role=Role.OFFICER, network=staff_data["centrum"]).user
    TOTP.activate(officer, generate_totp_secret())
    log_in_with_password(page, live_server, officer.email, FACTORY_PASSWORD)
    page.wait_for_url(live_server.url + "/nl/account/2fa/authenticate/")
    page.context.clear_cookies()

    # The lock holds for 15 minutes after the first failures, then the password works again.
    ratelimit = importlib.import_module("allauth.core.internal.ratelimit")
    monkeypatch.setattr(ratelimit, "time", ShiftedClock(minutes=14.5))
    log_in_with_password(page, live_server, admin.email, FACTORY_PASSWORD)
    assert urlsplit(page.url).path == "/nl/account/login/"
    assert page.get_by_role("alert").inner_text() == locked
    monkeypatch.setattr(ratelimit, "time", ShiftedClock(minutes=15.5))
    # Nabuur's own count of password checks (nabuur.accounts.backends) follows its clock.
    monkeypatch.setattr(clock, "_frozen", clock.now() + datetime.timedelta(minutes=15.5))
    log_in_with_password(page, live_server, admin.email, FACTORY_PASSWORD)
    page.wait_for_url(live_server.url + "/nl/account/2fa/authenticate/")
    checked.check("/nl/account/2fa/authenticate/", nl("Second factor"))


def test_staff_pages_of_the_zone_admin_and_a_new_coordinator_with_the_keyboard(
    page, browser, browser_context_args, live_server, staff_data, assert_valid_html
):
    checked = Checked(page, assert_valid_html)
    zone, centrum = staff_data["zone"], staff_data["centrum"]
    admin = staff_data["zone_admin"]
    TOTP.activate(admin, generate_totp_secret())
    log_in_browser(page.context, live_server, admin, recent=True)
    # A coordinator the police have not screened yet, who has not confirmed being 18 or older.
    newcomer = factories.RoleFactory(
        role=Role.COORDINATOR,
        network=centrum,
        user__first_name="Bram",
        user__last_name="Wouters",
        screening_result=ScreeningResult.PENDING,
        screened_on=None,
        adult_confirmed_at=None,
    )

    # The zone's staff page: invite a municipality contact.
    people = f"/nl/staff/zone/{zone.slug}/people/"
    page.goto(live_server.url + people)
    checked.check(people, nl("Staff of %(zone)s", zone=zone.name))
    tab_to(page, lambda e: e.name == "role")
    assert page.locator("select[name=role]").input_value() == Role.MUNICIPALITY_CONTACT
    tab_to(page, lambda e: e.name == "municipality")
    page.keyboard.press("ArrowDown")
    assert page.locator("select[name=municipality] option:checked").inner_text() == "Edegem"
    fill_by_keyboard(page, "email", "an.claes@edegem.example")
    fill_by_keyboard(page, "first_name", "An")
    fill_by_keyboard(page, "last_name", "Claes")
    press_tab_to_and_enter(page, lambda e: e.text == nl("Send the invitation"))
    page.get_by_text(nl("The invitation has been sent.")).wait_for()
    checked.check(people, nl("Staff of %(zone)s", zone=zone.name))
    contact = RoleAssignment.objects.get(user__email="an.claes@edegem.example")
    assert (contact.role, contact.municipality, contact.zone, contact.ended_on) == (
        Role.MUNICIPALITY_CONTACT,
        staff_data["edegem"],
        None,
        None,
    )
    assert [message.to for message in mail.outbox] == [["an.claes@edegem.example"]]
    assert "An Claes" in page.locator("tbody").inner_text()

    # The BIN's coordinator: record a positive screening.
    screening = f"/nl/staff/bins/{centrum.slug}/roles/{newcomer.pk}/screening/"
    page.goto(live_server.url + screening)
    checked.check(
        screening,
        nl(
            "Police screening of %(person)s (%(role)s)",
            person="Bram Wouters",
            role=nl("coordinator"),
        ),
    )
    # Tab lands on the checked radio button ("pending"); the arrow key moves to "positive".
    tab_to(page, lambda e: e.name == "screening_result")
    page.keyboard.press("ArrowDown")
    assert page.locator("input[name=screening_result]:checked").input_value() == "positive"
    press_tab_to_and_enter(page, lambda e: e.text == nl("Save the screening"))
    page.wait_for_url(f"{live_server.url}/nl/staff/bins/{centrum.slug}/roles/")
    page.get_by_text(nl("The screening has been recorded.")).wait_for()
    checked.check(
        f"/nl/staff/bins/{centrum.slug}/roles/",
        nl("Coordinators and officers of %(name)s", name="BIN Centrum"),
    )
    newcomer.refresh_from_db()
    assert (newcomer.screening_result, newcomer.screened_on, newcomer.screened_by) == (
        ScreeningResult.POSITIVE,
        clock.today(),
        admin,
    )
    # The coordinator hears of the positive result by e-mail.
    assert [message.to for message in mail.outbox] == [
        ["an.claes@edegem.example"],
        [newcomer.user.email],
    ]

    # The coordinator, in their own browser, confirms being 18 or older from their dashboard.
    context = browser.new_context(**browser_context_args)
    coordinator_page = context.new_page()
    coordinator = Checked(coordinator_page, assert_valid_html)
    TOTP.activate(newcomer.user, generate_totp_secret())
    log_in_browser(context, live_server, newcomer.user)
    coordinator_page.goto(live_server.url + "/nl/staff/")
    coordinator.check("/nl/staff/", nl("Staff"))
    notices = coordinator_page.locator("main .notice").all_inner_texts()
    assert notices == [
        nl("Before you can act as a coordinator, confirm that you are 18 or older.")
        + " "
        + nl("Confirm your role")
    ]
    press_tab_to_and_enter(coordinator_page, lambda e: e.href == "/nl/staff/confirm/")
    coordinator_page.wait_for_url(live_server.url + "/nl/staff/confirm/")
    coordinator.check("/nl/staff/confirm/", nl("Confirm your role"))
    # Without the box ticked the page says what is missing.
    press_tab_to_and_enter(coordinator_page, lambda e: e.text == nl("Confirm"))
    coordinator_page.get_by_role("alert").wait_for()
    coordinator.check("/nl/staff/confirm/", nl("Confirm your role"))
    assert coordinator_page.locator("#id_adult_error").text_content() == (
        nl("Error:") + " " + nl("Tick the box to confirm that you are 18 or older.")
    )
    newcomer.refresh_from_db()
    assert newcomer.adult_confirmed_at is None
    tick_by_keyboard(coordinator_page, "adult")
    press_tab_to_and_enter(coordinator_page, lambda e: e.text == nl("Confirm"))
    coordinator_page.wait_for_url(live_server.url + "/nl/staff/")
    coordinator.check("/nl/staff/", nl("Staff"))
    assert coordinator_page.locator(".messages").inner_text() == nl(
        "Thank you. Your confirmation has been recorded."
    )
    assert coordinator_page.locator("main .notice").count() == 0
    newcomer.refresh_from_db()
    assert newcomer.adult_confirmed_at is not None
    context.close()


def test_the_zone_admin_shortens_a_retention_period_with_the_keyboard(
    page, live_server, staff_data, assert_valid_html
):
    checked = Checked(page, assert_valid_html)
    zone, admin = staff_data["zone"], staff_data["zone_admin"]
    publish_privacy_notice(zone)
    TOTP.activate(admin, generate_totp_secret())
    log_in_browser(page.context, live_server, admin, recent=True)
    settings = f"/nl/staff/zone/{zone.slug}/settings/"
    title = nl("Settings of %(zone)s", zone=zone.name)
    page.goto(live_server.url + settings)
    checked.check(settings, title)

    # Out of bounds: the error summary takes the focus and links to the field.
    tab_to(page, lambda e: e.name == "retention_left_days")
    page.keyboard.press("Control+A")
    page.keyboard.type("400")
    press_tab_to_and_enter(page, lambda e: e.text == nl("Save the settings"))
    page.locator(".error-summary").wait_for()
    checked.check(settings, title)
    assert Zone.objects.get(pk=zone.pk).retention_left_days == 30
    press_tab_to_and_enter(page, lambda e: e.href == "#id_retention_left_days")
    page.keyboard.press("Control+A")
    page.keyboard.type("14")
    press_tab_to_and_enter(page, lambda e: e.text == nl("Save the settings"))
    page.get_by_text(nl("The settings have been saved.")).wait_for()
    checked.check(settings, title)
    assert Zone.objects.get(pk=zone.pk).retention_left_days == 14
    assert page.get_by_text(
        nl("Version %(version)s of the privacy notice is out.", version=2)
    ).is_visible()

    # The same page in French.
    page.goto(live_server.url + settings.replace("/nl/", "/fr/"))
    with translation.override("fr"):
        checked.check(
            settings.replace("/nl/", "/fr/"), gettext("Settings of %(zone)s") % {"zone": zone.name}
        )
