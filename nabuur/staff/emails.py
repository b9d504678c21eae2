"""E-mails to staff about their own role. Template triplets under templates/emails/staff/."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from nabuur.lib.languages import PUBLIC_LANGUAGES


def _language(user):
    return user.language if user.language in PUBLIC_LANGUAGES else settings.LANGUAGE_CODE


def _send(kind, user, context):
    language = _language(user)
    with translation.override(language):
        context = {
            **context,
            "user": user,
            "language": language,
            "dashboard_url": settings.BASE_URL + reverse("staff:dashboard"),
        }
        subject = render_to_string(f"emails/staff/{kind}.subject.txt", context)
        text = render_to_string(f"emails/staff/{kind}.txt", context)
        html = render_to_string(f"emails/staff/{kind}.html", context)
    message = EmailMultiAlternatives(" ".join(subject.split()), text, to=[user.email])
    message.attach_alternative(html, "text/html")
    message.send()


def send_screening_positive(assignment):
    """The coordinator's police screening is positive: their role opens once they confirm."""
    _send(
        "screening_positive",
        assignment.user,
        {"assignment": assignment, "scope": str(assignment.scope)},
    )
