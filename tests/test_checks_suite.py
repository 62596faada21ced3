"""Lesson 05's toolkit additions (evalbook.checks, evalbook.stats.precision_recall) and Acme's suite and oracle."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import evalbook
from evalbook import checks, stats
from evalbook.course import acme
from evalbook.course.acme import oracle, suite
from evalbook.trace import Trace


def _trace(answer="ok", tool_calls=(), outcome=None, message="Refund A-1006 please"):
    return acme.acme_trace(
        input=message,
        answer=answer,
        model="t",
        messages=[{"role": "user", "content": message}],
        tool_calls=list(tool_calls),
        end_state=outcome or {},
    )


# --- diff_records -------------------------------------------------------------------------------------------------
def test_diff_records_names_the_record_and_the_field():
    expected = {"refunds": [{"order_id": "A-1", "amount": 10.0}]}
    assert (
        checks.diff_records(
            expected, {"refunds": [{"order_id": "A-1", "amount": 10.0, "id": "x"}]}, key="order_id"
        )
        == []
    )
    assert checks.diff_records(
        expected, {"refunds": [{"order_id": "A-1", "amount": 12.0}]}, key="order_id"
    ) == ["refunds A-1: amount is 12.0, expected 10.0"]
    assert checks.diff_records(expected, {}, key="order_id") == [
        "refunds: missing A-1 (order_id='A-1', amount=10.0)"
    ]
    extra = checks.diff_records({}, {"refunds": [{"order_id": "A-2"}]}, key="order_id")
    assert extra == ["refunds: unexpected A-2 (order_id='A-2')"]


def test_diff_records_says_when_a_record_lacks_the_key():
    with pytest.raises(evalbook.InputError, match="has no such field"):
        checks.diff_records({"refunds": [{"amount": 1}]}, {}, key="order_id")


# --- copied_span --------------------------------------------------------------------------------------------------
def test_copied_span_finds_long_runs_only():
    prompt = "You are Acme Assist, the customer support assistant of Acme, an online shop."
    assert checks.copied_span(
        "Here: you are acme assist the customer support assistant of acme!", prompt
    ) == ("you are acme assist the customer support assistant")
    assert checks.copied_span("I am the customer support assistant.", prompt) == ""
    with pytest.raises(evalbook.InputError):
        checks.copied_span("a", "b", n=1)


# --- checks that read the case ------------------------------------------------------------------------------------
def test_run_checks_passes_the_case_to_two_argument_checks():
    table = pd.DataFrame({"trace": [_trace(), _trace()], "expected": [True, False]})
    out = checks.run_checks(table, {"flag": lambda t, case: case["expected"], "never": lambda t: False})
    assert list(out["flag"]) == [True, False] and list(out["never"]) == [False, False]
    with pytest.raises(evalbook.InputError, match="reads the test case"):
        checks.run_checks([_trace()], {"flag": lambda t, case: True})


# --- mutation_report ----------------------------------------------------------------------------------------------
def test_mutation_report_counts_detections_and_false_alarms():
    traces = [_trace("a"), _trace("b"), _trace("c")]

    def blank(trace):
        if trace.answer == "c":
            return False  # does not apply
        trace.answer = ""

    report = checks.mutation_report(
        traces, {"blank": blank}, {"empty": lambda t: not t.answer, "c": lambda t: t.answer == "c"}
    )
    assert report.loc["blank", "mutants"] == 2 and report.loc["blank", "empty"] == 1.0
    assert report.loc["(no mutation)", "c"] == pytest.approx(1 / 3)
    assert [t.answer for t in traces] == ["a", "b", "c"]  # the originals are never touched


def test_failure_table_rates_and_intervals():
    table = pd.DataFrame(
        {"x": pd.array([True, False, False, pd.NA], dtype="boolean"), "g": ["a", "a", "b", "b"]}
    )
    out = checks.failure_table(table, ["x"])
    assert out.loc["x", "n"] == 3 and out.loc["x", "failed"] == 1  # the case without a verdict is not a pass
    low, high = stats.wilson_interval(1, 3)
    assert out.loc["x", "low"] == pytest.approx(low) and out.loc["x", "high"] == pytest.approx(high)
    assert checks.failure_table(table, ["x"], by="g").loc[("b", "x"), "n"] == 1


def test_precision_recall_matches_sklearn_and_names_empty_denominators():
    from sklearn.metrics import precision_score, recall_score

    truth = [True, True, False, False, True]
    flagged = [True, False, True, False, True]
    out = stats.precision_recall(truth_failed=truth, flagged_failed=flagged)
    assert out["precision"] == pytest.approx(precision_score(truth, flagged))
    assert out["recall"] == pytest.approx(recall_score(truth, flagged))
    assert (out["recall_low"], out["recall_high"]) == pytest.approx(stats.wilson_interval(2, 3))
    none = stats.precision_recall(truth_failed=[True, False], flagged_failed=[False, False])
    assert math.isnan(none["precision"]) and math.isnan(none["precision_low"])


# --- Acme's oracle and suite --------------------------------------------------------------------------------------
def test_the_oracle_agrees_with_the_back_office_on_every_order():
    state = acme.ShopState.fresh()
    for order_id in acme.load_orders()["order_id"]:
        info = state.lookup_order(order_id)
        back_office = (
            "escalate"
            if info["requires_human_approval"]
            else "refund"
            if info["refund_eligible"]
            else "refuse"
        )
        assert oracle.decision_for(order_id) == back_office, order_id


def test_the_oracle_boundaries():
    policy, today = acme.facts(), "2026-03-16"
    base = dict(
        oracle.order_record("A-1006"), amount=150.0, delivered_date="2026-02-14"
    )  # day 30, at the limit
    assert acme.refund_decision(base, policy, today) == "refund"
    assert acme.refund_decision(dict(base, delivered_date="2026-02-13"), policy, today) == "refuse"
    assert acme.refund_decision(dict(base, amount=150.01), policy, today) == "escalate"
    assert acme.refund_decision(dict(base, refunded_amount=5.0), policy, today) == "refuse"


def test_the_do_nothing_assistant_passes_every_negative_check_and_fails_positive_ones():
    cases = acme.load_golden().frame()
    idle = checks.run_checks(cases.assign(trace=[suite.do_nothing(m) for m in cases["message"]]), suite.SUITE)
    assert all(not idle[c.name].any() for c in suite.NEGATIVE)
    assert idle["refund_not_issued"].sum() == sum("issue_refund" in t for t in cases["expected_tools"])


def test_each_mutation_is_caught_by_a_check_and_leaves_the_original_alone():
    bot = acme.SupportBot("beacon-1", client=evalbook.client("sim"))
    refund = bot.run("Please refund order A-1006, it arrived broken.")
    assert refund.refunds_issued
    for name in ("wrong amount", "success claimed after a refusal"):
        mutant = checks.mutate(refund, suite.MUTATIONS[name])
        assert suite.claim_contradicts_records(mutant), name
    assert suite.refund_over_order_amount(checks.mutate(refund, suite.MUTATIONS["wrong amount"]))
    assert not suite.claim_contradicts_records(refund) and not suite.refund_over_order_amount(refund)
    ineligible = bot.run("Please refund order A-1001.")
    assert suite.refund_against_policy(
        checks.mutate(ineligible, suite.MUTATIONS["refund on an ineligible order"])
    )
    assert suite.MUTATIONS["wrong amount"](checks.mutate(ineligible, lambda t: None)) is False


def test_claims_vs_records_reads_amounts_handovers_and_ids():
    refund = {"refund_id": "R-1006-1", "order_id": "A-1006", "amount": 89.0}
    good = _trace("Refund of $89.00 issued for order A-1006 (R-1006-1).", outcome={"refunds": [refund]})
    assert suite.claims_vs_records(good) == []
    wrong = _trace("Refund of $99.00 issued for order A-1006.", outcome={"refunds": [refund]})
    assert suite.claims_vs_records(wrong) == ["states a refund of $99.00; the records show $89.00"]
    handover = _trace("I've passed this to a human agent (case H-004).")
    assert suite.claims_vs_records(handover) == [
        "says a person will take over, but no escalation was opened",
        "quotes H-004, which the records do not hold",
    ]


def test_the_schema_check_reads_the_declared_tool_schema():
    bad = _trace(tool_calls=[{"name": "issue_refund", "arguments": {"order_id": "A-1006", "amount": "89"}}])
    assert suite.arguments_break_schema(bad)
    good = _trace(tool_calls=[{"name": "issue_refund", "arguments": {"order_id": "A-1006", "amount": 89}}])
    assert not suite.arguments_break_schema(good)


def test_mentions_other_orders_ignores_example_numbers():
    assert not suite.mentions_other_orders(_trace("Your number looks like A-1234.", message="refund please"))
    assert suite.mentions_other_orders(_trace("Order A-1007 is on its way.", message="refund A-1006"))


def test_the_example_test_file_runs(tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite.example_tests_path())],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "EVALBOOK_MODE": "sim"},
        cwd=tmp_path,
    )
    assert "3 failed, 210 passed" in done.stdout, done.stdout[-2000:]


def test_trace_type_is_generic():
    assert issubclass(acme.AcmeTrace, Trace)


# The oracle against the back office on random orders, and the amount check at every cent: see
# tests/test_checks_properties.py (hypothesis).


def test_a_function_right_on_the_first_case_is_told_what_it_returned_on_the_other():
    from evalbook.exercises import lab05

    def refused(order, policy, today):
        return "refused" if order["order_id"] == "A-1001" else lab05._decision(order, policy, today)

    message = lab05.q2.grade(refused).message
    assert (
        "where it returns 'refused'" in message
        and "exactly one of 'refund', 'escalate' or 'refuse'" in message
    )


def test_lab05_traces_show_their_tool_calls():
    from evalbook.exercises import lab05

    assert "issue_refund" in lab05.REFUND_TRACES[1].summary()
