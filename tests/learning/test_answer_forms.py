"""The forms of every Check and autosave share their fields instead of copying them."""

from django import forms
from django.http import QueryDict

from learnapp.learning import forms as answer_forms
from learnapp.learning.practising import PracticeAnswerForm


def test_forms_validated_one_after_another_each_see_only_their_own_data():
    bad = answer_forms.TestAnswerForm(QueryDict("number=x&choice=B"))
    good = answer_forms.TestAnswerForm(QueryDict("number=3&choices=A&choices=c&clear=1"))
    assert not bad.is_valid()
    assert list(bad.errors) == ["number"]
    assert good.is_valid(), good.errors
    assert good.cleaned_data["number"] == 3
    assert good.cleaned_data["choices"] == ["A", "C"]
    assert not bad.is_valid()  # still its own errors
    practice = PracticeAnswerForm(QueryDict("choice=B"))
    assert practice.is_valid() and practice.cleaned_data["choice"] == "B"


def test_making_a_form_copies_none_of_its_fields(monkeypatch):
    copies = []
    original = forms.Field.__deepcopy__

    def counting(self, memo):
        copies.append(self)
        return original(self, memo)

    monkeypatch.setattr(forms.Field, "__deepcopy__", counting)
    answer_forms.TestAnswerForm(QueryDict("number=3&choice=B")).is_valid()
    PracticeAnswerForm(QueryDict("choice=B")).is_valid()
    # Each field's widget, messages and validators were copied for every form: two thirds of
    # the validation's time on each Check and autosave.
    assert copies == []
