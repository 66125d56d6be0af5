"""The page's "My parcels" in a real browser (Debian's Chromium through Playwright): a list kept
in the browser's local storage, re-advised when the page opens, with what is due; saved and
loaded as the file `advise watch export/import` uses."""
import datetime as dt
import json

import pytest

from conftest import CHROMIUM, TODAY, run_cli, serving
from test_watch import NEXT_WEEK, add_ten, watch

if not CHROMIUM:
    pytest.skip("Chromium is not installed here (Debian: apt-get install chromium); .ci/run installs it",
                allow_module_level=True)
playwright = pytest.importorskip("playwright.sync_api", reason="the test extras install playwright")



@pytest.fixture(scope="module")
def base():
    for port in serving():
        yield f"http://127.0.0.1:{port}"



@pytest.fixture
def page(browser, base):
    """A fresh browser profile (empty local storage); a console or script error fails the test."""
    context = browser.new_context(viewport={"width": 1000, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    problems = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.base = base
    yield pg
    context.close()
    assert problems == []


def opened(page, day: dt.date, lang="en"):
    page.goto(f"{page.base}/?lang={lang}&today={day.isoformat()}")
    page.wait_for_selector("#parcels[data-ready=yes]")


def due_on_page(page) -> list[tuple[str, str, str]]:
    items = page.locator("#parcels-due li")
    return sorted((items.nth(i).get_attribute("data-due"), items.nth(i).get_attribute("data-code"),
                   items.nth(i).get_attribute("data-action")) for i in range(items.count()))


def test_a_parcel_added_from_its_answer_is_on_the_list_after_a_reload(page):
    page.goto(f"{page.base}/?lang=en&today={TODAY.isoformat()}")
    assert page.locator("#parcels-empty").is_visible()
    page.fill("#f-code", "rk 190321410 cn")
    page.fill("#f-issued_ago", "12")
    page.fill("#f-protection_ends", "2026-11-25")
    page.click("button[type=submit]")
    page.click("#parcel-add")
    page.wait_for_selector("#parcels-status:has-text('Parcel RK190321410CN is on your list.')")
    page.goto(f"{page.base}/?lang=en&today={TODAY.isoformat()}")        # a new visit: the list is still there
    page.wait_for_selector("#parcels[data-ready=yes]")
    row = page.locator("#parcels-list li[data-code=RK190321410CN]")
    assert row.locator(".step").inner_text() == "Open a dispute" and row.locator(".when").inner_text() == "today"
    assert "Stage: no tracking information yet." in row.inner_text()
    assert page.locator("#parcels-due h3").first.inner_text() == "To do today"
    stored = json.loads(page.evaluate("localStorage.getItem('parcel-advisor.parcels')"))
    assert stored["parcels"][0]["facts"]["order"] == {"track_issued": "2026-11-10", "protection_ends": "2026-11-25"}
    page.click("#parcels-list li[data-code=RK190321410CN] button[data-do=remove]")
    page.wait_for_selector("#parcels-status:has-text('Parcel RK190321410CN is removed from your list.')")
    assert page.locator("#parcels-empty").is_visible()


def test_ten_parcels_from_the_cli_fall_due_on_the_page_as_in_advise_due(page, tmp_path):
    """The CLI's list, loaded into the page: a week later the page shows exactly the steps
    `advise due` shows; saved from the page, the CLI reads it back unchanged."""
    db = tmp_path / "parcels.sqlite3"
    add_ten(db)
    exported = tmp_path / "from-cli.json"
    assert watch(db, "watch", "export", str(exported))[0] == 0
    opened(page, NEXT_WEEK)
    page.set_input_files("#parcels-import", str(exported))
    page.wait_for_selector("#parcels-status:has-text('Loaded: 10 added, 0 updated, 0 already the same, 0 kept')")
    page.wait_for_selector("#parcels-list li >> nth=9")
    status, out, err = watch(db, "due", "--format", "json", today=NEXT_WEEK)
    assert status == 0, err
    expected = sorted((s["due"], s["code"], s["action"]) for s in json.loads(out)["steps"])
    assert due_on_page(page) == expected and len(expected) > 10
    assert page.locator("#parcels-due h3").first.inner_text() == "To do today"

    with page.expect_download() as info:
        page.click("#parcels-export")
    saved = tmp_path / "from-page.json"
    info.value.save_as(saved)
    assert info.value.suggested_filename == "parcels.json"
    other = tmp_path / "other.sqlite3"
    status, out, err = watch(other, "watch", "import", str(saved))
    assert status == 0 and "10 added" in out, err
    assert json.loads(watch(other, "watch", "export")[1])["parcels"] == json.loads(exported.read_text())["parcels"]


def test_the_list_in_russian_and_a_wrong_file(page, tmp_path):
    wrong = tmp_path / "notes.json"
    wrong.write_text('{"parcels": 1}')
    opened(page, TODAY, "ru")
    assert page.locator("#parcels-title").inner_text() == "Мои посылки"
    page.set_input_files("#parcels-import", str(wrong))
    page.wait_for_selector("#parcels-status:has-text('Этот файл не список посылок')")
    assert page.evaluate("localStorage.getItem('parcel-advisor.parcels')") is None     # nothing kept from it
