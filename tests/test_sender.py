"""The outbox sender: order, pacing, 429, 403, 'not modified', coalescing, migration, restarts."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import timedelta

import pytest
from telegram import Bot

from bot.messaging.ratelimit import PRIVATE_MARGIN, SendLimits
from bot.models import NewOutbox, OutboxKind, OutboxStatus, Rendered
from bot.services import Services
from bot.settings import Settings
from tests.conftest import run_until_drained
from tests.factories import COORDINATOR, coordinator, draft, member
from tests.fakes.telegram_api import FakeTelegram

GROUP = -100777


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Production's overall and group limits; a shorter private window keeps the pacing test quick.
    return settings.model_copy(
        update={
            "private_interval_seconds": 0.2,
            "outbox_rate_per_second": 25.0,
            "group_messages_per_minute": 20,
        }
    )


async def enqueue(services: Services, *items: NewOutbox) -> None:
    async with services.db.transaction() as conn:
        await services.outbox.enqueue(conn, list(items), services.clock.now())


def text_to(chat_id: int, text: str) -> NewOutbox:
    return NewOutbox(kind=OutboxKind.MESSAGE, chat_id=chat_id, payload=Rendered(text=text))


async def test_one_chat_keeps_order_and_pace(services: Services, api: FakeTelegram, tg: Bot) -> None:
    api.user(1, "A")
    api.open_private(1)
    await enqueue(services, *(text_to(1, f"m{i}") for i in range(4)))
    await run_until_drained(services.attach_sender(tg))
    sends = api.calls_to("sendMessage")
    assert [c.params["text"] for c in sends] == ["m0", "m1", "m2", "m3"]
    gaps = [b.at - a.at for a, b in itertools.pairwise(sends)]
    assert min(gaps) >= 0.19  # never faster than the private-chat window


async def test_429_is_waited_out_then_sent_once(services: Services, api: FakeTelegram, tg: Bot) -> None:
    api.user(1, "A")
    api.open_private(1)
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", {"retry_after": 1})
    await enqueue(services, text_to(1, "hello"))
    sender = services.attach_sender(tg)
    sender.start()
    try:
        await asyncio.sleep(0.3)
        [row] = (await services.outbox.statuses()).values()
        assert row is OutboxStatus.PENDING  # deferred, not dropped
        services.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
        async with asyncio.timeout(10):
            await sender.drain()
    finally:
        await sender.stop()
    assert [c.ok for c in api.calls_to("sendMessage")] == [False, True]
    assert list((await services.outbox.statuses()).values()) == [OutboxStatus.SENT]


async def test_blocked_member_is_marked_unreachable_and_coordinators_told(
    services: Services, api: FakeTelegram, tg: Bot
) -> None:
    api.user(COORDINATOR, "Boss")
    api.open_private(COORDINATOR)
    api.user(5, "Gone")
    api.open_private(5)
    api.block(5)
    await member(services, 5, "孙七")
    await enqueue(services, text_to(5, "first"), text_to(5, "second"))
    await run_until_drained(services.attach_sender(tg))
    assert len(api.calls_to("sendMessage")) == 2  # one try to the member, then the notice
    assert (await services.members.get(5)).unreachable_at is not None  # type: ignore[union-attr]
    assert set((await services.outbox.statuses()).values()) == {OutboxStatus.UNREACHABLE, OutboxStatus.SENT}
    assert "孙七" in api.last_in(COORDINATOR).text


async def open_posted_wish(services: Services, api: FakeTelegram) -> int:
    api.group(GROUP, "一支部")
    boss = await coordinator(services)
    await services.groups.bind(GROUP, 1, "一支部", "zh", boss.user_id, services.clock.now(), branch_id=1)
    wish = await services.wishes.create(boss, draft(), 1)
    await services.wishes.verify(boss, wish.id)
    await services.wishes.post(boss, wish.id)
    return wish.id


async def test_pending_card_edits_collapse_into_one(services: Services, api: FakeTelegram, tg: Bot) -> None:
    api.user(COORDINATOR, "Boss")
    api.open_private(COORDINATOR)
    wish_id = await open_posted_wish(services, api)
    people = [await member(services, uid) for uid in (1, 2)]
    for uid in (1, 2):
        api.user(uid, f"U{uid}")
        api.open_private(uid)
    await services.wishes.claim(people[0], wish_id)
    await services.wishes.release(people[0], wish_id)
    await services.wishes.claim(people[1], wish_id)
    await run_until_drained(services.attach_sender(tg))
    [card] = api.messages_in(GROUP)
    assert card.edits == []  # post + three changes: one message, no edits
    assert "志愿者2" in card.text and card.button_labels == []


async def test_unchanged_edit_counts_as_done(services: Services, api: FakeTelegram, tg: Bot) -> None:
    wish_id = await open_posted_wish(services, api)
    sender = services.attach_sender(tg)
    await run_until_drained(sender)
    # Ask for the same card again: Telegram answers 'message is not modified'.
    await enqueue(services, NewOutbox(kind=OutboxKind.CARD, chat_id=GROUP, wish_id=wish_id))
    await run_until_drained(sender)
    assert not api.calls_to("editMessageText")[-1].ok
    assert set((await services.outbox.statuses()).values()) == {OutboxStatus.SENT}


async def test_group_upgraded_to_supergroup_follows(services: Services, api: FakeTelegram, tg: Bot) -> None:
    api.user(COORDINATOR, "Boss")
    api.open_private(COORDINATOR)
    wish_id = await open_posted_wish(services, api)
    api.migrate(GROUP, -1009999)
    await run_until_drained(services.attach_sender(tg))
    assert "W-" in api.last_in(-1009999).text
    assert (await services.groups.get(-1009999)) is not None
    assert (await services.wish_repo.get_post(wish_id, -1009999)) is not None
    assert "超级群" in api.last_in(COORDINATOR).text  # the coordinators hear the binding moved


async def test_killed_mid_way_then_restarted_delivers_everything_once(
    services: Services, api: FakeTelegram, tg: Bot
) -> None:
    api.latency = 0.02
    users = list(range(1, 41))
    for uid in users:
        api.user(uid, f"U{uid}")
        api.open_private(uid)
    await enqueue(services, *(text_to(uid, f"to {uid}") for uid in users))
    first = services.attach_sender(tg)
    first.start()
    async with asyncio.timeout(10):
        while first.sent < 10:  # noqa: ASYNC110 - the sender exposes a counter, not an event
            await asyncio.sleep(0.005)
    await first.stop()  # the process stops here: in-flight sends finish, nothing new starts
    assert await services.outbox.pending_count() > 0
    await run_until_drained(services.attach_sender(tg))  # a fresh sender, as after a restart
    delivered = Counter(c.params["chat_id"] for c in api.calls_to("sendMessage") if c.ok)
    assert delivered == Counter(users)


class QueueReads:
    """Counts how often the sender looks at the queue and how many full rows it loads."""

    def __init__(self, services: Services) -> None:
        self.looks = 0
        self.loaded = 0
        outbox = services.outbox
        queued, get_many = outbox.queued, outbox.get_many

        async def counting_queued(*args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
            self.looks += 1
            return await queued(*args, **kwargs)  # type: ignore[arg-type]

        async def counting_get_many(ids: list[int]) -> list:  # type: ignore[type-arg]
            rows = await get_many(ids)
            self.loaded += len(rows)
            return rows

        outbox.queued = counting_queued  # type: ignore[method-assign]
        outbox.get_many = counting_get_many  # type: ignore[method-assign]


async def test_a_backlog_is_parsed_only_as_far_as_it_is_sent(
    services: Services, api: FakeTelegram, tg: Bot
) -> None:
    """Under load the queue is long: the sender loads payloads only of the rows it sends."""
    services.limits = SendLimits(per_second=1000.0)
    users = list(range(1, 61))
    for uid in users:
        api.user(uid, f"U{uid}")
        api.open_private(uid)
    await enqueue(services, *(text_to(uid, f"to {uid}") for uid in users))
    reads = QueueReads(services)
    await run_until_drained(services.attach_sender(tg))
    assert len(api.calls_to("sendMessage")) == 60
    assert reads.loaded == 60  # not the whole head of the queue again on every pass


async def test_no_queue_reads_while_the_overall_window_is_full(
    services: Services, api: FakeTelegram, tg: Bot
) -> None:
    services.limits = SendLimits(per_second=5.0)
    users = list(range(1, 21))
    for uid in users:
        api.user(uid, f"U{uid}")
        api.open_private(uid)
    await enqueue(services, *(text_to(uid, f"to {uid}") for uid in users))
    reads = QueueReads(services)
    sender = services.attach_sender(tg)
    sender.start()
    try:
        await asyncio.sleep(0.5)  # five go at once, then the window is full until the second ends
    finally:
        await sender.stop()
    assert len(api.calls_to("sendMessage")) == 5
    assert reads.looks == 1  # every finished send woke the loop, but it had nothing to read for


async def test_an_interrupted_pass_frees_the_slots_it_reserved(
    services: Services, api: FakeTelegram, tg: Bot
) -> None:
    """Stopping the sender mid-pass must not leave chats looking busy to the next sender."""
    api.user(1, "A")
    api.open_private(1)
    await enqueue(services, text_to(1, "hello"))
    sender = services.attach_sender(tg)

    async def stopped(ids: list[int]) -> list:  # type: ignore[type-arg]
        raise asyncio.CancelledError

    get_many = services.outbox.get_many
    services.outbox.get_many = stopped  # type: ignore[method-assign]
    with pytest.raises(asyncio.CancelledError):
        await sender._pass()
    assert services.limits.wait_time(1, 0.0) == 0
    services.outbox.get_many = get_many  # type: ignore[method-assign]
    await run_until_drained(services.attach_sender(tg))
    assert [c.params["text"] for c in api.calls_to("sendMessage")] == ["hello"]


def test_a_reserved_send_counts_until_it_is_stamped_or_dropped() -> None:
    limits = SendLimits(per_second=2, private_interval=1.0)
    limits.reserve(1)
    assert limits.wait_time(1, 10.0) > 0  # the chat's one-a-second slot is spoken for
    limits.settle(1, 10.5)  # it left at 10.5: the window runs from then
    assert limits.wait_time(1, 11.2) == pytest.approx(0.3 + PRIVATE_MARGIN)
    limits.reserve(2)
    limits.unreserve(2)
    assert limits.wait_time(2, 11.2) == 0


async def test_changes_in_quick_succession_reach_a_posted_card_in_one_edit(
    services: Services, api: FakeTelegram, tg: Bot
) -> None:
    wish_id = await open_posted_wish(services, api)
    people = [await member(services, uid) for uid in (1, 2)]
    for uid in (1, 2):
        api.user(uid, f"U{uid}")
        api.open_private(uid)
    sender = services.attach_sender(tg)
    await run_until_drained(sender)  # the card is in the group
    services.wishes.card_settle_seconds = 3.0
    await services.wishes.claim(people[0], wish_id)
    await services.wishes.release(people[0], wish_id)
    await services.wishes.claim(people[1], wish_id)
    await run_until_drained(sender)
    [card] = api.messages_in(GROUP)
    assert card.edits == []  # nothing yet: the edit waits for the card to settle
    services.clock.advance(timedelta(seconds=3))  # type: ignore[attr-defined]
    await run_until_drained(sender)
    group_edits = [c for c in api.calls_to("editMessageText") if c.params["chat_id"] == GROUP]
    assert len(group_edits) == 1  # three changes, one edit
    assert "志愿者2" in card.text
    assert await services.outbox.pending_count() == 0  # the later refreshes were covered by it


async def test_a_joint_card_names_every_holder(services: Services, api: FakeTelegram, tg: Bot) -> None:
    wish_id = await open_posted_wish(services, api)
    boss = await coordinator(services)
    await services.wishes.set_needed_members(boss, wish_id, 2)
    for uid, name in ((1, "张丽"), (2, "王强")):
        api.user(uid, name)
        api.open_private(uid)
        await services.wishes.claim(await member(services, uid, name), wish_id)
    await run_until_drained(services.attach_sender(tg))
    [card] = api.messages_in(GROUP)
    assert "张丽" in card.text and "王强" in card.text
