"""Track codes of every carrier a tracker sends, checked against public test data nobody here
wrote: jkeen/tracking_number_data's labelled numbers (tests/fixtures/jkeen_test_numbers.json, 280
numbers from 18 couriers, valid and invalid), read without a shipping method or a platform."""
import json
import re
from pathlib import Path

import pytest

from advisor.reading.trackcode import analyse
from advisor.knowledge.trackformats import book_for

ROOT = Path(__file__).resolve().parents[1]
BOOK = book_for(ROOT / "rules")
DATA = json.loads((Path(__file__).parent / "fixtures" / "jkeen_test_numbers.json").read_text(encoding="utf-8"))
NUMBERS = [dict(zip(DATA["columns"], row)) for row in DATA["numbers"]]
VALID = [n for n in NUMBERS if n["valid"]]
INVALID = [n for n in NUMBERS if not n["valid"]]
# jkeen's format -> our format ids (the same facts, written in rules/track_formats.yaml)
FORMATS = {
    "Amazon Logistics": {"amazon_logistics"}, "Amazon International": {"amazon_logistics"},
    "Canada Post (16)": {"canada_post"}, "Canpar (22)": {"canpar"},
    "DHL Express": {"dhl_express"}, "DHL Express (Piece ID)": {"dhl_piece"},
    "DHL E-Commerce": {"dhl_ecommerce"}, "DHL E-Commerce (14)": {"dhl_ecommerce_14"},
    "DPD (28)": {"dpd"}, "DPD (14)": {"dpd"},
    "FedEx Express (12)": {"fedex"}, "FedEx Ground": {"fedex"}, "FedEx Express (34)": {"fedex_express_34"},
    "FedEx ASTRA (32)": {"fedex_astra"}, "FedEx Ground (SSCC-18)": {"fedex_sscc"},
    "FedEx Ground 96 (22)": {"fedex_ground_96"}, "FedEx Ground GSN": {"fedex_gsn"},
    "GOFO Express (US)": {"gofo"}, "Landmark Global LTN": {"landmark"},
    "LaserShip LX": {"lasership"}, "LaserShip 1LS7 (15)": {"lasership"}, "LaserShip 1LS7 (18)": {"lasership"},
    "LaserShip 1LSCX (15)": {"lasership"},
    "Old Dominion": {"old_dominion"}, "Old Dominion Guaranteed Shipment": {"old_dominion"},
    "OnTrac": {"ontrac"}, "OnTrac D": {"ontrac_d"},
    "Purolator (12)": {"purolator"}, "Purolator (alpha + 9)": {"purolator_alpha"},
    "S10": {"s10", "finland_posti"}, "Spee-Dee (20)": {"speedee"},
    "UPS": {"ups"}, "UPS Waybill": {"ups_waybill"},
    "USPS 20": {"usps_20", "usps_legacy"}, "USPS IMpb N": {"usps"}, "USPS IMpb C": {"usps"},
    "USPS Legacy": {"usps_legacy", "usps"},
    "Yodel": {"yodel"}, "YunExpress": {"yunexpress"},
}


def _id(n):
    return f"{n['format']}:{n['number']}"


def test_every_jkeen_format_is_ours():
    assert {n["format"] for n in NUMBERS} == set(FORMATS) and len(NUMBERS) == 280
    assert len(CODES) >= 240
    ours = {f.id for f in BOOK.formats}
    assert set().union(*FORMATS.values()) <= ours


@pytest.mark.parametrize("n", VALID, ids=_id)
def test_a_valid_number_reads_as_its_carrier(n):
    """Read as its own format, or, where another carrier's check digit passes as well (a twelve-digit
    Purolator number that is also a valid FedEx one), given beside it with the code called uncertain."""
    a = analyse(n["number"], BOOK, None, None)
    assert a["kind"] != "fake_service"
    want = FORMATS[n["format"]]
    if a["format"] not in want:
        top = a["candidates"][0]["score"]
        tied = [c for c in a["candidates"] if c["format"] in want and c["valid"] and c["score"] >= top - 10]
        assert tied and a["uncertain"], (a["format"], a["candidates"][:3])
    else:
        assert a["valid"], a


@pytest.mark.parametrize("n", VALID, ids=_id)
def test_no_valid_number_is_called_a_fake_service_on_any_platform(n):
    for platform in ("aliexpress", "ebay", "joom", None):
        a = analyse(n["number"], BOOK, platform, None)
        assert a["kind"] != "fake_service" and "fake_tracking_service" not in a["flags"], (platform, a["format"])


@pytest.mark.parametrize("n", INVALID, ids=_id)
def test_an_invalid_number_is_refused_or_flagged(n):
    """Never a valid reading of the format it breaks (it may be a valid number of another one)."""
    a = analyse(n["number"], BOOK, None, None)
    ours = [c for c in a["candidates"] if c["format"] in FORMATS[n["format"]]]
    assert not any(c["valid"] and c["check_digit_ok"] is not False and c["format"] == a["format"] for c in ours) \
        or a["format"] not in FORMATS[n["format"]], a["format"]


def test_the_share_of_valid_numbers_read_as_their_own_format():
    right = sum(analyse(n["number"], BOOK, None, None)["format"] in FORMATS[n["format"]] for n in VALID)
    assert right >= len(VALID) - 3, right          # the rest tie with another carrier's passing check digit


def _groups(code: str, size: int) -> str:
    return " ".join(code[i:i + size] for i in range(0, len(code), size))


def _joined(text: str) -> str:
    return re.sub(r"[\s-]", "", text)


# the numbers that read as a code of some shape (valid or not): a string of no shape has no reading to keep
CODES = [n for n in NUMBERS if analyse(_joined(n["number"]), BOOK, None, None)["format"] != "unknown"]


@pytest.mark.parametrize("n", CODES, ids=_id)
def test_spaces_dashes_and_groups_never_change_the_reading(n):
    joined = _joined(n["number"])
    base = analyse(joined, BOOK, None, None)
    for text in (n["number"], _groups(joined, 4), _groups(joined, 3), "-".join(_groups(joined, 5).split()),
                 " ".join(joined)):
        a = analyse(text, BOOK, None, None)
        assert (a["code"], a["format"], a["valid"]) == (base["code"], base["format"], base["valid"]), text


@pytest.mark.parametrize("code, method, carrier", [
    ("3318810025", "CDEK", "CDEK"),              # a valid DHL check digit, but the order says CDEK
    ("3318810025", None, "DHL"),
    ("320595463938", "Purolator", "Purolator"),
    ("287809468872", "Purolator", "Purolator"),   # valid for FedEx too: the shipping method decides
    ("287809468872", "FedEx International Priority", "FedEx"),
    ("3318810025", "СДЭК", "CDEK"),              # the order page in Russian names the carrier too
    ("62009147017545", "Почта России", "Russian Post"),   # a wrong check digit, but not an order number
    ("62009147017545", "Отправлено Почтой России", "Russian Post"),
])
def test_the_shipping_method_decides_between_readings(code, method, carrier):
    a = analyse(code, BOOK, "aliexpress", method)
    assert a["carrier"] == carrier and a["kind"] != "fake_service"


@pytest.mark.parametrize("code, fmt", [
    ("RS0814398526Y", "cainiao_expedited"), ("AE010698498", "cainiao_expedited"), ("LP00123456789012", "cainiao_lp"),
    ("VR123456789YP", "yanwen_other"), ("UA846098317YP", "yanwen_ua"), ("4PX3001234567890CN", "four_px"),
    ("SF1234567890123", "sf_express"), ("YT2229521272164446", "yunexpress"), ("62009147017544", "ru_post_domestic"),
    ("SYAE006809461", "sunyou"), ("1234-5678-9012BR", "boxberry_international"), ("1234 5678 9012BR", "boxberry_international"),
])
def test_the_chinese_and_cis_logistics_are_recognised(code, fmt):
    assert analyse(code, BOOK, "aliexpress", None)["format"] == fmt


@pytest.mark.parametrize("code, valid, service", [
    ("QA123456785CN", True, "business_reply"), ("QM123456785CN", True, "business_reply"),
    ("QN123456785CN", False, None), ("QZ123456785CN", False, None),
    ("AA123456785CN", False, None), ("AU123456785CN", False, None),     # AA-AU: not assigned
    ("AV123456785CN", True, "bilateral"), ("AZ123456785CN", True, "bilateral"), ("BA123456785CN", True, "bilateral"),
    ("DA123456785CN", True, "bilateral"), ("GA123456785CN", True, "bilateral"), ("GD123456785CN", True, "bilateral"),
    ("GB123456785CN", False, None), ("NA123456785CN", True, "bilateral"), ("PA123456785CN", True, "bilateral"),
    ("ZZ123456785CN", True, "bilateral"), ("HA123456785CN", True, "ecommerce"), ("MA123456785CN", True, "m_bag"),
    ("EZ123456785CN", True, "ems"), ("JA123456785CN", False, None), ("FA123456785CN", False, None),
])
def test_the_s10_service_indicators_follow_the_standard(code, valid, service):
    a = analyse(code, BOOK, "aliexpress", None)
    s10 = next(c for c in a["candidates"] if c["format"] == "s10")
    assert s10["valid"] is valid and s10["service"] == service
    if service == "bilateral":
        assert "bilateral_service" in a["flags"] and "invalid_check_digit" not in a["flags"]


def test_tracker_links_open_the_code(advisor):
    """Every post and universal tracker with a code link (`track_url`) puts the code in it."""
    for post in BOOK.posts.values():
        assert "{code}" in post.get("track_url", "{code}")
    for fmt in BOOK.formats:   # a carrier's own tracker opens the code too
        assert all("{code}" in t["url"] for t in fmt.trackers), fmt.id
    doc = advisor.advise({"track": "RK190321410CN", "order": {"destination": {"country": "RU"}}}, today="2026-11-20").to_dict()
    urls = {t["name"]: t["url"] for t in doc["track"]["trackers"]}
    assert urls["Russian Post"] == "https://www.pochta.ru/tracking?barcode=RK190321410CN"
    assert "RK190321410CN" in urls["17TRACK"] and "RK190321410CN" in urls["Cainiao"]
    assert not any("{code}" in u for u in urls.values())
    fedex = advisor.track("986578788855")
    assert fedex["trackers"][0]["url"].endswith("986578788855")


@pytest.mark.parametrize("method, name, named", [
    ("Почта России EMS", "Почта России", True), ("Почта Китая", "Почта России", False),
    ("Russian Post", "Russian", True), ("DHL-Express", "DHL", True), ("Курьер СДЭК", "сдэк", True),
    ("Pick Point", "PickPoint", False), ("EMSX", "EMS", False),
])
def test_a_shipping_method_names_a_carrier_by_whole_words(method, name, named):
    from advisor.reading.methods import names
    assert names(method, name) is named


def test_carrier_names_must_name_a_known_carrier(tmp_path):
    import shutil
    from advisor.base.errors import RulesError
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    path = tmp_path / "rules" / "track_formats.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  CDEK: [СДЭК]", "  CDKE: [СДЭК]"), encoding="utf-8")
    with pytest.raises(RulesError) as e:
        book_for(tmp_path / "rules")
    assert "unknown carrier `CDKE`" in str(e.value) and "track_formats.yaml:" in e.value.where
    assert "did you mean `CDEK`?" in (e.value.help or "")


@pytest.mark.parametrize("code, fmt, carrier", [
    ("62009147017544", "ru_post_domestic", "Russian Post"), ("RA123456785RU", "s10", "Russian Post"),
    ("6200914701754", "ukrposhta_domestic", "Ukrposhta"),   # 13 digits: Ukrposhta's shape, not Russian Post's
])
def test_russian_post_shapes(code, fmt, carrier):
    a = analyse(code, BOOK, None, None)
    assert (a["format"], a["carrier"]) == (fmt, carrier)
