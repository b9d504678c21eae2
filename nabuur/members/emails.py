"""One function per e-mail a resident (or a coordinator about a resident) receives.

Each e-mail is a template triplet under templates/emails/members/ — `<kind>.subject.txt`,
`<kind>.txt`, `<kind>.html` — rendered in the recipient's language. These are transactional
e-mails, sent at once through Django's default mailer; bulk messages go through the outbox.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from nabuur.lib.languages import PUBLIC_LANGUAGES, languages_for_person


def person_language(user, network=None) -> str:
    """The language to write to `user` in: theirs if the BIN's regime allows it."""
    if network is not None:
        return languages_for_person(network.municipality.language_regime, user.language or None)[0]
    return user.language if user.language in PUBLIC_LANGUAGES else settings.LANGUAGE_CODE


def absolute_url(language, name, *args):
    with translation.override(language):
        return settings.BASE_URL + reverse(name, args=args)


def _send(kind, to, language, context):
    context = {**context, "language": language, "base_url": settings.BASE_URL}
    with translation.override(language):
        subject = render_to_string(f"emails/members/{kind}.subject.txt", context)
        text = render_to_string(f"emails/members/{kind}.txt", context)
        html = render_to_string(f"emails/members/{kind}.html", context)
    subject = " ".join(subject.split())
    message = EmailMultiAlternatives(subject, text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def send_confirm_request(membership, token):
    """Double opt-in: the link that confirms the e-mail address."""
    language = person_language(membership.user, membership.network)
    url = absolute_url(language, "members:confirm", token)
    context = {
        "user": membership.user,
        "network": membership.network,
        "url": url,
        "hours": settings.NABUUR_CONFIRM_HOURS,
    }
    _send("confirm_request", membership.user.email, language, context)


def send_join_again(membership, token=None):
    """Someone asked to join with an address that is already a member (or waiting)."""
    language = person_language(membership.user, membership.network)
    url = absolute_url(language, "members:confirm", token) if token else ""
    context = {
        "user": membership.user,
        "network": membership.network,
        "url": url,
        "login_url": absolute_url(language, "members:login"),
        "hours": settings.NABUUR_CONFIRM_HOURS,
    }
    _send("join_again", membership.user.email, language, context)


def send_awaiting_approval(membership):
    language = person_language(membership.user, membership.network)
    context = {"user": membership.user, "network": membership.network}
    _send("awaiting_approval", membership.user.email, language, context)


def send_new_member_to_approve(coordinator, membership):
    language = person_language(coordinator)
    context = {"coordinator": coordinator, "network": membership.network}
    _send("new_member_to_approve", coordinator.email, language, context)


def send_welcome(membership):
    language = person_language(membership.user, membership.network)
    context = {
        "user": membership.user,
        "network": membership.network,
        "login_url": absolute_url(language, "members:login"),
    }
    _send("welcome", membership.user.email, language, context)


def send_declined(membership, reason):
    language = person_language(membership.user, membership.network)
    context = {"user": membership.user, "network": membership.network, "reason": reason}
    _send("declined", membership.user.email, language, context)


def send_address_request_received(address_request):
    language = address_request.language or settings.LANGUAGE_CODE
    context = {"request": address_request, "zone": address_request.zone}
    _send("address_request_received", address_request.email, language, context)


def send_address_request_closed(address_request, reason):
    """No BIN covers the person's address: the police tell them, with whom to talk."""
    language = address_request.language or settings.LANGUAGE_CODE
    context = {"request": address_request, "zone": address_request.zone, "reason": reason}
    _send("address_request_closed", address_request.email, language, context)


def send_address_request_expired(address_request, days):
    """Nobody placed the sign-up within the zone's retention: its details are deleted now."""
    language = address_request.language or settings.LANGUAGE_CODE
    context = {"request": address_request, "zone": address_request.zone, "days": days}
    _send("address_request_expired", address_request.email, language, context)


def send_login_link(user, token):
    language = person_language(user)
    context = {
        "user": user,
        "url": absolute_url(language, "members:login_link", token),
        "minutes": 60,
    }
    _send("login_link", user.email, language, context)


def send_details_changed(user):
    language = person_language(user)
    context = {"user": user, "url": absolute_url(language, "members:login")}
    _send("details_changed", user.email, language, context)


def send_membership_changed(membership):
    """Pause, quiet hours or address of one membership changed."""
    language = person_language(membership.user, membership.network)
    context = {"user": membership.user, "membership": membership, "network": membership.network}
    _send("membership_changed", membership.user.email, language, context)


def send_left(membership):
    language = person_language(membership.user, membership.network)
    context = {"user": membership.user, "network": membership.network}
    _send("left", membership.user.email, language, context)


def send_member_left(coordinator, membership):
    language = person_language(coordinator)
    context = {
        "coordinator": coordinator,
        "network": membership.network,
        "member_name": membership.user.full_name,
        "address": membership.address_line,
    }
    _send("member_left", coordinator.email, language, context)


def send_erased(email, first_name, language):
    _send("erased", email, language, {"first_name": first_name})


def send_measure(measure):
    """A measure taken against the member: the reprimand letter, or the suspension and its end."""
    membership = measure.membership
    language = person_language(membership.user, membership.network)
    context = {
        "user": membership.user,
        "network": membership.network,
        "measure": measure,
        "login_url": absolute_url(language, "members:login"),
    }
    _send("measure", membership.user.email, language, context)
