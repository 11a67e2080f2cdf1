"""Write a synthetic mbox of sent customer replies, for trying and timing `tonecheck audit` (docs/audit.md).

    python -m tools.audit_sample sample.mbox --emails 500

About half the replies are calm; the rest carry one or two flagged sentences. Every fifth has quoted history
and every fifth is HTML with a plain-text alternative. Replies are 60-110 words, like real service mail.
"""

from __future__ import annotations

import argparse
import email.message
import email.utils
import mailbox
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

CALM = [
    "Thanks for your patience while we looked into this.",
    "Your replacement order left our warehouse this morning and should arrive on Monday.",
    "We have refunded the shipping fee to the card you paid with; it can take three to five days to show.",
    "Let me know if there is anything else I can do for you.",
    "I've attached the updated invoice for March with the corrected VAT number.",
    "Happy to walk you through the setup on a call on Thursday afternoon if that suits you.",
    "I'm sorry the first delivery went wrong, and I understand how frustrating that is.",
    "I checked with our billing team and the duplicate charge has been reversed.",
    "The new firmware fixes the pairing problem you described, and it installs in about two minutes.",
    "If the code does not work, reply to this email and I will issue a new one straight away.",
]
FLAGGED = [
    "As I said in my last email, the coupon expired on the 1st.",
    "You failed to attach the signed form, so nothing could be processed.",
    "That's not on us; the carrier handles deliveries once the parcel leaves.",
    "Great, another ticket about the same bug. Fantastic.",
    "Per my last email, the deadline was Friday.",
    "You should have read the instructions before installing it!!!",
    "Hopefully the instructions are clearer this time.",
    "Our policy is clear and we are not responsible for third-party sellers.",
]
QUOTE = "\nOn Mon, 5 Jan 2026 at 09:12, Sam Lee wrote:\n> The parcel never came. Where is it?\n> Sam\n"


def message(i: int, rng: random.Random, start: datetime) -> email.message.EmailMessage:
    """Reply number `i`."""
    sentences = rng.sample(CALM, rng.randint(4, 6))
    for _ in range(rng.choice((0, 0, 1, 2))):
        sentences.insert(rng.randrange(len(sentences) + 1), rng.choice(FLAGGED))
    body = "Hi Sam,\n\n" + " ".join(sentences) + "\n\nBest regards,\nDana\n" + (QUOTE if i % 5 == 2 else "")
    msg = email.message.EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "dana@shop.example", "sam@customer.example", "Re: your order"
    msg["Message-ID"] = f"<reply{i:06d}@shop.example>"
    msg["Date"] = email.utils.format_datetime(start + timedelta(minutes=37 * i))
    msg.set_content(body)
    if i % 5 == 4:
        msg.add_alternative("<p>Hi Sam,</p>" + "".join(f"<p>{s}</p>" for s in sentences)
                            + "<p>Best regards,<br>Dana</p>", subtype="html")
    return msg


def main() -> None:
    """Write the mbox."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--emails", type=int, default=500)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    box = mailbox.mbox(args.path)
    box.lock()
    try:
        for i in range(args.emails):
            box.add(message(i, rng, start))
        box.flush()
    finally:
        box.unlock()
        box.close()


if __name__ == "__main__":
    main()
