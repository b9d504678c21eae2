from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "nabuur.demo"
    label = "demo"
