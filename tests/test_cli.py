"""The CLI end to end: the issue's examples, errors, languages."""
from conftest import advise_json, run_cli


def test_fresh_code_says_wait_and_until_when():
    code, out, err = run_cli("RK190321410CN", "--issued", "3d", "--today", "2026-11-22")
    assert code == 0, err
    assert "Wait" in out and "November 26, 2026" in out


def test_protection_ending_gives_open_dispute_with_due_and_trace():
    a = advise_json("RK190321410CN", "--issued", "12d", "--protection-ends", "2026-11-25")
    assert a["schema"] == "parcel-advice/1"
    assert a["next_step"]["action"] == "open_dispute"
    assert a["next_step"]["due"] == "2026-11-22"  # 5 days before the end (D1) has passed: today, never a past day
    fired = {t["rule"]: t for t in a["trace"]}
    assert "dispute-protection-ending" in fired
    assert fired["dispute-protection-ending"]["file"] == "rules/advice/40_disputes.yaml"
    assert fired["dispute-protection-ending"]["line"] > 0
    assert fired["dispute-protection-ending"]["facts"]["protection_left"] == 3
    assert "protection_expiring" in {f["id"] for f in a["flags"]}


def test_json_track_fields():
    a = advise_json("RK190321410CN")
    t = a["track"]
    assert t["code"] == "RK190321410CN" and t["format"] == "s10" and t["valid"] is True
    assert t["check_digit_ok"] is True and t["tracked"] == "full" and t["origin_country"] == "CN"
    assert a["stage"] == "none"
    assert {m["field"] for m in a["missing"]} >= {"order.track_issued", "order.protection_ends"}


def test_russian_output_is_russian():
    code, out, err = run_cli("RK190321410CN", "--issued", "3d", "--today", "2026-11-22", "--lang", "ru")
    assert code == 0, err
    assert "Подождать" in out and "26 ноября 2026" in out


def test_facts_from_stdin_yaml():
    facts = "track: RK190321410CN\norder:\n  track_issued: 2026-11-01\n  protection_ends: 2027-01-10\n"
    code, out, err = run_cli("--facts", "-", "--format", "json", "--today", "2026-11-22", input=facts)
    assert code == 0, err
    assert '"message_seller"' in out


def test_python_dash_m_and_version():
    code, out, _ = run_cli("--version")
    assert code == 0 and "advise" in out


def test_unknown_field_is_named():
    code, out, err = run_cli("--facts", "-", input="track: RK190321410CN\norder:\n  paied: 2026-11-01\n")
    assert code == 2
    assert "order.paied" in err and "help: did you mean `paid`?" in err
    assert "Traceback" not in err


def test_bad_date_option():
    code, _, err = run_cli("RK190321410CN", "--issued", "31.02.2026")
    assert code == 2 and "--issued" in err and "Traceback" not in err


def test_bad_date_in_file_names_the_field():
    code, _, err = run_cli("--facts", "-", input='{"order": {"paid": "2026-13-01"}}')
    assert code == 2 and "order.paid" in err


def test_event_in_future_is_an_error():
    code, _, err = run_cli("RK190321410CN", "--today", "2026-11-22", "--event", "2026-12-01=Export")
    assert code == 2 and "events[0].date" in err and "after today" in err


def test_protection_before_payment_is_an_error():
    code, _, err = run_cli("X", "--paid", "2026-10-01", "--protection-ends", "2026-09-01", "--today", "2026-11-22")
    assert code == 2 and err.startswith("error: --protection-ends: `2026-09-01` is before the payment date")   # the option typed, not the facts path


def test_broken_rules_yaml_names_file_and_line(rules_copy):
    bad = rules_copy / "advice" / "10_no_tracking.yaml"
    text = bad.read_text().splitlines()
    text.insert(5, "  - id: [broken")
    bad.write_text("\n".join(text))
    code, _, err = run_cli("RK190321410CN", "--rules", str(rules_copy))
    assert code == 2
    assert "advice/10_no_tracking.yaml:" in err and "invalid YAML" in err and "Traceback" not in err


def test_copy_prints_one_message():
    code, out, err = run_cli("RK190321410CN", "--issued", "12d", "--today", "2026-11-22", "--copy", "seller/not_tracked")
    assert code == 0, err
    assert out.startswith("Hello!") and "RK190321410CN" in out and "-----" not in out


def test_history_file_russian_post(tmp_path):
    hist = tmp_path / "h.txt"
    hist.write_text("\n".join([
        "25.09.2026 10:00 Приём Шэньчжэнь",
        "28.09.2026 14:05 Покинуло место международного обмена",
        "30.09.2026 09:00 Экспорт Шэньчжэнь",
        "this line is junk",
        "05.11.2026 12:00 Импорт Москва",
    ]), encoding="utf-8")
    a = advise_json("RK190321410CN", "--history", str(hist), "--issued", "2026-09-24", "--protection-ends", "2027-01-05", "--lang", "ru")
    assert a["stage"] == "import"
    assert a["history"]["read"] == 4 and a["history"]["unread"][0]["line"] == 4
    assert a["next_step"]["action"] == "wait"


def test_shipping_method_option_and_other_readings_on_their_own_line():
    code, out, err = run_cli("996578788855", "--issued", "10d", "--today", "2026-11-22")
    assert code == 0, err
    assert "17 Post" in out
    assert "\n  it could also be: PickPoint parcel-locker shipment\n  check it on: " in out    # FedEx: its check digit fails
    code, out, err = run_cli("996578788855", "--issued", "10d", "--today", "2026-11-22",
                             "--platform", "ebay", "--shipping", "FedEx")
    assert code == 0, err
    assert "Code 996578788855: FedEx" in out and "17 Post" not in out.split("it could also be")[0]
    a = advise_json("996578788855", "--issued", "10d", "--shipping", "FedEx", "--paid-shipping")
    assert a["track"]["format"] == "fedex" and "fake_tracking_service" not in [f["id"] for f in a["flags"]]


def test_dates_read_label_then_date_and_russian_dates_end_sentences_with_one_period():
    args = ("RK190321410CN", "--issued", "40d", "--protection-ends", "2026-12-05", "--event", "2026-10-25=Экспорт",
            "--today", "2026-11-22")
    code, out, err = run_cli(*args)
    assert code == 0, err
    # a moving parcel: the dispute waits until just before protection ends (D3)
    assert "  Open a dispute by December 3, 2026\n" in out and "  Buyer protection ends December 5, 2026\n" in out
    code, out, err = run_cli(*args, "--lang", "ru")
    assert code == 0, err
    assert "  Открыть спор до 3 декабря 2026\u202fг.\n" in out
    assert "откройте спор не позднее 3 декабря 2026\u202fг.\n" in out and "г.." not in out


def test_where_to_check_the_code_depends_on_platform_and_destination():
    ali = [t["name"] for t in advise_json("RK190321410CN", "--issued", "12d")["track"]["trackers"]]
    assert ali == ["China Post", "AliExpress order page", "Cainiao", "17TRACK"]
    ebay = [t["name"] for t in advise_json("RK190321410CN", "--issued", "12d", "--platform", "ebay", "--dest", "RU")["track"]["trackers"]]
    assert ebay == ["China Post", "Russian Post", "eBay purchase history", "Cainiao", "17TRACK"]
    code, out, err = run_cli("RK190321410CN", "--issued", "12d", "--dest", "RU", "--today", "2026-11-22", "--lang", "ru")
    assert code == 0, err
    assert "\n  где проверить: Почта Китая, Почта России, Страница заказа на AliExpress, Cainiao, 17TRACK\n" in out


def test_a_key_given_twice_in_a_json_facts_file_is_an_error_not_dropped():
    code, out, err = run_cli("--facts", "-", input='{"track": "RK190321410CN", "order": {"paid": "2026-10-01"}, '
                                                   '"order": {"paid": "2026-10-02"}}')
    assert code == 2 and err.startswith("error: facts: the key `order` is given twice in one object") and out == ""
