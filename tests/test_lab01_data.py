"""Lab 01's fixed data must keep telling the story its exercises and "Think about it" answers rely on."""

from __future__ import annotations

from evalbook.course.quiz import parse_choice
from evalbook.exercises import lab01


def test_the_replies_include_unreadable_and_reworded_answers():
    choices = [parse_choice(reply) for reply in lab01.REPLIES["reply"]]
    assert len(lab01.REPLIES) == 40 and lab01.REPLIES["question_id"].is_unique
    assert sum(choice is None for choice in choices) >= 3  # the "drop unreadable" mistake must differ
    reworded = [r for r, c in zip(lab01.REPLIES["reply"], choices, strict=True) if c and r.strip() != c]
    assert len(reworded) >= 5  # the "compare raw text" mistake must differ


def test_model_a_wins_on_compliance_and_loses_on_cost():
    compliance = lab01.CLAIMS[["model_a", "model_b"]].eq(lab01.CLAIMS["correct_decision"], axis=0).mean()
    assert compliance["model_a"] > compliance["model_b"]
    cost_a = lab01.q2.expected(lab01.CORRECT, lab01.MODEL_A, lab01.COSTS)
    cost_b = lab01.q2.expected(lab01.CORRECT, lab01.MODEL_B, lab01.COSTS)
    assert cost_a > 2 * cost_b
    # ... and still with the dearer review fee the lab asks the learner to try (the solution says the ranking
    # holds while the gap narrows, because model B escalates more often)
    high_a = lab01.q2.expected(lab01.CORRECT, lab01.MODEL_A, lab01.HIGH_REVIEW_COSTS)
    high_b = lab01.q2.expected(lab01.CORRECT, lab01.MODEL_B, lab01.HIGH_REVIEW_COSTS)
    assert high_a > high_b
    assert high_a - high_b < cost_a - cost_b
    assert lab01.MODEL_B.count("escalate") > lab01.MODEL_A.count("escalate")


def test_the_flip_cases_are_the_claims_that_needed_a_human_and_model_b_escalated_them():
    flips = lab01.CLAIMS[lab01.CLAIMS["claim_id"].isin(lab01.q3.expected_result())]
    assert len(flips) >= 3
    assert (flips["correct_decision"] == "escalate").all() and (flips["model_b"] == "escalate").all()
    assert (flips["model_a"] != "escalate").all()
    # one of model A's mistakes is cheaper than model B's decision, so "all of A's mistakes" is a wrong answer
    a_wrong = set(lab01.CLAIMS.loc[lab01.CLAIMS["model_a"] != lab01.CLAIMS["correct_decision"], "claim_id"])
    assert a_wrong > set(flips["claim_id"])


def test_escalation_accuracy_ties_while_costs_differ():
    """The second "Think about it" asks why one number agrees while the other differs."""
    results = lab01.q4.expected_result()
    assert results[0] == results[1]
    pairs = {
        name: list(zip(lab01.CORRECT, decided, strict=True))
        for name, decided in (("a", lab01.MODEL_A), ("b", lab01.MODEL_B))
    }
    missed = {name: sum(c == "escalate" != d for c, d in p) for name, p in pairs.items()}
    unneeded = {name: sum(d == "escalate" != c for c, d in p) for name, p in pairs.items()}
    assert missed["b"] == 0 and unneeded["b"] > 0  # model B errs only towards caution
    assert missed["a"] > 0  # model A misses escalations
