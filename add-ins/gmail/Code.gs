/*
 * Entry points named in appsscript.json and in card actions. Everything else ends in "_",
 * which keeps it private to the script.
 */

/** A form field's value from the event (commonEventObject, with the legacy formInput as fallback). */
function input_(e, name) {
  var inputs = e.commonEventObject && e.commonEventObject.formInputs;
  if (inputs && inputs[name] && inputs[name].stringInputs) {
    return inputs[name].stringInputs.value[0] || '';
  }
  return (e.formInput && e.formInput[name]) || '';
}

/**
 * The writer's time zone id, which Gmail sends only with useLocaleFromApp and the script.locale
 * scope (appsscript.json); null when it is missing, so the card can say which zone it used.
 */
function timeZone_(e) {
  return (e && e.commonEventObject && e.commonEventObject.timeZone && e.commonEventObject.timeZone.id) || null;
}

function notify_(text) {
  return CardService.newActionResponseBuilder()
    .setNotification(CardService.newNotification().setText(text))
    .build();
}

/** Compose trigger: an empty card to paste into. */
function onGmailCompose(e) {
  return [composeCard_('', null, null, timeZone_(e))];
}

/** "Check tone": call the service and redraw the card with the result (or the error). */
function onCheck(e) {
  var text = input_(e, 'draft');
  if (!text.trim()) {
    return notify_('Paste or type the text you wrote first.');
  }
  var card;
  try {
    card = composeCard_(text, checkText_(text), null, timeZone_(e));
  } catch (err) {
    card = composeCard_(text, null, err.message, timeZone_(e));
  }
  return CardService.newActionResponseBuilder()
    .setNavigation(CardService.newNavigation().updateCard(card))
    .build();
}

/** "Insert into draft": put the (edited) replacement where the writer's selection or cursor is. */
function onInsert(e) {
  var params = (e.commonEventObject && e.commonEventObject.parameters) || e.parameters || {};
  var text = input_(e, 'rewrite_' + params.index);
  if (!text.trim()) {
    return notify_('The replacement is empty.');
  }
  return CardService.newUpdateDraftActionResponseBuilder()
    .setUpdateDraftBodyAction(CardService.newUpdateDraftBodyAction()
      .addUpdateContent(text, CardService.ContentType.TEXT)
      .setUpdateType(CardService.UpdateDraftBodyType.IN_PLACE_INSERT))
    .build();
}
