from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "nabuur.members"
    label = "members"
