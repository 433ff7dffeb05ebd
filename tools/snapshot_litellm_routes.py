#!/usr/bin/env python3
"""Regenerate the reviewed snapshot of the pinned LiteLLM proxy's routes (infra/litellm/litellm-routes.txt).

    tools/snapshot_litellm_routes.py            write it from the installed LiteLLM (.venv), print what changed
    tools/snapshot_litellm_routes.py --check    exit 1 if it differs from the installed LiteLLM's routes

Run it after a LiteLLM upgrade, once you have decided for every new route whether developers need it on the public
path (then add it to infra/litellm/public-routes.yaml) or not (then the edge refuses it: nothing to do).
tests/terraform/test_public_routes.py fails until the snapshot matches.

Exit codes: 0 done (or up to date), 1 the snapshot differs (--check) or the routes could not be read, 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys

from llmgw.edge.allowlist import SNAPSHOT
from llmgw.edge.litellm_routes import (
    RoutesError,
    collect,
    installed_litellm_version,
    parse_snapshot,
    render_snapshot,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when the snapshot is stale")
    args = parser.parse_args(argv)
    try:
        routes = collect()
    except RoutesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    old = set(parse_snapshot(SNAPSHOT.read_text())[1]) if SNAPSHOT.exists() else set()
    new = set(routes)
    for r in sorted(new - old):
        print(f"+ {r.line()}")
    for r in sorted(old - new):
        print(f"- {r.line()}")
    text = render_snapshot(routes, installed_litellm_version())
    if args.check:
        current = SNAPSHOT.read_text() if SNAPSHOT.exists() else ""
        if current != text:
            print(f"{SNAPSHOT} is stale: run tools/snapshot_litellm_routes.py", file=sys.stderr)
            return 1
        return 0
    SNAPSHOT.write_text(text)
    print(f"wrote {SNAPSHOT} ({len(routes)} routes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
