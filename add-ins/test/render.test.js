// render.js, the rendering the Outlook task pane and the try page share, on a fake DOM.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const view = require("../outlook/src/render.js");
const { FakeDocument, fakeWindow } = require("./fake-dom.js");

const TEXT = "Hello. As I said, you failed to read it. <b>Bye</b>!!!";
const FINDINGS = [
  { category: "told_you_so", start: 7, end: 16, text: "As I said", message: "Reads as a reproach.", score: 0.9977,
    suggestions: ["Just restate the point: \u201cThe coupon expired on the 1st.\u201d", "To recap: \u2026"] },
  { category: "blame", start: 18, end: 39, text: "you failed to read it", message: "Puts the customer in the dock.",
    score: 0.9, suggestions: ["Describe what's missing and fix it together."] },
  { category: "heated", start: 51, end: 54, text: "!!!", message: "Shouting.", score: 0.61, suggestions: [] },
];

test("render_verdict_words_for_each_verdict", () => {
  assert.equal(view.verdictTitle("send"), "Good to send");
  assert.equal(view.verdictTitle("review"), "Worth a second look");
  assert.equal(view.verdictTitle("hold"), "Hold this one");
  assert.equal(view.verdictText({ verdict: "hold", findings: FINDINGS, hold: { reason: "Too hot." } }), "Too hot.");
  assert.match(view.verdictText({ verdict: "review", findings: FINDINGS.slice(0, 2) }),
    /^2 passages may land badly with the customer: told-you-so \(\u201cAs I said\u201d\), blame/);
  assert.match(view.verdictText({ verdict: "send", findings: [] }), /^Nothing in the draft reads as/);
  assert.equal(view.scoreText(0.9977), "score 1.00");
  assert.equal(view.scoreText(0.6), "score 0.60");
  assert.equal(view.scoreText(undefined), "");
});

test("render_draft_highlights_in_place_with_category_classes", () => {
  const doc = new FakeDocument();
  const box = doc.createElement("div");
  view.renderDraft(doc, box, TEXT, FINDINGS);
  const marks = box.querySelectorAll("mark");
  assert.deepEqual(marks.map((m) => [m.textContent, m.classes.slice(0, 2), m.getAttribute("data-finding")]), [
    ["As I said", ["hit", "told_you_so"], "0"],
    ["you failed to read it", ["hit", "blame"], "1"],
    ["!!!", ["hit", "heated"], "2"],
  ]);
  assert.equal(marks[0].getAttribute("title"), "told-you-so: Reads as a reproach.");
  assert.ok(marks[0].classes.includes("sentence"), "the flagged sentence is tinted");
  // The draft reads as it was written, with a numbered link to each card after its words.
  const refs = box.querySelectorAll("sup.ref").map((s) => s.textContent);
  assert.deepEqual(refs, ["1", "2", "3"]);
  const links = box.querySelectorAll("a");
  assert.deepEqual(links.map((a) => a.getAttribute("href")), ["#finding-0", "#finding-1", "#finding-2"]);
  assert.equal(links[1].getAttribute("aria-label"), "finding 2, blame");
  const withoutRefs = box.childNodes.filter((n) => n.tagName !== "SUP").map((n) => n.textContent).join("");
  assert.equal(withoutRefs, TEXT, "every character of the draft, in order, once");
});

test("render_draft_puts_email_html_in_as_text", () => {
  const doc = new FakeDocument();
  const box = doc.createElement("div");
  view.renderDraft(doc, box, TEXT, []);
  assert.equal(box.querySelectorAll("b").length, 0, "no element comes from the email");
  assert.match(box.outerHTML, /&lt;b&gt;Bye&lt;\/b&gt;/);
  assert.equal(box.textContent, TEXT);
  view.renderDraft(doc, box, "Again", []);
  assert.equal(box.textContent, "Again", "re-rendering replaces, never appends");
});

test("render_finding_card_shows_number_category_words_score_message_and_suggestions", () => {
  const doc = new FakeDocument();
  const card = view.findingCard(doc, FINDINGS[0], 0, "As I said", {});
  assert.equal(card.id, "finding-0");
  assert.deepEqual(card.classes, ["finding", "told_you_so"]);
  assert.equal(card.querySelector("span.num").textContent, "1");
  assert.equal(card.querySelector("span.chip").textContent, "told-you-so");
  assert.equal(card.querySelector("q.words").textContent, "As I said");
  assert.equal(card.querySelector("span.score").textContent, "score 1.00");
  assert.equal(card.querySelector("p.message").textContent, "Reads as a reproach.");
  const items = card.querySelectorAll("ul.suggestions")[0].children;
  assert.equal(items.length, 2);
  assert.match(items[0].textContent, /^Just restate the point/);
  // Each drop-in suggestion has a "use" button naming what it puts in the box.
  const uses = card.querySelectorAll("button.link");
  assert.deepEqual(uses.map((b) => b.getAttribute("aria-label")), [
    "Use \u201cThe coupon expired on the 1st.\u201d as the replacement",
    "Use \u201cTo recap:\u201d as the replacement",
  ]);
  const box = card.querySelector("textarea.replacement");
  assert.equal(box.value, "The coupon expired on the 1st.");
  assert.equal(card.querySelector("label.replace-label").getAttribute("for"), box.id, "the box has a label");
  uses[1].click();
  assert.equal(box.value, "To recap:");
  assert.equal(doc.activeElement, box, "focus moves to the box");
  assert.equal(card.querySelectorAll("button.apply").length, 0, "no handler, no Apply");
  assert.equal(card.querySelectorAll("button.copy").length, 0);
});

test("render_finding_card_advice_only_offers_the_words_and_no_use_button", () => {
  const doc = new FakeDocument();
  const card = view.findingCard(doc, FINDINGS[1], 1, "you failed to read it", {});
  assert.equal(card.querySelectorAll("button.link").length, 0);
  assert.equal(card.querySelector("textarea.replacement").value, "you failed to read it");
});

test("render_finding_card_apply_and_copy_call_their_handlers", () => {
  const doc = new FakeDocument();
  const calls = [];
  const card = view.findingCard(doc, FINDINGS[0], 0, "As I said", {
    onApply: (...args) => calls.push(["apply", ...args]),
    onCopy: (...args) => calls.push(["copy", ...args]),
    applyLabel: "Apply to my draft",
  });
  const apply = card.querySelector("button.apply");
  assert.equal(apply.textContent, "Apply to my draft");
  assert.equal(apply.getAttribute("type"), "button");
  card.querySelector("textarea.replacement").value = "Edited words";
  apply.click();
  card.querySelector("button.copy").click();
  const note = card.querySelector("p.apply-note");
  assert.equal(note.getAttribute("role"), "status");
  assert.equal(calls[0][0], "apply");
  assert.equal(calls[0][1], FINDINGS[0]);
  assert.deepEqual(calls[0].slice(2, 4), ["As I said", "Edited words"]);
  assert.equal(calls[0][4], apply);
  assert.equal(calls[0][5], note);
  assert.equal(calls[1][0], "copy");
  assert.equal(calls[1][1], card.querySelector("textarea.replacement"));
});

test("render_findings_fills_the_list_with_the_words_from_the_text", () => {
  const doc = new FakeDocument();
  const list = doc.createElement("ol");
  view.renderFindings(doc, list, FINDINGS, TEXT, {});
  assert.deepEqual(list.children.map((c) => c.id), ["finding-0", "finding-1", "finding-2"]);
  assert.deepEqual(list.querySelectorAll("q.words").map((q) => q.textContent), ["As I said", "you failed to read it", "!!!"]);
  view.renderFindings(doc, list, [], TEXT, {});
  assert.equal(list.children.length, 0);
});

test("render_countdown_ticks_to_zero_then_stops", () => {
  const win = fakeWindow({ now: 1000000 });
  const seen = [];
  view.countdown(win, 1000000 + 2500, (left, done) => seen.push([left, done]));
  assert.deepEqual(seen, [["0:03", false]]);
  win.tick(1000);
  win.tick(1000);
  win.tick(1000);
  assert.deepEqual(seen, [["0:03", false], ["0:02", false], ["0:01", false], ["0:00", true]]);
  assert.equal(win.intervals.size, 0, "no timer left");
  const stop = view.countdown(win, 1000000 + 60 * 60 * 1000, () => {});
  stop();
  assert.equal(win.intervals.size, 0);
});

test("render_copy_text_uses_the_clipboard_else_selects_the_box", async () => {
  const doc = new FakeDocument();
  const box = doc.createElement("textarea");
  box.value = "To recap:";
  const written = [];
  const ok = fakeWindow({ clipboard: { writeText: (t) => { written.push(t); return Promise.resolve(); } } });
  assert.equal(await view.copyText(ok, doc, box), true);
  assert.deepEqual(written, ["To recap:"]);
  const denied = fakeWindow({ clipboard: { writeText: () => Promise.reject(new Error("denied")) } });
  assert.equal(await view.copyText(denied, doc, box), true, "execCommand copy worked");
  assert.equal(doc.selected, box);
  doc.allowCopy = false;
  assert.equal(await view.copyText(fakeWindow(), doc, box), false, "left selected for Ctrl+C");
  assert.equal(doc.activeElement, box);
});
