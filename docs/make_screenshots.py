"""The README's screenshots of the wish wall, made the way the browser tests see it.

    .venv/bin/python docs/make_screenshots.py

Starts `wishwall demo` on a free port of 127.0.0.1 with a throwaway database, opens it in
Debian's headless Chromium on a phone-sized screen (tests/browser/wall.py does the driving),
and writes docs/screenshots/{wall,mine,dashboard}-{zh,en}.png: the member's wall, My wishes
after a claim, and a coordinator's dashboard, in both languages. Each is one phone screen
(390 x 844), reduced to a 256-colour palette so the README stays light. Needs what the browser
tests need (apt-get install chromium chromium-driver).
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image
from selenium.webdriver.common.by import By

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.launch import start_chrome, start_demo, stop_demo  # noqa: E402
from tests.browser.wall import COORDINATOR, Wall  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def save(wall: Wall, name: str) -> None:
    """One phone screen, from the top of the page, in a palette of 256 colours."""
    wall.phone()
    wall.driver.execute_script("window.scrollTo(0, 0)")
    time.sleep(0.3)  # the page's own transitions
    shot = Image.open(io.BytesIO(wall.driver.get_screenshot_as_png())).convert("RGB")
    path = OUT / f"{name}.png"
    shot.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"{path.relative_to(ROOT)}: {shot.width}x{shot.height}, {path.stat().st_size // 1024} KB")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wishwall-shots-") as tmp:
        process, base = start_demo(Path(tmp))
        driver = start_chrome("--hide-scrollbars", "--lang=zh-CN")
        try:
            wall = Wall(driver, base)
            members = wall.free_members()
            for lang, member in (("zh", members[0]), ("en", members[1])):
                wall.sign_in(member, lang)
                save(wall, f"wall-{lang}")
                wall.claim(wall.first_single_claimable())
                wall.tab("mine")
                save(wall, f"mine-{lang}")
                wall.sign_in(COORDINATOR, lang)
                wall.tab("dash")
                wall.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#dash-body .tile"))
                save(wall, f"dashboard-{lang}")
        finally:
            driver.quit()
            stop_demo(process)


if __name__ == "__main__":
    main()
