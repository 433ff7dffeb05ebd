"""The per-profile cache of gateway_login: settings, the current key and (SSO) the IdP's refresh token.

``$XDG_CACHE_HOME/llmgw/login/<profile>.json`` (default ``~/.cache``), the directory 0700 and the file 0600, written
atomically. Every run holds an exclusive lock on ``<profile>.lock`` while it reads, refreshes and writes, so Claude
Code sessions that run the helper at the same time share one key instead of each issuing its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PROFILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class CacheError(ValueError):
    pass


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "llmgw" / "login"


class ProfileCache:
    def __init__(self, profile: str, directory: Path | None = None) -> None:
        if not PROFILE.match(profile):
            raise CacheError(f"profile names are letters, digits and ._- (got {profile!r})")
        self.directory = directory or cache_dir()
        self.path = self.directory / f"{profile}.json"
        self.lock_path = self.directory / f"{profile}.lock"

    def _ensure_dir(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.directory, 0o700)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self._ensure_dir()
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise CacheError(f"cannot read {self.path}: {exc}; delete it (gateway_login.py logout)") from None
        return data if isinstance(data, dict) else {}

    def write(self, data: dict[str, Any]) -> None:
        self._ensure_dir()
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def delete(self) -> bool:
        try:
            self.path.unlink()
            return True
        except FileNotFoundError:
            return False
