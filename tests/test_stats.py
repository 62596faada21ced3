"""evalbook.stats: each function against a library or a worked example, and the one pass/fail convention."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest
from sklearn.metrics import cohen_kappa_score, roc_auc_score

from evalbook import EvalbookError, stats
from evalbook.errors import InputError

# --- Wilson interval -----------------------------------------------------------------------------------------


def _wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (41, 110), (1, 1)])
def test_wilson_interval_is_the_closed_form_and_scipys(k, n):
    low, high = stats.wilson_interval(k, n)
    assert (low, high) == pytest.approx(_wilson_by_hand(k, n), abs=1e-9)
    ci = binomtest(k, n).proportion_ci(method="wilson")
    assert (low, high) == pytest.approx((ci.low, ci.high))
    assert 0 <= low <= k / n <= high <= 1


def test_wilson_interval_keeps_a_width_at_zero_and_shrinks_with_n():
    low, high = stats.wilson_interval(0, 20)
    assert low == pytest.approx(0, abs=1e-12) and high > 0.1  # the textbook interval would be [0, 0]
    widths = [stats.interval_width(n, 0.3) for n in (25, 100, 400)]
    assert widths[0] > widths[1] > widths[2]
    assert widths[1] / widths[2] == pytest.approx(2, rel=0.1)  # width goes as 1/sqrt(n)


@pytest.mark.parametrize(
    ("k", "n", "fragment"), [(3, 0, "at least 1"), (11, 10, "from 0 to n=10"), (-1, 5, "0 to")]
)
def test_wilson_interval_rejects_impossible_counts(k, n, fragment):
    with pytest.raises(EvalbookError, match=fragment):
        stats.wilson_interval(k, n)


# --- the pass/fail convention --------------------------------------------------------------------------------


def test_rate_ci_returns_the_rate_of_what_was_named():
    failed = [True, False, False, False]
    assert stats.rate_ci(failed=failed)[0] == 0.25
    assert stats.rate_ci(passed=failed)[0] == 0.25  # the same flags read as passes: the pass rate
    assert stats.rate_ci(passed=[not f for f in failed])[0] == 0.75
    rate, low, high = stats.rate_ci(failed=failed)
    assert (low, high) == pytest.approx(stats.wilson_interval(1, 4))
    passed_rate, p_low, p_high = stats.rate_ci(passed=[not f for f in failed])
    assert passed_rate == 1 - rate and (p_low, p_high) == pytest.approx((1 - high, 1 - low))


@pytest.mark.parametrize("kwargs", [{}, {"failed": [True], "passed": [False]}])
def test_exactly_one_of_failed_and_passed(kwargs):
    with pytest.raises(EvalbookError, match="exactly one of failed=.* or passed="):
        stats.rate_ci(**kwargs)


def test_outcomes_refuse_missing_values_and_labels_and_accept_numpy_and_pandas():
    with pytest.raises(EvalbookError, match="missing value"):
        stats.rate_ci(failed=[True, None])
    with pytest.raises(EvalbookError, match="only True/False"):
        stats.rate_ci(failed=["fail", "pass"])
    with pytest.raises(TypeError, match="list .* of True/False"):
        stats.rate_ci(failed="fail")
    assert stats.rate_ci(failed=pd.Series([1, 0]))[0] == 0.5
    assert stats.rate_ci(failed=np.array([True, True, False]))[0] == pytest.approx(2 / 3)


def test_accuracy_ci_is_the_pass_rate_of_correct_answers():
    correct = [True] * 8 + [False] * 2
    assert stats.accuracy_ci(correct) == pytest.approx(stats.rate_ci(passed=correct))
    with pytest.raises(EvalbookError, match="no outcomes"):
        stats.accuracy_ci([])
    with pytest.raises(EvalbookError, match="between 0 and 1"):
        stats.accuracy_ci(correct, confidence=95)


# --- AUC -----------------------------------------------------------------------------------------------------

FAILED = [True, False, True, False, False]
RISK = [0.9, 0.1, 0.8, 0.3, 0.2]  # higher = more alarming: separates perfectly


def test_auc_is_sklearns_and_respects_the_direction():
    assert stats.auc(RISK, failed=FAILED, higher_means_failure=True) == pytest.approx(1.0)
    similarity = [1 - r for r in RISK]  # the same information as a quality score: low is the alarm
    assert stats.auc(similarity, failed=FAILED, higher_means_failure=False) == pytest.approx(1.0)
    assert stats.auc(similarity, failed=FAILED, higher_means_failure=True) == pytest.approx(0.0)
    mixed = [0.2, 0.5, 0.9, 0.1, 0.7]
    assert stats.auc(mixed, failed=FAILED, higher_means_failure=True) == pytest.approx(
        roc_auc_score(FAILED, mixed)
    )
    passed = [not f for f in FAILED]
    assert stats.auc(mixed, passed=passed, higher_means_failure=True) == stats.auc(
        mixed, failed=FAILED, higher_means_failure=True
    )


def test_auc_of_a_constant_score_is_chance_and_booleans_work_as_scores():
    assert stats.auc([3.0] * 5, failed=FAILED, higher_means_failure=True) == pytest.approx(0.5)
    assert stats.auc(
        [True, False, False, False], failed=[1, 0, 1, 0], higher_means_failure=True
    ) == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("failed", "scores", "fragment"),
    [
        ([True, True], [0.1, 0.2], "Every one of the 2 cases failed"),
        ([False, False], [0.1, 0.2], "Every one of the 2 cases passed"),
        ([True, False], [0.1], "same length"),
        ([True, False], [0.1, float("nan")], "NaN"),
        (["fail", "pass"], [0.1, 0.2], "True/False"),
        ([True, False], ["high", "low"], "list of numbers"),
    ],
)
def test_auc_rejects_bad_input_with_a_clear_message(failed, scores, fragment):
    with pytest.raises(EvalbookError, match=fragment):
        stats.auc(scores, failed=failed, higher_means_failure=True)


def test_auc_makes_you_say_which_way_the_score_points():
    with pytest.raises(TypeError):
        stats.auc(RISK, failed=FAILED)  # no default on purpose: BLEU and perplexity point opposite ways
    with pytest.raises(EvalbookError, match="True .* or False"):
        stats.auc(RISK, failed=FAILED, higher_means_failure="up")
    with pytest.raises(TypeError):
        stats.auc(FAILED, RISK, higher_means_failure=True)  # the outcomes are never positional


def test_auc_orders_infinite_scores_like_any_other():
    failed = [0, 1, 1, 0, 1]
    scores = [3.0, math.inf, 7.0, 1.0, 2.0]  # a perplexity can be infinite
    finite = [3.0, 100.0, 7.0, 1.0, 2.0]  # the same order with a large finite value
    assert stats.auc(scores, failed=failed, higher_means_failure=True) == roc_auc_score(failed, finite)
    assert stats.auc(scores, failed=failed, higher_means_failure=False) == roc_auc_score(
        failed, [-x for x in finite]
    )
    with pytest.raises(EvalbookError, match="empty"):
        stats.auc([], failed=[], higher_means_failure=True)


# --- agreement -----------------------------------------------------------------------------------------------


def test_agreement_counts_a_worked_example_with_failure_as_the_positive_class():
    # 10 cases: 4 real failures, of which the check flags 3; of 6 passes it flags 1.
    truth = [True, True, True, True, False, False, False, False, False, False]
    flagged = [True, True, True, False, True, False, False, False, False, False]
    result = stats.agreement(truth_failed=truth, flagged_failed=flagged)
    assert (result["tp"], result["fn"], result["tn"], result["fp"]) == (3, 1, 5, 1)
    assert result["tpr"] == 0.75 and result["tnr"] == pytest.approx(5 / 6)
    assert result["precision"] == 0.75 and result["accuracy"] == 0.8
    # kappa by hand: observed 0.8; chance = 0.4*0.4 + 0.6*0.6 = 0.52
    assert result["kappa"] == pytest.approx((0.8 - 0.52) / (1 - 0.52))
    assert result["kappa"] == pytest.approx(cohen_kappa_score(truth, flagged))


def test_agreement_says_nan_when_there_is_nothing_to_catch():
    result = stats.agreement(truth_failed=[False, False], flagged_failed=[True, False])
    assert math.isnan(result["tpr"]) and result["tnr"] == 0.5
    perfect = stats.agreement(truth_failed=[False, False], flagged_failed=[False, False])
    assert perfect["kappa"] == 1.0 and math.isnan(perfect["precision"])


def test_agreement_needs_named_aligned_verdicts():
    with pytest.raises(EvalbookError, match="3 verdicts but flagged_failed has 2"):
        stats.agreement(truth_failed=[True, False, True], flagged_failed=[True, False])
    with pytest.raises(TypeError):
        stats.agreement([True], [True])  # keyword-only: the direction is always named


def test_columns_of_the_same_cases_in_another_order_are_refused_and_unrelated_indexes_pair_by_position():
    truth = pd.Series([True, False, True], index=["a", "b", "c"])
    sorted_verdicts = pd.Series([False, True, True], index=["b", "a", "c"])  # the same cases, reordered
    with pytest.raises(InputError, match="same cases in a different order"):
        stats.agreement(truth_failed=truth, flagged_failed=sorted_verdicts)
    with pytest.raises(InputError, match="same cases in a different order"):
        stats.auc(pd.Series([0.1, 0.9, 0.8], index=["b", "a", "c"]), failed=truth, higher_means_failure=True)
    renumbered = pd.Series([True, False, True])  # a new table numbered from 0: paired by position
    assert stats.agreement(truth_failed=truth, flagged_failed=renumbered)["accuracy"] == 1.0
    aligned = stats.agreement(truth_failed=truth, flagged_failed=sorted_verdicts.reindex(truth.index))
    assert aligned["accuracy"] == 1.0
