// The built manifest, validated offline: Office's own manifest parser (office-addin-manifest-
// converter) reads it and converts it, and the result matches Microsoft's JSON schema bundled in
// @microsoft/app-manifest. A broken manifest fails `npm test` here, with no online service.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { ROOT, read } = require("./helpers.js");
const { validateManifest, SCHEMA_URL } = require("../scripts/validate-manifest.js");

const ID = "6d1c2b7e-3f4a-4c5d-8e9f-0a1b2c3d4e5f";
const OUT = fs.mkdtempSync(path.join(os.tmpdir(), "tonecheck-manifest-test-"));
execFileSync(process.execPath, [path.join(ROOT, "build.js"), "--url", "https://tc.example", "--id", ID,
  "--version", "1.2.3.4", "--out", OUT]);
const XML = path.join(OUT, "outlook", "manifest.xml");
test.after(() => fs.rmSync(OUT, { recursive: true, force: true }));

let built = null;
async function builtResult() {
  built = built || (await validateManifest(XML));
  return built;
}

/** Validate a variant of the built manifest. */
async function variant(name, edit) {
  const file = path.join(OUT, `${name}.xml`);
  const xml = edit(read(XML));
  assert.notEqual(xml, read(XML), `${name}: the edit must change the manifest`);
  fs.writeFileSync(file, xml);
  return validateManifest(file);
}

test("manifest_built_xml_passes_offices_parser_and_the_schema", async () => {
  const result = await builtResult();
  assert.deepEqual(result.problems, []);
  assert.equal(result.ok, true);
  assert.equal(result.json.$schema, SCHEMA_URL);
});

test("manifest_offices_parser_sees_the_send_check_and_its_runtime", async () => {
  const { json } = await builtResult();
  const [ext] = json.extensions;
  const events = ext.autoRunEvents.flatMap((a) => a.events);
  assert.deepEqual(events, [{ type: "messageSending", actionId: "onMessageSendHandler", options: { sendMode: "softBlock" } }]);
  const runtime = ext.runtimes.find((r) => (r.actions || []).some((a) => a.id === "onMessageSendHandler"));
  assert.equal(runtime.code.page, "https://tc.example/addin/commands.html");
  assert.equal(runtime.code.script, "https://tc.example/addin/launchevent.bundle.js");
  assert.equal(json.id, ID);
  assert.equal(json.version, "1.2.3", "the unified manifest keeps three parts of <Version>");
  assert.deepEqual(json.validDomains, ["https://tc.example"]);
});

test("manifest_offices_parser_sees_every_ribbon_icon_size", async () => {
  const { json } = await builtResult();
  const controls = json.extensions[0].ribbons.flatMap((r) => r.tabs.flatMap((t) => t.groups.flatMap((g) => g.controls)));
  assert.ok(controls.length >= 2);
  for (const control of controls) {
    assert.equal(control.id, "tonecheckOpenPane");
    assert.deepEqual(control.icons.map((i) => i.size), [16, 20, 24, 32, 40, 48, 64, 80]);
  }
});

test("manifest_support_link_is_not_the_task_pane", async () => {
  const { json } = await builtResult();
  // The converter fills all three from the XML's SupportUrl.
  for (const key of ["websiteUrl", "privacyUrl", "termsOfUseUrl"]) {
    assert.equal(json.developer[key], "https://tc.example/addin/support.html", key);
  }
});

// The check must catch a broken manifest, or it checks nothing.
for (const [name, edit, expected] of [
  ["no_id", (xml) => xml.replace(/<Id>[^<]*<\/Id>/, ""), /parser: Office's manifest parser could not read it/],
  ["not_xml", (xml) => xml.slice(0, 400), /parser: /],
  ["taskpane_url_resid_undefined", (xml) => xml.replace(/<SourceLocation resid="Taskpane\.Url"\/>/g,
    '<SourceLocation resid="Missing.Url"/>'), /schema: \/extensions\/0\/runtimes\/\d+\/code\/page must match pattern/],
  ["classic_runtime_script_undefined", (xml) => xml.replace(/<bt:Url id="JSRuntime\.Url"[^>]*\/>/g, ""),
    /schema: \/extensions\/0\/runtimes\/\d+\/code\/script must match pattern/],
  ["unknown_send_mode", (xml) => xml.replace('SendMode="SoftBlock"', 'SendMode="Sometimes"'),
    /schema: .*autoRunEvents\/0\/events\/0\/options\/sendMode/],
  ["no_permissions", (xml) => xml.replace(/<Permissions>[^<]*<\/Permissions>/, ""), /parser: /],
  ["icon_size_outlook_does_not_know", (xml) => xml.replace(/size="80" resid/g, 'size="81" resid'),
    /schema: .*icons\/7\/size must be equal to one of the allowed values/],
]) {
  test(`manifest_validation_catches_${name}`, async () => {
    const result = await variant(name, edit);
    assert.equal(result.ok, false, `a broken manifest (${name}) passed`);
    assert.ok(result.problems.some((p) => expected.test(p)), result.problems.join("\n"));
  });
}
