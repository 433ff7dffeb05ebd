"""The README's "Repository map" matches the tree: every top-level folder and every Python package directory is on
it, every path it names exists, scripts/ holds exactly the user-facing commands it lists (each a thin CLI over
llmgw), and pyproject.toml installs every package."""

from __future__ import annotations

import re
import subprocess
import tomllib
from functools import cache
from pathlib import Path, PurePosixPath

from llmgw.paths import REPO

PACKAGE_ROOTS = ("src/llmgw", "callbacks", "emulator")
ROW = re.compile(r"^\| `(?P<path>[^`]+)` \|(?P<text>.*)\|$")
CODE = re.compile(r"`([^`]+)`")
THIN_CLI_LINES = 20


@cache
def files() -> tuple[PurePosixPath, ...]:
    """The repository's files: tracked, and untracked but not ignored (so a new folder counts before it is added)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return tuple(PurePosixPath(line) for line in out.splitlines() if (REPO / line).exists())


@cache
def repository_map() -> dict[str, str]:
    """Path (as written, folders with a trailing /) -> the rest of its row."""
    readme = (REPO / "README.md").read_text()
    assert "\n## Repository map\n" in readme, "README.md has no '## Repository map' section"
    section = readme.split("\n## Repository map\n", 1)[1].split("\n## ", 1)[0]
    rows = {m["path"]: m["text"] for m in map(ROW.match, section.splitlines()) if m}
    assert rows, "the repository map has no rows"
    return rows


def mapped_folders() -> set[str]:
    return {path.rstrip("/") for path in repository_map() if path.endswith("/")}


def package_dirs() -> set[str]:
    """Every folder below the package roots that holds Python modules."""
    return {
        str(f.parent)
        for f in files()
        if f.suffix == ".py" and any(str(f).startswith(root + "/") for root in PACKAGE_ROOTS)
    }


def test_every_top_level_folder_is_on_the_map() -> None:
    top = {f.parts[0] for f in files() if len(f.parts) > 1}
    assert top - mapped_folders() == set(), "add these folders to README.md's repository map"


def test_every_package_is_on_the_map() -> None:
    assert package_dirs() - mapped_folders() == set(), "add these packages to README.md's repository map"


def test_every_path_on_the_map_exists() -> None:
    missing = []
    for path, text in repository_map().items():
        if not (REPO / path).exists():
            missing.append(path)
        for token in CODE.findall(text):
            # repository paths (`tools/bootstrap.sh`), and file names relative to the row's folder (`env.py`)
            if "/" in token and token.split("/")[0] in {f.parts[0] for f in files()}:
                if not (REPO / token).exists():
                    missing.append(f"{path}: {token}")
            elif re.fullmatch(r"[\w.-]+\.(py|sh)", token) and path.endswith("/") and not (REPO / path / token).exists():
                missing.append(f"{path}: {token}")
    assert missing == []


def test_scripts_holds_only_the_listed_user_commands() -> None:
    listed = {t for t in CODE.findall(repository_map()["scripts/"]) if t.endswith(".py") and "/" not in t}
    present = {f.name for f in files() if f.parts[0] == "scripts"}
    assert present == listed
    assert listed == {"create_user.py", "smoke_test.py", "local_stack.py", "bench.py", "gateway_login.py"}


def test_every_script_is_a_thin_cli_over_llmgw() -> None:
    for name in sorted(f.name for f in files() if f.parts[0] == "scripts"):
        text = (REPO / "scripts" / name).read_text()
        assert len(text.splitlines()) <= THIN_CLI_LINES, f"scripts/{name}: move its code into src/llmgw"
        assert re.search(r"^    from llmgw(\.\w+)+ import main$", text, re.M), f"scripts/{name} must run llmgw's main"


def test_every_package_is_installed() -> None:
    """pyproject.toml lists every package (a missing one would be left out of the install), and each is a regular
    package (an __init__.py), not an implicit namespace."""
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    roots = {name: Path(folder) for name, folder in setuptools["package-dir"].items()}
    installed = set()
    for package in setuptools["packages"]:
        top, *rest = package.split(".")
        base = roots[top] if top in roots else roots[""] / top
        installed.add(str(PurePosixPath(base, *rest)))
    assert installed == package_dirs()
    assert all((REPO / d / "__init__.py").is_file() for d in package_dirs())
