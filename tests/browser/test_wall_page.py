"""Members at the wish wall in headless Chromium: filter, claim, lose a race, look after what
they hold; a link to one wish; the page without Telegram's script or any outside request.
Coordinators: the dashboard, verifying and posting (its numbers then the same as /stats),
an overdue wish kept or reassigned, the claim sheet downloaded.
Screenshots of the wall and of My wishes, in both languages, go to test-artifacts/."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import struct
import zlib
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[dev]')")

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from bot.clock import SystemClock
from bot.demo.server import demo_settings
from bot.records.views import stats_text
from bot.services import Services
from tests.browser.wall import COORDINATOR, Wall


@pytest.fixture
def wall(chrome: Any, demo: str) -> Wall:
    chrome.delete_all_cookies()
    return Wall(chrome, demo)


def test_a_member_filters_claims_and_sees_the_card_change(wall: Wall, artifacts: Path) -> None:
    member = wall.free_members()[0]
    wall.sign_in(member, "en")
    everything = wall.count()
    assert everything >= 10 and wall.cards()
    assert wall.driver.find_element(By.ID, "tab-wall").text == "Wish wall"
    assert not wall.driver.find_element(By.ID, "tab-dash").is_displayed()  # coordinators only
    wall.screenshot(artifacts / "wall-en.png")

    code = wall.first_single_claimable()
    label = wall.card(code).find_element(By.TAG_NAME, "h2").text.split(" · ")[1]
    wall.driver.find_element(By.CSS_SELECTOR, "#more-filters summary").click()
    Select(wall.driver.find_element(By.ID, "category")).select_by_visible_text(label)
    wall.settled("wall")  # the count says "Loading…" (no number) until the list is redrawn
    wall.until(lambda d: wall.count() < everything)
    headings = [card.find_element(By.TAG_NAME, "h2").text for card in wall.cards()]
    assert headings and all(h.endswith(f"· {label}") for h in headings)
    filtered = wall.api(
        f"wishes?category={wall.driver.find_element(By.ID, 'category').get_attribute('value')}"
    )
    assert wall.count() == filtered["total"]

    # Searching for its wish narrows the list further, and the card is still there.
    description = wall.card(code).find_element(By.CSS_SELECTOR, ".wish").text
    wall.driver.find_element(By.ID, "q").send_keys(description)
    wall.until(lambda d: all(description in c.text for c in wall.cards()))
    Select(wall.driver.find_element(By.ID, "sort")).select_by_value("new")
    # The change redraws the list (aria-busy until done): a card found before that goes stale.
    wall.settled("wall")
    wall.until(lambda d: wall.card(code))

    result = wall.claim(code)
    card = wall.card(code)
    assert "ok" in result.get_attribute("class").split()
    assert code in result.text
    assert card.find_element(By.CSS_SELECTOR, ".badge.mine").text == "Mine"
    assert not card.find_elements(By.CSS_SELECTOR, ".claim")
    assert [w["code"] for w in wall.api("mine")["wishes"]] == [code]


def test_a_second_members_claim_of_the_same_card_is_refused(wall: Wall) -> None:
    first, second = wall.free_members()[:2]
    wall.sign_in(second, "zh")
    code = wall.first_single_claimable()
    late = wall.driver.current_window_handle

    wall.driver.switch_to.new_window("tab")
    wall.sign_in(first, "en")
    wall.claim(code)
    wall.driver.close()
    wall.driver.switch_to.window(late)

    # The second member's page still offers the card; their tap is refused and the card says so.
    result = wall.claim(code)
    card = wall.card(code)
    assert "err" in result.get_attribute("class").split()
    assert code in result.text
    assert card.find_element(By.CSS_SELECTOR, ".badge").text == "已被认领"
    assert not card.find_elements(By.CSS_SELECTOR, ".claim")
    assert code not in {w["code"] for w in wall.api("mine")["wishes"]}


def test_my_wishes_shows_the_holder_the_details_and_what_they_can_do(
    wall: Wall, artifacts: Path, demo_db: Path
) -> None:
    holder, other = wall.free_members()[:2]
    wall.sign_in(holder, "en")
    code = wall.first_single_claimable()
    wall.claim(code)
    wall.tab("mine")
    card = wall.held(code)
    details = wall.api("mine")["wishes"][0]["details"]
    shown = card.find_element(By.CSS_SELECTOR, ".details").text
    assert details["name"] in shown and details["phone"] in shown and details["address"] in shown
    assert "**" not in details["name"]
    assert card.find_element(By.CSS_SELECTOR, f"a[href='tel:{details['phone']}']")
    # Their service record for the half year, as /myrecord counts it.
    record = wall.api("mine")["record"]
    panel = wall.driver.find_element(By.ID, "record")
    assert f"My service record · {record['start']} to {record['end']}" in panel.text
    for key in ("wishes", "hours", "points"):
        assert panel.find_element(By.CSS_SELECTOR, f"[data-record={key}] strong").text == str(record[key])
    assert record["summary"] in panel.text
    wall.screenshot(artifacts / "mine-en.png")

    # Need more time: the latest day the window allows.
    card.find_element(By.CSS_SELECTOR, ".extend").click()
    day = card.find_element(By.CSS_SELECTOR, ".extend-form input[type=date]")
    latest = day.get_attribute("max")
    wall.driver.execute_script("arguments[0].value = arguments[1]", day, latest)
    card.find_element(By.CSS_SELECTOR, ".extend-form .go").click()
    wall.until(lambda d: latest in wall.held(code).find_element(By.CSS_SELECTOR, ".facts").text)

    # Mark delivered, with a note, the hours it took (the community's default offered) and a
    # photo chosen from the phone.
    photo = artifacts / "delivery-photo.png"
    photo.write_bytes(_png(64, 48))
    wall.held(code).find_element(By.CSS_SELECTOR, ".deliver").click()
    form = wall.held(code).find_element(By.CSS_SELECTOR, ".deliver-form")
    form.find_element(By.TAG_NAME, "textarea").send_keys("Delivered with the community worker")
    hours = form.find_element(By.CSS_SELECTOR, "input[name=hours]")
    assert hours.get_attribute("placeholder") == "2" and "2 h" in form.text
    hours.send_keys("3.5")
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(photo))
    form.find_element(By.CSS_SELECTOR, ".go").click()
    wall.until(
        lambda d: (
            "delivered" in wall.held(code).find_element(By.CSS_SELECTOR, ".badge").get_attribute("class")
        )
    )
    assert wall.api("mine")["wishes"][0]["status"] == "delivered"
    assert "3.5 h of service recorded" in wall.driver.find_element(By.ID, "toast").get_attribute(
        "textContent"
    )
    assert _last_event(demo_db, code, "deliver")["hours"] == 3.5

    # Another claim, given back with a reason: it leaves My wishes and is on the wall again.
    wall.tab("wall")
    wall.wait_for_wall()
    second = wall.first_single_claimable()
    wall.claim(second)
    wall.tab("mine")
    held = wall.held(second)
    held.find_element(By.CSS_SELECTOR, ".release").click()
    form = held.find_element(By.CSS_SELECTOR, ".release-form")
    go = form.find_element(By.CSS_SELECTOR, ".go")
    assert not go.is_enabled()  # a reason first
    # The chat's question, in the chat's words.
    choices = form.find_elements(By.CSS_SELECTOR, ".choice")
    assert [c.text for c in choices] == [
        "couldn't reach the beneficiary",
        "no time",
        "the wish changed",
        "other reason",
    ]
    words = form.find_element(By.TAG_NAME, "textarea")
    assert not words.is_displayed()
    choices[3].click()  # other: a few words, then
    assert words.is_displayed() and not go.is_enabled()
    words.send_keys("Away on a work trip")
    assert go.is_enabled()
    wall.screenshot(artifacts / "release-en.png")
    choices[0].click()  # changed their mind: couldn't reach the beneficiary
    assert not words.is_displayed() and go.is_enabled()
    go.click()
    wall.until(lambda d: not d.find_elements(By.ID, f"mine-{second}"))
    assert second in {w["code"] for w in wall.api("wishes?limit=100")["wishes"]}
    released = _last_event(demo_db, second, "release")
    assert released["reason_kind"] == "unreachable" and "reason" not in released

    # Nobody else sees those details: not another member.
    wall.sign_in(other, "en")
    assert code not in {w["code"] for w in wall.api("mine")["wishes"]}


def test_the_wall_and_my_wishes_in_chinese(wall: Wall, artifacts: Path) -> None:
    member = wall.free_members()[0]
    wall.sign_in(member, "zh")
    page = wall.driver.find_element(By.TAG_NAME, "body").text
    assert "心愿墙" in page and "我的心愿" in page and "认领" in page
    assert "Claim" not in page and "Wish wall" not in page
    wall.screenshot(artifacts / "wall-zh.png")
    code = wall.first_single_claimable()
    wall.claim(code)
    wall.tab("mine")
    card = wall.held(code)
    assert "姓名" in card.text and "标记已送达" in card.text and "放弃认领" in card.text
    card.find_element(By.CSS_SELECTOR, ".deliver").click()
    wall.screenshot(artifacts / "mine-zh.png")


def test_a_member_at_the_communitys_cap_is_told_and_may_try_again_later(wall: Wall) -> None:
    member = wall.free_members()[0]
    wall.sign_in(member, "en")
    for _ in range(2):  # the demo community lets a member hold two wishes at once
        wall.claim(wall.first_single_claimable())
    third = wall.first_single_claimable()
    result = wall.claim(third)
    card = wall.card(third)
    assert "err" in result.get_attribute("class").split() and result.text
    assert card.find_element(By.CSS_SELECTOR, ".claim").is_enabled()
    assert card.find_element(By.CSS_SELECTOR, ".badge").text != "Taken"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_coordinator_sees_the_dashboard(wall: Wall, artifacts: Path, lang: str) -> None:
    wall.sign_in(COORDINATOR, lang)
    wall.tab("dash")
    wall.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#dash-body .tile"))
    figures = wall.api("dashboard")
    for key, number in figures["counts"].items():
        tile = wall.driver.find_element(By.CSS_SELECTOR, f".tile[data-count={key}] strong")
        assert tile.text == str(number)
    assert (
        len(wall.driver.find_elements(By.CSS_SELECTOR, "#dash-body svg .bar")) == len(figures["weeks"]) >= 8
    )
    body = wall.driver.find_element(By.ID, "dash-body").text
    assert figures["formula"] in body
    assert all(late["code"] in body for late in figures["overdue"]) and figures["overdue"]
    assert all(wish["code"] in body for wish in figures["pending"]) and figures["pending"]
    # Every item of the three lists shows its beneficiary as the chat's /wish would, the phone
    # one tap from a call; the /wish hint is gone with the need for it.
    labels = {"en": ("Name", "Phone", "Address"), "zh": ("姓名", "电话", "地址")}[lang]
    items = figures["overdue"] + figures["pending"] + figures["verified"]
    for item in items:
        details = item["details"]
        assert details and "**" not in details["name"], item["code"]
        shown = wall.driver.find_element(By.CSS_SELECTOR, f"#desk-{item['code']} .details")
        assert details["name"] in shown.text and details["address"] in shown.text
        assert all(label in shown.text for label in labels)
        phone = re.sub(r"[^0-9+]", "", details["phone"])
        assert shown.find_element(By.CSS_SELECTOR, f"a[href='tel:{phone}']").text == details["phone"]
    assert figures["verified"] and "/wish" not in body
    # The members' wall, the coordinator browsing it too: masked cards only.
    wall.tab("wall")
    wall.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#cards .card"))
    assert not wall.driver.find_elements(By.CSS_SELECTOR, "#cards .details")
    wall.tab("dash")
    wall.screenshot(artifacts / f"dashboard-{lang}.png")


def test_a_coordinator_verifies_posts_and_sees_the_same_numbers_as_stats(
    wall: Wall, artifacts: Path, demo_db: Path
) -> None:
    wall.sign_in(COORDINATOR, "en")
    wall.tab("dash")
    wall.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#dash-body .tile"))
    before = wall.api("dashboard")
    waiting = next(w for w in before["pending"] if not w["own"])
    code = waiting["code"]
    wall.driver.find_element(By.CSS_SELECTOR, f"#desk-{code} .verify").click()
    # Drawn again: the wish now waits to be posted, with its Post button.
    wall.until(lambda d: d.find_elements(By.CSS_SELECTOR, f"#desk-{code} .post"))
    wall.screenshot(artifacts / "dashboard-verified-en.png")
    wall.driver.find_element(By.CSS_SELECTOR, f"#desk-{code} .post").click()
    form = wall.driver.find_element(By.CSS_SELECTOR, f"#desk-{code} .post-form")
    assert Select(form.find_element(By.TAG_NAME, "select")).first_selected_option.text == "every bound group"
    form.find_element(By.CSS_SELECTOR, ".go").click()
    wall.until(lambda d: not d.find_elements(By.ID, f"desk-{code}"))
    wall.settled("dash")

    after = wall.api("dashboard")
    counts = after["counts"]
    assert counts["pending"] == before["counts"]["pending"] - 1
    assert counts["open"] == before["counts"]["open"] + 1
    for key, number in counts.items():
        tile = wall.driver.find_element(By.CSS_SELECTOR, f".tile[data-count={key}] strong")
        assert tile.text == str(number), key
    # What /stats says in the chat, read from the same database by the records service.
    now = asyncio.run(_stats_now(demo_db))
    assert counts == {key: getattr(now, key) for key in counts}
    # And the wish hangs on the wall for members.
    found = wall.api(f"wishes?q={quote(waiting['description'][:50])}&limit=100")
    assert code in {w["code"] for w in found["wishes"]}


def test_a_coordinator_deals_with_an_overdue_wish_and_takes_the_claim_sheet(
    wall: Wall, artifacts: Path, tmp_path: Path
) -> None:
    wall.sign_in(COORDINATOR, "zh")
    wall.tab("dash")
    wall.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#dash-body .tile"))
    figures = wall.api("dashboard")
    assert len(figures["overdue"]) >= 2, "the demo has late deliveries"
    first, second = figures["overdue"][0], figures["overdue"][1]

    # Keep chasing: it stays where it is, and the toast says so.
    wall.driver.find_element(By.CSS_SELECTOR, f"#desk-{first['code']} .keep").click()
    wall.until(lambda d: first["code"] in d.find_element(By.ID, "toast").text)
    wall.settled("dash")

    # Reassign to the member who holds the least, with a new due date.
    wall.driver.find_element(By.CSS_SELECTOR, f"#desk-{second['code']} .reassign").click()
    form = wall.until(lambda d: d.find_element(By.CSS_SELECTOR, f"#desk-{second['code']} .reassign-form"))
    choice = Select(form.find_element(By.TAG_NAME, "select"))
    assert choice.first_selected_option.get_attribute("value") == ""  # back to open, unless chosen
    choice.select_by_index(1)
    name = choice.first_selected_option.text.split(" · ")[0]
    day = form.find_element(By.CSS_SELECTOR, "input[type=date]")
    wall.driver.execute_script("arguments[0].value = arguments[1]", day, day.get_attribute("max"))
    wall.screenshot(artifacts / "dashboard-reassign-zh.png")
    form.find_element(By.CSS_SELECTOR, ".go").click()
    wall.until(lambda d: name in d.find_element(By.ID, "toast").text)
    wall.settled("dash")
    assert second["code"] not in {w["code"] for w in wall.api("dashboard")["overdue"]}

    # The public claim sheet, fetched with the page's credential and saved as a file.
    wall.driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    wall.driver.find_element(By.CSS_SELECTOR, ".sheet-public").click()
    saved = wall.until(lambda d: [p for p in tmp_path.glob("*-public.xlsx")], timeout=30)
    assert saved[0].read_bytes()[:2] == b"PK"  # an .xlsx is a zip archive


def _last_event(db: Path, code: str, action: str) -> dict[str, Any]:
    """The wish's latest event of this kind, as the running demo wrote it (read-only)."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        row = conn.execute(
            "SELECT details FROM events WHERE wish_id = ? AND action = ? ORDER BY id DESC LIMIT 1",
            (int(code.removeprefix("W-")), action),
        ).fetchone()
    assert row is not None, (code, action)
    return dict(json.loads(row[0]))


async def _stats_now(db: Path) -> Any:
    services = Services.build(demo_settings(db, "1:read-only"), SystemClock())
    await services.db.open()
    try:
        (community,) = await services.communities.all()
        boss = await services.directory.actor(COORDINATOR, "en")
        view = await services.records.stats(boss, community.id)
        assert str(view.now.pending) in stats_text(view, "en")
        return view.now
    finally:
        await services.close()


def test_a_link_to_one_wish_brings_its_card_into_view(wall: Wall) -> None:
    member = wall.free_members()[0]
    wall.sign_in(member, "en")
    last = wall.cards()[-1].get_attribute("data-code")
    wall.sign_in(member, "en", startapp=last)
    card = wall.until(
        lambda d: wall.card(last) if "focus" in wall.card(last).get_attribute("class") else False
    )
    top, bottom, height = wall.driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom, innerHeight];", card
    )
    assert top >= 0 and bottom <= height


def test_the_start_parameter_is_read_from_wherever_telegram_puts_it(wall: Wall) -> None:
    """The page's own function, called with each place a launch can carry the wish's code."""
    wall.sign_in(wall.free_members()[0], "en")
    init = "user=%7B%7D&start_param=W-0009&hash=x"
    cases = [
        (["?tgWebAppStartParam=W-0042", "", None, ""], "W-0042"),  # a direct link's query
        (["?tgWebAppStartParam=w42", "", None, ""], "W-0042"),
        (["?foo=1&tgWebAppStartParam=W-0042", "W-0003", "W-0005", init], "W-0042"),
        (["?startapp=W-0007&tgWebAppStartParam=W-0042", "", None, ""], "W-0007"),
        (["", "W-0003", None, ""], "W-0003"),  # the URL's fragment
        (["", "W-0003", "W-0005", init], "W-0005"),  # Telegram's script
        (["", "", None, init], "W-0009"),  # the signed initData
        (["?tgWebAppStartParam=", "", None, ""], None),
        (["?tgWebAppStartParam=hello", "", None, ""], None),
        (["?tgWebAppStartParam=W-0042%3Cb%3E", "", None, ""], None),
        (["", "", None, ""], None),
    ]
    for args, expected in cases:
        found = wall.driver.execute_script(
            "return window.wishwallLaunch.startCode.apply(null, arguments)", *args
        )
        assert found == expected, args


def test_a_direct_links_start_parameter_in_the_query_brings_its_card_into_view(wall: Wall) -> None:
    member = wall.free_members()[0]
    wall.sign_in(member, "en")
    last = wall.cards()[-1].get_attribute("data-code")
    # As Telegram opens a direct link's Mini App: the code in the query, the launch data kept.
    wall.driver.get(f"{wall.base}/wall/?tgWebAppStartParam={last}")
    wall.wait_for_wall()
    card = wall.until(
        lambda d: wall.card(last) if "focus" in wall.card(last).get_attribute("class") else False
    )
    top, bottom, height = wall.driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom, innerHeight];", card
    )
    assert top >= 0 and bottom <= height


def test_the_page_needs_nothing_from_outside(wall: Wall, artifacts: Path) -> None:
    member = wall.free_members()[0]
    wall.sign_in(member, "en")
    driver = wall.driver
    # Telegram's script could not load here: the page read the launch data itself.
    assert driver.execute_script("return typeof window.Telegram") == "undefined"
    loaded = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    outside = [url for url in loaded if not url.startswith(wall.base)]
    assert all(url.startswith("https://telegram.org/") for url in outside), outside
    background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(241, 242, 246)"  # the light fallback of --tg-theme-secondary-bg-color

    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]}
    )
    try:
        dark = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
        assert dark == "rgb(15, 16, 19)"
        wall.screenshot(artifacts / "wall-en-dark.png")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def test_without_telegram_init_data_the_page_says_where_to_open_it(wall: Wall) -> None:
    driver = wall.driver
    driver.switch_to.new_window("tab")  # a fresh tab: nothing remembered in sessionStorage
    try:
        driver.get(f"{wall.base}/wall/")
        notice = wall.until(
            lambda d: d.find_element(By.ID, "notice") if d.find_element(By.ID, "notice").text else False
        )
        assert "Telegram" in notice.text
        assert not driver.find_element(By.ID, "wall").is_displayed()
    finally:
        driver.close()
        driver.switch_to.window(driver.window_handles[0])


def _png(width: int, height: int) -> bytes:
    """A small picture like a phone's, made here (a warm orange square)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes((230, 120, 40)) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
