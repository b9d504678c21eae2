"""The worker's side of a member import: reading and checking a file, importing its rows.

The views queue these in the transaction that stores the upload or the consent, so a task
exists exactly when its batch does.
"""

from django.tasks import task

from . import services


@task
def check_batch(batch_id):
    """Read and check an uploaded list in the worker, never in the web request."""
    services.check_batch(batch_id)


@task
def import_batch(batch_id):
    """Run a queued import in the worker, so a large file does not hold a web request."""
    services.run_import(batch_id)
