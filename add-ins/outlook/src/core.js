/*
 * tonecheck add-in logic as plain functions, shared by the send-time handler, the task pane and
 * the Node tests. Written as ES5 with a UMD wrapper because the classic Outlook on Windows runs the
 * send handler in a JavaScript-only runtime: no modules, no DOM, one file.
 */
(function (root, factory) {
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.TonecheckCore = api;
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var CATEGORY_LABELS = {
    told_you_so: "told-you-so",
    blame: "blame",
    defensive: "defensive",
    heated: "heated"
  };
  // Outlook shows "taking longer than expected" after 5 s; stay well under it and fail open.
  var SEND_TIMEOUT_MS = 3000;
  // A delivery scheduled this close to the end of the hold honours it (clocks and a writer who
  // picks a round time in Outlook's own "Delay delivery" dialog need some slack).
  var HOLD_GRACE_MS = 5 * 60 * 1000;
  var MESSAGE_LIMIT = 500; // Smart Alerts truncates errorMessage beyond this.
  var HELD_UNTIL_KEY = "tonecheck.holdUntil"; // item.sessionData key shared by handler and pane
  var HOLD_WARNED_KEY = "tonecheck.holdWarned"; // set when the send check has stopped a held draft once

  /** The service's base URL: the configured one, else the origin that served the page. */
  function serviceBase(config, pageOrigin) {
    var url = (config && config.serviceUrl) || pageOrigin || "";
    return url.replace(/\/+$/, "");
  }

  /** The check endpoint; offsets come back in UTF-16 units because JavaScript strings use them. */
  function checkUrl(base) {
    return base + "/v1/check?offset_unit=utf16";
  }

  /**
   * fetch() options for one check. `contentType` is the draft's type ("text/plain", the default,
   * or "text/html"); "" leaves it out, so the service recognises HTML by its tags.
   */
  function checkRequest(text, apiKey, signal, contentType) {
    var headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (apiKey) {
      headers["X-API-Key"] = apiKey;
    }
    var payload = { text: text };
    var type = contentType === undefined ? "text/plain" : contentType;
    if (type) {
      payload.content_type = type;
    }
    var init = { method: "POST", headers: headers, body: JSON.stringify(payload) };
    if (signal) {
      init.signal = signal;
    }
    return init;
  }

  /**
   * The error for an HTTP failure: err.status, and err.code / err.serviceMessage from the
   * service's {"error": {"code", "message"}} body when it sent one.
   */
  function httpError(response) {
    var err = new Error("tonecheck answered HTTP " + response.status);
    err.status = response.status;
    var headers = response.headers;
    err.retryAfter = headers && headers.get ? headers.get("Retry-After") : null;
    return Promise.resolve()
      .then(function () {
        return response.json();
      })
      .then(
        function (body) {
          if (body && body.error) {
            err.code = body.error.code;
            err.serviceMessage = body.error.message;
          }
          throw err;
        },
        function () {
          throw err;
        }
      );
  }

  /**
   * POST the draft and resolve with the parsed result; reject on HTTP errors and after `ms`.
   * The race settles the promise even where AbortController is missing or fetch ignores it.
   */
  function callCheck(env, base, text, apiKey, ms, contentType) {
    var controller = env.AbortController ? new env.AbortController() : null;
    var timer = null;
    var timeout = new Promise(function (_, reject) {
      timer = env.setTimeout(function () {
        if (controller) {
          controller.abort();
        }
        reject(new Error("timeout after " + ms + " ms"));
      }, ms);
    });
    var request = Promise.resolve()
      .then(function () {
        return env.fetch(checkUrl(base), checkRequest(text, apiKey, controller && controller.signal, contentType));
      })
      .then(function (response) {
        if (!response.ok) {
          return httpError(response);
        }
        return response.json();
      });
    return Promise.race([request, timeout]).then(
      function (result) {
        env.clearTimeout(timer);
        return result;
      },
      function (err) {
        env.clearTimeout(timer);
        throw err;
      }
    );
  }

  function label(category) {
    return CATEGORY_LABELS[category] || category;
  }

  function truncate(text, limit) {
    return text.length <= limit ? text : text.slice(0, limit - 1) + "\u2026";
  }

  /** "told-you-so (“As I said”), blame (“you failed to”)": what was found, in a few words. */
  function summarize(findings, maxItems) {
    var parts = [];
    for (var i = 0; i < findings.length && parts.length < maxItems; i++) {
      parts.push(label(findings[i].category) + " (\u201c" + truncate(findings[i].text, 40) + "\u201d)");
    }
    var more = findings.length - parts.length;
    return parts.join(", ") + (more > 0 ? " and " + more + " more" : "");
  }

  /** Local wall-clock "HH:MM" of a Date (the runtime has no reliable Intl). */
  function clockTime(date) {
    var h = date.getHours();
    var m = date.getMinutes();
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }

  function reviewMessage(result) {
    var n = result.findings.length;
    return truncate(
      "tonecheck found " + n + " passage" + (n === 1 ? "" : "s") + " worth a second look: " +
        summarize(result.findings, 3) + ". Open tonecheck to see suggestions, or send anyway.",
      MESSAGE_LIMIT
    );
  }

  function holdMessage(reason, untilMs) {
    return truncate(reason + " tonecheck suggests waiting until " + clockTime(new Date(untilMs)) +
      ": open tonecheck to hold it, or press Send again to send it now.", MESSAGE_LIMIT);
  }

  /** Epoch ms of an ISO time; the service sends microseconds, which ES5 dates need not parse. */
  function parseTime(iso) {
    return Date.parse(String(iso).replace(/(\.\d{3})\d+/, "$1")) || 0;
  }

  /**
   * When this draft's hold ends: the first `until` the writer was shown (kept in the item's
   * session data), so pressing Send again does not restart the wait; else this check's `until`.
   */
  function holdUntil(hold, heldUntilMs) {
    return heldUntilMs || parseTime(hold.until);
  }

  /** True when delivery is already scheduled at (about) `untilMs` or later. */
  function holdHonoured(untilMs, scheduledMs) {
    return Boolean(scheduledMs) && scheduledMs >= untilMs - HOLD_GRACE_MS;
  }

  /**
   * The `event.completed` options for a check result. opts: commandId, promptUser (the enum
   * value), canPrompt (Mailbox 1.14: "Send anyway" exists), scheduledMs, heldUntilMs, nowMs,
   * holdWarned (this draft's send was already stopped once for the hold), canRemember (the item
   * has sessionData, so a second Send can be recognised).
   * send -> allow. review -> stop but let the writer "Send anyway"; where the client cannot
   * offer that, allow, since advice must not trap mail. hold -> stop the first Send (SoftBlock)
   * with the reason; the next Send goes through on every client, so a hold is advice the writer
   * reads, never a lock. Also allow once the wait is over or delivery is scheduled for its end.
   * Anything unexpected -> allow.
   */
  function sendDecision(result, opts) {
    var allow = { allowEvent: true };
    if (!result || !result.verdict) {
      return allow;
    }
    var stop = { allowEvent: false, cancelLabel: "Open tonecheck", commandId: opts.commandId };
    if (result.verdict === "review" && result.findings && result.findings.length && opts.canPrompt) {
      stop.errorMessage = reviewMessage(result);
      stop.sendModeOverride = opts.promptUser;
      return stop;
    }
    if (result.verdict === "hold" && result.hold) {
      var until = holdUntil(result.hold, opts.heldUntilMs);
      if (opts.nowMs >= until || holdHonoured(until, opts.scheduledMs) || opts.holdWarned) {
        return allow;
      }
      stop.errorMessage = holdMessage(result.hold.reason, until);
      if (opts.canRemember === false) {
        // Without session data a second Send looks like the first: never stop it for good.
        if (!opts.canPrompt) {
          return allow;
        }
        stop.sendModeOverride = opts.promptUser;
      }
      return stop;
    }
    return allow;
  }

  /**
   * How the task pane offers a hold on this Outlook. host: {hostName, platform, canDelay
   * (item.delayDeliveryTime, Mailbox 1.13), canSave (item.saveAsync, Mailbox 1.3)}.
   *   "delay": schedule delivery for the hold's end. Only where it can be undone: Outlook on the
   *            web, new Outlook on Windows and Outlook on Mac keep the message in Drafts until
   *            then, open to edits and deletion.
   *   "save":  classic Outlook on Windows sends a scheduled message from the server, where it can
   *            be neither edited nor cancelled, and older clients cannot schedule at all: save the
   *            draft and leave a reminder on it instead.
   *   "wait":  neither: the countdown is all the pane offers.
   * hostName "Outlook" is classic Windows or Mac; only platform "Mac" tells them apart, so an
   * unknown platform counts as classic Windows (the careful side).
   */
  function holdOption(host) {
    var classicWindows = host.hostName === "Outlook" && host.platform !== "Mac";
    if (host.canDelay && !classicWindows) {
      return { mode: "delay", why: "" };
    }
    var why = host.canDelay
      ? "Classic Outlook on Windows sends a scheduled message from the server, where it can be " +
        "neither edited nor cancelled, so tonecheck does not schedule it here."
      : "This version of Outlook cannot schedule a send from an add-in.";
    return { mode: host.canSave ? "save" : "wait", why: why };
  }

  /** The pane's words for a hold: the button, and what it does, per holdOption mode. */
  function holdText(option, untilMs, nowMs) {
    var at = clockTime(new Date(untilMs));
    var minutes = Math.max(1, Math.ceil((untilMs - nowMs) / 60000));
    var anyway = " To send it now anyway, click Send twice: tonecheck stops only the first Send.";
    if (option.mode === "delay") {
      return {
        button: "Send in " + minutes + " minute" + (minutes === 1 ? "" : "s"),
        explain: "Sets the delivery time to " + at + ". Then click Send: Outlook keeps the message in " +
          "Drafts until " + at + ", and you can still open it there to edit or delete it." + anyway,
        done: "Click Send as usual: Outlook keeps the message in Drafts until " + at +
          " and delivers it then. Until then you can open it from Drafts to change or delete it."
      };
    }
    if (option.mode === "save") {
      return {
        button: "Save draft and wait",
        explain: option.why + " Save the draft now, reread it after " + at + ", then send." + anyway,
        done: "Saved in Drafts, with a reminder on the message: reread it after " + at + ", then send."
      };
    }
    return { button: "", explain: option.why + " Wait until " + at + ", reread the draft, then send." + anyway, done: "" };
  }

  /** The sentence around `[start, end)`: back to the last terminator or newline, on to the next. */
  function sentenceAround(text, start, end) {
    var s = start;
    while (s > 0 && !/[.!?\n]/.test(text.charAt(s - 1))) {
      s--;
    }
    while (s < start && /\s/.test(text.charAt(s))) {
      s++;
    }
    var e = end;
    // A finding that ends on a terminator ("!!!") already ends its sentence.
    if (!(end > start && /[.!?]/.test(text.charAt(end - 1)))) {
      while (e < text.length && !/[.!?\n]/.test(text.charAt(e))) {
        e++;
      }
    }
    while (e < text.length && /[.!?)"'\u201d\u2019]/.test(text.charAt(e))) {
      e++;
    }
    return { start: s, end: Math.max(e, end) };
  }

  /**
   * Cut `text` into flat segments for rendering: each knows which findings cover it (`hits`)
   * and whether it lies in a flagged sentence. Flat segments avoid nesting overlapping marks.
   */
  function segments(text, findings) {
    var cuts = [0, text.length];
    var sentences = [];
    findings.forEach(function (f) {
      var sent = sentenceAround(text, f.start, f.end);
      sentences.push(sent);
      cuts.push(f.start, f.end, sent.start, sent.end);
    });
    cuts = cuts
      .filter(function (c, i) {
        return c >= 0 && c <= text.length && cuts.indexOf(c) === i;
      })
      .sort(function (a, b) {
        return a - b;
      });
    var out = [];
    for (var i = 0; i + 1 < cuts.length; i++) {
      var a = cuts[i];
      var b = cuts[i + 1];
      var hits = [];
      var inSentence = false;
      for (var j = 0; j < findings.length; j++) {
        if (findings[j].start <= a && b <= findings[j].end && findings[j].start < findings[j].end) {
          hits.push(j);
        }
        inSentence = inSentence || (sentences[j].start <= a && b <= sentences[j].end);
      }
      out.push({ start: a, end: b, text: text.slice(a, b), hits: hits, sentence: inSentence });
    }
    return out;
  }

  /**
   * The words a suggestion offers as a drop-in: its quoted example, or the lead-in of
   * "To recap: \u2026". Other suggestions are advice ("Describe the request neutrally") and
   * offer nothing (null), so advice never lands in the email. Rule examples are illustrations,
   * which is why the pane always shows the words in an editable box before applying them.
   */
  function replacementFor(suggestion) {
    var quoted = /\u201c([^\u201d]+)\u201d/.exec(suggestion);
    if (quoted) {
      return quoted[1].trim();
    }
    var ellipsis = /^(.*?)\s*(\u2026|\.\.\.)\s*$/.exec(suggestion);
    if (ellipsis && ellipsis[1]) {
      return ellipsis[1];
    }
    return null;
  }

  /** What the replacement box starts with: the first drop-in offered, else the flagged words. */
  function firstReplacement(suggestions, words) {
    for (var i = 0; i < suggestions.length; i++) {
      var r = replacementFor(suggestions[i]);
      if (r) {
        return r;
      }
    }
    return words;
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  /** A global RegExp for `needle` where any whitespace run matches any other (nbsp, newlines). */
  function needlePattern(needle) {
    var words = needle.trim().split(/\s+/).map(escapeRegExp);
    return new RegExp(words.join("\\s+"), "g");
  }

  /** How many matches of `needle` start before `offset`: identifies the flagged occurrence. */
  function occurrenceIndex(text, needle, offset) {
    var re = needlePattern(needle);
    var n = 0;
    var m;
    while ((m = re.exec(text)) !== null && m.index < offset) {
      n++;
      re.lastIndex = m.index + Math.max(1, m[0].length);
    }
    return n;
  }

  /** The `n`th match of `needle` in `text` as {start, end}, or null. */
  function findNth(text, needle, n) {
    var re = needlePattern(needle);
    var m;
    var i = 0;
    while ((m = re.exec(text)) !== null) {
      if (i === n) {
        return { start: m.index, end: m.index + m[0].length };
      }
      i++;
      re.lastIndex = m.index + Math.max(1, m[0].length);
    }
    return null;
  }

  /** `text` with the `n`th match of `needle` replaced, or null when the draft no longer has it. */
  function replaceNth(text, needle, n, replacement) {
    var at = findNth(text, needle, n);
    if (!at) {
      return null;
    }
    return text.slice(0, at.start) + replacement + text.slice(at.end);
  }

  /** "29:58" until `untilMs`, never negative. */
  function countdown(untilMs, nowMs) {
    var left = Math.max(0, Math.ceil((untilMs - nowMs) / 1000));
    var m = Math.floor(left / 60);
    var s = left % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  return {
    CATEGORY_LABELS: CATEGORY_LABELS,
    SEND_TIMEOUT_MS: SEND_TIMEOUT_MS,
    HOLD_GRACE_MS: HOLD_GRACE_MS,
    MESSAGE_LIMIT: MESSAGE_LIMIT,
    HELD_UNTIL_KEY: HELD_UNTIL_KEY,
    HOLD_WARNED_KEY: HOLD_WARNED_KEY,
    holdOption: holdOption,
    holdText: holdText,
    serviceBase: serviceBase,
    checkUrl: checkUrl,
    checkRequest: checkRequest,
    callCheck: callCheck,
    label: label,
    summarize: summarize,
    clockTime: clockTime,
    reviewMessage: reviewMessage,
    holdMessage: holdMessage,
    holdUntil: holdUntil,
    parseTime: parseTime,
    holdHonoured: holdHonoured,
    sendDecision: sendDecision,
    sentenceAround: sentenceAround,
    segments: segments,
    replacementFor: replacementFor,
    firstReplacement: firstReplacement,
    needlePattern: needlePattern,
    occurrenceIndex: occurrenceIndex,
    findNth: findNth,
    replaceNth: replaceNth,
    countdown: countdown
  };
});
