// The Gmail add-on's .gs files in Node with mocked CardService, UrlFetchApp and PropertiesService.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const { loadGmail, read, GMAIL } = require("./helpers.js");
const m = require("./appsscript-mocks.js");

const PROPS = { TONECHECK_URL: "https://tc.example/", TONECHECK_API_KEY: "secret" };
const REVIEW = {
  verdict: "review",
  hold: null,
  findings: [
    { category: "told_you_so", start: 0, end: 9, text: "As I said", message: "Reads as a reproach.",
      suggestions: ["Just restate the point: \u201cThe coupon expired on the 1st.\u201d", "To recap: \u2026"] },
    { category: "blame", start: 11, end: 21, text: "you <b>failed</b>", message: "Puts the customer in the dock.",
      suggestions: [] },
  ],
};
const HOLD = {
  verdict: "hold",
  findings: [{ category: "heated", start: 0, end: 10, text: "ridiculous", message: "Insulting.", suggestions: ["Describe it."] }],
  hold: { recommended: true, minutes: 30, until: "2030-01-01T10:30:00Z", reason: "The draft reads as heated." },
};

function gmail({ status = 200, body = REVIEW, props = PROPS, session = m.sessionMock("Etc/UTC") } = {}) {
  const fetch = m.urlFetchMock(status, body);
  const ctx = loadGmail({
    CardService: m.cardServiceMock(),
    UrlFetchApp: fetch.UrlFetchApp,
    PropertiesService: m.propertiesMock(props),
    Utilities: m.utilitiesMock,
    ...(session ? { Session: session } : {}),
  });
  return { ctx, requests: fetch.requests };
}

/** The card an onCheck response navigates to. */
function updatedCard(response) {
  const nav = m.arg(response, "setNavigation");
  return m.arg(nav, "updateCard");
}

test("gmail_compose_card_says_gmail_gives_neither_draft_nor_hold", () => {
  const { ctx } = gmail();
  const cards = ctx.onGmailCompose(m.actionEvent());
  assert.equal(cards.length, 1);
  const said = m.texts(cards[0]).join("\n");
  assert.match(said, /Gmail gives add-ons neither your draft nor a way to hold a send/);
  const [input] = m.findAll(cards[0], "TextInput");
  assert.equal(m.arg(input, "setFieldName"), "draft");
  assert.equal(m.arg(input, "setMultiline"), true);
  const actions = m.findAll(cards[0], "Action").map((a) => m.arg(a, "setFunctionName"));
  assert.deepEqual(actions, ["onCheck"]);
});

test("gmail_check_posts_the_text_with_url_and_key_from_script_properties", () => {
  const { ctx, requests } = gmail();
  ctx.onCheck(m.actionEvent({ draft: "As I said, you failed." }));
  assert.equal(requests.length, 1);
  assert.equal(requests[0].url, "https://tc.example/v1/check?offset_unit=utf16");
  assert.equal(requests[0].options.method, "post");
  assert.equal(requests[0].options.headers["X-API-Key"], "secret");
  assert.equal(requests[0].options.muteHttpExceptions, true);
  assert.deepEqual(requests[0].payload, { text: "As I said, you failed.", content_type: "text/plain" });
});

test("gmail_check_shows_findings_suggestions_and_editable_replacements", () => {
  const { ctx } = gmail();
  const card = updatedCard(ctx.onCheck(m.actionEvent({ draft: "As I said, you failed." })));
  const headers = m.findAll(card, "CardSection").map((s) => m.arg(s, "setHeader"));
  assert.deepEqual(headers, ["Worth a second look", "1 \u00b7 told-you-so", "2 \u00b7 blame", undefined]);
  const inputs = m.findAll(card, "TextInput").map((i) => [m.arg(i, "setFieldName"), m.arg(i, "setValue")]);
  assert.deepEqual(inputs, [
    ["rewrite_0", "The coupon expired on the 1st."],
    ["rewrite_1", "you <b>failed</b>"], // no suggestion: the writer's own words, to edit
    ["draft", "As I said, you failed."], // the text stays in the box for the next check
  ]);
  const said = m.texts(card).join("\n");
  assert.match(said, /\u2022 To recap: \u2026/);
  assert.match(said, /\u201cyou &lt;b&gt;failed&lt;\/b&gt;\u201d/, "writer text is escaped in card HTML");
  const inserts = m.findAll(card, "Action").filter((a) => m.arg(a, "setFunctionName") === "onInsert");
  assert.deepEqual(inserts.map((a) => ({ ...m.arg(a, "setParameters") })), [{ index: "0" }, { index: "1" }]);
});

test("gmail_hold_shows_the_advice_and_says_it_cannot_enforce_it", () => {
  const { ctx } = gmail({ body: HOLD });
  const card = updatedCard(ctx.onCheck(m.actionEvent({ draft: "This is ridiculous." }, {}, "Europe/Berlin")));
  const said = m.texts(card).join("\n");
  assert.match(said, /Hold this one/);
  assert.match(said, /The draft reads as heated\./);
  assert.match(said, /10:30 Europe\/Berlin HH:mm/, "until is shown in the writer's time zone");
  assert.doesNotMatch(said, /did not tell tonecheck your time zone/);
  assert.match(said, /Gmail cannot hold the send for you/);
  assert.match(said, /Schedule send/);
  const [rewrite] = m.findAll(card, "TextInput").filter((i) => m.arg(i, "setFieldName") === "rewrite_0");
  assert.equal(m.arg(rewrite, "setValue"), "ridiculous", "advice is never offered as replacement text");
});

for (const [name, status, body, expected] of [
  ["service_error_message", 401, { error: { code: "unauthorized", message: "a valid API key is required" } },
    /tonecheck could not check the text: a valid API key is required/],
  ["non_json_error", 502, "<html>Bad gateway</html>", /tonecheck could not check the text: HTTP 502/],
]) {
  test(`gmail_check_shows_${name}_in_the_card`, () => {
    const { ctx } = gmail({ status, body });
    const card = updatedCard(ctx.onCheck(m.actionEvent({ draft: "Hello." })));
    assert.match(m.texts(card).join("\n"), expected);
  });
}

test("gmail_check_without_url_property_says_how_to_set_it_up", () => {
  const { ctx, requests } = gmail({ props: {} });
  const card = updatedCard(ctx.onCheck(m.actionEvent({ draft: "Hello." })));
  assert.match(m.texts(card).join("\n"), /add the script property TONECHECK_URL/);
  assert.equal(requests.length, 0);
});

test("gmail_check_of_empty_text_notifies_instead_of_calling", () => {
  const { ctx, requests } = gmail();
  const response = ctx.onCheck(m.actionEvent({ draft: "   " }));
  const note = m.arg(response, "setNotification");
  assert.match(m.arg(note, "setText"), /Paste or type/);
  assert.equal(requests.length, 0);
});

test("gmail_insert_puts_the_edited_replacement_in_place_in_the_draft", () => {
  const { ctx } = gmail();
  const response = ctx.onInsert(m.actionEvent({ rewrite_1: "The form didn't come through." }, { index: "1" }));
  assert.equal(response.kind, "UpdateDraftActionResponseBuilder");
  const action = m.arg(response, "setUpdateDraftBodyAction");
  assert.deepEqual(action.calls, [
    ["addUpdateContent", "The form didn't come through.", "ContentType.TEXT"],
    ["setUpdateType", "UpdateDraftBodyType.IN_PLACE_INSERT"],
  ]);
});

test("gmail_insert_of_empty_replacement_notifies", () => {
  const { ctx } = gmail();
  const response = ctx.onInsert(m.actionEvent({ rewrite_0: "" }, { index: "0" }));
  assert.equal(response.kind, "ActionResponseBuilder");
});

for (const [name, session, zone] of [
  ["the_script_time_zone", m.sessionMock("America/New_York"), "America/New_York"],
  ["utc_when_even_that_is_missing", null, "Etc/UTC"],
]) {
  test(`gmail_hold_without_the_writers_time_zone_names_${name}`, () => {
    const { ctx } = gmail({ body: HOLD, session });
    const card = updatedCard(ctx.onCheck(m.actionEvent({ draft: "This is ridiculous." }, {}, null)));
    const said = m.texts(card).join("\n");
    const escaped = zone.replace("/", "\\/");
    assert.match(said, new RegExp(`10:30 ${escaped} HH:mm \\(${escaped}\\)`), "the time names its zone");
    assert.match(said, new RegExp(`Gmail did not tell tonecheck your time zone, so this time is in ${escaped}: ` +
      "30 minutes after the check\\."));
  });
}

test("gmail_manifest_has_compose_trigger_minimal_scopes_and_whitelist", () => {
  const app = JSON.parse(read(path.join(GMAIL, "appsscript.json")));
  const { ctx } = gmail();
  // script.locale + useLocaleFromApp: without both, Gmail never sends commonEventObject.timeZone.
  assert.deepEqual(app.oauthScopes.sort(), [
    "https://www.googleapis.com/auth/gmail.addons.current.action.compose",
    "https://www.googleapis.com/auth/gmail.addons.execute",
    "https://www.googleapis.com/auth/script.external_request",
    "https://www.googleapis.com/auth/script.locale",
  ]);
  assert.equal(app.addOns.common.useLocaleFromApp, true);
  const [trigger] = app.addOns.gmail.composeTrigger.selectActions;
  assert.equal(typeof ctx[trigger.runFunction], "function");
  assert.equal(app.addOns.gmail.composeTrigger.draftAccess, "NONE");
  assert.ok(app.urlFetchWhitelist.every((u) => u.startsWith("https://") && u.endsWith("/")));
});

test("gmail_every_card_action_names_a_public_function", () => {
  const { ctx } = gmail({ body: HOLD });
  const card = updatedCard(ctx.onCheck(m.actionEvent({ draft: "This is ridiculous." })));
  for (const action of m.findAll([card, ctx.onGmailCompose(m.actionEvent())], "Action")) {
    const name = m.arg(action, "setFunctionName");
    assert.equal(typeof ctx[name], "function", name);
    assert.ok(!name.endsWith("_"), `${name} must not be private`);
  }
});
