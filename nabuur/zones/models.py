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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("police zone")
        verbose_name_plural = _("police zones")
        ordering = ["name"]

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
