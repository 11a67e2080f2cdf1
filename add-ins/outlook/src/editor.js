/*
 * The task pane's access to the draft through Office.js: read it, replace one flagged span in
 * it, schedule delivery. The decisions are pure functions in apply.js and core.js; this file only
 * talks to Outlook (no DOM), so the Node tests run it against a mocked Office.
 */
/* global Office, TonecheckCore, TonecheckApply */
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

  function fail(message, code, extra) {
    var err = new Error(message);
    err.code = code;
    if (extra) {
      Object.keys(extra).forEach(function (k) { err[k] = extra[k]; });
    }
    return err;
  }

  /**
   * Replace the writer's selection, after checking it is the flagged words. Outlook's editor
   * changes only the selection, so images and the quoted thread are never written back.
   */
  function replaceSelection(needle, replacement, risks) {
    var it = item();
    if (!it.getSelectedDataAsync || !it.body.setSelectedDataAsync) {
      // Mailbox 1.1: no selection API. The pane offers Copy instead.
      return Promise.reject(fail(TonecheckApply.copyAdvice(risks, needle), "copy", { risks: risks }));
    }
    return call(function (cb) { it.getSelectedDataAsync(Office.CoercionType.Text, cb); }).then(function (selected) {
      if (!TonecheckApply.selectionMatches(selected, needle)) {
        throw fail(TonecheckApply.selectionAdvice(risks, needle), "select", { risks: risks });
      }
      return call(function (cb) {
        it.body.setSelectedDataAsync(replacement, { coercionType: Office.CoercionType.Text }, cb);
      });
    }).then(function () {
      return { how: "selection" };
    });
  }

  /**
   * Put `replacement` in place of one finding's words. `n` says which occurrence was flagged
   * (counted in the checked text; the thread below the new text does not shift the count).
   * A body with no images and no quoted thread is written back with only those words changed
   * (resolves {how: "rewrite"}); any other body is never written back: the writer's selection is
   * replaced instead ({how: "selection"}), or the promise rejects with err.code "select" (select
   * the words first), "copy" (no selection API) or "missing" (the words are gone).
   */
  function applyReplacement(needle, n, replacement) {
    var body = item().body;
    return call(function (cb) { body.getTypeAsync(cb); }).then(function (type) {
      var isHtml = type === Office.CoercionType.Html;
      var coercion = isHtml ? Office.CoercionType.Html : Office.CoercionType.Text;
      return call(function (cb) { body.getAsync(coercion, cb); }).then(function (current) {
        var plan = TonecheckApply.planApply(current || "", isHtml, needle, n, replacement);
        if (plan.mode === "missing") {
          throw fail("those words are no longer in the draft; re-check it", "missing");
        }
        if (plan.mode === "selection") {
          return replaceSelection(needle, replacement, plan.risks);
        }
        return call(function (cb) { body.setAsync(plan.body, { coercionType: coercion }, cb); }).then(function () {
          return { how: "rewrite" };
        });
      });
    });
  }

  /** How this Outlook can hold a draft: core.holdOption for this host and its APIs. */
  function holdOption() {
    var mailbox = Office.context.mailbox;
    var diagnostics = Office.context.diagnostics || {};
    return TonecheckCore.holdOption({
      hostName: mailbox.diagnostics && mailbox.diagnostics.hostName,
      platform: diagnostics.platform || Office.context.platform,
      canDelay: Boolean(item().delayDeliveryTime),
      canSave: Boolean(item().saveAsync)
    });
  }

  /**
   * Where a scheduled send cannot be undone: save the draft (Mailbox 1.3) and put a reminder on it
   * (an informational notification in the message's info bar, where the client has them).
   */
  function saveAndRemind(until) {
    var it = item();
    return call(function (cb) { it.saveAsync(cb); }).then(function () {
      if (!it.notificationMessages) {
        return null;
      }
      var note = {
        type: Office.MailboxEnums.ItemNotificationMessageType.InformationalMessage,
        message: "tonecheck: reread this draft after " + TonecheckCore.clockTime(until) + ", then send it.",
        icon: "Icon.16",
        persistent: false
      };
      // The reminder is a courtesy: the draft is saved either way.
      return call(function (cb) { it.notificationMessages.replaceAsync("tonecheckHold", note, cb); })
        .then(null, function () { return null; });
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
    holdOption: holdOption,
    saveAndRemind: saveAndRemind,
    rememberHold: rememberHold,
    readDraft: readDraft,
    applyReplacement: applyReplacement,
    replaceSelection: replaceSelection,
    scheduleDelivery: scheduleDelivery
  };
})(typeof self !== "undefined" ? self : this);
