from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "nabuur.messaging"
    label = "messaging"

    def ready(self):
        # The messages panel on the staff dashboard.
        from . import panels  # noqa: F401
