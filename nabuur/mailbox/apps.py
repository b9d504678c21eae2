from django.apps import AppConfig


class MailboxConfig(AppConfig):
    name = "nabuur.mailbox"
    label = "mailbox"
