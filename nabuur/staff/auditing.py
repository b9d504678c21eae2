"""Write audit entries that name the capacity the person acted in and the zone they acted in.

`nabuur.audit` knows no roles and no places (it sits below every app). Apps above `staff` record
through these two functions, which ask `permissions.capacity()` once, so every entry's role is
decided by the same rule, and `zone_of()` once, so every entry reaches the administrators of the
zone it belongs to (and only them).
"""

from django.db import models

from nabuur.audit.services import record as _append
from nabuur.networks.models import Network
from nabuur.zones.models import Municipality, Zone

from .permissions import capacity


def record(actor, action, *, place=None, capability=None, role=None, zone=None, **entry):
    """Append an audit entry for `actor` acting at `place` (a BIN, municipality, zone or a
    record of a BIN); the entry's role is the capacity they act in there, its zone the zone
    that place lies in.

    `place` defaults to `target` when that is a place. `capability` narrows the capacity to the
    roles that grant it. `role` overrides it where the action itself names the capacity (a
    system job passes "system"); `zone` (a zone or its id) overrides the zone where the place
    does not tell it. The other keywords are those of `audit.services.record`.
    """
    where = place if place is not None else entry.get("target")
    if role is None:
        role = _capacity_label(actor, where, capability)
    if zone is None:
        zone = zone_of(where)
    return _append(actor, action, role=role, zone=zone, **entry)


def record_view(request, action, subjects, *, target=None, place=None, zone=None, details=None):
    """Record that `request.user` was shown personal data of `subjects` (users or user ids).

    Call it from every staff page that shows personal data, e.g.
    `record_view(request, "members.list_viewed", [m.user_id for m in page], target=network)`.
    The entry holds the path (without the query string, which may carry search terms).
    """
    user = request.user if request.user.is_authenticated else None
    return record(
        user,
        action,
        place=place,
        zone=zone,
        target=target,
        subjects=subjects,
        details={"path": request.path, **(details or {})},
    )


def zone_of(obj):
    """The id of the zone `obj` lies in, or None.

    `obj` is a zone, a municipality, a BIN, or a record that belongs to one of these through a
    `zone`, `network` or `municipality` field (a role by its scope, a membership, a charter, an
    address request…). Anything else (a person, an (object type, id) pair, a message, which
    may reach several BINs) has no zone of its own: the caller passes `place` or `zone`.
    """
    if isinstance(obj, Zone):
        return obj.pk
    if isinstance(obj, Municipality):
        return obj.zone_id
    if isinstance(obj, Network):
        return obj.municipality.zone_id
    if isinstance(obj, models.Model):
        for name in ("zone", "network", "municipality"):
            if getattr(obj, f"{name}_id", None) is not None:
                return zone_of(getattr(obj, name))
    return None


def _capacity_label(actor, place, capability):
    if actor is None:
        return "system"
    try:
        kind = capacity(actor, place, capability)
    except TypeError:
        # The target is not a place (a role, a document): the person's widest capacity.
        kind = capacity(actor, None, capability)
    return str(kind or "")
