// Apply changes only the flagged span (outlook/src/apply.js and editor.js): a body Outlook could
// damage when it is written back whole (inline images, a quoted thread) is never written back;
// a safe body is written back with every byte outside the span as it was read.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const apply = require("../outlook/src/apply.js");
const { officeMock, loadEditor, settle } = require("./helpers.js");

const LOGO = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
// A reply as Outlook on the web hands it over: new text with a pasted screenshot (cid:) and a
// signature logo (data URI), then Outlook's reply header and a Gmail-style quote with its own image.
const REPLY = [
  "<html><head><meta charset=\"utf-8\"><style>p{margin:0} .told{color:red}</style><title>As I told you</title></head>",
  "<body><div id=\"new\"><p>Hi Sam,</p>",
  "<p>As I told you last&nbsp;week, you <b>failed</b> to read the instructions &amp; the FAQ.</p>",
  "<p><img src=\"cid:image001.png@01DA1234.56789AB0\" width=\"320\" alt=\"screenshot\"></p>",
  "<p>Best, Ana<br><img src=\"" + LOGO + "\" alt=\"logo\"></p></div>",
  "<div id=\"appendonsend\"></div><hr style=\"display:inline-block;width:98%\">",
  "<div id=\"divRplyFwdMsg\" dir=\"ltr\"><b>From:</b> Sam Lee &lt;sam@example.com&gt;<br><b>Sent:</b> Monday<br></div>",
  "<div class=\"gmail_quote\"><blockquote style=\"margin:0 0 0 .8ex\">As I told you last week, it still does not ",
  "work.<img src=\"cid:quoted-shot@example\"></blockquote></div>",
  "</body></html>",
].join("\n");
// The same new text with nothing a whole-body write is known to break.
const PLAIN_HTML = "<html><head><style>p{margin:0}</style></head><body><p>Hi Sam,</p>\n" +
  "<p>As I told you last&nbsp;week, you <b>failed</b> to read the instructions &amp; the FAQ.</p>\n" +
  "<p>Best, Ana</p></body></html>";

/** Assert `out` is `input` with only [start, end) replaced by `middle`. */
function onlySpanChanged(input, out, start, end, middle) {
  const tail = input.length - end;
  assert.equal(out.slice(0, start), input.slice(0, start), "every byte before the span is kept");
  assert.equal(out.slice(out.length - tail), input.slice(end), "every byte after the span is kept");
  assert.equal(out.slice(start, out.length - tail), middle);
}

test("apply_splice_html_changes_only_the_span_bytes", () => {
  const edit = apply.spliceHtml(REPLY, "As I told you last week", 0, "To recap:");
  assert.equal(REPLY.slice(edit.start, edit.end), "As I told you last&nbsp;week");
  onlySpanChanged(REPLY, edit.html, edit.start, edit.end, "To recap:");
  for (const kept of ["cid:image001.png@01DA1234.56789AB0", LOGO, "cid:quoted-shot@example", "divRplyFwdMsg",
    "gmail_quote", "As I told you last week, it still does not"]) {
    assert.ok(edit.html.includes(kept), kept);
  }
});

test("apply_splice_html_skips_head_title_and_style_text", () => {
  // "As I told you" is also the <title>; the first occurrence a reader sees is in the body.
  const edit = apply.spliceHtml(REPLY, "As I told you", 0, "X");
  assert.ok(edit.start > REPLY.indexOf("<body"));
  assert.equal(apply.spliceHtml(REPLY, "margin", 0, "X"), null);
  assert.equal(apply.spliceHtml(REPLY, "image001", 0, "X"), null, "attribute values are not text");
});

test("apply_splice_html_across_tags_keeps_the_tags", () => {
  const edit = apply.spliceHtml(PLAIN_HTML, "you failed to read", 0, "it seems the");
  onlySpanChanged(PLAIN_HTML, edit.html, edit.start, edit.end, "it seems the<b></b>");
  assert.match(edit.html, /week, it seems the<b><\/b> the instructions/);
});

test("apply_splice_html_escapes_the_replacement_and_reads_entities", () => {
  const edit = apply.spliceHtml(PLAIN_HTML, "instructions & the FAQ", 0, "steps <1-3> & notes\nthanks");
  assert.equal(PLAIN_HTML.slice(edit.start, edit.end), "instructions &amp; the FAQ");
  onlySpanChanged(PLAIN_HTML, edit.html, edit.start, edit.end, "steps &lt;1-3&gt; &amp; notes<br>thanks");
});

test("apply_splice_html_finds_the_nth_occurrence_and_spans_line_breaks", () => {
  const edit = apply.spliceHtml(REPLY, "As I told you last week", 1, "Y");
  assert.ok(edit.start > REPLY.indexOf("gmail_quote"));
  const html = "<p>Thanks.</p><p>Stop.</p>";
  const across = apply.spliceHtml(html, "Thanks. Stop.", 0, "Done.");
  onlySpanChanged(html, across.html, 3, 22, "Done.</p><p>");
  assert.equal(across.html, "<p>Done.</p><p></p>");
  assert.equal(apply.spliceHtml(REPLY, "not in the draft", 0, "x"), null);
});

test("apply_splice_text_changes_only_the_span", () => {
  const text = "As I said, no.\n> As I said, yes.";
  const edit = apply.spliceText(text, "As I said", 0, "Recap");
  onlySpanChanged(text, edit.text, 0, 9, "Recap");
});

for (const [name, body, isHtml, risks] of [
  ["reply_with_images_and_quotes", REPLY, true, ["images", "quoted thread"]],
  ["cid_image", "<p>Hi</p><img src=\"cid:a@b\">", true, ["images"]],
  ["data_uri_logo", `<p>Hi</p><img src="${LOGO}">`, true, ["images"]],
  ["vml_background", "<p>Hi</p><v:fill src=\"x.png\"/>", true, ["images"]],
  ["css_background", "<td style=\"background-image:url('cid:x')\">Hi</td>", true, ["images"]],
  ["gmail_quote", "<p>Hi</p><div class=\"gmail_quote\">old</div>", true, ["quoted thread"]],
  ["outlook_web_reply", "<p>Hi</p><div id=\"divRplyFwdMsg\">old</div>", true, ["quoted thread"]],
  ["outlook_desktop_reply", "<p>Hi</p><div style=\"border:none;border-top:solid #E1E1E1 1.0pt\">old</div>", true,
    ["quoted thread"]],
  ["outlook_header_block", "<p>Hi</p><p><b>From:</b> Sam<br><b>Sent:</b> Monday</p>", true, ["quoted thread"]],
  ["apple_quote", "<p>Hi</p><blockquote type=\"cite\">old</blockquote>", true, ["quoted thread"]],
  ["clean_html", PLAIN_HTML, true, []],
  ["text_quote", "Hi\n\n> old line", false, ["quoted thread"]],
  ["text_original_message", "Hi\n-----Original Message-----\nold", false, ["quoted thread"]],
  ["text_on_wrote", "Hi\nOn Mon, 1 Jan 2030, Sam wrote:\nold", false, ["quoted thread"]],
  ["clean_text", "Hi Sam,\nAs I said, no.", false, []],
]) {
  test(`apply_body_risks_${name}`, () => {
    assert.deepEqual(apply.bodyRisks(body, isHtml), risks);
  });
}

test("apply_plan_rewrites_only_a_safe_body", () => {
  const risky = apply.planApply(REPLY, true, "As I told you last week", 0, "To recap:");
  assert.deepEqual(risky, { mode: "selection", risks: ["images", "quoted thread"] });
  const safe = apply.planApply(PLAIN_HTML, true, "As I told you last week", 0, "To recap:");
  assert.equal(safe.mode, "rewrite");
  onlySpanChanged(PLAIN_HTML, safe.body, safe.start, safe.end, "To recap:");
  assert.deepEqual(apply.planApply(PLAIN_HTML, true, "gone words", 0, "x"), { mode: "missing" });
  const text = apply.planApply("Hi Sam,\nAs I said, no.", false, "As I said", 0, "Recap");
  assert.deepEqual(text, { mode: "rewrite", body: "Hi Sam,\nRecap, no.", start: 8, end: 17 });
});

test("apply_selection_matches_the_words_whatever_the_whitespace", () => {
  assert.ok(apply.selectionMatches({ data: " As I told you\u00a0last\nweek ", sourceProperty: "body" }, "As I told you last week"));
  assert.ok(apply.selectionMatches({ data: "you failed" }, "you failed"));
  assert.ok(!apply.selectionMatches({ data: "you failed", sourceProperty: "subject" }, "you failed"));
  assert.ok(!apply.selectionMatches({ data: "", sourceProperty: "body" }, "you failed"));
  assert.ok(!apply.selectionMatches({ data: "you failed to", sourceProperty: "body" }, "you failed"));
  assert.ok(!apply.selectionMatches(null, "you failed"));
});

// editor.js against a mocked Outlook: which Office calls Apply makes.
function editorFor(options) {
  const mock = officeMock({ bodyType: "html", ...options });
  const ctx = loadEditor({ Office: mock.Office });
  return { ...mock, editor: ctx.TonecheckEditor };
}

async function outcome(promise) {
  try {
    return { value: JSON.parse(JSON.stringify(await promise)) };
  } catch (err) {
    return { code: err.code, message: err.message };
  }
}

const WORDS = "As I told you last week";
const SPAN = { start: REPLY.indexOf("As I told you last&nbsp;week"), data: "As I told you last\u00a0week" };
SPAN.end = SPAN.start + "As I told you last&nbsp;week".length;

test("editor_apply_never_writes_back_a_body_with_images_and_a_quote", async () => {
  const { editor, log } = editorFor({ html: REPLY });
  const result = await outcome(editor.applyReplacement(WORDS, 0, "To recap:"));
  assert.equal(result.code, "select");
  assert.match(result.message, /^This draft has images and a quoted thread, which Outlook can damage/);
  assert.match(result.message, /Select \u201cAs I told you last week\u201d in your draft/);
  assert.deepEqual(log.setAsync, [], "no body.setAsync round trip");
  assert.deepEqual(log.selectionSet, []);
});

test("editor_apply_replaces_the_selected_words_and_nothing_else", async () => {
  const { editor, log, state } = editorFor({ html: REPLY, selection: { ...SPAN, sourceProperty: "body" } });
  const result = await outcome(editor.applyReplacement(WORDS, 0, "To recap:"));
  assert.deepEqual(result, { value: { how: "selection" } });
  assert.deepEqual(log.setAsync, []);
  assert.deepEqual(log.selectionSet, [{ data: "To recap:", options: { coercionType: "text" } }]);
  onlySpanChanged(REPLY, state.html, SPAN.start, SPAN.end, "To recap:");
});

test("editor_apply_refuses_a_selection_of_other_words", async () => {
  const { editor, log } = editorFor({ html: REPLY, selection: { data: "Hi Sam,", start: 0, end: 0 } });
  assert.equal((await outcome(editor.applyReplacement(WORDS, 0, "To recap:"))).code, "select");
  assert.deepEqual(log.selectionSet, []);
  assert.deepEqual(log.setAsync, []);
});

test("editor_apply_offers_copy_where_outlook_has_no_selection_api", async () => {
  const { editor, log } = editorFor({ html: REPLY, selectionApi: false });
  const result = await outcome(editor.applyReplacement(WORDS, 0, "To recap:"));
  assert.equal(result.code, "copy");
  assert.match(result.message, /^This draft has images and a quoted thread, .* click Copy, then paste the replacement over/);
  assert.deepEqual(log.setAsync, []);
});

test("editor_apply_writes_a_safe_html_body_with_only_the_span_changed", async () => {
  const { editor, log } = editorFor({ html: PLAIN_HTML });
  assert.deepEqual(await outcome(editor.applyReplacement(WORDS, 0, "To recap:")), { value: { how: "rewrite" } });
  assert.equal(log.setAsync.length, 1);
  assert.equal(log.setAsync[0].options.coercionType, "html");
  const start = PLAIN_HTML.indexOf("As I told you");
  onlySpanChanged(PLAIN_HTML, log.setAsync[0].value, start, start + "As I told you last&nbsp;week".length, "To recap:");
});

test("editor_apply_uses_the_selection_for_a_quoted_plain_text_reply", async () => {
  const body = "As I said, no.\n\n> As I said before";
  const { editor, log, state } = editorFor({ bodyType: "text", body,
    selection: { data: "As I said", start: 0, end: 9 } });
  assert.deepEqual(await outcome(editor.applyReplacement("As I said", 0, "Recap")), { value: { how: "selection" } });
  assert.deepEqual(log.setAsync, []);
  assert.equal(state.body, "Recap, no.\n\n> As I said before");
});

test("editor_apply_says_when_the_words_are_gone", async () => {
  const { editor, log } = editorFor({ html: PLAIN_HTML });
  assert.equal((await outcome(editor.applyReplacement("no such words", 0, "x"))).code, "missing");
  assert.deepEqual(log.setAsync, []);
  await settle();
});
