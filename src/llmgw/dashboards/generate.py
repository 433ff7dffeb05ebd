"""The Grafana dashboards of the LLM gateway as JSON, built with grafana-foundation-sdk (Grafana 11 build): the
dashboard-wide settings every board shares (variables, links, annotations, layout) around the panels of each
dashboard module (usage, cost, latency_errors, health).

The JSON files are committed (Grafana provisions them from infra/grafana/dashboards/); edit the dashboard modules,
not the JSON, and re-run tools/generate_dashboards.py. tests/observability checks that the committed files equal a
fresh generation byte for byte and evaluates every panel query against VictoriaMetrics filled by real gateway traffic.
"""

from __future__ import annotations

import json
import re

from grafana_foundation_sdk.builders import dashboard
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as models

from llmgw.dashboards.cost import cost
from llmgw.dashboards.health import health
from llmgw.dashboards.latency_errors import latency
from llmgw.dashboards.panels import DATASOURCE, Board
from llmgw.dashboards.usage import usage
from llmgw.paths import REPO

OUT_DIR = REPO / "infra" / "grafana" / "dashboards"
TAG = "llm-gateway"
BOARDS = (usage, cost, latency, health)


def variable(name: str, label: str, query: str) -> dashboard.QueryVariable:
    return (
        dashboard.QueryVariable(name)
        .label(label)
        .datasource(DATASOURCE)
        .query(query)
        .refresh(models.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(models.VariableSort.ALPHABETICAL_ASC)
        .multi(True)
        .include_all(True)
        .all_value(".*")
        .current(models.VariableOption(selected=True, text="All", value="$__all"))
    )


def build(board: Board) -> dict:
    d = (
        dashboard.Dashboard(board.title)
        .uid(board.uid)
        .description(board.description)
        .tags([TAG])
        .editable()
        .readonly()
        .timezone(board.timezone)
        .time("now-6h", "now")
        .refresh("1m")
        .tooltip(models.DashboardCursorSync.CROSSHAIR)
        .link(
            dashboard.DashboardLink("LLM Gateway")
            .type(models.DashboardLinkType.DASHBOARDS)
            .tags([TAG])
            .as_dropdown(True)
            .include_vars(True)
            .keep_time(True)
        )
        .annotation(
            dashboard.AnnotationQuery()
            .name("Annotations & Alerts")
            .datasource(models.DataSourceRef(type_val="grafana", uid="-- Grafana --"))
            .enable(True)
            .hide(True)
            .icon_color("rgba(0, 211, 255, 1)")
            .type("dashboard")
            .built_in(1)
        )
        .with_variable(variable("model", "Model group", "label_values(llmgw_requests_total, model_group)"))
        .with_variable(variable("team", "Team", 'label_values(llmgw_requests_total{model_group=~"$model"}, team)'))
        .with_variable(
            variable("user", "User", 'label_values(llmgw_requests_total{model_group=~"$model", team=~"$team"}, user)')
        )
    )
    for kind, item in board.panels:
        d = d.with_row(dashboard.Row(item)) if kind == "row" else d.with_panel(item)
    data = json.loads(json.dumps(d.build(), cls=JSONEncoder))
    for i, panel in enumerate(p for p in data["panels"] if p["type"] == "row"):
        panel["id"] = 1000 + i
    layout(data["panels"])
    return data


def layout(panels: list[dict]) -> None:
    """Left to right, wrapping at Grafana's 24 columns; a row starts a new line at full width."""
    x = y = line_height = 0
    for panel in panels:
        pos = panel["gridPos"]
        if panel["type"] == "row":
            y, x, line_height = y + line_height, 0, 0
            panel["gridPos"] = {"h": 1, "w": 24, "x": 0, "y": y}
            y += 1
            continue
        if x + pos["w"] > 24:
            y, x, line_height = y + line_height, 0, 0
        panel["gridPos"] = {"h": pos["h"], "w": pos["w"], "x": x, "y": y}
        x += pos["w"]
        line_height = max(line_height, pos["h"])


def render(board: Board) -> str:
    return json.dumps(build(board), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def file_name(board: Board) -> str:
    return re.sub(r"^llmgw-", "", board.uid) + ".json"


def dashboard_files() -> dict[str, str]:
    """File name -> JSON text of every dashboard, as committed in infra/grafana/dashboards/."""
    boards = [factory() for factory in BOARDS]
    return {file_name(board): render(board) for board in boards}
