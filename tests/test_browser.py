"""The buyers' page in a real browser: Debian's Chromium driven by Playwright.

Each test fills the form as a person would (typing, picking dates, pressing keys), then reads
what the page shows. Screenshots are kept in `test-artifacts/` (one per language and width).
"""
import datetime as dt
import json
import urllib.parse
from pathlib import Path

import pytest

from conftest import CHROMIUM, ROOT, TODAY, run_cli, serving

if not CHROMIUM:
    pytest.skip("Chromium is not installed here (Debian: apt-get install chromium); .ci/run installs it",
                allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api", reason="the test extras install playwright")

ARTIFACTS = ROOT / "test-artifacts"
DAY = TODAY.isoformat()


@pytest.fixture(scope="module")
def base():
    for port in serving():
        yield f"http://127.0.0.1:{port}"



@pytest.fixture
def page(browser, base):
    """A fresh page; every console error or script error fails the test."""
    context = browser.new_context(viewport={"width": 1000, "height": 900}, accept_downloads=True,
                                  permissions=["clipboard-read", "clipboard-write"])
    pg = context.new_page()
    problems = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.base = base
    yield pg
    context.close()
    assert problems == []


def open_form(page, lang="en"):
    page.goto(f"{page.base}/?lang={lang}&today={DAY}")


def submit(page, lang="en", **fields):
    """Open the form, type each answer into its field (`#f-NAME`) and send it."""
    open_form(page, lang)
    for name, value in fields.items():
        if page.locator(f"select#f-{name}").count():
            page.select_option(f"#f-{name}", value)
        else:
            page.fill(f"#f-{name}", value)
    page.click("button[type=submit]")


def next_step(page) -> tuple[str, str]:
    return page.locator(".next strong").inner_text(), page.locator(".next .due").inner_text()


def cli_advice(*args, lang="en"):
    code, out, err = run_cli(*args, "--today", DAY, "--lang", lang, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_no_tracking_twelve_days_after_the_code(page):
    submit(page, code="RK 190 321 410 CN", issued_ago="12", protection_ends="2026-12-20")
    page.wait_for_selector(".next")
    assert next_step(page) == ("Write to the seller", "today")
    advice = cli_advice("RK190321410CN", "--issued", "12d", "--protection-ends", "2026-12-20")
    assert page.locator(".next-text").inner_text() == advice["next_step"]["text"]
    assert "issued_ago=12" in page.url            # the answers are in the address: reload, bookmark, share
    page.reload()
    assert next_step(page) == ("Write to the seller", "today")


def test_a_partial_refund_offer_is_refused_and_the_dispute_kept_open(page):
    submit(page, code="RK190321410CN", paid_ago="45", issued_ago="40",
           dispute_opened=(TODAY - dt.timedelta(days=3)).isoformat(), seller_response="partial_refund",
           offered_refund="3.00 USD", price="12.50 USD")
    assert next_step(page)[0] == "Keep the dispute open"
    never = page.locator(".never").inner_text()
    assert "$3.00, 24% of the $12.50 you paid" in never and "compensation" in never
    dates = page.locator(".dates").inner_text()
    assert "The dispute becomes a claim automatically on" in dates


def test_a_parcel_whose_protection_ends_soon_gets_its_last_safe_day(page):
    submit(page, code="RK190321410CN", issued_ago="35", protection_ends_left="4")
    label, due = next_step(page)
    advice = cli_advice("RK190321410CN", "--issued", "35d", "--protection-ends", (TODAY + dt.timedelta(days=4)).isoformat())
    assert label == "Open a dispute" and advice["next_step"]["action"] == "open_dispute"
    assert due == "today" if advice["next_step"]["due"] == DAY else due.startswith("by")
    svg = page.locator("svg.timeline")
    assert svg.locator("[data-id=today]").count() == 1 and svg.locator("[data-id=protection_ends]").count() == 1


def test_a_pasted_russian_post_history_in_russian(page):
    open_form(page, "ru")
    page.fill("#f-code", "RK190321410CN")
    page.fill("#f-issued_ago", "30")
    page.select_option("#f-dest", "RU")
    history = ("20.11.2026 10:15  Прибыло в место вручения  Москва 101000\n"
               "18.11.2026 03:40  Покинуло место международного обмена  Москва\n"
               "15.11.2026 21:05  Прибыло на территорию РФ  Москва\n")
    page.fill("#f-history", history)
    page.click("button[type=submit]")
    page.wait_for_selector(".next")
    code, out, _ = run_cli("RK190321410CN", "--issued", "30d", "--dest", "RU", "--today", DAY, "--lang", "ru",
                           "--history", "-", "--format", "json", input=history)
    advice = json.loads(out)
    assert page.locator(".next-text").inner_text() == advice["next_step"]["text"]
    assert "прочитано событий — 3" in page.locator("body").inner_text()
    assert page.locator("html").get_attribute("lang") == "ru"


def test_switching_the_language_keeps_the_answers(page):
    open_form(page)
    page.fill("#f-code", "RK190321410CN")
    page.fill("#f-issued_ago", "12")
    page.click("button[type=submit]")
    assert next_step(page)[0] == "Write to the seller"
    page.click("a.lang")
    page.wait_for_selector("html[lang=ru]")       # the other language's page, not the one left
    assert next_step(page) == ("Написать продавцу", "сегодня")
    assert page.input_value("#f-code") == "RK190321410CN" and page.input_value("#f-issued_ago") == "12"
    page.click("a.lang")
    page.wait_for_selector("html[lang=en]")
    assert next_step(page)[0] == "Write to the seller"


def test_copy_puts_the_english_message_on_the_clipboard(page):
    open_form(page, "ru")
    page.fill("#f-code", "RK190321410CN")
    page.fill("#f-issued_ago", "12")
    page.click("button[type=submit]")
    button = page.locator("button.copy").first
    button.wait_for(state="visible", timeout=10_000)     # the answer's page, once it has loaded
    button.click()
    # a selector, not wait_for_function: its string predicate is evaluated with eval once it polls,
    # which the page's Content-Security-Policy (script-src 'self') refuses, so it failed under load
    page.locator("button.copy", has_text="Скопировано").first.wait_for(timeout=10_000)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Hello!") and "RK190321410CN" in copied
    assert copied == page.locator(".copyable pre").first.inner_text()
    assert page.locator("pre.translation").first.inner_text().startswith("Здравствуйте!")


def test_add_to_calendar_downloads_a_file_with_the_dates(page, tmp_path):
    import icalendar
    submit(page, code="RK190321410CN", issued_ago="12", protection_ends="2026-12-20")
    with page.expect_download() as info:
        page.click("text=Add to calendar")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == "parcel-RK190321410CN.ics"
    events = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    days = {e.decoded("dtstart") for e in events}
    assert dt.date(2026, 12, 20) in days and TODAY in days


def test_bad_dates_are_shown_next_to_their_field(page):
    submit(page, "ru", code="RK190321410CN", paid=(TODAY + dt.timedelta(days=2)).isoformat(), issued_ago="две недели")
    assert page.locator("#e-paid").inner_text() == "Эта дата позже сегодняшней."
    assert page.locator("#e-issued_ago").inner_text().startswith("«две недели» — не число дней")
    assert page.locator("#f-paid").get_attribute("aria-invalid") == "true"
    assert page.locator(".next").count() == 0                 # no advice on answers that cannot be true


def test_the_form_works_from_the_keyboard(page):
    open_form(page)
    page.keyboard.press("Tab")                                 # the skip link first
    assert page.evaluate("document.activeElement.className") == "skip"
    page.focus("#f-code")
    page.keyboard.type("RK190321410CN")
    page.focus("#f-issued_ago")
    page.keyboard.type("12")
    page.keyboard.press("Enter")                               # Enter in a field submits the form
    page.wait_for_selector(".next")
    assert next_step(page)[0] == "Write to the seller"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_at_360_pixels_nothing_scrolls_sideways(browser, base, lang):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2)
    pg = context.new_page()
    pg.goto(f"{base}/?lang={lang}&today={DAY}&code=RK190321410CN&paid_ago=45&issued_ago=40"
            f"&dispute_opened_ago=3&seller_response=partial_refund&offered_refund=3.00+USD")
    assert pg.evaluate("document.documentElement.scrollWidth") <= 360
    pg.locator("details.change > summary").click()            # the folded form too
    assert pg.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"page-{lang}-360.png"), full_page=True)
    context.close()


def test_a_desktop_screenshot(browser, base):
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    pg = context.new_page()
    history = "21.10.2026 10:00 Accepted by the post Shenzhen\n24.10.2026 09:00 Departed from the airport of origin Guangzhou\n"
    pg.goto(f"{base}/?lang=en&today={DAY}&code=RK190321410CN&issued_ago=35&protection_ends_left=12&history="
            + urllib.parse.quote(history))
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / "page-en-1000.png"), full_page=True)      # docs/page.png
    assert Path(ARTIFACTS / "page-en-1000.png").stat().st_size > 10_000
    context.close()


def test_without_javascript_the_form_still_answers_and_no_copy_button_shows(browser, base):
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(f"{base}/?lang=en&today={DAY}")
    pg.fill("#f-code", "RK190321410CN")
    pg.fill("#f-issued_ago", "12")
    pg.click("button[type=submit]")
    assert pg.locator(".next strong").inner_text() == "Write to the seller"
    assert pg.locator("button.copy").first.is_hidden()          # the text stays selectable in its box
    assert pg.locator(".copyable pre").first.inner_text().startswith("Hello!")
    context.close()
