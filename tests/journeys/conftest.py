"""Journey tests: a whole path as a person walks it, in Chromium, through the real e-mail links.

Every e-mail goes over SMTP to an aiosmtpd server (tests/smtp_sink.py) and the person opens the
link it holds, as they would from their mail program. Each person gets their own browser context
(phone 360×640 or desktop 1280×800, Dutch or French). Every page visited passes the Nu HTML
checker and axe (WCAG 2.1 AA) and, on the phone, is no wider than the screen.

The browser, Chromium's launch arguments and the Nu checker come from tests/browser/conftest.py.
To look at the screens, set JOURNEY_SCREENSHOTS to a folder: every page checked is saved there.
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, pgettext

from tests.browser import conftest as browser_conftest
from tests.browser.helpers import axe_violations, horizontal_overflow, nu_errors
from tests.sessions import mark_recently_authenticated
from tests.smtp_sink import SmtpSink

# The browser tests' fixtures: Chromium and its launch arguments, the Nu checker service.
chromium_path = browser_conftest.chromium_path
browser_type_launch_args = browser_conftest.browser_type_launch_args
nu_checker = browser_conftest.nu_checker

JOURNEYS_DIR = Path(__file__).resolve().parent
PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
DEVICES = {"phone": PHONE, "desktop": DESKTOP}
LOCALES = {"nl": "nl-BE", "fr": "fr-BE"}
# English phrases seen on Dutch and French pages (a person sees these at once; axe does not):
# Django 6's empty choice of a select.
ENGLISH_LEAKS = ["Select an option"]


def squash(text):
    """Runs of white space as one space, the way a reader sees them. Not str.split(): French
    puts a no-break space before ":" and "?", and the translations to compare with have it."""
    return re.sub(r"[ \t\r\n\f]+", " ", text).strip(" ")


def pytest_collection_modifyitems(config, items):
    # Journeys drive Chromium: the suite's browser selection (and its exclusion) takes them.
    for item in items:
        if JOURNEYS_DIR in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def tr(language, msgid, **values):
    """The text a person reading `language` sees for a source string."""
    with translation.override(language):
        text = gettext(msgid)
    return text % values if values else text


def trp(language, context, msgid):
    """The same, for a source string with a context (pgettext)."""
    with translation.override(language):
        return pgettext(context, msgid)


def run_the_worker():
    """The e-mails of a request and the messages are sent by the worker, as on a real site."""
    call_command("worker", "--until-empty")


class Mail:
    """The mail server every e-mail of the site goes to, read as each person's mail program."""

    def __init__(self, sink, base_url):
        self.sink = sink
        self.base_url = base_url

    def to(self, address):
        """Every e-mail received for `address`, oldest first."""
        return [
            received.message for received in self.sink.envelopes if address in received.rcpt_tos
        ]

    def newest(self, address, subject=None):
        # A long subject may be folded right after "Subject:"; unfolded, that leaves the one
        # space a mail program drops too.
        received = self.to(address)
        subjects = [m["Subject"].strip() for m in received]
        found = [m for m in received if subject is None or m["Subject"].strip() == subject]
        assert found, f"no e-mail {subject!r} to {address}; received: {subjects}"
        return found[-1]

    @staticmethod
    def text(message):
        return message.get_body(("plain",)).get_content().replace("\r\n", "\n")

    def link(self, message, path_pattern):
        """The path of the one link of the e-mail's text whose path matches `path_pattern`."""
        text = self.text(message)
        paths = [
            urlsplit(url)._replace(scheme="", netloc="").geturl()
            for url in re.findall(re.escape(self.base_url) + r"/\S+", text)
        ]
        matching = sorted({path for path in paths if re.fullmatch(path_pattern, path)})
        assert len(matching) == 1, f"links matching {path_pattern} in:\n{text}"
        return matching[0]


class Person:
    """One person's browser: every page they reach is checked."""

    def __init__(self, journey, context, device):
        self.journey = journey
        self.context = context
        self.device = device
        self.page = context.new_page()
        self.document = None
        self.page.on("response", self._remember)

    def _remember(self, response):
        if response.request.resource_type == "document" and response.frame == self.page.main_frame:
            self.document = response

    def goto(self, path):
        self.page.goto(self.journey.url + path)

    def check(self, h1, status=200):
        """The page shows this main heading; the Nu checker, axe and (on the phone) the reflow
        check find nothing. What they find is noted and fails the journey at its end, so that
        one run shows every page's problems and walks on to check the steps after them."""
        page = self.page
        page.wait_for_load_state()
        assert self.document is not None, page.url
        assert self.document.status == status, f"{page.url} answered {self.document.status}"
        assert page.locator("h1").inner_text() == h1, page.url
        where = f"{self.device}, {page.url.removeprefix(self.journey.url)}"
        errors = nu_errors(self.journey.nu_checker.check(self.document.text()))
        if errors:
            self.journey.problems.append(f"Nu HTML checker ({where}): " + "; ".join(errors))
        violations = axe_violations(page)
        if violations:
            self.journey.problems.append(f"axe ({where}): " + "; ".join(violations))
        html = self.document.text()
        leaks = [phrase for phrase in ENGLISH_LEAKS if phrase in html]
        if leaks and self.journey.language != "en":
            self.journey.problems.append(
                f"English on a {self.journey.language} page ({where}): {leaks}"
            )
        if self.device == "phone":
            overflow = horizontal_overflow(page)
            if overflow:
                self.journey.problems.append(f"reflow ({where}): {overflow} px wider than 360 px")
        self.journey.screenshot(page)

    def submit(self, locator, path):
        """Press the button (or link) and land on `path`; else fail with what the page says
        instead (an error on the form, a refusal)."""
        with self.page.expect_navigation():
            locator.click()
        self.page.wait_for_load_state()
        landed = self.page.url.removeprefix(self.journey.url)
        assert landed == path, (
            f"expected {path} after pressing {locator}, but the page is {landed} "
            f"(HTTP {self.document.status}) and says:\n{self.main_text()}"
        )

    def main_text(self):
        return squash(self.page.locator("main").inner_text())

    def log_in(self, user, second_factor=False):
        """The session of `user`, as if they had just logged in with password and second
        factor, as tests/browser do (accepting an invitation, choosing a password and
        setting up the second factor are walked in journey 3)."""
        if second_factor:
            from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

            TOTP.activate(user, generate_totp_secret())
        client = Client()
        client.force_login(user)
        mark_recently_authenticated(client.session, user)
        session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        self.context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": session,
                    "url": self.journey.url,
                }
            ]
        )


class Journey:
    def __init__(self, browser, live_server, nu_checker, mail, language, device):
        self.browser = browser
        self.url = live_server.url
        self.nu_checker = nu_checker
        self.mail = mail
        self.language = language
        self.device = device
        self.contexts = []
        # What the page checks found, by page (see Person.check).
        self.problems = []
        self.pages_checked = 0

    @property
    def native_name(self):
        """The language's name as the language switcher shows it ("Français")."""
        return dict(django_settings.LANGUAGES)[self.language]

    def t(self, msgid, **values):
        return tr(self.language, msgid, **values)

    def person(self, device=None, language=None):
        """A new browser (a person's own device), in the journey's language and device."""
        device = device or self.device
        context = self.browser.new_context(
            viewport=DEVICES[device],
            locale=LOCALES[language or self.language],
            timezone_id="Europe/Brussels",
        )
        self.contexts.append(context)
        return Person(self, context, device)

    def expect(self, condition, problem):
        """Note `problem` unless `condition` holds; the journey walks on and fails at its end."""
        if not condition:
            self.problems.append(problem)

    def assert_pages_passed(self):
        """Every page visited passed the Nu checker, axe and, on the phone, the reflow check."""
        assert not self.problems, "Problems on the pages visited:\n" + "\n".join(
            dict.fromkeys(self.problems)
        )

    def screenshot(self, page):
        """Save the page, when JOURNEY_SCREENSHOTS names a folder."""
        self.pages_checked += 1
        folder = os.environ.get("JOURNEY_SCREENSHOTS")
        if folder:
            path = re.sub(r"[^a-z0-9]+", "-", urlsplit(page.url).path.lower()).strip("-")[:60]
            name = f"{self.language}-{self.device}-{self.pages_checked:02d}-{path}.png"
            page.screenshot(path=str(Path(folder) / name), full_page=True)

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and used second-factor codes live in the cache, which the live server shares
    with the test process and which outlives a test's database: start and leave it empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def mail_sink(settings, live_server):
    """Every e-mail of the site goes over SMTP to a local aiosmtpd server; links point to the
    live server."""
    sink = SmtpSink().start()
    settings.MAILERS = sink.mailers()
    settings.BASE_URL = live_server.url
    yield Mail(sink, live_server.url)
    sink.stop()


@pytest.fixture
def journey_factory(browser, live_server, nu_checker, mail_sink):
    journeys = []

    def make(language, device):
        journey = Journey(browser, live_server, nu_checker, mail_sink, language, device)
        journeys.append(journey)
        return journey

    yield make
    for journey in journeys:
        journey.close()
