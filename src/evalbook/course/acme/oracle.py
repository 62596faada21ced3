"""Acme's policy oracle: what *should* happen to a refund request, from the policy facts and the order record.

An oracle is a pure function: the same order, policy and date always give the same decision, and every decision
can be traced to a sentence of the help centre (``data/facts.json``). It never asks a model. A check then compares
the oracle's decision with what the conversation did (the shop's records after it), which is how code can decide
"was this the right outcome?" for the cases where a rule exists.

It restates the policy independently of the shop's back office (``ShopState``); ``tests/test_acme_oracle.py``
holds the two to the same answer on every order, so a change to one that forgets the other is caught.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ...errors import InputError, InputTypeError
from .shop import CURRENT_KB, ShopState, facts, find_order_id, today
from .traces import escalated, refunds_issued

DECISIONS = {
    "refund": "issue the refund (the assistant may do it itself)",
    "escalate": "hand it to a person: the refund needs a human agent's approval",
    "refuse": "do not refund, and say why (not delivered yet, outside the window, or already refunded)",
}


def refund_decision(order: Mapping, policy: Mapping, today: dt.date | str) -> str:
    """``'refund'``, ``'escalate'`` or ``'refuse'`` for a refund request on ``order``, by Acme's policy.

    The rules, in the order they apply:

    1. already refunded (``refunded_amount`` above 0): refuse;
    2. not delivered yet (``status`` other than ``'delivered'``): refuse;
    3. delivered more than ``refund_window_days`` days before ``today``: refuse;
    4. ``amount`` above ``auto_refund_limit``: escalate (a person approves it);
    5. otherwise: refund.

    Args:
        order: an order record (a row of ``acme.load_orders()`` as a dict, or what ``lookup_order`` returns).
        policy: the facts of one KB version, ``acme.facts()``.
        today: the date the request is seen on (the shop's fixed date is ``acme.shop_info()['today']``).
    """
    if not isinstance(order, Mapping):
        raise InputTypeError(f"refund_decision takes an order record (a dict), not a {type(order).__name__}.")
    if isinstance(today, str):
        today = dt.date.fromisoformat(today)
    missing = [k for k in ("amount", "status", "delivered_date", "refunded_amount") if k not in order]
    if missing:
        raise InputError(f"The order record has no {', '.join(missing)}; pass a row of acme.load_orders().")
    if float(order["refunded_amount"] or 0) > 0:
        return "refuse"
    if order["status"] != "delivered":
        return "refuse"
    age = (today - dt.date.fromisoformat(str(order["delivered_date"]))).days
    if age > policy["refund_window_days"]:
        return "refuse"
    if float(order["amount"]) > policy["auto_refund_limit"]:
        return "escalate"
    return "refund"


def order_record(order_id: str) -> dict | None:
    """The shop's record of an order before any conversation changed it (None for an unknown number)."""
    normalised = find_order_id(str(order_id or ""))
    record = ShopState.fresh().orders.get(normalised or "")
    return dict(record) if record is not None else None


def decision_for(order_id: str, kb_version: str = CURRENT_KB) -> str | None:
    """The oracle's decision for a refund request on the order ``order_id`` (None when there is no such order)."""
    record = order_record(order_id)
    return None if record is None else refund_decision(record, facts(kb_version), today())


def what_happened(trace) -> str:
    """What a conversation did about a refund, per the shop's records: ``'refund'``, ``'escalate'`` or ``'none'``."""
    if refunds_issued(trace):
        return "refund"
    return "escalate" if escalated(trace) else "none"


def expected_end_state(case: Mapping) -> dict:
    """The records a correct conversation leaves for a golden case: the refund it must issue (order and
    amount) and the escalation it must open, from the case's answer key."""
    order_id = find_order_id(str(case.get("order_id") or "")) or ""
    refunds = []
    if "issue_refund" in list(case.get("expected_tools") or []):
        record = order_record(order_id)
        refunds.append({"order_id": order_id, "amount": float(record["amount"]) if record else None})
    escalations = [{"order_id": order_id}] if case.get("must_escalate") else []
    return {"refunds": refunds, "escalations": escalations}


__all__ = [
    "DECISIONS",
    "decision_for",
    "expected_end_state",
    "order_record",
    "refund_decision",
    "what_happened",
]
