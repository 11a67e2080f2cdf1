// build.js: URLs written into the manifest, config and Apps Script whitelist; a bundle the
// classic Outlook runtime can load (ES5, one file, no DOM); bad input refused with exit code 2.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const vm = require("node:vm");
const { execFileSync, spawnSync } = require("node:child_process");
const acorn = require("acorn");
const { ROOT, SRC, officeMock, read } = require("./helpers.js");
const { SAMPLE_ID } = require("../build.js");

const OUT = fs.mkdtempSync(path.join(os.tmpdir(), "tonecheck-build-"));
execFileSync(process.execPath, [path.join(ROOT, "build.js"), "--url", "https://tc.example/", "--api-key", "k&1",
  "--out", OUT]);
const outlook = path.join(OUT, "outlook");
const manifest = read(path.join(outlook, "manifest.xml"));
test.after(() => fs.rmSync(OUT, { recursive: true, force: true }));

test("build_manifest_points_every_url_at_the_configured_host", () => {
  assert.doesNotMatch(manifest, /\{\{/);
  const urls = [...manifest.matchAll(/DefaultValue="(https?:[^"]+)"/g)].map((m) => m[1]);
  assert.ok(urls.length >= 8);
  for (const url of urls) assert.match(url, /^https:\/\/tc\.example\/addin\//);
  assert.match(manifest, /<AppDomain>https:\/\/tc\.example<\/AppDomain>/);
  for (const url of urls) {
    const file = path.join(outlook, new URL(url).pathname.replace(/^\/addin\//, ""));
    assert.ok(fs.existsSync(file), `manifest names ${url}, which the build did not produce`);
  }
});

test("build_manifest_declares_soft_block_send_check_on_mailbox_1_12", () => {
  assert.match(manifest, /<LaunchEvent Type="OnMessageSend" FunctionName="onMessageSendHandler" SendMode="SoftBlock"\/>/);
  assert.match(manifest, /<bt:Sets DefaultMinVersion="1.12">/);
  assert.match(manifest, /<Override type="javascript" resid="JSRuntime.Url"\/>/);
  assert.match(manifest, /<Permissions>ReadWriteItem<\/Permissions>/);
});

test("build_manifest_button_id_is_the_send_handler_command_id", () => {
  const commandId = /PANE_COMMAND_ID = "([^"]+)"/.exec(read(path.join(SRC, "launchevent.js")))[1];
  const ids = [...manifest.matchAll(/<Control xsi:type="Button" id="([^"]+)">/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(ids)], [commandId]);
});

test("build_manifest_tags_are_balanced", () => {
  const stack = [];
  for (const m of manifest.replace(/<!--[\s\S]*?-->/g, "").matchAll(/<(\/?)([\w:]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) assert.equal(stack.pop(), m[2]);
    else stack.push(m[2]);
  }
  assert.deepEqual(stack, []);
});

test("build_config_carries_url_key_and_links", () => {
  const ctx = vm.createContext({});
  vm.runInContext(read(path.join(outlook, "config.js")), ctx);
  assert.deepEqual(JSON.parse(JSON.stringify(ctx.TONECHECK_CONFIG)), {
    serviceUrl: "https://tc.example",
    apiKey: "k&1",
    links: {
      support: "https://tc.example/addin/support.html",
      privacy: "https://tc.example/addin/support.html#privacy",
      terms: "https://tc.example/addin/support.html#terms",
    },
  });
});

// A deployment needs its own add-in id: generated once per output folder, then kept.
test("build_generates_a_unique_id_once_and_keeps_it", () => {
  const id = read(path.join(OUT, "addin-id.txt")).trim();
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(id, SAMPLE_ID);
  assert.match(manifest, new RegExp(`<Id>${id}</Id>`));
  const other = path.join(OUT, "other");
  const first = spawnSync(process.execPath, [path.join(ROOT, "build.js"), "--url", "https://tc.example", "--out", other],
    { encoding: "utf8" });
  assert.equal(first.status, 0, first.stderr);
  const otherId = read(path.join(other, "addin-id.txt")).trim();
  assert.notEqual(otherId, id, "another deployment gets another id");
  assert.match(first.stdout, new RegExp(`add-in id: +${otherId} \\(new: generated and saved in`));
  const again = spawnSync(process.execPath, [path.join(ROOT, "build.js"), "--url", "https://tc.example", "--out", other],
    { encoding: "utf8" });
  assert.equal(read(path.join(other, "addin-id.txt")).trim(), otherId, "a rebuild keeps the id");
  assert.match(read(path.join(other, "outlook", "manifest.xml")), new RegExp(`<Id>${otherId}</Id>`));
  assert.match(again.stdout, /from .*addin-id\.txt/);
});

test("build_takes_support_privacy_and_terms_urls", () => {
  const dir = path.join(OUT, "links");
  const run = spawnSync(process.execPath, [path.join(ROOT, "build.js"), "--url", "https://tc.example", "--out", dir,
    "--id", "0b7f3c52-4d8e-4a8b-9a59-6a0f8e1d2c3b", "--support-url", "https://it.example.com/tonecheck",
    "--privacy-url", "https://example.com/privacy?app=tone&x=1", "--terms-url", "https://example.com/terms"],
  { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const xml = read(path.join(dir, "outlook", "manifest.xml"));
  assert.match(xml, /<SupportUrl DefaultValue="https:\/\/it\.example\.com\/tonecheck"\/>/);
  assert.match(xml, /<Id>0b7f3c52-4d8e-4a8b-9a59-6a0f8e1d2c3b<\/Id>/);
  const page = read(path.join(dir, "outlook", "support.html"));
  assert.match(page, /data-link="privacy" href="https:\/\/example\.com\/privacy\?app=tone&amp;x=1"/);
  assert.match(page, /data-link="terms" href="https:\/\/example\.com\/terms"/);
});

test("build_support_url_is_a_support_page_not_the_task_pane", () => {
  assert.match(manifest, /<SupportUrl DefaultValue="https:\/\/tc\.example\/addin\/support\.html"\/>/);
  const page = read(path.join(outlook, "support.html"));
  for (const id of ["support", "privacy", "terms"]) assert.match(page, new RegExp(`<h2 id="${id}">`));
});

test("build_manifest_offers_every_ribbon_icon_size_and_ships_the_files", () => {
  const sizes = (xml) => [...xml.matchAll(/<bt:Image size="(\d+)" resid="Icon\.(\d+)"\/>/g)].map((m) => {
    assert.equal(m[1], m[2]);
    return Number(m[1]);
  });
  const all = sizes(manifest);
  assert.deepEqual(all, [16, 20, 24, 32, 40, 48, 64, 80, 16, 20, 24, 32, 40, 48, 64, 80], "both command surfaces");
  for (const size of [16, 20, 24, 32, 40, 48, 64, 80, 128]) {
    const png = fs.readFileSync(path.join(outlook, "assets", `icon-${size}.png`));
    assert.equal(png.readUInt32BE(16), size, `icon-${size}.png is ${size} px wide`);
    assert.equal(png.readUInt32BE(20), size, `icon-${size}.png is ${size} px high`);
  }
});

test("build_writes_the_well_known_allow_list_for_classic_outlook", () => {
  const allowed = JSON.parse(read(path.join(OUT, "well-known", "microsoft-officeaddins-allowed.json")));
  assert.deepEqual(allowed, { allowed: ["https://tc.example/addin/launchevent.bundle.js"] });
});

for (const file of ["core.js", "launchevent.js", "launchevent.bundle.js"]) {
  test(`build_${file.replace(/\W/g, "_")}_is_es5_for_the_classic_runtime`, () => {
    const source = read(path.join(file.includes("bundle") ? outlook : SRC, file));
    assert.doesNotThrow(() => acorn.parse(source, { ecmaVersion: 5, sourceType: "script" }));
  });
}

test("build_bundle_registers_the_handler_with_no_dom_and_no_page_origin", () => {
  const { Office, log } = officeMock({ body: "" });
  const ctx = vm.createContext({ Office, setTimeout, clearTimeout });
  vm.runInContext(read(path.join(outlook, "launchevent.bundle.js")), ctx);
  assert.equal(typeof log.associated.onMessageSendHandler, "function");
  assert.equal(ctx.TONECHECK_CONFIG.serviceUrl, "https://tc.example");
});

test("build_gmail_whitelists_only_the_service", () => {
  const app = JSON.parse(read(path.join(OUT, "gmail", "appsscript.json")));
  assert.deepEqual(app.urlFetchWhitelist, ["https://tc.example/"]);
  assert.equal(app.addOns.common.logoUrl, "https://tc.example/addin/assets/icon-128.png");
  for (const f of ["Api.gs", "Cards.gs", "Code.gs", "Logic.gs"]) assert.ok(fs.existsSync(path.join(OUT, "gmail", f)));
  assert.doesNotMatch(fs.readdirSync(path.join(OUT, "gmail")).join(" "), /secret|config/);
});

for (const [name, args, message] of [
  ["no_url", [], /--url is required/],
  ["plain_http", ["--url", "http://tc.example"], /must use https/],
  ["bad_id", ["--url", "https://tc.example", "--id", "nope"], /--id must be a GUID/],
  ["the_sample_id", ["--url", "https://tc.example", "--id", "2A6E5749-4607-4f2d-bdbd-df1f842a9ba6"],
    /is the id of tonecheck's sample build; every deployment needs its own\. Leave out --id to generate one\./],
  ["plain_http_privacy_url", ["--url", "https://tc.example", "--privacy-url", "http://example.com/p"],
    /--privacy-url must use https/],
  ["typo", ["--url", "https://tc.example", "--apikey", "k"], /unexpected argument: --apikey/],
]) {
  test(`build_refuses_${name}`, () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, "build.js"), ...args, "--out", path.join(OUT, "x")],
      { encoding: "utf8" });
    assert.equal(run.status, 2);
    assert.match(run.stderr, message);
  });
}

test("build_allows_http_on_loopback_for_local_tests", () => {
  const run = spawnSync(process.execPath, [path.join(ROOT, "build.js"), "--url", "http://127.0.0.1:8123",
    "--out", path.join(OUT, "local")], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
});

test("build_output_leaves_out_the_python_package_marker", () => {
  // src/ ships inside the Python wheel as tonecheck.data.addin; its __init__.py is not an add-in file.
  assert.ok(fs.existsSync(path.join(SRC, "__init__.py")));
  assert.ok(!fs.existsSync(path.join(outlook, "__init__.py")));
  assert.ok(fs.existsSync(path.join(outlook, "taskpane.html")));
});
