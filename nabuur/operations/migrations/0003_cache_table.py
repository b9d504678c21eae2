from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # settings.CACHES keeps Django's cache in the database, shared by every process (allauth's
    # login and sign-up limits live there); `nabuur migrate` creates its table like any other.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0002_rate_counter"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
