// Logic.gs repeats a few functions of core.js (Apps Script cannot load core.js): keep them equal,
// using every suggestion the shipped rules actually make.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const core = require("../outlook/src/core.js");
const { loadGmail, ROOT } = require("./helpers.js");

const gs = loadGmail({});

/** Double-quoted list items under each `suggestions:` key of rules/*.yaml. */
function ruleSuggestions() {
  const dir = path.join(ROOT, "..", "rules");
  const found = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
    let inList = false;
    for (const line of fs.readFileSync(path.join(dir, file), "utf8").split("\n")) {
      if (/^\s+suggestions:\s*$/.test(line)) {
        inList = true;
        continue;
      }
      const item = inList && /^\s+- (".*")\s*$/.exec(line);
      if (item) found.push(JSON.parse(item[1]));
      else inList = false;
    }
  }
  return found;
}

const SUGGESTIONS = ruleSuggestions();

test("parity_rules_have_suggestions_to_compare", () => {
  assert.ok(SUGGESTIONS.length >= 20, `found only ${SUGGESTIONS.length}`);
});

test("parity_replacement_for_agrees_on_every_rule_suggestion", () => {
  for (const s of SUGGESTIONS) {
    const ours = core.replacementFor(s);
    assert.equal(gs.replacementFor_(s), ours, s);
    assert.ok(ours === null || ours.trim().length > 0, s);
  }
});

test("parity_summaries_and_labels_agree", () => {
  const findings = ["told_you_so", "blame", "defensive", "heated", "blame"].map((category, i) => ({
    category, text: `words ${i} `.repeat(i * 5),
  }));
  for (const n of [1, 3, 5]) assert.equal(gs.summarize_(findings, n), core.summarize(findings, n));
  for (const c of Object.keys(core.CATEGORY_LABELS)) assert.equal(gs.label_(c), core.label(c));
  const lists = [[], ["Advice."], ["Advice.", "To recap: \u2026"], SUGGESTIONS];
  for (const list of lists) assert.equal(gs.firstReplacement_(list, "w"), core.firstReplacement(list, "w"));
});
