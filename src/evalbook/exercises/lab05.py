"""Exercises for lab 05 (``solutions/05_code_based_checks.ipynb``): code-based checks.

All data are fixed, so every check gives the same verdict in every mode:

* ``REFUND_TRACES``: nine conversations with their refund calls, written for this lab on the shop's real orders;
* ``ORDERS``: ten order records, eight from the shop's records and two written for this lab to sit exactly on the
  policy's boundaries (the refund window's last day, an amount at the automatic limit); the check also runs the
  learner's oracle under ``OTHER_POLICY``, another shop's numbers;
* ``POLICY`` and ``TODAY``: the current policy facts and the shop's fixed date;
* ``PAIRS``: seven (trace, case) pairs for the positive check;
* ``CORRECT``, ``MUTANTS`` and ``MUTANT_FAULTS``: six correct conversations, copies of them with one of the four
  ``FAULTS`` injected each, and the name of each mutant's fault.
"""

from __future__ import annotations

import copy
import datetime as dt
import json

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
    """An issue_refund call; ``status`` is "refunded" or the back office's reason for rejecting it."""
    arguments = {"order_id": order_id, "reason": reason}
    if amount is not None:
        arguments["amount"] = amount
    paid = amount if amount is not None else order_record(order_id)["amount"]
    result = (
        {"refund_id": f"R-{order_id[2:]}-1", "order_id": order_id, "amount": paid, "status": "refunded"}
        if status == "refunded"
        else {"status": "rejected", "error": status}
    )
    return {"name": "issue_refund", "arguments": arguments, "result": result}


def _lookup(order_id: str) -> dict:
    return {"name": "lookup_order", "arguments": {"order_id": order_id}, "result": order_record(order_id)}


def _messages(message: str, calls: list[dict], answer: str) -> list[dict]:
    """The conversation in the OpenAI format the assistant's logs use: each tool call and its result."""
    messages = [{"role": "user", "content": message}]
    for number, call in enumerate(calls, start=1):
        call_id = f"call_{number}"
        function = {"name": call["name"], "arguments": json.dumps(call["arguments"])}
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": call_id, "type": "function", "function": function}],
            }
        )
        messages.append({"role": "tool", "tool_call_id": call_id, "content": json.dumps(call["result"])})
    return [*messages, {"role": "assistant", "content": answer}]


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
        messages=_messages(message, calls, answer),
        tool_calls=calls,
        end_state={"refunds": refunds, "escalations": escalations},
    )


# --- exercise 1: a tool-argument check -----------------------------------------------------------------------------

REFUND_TRACES = [
    _trace("Refund A-1006 please", [_lookup("A-1006"), _refund("A-1006", 89.0)]),  # the full amount
    # a lenient back office paid $20 more than the order's $89
    _trace("Refund A-1006 please", [_lookup("A-1006"), _refund("A-1006", 109.0)]),
    _trace("Refund A-1013", [_lookup("A-1013"), _refund("A-1013")]),  # no amount: the order total
    _trace(
        "Where is A-1007?",
        [_lookup("A-1007")],
        "Your order A-1007 is on its way with SwiftShip (N410607195).",
    ),
    _trace(
        "Partial refund for A-1010, $160",
        [_lookup("A-1010"), _refund("A-1010", 160.0, status="$160.00 is above the $150 automatic limit.")],
        "That refund needs a person's approval.",
    ),  # above the automatic limit, below the order's $329
    _trace(
        "Refund A-1006 and A-1042",
        [_lookup("A-1006"), _refund("A-1006", 50.0), _lookup("A-1042"), _refund("A-1042", 35.0)],
    ),  # the second is above its order's $29.50
    _trace("Refund A-1039", [_lookup("A-1039"), _refund("A-1039", 18.0)]),  # exactly the order total
    _trace("Refund A-1013, half", [_lookup("A-1013"), _refund("A-1013", 44.5)]),
    _trace(
        "Refund A-1027, $130",
        [
            _lookup("A-1027"),
            _refund("A-1027", 130.0, status="Amount must be at most the order total $108.00."),
        ],
        "I couldn't issue that refund.",
    ),  # asked for more than the $108 paid; the back office refused, so the records show nothing
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


def _from_records(trace) -> bool:
    return any(r["amount"] > order_record(r["order_id"])["amount"] for r in trace.outcome.get("refunds", []))


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
            answer=_from_records,
            message="Your check reads the refunds in the records (or the tool's result). The question is what the "
            "assistant *asked* for: a request for $130 on a $108 order is a failure even when the back office "
            "refuses it and nothing is paid. Read `call['arguments']`.",
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
    praise="A check on the arguments judges what the assistant asked for, whatever the tool then did: in the "
    "second conversation a lenient back office paid $109 on an $89 order, in the last one it refused.",
)


# --- exercise 2: the refund oracle ---------------------------------------------------------------------------------


def _boundary(order_id: str, amount: float, delivered: str) -> dict:
    """An order written for this lab: ordered five days and shipped four days before it was delivered."""
    day = dt.date.fromisoformat(delivered)
    return dict(
        order_record("A-1006"),
        order_id=order_id,
        amount=amount,
        order_date=(day - dt.timedelta(days=5)).isoformat(),
        shipped_date=(day - dt.timedelta(days=4)).isoformat(),
        delivered_date=delivered,
    )


_LAST_DAY = (dt.date.fromisoformat(TODAY) - dt.timedelta(days=POLICY["refund_window_days"])).isoformat()
ORDERS = [
    order_record(order_id)
    for order_id in ("A-1006", "A-1010", "A-1001", "A-1034", "A-1050", "A-1007", "A-1008", "A-1002")
] + [
    _boundary("X-0001", 89.0, _LAST_DAY),  # delivered exactly refund_window_days ago
    _boundary("X-0002", float(POLICY["auto_refund_limit"]), "2026-03-10"),  # exactly the automatic limit
]
# Another shop's policy, for the check only: an oracle must read the policy it is given, not Acme's numbers.
OTHER_POLICY = dict(POLICY, refund_window_days=14, auto_refund_limit=100)


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


def _decision_words(got, want) -> str | None:
    if isinstance(got, str) and got not in ("refund", "escalate", "refuse"):
        return f"it returns {got!r}; the oracle's answer is exactly one of 'refund', 'escalate' or 'refuse'."
    return None


def _real_today(order, policy, today):
    return _decision(order, policy, dt.date.today().isoformat())


def _from_order_date(order, policy, today):
    moved = dict(order, delivered_date=order["order_date"]) if order["status"] == "delivered" else order
    return _decision(moved, policy, today)


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
    cases=[(order, POLICY, TODAY) for order in ORDERS]
    + [(order_record(order_id), OTHER_POLICY, TODAY) for order_id in ("A-1013", "A-1027", "A-1028")],
    diagnose=_decision_words,
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
            answer=_real_today,
            message="Your oracle reads the computer's date (`date.today()`), so it refuses every order: Acme's data "
            "are seen from a fixed day. Use the `today` argument, which the check passes (the shop's date).",
        ),
        Mistake(
            answer=_from_order_date,
            message="You count the days from the order date. The refund window runs from *delivery*: use "
            "`order['delivered_date']`.",
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
    (
        _trace(
            "Refund A-1013",
            [_lookup("A-1013"), _refund("A-1013", status="The payment provider declined the refund.")],
            "I'm sorry, the refund did not go through.",
        ),
        _case(["lookup_order", "issue_refund"]),
    ),  # due; the tool refused it
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
            answer=lambda trace, case: (
                "issue_refund" in case["expected_tools"] and bool(trace.outcome["refunds"])
            ),
            message="Your check returns True when the refund *was* issued. In evalbook a check returns True when it "
            "found the failure: here, a refund that is due and missing.",
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
        "Two conditions, both true: the case's expected tools include issue_refund, and the list of refunds in "
        "the trace's outcome is empty.",
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


FAULTS = {
    "wrong amount": acme_suite.wrong_amount,
    "no lookup before a refund": acme_suite.skipped_lookup_refund,
    "no lookup before a status": acme_suite.skipped_lookup_status,
    "success claimed after a refusal": acme_suite.success_before_ok,
}


def _mutants() -> tuple[list, list]:
    """Each fault applied to a copy of every correct conversation it applies to (a conversation with no refund
    cannot get a wrong amount), with the fault's name beside each mutant."""
    made, names = [], []
    for name, change in FAULTS.items():
        for trace in CORRECT:
            mutant = copy.deepcopy(trace)
            if change(mutant) is not False:
                made.append(mutant)
                names.append(name)
    return made, names


MUTANTS, MUTANT_FAULTS = _mutants()
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
            answer=lambda check, correct, mutants: (
                sum(bool(check(t)) for t in mutants),
                sum(bool(check(t)) for t in correct),
            ),
            message="Those are counts. Divide each by its own total: the mutants for the detection rate, the "
            "correct conversations for the false-alarm rate.",
        ),
        Mistake(
            answer=lambda check, correct, mutants: tuple(100 * v for v in _rates(check, correct, mutants)),
            message="Those look like percentages. Give each rate as a fraction between 0 and 1.",
        ),
        Mistake(
            answer=_misses,
            message="Your first number is the share of mutants the check *missed*. The detection rate is the "
            "share it flagged.",
        ),
    ],
    hint=(
        "Two denominators: every mutant has a fault the check should find, and no correct trace has one.",
        "Count the mutants the check flags and divide by how many mutants there are; do the same over the "
        "correct conversations; return the two shares as a tuple, detection first.",
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
