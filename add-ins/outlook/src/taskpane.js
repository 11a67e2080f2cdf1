/*
 * The task pane: check the open draft, show the verdict, the draft with flagged sentences
 * highlighted, each finding with suggestions and an "apply" action, and the hold countdown.
 * The look of a result comes from render.js, which the try page (try.html) shares; this file
 * adds what only Outlook has: the draft itself, Apply into it, and the hold per client.
 * Email text is only ever put into the page as text, never parsed as HTML.
 */
/* global Office, TONECHECK_CONFIG, TonecheckCore, TonecheckEditor, TonecheckRender */
(function () {
  "use strict";

  var core = TonecheckCore;
  var editor = TonecheckEditor;
  var view = TonecheckRender;
  // The writer is waiting on the pane, not on Send: a longer timeout than the send handler's.
  var PANE_TIMEOUT_MS = 10000;
  var state = { text: "", result: null, ticker: null };

  function $(id) {
    return document.getElementById(id);
  }


  function setStatus(message, kind) {
    var status = $("status");
    status.textContent = message;
    status.className = "status" + (kind ? " " + kind : "");
  }

  function env() {
    return {
      fetch: window.fetch.bind(window),
      AbortController: window.AbortController,
      setTimeout: window.setTimeout.bind(window),
      clearTimeout: window.clearTimeout.bind(window)
    };
  }

  function config() {
    return window.TONECHECK_CONFIG || {};
  }

  /** Read the draft, check it, render; the Re-check button and "apply" both come back here. */
  function check() {
    $("recheck").disabled = true;
    setStatus("Checking the draft…", "busy");
    return editor
      .readDraft()
      .then(function (text) {
        state.text = text || "";
        if (!state.text.trim()) {
          return null;
        }
        var base = core.serviceBase(config(), window.location.origin);
        return core.callCheck(env(), base, state.text, config().apiKey, PANE_TIMEOUT_MS);
      })
      .then(function (result) {
        state.result = result;
        if (result) {
          setStatus("Checked at " + core.clockTime(new Date()) + ".");
          return render(result);
        } else {
          clear();
          setStatus("The draft is empty: write something, then re-check.");
        }
      })
      .catch(function (err) {
        setStatus("Couldn't check the draft (" + err.message + "). Sending still works: " +
          "when the tonecheck service can't be reached, Send goes through unchecked.", "error");
      })
      .then(function () {
        $("recheck").disabled = false;
      });
  }

  function clear() {
    ["verdict", "draft-section", "findings-section"].forEach(function (id) {
      $(id).hidden = true;
    });
    stopTicker();
  }

  function render(result) {
    var verdict = $("verdict");
    verdict.hidden = false;
    verdict.className = "verdict " + result.verdict;
    $("verdict-title").textContent = view.verdictTitle(result.verdict);
    $("verdict-text").textContent = view.verdictText(result);
    $("draft-section").hidden = result.findings.length === 0;
    view.renderDraft(document, $("draft"), state.text, result.findings);
    $("findings-section").hidden = result.findings.length === 0;
    view.renderFindings(document, $("findings"), result.findings, state.text, { onApply: apply, onCopy: copy });
    Array.prototype.forEach.call(document.querySelectorAll("#findings .finding"), function (card, i) {
      card.addEventListener("mouseenter", function () { markActive(i, true); });
      card.addEventListener("mouseleave", function () { markActive(i, false); });
    });
    return renderHold(result.hold);
  }

  function markActive(i, on) {
    var marks = document.querySelectorAll("#draft mark");
    Array.prototype.forEach.call(marks, function (m) {
      var ids = m.getAttribute("data-finding").split(" ");
      m.classList.toggle("active", on && ids.indexOf(String(i)) >= 0);
    });
  }

  function focusFinding(i) {
    var card = $("finding-" + i);
    if (card) {
      card.scrollIntoView({ behavior: "smooth", block: "nearest" });
      card.classList.add("flash");
      window.setTimeout(function () { card.classList.remove("flash"); }, 900);
    }
  }

  /**
   * Replace the flagged words, then re-check so every offset is fresh again. A body with images
   * or a quoted thread is never written back whole (see apply.js): then only the writer's
   * selection is replaced, and the card says how to select or copy.
   */
  function apply(finding, words, replacement, button, note) {
    var n = core.occurrenceIndex(state.text, words, finding.start);
    button.disabled = true;
    note.hidden = true;
    $("recheck").disabled = true; // check() re-enables it once the fresh result is shown
    setStatus("Applying…", "busy");
    return editor
      .applyReplacement(words, n, replacement)
      .then(check)
      .catch(function (err) {
        button.disabled = false;
        $("recheck").disabled = false;
        if (err.code === "select" || err.code === "copy") {
          note.textContent = err.message;
          note.hidden = false;
          setStatus("Select the words in your draft first, or copy the replacement.");
        } else {
          setStatus("Couldn't change the draft: " + err.message, "error");
        }
      });
  }

  /** Copy the replacement for pasting over the words by hand; works where Apply cannot. */
  function copy(box, words, note) {
    return view.copyText(window, document, box).then(function (copied) {
      note.textContent = copied
        ? "Copied. Select \u201c" + words + "\u201d in your draft and paste (Ctrl+V or \u2318V) over it."
        : "The replacement is selected in the box: press Ctrl+C (\u2318C), then paste it over \u201c" + words +
          "\u201d in your draft.";
      note.hidden = false;
    });
  }

  function stopTicker() {
    if (state.ticker) {
      state.ticker(); // the stop function view.countdown returned
      state.ticker = null;
    }
  }

  function renderHold(hold) {
    stopTicker();
    var box = $("hold");
    box.hidden = !hold;
    if (!hold) {
      return Promise.resolve();
    }
    return editor.heldUntil().then(function (heldMs) {
      var until = new Date(core.holdUntil(hold, heldMs));
      if (!heldMs) {
        editor.rememberHold(until.toISOString());
      }
      showHold(until);
    });
  }

  /**
   * The countdown and what this Outlook can do about the hold (core.holdOption): schedule the
   * send where it stays editable in Drafts, else save the draft with a reminder, else just wait.
   */
  function showHold(until) {
    var option = editor.holdOption();
    var words = core.holdText(option, until.getTime(), Date.now());
    var button = $("schedule");
    $("hold").setAttribute("data-until", until.toISOString());
    $("hold").setAttribute("data-mode", option.mode);
    $("hold-until").textContent = "(until " + core.clockTime(until) + ")";
    $("hold-explain").textContent = words.explain;
    button.textContent = words.button;
    button.disabled = false;
    button.classList.remove("done");
    button.hidden = option.mode === "wait";
    button.onclick = function () { holdAction(option, until, words); };
    $("schedule-note").hidden = true;
    $("hold-explain").hidden = false;
    state.ticker = view.countdown(window, until.getTime(), function (left, done) {
      $("countdown").textContent = left;
      if (done) {
        $("hold-until").textContent = "\u2014 the wait is over: reread it once more, then send.";
        button.hidden = true;
        $("hold-explain").hidden = true;
      }
    });
  }

  function holdAction(option, until, words) {
    var button = $("schedule");
    button.disabled = true;
    var action = option.mode === "delay" ? editor.scheduleDelivery(until) : editor.saveAndRemind(until);
    return action
      .then(function () {
        button.textContent = option.mode === "delay" ? "Scheduled for " + core.clockTime(until) : "Draft saved";
        button.classList.add("done");
        var note = $("schedule-note");
        note.textContent = words.done;
        note.hidden = false;
      })
      .catch(function (err) {
        button.disabled = false;
        setStatus((option.mode === "delay" ? "Couldn't schedule the send: " : "Couldn't save the draft: ") +
          err.message, "error");
      });
  }

  Office.onReady(function (info) {
    if (info.host !== Office.HostType.Outlook) {
      setStatus("tonecheck runs inside Outlook.", "error");
      return;
    }
    $("recheck").addEventListener("click", check);
    $("draft").addEventListener("click", function (ev) {
      var mark = ev.target.closest && ev.target.closest("mark[data-finding]");
      if (mark) {
        focusFinding(Number(mark.getAttribute("data-finding").split(" ")[0]));
      }
    });
    var links = config().links || {};
    ["support", "privacy", "terms"].forEach(function (name) {
      if (links[name]) {
        $("link-" + name).href = links[name];
      }
    });
    check();
  });

  window.tonecheckPane = { state: state, check: check };
})();
