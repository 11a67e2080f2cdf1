/*
 * How Apply changes a draft, as pure functions (no DOM, no Office): the task pane's editor.js
 * calls them, and the Node tests run them on real-looking bodies.
 *
 * Writing a whole body back with body.setAsync is what damages real mail: even when the HTML is
 * byte-for-byte what body.getAsync returned, Outlook has dropped inline images of the quoted
 * thread (office-js #6808, web and Windows), corrupted image sources (#402, #5430, #1666, Mac) and
 * lost the quoted conversation (#5938, new Mac editor). So:
 *   - `planApply` rewrites the body only when it holds nothing such a write is known to break
 *     (no image of any kind, no quoted thread), and then changes only the bytes of the flagged
 *     words: everything outside them is the body exactly as read (`spliceHtml`, `spliceText`).
 *   - Otherwise it asks for the selection path: the writer selects the words in the draft and
 *     Outlook's own editor replaces just that selection (item.getSelectedDataAsync to check it,
 *     body.setSelectedDataAsync to replace it), or the writer copies the replacement and pastes.
 * ES5 with a UMD wrapper, like core.js.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./core.js"));
  } else {
    root.TonecheckApply = factory(root.TonecheckCore);
  }
})(typeof self !== "undefined" ? self : this, function (core) {
  "use strict";

  // Elements whose content is not text the writer sees.
  var RAW = { script: 1, style: 1, title: 1, textarea: 1, xml: 1, template: 1 };
  // Tags that break a line where they stand: a flagged span may run across them.
  var BREAKS = /^(br|p|div|li|tr|td|th|h[1-6]|blockquote|table|ul|ol|hr|pre|section|article|header|footer)$/;
  var ENTITIES = {
    amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'", nbsp: "\u00a0", rsquo: "\u2019", lsquo: "\u2018",
    rdquo: "\u201d", ldquo: "\u201c", hellip: "\u2026", mdash: "\u2014", ndash: "\u2013", copy: "\u00a9",
    reg: "\u00ae", trade: "\u2122", euro: "\u20ac", pound: "\u00a3", shy: "\u00ad", zwnj: "\u200c", zwj: "\u200d"
  };

  // A write of the whole body is known to break these (see the issues above).
  var HTML_RISKS = [
    ["images", /<img\b|<image\b|<picture\b|<svg\b|<object\b|<embed\b|<v:imagedata\b|<v:fill\b|\bbackground\s*=|url\s*\(|\bcid:/i],
    ["quoted thread", new RegExp([
      "gmail_quote", "divRplyFwdMsg", "appendonsend", "<blockquote\\b", "OLK_SRC_BODY_SECTION",
      "border-top:\\s*solid\\s*#E1E1E1", "moz-cite-prefix", "yahoo_quoted", "-{3,}\\s*Original Message\\s*-{3,}",
      "\\bFrom:(?:<[^>]*>|[^<]){0,400}?\\bSent:", "\\bOn\\b[^<>]{0,200}\\bwrote:"
    ].join("|"), "i")]
  ];
  var TEXT_RISKS = [
    ["quoted thread", /^[ \t]*>|-{3,}\s*Original Message\s*-{3,}|^From:.*\n(?:.*\n)?Sent:|\bOn\b.{0,200}\bwrote:/im]
  ];

  function decodeEntity(name) {
    if (name.charAt(0) === "#") {
      var code = name.charAt(1) === "x" || name.charAt(1) === "X"
        ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      if (!(code > 0 && code <= 0x10ffff)) {
        return null;
      }
      if (code > 0xffff) {
        code -= 0x10000;
        return String.fromCharCode(0xd800 + (code >> 10), 0xdc00 + (code & 0x3ff));
      }
      return String.fromCharCode(code);
    }
    return Object.prototype.hasOwnProperty.call(ENTITIES, name) ? ENTITIES[name] : null;
  }

  /** Index just past the `>` that closes the tag opening at `i`, skipping quoted attributes. */
  function tagEnd(html, i) {
    var quote = "";
    for (var j = i + 1; j < html.length; j++) {
      var c = html.charAt(j);
      if (quote) {
        if (c === quote) {
          quote = "";
        }
      } else if (c === "\"" || c === "'") {
        quote = c;
      } else if (c === ">") {
        return j + 1;
      }
    }
    return html.length;
  }

  /**
   * The text a reader sees in `html`, each UTF-16 unit with the source range it came from:
   * `starts[k]`..`ends[k]` in `html` (an entity spans several source characters; a line break
   * made by a tag spans none). Markup, comments, head, script and style give no text.
   */
  function htmlText(html) {
    var text = [];
    var starts = [];
    var ends = [];
    function push(chars, s, e) {
      for (var k = 0; k < chars.length; k++) {
        text.push(chars.charAt(k));
        starts.push(s);
        ends.push(e);
      }
    }
    var body = /<body[\s>]/i.exec(html);
    var i = body ? body.index : 0;
    while (i < html.length) {
      var c = html.charAt(i);
      if (html.substr(i, 4) === "<!--") {
        var close = html.indexOf("-->", i + 4);
        i = close < 0 ? html.length : close + 3;
      } else if (c === "<" && /[A-Za-z\/!?]/.test(html.charAt(i + 1))) {
        var end = tagEnd(html, i);
        var name = (/^<\/?([A-Za-z][^\s\/>]*)/.exec(html.slice(i, end)) || [])[1];
        name = name ? name.toLowerCase() : "";
        var closing = html.charAt(i + 1) === "/";
        if (BREAKS.test(name)) {
          push("\n", end, end);
        }
        if (!closing && RAW[name] && html.charAt(end - 2) !== "/") {
          var rest = html.slice(end).search(new RegExp("</" + name + "[\\s>]", "i"));
          end = rest < 0 ? html.length : end + rest;
        }
        i = end;
      } else if (c === "&") {
        var ref = /^&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);?/.exec(html.slice(i, i + 40));
        var decoded = ref && decodeEntity(ref[1]);
        if (decoded) {
          push(decoded, i, i + ref[0].length);
          i += ref[0].length;
        } else {
          push("&", i, i + 1);
          i += 1;
        }
      } else {
        push(c, i, i + 1);
        i += 1;
      }
    }
    return { text: text.join(""), starts: starts, ends: ends };
  }

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/\r?\n/g, "<br>");
  }

  /** Apply source edits [{start, end, insert}] (sorted, disjoint) to `source`. */
  function applyEdits(source, edits) {
    var out = [];
    var at = 0;
    edits.forEach(function (e) {
      out.push(source.slice(at, e.start), e.insert);
      at = e.end;
    });
    out.push(source.slice(at));
    return out.join("");
  }

  /**
   * `html` with the `n`th occurrence of `needle` (in the text a reader sees) replaced by
   * `replacement`, changing only the source characters of those words: tags inside the match stay
   * (emptied), and every byte before the first and after the last changed character is `html`'s
   * own. Returns {html, start, end} (the changed source range in the input) or null.
   */
  function spliceHtml(html, needle, n, replacement) {
    var seen = htmlText(html);
    var at = core.findNth(seen.text, needle, n);
    if (!at) {
      return null;
    }
    var ranges = [];
    for (var k = at.start; k < at.end; k++) {
      if (seen.starts[k] === seen.ends[k]) {
        continue; // a line break made by a tag: nothing to cut
      }
      var last = ranges[ranges.length - 1];
      if (last && last.end === seen.starts[k]) {
        last.end = seen.ends[k];
      } else if (!last || last.end < seen.starts[k]) {
        ranges.push({ start: seen.starts[k], end: seen.ends[k], insert: "" });
      }
    }
    if (!ranges.length) {
      return null;
    }
    ranges[0].insert = escapeHtml(replacement);
    return { html: applyEdits(html, ranges), start: ranges[0].start, end: ranges[ranges.length - 1].end };
  }

  /** The plain-text twin of spliceHtml: {text, start, end} or null. */
  function spliceText(text, needle, n, replacement) {
    var at = core.findNth(text, needle, n);
    if (!at) {
      return null;
    }
    return { text: text.slice(0, at.start) + replacement + text.slice(at.end), start: at.start, end: at.end };
  }

  /** Why writing this whole body back could damage it: [] or names such as "images". */
  function bodyRisks(body, isHtml) {
    return (isHtml ? HTML_RISKS : TEXT_RISKS)
      .filter(function (r) { return r[1].test(body); })
      .map(function (r) { return r[0]; });
  }

  /**
   * What Apply should do with this body:
   *   {mode: "rewrite", body, start, end}  safe to write back; only [start, end) differs
   *   {mode: "selection", risks}           replace only the writer's selection (or copy)
   *   {mode: "missing"}                     the words are gone: re-check
   */
  function planApply(body, isHtml, needle, n, replacement) {
    var risks = bodyRisks(body, isHtml);
    if (risks.length) {
      return { mode: "selection", risks: risks };
    }
    var edit = isHtml ? spliceHtml(body, needle, n, replacement) : spliceText(body, needle, n, replacement);
    if (!edit) {
      return { mode: "missing" };
    }
    return { mode: "rewrite", body: isHtml ? edit.html : edit.text, start: edit.start, end: edit.end };
  }

  function squash(text) {
    return String(text || "").replace(/\s+/g, " ").replace(/^ | $/g, "");
  }

  /** True when the writer's selection (from item.getSelectedDataAsync) is the flagged words. */
  function selectionMatches(selected, needle) {
    if (!selected || (selected.sourceProperty && selected.sourceProperty !== "body")) {
      return false;
    }
    var got = squash(selected.data);
    return got.length > 0 && got === squash(needle);
  }

  function riskWords(risks) {
    var words = (risks || []).map(function (r) { return r === "quoted thread" ? "a quoted thread" : r; });
    return words.length ? words.join(" and ") : "content";
  }

  /** The pane's sentence for a body Apply will not rewrite. */
  function selectionAdvice(risks, words) {
    var what = riskWords(risks);
    return "This draft has " + what + ", which Outlook can damage when an add-in rewrites a whole email, " +
      "so tonecheck changes only what you select. Select \u201c" + words + "\u201d in your draft, then click " +
      "Apply again, or click Copy and paste the replacement over those words.";
  }

  /** The pane's sentence where Outlook has no selection API (Mailbox 1.1) either. */
  function copyAdvice(risks, words) {
    var what = riskWords(risks);
    return "This draft has " + what + ", which Outlook can damage when an add-in rewrites a whole email, " +
      "and this version of Outlook cannot replace a selection: click Copy, then paste the replacement over \u201c" +
      words + "\u201d in your draft.";
  }

  return {
    copyAdvice: copyAdvice,
    htmlText: htmlText,
    spliceHtml: spliceHtml,
    spliceText: spliceText,
    bodyRisks: bodyRisks,
    planApply: planApply,
    selectionMatches: selectionMatches,
    selectionAdvice: selectionAdvice,
    escapeHtml: escapeHtml
  };
});
