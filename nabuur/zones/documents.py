"""Publish a zone's privacy notice and house rules as versioned Documents.

A member accepts one version of the house rules; that text must never change afterwards. So
publishing renders the document in every language from the zone's current settings and stores
a new version only when some text differs from the current version's.
"""

from urllib.parse import urlsplit

import nh3
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Document, DocumentKind, Zone

DOCUMENT_LANGUAGES = ("nl", "fr", "de", "en")
DOCUMENT_TEMPLATES = {
    DocumentKind.PRIVACY_NOTICE: "documents/privacy_notice.html",
    DocumentKind.HOUSE_RULES: "documents/house_rules.html",
}
# What a document may contain: structure, emphasis and links. No style, no script, no images.
ALLOWED_TAGS = {"h2", "h3", "p", "ul", "ol", "li", "strong", "em", "a", "br", "abbr"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "abbr": {"title"}, "h2": {"id"}, "h3": {"id"}}


def clean_html(html: str) -> str:
    """Sanitize rendered HTML and drop blank lines, so equal texts compare equal."""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"https", "mailto", "tel"},
        link_rel=None,
    )
    lines = (line.strip() for line in cleaned.splitlines())
    return "\n".join(line for line in lines if line)


def tile_host(url_template: str) -> str:
    """The host a map tile URL template sends visitors to, as a reader knows it:
    'https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png' → 'tile.openstreetmap.org'."""
    return urlsplit(url_template).netloc.removeprefix("{s}.") if url_template else ""


def render_bodies(zone: Zone, kind: str) -> dict[str, str]:
    """The document's sanitized HTML in each language, keyed `body_<lang>`."""
    bodies = {}
    for language in DOCUMENT_LANGUAGES:
        with translation.override(language):
            html = render_to_string(
                DOCUMENT_TEMPLATES[kind],
                {"zone": zone, "map_tile_host": tile_host(zone.map_tile_url)},
            )
        bodies[f"body_{language}"] = clean_html(html)
    return bodies


def publish(zone: Zone, kind: str) -> Document:
    """Store the rendered document as a new version unless it equals the current one.

    Returns the current version: the new one, or the unchanged existing one.
    """
    bodies = render_bodies(zone, kind)
    with transaction.atomic():
        # Lock the zone so two publishers cannot both create the same next version.
        Zone.objects.select_for_update().filter(pk=zone.pk).first()
        current = Document.objects.filter(zone=zone, kind=kind).order_by("-version").first()
        if current is not None and all(
            getattr(current, field) == body for field, body in bodies.items()
        ):
            return current
        return Document.objects.create(
            zone=zone,
            kind=kind,
            version=current.version + 1 if current else 1,
            published_at=timezone.now(),
            **bodies,
        )


def publish_privacy_notice(zone: Zone) -> Document:
    """Publish the zone's privacy notice (a new version only when its text changed)."""
    return publish(zone, DocumentKind.PRIVACY_NOTICE)


def publish_house_rules(zone: Zone) -> Document:
    """Publish the zone's house rules (a new version only when their text changed)."""
    return publish(zone, DocumentKind.HOUSE_RULES)
