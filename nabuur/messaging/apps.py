from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "nabuur.messaging"
    label = "messaging"

    def ready(self):
        # The messages panel on the staff dashboard, and the mail provider's tracking and
        # inbound events.
        from . import panels  # noqa: F401
        from .webhooks import connect

        connect()
