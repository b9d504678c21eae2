"""Messages on paper, for members without an e-mail address (added by hand by a coordinator).

Who gets a letter is decided with everyone else in recipients.py.

One PDF per message, one letter per such member in their language with the zone's letterhead,
the address placed for a DL envelope with its window on the left (20 mm from the left edge,
45 mm from the top); documents/print.css lays it out.
"""

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from nabuur.lib import clock, pdf
from nabuur.lib.mail import recipient_language
from nabuur.staff.auditing import record
from nabuur.staff.permissions import Capability

from .recipients import letter_recipients


def letters_pdf(message, actor, networks):
    """The letters of `message` to the members of `networks` (the BINs whose member list
    `actor` may see) as PDF bytes; None when none of them receives it on paper."""
    recipients = letter_recipients(message, networks)
    if not recipients:
        return None
    variants = {variant.language: variant for variant in message.variants.all()}
    heads = {}
    today = clock.today()
    pages = []
    for membership in recipients:
        network = membership.network
        zone = network.municipality.zone
        head = heads.setdefault(zone.pk, pdf.letterhead(zone))
        language = recipient_language(membership.user, network)
        variant = variants.get(language) or next(iter(variants.values()))
        with translation.override(language):
            pages.append(
                render_to_string(
                    "messaging/staff/letter_page.html",
                    {
                        "membership": membership,
                        "network": network,
                        "zone": zone,
                        "head": head,
                        "variant": variant,
                        "language": language,
                        "date": today,
                        "today": today,
                    },
                )
            )
    html = render_to_string(
        "documents/pdf.html",
        {
            "parts": pages,
            "title": _("Letters of message %(number)s") % {"number": message.pk},
            "language": translation.get_language(),
            "head": heads[recipients[0].network.municipality.zone_id],
            "body_class": "letters batch",
        },
    )
    document = pdf.render(html)
    record(
        actor,
        "messaging.letters",
        place=recipients[0].network,
        capability=Capability.VIEW_MEMBERS,
        target=message,
        subjects=[membership.user_id for membership in recipients],
        details={"pages": len(recipients)},
    )
    return document
