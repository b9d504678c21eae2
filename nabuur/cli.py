"""The `nabuur` command: Django's management commands with Nabuur's settings."""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nabuur.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["nabuur", *(sys.argv[1:] if argv is None else argv)])
    return 0
