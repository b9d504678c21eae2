from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from nabuur.lib.forms import IsoDateInput

from .models import QUALITATIVE_FIELDS, BudgetLine, Evaluation, SurveyAnswer, Usefulness


class ConfirmForm(forms.Form):
    """A button that changes something: nothing to fill in, but still a form (CSRF)."""


class BudgetLineForm(forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = ["item", "amount", "paid_by"]


BudgetFormSet = forms.formset_factory(BudgetLineForm, extra=2, can_delete=True)


class ContributionForm(forms.Form):
    member_contribution = forms.CharField(
        label=_("Member contribution"),
        max_length=200,
        required=False,
        help_text=_("For example “free” or “5 euro a year per household”. Empty when free."),
    )


class FodForm(forms.Form):
    sent_to_fod_on = forms.DateField(
        label=_("Sent to the FOD on"),
        widget=IsoDateInput,
    )
    fod_answered_on = forms.DateField(
        label=_("FOD answered on"),
        required=False,
        widget=IsoDateInput,
    )
    fod_answer = forms.CharField(
        label=_("FOD's answer"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        sent, answered = data.get("sent_to_fod_on"), data.get("fod_answered_on")
        if sent and answered and answered < sent:
            raise ValidationError(_("The answer cannot come before the charter was sent."))
        return data


class EvaluationForm(forms.ModelForm):
    class Meta:
        model = Evaluation
        fields = ["period_start", "period_end", *QUALITATIVE_FIELDS]
        widgets = {
            "period_start": IsoDateInput,
            "period_end": IsoDateInput,
            **{name: forms.Textarea(attrs={"rows": 4}) for name in QUALITATIVE_FIELDS},
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            raise ValidationError(_("The period must end after it starts."))
        return data


class SurveyForm(forms.ModelForm):
    feeling_of_safety = forms.TypedChoiceField(
        label=_("How safe do you feel in your neighbourhood?"),
        help_text=_("1 is very unsafe, 5 is very safe."),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    usefulness = forms.ChoiceField(
        label=_("How useful were the BIN's messages to you?"),
        choices=Usefulness.choices,
        widget=forms.RadioSelect,
    )
    remark = forms.CharField(
        label=_("What could the BIN do better?"),
        required=False,
        max_length=1000,
        help_text=_("Do not write names or addresses: the answers are read by the BIN's partners."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    class Meta:
        model = SurveyAnswer
        fields = ["feeling_of_safety", "usefulness", "remark"]
