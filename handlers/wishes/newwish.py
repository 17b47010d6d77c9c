"""/newwish: a coordinator enters a wish one step at a time; nothing is saved until Submit.

The draft is written to the database after every step, so a restart resumes where it was.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import date, timedelta
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

from bot import validation
from bot.callbacks import ChoiceCallback, DraftChoice
from bot.categories.book import CategoryChoice, builtin_book
from bot.clock import local_today
from bot.context import WishwallContext
from bot.drafts import NewWishDraft
from bot.errors import DomainError, InvalidInput
from bot.models import Button, Rendered, SourceKind, WishDraft
from bot.texts import t
from bot.wishes import cards, sources
from bot.wishes.lifecycle import check_value
from handlers.common import (
    actor_of,
    answer,
    button,
    edit_rendered,
    error_text,
    lang_of,
    reply_rendered,
    reply_text,
)
from handlers.people.start import cancel

NAME, PHONE, ADDRESS, CATEGORY, WISH, VALUE, DUE, PHOTO, CONFIRM = (
    "name",
    "phone",
    "address",
    "category",
    "wish",
    "value",
    "due",
    "photo",
    NewWishDraft.CONFIRM,
)
SOURCE_NAME = NewWishDraft.SOURCE_NAME
DUE_CHOICES = (7, 14, 30)


def _choice(lang: str, label_key: str, choice: DraftChoice, value: str) -> Button:
    return Button(text=t(lang, label_key), callback_data=ChoiceCallback(choice=choice, value=value).pack())


def _prompt(step: str, lang: str, categories: list[CategoryChoice] | None = None) -> Rendered:
    """The question for each step, with its buttons (the category step: the community's)."""
    text = t(lang, f"newwish.ask_{step}")
    buttons: tuple[tuple[Button, ...], ...] = ()
    if step == CATEGORY:
        cats = [
            Button(
                text=c.label, callback_data=ChoiceCallback(choice=DraftChoice.CATEGORY, value=c.key).pack()
            )
            for c in categories or builtin_book().choices(lang)
        ]
        buttons = tuple(tuple(cats[i : i + 2]) for i in range(0, len(cats), 2))
    elif step in (VALUE, PHOTO):
        buttons = ((_choice(lang, "btn.skip", DraftChoice.SKIP, step),),)
    elif step == DUE:
        buttons = (tuple(_choice(lang, f"btn.due_{d}", DraftChoice.DUE, str(d)) for d in DUE_CHOICES),)
    return Rendered(text=text, buttons=buttons)


def _summary(draft: WishDraft, lang: str, category: str) -> Rendered:
    """`category`: the draft's category as the coordinator reads it (see _category_label)."""
    lines = [t(lang, "newwish.summary")]
    lines += [
        t(lang, "card.full_name", name=draft.beneficiary.name),
        t(lang, "card.phone", phone=draft.beneficiary.phone),
        t(lang, "card.address", address=draft.beneficiary.address),
        t(lang, "card.category", category=category),
        t(lang, "card.wish", description=draft.description),
    ]
    value = cards.format_value(draft.value_fen)
    if value is not None:
        lines.append(t(lang, "card.value", value=value))
    lines.append(t(lang, "card.due", due=draft.due_date.isoformat()))
    if draft.photo_file_id:
        lines.append(t(lang, "card.photo_attached"))
    lines += sources.summary_lines(draft.source, lang)
    return Rendered(
        text="\n".join(lines),
        buttons=(
            *sources.source_buttons(lang),
            (
                _choice(lang, "btn.submit", DraftChoice.SUBMIT, "wish"),
                _choice(lang, "btn.cancel", DraftChoice.CANCEL, "wish"),
            ),
        ),
        photo_file_id=draft.photo_file_id,
    )


async def _load(update: Update, context: WishwallContext) -> NewWishDraft | None:
    """The saved draft. /newwish saves one at once, so None mid-conversation means it was lost
    (or no longer reads, or another conversation's /cancel dropped it): the caller restarts."""
    assert update.effective_user is not None
    return await context.core.drafts.load(update.effective_user.id, NewWishDraft)


async def _save(update: Update, context: WishwallContext, draft: NewWishDraft) -> None:
    assert update.effective_user is not None
    await context.core.drafts.save(update.effective_user.id, draft)


def _today(context: WishwallContext) -> date:
    return local_today(context.core.clock.now(), context.core.settings.zone)


async def _advance(update: Update, context: WishwallContext, draft: NewWishDraft, step: str) -> str:
    draft.step = step
    await _save(update, context, draft)
    lang = lang_of(update, context)
    categories = None
    if step == CATEGORY:
        categories = await context.core.categories.choices(await _community_id(update, context), lang)
    await reply_rendered(update, _prompt(step, lang, categories))
    return step


async def _category_label(update: Update, context: WishwallContext, key: str, lang: str) -> str:
    book = await context.core.categories.book(await _community_id(update, context))
    return book.label(key, lang)


async def begin(update: Update, context: WishwallContext) -> str:
    await _save(update, context, NewWishDraft())
    await reply_text(update, t(lang_of(update, context), "newwish.intro"))
    await reply_rendered(update, _prompt(NAME, lang_of(update, context)))
    return NAME


def _text_step(
    step: str, next_step: str, field: str, parse: Callable[[str | None], Any]
) -> Callable[[Update, WishwallContext], Coroutine[Any, Any, str]]:
    async def handle(update: Update, context: WishwallContext) -> str:
        message = update.effective_message
        assert message is not None
        try:
            value = parse(message.text)
        except InvalidInput as error:
            # Re-ask the same step with the reason; nothing moves on.
            await reply_text(update, error_text(lang_of(update, context), error))
            await reply_rendered(update, _prompt(step, lang_of(update, context)))
            return step
        draft = await _load(update, context)
        if draft is None:
            return await _restart(update, context)
        setattr(draft, field, value)  # checked against the model's field type
        return await _advance(update, context, draft, next_step)

    handle.__name__ = f"got_{step}"
    return handle


got_name = _text_step(NAME, PHONE, "name", lambda v: validation.text(v, validation.BENEFICIARY_NAME_MAX))
got_phone = _text_step(PHONE, ADDRESS, "phone", validation.phone)
got_address = _text_step(
    ADDRESS, CATEGORY, "address", lambda v: validation.text(v, validation.ADDRESS_MAX, 2)
)
got_wish = _text_step(WISH, VALUE, "description", lambda v: validation.text(v, validation.DESCRIPTION_MAX, 2))


async def got_value(update: Update, context: WishwallContext) -> str:
    """The amount, checked against the community's cap here rather than at Submit."""
    message = update.effective_message
    assert message is not None
    lang = lang_of(update, context)
    try:
        value = validation.value_fen(message.text)
        community = await context.core.wishes.community(await _community_id(update, context))
        check_value(value, community)
    except InvalidInput as error:
        await reply_text(update, error_text(lang, error))
        await reply_rendered(update, _prompt(VALUE, lang))
        return VALUE
    draft = await _load(update, context)
    if draft is None:
        return await _restart(update, context)
    draft.value_fen = value
    return await _advance(update, context, draft, DUE)


async def _community_id(update: Update, context: WishwallContext) -> int:
    actor = await actor_of(update, context)
    return context.core.communities.current(actor)


async def got_due_text(update: Update, context: WishwallContext) -> str:
    message = update.effective_message
    assert message is not None
    try:
        day = validation.due_date(message.text, _today(context))
    except InvalidInput as error:
        await reply_text(update, error_text(lang_of(update, context), error))
        await reply_rendered(update, _prompt(DUE, lang_of(update, context)))
        return DUE
    draft = await _load(update, context)
    if draft is None:
        return await _restart(update, context)
    draft.due_date = day
    return await _advance(update, context, draft, PHOTO)


async def got_photo(update: Update, context: WishwallContext) -> str:
    message = update.effective_message
    assert message is not None and message.photo
    draft = await _load(update, context)
    if draft is None:
        return await _restart(update, context)
    draft.photo_file_id = message.photo[-1].file_id
    return await _show_summary(update, context, draft)


async def _show_summary(update: Update, context: WishwallContext, draft: NewWishDraft) -> str:
    draft.step = CONFIRM
    await _save(update, context, draft)
    wish = draft.complete()
    if wish is None:
        return await _restart(update, context)
    lang = lang_of(update, context)
    category = await _category_label(update, context, wish.category, lang)
    await reply_rendered(update, _summary(wish, lang, category))
    return CONFIRM


async def _restart(update: Update, context: WishwallContext) -> str:
    """The draft lost a step (or all of it): start again at the first step rather than fail."""
    await reply_text(update, t(lang_of(update, context), "newwish.incomplete"))
    return await _advance(update, context, NewWishDraft(), NAME)


async def wrong_input(update: Update, context: WishwallContext) -> None:
    """Anything that is not what the step asks for (a sticker, a photo too early, ...)."""
    await reply_text(update, t(lang_of(update, context), "val.use_buttons_or_text"))


async def photo_expected(update: Update, context: WishwallContext) -> str:
    await reply_text(update, t(lang_of(update, context), "val.photo_expected"))
    return PHOTO


@button(ChoiceCallback)
async def on_choice(
    update: Update, context: WishwallContext, query: CallbackQuery, choice: ChoiceCallback
) -> str | int:
    lang = lang_of(update, context)
    if choice.choice is DraftChoice.CANCEL:
        await answer(query)
        return await cancel(update, context)
    draft = await _load(update, context)
    if draft is None:
        await answer(query)
        return await _restart(update, context)
    step = draft.step
    if choice.choice is DraftChoice.CATEGORY and step == CATEGORY:
        community_id = await _community_id(update, context)
        try:
            # One of the community's visible categories: a forged or hidden one is a stale button.
            draft.category = await context.core.categories.for_new_wish(community_id, choice.value)
        except (DomainError, ValueError):
            await answer(query, t(lang, "err.stale_button"), alert=True)
            return CATEGORY
        await answer(query, await _category_label(update, context, draft.category, lang))
        return await _advance(update, context, draft, WISH)
    if choice.choice is DraftChoice.SKIP and step == choice.value == VALUE:
        await answer(query)
        draft.value_fen = None
        return await _advance(update, context, draft, DUE)
    if choice.choice is DraftChoice.DUE and step == DUE and choice.value.isdigit():
        days = int(choice.value)
        if days not in DUE_CHOICES:
            await answer(query, t(lang, "err.stale_button"), alert=True)
            return DUE
        await answer(query)
        draft.due_date = _today(context) + timedelta(days=days)
        return await _advance(update, context, draft, PHOTO)
    if choice.choice is DraftChoice.SKIP and step == choice.value == PHOTO:
        await answer(query)
        draft.photo_file_id = None
        return await _show_summary(update, context, draft)
    if choice.choice is DraftChoice.SUBMIT and step == CONFIRM:
        return await _submit(update, context, query, draft)
    if choice.choice in (DraftChoice.SOURCE, DraftChoice.SKIP) and step in (CONFIRM, SOURCE_NAME):
        return await _on_source(update, context, query, draft, choice)
    # A button from an earlier step of this or another draft.
    await answer(query, t(lang, "err.stale_button"), alert=True)
    return step


async def _on_source(
    update: Update,
    context: WishwallContext,
    query: CallbackQuery,
    draft: NewWishDraft,
    choice: ChoiceCallback,
) -> str:
    """Where the wish came from, from the summary's buttons: a kind, then (but for a resident's
    own report) who, or Skip; then the summary again."""
    lang = lang_of(update, context)
    if choice.choice is DraftChoice.SKIP and draft.step == choice.value == SOURCE_NAME:
        await answer(query)
        draft.source_name = None
        return await _show_summary(update, context, draft)
    try:
        kind = SourceKind(choice.value) if choice.choice is DraftChoice.SOURCE else None
    except ValueError:
        kind = None
    if kind is None:
        await answer(query, t(lang, "err.stale_button"), alert=True)
        return draft.step
    await answer(query, sources.kind_label(kind, lang))
    draft.source_kind, draft.source_name = kind, None
    if not sources.asks_name(kind):
        return await _show_summary(update, context, draft)
    draft.step = SOURCE_NAME
    await _save(update, context, draft)
    await reply_rendered(update, sources.ask_name(kind, lang))
    return SOURCE_NAME


async def got_source_name(update: Update, context: WishwallContext) -> str:
    message = update.effective_message
    assert message is not None
    draft = await _load(update, context)
    if draft is None:
        return await _restart(update, context)
    lang = lang_of(update, context)
    try:
        draft.source_name = sources.clean_name(message.text)
    except InvalidInput as error:
        await reply_text(update, error_text(lang, error))
        if draft.source_kind is not None:
            await reply_rendered(update, sources.ask_name(draft.source_kind, lang))
        return SOURCE_NAME
    return await _show_summary(update, context, draft)


async def _submit(
    update: Update, context: WishwallContext, query: CallbackQuery, draft: NewWishDraft
) -> str | int:
    assert update.effective_user is not None
    lang = lang_of(update, context)
    typed = draft.complete()
    if typed is None:
        await answer(query)
        return await _restart(update, context)
    try:
        community_id = await _community_id(update, context)
        # Chosen while another community was the current one (/use since)? Not this one's.
        await context.core.categories.of_community(community_id, typed.category)
        wish = await context.core.wishes.create(await actor_of(update, context), typed, community_id)
    except DomainError as error:
        # Refused (a cap, a role): the summary stays, to submit again or cancel.
        await answer(query, error_text(lang, error), alert=True)
        return CONFIRM
    await answer(query, t(lang, "newwish.saved_short", code=wish.code))
    await context.core.drafts.delete(update.effective_user.id, NewWishDraft)
    summary = _summary(typed, lang, await _category_label(update, context, typed.category, lang))
    await edit_rendered(query, Rendered(text=summary.text))
    await reply_rendered(update, cards.coordinator_card(wish, lang))
    await reply_text(update, t(lang, "newwish.saved", code=wish.code))
    return ConversationHandler.END


def handlers() -> list[BaseHandler[Update, WishwallContext, Any]]:
    text = filters.TEXT & ~filters.COMMAND
    others = ~filters.COMMAND
    # One handler in many steps' lists, which PTB types as handlers returning any object.
    choice: CallbackQueryHandler[WishwallContext, object] = CallbackQueryHandler(
        on_choice, pattern=ChoiceCallback.matches
    )
    return [
        ConversationHandler(
            entry_points=[CommandHandler("newwish", begin, filters=filters.ChatType.PRIVATE)],
            states={
                NAME: [MessageHandler(text, got_name)],
                PHONE: [MessageHandler(text, got_phone)],
                ADDRESS: [MessageHandler(text, got_address)],
                CATEGORY: [choice],
                WISH: [MessageHandler(text, got_wish)],
                VALUE: [MessageHandler(text, got_value), choice],
                DUE: [MessageHandler(text, got_due_text), choice],
                PHOTO: [
                    MessageHandler(filters.PHOTO, got_photo),
                    choice,
                    MessageHandler(others, photo_expected),
                ],
                CONFIRM: [choice],
                SOURCE_NAME: [MessageHandler(text, got_source_name), choice],
            },
            fallbacks=[
                CommandHandler("cancel", cancel),
                choice,
                MessageHandler(others, wrong_input),
            ],
            name="newwish",
            persistent=True,
        )
    ]
