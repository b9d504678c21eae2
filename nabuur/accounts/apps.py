from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "nabuur.accounts"
    label = "accounts"

    def ready(self):
        from allauth.mfa.signals import authenticator_removed
        from django.contrib.auth.signals import user_logged_in

        from .middleware import forget_second_factor, mark_session_touched

        user_logged_in.connect(mark_session_touched, dispatch_uid="accounts.mark_session_touched")
        authenticator_removed.connect(
            forget_second_factor, dispatch_uid="accounts.forget_second_factor"
        )
