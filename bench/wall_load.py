"""The members' phones for scenario 7: HTTP clients of the wish wall, in a process of their own.

    python -m bench.wall_load --url http://127.0.0.1:PORT --token TOKEN --job JSON

Run apart from the bot so that the clients' own work (signing, sending, reading JSON) is not
counted in the server's answer times, as it would not be on real phones. Each member signs
their initData as Telegram does (HMAC-SHA256 keyed with HMAC-SHA256("WebAppData", token)),
written here from Telegram's description, independently of the library the server checks it
with. Prints one JSON object: what the job measured.

Jobs:
- ``assets``: GET /wall/ and the page's own files it names (not Telegram's script): their bytes.
- ``browse``: ``members`` members each open the wall (one request, not timed) and then ask
  ``requests`` pages of it, as the page asks them (20 cards, with the filters people use),
  waiting a random think time (mean ``think`` seconds) between them; plus one burst: every
  member asks at the same instant.
- ``claim``: ``members`` members with the wall open press Claim on the same wish at the same
  instant.

The members share one connection pool: the opening requests, a few at a time, leave that many
connections open (keep-alive), and a burst opens the rest at the same instant, as phones whose
connection lapsed would, or a reverse proxy opening one upstream connection per request. The
server's listen backlog (bot/serve.py) takes them.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import math
import random
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bench.seed import member_id
from bot.event_loop import use_fastest_loop

API = "/wall/api"
PAGE = 20  # what the page asks for at a time (handlers/web/static/wall.js)
# The page's filters as members use them; {branch} is one of the community's branches.
QUERIES: tuple[dict[str, str], ...] = (
    {},
    {"sort": "new"},
    {"category": "left_behind_child"},
    {"branch": "{branch}"},
    {"max_value": "100"},
    {"due_within": "30"},
    {"q": "书包"},
    {"offset": "20"},
    {"offset": "40"},
    # "Something for a left-behind child, under ¥100, due this month" (the example).
    {"category": "left_behind_child", "max_value": "100", "due_within": "31"},
    {"min_value": "50", "max_value": "300", "sort": "new"},
    {"q": "冬衣", "branch": "{branch}"},
)


def init_data(user_id: int, token: str, now: float) -> str:
    user = {"id": user_id, "first_name": f"志愿者{user_id}", "language_code": "zh-hans"}
    fields = {
        "query_id": f"AAQ{user_id}",
        "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
        "auth_date": str(int(now)),
    }
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def _headers(user_id: int, token: str) -> dict[str, str]:
    return {"Authorization": f"tma {init_data(user_id, token, time.time())}"}


def _session(url: str) -> aiohttp.ClientSession:
    # No cap on connections: a member never waits for another's (see the module docstring).
    return aiohttp.ClientSession(
        base_url=url, connector=aiohttp.TCPConnector(limit=0, force_close=False), trust_env=False
    )


async def _timed(call: Callable[[], Awaitable[tuple[int, Any]]]) -> tuple[float, int, Any]:
    started = time.perf_counter()
    status, body = await call()
    return (time.perf_counter() - started) * 1000, status, body


async def assets(url: str) -> dict[str, Any]:
    async with _session(url) as http:
        async with http.get("/wall/") as response:
            page = await response.read()
        sizes = {"/wall/": len(page)}
        for ref in re.findall(rb'(?:src|href)="(static/[^"]+)"', page):
            path = "/wall/" + ref.decode()
            async with http.get(path) as response:
                if response.status != 200:
                    raise RuntimeError(f"{path}: HTTP {response.status}")
                sizes[path] = len(await response.read())
    return {"bytes": sum(sizes.values()), "files": sizes}


async def _open_walls(
    http: aiohttp.ClientSession, headers: list[dict[str, str]], at_once: int, path: str
) -> list[Any]:
    """Each member opens the wall once (a few at a time, as people do). The answers to that
    first request are returned."""
    gate = asyncio.Semaphore(at_once)
    params = {"limit": str(PAGE)} if path == "wishes" else {}

    async def one(h: dict[str, str]) -> Any:
        async with gate, http.get(f"{API}/{path}", params=params, headers=h) as response:
            body = await response.json()
            if response.status != 200:
                raise RuntimeError(f"opening the wall: HTTP {response.status} {body}")
            return body

    return await asyncio.gather(*(one(h) for h in headers))


def _params(k: int, branches: list[int]) -> dict[str, str]:
    query = {"limit": str(PAGE), **QUERIES[k % len(QUERIES)]}
    branch = str(branches[k % len(branches)])
    return {name: branch if value == "{branch}" else value for name, value in query.items()}


async def browse(url: str, token: str, members: int, requests: int, think: float) -> dict[str, Any]:
    rng = random.Random(7)
    headers = [_headers(member_id(i), token) for i in range(members)]
    latencies: list[float] = []
    burst: list[float] = []
    statuses: Counter[int] = Counter()
    empty = 0
    async with _session(url) as http:
        first = await _open_walls(http, headers, at_once=10, path="wishes")
        branches = [int(b["id"]) for b in first[0]["branches"]] or [1]
        total = int(first[0]["total"])

        async def ask(i: int, k: int) -> tuple[float, int, Any]:
            async def call() -> tuple[int, Any]:
                params = _params(i + k, branches)
                async with http.get(f"{API}/wishes", params=params, headers=headers[i]) as response:
                    return response.status, await response.json()

            return await _timed(call)

        async def member(i: int) -> None:
            nonlocal empty
            await asyncio.sleep(rng.uniform(0, 2 * think))  # not all in step
            for k in range(requests):
                ms, status, body = await ask(i, k)
                latencies.append(ms)
                statuses[status] += 1
                if status == 200 and not body.get("wishes") and (i + k) % len(QUERIES) == 0:
                    empty += 1  # the unfiltered wall must never come back empty
                await asyncio.sleep(rng.uniform(0, 2 * think))

        started = time.perf_counter()
        await asyncio.gather(*(member(i) for i in range(members)))
        elapsed = time.perf_counter() - started
        # Everyone at the same instant (a broadcast just told them to look).
        for ms, status, _body in await asyncio.gather(*(ask(i, 0) for i in range(members))):
            burst.append(ms)
            statuses[status] += 1
    return {
        "latencies_ms": latencies,
        "burst_ms": burst,
        "statuses": {str(k): v for k, v in statuses.items()},
        "empty": empty,
        "total": total,
        "elapsed": elapsed,
    }


async def claim(url: str, token: str, members: int, code: str) -> dict[str, Any]:
    headers = [_headers(member_id(i), token) for i in range(members)]
    async with _session(url) as http:
        # The page asks who they are first (a light request).
        await _open_walls(http, headers, at_once=25, path="me")

        async def press(i: int) -> tuple[float, int, str]:
            async def call() -> tuple[int, Any]:
                async with http.post(f"{API}/wishes/{code}/claim", headers=headers[i]) as response:
                    return response.status, await response.json()

            try:
                ms, status, body = await _timed(call)
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                return math.nan, 0, type(exc).__name__
            return ms, status, str(body.get("error") or ("claimed" if body.get("ok") else "?"))

        started = time.perf_counter()
        results = await asyncio.gather(*(press(i) for i in range(members)))
        span = (time.perf_counter() - started) * 1000
    outcomes = Counter(f"{status} {what}" for _ms, status, what in results)
    return {
        "latencies_ms": [ms for ms, status, _what in results if status],
        "outcomes": dict(outcomes),
        "winners": [member_id(i) for i, (_ms, status, _what) in enumerate(results) if status == 200],
        "span_ms": span,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Wish wall clients for bench scenario 7")
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--job", required=True, help='JSON, e.g. {"kind": "browse", "members": 50, ...}')
    args = parser.parse_args(argv)
    job = json.loads(args.job)
    use_fastest_loop()
    kind = job.pop("kind")
    if kind == "assets":
        result = asyncio.run(assets(args.url))
    elif kind == "browse":
        result = asyncio.run(browse(args.url, args.token, **job))
    elif kind == "claim":
        result = asyncio.run(claim(args.url, args.token, **job))
    else:
        raise SystemExit(f"unknown job {kind!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
