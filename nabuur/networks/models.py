from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from nabuur.zones.models import Municipality, Street, Zone, localized


class BinType(models.Model):
    """A kind of network a zone runs. BIN and BIN-Z are built in; zones may add their own."""

    BIN = "bin"
    BIN_Z = "bin-z"

    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="bin_types")
    code = models.SlugField(max_length=30)
    name_nl = models.CharField(max_length=100)
    name_fr = models.CharField(max_length=100)
    name_de = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    # BIN-Z and its kind: members join as a business (with an optional enterprise number).
    for_businesses = models.BooleanField(default=False)
    built_in = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("BIN type")
        verbose_name_plural = _("BIN types")
        constraints = [
            models.UniqueConstraint(fields=["zone", "code"], name="unique_bin_type_per_zone")
        ]
        ordering = ["-built_in", "code"]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return localized(self, "name")


class NetworkStatus(models.TextChoices):
    PREPARATION = "preparation", _("in preparation")
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspended")
    MERGED = "merged", _("merged")
    STOPPED = "stopped", _("stopped")


class Network(models.Model):
    """A buurtinformatienetwerk (BIN): one area, its members, its coordinators and officer."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="networks"
    )
    bin_type = models.ForeignKey(BinType, on_delete=models.PROTECT, related_name="networks")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(unique=True, max_length=80)
    status = models.CharField(
        _("status"), max_length=20, choices=NetworkStatus.choices, default=NetworkStatus.PREPARATION
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    requires_approval = models.BooleanField(_("a coordinator approves new members"), default=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_networks"
    )
    # What the coordinator agreed to publish on the public page; nothing else is shown.
    contact_name = models.CharField(_("published contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("published contact e-mail address"), blank=True)
    contact_phone = models.CharField(_("published contact telephone"), max_length=32, blank=True)
    # Drawn around the addresses the segments cover (networks.areas), again whenever segments
    # or addresses change: a GeoJSON geometry (WGS84, lon/lat), "" while it covers none.
    area = models.TextField(blank=True, default="", editable=False)
    # The addresses (boxes included) the segments cover, counted with the area.
    dwellings = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("BIN")
        verbose_name_plural = _("BINs")
        ordering = ["municipality__name_nl", "name"]

    def __str__(self):
        return self.name

    @property
    def zone(self):
        return self.municipality.zone

    @property
    def accepts_members(self):
        return self.status in {NetworkStatus.ACTIVE, NetworkStatus.PREPARATION}


class Side(models.TextChoices):
    BOTH = "both", _("both sides")
    EVEN = "even", _("even numbers")
    ODD = "odd", _("odd numbers")


class Segment(models.Model):
    """Part of a street in a BIN's area: a house-number range on one or both sides."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="segments")
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="segments")
    number_from = models.PositiveIntegerField(_("from number"), default=1)
    # Empty means "to the end of the street".
    number_to = models.PositiveIntegerField(_("to number"), null=True, blank=True)
    side = models.CharField(_("side"), max_length=4, choices=Side.choices, default=Side.BOTH)

    class Meta:
        verbose_name = _("street segment")
        verbose_name_plural = _("street segments")
        constraints = [
            models.CheckConstraint(
                condition=Q(number_to__isnull=True) | Q(number_to__gte=F("number_from")),
                name="segment_range_ascending",
            ),
            models.CheckConstraint(condition=Q(number_from__gte=1), name="segment_starts_at_one"),
        ]
        indexes = [models.Index(fields=["street", "number_from"])]
        ordering = ["street__name_nl", "number_from"]

    def __str__(self):
        return f"{self.street} {self.describe_range()}"

    def covers(self, number: int) -> bool:
        if number < self.number_from:
            return False
        if self.number_to is not None and number > self.number_to:
            return False
        if self.side == Side.EVEN:
            return number % 2 == 0
        if self.side == Side.ODD:
            return number % 2 == 1
        return True

    def describe_range(self):
        return describe_numbers(self.number_from, self.number_to, self.side)


def describe_numbers(number_from, number_to, side):
    """A segment's house numbers in words, in the active language: "1 to 99, odd numbers"."""
    if number_from == 1 and number_to is None:
        numbers = gettext("all numbers")
    elif number_to is None:
        numbers = gettext("from %(start)s") % {"start": number_from}
    else:
        numbers = gettext("%(start)s to %(end)s") % {"start": number_from, "end": number_to}
    if side == Side.BOTH:
        return numbers
    return f"{numbers}, {Side(side).label}"


class MeasureKind(models.TextChoices):
    """The steps against a coordinator, from the mildest to the last (see docs/domain)."""

    CONVERSATION = "conversation", _("conversation")
    WRITTEN_REPRIMAND = "reprimand", _("written reprimand by the zone chief")
    TEMPORARY_REMOVAL = "temporary", _("temporary removal")
    DEFINITIVE_REMOVAL = "definitive", _("definitive removal by the administrative authority")


# A coordinator may appeal a definitive removal within three weeks of the decision.
APPEAL_PERIOD_DAYS = 21


class CoordinatorMeasure(models.Model):
    """A measure taken against a coordinator, with who decided it, when and why."""

    assignment = models.ForeignKey(
        "staff.RoleAssignment", on_delete=models.PROTECT, related_name="measures"
    )
    kind = models.CharField(_("measure"), max_length=12, choices=MeasureKind.choices)
    decided_on = models.DateField(_("decided on"))
    # Who decided, as named in the decision: "the zone chief", "the mayor of Edegem".
    decided_by = models.CharField(_("decided by"), max_length=200)
    reasons = models.TextField(_("reasons"), blank=True)
    removed_until = models.DateField(_("removed until"), null=True, blank=True)
    appeal_deadline = models.DateField(_("appeal possible until"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("measure against a coordinator")
        verbose_name_plural = _("measures against coordinators")
        ordering = ["decided_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="temporary") | Q(removed_until__isnull=False),
                name="temporary_removal_has_an_end",
            ),
            models.CheckConstraint(
                condition=~Q(kind="definitive") | ~Q(reasons=""),
                name="definitive_removal_has_reasons",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"
