#!/usr/bin/env node
/*
 * Build deployable add-ins with the service URL written in:
 *   node add-ins/build.js --url https://tonecheck.example.com [--addin-url URL] [--api-key KEY]
 *                         [--id GUID] [--version 1.0.0.0] [--out add-ins/dist]
 *                         [--support-url URL] [--privacy-url URL] [--terms-url URL]
 * -> OUT/outlook/      the files to host (config.js, launchevent.bundle.js, ...) and manifest.xml
 * -> OUT/gmail/        the Apps Script project with urlFetchWhitelist set (for `clasp push`)
 * -> OUT/well-known/   microsoft-officeaddins-allowed.json, for the root of the add-in's origin
 * -> OUT/addin-id.txt  this deployment's add-in id (generated once, reused by later builds)
 * No dependencies: a deploy machine needs only Node.
 */
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const HERE = __dirname;
// The id tonecheck's own sample builds once shipped with. Two organisations (or a test and a
// production deployment) sharing an id collide in the admin center and in Outlook's add-in
// cache, so no build may use it.
const SAMPLE_ID = "2a6e5749-4607-4f2d-bdbd-df1f842a9ba6";
const ID_FILE = "addin-id.txt";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// The classic Windows runtime loads exactly one file, so config + core + handler go in one.
const BUNDLE_PARTS = ["config.js", "core.js", "launchevent.js"];
const GMAIL_FILES = ["appsscript.json", "Api.gs", "Cards.gs", "Code.gs", "Logic.gs"];

function usage(message) {
  const err = new Error(`${message}\nusage: node add-ins/build.js --url https://tonecheck.example.com ` +
    "[--addin-url URL] [--api-key KEY] [--id GUID] [--version 1.0.0.0] [--out DIR] " +
    "[--support-url URL] [--privacy-url URL] [--terms-url URL]");
  err.usage = true;
  return err;
}

/** `--name value` pairs into an object; unknown names are an error, not a silent typo. */
function parseArgs(argv) {
  const known = new Set(["url", "addin-url", "api-key", "id", "version", "out", "support-url", "privacy-url",
    "terms-url"]);
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

function configJs(serviceUrl, apiKey, links) {
  const config = links ? { serviceUrl, apiKey, links } : { serviceUrl, apiKey };
  return "// Written by add-ins/build.js. Anyone who can load the add-in can read this file.\n" +
    `var TONECHECK_CONFIG = ${JSON.stringify(config)};\n`;
}

/**
 * This deployment's add-in id: --id, else the one an earlier build into the same --out saved,
 * else a new random one (saved for the next build, and announced). Never the sample id.
 */
function addinId(raw, out) {
  const file = path.join(out, ID_FILE);
  let id = raw.id;
  let how = "given";
  if (!id && fs.existsSync(file)) {
    id = fs.readFileSync(file, "utf8").trim();
    how = "reused";
  }
  if (!id) {
    id = crypto.randomUUID();
    how = "generated";
  }
  if (!GUID.test(id)) {
    throw usage(`--id must be a GUID: ${id}`);
  }
  if (id.toLowerCase() === SAMPLE_ID) {
    throw usage(`--id ${id} is the id of tonecheck's sample build; every deployment needs its own. ` +
      "Leave out --id to generate one.");
  }
  return { id: id.toLowerCase(), how, file };
}

/** support.html with its Privacy and Terms links pointed at the deployer's pages, when given. */
function supportPage(source, links) {
  return source
    .replace('data-link="privacy" href="#privacy"', `data-link="privacy" href="${xmlEscape(links.privacy)}"`)
    .replace('data-link="terms" href="#terms"', `data-link="terms" href="${xmlEscape(links.terms)}"`);
}

/** The well-known file classic Outlook on Windows needs before its send handler may call fetch. */
function allowedJson(addinUrl) {
  return JSON.stringify({ allowed: [`${addinUrl}/launchevent.bundle.js`] }, null, 2) + "\n";
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
  // The Python package marker (src/ ships as tonecheck.data.addin) is not part of the add-in.
  const notPython = (src) => !/(^|[\\/])(__init__\.py|__pycache__)$/.test(src);
  fs.cpSync(path.join(HERE, "outlook", "src"), dest, { recursive: true, filter: notPython });
  fs.writeFileSync(path.join(dest, "config.js"), configJs(opts.url, opts.apiKey, opts.links));
  const support = path.join(dest, "support.html");
  fs.writeFileSync(support, supportPage(fs.readFileSync(support, "utf8"), opts.links));
  const bundle = BUNDLE_PARTS.map((f) => `/* ---- ${f} ---- */\n` + fs.readFileSync(path.join(dest, f), "utf8"));
  fs.writeFileSync(path.join(dest, "launchevent.bundle.js"), bundle.join("\n"));
  fs.writeFileSync(path.join(dest, "manifest.xml"), manifest({
    APP_ID: opts.id,
    VERSION: opts.version,
    ADDIN_URL: opts.addinUrl,
    SERVICE_ORIGIN: new URL(opts.url).origin,
    SUPPORT_URL: opts.links.support
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
  const addinUrl = checkUrl(raw["addin-url"] || `${url}/addin`, "--addin-url");
  // Support, privacy and terms: the deployer's own pages, else the support page shipped with the
  // add-in (what it sends where, who runs it), never the task pane.
  const links = {
    support: raw["support-url"] ? checkUrl(raw["support-url"], "--support-url") : `${addinUrl}/support.html`,
    privacy: raw["privacy-url"] ? checkUrl(raw["privacy-url"], "--privacy-url") : `${addinUrl}/support.html#privacy`,
    terms: raw["terms-url"] ? checkUrl(raw["terms-url"], "--terms-url") : `${addinUrl}/support.html#terms`,
  };
  const opts = { url, addinUrl, links, apiKey: raw["api-key"] || "", version: raw.version || "1.0.0.0" };
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(opts.version)) {
    throw usage(`--version must look like 1.0.0.0: ${opts.version}`);
  }
  const out = path.resolve(raw.out || path.join(HERE, "dist"));
  const id = addinId(raw, out);
  opts.id = id.id;
  const dirs = {
    out,
    outlook: path.join(out, "outlook"),
    gmail: path.join(out, "gmail"),
    wellKnown: path.join(out, "well-known"),
    id: id.id,
    idHow: id.how,
    idFile: id.file,
  };
  buildOutlook(opts, dirs.outlook);
  buildGmail(opts, dirs.gmail);
  fs.mkdirSync(dirs.wellKnown, { recursive: true });
  fs.writeFileSync(path.join(dirs.wellKnown, "microsoft-officeaddins-allowed.json"), allowedJson(addinUrl));
  fs.writeFileSync(id.file, id.id + "\n");
  return dirs;
}

if (require.main === module) {
  try {
    const dirs = build(parseArgs(process.argv.slice(2)));
    if (dirs.idHow === "generated") {
      console.log(`add-in id:      ${dirs.id} (new: generated and saved in ${dirs.idFile}.\n` +
        "                Keep it: every later build of this deployment must use the same id, or the admin center " +
        "sees a different add-in. Pass --id on another machine.)");
    } else {
      console.log(`add-in id:      ${dirs.id} (${dirs.idHow === "given" ? "from --id" : `from ${dirs.idFile}`})`);
    }
    console.log(`outlook add-in: ${dirs.outlook} (deploy manifest.xml, host the rest at --addin-url)`);
    console.log(`well-known:     ${dirs.wellKnown}/microsoft-officeaddins-allowed.json ` +
      "(serve it at /.well-known/ on the add-in's origin: classic Outlook on Windows needs it to call tonecheck)");
    console.log(`gmail add-on:   ${dirs.gmail} (clasp push from there)`);
  } catch (err) {
    console.error(`build: ${err.message}`);
    process.exit(2);
  }
}

module.exports = { build, parseArgs, checkUrl, configJs, manifest, addinId, allowedJson, SAMPLE_ID };
