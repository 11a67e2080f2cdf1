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

test("build_config_carries_url_and_key", () => {
  const ctx = vm.createContext({});
  vm.runInContext(read(path.join(outlook, "config.js")), ctx);
  assert.deepEqual({ ...ctx.TONECHECK_CONFIG }, { serviceUrl: "https://tc.example", apiKey: "k&1" });
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
