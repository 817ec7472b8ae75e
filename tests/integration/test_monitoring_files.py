"""The alerts, the Prometheus configuration and the Grafana dashboard in `infra/`: promtool
accepts them, the alerts fire as their own tests say, and every figure they name is one the
platform exposes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.exposition import generate_latest

from marketplace.api.process_metrics import ComponentGauges, watch_api
from marketplace.metrics.http import HttpMetrics
from marketplace.metrics.pipeline import IntakeMetrics, NotifierMetrics, RelayMetrics
from marketplace.metrics.process import ProcessMetrics
from marketplace.metrics.samplers import ReadModelGauges, watch_deliveries, watch_event_store

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "infra" / "prometheus"
DASHBOARD = ROOT / "infra" / "grafana" / "marketplace.json"
NAME = re.compile(r"\bmarketplace_[a-z_]+\b")


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail(
            "promtool is missing: install Debian's `prometheus` package "
            "(apt-get install -y --no-install-recommends prometheus; infra/test.sh does)"
        )
    return found


def run(*args: str, cwd: Path = PROMETHEUS) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_promtool_accepts_the_alerts_and_their_tests_pass() -> None:
    tool = promtool()
    assert "SUCCESS" in run(tool, "check", "rules", "alerts.yml")
    assert "SUCCESS" in run(tool, "test", "rules", "alerts_test.yml")


def test_promtool_accepts_the_scrape_configuration(tmp_path: Path) -> None:
    tool = promtool()
    token = tmp_path / "metrics_token"
    token.write_text("a-token")
    config = (PROMETHEUS / "prometheus.yml").read_text()
    (tmp_path / "prometheus.yml").write_text(
        config.replace("/run/secrets/metrics_token", str(token))
    )
    shutil.copy(PROMETHEUS / "alerts.yml", tmp_path / "alerts.yml")
    assert "SUCCESS" in run(tool, "check", "config", "prometheus.yml", cwd=tmp_path)


def exposed() -> set[str]:
    """Every series name the platform's processes can expose."""
    metrics = ProcessMetrics()
    HttpMetrics(metrics)
    RelayMetrics(metrics)
    NotifierMetrics(metrics)
    IntakeMetrics(metrics)
    ReadModelGauges(metrics)
    ComponentGauges(metrics)
    watch_event_store(metrics, None)  # type: ignore[arg-type]  # only its families are read
    watch_deliveries(metrics, None)  # type: ignore[arg-type]
    watch_api(metrics, None, None, None, None)  # type: ignore[arg-type]
    text = generate_latest(metrics.registry).decode()
    names: set[str] = set()
    for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", text, re.MULTILINE):
        names.add(name)
        if kind == "counter":
            names |= {name.removesuffix("_total"), f"{name.removesuffix('_total')}_total"}
        if kind == "histogram":
            names |= {f"{name}_bucket", f"{name}_count", f"{name}_sum"}
    return names


def expressions(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [e for key, value in node.items() for e in expressions(value)] + (
            [node["expr"]] if isinstance(node.get("expr"), str) else []
        )
    if isinstance(node, list):
        return [e for item in node for e in expressions(item)]
    return []


def test_the_dashboard_and_the_alerts_name_only_exposed_figures() -> None:
    names = exposed()
    dashboard = json.loads(DASHBOARD.read_text())
    alerts = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    used = {n for e in expressions(dashboard) + expressions(alerts) for n in NAME.findall(e)}

    assert used and used <= names, sorted(used - names)
    assert {p["datasource"]["uid"] for p in dashboard["panels"] if "datasource" in p} == {
        "prometheus"
    }
    provisioned = (ROOT / "infra/grafana/provisioning/datasources/prometheus.yml").read_text()
    assert "uid: prometheus" in provisioned
