/*
 * What a check result looks like, shared by the Outlook task pane (taskpane.html) and the try
 * page (try.html): the verdict's words, the draft with flagged passages highlighted, one card per
 * finding with its message, score, suggestions and an editable replacement, and the hold's
 * countdown. Every function takes the document (and window) it builds in, and uses only
 * createElement, createTextNode, appendChild, setAttribute and addEventListener, so the Node tests
 * run it on a small fake DOM. Email text only ever goes in as text nodes, never as HTML.
 * ES5 with a UMD wrapper, like core.js.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./core.js"));
  } else {
    root.TonecheckRender = factory(root.TonecheckCore);
  }
})(typeof self !== "undefined" ? self : this, function (core) {
  "use strict";

  var TITLES = { send: "Good to send", review: "Worth a second look", hold: "Hold this one" };

  function el(doc, tag, className, text) {
    var node = doc.createElement(tag);
    if (className) {
      node.setAttribute("class", className);
    }
    if (text !== undefined && text !== null) {
      node.appendChild(doc.createTextNode(String(text)));
    }
    return node;
  }

  function clear(node) {
    node.textContent = "";
  }

  function verdictTitle(verdict) {
    return TITLES[verdict] || verdict;
  }

  /** One line under the verdict title. */
  function verdictText(result) {
    var n = result.findings.length;
    if (result.verdict === "hold" && result.hold) {
      return result.hold.reason;
    }
    if (result.verdict === "review") {
      return n + " passage" + (n === 1 ? "" : "s") + " may land badly with the customer: " +
        core.summarize(result.findings, 3) + ".";
    }
    return "Nothing in the draft reads as told-you-so, blame, defensive or heated.";
  }

  /** "score 0.90": how likely a reviewer following the labelling guide would flag these words. */
  function scoreText(score) {
    return typeof score === "number" && isFinite(score) ? "score " + score.toFixed(2) : "";
  }

  /**
   * Fill `box` with `text`, flagged words in <mark class="hit CATEGORY"> (the whole sentence also
   * tinted: class "sentence"), each finding followed by a link to its card ("#finding-N").
   */
  function renderDraft(doc, box, text, findings) {
    clear(box);
    core.segments(text, findings).forEach(function (seg) {
      var node;
      if (seg.hits.length) {
        var first = findings[seg.hits[0]];
        node = el(doc, "mark", "hit " + first.category + (seg.sentence ? " sentence" : ""), seg.text);
        node.setAttribute("data-finding", seg.hits.join(" "));
        node.setAttribute("title", seg.hits.map(function (i) {
          return core.label(findings[i].category) + ": " + findings[i].message;
        }).join("\n"));
      } else {
        node = el(doc, "span", seg.sentence ? "sentence" : "", seg.text);
      }
      box.appendChild(node);
      seg.hits.forEach(function (i) {
        if (findings[i].end === seg.end) {
          var sup = el(doc, "sup", "ref");
          var link = el(doc, "a", "", String(i + 1));
          link.setAttribute("href", "#finding-" + i);
          link.setAttribute("aria-label", "finding " + (i + 1) + ", " + core.label(findings[i].category));
          sup.appendChild(link);
          box.appendChild(sup);
        }
      });
    });
  }

  /**
   * One finding as a list item. `words` are the flagged words as they appear in the draft.
   * opts: onApply(finding, words, replacement, button, note) and onCopy(box, words, note), each
   * optional (no handler, no button); applyLabel overrides "Apply".
   */
  function findingCard(doc, f, i, words, opts) {
    opts = opts || {};
    var card = el(doc, "li", "finding " + f.category);
    card.setAttribute("id", "finding-" + i);
    var head = el(doc, "div", "finding-head");
    head.appendChild(el(doc, "span", "num", String(i + 1)));
    head.appendChild(el(doc, "span", "chip", core.label(f.category)));
    head.appendChild(el(doc, "q", "words", words));
    var score = scoreText(f.score);
    if (score) {
      var badge = el(doc, "span", "score", score);
      badge.setAttribute("title", "How likely a careful reader would flag these words for " +
        core.label(f.category) + " (0 to 1)");
      head.appendChild(badge);
    }
    card.appendChild(head);
    card.appendChild(el(doc, "p", "message", f.message));

    var boxId = "replacement-" + i;
    var box = el(doc, "textarea", "replacement");
    box.setAttribute("id", boxId);
    box.setAttribute("rows", "2");
    box.value = core.firstReplacement(f.suggestions || [], words);

    var list = el(doc, "ul", "suggestions");
    (f.suggestions || []).forEach(function (s) {
      var li = el(doc, "li", "", s + " ");
      var offered = core.replacementFor(s);
      if (offered) {
        var use = el(doc, "button", "link", "use");
        use.setAttribute("type", "button");
        use.setAttribute("title", "Put \u201c" + offered + "\u201d in the box below");
        use.setAttribute("aria-label", "Use \u201c" + offered + "\u201d as the replacement");
        use.addEventListener("click", function () {
          box.value = offered;
          box.focus();
        });
        li.appendChild(use);
      }
      list.appendChild(li);
    });
    card.appendChild(list);

    var label = el(doc, "label", "replace-label", "Replace with (edit it to fit your email)");
    label.setAttribute("for", boxId);
    card.appendChild(label);
    card.appendChild(box);

    var note = el(doc, "p", "apply-note note");
    note.setAttribute("role", "status");
    note.hidden = true;
    var actions = el(doc, "div", "actions");
    if (opts.onApply) {
      var apply = el(doc, "button", "apply primary", opts.applyLabel || "Apply");
      apply.setAttribute("type", "button");
      apply.addEventListener("click", function () {
        opts.onApply(f, words, box.value, apply, note);
      });
      actions.appendChild(apply);
    }
    if (opts.onCopy) {
      var copy = el(doc, "button", "copy ghost", "Copy");
      copy.setAttribute("type", "button");
      copy.addEventListener("click", function () {
        opts.onCopy(box, words, note);
      });
      actions.appendChild(copy);
    }
    card.appendChild(actions);
    card.appendChild(note);
    return card;
  }

  /** Fill `list` with one card per finding; `text` is what the offsets point into. */
  function renderFindings(doc, list, findings, text, opts) {
    clear(list);
    findings.forEach(function (f, i) {
      list.appendChild(findingCard(doc, f, i, text.slice(f.start, f.end) || f.text, opts));
    });
  }

  /**
   * Tick `onTick("29:59", done)` every second until `untilMs`; returns a function that stops it.
   * `win` supplies setInterval, clearInterval and the clock (Date.now unless win.now).
   */
  function countdown(win, untilMs, onTick) {
    var now = win.now || function () { return Date.now(); };
    var timer = null;
    var stop = function () {
      if (timer !== null) {
        win.clearInterval(timer);
        timer = null;
      }
    };
    var tick = function () {
      var left = core.countdown(untilMs, now());
      var done = left === "0:00";
      if (done) {
        stop();
      }
      onTick(left, done);
    };
    timer = win.setInterval(tick, 1000);
    tick();
    return stop;
  }

  /**
   * Copy `box`'s text to the clipboard. Resolves true when copied; false when the browser would
   * not (an add-in frame may lack clipboard permission), in which case the text is left selected
   * in the box for Ctrl+C.
   */
  function copyText(win, doc, box) {
    var fallback = function () {
      box.focus();
      box.select();
      try {
        return Boolean(doc.execCommand && doc.execCommand("copy"));
      } catch (err) {
        return false;
      }
    };
    var clipboard = win.navigator && win.navigator.clipboard;
    if (clipboard && clipboard.writeText) {
      return clipboard.writeText(box.value).then(function () { return true; }, fallback);
    }
    return Promise.resolve(fallback());
  }

  return {
    TITLES: TITLES,
    copyText: copyText,
    verdictTitle: verdictTitle,
    verdictText: verdictText,
    scoreText: scoreText,
    renderDraft: renderDraft,
    findingCard: findingCard,
    renderFindings: renderFindings,
    countdown: countdown
  };
});
