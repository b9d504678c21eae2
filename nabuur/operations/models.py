from django.db import models


class JobRun(models.Model):
    """When each periodic job last ran, so several workers run a job once per period."""

    name = models.CharField(max_length=100, unique=True)
    last_started_at = models.DateTimeField(null=True)
    last_finished_at = models.DateTimeField(null=True)
    last_error = models.TextField(blank=True)

    def __str__(self):
        return self.name
