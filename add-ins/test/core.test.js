// Pure functions of outlook/src/core.js: request shape, decisions, highlighting, replacing.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const core = require("../outlook/src/core.js");

const finding = (category, start, end, text, extra = {}) => ({
  category, start, end, text, message: `${category} message`, suggestions: [], ...extra,
});
const NOW = Date.parse("2030-01-01T10:00:00Z");
const OPTS = { commandId: "tonecheckOpenPane", promptUser: "promptUser", canPrompt: true, scheduledMs: 0,
  heldUntilMs: 0, nowMs: NOW };

test("core_service_base_prefers_config_then_page_origin", () => {
  assert.equal(core.serviceBase({ serviceUrl: "https://tc.example/" }, "https://other"), "https://tc.example");
  assert.equal(core.serviceBase({ serviceUrl: "" }, "http://127.0.0.1:8000"), "http://127.0.0.1:8000");
  assert.equal(core.serviceBase({}, null), "");
});

test("core_check_request_asks_for_utf16_offsets_and_sends_the_key", () => {
  assert.equal(core.checkUrl("https://tc.example"), "https://tc.example/v1/check?offset_unit=utf16");
  const init = core.checkRequest("Hi", "k1");
  assert.equal(init.method, "POST");
  assert.equal(init.headers["X-API-Key"], "k1");
  assert.deepEqual(JSON.parse(init.body), { text: "Hi", content_type: "text/plain" });
  assert.equal("X-API-Key" in core.checkRequest("Hi", "").headers, false);
});

for (const [name, result, expected] of [
  ["send", { verdict: "send", findings: [] }, { allowEvent: true }],
  ["missing", null, { allowEvent: true }],
  ["unknown", { verdict: "maybe", findings: [] }, { allowEvent: true }],
  ["review_without_findings", { verdict: "review", findings: [] }, { allowEvent: true }],
]) {
  test(`core_send_decision_allows_${name}`, () => {
    assert.deepEqual(core.sendDecision(result, OPTS), expected);
  });
}

test("core_send_decision_review_prompts_with_what_was_found", () => {
  const result = { verdict: "review", findings: [finding("blame", 0, 10, "you failed")] };
  const d = core.sendDecision(result, OPTS);
  assert.equal(d.allowEvent, false);
  assert.equal(d.sendModeOverride, "promptUser");
  assert.equal(d.commandId, "tonecheckOpenPane");
  assert.match(d.errorMessage, /blame \(\u201cyou failed\u201d\)/);
});

test("core_send_decision_review_allows_where_send_anyway_does_not_exist", () => {
  const result = { verdict: "review", findings: [finding("blame", 0, 10, "you failed")] };
  assert.deepEqual(core.sendDecision(result, { ...OPTS, canPrompt: false }), { allowEvent: true });
});

const UNTIL = "2030-01-01T10:30:00.123456Z";
const UNTIL_MS = Date.parse("2030-01-01T10:30:00.123Z");
const HOLD = { verdict: "hold", findings: [], hold: { minutes: 30, until: UNTIL, reason: "Too hot." } };

test("core_send_decision_hold_soft_blocks_with_the_reason", () => {
  const blocked = core.sendDecision(HOLD, OPTS);
  assert.equal(blocked.allowEvent, false);
  assert.equal("sendModeOverride" in blocked, false, "hold keeps the manifest's SoftBlock");
  assert.match(blocked.errorMessage,
    /^Too hot\. tonecheck suggests waiting until \d\d:\d\d: open tonecheck to hold it, or press Send again to send it now\.$/);
});

for (const [name, opts, allowed] of [
  ["scheduled_at_until", { scheduledMs: UNTIL_MS }, true],
  ["scheduled_within_grace", { scheduledMs: UNTIL_MS - core.HOLD_GRACE_MS }, true],
  ["scheduled_too_early", { scheduledMs: UNTIL_MS - core.HOLD_GRACE_MS - 1 }, false],
  ["first_hold_still_running", { heldUntilMs: NOW + 60000 }, false],
  ["first_hold_waited_out", { heldUntilMs: NOW - 1 }, true],
  ["scheduled_for_the_first_hold", { heldUntilMs: NOW + 60000, scheduledMs: NOW + 60000 }, true],
  ["without_prompt_support", { canPrompt: false }, false],
  // The second Send of a held draft goes through on every client: a hold is advice, not a lock.
  ["second_send_after_the_warning", { holdWarned: true }, true],
  ["second_send_without_prompt_support", { holdWarned: true, canPrompt: false }, true],
  ["no_session_data_and_no_send_anyway", { canRemember: false, canPrompt: false }, true],
]) {
  test(`core_send_decision_hold_${name}`, () => {
    assert.equal(core.sendDecision(HOLD, { ...OPTS, ...opts }).allowEvent, allowed);
  });
}

test("core_parse_time_reads_microsecond_iso_times", () => {
  assert.equal(core.parseTime(UNTIL), UNTIL_MS);
  assert.equal(core.parseTime("2030-01-01T10:30:00Z"), Date.parse("2030-01-01T10:30:00Z"));
  assert.equal(core.parseTime("soon"), 0);
  assert.equal(core.holdUntil(HOLD.hold, 0), UNTIL_MS);
  assert.equal(core.holdUntil(HOLD.hold, 5), 5);
});

test("core_messages_fit_the_smart_alerts_limit", () => {
  const many = Array.from({ length: 50 }, (_, i) => finding("blame", i, i + 1, "x".repeat(200)));
  const msg = core.reviewMessage({ verdict: "review", findings: many });
  assert.ok(msg.length <= core.MESSAGE_LIMIT);
  assert.match(core.summarize(many, 3), /and 47 more$/);
});

for (const [text, start, end, sentence] of [
  ["Hi. As I said, no. Thanks.", 4, 13, "As I said, no."],
  ["First line\nyou failed to read it\nbye", 11, 20, "you failed to read it"],
  ["This is ridiculous!!! Stop.", 8, 18, "This is ridiculous!!!"],
  ["This is ridiculous!!! I am furious.", 18, 21, "This is ridiculous!!!"],
  ["No terminator here", 3, 5, "No terminator here"],
]) {
  test(`core_sentence_around_${JSON.stringify(sentence)}`, () => {
    const s = core.sentenceAround(text, start, end);
    assert.equal(text.slice(s.start, s.end), sentence);
  });
}

test("core_segments_cover_the_text_and_mark_hits_and_sentences", () => {
  const text = "Hello. As I said, you failed to read it. Bye.";
  const findings = [finding("told_you_so", 7, 16, "As I said"), finding("blame", 18, 39, "you failed to read it")];
  const segs = core.segments(text, findings);
  assert.equal(segs.map((s) => s.text).join(""), text);
  const hit = segs.filter((s) => s.hits.length).map((s) => [s.text, s.hits]);
  assert.deepEqual(hit, [["As I said", [0]], ["you failed to read it", [1]]]);
  assert.ok(segs.find((s) => s.text === ", ").sentence);
  assert.equal(segs[0].sentence, false);
});

test("core_segments_split_overlapping_findings", () => {
  const segs = core.segments("abcdefgh", [finding("blame", 1, 5, "bcde"), finding("heated", 3, 7, "defg")]);
  assert.deepEqual(segs.map((s) => [s.text, s.hits]),
    [["a", []], ["bc", [0]], ["de", [0, 1]], ["fg", [1]], ["h", []]]);
});

for (const [suggestion, replacement] of [
  ["Just restate the point: \u201cThe coupon expired on the 1st.\u201d", "The coupon expired on the 1st."],
  ["To recap: \u2026", "To recap:"],
  ["To recap: ...", "To recap:"],
  ["Describe the request neutrally.", null],
  ["It looks like the form didn't come through. Could you resend it?", null],
  ["\u201cHere's what happened.\u201d", "Here's what happened."],
]) {
  test(`core_replacement_for_${JSON.stringify(suggestion).slice(0, 30)}`, () => {
    assert.equal(core.replacementFor(suggestion), replacement);
  });
}

test("core_first_replacement_skips_advice_and_falls_back_to_the_words", () => {
  assert.equal(core.firstReplacement(["Describe it.", "To recap: \u2026"], "As I said"), "To recap:");
  assert.equal(core.firstReplacement(["Describe it."], "ridiculous"), "ridiculous");
  assert.equal(core.firstReplacement([], "!!!"), "!!!");
});

test("core_replace_nth_replaces_the_flagged_occurrence_only", () => {
  const text = "you failed. Then you failed again.";
  const n = core.occurrenceIndex(text, "you failed", 17);
  assert.equal(n, 1);
  assert.equal(core.replaceNth(text, "you failed", n, "it broke"), "you failed. Then it broke again.");
  assert.equal(core.replaceNth(text, "you failed", 2, "x"), null);
});

test("core_replace_nth_matches_across_other_whitespace", () => {
  assert.equal(core.replaceNth("As I\u00a0told\n you. (a+b)", "As I told you", 0, "Recap"), "Recap. (a+b)");
  assert.equal(core.replaceNth("cost (a+b)?", "(a+b)?", 0, "c"), "cost c");
});

test("core_utf16_offsets_slice_javascript_strings", () => {
  // An emoji is two UTF-16 units: offsets from ?offset_unit=utf16 slice JS strings directly.
  const text = "\ud83d\ude00 As I said, no.";
  const start = text.indexOf("As");
  assert.equal(text.slice(start, start + 9), "As I said");
  assert.equal(core.occurrenceIndex(text, "As I said", start), 0);
});

for (const [left, shown] of [[30 * 60 * 1000, "30:00"], [61500, "1:02"], [0, "0:00"], [-5000, "0:00"]]) {
  test(`core_countdown_${left}ms_shows_${shown}`, () => {
    assert.equal(core.countdown(1000000 + left, 1000000), shown);
  });
}

test("core_send_decision_hold_without_session_data_offers_send_anyway", () => {
  const d = core.sendDecision(HOLD, { ...OPTS, canRemember: false });
  assert.equal(d.allowEvent, false);
  assert.equal(d.sendModeOverride, "promptUser", "a Send that cannot be recognised twice gets Send anyway");
});

// What the pane offers for a hold on each Outlook (diagnostics.hostName, platform, APIs present).
for (const [name, host, mode, why] of [
  ["outlook_on_the_web", { hostName: "OutlookWebApp", platform: "OfficeOnline", canDelay: true, canSave: true }, "delay", ""],
  ["new_outlook_on_windows", { hostName: "newOutlookWindows", platform: "OfficeOnline", canDelay: true, canSave: true },
    "delay", ""],
  ["outlook_on_mac", { hostName: "Outlook", platform: "Mac", canDelay: true, canSave: true }, "delay", ""],
  ["classic_outlook_on_windows", { hostName: "Outlook", platform: "PC", canDelay: true, canSave: true }, "save",
    /neither edited nor cancelled/],
  ["classic_outlook_platform_unknown", { hostName: "Outlook", canDelay: true, canSave: true }, "save",
    /neither edited nor cancelled/],
  ["mailbox_1_12_without_delay_delivery", { hostName: "OutlookWebApp", canDelay: false, canSave: true }, "save",
    /cannot schedule a send/],
  ["no_delay_no_save", { hostName: "Outlook", platform: "PC", canDelay: false, canSave: false }, "wait",
    /cannot schedule a send/],
]) {
  test(`core_hold_option_${name}_is_${mode}`, () => {
    const option = core.holdOption(host);
    assert.equal(option.mode, mode);
    if (why) assert.match(option.why, why);
    else assert.equal(option.why, "");
  });
}

test("core_hold_text_says_plainly_what_each_mode_does", () => {
  const until = NOW + 30 * 60 * 1000;
  const at = core.clockTime(new Date(until));
  const delay = core.holdText({ mode: "delay", why: "" }, until, NOW);
  assert.equal(delay.button, "Send in 30 minutes");
  assert.match(delay.explain, new RegExp(`keeps the message in Drafts until ${at}, and you can still open it there ` +
    "to edit or delete it"));
  assert.match(delay.explain, /click Send twice/);
  const save = core.holdText(core.holdOption({ hostName: "Outlook", platform: "PC", canDelay: true, canSave: true }),
    until, NOW);
  assert.equal(save.button, "Save draft and wait");
  assert.match(save.explain, /^Classic Outlook on Windows sends a scheduled message from the server/);
  assert.match(save.explain, new RegExp(`reread it after ${at}, then send`));
  assert.match(save.done, /Saved in Drafts, with a reminder/);
  const wait = core.holdText({ mode: "wait", why: "This version of Outlook cannot schedule a send from an add-in." },
    until, NOW);
  assert.equal(wait.button, "");
  assert.match(wait.explain, /Wait until \d\d:\d\d, reread the draft, then send\. To send it now anyway/);
  assert.equal(core.holdText({ mode: "delay" }, NOW + 61000, NOW).button, "Send in 2 minutes");
  assert.equal(core.holdText({ mode: "delay" }, NOW + 1000, NOW).button, "Send in 1 minute");
});
