"""The small Markdown subset of the editor: paragraphs, bold, lists and links.

`render_html` gives sanitized HTML (nh3 with a short allowlist, so whatever else the author
types — raw HTML, images, headings — never reaches the e-mail as markup); `render_text` gives
the plain-text part that says the same thing, with each link written as "text (url)".

The editor's hint promises "links (https://…)": an address written out in the text, starting
with http:// or https://, becomes a link too, without the punctuation that ends its sentence.
"""

import re
import xml.etree.ElementTree as etree

import markdown as md
import nh3
from markdown.inlinepatterns import InlineProcessor

ALLOWED_TAGS = {"p", "strong", "b", "ul", "ol", "li", "a", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


# An address ends at white space, quotes, angle brackets or Markdown's own placeholders
# (\x02…\x03), so nothing the author types around it can reach the link's attribute.
BARE_URL = r"(?<![\w/@.:+-])https?://[^\s<>\"'`\x02\x03]+"
TRAILING = ".,;:!?*_"


class BareLinkProcessor(InlineProcessor):
    """A bare http(s) address as a link to itself (never inside a link the author wrote)."""

    ANCESTOR_EXCLUDES = ("a",)

    def handleMatch(self, match, data):
        url = match.group(0)
        # Sentence punctuation and a closing bracket that opened before the address are not
        # part of it: "(see https://example.org/a_(b))." links to …/a_(b).
        while url and (url[-1] in TRAILING or (url[-1] == ")" and url.count(")") > url.count("("))):
            url = url[:-1]
        if url.endswith("://"):
            return None, None, None
        link = etree.Element("a")
        link.set("href", url)
        link.text = md.util.AtomicString(url)
        return link, match.start(0), match.start(0) + len(url)


def _parser():
    parser = md.Markdown(extensions=[], output_format="html")
    # After Markdown's own links and <https://…> autolinks, before bold and entities.
    parser.inlinePatterns.register(BareLinkProcessor(BARE_URL, parser), "bare_link", 115)
    for name in ("hashheader", "setextheader", "quote", "code", "hr"):
        if name in parser.parser.blockprocessors:
            parser.parser.blockprocessors.deregister(name)
    for name in ("html", "image_link", "image_reference", "short_image_ref", "backtick"):
        if name in parser.inlinePatterns:
            parser.inlinePatterns.deregister(name)
    if "html_block" in parser.preprocessors:
        parser.preprocessors.deregister("html_block")
    return parser


def render_html(source: str) -> str:
    """Sanitized HTML of the subset: p, strong, ul/ol/li, a href (http, https, mailto, tel)."""
    html = _parser().convert(source.replace("\r\n", "\n"))
    # Single-asterisk emphasis is not in the subset: keep the words, drop the italics.
    html = re.sub(r"</?em>", "", html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    ).strip()


_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_EMPHASIS = re.compile(r"(?<![*\w])\*(?!\s)([^*]+?)\*(?![*\w])")
_BULLET = re.compile(r"^\s*[-*+]\s+")
_NUMBER = re.compile(r"^\s*(\d+)[.)]\s+")


def _link_text(match):
    text, url = match.group(1), match.group(2)
    # The HTML part drops such a link's target; the text part must not show it either.
    if url.split(":", 1)[0].lower() not in URL_SCHEMES and ":" in url:
        return text
    if text == url or url == f"mailto:{text}" or url == f"tel:{text}":
        return text
    return f"{text} ({url})"


def render_text(source: str) -> str:
    """The plain-text part: paragraphs kept, bold markers removed, links as "text (url)"."""
    paragraphs = re.split(r"\n\s*\n", source.replace("\r\n", "\n").strip())
    out = []
    for paragraph in paragraphs:
        lines = []
        for line in paragraph.split("\n"):
            line = _LINK.sub(_link_text, line)
            line = _BOLD.sub(lambda m: m.group(1) or m.group(2), line)
            line = _EMPHASIS.sub(r"\1", line).rstrip()
            if _BULLET.match(line):
                line = _BULLET.sub("- ", line)
            elif _NUMBER.match(line):
                line = _NUMBER.sub(lambda m: f"{m.group(1)}. ", line)
            else:
                line = line.strip()
            lines.append(line)
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"
