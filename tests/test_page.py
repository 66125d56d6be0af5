"""The buyers' page over HTTP, as a browser without JavaScript sees it (the real-browser tests
are in test_browser.py)."""
import html
import json
import re

from advisor.interfaces.fieldtable import table
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import TODAY, run_cli, serving

DAY = TODAY.isoformat()


@pytest.fixture(scope="module")
def base():
    for port in serving():
        yield f"http://127.0.0.1:{port}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


def get(base, path, headers=None):
    req = urllib.request.Request(base + path, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def post(base, form: dict, follow=False):
    data = urllib.parse.urlencode(form).encode()
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(_NoRedirect)
    req = urllib.request.Request(base + "/", data=data, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with opener.open(req) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def text_of(page: str, cls: str) -> str:
    m = re.search(rf'<p class="{cls}">(.*?)</p>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", m[1])).split() if m else []


def test_the_empty_form_in_the_browsers_language(base):
    status, headers, page = get(base, "/", {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"})
    assert status == 200 and '<html lang="ru">' in page and "Получить совет" in page
    status, _, page = get(base, "/", {"Accept-Language": "de-DE,en;q=0.5"})
    assert '<html lang="en">' in page and "Get advice" in page
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    # every field has a label, and nothing is loaded from elsewhere
    ids = set(re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', page))
    labelled = set(re.findall(r'<label[^>]* for="([^"]+)"', page))
    radios = len(re.findall(r'type="radio"', page))
    bools = [f for f in table().fields if f.kind == "bool"]
    assert ids and ids <= labelled and radios == 3 * len(bools) >= 18      # not given / yes / no
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page.split("<main>")[0])


def test_a_posted_form_is_redirected_to_an_address_holding_its_answers(base):
    form = {"lang": "en", "today": DAY, "code": "RK190321410CN", "platform": "aliexpress", "issued": "",
            "issued_ago": "12", "protection_ends": "2026-12-20", "history": ""}
    status, headers, _ = post(base, form)
    assert status == 303
    target = headers["location"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(target).query))
    assert query == {"code": "RK190321410CN", "platform": "aliexpress", "issued_ago": "12",
                     "protection_ends": "2026-12-20", "today": DAY, "lang": "en"}
    status, _, page = get(base, target)
    assert status == 200
    # the same advice as the command line for the same answers
    code, out, _ = run_cli("RK190321410CN", "--issued", "12d", "--protection-ends", "2026-12-20", "--today", DAY,
                           "--format", "json")
    advice = json.loads(out)
    assert " ".join(text_of(page, "next-text")) == " ".join(advice["next_step"]["text"].split())
    assert "Write to the seller" in page and "today" in " ".join(text_of(page, "next"))
    for d in advice["deadlines"]:
        assert html.escape(d["text"]) in page
    assert 'href="/advice.ics?' in page and "<svg" in page


def test_a_pasted_russian_post_history_is_read(base):
    history = ("22.11.2026 10:15  Прибыло в место вручения  Москва 101000\n"
               "18.11.2026 03:40  Покинуло место международного обмена  Москва\n"
               "15.11.2026 21:05  Прибыло на территорию РФ  Москва\n")
    status, _, page = post(base, {"lang": "ru", "today": DAY, "code": "RK190321410CN", "history": history,
                                  "issued_ago": "30", "dest": "RU"}, follow=True)
    assert status == 200
    code, out, _ = run_cli("RK190321410CN", "--issued", "30d", "--dest", "RU", "--today", DAY, "--lang", "ru",
                           "--history", "-", "--format", "json", input=history)
    advice = json.loads(out)
    assert advice["history"]["read"] == 3 and "История: прочитано событий — 3." in page
    assert " ".join(text_of(page, "next-text")) == " ".join(advice["next_step"]["text"].split())


def test_a_letter_post_code_whose_history_moves_is_not_called_untracked_on_the_page(base):
    """LK…CN with events: the code line says why it is followed (issue 30)."""
    history = "10.11.2026 08:00  Экспорт  Китай\n"
    status, _, page = post(base, {"lang": "en", "today": DAY, "code": "LK123456785CN", "history": history,
                                  "issued_ago": "20", "dest": "RU"}, follow=True)
    assert status == 200 and "usually not tracked, but a post has scanned this parcel" in page
    status, _, page = post(base, {"lang": "en", "today": DAY, "code": "LK123456785CN", "issued_ago": "20",
                                  "dest": "RU"}, follow=True)
    assert status == 200 and "; not tracked." in page and "a post has scanned this parcel" not in page


def test_bad_answers_are_shown_next_to_their_fields_in_the_pages_language(base):
    status, _, page = post(base, {"lang": "ru", "today": DAY, "code": "RK190321410CN", "paid": "2026-11-30",
                                  "issued_ago": "много", "offered_refund": "три доллара"})
    assert status == 200 and "Traceback" not in page and "Некоторые ответы нужно исправить" in page
    assert re.search(r'id="e-paid">Эта дата позже сегодняшней\.</p>', page)
    assert re.search(r'id="e-issued_ago">«много» — не число дней', page)
    assert re.search(r'id="e-offered_refund">«три доллара» — не сумма', page)
    assert 'aria-invalid="true" aria-describedby="e-paid"' in page
    # what was typed stays in the form, never dropped or corrected
    assert 'value="много"' in page and 'value="три доллара"' in page
    status, _, page = get(base, "/?lang=en&today=" + DAY + "&paid=2026-02-31")
    assert status == 200 and "“2026-02-31” is not a date" in page
    status, _, page = get(base, f"/?lang=en&today={DAY}&issued=2026-11-01&issued_ago=3")
    assert "The date and the number of days give different days" in page


def test_a_pasted_page_that_pairs_two_ways_is_said_by_its_lines_in_the_pages_language(base):
    history = "Parcel\n22.11.2026\nDelivered\n20.11.2026\nArrived\nHelp\n"
    for lang, said in (("ru", "Строки 1–3: каждая дата может относиться и к строке над ней, и к строке под ней"),
                       ("en", "Lines 1–3: each date can go with the line above it or the line below it")):
        status, _, page = post(base, {"lang": lang, "today": DAY, "code": "RK190321410CN", "history": history})
        assert status == 200 and said in html.unescape(page)
        assert "как их показывает трекер" not in page and "as the tracker page shows them" not in page
    history = "Вручение адресату\n22.11.2026 14:05\nМосква 101000\nПрибыло в место вручения\n20.11.2026 09:12\nМосква 101000\n"
    status, _, page = post(base, {"lang": "ru", "today": DAY, "code": "RK190321410CN", "history": history,
                                  "issued_ago": "30"}, follow=True)
    assert status == 200 and "История: прочитано событий — 2." in page


def test_the_page_escapes_what_it_is_given(base):
    status, _, page = get(base, "/?lang=en&code=" + urllib.parse.quote('<script>alert(1)</script>'))
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_a_history_too_long_for_an_address_is_answered_from_the_post(base):
    history = "".join(f"{d:02d}.11.2026 10:00 Обработка Шэньчжэнь\n" for d in range(1, 21)) * 12
    status, _, page = post(base, {"lang": "en", "today": DAY, "code": "RK190321410CN", "history": history})
    assert status == 200 and "What to do next" in page


def test_the_static_files_and_nothing_else(base):
    status, headers, css = get(base, "/static/page.css")
    assert status == 200 and headers["content-type"].startswith("text/css") and "svg.timeline" in css
    status, headers, _ = get(base, "/static/page.js")
    assert status == 200 and "javascript" in headers["content-type"]
    assert get(base, "/static/../server.py")[0] == 404
    assert get(base, "/static/other.css")[0] == 404


def test_the_calendar_button_downloads_the_same_dates(base):
    import icalendar
    status, headers, _ = get(base, f"/advice.ics?lang=en&today={DAY}&code=RK190321410CN&issued_ago=12")
    assert status == 200 and headers["content-type"].startswith("text/calendar")
    assert 'filename="parcel-RK190321410CN.ics"' in headers["content-disposition"]
    req = urllib.request.urlopen(f"{base}/advice.ics?lang=en&today={DAY}&code=RK190321410CN&issued_ago=12")
    cal = icalendar.Calendar.from_ical(req.read())
    assert len(cal.walk("VEVENT")) >= 2


def test_rules_check_finds_a_page_text_without_russian_and_a_misspelt_page_name(tmp_path):
    import shutil
    from conftest import ROOT
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    texts = templates / "page" / "texts.yaml"
    texts.write_text(texts.read_text(encoding="utf-8").replace('stage: {en: "Stage", ru: "Этап"}', 'stage: {en: "Stage"}'),
                     encoding="utf-8")
    page = templates / "page" / "form.html.j2"          # the form's own partial, included by page.html.j2
    page.write_text(page.read_text(encoding="utf-8").replace("{{ t.submit }}", "{{ t.submt }}"), encoding="utf-8")
    code, out, err = run_cli("rules", "check", "--templates", str(templates))
    assert code == 1
    line = next(n for n, text in enumerate(texts.read_text(encoding="utf-8").splitlines(), 1) if text.startswith("stage:"))
    assert f"templates/page/texts.yaml:{line}:8: a text has no Russian" in out + err
    line = next(n for n, text in enumerate(page.read_text(encoding="utf-8").splitlines(), 1) if "t.submt" in text)
    assert f"templates/page/form.html.j2:{line}:1: the page cannot be shown in English" in out + err


def test_a_post_too_large_or_not_a_form_is_said_on_the_page(base):
    data = urllib.parse.urlencode({"history": "x" * 300_000}).encode()
    req = urllib.request.Request(base + "/", data=data, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "ru"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    page = e.value.read().decode()
    assert e.value.code == 413 and e.value.headers["content-type"].startswith("text/html")
    assert "Ответы слишком длинные" in page and "<form" in page
    req = urllib.request.Request(base + "/", data=b"\xff\xfe not a form", method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 400 and "The form could not be read" in e.value.read().decode()


def test_bidi_controls_in_a_pasted_status_cannot_reorder_the_page_after_it():
    """Issue 37: a right-to-left override in a pasted status reordered the page's text after it
    ("No refund; do not contact" read backwards). Every value the page shows ends with its
    embeddings and isolates closed."""
    import datetime as dt
    import re
    from advisor import Advisor
    from advisor.interfaces.page import Page
    page = Page(Advisor())
    history = "20.11.2026 Приём\n21.11.2026 Returned \u202etcatnoc ton od ;dnufer oN\n22.11.2026 \u2067Импорт"
    for form in ({"track": "RK190321410CN", "track_issued": "2026-11-10", "history": history},
                 {"track": "RK190321410CN", "track_issued": "2026-11-10\u202e"}):
        html = page.html(page.advise(form, "en", dt.date(2026, 11, 22)), "en")
        shown = re.findall(r"[\u202a-\u202e\u2066-\u2069]", html)
        assert shown or "history" not in form, "the controls are kept as pasted"
        for text in re.findall(r">([^<]*)<|\"([^\"]*)\"", html):      # each element's text and attribute
            value = "".join(text).split("\n")[-1]
            opened = sum(value.count(c) for c in "\u202a\u202b\u202d\u202e") - value.count("\u202c")
            isolated = sum(value.count(c) for c in "\u2066\u2067\u2068") - value.count("\u2069")
            assert opened <= 0 and isolated <= 0, repr(value)


def test_a_long_history_shows_its_newest_events_and_folds_the_rest(base):
    days = [f"{d:02d}.11.2026 10:00 Прибыло в сортировочный центр Москва" for d in range(1, 9)]
    query = urllib.parse.urlencode({"code": "RK190321410CN", "issued_ago": "30", "history": "\n".join(days),
                                    "lang": "ru", "today": DAY})
    status, _, page = get(base, "/?" + query)
    assert status == 200
    shown, folded = page.split('<details class="more-events">', 1)
    assert shown.count('<span class="when">') == 5 and "8 ноября 2026" in shown      # the newest first
    assert "Все события (8)" in folded and folded.count('<span class="when">', 0, folded.index("</details>")) == 3
    assert "1 ноября 2026" in folded


def test_rules_check_refuses_a_stage_the_route_bar_does_not_place(tmp_path):
    import shutil
    from conftest import ROOT
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    texts = templates / "page" / "texts.yaml"
    text = texts.read_text(encoding="utf-8")
    texts.write_text(text.replace("route_off: [returned]", "route_off: []").replace("[customs, customs_held]", "[customs, custom_held]"),
                     encoding="utf-8")
    code, out, err = run_cli("rules", "check", "--templates", str(templates))
    assert code == 1
    line = next(n for n, t in enumerate(texts.read_text(encoding="utf-8").splitlines(), 1) if "custom_held" in t)
    assert f"templates/page/texts.yaml:{line}:5: the route bar names the stage `custom_held`" in out + err
