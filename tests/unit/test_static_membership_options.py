"""Static group membership is opt-in per process, and its name can follow the host's."""

from __future__ import annotations

import socket

from shared.messaging.subscriber import at_least_once, at_least_once_batch
from shared.settings import ServiceSettings


def test_without_an_instance_name_consumers_are_dynamic_members(monkeypatch):
    monkeypatch.delenv("XN_KAFKA_INSTANCE_ID", raising=False)
    assert "group_instance_id" not in at_least_once("notify")
    assert "group_instance_id" not in at_least_once_batch("notify")
    assert ServiceSettings().kafka_instance_id is None


def test_an_instance_name_makes_the_consumer_a_static_member():
    assert at_least_once("notify", "notify-1")["group_instance_id"] == "notify-1"
    opts = at_least_once_batch("notify", "notify-1", fetch_max_wait_ms=200)
    assert opts["group_instance_id"] == "notify-1" and opts["batch"] is True
    assert opts["fetch_max_wait_ms"] == 200


def test_hostname_placeholder_names_each_container_apart(monkeypatch):
    monkeypatch.setenv("XN_KAFKA_INSTANCE_ID", "notify-{hostname}")
    assert ServiceSettings().kafka_instance_id == f"notify-{socket.gethostname()}"
