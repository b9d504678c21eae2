from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "nabuur.networks"
    label = "networks"
