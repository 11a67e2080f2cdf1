"""Training bags: a writer's named problem sentences supervise each unit of a flagged email."""

from __future__ import annotations

from tonecheck.findings import CATEGORIES, Category
from tools.training.data import Row
from tools.training.train import parse_rows, training_bags, unit_targets

BLAME = CATEGORIES.index(Category.BLAME)
EMAIL = (
    "Hi Priya,\n\nThanks for sending the photos of the boiler.\n\nThe lockouts were caused by limescale in the\n"
    "heat exchanger, which builds up in hard-water areas.\nIt only broke because your husband kept\n"
    "resetting it instead of calling us.\n\nOur engineer can descale it on Friday at no charge.\n\nBest,\nTom"
)
SPAN = "It only broke because your husband kept resetting it instead of calling us."


def _row(spans):
    return Row("w-1", EMAIL, ("blame",), False, spans)


def test_named_problem_sentence_is_the_only_positive_unit_and_its_calm_neighbours_are_negatives(nlp):
    row = _row(((SPAN, ("blame",)),))
    [parsed] = parse_rows(nlp, [row], 50)
    per_unit = unit_targets(row, parsed)  # the span is hard-wrapped in the email: found across line breaks
    assert per_unit is not None
    blamed = [i for i, y in enumerate(per_unit) if y[BLAME]]
    assert len(blamed) == 1 and sum(map(sum, per_unit)) == 1.0
    texts, owners, targets = training_bags([row], [parsed])
    assert "husband kept" in texts[blamed[0]] and "limescale" not in texts[blamed[0]]
    assert any("limescale" in t for t in texts)  # the calm explanation is a bag of its own, labelled calm
    assert owners == list(range(len(texts))) and targets.shape == (len(texts), len(CATEGORIES))


def test_row_stays_one_bag_with_its_email_label_when_the_problem_sentence_is_not_in_the_text(nlp):
    rows = [_row((("A sentence this email does not contain.", ("blame",)),)), _row(())]
    parsed = parse_rows(nlp, rows, 50)
    assert unit_targets(rows[0], parsed[0]) is None
    texts, owners, targets = training_bags(rows, parsed)
    assert len(targets) == 2 and targets[:, BLAME].tolist() == [1.0, 1.0]
    assert owners.count(0) == owners.count(1) > 1  # every unit of each email in its email's bag
