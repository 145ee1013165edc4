"""Queue decisions: one field each, validated before a service is called."""

from __future__ import annotations

from django import forms


class SuggestionDecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("accept", "accept"), ("reject", "reject")])


class ClaimDecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("award", "award"), ("dismiss", "dismiss")])
