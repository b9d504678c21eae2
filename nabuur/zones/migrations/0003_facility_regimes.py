"""The regimes "French, with Dutch on request" and "French, with German on request", and the
seven municipalities that had the wrong regime (docs/data-sources.md, "Language regimes")."""

from django.db import migrations, models

# NIS code: (the regime they had, the regime the language laws give them).
CORRECTIONS = {
    "23009": ("nl", "nl-first"),  # Bever / Biévène, language border (art. 8)
    "51019": ("fr", "fr-nl"),  # Flobecq / Vloesberg (art. 8, 5°)
    "51067": ("fr", "fr-nl"),  # Enghien / Edingen (art. 8, 5°)
    "57096": ("fr", "fr-nl"),  # Mouscron / Moeskroen (art. 8, 5°)
    "57097": ("fr", "fr-nl"),  # Comines-Warneton / Komen-Waasten (art. 8, 5°)
    "63049": ("fr", "fr-de"),  # Malmedy (art. 8, 2°)
    "63080": ("fr", "fr-de"),  # Waimes / Weismes (art. 8, 2°)
}


def give_facilities(apps, schema_editor):
    Municipality = apps.get_model("zones", "Municipality")
    for nis_code, (old, new) in CORRECTIONS.items():
        # Only the value our reference data gave: a regime an administrator set stays theirs.
        Municipality.objects.filter(nis_code=nis_code, language_regime=old).update(
            language_regime=new
        )


def take_facilities_back(apps, schema_editor):
    Municipality = apps.get_model("zones", "Municipality")
    for nis_code, (old, new) in CORRECTIONS.items():
        Municipality.objects.filter(nis_code=nis_code, language_regime=new).update(
            language_regime=old
        )


class Migration(migrations.Migration):
    dependencies = [
        ("zones", "0002_address_request_retention"),
    ]

    operations = [
        migrations.AlterField(
            model_name="municipality",
            name="language_regime",
            field=models.CharField(
                choices=[
                    ("nl", "Dutch only"),
                    ("fr", "French only"),
                    ("de", "German only"),
                    ("nl+fr", "Dutch or French per person, both when unknown"),
                    ("nl-first", "Dutch, with French on request"),
                    ("de+fr", "German, with French on request"),
                    ("fr-nl", "French, with Dutch on request"),
                    ("fr-de", "French, with German on request"),
                ],
                max_length=8,
                verbose_name="language regime",
            ),
        ),
        migrations.RunPython(give_facilities, take_facilities_back),
    ]
