"""Every page of tests/pages.py in Chromium, as a person sees it (issue 15, "Checks that must
exist"): a screenshot at 1280×800 and at 360×640 in Dutch, the public pages in French too; no
page wider than its viewport; axe and the Nu HTML checker at zero.

Each page is shown once, as the least powerful persona who gets it (tests.pages.main_persona):
one browser, one context per persona. The screenshots go to $JOURNEY_SCREENSHOTS (or a
temporary directory), named <language>-<viewport>-<persona>-<url name>.png, to be looked at.
All problems of all pages are reported together.
"""

import os
import re
from pathlib import Path

import pytest

from tests import pages

from .helpers import axe_violations, horizontal_overflow, nu_errors
from .test_resident_path import log_in_browser

# The start pages, which differ for each kind of person: shown as every persona who gets them.
EACH_PERSONA = {"staff:dashboard", "networks:list", "messaging_staff:list", "evaluation:index"}
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 640}}


@pytest.fixture
def screenshots(tmp_path):
    folder = Path(os.environ.get("JOURNEY_SCREENSHOTS") or tmp_path) / "every-page"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _look_at(page, name, url, shot, checks):
    """Open `url` at each viewport and take its screenshots: what is wrong, as lines."""
    problems = []
    for label, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        response = page.goto(url)
        if response.status != 200:
            if response.status in pages.allowed_statuses(name):
                return []
            return [f"{url}: HTTP {response.status}"]
        if not response.headers.get("content-type", "").startswith("text/html"):
            return [f"{url}: not a page: add {name} to tests/pages.py NOT_PAGES"]
        page.screenshot(path=shot.with_name(f"{shot.stem}-{label}.png"), full_page=True)
        if overflow := horizontal_overflow(page):
            problems.append(f"{label}: {overflow} px wider than the viewport")
    # axe and Nu once, on the phone: the markup is the same at both sizes.
    problems += [f"Nu: {error}" for error in checks["nu"](page.content())]
    problems += [f"axe: {violation}" for violation in axe_violations(page)]
    return [f"{url}: {problem}" for problem in problems]


def test_every_page_fits_and_passes_axe_and_nu(
    request, transactional_db, browser, live_server, nu_checker, screenshots
):
    checks = {"nu": lambda html: nu_errors(nu_checker.check(html))}
    problems, seen = [], 0
    for persona in pages.PERSONAS:
        mine = {
            name
            for name in pages.page_names(persona)
            if name in EACH_PERSONA or pages.main_persona(name) == persona
        }
        if not mine:
            continue
        context = browser.new_context(locale="nl-BE", timezone_id="Europe/Brussels")
        if persona != "anonymous":
            user = request.getfixturevalue(persona)
            log_in_browser(context, live_server, user, second_factor=user.roles.exists())
        page = context.new_page()
        found = pages.pages(request, persona, "nl", names=mine, with_data=persona == "anonymous")
        wanted = [("nl", name, path) for name, path in found]
        if persona == "anonymous":
            # The public pages in French too: the same rows, the French address of each.
            wanted += [("fr", name, re.sub(r"^/nl/", "/fr/", path)) for name, path in found]
        for language, name, path in wanted:
            seen += 1
            shot = screenshots / f"{language}-{persona}-{name.replace(':', '-')}.png"
            problems += _look_at(page, name, live_server.url + path, shot, checks)
        context.close()
    assert seen, "no page was looked at"
    assert problems == [], f"{len(problems)} problems on {seen} pages:\n" + "\n".join(problems)
