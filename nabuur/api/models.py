"""Tokens that let another system (a zone's website, the provincial 101 dispatch) read more than
the public API gives: per-BIN statistics and the dispatch lookup."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from nabuur.zones.models import Zone


class Scope(models.TextChoices):
    STATISTICS = "statistics", _("statistics of each BIN by year")
    DISPATCH = "dispatch", _("dispatch lookup: the BIN, its officers and the zone's number")


def digest(secret: str) -> str:
    # The secret has 256 random bits: a fast hash is enough, and it lets a request find its
    # token with one indexed query. Only the digest is stored.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A named, scoped token. The secret is shown once at creation; only its digest is kept."""

    name = models.CharField(_("name"), max_length=100)
    # The first characters of the secret ("nbr_AbC12345"): how people tell tokens apart, and
    # what a second zone's administrator types to add their zone. Not enough to use it.
    prefix = models.CharField(_("token id"), max_length=12, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    zones = models.ManyToManyField(Zone, through="TokenZone", related_name="api_tokens")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self):
        return self.revoked_at is None

    def get_scopes_display(self):
        return [Scope(scope).label for scope in self.scopes if scope in Scope.values]


class TokenZone(models.Model):
    """A zone whose data a token reads, and the administrator of that zone who agreed.

    A provincial dispatch centre serves several zones: its token covers each zone whose own
    administrator added it (the first one by creating the token).
    """

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="token_zones")
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("zone of an API token")
        verbose_name_plural = _("zones of API tokens")
        constraints = [
            models.UniqueConstraint(fields=["token", "zone"], name="api_token_zone_once")
        ]

    def __str__(self):
        return f"{self.token_id} → {self.zone_id}"
