"""Sending one templated e-mail: the one way every app does it.

An e-mail is a template triplet under templates/emails/ — `<name>.subject.txt`, `<name>.txt`,
`<name>.html` — rendered in the recipient's language. The text and HTML extend
`emails/base.txt` and `emails/base.html`, which carry the notice every e-mail must carry
(101, 112, the 112 BE app; never report through this e-mail). They read the zone's numbers from
`zone` in the context, when the caller knows it.

Bulk messages to members are built elsewhere (nabuur.messaging.emails.render_message): they are
rendered once per language and personalised per recipient, and include the same notice.
"""

import re
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from . import clock
from .languages import PUBLIC_LANGUAGES, STAFF_LANGUAGES, languages_for_person


def recipient_language(person, network=None, *, staff=False) -> str:
    """The one language to write to `person` in.

    `person` is anyone with a `language`: a user, or an address request, which carries the
    language its sender chose. Staff in their role (`staff=True`) read their own language,
    English included. A member (or resident) reads theirs only if the language regime of the
    BIN's municipality allows it, and a facility language only while their request for it
    holds (lib.languages); else the regime's first language. Without a BIN, a member is
    written to as in the BIN they joined last; anyone else in their language if it is a public
    language, else the site's default.
    """
    language = person.language or None
    if staff:
        return language if language in STAFF_LANGUAGES else settings.LANGUAGE_CODE
    if network is None:
        network = _last_joined_network(person)
    if network is not None:
        return languages_for_person(
            network.municipality.language_regime,
            language,
            requested_on=getattr(person, "language_asked_on", None),
            today=clock.today(),
        )[0]
    return language if language in PUBLIC_LANGUAGES else settings.LANGUAGE_CODE


def _last_joined_network(person):
    """The BIN of the person's latest membership (current or not: it tells where they live),
    or None for someone without memberships, such as an address request."""
    memberships = getattr(person, "memberships", None)
    if memberships is None:
        return None
    membership = (
        memberships.select_related("network__municipality").order_by("-requested_at").first()
    )
    return membership.network if membership is not None else None


def base_url_for_host(host=""):
    """The site's address on the host name `host`, with the scheme and port of NABUUR_BASE_URL
    (one install may serve each zone on its own host name); NABUUR_BASE_URL itself for ""."""
    if not host:
        return settings.BASE_URL
    parts = urlsplit(settings.BASE_URL)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


# Where links in e-mails lead while a zone's request is handled (nabuur.zones.site sets it):
# an address, or a function that gives it when the first link asks.
_links_base = ContextVar("nabuur_links_base", default=None)


@contextmanager
def links_from(base):
    """Within the block, links in e-mails start with `base` (or what calling it returns)."""
    token = _links_base.set(base)
    try:
        yield
    finally:
        _links_base.reset(token)


def links_base():
    """The start of every link in an e-mail: the zone's own address inside `links_from`,
    else NABUUR_BASE_URL."""
    base = _links_base.get()
    if callable(base):
        base = base()
    return base or settings.BASE_URL


def absolute_url(language, name, *args, base=None):
    """The full address of the page `name` in `language`, for a link in an e-mail; on the
    site at `base` when given (a zone's own address), else at `links_base()`."""
    with translation.override(language):
        return (base or links_base()) + reverse(name, args=args)


def send_email(name, to, language, context, *, headers=None, reply_to=None, connection=None):
    """Render the triplet emails/<name>.* in `language` and send it to the address `to`.

    The context gains `language` (the HTML's `lang`) and `base_url`. The subject is collapsed
    to one line. Sent at once through Django's default mailer, or `connection` if given.
    """
    context = {**context, "language": language, "base_url": links_base()}
    with translation.override(language):
        subject = render_to_string(f"emails/{name}.subject.txt", context)
        text = render_to_string(f"emails/{name}.txt", context)
        html = render_to_string(f"emails/{name}.html", context)
    message = EmailMultiAlternatives(
        # One line; str.split() would also break the no-break space before a French colon.
        re.sub(r"[ \t\r\n\f\v]+", " ", subject).strip(),
        text,
        to=[to],
        headers=headers,
        reply_to=reply_to,
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message.send()
