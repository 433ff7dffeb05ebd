"""Create-or-update a team and its budget (LiteLLM 1.106.2: GET /team/info?team_id=, POST /team/new,
POST /team/update). A team budget holds beside each member's own budget: whichever is used up first refuses
(config.yaml sets apply_user_budget_to_team_keys)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from llmgw.admin.client import AdminClient, NotFound
from llmgw.admin.users import DURATION, SpecError

TEAM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")


@dataclass(frozen=True)
class TeamSpec:
    team_id: str
    alias: str | None = None
    max_budget: float | None = None
    budget_duration: str | None = None

    def validate(self) -> TeamSpec:
        if not TEAM_ID.match(self.team_id):
            raise SpecError(f"team id may use letters, digits and ._@+- only (1-128 characters): {self.team_id!r}")
        if self.max_budget is not None and not 0 <= self.max_budget < float("inf"):
            raise SpecError(f"max budget must be a number >= 0: {self.max_budget}")
        if self.budget_duration is not None and not DURATION.match(self.budget_duration):
            raise SpecError(f"budget duration must look like 30d, 12h, 2w or 1mo: {self.budget_duration!r}")
        if self.budget_duration and self.max_budget is None:
            raise SpecError("a budget duration needs a max budget (--max-budget)")
        return self

    def wanted(self) -> dict[str, Any]:
        fields = {"team_alias": self.alias, "max_budget": self.max_budget, "budget_duration": self.budget_duration}
        return {k: v for k, v in fields.items() if v is not None}


def find_team(client: AdminClient, team_id: str) -> dict[str, Any] | None:
    try:
        info = client.get("/team/info", team_id=team_id) or {}
    except NotFound:
        return None
    return info.get("team_info") or {}


def team_status(team_id: str, row: dict[str, Any]) -> dict[str, Any]:
    spend = float(row.get("spend") or 0.0)
    max_budget = row.get("max_budget")
    return {
        "team_id": team_id,
        "alias": row.get("team_alias"),
        "spend_usd": round(spend, 6),
        "max_budget_usd": max_budget,
        "budget_duration": row.get("budget_duration"),
        "budget_reset_at": row.get("budget_reset_at"),
        "remaining_usd": None if max_budget is None else round(max_budget - spend, 6),
        "over_budget": max_budget is not None and spend >= max_budget,
        "members": len(row.get("members_with_roles") or []),
    }


def ensure_team(client: AdminClient, spec: TeamSpec) -> dict[str, Any]:
    """The team as it is after this call, with "team": created | updated | reused (dry run: what would be)."""
    spec = spec.validate()
    row = find_team(client, spec.team_id)
    if row is None:
        created = client.post("/team/new", {"team_id": spec.team_id, **spec.wanted()})
        result = team_status(spec.team_id, created or {"team_id": spec.team_id, **spec.wanted()})
        return {**result, "team": "created"}
    changes = {k: v for k, v in spec.wanted().items() if row.get(k) != v}
    if not changes:
        return {**team_status(spec.team_id, row), "team": "reused"}
    client.post("/team/update", {"team_id": spec.team_id, **changes})
    after = row if client.dry_run else (find_team(client, spec.team_id) or row)
    return {**team_status(spec.team_id, {**after, **changes} if client.dry_run else after), "team": "updated"}
