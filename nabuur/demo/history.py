"""A year of history for the demo zone, written through the real services at backdated times.

Every step runs with the clock pinned (`clock.frozen_at`) to the moment it happened, so the
trail of each message, the audit log and the evaluation's figures read as they would after a
year of use. The story plays mostly in BIN Edegem Centrum, whose coordinator, officer and
municipality contact are personas: last calendar year (messages forwarded, declined and sent,
feedback, a bounce, replies, a written reprimand, the charter signed, the evaluation signed with
its figures frozen) and this year up to today, ending with what waits: a sign-up to approve and a
police message to forward.

The history is written once, in one transaction, into a demo zone that has no messages yet; a
second run finds the messages and writes nothing.
"""

import datetime
import email.message
import email.utils
from dataclasses import dataclass, field

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from nabuur.accounts.models import User
from nabuur.evaluation.models import Payer
from nabuur.evaluation.services import (
    open_evaluation,
    save_evaluation,
    sign_charter,
    sign_evaluation,
    start_charter,
    update_budget,
)
from nabuur.lib import clock
from nabuur.members.models import ConsentChannel, MeasureKind, Membership
from nabuur.members.services import current_documents
from nabuur.members.services.confirmation import confirm_membership, confirmation_token
from nabuur.members.services.coordinator import add_member_by_hand
from nabuur.members.services.join import request_membership
from nabuur.members.services.measures import confirm_measure, propose_measure
from nabuur.messaging import compose
from nabuur.messaging.bounces import Bounce, record_bounce
from nabuur.messaging.delivery import deliver_due
from nabuur.messaging.escalation import escalate_messages
from nabuur.messaging.feedback import save_feedback
from nabuur.messaging.models import Delivery, Message, MessageKind
from nabuur.messaging.replies import take_reply

CENTRUM, AARTSELAAR, KOEKELBERG = "edegem-centrum", "aartselaar-centrum", "koekelberg-basiliek"
ELS, MARC, TOM, KOEN = (
    "els.peeters@example.org",
    "marc.claes@example.org",
    "tom.maes@vierbeken.example",
    "bin@edegem.gemeente.example",
)
AN = "an.vermeulen@example.org"
KOEKELBERG_COORDINATOR = f"coordinator.{KOEKELBERG}@example.org"
# Events happen at this local hour, inside office hours and outside anybody's quiet hours.
HOUR = 10

# History mail went out long ago: it is rendered and handed to a mailer that keeps nothing, so
# the demo mailbox shows what happens from today on, not a year of old e-mails at once.
DISCARD_MAIL = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}


@dataclass(frozen=True)
class Resident:
    """A neighbour the story needs, added by the coordinator from a paper form."""

    key: str
    network: str
    first_name: str
    last_name: str
    email: str
    language: str = "nl"


RESIDENTS = [
    Resident("lotte", CENTRUM, "Lotte", "Wuyts", "lotte.wuyts@example.org"),
    Resident("bart", CENTRUM, "Bart", "Goossens", "bart.goossens@example.net"),
    Resident("mieke", CENTRUM, "Mieke", "De Smet", "mieke.desmet@example.com"),
    Resident("pieter", CENTRUM, "Pieter", "Mertens", "pieter.mertens@example.net"),
    Resident("dirk", CENTRUM, "Dirk", "Aerts", "dirk.aerts@example.org"),
    Resident("camille", KOEKELBERG, "Camille", "Lambert", "camille.lambert@example.org", "fr"),
]
# The sign-up that waits for the coordinator's approval today.
WAITING_SIGN_UP = Resident("ria", CENTRUM, "Ria", "Hermans", "ria.hermans@example.org")
# The story's people are not among the generated members that `--members` counts.
STORY_EMAILS = [resident.email for resident in [*RESIDENTS, WAITING_SIGN_UP]]


@dataclass(frozen=True)
class Story:
    """One message: who writes it, to which BIN, what happens to it, how members answer."""

    key: str
    author: str
    network: str
    kind: str
    # {language: (subject, markdown)}
    variants: dict
    # "forward", "decline", "wait" (a police message) or "send" (a coordinator's own).
    outcome: str
    decided_by: str = ""
    note: str = ""
    # (resident key or persona e-mail, useful, comment)
    feedback: list = field(default_factory=list)
    # (resident key, text)
    replies: list = field(default_factory=list)
    bounce: str = ""
    # The coordinator was away: the worker reminds them after the deadline, tells the BIN's
    # other coordinators and officer after twice it, and the coordinator decides days later.
    late: bool = False


LAST_YEAR = [
    (
        (3, 12),
        Story(
            "inbraakpogingen",
            TOM,
            CENTRUM,
            MessageKind.FEEDBACK,
            {
                "nl": (
                    "Inbraakpogingen in de wijk",
                    "Beste buren,\n\n"
                    "Het voorbije weekend werd op drie plaatsen in de wijk geprobeerd om via "
                    "de achterdeur binnen te komen. Telkens hield een goed slot de daders "
                    "tegen.\n\n"
                    "- Sluit ook overdag de achterdeur en de poort naar de tuin.\n"
                    "- Laat geen ladders of tuinmeubelen tegen de gevel staan.\n"
                    "- Ziet u iets verdachts? Bel meteen 101.\n\n"
                    "Met vriendelijke groet,\nuw wijkinspecteur",
                )
            },
            "forward",
            decided_by=ELS,
            note="Graag even lezen: het gaat om onze straten.",
            feedback=[
                ("lotte", True, "Goed om te weten, ik heb de poort nu op slot."),
                ("bart", True, ""),
                (AN, True, ""),
                ("mieke", False, "Dit had ik al via de buren gehoord."),
            ],
            replies=[("lotte", "Dank u voor het bericht. Wij letten extra op.")],
        ),
    ),
    (
        (5, 6),
        Story(
            "vakantie",
            ELS,
            CENTRUM,
            MessageKind.PREVENTION,
            {
                "nl": (
                    "Op vakantie? Zo blijft uw woning veilig",
                    "Beste buren,\n\n"
                    "De zomer komt eraan. Enkele tips om uw woning bewoond te laten lijken:\n\n"
                    "- Vraag een buur om de brievenbus leeg te maken.\n"
                    "- Gebruik een tijdschakelaar voor de verlichting.\n"
                    "- Vraag gratis afwezigheidstoezicht aan bij de politie.\n\n"
                    "Fijne vakantie!",
                )
            },
            "send",
            feedback=[("bart", True, ""), ("pieter", True, "Handige lijst, dank u.")],
        ),
    ),
    (
        (6, 18),
        Story(
            "wegenwerken",
            TOM,
            CENTRUM,
            MessageKind.INFORMATION,
            {
                "nl": (
                    "Wegenwerken in het centrum",
                    "Beste buren,\n\n"
                    "Vanaf maandag zijn er drie weken wegenwerken in het centrum. Er geldt "
                    "een omleiding en parkeren is beperkt.",
                )
            },
            "decline",
            decided_by=ELS,
            note="De gemeente heeft dit al in het infoblad gezet.",
        ),
    ),
    (
        (9, 23),
        Story(
            "valse-technici",
            TOM,
            CENTRUM,
            MessageKind.FEEDBACK,
            {
                "nl": (
                    "Valse technici aan de deur",
                    "Beste buren,\n\n"
                    "Deze week belden mensen aan die zich voordeden als technicus van een "
                    "nutsbedrijf en vroegen om de meter te controleren. Een echte technicus "
                    "kondigt zijn bezoek aan en toont een kaart.\n\n"
                    "- Laat niemand binnen zonder afspraak.\n"
                    "- Twijfelt u? Bel zelf het nummer op uw factuur.\n"
                    "- Meld het meteen aan de politie via 101.",
                )
            },
            "forward",
            decided_by=ELS,
            feedback=[("lotte", True, ""), ("mieke", True, "Mijn moeder kreeg ook zo'n bezoek.")],
            replies=[("bart", "Mijn buurvrouw van 84 woont alleen, ik heb het haar verteld.")],
            bounce="pieter",
        ),
    ),
    (
        (11, 14),
        Story(
            "buurtvergadering",
            ELS,
            CENTRUM,
            MessageKind.INVITATION,
            {
                "nl": (
                    "Uitnodiging: buurtvergadering met de wijkinspecteur",
                    "Beste buren,\n\n"
                    "U bent welkom op onze jaarlijkse buurtvergadering in de raadzaal van het "
                    "gemeentehuis. De wijkinspecteur vertelt wat er dit jaar in de wijk "
                    "gebeurde en wat u zelf kunt doen. Koffie staat klaar.",
                )
            },
            "send",
            feedback=[(AN, True, "")],
        ),
    ),
]

THIS_YEAR = [
    (
        0.2,
        Story(
            "fietsdiefstal",
            TOM,
            AARTSELAAR,
            MessageKind.PREVENTION,
            {
                "nl": (
                    "Meer fietsdiefstallen bij de scholen",
                    "Beste buren,\n\n"
                    "De laatste weken werden bij de scholen meer fietsen gestolen. Gebruik "
                    "twee sloten en zet de fiets vast aan een fietsenrek. Laat uw fiets "
                    "gratis graveren tijdens de graveeractie van de gemeente.",
                )
            },
            "forward",
            decided_by=MARC,
            late=True,
        ),
    ),
    (
        0.4,
        Story(
            "gsm-diefstal",
            KOEKELBERG_COORDINATOR,
            KOEKELBERG,
            MessageKind.PREVENTION,
            {
                "nl": (
                    "Let op uw gsm op het plein",
                    "Beste buren,\n\n"
                    "Op drukke momenten worden op het plein gsm's uit jaszakken gestolen. "
                    "Draag uw gsm in een binnenzak en laat hem niet op een terrastafel "
                    "liggen.",
                ),
                "fr": (
                    "Attention à votre GSM sur la place",
                    "Chers voisins,\n\n"
                    "Aux heures d'affluence, des GSM sont volés dans les poches de manteau "
                    "sur la place. Portez votre GSM dans une poche intérieure et ne le "
                    "laissez pas sur une table de terrasse.",
                ),
            },
            "send",
            feedback=[("camille", True, "Merci, c'est utile.")],
        ),
    ),
    (
        0.6,
        Story(
            "phishing",
            TOM,
            CENTRUM,
            MessageKind.PREVENTION,
            {
                "nl": (
                    "Valse sms'jes van de bank",
                    "Beste buren,\n\n"
                    "Verschillende buren kregen een sms met een link om hun bankkaart te "
                    "'verlengen'. Uw bank vraagt nooit om via een link uw codes in te "
                    "geven. Klik niet op de link en wis het bericht.",
                )
            },
            "forward",
            decided_by=ELS,
            feedback=[("bart", True, ""), ("dirk", True, "")],
            replies=[("mieke", "Ik kreeg die sms ook. Goed dat u het meldt.")],
        ),
    ),
    (
        0.75,
        Story(
            "carnaval",
            TOM,
            AARTSELAAR,
            MessageKind.INFORMATION,
            {
                "nl": (
                    "Verkeersmaatregelen tijdens de stoet",
                    "Beste buren,\n\n"
                    "Tijdens de stoet van zondag zijn enkele straten afgesloten tussen 13 en "
                    "18 uur.",
                )
            },
            "decline",
            decided_by=MARC,
            note="Onze straten liggen niet op de route.",
        ),
    ),
    (
        0.9,
        Story(
            "donkere-dagen",
            ELS,
            CENTRUM,
            MessageKind.PREVENTION,
            {
                "nl": (
                    "De donkere dagen komen eraan",
                    "Beste buren,\n\n"
                    "In de donkere maanden slaan inbrekers vaker toe tussen 17 en 21 uur. "
                    "Laat een lamp branden als u weg bent, gebruik een tijdschakelaar en "
                    "sluit ramen en deuren, ook als u maar even weg bent.",
                )
            },
            "send",
            feedback=[("lotte", True, ""), (AN, True, "Duidelijke tips.")],
        ),
    ),
]

# The police message that waits for the coordinator today, sent this long ago.
WAITING = (
    datetime.timedelta(hours=20),
    Story(
        "verdachte-vragen",
        TOM,
        CENTRUM,
        MessageKind.PREVENTION,
        {
            "nl": (
                "Vragen aan de deur over afwezigheid",
                "Beste buren,\n\n"
                "Enkele bewoners kregen aan de deur vragen over wanneer zij op vakantie "
                "gaan, zogezegd voor een enquête. Geef zulke informatie nooit aan "
                "onbekenden en bel 101 als u het niet vertrouwt.",
            )
        },
        "wait",
    ),
)

REPRIMAND_REASON = (
    "Deelde berichten van het BIN met foto's van buren op sociale media, tegen het "
    "huishoudelijk reglement in."
)
EVALUATION_TEXT = {
    "compliance": "Het communicatieplan werd gevolgd; politieberichten werden binnen een dag "
    "doorgestuurd of met reden geweigerd.",
    "reporting": "Leden bellen vaker 101 bij verdachte situaties, met bruikbare informatie.",
    "prevention": "Na de vakantietips vroegen meer leden afwezigheidstoezicht aan.",
    "offences": "Enkele inbraakpogingen in het voorjaar, geen geslaagde inbraken in de BIN-"
    "straten na de oproep om achterdeuren te sluiten.",
    "feeling_of_safety": "Leden geven aan zich veiliger te voelen door de snelle berichten.",
    "social_cohesion": "De buurtvergadering bracht veertig buren samen.",
    "communication": "Berichten waren kort en duidelijk; één bericht werd geweigerd omdat de "
    "gemeente het al verspreidde.",
    "next_year": "Een tweede buurtvergadering en een graveeractie voor fietsen.",
}


class History:
    """The moments of the story, relative to `now`, and the people who act in it."""

    def __init__(self, networks, addresses, now):
        self.networks = networks
        self.addresses = addresses
        self.now = now
        self.year = timezone.localdate(now).year
        self.people = {user.email: user for user in User.objects.filter(email__in=PERSONAS)}
        self.residents = {}

    def clamp(self, moment):
        """`moment`, or a minute ago if it lies later: early in January the story is short."""
        return min(moment, self.now - datetime.timedelta(minutes=1))

    def moment(self, day, hour=HOUR):
        """`day` at the hour, never later than a minute ago."""
        return self.clamp(timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour))))

    def last_year(self, month, day, hour=HOUR):
        return self.moment(datetime.date(self.year - 1, month, day), hour)

    def this_year(self, fraction):
        """A moment `fraction` of the way from 2 January to today."""
        start = self.moment(datetime.date(self.year, 1, 2))
        return self.moment(timezone.localdate(start + (self.now - start) * fraction))

    def load(self):
        network = self.networks[CENTRUM]
        with clock.frozen_at(self.last_year(1, 20)):
            for resident in RESIDENTS:
                self.add_resident(resident)
        self.sign_charter(network)
        for (month, day), story in LAST_YEAR:
            self.play(story, self.last_year(month, day))
        self.reprimand(network)
        self.evaluate(network)
        for fraction, story in THIS_YEAR:
            self.play(story, self.this_year(fraction))
        ago, story = WAITING
        self.play(story, self.now - ago)
        with clock.frozen_at(self.now - datetime.timedelta(hours=26)):
            self.sign_up(WAITING_SIGN_UP)

    def person(self, who):
        return self.residents.get(who) or self.people[who]

    def place(self, resident, index):
        """A real address of the BIN, the same one on every run."""
        addresses = self.addresses[resident.network]
        address = addresses[(index * 7) % len(addresses)]
        return {
            "street": self.networks[resident.network]
            .segments.get(street_id=address.street_id)
            .street,
            "house_number": address.house_number,
            "house_number_suffix": address.suffix,
            "box": address.box,
            "postcode": address.postcode,
        }

    def resident_details(self, resident):
        return {
            "first_name": resident.first_name,
            "last_name": resident.last_name,
            "email": resident.email,
            "language": resident.language,
            **self.place(resident, len(self.residents) + 1),
        }

    def add_resident(self, resident):
        network = self.networks[resident.network]
        coordinator = self.coordinator_of(resident.network)
        membership = add_member_by_hand(
            coordinator,
            network,
            channel=ConsentChannel.PAPER,
            source_note="Papieren formulier, buurtvergadering",
            **self.resident_details(resident),
        )
        self.residents[resident.key] = membership.user

    def coordinator_of(self, slug):
        return self.people[{KOEKELBERG: KOEKELBERG_COORDINATOR, AARTSELAAR: MARC}.get(slug, ELS)]

    def sign_up(self, resident):
        """A neighbour signs up on the site and confirms; the coordinator has yet to approve."""
        network = self.networks[resident.network]
        membership = request_membership(
            network=network,
            documents=current_documents(network.municipality.zone),
            **self.resident_details(resident),
        )
        confirm_membership(confirmation_token(membership))

    def sign_charter(self, network):
        els, tom, koen = self.people[ELS], self.people[TOM], self.people[KOEN]
        with clock.frozen_at(self.last_year(2, 3)):
            charter = start_charter(network, els)
            update_budget(
                charter,
                els,
                lines=[
                    {"item": "Straatborden BIN", "amount": 240, "paid_by": Payer.MUNICIPALITY},
                    {"item": "Zaalhuur buurtvergadering", "amount": 90, "paid_by": Payer.MEMBERS},
                ],
                member_contribution="Geen bijdrage; de buurtvergadering is gratis.",
            )
            sign_charter(charter, els)
        with clock.frozen_at(self.last_year(2, 10)):
            sign_charter(charter, tom)
        with clock.frozen_at(self.last_year(2, 17)):
            sign_charter(charter, koen)

    def play(self, story, at):
        author = self.person(story.author)
        network = self.networks[story.network]
        with clock.frozen_at(at):
            message = compose.create_draft(
                author, kind=story.kind, networks=[network], variants=story.variants
            )
        with clock.frozen_at(self.clamp(at + datetime.timedelta(minutes=12))):
            (message,) = compose.submit_message(message, author)
        if story.outcome == "wait":
            return
        decided = at + datetime.timedelta(hours=5)
        if story.late:
            # The escalation job's two runs that matter: the reminder, then the hand-over.
            for hours in (49, 97):
                with clock.frozen_at(self.clamp(at + datetime.timedelta(hours=hours))):
                    escalate_messages(clock.now())
            decided = at + datetime.timedelta(days=5)
        if story.outcome in {"forward", "decline"}:
            coordinator = self.people[story.decided_by]
            with clock.frozen_at(self.clamp(decided)):
                if story.outcome == "decline":
                    compose.decline_message(message, coordinator, reason=story.note)
                    return
                compose.forward_message(message, coordinator, note=story.note)
        with clock.frozen_at(self.clamp(decided + datetime.timedelta(minutes=2))):
            deliver_due(max_seconds=60)
        deliveries = Delivery.objects.filter(message=message)
        if story.bounce:
            delivery = deliveries.get(user=self.person(story.bounce))
            with clock.frozen_at(self.clamp(decided + datetime.timedelta(minutes=4))):
                record_bounce(
                    Bounce(
                        delivery.token,
                        None,
                        "5.1.1",
                        f"550 5.1.1 <{delivery.email}>: mailbox unavailable",
                    )
                )
        for index, (who, useful, comment) in enumerate(story.feedback):
            with clock.frozen_at(self.clamp(decided + datetime.timedelta(hours=2 + 3 * index))):
                save_feedback(deliveries.get(user=self.person(who)), useful=useful, comment=comment)
        for index, (who, text) in enumerate(story.replies):
            delivery = deliveries.get(user=self.person(who))
            received = self.clamp(decided + datetime.timedelta(hours=1, minutes=30 + 17 * index))
            with clock.frozen_at(received):
                take_reply(delivery, reply_email(delivery, message, text, received))

    def reprimand(self, network):
        dirk = Membership.objects.get(network=network, user=self.residents["dirk"])
        with clock.frozen_at(self.last_year(8, 26)):
            measure = propose_measure(
                self.people[ELS], dirk, MeasureKind.WRITTEN_REPRIMAND, REPRIMAND_REASON
            )
        with clock.frozen_at(self.last_year(8, 29, hour=9)):
            confirm_measure(self.people[TOM], measure)

    def evaluate(self, network):
        """Last year's evaluation: opened in January, filled in and signed by both partners."""
        year = self.year - 1
        opened = self.moment(datetime.date(self.year, 1, 6), hour=6)
        with clock.frozen_at(opened):
            evaluation = open_evaluation(network, year)
        tom, els = self.people[TOM], self.people[ELS]
        with clock.frozen_at(self.moment(datetime.date(self.year, 1, 13))):
            save_evaluation(evaluation, tom, EVALUATION_TEXT)
        with clock.frozen_at(self.moment(datetime.date(self.year, 1, 15))):
            evaluation = sign_evaluation(evaluation, tom)
        with clock.frozen_at(self.moment(datetime.date(self.year, 1, 19), hour=20)):
            sign_evaluation(evaluation, els)


# The personas who act in the story (the member An answers messages too).
PERSONAS = [ELS, MARC, TOM, KOEN, AN, KOEKELBERG_COORDINATOR]


def reply_email(delivery, message, text, received):
    """The e-mail a member sends back when they answer a message from their mail program."""
    reply = email.message.EmailMessage()
    reply["From"] = delivery.email
    reply["To"] = f"reply+{delivery.token}@bin.vierbeken.example"
    reply["Subject"] = f"Re: {message.variants.first().subject}"
    reply["Date"] = email.utils.format_datetime(received)
    reply["Message-ID"] = f"<reply.{delivery.token}@example.org>"
    reply.set_content(text)
    return reply


def has_history(networks):
    return Message.objects.filter(targets__in=networks.values()).exists()


def add_history(networks, addresses):
    """Write the demo's year of history once; return True when it was written now."""
    if has_history(networks):
        return False
    with override_settings(MAILERS=DISCARD_MAIL), transaction.atomic():
        History(networks, addresses, clock.now()).load()
    return True
