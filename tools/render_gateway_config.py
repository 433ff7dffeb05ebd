#!/usr/bin/env python3
"""Render the model list, aliases and fallbacks of infra/litellm/config.yaml from infra/litellm/models.yaml.

    tools/render_gateway_config.py            # rewrite config.yaml's generated blocks (what `make config` runs)
    tools/render_gateway_config.py --check    # exit 1 when config.yaml is not what models.yaml renders
    tools/render_gateway_config.py --prices   # the pinned cost map's prices of every served profile (Markdown)

models.yaml is validated first (names, aliases, fallbacks, and every model priced by LiteLLM's pinned cost map
through the chosen profile prefix); a problem is one line on stderr and exit code 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from llmgw import catalogue


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check that config.yaml is current")
    parser.add_argument("--prices", action="store_true", help="print the served profiles' prices, change nothing")
    parser.add_argument("--catalogue", type=Path, default=catalogue.CATALOGUE, help="models.yaml to read")
    parser.add_argument("--config", type=Path, default=catalogue.CONFIG, help="config.yaml to render into")
    args = parser.parse_args(argv)
    try:
        models = catalogue.load(args.catalogue)
        if args.prices:
            print(catalogue.price_table(models))
            return 0
        if args.check:
            if catalogue.config_is_current(args.config, models):
                print(f"{args.config} is current ({len(models.models)} models, '{models.profile_prefix}.' profiles)")
                return 0
            print(f"error: {args.config} is stale: run `make config` after editing {args.catalogue}", file=sys.stderr)
            return 1
        changed = catalogue.write_config(args.config, models)
    except catalogue.CatalogueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    state = "rendered" if changed else "already current"
    print(f"{args.config} {state}: {len(models.models)} models through '{models.profile_prefix}.' inference profiles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
