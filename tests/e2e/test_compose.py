"""compose.yaml, deploy/nginx.conf and the Dockerfile: valid, and saying what the deployment
relies on (README, "Scale out").

`docker compose config` is the real check where Docker's compose plugin (or the standalone
`docker-compose`) is installed. Everywhere, compose.yaml is also validated against the
Compose Specification's JSON schema, vendored in tests/e2e/compose_spec/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from app.settings import DEV_SECRET

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
NGINX = ROOT / "deploy" / "nginx.conf"
SCHEMA = Path(__file__).with_name("compose_spec") / "compose-spec.json"
SECRETS = ("TESSERA_SECRET", "TESSERA_WEBHOOK_SECRET")
MONGO_HOSTS = ["mongo1:27017", "mongo2:27017", "mongo3:27017"]


@cache
def compose() -> dict[str, Any]:
    """compose.yaml as compose reads it: anchors and `<<` merges resolved, not interpolated."""
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def service(name: str) -> dict[str, Any]:
    found: dict[str, Any] = compose()["services"][name]
    return found


def schema_errors(document: object) -> list[str]:
    validator = Draft7Validator(json.loads(SCHEMA.read_text()))
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]


def test_compose_file_follows_the_compose_specification() -> None:
    Draft7Validator.check_schema(json.loads(SCHEMA.read_text()))

    assert schema_errors(compose()) == []
    # and the schema does catch a mistake (a misspelt key), so the check above is not empty
    broken = json.loads(json.dumps(compose()))
    broken["services"]["worker"]["deploy"] = {"replica": 2}
    assert schema_errors(broken), "the schema accepted deploy.replica"


def docker_compose() -> list[str] | None:
    docker = shutil.which("docker")
    if docker is not None:
        plugin = subprocess.run([docker, "compose", "version"], capture_output=True)
        if plugin.returncode == 0:
            return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    return [standalone] if standalone is not None else None


def test_docker_compose_accepts_the_file_and_refuses_it_without_the_secrets() -> None:
    command = docker_compose()
    if command is None:
        pytest.skip(
            "docker compose is not installed: compose.yaml was checked against the Compose "
            "Specification's JSON schema only (test_compose_file_follows_the_compose_"
            "specification)"
        )
    env = {key: value for key, value in os.environ.items() if key not in SECRETS}
    config = [*command, "--file", str(COMPOSE), "config", "--quiet"]

    with_secrets = subprocess.run(
        config, env={**env, **dict.fromkeys(SECRETS, "s3cr3t")}, capture_output=True, text=True
    )
    without = subprocess.run(config, env=env, capture_output=True, text=True)

    assert with_secrets.returncode == 0, with_secrets.stderr
    assert without.returncode != 0
    assert all(name in without.stderr for name in SECRETS), without.stderr


def test_api_and_workers_run_one_image_with_one_environment_and_program() -> None:
    api, worker = service("api"), service("worker")

    assert api["image"] == worker["image"]
    assert "build" in api and "build" not in worker  # built once, run by both
    assert api["command"][:2] == ["tessera", "serve"] and "0.0.0.0" in api["command"]
    assert worker["command"] == ["tessera", "worker"]
    shared = {key: value for key, value in api["environment"].items() if key.startswith("TESS")}
    assert shared == worker["environment"]
    assert api["volumes"] == worker["volumes"]  # the same program file for both
    assert shared["TESSERA_PROGRAM"] == "/etc/tessera/program.toml"
    assert any(v.endswith(":/etc/tessera/program.toml:ro") for v in api["volumes"])
    assert (shared["TESSERA_PRODUCTION"], shared["TESSERA_DEMO"]) == ("true", "false")
    assert shared["TESSERA_REDIS_URL"] == "redis://redis:6379/0"
    assert {"api", "worker"} <= set(compose()["services"])
    assert api["deploy"]["replicas"] >= 2 and worker["deploy"]["replicas"] >= 1
    assert "ports" not in api  # reached through the proxy only


def test_secrets_are_required_from_the_environment_and_never_written_down() -> None:
    text = COMPOSE.read_text()

    for name in ("api", "worker"):
        environment = service(name)["environment"]
        for secret in SECRETS:
            # `${NAME:?message}`: compose refuses to start while NAME is unset or empty
            assert re.fullmatch(rf"\$\{{{secret}:\?[^}}]+\}}", environment[secret]), (
                name,
                secret,
                environment[secret],
            )
    assert DEV_SECRET not in text
    assert not re.search(r"(?i)(password|passwd|_KEY)\s*:", text)


def test_mongodb_is_a_replica_set_of_three_initiated_once() -> None:
    services = compose()["services"]
    members = [name for name, s in services.items() if "--replSet" in s.get("command", [])]

    assert members == ["mongo1", "mongo2", "mongo3"]
    for name in members:
        node = services[name]
        assert node["image"] == "mongo:7"
        assert node["command"][node["command"].index("--replSet") + 1] == "rs0"
        assert "healthcheck" in node
        assert any(v.endswith(":/data/db") for v in node["volumes"])  # a volume each
    init = services["mongo-init"]
    assert init["image"] == "mongo:7" and init["restart"] == "no"
    assert init["depends_on"] == {name: {"condition": "service_healthy"} for name in members}
    script = init["command"][-1]
    # initiated only when it is not yet (a second `up` finds it done), with the three nodes
    assert "NotYetInitialized" in script and script.count("rs.initiate(") == 1
    assert re.findall(r'host: "([^"]+)"', script) == MONGO_HOSTS
    # and the app waits for it, and connects to the same three as one replica set
    for name in ("api", "worker"):
        depends = service(name)["depends_on"]
        assert depends["mongo-init"] == {"condition": "service_completed_successfully"}
        url = service(name)["environment"]["TESSERA_MONGODB_URL"]
        assert url == f"mongodb://{','.join(MONGO_HOSTS)}/?replicaSet=rs0"


Directive = tuple[str, list[str], list["Directive"]]


def parse_nginx(text: str) -> list[Directive]:
    """nginx's configuration as (name, arguments, block) triples: enough for these checks."""
    tokens = re.findall(r'"[^"]*"|[{};]|[^\s{};"]+', re.sub(r"(?m)#.*$", "", text))
    position = 0

    def block() -> list[Directive]:
        nonlocal position
        directives: list[Directive] = []
        words: list[str] = []
        while position < len(tokens):
            token = tokens[position]
            position += 1
            if token == "}":
                return directives
            if token == ";":
                directives.append((words[0], words[1:], []))
                words = []
            elif token == "{":
                directives.append((words[0], words[1:], block()))
                words = []
            else:
                words.append(token.strip('"'))
        return directives

    return block()


def find(directives: list[Directive], name: str, *arguments: str) -> Directive:
    matches = [d for d in directives if d[0] == name and d[1][: len(arguments)] == [*arguments]]
    assert len(matches) == 1, f"expected one `{name} {' '.join(arguments)}`, found {matches}"
    return matches[0]


def values(directives: list[Directive], name: str) -> list[list[str]]:
    return [arguments for directive, arguments, _ in directives if directive == name]


def seconds(duration: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h|d)?", duration).groups()  # type: ignore[union-attr]
    return int(number) * {"ms": 0, "s": 1, "m": 60, "h": 3600, "d": 86400}[unit or "s"]


def test_the_proxy_passes_websocket_upgrades_and_streams_to_every_api_instance() -> None:
    config = parse_nginx(NGINX.read_text())
    proxy = service("proxy")

    # the file compose mounts is the one nginx reads inside its http block
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert proxy["image"].startswith("nginx:")
    assert any(str(port).endswith(":80") for port in proxy["ports"])
    assert proxy["depends_on"] == {"api": {"condition": "service_healthy"}}
    # every API replica, found through Docker's DNS and looked up again as they come and go
    _, _, upstream = find(config, "upstream", "tessera_api")
    assert values(upstream, "server") == [["api:8000", "resolve"]]
    assert "--port" in service("api")["command"] and "8000" in service("api")["command"]
    assert find(config, "resolver")[1][0] == "127.0.0.11"
    # a WebSocket handshake is passed on as an upgrade
    _, _, upgrade = find(config, "map", "$http_upgrade", "$connection_upgrade")
    assert ["upgrade"] in values(upgrade, "default")
    _, _, server = find(config, "server")
    _, _, graphql = find(server, "location", "=", "/graphql")
    assert find(graphql, "proxy_pass")[1] == ["http://tessera_api"]
    assert find(graphql, "proxy_http_version")[1] == ["1.1"]
    headers = values(graphql, "proxy_set_header")
    assert ["Upgrade", "$http_upgrade"] in headers
    assert ["Connection", "$connection_upgrade"] in headers
    assert ["Host", "$host"] in headers
    # subscriptions stay open far longer than nginx's default 60 s between reads
    assert seconds(find(graphql, "proxy_read_timeout")[1][0]) >= 3600
    assert seconds(find(graphql, "proxy_send_timeout")[1][0]) >= 3600
    # and server-sent events are not held back in a buffer
    assert find(graphql, "proxy_buffering")[1] == ["off"]


def test_metrics_stay_off_the_proxy_and_a_drain_is_not_cut_short() -> None:
    _, _, server = find(parse_nginx(NGINX.read_text()), "server")

    # the scraper reads each instance on the compose network; the proxy does not pass them
    _, _, metrics = find(server, "location", "=", "/metrics")
    assert find(metrics, "return")[1] == ["404"]
    # Docker waits for the drain (TESSERA_SHUTDOWN_GRACE_SECONDS, 10 s) before SIGKILL
    for name in ("api", "worker"):
        assert seconds(service(name)["stop_grace_period"]) > 10


def test_the_dockerfile_builds_the_wheel_and_runs_it_as_a_user() -> None:
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    instructions = [line.split(None, 1) for line in lines if not line.startswith("#")]
    stages: list[list[list[str]]] = []
    for instruction in instructions:
        if instruction[0] == "FROM":
            stages.append([])
        if stages:  # a global ARG may come before the first stage
            stages[-1].append(instruction)

    build, runtime = stages
    assert build[0][1].endswith("AS build") and runtime[0][1].endswith("AS runtime")
    assert "-slim" in runtime[0][1]
    assert any(i[0] == "RUN" and "pip wheel" in i[1] for i in build)
    assert any(
        i[0] == "RUN" and "from=build" in i[1] and "pip install --no-index" in i[1] for i in runtime
    )
    users = [i[1] for i in runtime if i[0] == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert ["EXPOSE", "8000"] in runtime
    cmd = [i[1] for i in runtime if i[0] == "CMD"]
    assert cmd and json.loads(cmd[-1]) == ["tessera", "serve", "--host", "0.0.0.0"]
    assert not [i for i in runtime if i[0] == "ENTRYPOINT"]  # so `tessera worker` just works
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "tests"} <= set(ignored)
