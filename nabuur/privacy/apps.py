from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PrivacyConfig(AppConfig):
    name = "nabuur.privacy"
    label = "privacy"

    def ready(self):
        # Each app declares what it holds about a person in its own `personal_data.py`.
        autodiscover_modules("personal_data")
