"""Write audit entries that name the capacity the person acted in.

`nabuur.audit` knows no roles (it sits below every app). Apps above `staff` record through
these two functions, which ask `permissions.capacity()` once, so every entry's role is decided
by the same rule.
"""

from nabuur.audit.services import record as _append

from .permissions import capacity


def record(actor, action, *, place=None, capability=None, role=None, **entry):
    """Append an audit entry for `actor` acting at `place` (a BIN, municipality, zone or a
    record of a BIN); the entry's role is the capacity they act in there.

    `place` defaults to `target` when that is a place. `capability` narrows the capacity to the
    roles that grant it. `role` overrides it where the action itself names the capacity (a
    system job passes "system"). The other keywords are those of `audit.services.record`.
    """
    if role is None:
        role = _capacity_label(
            actor, place if place is not None else entry.get("target"), capability
        )
    return _append(actor, action, role=role, **entry)


def record_view(request, action, subjects, *, target=None, place=None, details=None):
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
        target=target,
        subjects=subjects,
        details={"path": request.path, **(details or {})},
    )


def _capacity_label(actor, place, capability):
    if actor is None:
        return "system"
    try:
        kind = capacity(actor, place, capability)
    except TypeError:
        # The target is not a place (a role, a document): the person's widest capacity.
        kind = capacity(actor, None, capability)
    return str(kind or "")
