"""Distillation in fine-tuning: the student moves towards the teacher's probabilities on the distillation text."""

from __future__ import annotations

import numpy as np
import torch

from tonecheck.detect.classifier.encoder import Encoder, encoder_dir
from tools.training.train import TOP_LAYERS, finetune

CALM = [
    "Your order left the warehouse this morning.",
    "The invoice is attached to this email.",
    "We moved the call to Thursday at ten.",
    "Here is the tracking number you asked for.",
    "The new login page is live for everyone now.",
    "I have updated the address on your account.",
    "Our office is closed on the public holiday.",
    "The refund should show within five working days.",
]
COMMENTS = [
    "This question was asked last year, see the linked duplicate.",
    "I think the tag should be renamed to match the others.",
    "Could you add the source for the second quote?",
    "The answer above covers the same ground in more detail.",
    "Not sure this belongs here rather than on the main site.",
    "Voting to close as it is mostly opinion based.",
    "The date in the title does not match the one in the body.",
    "Good point, I edited the answer to include it.",
]


def _heat(model: torch.nn.Module, encoder: Encoder, texts: list[str]) -> float:
    with torch.no_grad():
        return float(model(encoder.hidden_below(texts, TOP_LAYERS))[:, 3].mean())


def test_distillation_pulls_the_student_towards_the_teachers_probabilities():
    # Same labelled calm rows, same seed: only the teacher's heat on the comments differs between the runs,
    # so the student's heat on them must follow it. Without the distillation term both runs would be equal.
    encoder = Encoder(encoder_dir(), depth=2)
    labels = np.zeros((len(CALM), 4), dtype=np.float32)
    heats = []
    for teacher_heat in (1.0, 0.0):
        torch.manual_seed(0)
        targets = np.tile(np.array([0, 0, 0, teacher_heat], dtype=np.float32), (len(COMMENTS), 1))
        model = finetune(encoder, CALM, list(range(len(CALM))), labels, epochs=20, distil=(COMMENTS, targets))
        heats.append(_heat(model, encoder, COMMENTS))
    assert heats[0] > heats[1] + 0.05
