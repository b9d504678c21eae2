"""The e-mail staff receive when a message changes state (approval asked, forwarded, …)."""

from nabuur.lib.mail import absolute_url, recipient_language, send_email
from nabuur.zones.site import links_to

from .models import variant_in


def notify_state(message, state, person, note):
    if not person or not person.email:
        return
    language = recipient_language(person, staff=True)
    variant = variant_in(message.variants.order_by("pk"), language)
    target = message.targets.select_related("municipality__zone").order_by("pk").first()
    # The notice gives the numbers of the zone of the message's first BIN, as its footer does,
    # and the link leads to its site (a scheduled message is queued by the worker, a script's
    # by `nabuur send_message`).
    zone = target.municipality.zone if target else None
    with links_to(zone):
        context = {
            "message": message,
            "state": state,
            "note": note,
            "person": person,
            "subject_line": variant.subject if variant else "",
            "url": absolute_url(language, "messaging_staff:detail", message.pk),
            "zone": zone,
        }
        send_email("messaging/state_changed", person.email, language, context)
