"""Messages on paper, for members without an e-mail address (added by hand by a coordinator).

One PDF per message, one page per such member in their language, the address placed for a DL
envelope with its window on the left (20 mm from the left edge, 45 mm from the top).
"""

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation

from nabuur.audit.services import record
from nabuur.lib import clock
from nabuur.members.emails import person_language
from nabuur.members.models import Membership, MembershipStatus


def letter_recipients(message, networks):
    """The active members without an e-mail address, one per person, in those of the message's
    BINs that are among `networks` (the BINs whose member list the person may see)."""
    memberships = (
        Membership.objects.filter(
            Q(user__email__isnull=True) | Q(user__email=""),
            network__in=[n for n in message.targets.all() if n in networks],
            status=MembershipStatus.ACTIVE,
            user__is_active=True,
        )
        .select_related("user", "street__municipality", "network__municipality__zone")
        .order_by("street__name_nl", "house_number", "house_number_suffix", "box", "pk")
    )
    seen = set()
    people = []
    for membership in memberships:
        if membership.user_id not in seen:
            seen.add(membership.user_id)
            people.append(membership)
    return people


def letters_pdf(message, actor, networks):
    """The letters of `message` as PDF bytes (None when nobody receives it on paper)."""
    from weasyprint import HTML

    recipients = letter_recipients(message, networks)
    if not recipients:
        return None
    variants = {variant.language: variant for variant in message.variants.all()}
    pages = []
    for membership in recipients:
        language = person_language(membership.user, membership.network)
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
        target=message,
        subjects=[membership.user_id for membership in recipients],
        details={"pages": len(recipients)},
    )
    return pdf
