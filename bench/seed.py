"""Builds the database a benchmark starts from: a community, its groups, members and open wishes.

The organisation and one template wish are made through the product's own services (so every
column holds what the bot itself writes); the many copies are then cloned from that template in
bulk with plain SQL, because 100,000 wishes one transaction at a time would take minutes. Cards
count as posted before the run: each wish has its message in its group, and the fake server is
told those messages exist (see ``card_layout``), so the bot edits them as it would in production.

Run in its own process (``python -m bench.seed --db PATH --spec JSON``) so the bot process that
is measured afterwards carries nothing of the seeding in its memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

from bot.clock import SystemClock
from bot.models import Beneficiary, Category, WishDraft
from bot.people.organisation import SYSTEM
from bot.services import Services
from bot.settings import Settings

ADMIN = 9001  # the super-admin in the benchmark settings
COMMUNITY = "幸福社区"
COORDINATOR_BASE = 9100  # coordinators are 9101, 9102, ...
MEMBER_BASE = 100_000  # members are 100001, 100002, ...
GROUP_BASE = -1_000_000_000_000  # groups are -1000000000001, ... (supergroup-style ids)


@dataclass(frozen=True)
class WorldSpec:
    communities: int = 1  # groups, members and wishes are in the first; coordinators go round
    groups: int = 1
    members: int = 50
    coordinators: int = 0
    open_wishes: int = 1
    needed_members: int = 1  # > 1: joint wishes that need that many members
    member_cap: int = 2


def member_id(i: int) -> int:
    return MEMBER_BASE + 1 + i


def coordinator_id(i: int) -> int:
    return COORDINATOR_BASE + 1 + i


def group_id(i: int) -> int:
    return GROUP_BASE - 1 - i


def card_layout(spec: WorldSpec) -> dict[int, int]:
    """How many cards each group holds: wish k goes to group k % groups, message k // groups + 1."""
    counts = {group_id(g): 0 for g in range(spec.groups)}
    for k in range(spec.open_wishes):
        counts[group_id(k % spec.groups)] += 1
    return counts


def card_of(spec: WorldSpec, k: int) -> tuple[int, int]:
    """(group chat id, message id) of the k-th seeded wish's card."""
    return group_id(k % spec.groups), k // spec.groups + 1


def bench_settings(db: Path, api_url: str = "http://127.0.0.1:9") -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token="123456:BENCH-TOKEN",
        db=str(db),
        admins=frozenset({ADMIN}),
        bot_api_url=api_url,
        # No scheduler tick: a weekly report drawn mid-run (charts and all) is not what 1-3 and 6
        # measure; scenario 4 runs its pass itself.
        job_tick_seconds=0,
    )


async def seed(db: Path, spec: WorldSpec) -> list[int]:
    """Build the world; returns the ids of the seeded open wishes, in card order."""
    services = Services.build(bench_settings(db), SystemClock())
    await services.db.open()
    try:
        now = services.clock.now()
        org = services.org
        community = await org.create_community(SYSTEM, COMMUNITY)
        await org.set_setting(SYSTEM, community.id, "member_cap", str(spec.member_cap))
        await services.members.register(ADMIN, "管理员", "zh", now)
        branches = []
        for g in range(spec.groups):
            branch = await org.add_branch(SYSTEM, community.id, f"第{g + 1}支部")
            branches.append(branch.id)
            await services.groups.bind(
                group_id(g), community.id, f"第{g + 1}支部群", "zh", ADMIN, now, branch_id=branch.id
            )
        others = [
            (await org.create_community(SYSTEM, f"社区{k + 2}")).id for k in range(spec.communities - 1)
        ]
        every = [community.id, *others]
        for c in range(spec.coordinators):
            await services.members.register(coordinator_id(c), f"协调员{c + 1}", "zh", now)
            await org.appoint(SYSTEM, every[c % len(every)], coordinator_id(c))
        admin = await services.directory.actor(ADMIN, "zh")
        template = await services.wishes.create(admin, _draft(now.date()), community.id)
    finally:
        await services.close()
    return _bulk(db, spec, community.id, branches, template.id)


def _draft(today: date) -> WishDraft:
    return WishDraft(
        beneficiary=Beneficiary(name="王秀英", phone="13812345678", address="幸福路 8 号 3 单元 502 室"),
        category=Category.ELDERLY_ALONE,
        description="电暖器一台",
        value_fen=20000,
        due_date=today + timedelta(days=30),
    )


def _bulk(db: Path, spec: WorldSpec, community: int, branches: list[int], template: int) -> list[int]:
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("BEGIN IMMEDIATE")
        stamp = conn.execute("SELECT created_at FROM wishes WHERE id = ?", (template,)).fetchone()[0]
        conn.executemany(
            "INSERT INTO members (user_id, full_name, lang, registered_at) VALUES (?, ?, 'zh', ?)",
            [(member_id(i), f"志愿者{i + 1}", stamp) for i in range(spec.members)],
        )
        conn.executemany(
            "INSERT INTO memberships (user_id, community_id, branch_id, status, joined_at, updated_at)"
            " VALUES (?, ?, ?, 'active', ?, ?)",
            [
                (member_id(i), community, branches[i % len(branches)], stamp, stamp)
                for i in range(spec.members)
            ],
        )
        columns = [r[1] for r in conn.execute("PRAGMA table_info(wishes)") if r[1] != "id"]
        first = group_id(0)
        overrides = {
            "status": "'open'",
            "description": "'心愿 ' || n.k",
            "branch_id": f"(SELECT branch_id FROM groups g WHERE g.chat_id = {first} - n.k % {spec.groups})",
            "needed_members": str(spec.needed_members),
        }
        select = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
        conn.execute(
            f"WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k + 1 < ?)"
            f" INSERT INTO wishes ({', '.join(columns)}) SELECT {select} FROM n, wishes t WHERE t.id = ?"
            " ORDER BY n.k",
            (spec.open_wishes, template),
        )
        ids = [int(r[0]) for r in conn.execute("SELECT id FROM wishes WHERE id > ? ORDER BY id", (template,))]
        assert len(ids) == spec.open_wishes
        conn.executemany(
            "INSERT INTO wish_posts (wish_id, chat_id, message_id, posted_at) VALUES (?, ?, ?, ?)",
            [(wish_id, *card_of(spec, k), stamp) for k, wish_id in enumerate(ids)],
        )
        # The trail each wish would have if a coordinator had entered, verified and posted it.
        for action, before, after in (
            ("create", None, "pending"),
            ("verify", "pending", "verified"),
            ("post", "verified", "open"),
        ):
            conn.execute(
                "INSERT INTO events (wish_id, community_id, actor_id, action, from_status, to_status, at)"
                " SELECT id, community_id, ?, ?, ?, ?, created_at FROM wishes WHERE id > ?",
                (ADMIN, action, before, after, template),
            )
        # Whatever seeding queued (the template's notices) was delivered long ago.
        conn.execute("UPDATE outbox SET status = 'sent', sent_at = created_at WHERE status = 'pending'")
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return ids


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build a benchmark database")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--spec", required=True, help="WorldSpec fields as JSON")
    args = parser.parse_args(argv)
    spec = WorldSpec(**json.loads(args.spec))
    ids = asyncio.run(seed(args.db, spec))
    print(json.dumps({"ids": [ids[0], ids[-1]] if ids else [], "spec": asdict(spec)}))


if __name__ == "__main__":
    main()
