from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    actor = forms.IntegerField(label=_("Actor (user id)"), required=False, min_value=1)
    action = forms.ChoiceField(label=_("Action"), required=False)
    person = forms.IntegerField(label=_("Person concerned (user id)"), required=False, min_value=1)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data, actions):
        super().__init__(data)
        self.fields["action"].choices = [("", _("All actions"))] + [(a, a) for a in actions]
