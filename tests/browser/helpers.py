"""Checks every browser test runs on the pages it visits.

They raise AssertionError with a plain message (not a pytest diff), so a crawl can collect the
failures of many pages into one report.
"""

from dataclasses import dataclass

from axe_playwright_python.sync_playwright import Axe

# WCAG 2.1 AA, the level Belgian public-sector sites must meet (EN 301 549).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
PHONE_VIEWPORT = {"width": 360, "height": 640}
# Browser zoom divides the viewport's CSS width by the zoom factor: a 1280×720 window at 200 %
# lays the page out in 640×360 CSS px. A viewport of that size reproduces the layout exactly;
# zooming with `document.body.style.zoom` would need an inline style, which our CSP forbids.
ZOOM_200_VIEWPORT = {"width": 640, "height": 360}

_axe = Axe()


def axe_violations(page):
    """One line per axe violation: id, help and the selectors of every element involved."""
    results = _axe.run(page, options=AXE_OPTIONS)
    lines = []
    for violation in results.response["violations"]:
        targets = ", ".join(
            " ".join(str(part) for part in node["target"]) for node in violation["nodes"]
        )
        lines.append(f"{violation['id']}: {violation['help']} [{targets}]")
    return lines


def assert_accessible(page):
    violations = axe_violations(page)
    if violations:
        raise AssertionError(f"axe violations on {page.url}:\n" + "\n".join(violations))


def nu_errors(messages):
    """The Nu checker's errors as lines; infos and warnings do not count."""
    return [
        f"line {message.get('lastLine', '?')}: {message['message']}"
        for message in messages
        if message["type"] in {"error", "non-document-error"}
    ]


def horizontal_overflow(page):
    """How many CSS px the page is wider than its viewport (0 when it fits)."""
    return page.evaluate(
        "Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth)"
    )


def assert_no_horizontal_scroll(page):
    """WCAG 1.4.10 Reflow: no sideways scrolling on a phone and at 200 % zoom.

    Leaves the page at the viewport it found.
    """
    original = page.viewport_size
    problems = []
    try:
        for label, viewport in (("360×640", PHONE_VIEWPORT), ("200 % zoom", ZOOM_200_VIEWPORT)):
            page.set_viewport_size(viewport)
            overflow = horizontal_overflow(page)
            if overflow:
                problems.append(f"{label}: {overflow} px wider than the viewport")
    finally:
        page.set_viewport_size(original)
    if problems:
        raise AssertionError(f"horizontal scroll on {page.url}: " + "; ".join(problems))


@dataclass(frozen=True)
class Focused:
    """The element that has keyboard focus after one Tab."""

    tag: str
    text: str
    href: str
    name: str
    # The focus indicator: :focus-visible matches and an outline or a box shadow is drawn.
    visible: bool

    def __str__(self):
        return f"<{self.tag}> {self.text or self.name or self.href}"


_DESCRIBE_FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== "none";
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.innerText || el.value || "").trim().replace(/\\s+/g, " "),
    href: el.getAttribute("href") || "",
    name: el.getAttribute("name") || el.getAttribute("aria-label") || "",
    visible: el.matches(":focus-visible") && (outline || shadow),
  };
}"""


def tab_through(page, limit=60):
    """Press Tab from the top of the page until focus leaves the page or comes round again.

    Returns the focused elements in order, each with whether its focus is visible.
    """
    focused = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        described = page.evaluate(_DESCRIBE_FOCUS)
        if described is None:
            break
        element = Focused(**described)
        if focused and element == focused[0]:
            break
        focused.append(element)
    return focused


def tab_to(page, matches, limit=60):
    """Press Tab until the focused element satisfies `matches(Focused)`; return it."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        described = page.evaluate(_DESCRIBE_FOCUS)
        if described is None:
            continue
        element = Focused(**described)
        if matches(element):
            return element
        seen.append(str(element))
    raise AssertionError(f"Tab never reached the wanted element on {page.url}; saw: {seen}")


def press_tab_to_and_enter(page, matches):
    """Tab to the element `matches` picks, check its focus is visible, press Enter."""
    element = tab_to(page, matches)
    assert element.visible, f"focus is not visible on {element}"
    page.keyboard.press("Enter")
    return element


def press_and_wait(page, matches):
    """press_tab_to_and_enter, for a link or button that loads another page."""
    with page.expect_navigation():
        return press_tab_to_and_enter(page, matches)


def check_page(page, assert_valid_html, heading):
    """The page has loaded with this h1, its HTML is valid and axe finds nothing."""
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == heading, page.url
    assert_valid_html(page.content(), where=page.url)
    assert_accessible(page)
