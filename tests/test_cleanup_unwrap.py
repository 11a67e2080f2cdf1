"""Segmentation as mail is written: hard-wrapped paragraphs read as prose, real line units stay apart."""

from __future__ import annotations

import pytest

from tonecheck.cleanup import ContentType, clean, sniff
from tonecheck.cleanup.unwrap import GREETING, soft_breaks, unwrap
from tonecheck.findings import IgnoredKind

WRAPPED = (
    "Thanks for sending over the meter photos last week. I've gone through the\n"
    "readings with our billing team, and the estimate on your March bill came\n"
    "from an older reading that was still on file.\n"
)


def test_unwrap_joins_lines_of_a_wrapped_paragraph():
    out = unwrap(WRAPPED)
    assert len(out) == len(WRAPPED)  # offsets into the original stay valid
    assert "through the readings with" in out
    assert "bill came from an older" in out
    assert out.endswith("file.\n")  # the paragraph's own end is not a wrap


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Hi Dana,\nThanks for the quick reply about the invoice and the delivery date.\n", "Hi Dana,\n"),
        ("Here is what changes next month for every plan we sell:\n- the price\n- the cut-off\n", ":\n- the"),
        ("We changed three things on your account today, all of them small:\n1) the address\n", ":\n1)"),
        ("Please find the corrected invoice attached to this message, as promised.\nKind regards,\nSam\n",
         "promised.\nKind"),
        ("Order number: 4471\nDelivery: Friday\n", "4471\nDelivery"),  # short lines ended on purpose
    ],
)
def test_unwrap_keeps_greetings_lists_sign_offs_and_short_lines(text: str, kept: str):
    assert kept in unwrap(text)


def test_unwrap_continues_a_line_cut_mid_sentence():
    text = "Short note\nabout the refund.\n"
    assert soft_breaks(text) == [len("Short note")]


def test_unwrap_handles_crlf_without_moving_offsets():
    text = WRAPPED.replace("\n", "\r\n")
    out = unwrap(text)
    assert len(out) == len(text)
    assert "through the  readings" in out  # "\r\n" reads as two spaces


def test_clean_unwraps_only_the_analysis_text():
    cleaned = clean(WRAPPED)
    assert cleaned.text == WRAPPED
    assert "\n" not in cleaned.analysis.rstrip("\n")


@pytest.mark.parametrize(
    ("text", "closing"),
    [
        ("All set! Your new login works now.\n\n^MK\n", "^MK"),
        ("Is this one yours? The label was torn.\n*DL", "*DL"),
        ("Thanks, the parcel is on its way to you today.\n— Dana", "— Dana"),
        ("The refund went out this morning and should land by Friday.\n\nKind regards,\n", "Kind regards,"),
    ],
)
def test_clean_treats_closing_initials_names_and_lone_sign_offs_as_signature(text: str, closing: str):
    cleaned = clean(text)
    start = text.index(closing)
    assert any(r.kind is IgnoredKind.SIGNATURE and r.start <= start < r.end for r in cleaned.ignored)
    assert closing not in cleaned.analysis


@pytest.mark.parametrize("retort", ["Whatever", "Fine", "Seriously"])
def test_clean_keeps_a_one_word_retort_on_the_last_line(retort: str):
    cleaned = clean(f"I've closed the ticket as you asked.\n{retort}")
    assert retort in cleaned.analysis


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('<div dir="ltr">Thanks!<div><br></div><div class="gmail_quote">On Tue, Dana wrote:</div></div>',
         ContentType.HTML),
        ("<html><body><p>Hello</p></body></html>", ContentType.HTML),
        ("<p>Thanks for the call.</p>\n<p>The refund is on its way.</p>", ContentType.HTML),
        ("Use the <p> tag for paragraphs in the template editor.", ContentType.PLAIN),
        ("Prices: <10 items ship free, >10 items ship at cost.", ContentType.PLAIN),
        ("", ContentType.PLAIN),
    ],
)
def test_sniff_recognises_html_bodies_without_a_declared_type(text: str, expected: ContentType):
    assert sniff(text) is expected


def test_clean_sniffs_only_when_no_type_is_declared():
    html = "<div>Thanks for the call.</div><div>The refund is on its way.</div>"
    assert clean(html, None).rendered
    assert not clean(html, ContentType.PLAIN).rendered


@pytest.mark.parametrize("name", ["gmail_reply.html", "outlook_web_reply.html", "outlook_desktop_reply.html",
                                  "apple_mail_reply.html", "thunderbird_reply.html", "yahoo_reply.html"])
def test_sniffed_client_html_cleans_exactly_as_declared_html(name: str):
    from pathlib import Path

    raw = (Path(__file__).parent / "fixtures" / "emails" / name).read_text(encoding="utf-8")
    assert sniff(raw) is ContentType.HTML
    assert clean(raw, None) == clean(raw, ContentType.HTML)


@pytest.mark.parametrize("name", ["outlook_plain_reply.txt", "gmail_plain_reply_wrapped.txt",
                                  "furious_quote_calm_reply.txt", "disclaimer_reply.txt"])
def test_sniffed_plain_mail_stays_plain(name: str):
    from pathlib import Path

    raw = (Path(__file__).parent / "fixtures" / "emails" / name).read_text(encoding="utf-8")
    assert sniff(raw) is ContentType.PLAIN


@pytest.mark.parametrize("line", [
    "Hi Dana,", "Dear Mr. Okafor,", "Good morning team!", "Hello again, Dana!", "Dear Sir or Madam,",
    "Hi there,", "Morning all,", "Dear Ms Chen,", "Hello Dr. van der Berg,", "Hey!", "Hi xxxxxxxxxxxxxx,",
    "Dear valued customer,", "Hi Jean-Luc and Marie,", "Good afternoon, Mrs. O'Neill:", "Hello Élodie,",
    "Dear J. Smith,", "Hi McDonald family,",
])
def test_unwrap_greeting_lines(line: str) -> None:
    assert GREETING.match(line)


@pytest.mark.parametrize("line", [
    "Hey, that's not fair", "Hi Dana, thanks for this.", "Hello, I already told you twice", "Dear me, what a mess",
    "Hey you failed to read it", "Good morning, your order shipped", "Hey, I SAID NO", "HEY LISTEN",
])
def test_unwrap_sentences_that_open_with_a_greeting_word_are_not_greetings(line: str) -> None:
    # A greeting is never judged; a sentence that starts with "Hey" must be.
    assert not GREETING.match(line)
