"""The web widget in real headless Chromium (Debian's `chromium`, driven by Playwright), on the
gateway's demo page, talking to the real engine and actions. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.catalogue.queries import search_courses
from bot.db.models import localized
from bot.i18n import text

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
XSS = "<img src=x onerror=alert(1)>"
# A network where websockets never connect (a proxy that drops them).
BLOCKED_WEBSOCKETS = """
window.WebSocket = function () {
  var socket = this;
  setTimeout(function () { if (socket.onclose) socket.onclose({ code: 1006 }); }, 10);
};
"""
# Keeps the page's sockets so a test can cut one, as a network drop would.
RECORDED_WEBSOCKETS = """
(function () {
  var Real = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = function (url) { var s = new Real(url); window.__sockets.push(s); return s; };
})();
"""


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    viewport = getattr(request, "param", {"width": 1280, "height": 800})
    context = browser.new_context(viewport=viewport)
    opened = context.new_page()
    opened.dialogs = []  # type: ignore[attr-defined]
    opened.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))  # type: ignore[attr-defined]
    yield opened
    ARTIFACTS.mkdir(exist_ok=True)
    opened.screenshot(path=str(ARTIFACTS / f"widget-{request.node.name}.png"))
    context.close()


def open_widget(page: Page, url: str, label: str = "Une question sur les formations ?"):
    page.goto(f"{url}/")
    page.get_by_role("button", name=label).click()
    return page.get_by_role("textbox")


def bot_messages(page: Page):
    return page.locator(".msg.bot")


def ask(page: Page, box, question: str) -> None:
    before = bot_messages(page).count()
    box.fill(question)
    box.press("Enter")
    expect(bot_messages(page)).not_to_have_count(before, timeout=30_000)
    expect(page.get_by_role("status")).to_have_text("", timeout=30_000)


def test_a_visitor_asks_clicks_reloads_switches_language_and_stays_safe(channels, page):
    assistant = channels.assistant
    box = open_widget(page, assistant.url)
    expect(box).to_be_focused()
    expect(page.get_by_role("dialog")).to_have_attribute("lang", "fr")

    ask(page, box, "quelles formations en cybersécurité ?")
    with assistant.db() as session:
        courses = search_courses(session, assistant.today, topic="cybersecurity")
    log = page.get_by_role("log")
    for course in courses:
        expect(log).to_contain_text(localized(course, "title", "fr"))
    page.screenshot(path=str(ARTIFACTS / "widget-french-answer.png"))

    quick = page.get_by_role("group").get_by_role("button").first
    choice = quick.inner_text()
    before = bot_messages(page).count()
    quick.click()
    expect(page.locator(".msg.user").last).to_contain_text(choice)
    expect(bot_messages(page)).not_to_have_count(before, timeout=30_000)
    expect(page.get_by_role("status")).to_have_text("", timeout=30_000)
    # The widget's own welcome line is not part of the conversation the server keeps.
    conversation = page.locator(".msg:not(.intro)")
    shown = conversation.all_inner_texts()

    page.reload()
    open_widget(page, assistant.url)
    expect(conversation).to_have_count(len(shown))
    assert conversation.all_inner_texts() == shown
    page.screenshot(path=str(ARTIFACTS / "widget-after-reload.png"))

    box = page.get_by_role("textbox")
    ask(page, box, "in het Nederlands aub")
    expect(log).to_contain_text(text("language_changed", "nl"))
    expect(box).to_have_attribute("placeholder", "Typ je vraag…")
    expect(page.get_by_role("dialog")).to_have_attribute("lang", "nl")

    ask(page, box, XSS)
    expect(page.locator(".msg.user").last).to_contain_text(XSS)
    assert page.locator("[data-guidance-widget] img").count() == 0
    assert page.dialogs == []  # type: ignore[attr-defined]


def test_keyboard_only_use(channels, page):
    page.goto(f"{channels.assistant.url}/")
    page.keyboard.press("Tab")
    launcher = page.get_by_role("button", name="Une question sur les formations ?")
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    box = page.get_by_role("textbox", name="Ton message")
    expect(box).to_be_focused()
    page.keyboard.type("salut")
    page.keyboard.press("Enter")
    expect(bot_messages(page).last).to_contain_text(text("greet", "fr")[:40], timeout=30_000)
    expect(page.get_by_role("log")).to_have_attribute("aria-live", "polite")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_contrast_passes_wcag_aa(channels, page):
    box = open_widget(page, channels.assistant.url)
    ask(page, box, "salut")
    box.fill("x")
    for selector in [
        ".launcher",
        "header",
        ".msg.bot",
        ".msg.user",
        ".quick button",
        ".send",
        "textarea",
    ]:
        colours = page.locator(selector).first.evaluate(
            "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
        )
        assert contrast(*colours) >= 4.5, (selector, colours)


@pytest.mark.parametrize("page", [{"width": 375, "height": 667}], indirect=True)
def test_on_a_phone_the_panel_fills_the_screen_and_the_page_keeps_its_styles(channels, page):
    box = open_widget(page, channels.assistant.url)
    ask(page, box, "salut")
    panel = page.get_by_role("dialog").bounding_box()
    assert panel and panel["width"] == 375 and panel["height"] == 667
    # The widget's styles live in its shadow root: the page has only its own stylesheet.
    assert page.evaluate("document.querySelectorAll('style, link[rel=stylesheet]').length") == 1
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("Georgia")


def drop_websockets(page: Page) -> None:
    """A proxy that accepts the websocket upgrade, then drops the connection."""
    page.route_web_socket("**/ws", lambda socket: socket.close())


@pytest.mark.parametrize("network", ["never-connects", "drops-at-once"])
def test_when_websockets_are_blocked_it_falls_back_to_http(channels, page, network):
    if network == "never-connects":
        page.add_init_script(BLOCKED_WEBSOCKETS)
    else:
        drop_websockets(page)
    box = open_widget(page, channels.assistant.url)
    ask(page, box, "c'est quoi becode ?")
    expect(page.get_by_role("log")).to_contain_text("BeCode")
    # The partner's website, from the database, is a safe link.
    link = page.locator(".msg.bot a").first
    expect(link).to_have_attribute("href", "https://becode.org")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    page.reload()
    open_widget(page, channels.assistant.url)
    expect(page.get_by_role("log")).to_contain_text("c'est quoi becode ?")


def test_after_a_network_drop_it_reconnects_and_goes_on(channels, page):
    page.add_init_script(RECORDED_WEBSOCKETS)
    box = open_widget(page, channels.assistant.url)
    ask(page, box, "salut")
    page.evaluate("window.__sockets[0].close()")
    expect(page.get_by_role("status")).to_have_text("Connexion perdue, je réessaie…")
    # Polled from here: the demo page's CSP forbids the string evaluation wait_for_function uses.
    reconnected = "window.__sockets.length === 2 && window.__sockets[1].readyState === 1"
    for _ in range(300):
        if page.evaluate(reconnected):
            break
        page.wait_for_timeout(100)
    assert page.evaluate(reconnected)
    ask(page, box, "c'est quoi molengeek ?")
    expect(page.get_by_role("log")).to_contain_text("Molenbeek")


def test_a_new_conversation_leaves_the_old_one_behind(channels, page):
    box = open_widget(page, channels.assistant.url)
    ask(page, box, "c'est quoi cepegra ?")
    page.get_by_role("button", name="Nouvelle conversation").click()
    expect(page.locator(".msg:not(.intro)")).to_have_count(0)
    expect(box).to_be_focused()
    page.reload()
    open_widget(page, channels.assistant.url)
    expect(page.locator(".msg.intro")).to_have_count(1)
    expect(page.get_by_role("log")).not_to_contain_text("cepegra")
