from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "nabuur.public"
    label = "public"
