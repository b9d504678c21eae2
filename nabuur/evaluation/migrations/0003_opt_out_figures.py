"""Give the evaluations signed before members could opt out of message classes their opt-out
figures: none, for nobody could opt out then. Without them the CSV, the API and the figure's
rows would miss a key. Coverage is left out: what it was at signing is not known."""

from django.db import migrations

OPTED_OUT_KEYS = [
    "opted_out_prevention",
    "opted_out_information",
    "opted_out_newsletter",
    "opted_out_invitation",
]


def add_opt_out_figures(apps, schema_editor):
    Evaluation = apps.get_model("evaluation", "Evaluation")
    for evaluation in Evaluation.objects.filter(figures__isnull=False).only("pk", "figures"):
        missing = [key for key in OPTED_OUT_KEYS if key not in evaluation.figures]
        if missing:
            for key in missing:
                evaluation.figures[key] = {"value": 0, "ids": []}
            evaluation.save(update_fields=["figures"])


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0002_escalation"),
        ("members", "0010_message_classes"),
    ]

    operations = [migrations.RunPython(add_opt_out_figures, migrations.RunPython.noop)]
