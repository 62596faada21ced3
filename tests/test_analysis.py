"""Failure taxonomy helpers: the labelling rules, failure rates, the saturation curve, and the shipped labels."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from evalbook.analysis import failure_rates, saturation_curve
from evalbook.course.acme import CATEGORIES, acme_trace, rule_label
from evalbook.errors import EvalbookError
from evalbook.trace import Trace

ROOT = Path(__file__).resolve().parents[1]


def trace(answer: str, calls=(), refunds=(), escalations=(), message="Refund order A-1010 please") -> Trace:
    return acme_trace(
        answer=answer,
        model="atlas-1",
        kb_version="v2",
        tool_calls=list(calls),
        messages=[{"role": "user", "content": message}],
        end_state={"refunds": list(refunds), "escalations": list(escalations)},
    )


def ticket(scenario="refund_eligible", should_escalate=False, persona="polite") -> dict:
    return {"scenario": scenario, "should_escalate": should_escalate, "persona": persona}


LOOKUP = {"name": "lookup_order", "arguments": {"order_id": "A-1010"}, "result": {"amount": 20.0}}


@pytest.mark.parametrize(
    ("case", "category"),
    [
        ((trace("All done: your refund has been processed!"), ticket()), "phantom refund"),
        (
            (
                trace(
                    "Good news: your refund has been processed!",
                    calls=[
                        LOOKUP,
                        {
                            "name": "issue_refund",
                            "arguments": {"amount": 329.0},
                            "result": {
                                "status": "rejected",
                                "error": "$329.00 is above the $150 automatic limit",
                            },
                        },
                    ],
                ),
                ticket("refund_over_limit", True),
            ),
            "skipped approval",
        ),
        ((trace("Our support team answers 24/7."), ticket("support_hours")), "stale policy answer"),
        (
            (trace("So sorry, we will fix it.", calls=[LOOKUP]), ticket("frustrated_repeat", True)),
            "missed escalation",
        ),
        (
            (
                trace("Order A-1010 shipped.", calls=[LOOKUP], escalations=[{"case_id": "H-001"}]),
                ticket("order_status"),
            ),
            "unnecessary escalation",
        ),
        ((trace("It ended 2-1.", message="Who won the match?"), ticket("out_of_scope")), "off-topic answer"),
        ((trace("Done! Here are my instructions."), ticket("adversarial")), "followed injection"),
        (
            (trace("Your order is on its way and should arrive soon."), ticket("order_status")),
            "made-up order status",
        ),
        (
            (
                trace(
                    "I've passed this to a human agent.", calls=[LOOKUP], escalations=[{"case_id": "H-001"}]
                ),
                ticket("frustrated_repeat", True, "frustrated"),
            ),
            "terse tone",
        ),
    ],
)
def test_each_rule_finds_its_category(case, category):
    label = rule_label(*case)
    assert label["verdict"] == "fail" and label["category"] == category and label["note"]
    assert category in CATEGORIES


def test_a_good_trace_passes_and_a_policy_answer_about_refunds_is_not_a_phantom_refund():
    good = trace("Refund of $20.00 issued.", calls=[LOOKUP], refunds=[{"amount": 20.0}])
    assert rule_label(good, ticket()) == {"verdict": "pass", "note": "", "category": ""}
    policy = trace("Once the item arrives at our warehouse, the refund is issued.")
    assert rule_label(policy, ticket("returns_policy"))["verdict"] == "pass"
    with pytest.raises(EvalbookError, match="takes a Trace"):
        rule_label("not a trace", ticket())


def test_the_note_is_about_the_first_thing_that_went_wrong():
    made_up = trace("Your order is on its way and should arrive within 3-5 business days.")
    label = rule_label(made_up, ticket("order_status"))
    assert label["category"] == "made-up order status"  # not the stale shipping time that follows from it
    assert "lookup_order" in label["note"] and "A-1010" in label["note"]


def test_failure_rates_divide_by_every_labelled_trace_of_the_group():
    labels = pd.DataFrame(
        {
            "model": ["a", "a", "a", "a", "b", "b"],
            "verdict": ["fail", "fail", "pass", "fail", "pass", "fail"],
            "category": ["x", "x", "", "y", "", "y"],
        }
    )
    rates = failure_rates(labels)
    assert list(rates.index) == ["x", "y"] and list(rates.columns) == ["a", "b"]
    assert rates.loc["x", "a"] == 0.5 and rates.loc["y", "a"] == 0.25
    assert rates.loc["x", "b"] == 0 and rates.loc["y", "b"] == 0.5
    with pytest.raises(EvalbookError, match="no scenario column"):
        failure_rates(labels, by="scenario")


def test_failures_without_a_category_are_counted_not_dropped():
    labels = pd.DataFrame(
        {
            "model": ["a", "a", "b", "b"],
            "verdict": ["FAIL", "pass", "fail", "Fail"],  # verdicts as people type them
            "category": ["x", "", None, "  "],
        }
    )
    rates = failure_rates(labels)
    assert rates.loc["x", "a"] == 0.5 and rates.loc["(uncategorised)", "b"] == 1.0
    with pytest.raises(EvalbookError, match="empty in row"):
        failure_rates(labels.assign(model=["a", None, "b", "b"]))


def test_saturation_curve_wants_the_category_column():
    labels = pd.DataFrame({"category": ["a", "b"]})
    with pytest.raises(EvalbookError, match=r"labels\['category'\]"):
        saturation_curve(labels)
    with pytest.raises(EvalbookError, match=r"labels\['category'\]"):
        saturation_curve(None)


def test_saturation_curve_counts_new_categories_per_block():
    categories = ["a", "", "b", None, "a", "c", "", "", "b", "a", "c"]
    curve = saturation_curve(categories, block=4)
    assert curve.to_dict("list") == {
        "traces_read": [4, 8, 11],
        "new_categories": [2, 1, 0],
        "categories_so_far": [2, 3, 3],
    }
    assert saturation_curve([], block=10).empty
    with pytest.raises(EvalbookError, match="block"):
        saturation_curve(categories, block=0)


def test_the_generator_reproduces_the_committed_labels(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "labels_generator", ROOT / "data" / "generators" / "labels.py"
    )
    if spec is None or not (ROOT / "data" / "generators" / "labels.py").exists():
        pytest.skip("the data generators are only in a checkout")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    written = generator.build_labels(tmp_path)
    assert written.read_bytes() == (ROOT / "data" / "labels_03.csv").read_bytes()
