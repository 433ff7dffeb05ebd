"""A stand-in for the one thing the keyless local gateway cannot do: look a virtual key up in its database.

The local gateway runs without Postgres (Prisma's engines cannot be installed here), so it accepts only its master
key. The gate sits in front of the real gateway: it checks the client's key (Authorization Bearer, x-api-key or
x-litellm-api-key) against the contract double's key table (exists, not blocked, not expired: what LiteLLM checks in
LiteLLM_VerificationToken) and answers 401 in LiteLLM's shape when it fails, else forwards the request to the real
gateway with the master key, streaming the answer back. tests/compose runs the same path with the real database.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web
from scripts.admin_double import AdminDouble, hash_token

from llmgw.stack.procs import free_port

HOP = {"host", "content-length", "transfer-encoding", "connection", "authorization", "x-api-key", "x-litellm-api-key"}


def client_key(headers) -> str:
    for name in ("authorization", "x-litellm-api-key"):
        value = headers.get(name, "")
        if value.lower().startswith("bearer "):
            return value[7:].strip()
    return headers.get("x-api-key", "").strip()


@dataclass
class KeyGate:
    double: AdminDouble
    upstream: str
    master_key: str
    port: int = field(default_factory=free_port)
    seen: list[tuple[str, str, int]] = field(default_factory=list)  # (path, key alias or "?", status)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        key = client_key(request.headers)
        row = self.double.keys.get(hash_token(key)) if key else None
        if not key or not self.double.authenticates(key):
            self.seen.append((request.path, "?", 401))
            return web.json_response(
                {
                    "error": {
                        "message": "Authentication Error, Invalid proxy server token passed.",
                        "type": "auth_error",
                        "param": "None",
                        "code": "401",
                    }
                },
                status=401,
            )
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP}
        headers["Authorization"] = f"Bearer {self.master_key}"
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session,
            session.request(
                request.method,
                self.upstream + request.path_qs,
                headers=headers,
                data=await request.read(),
                allow_redirects=False,
            ) as upstream,
        ):
            self.seen.append((request.path, row.get("key_alias") or "?", upstream.status))
            response = web.StreamResponse(
                status=upstream.status,
                headers={k: v for k, v in upstream.headers.items() if k.lower() not in HOP | {"content-encoding"}},
            )
            await response.prepare(request)
            async for chunk in upstream.content.iter_any():
                await response.write(chunk)
            await response.write_eof()
            return response


@contextlib.contextmanager
def serve(gate: KeyGate) -> Iterator[KeyGate]:
    loop = asyncio.new_event_loop()
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", gate.handle)
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", gate.port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield gate
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
