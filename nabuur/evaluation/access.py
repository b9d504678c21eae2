"""Fetch a charter version or an evaluation only if the person may act on its BIN.

Outside the person's scope: 404, as if it did not exist; inside without the capability: 403.
"""

from django.shortcuts import get_object_or_404

from nabuur.staff.access import get_network_for

from .models import CharterVersion, Evaluation


def get_charter_for(user, capability, slug, version):
    network = get_network_for(user, capability, slug)
    charter = get_object_or_404(CharterVersion, network=network, version=version)
    charter.network = network
    return charter


def get_evaluation_for(user, capability, slug, year):
    network = get_network_for(user, capability, slug)
    evaluation = get_object_or_404(Evaluation, network=network, year=year)
    evaluation.network = network
    return evaluation
