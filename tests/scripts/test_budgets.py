"""Budgets as a developer meets them: create_user.py sets user and team budgets, the gateway refuses at the limit
with a 429 that says how much, for what period and when it resets, and the budget resets after budget_duration.

Against LiteLLM's admin contract double with its LLM routes (tests/scripts/llm_routes.py: LiteLLM's own budget
checks, config.yaml's settings and callbacks, LiteLLM's error rendering); the same with the stock image and Postgres:
tests/compose/test_real_database.py::test_budgets_refuse_and_reset.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

import httpx

from scripts.admin_double import AdminDouble
from scripts.conftest import Result

CHAT = {"model": "claude-haiku-4-5", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
RESET = re.compile(r"It resets at (\d{4}-\d\d-\d\d \d\d:\d\d) UTC \(in [0-9dhms ]+\)")


def key_of(cli: Callable[..., Result], *args: str) -> str:
    result = cli(*args, "--json")
    assert result.returncode == 0, result.output
    return json.loads(result.stdout)["results"][0]["api_key"]


def ask(double: AdminDouble, key: str, path: str = "/v1/chat/completions") -> httpx.Response:
    return httpx.post(f"{double.url}{path}", json=CHAT, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def test_a_user_is_refused_at_the_limit_with_a_429_that_says_why(cli, double: AdminDouble) -> None:
    key = key_of(cli, "--email", "alice@example.com", "--max-budget", "0.02", "--budget-duration", "30d")
    assert [ask(double, key).status_code for _ in range(2)] == [200, 200]
    for path in ("/v1/chat/completions", "/v1/messages"):
        refused = ask(double, key, path)
        assert refused.status_code == 429, refused.text  # LiteLLM's default is 422
        error = refused.json()["error"]
        assert error["type"] == "budget_exceeded"
        message = error["message"]
        assert message.startswith("Budget exceeded: the personal budget ($0.02 per 30d) is used up ($0.02 spent).")
        assert RESET.search(message), message
    budget = json.loads(cli("budget", "--email", "alice@example.com", "--json").stdout)
    assert budget["over_budget"] is True and budget["spend_usd"] == 0.02


def test_the_budget_resets_after_its_duration(cli, double: AdminDouble) -> None:
    key = key_of(cli, "--email", "bob@example.com", "--max-budget", "0.01", "--budget-duration", "2s")
    assert ask(double, key).status_code == 200
    assert ask(double, key).status_code == 429
    time.sleep(2.5)
    assert ask(double, key).status_code == 200, "after budget_duration the spend starts again from 0"


def test_a_team_budget_holds_beside_each_members_own(cli, double: AdminDouble) -> None:
    created = cli("team", "--team-id", "research", "--max-budget", "0.03", "--budget-duration", "7d", "--json")
    assert created.returncode == 0, created.output
    team = json.loads(created.stdout)
    assert (team["team"], team["max_budget_usd"], team["budget_duration"]) == ("created", 0.03, "7d")
    carol = key_of(cli, "--email", "carol@example.com", "--team", "research", "--max-budget", "0.01")
    dave = key_of(cli, "--email", "dave@example.com", "--team", "research", "--max-budget", "5")

    assert ask(double, carol).status_code == 200
    personal = ask(double, carol)  # carol's own $0.01 is used up, the team still has $0.02
    assert personal.status_code == 429 and "the personal budget ($0.01)" in personal.json()["error"]["message"]
    # LiteLLM refuses a team (and a key) once its spend is *over* the budget, a user once it *reaches* it: the
    # request that brings the team to exactly $0.03 passes, the next one too (spend $0.04), then it refuses.
    assert [ask(double, dave).status_code for _ in range(3)] == [200, 200, 200]
    refused = ask(double, dave)  # dave has $4.97 of his own, but the team's $0.03 is spent
    assert refused.status_code == 429
    message = refused.json()["error"]["message"]
    assert message.startswith("Budget exceeded: the team budget of team 'research' ($0.03 per 7d) is used up"), message
    assert RESET.search(message), message

    raised = cli("team", "--team-id", "research", "--max-budget", "1", "--json")
    assert json.loads(raised.stdout)["team"] == "updated"
    assert ask(double, dave).status_code == 200, "a raised team budget lets the team through again"
    shown = cli("team", "--team-id", "research")
    assert shown.returncode == 0 and "team research, spent $0.0500 of $1.00, resets every 7d" in shown.stdout


def test_team_command_input_errors(cli) -> None:
    for args, text in (
        (["--team-id", "bad id"], "team id may use"),
        (["--team-id", "t", "--budget-duration", "30d"], "needs a max budget"),
        (["--team-id", "t", "--max-budget", "1", "--budget-duration", "soon"], "budget duration must look like"),
        (["--team-id", "nosuchteam"], "does not exist"),
    ):
        result = cli("team", *args)
        assert result.returncode != 0 and text in result.stderr, result.output
