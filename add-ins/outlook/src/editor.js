/*
 * The task pane's access to the draft through Office.js: read it, replace one flagged span in
 * it, schedule delivery. Browser-only (uses DOMParser); the text logic lives in core.js.
 */
/* global Office, TonecheckCore */
(function (root) {
  "use strict";

  function call(fn) {
    return new Promise(function (resolve, reject) {
      fn(function (result) {
        if (result.status === Office.AsyncResultStatus.Succeeded) {
          resolve(result.value);
        } else {
          reject(new Error((result.error && result.error.message) || "Outlook refused the request"));
        }
      });
    });
  }

  function item() {
    return Office.context.mailbox.item;
  }

  /** The writer's new words as plain text (HostConfig drops quoted history where it can). */
  function readDraft() {
    var modes = Office.MailboxEnums && Office.MailboxEnums.BodyMode;
    var options = modes ? { bodyMode: modes.HostConfig } : {};
    return call(function (cb) {
      item().body.getAsync(Office.CoercionType.Text, options, cb);
    });
  }

  /** Text nodes under `node` in document order, skipping script and style. */
  function textNodes(doc) {
    var walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT, {
      acceptNode: function (n) {
        var tag = n.parentNode && n.parentNode.nodeName;
        return tag === "SCRIPT" || tag === "STYLE" ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      }
    });
    var nodes = [];
    while (walker.nextNode()) {
      nodes.push(walker.currentNode);
    }
    return nodes;
  }

  /**
   * `html` with the `n`th occurrence of `needle` replaced in its text, keeping the markup (and the
   * quoted thread) around it. A match may cross tags: its first text node takes the replacement,
   * the rest of the match is cut from the following nodes. Returns null when it is gone.
   */
  function replaceInHtml(html, needle, n, replacement) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var nodes = textNodes(doc);
    var flat = nodes.map(function (t) { return t.data; }).join("");
    var at = TonecheckCore.findNth(flat, needle, n);
    if (!at) {
      return null;
    }
    var pos = 0;
    var placed = false;
    nodes.forEach(function (node) {
      var from = pos;
      var to = pos + node.data.length;
      pos = to;
      if (to <= at.start || from >= at.end) {
        return;
      }
      var cutStart = Math.max(at.start, from) - from;
      var cutEnd = Math.min(at.end, to) - from;
      node.data = node.data.slice(0, cutStart) + (placed ? "" : replacement) + node.data.slice(cutEnd);
      placed = true;
    });
    return /<html[\s>]/i.test(html) ? doc.documentElement.outerHTML : doc.body.innerHTML;
  }

  /**
   * Replace one finding's words in the body. `n` says which occurrence of the words was flagged
   * (counted in the checked text); the thread below the new text does not shift the count.
   */
  function replaceSpan(needle, n, replacement) {
    var body = item().body;
    return call(function (cb) { body.getTypeAsync(cb); }).then(function (type) {
      var coercion = type === Office.CoercionType.Html ? Office.CoercionType.Html : Office.CoercionType.Text;
      return call(function (cb) { body.getAsync(coercion, cb); }).then(function (current) {
        var changed = coercion === Office.CoercionType.Html
          ? replaceInHtml(current, needle, n, replacement)
          : TonecheckCore.replaceNth(current, needle, n, replacement);
        if (changed === null) {
          throw new Error("those words are no longer in the draft; re-check it");
        }
        return call(function (cb) { body.setAsync(changed, { coercionType: coercion }, cb); });
      });
    });
  }

  /** Schedule delivery (Mailbox 1.13): Outlook holds the message until `date` once it is sent. */
  function scheduleDelivery(date) {
    if (!item().delayDeliveryTime) {
      return Promise.reject(new Error("this version of Outlook cannot schedule a send from an add-in"));
    }
    return call(function (cb) { item().delayDeliveryTime.setAsync(date, cb); });
  }

  /** When this draft's hold ends, as first shown (by the pane or the send check); 0 if never. */
  function heldUntil() {
    if (!item().sessionData) {
      return Promise.resolve(0);
    }
    return call(function (cb) { item().sessionData.getAsync(TonecheckCore.HELD_UNTIL_KEY, cb); }).then(
      function (value) { return TonecheckCore.parseTime(value); },
      function () { return 0; }
    );
  }

  /** Start this draft's hold clock; later checks and the send check keep to it. */
  function rememberHold(untilIso) {
    if (!item().sessionData) {
      return Promise.resolve();
    }
    return call(function (cb) { item().sessionData.setAsync(TonecheckCore.HELD_UNTIL_KEY, untilIso, cb); })
      .catch(function () {});
  }

  root.TonecheckEditor = {
    heldUntil: heldUntil,
    rememberHold: rememberHold,
    readDraft: readDraft,
    replaceInHtml: replaceInHtml,
    replaceSpan: replaceSpan,
    scheduleDelivery: scheduleDelivery
  };
})(window);
