/*
 * Plain functions behind the cards: wording, labels, the replacement a suggestion offers.
 * These mirror add-ins/outlook/src/core.js (Apps Script cannot load that file); a Node test
 * checks the two agree.
 */

var CATEGORY_LABELS_ = {
  told_you_so: 'told-you-so',
  blame: 'blame',
  defensive: 'defensive',
  heated: 'heated'
};

var VERDICT_TITLES_ = {
  send: 'Good to send',
  review: 'Worth a second look',
  hold: 'Hold this one'
};

/** Card text widgets read a little HTML; the writer's words must show as typed. */
function escapeHtml_(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function label_(category) {
  return CATEGORY_LABELS_[category] || category;
}

function truncate_(text, limit) {
  return text.length <= limit ? text : text.slice(0, limit - 1) + '\u2026';
}

/** "told-you-so (“As I said”), blame (“you failed to”)": what was found, in a few words. */
function summarize_(findings, maxItems) {
  var parts = findings.slice(0, maxItems).map(function (f) {
    return label_(f.category) + ' (\u201c' + truncate_(f.text, 40) + '\u201d)';
  });
  var more = findings.length - parts.length;
  return parts.join(', ') + (more > 0 ? ' and ' + more + ' more' : '');
}

/** A suggestion's drop-in words (quoted example or "To recap: …" lead-in), else null: advice. */
function replacementFor_(suggestion) {
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
function firstReplacement_(suggestions, words) {
  for (var i = 0; i < suggestions.length; i++) {
    var r = replacementFor_(suggestions[i]);
    if (r) {
      return r;
    }
  }
  return words;
}

/** One line under the verdict title. */
function verdictText_(result) {
  var n = result.findings.length;
  if (result.verdict === 'hold' && result.hold) {
    return escapeHtml_(result.hold.reason);
  }
  if (result.verdict === 'review') {
    return n + ' passage' + (n === 1 ? '' : 's') + ' may land badly with the customer: ' +
      escapeHtml_(summarize_(result.findings, 3)) + '.';
  }
  return 'Nothing in the text reads as told-you-so, blame, defensive or heated.';
}
