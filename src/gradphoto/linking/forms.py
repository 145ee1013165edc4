"""Queue decisions: the action (and a dismissal's note), validated before a service is called."""

from __future__ import annotations

from django import forms


class SuggestionDecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("accept", "accept"), ("reject", "reject")])


class ClaimDecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("award", "award"), ("dismiss", "dismiss")])
    note = forms.CharField(required=False, max_length=200)  # a dismissal's reason, told to the student
