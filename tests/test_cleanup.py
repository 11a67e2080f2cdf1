"""Cleanup: which parts of an email are the writer's new words, and the exact ranges that are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tonecheck.cleanup import Cleaned, ContentType, clean
from tonecheck.cleanup.placeholders import find_placeholders
from tonecheck.cleanup.unwrap import soft_breaks, unwrap
from tonecheck.findings import IgnoredKind, IgnoredRange

EMAILS = Path(__file__).parent / "fixtures" / "emails"
Q, S, D, P = IgnoredKind.QUOTE, IgnoredKind.SIGNATURE, IgnoredKind.DISCLAIMER, IgnoredKind.PLACEHOLDER


def expected(text: str, spec: list[tuple[IgnoredKind, str, str | None]]) -> tuple[IgnoredRange, ...]:
    """Ranges from (kind, first words, first words after the range or None for end of text)."""
    out = []
    for kind, begins, stops in spec:
        start = text.index(begins)
        end = len(text) if stops is None else text.index(stops, start)
        out.append(IgnoredRange(start, end, kind))
    return tuple(out)


def assert_masked(cleaned: Cleaned) -> None:
    """Ignored ranges read as blanks (or a neutral word), everything else is untouched, length kept.

    The one change outside ignored ranges: a line break that only wraps a paragraph reads as a space.
    """
    text, analysis = cleaned.text, cleaned.analysis
    assert len(analysis) == len(text)
    with_breaks = "".join(a if a in "\r\n" else b for a, b in zip(text, analysis, strict=True))
    soft = set(soft_breaks(with_breaks))
    for i, (a, b) in enumerate(zip(text, analysis, strict=True)):
        if a == "\n":
            assert b == (" " if i in soft else "\n")
        elif cleaned.is_ignored(i, i + 1):
            assert b in (" ", "x", "\n", "\r") and (b not in "\r\n" or a == b)
        else:
            assert a == b


# --- plain text: quoted history --------------------------------------------------------------------

NEW = "Thanks for your patience, Dana. The replacement ships today.\n\n"

PLAIN_QUOTES = [
    pytest.param(
        NEW + "> You people are USELESS!!!\n> Refund me now.\n",
        [(Q, "> You people", "> Refund"), (Q, "> Refund", None)],
        id="angle-bracket-lines",
    ),
    pytest.param(
        NEW + "On Tue, Jan 3, 2024 at 10:02 AM Dana Smith <dana@example.com> wrote:\n> This is absurd.\n",
        [(Q, "On Tue", None)],
        id="on-wrote",
    ),
    pytest.param(
        NEW + "On Tue, Jan 3, 2024 at 10:02 AM Dana Smith <dana@example.com>\nwrote:\n\n> This is absurd.\n",
        [(Q, "On Tue", None)],
        id="on-wrote-wrapped-over-two-lines",
    ),
    pytest.param(
        NEW + "Le mar. 3 janv. 2024 à 10:02, Dana Smith <dana@example.fr> a écrit :\n> C'est nul.\n",
        [(Q, "Le mar.", None)],
        id="french",
    ),
    pytest.param(
        NEW + "Am Di., 3. Jan. 2024 um 10:02 Uhr schrieb Dana Smith <dana@example.de>:\n> Unglaublich.\n",
        [(Q, "Am Di.", None)],
        id="german-sender-after-verb",
    ),
    pytest.param(
        NEW + "El mar, 3 ene 2024 a las 10:02, Dana Smith (<dana@example.es>) escribió:\n> Es absurdo.\n",
        [(Q, "El mar", None)],
        id="spanish",
    ),
    pytest.param(
        NEW
        + "Il giorno mar 3 gen 2024 alle ore 10:02 Dana Smith <dana@example.it> ha scritto:\n> Assurdo.\n",
        [(Q, "Il giorno", None)],
        id="italian",
    ),
    pytest.param(
        NEW + "Em ter., 3 de jan. de 2024 às 10:02, Dana Smith <dana@example.br> escreveu:\n> Absurdo.\n",
        [(Q, "Em ter.", None)],
        id="portuguese",
    ),
    pytest.param(
        NEW + "Op di 3 jan. 2024 om 10:02 schreef Dana Smith <dana@example.nl>:\n> Belachelijk.\n",
        [(Q, "Op di", None)],
        id="dutch-sender-after-verb",
    ),
    pytest.param(
        NEW + "Den tis 3 jan. 2024 kl 10:02 skrev Dana Smith <dana@example.se>:\n> Löjligt.\n",
        [(Q, "Den tis", None)],
        id="swedish-sender-after-verb",
    ),
    pytest.param(
        NEW + "-----Original Message-----\nFrom: Dana Smith\nSent: Tuesday\nSubject: Broken\n\nUSELESS.\n",
        [(Q, "-----Original", None)],
        id="original-message",
    ),
    pytest.param(
        NEW + "---------- Forwarded message ---------\nFrom: Dana Smith <dana@example.com>\n\nUSELESS.\n",
        [(Q, "---------- Forwarded", None)],
        id="forwarded-message",
    ),
    pytest.param(
        NEW + "From: Dana Smith <dana@example.com>\nSent: Tuesday, January 3, 2024 10:02 AM\n"
        "To: Support <support@example.com>\nSubject: RE: refund\n\nYou are useless.\n",
        [(Q, "From: Dana", None)],
        id="outlook-header-block",
    ),
    pytest.param(
        NEW + "________________________________\nFrom: Dana Smith\nYou are useless.\n",
        [(Q, "________", None)],
        id="underscores-line",
    ),
]


@pytest.mark.parametrize(("raw", "spec"), PLAIN_QUOTES)
def test_cleanup_plain_quote_ranges_are_exact(raw: str, spec: list) -> None:
    cleaned = clean(raw)
    assert cleaned.ignored == expected(raw, spec)
    assert cleaned.analysis.startswith(NEW)  # the calm new text above the quote is kept verbatim
    assert_masked(cleaned)


def test_cleanup_plain_quote_offsets_literal() -> None:
    # The same as the table above, written out: "Thanks.\n\n" is 9 code points, the quote runs to the end.
    cleaned = clean("Thanks.\n\n> awful\n> really\n")
    assert cleaned.ignored == (IgnoredRange(9, 17, Q), IgnoredRange(17, 26, Q))
    assert cleaned.analysis == "Thanks.\n\n       \n        \n"


@pytest.mark.parametrize(
    "line",
    [
        "Once you've signed, the form goes to billing; I wrote: please sign page 2.",
        "Am Montag schrieb ich: das Formular fehlt.",
        "From: the billing team, with thanks.",
        "-- and that is the whole story.",
        "Our engineer replied > 3 times.",
    ],
)
def test_cleanup_plain_lookalike_lines_are_kept(line: str) -> None:
    raw = f"Hi Dana,\n{line}\nThe replacement ships today.\n"
    assert clean(raw).ignored == ()


# --- plain text: signatures and disclaimers ----------------------------------------------------------

BODY = "Hi Dana,\n\nThe replacement ships today and the tracking link is below.\n\n"

PLAIN_SIGNATURES = [
    pytest.param(BODY + "-- \nSam Lee\nAcme Support\n", [(S, "-- ", None)], id="dash-dash-space"),
    pytest.param(BODY + "--\nSam Lee\n", [(S, "--\n", None)], id="dash-dash-no-space"),
    pytest.param(
        BODY + "Best regards,\nSam Lee\nCustomer Support | Acme\n+1 555 0100\n",
        [(S, "Best regards", None)],
        id="sign-off-and-name-block",
    ),
    pytest.param(BODY + "Cheers,\nSam\n", [(S, "Cheers", None)], id="cheers-name"),
    pytest.param(BODY + "Thanks again!\nSam\n", [(S, "Thanks again", None)], id="thanks-again-name"),
    pytest.param(BODY + "Sent from my iPhone\n", [(S, "Sent from my iPhone", None)], id="sent-from-iphone"),
    pytest.param(BODY + "Get Outlook for Android\n", [(S, "Get Outlook", None)], id="get-outlook"),
    pytest.param(
        BODY + "Best,\nSam\n\nCONFIDENTIALITY NOTICE: This email and any attachments are confidential.\n"
        "If you received this email in error, please delete it.\n",
        [(S, "Best,", "CONFIDENTIALITY"), (D, "CONFIDENTIALITY", None)],
        id="signature-then-disclaimer",
    ),
    pytest.param(
        BODY + "This message is confidential and intended only for the named recipient.\n",
        [(D, "This message", None)],
        id="disclaimer-this-message",
    ),
    pytest.param(
        BODY + "DISCLAIMER: Any views or opinions presented are solely those of the author.\n\nSam\n",
        [(D, "DISCLAIMER", "\nSam")],
        id="disclaimer-paragraph-only",
    ),
]


@pytest.mark.parametrize(("raw", "spec"), PLAIN_SIGNATURES)
def test_cleanup_plain_signature_and_disclaimer_ranges(raw: str, spec: list) -> None:
    cleaned = clean(raw)
    assert cleaned.ignored == expected(raw, spec)
    assert cleaned.analysis.startswith(BODY)
    assert_masked(cleaned)


@pytest.mark.parametrize(
    "raw",
    [
        # A "Thanks!" line that opens the message is not a signature: the sentence below it is judged.
        "Hi Dana,\n\nThanks!\nYou should have called us before the warranty ran out.\n\nBest,\nSam\n",
        "Hi Dana,\nThanks!\nYou are useless\nBest,\nSam\n",
        "Hi Dana,\nMany thanks,\nthe form arrived and I've filed it with billing today.\n",
    ],
)
def test_cleanup_signature_never_swallows_the_writers_sentences(raw: str) -> None:
    cleaned = clean(raw)
    for words in ("You should have called", "You are useless", "the form arrived"):
        if words in raw:
            i = raw.index(words)
            assert not cleaned.is_ignored(i, i + len(words))
            assert words in cleaned.analysis


def test_cleanup_signature_needs_a_name_after_the_sign_off() -> None:
    raw = "Thanks.\n\n-----Original Message-----\nFrom: Dana\n\nawful\n"
    assert clean(raw).ignored == expected(raw, [(Q, "-----Original", None)])


# --- realistic whole emails (fixtures) ------------------------------------------------------------

FIXTURES = [
    pytest.param(
        "outlook_plain_reply.txt",
        ContentType.PLAIN,
        [(S, "Kind regards", "_____"), (Q, "_____", None)],
        "within five working days.",
        id="outlook-plain",
    ),
    pytest.param(
        "gmail_plain_reply_wrapped.txt",
        ContentType.PLAIN,
        [(S, "Sent from my iPhone", "On Tue"), (Q, "On Tue", None)],
        "text you a delivery slot.",
        id="gmail-plain-wrapped-header",
    ),
    pytest.param(
        "disclaimer_reply.txt",
        ContentType.PLAIN,
        [(S, "Best regards", "CONFIDENTIALITY"), (D, "CONFIDENTIALITY", None)],
        "clauses we changed after our call.",
        id="signature-and-disclaimer",
    ),
    pytest.param(
        "furious_quote_calm_reply.txt",
        ContentType.PLAIN,
        [(S, "Best,", "On Mon"), (Q, "On Mon", None)],
        "express delivery at no cost.",
        id="furious-quote-below-calm-reply",
    ),
    pytest.param(
        "gmail_reply.html",
        ContentType.HTML,
        [(S, "Best,", "On Tue"), (Q, "On Tue", None)],
        "reach your card by Friday.",
        id="gmail-html-quote-and-signature",
    ),
    pytest.param(
        "apple_mail_reply.html",
        ContentType.HTML,
        [(Q, "On 3 Jan", None)],
        "sent you the confirmation.",
        id="apple-blockquote-type-cite",
    ),
    pytest.param(
        "outlook_web_reply.html",
        ContentType.HTML,
        [(Q, "From: Dana", None)],
        "tracking number is in the attachment.",
        id="outlook-web-appendonsend-divRplyFwdMsg",
    ),
    pytest.param(
        "outlook_desktop_reply.html",
        ContentType.HTML,
        [(Q, "From: Dana", None)],
        "within five days.",
        id="outlook-desktop-border-top",
    ),
    pytest.param(
        "yahoo_reply.html",
        ContentType.HTML,
        [(Q, "On Tuesday", None)],
        "within a few minutes.",
        id="yahoo-quoted",
    ),
    pytest.param(
        "thunderbird_reply.html",
        ContentType.HTML,
        [(S, "-- \nSam", "On 03/01"), (Q, "On 03/01", None)],
        "you can sign in now.",
        id="thunderbird-moz-cite-prefix-and-signature",
    ),
]


@pytest.mark.parametrize(("name", "content_type", "spec", "last_new_words"), FIXTURES)
def test_cleanup_email_fixture_keeps_only_new_words(
    name: str, content_type: ContentType, spec: list, last_new_words: str
) -> None:
    raw = (EMAILS / name).read_text(encoding="utf-8")
    cleaned = clean(raw, content_type)
    assert cleaned.ignored == expected(cleaned.text, spec)
    assert cleaned.rendered is (content_type is ContentType.HTML)
    assert_masked(cleaned)
    # Everything up to the end of the new paragraph is kept, untouched but for unwrapped lines.
    cut = cleaned.text.index(last_new_words) + len(last_new_words)
    assert cleaned.analysis[:cut] == unwrap(cleaned.text[:cut])
    assert not cleaned.is_ignored(0, cut)
    # None of the customer's shouting survives into what is analysed.
    for word in ("RIDICULOUS", "USELESS", "TWICE", "SERIOUS", "THREE", "NOW", "pathetic", "absurd"):
        assert word not in cleaned.analysis[cut:]


# --- HTML ---------------------------------------------------------------------------------------

HTML_CASES = [
    pytest.param(
        '<div>Your refund is on its way.</div><div class="gmail_quote"><div>On Tue Dana wrote:</div>'
        "<blockquote>USELESS people!!!</blockquote></div>",
        "Your refund is on its way.\nOn Tue Dana wrote:\nUSELESS people!!!\n",
        [(Q, "On Tue", None)],
        id="gmail-quote",
    ),
    pytest.param(
        '<div>Your refund is on its way.</div><div class="gmail_signature">Sam | Acme</div>',
        "Your refund is on its way.\nSam | Acme\n",
        [(S, "Sam", "\n")],  # an element's range ends where it closes, before the line break
        id="gmail-signature",
    ),
    pytest.param(
        '<p>Your refund is on its way.</p><blockquote type="cite">Absurd!!!</blockquote><p>Sam will call you.</p>',
        "Your refund is on its way.\nAbsurd!!!\nSam will call you.\n",
        [(Q, "Absurd", "\nSam")],
        id="blockquote-type-cite-ends-at-its-close",
    ),
    pytest.param(
        '<div>Your refund is on its way.</div><div id="Signature">Sam Lee</div>'
        '<div id="appendonsend"></div><hr>'
        '<div id="divRplyFwdMsg"><b>From:</b> Dana</div><div>USELESS!!!</div>',
        "Your refund is on its way.\nSam Lee\nFrom: Dana\nUSELESS!!!\n",
        [(S, "Sam Lee", "\nFrom:"), (Q, "From:", None)],
        id="outlook-web-signature-and-appendonsend",
    ),
    pytest.param(
        '<div>Your refund is on its way.</div><div id="appendonsend"></div>'
        "<div><b>From:</b> Dana</div><div>USELESS</div>",
        "Your refund is on its way.\nFrom: Dana\nUSELESS\n",
        [(Q, "From:", None)],
        id="outlook-web-appendonsend-alone",
    ),
    pytest.param(
        "<div>Your refund is on its way.</div>"
        '<div id="x_divRplyFwdMsg"><b>From:</b> Dana</div><div>USELESS</div>',
        "Your refund is on its way.\nFrom: Dana\nUSELESS\n",
        [(Q, "From:", None)],
        id="outlook-web-x-prefixed-id",
    ),
    pytest.param(
        '<div>Your refund is on its way.</div><div id="OLK_SRC_BODY_SECTION"><b>From: </b>Dana</div>'
        "<div>USELESS</div>",
        "Your refund is on its way.\nFrom: Dana\nUSELESS\n",
        [(Q, "From:", None)],
        id="outlook-mac",
    ),
    pytest.param(
        '<p>Your refund is on its way.</p><div style="border:none;border-top:solid #E1E1E1 1.0pt">'
        "<p><b>From:</b> Dana</p></div><p>USELESS</p>",
        "Your refund is on its way.\nFrom: Dana\nUSELESS\n",
        [(Q, "From:", None)],
        id="outlook-desktop-border-top",
    ),
    pytest.param(
        '<div>Your refund is on its way.</div><div class="yahoo_quoted">On Tue Dana wrote: USELESS</div>',
        "Your refund is on its way.\nOn Tue Dana wrote: USELESS\n",
        [(Q, "On Tue", "\n")],
        id="yahoo-quoted",
    ),
    pytest.param(
        '<p>Your refund is on its way.</p><div class="moz-cite-prefix">On 03/01 Dana wrote:</div>'
        "<blockquote>USELESS</blockquote>",
        "Your refund is on its way.\nOn 03/01 Dana wrote:\nUSELESS\n",
        [(Q, "On 03/01", None)],
        id="thunderbird-moz-cite-prefix",
    ),
]


@pytest.mark.parametrize(("html", "rendered", "spec"), HTML_CASES)
def test_cleanup_html_renders_text_and_marks_client_containers(html: str, rendered: str, spec: list) -> None:
    cleaned = clean(html, ContentType.HTML)
    assert cleaned.text == rendered
    assert cleaned.rendered
    assert cleaned.ignored == expected(rendered, spec)
    assert cleaned.analysis.startswith("Your refund is on its way.\n")
    assert_masked(cleaned)


@pytest.mark.parametrize(
    ("html", "rendered"),
    [
        # Runs of white space, &nbsp; included, render as one plain space, as a browser shows them.
        ("<p>Fish &amp; chips&nbsp;are &#8220;ready&#8221;.</p>", "Fish & chips are \u201cready\u201d.\n"),
        ("<style>p {color: red}</style><script>alert(1)</script><p>Hello</p>", "Hello\n"),
        ("<div>one<br>two</div>", "one\ntwo\n"),
        ("<pre>keep   spaces\n  here</pre>", "keep   spaces\n  here\n"),
        ("<div><p>unclosed <b>tags", "unclosed tags"),
        ("</div>stray end tag<p>", "stray end tag\n"),
    ],
)
def test_cleanup_html_rendering(html: str, rendered: str) -> None:
    assert clean(html, ContentType.HTML).text == rendered


# --- template placeholders ------------------------------------------------------------------------

PLACEHOLDERS = [
    pytest.param(
        "Hi {{ first_name }}, your order is on its way.", "{{ first_name }}", "x", id="double-braces"
    ),
    pytest.param(
        "Hi {{{customer.name}}}, your order is on its way.", "{{{customer.name}}}", "x", id="triple-braces"
    ),
    pytest.param(
        "Hi there,{% if late %} sorry for the wait.{% endif %}", "{% if late %}", " ", id="jinja-block-tag"
    ),
    pytest.param(
        "Hi there, {# internal: VIP, be nice #}your order is on its way.",
        "{# internal: VIP, be nice #}",
        " ",
        id="comment",
    ),
    pytest.param("Your parcel arrives on ${delivery_date}.", "${delivery_date}", "x", id="dollar-braces"),
    pytest.param("Hi {{#if vip}}valued {{/if}}customer.", "{{#if vip}}", " ", id="handlebars-block"),
]


@pytest.mark.parametrize(("raw", "placeholder", "mask_char"), PLACEHOLDERS)
def test_cleanup_placeholder_masked_with_same_length_and_listed(
    raw: str, placeholder: str, mask_char: str
) -> None:
    cleaned = clean(raw)
    start = raw.index(placeholder)
    end = start + len(placeholder)
    assert IgnoredRange(start, end, P) in cleaned.ignored
    assert len(cleaned.analysis) == len(raw)
    assert cleaned.analysis[start:end] == mask_char * len(placeholder)
    assert cleaned.analysis[:start] == raw[:start]


def test_cleanup_every_placeholder_kind_in_one_template() -> None:
    raw = "Hi {{ name }}, order {{{id}}} {% if late %}is late{% endif %} {# note #} ships ${date}."
    cleaned = clean(raw)
    found = [raw[r.start : r.end] for r in cleaned.ignored]
    assert found == ["{{ name }}", "{{{id}}}", "{% if late %}", "{% endif %}", "{# note #}", "${date}"]
    assert {r.kind for r in cleaned.ignored} == {P}
    # Values read as a neutral word ("x" * length); structural tags read as nothing (spaces).
    blanks = " " * len("{% if late %}"), " " * len("{% endif %} {# note #}")
    assert cleaned.analysis == f"Hi xxxxxxxxxx, order xxxxxxxx {blanks[0]}is late{blanks[1]} ships xxxxxxx."
    assert [p.is_value for p in find_placeholders(raw)] == [True, True, False, False, False, True]


@pytest.mark.parametrize(
    "raw",
    [
        "Use {braces} and $dollars freely; {{ on its own never closes.",
        'The JSON body is {"text": "..."}.',
    ],
)
def test_cleanup_non_placeholders_untouched(raw: str) -> None:
    cleaned = clean(raw)
    assert cleaned.ignored == ()
    assert cleaned.analysis == raw


# --- ranges from the caller, merging, empty input ----------------------------------------------------


def test_cleanup_extra_ranges_are_listed_and_masked() -> None:
    raw = "Calm words. Angry words. Calm again."
    extra = IgnoredRange(12, 24, IgnoredKind.SUPPRESSED)
    cleaned = clean(raw, extra=[extra])
    assert cleaned.ignored == (extra,)
    assert cleaned.analysis == "Calm words.              Calm again."


def test_cleanup_overlapping_ranges_list_each_character_once() -> None:
    raw = "New words.\n\nOn Tue Dana wrote:\n> {{ name }} is upset\n"
    cleaned = clean(raw)
    # The placeholder lies inside the quote, so only the quote is listed.
    assert cleaned.ignored == expected(raw, [(Q, "On Tue", None)])


@pytest.mark.parametrize("raw", ["", "\n", "   \n\n"])
def test_cleanup_empty_input(raw: str) -> None:
    cleaned = clean(raw)
    assert cleaned.text == raw
    assert cleaned.ignored == ()


@pytest.mark.parametrize(
    ("start", "end", "touches"),
    [(0, 5, False), (8, 9, False), (8, 10, True), (12, 13, True), (19, 25, True), (20, 25, False)],
)
def test_cleanup_is_ignored_is_half_open(start: int, end: int, touches: bool) -> None:
    cleaned = Cleaned("x" * 30, "x" * 30, (IgnoredRange(9, 20, Q),), False)
    assert cleaned.is_ignored(start, end) is touches
