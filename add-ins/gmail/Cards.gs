/*
 * The compose card: a box for the text (Gmail does not give add-ons the draft), the verdict,
 * each finding with its suggestions, and an editable replacement to insert into the draft.
 */

var LIMITS_NOTICE_ =
  'Gmail gives add-ons neither your draft nor a way to hold a send. Paste or type the part you ' +
  'wrote below and check it. If tonecheck advises waiting, that is advice only: Gmail sends ' +
  'whenever you click Send.';

function button_(text, functionName, params, filled) {
  var action = CardService.newAction().setFunctionName(functionName);
  if (params) {
    action.setParameters(params);
  }
  var button = CardService.newTextButton().setText(text).setOnClickAction(action);
  if (filled) {
    button.setTextButtonStyle(CardService.TextButtonStyle.FILLED);
  }
  return button;
}

function draftSection_(text) {
  return CardService.newCardSection()
    .addWidget(CardService.newTextParagraph().setText(LIMITS_NOTICE_))
    .addWidget(CardService.newTextInput()
      .setFieldName('draft')
      .setTitle('Your text')
      .setMultiline(true)
      .setValue(text || ''))
    .addWidget(button_('Check tone', 'onCheck', null, true));
}

function clock_(iso, timeZone) {
  return Utilities.formatDate(new Date(iso), timeZone, 'HH:mm');
}

/** The script's own time zone (appsscript.json "timeZone"), the fallback when Gmail sends none. */
function scriptTimeZone_() {
  try {
    return Session.getScriptTimeZone() || 'Etc/UTC';
  } catch (err) {
    return 'Etc/UTC';
  }
}

/**
 * "Wait until" for a hold: in the writer's time zone when Gmail sent it; otherwise in the
 * script's time zone, named in the text, never a bare time in a zone the writer cannot see.
 */
function waitUntil_(hold, timeZone) {
  if (timeZone) {
    return { time: clock_(hold.until, timeZone), note: '' };
  }
  var zone = scriptTimeZone_();
  return {
    time: clock_(hold.until, zone) + ' (' + zone + ')',
    note: 'Gmail did not tell tonecheck your time zone, so this time is in ' + zone + ': ' +
      (hold.minutes || 30) + ' minutes after the check. '
  };
}

function verdictSection_(result, timeZone) {
  var section = CardService.newCardSection()
    .setHeader(VERDICT_TITLES_[result.verdict] || result.verdict)
    .addWidget(CardService.newTextParagraph().setText(verdictText_(result)));
  if (result.verdict === 'hold' && result.hold) {
    var wait = waitUntil_(result.hold, timeZone);
    section.addWidget(CardService.newDecoratedText()
      .setTopLabel('Wait until')
      .setText(escapeHtml_(wait.time))
      .setBottomLabel(escapeHtml_(wait.note) + 'Gmail cannot hold the send for you. To wait, use Schedule send ' +
        '(the arrow next to Send) and pick this time.')
      .setWrapText(true));
  }
  return section;
}

function findingSection_(finding, index) {
  var section = CardService.newCardSection()
    .setHeader((index + 1) + ' \u00b7 ' + label_(finding.category))
    .addWidget(CardService.newDecoratedText()
      .setText('\u201c' + escapeHtml_(finding.text) + '\u201d')
      .setBottomLabel(escapeHtml_(finding.message))
      .setWrapText(true));
  finding.suggestions.forEach(function (s) {
    section.addWidget(CardService.newTextParagraph().setText('\u2022 ' + escapeHtml_(s)));
  });
  var replacement = firstReplacement_(finding.suggestions, finding.text);
  return section
    .addWidget(CardService.newTextInput()
      .setFieldName('rewrite_' + index)
      .setTitle('Replacement (edit it first)')
      .setMultiline(true)
      .setValue(replacement)
      .setHint('Select the flagged words in your draft, then Insert replaces them.'))
    .addWidget(button_('Insert into draft', 'onInsert', { index: String(index) }, false));
}

/** The whole card; `result` and `error` are optional. */
function composeCard_(text, result, error, timeZone) {
  var card = CardService.newCardBuilder()
    .setHeader(CardService.newCardHeader().setTitle('tonecheck').setSubtitle('Tone check before you send'));
  if (error) {
    card.addSection(CardService.newCardSection()
      .addWidget(CardService.newTextParagraph().setText(escapeHtml_(error))));
  }
  if (result) {
    card.addSection(verdictSection_(result, timeZone));
    result.findings.forEach(function (f, i) {
      card.addSection(findingSection_(f, i));
    });
  }
  card.addSection(draftSection_(text));
  return card.build();
}
