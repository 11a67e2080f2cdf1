// Plain mocks of Office, a manual clock, and loaders that run the add-in files the way their
// hosts do: the send handler as one script with no DOM, the .gs files in one shared global scope.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

const ROOT = path.join(__dirname, "..");
const SRC = path.join(ROOT, "outlook", "src");
const GMAIL = path.join(ROOT, "gmail");

/** setTimeout/clearTimeout driven by `tick(ms)`, so timeouts are tested without waiting. */
function manualClock() {
  let now = 0;
  let seq = 0;
  const timers = new Map();
  return {
    setTimeout(fn, ms) {
      seq += 1;
      timers.set(seq, { at: now + ms, fn });
      return seq;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    pending() {
      return timers.size;
    },
    async tick(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
        await settle();
      }
      now = until;
    },
  };
}

/** Let pending promise callbacks run (several hops: Office callback -> fetch -> json). */
async function settle() {
  for (let i = 0; i < 20; i += 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * A minimal Office host: a compose item whose body and delivery time the test controls.
 * `body` may be a string, an Error (getAsync fails) or null (getAsync never calls back).
 */
function officeMock({ body = "", html = null, bodyType = "text", scheduled = 0, delayApi = true, mailbox = "1.14",
  session = {}, selection = null, selectionApi = true, host = null, platform = null, sessionApi = true,
  saveApi = true } = {}) {
  const log = { associated: {}, getAsync: [], setAsync: [], delaySet: [], session, selectionSet: [], saved: 0 };
  const ok = (value) => ({ status: "succeeded", value });
  const fail = (message) => ({ status: "failed", error: { message } });
  // `selection`: what the writer selected, {data, sourceProperty, start, end} (start/end index
  // the HTML body, or the text body); setSelectedDataAsync replaces exactly that range.
  const state = { body, html, scheduled, selection };
  const item = {
    body: {
      getAsync(coercion, options, cb) {
        const callback = typeof options === "function" ? options : cb;
        log.getAsync.push({ coercion, options: typeof options === "function" ? {} : plain(options) });
        if (state.body === null) return;
        if (state.body instanceof Error) return callback(fail(state.body.message));
        callback(ok(coercion === "html" ? state.html : state.body));
      },
      getTypeAsync(cb) {
        cb(ok(bodyType));
      },
      setAsync(value, options, cb) {
        log.setAsync.push({ value, options });
        if (options.coercionType === "html") state.html = value;
        else state.body = value;
        cb(ok(undefined));
      },
    },
  };
  if (selectionApi) {
    item.getSelectedDataAsync = (coercion, cb) => {
      const sel = state.selection;
      cb(ok(sel ? { data: sel.data, sourceProperty: sel.sourceProperty || "body" } : { data: "", sourceProperty: "body" }));
    };
    item.body.setSelectedDataAsync = (data, options, cb) => {
      log.selectionSet.push({ data, options: plain(options) });
      const sel = state.selection;
      const escaped = String(data).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
      if (sel && state.html !== null) state.html = state.html.slice(0, sel.start) + escaped + state.html.slice(sel.end);
      else if (sel) state.body = state.body.slice(0, sel.start) + data + state.body.slice(sel.end);
      cb(ok(undefined));
    };
  }
  item.saveAsync = (cb) => {
    log.saved += 1;
    cb(ok("AAMkAD-draft-id"));
  };
  log.notifications = {};
  item.notificationMessages = {
    replaceAsync(key, details, cb) {
      log.notifications[key] = plain(details);
      cb(ok(undefined));
    },
  };

  item.sessionData = {
    getAsync(key, cb) {
      // Like Outlook: asking for a key that was never set fails.
      cb(key in session ? ok(session[key]) : fail("not found"));
    },
    setAsync(key, value, cb) {
      session[key] = value;
      cb(ok(undefined));
    },
  };
  if (!sessionApi) delete item.sessionData; // before Mailbox 1.11
  if (!saveApi) delete item.saveAsync; // before Mailbox 1.3
  if (delayApi) {
    item.delayDeliveryTime = {
      getAsync(cb) {
        cb(ok(state.scheduled ? new Date(state.scheduled) : 0));
      },
      setAsync(date, cb) {
        log.delaySet.push(date);
        state.scheduled = date.getTime();
        cb(ok(undefined));
      },
    };
  }
  const Office = {
    AsyncResultStatus: { Succeeded: "succeeded", Failed: "failed" },
    CoercionType: { Text: "text", Html: "html" },
    HostType: { Outlook: "Outlook" },
    MailboxEnums: {
      BodyMode: { FullBody: "fullBody", HostConfig: "hostConfig" },
      ItemNotificationMessageType: { InformationalMessage: "informationalMessage" },
      SendModeOverride: { PromptUser: "promptUser" },
    },
    actions: {
      associate(name, fn) {
        log.associated[name] = fn;
      },
    },
    context: {
      mailbox: { item, diagnostics: host ? { hostName: host } : undefined },
      diagnostics: platform ? { platform } : undefined,
      requirements: { isSetSupported: (name, version) => name === "Mailbox" && Number(version) <= Number(mailbox) },
    },
  };
  return { Office, log, state };
}

function plain(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** An Office event that records every `completed` call. */
function sendEvent() {
  const completed = [];
  // JSON round trip: objects made inside the vm context have another realm's prototypes.
  return { completed, event: { completed: (options) => completed.push(plain(options)) } };
}

/** A fetch stand-in: `respond(request)` returns {status, json} or a Promise, or throws. */
function fakeFetch(respond) {
  const requests = [];
  const fetch = (url, init) => {
    requests.push({ url, init, body: JSON.parse(init.body) });
    return new Promise((resolve, reject) => {
      if (init.signal) {
        init.signal.addEventListener("abort", () => reject(new Error("aborted")));
      }
      Promise.resolve()
        .then(() => respond({ url, init }))
        .then((answer) => {
          if (answer === undefined) return; // hang
          resolve({
            ok: answer.status >= 200 && answer.status < 300,
            status: answer.status,
            json: () => (answer.json instanceof Error ? Promise.reject(answer.json) : Promise.resolve(answer.json)),
          });
        }, reject);
    });
  };
  return { fetch, requests };
}

function read(file) {
  return fs.readFileSync(file, "utf8");
}

/** The send-time scripts in one context with no window/document, as classic Outlook runs them. */
function loadSendHandler({ Office, fetch, clock, config = { serviceUrl: "https://tc.example", apiKey: "" } }) {
  const context = vm.createContext({
    Office,
    fetch,
    AbortController,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    console: { warn() {}, log() {} },
  });
  const configJs = `var TONECHECK_CONFIG = ${JSON.stringify(config)};`;
  vm.runInContext(configJs, context, { filename: "config.js" });
  vm.runInContext(read(path.join(SRC, "core.js")), context, { filename: "core.js" });
  vm.runInContext(read(path.join(SRC, "launchevent.js")), context, { filename: "launchevent.js" });
  return context;
}

/** core.js, apply.js and editor.js in one context, as the task pane loads them (editor.js needs no DOM). */
function loadEditor({ Office }) {
  const context = vm.createContext({ Office, console });
  for (const f of ["core.js", "apply.js", "editor.js"]) {
    vm.runInContext(read(path.join(SRC, f)), context, { filename: f });
  }
  return context;
}

/** Load the .gs files into one context with the given Apps Script globals. */
function loadGmail(globals) {
  const context = vm.createContext({ console, ...globals });
  for (const f of ["Logic.gs", "Api.gs", "Cards.gs", "Code.gs"]) {
    vm.runInContext(read(path.join(GMAIL, f)), context, { filename: f });
  }
  return context;
}

module.exports = {
  ROOT,
  SRC,
  GMAIL,
  manualClock,
  settle,
  officeMock,
  sendEvent,
  fakeFetch,
  loadSendHandler,
  loadEditor,
  loadGmail,
  read,
};
