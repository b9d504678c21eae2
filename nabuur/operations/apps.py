from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "nabuur.operations"
    label = "operations"
