"""`ended_on` now means the last day a role is held (as the form always said).

Before, a role was held while `ended_on > today`: the stored date was the first day without
the role. Moving every stored end back by one day keeps who held which role on which day
exactly as it was.
"""

import datetime

from django.db import migrations
from django.db.models import DateField, ExpressionWrapper, F

ONE_DAY = datetime.timedelta(days=1)


def _shift(apps, days):
    RoleAssignment = apps.get_model("staff", "RoleAssignment")
    RoleAssignment.objects.exclude(ended_on=None).update(
        ended_on=ExpressionWrapper(F("ended_on") + days, output_field=DateField())
    )


def to_last_day(apps, schema_editor):
    _shift(apps, -ONE_DAY)


def to_first_day_without(apps, schema_editor):
    _shift(apps, ONE_DAY)


class Migration(migrations.Migration):
    dependencies = [("staff", "0002_screening")]

    operations = [migrations.RunPython(to_last_day, to_first_day_without)]
