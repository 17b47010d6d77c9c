"""A person at the wish wall, as the browser tests play them: sign in through the demo's page,
look at cards, press buttons, take screenshots."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import HEIGHT, WAIT, WIDTH

FIRST_MEMBER = 8_200_001  # bot/demo/cast.py: members' ids start here
COORDINATOR = 8_100_001  # and the first coordinator's


class Wall:
    def __init__(self, driver: Any, base: str) -> None:
        self.driver = driver
        self.base = base

    # --- getting there --------------------------------------------------------------------

    def free_members(self) -> list[int]:
        """Members who hold nothing now, as the sign-in page lists them."""
        self.driver.get(f"{self.base}/wall/demo?lang=en")
        free = []
        for link in self.driver.find_elements(By.CSS_SELECTOR, "a[data-user]"):
            user_id = int(link.get_attribute("data-user"))
            if user_id >= FIRST_MEMBER and not link.find_element(By.TAG_NAME, "small").text.strip():
                free.append(user_id)
        return free

    def phone(self) -> None:
        """A phone's screen for this tab (headless Chromium's windows are at least 500 wide)."""
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": True},
        )

    def sign_in(self, user_id: int, lang: str, startapp: str | None = None) -> None:
        self.phone()
        extra = f"&startapp={startapp}" if startapp else ""
        self.driver.get(f"{self.base}/wall/demo/as/{user_id}?lang={lang}{extra}")
        self.wait_for_wall()

    def wait_for_wall(self) -> None:
        loading = {"加载中…", "Loading…", ""}
        self.until(lambda d: d.find_element(By.ID, "count").text not in loading)
        self.settled("wall")

    def settled(self, section: str) -> None:
        """Until the section's list is drawn (the page marks it aria-busy while it loads)."""
        self.until(lambda d: d.find_element(By.ID, section).get_attribute("aria-busy") == "false")

    def until(self, condition: Any, timeout: float = WAIT) -> Any:
        return WebDriverWait(
            self.driver, timeout, ignored_exceptions=(StaleElementReferenceException,)
        ).until(condition)

    # --- reading --------------------------------------------------------------------------

    def cards(self) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, "#cards .card")

    def card(self, code: str) -> WebElement:
        return self.driver.find_element(By.ID, f"wish-{code}")

    def held(self, code: str) -> WebElement:
        return self.driver.find_element(By.ID, f"mine-{code}")

    def first_single_claimable(self) -> str:
        """The code of the first card with a Claim button for one person (not a joint wish)."""
        for card in self.cards():
            if card.find_elements(By.CSS_SELECTOR, ".claim") and not card.find_elements(
                By.CSS_SELECTOR, ".joint"
            ):
                return str(card.get_attribute("data-code"))
        raise AssertionError("no card to claim on the wall")

    def count(self) -> int:
        found = re.search(r"\d+", self.driver.find_element(By.ID, "count").text)
        return int(found.group()) if found else 0

    def api(self, path: str) -> dict[str, Any]:
        """What the API says to the signed-in person (the page's own credential)."""
        script = (
            "const done = arguments[arguments.length - 1];"
            "const data = JSON.parse(sessionStorage.getItem('wishwall.launch')).data;"
            "fetch('/wall/api/' + arguments[0], {headers: {Authorization: 'tma ' + data}})"
            ".then(r => r.text()).then(done);"
        )
        return dict(json.loads(self.driver.execute_async_script(script, path)))

    # --- doing ----------------------------------------------------------------------------

    def claim(self, code: str) -> WebElement:
        card = self.card(code)
        card.find_element(By.CSS_SELECTOR, ".claim").click()
        return self.until(lambda d: _shown_result(d.find_element(By.ID, f"wish-{code}")))

    def tab(self, name: str) -> None:
        self.driver.find_element(By.ID, f"tab-{name}").click()
        self.settled(name)

    def screenshot(self, path: Path) -> None:
        """The whole page, not only what fits the screen: a screen as tall as the page, for a
        moment (capturing beyond the screen misplaces the sticky tab bar)."""
        height = min(int(self.driver.execute_script("return document.documentElement.scrollHeight")), 4000)
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": max(height, HEIGHT), "deviceScaleFactor": 1, "mobile": True},
        )
        try:
            shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
            path.write_bytes(base64.b64decode(shot["data"]))
        finally:
            self.phone()


def _shown_result(card: WebElement) -> WebElement | bool:
    try:
        result = card.find_element(By.CSS_SELECTOR, ".result")
    except NoSuchElementException:
        return False
    return result if result.is_displayed() and result.text.strip() else False
