"""The Outlook task pane in headless Chromium against a real `tonecheck serve` (stubbed Office host)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STUB = Path(__file__).with_name("office_stub.js")
# A quoted thread with an inline screenshot (cid:) and a data-URI logo: what Apply must never rewrite.
THREAD = ('<img src="data:image/png;base64,iVBORw0KGgo=" alt="logo">From: Sam Lee<br>Sent: Monday<br>'
          'Subject: Router<br><br>As I told you, it still does not work.<br><img src="cid:screenshot@01D9">')
REVIEW_DRAFT = [
    "Hi Sam,",
    "As I told you last week, you failed to read the instructions. Here is the fix: restart the router.",
    "Best, Ana",
]
HOLD_DRAFT = ["This is ridiculous!!! I am absolutely furious that you keep ignoring my emails.",
              "Stop wasting my time."]
CLEAN_DRAFT = ["Hi Sam,", "Thanks for your patience. The fix is ready and attached.", "Kind regards, Ana"]


@pytest.fixture
def open_pane(browser, tonecheck_server) -> Iterator[Callable]:
    """Open taskpane.html (from /addin/ unless `origin` says otherwise) on a stubbed Outlook draft."""
    contexts = []

    def _open(paragraphs: list[str], origin: str | None = None):
        context = browser.new_context(viewport={"width": 380, "height": 1000}, device_scale_factor=2)
        contexts.append(context)
        page = context.new_page()
        # office.js lives on Microsoft's CDN; the stub stands in for the host it would talk to.
        page.route("https://appsforoffice.microsoft.com/**",
                   lambda route: route.fulfill(status=200, content_type="text/javascript", body="/* stub */"))
        seed = {"paragraphs": [html.escape(p) for p in paragraphs], "thread": THREAD}
        page.add_init_script(f"window.__TONECHECK_DRAFT__ = {json.dumps(seed)};")
        page.add_init_script(path=str(STUB))
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        addin = origin or f"{tonecheck_server['url']}/addin"
        page.goto(f"{addin}/taskpane.html")
        wait_checked(page)
        assert page.is_visible("#verdict"), page.inner_text("#status")
        page.errors = errors
        return page

    yield _open
    for context in contexts:
        context.close()


def wait_checked(page) -> None:
    """Until a check (and its rendering) has finished: Re-check is enabled again at the very end."""
    page.wait_for_function("""() => !document.querySelector('#recheck').disabled
        && (!document.querySelector('#verdict').hidden
            || document.querySelector('#status').classList.contains('error'))""", timeout=30_000)


def marks(page) -> list[str]:
    return page.locator("#draft mark").all_inner_texts()


def test_addin_taskpane_review_highlights_findings_and_applies_a_suggestion(open_pane):
    page = open_pane(REVIEW_DRAFT)
    # With the classifier on, the draft may also read as heated; either way it is flagged.
    assert page.get_attribute("#verdict", "class") in ("verdict review", "verdict hold")
    hits = " | ".join(marks(page))
    assert "As I told you last week" in hits
    assert "you failed to read the instructions" in hits
    assert page.locator("#draft .sentence").count() >= 1, "the flagged sentence is tinted"
    cards = page.locator("#findings .finding")
    assert cards.count() >= 2
    page.screenshot(path="/tmp/tonecheck-taskpane-review.png", full_page=True)

    card = cards.filter(has_text="As I told you last week").first
    assert card.locator(".replacement").input_value(), "a replacement is offered"
    card.locator(".suggestions button", has_text="use").last.click()  # "To recap: …"
    assert card.locator(".replacement").input_value() == "To recap:"
    before = page.evaluate("window.__outlook.html")
    # A body with images and a quoted thread is never written back whole: Outlook replaces the writer's
    # selection of the flagged words, and every byte outside them stays as it was.
    page.evaluate("window.__outlook.selection = 'As I told you last week'")
    card.locator(".apply").click()
    page.wait_for_function("window.__outlook.selectCalls.length === 1")
    wait_checked(page)

    after = page.evaluate("window.__outlook.html")
    assert page.evaluate("window.__outlook.setCalls.length") == 0, "the whole body was never set"
    at = before.index("As I told you last week")
    assert after == before[:at] + "To recap:" + before[at + len("As I told you last week"):]
    assert 'src="cid:screenshot@01D9"' in after and "data:image/png;base64," in after
    assert all("As I told you" not in m for m in marks(page)), "the re-check no longer flags it"
    assert page.errors == []


def test_addin_taskpane_hold_counts_down_and_schedules_the_send(open_pane):
    page = open_pane(HOLD_DRAFT)
    assert page.get_attribute("#verdict", "class") == "verdict hold"
    assert page.locator("#draft mark.heated").count() >= 1
    until = page.evaluate("window.tonecheckPane.state.result.hold.until")  # as the service sent it
    assert page.evaluate("window.__outlook.session['tonecheck.holdUntil']") == page.get_attribute(
        "#hold", "data-until"), "the pane starts the draft's hold clock for the send check"
    first = page.inner_text("#countdown")
    assert re.fullmatch(r"(29|30):\d\d", first), first
    page.wait_for_function(f"document.querySelector('#countdown').textContent !== {json.dumps(first)}",
                           timeout=5_000)
    assert page.inner_text("#schedule") == "Send in 30 minutes"
    page.screenshot(path="/tmp/tonecheck-taskpane-hold.png", full_page=True)

    page.click("#schedule")
    page.wait_for_function("window.__outlook.delayCalls.length === 1")
    scheduled = datetime.fromisoformat(page.evaluate("window.__outlook.delayCalls[0]"))
    wanted = datetime.fromisoformat(until)  # Python 3.11 reads the microseconds and the Z
    # JavaScript dates keep milliseconds; the service's `until` has microseconds.
    assert abs((scheduled - wanted).total_seconds()) < 0.001, (scheduled, wanted)
    page.wait_for_selector("#schedule-note:not([hidden])")
    assert page.inner_text("#schedule").startswith("Scheduled for ")
    page.screenshot(path="/tmp/tonecheck-taskpane-scheduled.png")
    assert page.is_disabled("#schedule")
    assert page.errors == []


def test_addin_taskpane_clean_draft_is_good_to_send(open_pane):
    page = open_pane(CLEAN_DRAFT)
    assert page.get_attribute("#verdict", "class") == "verdict send"
    assert page.inner_text("#verdict-title") == "Good to send"
    assert page.is_hidden("#findings-section")
    assert page.is_hidden("#hold")


def test_addin_taskpane_recheck_reads_the_edited_draft(open_pane):
    page = open_pane(CLEAN_DRAFT)
    page.evaluate("""window.__outlook.html = window.__outlook.html.replace(
        'Thanks for your patience.', 'This is ridiculous!!!')""")
    page.click("#recheck")
    page.wait_for_selector("#verdict.hold", timeout=30_000)


def test_addin_taskpane_calls_the_service_across_origins_with_cors(open_pane, other_origin):
    page = open_pane(REVIEW_DRAFT, origin=other_origin)
    assert page.locator("#draft mark").count() >= 2, "the cross-origin check came back with findings"
    assert page.errors == []
