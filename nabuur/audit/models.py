"""The audit log: one append-only, hash-chained entry per action or per page showing personal data.

An entry names people by user id only, never by name or address, so erasing a person never has
to touch the log. Each entry carries the hash of the previous one; `AuditHead` points at the
last entry so that a deleted tail is detected too (see nabuur.audit.services.verify_chain).

An entry also names the zone the action took place in, which decides whose administrators read
it. The zone is inside the hash since hash version 2; entries written before (version 1) keep
the hash they were written with, and have no zone.
"""

import hashlib
import json

from django.db import models
from django.utils.translation import gettext_lazy as _

# How compute_hash() writes the JSON it hashes (and canonical_parts() each value).
_CANONICAL = {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False}

# 1: the entries written before entries carried a zone; 2: the zone inside the hash.
HASH_VERSIONS = (1, 2)
HASH_VERSION = HASH_VERSIONS[-1]


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit entry through the ORM."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    # bulk_update would bypass save(); bulk_create would bypass the chain.
    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be changed.")

    def bulk_create(self, *args, **kwargs):
        raise AppendOnlyError("Append audit entries with nabuur.audit.services.record().")


class AuditEntry(models.Model):
    # Our own gap-free counter (database ids may skip after a rollback): a gap is a deletion.
    seq = models.PositiveBigIntegerField(_("number"), unique=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    # Plain ids rather than foreign keys: erasing a person must never cascade into the log.
    actor_id = models.PositiveBigIntegerField(_("actor"), null=True, blank=True, db_index=True)
    actor_role = models.CharField(_("role"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    subjects = models.JSONField(_("people concerned (user ids)"), default=list, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    # A plain id too: the log sits below the zones app, and a zone's end must not touch it.
    # Empty for an action outside every zone (a system job) and for version 1 entries.
    zone_id = models.PositiveBigIntegerField(_("zone"), null=True, blank=True)
    # Which fields the hash covers (see canonical_fields); every new entry gets HASH_VERSION.
    hash_version = models.PositiveSmallIntegerField(_("hash version"))
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # A zone administrator's viewer: one zone's entries, newest first.
            models.Index(fields=["zone_id", "seq"]),
        ]

    def __str__(self):
        return f"audit entry #{self.seq}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted.")

    def canonical_fields(self):
        """What the hash covers: version 1 without the zone, version 2 with it (and with the
        version itself, so that an entry cannot be passed off as an older kind)."""
        fields = {
            "seq": self.seq,
            "created_at": self.created_at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_role": self.actor_role,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "subjects": self.subjects,
            "details": self.details,
            "prev_hash": self.prev_hash,
        }
        if self.hash_version == 1:
            return fields
        return {**fields, "hash_version": self.hash_version, "zone_id": self.zone_id}

    def compute_hash(self):
        canonical = json.dumps(self.canonical_fields(), **_CANONICAL)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def canonical_parts(self):
        """The canonical text that compute_hash() hashes, in three parts around the previous
        hash and the number, which the database fills in when it appends the entry
        (audit.services): text before + prev_hash + text between + seq + text after.

        In the sorted keys "prev_hash" and "seq" follow each other and other keys come after
        them, so each part is the keys' own JSON, exactly as json.dumps writes a flat object.
        """
        pairs = {
            key: f"{json.dumps(key)}:{json.dumps(value, **_CANONICAL)}"
            for key, value in self.canonical_fields().items()
        }
        keys = sorted(pairs)
        at = keys.index("prev_hash")
        if keys[at + 1] != "seq" or len(keys) == at + 2:
            raise ValueError("The canonical fields no longer put prev_hash and seq side by side.")
        before = "{" + "".join(pairs[key] + "," for key in keys[:at]) + '"prev_hash":"'
        after = "," + ",".join(pairs[key] for key in keys[at + 2 :]) + "}"
        return before, '","seq":', after

    def is_intact(self):
        """True if the entry still carries the hash of what it holds.

        A version 1 hash does not cover the zone: such an entry that has a zone was changed
        (given one to show it to a zone's administrators), whatever its hash says.
        """
        if self.hash_version not in HASH_VERSIONS:
            return False
        if self.hash_version == 1 and self.zone_id is not None:
            return False
        return self.compute_hash() == self.hash


GENESIS_HASH = "0" * 64


class AuditHead(models.Model):
    """The single row that points at the last entry; writers lock it to keep the chain linear."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit log head")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="single_audit_head")]

    def __str__(self):
        return f"audit head #{self.seq}"
