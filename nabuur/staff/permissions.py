"""Who may do what, and where: the one place that decides.

`MATRIX` is the table of issue 3 as data: for each capability, which kind of person holds it and
how far it reaches. Views never test roles themselves; they call `can()` or an access function
from nabuur.staff.access. The authorization tests read this same table.
"""

from dataclasses import dataclass, field
from operator import attrgetter

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nabuur.lib import clock
from nabuur.networks.models import Network
from nabuur.zones.models import ControllerKind, Municipality, Zone
from nabuur.zones.site import only_host_zone

from .models import COORDINATOR_ROLES, OFFICER_ROLES, Role, RoleAssignment, held_on


class Capability(models.TextChoices):
    OWN_DATA = "own_data", _("own data, memberships, received messages")
    VIEW_MEMBERS = "view_members", _("member list and contact details")
    MANAGE_MEMBERS = "manage_members", _("approve, add, edit, unsubscribe members")
    MEMBER_MEASURES = "member_measures", _("propose or confirm measures against members")
    COMPOSE_MESSAGES = "compose_messages", _("compose messages")
    APPROVE_MESSAGES = "approve_messages", _("approve coordinators' messages")
    FORWARD_POLICE_MESSAGES = "forward_police_messages", _("forward or decline police messages")
    INVITE_COORDINATORS = "invite_coordinators", _("screen and invite coordinators")
    INVITE_STAFF = "invite_staff", _("invite officers and municipality contacts")
    COORDINATOR_MEASURES = "coordinator_measures", _("record measures against coordinators")
    VIEW_NETWORKS = "view_networks", _("view BINs")
    MANAGE_NETWORKS = "manage_networks", _("create, edit, merge and stop BINs; area segments")
    MANAGE_ZONE = "manage_zone", _("the zone's contact details, data controller and retention")
    SIGN_CHARTER = "sign_charter", _("sign the charter")
    RECORD_FOD_EXCHANGE = "record_fod_exchange", _("record the charter's exchange with the FOD")
    EDIT_EVALUATION = "edit_evaluation", _("edit and sign the evaluation")
    VIEW_EVALUATION = "view_evaluation", _("view the evaluation")
    VIEW_FIGURES = "view_figures", _("figures and overview")
    VIEW_AUDIT_LOG = "view_audit_log", _("audit log")
    EXPORT_ALERTS = "export_alerts", _("build an alert file (CAP) of BIN areas for BE-Alert")


class Kind(models.TextChoices):
    """The columns of the table: the kinds of person, whatever their exact role."""

    MEMBER = "member", _("member")
    COORDINATOR = "coordinator", _("coordinator")
    OFFICER = "officer", _("officer")
    MUNICIPALITY_CONTACT = "municipality_contact", _("municipality contact")
    ZONE_ADMIN = "zone_admin", _("zone administrator")


class Reach(models.TextChoices):
    """How far a capability reaches from the role's own scope."""

    SELF = "self", _("own data")
    OWN_BINS = "own_bins", _("own BINs")
    MUNICIPALITY = "municipality", _("own municipality")
    # Member data for a municipality contact only where the zone makes the municipality a
    # (joint) controller of the data.
    MUNICIPALITY_IF_CONTROLLER = "municipality_if_controller", _("own municipality, if controller")
    ZONE = "zone", _("zone")


K, R = Kind, Reach
MATRIX = {
    Capability.OWN_DATA: {
        K.MEMBER: R.SELF,
        K.COORDINATOR: R.SELF,
        K.OFFICER: R.SELF,
        K.MUNICIPALITY_CONTACT: R.SELF,
        K.ZONE_ADMIN: R.SELF,
    },
    Capability.VIEW_MEMBERS: {
        K.COORDINATOR: R.OWN_BINS,
        K.OFFICER: R.OWN_BINS,
        K.MUNICIPALITY_CONTACT: R.MUNICIPALITY_IF_CONTROLLER,
        K.ZONE_ADMIN: R.ZONE,
    },
    Capability.MANAGE_MEMBERS: {
        K.COORDINATOR: R.OWN_BINS,
        K.OFFICER: R.OWN_BINS,
        K.ZONE_ADMIN: R.ZONE,
    },
    Capability.MEMBER_MEASURES: {K.COORDINATOR: R.OWN_BINS, K.OFFICER: R.OWN_BINS},
    Capability.COMPOSE_MESSAGES: {
        K.COORDINATOR: R.OWN_BINS,
        K.OFFICER: R.OWN_BINS,
        K.ZONE_ADMIN: R.ZONE,
    },
    Capability.APPROVE_MESSAGES: {K.OFFICER: R.OWN_BINS},
    Capability.FORWARD_POLICE_MESSAGES: {K.COORDINATOR: R.OWN_BINS},
    Capability.INVITE_COORDINATORS: {K.OFFICER: R.OWN_BINS, K.ZONE_ADMIN: R.ZONE},
    Capability.EXPORT_ALERTS: {K.OFFICER: R.OWN_BINS, K.ZONE_ADMIN: R.ZONE},
    Capability.INVITE_STAFF: {K.ZONE_ADMIN: R.ZONE},
    Capability.COORDINATOR_MEASURES: {K.ZONE_ADMIN: R.ZONE},
    Capability.VIEW_NETWORKS: {
        K.COORDINATOR: R.OWN_BINS,
        K.OFFICER: R.OWN_BINS,
        K.MUNICIPALITY_CONTACT: R.MUNICIPALITY,
        K.ZONE_ADMIN: R.ZONE,
    },
    Capability.MANAGE_NETWORKS: {K.ZONE_ADMIN: R.ZONE},
    Capability.MANAGE_ZONE: {K.ZONE_ADMIN: R.ZONE},
    Capability.SIGN_CHARTER: {
        K.COORDINATOR: R.OWN_BINS,
        K.OFFICER: R.OWN_BINS,
        K.MUNICIPALITY_CONTACT: R.MUNICIPALITY,
    },
    # The zone administrator usually sends the signed copy to the FOD, without signing.
    Capability.RECORD_FOD_EXCHANGE: {
        K.COORDINATOR: R.OWN_BINS,
        K.OFFICER: R.OWN_BINS,
        K.MUNICIPALITY_CONTACT: R.MUNICIPALITY,
        K.ZONE_ADMIN: R.ZONE,
    },
    Capability.EDIT_EVALUATION: {K.COORDINATOR: R.OWN_BINS, K.OFFICER: R.OWN_BINS},
    Capability.VIEW_EVALUATION: {
        K.COORDINATOR: R.OWN_BINS,
        K.OFFICER: R.OWN_BINS,
        K.MUNICIPALITY_CONTACT: R.MUNICIPALITY,
        K.ZONE_ADMIN: R.ZONE,
    },
    Capability.VIEW_FIGURES: {
        K.COORDINATOR: R.OWN_BINS,
        K.OFFICER: R.OWN_BINS,
        K.MUNICIPALITY_CONTACT: R.MUNICIPALITY,
        K.ZONE_ADMIN: R.ZONE,
    },
    Capability.VIEW_AUDIT_LOG: {K.ZONE_ADMIN: R.ZONE},
}
del K, R


def kind_of(role):
    if role in COORDINATOR_ROLES:
        return Kind.COORDINATOR
    if role in OFFICER_ROLES:
        return Kind.OFFICER
    if role == Role.MUNICIPALITY_CONTACT:
        return Kind.MUNICIPALITY_CONTACT
    return Kind.ZONE_ADMIN


@dataclass
class Area:
    """A set of places: single BINs, all BINs of a municipality, municipalities, zones."""

    networks: set = field(default_factory=set)
    municipality_bins: set = field(default_factory=set)
    municipalities: set = field(default_factory=set)
    zones: set = field(default_factory=set)

    def add(self, other):
        self.networks |= other.networks
        self.municipality_bins |= other.municipality_bins
        self.municipalities |= other.municipalities
        self.zones |= other.zones

    def __bool__(self):
        return bool(self.networks or self.municipality_bins or self.municipalities or self.zones)

    def covers(self, obj):
        """True if the object (a BIN, municipality or zone) lies inside this area."""
        if isinstance(obj, Network):
            municipality_id = obj.municipality_id
            return (
                obj.pk in self.networks
                or municipality_id in self.municipality_bins
                or municipality_id in self.municipalities
                or obj.municipality.zone_id in self.zones
            )
        if isinstance(obj, Municipality):
            return obj.pk in self.municipalities or obj.zone_id in self.zones
        if isinstance(obj, Zone):
            return obj.pk in self.zones
        raise TypeError(f"No scope rule for {type(obj).__name__}.")

    def network_filter(self):
        """A Q() on Network for the BINs inside this area (matches nothing if empty)."""
        query = Q(pk__in=[])
        if self.networks:
            query |= Q(pk__in=self.networks)
        if self.municipality_bins or self.municipalities:
            query |= Q(municipality__in=self.municipality_bins | self.municipalities)
        if self.zones:
            query |= Q(municipality__zone__in=self.zones)
        return query


def _role_area(assignment, reach):
    if reach == Reach.MUNICIPALITY_IF_CONTROLLER:
        zone = assignment.municipality.zone
        if zone is None or zone.controller_kind not in {
            ControllerKind.MUNICIPALITY,
            ControllerKind.JOINT,
        }:
            return Area()
        reach = Reach.MUNICIPALITY
    if assignment.network_id:
        return Area(networks={assignment.network_id})
    if assignment.municipality_id:
        # A general coordinator coordinates every BIN of the municipality, not the municipality.
        if reach == Reach.OWN_BINS:
            return Area(municipality_bins={assignment.municipality_id})
        return Area(municipalities={assignment.municipality_id})
    return Area(zones={assignment.zone_id})


@dataclass
class Scopes:
    """What one person may reach, computed once per request by `scopes_for()`."""

    user_id: int | None
    # Every place where the person holds an open role, screened or not: outside it, 404.
    area: Area = field(default_factory=Area)
    grants: dict = field(default_factory=dict)
    kinds: set = field(default_factory=set)
    assignments: list = field(default_factory=list)

    @property
    def is_staff(self):
        return bool(self.assignments)

    def grant(self, capability):
        return self.grants.get(capability) or Area()


def open_assignments(user):
    """The roles a person holds today, oldest first, with the municipality (and its zone) or
    the zone that a role covers; during a request to a zone's host name, those in that zone."""
    roles = RoleAssignment.objects.filter(held_on(clock.today()), user=user)
    # On a zone's own host name a person acts only in the roles they hold in that zone: every
    # scope, capability and capacity follows, so nothing of another zone shows.
    roles = only_host_zone(roles, "zone", "municipality__zone", "network__municipality__zone")
    # Every staff page asks this. Most staff hold roles over single BINs, which need nothing
    # more: joining the municipality and zone tables in would cost them more than the one
    # extra query that the other roles get below. Sorting a person's few roles in Python is
    # cheaper for Django than building an ORDER BY.
    roles = sorted(roles, key=attrgetter("pk"))
    municipality_ids = {role.municipality_id for role in roles if role.municipality_id}
    if municipality_ids:
        # Never the zone's logo (up to 200 kB) on every staff page: it has its own address.
        municipalities = (
            Municipality.objects.select_related("zone")
            .defer("zone__logo")
            .in_bulk(municipality_ids)
        )
        for role in roles:
            if role.municipality_id:
                role.municipality = municipalities[role.municipality_id]
    zone_ids = {role.zone_id for role in roles if role.zone_id}
    if zone_ids:
        zones = Zone.objects.defer("logo").in_bulk(zone_ids)
        for role in roles:
            if role.zone_id:
                role.zone = zones[role.zone_id]
    return roles


def scopes_for(user):
    """The person's scope and capabilities, cached on the user object for the request."""
    cached = getattr(user, "_nabuur_scopes", None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False):
        return Scopes(user_id=None)
    scopes = Scopes(user_id=user.pk, assignments=open_assignments(user))
    scopes.kinds.add(Kind.MEMBER)
    for assignment in scopes.assignments:
        kind = kind_of(assignment.role)
        scopes.area.add(_role_area(assignment, Reach.MUNICIPALITY))
        if kind == Kind.COORDINATOR and not assignment.is_screened:
            continue
        scopes.kinds.add(kind)
        for capability, reaches in MATRIX.items():
            reach = reaches.get(kind)
            if reach is None or reach == Reach.SELF:
                continue
            scopes.grants.setdefault(capability, Area()).add(_role_area(assignment, reach))
    user._nabuur_scopes = scopes
    return scopes


def forget_scopes(user):
    """Drop the cached scopes, after a role of this person changed."""
    user.__dict__.pop("_nabuur_scopes", None)


def _place_of(obj):
    # Records that belong to a BIN (a membership, a message) are judged by their BIN.
    if isinstance(obj, Network | Municipality | Zone):
        return obj
    network = getattr(obj, "network", None)
    if isinstance(network, Network):
        return network
    raise TypeError(f"No scope rule for {type(obj).__name__}.")


def in_scope(user, obj):
    """True if the object lies where the person holds a role (else it must look missing)."""
    return scopes_for(user).area.covers(_place_of(obj))


def can(user, capability, obj=None):
    """True if `user` holds `capability` over `obj` (a BIN, municipality, zone or BIN record).

    Without `obj`: whether the capability is held anywhere. For OWN_DATA, `obj` is the person
    or a record of theirs (with a `user` attribute).
    """
    capability = Capability(capability)
    if not getattr(user, "is_authenticated", False):
        return False
    if capability == Capability.OWN_DATA:
        if obj is None:
            return True
        owner_id = obj.pk if obj.__class__ is user.__class__ else getattr(obj, "user_id", None)
        return owner_id == user.pk
    area = scopes_for(user).grant(capability)
    if obj is None:
        return bool(area)
    return area.covers(_place_of(obj))


# In which capacity a person acts where several of their roles reach: at a place, the police
# first (they answer for the BIN), then the BIN's own volunteers, then the municipality; with no
# place, the widest role.
_CAPACITY_AT_PLACE = [Kind.OFFICER, Kind.ZONE_ADMIN, Kind.COORDINATOR, Kind.MUNICIPALITY_CONTACT]
_CAPACITY_WIDEST = [Kind.ZONE_ADMIN, Kind.OFFICER, Kind.MUNICIPALITY_CONTACT, Kind.COORDINATOR]


def capacity(user, place=None, capability=None):
    """In what capacity `user` acts: a `Kind`, or None.

    `place` is a BIN, municipality, zone or a record of a BIN (a membership, a message). With
    a `capability`, only the roles that grant it over `place` count; without one, every role
    that reaches `place`. A coordinator who is not yet screened acts in no capacity. A
    signed-in person whom no role covers acts as a member (`Kind.MEMBER`) when no capability
    is asked for; an anonymous visitor acts in none.

    This is the only place that decides it: messages' author side, measures, charter
    signatures and every audit entry's role ask here.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    scopes = scopes_for(user)
    place = _place_of(place) if place is not None else None
    if capability is not None:
        capability = Capability(capability)
    reaching = set()
    for assignment in scopes.assignments:
        kind = kind_of(assignment.role)
        if kind not in scopes.kinds:
            continue  # an unscreened coordinator
        if capability is None:
            reach = Reach.MUNICIPALITY
        else:
            reach = MATRIX[capability].get(kind)
            if reach is None or reach == Reach.SELF:
                continue
        if place is None or _role_area(assignment, reach).covers(place):
            reaching.add(kind)
    order = _CAPACITY_AT_PLACE if place is not None else _CAPACITY_WIDEST
    found = next((kind for kind in order if kind in reaching), None)
    if found is None and capability is None:
        return Kind.MEMBER
    return found


def networks_where(user, capability):
    """The BINs where `user` holds `capability`, as a queryset."""
    return Network.objects.filter(scopes_for(user).grant(Capability(capability)).network_filter())
