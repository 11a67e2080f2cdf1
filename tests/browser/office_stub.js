// A stand-in Outlook compose host for the task pane, injected before the page's scripts.
// The draft is HTML with the writer's new paragraphs in #new and a quoted thread below, like a
// reply in Outlook on the web. Text reads with bodyMode HostConfig return only the new part.
(function () {
  "use strict";
  var seed = window.__TONECHECK_DRAFT__ || { paragraphs: [""], thread: "" };
  var host = {
    html: "<html><head><style>p{margin:0}</style></head><body>" +
      "<div id=\"new\">" + seed.paragraphs.map(function (p) { return "<p>" + p + "</p>"; }).join("") + "</div>" +
      "<div id=\"appendonsend\"></div><hr><div id=\"divRplyFwdMsg\">" + seed.thread + "</div></body></html>",
    setCalls: [],
    selection: "",  // what the writer has selected in the draft (a test sets it)
    selectCalls: [],
    delay: null,
    delayCalls: [],
    session: {}
  };
  function ok(value) { return { status: "succeeded", value: value }; }
  function later(cb, value) { setTimeout(function () { cb(ok(value)); }, 5); }
  function newText() {
    var doc = new DOMParser().parseFromString(host.html, "text/html");
    var ps = doc.querySelectorAll("#new p");
    return Array.prototype.map.call(ps, function (p) { return p.textContent; }).join("\n");
  }
  function fullText() {
    return new DOMParser().parseFromString(host.html, "text/html").body.textContent;
  }
  var item = {
    body: {
      getAsync: function (coercion, options, cb) {
        if (typeof options === "function") { cb = options; options = {}; }
        if (coercion === "html") { return later(cb, host.html); }
        later(cb, options.bodyMode === "hostConfig" ? newText() : fullText());
      },
      getTypeAsync: function (cb) { later(cb, "html"); },
      setAsync: function (value, options, cb) {
        host.setCalls.push({ value: value, coercionType: options.coercionType });
        if (options.coercionType === "html") { host.html = value; }
        later(cb, undefined);
      },
      // Outlook's editor replaces the selection in place; nothing else in the body is touched.
      setSelectedDataAsync: function (value, options, cb) {
        host.selectCalls.push({ value: value, coercionType: options.coercionType });
        var at = host.html.indexOf(host.selection);
        if (host.selection && at >= 0) {
          host.html = host.html.slice(0, at) + value + host.html.slice(at + host.selection.length);
        }
        host.selection = "";
        later(cb, undefined);
      }
    },
    getSelectedDataAsync: function (coercion, cb) {
      later(cb, { data: host.selection, sourceProperty: "body" });
    },
    sessionData: {
      getAsync: function (key, cb) {
        setTimeout(function () {
          cb(key in host.session ? ok(host.session[key]) : { status: "failed", error: { message: "not found" } });
        }, 5);
      },
      setAsync: function (key, value, cb) { host.session[key] = value; later(cb, undefined); }
    },
    delayDeliveryTime: {
      getAsync: function (cb) { later(cb, host.delay || 0); },
      setAsync: function (date, cb) {
        host.delay = date;
        host.delayCalls.push(date.toISOString());
        later(cb, undefined);
      }
    }
  };
  window.__outlook = host;
  window.__outlookText = newText;
  window.Office = {
    AsyncResultStatus: { Succeeded: "succeeded", Failed: "failed" },
    CoercionType: { Text: "text", Html: "html" },
    HostType: { Outlook: "Outlook" },
    MailboxEnums: { BodyMode: { FullBody: "fullBody", HostConfig: "hostConfig" } },
    context: { mailbox: { item: item } },
    onReady: function (cb) {
      var info = { host: "Outlook", platform: "OfficeOnline" };
      setTimeout(function () { cb(info); }, 0);
      return Promise.resolve(info);
    }
  };
})();
