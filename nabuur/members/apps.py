from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "nabuur.members"
    label = "members"

    def ready(self):
        # The coordinator's panel on the staff dashboard.
        from . import panels  # noqa: F401
