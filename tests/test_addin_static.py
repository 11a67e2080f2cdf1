"""The service hosts the Outlook add-in at /addin/ and lets a configured add-in origin call it (CORS)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tonecheck.api.app import create_app
from tonecheck.settings import Settings
from tools import REPO_ROOT

ADDIN_ORIGIN = "https://addin.example.com"


def _client(**settings: object) -> TestClient:
    # No lifespan: serving files and answering CORS preflights must not need the engine.
    return TestClient(create_app(Settings(**settings), engine_factory=lambda s: None))


def test_addin_static_default_dir_is_the_outlook_sources():
    assert Settings().addin_dir == REPO_ROOT / "add-ins" / "outlook" / "src"
    assert (Settings().addin_dir / "taskpane.html").is_file()


@pytest.mark.parametrize(("path", "kind"), [
    ("/addin/taskpane.html", "text/html"),
    ("/addin/", "text/html"),
    ("/addin/commands.html", "text/html"),
    ("/addin/core.js", "javascript"),
    ("/addin/launchevent.js", "javascript"),
    ("/addin/taskpane.css", "text/css"),
    ("/addin/assets/icon-80.png", "image/png"),
])
def test_addin_static_serves_the_add_in_files(path, kind):
    response = _client().get(path)
    assert response.status_code == 200
    assert kind in response.headers["content-type"]


def test_addin_static_is_not_mounted_when_the_folder_is_missing(tmp_path):
    response = _client(addin_dir=tmp_path / "absent").get("/addin/taskpane.html")
    assert response.status_code == 404


@pytest.mark.parametrize(("origin", "allowed"), [
    (ADDIN_ORIGIN, True),
    ("https://evil.example.com", False),
])
def test_addin_static_cors_preflight_allows_only_the_configured_origin(origin, allowed):
    response = _client(cors_origins=[ADDIN_ORIGIN]).options("/v1/check", headers={
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-api-key",
    })
    assert (response.headers.get("access-control-allow-origin") == origin) is allowed
    assert (response.status_code == 200) is allowed


def test_addin_static_without_cors_origins_sends_no_cors_headers():
    response = _client().options("/v1/check", headers={
        "Origin": ADDIN_ORIGIN, "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in response.headers


def test_addin_static_home_redirects_to_the_try_page():
    response = _client().get("/", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/addin/try.html"
    assert "<textarea" in _client().get("/").text


def test_addin_static_home_without_a_try_page_is_a_clear_404(tmp_path):
    response = _client(addin_dir=tmp_path).get("/", follow_redirects=False)
    assert response.status_code == 404 and "try.html" in response.json()["error"]["message"]


def test_addin_static_well_known_lists_the_launch_script_for_classic_outlook():
    # Classic Outlook on Windows fetches this from the add-in's origin before its send check may call out.
    response = _client().get("/.well-known/microsoft-officeaddins-allowed.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json() == {"allowed": ["http://testserver/addin/launchevent.js"]}


def test_addin_static_well_known_names_a_built_bundle(tmp_path):
    (tmp_path / "launchevent.bundle.js").write_text("/* built */", encoding="utf-8")
    response = _client(addin_dir=tmp_path).get("/.well-known/microsoft-officeaddins-allowed.json")
    assert response.json() == {"allowed": ["http://testserver/addin/launchevent.bundle.js"]}


@pytest.mark.parametrize("path", ["/addin/__init__.py", "/addin/__pycache__/__init__.cpython-311.pyc"])
def test_addin_static_never_serves_the_package_marker(path):
    assert _client().get(path).status_code == 404
