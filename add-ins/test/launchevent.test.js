// Every path of the OnMessageSend handler, each ending in exactly one event.completed.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const http = require("node:http");
const { manualClock, settle, officeMock, sendEvent, fakeFetch, loadSendHandler } = require("./helpers.js");

const DRAFT = "As I said, you failed to read the manual.";
const UNTIL = "2030-01-01T10:30:00.654321Z";
const KEY = "tonecheck.holdUntil";
const WARNED = "tonecheck.holdWarned";
const REVIEW = {
  verdict: "review",
  hold: null,
  findings: [{ category: "told_you_so", start: 0, end: 9, text: "As I said", message: "m", suggestions: [] }],
};
const HOLD = {
  verdict: "hold",
  findings: [{ category: "heated", start: 0, end: 3, text: "!!!", message: "m", suggestions: [] }],
  hold: { recommended: true, minutes: 30, until: UNTIL, reason: "The draft reads as heated." },
};

/** Run the handler once; advance the clock past every timer; return what Outlook saw. */
async function send({ body = DRAFT, respond = () => ({ status: 200, json: { verdict: "send", findings: [] } }),
  config, scheduled = 0, delayApi = true, advance = 10000, fetchImpl, mailbox = "1.14", session = {},
  sessionApi = true } = {}) {
  const clock = manualClock();
  const { Office, log } = officeMock({ body, scheduled, delayApi, mailbox, session, sessionApi });
  const fake = fakeFetch(respond);
  const ctx = loadSendHandler({ Office, fetch: fetchImpl === undefined ? fake.fetch : fetchImpl, clock, config });
  const { completed, event } = sendEvent();
  log.associated.onMessageSendHandler(event);
  await settle();
  await clock.tick(advance);
  await settle();
  return { completed, requests: fake.requests, log, ctx, clock };
}

test("launchevent_associates_the_manifest_function_name", async () => {
  const { log } = await send();
  assert.equal(typeof log.associated.onMessageSendHandler, "function");
});

test("launchevent_reads_the_body_with_host_config_and_posts_utf16", async () => {
  const { requests, log } = await send({ config: { serviceUrl: "https://tc.example/", apiKey: "k" } });
  assert.deepEqual(log.getAsync[0], { coercion: "text", options: { bodyMode: "hostConfig" } });
  assert.equal(requests.length, 1);
  assert.equal(requests[0].url, "https://tc.example/v1/check?offset_unit=utf16");
  assert.equal(requests[0].init.headers["X-API-Key"], "k");
  assert.deepEqual(requests[0].body, { text: DRAFT, content_type: "text/plain" });
});

test("launchevent_send_verdict_allows", async () => {
  const { completed } = await send();
  assert.deepEqual(completed, [{ allowEvent: true }]);
});

test("launchevent_review_stops_with_prompt_user_and_the_pane_button", async () => {
  const { completed } = await send({ respond: () => ({ status: 200, json: REVIEW }) });
  assert.equal(completed.length, 1);
  const [c] = completed;
  assert.equal(c.allowEvent, false);
  assert.equal(c.sendModeOverride, "promptUser");
  assert.equal(c.commandId, "tonecheckOpenPane");
  assert.equal(c.cancelLabel, "Open tonecheck");
  assert.match(c.errorMessage, /told-you-so \(\u201cAs I said\u201d\)/);
});

test("launchevent_hold_soft_blocks_with_the_reason", async () => {
  const { completed } = await send({ respond: () => ({ status: 200, json: HOLD }) });
  assert.equal(completed.length, 1);
  assert.equal(completed[0].allowEvent, false);
  assert.equal(completed[0].sendModeOverride, undefined);
  assert.equal(completed[0].commandId, "tonecheckOpenPane");
  assert.match(completed[0].errorMessage,
    /^The draft reads as heated\. tonecheck suggests waiting until \d\d:\d\d: open tonecheck to hold it, or press Send again/);
});

test("launchevent_hold_allows_once_delivery_is_scheduled_for_until", async () => {
  const { completed } = await send({ respond: () => ({ status: 200, json: HOLD }),
    scheduled: Date.parse("2030-01-01T10:30:00.654Z") });
  assert.deepEqual(completed, [{ allowEvent: true }]);
});

test("launchevent_hold_starts_the_clock_once_in_session_data", async () => {
  const { log } = await send({ respond: () => ({ status: 200, json: HOLD }) });
  assert.equal(log.session[KEY], "2030-01-01T10:30:00.654Z");
  assert.ok(log.session[WARNED], "the first stop is remembered");
  // The pane (or another check) started the clock earlier: a later stop keeps that time.
  const again = await send({ respond: () => ({ status: 200, json: { ...HOLD, hold: { ...HOLD.hold,
    until: "2030-01-01T10:45:00Z" } } }), session: { [KEY]: log.session[KEY] } });
  const first = again.ctx.TonecheckCore.clockTime(new Date("2030-01-01T10:30:00.654Z"));
  assert.ok(again.completed[0].errorMessage.includes(`waiting until ${first}:`), "the wait does not restart");
  assert.equal(again.log.session[KEY], "2030-01-01T10:30:00.654Z");
});

// A held draft is stopped once; pressing Send again sends it, on every requirement set.
for (const [name, options] of [
  ["mailbox_1_14", { mailbox: "1.14" }],
  ["mailbox_1_13", { mailbox: "1.13" }],
  ["mailbox_1_12_without_delay_delivery", { mailbox: "1.12", delayApi: false }],
]) {
  test(`launchevent_hold_second_send_goes_through_on_${name}`, async () => {
    const session = {};
    const first = await send({ respond: () => ({ status: 200, json: HOLD }), session, ...options });
    assert.equal(first.completed.length, 1);
    assert.equal(first.completed[0].allowEvent, false);
    assert.equal(first.completed[0].sendModeOverride, undefined, "the first stop is the manifest's SoftBlock");
    const second = await send({ respond: () => ({ status: 200, json: HOLD }), session, ...options });
    assert.deepEqual(second.completed, [{ allowEvent: true }]);
  });
}

test("launchevent_hold_without_session_data_never_traps_the_mail", async () => {
  const prompt = await send({ respond: () => ({ status: 200, json: HOLD }), sessionApi: false, mailbox: "1.14" });
  assert.equal(prompt.completed[0].allowEvent, false);
  assert.equal(prompt.completed[0].sendModeOverride, "promptUser");
  const old = await send({ respond: () => ({ status: 200, json: HOLD }), sessionApi: false, mailbox: "1.12" });
  assert.deepEqual(old.completed, [{ allowEvent: true }]);
});

test("launchevent_hold_allows_after_the_writer_waited_it_out", async () => {
  const past = new Date(Date.now() - 1000).toISOString();
  const { completed } = await send({ respond: () => ({ status: 200, json: HOLD }), session: { [KEY]: past } });
  assert.deepEqual(completed, [{ allowEvent: true }]);
});

test("launchevent_review_allows_on_clients_without_send_anyway", async () => {
  const { completed } = await send({ respond: () => ({ status: 200, json: REVIEW }), mailbox: "1.13" });
  assert.deepEqual(completed, [{ allowEvent: true }]);
});

test("launchevent_hold_stops_the_first_send_on_clients_without_delay_delivery", async () => {
  const { completed } = await send({ respond: () => ({ status: 200, json: HOLD }), delayApi: false });
  assert.equal(completed.length, 1);
  assert.equal(completed[0].allowEvent, false);
});

// Fail open: every way the check can go wrong lets the mail go, exactly once.
for (const [name, options] of [
  ["http_500", { respond: () => ({ status: 500, json: { error: { code: "internal_error" } } }) }],
  ["http_401", { respond: () => ({ status: 401, json: { error: { code: "unauthorized" } } }) }],
  ["http_503_not_ready", { respond: () => ({ status: 503, json: { error: { code: "not_ready" } } }) }],
  ["network_error", { respond: () => { throw new TypeError("fetch failed"); } }],
  ["bad_json", { respond: () => ({ status: 200, json: new SyntaxError("Unexpected token") }) }],
  ["unknown_verdict", { respond: () => ({ status: 200, json: { verdict: "later", findings: [] } }) }],
  ["timeout", { respond: () => undefined }],
  ["body_unreadable", { body: new Error("item is busy") }],
  ["body_never_answers", { body: null }],
  ["empty_draft", { body: "  \n " }],
  ["no_service_url", { config: { serviceUrl: "", apiKey: "" } }],
  ["no_fetch_in_runtime", { fetchImpl: null }],
]) {
  test(`launchevent_fails_open_on_${name}`, async () => {
    const { completed, clock } = await send(options);
    assert.deepEqual(completed, [{ allowEvent: true }]);
    assert.equal(clock.pending(), 0, "no timer left running");
  });
}

test("launchevent_timeout_is_about_three_seconds_and_aborts_fetch", async () => {
  const clock = manualClock();
  const { Office, log } = officeMock({ body: DRAFT });
  let signal;
  const ctx = loadSendHandler({
    Office, clock, fetch: (url, init) => { signal = init.signal; return new Promise(() => {}); },
  });
  const { completed, event } = sendEvent();
  log.associated.onMessageSendHandler(event);
  await settle();
  await clock.tick(2999);
  assert.deepEqual(completed, [], "still waiting just under 3 s");
  await clock.tick(1);
  assert.deepEqual(completed, [{ allowEvent: true }]);
  assert.equal(signal.aborted, true);
  await clock.tick(10000);
  assert.equal(completed.length, 1);
  assert.equal(ctx.TonecheckCore.SEND_TIMEOUT_MS, 3000);
});

test("launchevent_throwing_office_api_still_completes_once", async () => {
  const clock = manualClock();
  const { Office, log } = officeMock({ body: DRAFT });
  Office.context.mailbox.item.body.getAsync = () => { throw new Error("boom"); };
  loadSendHandler({ Office, clock, fetch: () => Promise.reject(new Error("unused")) });
  const { completed, event } = sendEvent();
  log.associated.onMessageSendHandler(event);
  await settle();
  await clock.tick(10000);
  assert.deepEqual(completed, [{ allowEvent: true }]);
});

// Real sockets with real timers: a closed port and a server that never answers.
test("launchevent_real_unreachable_service_fails_open", async () => {
  const server = http.createServer();
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  const { Office, log } = officeMock({ body: DRAFT });
  loadSendHandler({ Office, fetch, clock: { setTimeout, clearTimeout }, config: { serviceUrl: `http://127.0.0.1:${port}` } });
  const { completed, event } = sendEvent();
  log.associated.onMessageSendHandler(event);
  const started = Date.now();
  while (!completed.length && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(completed, [{ allowEvent: true }]);
  assert.ok(Date.now() - started < 2500, "a refused connection fails open at once");
});

test("launchevent_real_slow_service_fails_open_after_the_timeout", async () => {
  const sockets = new Set();
  const server = http.createServer(() => {}); // accepts, never answers
  server.on("connection", (s) => sockets.add(s));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { Office, log } = officeMock({ body: DRAFT });
  loadSendHandler({
    Office, fetch, clock: { setTimeout, clearTimeout },
    config: { serviceUrl: `http://127.0.0.1:${server.address().port}` },
  });
  const { completed, event } = sendEvent();
  const started = Date.now();
  log.associated.onMessageSendHandler(event);
  while (!completed.length && Date.now() - started < 6000) await new Promise((r) => setTimeout(r, 20));
  const took = Date.now() - started;
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  assert.deepEqual(completed, [{ allowEvent: true }]);
  assert.ok(took >= 2900 && took < 4000, `timed out after ${took} ms`);
  await new Promise((r) => setTimeout(r, 1700)); // past the 4.5 s last-resort deadline
  assert.equal(completed.length, 1);
});
