"""The e-mails of messaging: a message to members, and the officer's alert about a comment.

A message is rendered once per language into bytes with markers for the per-recipient parts.

Building a MIME message per recipient with the `email` package costs about as much as the whole
sending budget, so a worker renders each (message, languages) pair once: the templates, the MIME
structure, the headers. What differs per recipient — To, Message-ID, the token in the
unsubscribe, preference, privacy and "Was this useful?" links — is written as a random marker
and swapped in with a bytes replace (`MessageTemplate.personalise`).

The text and HTML parts use 8bit transfer encoding so a marker is never split by
quoted-printable line wrapping; smtplib announces BODY=8BITMIME when the relay offers it.

Links in e-mails have the form <the zone's base URL>/<lang>/u/<token>/… (zones.site.base_url):
`/` is the member's preferences (pause, resume, leave), `privacy` the zone's privacy notice,
`useful?answer=yes|no` the page where the member answers "Was this useful?", `unsubscribe` the
RFC 8058 one-click endpoint.
(nabuur/messaging/urls.py and views.py.)

Transactional e-mails (one function per kind) are a template triplet under
templates/emails/messaging/, sent with nabuur.lib.mail.send_email in the recipient's language.
The message's footer includes the same notice as every other e-mail (emails/_notice.*).
"""

import email.policy
import secrets
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from nabuur.lib.mail import absolute_url, recipient_language, send_email
from nabuur.zones.site import base_url

from .models import OPTIONAL_KINDS, MessageKind
from .services import message_id_domain


class _Policy(email.policy.EmailPolicy):
    """SMTP's policy, except that List-Unsubscribe and List-Id stay on one line.

    Their links and list id have no space to fold at. Once one passed 78 characters (in
    List-Unsubscribe, with a base URL of more than 25) the default folding turned it into encoded
    words, which RFC 2369 and RFC 2919 do not allow there: mail programs then offer no
    unsubscribe button and filters miss the list. It could also split the token's marker, and
    the e-mail then carried the marker instead of the token. RFC 5322 allows lines of up to 998
    octets. (A BIN's name that is not ASCII is still encoded, and folded, as it must be.)
    """

    def fold_binary(self, name, value):
        if name.lower() in {"list-unsubscribe", "list-id"} and str(value).isascii():
            return _ONE_LINE.fold_binary(name, value)
        return super().fold_binary(name, value)


_ONE_LINE = email.policy.SMTP.clone(max_line_length=998)
POLICY = _Policy(linesep="\r\n")
# RFC 5322 caps a line at 998 octets; 8bit parts are not wrapped by the encoder.
MAX_LINE = 900


def wrap_long_lines(text):
    """Break lines longer than MAX_LINE at spaces; harmless in plain text and in HTML."""
    lines = []
    for line in text.splitlines():
        while len(line.encode()) > MAX_LINE and " " in line[1 : MAX_LINE // 4 * 3]:
            cut = line.rindex(" ", 1, MAX_LINE // 4 * 3)
            lines.append(line[:cut])
            line = line[cut + 1 :]
        lines.append(line)
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class MessageTemplate:
    raw: bytes
    to_marker: bytes
    message_id_marker: bytes
    token_marker: bytes

    def personalise(self, *, to, message_id_header, token):
        """The e-mail for one recipient, as bytes ready for SMTP."""
        return (
            self.raw.replace(self.to_marker, to.encode())
            .replace(self.message_id_marker, message_id_header.encode())
            .replace(self.token_marker, token.encode())
        )


def link(language, token, rest="", zone=None):
    # Each zone's members follow links to their zone's own host name, when it has one.
    return f"{base_url(zone)}/{language}/u/{token}/{rest}"


# The kinds of address that name one delivery, `<kind>+<token>@<domain>`; incoming mail is
# sorted by them (intake.py). `reply` is the Reply-To of every message: members' replies.
BOUNCES, UNSUBSCRIBE, REPLY = "bounces", "unsubscribe", "reply"


def tagged_address(kind, token):
    return f"{kind}+{token}@{message_id_domain()}"


def unsubscribe_mailto(token):
    """The mailto: of List-Unsubscribe: an e-mail to it withdraws consent, as the link does."""
    return tagged_address(UNSUBSCRIBE, token)


def bounce_address(token):
    """The VERP envelope sender: a bounce names the delivery it belongs to."""
    return tagged_address(BOUNCES, token)


def list_id(network):
    return formataddr((network.name, f"{network.slug}.bin.{message_id_domain()}"))


def render_message(message, languages, *, now):
    """Build the MessageTemplate of `message` for a recipient who reads `languages`."""
    variants = {variant.language: variant for variant in message.variants.all()}
    targets = sorted(message.targets.all(), key=lambda network: network.pk)
    network = targets[0]
    zone = network.municipality.zone
    # As long as a token (models.TOKEN_PATTERN): the headers that carry it are folded here.
    token = secrets.token_hex(24)
    to_marker = f"to-{secrets.token_hex(12)}@marker.invalid"
    message_id_marker = f"{secrets.token_hex(12)}@marker.invalid"
    sections = []
    for language in languages:
        # A missing variant falls back to any variant: the editor refuses to queue without it.
        variant = variants.get(language) or next(iter(variants.values()))
        sections.append(
            {
                "language": language,
                "subject": variant.subject,
                "body_text": variant.body_text,
                "body_html": mark_safe(variant.body_html),  # noqa: S308 - sanitized on save
                "preferences_url": link(language, token, zone=zone),
                "privacy_url": link(language, token, "privacy", zone=zone),
                "unsubscribe_url": link(language, token, "unsubscribe", zone=zone),
                "useful_yes_url": link(language, token, "useful?answer=yes", zone=zone),
                "useful_no_url": link(language, token, "useful?answer=no", zone=zone),
            }
        )
    context = {
        "sections": sections,
        "network_name": ", ".join(target.name for target in targets),
        # A class the member may refuse is named in the footer, next to where they refuse it;
        # the lazy label is written in each section's language.
        "optional_class": (
            MessageKind(message.kind).label if message.kind in OPTIONAL_KINDS else None
        ),
        # The notice in the footer gives the zone's police and emergency numbers.
        "zone": zone,
    }
    subject = " ".join(render_to_string("emails/message.subject.txt", context).split())
    context["subject"] = subject
    mime = EmailMessage(policy=POLICY)
    mime["Subject"] = subject
    mime["From"] = settings.DEFAULT_FROM_EMAIL
    mime["To"] = to_marker
    mime["Date"] = format_datetime(now)
    mime["Message-ID"] = f"<{message_id_marker}>"
    # Replies come back to Nabuur, named by the delivery (messaging.replies): kept for the BIN's
    # coordinators and officer, answered at once with the emergency numbers.
    mime["Reply-To"] = tagged_address(REPLY, token)
    mime["List-Id"] = list_id(network)
    mime["List-Unsubscribe"] = (
        f"<{link(languages[0], token, 'unsubscribe', zone=zone)}>, "
        f"<mailto:{unsubscribe_mailto(token)}>"
    )
    mime["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mime["Precedence"] = "list"
    mime.set_content(wrap_long_lines(render_to_string("emails/message.txt", context)), cte="8bit")
    mime.add_alternative(
        wrap_long_lines(render_to_string("emails/message.html", context)),
        subtype="html",
        cte="8bit",
    )
    # After the parts: set_content() drops every Content-* header set before it.
    mime["Content-Language"] = ", ".join(languages)
    return MessageTemplate(
        raw=mime.as_bytes(policy=POLICY),
        to_marker=to_marker.encode(),
        message_id_marker=message_id_marker.encode(),
        token_marker=token.encode(),
    )


def send_urgent_feedback(officer, feedback, network, membership=None):
    """Tell a BIN's officer that a member answered a message with an urgent-looking comment.

    The e-mail carries the comment and what it answers, not who wrote it: the link to the
    member's page (behind the officer's login) says that.
    """
    language = recipient_language(officer, staff=True)
    delivery = feedback.delivery
    variants = {variant.language: variant for variant in delivery.message.variants.all()}
    variant = next(
        (variants[code] for code in delivery.language_list if code in variants),
        next(iter(variants.values()), None),
    )
    zone = network.municipality.zone
    member_url = ""
    if membership is not None:
        member_url = absolute_url(
            language, "members_staff:member", network.slug, membership.pk, base=base_url(zone)
        )
    context = {
        "officer": officer,
        "network": network,
        "zone": zone,
        "comment": feedback.comment,
        "subject_line": variant.subject if variant else "",
        "member_url": member_url,
        "police_number": zone.non_emergency_number if zone else "101",
    }
    send_email("messaging/urgent_feedback", officer.email, language, context)
