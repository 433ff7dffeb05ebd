"""Create-or-reuse a LiteLLM user, its team membership and its key (LiteLLM 1.106.2 admin API).

Routes (proxy/management_endpoints/internal_user_endpoints.py, key_management_endpoints.py, team_endpoints.py):
GET /user/info?user_id=, GET /user/list?user_email=, GET /team/info?team_id=, POST /user/new, POST /user/update,
POST /team/member_add, GET /key/list?key_alias=&return_full_object=true, POST /key/generate, POST /key/update,
POST /key/delete.

Idempotent: the user id is the lower-cased email unless given, the key is found by its alias. A second run
changes only what differs. Rotation does not use /key/{key}/regenerate (an Enterprise feature in LiteLLM):
the old key is renamed, a new key (with the old key's team, models and limits unless given anew) is generated under
the alias, then the old key is deleted; if generating fails the old key gets its alias back.
"""

from __future__ import annotations

import csv
import re
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from llmgw.admin.client import AdminClient, GatewayError, NotFound

ROLES = ("internal_user", "internal_user_viewer", "proxy_admin", "proxy_admin_viewer")
DEFAULT_ROLE = "internal_user"
DURATION = re.compile(r"^[1-9]\d*(mo|[smhdw])$")  # units of LiteLLM's duration_in_seconds
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
KEY_ALIAS = re.compile(r"^[A-Za-z0-9@._+-]{1,200}$")
CREATED_BY = "create_user.py"


class SpecError(ValueError):
    """Invalid input for one user (a bad flag or a bad row of a bulk file)."""


@dataclass
class UserSpec:
    email: str | None = None
    alias: str | None = None
    role: str | None = None
    user_id: str | None = None
    team_id: str | None = None
    max_budget: float | None = None
    budget_duration: str | None = None
    models: list[str] | None = None
    rpm: int | None = None
    tpm: int | None = None
    # Per-model limits of the key (LiteLLM key metadata model_rpm_limit / model_tpm_limit): model group -> limit.
    model_rpm: dict[str, int] | None = None
    model_tpm: dict[str, int] | None = None
    key_alias: str | None = None
    key_expires: str | None = None

    @property
    def resolved_user_id(self) -> str:
        return self.user_id or (self.email or "").lower()

    def validate(self) -> UserSpec:
        if not self.email and not self.user_id:
            raise SpecError("a user needs an email (--email) or a user id (--user-id)")
        if self.email and not EMAIL.match(self.email):
            raise SpecError(f"not an email address: {self.email!r}")
        if self.role is not None and self.role not in ROLES:
            raise SpecError(f"unknown role {self.role!r} (one of {', '.join(ROLES)})")
        if self.max_budget is not None and not 0 <= self.max_budget < float("inf"):
            raise SpecError(f"max budget must be a number >= 0: {self.max_budget}")
        for name in ("budget_duration", "key_expires"):
            value = getattr(self, name)
            if value is not None and not DURATION.match(value):
                raise SpecError(f"{name.replace('_', ' ')} must look like 30d, 12h, 2w or 1mo: {value!r}")
        for name in ("rpm", "tpm"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise SpecError(f"{name} must be a positive integer: {value}")
        for name in ("model_rpm", "model_tpm"):
            for model, limit in (getattr(self, name) or {}).items():
                if not model or not isinstance(limit, int) or limit <= 0:
                    raise SpecError(f"{name.replace('_', ' ')} needs MODEL=positive integer: {model}={limit}")
        if self.budget_duration and self.max_budget is None:
            raise SpecError("a budget duration needs a max budget (--max-budget)")
        if self.key_alias is not None and not KEY_ALIAS.match(self.key_alias):
            raise SpecError(f"key alias may use letters, digits and @._+- only: {self.key_alias!r}")
        if self.models is not None and not all(self.models):
            raise SpecError("models must be non-empty names")
        return self


SPEC_FIELDS = tuple(f.name for f in fields(UserSpec))


def split_models(raw: Any) -> list[str]:
    if isinstance(raw, list):
        return [str(m).strip() for m in raw]
    return [m for m in re.split(r"[\s;,]+", str(raw).strip()) if m]


def model_limits(raw: str) -> dict[str, int]:
    """`claude-opus-5-5=10,claude-sonnet-5-5=30` -> {model group: limit} (--model-rpm / --model-tpm)."""
    limits: dict[str, int] = {}
    for part in (p for p in re.split(r"[\s,]+", raw.strip()) if p):
        model, sep, value = part.partition("=")
        if not sep or not model or not value.strip().isdigit() or int(value) <= 0:
            raise ValueError(f"expected MODEL=N with N a positive integer, got {part!r}")
        limits[model.strip()] = int(value)
    if not limits:
        raise ValueError("expected at least one MODEL=N")
    return limits


def _model_metadata(spec: UserSpec) -> dict[str, dict[str, int]]:
    found = {"model_rpm_limit": spec.model_rpm, "model_tpm_limit": spec.model_tpm}
    return {k: v for k, v in found.items() if v}


def spec_from_row(row: dict[str, Any], defaults: UserSpec) -> UserSpec:
    """One bulk row (CSV strings or YAML values) on top of the command-line defaults."""
    unknown = sorted(str(k) for k in row if k not in SPEC_FIELDS)
    if unknown:
        raise SpecError(f"unknown column(s) {', '.join(unknown)} (known: {', '.join(SPEC_FIELDS)})")
    values = asdict(defaults)
    for key, raw in row.items():
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            if key == "max_budget":
                values[key] = float(raw)
            elif key in ("rpm", "tpm"):
                if isinstance(raw, float) or (isinstance(raw, str) and not raw.strip().isdigit()):
                    raise ValueError
                values[key] = int(raw)
            elif key == "models":
                values[key] = split_models(raw)
            elif key in ("model_rpm", "model_tpm"):
                text = ",".join(f"{m}={n}" for m, n in raw.items()) if isinstance(raw, dict) else str(raw)
                try:
                    values[key] = model_limits(text)
                except ValueError as exc:
                    raise SpecError(f"{key}: {exc}") from None
            else:
                values[key] = str(raw).strip()
        except (TypeError, ValueError):
            kind = "an integer" if key in ("rpm", "tpm") else "a number"
            raise SpecError(f"{key} is not {kind}: {raw!r}") from None
    return UserSpec(**values).validate()


def load_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a bulk file: CSV with a header line, or YAML (a list of mappings, or {users: [...]})."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror}") from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        reader = csv.DictReader(lines)
        rows: list[dict[str, Any]] = []
        for number, row in enumerate(reader, start=2):
            if None in row:
                raise SpecError(f"{path}: data row {number - 1} has more values than the header has columns")
            rows.append({(k or "").strip(): v for k, v in row.items()})
    elif suffix in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SpecError(f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from None
        if isinstance(data, dict) and "users" in data:
            data = data["users"]
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise SpecError(f"{path} must hold a list of users (mappings), optionally under 'users:'")
        rows = data
    else:
        raise SpecError(f"{path}: bulk files are .csv, .yaml or .yml")
    if not rows:
        raise SpecError(f"{path} holds no users")
    return rows


@dataclass
class Outcome:
    user_id: str
    user: str = ""  # created | reused | updated
    team: str | None = None  # added | member
    team_id: str | None = None
    key_alias: str | None = None
    key: str = "none"  # created | reused | updated | rotated | none
    api_key: str | None = None
    key_expires: str | None = None
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def find_user(client: AdminClient, spec: UserSpec) -> dict[str, Any] | None:
    """The stored user (LiteLLM_UserTable as JSON, with its team ids), or None."""
    try:
        info = client.get("/user/info", user_id=spec.resolved_user_id)
        if info and info.get("user_info"):
            row = dict(info["user_info"])
            row.setdefault("user_id", info.get("user_id"))
            return row
    except NotFound:
        pass
    if spec.email:
        listing = client.get("/user/list", user_email=spec.email, page_size=100) or {}
        for row in listing.get("users", []):
            if (row.get("user_email") or "").lower() == spec.email.lower():
                return row
    return None


def _differs(stored: Any, wanted: Any) -> bool:
    if isinstance(wanted, list):
        return sorted(stored or []) != sorted(wanted)
    if isinstance(wanted, float) and isinstance(stored, int | float):
        return abs(stored - wanted) > 1e-9
    return stored != wanted


def user_changes(spec: UserSpec, row: dict[str, Any]) -> dict[str, Any]:
    """Fields given for this user that differ from the stored user."""
    wanted = {
        "user_alias": spec.alias,
        "user_role": spec.role,
        "max_budget": spec.max_budget,
        "budget_duration": spec.budget_duration,
        "models": spec.models,
        "rpm_limit": spec.rpm,
        "tpm_limit": spec.tpm,
    }
    return {k: v for k, v in wanted.items() if v is not None and _differs(row.get(k), v)}


def key_changes(spec: UserSpec, key: dict[str, Any]) -> dict[str, Any]:
    wanted = {"models": spec.models, "rpm_limit": spec.rpm, "tpm_limit": spec.tpm, "team_id": spec.team_id}
    changes = {k: v for k, v in wanted.items() if v is not None and _differs(key.get(k), v)}
    metadata = dict(key.get("metadata") or {})
    limits = _model_metadata(spec)
    if any(metadata.get(k) != v for k, v in limits.items()):
        changes["metadata"] = {**metadata, **limits}
    return changes


def find_key(client: AdminClient, alias: str) -> dict[str, Any] | None:
    """The live key with exactly this alias (full object: token hash, user_id, blocked, expires...)."""
    listing = client.get("/key/list", key_alias=alias, return_full_object=True, size=100) or {}
    for key in listing.get("keys", []):
        if isinstance(key, dict) and key.get("key_alias") == alias:
            return key
    return None


def check_team(client: AdminClient, team_id: str) -> None:
    """Fail (nothing written yet) when the team does not exist: LiteLLM would create the user, then refuse it."""
    try:
        client.get("/team/info", team_id=team_id)
    except NotFound:
        raise GatewayError(
            f"team {team_id!r} does not exist on this gateway: create it first (admin UI, or POST /team/new with "
            f"team_id {team_id!r}); nothing was changed",
            404,
        ) from None


def provision(
    client: AdminClient,
    spec: UserSpec,
    *,
    rotate_key: bool = False,
    with_key: bool = True,
    metadata: dict[str, Any] | None = None,
) -> Outcome:
    """Bring one user (and its key) to the wanted state; raises GatewayError when the gateway refuses.

    ``metadata`` replaces the default ``{"created_by": "create_user.py"}`` of a new user and key (the key broker
    records the principal and the rule there)."""
    metadata = metadata or {"created_by": CREATED_BY}
    user_id = spec.resolved_user_id
    if spec.team_id:
        check_team(client, spec.team_id)  # before any write: an unknown team must not leave a user without a key
    row = find_user(client, spec)
    if row is None:
        body: dict[str, Any] = {
            "user_id": user_id,
            "user_email": spec.email,
            "user_alias": spec.alias,
            "user_role": spec.role or DEFAULT_ROLE,
            "max_budget": spec.max_budget,
            "budget_duration": spec.budget_duration,
            "models": spec.models,
            "rpm_limit": spec.rpm,
            "tpm_limit": spec.tpm,
            "metadata": metadata,
            "auto_create_key": False,
        }
        client.post("/user/new", {k: v for k, v in body.items() if v is not None})
        outcome = Outcome(user_id=user_id, user="created")
        teams: list[str] = []
    else:
        user_id = row.get("user_id") or user_id
        outcome = Outcome(user_id=user_id, user="reused")
        if spec.email and row.get("user_email") and row["user_email"].lower() != spec.email.lower():
            raise GatewayError(
                f"user id {user_id!r} already belongs to {row['user_email']!r}, not {spec.email!r}: pass --user-id"
            )
        changes = user_changes(spec, row)
        if changes:
            client.post("/user/update", {"user_id": user_id, **changes})
            outcome.user = "updated"
        teams = list(row.get("teams") or [])

    if spec.team_id:
        outcome.team_id = spec.team_id
        if spec.team_id in teams:
            outcome.team = "member"
        else:
            try:
                client.post(
                    "/team/member_add", {"team_id": spec.team_id, "member": {"role": "user", "user_id": user_id}}
                )
                outcome.team = "added"
            except GatewayError as exc:
                if exc.status != 400 or "already in team" not in str(exc):
                    raise
                outcome.team = "member"

    if with_key:
        outcome.key_alias = spec.key_alias or f"{user_id}-default"
        _ensure_key(client, spec, outcome, rotate_key, metadata)
    return outcome


def _generate(client: AdminClient, spec: UserSpec, outcome: Outcome, metadata: dict[str, Any]) -> None:
    body = {
        "user_id": outcome.user_id,
        "key_alias": outcome.key_alias,
        "duration": spec.key_expires,
        "team_id": spec.team_id,
        "models": spec.models,
        "rpm_limit": spec.rpm,
        "tpm_limit": spec.tpm,
        "metadata": {**metadata, **_model_metadata(spec)},
    }
    resp = client.post("/key/generate", {k: v for k, v in body.items() if v is not None})
    if resp is not None:
        outcome.api_key = resp.get("key")
        outcome.key_expires = resp.get("expires")


def _ensure_key(
    client: AdminClient, spec: UserSpec, outcome: Outcome, rotate_key: bool, metadata: dict[str, Any]
) -> None:
    alias = outcome.key_alias or ""
    existing = find_key(client, alias)
    if existing is not None and existing.get("user_id") not in (None, outcome.user_id):
        raise GatewayError(
            f"key alias {alias!r} belongs to user {existing.get('user_id')!r}; choose another --key-alias"
        )
    if existing is None:
        _generate(client, spec, outcome, metadata)
        outcome.key = "created"
        return
    outcome.key_expires = existing.get("expires")
    if not rotate_key:
        changes = key_changes(spec, existing)
        if changes:
            client.post("/key/update", {"key": existing["token"], **changes})
        outcome.key = "updated" if changes else "reused"
        if existing.get("blocked"):
            outcome.warnings.append(f"key {alias} is disabled (blocked): enable-key, or --rotate-key for a new key")
        return
    # Rotation: park the old key under another alias, issue the new key, then delete the old one. The new key keeps
    # the old key's team, models and limits unless the command line gives new ones.
    token = existing["token"]
    parked = f"{alias}.rotated-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}"
    carried = replace(
        spec,
        team_id=spec.team_id or existing.get("team_id"),
        models=spec.models if spec.models is not None else (existing.get("models") or None),
        rpm=spec.rpm if spec.rpm is not None else existing.get("rpm_limit"),
        tpm=spec.tpm if spec.tpm is not None else existing.get("tpm_limit"),
        model_rpm=spec.model_rpm or (existing.get("metadata") or {}).get("model_rpm_limit"),
        model_tpm=spec.model_tpm or (existing.get("metadata") or {}).get("model_tpm_limit"),
    )
    client.post("/key/update", {"key": token, "key_alias": parked})
    try:
        _generate(client, carried, outcome, metadata)
    except GatewayError as exc:
        client.post("/key/update", {"key": token, "key_alias": alias})
        raise GatewayError(f"{exc}; no new key was issued, the old key {alias} still works", exc.status) from None
    outcome.key = "rotated"
    try:
        client.post("/key/delete", {"keys": [token]})
    except GatewayError as exc:
        outcome.errors.append(
            f"the new key is issued but the old key (now alias {parked}) is still valid: {exc}; "
            f"delete it with `create_user.py delete-key --key-alias {parked} --yes`"
        )
