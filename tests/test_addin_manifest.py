"""The built Outlook manifest parses as XML and declares what Smart Alerts and the task pane need."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from tools import REPO_ROOT

NS = {
    "o": "http://schemas.microsoft.com/office/appforoffice/1.1",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
    "v10": "http://schemas.microsoft.com/office/mailappversionoverrides",
    "v11": "http://schemas.microsoft.com/office/mailappversionoverrides/1.1",
}
XSI_TYPE = f"{{{NS['xsi']}}}type"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> ET.Element:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the add-in build needs it (see docs/addins.md)")
    out = tmp_path_factory.mktemp("build")
    subprocess.run([node, str(REPO_ROOT / "add-ins" / "build.js"), "--url", "https://tc.example.com",
                    "--out", str(out)], check=True, capture_output=True)
    return ET.parse(out / "outlook" / "manifest.xml").getroot()


def test_addin_manifest_is_a_mail_app_that_may_edit_the_item(manifest):
    assert manifest.get(XSI_TYPE) == "MailApp"
    assert manifest.findtext("o:Permissions", namespaces=NS) == "ReadWriteItem"
    assert manifest.find("o:Hosts/o:Host", NS).get("Name") == "Mailbox"


def test_addin_manifest_send_check_is_soft_block_on_mailbox_1_12(manifest):
    v11 = manifest.find("v10:VersionOverrides/v11:VersionOverrides", NS)
    assert v11.find("v11:Requirements/bt:Sets", NS).get("DefaultMinVersion") == "1.12"
    events = v11.findall(".//v11:LaunchEvent", NS)
    assert [(e.get("Type"), e.get("FunctionName"), e.get("SendMode")) for e in events] == [
        ("OnMessageSend", "onMessageSendHandler", "SoftBlock")]


@pytest.mark.parametrize("resid", ["Commands.Url", "Taskpane.Url", "WebViewRuntime.Url", "JSRuntime.Url"])
def test_addin_manifest_urls_point_at_the_configured_host(manifest, resid):
    for urls in manifest.iter(f"{{{NS['bt']}}}Urls"):
        url = next(u for u in urls if u.get("id") == resid).get("DefaultValue")
        assert url.startswith("https://tc.example.com/addin/")


def test_addin_manifest_every_resid_is_defined(manifest):
    for overrides in [manifest.find("v10:VersionOverrides", NS),
                      manifest.find("v10:VersionOverrides/v11:VersionOverrides", NS)]:
        ns = overrides.tag.split("}")[0][1:]
        resources = overrides.find(f"{{{ns}}}Resources")
        defined = {e.get("id") for e in resources.iter() if e.get("id")}
        for e in overrides.iter():
            if e.get("resid"):
                assert e.get("resid") in defined, e.get("resid")
