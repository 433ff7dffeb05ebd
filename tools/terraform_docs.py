#!/usr/bin/env python3
"""The Inputs/Outputs tables of the module READMEs, in terraform-docs' "markdown table" format, offline.

    tools/terraform_docs.py --write      regenerate the block between <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS -->
    tools/terraform_docs.py --check      exit 1 when a README's tables do not match its variables and outputs

terraform-docs itself (pre-commit hook terraform_docs, settings in .terraform-docs.yml: anchors, HTML, escaping,
sorted by name, inputs and outputs only) writes the same block where it is installed; this script needs nothing but
python-hcl2, so the check runs on any machine (tests/terraform/test_readmes.py). The check compares the tables'
content (names, descriptions, types, defaults, required), not their bytes, so either writer may have produced them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2

REPO = Path(__file__).resolve().parents[1]
MODULES = REPO / "infra" / "terraform" / "modules"
BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"


@dataclass(frozen=True)
class Row:
    name: str
    description: str
    type: str = ""
    default: str = ""
    required: bool = False


def _unquote(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def _type_texts(source: str) -> dict[str, str]:
    """The `type = ...` expression of each variable block, as written (terraform-docs shows the source text)."""
    out: dict[str, str] = {}
    for m in re.finditer(r'^variable\s+"([^"]+)"\s*\{', source, re.M):
        body_start = m.end()
        t = re.compile(r"^\s*type\s*=\s*", re.M).search(source, body_start)
        next_var = source.find("\nvariable ", body_start)
        if not t or (next_var != -1 and t.start() > next_var):
            continue
        i, depth = t.end(), 0
        for j in range(t.end(), len(source)):
            ch = source[j]
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
            elif ch == "\n" and depth == 0:
                i = j
                break
        out[m.group(1)] = source[t.end() : i].rstrip()
    return out


def _clean(value: Any) -> Any:
    """python-hcl2 values -> plain JSON-able values (quoted strings unquoted, ${...} kept as text)."""
    if isinstance(value, dict):
        return {_unquote(k): _clean(v) for k, v in value.items() if not (k.startswith("__") and k.endswith("__"))}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return _unquote(value)


def _default_text(value: Any) -> str:
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        return value[2:-1]
    return json.dumps(_clean(value), indent=2)


def rows(module: Path) -> tuple[list[Row], list[Row]]:
    inputs: list[Row] = []
    outputs: list[Row] = []
    for path in sorted(module.glob("*.tf")):
        source = path.read_text()
        types = _type_texts(source)
        with path.open() as f:
            doc = hcl2.load(f)
        for block in doc.get("variable", []):
            for name, body in block.items():
                if name.startswith("__"):
                    continue
                name = _unquote(name)
                required = "default" not in body
                inputs.append(
                    Row(
                        name=name,
                        description=_unquote(body.get("description", "")),
                        type=types.get(name, "any"),
                        default="" if required else _default_text(body["default"]),
                        required=required,
                    )
                )
        for block in doc.get("output", []):
            for name, body in block.items():
                if not name.startswith("__"):
                    outputs.append(Row(name=_unquote(name), description=_unquote(body.get("description", ""))))
    return sorted(inputs, key=lambda r: r.name), sorted(outputs, key=lambda r: r.name)


# --- rendering (terraform-docs markdown table, anchor/html/escape on) --------------------------------------------


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("_", "\\_").replace("*", "\\*").replace("|", "\\|")


def _code(text: str) -> str:
    if "\n" in text:
        return "<pre>" + text.replace("|", "\\|").replace("\n", "<br/>") + "</pre>"
    return f"`{text}`"


def _name(kind: str, name: str) -> str:
    return f'<a name="{kind}_{name}"></a> [{_escape(name)}](#{kind}\\_{_escape(name)})'


def render(module: Path) -> str:
    inputs, outputs = rows(module)
    lines = [BEGIN, "## Inputs", ""]
    if inputs:
        lines += [
            "| Name | Description | Type | Default | Required |",
            "|------|-------------|------|---------|:--------:|",
        ]
        for r in inputs:
            default = "n/a" if r.required else _code(r.default)
            description = _escape(r.description).replace("\n", "<br/>")
            lines.append(
                f"| {_name('input', r.name)} | {description} | {_code(r.type)} | {default} | "
                f"{'yes' if r.required else 'no'} |"
            )
    else:
        lines.append("No inputs.")
    lines += ["", "## Outputs", ""]
    if outputs:
        lines += ["| Name | Description |", "|------|-------------|"]
        lines += [f"| {_name('output', r.name)} | {_escape(r.description)} |" for r in outputs]
    else:
        lines.append("No outputs.")
    lines.append(END)
    return "\n".join(lines)


# --- reading a README's tables back (either writer) --------------------------------------------------------------


def _unescape(text: str) -> str:
    return re.sub(r"\\([\\_*|\[\]`#<>])", r"\1", text.replace("<br/>", "\n").replace("<br>", "\n"))


def _uncode(cell: str) -> str:
    cell = cell.strip()
    if cell.startswith("<pre>") and cell.endswith("</pre>"):
        return cell[5:-6].replace("<br/>", "\n").replace("\\|", "|")
    if cell.startswith("`") and cell.endswith("`"):
        return cell[1:-1]
    return cell


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def parse(readme_text: str) -> tuple[list[Row], list[Row]] | None:
    if readme_text.count(BEGIN) != 1 or readme_text.count(END) != 1:
        return None
    block = readme_text.split(BEGIN, 1)[1].split(END, 1)[0]
    inputs_part, _, outputs_part = block.partition("## Outputs")
    inputs, outputs = [], []
    for line in inputs_part.splitlines():
        if line.startswith('| <a name="input_'):
            c = _cells(line)
            name = re.search(r'name="input_([^"]+)"', c[0]).group(1)
            required = c[4] == "yes"
            inputs.append(Row(name, _unescape(c[1]), _uncode(c[2]), "" if required else _uncode(c[3]), required))
    for line in outputs_part.splitlines():
        if line.startswith('| <a name="output_'):
            c = _cells(line)
            outputs.append(Row(re.search(r'name="output_([^"]+)"', c[0]).group(1), _unescape(c[1])))
    return inputs, outputs


def _norm(text: str) -> str:
    return " ".join(text.split())


def problems(module: Path) -> list[str]:
    readme = module / "README.md"
    if not readme.is_file():
        return [f"{readme}: missing"]
    parsed = parse(readme.read_text())
    if parsed is None:
        return [f"{readme}: no single {BEGIN} ... {END} block (run tools/terraform_docs.py --write)"]
    want_in, want_out = rows(module)
    got_in, got_out = parsed
    out = []
    for kind, want, got in (("input", want_in, got_in), ("output", want_out, got_out)):
        w = {r.name: r for r in want}
        g = {r.name: r for r in got}
        for name in sorted(set(w) - set(g)):
            out.append(f"{readme}: {kind} {name} missing from the table")
        for name in sorted(set(g) - set(w)):
            out.append(f"{readme}: {kind} {name} in the table but not in the module")
        for name in sorted(set(w) & set(g)):
            a, b = w[name], g[name]
            for field in ("description", "type", "default", "required"):
                if _norm(str(getattr(a, field))) != _norm(str(getattr(b, field))):
                    out.append(f"{readme}: {kind} {name}: {field} is {getattr(b, field)!r}, module says "
                               f"{getattr(a, field)!r}")  # fmt: skip
    return out


def write(module: Path) -> bool:
    readme = module / "README.md"
    text = readme.read_text() if readme.is_file() else f"# {module.name}\n"
    block = render(module)
    if BEGIN in text and END in text:
        new = text.split(BEGIN, 1)[0] + block + text.split(END, 1)[1]
    else:
        new = text.rstrip("\n") + "\n\n" + block + "\n"
    if new != text:
        readme.write_text(new)
        return True
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="regenerate the tables of every module README")
    action.add_argument("--check", action="store_true", help="exit 1 when a README does not match its module")
    parser.add_argument("modules", nargs="*", type=Path, help="module directories (default: all)")
    args = parser.parse_args(argv)
    modules = args.modules or sorted(p for p in MODULES.iterdir() if any(p.glob("*.tf")))
    if args.write:
        for m in modules:
            if write(m):
                print(f"updated {m / 'README.md'}")
        return 0
    found = [p for m in modules for p in problems(m)]
    for p in found:
        print(p, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
