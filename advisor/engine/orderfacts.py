"""The derived facts of the order beyond its dates: how it ships, what the seller and the dispute
have said and done, and the seller's offer judged against the price (derive.py's FACTS lists them)."""
from __future__ import annotations

from typing import Any

from advisor.reading.facts import Dispute, Facts, Order
from advisor.reading.methods import names_any


def shipping_facts(f: dict[str, Any], o: Order, express_methods: list[str], courier_methods: list[str]) -> None:
    """How the order ships: free, express, by courier (by the words of its method), its price in USD."""
    f["shipping_free"] = bool(o.shipping_free)
    f["shipping_express"] = bool(o.shipping_method and names_any(o.shipping_method, express_methods))
    f["shipping_courier"] = bool(o.shipping_method and names_any(o.shipping_method, courier_methods))
    if o.price and o.price.currency == "USD":
        f["price_usd"] = round(float(o.price.amount), 2)


def seller_and_dispute_facts(f: dict[str, Any], facts: Facts) -> None:
    """What the seller and the dispute have said and done, and the offer on the table."""
    o, s, d = facts.order, facts.seller, facts.dispute
    f["seller_messaged"] = s.messaged is not None
    f["seller_replied"] = bool(s.replied)
    f["seller_templated_replies"] = s.templated_replies
    f["seller_extended_days"] = s.extended_days
    f["dispute_open"] = bool(d and not d.refund_received)
    f["refund_received"] = bool(d and d.refund_received)
    f["seller_response"] = d.seller_response if d else "none"
    f["offer_on_table"] = bool(d and (d.offered_refund or d.seller_response == "partial_refund"))
    _offer_facts(f, o, d)
    f["dispute_escalated"] = bool(d and d.escalated)
    f["order_frozen"] = o.frozen
    f["order_problem"] = o.problem or "none"


def _offer_facts(f: dict[str, Any], o: Order, d: Dispute | None) -> None:
    """The seller's offer against the price, in the order's currency (P1-P4): the amount decides,
    not the label the buyer chose; without a price (or in another currency) it is `unknown`."""
    offered = d.offered_refund if d else None
    if offered is None:
        f["offer_partial"] = bool(d and d.seller_response == "partial_refund")
        return
    price = o.price
    if price is None or not price.amount or (offered.currency and price.currency and offered.currency != price.currency):
        f["offer_vs_price"], f["offer_partial"] = "unknown", False
        return
    share = float(offered.amount) / float(price.amount)
    f["offer_share_pct"] = int(share * 100 + 1e-9)
    f["offer_vs_price"] = "full" if share >= 1 else "partial"
    f["offer_partial"] = share < 1
