"""Every text true for the advice it is in, read as a buyer reads it (issue 35's examples): the
report and the texts to send, through the command line, in both languages."""
from __future__ import annotations

import json

import pytest

from conftest import run_cli

TODAY = ["--today", "2026-11-22"]


def _text(args: list[str], lang: str = "en") -> str:
    code, out, err = run_cli(*args, *TODAY, "--lang", lang)
    assert code == 0, err
    return out


def _json(args: list[str], lang: str = "en") -> dict:
    return json.loads(_text([*args, "--format", "json"], lang))


@pytest.mark.parametrize("events", [
    ["--event", "2026-09-10=Приём", "--event", "2026-10-01=Вручение адресату"],      # delivered, not received
    ["--event", "2026-09-10=Приём", "--event", "2026-10-01=Возврат"],                 # going back
    ["--event", "2026-09-10=Приём", "--event", "2026-09-23=Экспорт"],                 # silent for 60 days
])
def test_a_parcel_that_is_not_moving_is_never_called_moving(events):
    args = ["RK190321410CN", "--paid", "2026-09-01", "--protection-ends", "2026-12-20", *events]
    assert "is moving" not in _text(args)
    assert "движется" not in _text(args, "ru")


def test_on_the_last_day_of_protection_the_dispute_is_today_not_by_today_before_today():
    args = ["RK190321410CN", "--paid", "2026-09-01", "--protection-ends", "2026-11-22", "--event", "2026-11-10=Экспорт"]
    en, ru = _text(args), _text(args, "ru")
    assert "today, the last day of buyer protection" in en
    assert "before protection ends on November 22" not in en
    assert "в последний день защиты" in ru and "раньше чем" not in ru
    flag = _json(args)["flags"][0]
    assert flag["id"] == "protection_expiring" and "November 22, 2026" in flag["text"]


def test_a_code_of_a_known_format_that_is_not_valid_is_not_said_to_be_tracked_all_the_way():
    out = _text(["RB614204732CN", "--no-messages"])
    assert "tracked all the way" not in out and "not a valid code of this format" in out


def test_an_order_number_is_not_called_the_parcel_or_a_tracking_number():
    advice = _json(["60724703421692", "--paid", "2026-09-01", "--protection-ends", "2026-11-25"])
    sent = " ".join(m["en"] + m["ru"] for m in advice["messages"])
    assert "60724703421692" not in sent


def test_a_cancelled_shipment_is_said_cancelled_to_the_seller(tmp_path):
    facts = tmp_path / "f.json"
    facts.write_text(json.dumps({"order": {"paid": "2026-10-01", "track_issued": "2026-10-02", "protection_ends": "2026-12-20"},
                                 "track": "RK190321410CN",
                                 "events": [{"date": "2026-10-02", "provider": "cainiao", "code": "GWMS_CANCEL"}]}))
    out = _text(["--facts", str(facts), "--copy", "seller/not_tracked"])
    assert "cancelled" in out and "electronic notice" not in out


def test_a_fedex_seller_is_asked_for_the_fedex_receipt_not_the_post_office_one():
    args = ["123456789012", "--platform", "ebay", "--issued", "2026-11-10"]
    out = _text([*args, "--copy", "seller/proof_of_postage"])
    assert "FedEx receipt" in out and "post office" not in out
    assert "квитанцию FedEx" in _text([*args, "--copy", "seller/proof_of_postage", "--translation"])


def test_past_the_auto_claim_day_no_date_says_the_dispute_will_become_a_claim():
    advice = _json(["RK190321410CN", "--paid", "2026-09-01", "--protection-ends", "2026-11-30",
                    "--event", "2026-09-10=Приём", "--dispute-opened", "2026-11-01", "--seller-response", "none"])
    assert "auto_claim_on" not in [d["id"] for d in advice["deadlines"]]
    assert advice["next_step"]["action"] == "escalate_claim"


def test_no_step_points_to_a_message_below_which_a_calendar_event_has_not():
    advice = _json(["RK190321410CN", "--paid", "2026-09-01", "--protection-ends", "2026-12-20",
                    "--event", "2026-09-10=Приём", "--event", "2026-10-01=Вручение адресату"])
    assert not [a for a in advice["actions"] if "below" in (a["text"] or "")]
