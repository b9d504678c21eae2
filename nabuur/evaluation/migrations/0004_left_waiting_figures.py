"""Give the evaluations signed before the "left waiting" figures existed those figures, counted
from the recorded hand-overs of their period (nabuur.staff.waiting sets `handed_over_at` when
an item waits past twice its deadline). Hand-overs are not changed after the fact, so this is
what signing would have frozen. Without them the CSV, the API and the figure's rows would miss
a key."""

import datetime

from django.db import migrations
from django.utils import timezone

# The figure key, the model and the path from it to the BIN, as in nabuur.evaluation.figures.
LEFT_WAITING = [
    ("handed_over_messages", "messaging", "Message", "targets"),
    ("handed_over_signups", "members", "Membership", "network"),
    ("handed_over_measures", "members", "Measure", "membership__network"),
    ("handed_over_evaluations", "evaluation", "Evaluation", "network"),
]


def _bounds(evaluation):
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(evaluation.period_start, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        evaluation.period_end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start, end


def add_left_waiting_figures(apps, schema_editor):
    Evaluation = apps.get_model("evaluation", "Evaluation")
    signed = Evaluation.objects.filter(figures__isnull=False).only(
        "pk", "figures", "network_id", "period_start", "period_end"
    )
    for evaluation in signed:
        missing = [row for row in LEFT_WAITING if row[0] not in evaluation.figures]
        if not missing:
            continue
        start, end = _bounds(evaluation)
        for key, app_label, model_name, network in missing:
            model = apps.get_model(app_label, model_name)
            ids = sorted(
                set(
                    model.objects.filter(
                        **{
                            network: evaluation.network_id,
                            "handed_over_at__gte": start,
                            "handed_over_at__lt": end,
                        }
                    ).values_list("pk", flat=True)
                )
            )
            evaluation.figures[key] = {"value": len(ids), "ids": ids}
        evaluation.save(update_fields=["figures"])


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0003_opt_out_figures"),
        ("members", "0010_message_classes"),
        ("messaging", "0008_skip_opted_out"),
    ]

    operations = [migrations.RunPython(add_left_waiting_figures, migrations.RunPython.noop)]
