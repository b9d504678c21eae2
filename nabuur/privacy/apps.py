from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "nabuur.privacy"
    label = "privacy"

    def ready(self):
        from django.utils.module_loading import autodiscover_modules

        # Each app declares what it holds about a person in its own `personal_data.py`.
        autodiscover_modules("personal_data")
