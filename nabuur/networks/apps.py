from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "nabuur.networks"
    label = "networks"

    def ready(self):
        # A BIN's area is drawn again when an address import changes its streets.
        from . import receivers  # noqa: F401
