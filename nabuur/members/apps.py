from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "nabuur.members"
    label = "members"

    def ready(self):
        # The coordinator's panel on the staff dashboard.
        # The member list's copies of the person's name and e-mail follow the person.
        from . import (
            panels,  # noqa: F401
            receivers,  # noqa: F401
        )
