// Plain mocks of the Apps Script services the add-on uses: CardService records every builder
// call so tests can read the card back; UrlFetchApp and PropertiesService are scripted per test.
"use strict";

/** A CardService whose builders remember their calls; `build()` returns the record. */
function cardServiceMock() {
  function builder(kind) {
    const node = { kind, calls: [] };
    const proxy = new Proxy(node, {
      get(target, name) {
        if (name === "kind" || name === "calls") return target[name];
        if (name === "build") return () => node;
        if (typeof name !== "string" || name === "then") return undefined;
        return (...args) => {
          node.calls.push([name, ...args]);
          return proxy;
        };
      },
    });
    return proxy;
  }
  // Enums come back as "Enum.VALUE" strings, which is enough to assert which one was used.
  const enumOf = (name) => new Proxy({}, { get: (t, value) => `${name}.${String(value)}` });
  return new Proxy({}, {
    get(target, name) {
      if (typeof name === "string" && name.startsWith("new")) return () => builder(name.slice(3));
      return enumOf(String(name));
    },
  });
}

/** Every node of `kind` under `root`, depth first. */
function findAll(root, kind, out = []) {
  if (root && typeof root === "object" && Array.isArray(root.calls)) {
    if (root.kind === kind) out.push(root);
    for (const call of root.calls) for (const arg of call.slice(1)) findAll(arg, kind, out);
  } else if (Array.isArray(root)) {
    for (const r of root) findAll(r, kind, out);
  }
  return out;
}

/** The first argument of the first `method` call on `node`. */
function arg(node, method) {
  const call = node.calls.find((c) => c[0] === method);
  return call ? call[1] : undefined;
}

/** All strings passed anywhere under `root`, for "the card says X" checks. */
function texts(root, out = []) {
  if (typeof root === "string") out.push(root);
  else if (Array.isArray(root)) root.forEach((r) => texts(r, out));
  else if (root && typeof root === "object" && Array.isArray(root.calls)) root.calls.forEach((c) => texts(c.slice(1), out));
  else if (root && typeof root === "object") Object.values(root).forEach((v) => texts(v, out));
  return out;
}

function propertiesMock(props) {
  return { getScriptProperties: () => ({ getProperty: (k) => (k in props ? props[k] : null) }) };
}

/** UrlFetchApp answering with `status` and `body`, recording each request. */
function urlFetchMock(status, body) {
  const requests = [];
  return {
    requests,
    UrlFetchApp: {
      fetch(url, options) {
        requests.push({ url, options, payload: JSON.parse(options.payload) });
        return { getResponseCode: () => status, getContentText: () => (typeof body === "string" ? body : JSON.stringify(body)) };
      },
    },
  };
}

const utilitiesMock = {
  formatDate: (date, tz, fmt) => `${date.toISOString().slice(11, 16)} ${tz} ${fmt}`,
};

/** Session with the script's time zone (appsscript.json "timeZone"). */
function sessionMock(zone) {
  return { getScriptTimeZone: () => zone };
}

/** A Workspace add-on action event with form inputs and parameters; timeZone null leaves it out. */
function actionEvent(inputs = {}, parameters = {}, timeZone = "Europe/Berlin") {
  const formInputs = {};
  for (const [k, v] of Object.entries(inputs)) formInputs[k] = { stringInputs: { value: [v] } };
  const common = { formInputs, parameters };
  // Gmail sends the time zone only with useLocaleFromApp and the script.locale scope.
  if (timeZone) common.timeZone = { id: timeZone, offset: 0 };
  return { commonEventObject: common };
}

module.exports = { cardServiceMock, findAll, arg, texts, propertiesMock, urlFetchMock, utilitiesMock, sessionMock,
  actionEvent };
