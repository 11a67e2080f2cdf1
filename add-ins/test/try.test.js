// The try page (outlook/src/try.html + try.js) for people without the add-in: its request, its
// rendering (render.js, shared with the task pane), Apply into the pasted draft, the hold
// countdown, errors, and a page that loads nothing from a CDN and labels every control.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const tryPage = require("../outlook/src/try.js");
const { SRC, read, settle } = require("./helpers.js");
const { FakeDocument, fakeWindow } = require("./fake-dom.js");

const HTML = read(path.join(SRC, "try.html"));
const NOW = Date.parse("2030-01-01T10:00:00Z");
const HEATED = "This is ridiculous!!! Stop wasting my time.";
const HOLD = {
  verdict: "hold",
  findings: [{ category: "heated", rule_id: "heated.ridiculous", start: 8, end: 21, text: "ridiculous!!!", score: 0.97,
    message: "Insulting.", suggestions: ["Describe the problem: \u201cThis is not working as it should.\u201d"] }],
  hold: { recommended: true, minutes: 30, until: "2030-01-01T10:30:00.123456Z", reason: "The draft reads as heated." },
  text: null,
};
const CALM = { verdict: "send", findings: [], hold: null, text: null };

const TAGS = {
  input: "textarea", format: "select", "api-key": "input", check: "button", status: "p", verdict: "section",
  "verdict-title": "h2", "verdict-text": "p", hold: "div", countdown: "strong", "hold-until": "span",
  "hold-explain": "p", "draft-section": "section", draft: "div", "findings-section": "section", findings: "ol",
};

/** Boot try.js on a fake page; `answer(request)` plays the service. */
function page(answer, { clipboard } = {}) {
  const requests = [];
  const fetch = (url, init) => {
    const request = { url, init, body: JSON.parse(init.body) };
    requests.push(request);
    const { status = 200, json, headers = {} } = answer(request);
    return Promise.resolve({
      ok: status >= 200 && status < 300,
      status,
      headers: { get: (name) => headers[name] || null },
      json: () => Promise.resolve(json),
    });
  };
  const win = fakeWindow({ now: NOW, fetch, clipboard });
  const doc = new FakeDocument().scaffold(TAGS);
  doc.getElementById("format").value = "auto";
  for (const id of ["verdict", "hold", "draft-section", "findings-section"]) doc.getElementById(id).hidden = true;
  const api = tryPage.start(win, doc);
  const $ = (id) => doc.getElementById(id);
  return { win, doc, api, requests, $, async submit(text) {
    $("input").value = text;
    $("check").click();
    await settle();
  } };
}

test("try_posts_the_draft_to_v1_check_on_its_own_origin", async () => {
  const p = page(() => ({ json: CALM }));
  p.$("api-key").value = "  k-123 ";
  await p.submit("Thanks for your patience.");
  assert.equal(p.requests.length, 1);
  const [r] = p.requests;
  assert.equal(r.url, "https://tc.example/v1/check?offset_unit=utf16");
  assert.equal(r.init.method, "POST");
  assert.equal(r.init.headers["Content-Type"], "application/json");
  assert.equal(r.init.headers["X-API-Key"], "k-123");
  assert.deepEqual(r.body, { text: "Thanks for your patience.", content_type: "text/plain" });
  assert.equal(p.win.tonecheckTry, p.api);
});

test("try_sends_no_key_header_without_a_key", async () => {
  const p = page(() => ({ json: CALM }));
  await p.submit("Hello.");
  assert.equal("X-API-Key" in p.requests[0].init.headers, false);
});

test("try_detects_html_or_takes_the_chosen_format", () => {
  assert.equal(tryPage.contentTypeFor("<p>Hi</p>", "auto"), "text/html");
  assert.equal(tryPage.contentTypeFor("Hi <there>", "auto"), "text/plain");
  assert.equal(tryPage.contentTypeFor("a < b and c > d", "auto"), "text/plain");
  assert.equal(tryPage.contentTypeFor("<p>Hi</p>", "text/plain"), "text/plain");
  assert.equal(tryPage.contentTypeFor("Hi", "text/html"), "text/html");
});

test("try_calm_draft_shows_send_and_nothing_else", async () => {
  const p = page(() => ({ json: CALM }));
  await p.submit("Thanks for your patience. The fix is attached.");
  assert.equal(p.$("verdict").hidden, false);
  assert.equal(p.$("verdict").getAttribute("class"), "verdict send");
  assert.equal(p.$("verdict-title").textContent, "Good to send");
  assert.equal(p.$("hold").hidden, true);
  assert.equal(p.$("findings-section").hidden, true);
  assert.equal(p.$("status").textContent, "Checked: Good to send. Nothing flagged.");
  assert.equal(p.doc.activeElement, p.$("verdict-title"), "focus goes to the result for screen readers");
  assert.equal(p.$("check").disabled, false);
});

test("try_heated_draft_shows_hold_highlights_and_a_countdown", async () => {
  const p = page(() => ({ json: HOLD }));
  await p.submit(HEATED);
  assert.equal(p.$("verdict").getAttribute("class"), "verdict hold");
  assert.equal(p.$("verdict-title").textContent, "Hold this one");
  assert.equal(p.$("verdict-text").textContent, "The draft reads as heated.");
  const [mark] = p.$("draft").querySelectorAll("mark");
  assert.equal(mark.textContent, "ridiculous!!!");
  assert.ok(mark.classes.includes("heated"));
  const [card] = p.$("findings").children;
  assert.equal(card.querySelector("span.score").textContent, "score 0.97");
  assert.equal(card.querySelector("textarea.replacement").value, "This is not working as it should.");
  assert.equal(p.$("hold").hidden, false);
  assert.equal(p.$("countdown").textContent, "30:01");
  assert.match(p.$("hold-until").textContent, /^\(until \d\d:\d\d\)$/);
  assert.match(p.$("hold-explain").textContent, /waiting 30 minutes/);
  p.win.tick(2000);
  assert.equal(p.$("countdown").textContent, "29:59");
  p.win.tick(30 * 60 * 1000);
  assert.equal(p.$("countdown").textContent, "0:00");
  assert.match(p.$("hold-until").textContent, /the wait is over/);
  assert.equal(p.win.intervals.size, 0);
});

test("try_a_new_check_replaces_the_last_result_and_its_countdown", async () => {
  let answer = HOLD;
  const p = page(() => ({ json: answer }));
  await p.submit(HEATED);
  answer = CALM;
  await p.submit("All calm now.");
  assert.equal(p.$("hold").hidden, true);
  assert.equal(p.win.intervals.size, 0, "the old countdown stopped");
  assert.equal(p.$("findings").children.length, 0);
});

test("try_html_draft_highlights_the_services_plain_text", async () => {
  const input = "<p>As I said, <b>no</b>.</p><div class=\"gmail_quote\">old</div>";
  const result = { verdict: "review", hold: null, text: "As I said, no.\n\nold",
    findings: [{ category: "told_you_so", start: 0, end: 9, text: "As I said", message: "m", score: 0.9,
      suggestions: ["To recap: \u2026"] }] };
  const p = page(() => ({ json: result }));
  await p.submit(input);
  assert.equal(p.requests[0].body.content_type, "text/html");
  assert.equal(p.$("draft").querySelector("mark").textContent, "As I said");
  assert.doesNotMatch(p.$("draft").outerHTML, /<p>|<b>/, "the HTML shows as its text, never as markup");
});

test("try_apply_changes_only_the_span_in_the_pasted_html_and_checks_again", async () => {
  const input = "<p>As I said, <b>no</b>.</p><p><img src=\"cid:logo@x\"></p><div class=\"gmail_quote\">As I said</div>";
  const result = { verdict: "review", hold: null, text: "As I said, no.\n\nAs I said",
    findings: [{ category: "told_you_so", start: 0, end: 9, text: "As I said", message: "m", score: 0.9,
      suggestions: ["To recap: \u2026"] }] };
  const p = page(() => ({ json: result }));
  await p.submit(input);
  p.$("findings").querySelector("button.apply").click();
  await settle();
  assert.equal(p.$("input").value, input.replace("As I said", "To recap:"));
  assert.equal(p.requests.length, 2, "checked again");
  assert.equal(p.requests[1].body.text, p.$("input").value);
});

test("try_apply_refuses_when_the_draft_changed_since_the_check", async () => {
  const p = page(() => ({ json: HOLD }));
  await p.submit(HEATED);
  p.$("input").value = HEATED + " More.";
  p.$("findings").querySelector("button.apply").click();
  await settle();
  assert.equal(p.requests.length, 1);
  assert.match(p.$("findings").querySelector("p.apply-note").textContent, /changed since this check/);
  assert.equal(p.$("input").value, HEATED + " More.");
});

test("try_apply_to_input_plain_text", () => {
  const f = { start: 8, end: 21 };
  assert.equal(tryPage.applyToInput(HEATED, "text/plain", HEATED, f, "ridiculous!!!", "not working"),
    "This is not working Stop wasting my time.");
  assert.equal(tryPage.applyToInput("changed", "text/plain", HEATED, f, "ridiculous!!!", "x"), null);
});

for (const [name, status, json, headers, expected] of [
  ["needs_a_key", 401, { error: { code: "unauthorized", message: "a valid API key is required" } }, {},
    /needs an API key: enter it in the API key box/],
  ["too_long", 413, { error: { code: "too_large", message: "the body is over 100 KB" } }, {},
    /too long for this service \(the body is over 100 KB\)/],
  ["rate_limited", 429, { error: { code: "rate_limited", message: "slow down" } }, { "Retry-After": "12" },
    /Too many checks for now: try again in 12 s/],
  ["loading", 503, { error: { code: "not_ready", message: "models are loading" } }, {},
    /starting up or busy \(models are loading\)/],
  ["server_error", 500, null, {}, /HTTP 500/],
]) {
  test(`try_error_${name}_says_what_to_do`, async () => {
    const p = page(() => ({ status, json, headers }));
    await p.submit("Hello.");
    assert.match(p.$("status").textContent, expected);
    assert.match(p.$("status").getAttribute("class"), /error/);
    assert.equal(p.$("verdict").hidden, true);
    assert.equal(p.$("check").disabled, false);
    if (status === 401) assert.equal(p.doc.activeElement, p.$("api-key"));
  });
}

test("try_empty_draft_asks_for_text_without_calling", async () => {
  const p = page(() => ({ json: CALM }));
  await p.submit("   ");
  assert.equal(p.requests.length, 0);
  assert.match(p.$("status").textContent, /Paste or type a draft first/);
  assert.equal(p.doc.activeElement, p.$("input"));
});

test("try_ctrl_enter_in_the_draft_checks", async () => {
  const p = page(() => ({ json: CALM }));
  p.$("input").value = "Hello.";
  const ev = p.$("input").dispatch("keydown", { key: "Enter", ctrlKey: true });
  await settle();
  assert.equal(ev.defaultPrevented, true);
  assert.equal(p.requests.length, 1);
  p.$("input").dispatch("keydown", { key: "Enter" });
  await settle();
  assert.equal(p.requests.length, 1, "a plain Enter is a new line");
});

test("try_page_has_every_element_try_js_uses", () => {
  for (const id of tryPage.IDS) assert.match(HTML, new RegExp(`id="${id}"`), id);
  assert.deepEqual(Object.keys(TAGS).sort(), [...tryPage.IDS].sort(), "the test page mirrors try.html");
});

test("try_page_loads_only_local_files_no_cdn", () => {
  const refs = [...HTML.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  const assets = refs.filter((r) => !r.startsWith("#") && r !== "/docs");
  assert.ok(assets.length >= 6);
  for (const ref of assets) {
    assert.doesNotMatch(ref, /^(https?:)?\/\//, `${ref} would leave this origin`);
    assert.doesNotMatch(ref, /^\//, `${ref} must be relative to the page`);
    assert.ok(fs.existsSync(path.join(SRC, ref)), `${ref} is not in outlook/src`);
  }
  for (const script of ["core.js", "apply.js", "render.js", "try.js"]) {
    assert.match(HTML, new RegExp(`<script src="${script.replace(".", "\\.")}"`), script);
  }
  assert.doesNotMatch(HTML, /<script>[^<]/, "no inline script");
});

test("try_page_labels_every_control_and_announces_results", () => {
  for (const id of ["input", "format", "api-key"]) assert.match(HTML, new RegExp(`<label for="${id}"`), id);
  assert.match(HTML, /id="status"[^>]*role="status"[^>]*aria-live="polite"/);
  assert.match(HTML, /id="verdict-title" tabindex="-1"/);
  assert.match(HTML, /id="countdown" role="timer"/);
  assert.match(HTML, /<html lang="en">/);
  assert.match(HTML, /id="api-key" type="password" autocomplete="off"/);
  // Focus order follows the page: draft, format, key, Check, then the results.
  const order = ["id=\"input\"", "id=\"format\"", "id=\"api-key\"", "id=\"check\"", "id=\"verdict\"", "id=\"findings\""]
    .map((s) => HTML.indexOf(s));
  assert.deepEqual([...order].sort((a, b) => a - b), order);
});

test("try_never_stores_the_key", () => {
  const source = read(path.join(SRC, "try.js"));
  assert.doesNotMatch(source, /localStorage|sessionStorage|document\.cookie|indexedDB/);
});
