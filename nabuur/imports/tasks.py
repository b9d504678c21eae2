from django.tasks import task

from . import services


@task
def import_batch(batch_id):
    """Run a queued import in the worker, so a large file does not hold a web request."""
    services.run_import(batch_id)
