"""A recipient's answer to "Was this useful?": the form, the check for urgent-looking comments
and the verb that saves the answer.

Nabuur is never an emergency channel, yet a member may still describe a break-in in progress in
the comment box. `looks_urgent` spots comments that read like a report for the police, in
Dutch, French, German and English: the page then tells the member at once to call the police,
and the BIN's officers get the comment by e-mail.
"""

import logging
import re
import smtplib

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from nabuur.lib import clock
from nabuur.lib.forms import AccessibleForm
from nabuur.lib.text import fold
from nabuur.members.models import Membership
from nabuur.staff.auditing import record
from nabuur.staff.models import OFFICER_ROLES, partners_of

from . import emails
from .models import Feedback

logger = logging.getLogger(__name__)

COMMENT_MAX_LENGTH = 500
ANSWERS = {"yes": True, "no": False}


class FeedbackForm(AccessibleForm):
    """The answer (the button pressed: yes or no) and an optional short comment."""

    useful = forms.ChoiceField(
        label=_("Was this message useful to you?"), choices=[("yes", "yes"), ("no", "no")]
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=COMMENT_MAX_LENGTH,
        required=False,
        help_text=_(
            "At most 500 characters. Your coordinator and the police read it later: "
            "this is not the way to report something."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_useful(self):
        return ANSWERS[self.cleaned_data["useful"]]


# --- Does a comment read like an urgent report? ---------------------------------------------
#
# Patterns match the folded text (lower case, no accents, punctuation as spaces: see
# nabuur.lib.text.fold). Prevention messages are about burglary and suspicious behaviour, so a
# comment naming those ("good tips against burglary") is not urgent by itself: one clue of a
# kind scores 1, and it takes 2 points. A cry for help, something in progress, a description
# of a suspect or someone on the premises scores 2 on its own.


def _words(*patterns):
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b")


# Alone enough: a cry for help, a crime in progress, a suspect described, someone on the
# premises, a weapon or a fire right there.
ALARMS = _words(
    # nl
    r"help (?:mij|me|ons)",
    r"hulp nodig",
    r"noodgeval",
    r"(?:wordt|worden|word) (?:nu )?(?:ingebroken|bestolen|aangevallen|bedreigd)",
    r"(?:is|zijn) (?:nu )?aan het (?:inbreken|stelen|vechten)",
    r"aan de gang",
    r"er is brand",
    r"verdachte (?:man|mannen|vrouw|persoon|personen|figuur|figuren|jongeren|types?|auto|"
    r"wagen|bestelwagen|busje|voertuig)",
    r"iemand (?:in|op|rond) (?:mijn|de|ons|onze|het) (?:tuin|huis|woning|oprit|terras|dak)",
    r"(?:heeft|hebben|met) een (?:wapen|mes|pistool|vuurwapen)",
    r"sos",
    # fr
    r"au secours",
    r"a l aide",
    r"aidez (?:moi|nous)",
    r"besoin d aide",
    r"urgence",
    r"en train de (?:cambrioler|voler|forcer|fracturer|frapper|se battre)",
    r"on (?:me |nous )?cambriole",
    r"cambriolage en cours",
    r"il y a le feu",
    r"(?:homme|hommes|femme|individu|individus|personne|personnes|jeunes|voiture|camionnette|"
    r"vehicule) (?:suspect|suspects|suspecte|suspectes|louche|louches)",
    r"quelqu un (?:dans|sur|autour de) (?:mon|ma|mes|le|la|notre|nos) "
    r"(?:jardin|maison|allee|terrasse|toit)",
    r"(?:a|ont|avec) une? (?:arme|couteau|pistolet)",
    # de
    r"brauche hilfe",
    r"brauchen hilfe",
    r"notfall",
    r"bricht gerade",
    r"brechen gerade",
    r"im gange",
    r"es brennt",
    r"verdachtige[rsn]? (?:mann|manner|frau|person|personen|typ|typen|jugendliche|auto|wagen|"
    r"fahrzeug|transporter)",
    r"jemand (?:ist )?(?:in|auf|um) (?:meinem|unserem|dem|im) (?:garten|haus|dach)",
    r"jemand im (?:garten|haus)",
    r"(?:hat|haben|mit) (?:einer|einem|eine|ein) (?:waffe|messer|pistole)",
    # en
    r"help (?:me|us)",
    r"need help",
    r"send help",
    r"emergency",
    r"in progress",
    r"happening (?:right )?now",
    r"(?:is|are) (?:breaking in|breaking into|stealing|fighting)",
    r"being (?:burgled|robbed|attacked|threatened)",
    r"there is a fire",
    r"suspicious (?:man|men|woman|person|people|guy|guys|youths?|car|van|vehicle)",
    r"someone (?:is )?(?:in|on) (?:my|the|our) (?:garden|house|yard|driveway|roof)",
    r"(?:has|have|with) a (?:weapon|gun|knife)",
)

# One point per kind present.
CLUES = {
    "now": _words(
        r"nu",
        r"op dit moment",
        r"momenteel",
        r"nog steeds",
        r"dringend",
        r"maintenant",
        r"en ce moment",
        r"actuellement",
        r"en cours",
        r"toujours la",
        r"jetzt",
        r"gerade",
        r"im moment",
        r"zurzeit",
        r"immer noch",
        r"now",
        r"right now",
        r"at the moment",
        r"currently",
        r"still there",
        r"urgent",
    ),
    "crime": _words(
        r"inbraak",
        r"inbraken",
        r"inbreker",
        r"inbrekers",
        r"inbreken",
        r"inbreekt",
        r"ingebroken",
        r"dief",
        r"dieven",
        r"diefstal",
        r"steelt",
        r"stelen",
        r"verdacht",
        r"verdachte",
        r"verdachten",
        r"sluipt",
        r"rondsluipen",
        r"overval",
        r"vechtpartij",
        r"cambriol\w*",
        r"voleur",
        r"voleurs",
        r"vole",
        r"volent",
        r"suspect",
        r"suspecte",
        r"suspects",
        r"louche",
        r"roder",
        r"rodeur",
        r"rodeurs",
        r"agression",
        r"braquage",
        r"bagarre",
        r"einbruch",
        r"einbrecher",
        r"eingebrochen",
        r"einbrechen",
        r"bricht",
        r"dieb",
        r"diebe",
        r"stiehlt",
        r"verdachtig\w*",
        r"schleicht",
        r"uberfall",
        r"schlagerei",
        r"break in",
        r"breaking in",
        r"broke in",
        r"burglar",
        r"burglars",
        r"burglary",
        r"thief",
        r"thieves",
        r"stealing",
        r"suspicious",
        r"prowler",
        r"prowling",
        r"lurking",
        r"loitering",
        r"trying (?:car )?doors",
        r"robbery",
    ),
    "danger": _words(
        r"brand",
        r"wapen",
        r"gewond",
        r"aangevallen",
        r"feu",
        r"incendie",
        r"arme",
        r"couteau",
        r"blesse\w*",
        r"agresse\w*",
        r"feuer",
        r"waffe",
        r"messer",
        r"verletzt\w*",
        r"angegriffen",
        r"fire",
        r"weapon",
        r"gun",
        r"knife",
        r"injured",
        r"attacked",
        r"bleeding",
    ),
    "police": _words(r"politie", r"police", r"polizei", r"101", r"112"),
}

# A cry for help is a sentence of its own: "Help! …", "Hulp, …" — not "thanks for the help".
HELP_OPENING = re.compile(r"(?:^|[.!?\n])\s*(?:help|hulp|hilfe)\s*(?:[!,.]|$)", re.I | re.M)


def urgency_score(text: str) -> int:
    """2 for each alarm, 1 for each kind of clue (see above); 0 for an empty text."""
    folded = fold(text)
    if not folded:
        return 0
    score = 2 * len(ALARMS.findall(folded))
    if HELP_OPENING.search(text or ""):
        score += 2
    return score + sum(1 for pattern in CLUES.values() if pattern.search(folded))


def looks_urgent(text: str) -> bool:
    """True if a comment reads like a report for the police: something happening now, a
    suspect, a break-in in progress, a cry for help."""
    return urgency_score(text) >= 2


# --- The verb ---------------------------------------------------------------------------------


def officers_of(network):
    """The BIN's mandated officers and deputies who hold the role today and have an address."""
    return partners_of(network, OFFICER_ROLES, clock.today())


def member_networks(delivery):
    """The BINs of the message the recipient is (or was) a member of; all its BINs if none."""
    targets = list(
        delivery.message.targets.select_related("municipality__zone").order_by("name", "pk")
    )
    mine = set(
        Membership.objects.filter(user_id=delivery.user_id, network__in=targets).values_list(
            "network_id", flat=True
        )
    )
    return [network for network in targets if network.pk in mine] or targets


def save_feedback(delivery, *, useful, comment=""):
    """Record the recipient's answer to the message of `delivery`; returns the Feedback row.

    One answer per person and message (one Delivery each), changed by answering again. A
    comment replaces the earlier one; an empty comment keeps it (the token page never shows a
    comment, so it cannot offer it for editing). `urgent` follows the comment: when a new (not
    the same again) comment reads like a report, the officers of the member's BINs are
    e-mailed. That e-mail is best effort: a mail failure is logged and never loses the answer,
    because the page's notice (call 101 or 112) is what protects the member. Writes the audit
    entry (never the comment).
    """
    comment = (comment or "").strip()[:COMMENT_MAX_LENGTH]
    with transaction.atomic():
        feedback = Feedback.objects.select_for_update().filter(delivery=delivery).first()
        previous = feedback.useful if feedback else None
        # The same comment again (a reload of the answered page) tells the officers nothing new.
        new_comment = bool(comment) and (feedback is None or feedback.comment != comment)
        created = feedback is None
        if created:
            feedback = Feedback(delivery=delivery)
        feedback.useful = useful
        feedback.updated_at = clock.now()
        changed = ["useful", "updated_at"]
        if comment:
            feedback.comment = comment
            feedback.urgent = looks_urgent(comment)
            changed += ["comment", "urgent"]
        if created:
            feedback.save(force_insert=True)
        else:
            feedback.save(update_fields=changed)
        record(
            delivery.user,
            "messaging.feedback",
            role="member",
            # The BIN gives the entry its zone; a member acts as a member whatever else they are.
            place=delivery.message.targets.order_by("pk").first(),
            target=feedback,
            subjects=[delivery.user_id] if delivery.user_id else [],
            details={
                "message": delivery.message_id,
                "useful": useful,
                "previous": previous,
                "comment": bool(comment),
                "urgent": bool(comment) and feedback.urgent,
            },
        )
    if new_comment and feedback.urgent:
        _tell_officers(delivery, feedback)
    return feedback


def _tell_officers(delivery, feedback):
    told = set()
    for network in member_networks(delivery):
        membership = (
            Membership.objects.filter(user_id=delivery.user_id, network=network)
            .order_by("-pk")
            .first()
        )
        for officer in officers_of(network):
            if officer.pk in told:
                continue
            told.add(officer.pk)
            try:
                emails.send_urgent_feedback(officer, feedback, network, membership)
            except (OSError, smtplib.SMTPException):
                logger.exception("officer %s not told of feedback %s", officer.pk, feedback.pk)
