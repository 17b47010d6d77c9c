"""7. The wish wall: its list under 50 members at once over 10,000 open wishes, the page's
weight, and a claim storm through the wall.

The bot runs as in scenarios 1-3 (the real application, its outbox talking to the fake Bot API
over loopback), and its own web server serves the wall on 127.0.0.1 exactly as `wishwall run`
does (handlers/web/server.py). The members are HTTP clients in a process of their own
(bench/wall_load.py), each with initData signed with the bot's token, so every request passes
the real check, the real roles from the database and the real query.

The 10,000 wishes are one community's, open, spread over three branches, with the categories,
values, due dates and texts varied so that filters and searches find some and not others. Each
member asks pages of 20 cards as the page does, with the filters people use, a think time of
about a second between requests (people read the cards); the p99 of those is the target. Every
member asking at the same instant is reported too. Then `claimers` members, their wall open,
press Claim on the same wish at once: exactly one holds it, everyone is answered, the others
are told it is taken, and the group card shows the holder (edited through the outbox).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from bench.core import Figure, Param, RunContext, Scenario, percentile
from bench.harness import ROOT, Session
from bench.seed import MEMBER_BASE, WorldSpec, card_of
from bot.context import WishwallApp
from bot.models import format_code

_ITEMS = (
    "电暖器一台",
    "书包和文具",
    "大米和食用油",
    "冬衣和棉被",
    "血压计",
    "台灯",
    "儿童读物",
    "轮椅维修",
    "电风扇",
    "助听器",
)
_CATEGORIES = (
    "elderly_alone",
    "left_behind_child",
    "disabled",
    "veteran",
    "hardship_family",
    "poor_student",
    "other",
)


def vary(db: Path, first: int, last: int) -> None:
    """The seeded copies differ in what the wall filters on: category, value (¥10-¥509), due
    date (1-60 days ahead) and text. Drawn from the id, so every run has the same world."""
    category = " ".join(f"WHEN {k} THEN '{c}'" for k, c in enumerate(_CATEGORIES))
    item = " ".join(f"WHEN {k} THEN '{text}'" for k, text in enumerate(_ITEMS))
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            f"UPDATE wishes SET category = CASE id % {len(_CATEGORIES)} {category} END,"
            " value_fen = ((id * 7919) % 500 + 10) * 100,"
            " due_date = date('now', '+' || ((id * 31) % 60 + 1) || ' days'),"
            f" description = (CASE (id / 7) % {len(_ITEMS)} {item} END) || ' ' || id"
            " WHERE id BETWEEN ? AND ?",
            (first, last),
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


async def serve_wall(app: WishwallApp) -> tuple[web.AppRunner, str]:
    """The bot's web server as `wishwall run` starts it (bot/serve.py), on a free port."""
    from bot.serve import LISTEN_BACKLOG
    from handlers.web.server import build_web

    runner = web.AppRunner(build_web(app), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, backlog=LISTEN_BACKLOG).start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


async def clients(url: str, token: str, job: dict[str, Any], within: float = 300) -> Any:
    """bench/wall_load.py in its own process; what it measured."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.wall_load",
        "--url",
        url,
        "--token",
        token,
        "--job",
        json.dumps(job),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(within):
            out, _ = await proc.communicate()
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"the wall's clients failed ({job['kind']}, exit code {proc.returncode})")
    return json.loads(out.decode().strip().splitlines()[-1])


async def card_shows(session: Session, spec: WorldSpec, k: int, name: str, within: float) -> bool:
    """Whether the group card of the k-th seeded wish was edited to name its holder."""
    chat_id, message_id = card_of(spec, k)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for message in await session.server.messages(chat_id):
            if message["message_id"] == message_id and message["edits"] and name in (message["text"] or ""):
                return True
        await asyncio.sleep(0.2)
    return False


async def run(ctx: RunContext) -> list[Figure]:
    wishes, members, requests = int(ctx.get("wishes")), int(ctx.get("members")), int(ctx.get("requests"))
    think, claimers = float(ctx.get("think")), int(ctx.get("claimers"))
    spec = WorldSpec(groups=3, members=max(members, claimers), open_wishes=wishes, member_cap=2)
    async with Session(spec, latency=ctx.latency, log=ctx.log) as session:
        app = session.bot.app
        token = app.services.settings.bot_token
        await asyncio.to_thread(vary, session.db_path, session.wish_ids[0], session.wish_ids[-1])
        runner, url = await serve_wall(app)
        try:
            page = await clients(url, token, {"kind": "assets"})
            ctx.log(f"    the page: {page['files']}")
            browsing = await clients(
                url, token, {"kind": "browse", "members": members, "requests": requests, "think": think}
            )
            k = len(session.wish_ids) - 1
            target = session.wish_ids[k]
            storm = await clients(
                url, token, {"kind": "claim", "members": claimers, "code": format_code(target)}
            )
            wish = await app.services.wishes.get(target)
            winners = storm["winners"]
            holder = f"志愿者{winners[0] - MEMBER_BASE}" if len(winners) == 1 else "?"
            edited = await card_shows(session, spec, k, holder, within=30)
        finally:
            await runner.cleanup()
        log = session.bot.log
    asked = len(browsing["latencies_ms"]) + len(browsing["burst_ms"])
    answered = browsing["statuses"].get("200", 0)
    outcomes = storm["outcomes"]
    ctx.log(
        f"    browse: {asked} requests, statuses {browsing['statuses']}, {browsing['elapsed']:.1f}s;"
        f" claim: {outcomes}, holders {list(wish.holders)}, card edited {edited}; logs {log.samples[:3]}"
    )
    name = f"7. Wish wall, {browsing['total']:,} open wishes"
    storm_name = f"7. Wish wall, {claimers} members claim one wish"
    lat, burst, claim_lat = browsing["latencies_ms"], browsing["burst_ms"], storm["latencies_ms"]
    page_kb = page["bytes"] / 1024

    def exactly(scenario: str, figure: str, value: float, limit: float) -> Figure:
        # Correctness counts: the worst of repeated runs, since one bad run is a bug.
        return Figure(scenario, figure, value, op="==", limit=limit, aggregate="worst")

    return [
        Figure(name, "the page's own files (HTML, CSS, JS)", page_kb, "KB", "<", 150, decimals=1),
        Figure(name, f"list, {members} members browsing, p50", percentile(lat, 50), "ms", decimals=1),
        Figure(
            name, f"list, {members} members browsing, p99", percentile(lat, 99), "ms", "<", 50, decimals=1
        ),
        Figure(
            name, "list, requests per second", len(lat) / max(browsing["elapsed"], 1e-9), "/s", decimals=1
        ),
        Figure(name, f"list, all {members} asking at one instant, p99", percentile(burst, 99), "ms"),
        exactly(name, "list requests not answered 200", asked - answered, 0),
        exactly(name, "unfiltered lists that came back empty", browsing["empty"], 0),
        exactly(storm_name, "holders of the wish", len(wish.holders), 1),
        exactly(storm_name, "claims answered", len(claim_lat), claimers),
        exactly(storm_name, "answered 'claimed'", outcomes.get("200 claimed", 0), 1),
        exactly(storm_name, "answered 409 'taken'", outcomes.get("409 taken", 0), claimers - 1),
        exactly(storm_name, "'database is locked' errors", log.locked, 0),
        exactly(storm_name, "errors logged", log.errors, 0),
        exactly(storm_name, "group card edited to show the holder", int(edited), 1),
        Figure(storm_name, "press to answer, p50", percentile(claim_lat, 50), "ms"),
        Figure(storm_name, "press to answer, p99", percentile(claim_lat, 99), "ms"),
        Figure(storm_name, "first press to last answer", storm["span_ms"], "ms"),
    ]


SCENARIO = Scenario(
    key="7",
    name="wall",
    title="Wish wall",
    run=run,
    params=[
        Param("wishes", 10_000, 300, "open wishes in the community"),
        Param("members", 50, 5, "members browsing the wall at once"),
        Param("requests", 10, 3, "list requests each member makes"),
        Param("think", 1.0, 0.05, "mean seconds a member reads before the next request"),
        Param("claimers", 500, 5, "members pressing Claim on one wish at once"),
    ],
)
