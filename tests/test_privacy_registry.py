"""Every model with personal data is registered for export and erasure, or says why not."""

from django.apps import apps
from django.conf import settings

from nabuur.privacy import registry

PERSONAL_FIELD_HINTS = ("email", "phone", "first_name", "last_name", "house_number", "street")


def personal_data_reasons(model):
    """Why a model looks like it holds personal data: its user links and tell-tale fields."""
    reasons = []
    for field in model._meta.get_fields():
        if not field.concrete:
            continue
        related = field.related_model
        if related is not None and related._meta.label == settings.AUTH_USER_MODEL:
            reasons.append(f"{field.name} → user")
        elif any(hint in field.name for hint in PERSONAL_FIELD_HINTS) and related is None:
            reasons.append(field.name)
    if model._meta.label == settings.AUTH_USER_MODEL:
        reasons.append("the user model")
    return reasons


def test_every_model_with_personal_data_is_registered_or_declared():
    registered = registry.registered()
    declared = registry.declared_without_personal_data()
    missing = {
        model._meta.label: reasons
        for model in apps.get_models()
        if (reasons := personal_data_reasons(model))
        and model._meta.label not in registered
        and model._meta.label not in declared
    }
    assert missing == {}, (
        "Register these in the app's personal_data.py (nabuur.privacy.registry.register) "
        f"or declare them with no_personal_data(label, reason): {missing}"
    )


def test_every_declaration_names_an_installed_model_and_a_reason():
    labels = {model._meta.label for model in apps.get_models()}
    for label, reason in registry.declared_without_personal_data().items():
        assert label in labels
        assert len(reason) > 10
    assert set(registry.registered()) <= labels


def test_the_checker_sees_the_models_it_must(db):
    from nabuur.members.models import AddressRequest, Membership
    from nabuur.zones.models import Municipality

    assert personal_data_reasons(Membership) == [
        "user → user",
        "house_number",
        "house_number_suffix",
        "last_name_key",
        "first_name_key",
        "street_key",
    ]
    assert "email" in personal_data_reasons(AddressRequest)
    assert personal_data_reasons(Municipality) == []
