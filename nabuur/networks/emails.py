"""E-mails to members about their BIN itself: it stopped, or it merged into another.

Template triplets under templates/emails/networks/, rendered in the member's language.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from nabuur.members.emails import absolute_url, person_language


def _send(kind, to, language, context):
    context = {**context, "language": language, "base_url": settings.BASE_URL}
    with translation.override(language):
        subject = render_to_string(f"emails/networks/{kind}.subject.txt", context)
        text = render_to_string(f"emails/networks/{kind}.txt", context)
        html = render_to_string(f"emails/networks/{kind}.html", context)
    message = EmailMultiAlternatives(" ".join(subject.split()), text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def send_network_stopped(membership, network, reason=""):
    """The member's BIN stopped; their membership ended with it."""
    language = person_language(membership.user, network)
    context = {
        "user": membership.user,
        "network": network,
        "reason": reason,
        "find_url": absolute_url(language, "public:find"),
    }
    _send("stopped", membership.user.email, language, context)


def send_network_merged(membership, source):
    """The member's BIN merged into another; they are now a member of that one."""
    language = person_language(membership.user, membership.network)
    context = {"user": membership.user, "source": source, "network": membership.network}
    _send("merged", membership.user.email, language, context)
