"""Pure pieces: callback data, texts, validation, masking, rate windows, codes."""

from __future__ import annotations

import ast
import string
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import validation
from bot.callbacks import ChoiceCallback, DraftChoice, WishButton, WishCallback
from bot.codes import format_code, parse_code
from bot.errors import InvalidInput
from bot.messaging.ratelimit import OVERALL_MARGIN, PRIVATE_MARGIN, SendLimits
from bot.texts import CATALOG, LANGS, LANGUAGES, parse, pick_lang, t
from bot.wishes import cards

ROOT = Path(__file__).resolve().parent.parent
TEXTS_DIR = ROOT / "bot" / "texts"


def test_every_language_has_every_text_in_the_same_order() -> None:
    source = LANGUAGES[LANGS[0]]
    for lang, texts in LANGUAGES.items():
        assert sorted(source.keys() - texts.keys()) == [], f"missing in {lang}.toml"
        assert sorted(texts.keys() - source.keys()) == [], f"only in {lang}.toml"
        assert [k for k, text in texts.items() if not text.strip()] == [], f"empty in {lang}.toml"
        # Same order too, so that the files read side by side.
        assert list(texts) == list(source), lang
    assert set(CATALOG) == set(source) and all(set(e) == set(LANGS) for e in CATALOG.values())


def test_the_registry_lists_every_text_file_and_installs_them() -> None:
    import tomllib

    assert {p.stem for p in TEXTS_DIR.glob("*.toml")} == set(LANGS)
    assert [p.name for p in TEXTS_DIR.glob("*.py")] == ["__init__.py"]  # no texts left in code
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "*.toml" in pyproject["tool"]["setuptools"]["package-data"]["bot.texts"]


def test_a_bare_dotted_key_is_refused() -> None:
    """TOML reads `cat.other = "x"` as a table "cat"; only quoted keys are texts."""
    assert parse("xx.toml", '"cat.other" = "x"') == {"cat.other": "x"}
    with pytest.raises(ValueError, match="cat"):
        parse("xx.toml", 'cat.other = "x"')


def _fields(text: str) -> set[tuple[str, str, str | None]]:
    """Each {placeholder} with its format spec and conversion; unbalanced braces raise."""
    return {
        (name, spec or "", conv) for _, name, spec, conv in string.Formatter().parse(text) if name is not None
    }


def test_placeholders_match_between_languages() -> None:
    source = LANGUAGES[LANGS[0]]
    for lang, texts in LANGUAGES.items():
        assert [k for k, text in texts.items() if _fields(text) != _fields(source[k])] == [], lang
        # Positional fields ({} or {0}) cannot be filled: t() passes keyword arguments only.
        assert [
            k for k, text in texts.items() if any(not n or n[0].isdigit() for n, _, _ in _fields(text))
        ] == []


def test_every_text_key_used_in_code_is_in_the_catalog() -> None:
    """String constants that look like keys anywhere in bot/ and handlers/, and every t() or
    t_error() call with a literal key (or an f-string's fixed start) in the tests and bench too."""
    used: set[str] = set()
    dynamic: set[str] = set()
    for path in _sources("bot", "handlers"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value
                prefix = value.split(".", 1)[0]
                complete = not value.endswith((".", "_"))  # f-string pieces are checked below
                if "." in value and " " not in value and prefix in _PREFIXES and complete:
                    used.add(value)
    for path in _sources("bot", "handlers", "tests", "bench"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in ("t", "t_error") or len(node.args) < 2:
                continue
            key = node.args[1]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                used.add(key.value)
            elif isinstance(key, ast.JoinedStr) and key.values and isinstance(key.values[0], ast.Constant):
                dynamic.add(str(key.values[0].value))
    assert len(used) > 300 and "btn.claim" in used  # the scan sees the code
    assert sorted(k for k in used if k not in CATALOG) == []
    assert sorted(d for d in dynamic if not any(k.startswith(d) for k in CATALOG)) == []


def _sources(*folders: str) -> list[Path]:
    return [path for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))]


def test_keys_built_at_run_time_exist() -> None:
    from bot.models import Category, WishStatus
    from bot.people.policies import COMMAND_RULES
    from handlers.wishes import newwish, review

    keys = [f"cat.{c.value}" for c in Category] + [f"status.{s.value}" for s in WishStatus]
    keys += [f"btn.{b.name.lower()}" for b in WishButton]
    keys += [
        f"newwish.ask_{step}"
        for step in (
            newwish.NAME,
            newwish.PHONE,
            newwish.ADDRESS,
            newwish.CATEGORY,
            newwish.WISH,
            newwish.VALUE,
            newwish.DUE,
            newwish.PHOTO,
        )
    ]
    keys += [f"btn.due_{d}" for d in newwish.DUE_CHOICES]
    for action in ("reject", "dispute", "cancel"):
        keys += [f"review.ask_reason_{action}", f"review.done_{action}"]
    assert set(review._REASON_ACTIONS.values()) <= {"reject", "dispute", "cancel"}
    keys += [f"cmd.{name}" for name in COMMAND_RULES]
    assert [k for k in keys if k not in CATALOG] == []


_PREFIXES = {k.split(".", 1)[0] for k in CATALOG}


def test_language_choice_follows_the_registry() -> None:
    assert pick_lang("zh-hans") == "zh"
    assert pick_lang("en-GB") == "en"
    assert pick_lang(None) == LANGS[0]
    assert pick_lang("ru", "en") == "en"
    for lang in LANGS:
        assert pick_lang(lang) == lang
        assert pick_lang(f"{lang.upper()}_XX") == lang
        assert pick_lang("tlh", lang) == lang
    assert t("en", "btn.claim") == "🙋 Claim"
    assert t("tlh", "btn.claim") == LANGUAGES[LANGS[0]]["btn.claim"]  # unknown code: the first
    absent = "no.such_key"  # a name, so the scan for keys used in code passes it by
    assert t("en", absent) == "⟨no.such_key⟩"


def test_the_default_language_is_a_registered_one() -> None:
    from pydantic import ValidationError

    from bot.settings import Settings

    assert Settings(_env_file=None).default_lang in LANGS  # type: ignore[call-arg]
    for lang in LANGS:
        assert Settings(_env_file=None, default_lang=lang).default_lang == lang  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="WISHWALL_DEFAULT_LANG"):
        Settings(_env_file=None, default_lang="tlh")  # type: ignore[call-arg]


@given(wish_id=st.integers(1, 10**12 - 1), action=st.sampled_from(list(WishButton)))
def test_wish_callback_round_trip_and_size(wish_id: int, action: WishButton) -> None:
    data = WishCallback(action=action, wish_id=wish_id).pack()
    assert len(data.encode()) <= 64
    assert WishCallback.unpack(data) == WishCallback(action=action, wish_id=wish_id)


@given(st.text(max_size=80))
def test_forged_callback_data_never_raises(data: str) -> None:
    WishCallback.unpack(data)
    ChoiceCallback.unpack(data)


@pytest.mark.parametrize(
    "data",
    ["w1:cl:0", "w1:cl:-5", "w1:zz:5", "w1:cl:5:extra", "w2:cl:5", "w1:cl:abc", "", "w1:cl:" + "9" * 70],
)
def test_tampered_callback_data_is_rejected(data: str) -> None:
    assert WishCallback.unpack(data) is None


def test_a_pattern_for_some_buttons_admits_only_those_and_only_well_formed() -> None:
    claims = WishCallback.matching(lambda d: d.action is WishButton.CLAIM)
    assert claims(WishCallback(action=WishButton.CLAIM, wish_id=5).pack())
    assert not claims(WishCallback(action=WishButton.RELEASE, wish_id=5).pack())
    for forged in ("w1:cl:0", "w1:cl:5:extra", "c1:cat:elderly_alone", None, 5):
        assert not claims(forged)


def test_choice_callback_refuses_values_it_could_not_have_made() -> None:
    assert ChoiceCallback.unpack("c1:cat:elderly_alone") == ChoiceCallback(
        choice=DraftChoice.CATEGORY, value="elderly_alone"
    )
    assert ChoiceCallback.unpack("c1:cat:DROP TABLE") is None
    with pytest.raises(ValueError):
        ChoiceCallback(choice=DraftChoice.CATEGORY, value="a:b").pack()


def test_codes() -> None:
    assert format_code(42) == "W-0042"
    assert format_code(123456) == "W-123456"
    for text in ("W-0042", "w42", "W 42", "42", " w-042 "):
        assert parse_code(text) == 42
    for text in ("", "W-", "abc", "W-0", "-3"):
        assert parse_code(text) is None


def test_mask_hides_all_but_the_first_character() -> None:
    assert cards.mask_name("王秀英") == "王**"
    assert cards.mask_name("欧阳娜娜") == "欧**"
    assert cards.mask_name(" John Smith ") == "J**"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("13812345678", "13812345678"), ("+86 138 1234 5678", "13812345678"), ("010-12345678", "010-12345678")],
)
def test_phone_accepts(raw: str, expected: str) -> None:
    assert validation.phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "1381234567", "23812345678", "abc", "138123456789"])
def test_phone_refuses(raw: str) -> None:
    with pytest.raises(InvalidInput):
        validation.phone(raw)


def test_value_and_dates() -> None:
    assert validation.value_fen("200") == 20000
    assert validation.value_fen("¥89.5") == 8950
    for bad in ("abc", "-1", "1e9", "nan", "inf"):
        with pytest.raises(InvalidInput):
            validation.value_fen(bad)
    today = date(2026, 11, 20)
    assert validation.due_date("2026-12-01", today) == date(2026, 12, 1)
    for bad, key in (
        ("2026-11-19", "val.date_past"),
        ("2026-13-01", "val.date"),
        ("2028-01-01", "val.date_far"),
    ):
        with pytest.raises(InvalidInput) as caught:
            validation.due_date(bad, today)
        assert caught.value.key == key


def test_text_limits() -> None:
    assert validation.text("  电暖器   一台 ", 10) == "电暖器 一台"
    with pytest.raises(InvalidInput):
        validation.text("   ", 10)
    with pytest.raises(InvalidInput):
        validation.text("x" * 11, 10)


def test_send_limits_per_chat_and_overall() -> None:
    limits = SendLimits(per_second=3, private_interval=1.0, group_per_minute=2)
    limits.record(5, 0.0)
    assert limits.wait_time(5, 0.1) == pytest.approx(1.0 + PRIVATE_MARGIN - 0.1)  # a private chat: ~1/s
    assert limits.wait_time(6, 0.1) == 0
    limits.record(-1, 0.1)
    limits.record(-1, 0.2)
    assert limits.wait_time(-1, 0.3) == pytest.approx(59.8)  # group: 2 per minute
    assert limits.wait_time(7, 0.3) == pytest.approx(0.7 + OVERALL_MARGIN)  # overall: 3 in the last second
    limits.pause(8, 10.0)
    assert limits.wait_time(8, 5.0) == pytest.approx(5.0)
    limits.forget_idle(100.0)
    assert limits.tracked_chats == 0


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names]
    return found
