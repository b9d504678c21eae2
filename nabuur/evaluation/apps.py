from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "nabuur.evaluation"
    label = "evaluation"

    def ready(self):
        # The evaluation panel on the staff dashboard.
        from . import panels  # noqa: F401
