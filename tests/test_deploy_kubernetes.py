"""deploy/kubernetes/: schemas (offline, pinned Kubernetes versions), checkov, and what the manifests promise.

The behavioural checks read the YAML and compare it with the service itself: probe paths with the app's
routes, the port and user with the Dockerfile, the grace period with `serve`'s drain, requests and limits
with docs/bench-latest.json, the settings ConfigMap with `Settings`, and the custom rules with the loader.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tonecheck.engine import Engine
from tonecheck.settings import Settings
from tools import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy" / "kubernetes"
# The oldest Kubernetes the manifests claim (docs/deploy.md) and the newest kubernetes-validate bundles.
K8S_VERSIONS = ("1.30.0", "1.37.0")
# Each skip is an annotation with its reason in deployment.yaml (checkov reads Kubernetes skips there).
EXPECTED_SKIPS = {"CKV_K8S_14", "CKV_K8S_15", "CKV_K8S_43"}
BENCH = json.loads((REPO_ROOT / "docs" / "bench-latest.json").read_text(encoding="utf-8"))
MI = 2**20


def _kustomization() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "kustomization.yaml").read_text(encoding="utf-8"))


def _documents() -> list[tuple[str, dict[str, Any]]]:
    """Every object in the kustomization's resources, with its file name."""
    out = []
    for name in _kustomization()["resources"]:
        for doc in yaml.safe_load_all((DEPLOY / name).read_text(encoding="utf-8")):
            if doc is not None:
                out.append((name, doc))
    return out


def _one(kind: str) -> dict[str, Any]:
    found = [doc for _, doc in _documents() if doc["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def _pod() -> dict[str, Any]:
    return _one("Deployment")["spec"]["template"]["spec"]


def _main_container() -> dict[str, Any]:
    (container,) = [c for c in _pod()["containers"] if c["name"] == "tonecheck"]
    return container


def _all_containers() -> list[dict[str, Any]]:
    return [*_pod().get("initContainers", []), *_pod()["containers"]]


def _quantity_bytes(value: str) -> int:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    number, unit = re.fullmatch(r"(\d+)(Ki|Mi|Gi)", value).groups()
    return int(number) * units[unit]


def _cpu(value: str | int) -> float:
    text = str(value)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


def _env_names() -> dict[str, str]:
    """The environment variable names `Settings` reads, mapped to their field."""
    names = {}
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        names[alias if isinstance(alias, str) else f"TONECHECK_{field.upper()}"] = field
    return names


def test_deploy_kubernetes_kustomization_lists_every_manifest() -> None:
    listed = _kustomization()["resources"]
    manifests = [p for p in DEPLOY.iterdir() if p.suffix in (".yaml", ".yml") and p.name != "kustomization.yaml"]
    on_disk = sorted(p.name for p in manifests)
    assert sorted(listed) == on_disk, "every manifest in the folder is applied, and nothing else"
    assert len(set(listed)) == len(listed)
    kinds = {doc["kind"] for _, doc in _documents()}
    assert {"Namespace", "ServiceAccount", "ConfigMap", "Deployment", "Service", "HorizontalPodAutoscaler",
            "PodDisruptionBudget", "NetworkPolicy"} <= kinds
    assert "Secret" not in kinds  # keys are created with kubectl, never committed (docs/deploy.md)
    namespace = _kustomization()["namespace"]
    for name, doc in _documents():
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == namespace, name
    assert _one("Namespace")["metadata"]["name"] == namespace


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_deploy_kubernetes_manifests_validate_offline(version: str, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def no_network(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("tests/test_deploy_kubernetes.py: no network for schema validation")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    documents = _documents()
    assert len(documents) >= 9
    for name, doc in documents:
        # strict: an unknown or misspelt field fails instead of being dropped by the API server
        validated = kubernetes_validate.validate(doc, version, strict=True)
        assert validated == version.rsplit(".", 1)[0], (name, doc["kind"], validated)
    assert attempts == []


def test_deploy_kubernetes_kubectl_kustomize_builds_what_the_files_hold() -> None:
    # What `kubectl apply -k` sends; kubectl builds it offline. Not a test dependency: skipped without kubectl.
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed; the files and kustomization are checked by the other tests")
    built = subprocess.run([kubectl, "kustomize", str(DEPLOY)], capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    objects = [doc for doc in yaml.safe_load_all(built.stdout) if doc]
    assert sorted((d["kind"], d["metadata"]["name"]) for d in objects) == sorted(
        (d["kind"], d["metadata"]["name"]) for _, d in _documents()
    )
    for doc in objects:
        kubernetes_validate.validate(doc, K8S_VERSIONS[0], strict=True)
    (deployment,) = [d for d in objects if d["kind"] == "Deployment"]
    images = {c["image"] for c in deployment["spec"]["template"]["spec"]["containers"]}
    assert images == {"tonecheck:latest"}


def _checkov() -> str:
    found = REPO_ROOT / ".venv" / "checkov" / "bin" / "checkov"
    if found.exists():
        return str(found)
    if shutil.which("checkov"):
        return shutil.which("checkov")
    message = "checkov is missing: `make checkov` installs it into .venv/checkov (make test does)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


def _offline_prefix() -> list[str]:
    """`unshare -n` (no network at all) where this user may create a network namespace, else nothing."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


@pytest.mark.slow  # 4-10 s on 2 shared cores
def test_deploy_kubernetes_checkov_passes_with_every_skip_justified() -> None:
    # --skip-download keeps checkov offline (no policy download from Bridgecrew); unshare proves it where it can.
    command = [*_offline_prefix(), _checkov(), "--directory", str(DEPLOY), "--framework", "kubernetes",
               "--skip-download", "--compact", "--output", "json"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    summary = report["summary"]
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert result.returncode == 0 and summary["failed"] == 0, failed
    assert summary["parsing_errors"] == 0 and summary["passed"] >= 80
    skipped = report["results"]["skipped_checks"]
    assert {c["check_id"] for c in skipped} == EXPECTED_SKIPS
    for check in skipped:
        reason = check["check_result"].get("suppress_comment", "")
        assert len(reason) > 40 and reason != "No comment provided", (check["check_id"], reason)


def test_deploy_kubernetes_probes_point_at_the_real_paths_and_port() -> None:
    from tonecheck.api.routes import router

    routes = {route.path for route in router.routes}
    container = _main_container()
    (port,) = container["ports"]
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert f"EXPOSE {port['containerPort']}" in dockerfile
    assert port == {"name": "http", "containerPort": 8000, "protocol": "TCP"}
    args = container["args"]
    assert container["command"] == ["tonecheck"] and args[0] == "serve"  # exec form: serve is PID 1, gets SIGTERM
    assert args[args.index("--port") + 1] == "8000" and args[args.index("--host") + 1] == "0.0.0.0"
    probes = {kind: container[kind]["httpGet"] for kind in ("startupProbe", "readinessProbe", "livenessProbe")}
    assert probes["startupProbe"]["path"] == "/readyz"  # /healthz answers before the models load
    assert probes["readinessProbe"]["path"] == "/readyz"
    assert probes["livenessProbe"]["path"] == "/healthz"
    for probe in probes.values():
        assert probe["path"] in routes and probe["port"] in ("http", 8000)
    startup = container["startupProbe"]
    budget = startup["periodSeconds"] * startup["failureThreshold"]
    assert budget >= 30 * BENCH["http"]["cold_start_s"]  # the measured cold start, with room for a cold node
    assert container["livenessProbe"]["failureThreshold"] * container["livenessProbe"]["periodSeconds"] >= 30
    service = _one("Service")
    assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http"]
    policy = _one("NetworkPolicy")["spec"]
    assert [p["port"] for rule in policy["ingress"] for p in rule["ports"]] == [8000]
    assert policy["policyTypes"] == ["Ingress", "Egress"] and policy["egress"] == []  # no outbound connections


def test_deploy_kubernetes_pods_run_unprivileged_on_a_read_only_root() -> None:
    pod = _pod()
    uid = int(re.search(r"^USER (\d+):(\d+)$", (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8"), re.M)[1])
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == uid == 10001
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    assert pod["enableServiceLinks"] is False  # a Service named tonecheck would inject TONECHECK_PORT=tcp://...
    assert not any(pod.get(key) for key in ("hostNetwork", "hostPID", "hostIPC"))
    assert _one("ServiceAccount")["automountServiceAccountToken"] is False
    assert pod["serviceAccountName"] == _one("ServiceAccount")["metadata"]["name"]
    emptydirs = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
    for container in _all_containers():
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True, container["name"]
        assert context["allowPrivilegeEscalation"] is False and context.get("privileged") is False
        assert context["capabilities"] == {"drop": ["ALL"]}
        assert context["runAsNonRoot"] is True and context["runAsUser"] == uid
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}
        for mount in container["volumeMounts"]:  # the only writable places are scratch volumes
            assert mount.get("readOnly") is True or mount["name"] in emptydirs, (container["name"], mount)
    mounts = {m["mountPath"]: m["name"] for m in _main_container()["volumeMounts"]}
    assert mounts["/tmp"] in emptydirs  # serve --workers N keeps the shared /metrics files in a temporary folder
    env = {e["name"]: e.get("value") for e in _main_container()["env"]}
    assert env["HF_HOME"].startswith("/tmp/")


def test_deploy_kubernetes_api_keys_are_a_mounted_secret_file_never_an_env_var() -> None:
    pod = _pod()
    for container in _all_containers():
        for var in container.get("env", []):
            assert "secretKeyRef" not in var.get("valueFrom", {}), var
            assert var["name"] != "TONECHECK_API_KEYS", "keys in the environment show in describe and /proc"
        assert not any("secretRef" in source for source in container.get("envFrom", []))
    for _, doc in _documents():
        if doc["kind"] == "ConfigMap":
            assert "TONECHECK_API_KEYS" not in doc["data"] and "TONECHECK_API_KEYS_FILE" not in doc["data"]
    env = {e["name"]: e.get("value") for e in _main_container()["env"]}
    key_file = Path(env["TONECHECK_API_KEYS_FILE"])
    (volume,) = [v for v in pod["volumes"] if "secret" in v]
    (mount,) = [m for m in _main_container()["volumeMounts"] if m["name"] == volume["name"]]
    assert mount["readOnly"] is True and key_file.parent == Path(mount["mountPath"])
    assert [item["path"] for item in volume["secret"]["items"]] == [key_file.name]
    assert volume["secret"]["defaultMode"] == 0o400  # with fsGroup: 0440, readable by the service's group only
    assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsGroup"]
    assert volume["secret"].get("optional") is not True  # no Secret, no pod: never an open service by accident
    init_mounts = {m["name"] for c in pod.get("initContainers", []) for m in c["volumeMounts"]}
    assert volume["name"] not in init_mounts


def test_deploy_kubernetes_settings_are_real_tonecheck_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # Settings ignores unknown TONECHECK_* names, so a typo here would silently do nothing.
    known = _env_names()
    (config_map,) = [doc for name, doc in _documents() if name == "configmap-settings.yaml"]
    container = _main_container()
    assert {"configMapRef": {"name": config_map["metadata"]["name"]}} in container["envFrom"]
    env = {e["name"]: e["value"] for e in container["env"]}
    for name in [*config_map["data"], *(n for n in env if n.startswith("TONECHECK_"))]:
        assert name in known, f"{name} is not a tonecheck setting; known: {sorted(known)}"
    for name in _env_names():
        monkeypatch.delenv(name, raising=False)
    for name, value in config_map["data"].items():
        monkeypatch.setenv(name, value)
    settings = Settings()  # the values parse as the service would parse them
    assert settings.torch_threads == 1 and settings.api_keys == [] and settings.cors_origins == []


def test_deploy_kubernetes_resources_follow_the_measured_memory() -> None:
    container = _main_container()
    args = container["args"]
    workers = int(args[args.index("--workers") + 1])
    requests, limits = container["resources"]["requests"], container["resources"]["limits"]
    assert workers == 2 and _cpu(requests["cpu"]) == _cpu(limits["cpu"]) == workers  # one CPU per worker
    # docs/bench-latest.json: one worker's RSS when ready and its peak while serving
    ready, peak = BENCH["http"]["rss_ready_mb"], BENCH["http"]["peak_rss_mb"]
    assert _quantity_bytes(requests["memory"]) >= workers * ready * MI
    assert _quantity_bytes(limits["memory"]) >= 1.5 * workers * peak * MI  # headroom for the largest emails
    for container in _pod().get("initContainers", []):
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]) <= set(container["resources"]["limits"])


def test_deploy_kubernetes_shutdown_covers_the_serve_drain(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from tonecheck.cli.main import main

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    assert main(["serve", "--workers", "1"]) == 0
    drain = seen["timeout_graceful_shutdown"]
    pod = _pod()
    pre_stop = _main_container()["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    # preStop, then SIGTERM: uvicorn drains for up to `drain` s, then a check still in its thread finishes
    # (the largest allowed email takes ~5 s, docs/bench-latest.json) before the process exits.
    worst_check = BENCH["in_process"]["worst_case"]["ms"]["p99"] / 1000
    assert pod["terminationGracePeriodSeconds"] >= int(pre_stop[1]) + drain + worst_check + 5
    strategy = _one("Deployment")["spec"]["strategy"]["rollingUpdate"]
    assert strategy["maxUnavailable"] == 0  # a rollout never drops below the serving pods
    assert "replicas" not in _one("Deployment")["spec"]  # the HPA owns it
    hpa = _one("HorizontalPodAutoscaler")["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "tonecheck"}
    assert [m["resource"]["name"] for m in hpa["metrics"]] == ["cpu"] and hpa["minReplicas"] >= 2
    labels = _one("Deployment")["spec"]["template"]["metadata"]["labels"]
    for kind in ("PodDisruptionBudget", "NetworkPolicy"):
        selector = _one(kind)["spec"]["selector" if kind == "PodDisruptionBudget" else "podSelector"]
        assert selector["matchLabels"].items() <= labels.items(), kind
    assert _one("Service")["spec"]["selector"].items() <= labels.items()


def _init_script() -> tuple[str, str, str]:
    (init,) = _pod()["initContainers"]
    assert init["command"] == ["python", "-c"]
    script, out_dir, custom_dir = init["args"]
    return script, out_dir, custom_dir


def _run_init(tmp_path: Path, files: dict[str, str]) -> subprocess.CompletedProcess:
    """The init container's own script, with the ConfigMap's files in a folder as Kubernetes mounts them."""
    script, _, _ = _init_script()
    custom, out = tmp_path / "custom-rules", tmp_path / "rules"
    custom.mkdir(parents=True)
    out.mkdir()
    data_dir = custom / "..2026_12_02_00_00_00.000000000"  # a ConfigMap volume: files are links into ..data
    data_dir.mkdir()
    (custom / "..data").symlink_to(data_dir.name)
    for name, text in files.items():
        (data_dir / name).write_text(text, encoding="utf-8")
        (custom / name).symlink_to(f"..data/{name}")
    return subprocess.run([sys.executable, "-c", script, str(out), str(custom)], capture_output=True, text=True,
                          timeout=120)  # fmt: skip


@pytest.mark.slow  # imports spaCy in a subprocess, and runs the custom rule's examples through the pipeline
def test_deploy_kubernetes_custom_rules_add_to_the_built_in_rules(tmp_path: Path, rules_engine: Engine) -> None:
    from tonecheck.cleanup import clean
    from tonecheck.detect.rules.detector import RuleDetector
    from tonecheck.detect.rules.loader import load_rules
    from tonecheck.parse import parse_many

    _, out_dir, custom_dir = _init_script()
    env = {e["name"]: e.get("value") for e in _main_container()["env"]}
    assert env["TONECHECK_RULES_DIR"] == out_dir
    (config_map,) = [doc for name, doc in _documents() if name == "configmap-rules.yaml"]
    result = _run_init(tmp_path, config_map["data"])
    assert result.returncode == 0, result.stderr[-2000:]
    merged = tmp_path / "rules"
    built_in = sorted(p.name for p in Settings().rules_dir.glob("*.yaml"))
    assert sorted(p.name for p in merged.iterdir()) == sorted([*built_in, *(f"custom-{n}" for n in config_map["data"])])
    rules = load_rules([merged])
    assert len(rules) == len(load_rules([Settings().rules_dir])) + sum(
        len(load_rules([merged / f"custom-{n}"])) for n in config_map["data"]
    )
    assert f"{len(rules)} rules in {merged}" in result.stdout
    # the example rules keep their promises, next to the built-in ones
    detector = RuleDetector(rules, rules_engine.nlp)
    for spec, file, _ in rules:
        if not Path(file).name.startswith("custom-"):
            continue
        assert spec.id.startswith(f"{spec.category.value}.custom_"), spec.id
        for kind, sentences in (("flag", spec.examples.flag), ("pass", spec.examples.pass_)):
            for sentence, parsed in zip(sentences, parse_many(rules_engine.nlp, [clean(s) for s in sentences], 100),
                                        strict=True):  # fmt: skip
                fired = [f.rule_id for f in detector.every_rule(parsed) if f.rule_id == spec.id]
                assert bool(fired) == (kind == "flag"), (spec.id, kind, sentence)
    # a mistake stops the pod at Init, naming the file and line
    broken = _run_init(tmp_path / "broken", {"team.yaml": "rules:\n  - id: blame.custom_x\n    category: blame\n"})
    assert broken.returncode != 0
    assert re.search(r"custom-team\.yaml:\d+", broken.stderr), broken.stderr[-2000:]


def test_deploy_kubernetes_queue_hpa_scales_on_a_metric_the_service_exports() -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    from tonecheck.api import metrics

    extras = DEPLOY / "extras"
    queue_hpa = yaml.safe_load((extras / "hpa-queue.yaml").read_text(encoding="utf-8"))
    assert kubernetes_validate.validate(queue_hpa, K8S_VERSIONS[0], strict=True)
    plain = _one("HorizontalPodAutoscaler")
    # The same autoscaler as hpa.yaml (name, target, bounds, behaviour, CPU), with the queue metric added.
    assert {k: v for k, v in queue_hpa["spec"].items() if k != "metrics"} == {
        k: v for k, v in plain["spec"].items() if k != "metrics"}
    assert queue_hpa["metadata"] == plain["metadata"]
    assert queue_hpa["spec"]["metrics"][: len(plain["spec"]["metrics"])] == plain["spec"]["metrics"]
    pods = [m["pods"] for m in queue_hpa["spec"]["metrics"] if m["type"] == "Pods"]
    assert len(pods) == 1
    name = pods[0]["metric"]["name"]
    # The adapter serves exactly that name, from a series the service really writes on /metrics.
    adapter = yaml.safe_load((extras / "prometheus-adapter-values.yaml").read_text(encoding="utf-8"))
    (rule,) = adapter["rules"]["custom"]
    assert rule["name"]["as"] == name
    series = rule["seriesQuery"].split("{", 1)[0]
    registry = CollectorRegistry()
    registry.register(metrics.QUEUE_CHECKS)
    exported = generate_latest(registry).decode()
    assert f"\n{series} " in f"\n{exported}", f"{series} is not a series tonecheck exports"
    assert set(rule["resources"]["overrides"]) == {"namespace", "pod"}
