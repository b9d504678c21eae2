"""Make room for a delivery's ordered token (models.TOKEN_PATTERN): 32 → 48 characters.

On PostgreSQL, widening a varchar is a change of the catalogue alone: no row and no index is
rewritten, and the table is locked only for that moment. Tokens already sent keep their 32
random digits and their links keep working. SQLite copies the table, as it does for every
change of a column.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0009_delivery_no_pattern_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="delivery",
            name="token",
            field=models.CharField(max_length=48, unique=True),
        ),
    ]
