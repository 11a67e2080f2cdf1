/*
 * Smart Alerts send-time check (OnMessageSend). Runs in the classic Windows JavaScript-only
 * runtime as well as in browser runtimes: no DOM, no imports, Office.onReady never fires there,
 * and fetch needs an absolute URL. Expects TONECHECK_CONFIG (config.js) and TonecheckCore
 * (core.js) to be loaded first; the build concatenates all three into launchevent.bundle.js.
 */
/* global Office, TONECHECK_CONFIG, TonecheckCore */
(function (root) {
  "use strict";

  // The id of the task pane button in manifest.xml: the Smart Alerts dialog offers it.
  var PANE_COMMAND_ID = "tonecheckOpenPane";
  // A last resort if an Office call never calls back: Outlook says "taking longer" at 5 s.
  var DEADLINE_MS = 4500;

  /** Wrap `event.completed` so that exactly one call reaches Outlook whatever else goes wrong. */
  function completeOnce(event) {
    var done = false;
    return function (options) {
      if (done) {
        return;
      }
      done = true;
      event.completed(options);
    };
  }

  function asyncValue(call) {
    return new Promise(function (resolve, reject) {
      call(function (result) {
        if (result.status === Office.AsyncResultStatus.Succeeded) {
          resolve(result.value);
        } else {
          reject(result.error || new Error("Office call failed"));
        }
      });
    });
  }

  /** The writer's new text; HostConfig leaves out quoted history where the client can. */
  function readDraft(item) {
    var modes = Office.MailboxEnums && Office.MailboxEnums.BodyMode;
    // Without BodyMode (older clients) the whole thread comes back; the service strips quotes.
    var options = modes ? { bodyMode: modes.HostConfig } : {};
    return asyncValue(function (cb) {
      item.body.getAsync(Office.CoercionType.Text, options, cb);
    });
  }

  /** Epoch ms of a scheduled delivery, or 0 (unscheduled, or a client before Mailbox 1.13). */
  function scheduledDelivery(item) {
    if (!item.delayDeliveryTime || !item.delayDeliveryTime.getAsync) {
      return Promise.resolve(0);
    }
    return asyncValue(function (cb) {
      item.delayDeliveryTime.getAsync(cb);
    }).then(
      function (value) {
        return value ? new Date(value).getTime() : 0;
      },
      function () {
        return 0;
      }
    );
  }

  /** A value this draft's session data holds under `key`, or "" (never set, or no sessionData). */
  function sessionValue(item, key) {
    if (!item.sessionData) {
      return Promise.resolve("");
    }
    return asyncValue(function (cb) {
      item.sessionData.getAsync(key, cb);
    }).then(
      function (value) {
        return value || "";
      },
      function () {
        return ""; // not set yet (getAsync fails for a missing key)
      }
    );
  }

  function remember(item, key, value) {
    if (!item.sessionData) {
      return Promise.resolve();
    }
    return asyncValue(function (cb) {
      item.sessionData.setAsync(key, value, cb);
    }).then(null, function () {});
  }

  function promptUserMode() {
    var modes = Office.MailboxEnums && Office.MailboxEnums.SendModeOverride;
    return (modes && modes.PromptUser) || "promptUser";
  }

  /** Mailbox 1.14 brings sendModeOverride: only then can a stopped send offer "Send anyway". */
  function canPrompt() {
    try {
      return Office.context.requirements.isSetSupported("Mailbox", "1.14");
    } catch (err) {
      return false;
    }
  }

  /** Check the draft and decide; resolves with the `event.completed` options. */
  function decide(item, config, env) {
    var base = TonecheckCore.serviceBase(config, env.origin);
    if (!base) {
      // Never block mail on a misconfigured build: tone is advice.
      return Promise.resolve({ allowEvent: true });
    }
    return readDraft(item).then(function (text) {
      if (!text || !text.trim()) {
        return { allowEvent: true };
      }
      var check = TonecheckCore.callCheck(env, base, text, config.apiKey, TonecheckCore.SEND_TIMEOUT_MS);
      return Promise.all([
        check,
        scheduledDelivery(item),
        sessionValue(item, TonecheckCore.HELD_UNTIL_KEY),
        sessionValue(item, TonecheckCore.HOLD_WARNED_KEY)
      ]).then(function (all) {
        var result = all[0];
        var heldUntilMs = TonecheckCore.parseTime(all[2]);
        var decision = TonecheckCore.sendDecision(result, {
          commandId: PANE_COMMAND_ID,
          promptUser: promptUserMode(),
          canPrompt: canPrompt(),
          scheduledMs: all[1],
          heldUntilMs: heldUntilMs,
          holdWarned: Boolean(all[3]),
          canRemember: Boolean(item.sessionData),
          nowMs: new Date().getTime()
        });
        if (decision.allowEvent || result.verdict !== "hold") {
          return decision;
        }
        // The first stop of a held draft: keep its clock, and let the next Send through.
        var writes = [remember(item, TonecheckCore.HOLD_WARNED_KEY, new Date().toISOString())];
        if (!heldUntilMs) {
          var untilIso = new Date(TonecheckCore.parseTime(result.hold.until)).toISOString();
          writes.push(remember(item, TonecheckCore.HELD_UNTIL_KEY, untilIso));
        }
        return Promise.all(writes).then(function () {
          return decision;
        });
      });
    });
  }

  /** The OnMessageSend handler named in the manifest. */
  function onMessageSendHandler(event) {
    var complete = completeOnce(event);
    var env = {
      fetch: root.fetch ? root.fetch.bind(root) : null,
      AbortController: root.AbortController,
      setTimeout: root.setTimeout.bind(root),
      clearTimeout: root.clearTimeout.bind(root),
      // Browser runtimes can fall back to the page's origin; the classic runtime has none.
      origin: root.location && root.location.origin !== "null" ? root.location.origin : null
    };
    var deadline = env.setTimeout(function () {
      complete({ allowEvent: true });
    }, DEADLINE_MS);
    var finish = function (options) {
      env.clearTimeout(deadline);
      complete(options);
    };
    try {
      decide(Office.context.mailbox.item, root.TONECHECK_CONFIG || {}, env).then(finish, function (err) {
        // Unreachable, slow, erroring or unreadable: let the mail go (fail open).
        if (root.console) {
          root.console.warn("tonecheck: send check skipped: " + (err && err.message));
        }
        finish({ allowEvent: true });
      });
    } catch (err) {
      finish({ allowEvent: true });
    }
  }

  root.onMessageSendHandler = onMessageSendHandler;
  if (typeof Office !== "undefined" && Office.actions && Office.actions.associate) {
    Office.actions.associate("onMessageSendHandler", onMessageSendHandler);
  }
})(typeof self !== "undefined" ? self : this);
