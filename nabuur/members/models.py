from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nabuur.lib.text import fold
from nabuur.networks.models import Network
from nabuur.zones.models import Document, Street


class Basis(models.TextChoices):
    LIVES = "lives", _("lives in the area")
    WORKS = "works", _("works in the area")
    BUSINESS = "business", _("runs a business in the area")


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("waiting for confirmation or approval")
    ACTIVE = "active", _("active")
    PAUSED = "paused", _("paused")
    SUSPENDED = "suspended", _("suspended")
    LEFT = "left", _("left")


class EndReason(models.TextChoices):
    LEFT = "left", _("left on their own")
    DECLINED = "declined", _("declined by a coordinator")
    REMOVED = "removed", _("removed by a coordinator")
    ERASED = "erased", _("account erased")


# A member in these states still holds a place in the BIN (one such row per person and BIN).
CURRENT_STATUSES = [
    MembershipStatus.PENDING,
    MembershipStatus.ACTIVE,
    MembershipStatus.PAUSED,
    MembershipStatus.SUSPENDED,
]


def person_keys(first_name, last_name, email):
    """The member list's copies of a person's name and e-mail (Membership.last_name_key,
    first_name_key and search_text), folded so that 'Maës' sorts and is found as 'maes'.

    The two names stay apart so that 'Claes, Jan' sorts before 'Claes-D'Hondt, Marie', as the
    names themselves do, whatever the database's collation makes of spaces and punctuation.
    """
    return {
        "last_name_key": fold(last_name)[:NAME_KEY_LENGTH],
        "first_name_key": fold(first_name)[:NAME_KEY_LENGTH],
        "search_text": fold(f"{first_name} {last_name} {email or ''}")[:SEARCH_TEXT_LENGTH],
    }


# Folding can lengthen a name a little (the ligature 'ﬁ' becomes 'fi'); the keys are cut to fit.
NAME_KEY_LENGTH = 150
SEARCH_TEXT_LENGTH = 560
STREET_KEY_LENGTH = 200
PERSON_KEYS = ("last_name_key", "first_name_key", "search_text")


def street_key(name_nl, name_fr="", name_de=""):
    """The member list's copy of a street's name to sort by (Membership.street_key), folded:
    the Dutch name as the list always sorted, else the French, else the German one."""
    return fold(name_nl or name_fr or name_de)[:STREET_KEY_LENGTH]


def address_line(street_name, house_number, house_number_suffix="", box=""):
    """'Kerkstraat 12A bus 3', in the active language."""
    box_part = f" {_('box')} {box}" if box else ""
    return f"{street_name} {house_number}{house_number_suffix}{box_part}"


class Membership(models.Model):
    """A person's place in one BIN, with the address that qualifies them for it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    # Indexed by members_by_status below, which starts with the BIN.
    network = models.ForeignKey(
        Network, on_delete=models.PROTECT, related_name="memberships", db_index=False
    )
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    house_number = models.PositiveIntegerField(_("house number"))
    house_number_suffix = models.CharField(_("letter"), max_length=8, blank=True)
    box = models.CharField(_("box"), max_length=16, blank=True)
    postcode = models.CharField(_("postcode"), max_length=4)
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices, default=Basis.LIVES)
    enterprise_number = models.CharField(_("enterprise number"), max_length=12, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MembershipStatus.choices,
        default=MembershipStatus.PENDING,
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("e-mail confirmed"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    paused_until = models.DateField(_("paused until"), null=True, blank=True)
    suspended_until = models.DateField(_("suspended until"), null=True, blank=True)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    # Why a membership ended; kept after erasure so figures can tell leaves from declines.
    end_reason = models.CharField(
        _("end reason"), max_length=10, choices=EndReason.choices, blank=True
    )
    # No messages between these times of day (both empty: no quiet hours).
    quiet_from = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_to = models.TimeField(_("quiet until"), null=True, blank=True)
    # The message classes the member chose to receive from this BIN (messaging.models
    # OPTIONAL_KINDS maps each class to its field; messaging.recipients applies them). The
    # other classes and the notices about the membership itself always arrive.
    receives_prevention = models.BooleanField(_("prevention tips"), default=True)
    receives_information = models.BooleanField(_("information"), default=True)
    receives_newsletter = models.BooleanField(_("newsletters"), default=True)
    receives_invitation = models.BooleanField(_("meeting and activity invitations"), default=True)
    # The coordinator's words on why it ended (a declined request, an unsubscription on the
    # member's request). Kept here, not in the audit log, which can never be erased: the
    # person's erasure clears it with the rest of the membership (personal_data.py).
    end_note = models.TextField(_("note on the ending"), blank=True, max_length=500)
    # Folded copies of the person's name and e-mail (person_keys): the member list sorts and
    # searches a BIN of 10,000 members on these without joining each member to their person.
    # save() fills them; members.receivers keeps them in step when the person changes.
    last_name_key = models.CharField(max_length=NAME_KEY_LENGTH, blank=True, editable=False)
    first_name_key = models.CharField(max_length=NAME_KEY_LENGTH, blank=True, editable=False)
    search_text = models.CharField(max_length=SEARCH_TEXT_LENGTH, blank=True, editable=False)
    # The same for the street (street_key): save() fills it, members.receivers follows a
    # renamed street.
    street_key = models.CharField(max_length=STREET_KEY_LENGTH, blank=True, editable=False)
    # A confirmed sign-up left waiting for approval: when its coordinators were reminded, and
    # when the BIN's other partners were told (nabuur.members.escalation). Set once each.
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    handed_over_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "network"],
                condition=Q(status__in=CURRENT_STATUSES),
                name="one_current_membership_per_network",
            )
        ]
        indexes = [
            # The member list finds a page of a BIN's members, with the ids that break ties,
            # from these indexes alone (staff_views.member_page): one for a status filter, the
            # partial ones for the current members that the list shows by default, in name
            # order or by date joined. Those two end with the search text and the street: after
            # the unique id they change no order, but a search or a street filter over 10,000
            # members then reads the index only. (INCLUDE would say so, but SQLite lacks it.)
            models.Index(
                fields=["network", "status", "last_name_key", "first_name_key", "id"],
                name="members_list",
            ),
            models.Index(
                fields=[
                    "network",
                    "last_name_key",
                    "first_name_key",
                    "id",
                    "search_text",
                    "street",
                ],
                condition=Q(status__in=CURRENT_STATUSES),
                name="members_current_by_name",
            ),
            models.Index(
                fields=["network", "requested_at", "id", "search_text", "street"],
                condition=Q(status__in=CURRENT_STATUSES),
                name="members_current_by_joined",
            ),
            models.Index(
                fields=["network", "street_key", "house_number", "id", "search_text", "street"],
                condition=Q(status__in=CURRENT_STATUSES),
                name="members_current_by_street",
            ),
            # The member list's counts per status read this narrow index only.
            models.Index(fields=["network", "status"], name="members_by_status"),
            models.Index(fields=["status", "left_at"]),
            models.Index(fields=["network", "street"], name="members_by_street"),
            models.Index(fields=["network", "requested_at"], name="members_by_joined"),
            # The worker looks for suspensions that end.
            models.Index(
                fields=["suspended_until"],
                condition=Q(status="suspended"),
                name="suspensions_to_end",
            ),
        ]

    def __str__(self):
        return f"membership #{self.pk}"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "user" in update_fields:
            user = self.user
            for field, value in person_keys(user.first_name, user.last_name, user.email).items():
                setattr(self, field, value)
            if update_fields is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], *PERSON_KEYS}
        if update_fields is None or "street" in update_fields:
            street = self.street
            self.street_key = street_key(street.name_nl, street.name_fr, street.name_de)
            if update_fields is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "street_key"}
        super().save(*args, **kwargs)

    @property
    def letters_by_post(self):
        """A member without an e-mail address receives every message as a printed letter."""
        return not self.user.email

    @property
    def address_line(self):
        return address_line(self.street.name, self.house_number, self.house_number_suffix, self.box)


class StatusCount(models.Model):
    """A change in how many memberships a BIN has in one status, written by the database.

    Triggers on Membership (migration 0011) add these rows whenever a statement inserts,
    deletes or moves memberships between BINs or statuses: on PostgreSQL one row per BIN and
    status for each statement, on SQLite one per membership. A BIN's count per status is the
    sum of its rows (`counts.SUMS`): the member list reads a handful of rows instead
    of counting 10,000 index entries on every page. The worker folds each BIN's rows into one
    per status (`counts.fold_status_counts`).

    Rows are only added, never updated in place, so two writers in one BIN never wait for each
    other's count (an import running for a minute does not hold up a join). No foreign key:
    the rows of a deleted BIN's last memberships may outlive it, and sum to nothing.

    On SQLite a migration that changes Membership's table rebuilds it without its triggers:
    after every `migrate` (and `flush`) `counts.recount_on_sqlite` creates them again and
    counts the memberships anew (tests/test_status_counts.py).
    """

    network = models.ForeignKey(
        Network, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    status = models.CharField(max_length=10, choices=MembershipStatus.choices)
    change = models.IntegerField()

    def __str__(self):
        return f"{self.network_id} {self.status} {self.change:+d}"


# The member's choices of message classes, in the order their page shows them.
MESSAGE_CLASS_FIELDS = (
    "receives_prevention",
    "receives_information",
    "receives_newsletter",
    "receives_invitation",
)


class ConsentChannel(models.TextChoices):
    WEB = "web", _("web form")
    PAPER = "paper", _("paper form")
    PHONE = "phone", _("by telephone")
    IMPORT = "import", _("imported list")


class Consent(models.Model):
    """A person accepted one version of the house rules or the privacy notice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="consents")
    accepted_at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=10, choices=ConsentChannel.choices)
    # How consent was given outside the web form, e.g. "paper form signed on 3 May".
    source_note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-accepted_at"]

    def __str__(self):
        return f"consent #{self.pk}"


class AddressRequestStatus(models.TextChoices):
    OPEN = "open", _("waiting for the police")
    ASSIGNED = "assigned", _("assigned to a BIN")
    CLOSED = "closed", _("closed without a BIN")


class AddressRequest(models.Model):
    """A sign-up whose address lies outside every BIN: the zone's police decide which BIN fits.

    No person row exists yet; it is created when the police assign the request to a BIN.
    """

    zone = models.ForeignKey(
        "zones.Zone", on_delete=models.CASCADE, related_name="address_requests"
    )
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    email = models.EmailField(_("e-mail address"))
    phone = models.CharField(_("mobile number"), max_length=32, blank=True)
    street_name = models.CharField(_("street"), max_length=200)
    house_number = models.CharField(_("house number"), max_length=16)
    box = models.CharField(_("box"), max_length=16, blank=True)
    postcode = models.CharField(_("postcode"), max_length=4)
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices, default=Basis.LIVES)
    enterprise_number = models.CharField(_("enterprise number"), max_length=12, blank=True)
    language = models.CharField(_("language"), max_length=2, blank=True)
    # The document versions accepted on the form, recorded as consents on assignment.
    documents = models.ManyToManyField(Document, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=AddressRequestStatus.choices, default=AddressRequestStatus.OPEN
    )
    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("address request")
        verbose_name_plural = _("address requests")
        ordering = ["requested_at"]
        indexes = [
            models.Index(
                fields=["zone", "requested_at"],
                condition=Q(status="open"),
                name="open_address_requests",
            )
        ]

    def __str__(self):
        return f"address request #{self.pk}"


class LoginLink(models.Model):
    """An e-mailed login link for a resident. Only a hash of the token is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("login link")
        verbose_name_plural = _("login links")

    def __str__(self):
        return f"login link #{self.pk}"


class MeasureKind(models.TextChoices):
    WRITTEN_REPRIMAND = "written_reprimand", _("written reprimand")
    TEMPORARY_SUSPENSION = "temporary_suspension", _("temporary suspension")
    PERMANENT_SUSPENSION = "permanent_suspension", _("permanent suspension")


class MeasureState(models.TextChoices):
    PROPOSED = "proposed", _("proposed, waiting for confirmation")
    CONFIRMED = "confirmed", _("confirmed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class MeasureSide(models.TextChoices):
    """The two sides that decide a measure together (the values of staff's Kind)."""

    COORDINATOR = "coordinator", _("coordinator")
    OFFICER = "officer", _("mandated officer")


class Measure(models.Model):
    """A measure against a member, decided by the BIN's coordinator and officer together.

    Each of the three is proposed by one side (a coordinator or the officer) with its reason and
    takes effect only when the other side confirms it. A member who gets letters instead of
    e-mail (`Membership.letters_by_post`) is told by a letter, which waits to be posted
    (`by_letter` and no `letter_posted_at`).
    """

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("measure"), max_length=24, choices=MeasureKind.choices)
    reason = models.TextField(_("reason"))
    until = models.DateField(_("until"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=MeasureState.choices, default=MeasureState.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    # The side the proposer spoke for; the other side confirms. Blank on older proposals.
    proposed_as = models.CharField(max_length=12, choices=MeasureSide.choices, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    by_letter = models.BooleanField(_("told by letter"), default=False)
    letter_posted_at = models.DateTimeField(_("letter posted"), null=True, blank=True)
    letter_posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A proposal left waiting for the other side: when it was reminded, and when the BIN's
    # other partners were told (nabuur.members.escalation). Set once each.
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    handed_over_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["-proposed_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="temporary_suspension") | Q(until__isnull=False),
                name="temporary_suspension_has_an_end",
            ),
            # One decision at a time: the other side confirms or someone withdraws it first.
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(state="proposed"),
                name="one_proposed_measure_per_member",
            ),
        ]

    def __str__(self):
        return f"measure #{self.pk}"

    @property
    def letter_to_post(self):
        return self.by_letter and self.letter_posted_at is None


class BlockedPerson(models.Model):
    """Someone permanently suspended in a zone, kept as keyed hashes only, to refuse a rejoin.

    `value_hash` is an HMAC (keyed with SECRET_KEY) of a normalised e-mail address or postal
    address: it can only be matched against a new sign-up, never read back.
    """

    zone = models.ForeignKey("zones.Zone", on_delete=models.CASCADE, related_name="+")
    value_hash = models.CharField(max_length=64)
    measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.SET_NULL, related_name="blocks"
    )
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("blocked person")
        verbose_name_plural = _("blocked people")
        indexes = [
            models.Index(fields=["zone", "value_hash"]),
            models.Index(fields=["expires_at"]),
        ]

    def __str__(self):
        return f"blocked person #{self.pk}"
