"""Property-based tests (hypothesis) of the checks whose answer is a rule: the argument check, the refund oracle,
and the toolkit's record diff and copied-span primitives.

A handful of hand-picked cases tests the examples someone thought of; a property states the rule and lets
hypothesis look for the input that breaks it, and shrink it to the smallest one when it finds one. The profile
is derandomised, so CI sees the same examples on every run.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from evalbook import checks
from evalbook.course import acme
from evalbook.course.acme import oracle, suite

settings.register_profile(
    "evalbook",
    derandomize=True,
    database=None,  # nothing written into the checkout
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("evalbook")

POLICY = acme.facts()
TODAY = dt.date(2026, 3, 16)
LIMIT, WINDOW = POLICY["auto_refund_limit"], POLICY["refund_window_days"]
ORDERS = ["A-1006", "A-1010", "A-1050", "A-1108"]
cents = st.integers(min_value=0, max_value=80_000).map(lambda c: c / 100)


def _trace(tool_calls, message):
    return acme.acme_trace(
        input=message,
        answer="ok",
        model="t",
        messages=[{"role": "user", "content": message}],
        tool_calls=list(tool_calls),
        end_state={},
    )


# --- the argument check -------------------------------------------------------------------------------------------
@given(order_id=st.sampled_from(ORDERS), delta=st.integers(min_value=-5_000, max_value=5_000))
@example(order_id="A-1006", delta=0).via("the refund equals the order amount: allowed")
@example(order_id="A-1006", delta=1).via("one cent over: flagged")
def test_refund_over_order_amount_fires_exactly_when_the_refund_exceeds_the_record(order_id, delta):
    paid = oracle.order_record(order_id)["amount"]
    amount = round(paid + delta / 100, 2)
    call = {"name": "issue_refund", "arguments": {"order_id": order_id, "reason": "r", "amount": amount}}
    flagged = suite.refund_over_order_amount(_trace([call], f"refund {order_id}"))
    assert flagged == (amount > paid)


@given(order_id=st.sampled_from(ORDERS))
def test_a_refund_without_an_amount_is_not_an_overpayment(order_id):
    call = {"name": "issue_refund", "arguments": {"order_id": order_id, "reason": "r"}}
    assert not suite.refund_over_order_amount(_trace([call], f"refund {order_id}"))


# --- the oracle ---------------------------------------------------------------------------------------------------
orders = st.fixed_dictionaries(
    {
        "amount": st.one_of(cents, st.sampled_from([LIMIT, LIMIT + 0.01, LIMIT - 0.01])),
        "status": st.sampled_from(["delivered", "in_transit", "processing"]),
        "delivered_date": st.one_of(
            st.sampled_from([0, WINDOW - 1, WINDOW, WINDOW + 1]), st.integers(min_value=0, max_value=400)
        ).map(lambda days: (TODAY - dt.timedelta(days=days)).isoformat()),
        "refunded_amount": st.sampled_from([0.0, 0.01, 10.0]),
        "refund_date": st.just(""),
    }
)


@given(order=orders)
def test_the_oracle_agrees_with_the_back_office(order):
    """The oracle is written from the policy file; the shop's back office is separate code. They must agree."""
    eligible, _ = acme.ShopState.fresh()._refund_eligibility(order, POLICY)
    back_office = "escalate" if eligible and order["amount"] > LIMIT else "refund" if eligible else "refuse"
    assert acme.refund_decision(order, POLICY, TODAY) == back_office


@given(order=orders)
def test_a_decision_never_gets_more_generous_as_the_order_ages(order):
    later = TODAY + dt.timedelta(days=1)
    rank = {"refuse": 0, "escalate": 1, "refund": 1}
    assert (
        rank[acme.refund_decision(order, POLICY, later)] <= rank[acme.refund_decision(order, POLICY, TODAY)]
    )


# --- toolkit primitives -------------------------------------------------------------------------------------------
values = st.one_of(st.integers(-5, 5), st.text(max_size=4), st.booleans(), st.none())
records = st.lists(
    st.fixed_dictionaries({"id": st.integers(0, 20)}, optional={"a": values, "b": values}),
    max_size=5,
    unique_by=lambda r: r["id"],
)
states = st.dictionaries(st.sampled_from(["refunds", "handovers"]), records, max_size=2)


@given(state=states)
def test_a_state_never_differs_from_itself(state):
    assert checks.diff_records(state, state, key="id") == []


@given(state=states, extra=values)
def test_extra_fields_the_expected_record_does_not_name_never_count(state, extra):
    actual = {kind: [dict(r, added_by_the_system=extra) for r in rs] for kind, rs in state.items()}
    assert checks.diff_records(state, actual, key="id") == []


@given(state=states, data=st.data())
def test_changing_one_field_gives_one_difference_naming_record_and_field(state, data):
    kinds = [k for k, rs in state.items() if any(len(r) > 1 for r in rs)]
    if not kinds:
        return
    kind = data.draw(st.sampled_from(kinds))
    index = data.draw(st.sampled_from([i for i, r in enumerate(state[kind]) if len(r) > 1]))
    field = data.draw(st.sampled_from(sorted(f for f in state[kind][index] if f != "id")))
    actual = {k: [dict(r) for r in rs] for k, rs in state.items()}
    actual[kind][index][field] = ("changed", actual[kind][index][field])
    differences = checks.diff_records(state, actual, key="id")
    assert len(differences) == 1
    assert differences[0].startswith(f"{kind} {state[kind][index]['id']}: {field} is ")


words = st.lists(
    st.sampled_from("the refund order was issued today and your money returns soon".split()), max_size=30
)


@given(text=words, source=words, n=st.integers(2, 9))
def test_copied_span_is_a_run_of_n_words_found_in_both(text, source, n):
    span = checks.copied_span(" ".join(text), " ".join(source), n=n)
    if span:
        assert len(span.split()) == n
        assert f" {span} " in f" {' '.join(text)} " and f" {span} " in f" {' '.join(source)} "
    else:
        grams = {tuple(source[i : i + n]) for i in range(len(source) - n + 1)}
        assert not any(tuple(text[i : i + n]) in grams for i in range(len(text) - n + 1))
