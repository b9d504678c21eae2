"""One function per e-mail of the charter and the evaluation.

Each e-mail is a template triplet under templates/emails/evaluation/ — `<kind>.subject.txt`,
`<kind>.txt`, `<kind>.html` — extending the members' base (with the 101 / 112 footer), rendered
in the recipient's language. Sent at once through Django's default mailer.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from nabuur.lib.languages import STAFF_LANGUAGES
from nabuur.members.emails import person_language


def _staff_language(user):
    return user.language if user.language in STAFF_LANGUAGES else settings.LANGUAGE_CODE


def _url(language, name, *args):
    with translation.override(language):
        return settings.BASE_URL + reverse(name, args=args)


def _send(kind, to, language, context):
    context = {**context, "language": language, "base_url": settings.BASE_URL}
    with translation.override(language):
        subject = render_to_string(f"emails/evaluation/{kind}.subject.txt", context)
        text = render_to_string(f"emails/evaluation/{kind}.txt", context)
        html = render_to_string(f"emails/evaluation/{kind}.html", context)
    message = EmailMultiAlternatives(" ".join(subject.split()), text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def send_charter_changed(person, charter):
    """A partner of the BIN: the contacts or the plan changed, a new charter version waits."""
    language = _staff_language(person)
    context = {
        "person": person,
        "network": charter.network,
        "charter": charter,
        "url": _url(language, "evaluation:charter", charter.network.slug),
    }
    _send("charter_changed", person.email, language, context)


def send_evaluation_opened(person, evaluation):
    """The officer or a coordinator: the year's evaluation is open for them to fill in."""
    language = _staff_language(person)
    context = {
        "person": person,
        "network": evaluation.network,
        "evaluation": evaluation,
        "url": _url(language, "evaluation:detail", evaluation.network.slug, evaluation.year),
    }
    _send("evaluation_opened", person.email, language, context)


def send_evaluation_reminder(person, evaluation):
    """The officer or a coordinator who has not signed yet."""
    language = _staff_language(person)
    context = {
        "person": person,
        "network": evaluation.network,
        "evaluation": evaluation,
        "url": _url(language, "evaluation:detail", evaluation.network.slug, evaluation.year),
    }
    _send("evaluation_reminder", person.email, language, context)


def send_survey_invitation(membership, evaluation, token):
    """A member: a short, anonymous survey about the BIN."""
    language = person_language(membership.user, membership.network)
    context = {
        "user": membership.user,
        "network": membership.network,
        "evaluation": evaluation,
        "url": _url(language, "evaluation_survey:answer", token),
    }
    _send("survey_invitation", membership.user.email, language, context)
