"""docker-compose.yml cannot run here (no Docker engine), so check what can be checked: every
service variable it sets is one that service's settings class reads, and the wiring is sound."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
import yaml

from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = ("intake", "deadlines", "accountability", "notify")


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"services.{service}.settings")
    found = [c for _, c in inspect.getmembers(module, inspect.isclass)
             if issubclass(c, ServiceSettings) and c is not ServiceSettings]
    assert len(found) == 1, f"services/{service}/settings.py should define one settings class"
    return found[0]


def env_vars(service: str) -> dict[str, str]:
    spec = COMPOSE["services"][service]
    out: dict[str, str] = {}
    for f in spec.get("env_file", []):
        for line in (ROOT / f).read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                k, v = line.split("=", 1)
                out[k] = v
    out.update({k: str(v) for k, v in (spec.get("environment") or {}).items()})
    return out


@pytest.mark.parametrize("service", SERVICES)
def test_every_variable_is_read_by_the_settings_class(service: str) -> None:
    fields = {f"XN_{name.upper()}" for name in settings_class(service).model_fields}
    unknown = sorted(set(env_vars(service)) - fields)
    assert not unknown, f"{service}: compose sets variables its settings ignore: {unknown}"


@pytest.mark.parametrize("service", SERVICES)
def test_service_waits_for_healthy_infrastructure_and_has_a_healthcheck(service: str) -> None:
    spec = COMPOSE["services"][service]
    assert spec["depends_on"] == {"kafka": {"condition": "service_healthy"},
                                  "postgres": {"condition": "service_healthy"}}
    assert "/livez" in " ".join(spec["healthcheck"]["test"])
    assert spec["command"] == ["python", "-m", f"services.{service}"]


@pytest.mark.parametrize("service", SERVICES)
def test_http_ports_are_distinct_and_match_the_defaults(service: str) -> None:
    port = int(env_vars(service)["XN_HTTP_PORT"])
    assert port == settings_class(service).model_fields["http_port"].default


def test_http_ports_are_distinct() -> None:
    ports = [env_vars(s)["XN_HTTP_PORT"] for s in SERVICES]
    assert len(set(ports)) == len(ports), ports


def test_kafka_is_a_single_kraft_node_with_replication_factor_one() -> None:
    env = COMPOSE["services"]["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == 1
    assert COMPOSE["services"]["kafka"]["image"].startswith("apache/kafka:3.9")
