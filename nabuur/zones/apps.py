from django.apps import AppConfig


class ZonesConfig(AppConfig):
    name = "nabuur.zones"
    label = "zones"
