from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "nabuur.accounts"
    label = "accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import mark_session_touched

        user_logged_in.connect(mark_session_touched, dispatch_uid="accounts.mark_session_touched")
