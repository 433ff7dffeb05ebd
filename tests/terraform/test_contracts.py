"""Contract checks of every module and environment (the part of `terraform validate` that needs no provider):
variables declared/used/typed/described, module calls, module outputs, version pins, layout, READMEs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .tflib import (
    ENVIRONMENTS,
    MODULES,
    REPO,
    TF_ROOT,
    TfDir,
    environment_dirs,
    module_dirs,
    module_source_dir,
    tf_dirs,
    unquote,
)

ALL_DIRS = tf_dirs()
MODULE_META = {"source", "version", "count", "for_each", "providers", "depends_on"}


def rel(p: Path) -> str:
    return str(p.relative_to(REPO)) if p.is_relative_to(REPO) else str(p)


@pytest.fixture(scope="module", params=ALL_DIRS, ids=rel)
def tfdir(request: pytest.FixtureRequest) -> TfDir:
    return TfDir.load(request.param)


def test_expected_modules_and_environments_exist() -> None:
    names = {p.name for p in module_dirs()}
    wanted = {
        "network", "alb", "cloudfront", "ecs-cluster", "litellm-service", "rds-postgres", "elasticache-redis",
        "victoriametrics", "grafana", "iam", "state-backend",
    }  # fmt: skip
    assert wanted <= names, wanted - names
    assert {"dev", "prod", "bootstrap"} <= {p.name for p in environment_dirs()}


def test_every_used_variable_is_declared(tfdir: TfDir) -> None:
    undeclared = tfdir.used_variables() - set(tfdir.variables)
    assert not undeclared, f"{rel(tfdir.path)}: var.{sorted(undeclared)} used but not declared"


def test_every_declared_variable_is_used(tfdir: TfDir) -> None:
    unused = set(tfdir.variables) - tfdir.used_variables()
    assert not unused, f"{rel(tfdir.path)}: variables {sorted(unused)} declared but never used"


def test_every_variable_has_type_and_description(tfdir: TfDir) -> None:
    bad = [
        name
        for name, v in tfdir.variables.items()
        if "type" not in v.body or not v.description or len(v.description) < 10
    ]
    assert not bad, f"{rel(tfdir.path)}: variables without type or a real description: {bad}"


def test_every_output_has_description(tfdir: TfDir) -> None:
    bad = [name for name, o in tfdir.outputs.items() if len(unquote(o.get("description", ""))) < 10]
    assert not bad, f"{rel(tfdir.path)}: outputs without description: {bad}"


def test_object_variables_are_not_nullable_when_defaulted(tfdir: TfDir) -> None:
    """A defaulted object/list/map/bool/number variable is nullable = false: null would only mean 'use default'."""
    offenders = []
    for name, v in tfdir.variables.items():
        type_expr = str(v.body.get("type", ""))
        if v.required:
            continue  # no default: null is only ever an explicit value (e.g. custom_domain = null in a tfvars file)
        default = v.body.get("default")
        if default is None or v.body.get("nullable") is False:
            continue  # null default: deliberately optional
        if re.search(r"\b(object|list|map|set|bool|number)\b", type_expr):
            offenders.append(name)
    assert not offenders, f"{rel(tfdir.path)}: add nullable = false to {offenders}"


def test_module_calls_pass_declared_and_required_inputs(tfdir: TfDir) -> None:
    problems = []
    for name, call in tfdir.module_calls.items():
        source = module_source_dir(tfdir.path, call)
        assert source is not None and source.is_dir(), f"{rel(tfdir.path)}: module {name}: bad source"
        callee = TfDir.load(source)
        declared = callee.variables
        passed = {k for k in call if not k.startswith("__")} - MODULE_META
        unknown = passed - set(declared)
        missing = {v for v, spec in declared.items() if spec.required} - passed
        if unknown:
            problems.append(f"module {name} ({rel(source)}): unknown inputs {sorted(unknown)}")
        if missing:
            problems.append(f"module {name} ({rel(source)}): missing required inputs {sorted(missing)}")
    assert not problems, f"{rel(tfdir.path)}: " + "; ".join(problems)


def test_referenced_module_outputs_exist(tfdir: TfDir) -> None:
    calls = tfdir.module_calls
    problems = []
    for module_name, output in sorted(tfdir.module_output_refs()):
        assert module_name in calls, f"{rel(tfdir.path)}: module.{module_name} referenced but not called"
        callee = TfDir.load(module_source_dir(tfdir.path, calls[module_name]))
        if output not in callee.outputs:
            problems.append(f"module.{module_name}.{output}")
    assert not problems, f"{rel(tfdir.path)}: outputs that do not exist: {problems}"


def test_module_layout_and_readme() -> None:
    """Every module has the standard files; the README's Inputs/Outputs tables: test_readmes.py."""
    problems = []
    for mod in module_dirs():
        for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
            if not (mod / name).is_file():
                problems.append(f"{rel(mod)}: {name} missing")
        readme = mod / "README.md"
        if readme.is_file() and not ("## Inputs" in readme.read_text() and "## Outputs" in readme.read_text()):
            problems.append(f"{rel(readme)}: no Inputs/Outputs sections")
    assert not problems, "\n".join(problems)


def _required_providers(d: TfDir) -> tuple[str | None, dict[str, dict]]:
    required_version = None
    providers: dict[str, dict] = {}
    for doc in d.docs.values():
        for tf in doc.get("terraform", []):
            if "required_version" in tf:
                required_version = unquote(tf["required_version"])
            for rp in tf.get("required_providers", []):
                for k, v in rp.items():
                    if not k.startswith("__"):
                        providers[k] = {kk: unquote(vv) for kk, vv in v.items()}
    return required_version, providers


def _admits(constraint: str, version: str) -> bool:
    """Enough of Terraform's version constraints for our pins: '= x.y.z', 'x.y.z', '~> x.y', '>= x.y'."""
    parts = tuple(int(p) for p in version.split("."))
    for clause in constraint.split(","):
        op, _, v = clause.strip().rpartition(" ")
        op = op or "="
        want = tuple(int(p) for p in v.split("."))
        if op == "=" and parts != want:
            return False
        if op == ">=" and parts < want:
            return False
        if op == "~>" and not (parts >= want and parts[: len(want) - 1] == want[:-1]):
            return False
    return True


@pytest.mark.parametrize("directory", ALL_DIRS, ids=rel)
def test_versions_are_pinned(directory: Path, provider_schema: dict) -> None:
    d = TfDir.load(directory)
    required_version, providers = _required_providers(d)
    assert required_version == ">= 1.11", f"{rel(directory)}: required_version is {required_version!r}"
    used = set()
    for doc in d.docs.values():
        for kind in ("resource", "data", "ephemeral"):
            for entry in doc.get(kind, []):
                used |= {unquote(k).split("_", 1)[0] for k in entry if not k.startswith("__")}
    used.discard("terraform")  # terraform_data is built in
    assert used <= set(providers), f"{rel(directory)}: providers used but not required: {used - set(providers)}"
    for name, spec in providers.items():
        assert spec.get("source") == f"hashicorp/{name}", f"{rel(directory)}: {name} source {spec.get('source')}"
        schema_version = provider_schema["providers"][name]["version"]
        constraint = spec.get("version", "")
        assert _admits(constraint, schema_version), f"{rel(directory)}: {name} {constraint!r} excludes {schema_version}"
        if directory.parent == ENVIRONMENTS:
            assert constraint in (schema_version, f"= {schema_version}"), (
                f"{rel(directory)}: roots pin {name} exactly to the version the schema check uses ({schema_version})"
            )
        else:
            assert constraint.startswith(("~>", "=")), f"{rel(directory)}: modules bound {name} with ~> or ="


ACCOUNT_ID = re.compile(r"(?<![0-9a-f])[0-9]{12}(?![0-9a-f])")
REGION = re.compile(r"\b(?:us|eu|ap|sa|ca|me|af|il|mx)-(?:gov-)?[a-z]+-[0-9]\b")
SECRETS = [
    re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    re.compile(r"(?i)\b(password|secret_string|auth_token|master_key)\s*=\s*\"[^\"$]{4,}\""),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
]
# The only region literal allowed: CloudFront-scoped WAF, its logs and CloudFront certificates exist only there.
ALLOWED_REGION_LINES = {
    ("modules/cloudfront/main.tf", 'global_region = "us-east-1"'),
    # Which regions each cross-region inference profile prefix serves (Bedrock facts, not deployment choices).
    ("modules/model-catalogue/main.tf", 'jp     = contains(["ap-northeast-1", "ap-northeast-3"], var.region)'),
    ("modules/model-catalogue/main.tf", 'au     = contains(["ap-southeast-2", "ap-southeast-4"], var.region)'),
    ("modules/model-catalogue/main.tf", "region_error          = "),
}


def test_no_hard_coded_account_ids_regions_or_secrets() -> None:
    """Regions may be named in descriptions and error messages (prose), never in values."""
    problems = []
    for path in sorted(TF_ROOT.rglob("*.tf")):
        relpath = str(path.relative_to(TF_ROOT))
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0] if not line.lstrip().startswith("#") else ""
            if ACCOUNT_ID.search(code):
                problems.append(f"{relpath}:{lineno}: account id? {line.strip()}")
            prose = re.match(r"\s*(description|error_message)\s*=", code) is not None
            if (
                REGION.search(code)
                and not prose
                and not any(relpath == f and s in line for f, s in ALLOWED_REGION_LINES)
            ):
                problems.append(f"{relpath}:{lineno}: hard-coded region: {line.strip()}")
            for pattern in SECRETS:
                if pattern.search(line):
                    problems.append(f"{relpath}:{lineno}: secret-looking literal: {line.strip()}")
    assert not problems, "\n".join(problems)


def test_contract_checks_catch_a_bad_module_call(tmp_path: Path) -> None:
    """The call checks bite: an unknown input and a missing required input in a copy are reported."""
    mod = tmp_path / "modules" / "m"
    mod.mkdir(parents=True)
    (mod / "variables.tf").write_text('variable "needed" {\n  type = string\n  description = "required input"\n}\n')
    (mod / "outputs.tf").write_text('output "o" {\n  description = "an output here"\n  value = var.needed\n}\n')
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text(
        'module "m" {\n  source = "../modules/m"\n  typo = 1\n}\noutput "x" {\n'
        '  description = "a bad reference"\n  value = module.m.nope\n}\n'
    )
    d = TfDir.load(root)
    call = d.module_calls["m"]
    callee = TfDir.load(module_source_dir(root, call))
    passed = {k for k in call if not k.startswith("__")} - MODULE_META
    assert passed - set(callee.variables) == {"typo"}
    assert {v for v, s in callee.variables.items() if s.required} - passed == {"needed"}
    assert ("m", "nope") in d.module_output_refs() and "nope" not in callee.outputs


def test_modules_are_only_called_by_relative_path() -> None:
    for directory in ALL_DIRS:
        for name, call in TfDir.load(directory).module_calls.items():
            assert unquote(call["source"]).startswith("../"), f"{rel(directory)}: module {name} source"


def test_github_oidc_module_is_covered_when_present() -> None:
    """The CI engineer's module goes through the same checks (this list is what the parametrised tests see)."""
    oidc = MODULES / "github-oidc"
    if oidc.is_dir() and any(oidc.glob("*.tf")):
        assert oidc in ALL_DIRS


RESOURCE_REF = re.compile(r"(?<![\w.])((?:aws|random)_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)")
DATA_REF = re.compile(r"(?<![\w.])data\.([a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)")
EPHEMERAL_REF = re.compile(r"(?<![\w.])ephemeral\.([a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)")
LOCAL_REF = re.compile(r"(?<![\w.])local\.([A-Za-z_][A-Za-z0-9_]*)")
MODULE_REF = re.compile(r"(?<![\w.])module\.([A-Za-z_][A-Za-z0-9_-]*)")


def test_every_reference_is_declared(tfdir: TfDir) -> None:
    """What `terraform validate` reports as 'Reference to undeclared resource/local value/module'."""
    from .tflib import expressions

    declared = {
        "resource": {(t, n) for _, t, n, _ in tfdir.resources("resource")},
        "data": {(t, n) for _, t, n, _ in tfdir.resources("data")},
        "ephemeral": {(t, n) for _, t, n, _ in tfdir.resources("ephemeral")},
        "local": {k for doc in tfdir.docs.values() for b in doc.get("locals", []) for k in b if not k.startswith("__")},
        "module": set(tfdir.module_calls),
    }
    problems = set()
    for doc in tfdir.code_docs():
        for expr in expressions(doc):
            problems |= {f"{t}.{n}" for t, n in RESOURCE_REF.findall(expr) if (t, n) not in declared["resource"]}
            problems |= {f"data.{t}.{n}" for t, n in DATA_REF.findall(expr) if (t, n) not in declared["data"]}
            problems |= {
                f"ephemeral.{t}.{n}" for t, n in EPHEMERAL_REF.findall(expr) if (t, n) not in declared["ephemeral"]
            }
            problems |= {f"local.{n}" for n in LOCAL_REF.findall(expr) if n not in declared["local"]}
            problems |= {f"module.{n}" for n in MODULE_REF.findall(expr) if n not in declared["module"]}
    assert not problems, f"{rel(tfdir.path)}: undeclared references {sorted(problems)}"


def test_reference_check_bites(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        "locals {\n  a = aws_vpc.missing.id\n  b = local.nope\n  c = data.aws_region.gone.region\n}\n"
    )
    d = TfDir.load(tmp_path)
    with pytest.raises(AssertionError, match=r"aws_vpc\.missing.*data\.aws_region\.gone.*local\.nope"):
        test_every_reference_is_declared(d)


def test_moved_blocks_point_at_what_exists() -> None:
    """The shared Fargate module took over resources of litellm-service, victoriametrics and grafana: every
    `moved` block's source no longer exists where it was, and its target exists in the called module, so applying
    the refactoring keeps existing state (no replacement)."""
    found = 0
    for directory in module_dirs():
        d = TfDir.load(directory)
        for doc in d.docs.values():
            for block in doc.get("moved", []):
                found += 1
                src, dst = block["from"].strip("${}"), block["to"].strip("${}")
                module_name, _, inner = dst.removeprefix("module.").partition(".")
                callee = TfDir.load(module_source_dir(directory, d.module_calls[module_name]))
                if inner.startswith("module."):
                    assert inner.removeprefix("module.") in callee.module_calls, (directory.name, dst)
                    assert src.removeprefix("module.") not in d.module_calls, (directory.name, src)
                else:
                    kind, name = inner.split(".")
                    assert (kind, name) in {(t, n) for _, t, n, _ in callee.resources()}, (directory.name, dst)
                    assert (kind, name) not in {(t, n) for _, t, n, _ in d.resources()}, (directory.name, src)
    assert found >= 18, found
