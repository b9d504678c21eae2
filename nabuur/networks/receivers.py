"""Copies of zones data that networks keeps: a BIN's area follows its streets' addresses."""

from django.dispatch import receiver

from nabuur.zones.services import addresses_changed

from .areas import update_areas_of_streets


# In the import's own transaction: an area is a copy of the addresses, never older than them.
@receiver(addresses_changed, dispatch_uid="networks.areas_follow_addresses")
def redraw_areas(sender, street_ids, **kwargs):
    update_areas_of_streets(street_ids)
