"""/categories: a community's own wish categories, for its coordinators, in a private chat. The
list has buttons (rename, hide or show again, add); new names are asked in a short conversation,
or typed at once: /categories add 中文名 / English name, /categories rename 3 ...."""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import arguments
from bot.categories.book import NAME_MAX, CategoryEntry, parse_names
from bot.categories.cards import CategoryButton, CategoryCallback, categories_card
from bot.context import WishwallContext
from bot.drafts import CategoryDraft
from bot.errors import DomainError, InvalidInput, NotFound
from bot.models import Rendered
from bot.people.policies import Actor
from bot.texts import t
from handlers.common import actor_of, answer, button, edit_rendered, lang_of, reply_rendered, say_error
from handlers.people.start import cancel

NAMES = "names"
_NUMBER_MAX = 10**12 - 1


async def _card(context: WishwallContext, actor: Actor, community_id: int, lang: str) -> Rendered:
    book = await context.core.categories.overview(actor, community_id)
    community = await context.core.communities.community(community_id)
    return categories_card(community.name, book, lang)


def _number(text: str) -> int:
    return arguments.whole(text, 1, _NUMBER_MAX)


def _done_text(lang: str, key: str, entry: CategoryEntry) -> str:
    assert entry.names is not None
    return t(lang, key, number=entry.number, zh=entry.names.zh, en=entry.names.en)


async def _typed(update: Update, context: WishwallContext, actor: Actor, community_id: int, rest: str) -> str:
    """`/categories add|rename|hide|show ...`: the change, and what to say about it."""
    lang = lang_of(update, context)
    verb, _, rest = rest.strip().partition(" ")
    categories = context.core.categories
    verb = verb.lower()
    if verb == "add" and rest.strip():
        return _done_text(lang, "cats.added", await categories.add(actor, community_id, parse_names(rest)))
    number_text, _, names = rest.strip().partition(" ")
    if verb == "rename" and names.strip():
        entry = await categories.rename(actor, community_id, _number(number_text), parse_names(names))
        return _done_text(lang, "cats.renamed", entry)
    if verb in ("hide", "show") and number_text and not names.strip():
        entry = await categories.set_hidden(actor, community_id, _number(number_text), verb == "hide")
        return t(lang, "cats.now_hidden" if verb == "hide" else "cats.now_shown", name=entry.label(lang))
    raise InvalidInput("cats.usage")


async def categories_command(update: Update, context: WishwallContext) -> int:
    """/categories: the list with its buttons; with words after it, a change first."""
    message = update.effective_message
    assert message is not None
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    rest = (message.text or "").partition(" ")[2]
    try:
        community_id = context.core.communities.current(actor)
        if rest.strip():
            await reply_rendered(
                update, Rendered(text=await _typed(update, context, actor, community_id, rest))
            )
        card = await _card(context, actor, community_id, lang)
    except DomainError as error:
        await say_error(update, context, error)
        return ConversationHandler.END
    await reply_rendered(update, card)
    return ConversationHandler.END


@button(CategoryCallback)
async def ask_names(
    update: Update, context: WishwallContext, query: CallbackQuery, data: CategoryCallback
) -> str | int:
    """Add or Rename: checked first (a coordinator, the category theirs), then the names asked."""
    user = update.effective_user
    assert user is not None
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    community_id = context.core.communities.current(actor)
    book = await context.core.categories.overview(actor, community_id)
    number = 0
    text = t(lang, "cats.ask_add", max=NAME_MAX)
    if data.action is CategoryButton.RENAME:
        entry = book.numbered(data.number)
        if entry is None or entry.names is None:
            raise NotFound("cats.no_such", number=data.number)
        number = data.number
        text = t(lang, "cats.ask_rename", zh=entry.names.zh, en=entry.names.en)
    await answer(query)
    await context.core.drafts.save(user.id, CategoryDraft(community_id=community_id, number=number))
    await reply_rendered(update, Rendered(text=text))
    return NAMES


async def got_names(update: Update, context: WishwallContext) -> str | int:
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    drafts = context.core.drafts
    draft = await drafts.load(user.id, CategoryDraft)
    if draft is None:
        return ConversationHandler.END
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    categories = context.core.categories
    try:
        names = parse_names(message.text)
        if draft.number == 0:
            text = _done_text(lang, "cats.added", await categories.add(actor, draft.community_id, names))
        else:
            entry = await categories.rename(actor, draft.community_id, draft.number, names)
            text = _done_text(lang, "cats.renamed", entry)
        card = await _card(context, actor, draft.community_id, lang)
    except InvalidInput as error:
        await say_error(update, context, error)
        return NAMES  # asked again: nothing changed
    except DomainError as error:
        await say_error(update, context, error)
        await drafts.delete(user.id, CategoryDraft)
        return ConversationHandler.END
    await drafts.delete(user.id, CategoryDraft)
    await reply_rendered(update, Rendered(text=text))
    await reply_rendered(update, card)
    return ConversationHandler.END


@button(CategoryCallback)
async def hide_or_show(
    update: Update, context: WishwallContext, query: CallbackQuery, data: CategoryCallback
) -> None:
    lang = lang_of(update, context)
    actor = await actor_of(update, context)
    community_id = context.core.communities.current(actor)
    hide = data.action is CategoryButton.HIDE
    entry = await context.core.categories.set_hidden(actor, community_id, data.number, hide)
    await answer(query, t(lang, "cats.now_hidden" if hide else "cats.now_shown", name=entry.label(lang)))
    await edit_rendered(query, await _card(context, actor, community_id, lang))


def _actions(*actions: CategoryButton) -> Any:
    return CategoryCallback.matching(lambda d: d.action in actions)


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    command = CommandHandler("categories", categories_command, filters=filters.ChatType.PRIVATE)
    # The same command inside the conversation, typed as its steps' handlers are.
    again: CommandHandler[WishwallContext, object] = CommandHandler(
        "categories", categories_command, filters=filters.ChatType.PRIVATE
    )
    return [
        ConversationHandler(
            entry_points=[
                CallbackQueryHandler(ask_names, pattern=_actions(CategoryButton.ADD, CategoryButton.RENAME))
            ],
            states={NAMES: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_names)]},
            # /categories again leaves the question unanswered and shows the list.
            fallbacks=[CommandHandler("cancel", cancel), again],
            name="categories",
            persistent=True,
        ),
        command,
        CallbackQueryHandler(hide_or_show, pattern=_actions(CategoryButton.HIDE, CategoryButton.SHOW)),
    ]
