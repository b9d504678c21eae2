from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "nabuur.evaluation"
    label = "evaluation"
