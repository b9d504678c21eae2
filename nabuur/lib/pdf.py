"""HTML to PDF, the one way every document of Nabuur takes: charter, evaluation, letters.

WeasyPrint does the work. What it would otherwise redo for every document is done once per
process: the import itself (about two seconds: Pango, fontconfig), the font configuration, the
print stylesheet (templates/documents/print.css) and the URL fetcher. The fetcher refuses every
URL but `data:`: a document carries its images inside (the zone's logo), and a message body on
a letter that names an image on another server must not make the server fetch it.

The fonts are the machine's own (DejaVu, Liberation on Debian): nothing is downloaded.
"""

import base64
import functools

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

# The logo formats the zone's look page accepts (no SVG: it could carry scripts and links);
# any other stored type falls back to the zone's name.
LOGO_TYPES = {"image/png", "image/jpeg"}


@functools.cache
def _engine():
    """WeasyPrint's classes, its font configuration, the parsed stylesheet and the fetcher, once
    per process. Imported here, not at the top: only the processes that draw a PDF pay."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    fonts = FontConfiguration()
    fetcher = URLFetcher(allowed_protocols={"data"})
    stylesheet = CSS(
        string=render_to_string("documents/print.css"), font_config=fonts, url_fetcher=fetcher
    )
    return HTML, fonts, stylesheet, fetcher


def prepare():
    """Import WeasyPrint and parse the stylesheet now rather than in the first PDF request:
    the import is most of a cold render (about 2 s of CPU), a server's worker can pay it when
    it starts (gunicorn's post_worker_init)."""
    _engine()


def render(html):
    """The PDF bytes of `html` (a whole document using the classes of documents/print.css),
    tagged for screen readers."""
    html_class, fonts, stylesheet, fetcher = _engine()
    document = html_class(string=html, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[stylesheet], font_config=fonts, pdf_tags=True)


def data_uri(data, content_type):
    """`data` as a data: URI, the only kind of URL a document may hold."""
    return f"data:{content_type};base64,{base64.b64encode(bytes(data)).decode('ascii')}"


def letterhead(zone):
    """What the header and footer of a document show of the police zone (a
    zones.models.Zone): its logo as a data: URI (None when it has none, the header then shows
    its name in its colour), its colour, and its contact details on one line."""
    logo = None
    if zone.logo and zone.logo_content_type in LOGO_TYPES:
        logo = data_uri(zone.logo, zone.logo_content_type)
    contact = [zone.name, " ".join(zone.postal_address.split()), zone.phone, zone.email]
    return {
        "zone": zone,
        "logo": logo,
        "colour": zone.theme_colour or "#123c69",
        "contact": " · ".join(part for part in contact if part),
    }


def page_numbers():
    """The words around the page numbers in the active language ("Page 2 of 5"), split for the
    page footer of documents/print.css: {"before", "between", "after"}."""
    marker = "\x00"
    words = _("Page %(page)s of %(pages)s") % {"page": marker, "pages": marker}
    before, between, after = [*words.split(marker), "", ""][:3]
    return {"before": before, "between": between, "after": after}
