"""Codes of the couriers and posts of Russia, Ukraine and Belarus (issue 30, "codes"), and the S10
service letters: read as a buyer gives them, with and without the order's shipping method and
destination, through the analysis and the `advise` command."""
import shutil

import pytest

from advisor.base.errors import RulesError
from advisor.reading.trackcode import analyse
from advisor.knowledge.trackformats import book_for
from conftest import ROOT, advise_json, run_cli

BOOK = book_for(ROOT / "rules")
# the 13-digit barcodes of Ukrposhta's tracking API in RomaBilka/parcel-tracking's fixture
UKRPOSHTA = ["0500128254873", "0500128254610", "0500022918705", "0500128254768", "0500128254776",
             "0500128254792", "0500401039140", "0500128254814", "0500128254830", "0500022918713",
             "0500022918721", "0500128254911", "0500022918730", "0500128254946", "0500022918764",
             "0500128254970", "0500401039158"]


def _read(code, platform=None, method=None, dest=None):
    return analyse(code, BOOK, platform, method, dest)


def _others(a):
    return [c["format"] for c in a["candidates"][1:]]


@pytest.mark.parametrize("code", UKRPOSHTA)
def test_every_published_ukrposhta_barcode_reads_as_ukrposhta_with_its_check_digit(code):
    a = _read(code, "aliexpress")
    assert (a["format"], a["carrier"], a["valid"], a["check_digit_ok"]) == ("ukrposhta_domestic", "Ukrposhta", True, True)
    assert not a["changes"] and "invalid_check_digit" not in a["flags"]


def test_a_13_digit_ukrposhta_number_is_not_repaired_into_an_s10_code():
    a = _read("0500128254610")
    assert a["code"] == "0500128254610" and "OS001282546IO" not in {c["code"] for c in a["candidates"]}
    # a code with a look-alike that reads as no format as it is is still repaired (T12)
    assert _read("RK19O321410CN")["code"] == "RK190321410CN"


def test_a_ukrposhta_check_digit_that_fails_does_not_make_the_number_invalid():
    """The algorithm is derived from published numbers, not published: it never refuses one."""
    a = _read("0500128254611")
    assert a["format"] == "ukrposhta_domestic" and a["valid"] and a["check_digit_ok"] is False


@pytest.mark.parametrize("platform, method, dest, first, also", [
    (None, "PickPoint", None, "pickpoint", None),
    ("aliexpress", "ПикПоинт", None, "pickpoint", None),
    ("aliexpress", None, None, "fake_17_post", "pickpoint"),     # nothing says: both, uncertain
    ("aliexpress", None, "RU", "fake_17_post", "pickpoint"),     # the fake service's scam targets Russia too
])
def test_a_pickpoint_number(platform, method, dest, first, also):
    a = _read("200819647155", platform, method, dest)
    assert a["format"] == first
    if first == "pickpoint":
        assert a["carrier"] == "PickPoint" and "fake_tracking_service" not in a["flags"] and not a["uncertain"]
    within = BOOK.scores["uncertain_within"]
    pickpoint = next(c for c in a["candidates"] if c["format"] == "pickpoint")
    offered = a["uncertain"] and a["candidates"][0]["score"] - pickpoint["score"] <= within
    assert offered is (also == "pickpoint")


@pytest.mark.parametrize("platform, method, dest, first, uncertain", [
    ("aliexpress", "Нова Пошта", None, "nova_poshta", False),
    ("aliexpress", "Nova Poshta", "UA", "nova_poshta", False),
    ("aliexpress", None, "UA", "nova_poshta", False),
    ("aliexpress", None, None, "aliexpress_order_number", True),  # the order-number reading, Nova Poshta beside it
    (None, None, None, "nova_poshta", True),
    ("aliexpress", None, "RU", "aliexpress_order_number", True),   # DHL eCommerce beside it, not Nova Poshta
])
def test_a_nova_poshta_waybill(platform, method, dest, first, uncertain):
    a = _read("59000777777777", platform, method, dest)
    assert a["format"] == first and a["uncertain"] is uncertain
    nova = next(c for c in a["candidates"] if c["format"] == "nova_poshta")
    if first == "nova_poshta":
        assert a["carrier"] == "Nova Poshta" and "order_number_not_track" not in a["flags"]
    elif uncertain:     # offered beside the first reading unless the order is bound elsewhere
        close = a["candidates"][0]["score"] - nova["score"] <= BOOK.scores["uncertain_within"]
        assert close is (dest is None)


def test_a_nova_poshta_waybill_that_passes_russian_posts_check_is_nova_poshtas_when_bound_for_ukraine():
    code = next(f"20{n:012d}" for n in range(1000) if _read(f"20{n:012d}")["format"] == "ru_post_domestic")
    assert _read(code, "aliexpress", None, "UA")["format"] == "nova_poshta"
    assert _read(code, "aliexpress", None, "RU")["format"] == "ru_post_domestic"


@pytest.mark.parametrize("code, fmt, carrier", [
    ("RA067022855UA", "s10", "Ukrposhta"),          # Ukrposhta's international shape
    ("PC123456785BY", "belpochta_domestic", "Belpochta"),
    ("BV123456785BY", "belpochta_domestic", "Belpochta"),
    ("BY080012345678", "evropochta", "Evropochta"),
    ("CV999999999ZZ", "meest", "Meest"),
    ("MYCV999999999ZZ", "meest", "Meest"),
    ("CC016695190KZ", "s10", "Kazpost"),            # rustem-kaimolla/api-kazpost-php's test code
    ("AAP127020243", "boxberry_domestic", "Boxberry"),
])
def test_codes_of_the_posts_and_couriers_of_the_region(code, fmt, carrier):
    a = _read(code)
    assert (a["format"], a["carrier"], a["valid"]) == (fmt, carrier, True)


def test_a_meest_cv_code_that_is_also_a_valid_s10_parcel_code_is_given_both_ways():
    a = _read("CV123456785UA")
    assert a["uncertain"] and {a["format"], *_others(a)} >= {"s10", "meest"}
    assert _read("CV123456785UA", None, "Meest Express")["format"] == "meest"


@pytest.mark.parametrize("code, valid, service", [
    ("AA123456785CN", False, None), ("AU123456785CN", False, None),   # AA-AU: not assigned
    ("AV123456785CN", True, "bilateral"), ("AZ123456785CN", True, "bilateral"),
    ("FA123456785CN", False, None), ("GB123456785CN", False, None), ("GA123456785CN", True, "bilateral"),
    ("LK123456785CN", True, "letter"), ("LI001234568LT", True, "letter"),
])
def test_s10_service_letters_follow_the_upu_table(code, valid, service):
    a = _read(code)
    s10 = next(c for c in a["candidates"] if c["format"] == "s10")
    assert (s10["valid"], s10["service"]) == (valid, service)
    if not valid:
        assert not a["valid"]


def test_countries_of_a_format_must_be_iso_codes(tmp_path):
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    path = tmp_path / "rules" / "track_formats.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    countries: [UA]\n", "    countries: [UKR]\n", 1), encoding="utf-8")
    with pytest.raises(RulesError) as e:
        book_for(tmp_path / "rules")
    assert "`countries` of format" in str(e.value) and "`['UKR']`" in str(e.value)
    assert "track_formats.yaml:" in e.value.where


def _flags(a):
    return {f["id"] for f in a["flags"]}


def test_advise_pickpoint_shipped_by_pickpoint_is_no_fake_service():
    a = advise_json("200819647155", "--issued", "5d", "--shipping", "PickPoint")
    assert a["track"]["format"] == "pickpoint" and a["track"]["carrier"] == "PickPoint"
    assert "fake_tracking_service" not in _flags(a)


def test_advise_ukrposhta_and_nova_poshta_numbers_to_ukraine():
    a = advise_json("0500128254610", "--issued", "5d", "--dest", "UA")
    assert a["track"]["format"] == "ukrposhta_domestic" and not a["track"]["changes"]
    assert not _flags(a) & {"invalid_check_digit", "order_number_not_track"}
    assert any("track.ukrposhta.ua" in t["url"] and "0500128254610" in t["url"] for t in a["track"]["trackers"])
    b = advise_json("59000777777777", "--issued", "5d", "--dest", "UA")
    assert b["track"]["carrier"] == "Nova Poshta" and "order_number_not_track" not in _flags(b)
    c = advise_json("59000777777777", "--issued", "5d")        # nothing says: unsure, with both readings
    assert c["track"]["uncertain"] and "nova_poshta" in [x["format"] for x in c["track"]["candidates"]]


def test_advise_a_letter_post_code_with_events_follows_them():
    args = ("LK123456785CN", "--issued", "20d", "--dest", "RU", "--event", "2026-11-10=Экспорт")
    a = advise_json(*args)
    assert "letter_post_tracked" in _flags(a) and "untracked_service" not in _flags(a)
    b = advise_json("LK123456785CN", "--issued", "20d", "--dest", "RU")
    assert "untracked_service" in _flags(b) and "letter_post_tracked" not in _flags(b)


def test_the_report_says_why_a_letter_post_code_with_events_is_followed():
    code, out, err = run_cli("LK123456785CN", "--issued", "20d", "--dest", "RU", "--event", "2026-11-10=Экспорт",
                             "--today", "2026-11-22", "--no-messages")
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.startswith("Code "))
    assert "(not tracked), yet a post has scanned this parcel; from China." in line and "most posts do not" in out
    assert line.count("not tracked") == 1          # the service's name says it; the line does not say it twice
    code, out, err = run_cli("LK123456785CN", "--issued", "20d", "--dest", "RU", "--today", "2026-11-22", "--no-messages")
    assert code == 0, err
    assert "(not tracked); from China; no post has scanned it yet." in out and "most posts do not" not in out


@pytest.mark.parametrize("method, dest, first", [
    (None, "RU", "boxberry_domestic"), ("Boxberry", None, "boxberry_domestic"), ("Боксберри", "DE", "boxberry_domestic"),
    (None, "CA", "purolator_alpha"),
])
def test_a_boxberry_number_beside_purolators_shape(method, dest, first):
    a = _read("AAP127020243", None, method, dest)
    assert a["format"] == first
