/*
 * The try page (try.html): paste a draft, check it with this service's POST /v1/check, see what
 * the Outlook task pane would show (render.js draws both), apply a suggestion to the pasted text,
 * and, for a heated draft, the 30-minute countdown. Same origin as the service: no CORS, no CDN.
 * The API key, when the service needs one, lives only in its input box and in memory: it is sent
 * as X-API-Key and never stored anywhere (no cookies, no web storage).
 * A UMD module: the page calls TonecheckTry.start(window, document); the Node tests call the same
 * function with a fake DOM and a fake fetch.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./core.js"), require("./apply.js"), require("./render.js"));
  } else {
    root.TonecheckTry = factory(root.TonecheckCore, root.TonecheckApply, root.TonecheckRender);
  }
})(typeof self !== "undefined" ? self : this, function (core, apply, view) {
  "use strict";

  // Someone is waiting on the page: longer than the send check's 3 s, shorter than forever.
  var TIMEOUT_MS = 15000;
  // The elements try.html must have (a Node test checks they exist there).
  var IDS = ["input", "format", "api-key", "check", "status", "verdict", "verdict-title", "verdict-text", "hold",
    "countdown", "hold-until", "hold-explain", "draft-section", "draft", "findings-section", "findings"];
  var HTML_TAG = /<(html|head|body|div|p|br|span|table|tr|td|blockquote|b|i|u|em|strong|a|ul|ol|li|font|h[1-6])\b[^>]*>/i;

  /** The content_type to send: the chosen one, or text/html when the pasted text has tags. */
  function contentTypeFor(text, choice) {
    if (choice === "text/plain" || choice === "text/html") {
      return choice;
    }
    return HTML_TAG.test(text) ? "text/html" : "text/plain";
  }

  /** What to tell the person when a check fails, from the error core.callCheck rejected with. */
  function errorText(err) {
    var said = err.serviceMessage ? " (" + err.serviceMessage + ")" : "";
    switch (err.status) {
      case 401:
        return "This tonecheck service needs an API key: enter it in the API key box and check again.";
      case 413:
        return "The draft is too long for this service" + said + ".";
      case 415:
      case 400:
      case 422:
        return "The service could not read the draft" + said + ".";
      case 429:
        return "Too many checks for now" + (err.retryAfter ? ": try again in " + err.retryAfter + " s" : "") + ".";
      case 503:
        return "tonecheck is starting up or busy" + said + ": try again in a moment.";
      default:
        if (err.status) {
          return "tonecheck could not check the draft: HTTP " + err.status + said + ".";
        }
        return "tonecheck could not be reached (" + err.message + ").";
    }
  }

  /**
   * The pasted draft with one finding's words replaced: `checked` is the input as checked,
   * `shown` the text the offsets point into (the service's plain rendering for HTML). Returns the
   * new input, or null when the words are not there.
   */
  function applyToInput(checked, type, shown, finding, words, replacement) {
    var n = core.occurrenceIndex(shown, words, finding.start);
    var edit = type === "text/html"
      ? apply.spliceHtml(checked, words, n, replacement)
      : apply.spliceText(checked, words, n, replacement);
    if (!edit) {
      return null;
    }
    return type === "text/html" ? edit.html : edit.text;
  }

  function summary(result) {
    var n = result.findings.length;
    return view.verdictTitle(result.verdict) + ". " +
      (n ? n + " passage" + (n === 1 ? "" : "s") + " flagged." : "Nothing flagged.");
  }

  /** Wire the page. Returns {state, check} (also window.tonecheckTry, for browser tests). */
  function start(win, doc) {
    var state = { checked: "", type: "text/plain", shown: "", result: null, stop: null, busy: false };

    function $(id) {
      return doc.getElementById(id);
    }

    function setStatus(message, kind) {
      var status = $("status");
      status.textContent = message;
      status.setAttribute("class", "status" + (kind ? " " + kind : ""));
    }

    function env() {
      return {
        fetch: win.fetch.bind(win),
        AbortController: win.AbortController,
        setTimeout: win.setTimeout.bind(win),
        clearTimeout: win.clearTimeout.bind(win)
      };
    }

    function stopCountdown() {
      if (state.stop) {
        state.stop();
        state.stop = null;
      }
    }

    function clearResult() {
      stopCountdown();
      ["verdict", "draft-section", "findings-section", "hold"].forEach(function (id) {
        $(id).hidden = true;
      });
    }

    function renderHold(hold) {
      stopCountdown();
      $("hold").hidden = !hold;
      if (!hold) {
        return;
      }
      var until = core.parseTime(hold.until);
      var at = core.clockTime(new Date(until));
      $("hold-until").textContent = "(until " + at + ")";
      $("hold-explain").textContent = "tonecheck recommends waiting " + (hold.minutes || 30) +
        " minutes before sending a heated email, then rereading it. In Outlook, tonecheck stops the first " +
        "Send of such a draft and offers to hold it.";
      state.stop = view.countdown(win, until, function (left, done) {
        $("countdown").textContent = left;
        if (done) {
          $("hold-until").textContent = "\u2014 the wait is over: reread it once more, then send.";
        }
      });
    }

    function render(result) {
      state.result = result;
      var verdict = $("verdict");
      verdict.hidden = false;
      verdict.setAttribute("class", "verdict " + result.verdict);
      $("verdict-title").textContent = view.verdictTitle(result.verdict);
      $("verdict-text").textContent = view.verdictText(result);
      var any = result.findings.length > 0;
      $("draft-section").hidden = !any;
      $("findings-section").hidden = !any;
      view.renderDraft(doc, $("draft"), state.shown, result.findings);
      view.renderFindings(doc, $("findings"), result.findings, state.shown, {
        onApply: applyFinding,
        onCopy: copy,
        applyLabel: "Apply to my draft"
      });
      renderHold(result.hold);
    }

    function check() {
      if (state.busy) {
        return Promise.resolve();
      }
      var text = $("input").value;
      if (!text.trim()) {
        clearResult();
        setStatus("Paste or type a draft first.", "error");
        $("input").focus();
        return Promise.resolve();
      }
      var type = contentTypeFor(text, $("format").value);
      var key = $("api-key").value.trim();
      state.busy = true;
      $("check").disabled = true;
      setStatus("Checking\u2026", "busy");
      var base = core.serviceBase({}, win.location.origin);
      return core.callCheck(env(), base, text, key, TIMEOUT_MS, type)
        .then(function (result) {
          state.checked = text;
          state.type = type;
          state.shown = typeof result.text === "string" ? result.text : text;
          render(result);
          setStatus("Checked: " + summary(result));
          $("verdict-title").focus();
        }, function (err) {
          clearResult();
          setStatus(errorText(err), "error");
          if (err.status === 401) {
            $("api-key").focus();
          }
        })
        .then(function () {
          state.busy = false;
          $("check").disabled = false;
        });
    }

    function applyFinding(finding, words, replacement, button, note) {
      if ($("input").value !== state.checked) {
        note.textContent = "The draft has changed since this check: check it again first.";
        note.hidden = false;
        return Promise.resolve();
      }
      var next = applyToInput(state.checked, state.type, state.shown, finding, words, replacement);
      if (next === null) {
        note.textContent = "Those words are no longer in the draft: check it again.";
        note.hidden = false;
        return Promise.resolve();
      }
      $("input").value = next;
      return check();
    }

    function copy(box, words, note) {
      return view.copyText(win, doc, box).then(function (copied) {
        note.textContent = copied
          ? "Copied. Paste it over \u201c" + words + "\u201d in your email."
          : "The replacement is selected in the box: press Ctrl+C (\u2318C) to copy it.";
        note.hidden = false;
      });
    }

    $("check").addEventListener("click", function () { check(); });
    $("input").addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        check();
      }
    });
    $("api-key").addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        ev.preventDefault();
        check();
      }
    });
    var api = { state: state, check: check };
    win.tonecheckTry = api;
    return api;
  }

  if (typeof window !== "undefined" && typeof document !== "undefined" && !(typeof module === "object" && module.exports)) {
    var boot = function () { start(window, document); };
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", boot);
    } else {
      boot();
    }
  }

  return {
    IDS: IDS,
    TIMEOUT_MS: TIMEOUT_MS,
    contentTypeFor: contentTypeFor,
    errorText: errorText,
    applyToInput: applyToInput,
    start: start
  };
});
