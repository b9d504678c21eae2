from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "nabuur.evaluation"
    label = "evaluation"

    def ready(self):
        # The evaluation panel on the staff dashboard; the receivers that refresh a charter at
        # once after a role or plan change (signals of staff and messaging).
        from . import panels, receivers  # noqa: F401
