"""The deployment files in deploy/, checked offline: the Kubernetes manifests against the
Kubernetes schemas, compose.yaml against the Compose Specification, haproxy.cfg by HAProxy,
the engine's endpoints by Rasa's own reader; and that the pieces name each other alike
(services, selectors, replicas, settings, health routes). Nothing here starts a container, so a
mistake is found before a deployment rather than during one."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema
import kubernetes_validate
import pytest
import yaml

from bot.channels.validation import MAX_FRAME_BYTES
from bot.settings import PROJECT_ROOT, Settings

DEPLOY = PROJECT_ROOT / "deploy"
K8S = DEPLOY / "k8s"
# A Kubernetes version whose schemas kubernetes-validate ships.
KUBERNETES_VERSION = "1.30.0"
COMPOSE_SCHEMA = Path(__file__).parent / "schemas" / "compose-spec.json"
WORKLOADS = ("Deployment", "StatefulSet")
# Read by the engine (Rasa, deploy/endpoints.yml) or by rasa-sdk, not by bot/settings.py.
ENGINE_VARIABLES = {"TICKET_LOCK_LIFETIME", "SANIC_HOST", "LOG_LEVEL"}
# What a gateway cannot do without when there are several: shared secrets, the replicas it
# routes to, the shared Redis and databases.
GATEWAY_NEEDS = {
    "DATABASE_URL",
    "TRACKER_DATABASE_URL",
    "ENGINE_URLS",
    "ACTION_SERVER_URLS",
    "REDIS_URL",
    "ENGINE_TOKEN",
    "CONVERSATION_SECRET",
    "CONSOLE_SECRET",
    "REGISTRATION_SECRET",
    "API_KEYS",
    "TELEGRAM_WEBHOOK_SECRET",
}
# The action servers hash contacts and write registrations.
ACTIONS_NEED = {"DATABASE_URL", "REGISTRATION_SECRET"}


def needed_or_skipped(tool: str, why: str) -> None:
    """Skip when a tool is missing on a laptop; fail in CI, where it must be there."""
    message = f"{tool} is not installed: {why} not checked"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set: this check may not be skipped)")
    pytest.skip(message)


# --- reading the files -----------------------------------------------------------------------


@cache
def k8s_documents() -> tuple[tuple[str, dict[str, Any]], ...]:
    """Every (file name, document) in deploy/k8s/*.yaml, the Kustomization included."""
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                found.append((path.name, document))
    return tuple(found)


def k8s_resources() -> list[tuple[str, dict[str, Any]]]:
    return [(name, doc) for name, doc in k8s_documents() if doc["kind"] != "Kustomization"]


def k8s_of_kind(*kinds: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _, doc in k8s_resources() if doc["kind"] in kinds}


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    return list(workload["spec"]["template"]["spec"]["containers"])


def ports_of(pod_containers: list[dict[str, Any]]) -> set[str | int]:
    """The names and numbers of the containers' ports: what a probe or a Service may aim at."""
    ports = [port for container in pod_containers for port in container.get("ports", [])]
    return {port["name"] for port in ports if "name" in port} | {
        port["containerPort"] for port in ports
    }


def k8s_env_names(container: dict[str, Any]) -> set[str]:
    """The variables a container gets, its envFrom sources' keys included."""
    names = {item["name"] for item in container.get("env", [])}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            names |= set(k8s_of_kind("ConfigMap")[source["configMapRef"]["name"]]["data"])
        if "secretRef" in source:
            names |= set(k8s_of_kind("Secret")[source["secretRef"]["name"]]["stringData"])
    return names


# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}
COMPOSE_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_]+)(?:(:?)([-?])([^}]*))?\}")


@cache
def compose() -> dict[str, Any]:
    """deploy/compose.yaml as written, its ${VARS} left in."""
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    return loaded


def compose_services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = compose()["services"]
    return services


@cache
def compose_as_run() -> dict[str, Any]:
    """deploy/compose.yaml with its ${VARS} replaced as compose does, from the example env
    file: what the containers would get."""
    env = env_example()

    def value_of(match: re.Match[str]) -> str:
        name, colon, kind, word = match.groups()
        missing = name not in env or (colon == ":" and not env[name])
        if not missing:
            return env[name]
        assert kind != "?", f"compose would stop: {name} is not in guidance.env.example"
        return word or ""

    # Compose reads the YAML first, then replaces in its values: comments are left alone.
    def replaced(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: replaced(item) for key, item in value.items()}
        if isinstance(value, list):
            return [replaced(item) for item in value]
        return COMPOSE_VARIABLE.sub(value_of, value) if isinstance(value, str) else value

    loaded: dict[str, Any] = replaced(compose())
    return loaded


def compose_variables() -> list[tuple[str, bool]]:
    """Each ${VAR} in compose.yaml's values (comments aside), and whether it has a default."""
    return [
        (match[0], match[2] == "-")
        for value in walk(compose())
        if isinstance(value, str)
        for match in COMPOSE_VARIABLE.findall(value)
    ]


def env_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "guidance.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


@cache
def setting_names() -> frozenset[str]:
    """The variables bot/settings.py reads."""
    source = (PROJECT_ROOT / "bot" / "settings.py").read_text(encoding="utf-8")
    return frozenset(re.findall(r'env\.get\("([A-Z0-9_]+)"', source))


def endpoint_variables(text: str) -> set[str]:
    """The ${VARS} in the values of an endpoints file (its comments left aside)."""
    values = [v for v in walk(yaml.safe_load(text)) if isinstance(v, str)]
    return {name for value in values for name in re.findall(r"\$\{([A-Z0-9_]+)\}", value)}


def engine_endpoints_text() -> str:
    return (DEPLOY / "endpoints.yml").read_text(encoding="utf-8")


def walk(value: Any) -> Iterator[Any]:
    """Every value inside nested dicts and lists."""
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


# --- Kubernetes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [doc for _, doc in k8s_resources()],
    ids=[f"{name}:{doc['kind']}/{doc['metadata']['name']}" for name, doc in k8s_resources()],
)
def test_each_manifest_matches_the_kubernetes_schema(document: dict[str, Any]) -> None:
    # Strict: a misspelt or misplaced field is an error, not ignored by the API server.
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_kubernetes_check_refuses_a_misspelt_field() -> None:
    gateway = json.loads(json.dumps(k8s_of_kind("Deployment")["gateway"]))
    container = gateway["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError, match="readinesProbe"):
        kubernetes_validate.validate(gateway, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_lists_every_manifest_but_the_secret() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    files = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    # The Secret holds placeholders: applying it with the rest would put them back over the
    # real values (deploy/k8s/secret.yaml says why).
    assert set(kustomization["resources"]) == files - {"secret.yaml"}
    assert kustomization["namespace"] == k8s_of_kind("Namespace").popitem()[0]
    for _, document in k8s_resources():
        if document["kind"] != "Namespace":
            assert document["metadata"]["namespace"] == kustomization["namespace"]


@pytest.mark.parametrize("name", sorted(k8s_of_kind(*WORKLOADS)))
def test_every_container_has_probes_and_resources(name: str) -> None:
    workload = k8s_of_kind(*WORKLOADS)[name]
    for container in containers(workload):
        for probe in ("readinessProbe", "livenessProbe"):
            assert probe in container, f"{name}/{container['name']} has no {probe}"
            assert container[probe]["httpGet"]["port"] in ports_of([container]), (name, probe)
        requests = container.get("resources", {}).get("requests", {})
        assert {"cpu", "memory"} <= set(requests), f"{name}/{container['name']} requests"
        assert "memory" in container["resources"].get("limits", {}), name


def test_the_job_has_resource_requests() -> None:
    for job in k8s_of_kind("Job").values():
        for container in job["spec"]["template"]["spec"]["containers"]:
            assert {"cpu", "memory"} <= set(container["resources"]["requests"])


def test_the_autoscalers_target_existing_deployments_with_cpu_requests() -> None:
    autoscalers = k8s_of_kind("HorizontalPodAutoscaler")
    assert {"gateway", "actions"} <= set(autoscalers)
    deployments = k8s_of_kind("Deployment")
    for name, hpa in autoscalers.items():
        target = hpa["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment", name
        assert target["name"] in deployments, f"{name} scales a Deployment that does not exist"
        deployment = deployments[target["name"]]
        # Utilization is a share of the request: without one the autoscaler does nothing.
        assert all("cpu" in c["resources"]["requests"] for c in containers(deployment))
        # A fixed count in the Deployment would be put back by every `kubectl apply`.
        assert "replicas" not in deployment["spec"], target["name"]
        assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_services_and_disruption_budgets_select_pods_that_exist() -> None:
    workloads = k8s_of_kind(*WORKLOADS)
    for service in k8s_of_kind("Service").values():
        selector = service["spec"]["selector"]
        matching = [
            w for w in workloads.values()
            if selector.items() <= w["spec"]["template"]["metadata"]["labels"].items()
        ]  # fmt: skip
        assert matching, f"the Service {service['metadata']['name']} selects no pods"
        ports = ports_of([c for workload in matching for c in containers(workload)])
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, service["metadata"]["name"]
    for budget in k8s_of_kind("PodDisruptionBudget").values():
        labels = budget["spec"]["selector"]["matchLabels"].items()
        assert any(
            labels <= w["spec"]["template"]["metadata"]["labels"].items()
            for w in workloads.values()
        ), budget["metadata"]["name"]
    for workload in workloads.values():
        assert (
            workload["spec"]["selector"]["matchLabels"].items()
            <= workload["spec"]["template"]["metadata"]["labels"].items()
        )


def test_the_ingresses_reach_an_existing_service_port() -> None:
    services = k8s_of_kind("Service")
    for ingress in k8s_of_kind("Ingress").values():
        assert ingress["spec"]["ingressClassName"] == "nginx"
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                names = {port.get("name") for port in services[backend["name"]]["spec"]["ports"]}
                assert backend["port"].get("name") in names, ingress["metadata"]["name"]
    websocket = [
        ingress for ingress in k8s_of_kind("Ingress").values()
        if any(p["path"] == "/ws" for r in ingress["spec"]["rules"] for p in r["http"]["paths"])
    ]  # fmt: skip
    assert len(websocket) == 1
    annotations = websocket[0]["metadata"]["annotations"]
    for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(annotations[f"nginx.ingress.kubernetes.io/{timeout}"]) >= 3600


def test_engine_urls_name_each_engine_replica() -> None:
    engine = k8s_of_kind("StatefulSet")["engine"]
    headless = k8s_of_kind("Service")[engine["spec"]["serviceName"]]
    assert headless["spec"]["clusterIP"] == "None"
    port = containers(engine)[0]["ports"][0]["containerPort"]
    urls = k8s_of_kind("ConfigMap")["guidance-settings"]["data"]["ENGINE_URLS"].split(",")
    # A StatefulSet's pods are <name>-0, <name>-1…, each <pod>.<service> in DNS.
    name, service = engine["metadata"]["name"], engine["spec"]["serviceName"]
    expected = [
        f"http://{name}-{index}.{service}:{port}" for index in range(engine["spec"]["replicas"])
    ]
    assert urls == expected, "ENGINE_URLS must name every engine replica, and only those"


def test_every_referenced_setting_exists() -> None:
    config_maps, secrets = k8s_of_kind("ConfigMap"), k8s_of_kind("Secret")
    for _, document in k8s_resources():
        for value in walk(document):
            if not isinstance(value, dict):
                continue
            if "configMapKeyRef" in value:
                ref = value["configMapKeyRef"]
                assert ref["key"] in config_maps[ref["name"]]["data"], ref
            if "secretKeyRef" in value:
                ref = value["secretKeyRef"]
                assert ref["key"] in secrets[ref["name"]]["stringData"], ref
            if "configMapRef" in value:
                assert value["configMapRef"]["name"] in config_maps
            if "secretRef" in value:
                assert value["secretRef"]["name"] in secrets
            if "configMap" in value and "name" in value["configMap"]:
                assert value["configMap"]["name"] in config_maps


def test_each_kubernetes_part_gets_the_settings_it_needs() -> None:
    gateway = containers(k8s_of_kind("Deployment")["gateway"])[0]
    assert k8s_env_names(gateway) >= GATEWAY_NEEDS
    actions = containers(k8s_of_kind("Deployment")["actions"])[0]
    assert k8s_env_names(actions) >= ACTIONS_NEED
    engine = containers(k8s_of_kind("StatefulSet")["engine"])[0]
    assert k8s_env_names(engine) >= endpoint_variables(engine_endpoints_text()) | {"ENGINE_TOKEN"}
    migrate = k8s_of_kind("Job")["migrate"]["spec"]["template"]["spec"]["containers"][0]
    assert "DATABASE_URL" in k8s_env_names(migrate)


def test_the_kubernetes_settings_are_ones_the_processes_read() -> None:
    # A misspelt name would be ignored without a word and its default used.
    known = setting_names() | ENGINE_VARIABLES | endpoint_variables(engine_endpoints_text())
    settings = k8s_of_kind("ConfigMap")["guidance-settings"]["data"]
    secrets = k8s_of_kind("Secret")["guidance-secrets"]["stringData"]
    assert set(settings) | set(secrets) <= known
    for workload in [*k8s_of_kind(*WORKLOADS).values(), *k8s_of_kind("Job").values()]:
        for container in containers(workload):
            assert {item["name"] for item in container.get("env", [])} <= known


def test_the_engine_reads_the_endpoints_of_deploy() -> None:
    engine = k8s_of_kind("StatefulSet")["engine"]
    container = containers(engine)[0]
    path = Path(container["command"][container["command"].index("--endpoints") + 1])
    volumes = {v["name"]: v for v in engine["spec"]["template"]["spec"]["volumes"]}
    mount = next(m for m in container["volumeMounts"] if Path(m["mountPath"]) == path.parent)
    config_map = volumes[mount["name"]]["configMap"]["name"]
    mounted = k8s_of_kind("ConfigMap")[config_map]["data"][path.name]
    assert yaml.safe_load(mounted) == yaml.safe_load(engine_endpoints_text())


# --- Compose ---------------------------------------------------------------------------------


def compose_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    # Its $schema is written http://…/draft/2019-09/schema#, which jsonschema does not
    # recognise: name the draft.
    assert "2019-09" in schema["$schema"]
    jsonschema.Draft201909Validator.check_schema(schema)
    return jsonschema.Draft201909Validator(schema)


def test_compose_matches_the_compose_specification() -> None:
    errors = [
        f"{error.json_path}: {error.message}"
        for error in compose_validator().iter_errors(compose())
    ]
    assert not errors, "\n".join(errors)
    assert "version" not in compose(), "the Compose Specification has no version"


def test_the_compose_check_refuses_a_misspelt_key() -> None:
    broken = json.loads(json.dumps(compose()))
    broken["services"]["gateway"]["depend_on"] = broken["services"]["gateway"].pop("depends_on")
    assert any("depend_on" in e.message for e in compose_validator().iter_errors(broken))


def test_compose_dependencies_exist_and_can_be_met() -> None:
    services = compose_services()
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} waits for {dependency}, which is no service"
            wanted = condition["condition"]
            if wanted == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no healthcheck"
            if wanted == "service_completed_successfully":
                assert services[dependency].get("restart") == "no", f"{dependency} never ends"


def test_compose_urls_name_existing_services() -> None:
    services = compose_as_run()["services"]
    for name, service in services.items():
        for variable, value in service.get("environment", {}).items():
            for url in str(value).split(","):
                if "://" in url:
                    host = urlparse(url).hostname
                    assert host in services, f"{name}: {variable} names {host}, no service"


def test_compose_engine_urls_name_engine_services() -> None:
    services = compose_services()
    urls = services["gateway"]["environment"]["ENGINE_URLS"].split(",")
    engines = [n for n, s in services.items() if "rasa run" in " ".join(s.get("command", []))]
    assert sorted(urlparse(url).hostname for url in urls) == sorted(engines)
    for url in urls:
        command = services[str(urlparse(url).hostname)]["command"]
        assert command[command.index("--port") + 1] == str(urlparse(url).port)


def test_compose_variables_come_from_the_env_file() -> None:
    used = compose_variables()
    example = env_example()
    # Those with a default may be left out; the others stop compose when missing.
    required = {name for name, has_default in used if not has_default}
    assert required <= set(example), required - set(example)
    # Nothing in the example that nothing reads.
    assert set(example) - {"COMPOSE_PROJECT_NAME"} <= {name for name, _ in used}
    # Compose reads every $ in a value: a lone one (a shell's $VAR) would be a mistake here.
    for value in walk(compose()):
        assert not (isinstance(value, str) and re.search(r"\$(?!\{)", value)), value
    assert compose_as_run()["services"]["gateway"]["environment"]["ENGINE_TOKEN"] == "CHANGE-ME"


def test_each_compose_part_gets_the_settings_it_needs() -> None:
    services = compose_services()
    assert set(services["gateway"]["environment"]) >= GATEWAY_NEEDS
    assert set(services["actions"]["environment"]) >= ACTIONS_NEED
    known = setting_names() | ENGINE_VARIABLES | endpoint_variables(engine_endpoints_text())
    for name, service in services.items():
        if service.get("image", "").startswith("guidance"):
            assert set(service.get("environment", {})) <= known, name
        command = " ".join(service.get("command", []))
        if "rasa run" in command:
            assert set(service["environment"]) >= endpoint_variables(engine_endpoints_text())
            assert "--endpoints deploy/endpoints.yml" in command
            assert "--auth-token=${ENGINE_TOKEN" in command


def test_compose_and_kubernetes_start_the_parts_alike() -> None:
    services = compose_services()
    deployments = k8s_of_kind("Deployment")
    for part in ("gateway", "actions"):
        assert services[part]["command"] == containers(deployments[part])[0]["command"], part
    gateway = services["gateway"]["command"]
    assert gateway[gateway.index("--ws-max-size") + 1] == str(MAX_FRAME_BYTES)
    migrate = k8s_of_kind("Job")["migrate"]["spec"]["template"]["spec"]["containers"][0]
    assert services["migrate"]["command"] == migrate["command"]


def test_the_health_routes_exist_in_the_gateway() -> None:
    from bot.web.app import create_app

    with tempfile.TemporaryDirectory() as var:
        app = create_app(Settings(var_dir=Path(var), database_url=f"sqlite:///{var}/x.db"))
        routes = {getattr(route, "path", "") for route in app.routes}
    gateway = containers(k8s_of_kind("Deployment")["gateway"])[0]
    probed = {gateway[p]["httpGet"]["path"] for p in ("livenessProbe", "readinessProbe")}
    compose_probe = re.findall(r":8000(/\w+)", str(compose_services()["gateway"]["healthcheck"]))
    haproxy = re.findall(r"uri (\S+)", (DEPLOY / "haproxy.cfg").read_text(encoding="utf-8"))
    assert probed | set(compose_probe) | set(haproxy) | {"/ws"} <= routes


# --- HAProxy ---------------------------------------------------------------------------------


def test_haproxy_accepts_its_configuration() -> None:
    # Debian puts it in /usr/sbin, which a user's PATH may not hold.
    haproxy = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if not haproxy:
        needed_or_skipped("haproxy", "deploy/haproxy.cfg")
    # -dW: a warning fails too.
    result = subprocess.run(
        [haproxy, "-dW", "-c", "-f", str(DEPLOY / "haproxy.cfg")],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_haproxy_fronts_every_gateway() -> None:
    config = (DEPLOY / "haproxy.cfg").read_text(encoding="utf-8")
    slots, host, port = re.findall(r"server-template \S+ (\d+) ([\w-]+):(\d+)", config)[0]
    gateway = compose_services()["gateway"]
    assert host == "gateway"
    assert int(slots) >= gateway["deploy"]["replicas"]
    assert gateway["command"][gateway["command"].index("--port") + 1] == port
    assert re.search(r"timeout tunnel\s+1h", config)
    assert compose_services()["haproxy"]["ports"] == [f"{port}:{port}"]


# --- the engine's endpoints ------------------------------------------------------------------


def test_the_endpoints_use_plain_variables_and_a_numeric_timeout() -> None:
    text = engine_endpoints_text()
    endpoints = yaml.safe_load(text)
    lock_store = endpoints["lock_store"]
    assert lock_store["type"] == "engine.lock_store.ConversationLockStore"
    timeout = lock_store["socket_timeout"]
    assert isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0
    assert isinstance(lock_store["port"], int) and isinstance(lock_store["db"], int)
    assert endpoints["tracker_store"]["type"] == "SQL"
    # Rasa expands ${VARS} only in plain scalars: a quoted one would reach it as it is.
    for node in walk_nodes(yaml.compose(text)):
        if isinstance(node, yaml.ScalarNode) and "${" in node.value:
            assert node.style is None, f"{node.value} must not be quoted"


def walk_nodes(node: yaml.Node) -> Iterator[yaml.Node]:
    yield node
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from walk_nodes(key)
            yield from walk_nodes(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from walk_nodes(item)


RASA_READS_ENDPOINTS = """
import json, sys
from rasa.core.lock_store import LockStore
from rasa.core.utils import AvailableEndpoints
endpoints = AvailableEndpoints.read_endpoints(sys.argv[1])
lock_store = LockStore.create(endpoints.lock_store)  # redis-py connects lazily
print(json.dumps({
    "lock_store": type(lock_store).__name__,
    "socket_timeout": lock_store.red.connection_pool.connection_kwargs["socket_timeout"],
    "tracker_store": endpoints.tracker_store.url,
    "action": endpoints.action.url,
}))
"""


def test_rasa_reads_the_endpoints() -> None:
    python = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
    if not python.exists():
        needed_or_skipped(".venv-rasa", "reading deploy/endpoints.yml with Rasa")
    values = {
        "ACTION_ENDPOINT_URL": "http://actions:5055/webhook",
        "TRACKER_DATABASE_URL": "postgresql://guidance:pw@postgres:5432/guidance",
        "REDIS_HOST": "redis",
        "REDIS_PASSWORD": "",
    }
    assert set(values) == endpoint_variables(engine_endpoints_text())
    result = subprocess.run(
        [str(python), "-W", "ignore", "-c", RASA_READS_ENDPOINTS, str(DEPLOY / "endpoints.yml")],
        capture_output=True, text=True, timeout=120, check=False, cwd=PROJECT_ROOT,
        env={**os.environ, **values, "RASA_TELEMETRY_ENABLED": "false"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    read = json.loads(result.stdout.strip().splitlines()[-1])
    assert read["lock_store"] == "ConversationLockStore"
    assert isinstance(read["socket_timeout"], (int, float)) and read["socket_timeout"] > 0
    assert read["tracker_store"] == values["TRACKER_DATABASE_URL"]
    assert read["action"] == values["ACTION_ENDPOINT_URL"]


# --- the image -------------------------------------------------------------------------------


def test_the_image_is_built_by_the_makefile_and_runs_as_no_root() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.10-slim-bookworm$", dockerfile, re.MULTILINE)
    assert "RASA_TELEMETRY_ENABLED=false" in dockerfile
    users = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    runs_as = k8s_of_kind("Deployment")["gateway"]["spec"]["template"]["spec"]["securityContext"]
    assert str(runs_as["runAsUser"]) == users[-1].split(":")[0]
    targets = [".venv/.installed", ".venv-rasa/.installed", "models/.trained"]
    assert "make " + " ".join(targets) in dockerfile
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").split()
    # Copies of this machine's environments would overwrite the image's; secrets stay out.
    assert {".venv", ".venv-rasa", "models", ".env", "deploy/guidance.env"} <= set(ignored)
    if not shutil.which("make"):
        needed_or_skipped("make", "the Makefile's targets")
    # -n: only whether make knows the targets, nothing is built.
    result = subprocess.run(
        ["make", "-n", "-C", str(PROJECT_ROOT), *targets],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
