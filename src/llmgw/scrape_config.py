"""VictoriaMetrics' scrape config, rendered from the ONE template Terraform also renders.

Used at run time by ``make up`` (llmgw.stack.local_stack) and the tests, and by tools/render_scrape_config.py
(docker-compose's committed rendering). The template (infra/victoriametrics/scrape.yml.tftpl) uses Terraform's
templatefile() syntax. This module implements exactly the subset that template needs, with Terraform's semantics
(tests render both ways and compare byte for byte): interpolations ``${name}`` and ``${jsonencode(name)}``, the
directives ``%{ if length(name) > 0 }`` / ``%{ else }`` / ``%{ endif }`` and ``%{ for item in name }`` /
``%{ endfor }``, strip markers (``%{~`` and ``~}``) and the escapes ``$${`` and ``%%{``. Anything else is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from llmgw.paths import REPO

TEMPLATE = REPO / "infra" / "victoriametrics" / "scrape.yml.tftpl"

TARGET = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:[0-9]{1,5}$")
DNS_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$")
DURATION = re.compile(r"^[0-9]+(ms|s|m|h)$")
LABEL_VALUE = re.compile(r"^[A-Za-z0-9_.:-]{1,63}$")

Value = str | int | bool | Sequence[str]


class TemplateError(ValueError):
    """The template uses syntax outside the supported subset, or a variable is missing."""


# --- Terraform-compatible functions -------------------------------------------------------------------------

_GO_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "<": "\\u003c", ">": "\\u003e"}
_GO_ESCAPES |= {"&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _go_json_string(value: str) -> str:
    """A JSON string the way Go's encoding/json writes it (what Terraform's jsonencode uses)."""
    out = []
    for ch in value:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def jsonencode(value: Value) -> str:
    """Terraform's jsonencode() for the value types the template receives (compact, Go escaping)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _go_json_string(value)
    if isinstance(value, Sequence):
        return "[" + ",".join(jsonencode(item) for item in value) + "]"
    raise TemplateError(f"jsonencode: unsupported value {value!r}")


def to_string(value: Value) -> str:
    """What ``${value}`` interpolates: strings as-is, numbers in decimal, bools as true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return str(value)
    raise TemplateError(f"cannot interpolate a {type(value).__name__} without jsonencode(): {value!r}")


# --- Template parsing ---------------------------------------------------------------------------------------

_TAG = re.compile(r"((?<!\$)\$|(?<!%)%)\{(~?)\s*(.*?)\s*(~?)\}", re.DOTALL)
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_INTERPOLATION = re.compile(rf"^(?:(?P<name>{_NAME})|jsonencode\((?P<encoded>{_NAME})\))$")
_IF = re.compile(rf"^if\s+length\((?P<name>{_NAME})\)\s*>\s*0$")
_FOR = re.compile(rf"^for\s+(?P<item>{_NAME})\s+in\s+(?P<name>{_NAME})$")


@dataclass
class Literal:
    text: str


@dataclass
class Interpolation:
    name: str
    encode: bool


@dataclass
class If:
    name: str
    then: list[Node] = field(default_factory=list)
    otherwise: list[Node] = field(default_factory=list)


@dataclass
class For:
    item: str
    name: str
    body: list[Node] = field(default_factory=list)


Node = Literal | Interpolation | If | For


def _unescape(text: str) -> str:
    return text.replace("$${", "${").replace("%%{", "%{")


def _line_pieces(text: str) -> list[str]:
    """Literal text split after every newline: Terraform's template scanner emits one literal per line,
    and a strip marker trims only the literal right next to it."""
    return [piece for piece in re.split(r"(?<=\n)", text) if piece]


def _tokens(source: str) -> list[tuple[str, object]]:
    """("lit", text) and ("tag", (sigil, body)) tokens with strip markers already applied."""
    raw: list[tuple[str, object]] = []
    strip_next = False
    pos = 0
    for match in _TAG.finditer(source):
        sigil, strip_before, body, strip_after = match.groups()
        pieces = _line_pieces(_unescape(source[pos : match.start()]))
        if strip_next and pieces:
            pieces[0] = pieces[0].lstrip()
        if strip_before and pieces:
            pieces[-1] = pieces[-1].rstrip()
        raw.extend(("lit", piece) for piece in pieces)
        raw.append(("tag", (sigil, body)))
        strip_next = bool(strip_after)
        pos = match.end()
    pieces = _line_pieces(_unescape(source[pos:]))
    if strip_next and pieces:
        pieces[0] = pieces[0].lstrip()
    raw.extend(("lit", piece) for piece in pieces)
    return raw


def parse(source: str) -> list[Node]:
    root: list[Node] = []
    stack: list[tuple[If | For, str]] = []  # open directives and which branch is being filled

    def current() -> list[Node]:
        if not stack:
            return root
        node, branch = stack[-1]
        if isinstance(node, For):
            return node.body
        return node.then if branch == "then" else node.otherwise

    for kind, value in _tokens(source):
        if kind == "lit":
            current().append(Literal(str(value)))
            continue
        sigil, body = value  # type: ignore[misc]
        if sigil == "$":
            m = _INTERPOLATION.match(body)
            if not m:
                raise TemplateError(f"unsupported interpolation ${{{body}}}")
            current().append(Interpolation(m["name"] or m["encoded"], encode=m["encoded"] is not None))
        elif m := _IF.match(body):
            node = If(m["name"])
            current().append(node)
            stack.append((node, "then"))
        elif m := _FOR.match(body):
            node = For(m["item"], m["name"])
            current().append(node)
            stack.append((node, "body"))
        elif body == "else":
            if not stack or not isinstance(stack[-1][0], If) or stack[-1][1] != "then":
                raise TemplateError("%{ else } without an open %{ if }")
            stack[-1] = (stack[-1][0], "else")
        elif body in ("endif", "endfor"):
            wanted = If if body == "endif" else For
            if not stack or not isinstance(stack[-1][0], wanted):
                raise TemplateError(f"%{{ {body} }} without a matching opening directive")
            stack.pop()
        else:
            raise TemplateError(f"unsupported directive %{{ {body} }}")
    if stack:
        raise TemplateError("template ends inside an unclosed %{ if } or %{ for }")
    return root


def _lookup(name: str, scope: Mapping[str, Value]) -> Value:
    if name not in scope:
        raise TemplateError(f'vars map does not contain key "{name}"')
    return scope[name]


def _render_nodes(nodes: list[Node], scope: Mapping[str, Value], out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, Literal):
            out.append(node.text)
        elif isinstance(node, Interpolation):
            value = _lookup(node.name, scope)
            out.append(jsonencode(value) if node.encode else to_string(value))
        elif isinstance(node, If):
            value = _lookup(node.name, scope)
            if isinstance(value, str | bool | int) or not isinstance(value, Sequence):
                raise TemplateError(f"length() of {node.name} needs a list")
            _render_nodes(node.then if len(value) > 0 else node.otherwise, scope, out)
        else:
            items = _lookup(node.name, scope)
            if isinstance(items, str) or not isinstance(items, Sequence):
                raise TemplateError(f"for ... in {node.name} needs a list")
            for item in items:
                _render_nodes(node.body, {**scope, node.item: item}, out)


def render(source: str, variables: Mapping[str, Value]) -> str:
    """Render a template the way Terraform's templatefile(path, variables) does (for the supported subset)."""
    nodes = parse(source)
    _check_references(nodes, variables)
    out: list[str] = []
    _render_nodes(nodes, variables, out)
    return "".join(out)


def _check_references(nodes: list[Node], variables: Mapping[str, Value], bound: frozenset[str] = frozenset()) -> None:
    """Like templatefile(): every variable the template names must be given, even in a branch not taken."""
    for node in nodes:
        names: list[str] = []
        if isinstance(node, Interpolation | If):
            names.append(node.name)
        if isinstance(node, For):
            names.append(node.name)
        for name in names:
            if name not in variables and name not in bound:
                raise TemplateError(f'vars map does not contain key "{name}"')
        if isinstance(node, If):
            _check_references(node.then, variables, bound)
            _check_references(node.otherwise, variables, bound)
        elif isinstance(node, For):
            _check_references(node.body, variables, bound | {node.item})


# --- The scrape config --------------------------------------------------------------------------------------


def _check_targets(targets: Sequence[str], flag: str) -> None:
    for target in targets:
        if not TARGET.match(target) or not 1 <= int(target.rsplit(":", 1)[1]) <= 65535:
            raise ValueError(f"{flag} {target!r} is not host:port")


def _check_dns_names(names: Sequence[str], flag: str) -> None:
    for name in names:
        if not DNS_NAME.match(name):
            raise ValueError(f"{flag} {name!r} is not a DNS name")


def scrape_variables(
    static_targets: Sequence[str],
    dns_sd_names: Sequence[str],
    dns_sd_port: int,
    scrape_interval: str,
    environment: str,
    broker_targets: Sequence[str] = (),
    broker_dns_sd_names: Sequence[str] = (),
    broker_port: int = 4020,
) -> dict[str, Value]:
    """The template's variables (the contract with Terraform), validated."""
    _check_dns_names(broker_dns_sd_names, "--broker-dns-sd-name")
    if not 1 <= broker_port <= 65535:
        raise ValueError(f"--broker-port {broker_port} is not a TCP port")
    _check_targets(static_targets, "--static-target")
    _check_dns_names(dns_sd_names, "--dns-sd-name")
    _check_targets(broker_targets, "--broker-target")
    if broker_targets and broker_dns_sd_names:
        raise ValueError("give the key broker's --broker-target or its --broker-dns-sd-name, not both")
    if not static_targets and not dns_sd_names:
        raise ValueError("nothing to scrape: give at least one --static-target or --dns-sd-name")
    if len(set(static_targets)) != len(static_targets):
        raise ValueError("a --static-target is given twice (it would be scraped twice)")
    if not 1 <= dns_sd_port <= 65535:
        raise ValueError(f"--dns-sd-port {dns_sd_port} is not a TCP port")
    if not DURATION.match(scrape_interval) or int(re.sub(r"\D", "", scrape_interval)) == 0:
        raise ValueError(f"--scrape-interval {scrape_interval!r} is not a duration such as 15s")
    if not LABEL_VALUE.match(environment):
        raise ValueError(f"--environment {environment!r}: use letters, digits, '_', '.', ':' or '-' (max 63)")
    return {
        "scrape_interval": scrape_interval,
        "static_targets": list(static_targets),
        "dns_sd_names": list(dns_sd_names),
        "dns_sd_port": dns_sd_port,
        "environment": environment,
        "broker_targets": list(broker_targets),
        "broker_dns_sd_names": list(broker_dns_sd_names),
        "broker_port": broker_port,
    }


def render_targets(
    static_targets: Sequence[str] = (),
    dns_sd_names: Sequence[str] = (),
    *,
    dns_sd_port: int = 4000,
    scrape_interval: str = "15s",
    environment: str = "local",
    broker_targets: Sequence[str] = (),
    broker_dns_sd_names: Sequence[str] = (),
    broker_port: int = 4020,
    template: Path = TEMPLATE,
) -> str:
    """The scrape config for these LiteLLM addresses and DNS names, and the key broker's addresses or DNS names
    (ValueError on bad input, TemplateError on a template outside the supported subset)."""
    variables = scrape_variables(
        static_targets,
        dns_sd_names,
        dns_sd_port,
        scrape_interval,
        environment,
        broker_targets=broker_targets,
        broker_dns_sd_names=broker_dns_sd_names,
        broker_port=broker_port,
    )
    return render(template.read_text(), variables)
