"""Colour arithmetic for the zone's theme: WCAG 2.1 contrast, and a readable text colour.

WCAG 2.1 (1.4.3) asks 4.5:1 between normal text and its background. The zone's main colour is
the background of the page header and the buttons, with white text on it, and the colour of
headings on white: so it must reach 4.5:1 against white.
"""

import re

MIN_CONTRAST = 4.5
WHITE = "#ffffff"
# The darkest text the theme uses (static/css/nabuur.css, --nabuur-ink).
INK = "#1b2430"
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _channels(colour):
    if not HEX_COLOUR.match(colour or ""):
        raise ValueError(f"Not a colour as # and six hex digits: {colour!r}")
    return [int(colour[i : i + 2], 16) for i in (1, 3, 5)]


def relative_luminance(colour):
    """The WCAG 2.1 relative luminance of a "#rrggbb" colour, 0 (black) to 1 (white)."""

    def linear(channel):
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in _channels(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first, second):
    """The WCAG contrast ratio of two colours, from 1 (equal) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(background):
    """White or the theme's ink, whichever reads better on `background`."""
    return max((WHITE, INK), key=lambda text: contrast_ratio(text, background))


def mix(colour, other, share):
    """`colour` with `share` (0 to 1) of `other` mixed in, as "#rrggbb"."""
    mixed = [
        round(a * (1 - share) + b * share)
        for a, b in zip(_channels(colour), _channels(other), strict=True)
    ]
    return "#" + "".join(f"{channel:02x}" for channel in mixed)


def readable_on_white(colour):
    """`colour` if it reaches 4.5:1 against white, else the least darkened shade that does.

    The look form refuses such a colour; this guards the pages against one saved another way
    (the admin, a data migration).
    """
    original = colour.lower()
    for step in range(21):
        candidate = mix(original, "#000000", step / 20)
        if contrast_ratio(candidate, WHITE) >= MIN_CONTRAST:
            return candidate
    return "#000000"
