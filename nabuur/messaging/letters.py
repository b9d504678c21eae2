"""Messages on paper, for members without an e-mail address (added by hand by a coordinator).

Who gets a letter is decided with everyone else in recipients.py.

One PDF per message, one page per such member in their language, the address placed for a DL
envelope with its window on the left (20 mm from the left edge, 45 mm from the top).
"""

from django.template.loader import render_to_string
from django.utils import translation

from nabuur.lib import clock
from nabuur.lib.mail import recipient_language
from nabuur.staff.auditing import record
from nabuur.staff.permissions import Capability

from .recipients import letter_recipients


def letters_pdf(message, actor, networks):
    """The letters of `message` to the members of `networks` (the BINs whose member list
    `actor` may see) as PDF bytes; None when none of them receives it on paper."""
    # WeasyPrint takes over a second to import (Pango, fonts): only this page pays for it.
    from weasyprint import HTML

    recipients = letter_recipients(message, networks)
    if not recipients:
        return None
    variants = {variant.language: variant for variant in message.variants.all()}
    pages = []
    for membership in recipients:
        language = recipient_language(membership.user, membership.network)
        variant = variants.get(language) or next(iter(variants.values()))
        with translation.override(language):
            pages.append(
                render_to_string(
                    "messaging/staff/letter_page.html",
                    {
                        "membership": membership,
                        "network": membership.network,
                        "zone": membership.network.municipality.zone,
                        "variant": variant,
                        "language": language,
                        "date": clock.today(),
                    },
                )
            )
    html = render_to_string("messaging/staff/letters.html", {"pages": pages, "message": message})
    pdf = HTML(string=html).write_pdf(pdf_tags=True)
    record(
        actor,
        "messaging.letters",
        place=recipients[0].network,
        capability=Capability.VIEW_MEMBERS,
        target=message,
        subjects=[membership.user_id for membership in recipients],
        details={"pages": len(recipients)},
    )
    return pdf
