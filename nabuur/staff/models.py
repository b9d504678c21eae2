from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nabuur.networks.models import Network
from nabuur.zones.models import Municipality, Zone


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("coordinator")
    CO_COORDINATOR = "co_coordinator", _("co-coordinator")
    GENERAL_COORDINATOR = "general_coordinator", _("general coordinator")
    OFFICER = "officer", _("mandated officer")
    DEPUTY_OFFICER = "deputy_officer", _("deputy mandated officer")
    MUNICIPALITY_CONTACT = "municipality_contact", _("municipality contact")
    ZONE_ADMIN = "zone_admin", _("zone administrator")


NETWORK_ROLES = [Role.COORDINATOR, Role.CO_COORDINATOR, Role.OFFICER, Role.DEPUTY_OFFICER]
MUNICIPALITY_ROLES = [Role.GENERAL_COORDINATOR, Role.MUNICIPALITY_CONTACT]
ZONE_ROLES = [Role.ZONE_ADMIN]
COORDINATOR_ROLES = [Role.COORDINATOR, Role.CO_COORDINATOR, Role.GENERAL_COORDINATOR]
OFFICER_ROLES = [Role.OFFICER, Role.DEPUTY_OFFICER]


class ScreeningResult(models.TextChoices):
    PENDING = "pending", _("pending")
    POSITIVE = "positive", _("positive")
    NEGATIVE = "negative", _("negative")


def held_on(day, prefix=""):
    """A Q() for the role assignments held on `day`: started on or before it, and either open
    or with a last day (`ended_on`) on or after it. `prefix` reaches them through a relation,
    e.g. `held_on(today, "roles__")` on Network.

    This is the only definition of "holds the role on day D"; every query uses it.
    """
    return Q(**{f"{prefix}started_on__lte": day}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": day})
    )


def acting_on(day):
    """A Q() for the assignments that let a person act on `day`: held, and for a coordinator
    screened positive and confirmed adult (until then the role grants nothing)."""
    screened = Q(
        screening_result=ScreeningResult.POSITIVE,
        screened_on__isnull=False,
        adult_confirmed_at__isnull=False,
    )
    return held_on(day) & (~Q(role__in=COORDINATOR_ROLES) | screened)


class RoleAssignmentQuerySet(models.QuerySet):
    def held_on(self, day):
        return self.filter(held_on(day))


def partners_of(network, roles, day):
    """The people who act in one of `roles` for `network` on `day`, oldest account first:
    its own roles, and its municipality's general coordinators when `roles` holds them. Only
    active accounts with an e-mail address: the callers write to them.

    The one answer to "who are this BIN's coordinators (or officers) today".
    """
    user_ids = (
        RoleAssignment.objects.filter(acting_on(day), role__in=roles)
        .filter(Q(network=network) | Q(municipality_id=network.municipality_id))
        .values("user_id")
    )
    people = get_user_model().objects.filter(pk__in=user_ids, is_active=True)
    return list(people.exclude(email="").exclude(email__isnull=True).order_by("pk"))


class RoleAssignment(models.Model):
    """A person holds a role over a scope: one BIN, one municipality or the whole zone.

    A general coordinator coordinates every BIN of the municipality. Ended assignments stay as
    history. `ended_on` is the last day the role is held (empty while it has no end); a role
    ended "now" gets yesterday as its last day, so it grants nothing from that moment on.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )
    zone = models.ForeignKey(
        Zone, null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )
    started_on = models.DateField(_("since"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    # Coordinators only: the police screening and the coordinator's confirmation of being 18 or
    # older. Until both are recorded and the result is positive the role grants nothing.
    screened_on = models.DateField(_("screened on"), null=True, blank=True)
    screening_result = models.CharField(
        _("screening result"),
        max_length=8,
        choices=ScreeningResult.choices,
        default=ScreeningResult.PENDING,
    )
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("screened by"),
    )
    adult_confirmed_at = models.DateTimeField(
        _("confirmed being 18 or older"), null=True, blank=True
    )

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            # Each role has exactly the scope it needs.
            models.CheckConstraint(
                name="role_scope_matches_role",
                condition=(
                    Q(
                        role__in=NETWORK_ROLES,
                        network__isnull=False,
                        municipality__isnull=True,
                        zone__isnull=True,
                    )
                    | Q(
                        role__in=MUNICIPALITY_ROLES,
                        network__isnull=True,
                        municipality__isnull=False,
                        zone__isnull=True,
                    )
                    | Q(
                        role__in=ZONE_ROLES,
                        network__isnull=True,
                        municipality__isnull=True,
                        zone__isnull=False,
                    )
                ),
            ),
            *[
                models.UniqueConstraint(
                    fields=["user", "role", scope],
                    condition=Q(ended_on__isnull=True, **{f"{scope}__isnull": False}),
                    name=f"one_open_{scope}_role",
                )
                for scope in ("network", "municipality", "zone")
            ],
        ]
        indexes = [models.Index(fields=["user", "ended_on"])]

    def __str__(self):
        return f"{self.get_role_display()} #{self.pk}"

    def is_held_on(self, day):
        """The same rule as `held_on()`, for an assignment already in memory."""
        return self.started_on <= day and (self.ended_on is None or self.ended_on >= day)

    @property
    def is_coordinator(self):
        return self.role in COORDINATOR_ROLES

    @property
    def is_screened(self):
        """A coordinator may act only once screened positive and confirmed adult."""
        return (
            self.screening_result == ScreeningResult.POSITIVE
            and self.screened_on is not None
            and self.adult_confirmed_at is not None
        )

    @property
    def scope(self):
        return self.network or self.municipality or self.zone
