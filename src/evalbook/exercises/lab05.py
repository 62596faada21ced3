"""Exercises for lab 05 (``solutions/05_code_based_checks.ipynb``): code-based checks.

All data are fixed, so every check gives the same verdict in every mode:

* ``REFUND_TRACES``: eight conversations with their refund calls, written for this lab on the shop's real orders;
* ``ORDERS``: ten order records, eight from the shop's records and two written for this lab to sit exactly on the
  policy's boundaries (the refund window's last day, an amount at the automatic limit);
* ``POLICY`` and ``TODAY``: the current policy facts and the shop's fixed date;
* ``PAIRS``: seven (trace, case) pairs for the positive check;
* ``CORRECT`` and ``MUTANTS``: six correct conversations, and faults injected into copies of them.
"""

from __future__ import annotations

import copy
import datetime as dt

from ..course.acme import oracle as acme_oracle
from ..course.acme import suite as acme_suite
from ..course.acme.shop import facts, shop_info
from ..course.acme.traces import acme_trace
from .core import Exercise, Mistake, Question

POLICY = facts()
TODAY = shop_info()["today"]
order_record = acme_oracle.order_record


def _refund(
    order_id: str, amount=None, *, status: str = "refunded", reason: str = "customer request"
) -> dict:
    arguments = {"order_id": order_id, "reason": reason}
    if amount is not None:
        arguments["amount"] = amount
    paid = amount if amount is not None else order_record(order_id)["amount"]
    result = (
        {"refund_id": f"R-{order_id[2:]}-1", "order_id": order_id, "amount": paid, "status": "refunded"}
        if status == "refunded"
        else {"status": "rejected", "error": "Refund rejected by the back office."}
    )
    return {"name": "issue_refund", "arguments": arguments, "result": result}


def _lookup(order_id: str) -> dict:
    return {"name": "lookup_order", "arguments": {"order_id": order_id}, "result": order_record(order_id)}


def _trace(message: str, calls: list[dict], answer: str | None = None) -> object:
    refunds = [
        {k: c["result"][k] for k in ("refund_id", "order_id", "amount")}
        for c in calls
        if c["name"] == "issue_refund" and c["result"].get("status") == "refunded"
    ]
    escalations = [
        {"case_id": "H-001", "order_id": c["arguments"].get("order_id", ""), "reason": "needs a person"}
        for c in calls
        if c["name"] == "escalate_to_human"
    ]
    if answer is None:
        answer = (
            " ".join(f"Refund of ${r['amount']:.2f} issued for order {r['order_id']}." for r in refunds)
            or "I have checked your order."
        )
    return acme_trace(
        input=message,
        answer=answer,
        model="lab-05",
        messages=[{"role": "user", "content": message}, {"role": "assistant", "content": answer}],
        tool_calls=calls,
        end_state={"refunds": refunds, "escalations": escalations},
    )


# --- exercise 1: a tool-argument check -----------------------------------------------------------------------------

REFUND_TRACES = [
    _trace("Refund A-1006 please", [_lookup("A-1006"), _refund("A-1006", 89.0)]),  # the full amount
    _trace("Refund A-1006 please", [_lookup("A-1006"), _refund("A-1006", 109.0)]),  # $20 too much
    _trace("Refund A-1013", [_lookup("A-1013"), _refund("A-1013")]),  # no amount: the order total
    _trace("Where is A-1007?", [_lookup("A-1007")]),  # no refund at all
    _trace("Partial refund for A-1008", [_lookup("A-1008"), _refund("A-1008", 160.0, status="rejected")]),
    _trace(
        "Refund A-1006 and A-1050",
        [_lookup("A-1006"), _refund("A-1006", 50.0), _lookup("A-1050"), _refund("A-1050", 30.0)],
    ),  # the second is above its order's $24.99
    _trace("Refund A-1050", [_lookup("A-1050"), _refund("A-1050", 24.99)]),  # exactly the order total
    _trace("Refund A-1013, half", [_lookup("A-1013"), _refund("A-1013", 44.5)]),
]


def _too_large(trace) -> bool:
    for call in trace.tool_calls:
        if call["name"] != "issue_refund":
            continue
        amount = call["arguments"].get("amount")
        order = order_record(call["arguments"]["order_id"])
        if amount is not None and amount > order["amount"]:
            return True
    return False


def _against_limit(trace) -> bool:
    return any(
        c["name"] == "issue_refund" and (c["arguments"].get("amount") or 0) > POLICY["auto_refund_limit"]
        for c in trace.tool_calls
    )


def _at_or_above(trace) -> bool:
    for call in trace.tool_calls:
        amount = call["arguments"].get("amount") if call["name"] == "issue_refund" else None
        if amount is not None and amount >= order_record(call["arguments"]["order_id"])["amount"]:
            return True
    return False


def _first_call_only(trace) -> bool:
    refunds = [c for c in trace.tool_calls if c["name"] == "issue_refund"]
    if not refunds or refunds[0]["arguments"].get("amount") is None:
        return False
    return refunds[0]["arguments"]["amount"] > order_record(refunds[0]["arguments"]["order_id"])["amount"]


q1 = Exercise(
    var="refund_too_large",
    answer_type=bool,
    expected=_too_large,
    cases=[(trace,) for trace in REFUND_TRACES],
    forbid=[acme_suite.refund_over_order_amount],
    mistakes=[
        Mistake(
            answer=_against_limit,
            message="You compared the amount with the automatic refund limit ($150). That limit decides who may "
            "approve a refund, not how much may be refunded: the ceiling is the order's own amount in the shop's "
            "records, `order_record(order_id)['amount']`.",
        ),
        Mistake(
            answer=_at_or_above,
            message="Your check flags a refund of exactly the order's amount. Refunding the whole order is "
            "allowed; only *more* than was paid is a failure (use `>`, not `>=`).",
        ),
        Mistake(
            answer=_first_call_only,
            message="Your check reads only the first issue_refund call. A conversation can refund two orders; "
            "look at every call of the tool.",
        ),
    ],
    hint=(
        "Where in the trace is the amount the assistant asked for, and where is the most that may be refunded?",
        "Loop over `trace.tool_calls`; for each call named `issue_refund`, read `call['arguments'].get('amount')` "
        "(None means the order total) and compare it with `order_record(call['arguments']['order_id'])['amount']`.",
    ),
    solution="""
def refund_too_large(trace):
    for call in trace.tool_calls:
        if call["name"] != "issue_refund":
            continue
        amount = call["arguments"].get("amount")
        order = order_record(call["arguments"]["order_id"])
        if amount is not None and amount > order["amount"]:
            return True
    return False
""",
    praise="A check on the arguments runs before any money moves: Acme's back office also refuses such a "
    "refund, but a check that catches the request finds the assistant's mistake even when the tool is lenient.",
)


# --- exercise 2: the refund oracle ---------------------------------------------------------------------------------


def _boundary(order_id: str, amount: float, delivered: str) -> dict:
    return dict(order_record("A-1006"), order_id=order_id, amount=amount, delivered_date=delivered)


_LAST_DAY = (dt.date.fromisoformat(TODAY) - dt.timedelta(days=POLICY["refund_window_days"])).isoformat()
ORDERS = [
    order_record(order_id)
    for order_id in ("A-1006", "A-1010", "A-1001", "A-1034", "A-1050", "A-1007", "A-1008", "A-1002")
] + [
    _boundary("X-0001", 89.0, _LAST_DAY),  # delivered exactly refund_window_days ago
    _boundary("X-0002", float(POLICY["auto_refund_limit"]), "2026-03-10"),  # exactly the automatic limit
]


def _decision(order, policy, today):
    if order["refunded_amount"] > 0:
        return "refuse"
    if order["status"] != "delivered":
        return "refuse"
    age = (dt.date.fromisoformat(today) - dt.date.fromisoformat(order["delivered_date"])).days
    if age > policy["refund_window_days"]:
        return "refuse"
    if order["amount"] > policy["auto_refund_limit"]:
        return "escalate"
    return "refund"


def _ignores_refunded(order, policy, today):
    return _decision(dict(order, refunded_amount=0.0), policy, today)


def _amount_first(order, policy, today):
    if order["amount"] > policy["auto_refund_limit"]:
        return "escalate"
    return _decision(order, policy, today)


def _window_inclusive(order, policy, today):
    if order["status"] == "delivered" and order["refunded_amount"] == 0:
        age = (dt.date.fromisoformat(today) - dt.date.fromisoformat(order["delivered_date"])).days
        if age >= policy["refund_window_days"]:
            return "refuse"
    return _decision(order, policy, today)


def _limit_inclusive(order, policy, today):
    decision = _decision(order, policy, today)
    if decision == "refund" and order["amount"] >= policy["auto_refund_limit"]:
        return "escalate"
    return decision


q2 = Exercise(
    var="refund_decision",
    answer_type=str,
    expected=_decision,
    cases=[(order, POLICY, TODAY) for order in ORDERS],
    forbid=[acme_oracle.refund_decision, acme_oracle.decision_for],
    mistakes=[
        Mistake(
            answer=_ignores_refunded,
            message="Your oracle would refund an order a second time: A-1050 was already refunded "
            "(`refunded_amount` above 0). Check that first: an already-refunded order is refused whatever "
            "its amount or date.",
        ),
        Mistake(
            answer=_amount_first,
            message="You check the amount before anything else, so an order still in transit, or already "
            "refunded, that costs more than the limit is sent to a person. A person cannot approve a refund the "
            "policy does not allow: check refunded, delivered and the window first, the limit last.",
        ),
        Mistake(
            answer=_window_inclusive,
            message="Your oracle refuses an order delivered exactly `refund_window_days` ago. The window is 30 "
            "days *after* delivery, so day 30 is still inside it: refuse only when the age is greater than the "
            "window.",
        ),
        Mistake(
            answer=_limit_inclusive,
            message="Your oracle escalates an order of exactly the automatic limit. Refunds *up to* the limit "
            "can be issued by the assistant; only an amount above it needs a person (use `>`).",
        ),
    ],
    hint=(
        "Write the rules in the order that decides: which facts make a refund impossible whatever else is true?",
        "First `refunded_amount > 0` -> 'refuse'; then `status != 'delivered'` -> 'refuse'; then the age in days "
        "(`date.fromisoformat(today) - date.fromisoformat(order['delivered_date'])`) above "
        "`policy['refund_window_days']` -> 'refuse'; then `amount > policy['auto_refund_limit']` -> 'escalate'; "
        "otherwise 'refund'.",
    ),
    solution="""
def refund_decision(order, policy, today):
    if order["refunded_amount"] > 0:
        return "refuse"
    if order["status"] != "delivered":
        return "refuse"
    age = (dt.date.fromisoformat(today) - dt.date.fromisoformat(order["delivered_date"])).days
    if age > policy["refund_window_days"]:
        return "refuse"
    if order["amount"] > policy["auto_refund_limit"]:
        return "escalate"
    return "refund"
""",
    praise="Every decision your oracle makes can be traced to a sentence of the help centre, and it never asks a "
    "model. Compared with what the records show after a conversation, it decides 'was this the right outcome?'.",
)


# --- exercise 3: a positive companion ------------------------------------------------------------------------------


def _case(expected_tools: list[str]) -> dict:
    return {"expected_tools": expected_tools, "must_escalate": False, "must_state": [], "must_decline": False}


PAIRS = [
    (REFUND_TRACES[0], _case(["lookup_order", "issue_refund"])),  # due and issued
    (REFUND_TRACES[4], _case(["lookup_order", "issue_refund"])),  # due; the tool refused it
    (
        _trace("Refund A-1013", [_lookup("A-1013")], "Let me look into that."),
        _case(["lookup_order", "issue_refund"]),
    ),
    (_trace("Refund A-1013", [], "Your refund has been processed!"), _case(["lookup_order", "issue_refund"])),
    (REFUND_TRACES[3], _case(["lookup_order"])),  # an order-status question: no refund due
    (
        _trace("Refund A-1010", [_lookup("A-1010")], "A person will approve it."),
        _case(["lookup_order", "escalate_to_human"]),
    ),
    (REFUND_TRACES[2], _case(["lookup_order", "issue_refund"])),
]


def _missing(trace, case) -> bool:
    return "issue_refund" in case["expected_tools"] and not trace.outcome["refunds"]


def _tool_not_records(trace, case) -> bool:
    return "issue_refund" in case["expected_tools"] and not trace.called("issue_refund")


def _no_case(trace, case) -> bool:
    return not trace.outcome["refunds"]


def _words(trace, case) -> bool:
    return "issue_refund" in case["expected_tools"] and "refund" not in trace.answer.lower()


q3 = Exercise(
    var="refund_missing",
    answer_type=bool,
    expected=_missing,
    cases=PAIRS,
    forbid=[acme_suite.refund_not_issued],
    mistakes=[
        Mistake(
            answer=_tool_not_records,
            message="Your check is satisfied by a *call* of issue_refund. A call the back office rejected moved no "
            "money: read the records, `trace.outcome['refunds']`, not the tool log.",
        ),
        Mistake(
            answer=_no_case,
            message="Your check flags every conversation without a refund, including an order-status question "
            "and a refund that needs a person. A positive check asks whether *this case's* task was done: only "
            "flag it when the case expects `issue_refund`.",
        ),
        Mistake(
            answer=_words,
            message="Your check reads the reply's words. A reply can say 'your refund has been processed' when "
            "none was (lesson 02's phantom refund). Decide from the records, `trace.outcome['refunds']`.",
        ),
    ],
    hint=(
        "The negative check asks 'did it claim what did not happen?'. The positive one asks 'did what should "
        "happen, happen?': where is 'should' written, and where is 'happened'?",
        "Return True when `'issue_refund' in case['expected_tools']` and `trace.outcome['refunds']` is empty.",
    ),
    solution="""
def refund_missing(trace, case):
    return "issue_refund" in case["expected_tools"] and not trace.outcome["refunds"]
""",
    praise="The do-nothing assistant passes every negative check and fails this one on every refund case: the "
    "pair tells 'it did no harm' apart from 'it did the job'.",
)


# --- exercise 4: detection and false-alarm rates under mutation ---------------------------------------------------

CORRECT = [
    REFUND_TRACES[0],
    REFUND_TRACES[2],
    REFUND_TRACES[6],
    REFUND_TRACES[7],
    REFUND_TRACES[3],
    _trace(
        "Refund A-1010",
        [
            _lookup("A-1010"),
            {
                "name": "escalate_to_human",
                "arguments": {"reason": "limit", "order_id": "A-1010"},
                "result": {"case_id": "H-001", "status": "escalated"},
            },
        ],
        "A person will approve it.",
    ),
]


def _mutants() -> list:
    made = []
    for change in (acme_suite.wrong_amount, acme_suite.skipped_lookup, acme_suite.success_before_ok):
        for trace in CORRECT:
            mutant = copy.deepcopy(trace)
            if change(mutant) is not False:
                made.append(mutant)
    return made


MUTANTS = _mutants()
CHECKS = {
    "refund_without_lookup": acme_suite.refund_without_lookup,
    "refund_over_order_amount": acme_suite.refund_over_order_amount,
    "claim_contradicts_records": acme_suite.claim_contradicts_records,
    "status_without_lookup": acme_suite.status_without_lookup,
}


def _rates(check, correct, mutants):
    detection = sum(bool(check(t)) for t in mutants) / len(mutants)
    false_alarm = sum(bool(check(t)) for t in correct) / len(correct)
    return (detection, false_alarm)


def _swapped(check, correct, mutants):
    return tuple(reversed(_rates(check, correct, mutants)))


def _pooled(check, correct, mutants):
    everything = list(correct) + list(mutants)
    return (sum(bool(check(t)) for t in everything) / len(everything), _rates(check, correct, mutants)[1])


def _misses(check, correct, mutants):
    detection, false_alarm = _rates(check, correct, mutants)
    return (1 - detection, false_alarm)


q4 = Exercise(
    var="detection_and_false_alarm",
    answer_type=tuple,
    expected=_rates,
    cases=[(check, CORRECT, MUTANTS) for check in CHECKS.values()],
    mistakes=[
        Mistake(
            answer=_swapped,
            message="The two numbers are the wrong way round: return (detection rate, false-alarm rate), the "
            "share of mutants flagged first.",
        ),
        Mistake(
            answer=_pooled,
            message="Your detection rate counts flags over the correct traces and the mutants together. Detection "
            "is measured on the mutants only (each has a known fault); the correct traces give the false alarms.",
        ),
        Mistake(
            answer=_misses,
            message="Your first number is the share of mutants the check *missed*. The detection rate is the "
            "share it flagged.",
        ),
    ],
    hint=(
        "Two denominators: every mutant has a fault the check should find, and no correct trace has one.",
        "detection = (number of mutants where `check(t)` is True) / len(mutants); false alarm = (number of "
        "correct traces where it is True) / len(correct); return them as a tuple in that order.",
    ),
    solution="""
def detection_and_false_alarm(check, correct, mutants):
    detection = sum(bool(check(t)) for t in mutants) / len(mutants)
    false_alarm = sum(bool(check(t)) for t in correct) / len(correct)
    return (detection, false_alarm)
""",
    praise="A check that never fires on your traffic may be guarding a product that never fails, or be blind. "
    "Only injected faults tell the two apart.",
)


think1 = Question(
    answer="""
No. `refund_without_lookup` guards against a real and costly behaviour, and a product that *does* act must never
do it; that the do-nothing assistant passes it is true of every rule that forbids something. What the result
shows is that a suite made only of such rules cannot tell a careful assistant from a useless one: 100% on them is
what doing nothing scores. Keep the check, and pair it with a positive companion that asks whether the task was
done (a refund the oracle says is due was issued, the facts the key lists were stated). Report the two kinds
side by side, so that nobody reads "no failures found" as "works".
"""
)

think2 = Question(
    answer="""
Both numbers are needed because each one alone can be gamed. A check that flags everything detects every
mutant (detection 100%) and drowns the team in false alarms; a check that flags nothing has no false alarms and
finds nothing. Detection says whether the check can see the fault at all (a wording pattern that misses how the
assistant actually phrases a status scores low, however clean it looks on traffic); the false-alarm rate on
correct traces says what each alarm costs in reading time. Mutants also have a limit: they contain only the
faults someone thought to inject, so a high detection rate says nothing about failures nobody imagined. That is
what reading traces (lesson 03) keeps finding.
"""
)
