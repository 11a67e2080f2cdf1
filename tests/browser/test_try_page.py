"""The try page at `/` in headless Chromium against a real `tonecheck serve`: no add-in, no Office."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HEATED = ("Hi Sam,\n\nThis is ridiculous!!! I am absolutely furious that you keep ignoring my emails.\n"
          "Stop wasting my time.\n\nAna")
CALM = "Hi Sam,\n\nThanks for your patience. The fix is ready and attached.\n\nKind regards,\nAna"
SHOTS = "/tmp/tonecheck-try-{}.png"  # copied into docs/img/ when the page changes


@pytest.fixture
def try_page(browser, tonecheck_server):
    context = browser.new_context(viewport={"width": 900, "height": 1100})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(tonecheck_server["url"] + "/")  # redirects to the page the add-in's files include
    page.errors = errors
    yield page
    context.close()


def check(page, text: str) -> str:
    """Paste a draft, press the button with the keyboard, and wait for the verdict."""
    page.fill("#input", text)
    page.focus("#check")
    page.keyboard.press("Enter")
    page.wait_for_selector("#verdict:not([hidden])", timeout=30_000)
    return page.get_attribute("#verdict", "class")


def test_try_page_heated_draft_holds_with_a_countdown(try_page):
    page = try_page
    assert page.url.endswith("/addin/try.html")
    assert check(page, HEATED) == "verdict hold"
    assert page.is_visible("#hold")
    assert re.fullmatch(r"\d{1,2}:\d{2}", page.inner_text("#countdown"))
    assert page.locator("#draft mark.hit.heated").count() >= 1
    assert page.locator("#findings .finding").count() >= 1
    # Screen readers hear the result: the verdict heading takes focus, the status region is live.
    assert page.evaluate("document.activeElement.id") == "verdict-title"
    assert page.get_attribute("#status", "aria-live") == "polite"
    page.screenshot(path=SHOTS.format("hold"), full_page=True)
    assert page.errors == []


def test_try_page_calm_draft_is_send(try_page):
    page = try_page
    assert check(page, CALM) == "verdict send"
    assert not page.is_visible("#hold")
    assert page.locator("#draft mark").count() == 0
    page.screenshot(path=SHOTS.format("send"), full_page=True)
    assert page.errors == []


def test_try_page_loads_nothing_from_another_origin(try_page, tonecheck_server):
    page = try_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.reload()
    check(page, CALM)
    assert requested and all(url.startswith(tonecheck_server["url"]) for url in requested), requested
