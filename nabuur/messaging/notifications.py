"""The e-mail staff receive when a message changes state (approval asked, forwarded, …)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from nabuur.lib.languages import STAFF_LANGUAGES


def notify_state(message, state, person, note):
    if not person or not person.email:
        return
    language = person.language if person.language in STAFF_LANGUAGES else settings.LANGUAGE_CODE
    variant = message.variants.first()
    context = {
        "message": message,
        "state": state,
        "note": note,
        "person": person,
        "subject_line": variant.subject if variant else "",
        "base_url": settings.BASE_URL,
        "message_path": f"/{language}/staff/messages/{message.pk}/",
    }
    with translation.override(language):
        subject = render_to_string("emails/messaging/state_changed.subject.txt", context)
        text = render_to_string("emails/messaging/state_changed.txt", context)
        html = render_to_string("emails/messaging/state_changed.html", context)
    mail = EmailMultiAlternatives(" ".join(subject.split()), text, to=[person.email])
    mail.attach_alternative(html, "text/html")
    mail.send()
