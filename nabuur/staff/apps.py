from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "nabuur.staff"
    label = "staff"
