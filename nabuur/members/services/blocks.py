"""Blocked people: a permanent suspension keeps keyed hashes of the e-mail address and address.

The hashes can be compared with a new sign-up but not read back; they go after the zone's
retention period for measures.
"""

import hashlib
import hmac

from django.conf import settings

from nabuur.accounts.models import normalize_email_address
from nabuur.lib import clock

from ..models import BlockedPerson


class PersonBlocked(Exception):
    """The person was permanently suspended in this zone and cannot be added again."""


def address_key(street, house_number, house_number_suffix="", box="", postcode=""):
    """One spelling of an address, whatever was typed: the street row, number, letter, box."""
    box = "".join(box.split()).lower()
    return f"{street.pk}|{house_number}{house_number_suffix.strip().upper()}|{box}|{postcode}"


def membership_address_key(membership):
    return address_key(
        membership.street,
        membership.house_number,
        membership.house_number_suffix,
        membership.box,
        membership.postcode,
    )


def block_hash(value):
    """An HMAC of a normalised value, keyed with SECRET_KEY: comparable, not reversible."""
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def is_blocked(zone, *, email=None, address=None):
    """True if the e-mail address or the address was permanently suspended in `zone`."""
    hashes = [block_hash(f"email:{normalize_email_address(email)}")] if email else []
    if address:
        hashes.append(block_hash(f"address:{address}"))
    return BlockedPerson.objects.filter(
        zone=zone, value_hash__in=hashes, expires_at__gt=clock.now()
    ).exists()


def delete_expired_blocks(now=None):
    """Forget blocked people once the zone's retention for measures has passed."""
    deleted, _per_model = BlockedPerson.objects.filter(expires_at__lte=now or clock.now()).delete()
    return deleted
