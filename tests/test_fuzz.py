"""Property-based fuzzing of the three parsers users feed directly: the track-code analyser, the
pasted-history reader and the facts loader (with the whole pipeline behind it).

In CI each property runs a bounded number of examples (well under a minute in all). For a long
run: `HYPOTHESIS_PROFILE=fuzz pytest tests/test_fuzz.py` (profiles are set in conftest.py).
Every crash found becomes an `@example` here, so it is checked on every run from then on.
"""
import datetime as dt

from hypothesis import HealthCheck, example, given, settings, strategies as st

from advisor.base import validation
from advisor.base.errors import FactsError, HistoryError, TrackCodeError
from advisor.reading.history import read_history
from advisor.reading.trackcode import normalise
from conftest import ROOT, TODAY

CODE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -.\u200b\u200e\u202eАВЕКМНОРСТХабвгΑΒΝΟ١٢३ＡＢ１😀\n\t\x00"
codes = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=CODE_CHARS, max_size=40),
    st.builds(lambda a, b, c: a + b + c, st.text(max_size=15), st.sampled_from(
        ["RK190321410CN", "RA123456785CN", "rk 190321410 cn", "LP00123456789012", "65519797821543"]), st.text(max_size=15)),
)


@given(codes)
@example("\u202e")                      # only invisible characters: empty, not a crash
@example("RK190321410CN RA123456785CN")  # two codes in one text
@example("x" * 10_001)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_track_analyser_never_crashes(advisor, text):
    try:
        t = advisor.track(text)
    except TrackCodeError as e:
        assert e.where == "track" and e.message
        return
    assert t["format"] and isinstance(t["candidates"], list)
    if t["valid"]:
        # the code it settled on reads the same when given again
        assert normalise(t["code"], advisor.formats)[0] == t["code"]


history_lines = st.lists(st.one_of(
    st.text(max_size=60),
    st.builds(lambda d, s: f"{d.strftime('%d.%m.%Y')} 10:00 {s}", st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)),
              st.sampled_from(["Приём", "Экспорт", "Delivered", "<td>Импорт</td>", "Ïðè¸ì", "РџСЂРёС‘Рј"])),
    st.builds(lambda d, m, s: f"{d.day} {m} {d.year} {s}", st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)),
              st.sampled_from(["ноября", "нояб.", "мая", "Nov", "September", "Sept", "нон", "Moscow"]),
              st.text(max_size=20)),
), max_size=30)


@given(st.one_of(st.binary(max_size=2000), history_lines.map("\n".join)))
@example(b"\x00\x01\x02")
@example("<tr><td>22.10.2026</td><td>Приём</td></tr>")
def test_history_reader_never_crashes(data):
    try:
        h = read_history(data)
    except HistoryError as e:
        assert e.where.startswith("line ")
        return
    n_lines = len((data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")).splitlines())
    for item in h.events + h.unread + h.repaired:
        assert 1 <= item["line"] <= n_lines
    for e in h.events:
        dt.date.fromisoformat(e["date"])


# the corpus of real pages, mutated where a hostile or broken paste breaks things: markup
# declarations, tags cut in half, long digit runs inside dates, control characters
CORPUS = sorted(p for d in ("pages", "histories") for p in (ROOT / "tests" / "corpus" / d).iterdir())
SNIPPETS = ["<![", "<![octed4/span>", "<!", "</", "<!--", "-->", "<li>", "</li>", "<tr><td>", "&#", "&#x110000;",
            "]]>", "<script>", "2222222222222222222222222222", "t", "th", "\u202e", "\x00", "\r", ".", " 2026 ", "Nov "]
mutation = st.tuples(st.floats(0, 1), st.sampled_from(SNIPPETS + ["DELETE", "REPEAT"]), st.integers(1, 40))


def mutated(page: bytes, mutations) -> bytes:
    for where, what, n in mutations:
        at = int(where * len(page))
        if what == "DELETE":
            page = page[:at] + page[at + n:]
        elif what == "REPEAT":
            page = page[:at] + page[at:at + n] * 3 + page[at:]
        else:
            page = page[:at] + what.encode("utf-8") + page[at:]
    return page


@given(st.sampled_from(CORPUS), st.lists(mutation, min_size=1, max_size=6))
@example(CORPUS[0], [(0.0, "<![octed4/span>", 1)])          # a marked section no parser knows (found)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_history_reader_never_crashes_on_mutated_real_pages(path, mutations):
    test_history_reader_never_crashes.hypothesis.inner_test(mutated(path.read_bytes(), mutations))


@example("Nov 16t222222222222222222222222222222h 2026 Delivered")       # decimal's DivisionImpossible (found)
@example("<![octed4/span>\n<li>20.11.2026 Delivered</li>")              # AssertionError in html.parser (found)
@given(st.just("22.11.2026 Delivered"))
def test_the_pasted_histories_that_crashed_are_read(data):
    test_history_reader_never_crashes.hypothesis.inner_test(data)


dates = st.one_of(st.dates(dt.date(2020, 1, 1), dt.date(2026, 11, 22)).map(str), st.sampled_from(
    ["2026-02-29", "2024-02-29", "0001-01-01", "9999-12-31", "2026-13-01", "", "soon", None]))
numbers = st.one_of(st.integers(-10, 10 ** 6), st.floats(allow_nan=True, allow_infinity=True), st.just(10 ** 30))
odd = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=5), st.lists(st.integers(), max_size=2))
money = st.fixed_dictionaries({"amount": st.one_of(numbers, odd)}, optional={"currency": st.sampled_from(["USD", "RUB", "usd", "XXX", 5])})
place = st.fixed_dictionaries({}, optional={"country": st.sampled_from(["RU", "UA", "CA", "ru", "ZZ", "", 7]),
                                            "city": st.one_of(st.text(max_size=10), odd)})
events = st.lists(st.fixed_dictionaries({"date": dates}, optional={
    "status": st.one_of(st.sampled_from(["Приём", "Экспорт", "Импорт", "Delivered", "Returned to sender", "Вручение адресату"]),
                        st.text(max_size=20), odd),
    "stage": st.sampled_from(["export", "delivered", "nonsense"]), "weight_g": numbers, "country": st.sampled_from(["CN", "RU", "x"]),
    "source": st.sampled_from(["tracker", "order_page", "mail"])}), max_size=6)
facts = st.fixed_dictionaries({}, optional={
    "track": st.one_of(codes, odd),
    "platform": st.sampled_from(["aliexpress", "joom", "ebay", "ok", "amazon", 3]),
    "today": st.one_of(dates, st.just(TODAY.isoformat())),
    "order": st.one_of(odd, st.fixed_dictionaries({}, optional={
        "paid": dates, "track_issued": dates, "protection_ends": st.one_of(dates, st.dates(dt.date(2026, 11, 1), dt.date(2027, 6, 1)).map(str)),
        "promised_days": st.one_of(numbers, odd), "price": st.one_of(money, odd), "destination": st.one_of(place, odd),
        "shipping": st.fixed_dictionaries({}, optional={"method": st.sampled_from(["DHL", "China Post", "ePacket", 5]),
                                                        "free": st.one_of(st.booleans(), odd)}),
        "frozen": st.one_of(st.booleans(), odd), "problem": st.sampled_from(["none", "wrong_item", "broken"])})),
    "events": st.one_of(events, odd),
    "seller": st.one_of(odd, st.fixed_dictionaries({}, optional={"messaged": dates, "replied": st.one_of(st.booleans(), odd),
                                                                 "extended_days": st.one_of(numbers, odd)})),
    "dispute": st.one_of(odd, st.fixed_dictionaries({"opened": dates}, optional={
        "seller_response": st.sampled_from(["none", "rejected", "partial_refund", "resend_promise", "accepted", "maybe"]),
        "offered_refund": st.one_of(money, odd), "escalated": st.booleans(), "refund_received": dates})),
    "received": st.one_of(st.booleans(), odd),
    "tracked_destination": st.one_of(place, odd),
    "extra_field": odd,
})


@given(facts, st.booleans())
@example({"today": "9999-12-31", "track": "RK190321410CN"}, True)                 # date overflow (found)
@example({"order": {"price": {"amount": float("nan")}}, "track": "RK190321410CN"}, True)   # NaN slipped past bounds (found)
@example({"order": {"paid": "2026-10-01", "protection_ends": TODAY.isoformat()}, "track": "RK190321410CN"}, True)
@example({"track": ""}, False)                                                    # an empty code was silently ignored (found)
@example({"dispute": {"opened": "2024-02-29", "escalated": True}}, False)         # a claim's due date in the past (found)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_facts_give_advice_or_an_error_naming_a_field(advisor, doc, messages):
    try:
        advice = advisor.advise(doc, today=TODAY, messages=messages).to_dict()
    except (FactsError, TrackCodeError) as e:
        assert e.where and e.message and "\n" not in e.message
        return
    assert validation.errors("parcel-advice-1", advice) == []
    today = advice["today"]
    assert all(a["due"] is None or a["due"] >= today for a in advice["actions"]), advice["actions"]


@given(facts)
def test_fast_and_exact_validators_agree(doc):
    try:
        validation._fast("parcel-facts-1")(doc)
        fast_ok = True
    except Exception:  # noqa: BLE001 - any refusal
        fast_ok = False
    exact_ok = not list(validation._full("parcel-facts-1").iter_errors(doc))
    assert fast_ok == exact_ok


plain_events = st.lists(st.fixed_dictionaries({"date": st.one_of(dates, st.just("2026-01-01\n"), st.just(" 2026-01-01"))}, optional={
    "status": st.one_of(st.text(max_size=20), st.just("x" * 500), st.just("x" * 501), odd),
    "stage": st.sampled_from(["export", "nonsense"]), "extra": st.just(1)}), max_size=8)


@given(st.fixed_dictionaries({"events": st.one_of(plain_events, odd)}, optional={"track": st.one_of(codes, odd), "today": dates}))
@example({"events": [{"date": "2026-01-01", "status": "x"}] * 5001})
@example({"events": [{"date": "2026-01-01", "status": "x" * 500}, {"date": "2026-01-02", "status": "x" * 501}]})
@example({"events": [{"date": "2026-01-01\n", "status": "x"}]})
@example({"events": [{"date": "2026-01-01", "status": "x", "extra": 1}]})
def test_the_facts_check_with_its_path_for_plain_events_agrees_with_the_exact_validator(doc):
    # events of a date and a status are checked without the generated validator (validation.py):
    # a document is valid by that path exactly when jsonschema finds no error in it
    exact_ok = not list(validation._full("parcel-facts-1").iter_errors(doc))
    assert (validation.errors("parcel-facts-1", doc) == []) == exact_ok
