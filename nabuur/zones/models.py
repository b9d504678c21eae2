from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from nabuur.lib.languages import LanguageRegime, regime_languages, union_languages


def localized(obj, field, language=None):
    """The `field_<lang>` value in the active language, falling back to nl, fr, de."""
    language = (language or get_language() or "nl")[:2]
    for lang in (language, "nl", "fr", "de"):
        value = getattr(obj, f"{field}_{lang}", "")
        if value:
            return value
    return ""


class ControllerKind(models.TextChoices):
    POLICE_ZONE = "police_zone", _("the police zone")
    MUNICIPALITY = "municipality", _("the municipality")
    COORDINATOR = "coordinator", _("the BIN coordinator")
    JOINT = "joint", _("the police zone and the municipality, jointly")


class Zone(models.Model):
    """A police zone: the tenant that runs Nabuur for its municipalities."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    # One install may serve several zones, each on its own host name (#18): the request's host
    # decides which zone a page is about. Empty on an install that serves a single zone.
    host = models.CharField(
        _("host name"),
        max_length=253,
        blank=True,
        default="",
        validators=[
            RegexValidator(
                r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$",
                _("Enter a host name in lower case, such as bin.pz-example.be, without https://."),
            )
        ],
        help_text=_("The name this zone's site answers on, such as bin.pz-example.be."),
    )
    number = models.CharField(_("zone number"), max_length=8, blank=True)
    email = models.EmailField(_("e-mail address"))
    phone = models.CharField(
        _("telephone number"), max_length=32, help_text=_("Not for emergencies.")
    )
    website = models.URLField(_("website"), blank=True)
    postal_address = models.TextField(_("postal address"))
    non_emergency_number = models.CharField(_("police number"), max_length=16, default="101")
    emergency_number = models.CharField(_("emergency number"), max_length=16, default="112")

    controller_kind = models.CharField(
        _("data controller"),
        max_length=20,
        choices=ControllerKind.choices,
        default=ControllerKind.POLICE_ZONE,
    )
    controller_name = models.CharField(_("controller's name"), max_length=200)
    controller_address = models.TextField(_("controller's address"))
    controller_email = models.EmailField(_("controller's e-mail address"))
    dpo_name = models.CharField(_("data protection officer"), max_length=200)
    dpo_email = models.EmailField(_("data protection officer's e-mail address"))

    retention_left_days = models.PositiveIntegerField(
        _("days to keep the data of members who left"), default=30
    )
    retention_unconfirmed_days = models.PositiveIntegerField(
        _("days to keep unconfirmed sign-ups"), default=7
    )
    retention_address_requests_days = models.PositiveIntegerField(
        _("days to keep a sign-up from outside every BIN that nobody handled"), default=30
    )
    retention_measures_days = models.PositiveIntegerField(
        _("days to keep the record of a permanent suspension"), default=5 * 365
    )
    retention_replies_days = models.PositiveIntegerField(
        _("days to keep members' e-mail replies to messages"), default=30
    )
    accessibility_email = models.EmailField(_("e-mail address for accessibility feedback"))

    # How long a person may leave a waiting item before the worker reminds them, and (past
    # twice this) hands it to the BIN's other partners (#16, messaging/members escalation).
    deadline_forward_hours = models.PositiveIntegerField(
        _("hours a coordinator has to forward a police message"), default=48
    )
    deadline_signup_days = models.PositiveIntegerField(
        _("days a coordinator has to handle a sign-up"), default=7
    )
    deadline_measure_days = models.PositiveIntegerField(
        _("days to confirm a proposed measure"), default=7
    )
    deadline_evaluation_days = models.PositiveIntegerField(
        _("days after the period to sign the yearly evaluation"), default=30
    )

    # Maps show BIN areas without any background until the zone picks a tile server: each
    # tile request tells that server where the visitor looks, so the privacy notice names it.
    map_tile_url = models.CharField(
        _("map tile server"),
        max_length=300,
        blank=True,
        validators=[
            RegexValidator(
                r"^https://[^\s{}]+(\{[sxyz]\}[^\s{}]*)+$",
                _("Enter an https address with {z}, {x} and {y}, or leave it empty."),
            )
        ],
    )
    map_tile_attribution = models.CharField(_("map tile attribution"), max_length=300, blank=True)

    # The zone's look: its colour and logo theme every page, e-mail and document (#15).
    theme_colour = models.CharField(
        _("main colour"),
        max_length=7,
        default="#123c69",
        validators=[
            RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as # and six hex digits."))
        ],
    )
    # Kept in the database, not on disk, so every web and worker machine serves the same logo.
    logo = models.BinaryField(_("logo"), blank=True, default=b"", editable=False)
    logo_content_type = models.CharField(max_length=40, blank=True, editable=False)
    logo_updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("police zone")
        verbose_name_plural = _("police zones")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["host"],
                condition=~models.Q(host=""),
                name="zone_host_unique",
                violation_error_message=_("Another zone already has this host name."),
            )
        ]

    def __str__(self):
        return self.name

    @property
    def public_languages(self):
        return union_languages(self.municipalities.values_list("language_regime", flat=True))


class Municipality(models.Model):
    """A Belgian municipality (reference data), run by one zone once that zone takes it on."""

    nis_code = models.CharField(_("NIS code"), max_length=5, unique=True)
    name_nl = models.CharField(_("name in Dutch"), max_length=100)
    name_fr = models.CharField(_("name in French"), max_length=100)
    name_de = models.CharField(_("name in German"), max_length=100, blank=True)
    zone = models.ForeignKey(
        Zone, null=True, blank=True, on_delete=models.PROTECT, related_name="municipalities"
    )
    language_regime = models.CharField(
        _("language regime"), max_length=8, choices=LanguageRegime.choices
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name_nl"]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return localized(self, "name")

    @property
    def languages(self):
        return regime_languages(self.language_regime)


class Postcode(models.Model):
    """A postcode and a municipality it serves; one postcode can serve several."""

    code = models.CharField(_("postcode"), max_length=4, db_index=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="postcodes"
    )

    class Meta:
        verbose_name = _("postcode")
        verbose_name_plural = _("postcodes")
        constraints = [
            models.UniqueConstraint(fields=["code", "municipality"], name="unique_postcode_link")
        ]
        ordering = ["code"]

    def __str__(self):
        return self.code


class Street(models.Model):
    """A street from BeSt Address, with its names in the area's languages."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="streets")
    official_id = models.CharField(_("BeSt street id"), max_length=40)
    postcode = models.CharField(_("postcode"), max_length=4)
    name_nl = models.CharField(_("name in Dutch"), max_length=200, blank=True)
    name_fr = models.CharField(_("name in French"), max_length=200, blank=True)
    name_de = models.CharField(_("name in German"), max_length=200, blank=True)
    # Folded names between bars ("|kerkstraat|rue de l eglise|", see zones.services), so the finder
    # matches a whole name in SQL without matching across two languages.
    search_names = models.CharField(max_length=700, editable=False, default="")
    # Highest house number seen in the address file, so an open-ended segment has an end.
    max_house_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = pgettext_lazy("public road", "street")
        verbose_name_plural = pgettext_lazy("public road", "streets")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "official_id"], name="unique_official_street"
            )
        ]
        indexes = [models.Index(fields=["postcode"])]
        ordering = ["name_nl", "name_fr"]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return localized(self, "name")

    def names(self):
        return [name for name in (self.name_nl, self.name_fr, self.name_de) if name]


class DocumentKind(models.TextChoices):
    HOUSE_RULES = "house_rules", _("house rules")
    PRIVACY_NOTICE = "privacy_notice", _("privacy notice")


class Document(models.Model):
    """One published version of a zone's house rules or privacy notice.

    A person accepts a version; the text of an accepted version never changes, so a new text is
    a new row.
    """

    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    version = models.PositiveIntegerField()
    published_at = models.DateTimeField()
    # Sanitized HTML per language.
    body_nl = models.TextField(blank=True)
    body_fr = models.TextField(blank=True)
    body_de = models.TextField(blank=True)
    body_en = models.TextField(blank=True)

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        constraints = [
            models.UniqueConstraint(
                fields=["zone", "kind", "version"], name="unique_document_version"
            )
        ]
        ordering = ["zone", "kind", "-version"]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}"

    def body(self, language=None):
        return localized(self, "body", language)


class Address(models.Model):
    """One current address of BeSt Address: a house number, or one box of it, with its point.

    Each box is a dwelling of its own, so a building with three boxes has three rows: BIN areas
    are drawn around these points, and their count is the dwellings a BIN covers.
    """

    street = models.ForeignKey(Street, on_delete=models.CASCADE, related_name="addresses")
    official_id = models.CharField(_("BeSt address id"), max_length=40)
    # As written in BeSt ("12", "12A"); `number` is its leading digits, which segments cover.
    house_number = models.CharField(_("house number"), max_length=16)
    number = models.PositiveIntegerField()
    box = models.CharField(_("box"), max_length=16, blank=True)
    postcode = models.CharField(_("postcode"), max_length=4)
    # WGS84 (EPSG:4326), as BeSt gives them; six decimals are about 10 cm.
    latitude = models.DecimalField(max_digits=8, decimal_places=6)
    longitude = models.DecimalField(max_digits=9, decimal_places=6)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            models.UniqueConstraint(fields=["street", "official_id"], name="unique_best_address")
        ]
        indexes = [models.Index(fields=["street", "number"])]
        ordering = ["street", "number", "house_number", "box"]

    def __str__(self):
        box = f" bus {self.box}" if self.box else ""
        return f"{self.street} {self.house_number}{box}"
