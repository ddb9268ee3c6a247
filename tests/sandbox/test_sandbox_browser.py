"""The sandbox page in a real browser (headless system Chromium through Selenium).

`palaver sandbox` runs as a subprocess, as a trainer would start it; the test clicks through
the page like a person: START, a language, consent, a partner, a message, a day's jump.
Screenshots are kept in tests/artifacts/sandbox/.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "sandbox"
STARTUP_SECONDS = 60
STEP_SECONDS = 15

pytestmark = pytest.mark.slow

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    if os.environ.get("CI"):
        pytest.fail(
            "the browser test needs Debian's chromium and chromium-driver "
            "(apt-get install chromium chromium-driver)",
            pytrace=False,
        )
    pytest.skip(
        "no /usr/bin/chromium or /usr/bin/chromedriver: install Debian's chromium and "
        "chromium-driver to run the sandbox browser test",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import (  # noqa: E402
    ElementClickInterceptedException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def sandbox_url(tmp_path: Path) -> Iterator[str]:
    """`palaver sandbox --port 0 --no-browser` in a folder without a .env file."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", "0", "--no-browser"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PALAVER_LOG_LEVEL": "WARNING"},
    )
    try:
        yield _ready_url(process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _ready_url(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + STARTUP_SECONDS
    seen = []
    while time.monotonic() < deadline:
        readable, _, _ = select.select([process.stdout], [], [], deadline - time.monotonic())
        if not readable:
            break
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        found = re.search(r"ready at (http://\S+/)", line)
        if found:
            return found.group(1)
    raise AssertionError(f"the sandbox did not start; it said: {''.join(seen)!r}")


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1900,1500",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """The sandbox page, seen from one person's phone at a time."""

    def __init__(self, driver: WebDriver) -> None:
        self.driver = driver
        self.shots = 0

    def phone(self, name: str) -> WebElement:
        return self.until(
            lambda d: d.find_element(By.CSS_SELECTOR, f'section.phone[data-person="{name}"]')
        )

    def until(self, condition: Callable[[WebDriver], object]) -> object:
        return WebDriverWait(
            self.driver, STEP_SECONDS, ignored_exceptions=(StaleElementReferenceException,)
        ).until(condition)

    def chat_text(self, name: str) -> str:
        return self.phone(name).find_element(By.CSS_SELECTOR, ".chat").text

    def expect(self, name: str, text: str) -> None:
        """Wait until `name`'s phone shows `text`."""
        try:
            self.until(lambda d: text in self.chat_text(name))
        except TimeoutException:
            self.screenshot(f"failed-{name}")
            shown = self.chat_text(name)
            raise AssertionError(f"{name}'s phone never showed {text!r}:\n{shown}") from None

    def click(self, name: str, label: str) -> None:
        """Click the newest button labelled `label` on `name`'s phone."""

        def press(_driver: WebDriver) -> bool:
            buttons = [
                b
                for b in self.phone(name).find_elements(By.CSS_SELECTOR, "button")
                if b.text.strip() == label and b.is_enabled()
            ]
            if not buttons:
                return False
            try:
                buttons[-1].click()
            except ElementClickInterceptedException:
                return False
            return True

        try:
            self.until(press)
        except TimeoutException:
            self.screenshot(f"failed-{name}")
            shown = self.chat_text(name)
            raise AssertionError(f"no button {label!r} on {name}'s phone:\n{shown}") from None

    def type(self, name: str, text: str) -> None:
        box = self.phone(name).find_element(By.CSS_SELECTOR, ".composer input")
        box.send_keys(text)
        self.phone(name).find_element(By.CSS_SELECTOR, ".composer .send").click()

    def screenshot(self, label: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        self.driver.save_screenshot(str(ARTIFACTS / f"{self.shots:02d}-{label}.png"))


def test_two_people_meet_through_the_page_and_a_day_later_the_quiet_one_is_nudged(
    sandbox_url: str, browser: WebDriver
) -> None:
    browser.get(sandbox_url)
    page = Page(browser)
    page.phone("Karim")
    # The organizer set the program and its invite links up before the page opened.
    page.expect("Mira", "t.me/palaver_sandbox_bot?start=")
    assert page.phone("Amal").get_attribute("dir") == "rtl"
    page.screenshot("opened")

    for name in ("Karim", "Dana"):
        page.click(name, "START")
        page.expect(name, "Which language")
        page.click(name, "English")
        page.expect(name, "what Palaver keeps")
        page.click(name, "Accept")
        page.expect(name, "Which of these languages")
        page.click(name, "Done")
        page.expect(name, "someone from another community")
        page.click(name, "Find me a partner")
    page.expect("Karim", "In this exchange you and")
    page.expect("Dana", "In this exchange you and")
    page.screenshot("paired")

    for name in ("Karim", "Dana"):
        page.expect(name, "How warm or cold")
        page.type(name, "60")
        page.expect(name, "I can trust most people")
        page.type(name, "3")
        page.expect(name, "Let's start with introductions")
    page.type("Karim", "I teach music to children.")
    page.expect("Karim", "passed this on")
    page.screenshot("karim-wrote")

    clock_before = browser.find_element(By.ID, "clock").get_attribute("datetime")
    browser.find_element(By.ID, "jump-day").click()
    page.expect("Dana", "Your partner is waiting for your answer")
    assert browser.find_element(By.ID, "clock").get_attribute("datetime") != clock_before
    page.screenshot("a-day-later")

    page.type("Dana", "I bake bread at dawn.")
    page.expect("Karim", "I bake bread at dawn.")
    page.expect("Dana", "I teach music to children.")
    page.screenshot("introduced")

    # A script acting through the JSON API: the page shows it without being touched.
    karim_id = page.phone("Karim").get_attribute("data-id")
    request = urllib.request.Request(
        f"{sandbox_url}api/people/{karim_id}/messages",
        data=json.dumps({"text": "/help"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=STEP_SECONDS) as response:
        assert response.status == 200
    page.expect("Karim", "Palaver helps people from different communities")

    # The Arabic speaker's phone: the bot's command menu in Arabic, right to left.
    page.phone("Amal").find_element(By.CSS_SELECTOR, ".menu-button").click()
    menu = page.phone("Amal").find_element(By.CSS_SELECTOR, ".menu")
    assert "/partner" in menu.text
    page.screenshot("arabic-menu")

    # A group chat: the organizer makes one (the page asks for its title), Amal writes in it.
    browser.find_element(By.ID, "new-group").click()
    browser.switch_to.alert.accept()
    group = page.until(
        lambda d: d.find_element(By.CSS_SELECTOR, 'section.group[data-group="Circle by the river"]')
    )
    assert isinstance(group, WebElement)
    group.find_element(By.CSS_SELECTOR, ".speaker option[value]")
    for option in group.find_elements(By.CSS_SELECTOR, ".speaker option"):
        if option.text == "Amal":
            option.click()
    group.find_element(By.CSS_SELECTOR, ".composer input").send_keys("/help")
    group.find_element(By.CSS_SELECTOR, ".composer .send").click()
    page.until(lambda d: "/start" in group.find_element(By.CSS_SELECTOR, ".chat").text)
    page.screenshot("group-chat")
