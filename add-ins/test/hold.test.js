// The task pane's hold on each Outlook (editor.js against the Office mock): schedule only where
// the scheduled message stays editable in Drafts; otherwise save the draft with a reminder.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { officeMock, loadEditor } = require("./helpers.js");

const UNTIL = new Date("2030-01-01T10:30:00Z");

function editorFor(options) {
  const mock = officeMock(options);
  return { ...mock, editor: loadEditor({ Office: mock.Office }).TonecheckEditor };
}

for (const [name, options, mode] of [
  ["outlook_on_the_web", { host: "OutlookWebApp", platform: "OfficeOnline" }, "delay"],
  ["new_outlook_on_windows", { host: "newOutlookWindows", platform: "OfficeOnline" }, "delay"],
  ["outlook_on_mac", { host: "Outlook", platform: "Mac" }, "delay"],
  ["classic_outlook_on_windows", { host: "Outlook", platform: "PC" }, "save"],
  ["mailbox_1_12_without_delay_delivery", { host: "OutlookWebApp", platform: "OfficeOnline", delayApi: false }, "save"],
  ["mailbox_1_1_without_save", { host: "Outlook", platform: "PC", delayApi: false, saveApi: false }, "wait"],
]) {
  test(`hold_option_on_${name}_is_${mode}`, () => {
    const { editor } = editorFor(options);
    assert.equal(editor.holdOption().mode, mode);
  });
}

test("hold_delay_schedules_delivery_where_it_stays_editable", async () => {
  const { editor, log } = editorFor({ host: "OutlookWebApp", platform: "OfficeOnline" });
  await editor.scheduleDelivery(UNTIL);
  assert.deepEqual(log.delaySet.map((d) => d.toISOString()), [UNTIL.toISOString()]);
  assert.equal(log.saved, 0);
});

test("hold_save_on_classic_windows_saves_the_draft_with_a_reminder_and_schedules_nothing", async () => {
  const { editor, log, Office } = editorFor({ host: "Outlook", platform: "PC" });
  assert.equal(editor.holdOption().mode, "save");
  await editor.saveAndRemind(UNTIL);
  assert.equal(log.saved, 1);
  assert.deepEqual(log.delaySet, [], "classic Outlook cannot undo a scheduled send: none is set");
  const note = log.notifications.tonecheckHold;
  assert.equal(note.type, "informationalMessage");
  assert.equal(note.icon, "Icon.16", "a resid the manifest defines");
  const at = new Date(UNTIL).getHours().toString().padStart(2, "0") + ":" +
    new Date(UNTIL).getMinutes().toString().padStart(2, "0");
  assert.equal(note.message, `tonecheck: reread this draft after ${at}, then send it.`);
  assert.ok(note.message.length <= 150, "Outlook's limit for notification text");
  assert.ok(Office.context.mailbox.item.saveAsync);
});

test("hold_save_without_notifications_still_saves", async () => {
  const { editor, log, Office } = editorFor({ host: "Outlook", platform: "PC" });
  delete Office.context.mailbox.item.notificationMessages;
  await editor.saveAndRemind(UNTIL);
  assert.equal(log.saved, 1);
});
