#!/usr/bin/env node
/*
 * Build deployable add-ins with the service URL written in:
 *   node add-ins/build.js --url https://tonecheck.example.com [--addin-url URL] [--api-key KEY]
 *                         [--id GUID] [--version 1.0.0.0] [--out add-ins/dist]
 * -> OUT/outlook/  the files to host (config.js, launchevent.bundle.js, ...) and manifest.xml
 * -> OUT/gmail/    the Apps Script project with urlFetchWhitelist set (for `clasp push`)
 * No dependencies: a deploy machine needs only Node.
 */
"use strict";

const fs = require("node:fs");
const path = require("node:path");

const HERE = __dirname;
const DEFAULT_ID = "2a6e5749-4607-4f2d-bdbd-df1f842a9ba6";
// The classic Windows runtime loads exactly one file, so config + core + handler go in one.
const BUNDLE_PARTS = ["config.js", "core.js", "launchevent.js"];
const GMAIL_FILES = ["appsscript.json", "Api.gs", "Cards.gs", "Code.gs", "Logic.gs"];

function usage(message) {
  const err = new Error(`${message}\nusage: node add-ins/build.js --url https://tonecheck.example.com ` +
    "[--addin-url URL] [--api-key KEY] [--id GUID] [--version 1.0.0.0] [--out DIR]");
  err.usage = true;
  return err;
}

/** `--name value` pairs into an object; unknown names are an error, not a silent typo. */
function parseArgs(argv) {
  const known = new Set(["url", "addin-url", "api-key", "id", "version", "out"]);
  const opts = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, "");
    if (!argv[i].startsWith("--") || !known.has(name) || argv[i + 1] === undefined) {
      throw usage(`unexpected argument: ${argv[i]}`);
    }
    opts[name] = argv[i + 1];
  }
  return opts;
}

/** A normalised base URL; Office requires HTTPS, loopback HTTP is allowed for local tests. */
function checkUrl(raw, what) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw usage(`${what} is not a URL: ${raw}`);
  }
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw usage(`${what} must use https (Outlook and Apps Script refuse plain http): ${raw}`);
  }
  return url.href.replace(/\/+$/, "");
}

function xmlEscape(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function configJs(serviceUrl, apiKey) {
  return "// Written by add-ins/build.js. Anyone who can load the add-in can read this file.\n" +
    `var TONECHECK_CONFIG = ${JSON.stringify({ serviceUrl, apiKey })};\n`;
}

function manifest(vars) {
  const template = fs.readFileSync(path.join(HERE, "outlook", "manifest.template.xml"), "utf8");
  const out = template.replace(/\{\{([A-Z_]+)\}\}/g, (m, key) => {
    if (!(key in vars)) {
      throw new Error(`manifest.template.xml uses {{${key}}}, which the build does not know`);
    }
    return xmlEscape(vars[key]);
  });
  return out.replace(/^<!-- add-ins\/build.js fills.*-->\n/m, "");
}

function buildOutlook(opts, dest) {
  fs.rmSync(dest, { recursive: true, force: true });
  fs.cpSync(path.join(HERE, "outlook", "src"), dest, { recursive: true });
  fs.writeFileSync(path.join(dest, "config.js"), configJs(opts.url, opts.apiKey));
  const bundle = BUNDLE_PARTS.map((f) => `/* ---- ${f} ---- */\n` + fs.readFileSync(path.join(dest, f), "utf8"));
  fs.writeFileSync(path.join(dest, "launchevent.bundle.js"), bundle.join("\n"));
  fs.writeFileSync(path.join(dest, "manifest.xml"), manifest({
    APP_ID: opts.id,
    VERSION: opts.version,
    ADDIN_URL: opts.addinUrl,
    SERVICE_ORIGIN: new URL(opts.url).origin
  }));
}

function buildGmail(opts, dest) {
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(dest, { recursive: true });
  for (const f of GMAIL_FILES) {
    fs.copyFileSync(path.join(HERE, "gmail", f), path.join(dest, f));
  }
  const manifestPath = path.join(dest, "appsscript.json");
  const app = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  // Apps Script matches whitelist entries as prefixes; the trailing slash stops look-alike hosts.
  app.urlFetchWhitelist = [`${opts.url}/`];
  app.addOns.common.logoUrl = `${opts.addinUrl}/assets/icon-128.png`;
  fs.writeFileSync(manifestPath, JSON.stringify(app, null, 2) + "\n");
}

/** Build both add-ins; returns the output folders. */
function build(raw) {
  if (!raw.url) {
    throw usage("--url is required");
  }
  const url = checkUrl(raw.url, "--url");
  const opts = {
    url,
    addinUrl: checkUrl(raw["addin-url"] || `${url}/addin`, "--addin-url"),
    apiKey: raw["api-key"] || "",
    id: raw.id || DEFAULT_ID,
    version: raw.version || "1.0.0.0",
  };
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(opts.id)) {
    throw usage(`--id must be a GUID: ${opts.id}`);
  }
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(opts.version)) {
    throw usage(`--version must look like 1.0.0.0: ${opts.version}`);
  }
  const out = path.resolve(raw.out || path.join(HERE, "dist"));
  const dirs = { outlook: path.join(out, "outlook"), gmail: path.join(out, "gmail") };
  buildOutlook(opts, dirs.outlook);
  buildGmail(opts, dirs.gmail);
  return dirs;
}

if (require.main === module) {
  try {
    const dirs = build(parseArgs(process.argv.slice(2)));
    console.log(`outlook add-in: ${dirs.outlook} (sideload manifest.xml, host the rest at --addin-url)`);
    console.log(`gmail add-on:   ${dirs.gmail} (clasp push from there)`);
  } catch (err) {
    console.error(`build: ${err.message}`);
    process.exit(2);
  }
}

module.exports = { build, parseArgs, checkUrl, configJs, manifest };
