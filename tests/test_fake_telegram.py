"""Tests of the fake Bot API server and the Driver, against a bare PTB Application."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import warnings
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import (
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    MessageEntity,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes.telegram_api import Driver, FakeTelegram, FakeUser, StoredMessage

Ctx = ContextTypes.DEFAULT_TYPE
App = Application[Any, Any, Any, Any, Any, Any]

QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


def last_failure(api: FakeTelegram) -> str | None:
    """Telegram's exact description, before PTB reformats it into the exception message."""
    failed = [call for call in api.calls if not call.ok]
    return failed[-1].description if failed else None


# ---- a tiny bot -----------------------------------------------------------------------------


async def echo(update: Update, context: Ctx) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(" ".join(context.args or []) or "(nothing)")


async def menu(update: Update, context: Ctx) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Yes please", callback_data="pick:yes"),
                InlineKeyboardButton("No", callback_data="pick:no"),
            ],
            [InlineKeyboardButton("Docs", url="https://example.org/docs")],
        ]
    )
    await update.effective_message.reply_text("Pick one", reply_markup=keyboard)


async def on_pick(update: Update, context: Ctx) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"you chose {query.data}")
    await query.edit_message_text(f"Chosen: {query.data}")


async def on_document(update: Update, context: Ctx) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    file = await message.document.get_file()
    data = await file.download_as_bytearray()
    await message.reply_text(f"got {len(data)} bytes sha256={hashlib.sha256(data).hexdigest()}")


async def on_photo(update: Update, context: Ctx) -> None:
    message = update.effective_message
    assert message is not None and message.photo
    await message.reply_text(f"photo {message.photo[-1].file_id} caption={message.caption}")


async def on_contact(update: Update, context: Ctx) -> None:
    message = update.effective_message
    assert message is not None and message.contact is not None
    await message.reply_text(f"phone {message.contact.phone_number}")


async def ask_phone(update: Update, context: Ctx) -> None:
    assert update.effective_message is not None
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("Share phone", request_contact=True)]], one_time_keyboard=True
    )
    await update.effective_message.reply_text("Share your phone", reply_markup=keyboard)


@pytest.fixture
def api() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
def errors() -> list[BaseException]:
    return []


@pytest.fixture
async def app(api: FakeTelegram, errors: list[BaseException]) -> AsyncIterator[App]:
    application = (
        ApplicationBuilder().token("123:ABC").request(api).get_updates_request(api).updater(None)
    ).build()
    application.add_handler(CommandHandler("echo", echo))
    application.add_handler(CommandHandler("menu", menu))
    application.add_handler(CommandHandler("phone", ask_phone))
    application.add_handler(CallbackQueryHandler(on_pick, pattern=r"^pick:"))
    application.add_handler(MessageHandler(filters.Document.ALL, on_document))
    application.add_handler(MessageHandler(filters.PHOTO, on_photo))
    application.add_handler(MessageHandler(filters.CONTACT, on_contact))

    async def record_error(update: object, context: Ctx) -> None:
        assert context.error is not None
        errors.append(context.error)

    application.add_error_handler(record_error)
    await application.initialize()
    await application.start()
    yield application
    await application.stop()
    await application.shutdown()
    api.assert_clean()


@pytest.fixture
def driver(app: App, api: FakeTelegram) -> Driver:
    return Driver(app, api)


@pytest.fixture
def alice(api: FakeTelegram) -> FakeUser:
    return api.user(101, "Alice", username="alice")


@pytest.fixture
def bob(api: FakeTelegram) -> FakeUser:
    return api.user(102, "Bob", language_code="en")


# ---- updates reach handlers -----------------------------------------------------------------


async def test_get_me_comes_from_the_fake(app: App, api: FakeTelegram) -> None:
    assert app.bot.id == api.bot_id
    assert app.bot.username == "wishwall_test_bot"


async def test_command_reaches_command_handler(
    driver: Driver, alice: FakeUser, errors: list[BaseException]
) -> None:
    await driver.send(alice, "/echo hello world")

    assert driver.last_private(alice).text == "hello world"
    assert errors == []


async def test_command_with_bot_username_in_group(driver: Driver, api: FakeTelegram, alice: FakeUser) -> None:
    group = api.group(-500, "Volunteers")
    await driver.send(alice, "/echo@wishwall_test_bot hi all", chat=group)
    await driver.send(alice, "/echo@some_other_bot ignored", chat=group)

    assert [m.text for m in api.messages_in(-500)] == ["hi all"]
    assert api.messages_in(-500)[0].reply_to is not None


async def test_tap_reaches_callback_handler_and_answer_is_recorded(
    driver: Driver, api: FakeTelegram, alice: FakeUser, errors: list[BaseException]
) -> None:
    await driver.send(alice, "/menu")
    menu_message = driver.last_private(alice)
    assert [[b.text for b in row] for row in menu_message.buttons] == [
        ["Yes please", "No"],
        ["Docs"],
    ]

    answer = await driver.tap(alice, menu_message, "Yes")

    assert answer is not None
    assert answer.text == "you chose pick:yes"
    assert not answer.show_alert
    assert api.answers == [answer]
    # The edit omitted reply_markup, so Telegram dropped the keyboard.
    assert menu_message.text == "Chosen: pick:yes"
    assert menu_message.buttons == []
    assert [v.text for v in menu_message.edits] == ["Pick one"]
    assert menu_message.edits[0].buttons[0][1].callback_data == "pick:no"
    assert errors == []


async def test_tap_with_forged_data_and_unanswered_tap(
    driver: Driver, api: FakeTelegram, alice: FakeUser
) -> None:
    await driver.send(alice, "/menu")
    menu_message = driver.last_private(alice)

    assert await driver.tap(alice, menu_message, data="something:else") is None
    forged = await driver.tap(alice, menu_message, "No", data="pick:forged")
    assert forged is not None and forged.text == "you chose pick:forged"


async def test_button_lookup_is_strict(driver: Driver, alice: FakeUser) -> None:
    await driver.send(alice, "/menu")
    menu_message = driver.last_private(alice)

    assert menu_message.button("Docs").url == "https://example.org/docs"
    with pytest.raises(AssertionError, match=r"no button matching 'Maybe'.*'Yes please', 'No'"):
        menu_message.button("Maybe")
    with pytest.raises(AssertionError, match="sends no callback"):
        await driver.tap(alice, menu_message, "Docs")


async def test_tap_all_delivers_simultaneous_taps(
    driver: Driver, api: FakeTelegram, alice: FakeUser, bob: FakeUser
) -> None:
    group = api.group(-600, "Street committee", type="supergroup")
    await driver.send(alice, "/menu", chat=group)
    menu_message = api.last_in(-600)

    answers = await driver.tap_all([(alice, menu_message, "Yes"), (bob, menu_message, "No")])

    assert [a.text if a else None for a in answers] == ["you chose pick:yes", "you chose pick:no"]
    # The second handler edited the message the first one had already edited.
    assert menu_message.text == "Chosen: pick:no"
    assert [v.text for v in menu_message.edits] == ["Pick one", "Chosen: pick:yes"]


async def test_user_document_can_be_downloaded_with_same_bytes(
    driver: Driver, api: FakeTelegram, alice: FakeUser, errors: list[BaseException]
) -> None:
    content = bytes(range(256)) * 10

    sent = await driver.send_document(alice, "名单.xlsx", content, "application/vnd.ms-excel")

    assert errors == []
    expected = f"got {len(content)} bytes sha256={hashlib.sha256(content).hexdigest()}"
    assert driver.last_private(alice).text == expected
    assert sent.document is not None and sent.document.file_name == "名单.xlsx"
    assert [c.method for c in api.calls if c.method in ("getFile", "downloadFile")] == [
        "getFile",
        "downloadFile",
    ]


async def test_user_photo_and_contact_reach_handlers(
    driver: Driver, api: FakeTelegram, alice: FakeUser
) -> None:
    sent = await driver.send_photo(alice, file_id="PHOTO-1", caption="receipt")
    assert sent.photo == "PHOTO-1"
    assert len(sent.photo_sizes) == 2
    assert driver.last_private(alice).text == "photo PHOTO-1 caption=receipt"

    await driver.send(alice, "/phone")
    assert api.reply_keyboard_in(alice.id) is not None
    await driver.send_contact(alice, "+8613800000000")
    assert driver.last_private(alice).text == "phone +8613800000000"


async def test_bot_sent_photo_and_document_are_recorded(
    app: App, api: FakeTelegram, driver: Driver, alice: FakeUser
) -> None:
    await driver.send(alice, "/echo hi")
    pdf = b"%PDF-1.4 fake report"

    await app.bot.send_photo(
        alice.id,
        photo=b"\x89PNG fake image",
        caption=" Proof ",
        caption_entities=[MessageEntity(MessageEntity.BOLD, 0, 6)],
    )
    doc_message = await app.bot.send_document(
        alice.id, document=pdf, filename="report.pdf", caption="Monthly report"
    )

    photo, document = api.messages_in(alice.id)[-2:]
    assert photo.photo is not None and photo.text == "Proof"
    assert photo.entities == [{"type": "bold", "offset": 0, "length": 5}]
    assert document.document is not None
    assert (document.document.file_name, document.document.mime_type) == (
        "report.pdf",
        "application/pdf",
    )
    assert api.calls_to("sendDocument")[0].uploads["document"].content == pdf
    assert api.file_content(document.document.file_id) == pdf
    # PTB parsed the echo, and the bot can fetch its own upload back.
    assert doc_message.document is not None
    fetched = await (await app.bot.get_file(doc_message.document.file_id)).download_as_bytearray()
    assert bytes(fetched) == pdf
    # Re-sending by file_id works; a file_id of the wrong kind does not.
    await app.bot.send_document(alice.id, document=document.document.file_id)
    assert api.last_in(alice.id).document == document.document
    with pytest.raises(BadRequest):
        await app.bot.send_document(alice.id, document=photo.photo)
    assert last_failure(api) == "Bad Request: type of file mismatch"


async def test_settle_hooks_wait_for_background_sender(app: App, api: FakeTelegram, alice: FakeUser) -> None:
    outbox: asyncio.Queue[tuple[int, str]] = asyncio.Queue()

    async def sender() -> None:
        while True:
            chat_id, text = await outbox.get()
            await asyncio.sleep(0.01)
            await app.bot.send_message(chat_id, text)
            outbox.task_done()

    async def queue_reply(update: Update, context: Ctx) -> None:
        assert update.effective_chat is not None
        for n in range(3):
            outbox.put_nowait((update.effective_chat.id, f"later {n}"))

    app.add_handler(CommandHandler("later", queue_reply))
    task = asyncio.create_task(sender())
    try:
        driver = Driver(app, api, settle_hooks=[outbox.join])
        await driver.send(alice, "/later")
        assert [m.text for m in driver.private(alice)] == ["later 0", "later 1", "later 2"]
    finally:
        task.cancel()


async def test_bot_added_and_removed(app: App, driver: Driver, api: FakeTelegram, alice: FakeUser) -> None:
    seen: list[tuple[str, str]] = []

    async def on_my_member(update: Update, context: Ctx) -> None:
        change = update.my_chat_member
        assert change is not None
        seen.append((change.old_chat_member.status, change.new_chat_member.status))

    app.add_handler(ChatMemberHandler(on_my_member, ChatMemberHandler.MY_CHAT_MEMBER))
    group = api.group(-700, "Block 7", type="supergroup")

    await driver.bot_added(group, alice)
    await app.bot.send_message(group.id, "hello group")
    await driver.bot_removed(group, alice)

    assert seen == [("left", "member"), ("member", "kicked")]
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await app.bot.send_message(group.id, "still here?")
    with pytest.raises(AssertionError, match="would get no updates"):
        await driver.send(alice, "/echo hi", chat=group)


# ---- strictness -------------------------------------------------------------------------------


async def test_edit_to_same_content_is_not_modified(
    app: App, api: FakeTelegram, driver: Driver, alice: FakeUser
) -> None:
    await driver.send(alice, "/menu")
    message = driver.last_private(alice)
    keyboard = InlineKeyboardMarkup.from_button(InlineKeyboardButton("A", callback_data="a"))
    await app.bot.edit_message_text("Same", alice.id, message.message_id, reply_markup=keyboard)

    with pytest.raises(BadRequest, match="Message is not modified"):
        await app.bot.edit_message_text("Same", alice.id, message.message_id, reply_markup=keyboard)
    assert last_failure(api) == NOT_MODIFIED
    # Telegram trims texts, so trailing whitespace is no modification either.
    with pytest.raises(BadRequest, match="Message is not modified"):
        await app.bot.edit_message_text("Same \n", alice.id, message.message_id, reply_markup=keyboard)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await app.bot.edit_message_reply_markup(alice.id, message.message_id, reply_markup=keyboard)
    # Dropping the keyboard is a modification.
    await app.bot.edit_message_text("Same", alice.id, message.message_id)
    assert message.buttons == []


async def test_edit_missing_or_foreign_message(
    app: App, api: FakeTelegram, driver: Driver, alice: FakeUser
) -> None:
    await driver.send(alice, "/echo hi")
    users_own = api.user_messages_in(alice.id)[0]

    for message_id in (999, users_own.message_id):
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await app.bot.edit_message_text("x", alice.id, message_id)
        assert last_failure(api) == "Bad Request: message to edit not found"


async def test_answering_twice_or_unknown_query_fails(
    app: App, api: FakeTelegram, driver: Driver, alice: FakeUser
) -> None:
    await driver.send(alice, "/menu")
    answer = await driver.tap(alice, driver.last_private(alice), "No")
    assert answer is not None

    with pytest.raises(BadRequest, match="Query is too old"):
        await app.bot.answer_callback_query(answer.query_id, "again")
    assert last_failure(api) == QUERY_TOO_OLD
    with pytest.raises(BadRequest, match="Query is too old"):
        await app.bot.answer_callback_query("424242")
    assert len(api.answers) == 1


async def test_answer_text_over_200_chars_fails(
    app: App, api: FakeTelegram, driver: Driver, alice: FakeUser
) -> None:
    await driver.send(alice, "/echo hi")
    query_id = api.new_callback_query(alice.id, alice.id, 1, "x")

    with pytest.raises(BadRequest):
        await app.bot.answer_callback_query(query_id, "好" * 201)
    assert last_failure(api) == "Bad Request: MESSAGE_TOO_LONG"
    # The failed answer did not use up the query.
    await app.bot.answer_callback_query(query_id, "好" * 200)


@pytest.mark.parametrize(
    "data",
    ["x" * 65, "愿" * 22, ""],
    ids=["65-ascii-bytes", "66-utf8-bytes", "empty"],
)
async def test_bad_callback_data_fails(
    app: App, api: FakeTelegram, driver: Driver, alice: FakeUser, data: str
) -> None:
    await driver.send(alice, "/echo hi")
    keyboard = InlineKeyboardMarkup.from_button(InlineKeyboardButton("Go", callback_data=data))

    with pytest.raises(BadRequest):
        await app.bot.send_message(alice.id, "buttons", reply_markup=keyboard)
    assert last_failure(api) == "Bad Request: BUTTON_DATA_INVALID"


async def test_callback_data_of_exactly_64_bytes_is_fine(
    app: App, api: FakeTelegram, driver: Driver, alice: FakeUser
) -> None:
    await driver.send(alice, "/echo hi")
    data = "愿" * 21 + "x"  # 63 + 1 bytes
    keyboard = InlineKeyboardMarkup.from_button(InlineKeyboardButton("Go", callback_data=data))

    await app.bot.send_message(alice.id, "buttons", reply_markup=keyboard)
    assert api.last_in(alice.id).button("Go").callback_data == data


async def test_text_only_inline_button_fails(
    app: App, api: FakeTelegram, driver: Driver, alice: FakeUser
) -> None:
    await driver.send(alice, "/echo hi")
    keyboard = InlineKeyboardMarkup.from_button(InlineKeyboardButton("Just text"))

    with pytest.raises(BadRequest, match="text buttons are unallowed"):
        await app.bot.send_message(alice.id, "buttons", reply_markup=keyboard)
    assert last_failure(api) == (
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
    )


async def test_reply_markup_as_json_string_is_understood(
    app: App, api: FakeTelegram, driver: Driver, alice: FakeUser
) -> None:
    await driver.send(alice, "/echo hi")
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}

    await app.bot.send_message(alice.id, "raw", api_kwargs={"reply_markup": json.dumps(markup)})
    assert api.last_in(alice.id).reply_markup == markup

    bad = {"inline_keyboard": [[{"text": "Go", "callback_data": "g" * 65}]]}
    with pytest.raises(BadRequest):
        await app.bot.send_message(alice.id, "raw", api_kwargs={"reply_markup": json.dumps(bad)})


async def test_text_and_caption_length_limits(
    app: App, api: FakeTelegram, driver: Driver, alice: FakeUser
) -> None:
    await driver.send(alice, "/echo hi")

    await app.bot.send_message(alice.id, "愿" * 4096)
    with pytest.raises(BadRequest, match="Message is too long"):
        await app.bot.send_message(alice.id, "x" * 4097)
    assert last_failure(api) == "Bad Request: message is too long"
    for empty in ("", "  \n "):
        with pytest.raises(BadRequest, match="Message text is empty"):
            await app.bot.send_message(alice.id, empty)
    assert last_failure(api) == "Bad Request: message text is empty"
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await app.bot.send_photo(alice.id, photo=b"img", caption="c" * 1025)
    assert last_failure(api) == "Bad Request: message caption is too long"


async def test_parse_mode_is_refused_loudly(
    app: App, api: FakeTelegram, driver: Driver, alice: FakeUser
) -> None:
    """The fake parses no markup, so it cannot tell good HTML from bad: it refuses all of it as
    Telegram refuses bad markup, and fails the test even if the bot swallowed the error."""
    await driver.send(alice, "/echo hi")
    shown = len(api.messages_in(alice.id))

    for mode in (ParseMode.HTML, ParseMode.MARKDOWN_V2):
        with pytest.raises(BadRequest, match="Can't parse entities"):
            await app.bot.send_message(alice.id, "<b>fine</b>", parse_mode=mode)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await app.bot.send_photo(alice.id, photo=b"img", caption="*x*", parse_mode=ParseMode.MARKDOWN)
    assert last_failure(api) == (
        "Bad Request: can't parse entities: the fake Bot API does not check parse_mode Markdown "
        "markup; send plain text, with explicit entities if needed"
    )
    assert len(api.messages_in(alice.id)) == shown
    with pytest.raises(AssertionError, match="sendMessage with parse_mode=HTML"):
        api.assert_clean()
    api.unknown_methods.clear()


async def test_never_opened_private_chat_is_forbidden(app: App, api: FakeTelegram, alice: FakeUser) -> None:
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await app.bot.send_message(alice.id, "hi, stranger")
    assert last_failure(api) == "Forbidden: bot can't initiate conversation with a user"
    assert api.messages_in(alice.id) == []


async def test_unknown_chat_is_not_found(app: App, api: FakeTelegram) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await app.bot.send_message(424242, "hello?")


async def test_blocked_user_is_forbidden(
    app: App, api: FakeTelegram, driver: Driver, alice: FakeUser
) -> None:
    await driver.send(alice, "/echo hi")
    api.block(alice.id)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await app.bot.send_message(alice.id, "are you there?")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await app.bot.send_chat_action(alice.id, "typing")
    # Writing to the bot again means the user unblocked it.
    await driver.send(alice, "/echo back")
    assert driver.last_private(alice).text == "back"


async def test_user_blocking_sends_my_chat_member(
    app: App, api: FakeTelegram, driver: Driver, alice: FakeUser
) -> None:
    statuses: list[str] = []

    async def on_my_member(update: Update, context: Ctx) -> None:
        assert update.my_chat_member is not None
        statuses.append(update.my_chat_member.new_chat_member.status)

    app.add_handler(ChatMemberHandler(on_my_member, ChatMemberHandler.MY_CHAT_MEMBER))
    await driver.send(alice, "/echo hi")
    await driver.user_blocked_bot(alice)

    assert statuses == ["kicked"]
    with pytest.raises(Forbidden):
        await app.bot.send_message(alice.id, "hello?")


async def test_kicked_group_is_forbidden(app: App, api: FakeTelegram) -> None:
    group = api.group(-800, "Old group")
    api.kick_bot(group.id)

    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await app.bot.send_message(group.id, "hi")
    assert last_failure(api) == "Forbidden: bot was kicked from the group chat"


async def test_migrated_group_raises_chat_migrated(
    app: App, api: FakeTelegram, driver: Driver, alice: FakeUser
) -> None:
    group = api.group(-900, "Growing group")
    await driver.send(alice, "/echo before", chat=group)
    api.make_admin(group.id, alice.id)
    new_chat = api.migrate(group.id, -1009000000001)

    with pytest.raises(ChatMigrated) as caught:
        await app.bot.send_message(group.id, "hi")
    assert caught.value.new_chat_id == -1009000000001
    assert last_failure(api) == "Bad Request: group chat was upgraded to a supergroup chat"

    await app.bot.send_message(new_chat.id, "hi again")
    assert api.last_in(new_chat.id).text == "hi again"
    member = await app.bot.get_chat_member(new_chat.id, alice.id)
    assert isinstance(member, ChatMemberAdministrator)
    with pytest.raises(AssertionError, match="upgraded"):
        await driver.send(alice, "/echo old", chat=group)


async def test_rate_limits_when_enforced(app: App, api: FakeTelegram, alice: FakeUser) -> None:
    api.enforce_rate_limits = True
    now = [1000.0]
    api.clock = lambda: now[0]
    api.open_private(alice.id)

    await app.bot.send_message(alice.id, "one")
    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(alice.id, "two")
    assert _retry_seconds(caught.value) == 1
    assert last_failure(api) == "Too Many Requests: retry after 1"
    assert api.rate_limited == [("sendMessage", alice.id)]
    now[0] += 1.0
    await app.bot.send_message(alice.id, "two")
    assert [m.text for m in api.messages_in(alice.id)] == ["one", "two"]


def _retry_seconds(error: RetryAfter) -> float:
    # PTB 22 warns that retry_after will become a timedelta; accept either form.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        value: Any = error.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


async def test_group_limit_counts_edits_and_global_limit(app: App, api: FakeTelegram, driver: Driver) -> None:
    api.enforce_rate_limits = True
    now = [5000.0]
    api.clock = lambda: now[0]
    group = api.group(-1000, "Busy group", type="supergroup")

    first = await app.bot.send_message(group.id, "m0")
    for n in range(1, 19):
        now[0] += 2.0
        await app.bot.send_message(group.id, f"m{n}")
    now[0] += 2.0
    await app.bot.edit_message_text("m0 edited", group.id, first.message_id)  # 20th in 60 s
    now[0] += 2.0
    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(group.id, "one too many")
    # The first message (t=5000) frees its slot at t=5060; it is now t=5040.
    assert _retry_seconds(caught.value) == 20

    # 30 per second overall, across many private chats.
    users = [api.user(2000 + n, f"U{n}") for n in range(31)]
    for user in users:
        api.open_private(user.id)
    now[0] += 100.0
    for user in users[:30]:
        await app.bot.send_message(user.id, "broadcast")
    with pytest.raises(RetryAfter):
        await app.bot.send_message(users[30].id, "broadcast")
    assert [chat for _, chat in api.rate_limited] == [group.id, users[30].id]

    # Answering a callback query is never limited.
    for n in range(40):
        await app.bot.answer_callback_query(api.new_callback_query(users[0].id, users[0].id, 1, str(n)))


async def test_rate_limits_are_off_by_default(app: App, api: FakeTelegram, alice: FakeUser) -> None:
    api.open_private(alice.id)
    for n in range(5):
        await app.bot.send_message(alice.id, f"burst {n}")
    assert api.rate_limited == []


async def test_fail_next_injects_faults(app: App, api: FakeTelegram, driver: Driver, alice: FakeUser) -> None:
    await driver.send(alice, "/echo hi")
    api.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", {"retry_after": 7})
    api.fail_next("sendMessage", 400, "Bad Request: something odd", times=2)

    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(alice.id, "x")
    assert _retry_seconds(caught.value) == 7
    for _ in range(2):
        with pytest.raises(BadRequest, match="Something odd"):
            await app.bot.send_message(alice.id, "x")
    await app.bot.send_message(alice.id, "finally")
    assert api.last_in(alice.id).text == "finally"


async def test_unknown_method_is_loud(app: App, api: FakeTelegram, alice: FakeUser) -> None:
    api.open_private(alice.id)
    with pytest.raises(BadRequest, match="Method not found"):
        await app.bot.send_dice(alice.id)
    assert api.unknown_methods == ["sendDice"]
    with pytest.raises(AssertionError, match="sendDice"):
        api.assert_no_unknown_methods()
    api.unknown_methods.clear()


async def test_caption_edits(app: App, api: FakeTelegram, driver: Driver, alice: FakeUser) -> None:
    await driver.send(alice, "/echo hi")
    sent = await app.bot.send_photo(alice.id, photo=b"img", caption="before")

    with pytest.raises(BadRequest, match="There is no text in the message to edit"):
        await app.bot.edit_message_text("text", alice.id, sent.message_id)
    edited = await app.bot.edit_message_caption(alice.id, sent.message_id, caption="after")
    assert edited is not True and edited.caption == "after"
    with pytest.raises(BadRequest, match="Message is not modified"):
        await app.bot.edit_message_caption(alice.id, sent.message_id, caption="after")
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await app.bot.edit_message_caption(alice.id, sent.message_id, caption="c" * 1025)
    assert api.all_texts_in(alice.id)[-2:] == ["before", "after"]


async def test_delete_message_rules(app: App, api: FakeTelegram, driver: Driver, alice: FakeUser) -> None:
    group = api.group(-1100, "Neighbours")
    await driver.send(alice, "/echo secret", chat=group)
    reply = api.last_in(group.id)
    users_message = api.user_messages_in(group.id)[0]

    with pytest.raises(BadRequest, match="Message can't be deleted"):
        await app.bot.delete_message(group.id, users_message.message_id)
    api.make_admin(group.id, api.bot_id)
    await app.bot.delete_message(group.id, users_message.message_id)
    await app.bot.delete_message(group.id, reply.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await app.bot.delete_message(group.id, reply.message_id)

    assert api.messages_in(group.id) == []
    # What was once shown stays visible to privacy checks.
    assert api.all_texts_in(group.id) == ["secret"]


async def test_all_texts_and_everything_shown(
    app: App, api: FakeTelegram, driver: Driver, alice: FakeUser
) -> None:
    group = api.group(-1200, "Wish wall")
    await driver.send(alice, "/menu", chat=group)
    await driver.tap(alice, api.last_in(group.id), "No")

    assert api.all_texts_in(group.id) == ["Pick one", "Chosen: pick:no"]
    shown = api.everything_shown_in(group.id)
    assert "Yes please" in shown and "https://example.org/docs" in shown


async def test_chat_and_member_lookups_parse(
    app: App, api: FakeTelegram, driver: Driver, alice: FakeUser, bob: FakeUser
) -> None:
    group = api.group(-1300, "Admins only", type="supergroup")
    api.make_admin(group.id, alice.id)

    chat = await app.bot.get_chat(group.id)
    assert isinstance(chat, ChatFullInfo) and chat.title == "Admins only"
    assert isinstance(await app.bot.get_chat_member(group.id, alice.id), ChatMemberAdministrator)
    assert isinstance(await app.bot.get_chat_member(group.id, bob.id), ChatMemberMember)
    await app.bot.set_my_commands([("start", "Start"), ("wish", "Make a wish")])
    assert [c.command for c in await app.bot.get_my_commands()] == ["start", "wish"]
    with pytest.raises(BadRequest):
        await app.bot.set_my_commands([("Wish-List", "bad name")])
    assert last_failure(api) == "Bad Request: BOT_COMMAND_INVALID"


async def test_latency_is_applied(alice: FakeUser) -> None:
    slow = FakeTelegram(latency=0.05)
    slow.user(alice.id, alice.first_name)
    slow.open_private(alice.id)
    application = (
        ApplicationBuilder().token("123:ABC").request(slow).get_updates_request(slow).updater(None)
    ).build()
    await application.initialize()
    try:
        started = time.monotonic()
        await application.bot.send_message(alice.id, "slow")
        assert time.monotonic() - started >= 0.05
    finally:
        await application.shutdown()


def _labels(message: StoredMessage) -> list[str]:
    return [b.text for row in message.buttons for b in row]


async def test_user_messages_get_increasing_ids_shared_with_bot(
    driver: Driver, api: FakeTelegram, alice: FakeUser
) -> None:
    await driver.send(alice, "/echo a")
    await driver.send(alice, "/echo b")

    ids: list[int] = sorted(
        m.message_id for m in [*api.user_messages_in(alice.id), *api.messages_in(alice.id)]
    )
    assert ids == [1, 2, 3, 4]
    assert _labels(driver.last_private(alice)) == []


async def test_tap_all_taps_are_handled_concurrently(alice: FakeUser, bob: FakeUser) -> None:
    api = FakeTelegram()
    api.user(alice.id, alice.first_name)
    api.user(bob.id, bob.first_name)
    group = api.group(-1400, "Race")
    application = (
        ApplicationBuilder()
        .token("123:ABC")
        .request(api)
        .get_updates_request(api)
        .updater(None)
        .concurrent_updates(True)
    ).build()
    events: list[str] = []

    async def take(update: Update, context: Ctx) -> None:
        query = update.callback_query
        assert query is not None and query.from_user is not None
        events.append(f"start {query.from_user.first_name}")
        await asyncio.sleep(0.01)
        events.append(f"end {query.from_user.first_name}")
        await query.answer("taken")

    application.add_handler(CommandHandler("menu", menu))
    application.add_handler(CallbackQueryHandler(take))
    await application.initialize()
    await application.start()
    try:
        driver = Driver(application, api)
        await driver.send(alice, "/menu", chat=group)
        wish = api.last_in(group.id)
        answers = await driver.tap_all([(alice, wish, "Yes"), (bob, wish, "Yes")])
    finally:
        await application.stop()
        await application.shutdown()

    assert events[:2] == ["start Alice", "start Bob"]
    assert [a.text if a else None for a in answers] == ["taken", "taken"]
