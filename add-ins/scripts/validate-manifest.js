#!/usr/bin/env node
/*
 * Validate a built Outlook XML manifest offline (no Microsoft service, no network):
 *   node add-ins/scripts/validate-manifest.js add-ins/dist/outlook/manifest.xml
 * 1. Office's own manifest parser reads it: office-addin-manifest-converter carries the parser
 *    Office uses (OSF.Manifest.OfficeAppManifest) and converts the XML to the unified JSON manifest.
 *    A manifest it cannot read fails here, with the parser's messages.
 * 2. The converted manifest is checked against the JSON schema it declares, the copy bundled in
 *    @microsoft/app-manifest, with Ajv (draft-04, formats). The converter targets v1.17 unless told
 *    otherwise, and before v1.28 the unified schema allowed only three ribbon icon sizes, where the
 *    XML manifest takes eight (16-80 px, for high DPI); so we convert for v1.30, the newest
 *    released schema bundled.
 * `office-addin-manifest validate` does more but sends the manifest to an online Microsoft
 * service; this runs in CI and on machines without internet. Dev dependencies only
 * (`npm ci --prefix add-ins`): the build itself still needs nothing but Node.
 */
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const SCHEMA_VERSION = "1.30";
const SCHEMA_URL = `https://developer.microsoft.com/json-schemas/teams/v${SCHEMA_VERSION}/MicrosoftTeams.schema.json`;
const SCHEMA_FILE = `@microsoft/app-manifest/build/json-schemas/teams/v${SCHEMA_VERSION}/MicrosoftTeams.schema.json`;

let compiled = null;

/** Ajv for the bundled v1.17 schema (draft-04, as the schema itself declares). */
function schemaValidator() {
  if (!compiled) {
    const Ajv = require("ajv-draft-04");
    const addFormats = require("ajv-formats");
    const schema = JSON.parse(fs.readFileSync(require.resolve(SCHEMA_FILE), "utf8"));
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    compiled = ajv.compile(schema);
  }
  return compiled;
}

/** Run `fn` with console output captured (the converter and xmldom report problems there). */
async function captured(fn) {
  const lines = [];
  const saved = { log: console.log, warn: console.warn, error: console.error };
  console.log = (...a) => lines.push(a.join(" "));
  console.warn = (...a) => lines.push(a.join(" "));
  console.error = (...a) => lines.push(a.join(" "));
  try {
    await fn();
  } finally {
    Object.assign(console, saved);
  }
  return lines;
}

/**
 * Convert and validate one XML manifest. Resolves with {ok, problems[], json}: `problems` holds
 * the parser's errors and warnings and every schema error ("/path message"); `json` is the
 * converted manifest (null when Office's parser could not read the XML).
 */
async function validateManifest(xmlFile) {
  const { convert } = require("office-addin-manifest-converter/lib/main.js");
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "tonecheck-manifest-"));
  const problems = [];
  let json = null;
  try {
    let failure = null;
    const lines = await captured(async () => {
      try {
        // No image download: nothing leaves this machine.
        await convert(xmlFile, out, false, SCHEMA_URL, SCHEMA_VERSION, false);
      } catch (err) {
        failure = err;
      }
    });
    for (const line of lines) {
      if (/error|warning/i.test(line)) problems.push(`parser: ${line.trim()}`);
    }
    if (failure) {
      problems.push(`parser: Office's manifest parser could not read it: ${String(failure.message || failure).split("\n")[0]}`);
    }
    const file = path.join(out, "manifest.json");
    if (!failure && fs.existsSync(file)) {
      json = JSON.parse(fs.readFileSync(file, "utf8"));
      if (json.$schema !== SCHEMA_URL) {
        problems.push(`schema: the converter declared ${json.$schema}, not the bundled ${SCHEMA_URL}`);
      }
      const validate = schemaValidator();
      if (!validate(json)) {
        for (const e of validate.errors) problems.push(`schema: ${e.instancePath || "/"} ${e.message}`);
      }
    } else if (!failure) {
      problems.push("parser: no manifest.json came out of the conversion");
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
  return { ok: problems.length === 0, problems, json };
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error("usage: node add-ins/scripts/validate-manifest.js path/to/manifest.xml");
    process.exit(2);
  }
  validateManifest(file).then((result) => {
    if (result.ok) {
      console.log(`${file}: valid (Office's parser read it; the converted manifest matches the v${SCHEMA_VERSION} schema)`);
      return;
    }
    for (const p of result.problems) console.error(`${file}: ${p}`);
    process.exit(1);
  }, (err) => {
    console.error(`${file}: ${err.message}`);
    process.exit(2);
  });
}

module.exports = { validateManifest, SCHEMA_URL, SCHEMA_VERSION };
