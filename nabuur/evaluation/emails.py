"""One function per e-mail of the charter and the evaluation.

Each e-mail is a template triplet under templates/emails/evaluation/, sent with
nabuur.lib.mail.send_email in the recipient's language: the partners (officer, coordinators)
as staff, the members as members of their BIN.

Most of them leave from the worker (the charter's refresh, the yearly opening) or after the
commit, for every zone at once: each links to the site of its BIN's zone.
"""

from nabuur.lib.mail import absolute_url, recipient_language, send_email
from nabuur.zones.site import links_to


def send_charter_changed(person, charter):
    """A partner of the BIN: the contacts or the plan changed, a new charter version waits."""
    language = recipient_language(person, staff=True)
    network = charter.network
    zone = network.municipality.zone
    with links_to(zone):
        context = {
            "person": person,
            "network": network,
            "zone": zone,
            "charter": charter,
            "url": absolute_url(language, "evaluation:charter", network.slug),
        }
        send_email("evaluation/charter_changed", person.email, language, context)


def _evaluation_context(evaluation, person, language):
    """What the opened and reminder e-mails say: the year's evaluation and its link."""
    network = evaluation.network
    return {
        "person": person,
        "network": network,
        "zone": network.municipality.zone,
        "evaluation": evaluation,
        "url": absolute_url(language, "evaluation:detail", network.slug, evaluation.year),
    }


def send_evaluation_opened(person, evaluation):
    """The officer or a coordinator: the year's evaluation is open for them to fill in."""
    language = recipient_language(person, staff=True)
    with links_to(evaluation.network.municipality.zone):
        context = _evaluation_context(evaluation, person, language)
        send_email("evaluation/evaluation_opened", person.email, language, context)


def send_survey_invitation(membership, evaluation, token):
    """A member: a short, anonymous survey about the BIN."""
    network = membership.network
    zone = network.municipality.zone
    language = recipient_language(membership.user, network)
    with links_to(zone):
        context = {
            "user": membership.user,
            "network": network,
            "zone": zone,
            "evaluation": evaluation,
            "url": absolute_url(language, "evaluation_survey:answer", token),
        }
        send_email("evaluation/survey_invitation", membership.user.email, language, context)
