"""Audit entries name their zone, inside the hash (hash version 2).

The entries already written keep their version 1 hash and get no zone: the columns are added
without touching a row (no UPDATE, which the append-only trigger on PostgreSQL would refuse),
and `hash_version` = 1 is only the value of the existing rows, not a default for new ones.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="zone_id",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="zone"),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="hash_version",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="hash version"),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["zone_id", "seq"], name="audit_audit_zone_id_306111_idx"),
        ),
    ]
