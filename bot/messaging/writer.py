"""What one outbox row puts on Telegram: a message, a group card sent or edited, a holder's
delivery details, their redaction. The sender (bot/messaging/sender.py) decides when, paces,
and handles what Telegram answers; this module only writes."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    WebAppInfo,
)
from telegram.error import BadRequest

from bot.clock import Clock
from bot.models import Media, OutboxItem, Rendered, Wish, WishStatus
from bot.people.directory import Directory
from bot.people.policies import Need, menu_for_role, role_of
from bot.texts import t
from bot.wall.links import card_link
from bot.wishes import cards
from storage.groups import GroupRepo
from storage.media import MediaRepo
from storage.outbox import OutboxRepo
from storage.wishes import WishRepo

log = logging.getLogger(__name__)

NOT_MODIFIED = "message is not modified"
EDIT_GONE = ("message to edit not found", "message can't be edited")
_HELD = frozenset({WishStatus.CLAIMED, WishStatus.DELIVERED})


def to_markup(rendered: Rendered) -> InlineKeyboardMarkup | None:
    if not rendered.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    b.text,
                    callback_data=b.callback_data,
                    url=b.url,
                    web_app=WebAppInfo(b.web_app) if b.web_app else None,
                )
                for b in row
            ]
            for row in rendered.buttons
        ]
    )


@dataclass(frozen=True)
class CardOutcome:
    """A card row's end: no group to show it in, or shown (covering refreshes up to an id)."""

    shown: bool
    covers_through: int | None = None


class MessageWriter:
    def __init__(
        self,
        *,
        bot: Bot,
        outbox: OutboxRepo,
        wishes: WishRepo,
        groups: GroupRepo,
        directory: Directory,
        clock: Clock,
        media: MediaRepo | None = None,
        wall_app: str = "",
    ) -> None:
        self._bot = bot
        self._wall_app = wall_app
        self._outbox = outbox
        self._wishes = wishes
        self._groups = groups
        self._directory = directory
        self._clock = clock
        self._media = media

    async def rendered(self, chat_id: int, rendered: Rendered) -> Message:
        markup = to_markup(rendered)
        if rendered.photo_media and self._media is not None:
            media = await self._media.get(rendered.photo_media)
            if media is not None:
                return await self._media_message(chat_id, media, rendered, markup)
            log.warning("picture %s is gone; sending its caption alone", rendered.photo_media)
        if rendered.photo_file_id:
            return await self._bot.send_photo(
                chat_id, rendered.photo_file_id, caption=rendered.text[:1024], reply_markup=markup
            )
        return await self._bot.send_message(chat_id, rendered.text, reply_markup=markup)

    async def details(self, item: OutboxItem) -> bool:
        """A beneficiary's details, to someone who holds the wish when it is sent.

        Whether they still hold it is decided here, not when the message was queued: a claim
        can end while the row waits (or while a restarted bot's lease on it runs out). And the
        message is tracked before it carries anything: first a placeholder, recorded with the
        id Telegram gives it, then an edit that adds the details. If the bot dies in between,
        the tracked placeholder is what the release takes back; no message with details is
        ever out there without a record of it. False when they no longer hold it: nothing sent.

        A DETAILS row carries nothing: the holder's card is rendered from the wish as it is
        now, in the holder's language now.
        """
        assert item.wish_id is not None
        held = await self._held(item)
        if held is None:
            return False
        lang = await self._directory.lang_of(item.chat_id)
        placeholder = await self._bot.send_message(
            item.chat_id, t(lang, "notice.details_coming", code=held.code)
        )
        await self._wishes.track_detail_message(
            item.wish_id, item.chat_id, item.chat_id, placeholder.message_id, self._clock.now()
        )
        held = await self._held(item)
        if held is None:
            # Released meanwhile: its redaction comes after this row and replaces the placeholder.
            return False
        rendered = item.payload or cards.holder_card(held, lang, intro=True)
        await self._bot.edit_message_text(
            rendered.text[:4096],
            chat_id=item.chat_id,
            message_id=placeholder.message_id,
            reply_markup=to_markup(rendered),
        )
        return True

    async def _held(self, item: OutboxItem) -> Wish | None:
        """The row's wish, if the row's chat (a member's) holds it now."""
        assert item.wish_id is not None
        wish = await self._wishes.get(item.wish_id)
        return wish if wish is not None and wish.status in _HELD and item.chat_id in wish.holders else None

    async def menu(self, item: OutboxItem) -> None:
        """A person's command menu from their roles now: a coordinator's or a super-admin's in
        their private chat, or (a member, or no longer a coordinator) back to the default."""
        scope = BotCommandScopeChat(item.chat_id)
        lang = await self._directory.lang_of(item.chat_id)
        actor = await self._directory.actor(item.chat_id, lang)
        role = role_of(actor)
        if role is Need.MEMBER:
            await self._bot.delete_my_commands(scope=scope)
            return
        commands = [BotCommand(name, t(lang, f"cmd.{name}")) for name in menu_for_role(role)]
        await self._bot.set_my_commands(commands, scope=scope)

    async def redact(self, item: OutboxItem) -> None:
        """Replace every message that showed this member the wish's beneficiary details."""
        assert item.wish_id is not None
        lang = await self._directory.lang_of(item.chat_id)
        wish = await self._wishes.get(item.wish_id)
        text = t(lang, "notice.details_removed", code=wish.code if wish else "")
        for chat_id, message_id in await self._wishes.detail_messages(item.wish_id, item.chat_id):
            try:
                await self._bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
            except BadRequest as exc:
                reason = str(exc).lower()
                if "can't be edited" in reason or "there is no text" in reason:
                    # A photo message, or one too old to edit: deleting is the next best thing.
                    with contextlib.suppress(BadRequest):
                        await self._bot.delete_message(chat_id, message_id)
                elif NOT_MODIFIED not in reason and not any(r in reason for r in EDIT_GONE):
                    raise
            await self._wishes.forget_detail_message(chat_id, message_id)

    async def _media_message(
        self, chat_id: int, media: Media, rendered: Rendered, markup: InlineKeyboardMarkup | None
    ) -> Message:
        """A bot-made picture: uploaded the first time, then re-sent by Telegram's file_id."""
        photo: str | bytes = media.file_id or media.content
        message = await self._bot.send_photo(
            chat_id, photo, caption=rendered.text[:1024], reply_markup=markup, filename="wishwall-chart.png"
        )
        if media.file_id is None and message.photo and self._media is not None:
            await self._media.set_file_id(media.key, message.photo[-1].file_id)
        return message

    async def card(self, item: OutboxItem) -> CardOutcome:
        """Send the card, or edit the one in the group (posting it again if it was deleted)."""
        assert item.wish_id is not None
        # Refreshes of this card queued up to now are covered by what is read next.
        covers = await self._outbox.newest_pending(item.coalesce_key) if item.coalesce_key else None
        wish = await self._wishes.get(item.wish_id)
        post = await self._wishes.get_post(item.wish_id, item.chat_id)
        group = await self._groups.get(item.chat_id)
        if wish is None or post is None or group is None:
            return CardOutcome(shown=False)
        names = [await self._directory.name_of(uid) for uid in wish.holders]
        # The bot's username is known once it is initialised (getMe), as it is when sending.
        link = card_link(self._wall_app, self._bot.username if self._wall_app else None, wish.code)
        rendered = cards.group_card(wish, group.lang, "、".join(names) or None, link)
        if post.message_id is None:
            message = await self.rendered(item.chat_id, rendered)
            await self._wishes.set_post_message(wish.id, item.chat_id, message.message_id)
        else:
            try:
                await self._bot.edit_message_text(
                    rendered.text,
                    chat_id=item.chat_id,
                    message_id=post.message_id,
                    reply_markup=to_markup(rendered),
                )
            except BadRequest as exc:
                reason = str(exc).lower()
                if any(gone in reason for gone in EDIT_GONE):
                    # Someone deleted the card: post it again so the wish stays visible.
                    message = await self.rendered(item.chat_id, rendered)
                    await self._wishes.set_post_message(wish.id, item.chat_id, message.message_id)
                elif NOT_MODIFIED not in reason:
                    raise
        return CardOutcome(shown=True, covers_through=covers)
