"""Status texts read as the stage they name: every one the guidance quotes, Russian Post's and
Cainiao's common lines, Chinese text, and no phrase fooled by a word it contains."""
import pytest

from advisor.knowledge.stages import phrase_key

# (status, stage when read before the export scan, stage when read after it)
QUOTED = [
    # the seeds' own words (000, 003, 004) and the stage list of the guidance
    ("Приём", "accepted", "accepted"),
    ("Прибыло в место международного обмена", "origin_sorting", "import"),
    ("Экспорт", "export", "export"),
    ("Импорт", "import", "import"),
    ("Передано таможне", "customs", "customs"),
    ("Задержано таможней", "customs_held", "customs_held"),
    ("Таможенное оформление завершено", "destination_sorting", "destination_sorting"),
    ("Покинуло место международного обмена", "export", "destination_sorting"),
    ("Прибыло в место вручения", "arrived_office", "arrived_office"),
    ("Вручение адресату", "delivered", "delivered"),
    ("Item pre-advice received", "pre_advice", "pre_advice"),
    ("Registration of electronic notice", "pre_advice", "pre_advice"),
    ("Email notification received", "pre_advice", "pre_advice"),
    ("The item pre-advised", "pre_advice", "pre_advice"),
    ("Electronic information received", "pre_advice", "pre_advice"),
    ("Delayed by Customs", "customs_held", "customs_held"),
    ("Arrived at the place of delivery", "arrived_office", "arrived_office"),
    ("Handing to the addressee", "delivered", "delivered"),
    ("Left MMPO", "export", "destination_sorting"),
    ("Arrival at MMPO", "origin_sorting", "import"),
    ("Прибыло на территорию РФ", "import", "import"),
    ("Returned to sender", "returned", "returned"),
    ("The shipment has been accepted for processing.", "accepted", "accepted"),
    ("Loading on the plane", "export", "export"),
    ("Imported to the country of destination", "import", "import"),
    # Russian Post lines that a shared word used to misread
    ("Прием на таможню", "customs", "customs"),
    ("Вручение отправителю", "returned", "returned"),
    ("Истек срок хранения в почтомате", "arrived_office", "arrived_office"),
    ("Прибыло в почтомат", "arrived_office", "arrived_office"),
    ("Выдано адресату через почтомат", "delivered", "delivered"),
    ("Истекает срок хранения в почтомате", "arrived_office", "arrived_office"),
    ("Отказ в выпуске", "customs_held", "customs_held"),
    ("Выпуск приостановлен", "customs_held", "customs_held"),
    ("Возвращено таможней", "customs_held", "customs_held"),
    ("Продление срока выпуска таможней до 10.12.2026", "customs_held", "customs_held"),
    # Cainiao / AliExpress and the destination posts it hands over to
    ("Received by logistics company", "accepted", "accepted"),
    ("Received by line-haul", "origin_sorting", "origin_sorting"),
    ("Export customs clearance", "origin_sorting", "origin_sorting"),
    ("Arrived at customs", "origin_sorting", "customs"),
    ("Departed from customs", "origin_sorting", "destination_sorting"),
    ("Departed from departure country", "export", "export"),
    ("Despatched to OverSeas Postal Admin", "export", "export"),
    ("Arrival at Destination Postal Admin", "import", "import"),
    ("Processed Through Facility", "origin_sorting", "destination_sorting"),
    ("Arrived at Unit", "arrived_office", "arrived_office"),
    # Chinese, read character by character
    ("【深圳市】已揽收成功", "accepted", "accepted"),
    ("航班起飞", "export", "export"),
    ("清关开始", "customs", "customs"),
    ("用户签收", "delivered", "delivered"),
    ("退回卖家签收", "returned", "returned"),
]


@pytest.mark.parametrize("status, before, after", QUOTED, ids=[q[0] for q in QUOTED])
def test_quoted_statuses_read_as_their_stage(advisor, status, before, after):
    assert advisor.stages.classify(status, False).stage == before
    assert advisor.stages.classify(status, True).stage == after


def test_a_phrase_is_never_read_as_a_shorter_phrase_it_contains(advisor):
    """For every pair of phrases where one holds the other, the longer one names its own stage."""
    book = advisor.stages
    phrases = [(norm, stage, original) for norm, stage, original in book.phrases]
    checked = 0
    for long_norm, long_stage, long_text in phrases:
        for short_norm, short_stage, _ in phrases:
            if short_norm != long_norm and short_norm in long_norm and short_stage != long_stage:
                assert book.classify(long_text, False).stage == long_stage, long_text
                checked += 1
    assert checked >= 10       # the pairs that matter exist: «Прием» / «Прием на таможню», ...


def test_seller_typed_statuses_are_never_postal(advisor):
    for text in ("Pickup successfully", "Departure from Warehouse", "In transit (shipped by air)"):
        read = advisor.stages.classify(text, False)
        assert read.stage is None and read.typed


def test_chinese_text_is_matched_inside_longer_lines():
    assert " 揽 收 成 功 " in phrase_key("【深圳】已揽收成功，快件已发出")
    assert phrase_key("ПРИЁМ") == phrase_key("прием")


def _route(advisor, *lines):
    events = [{"date": f"2026-10-{i + 2:02d}", "status": s} for i, s in enumerate(lines)]
    a = advisor.advise({"track": "RK190321410CN", "order": {"destination": {"country": "RU"}}, "events": events},
                       today="2026-11-20").to_dict()
    return a, {n["kind"] for n in a["notes"]}


def test_movement_after_a_delivery_is_said_not_trusted(advisor):
    a, kinds = _route(advisor, "Приём", "Экспорт", "Импорт", "Вручение адресату", "Прибыло в сортировочный центр")
    assert "moved_after_delivery" in kinds
    assert any("After a delivery" in n["text"] for n in a["notes"])


def test_movement_in_the_middle_of_a_return_is_said(advisor):
    _, kinds = _route(advisor, "Приём", "Экспорт", "Возврат", "Импорт")
    assert "moved_after_return" in kinds


def test_a_delivery_never_seen_arriving_is_said(advisor):
    _, kinds = _route(advisor, "Приём", "Экспорт", "Вручение адресату")
    assert "delivered_unseen_arrival" in kinds
    _, kinds = _route(advisor, "Приём", "Экспорт", "Импорт", "Вручение адресату")
    assert not kinds & {"delivered_unseen_arrival", "moved_after_delivery", "moved_after_return"}
