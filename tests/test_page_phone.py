"""The buyers' page on a phone (360 x 740 px, Debian's Chromium driven by Playwright): the answer
and where the parcel is on the first screen, the route as read, the form folded under "change the
answers", the keyboard and no JavaScript. Screenshots are kept in `test-artifacts/`."""
import datetime as dt
import urllib.parse

import pytest

from conftest import CHROMIUM, ROOT, TODAY, serving

if not CHROMIUM:
    pytest.skip("Chromium is not installed here (Debian: apt-get install chromium); .ci/run installs it",
                allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="the test extras install playwright")

ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 360, "height": 740}
# a Russian Post history as a buyer copies it, newest first
HISTORY = ("20.11.2026 10:15  Прибыло в место вручения  Москва 101000\n"
           "18.11.2026 03:40  Покинуло место международного обмена  Москва\n"
           "15.11.2026 21:05  Прибыло на территорию РФ  Москва\n")
ARRIVED = {"code": "RK190321410CN", "issued_ago": "30", "dest": "RU", "history": HISTORY}
# the longest next step of the page's examples: a partial refund offered in a dispute
OFFER = {"code": "RK190321410CN", "paid_ago": "45", "issued_ago": "40", "dispute_opened_ago": "3",
         "seller_response": "partial_refund", "offered_refund": "3.00 USD"}
EXPORTED = {"code": "RK190321410CN", "issued_ago": "35", "protection_ends_left": "12",
            "history": "21.10.2026 10:00 Accepted by the post Shenzhen\n"
                       "24.10.2026 09:00 Departed from the airport of origin Guangzhou\n"}


@pytest.fixture(scope="module")
def base():
    for port in serving():
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE)
    pg = context.new_page()
    problems = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))
    yield pg
    context.close()
    assert problems == []


def url(base, answers, lang):
    return f"{base}/?" + urllib.parse.urlencode(dict(answers, lang=lang, today=TODAY.isoformat()))


def bottom(page, selector) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box["y"] + box["height"]


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("answers", [ARRIVED, OFFER, EXPORTED], ids=["arrived", "offer", "exported"])
def test_the_first_screen_of_a_phone_holds_the_next_step_its_date_and_where_the_parcel_is(phone, base, answers, lang):
    phone.goto(url(base, answers, lang))
    for selector in (".next strong", ".next .due", "#calendar", ".stagebar", ".now"):
        assert bottom(phone, selector) <= PHONE["height"], f"{selector} is below the first screen"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert phone.locator("#form").is_hidden()                  # folded under "change the answers"
    ARTIFACTS.mkdir(exist_ok=True)
    name = next(k for k, v in (("arrived", ARRIVED), ("offer", OFFER), ("exported", EXPORTED)) if v is answers)
    phone.screenshot(path=str(ARTIFACTS / f"page-{lang}-360-first-screen-{name}.png"))
    # two screens of it (docs/page-ru-360.png is the Russian one of the exported parcel)
    phone.screenshot(path=str(ARTIFACTS / f"page-{lang}-360-{name}.png"), full_page=True,
                     clip={"x": 0, "y": 0, "width": PHONE["width"], "height": 2 * PHONE["height"]})


@pytest.mark.parametrize("lang, office, stage, now", [
    ("en", "Post office", "arrived at the delivery office", "Now: arrived at the delivery office"),
    ("ru", "Отделение", "прибыло в место вручения", "Сейчас: прибыло в место вручения")])
def test_the_route_shows_where_the_parcel_is_and_its_events_as_read(phone, base, lang, office, stage, now):
    phone.goto(url(base, ARRIVED, lang))
    current = phone.locator(".stagebar [aria-current=step]")
    assert current.count() == 1 and current.locator(".pill").inner_text() == office
    passed = phone.locator(".stagebar .st-done").count()
    assert passed == 5 and phone.locator(".stagebar .st-todo").count() == 1     # only "delivered" is ahead
    assert phone.locator(".now strong").inner_text() == now
    events = phone.locator("ol.events > li")
    assert events.count() == 3
    newest = events.first.inner_text()
    assert "2026, 10:15" in newest or "2026\u202fг., 10:15" in newest
    assert "Прибыло в место вручения" in newest and "Москва" in newest and stage in newest
    assert "Прибыло на территорию РФ" in events.last.inner_text()
    # the timeline: each stage the parcel passed, then today, then the advice's dates, on one axis
    marks = phone.locator("svg.timeline g.mark")
    ids = [marks.nth(i).get_attribute("data-id") for i in range(marks.count())]
    assert [i for i in ids if i.startswith("event-")] == ids[:3] and ids[3] == "today"


def test_a_parcel_going_back_and_forth_keeps_each_stage_on_the_timeline(phone, base):
    phone.goto(url(base, EXPORTED, "en"))
    assert phone.locator(".stagebar [aria-current=step] .pill").inner_text() == "Export"
    marks = phone.locator("svg.timeline g.mark-event")
    assert marks.count() == 2
    ys = [marks.nth(i).locator("circle").bounding_box()["y"] for i in range(2)]
    today = phone.locator("svg.timeline g.mark-today circle").bounding_box()["y"]
    deadline = phone.locator("svg.timeline g.mark-deadline circle").last.bounding_box()["y"]
    assert ys[0] < ys[1] < today < deadline


def test_the_folded_form_opens_from_the_keyboard_and_answers_again(phone, base):
    phone.goto(url(base, ARRIVED, "en"))
    for _ in range(80):                                    # Tab through the answer to "change the answers"
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    assert phone.evaluate("document.activeElement.textContent").strip() == "Change the answers"
    phone.keyboard.press("Enter")
    assert phone.locator("#form").is_visible()
    phone.keyboard.press("Tab")                            # the track code first
    assert phone.evaluate("document.activeElement.id") == "f-code"
    assert phone.input_value("#f-code") == "RK190321410CN" and phone.input_value("#f-dest") == "RU"
    phone.fill("#f-issued_ago", "31")
    phone.keyboard.press("Enter")
    phone.wait_for_url("**issued_ago=31**")
    assert phone.locator(".next strong").is_visible()


def test_without_javascript_the_route_shows_and_the_form_unfolds(browser, base):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    pg = context.new_page()
    pg.goto(url(base, {k: v for k, v in ARRIVED.items() if k != "dest"}, "ru"))
    assert pg.locator(".stagebar [aria-current=step] .pill").inner_text() == "Отделение"
    assert pg.locator("#form").is_hidden()
    pg.click("details.change > summary")
    assert pg.locator("#form").is_visible()
    assert pg.input_value("#f-dest") == ""            # an answer left empty is not filled in for the buyer
    pg.goto(url(base, ARRIVED, "en"))
    link = pg.locator(".sharpen a").first              # "to sharpen this advice, add…" leads into the folded form
    target = link.get_attribute("href")
    link.click()
    assert pg.locator(target).is_visible() and pg.locator("#form").is_visible()
    context.close()


def test_the_error_summary_links_to_each_field(phone, base):
    later = (TODAY + dt.timedelta(days=2)).isoformat()
    phone.goto(url(base, {"code": "RK190321410CN", "paid": later, "issued_ago": "две недели"}, "ru"))
    links = phone.locator("#error-summary a")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == ["#f-paid", "#f-issued_ago"]
    assert links.first.inner_text() == "Дата оплаты"
    assert "«две недели» — не число дней" in phone.locator("#error-summary").inner_text()
    assert phone.locator("#form").is_visible()         # nothing folded: the answers need a fix
    links.nth(1).click()
    assert phone.url.endswith("#f-issued_ago")
    box = phone.locator("label[for=f-issued_ago]").bounding_box()      # the field and its label in view
    assert 0 <= box["y"] and bottom(phone, "#f-issued_ago") <= PHONE["height"]


@pytest.mark.parametrize("lang, first, chosen", [("ru", "Россия", "RU"), ("en", "Russia", "")])
def test_the_buyers_countries_come_first_and_the_language_picks_the_likely_one(phone, base, lang, first, chosen):
    phone.goto(f"{base}/?lang={lang}&today={TODAY.isoformat()}")
    groups = phone.locator("#f-dest optgroup")
    assert groups.count() == 2
    assert groups.first.locator("option").first.inner_text() == first
    assert groups.first.locator("option").count() == 10     # Russia and the CIS before the 240 others
    assert phone.input_value("#f-dest") == chosen
