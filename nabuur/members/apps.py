from django.apps import AppConfig
from django.db.models.signals import post_migrate


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
        from .counts import recount_on_sqlite

        post_migrate.connect(recount_on_sqlite, sender=self)
