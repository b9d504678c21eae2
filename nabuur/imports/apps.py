from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "nabuur.imports"
    label = "imports"
