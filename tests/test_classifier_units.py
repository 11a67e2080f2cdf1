"""What the classifier judges: no fragment alone, no greeting, a lone short fragment left to the rules."""

from __future__ import annotations

import pytest

from tonecheck.cleanup import clean
from tonecheck.detect.classifier.units import units
from tonecheck.parse import parse_many


def _units(nlp, text: str) -> list[str]:
    return [u.text for u in units(parse_many(nlp, [clean(text)], 100)[0])]


def test_units_merge_a_verbless_fragment_with_its_neighbour(nlp):
    assert _units(nlp, "Congrats on the launch! We've moved your demo to Thursday.") == [
        "Congrats on the launch! We've moved your demo to Thursday."
    ]


def test_units_leave_out_greetings(nlp):
    assert _units(nlp, "Hi Dana,\nThe refund went out today.") == ["The refund went out today."]


@pytest.mark.parametrize("text", ["Congrats!", "All set!", "Thanks!"])
def test_units_leave_a_lone_short_fragment_to_the_rules(nlp, text: str):
    assert _units(nlp, text) == []


def test_units_do_not_merge_across_paragraphs(nlp):
    text = "The refund went out today.\n\nCongrats on the new office, by the way."
    assert len(_units(nlp, text)) == 2


def test_units_keep_offsets_into_the_original_text(nlp):
    text = "Hi Jo,\n\nThanks so much. The parcel left this morning and\nshould arrive by Friday."
    parsed = parse_many(nlp, [clean(text)], 100)[0]
    [unit] = units(parsed)
    assert text[unit.start : unit.end].startswith("Thanks so much.")
    assert text[unit.start : unit.end].endswith("by Friday.")
