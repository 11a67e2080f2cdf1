"""What a model-only finding says: the classifier knows the category, not the phrase."""

from __future__ import annotations

from tonecheck.findings import Category

MODEL_MESSAGES: dict[Category, tuple[str, tuple[str, ...]]] = {
    Category.TOLD_YOU_SO: (
        "This sentence may read as “I told you so”: it points back at what the customer should already know.",
        ("Restate the point plainly, without the reminder that you said it before.",),
    ),
    Category.BLAME: (
        "This sentence may read as blaming the customer for the problem.",
        ("Describe what happened and what will fix it, rather than what the customer did wrong.",),
    ),
    Category.DEFENSIVE: (
        "This sentence may read as defensive: it protects you or the company instead of solving the problem.",
        ("Acknowledge the problem and offer an option: “Here's what I can do …”",),
    ),
    Category.HEATED: (
        "This sentence may read as angry, sarcastic or exasperated.",
        ("Take a break and reread it; say the problem plainly and what you will do next.",),
    ),
}

# A heated score under the hold threshold: the draft is not held, but the writer should reread the sentence.
REREAD_MESSAGE = (
    "This sentence may read as heated. Reread it before sending; it is not heated enough to hold the draft."
)
