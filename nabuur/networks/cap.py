"""The hand-off to BE-Alert: an OASIS CAP 1.2 alert for the area of one or several BINs.

Nabuur stays out of urgent alerting; the police hand this file to BE-Alert (or another alerting
system that reads CAP), so nobody draws the BIN's area again. The alert holds one <info> per
language the BINs' municipalities require, and one <area> whose <polygon>s are the outer rings
of the BINs' areas (networks.areas). CAP writes "latitude,longitude", the reverse of GeoJSON,
and has no holes: an area with a hole is handed over whole, which alerts a little more widely.

Built with xml.etree.ElementTree, so every text is escaped; the tests validate the result
against the vendored schema (tests/data/cap/CAP-v1.2.xsd).
"""

import hashlib
import json
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from nabuur.lib import clock
from nabuur.lib.languages import PUBLIC_LANGUAGES, regime_languages, union_languages
from nabuur.staff.auditing import record
from nabuur.staff.permissions import Capability

NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
# CAP's <language> is an RFC 3066 tag: the Belgian variant of each language.
CAP_LANGUAGES = {"nl": "nl-BE", "fr": "fr-BE", "de": "de-BE"}
# Characters XML 1.0 cannot carry, not even escaped: ElementTree would write a broken file.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Belgian time, written with its offset: CAP forbids "Z" and "-00:00".
BRUSSELS = ZoneInfo("Europe/Brussels")

# Who may build the file: the BIN's officers and the zone's administrators.
EXPORT_CAPABILITY = Capability.EXPORT_ALERTS


class Urgency:
    CHOICES = ("Immediate", "Expected", "Future", "Past", "Unknown")
    # An alert handed to BE-Alert calls for action now.
    DEFAULT = "Immediate"


class Severity:
    CHOICES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
    # A threat to property or people in the neighbourhood, not (yet) to life on a large scale.
    DEFAULT = "Moderate"


class Certainty:
    CHOICES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
    DEFAULT = "Likely"


class CapError(Exception):
    """The alert cannot be built: the message says why, in the active language."""


@dataclass(frozen=True)
class Text:
    headline: str
    description: str


@dataclass(frozen=True)
class Alert:
    identifier: str
    xml: bytes

    @property
    def filename(self):
        return f"{self.identifier}.xml"


def required_languages(networks):
    """The languages the BINs' municipalities require, in the order nl, fr, de."""
    return union_languages({network.municipality.language_regime for network in networks})


def first_language(networks):
    """The first language of the first BIN's municipality: a text without a language is in it."""
    return regime_languages(networks[0].municipality.language_regime)[0]


def check(networks, texts):
    """Raise CapError unless an alert can be built for `networks` with `texts` ({lang: Text})."""
    if not networks:
        raise CapError(_("Choose at least one BIN."))
    without_area = [network.name for network in networks if not network.area]
    if without_area:
        raise CapError(
            _("These BINs have no area yet: %(names)s. Add street segments first.")
            % {"names": ", ".join(without_area)}
        )
    if len({network.municipality.zone_id for network in networks}) > 1:
        raise CapError(_("Choose BINs of one police zone: each zone sends its own alerts."))
    unknown = sorted(set(texts) - set(PUBLIC_LANGUAGES))
    if unknown:
        raise CapError(
            _("Nabuur writes alerts in Dutch, French and German, not in: %(codes)s.")
            % {"codes": ", ".join(unknown)}
        )
    missing = [lang for lang in required_languages(networks) if lang not in texts]
    if missing:
        raise CapError(
            _("The area's language law requires a headline and a description in: %(languages)s.")
            % {"languages": ", ".join(_language_name(lang) for lang in missing)}
        )
    for lang, text in texts.items():
        if not text.headline.strip() or not text.description.strip():
            raise CapError(
                _("Give both a headline and a description in %(language)s.")
                % {"language": _language_name(lang)}
            )
        if NOT_IN_XML.search(text.headline + text.description):
            raise CapError(
                _("Remove the control characters from the text in %(language)s.")
                % {"language": _language_name(lang)}
            )


def _language_name(code):
    return str(translation.get_language_info(code)["name_translated"])


def polygons(network):
    """The BIN's area as CAP polygons: one per outer ring, "lat,lon" pairs, first = last."""
    geometry = json.loads(network.area)
    parts = [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        parts = geometry["coordinates"]
    result = []
    for rings in parts:
        ring = list(rings[0])
        if ring[0] != ring[-1]:
            ring.append(ring[0])
        result.append(" ".join(f"{latitude:.6f},{longitude:.6f}" for longitude, latitude in ring))
    return result


def sent_at(moment=None):
    """`moment` (now by default) in Belgian time to the second, as CAP writes it."""
    moment = (moment or clock.now()).astimezone(BRUSSELS).replace(microsecond=0)
    return moment.isoformat()


def build_alert(
    networks,
    texts,
    *,
    exercise=False,
    urgency=Urgency.DEFAULT,
    severity=Severity.DEFAULT,
    certainty=Certainty.DEFAULT,
):
    """The CAP 1.2 alert for the areas of `networks` (BINs of one zone) as an Alert.

    `texts` maps a language code to its Text; check() must accept them. One <info> per
    language, in the order nl, fr, de.
    """
    check(networks, texts)
    if urgency not in Urgency.CHOICES:
        raise ValueError(f"Not a CAP urgency: {urgency}")
    if severity not in Severity.CHOICES:
        raise ValueError(f"Not a CAP severity: {severity}")
    if certainty not in Certainty.CHOICES:
        raise ValueError(f"Not a CAP certainty: {certainty}")
    zone = networks[0].municipality.zone
    sent = sent_at()
    # Unique per sender, without the spaces, commas, "<" and "&" that CAP forbids.
    identifier = f"nabuur-{zone.slug}-{sent[:19].replace(':', '').replace('-', '')}-"
    identifier += uuid.uuid4().hex[:12]

    alert = ET.Element(f"{{{NAMESPACE}}}alert")
    _add(alert, "identifier", identifier)
    _add(alert, "sender", zone.email)
    _add(alert, "sent", sent)
    _add(alert, "status", "Exercise" if exercise else "Actual")
    _add(alert, "msgType", "Alert")
    _add(alert, "scope", "Public")
    area_description = ", ".join(network.name for network in networks)
    area_polygons = [polygon for network in networks for polygon in polygons(network)]
    for lang in (lang for lang in PUBLIC_LANGUAGES if lang in texts):
        info = ET.SubElement(alert, f"{{{NAMESPACE}}}info")
        _add(info, "language", CAP_LANGUAGES[lang])
        _add(info, "category", "Security")
        with translation.override(lang):
            _add(info, "event", pgettext("CAP event", "Police alert"))
        _add(info, "urgency", urgency)
        _add(info, "severity", severity)
        _add(info, "certainty", certainty)
        _add(info, "senderName", zone.name)
        _add(info, "headline", texts[lang].headline.strip())
        _add(info, "description", texts[lang].description.strip())
        area = ET.SubElement(info, f"{{{NAMESPACE}}}area")
        _add(area, "areaDesc", area_description)
        for polygon in area_polygons:
            _add(area, "polygon", polygon)
    ET.indent(alert)
    xml = ET.tostring(alert, encoding="UTF-8", xml_declaration=True, default_namespace=NAMESPACE)
    return Alert(identifier=identifier, xml=xml + b"\n")


def _add(parent, name, text):
    element = ET.SubElement(parent, f"{{{NAMESPACE}}}{name}")
    element.text = text
    return element


def export_alert(actor, networks, texts, *, role=None, **options):
    """Build the alert (see build_alert) and write its audit entry; return the Alert.

    `actor` is the person who exports it, or None for the `nabuur export_cap` command (then
    `role` is "system"). The entry keeps the identifier, the BINs, the options and a hash of
    the file, not its texts: a description may name people.
    """
    alert = build_alert(networks, texts, **options)
    record(
        actor,
        "networks.cap_exported",
        place=networks[0],
        target=networks[0],
        capability=EXPORT_CAPABILITY,
        role=role,
        details={
            "identifier": alert.identifier,
            "bins": [network.slug for network in networks],
            "languages": [lang for lang in PUBLIC_LANGUAGES if lang in texts],
            "status": "Exercise" if options.get("exercise") else "Actual",
            "urgency": options.get("urgency", Urgency.DEFAULT),
            "severity": options.get("severity", Severity.DEFAULT),
            "certainty": options.get("certainty", Certainty.DEFAULT),
            "sha256": hashlib.sha256(alert.xml).hexdigest(),
        },
    )
    return alert
