from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "nabuur.messaging"
    label = "messaging"
