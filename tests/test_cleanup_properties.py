"""Property tests (hypothesis) for cleanup: ranges inside the text, masking exact, findings never in them."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tonecheck.cleanup import ContentType, clean
from tonecheck.cleanup.html import _Renderer, render_html
from tonecheck.cleanup.unwrap import soft_breaks
from tonecheck.engine import Engine
from tonecheck.findings import IgnoredKind

FAST = settings(
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
ENGINE = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NOT_JUDGED = {IgnoredKind.QUOTE, IgnoredKind.SIGNATURE, IgnoredKind.DISCLAIMER, IgnoredKind.SUPPRESSED}

# Lines an email is made of: the writer's (some flagged), quoted history, headers, sign-offs and names,
# disclaimers, template placeholders, and hostile bits (NUL, RTL, zero-width, long runs, stray markers).
WRITER = [
    "Hi Dana,",
    "The replacement ships today.",
    "As I said in my last email, you failed to attach the form.",
    "Don't bother writing back. WHATEVER!!!",
    "I SAID the refund is PROCESSED.",
    "Per my last email, no.",
    "Your order {{ order_id }} is paid by {% if x %}{{ due }}{% endif %}.",
    "Hello ${name}, {# note #} ok.",
    "Totally fine 😀👍🏽 שלום \u202e\u200b e\u0301",
    "",
    "   ",
    "\t",
    "!" * 150,
    "%" * 120,
]
HISTORY = [
    "> You people are USELESS!!!",
    "> > nested quote",
    "On Tue, Jan 3, 2024 at 10:02 AM Dana <d@x.com> wrote:",
    "-----Original Message-----",
    "From: Dana",
    "Sent: Tuesday",
    "Begin forwarded message:",
    "__________",
]
ENDING = [
    "Thanks,",
    "Best regards,",
    "Cheers",
    "-- ",
    "Sent from my iPhone",
    "Anna Smith",
    "ACME Ltd | +1 555 0100",
    "CONFIDENTIALITY NOTICE: This email is confidential.",
    "This email and any attachments are confidential.",
    "If you received this message in error, delete it.",
]
HOSTILE = ["\x00", "\r", "\u2028", "{{", "{%", "${", "<", ">", "&amp;", "regards" + " " * 50 + "x"]

lines = st.sampled_from(WRITER + HISTORY + ENDING + HOSTILE) | st.text(max_size=30)
plain_emails = st.lists(lines, max_size=25).map("\n".join) | st.text(max_size=300)

HTML_BITS = [
    "<p>",
    "</p>",
    "<div>",
    "</div>",
    "<br>",
    "<b>",
    "</i>",
    '<blockquote type="cite">',
    "</blockquote>",
    '<div class="gmail_quote">',
    '<div id="Signature">',
    '<div id="divRplyFwdMsg">',
    "<pre>",
    "</pre>",
    "<script>x()</script>",
    "<style>p{}</style>",
    "<!-- c -->",
    "<!--",
    "<a",
    "<",
    ">",
    "&lt;",
    "&amp",
    "&#x1F600;",
    "<![CDATA[",
    "]]>",
    "<?x?>",
    "</",
    "<p class='moz-cite-prefix'>",
]
html_emails = st.lists(st.sampled_from(HTML_BITS) | lines, max_size=40).map("".join)


def check_ranges_and_mask(raw: str, kind: ContentType) -> None:
    cleaned = clean(raw, kind)
    text, analysis = cleaned.text, cleaned.analysis
    assert len(analysis) == len(text)
    previous_end = 0
    for r in cleaned.ignored:
        assert 0 <= r.start < r.end <= len(text), r
        assert r.start >= previous_end, "sorted, each character listed once"
        previous_end = r.end
    blank = [r for r in cleaned.ignored if r.kind is not IgnoredKind.PLACEHOLDER]
    with_breaks = "".join(a if a in "\r\n" else b for a, b in zip(text, analysis, strict=True))
    soft = set(soft_breaks(with_breaks))
    for i, (a, b) in enumerate(zip(text, analysis, strict=True)):
        if a == "\n":
            # Only a break that wraps a paragraph reads as a space; the others still split sentences.
            assert b == (" " if i in soft else "\n")
        elif a == "\r":
            assert b == (" " if i + 1 in soft else "\r")
        elif any(r.start <= i < r.end for r in blank):
            assert b == " "
        elif b != a:
            # Placeholders read as a neutral word or a blank; very long runs get a break for the tokenizer.
            assert b in " x"
    if kind is ContentType.PLAIN:
        assert text == raw, "plain-text offsets point into exactly what was sent"


@FAST
@given(raw=plain_emails)
def test_cleanup_plain_ranges_inside_and_masking_exact(raw: str) -> None:
    check_ranges_and_mask(raw, ContentType.PLAIN)


@FAST
@given(raw=html_emails)
def test_cleanup_html_ranges_inside_and_masking_exact(raw: str) -> None:
    check_ranges_and_mask(raw, ContentType.HTML)


@FAST
@given(raw=plain_emails | html_emails, html=st.booleans())
def test_cleanup_repeated_calls_are_identical(raw: str, html: bool) -> None:
    kind = ContentType.HTML if html else ContentType.PLAIN
    assert clean(raw, kind) == clean(raw, kind)


@FAST
@given(raw=html_emails)
def test_cleanup_html_escaping_the_tail_changes_nothing(raw: str) -> None:
    # render_html escapes every "<" after the last ">" to keep HTMLParser linear; it must read the same.
    plain_parser = _Renderer()
    plain_parser.feed(raw)
    assert render_html(raw) == plain_parser.finish()


@ENGINE
@given(raw=plain_emails)
def test_cleanup_findings_never_inside_ignored_ranges_plain(rules_engine: Engine, raw: str) -> None:
    assert_findings_outside_ignored(rules_engine, raw, ContentType.PLAIN)


@ENGINE
@given(raw=html_emails)
def test_cleanup_findings_never_inside_ignored_ranges_html(rules_engine: Engine, raw: str) -> None:
    assert_findings_outside_ignored(rules_engine, raw, ContentType.HTML)


def assert_findings_outside_ignored(engine: Engine, raw: str, kind: ContentType) -> None:
    report = engine.check(raw, kind)
    skipped = [r for r in report.ignored if r.kind in NOT_JUDGED]
    for f in report.findings:
        assert 0 <= f.start < f.end <= len(report.text)
        assert not any(r.start < f.end and f.start < r.end for r in skipped), (f, skipped)
    assert engine.check(raw, kind).findings == report.findings
