"""evalbook.stats.corrected_failure_rate: a judge's rate corrected for its errors, checked against judgy.

judgy (``judgy.estimate_success_rate``) counts *pass* as the positive class and returns a pass rate; ours counts
failure as positive and returns a failure rate, so its estimate is one minus judgy's and its interval is judgy's
interval flipped.
"""

from __future__ import annotations

import numpy as np
import pytest

from evalbook import stats
from evalbook.errors import InputError

judgy = pytest.importorskip("judgy")


def _world(rng, n_labelled, n_unlabelled, theta, tpr, tnr):
    """Labelled cases with human verdicts, and judge verdicts from a judge with the given error rates."""

    def judge(truth):
        return np.where(truth, rng.random(len(truth)) < tpr, rng.random(len(truth)) >= tnr)

    truth = rng.random(n_labelled) < theta
    unlabelled_truth = rng.random(n_unlabelled) < theta
    return truth, judge(truth), judge(unlabelled_truth)


def test_a_worked_example_by_hand():
    # 10 labelled failures of which the judge flags 8 (TPR 0.8); 10 labelled passes of which it leaves 9 (TNR 0.9).
    truth = [True] * 10 + [False] * 10
    flagged = [True] * 8 + [False] * 2 + [False] * 9 + [True]
    judged = [True] * 26 + [False] * 74  # it flags 26% of the unlabelled traffic
    out = stats.corrected_failure_rate(
        truth_failed=truth, flagged_failed=flagged, unlabelled_flagged_failed=judged
    )
    assert out["tpr"] == pytest.approx(0.8) and out["tnr"] == pytest.approx(0.9)
    assert out["observed"] == pytest.approx(0.26)
    assert out["corrected"] == pytest.approx((0.26 + 0.9 - 1) / (0.8 + 0.9 - 1))  # 0.2286
    assert out["low"] < out["corrected"] < out["high"]
    assert (out["n_labelled"], out["n_unlabelled"]) == (20, 100)


@pytest.mark.parametrize("seed", range(8))
def test_the_estimate_is_one_minus_judgys_pass_rate(seed):
    rng = np.random.default_rng(seed)
    truth, flagged, judged = _world(rng, 60, 400, theta=rng.uniform(0.05, 0.6), tpr=0.85, tnr=0.9)
    ours = stats.corrected_failure_rate(
        truth_failed=truth, flagged_failed=flagged, unlabelled_flagged_failed=judged
    )
    theirs, _, _ = judgy.estimate_success_rate(
        (~truth).astype(int), (~flagged).astype(int), (~judged).astype(int), bootstrap_iterations=10
    )
    assert ours["corrected"] == pytest.approx(1 - theirs, abs=1e-12)


def test_clipping_matches_judgy_when_the_judge_flags_fewer_than_its_false_alarms_explain():
    truth = [True] * 10 + [False] * 10
    flagged = [True] * 8 + [False] * 2 + [True] * 3 + [False] * 7  # TNR 0.7: 30% false alarms
    judged = [True] * 10 + [False] * 90  # flags only 10%, less than the false alarms alone would give
    ours = stats.corrected_failure_rate(
        truth_failed=truth, flagged_failed=flagged, unlabelled_flagged_failed=judged
    )
    theirs, _, _ = judgy.estimate_success_rate(
        [1 - t for t in truth], [1 - f for f in flagged], [1 - j for j in judged], bootstrap_iterations=10
    )
    assert ours["corrected"] == 0.0 and theirs == 1.0


def test_with_the_observed_rate_held_fixed_the_interval_is_judgys_flipped():
    rng = np.random.default_rng(11)
    truth, flagged, judged = _world(rng, 80, 500, theta=0.3, tpr=0.8, tnr=0.85)
    ours = stats.corrected_failure_rate(
        truth_failed=truth,
        flagged_failed=flagged,
        unlabelled_flagged_failed=judged,
        resample_unlabelled=False,
    )
    np.random.seed(0)  # judgy draws from numpy's global generator
    _, low, high = judgy.estimate_success_rate(
        (~truth).astype(int), (~flagged).astype(int), (~judged).astype(int), bootstrap_iterations=20_000
    )
    # Two independent 20,000-round bootstraps of the same data: their percentiles agree to Monte Carlo error.
    assert ours["low"] == pytest.approx(1 - high, abs=0.01)
    assert ours["high"] == pytest.approx(1 - low, abs=0.01)


def test_resampling_the_judged_cases_widens_the_interval_when_they_are_few():
    rng = np.random.default_rng(3)
    truth, flagged, judged = _world(rng, 200, 40, theta=0.3, tpr=0.9, tnr=0.9)
    kwargs = dict(truth_failed=truth, flagged_failed=flagged, unlabelled_flagged_failed=judged)
    fixed = stats.corrected_failure_rate(**kwargs, resample_unlabelled=False)
    both = stats.corrected_failure_rate(**kwargs)
    assert both["high"] - both["low"] > 1.5 * (fixed["high"] - fixed["low"])


def test_the_interval_covers_the_true_rate_about_as_often_as_it_says():
    """200 simulated teams, each with 50 labels and 300 judged cases from a world whose failure rate is 0.25."""
    rng = np.random.default_rng(2026)
    covered = 0
    for _ in range(200):
        truth, flagged, judged = _world(rng, 50, 300, theta=0.25, tpr=0.8, tnr=0.9)
        out = stats.corrected_failure_rate(
            truth_failed=truth, flagged_failed=flagged, unlabelled_flagged_failed=judged, n_bootstrap=2000
        )
        covered += out["low"] <= 0.25 <= out["high"]
    assert 0.9 <= covered / 200 <= 0.99, (
        covered
    )  # a raw judged rate (about 0.29 here) would rarely be "covered"


def test_the_raw_rate_is_biased_and_the_corrected_one_is_not():
    # With 400 labels, 40 of them failures. With far fewer labelled failures the ratio is itself noisy and the
    # clip at 0 pulls the mean up (about 0.12 with 100 labels): one more reason lesson 07 asks for enough of both.
    rng = np.random.default_rng(9)
    raw, corrected = [], []
    for _ in range(200):
        truth, flagged, judged = _world(rng, 400, 1000, theta=0.1, tpr=0.7, tnr=0.9)
        out = stats.corrected_failure_rate(
            truth_failed=truth, flagged_failed=flagged, unlabelled_flagged_failed=judged, n_bootstrap=10
        )
        raw.append(out["observed"])
        corrected.append(out["corrected"])
    assert np.mean(raw) == pytest.approx(0.1 * 0.7 + 0.9 * 0.1, abs=0.01)  # 0.16, far from 0.1
    assert np.mean(corrected) == pytest.approx(0.1, abs=0.01)


def test_the_same_inputs_give_the_same_interval():
    rng = np.random.default_rng(1)
    truth, flagged, judged = _world(rng, 40, 100, theta=0.3, tpr=0.8, tnr=0.8)
    kwargs = dict(truth_failed=truth, flagged_failed=flagged, unlabelled_flagged_failed=judged)
    assert stats.corrected_failure_rate(**kwargs) == stats.corrected_failure_rate(**kwargs)
    assert stats.corrected_failure_rate(**kwargs) != stats.corrected_failure_rate(**kwargs, seed=1)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (
            dict(truth_failed=[True, False], flagged_failed=[True], unlabelled_flagged_failed=[True]),
            "same order",
        ),
        (dict(truth_failed=[], flagged_failed=[], unlabelled_flagged_failed=[True]), "Both sets need cases"),
        (
            dict(truth_failed=[True, False], flagged_failed=[True, False], unlabelled_flagged_failed=[]),
            "Both sets",
        ),
        (
            dict(truth_failed=[False] * 4, flagged_failed=[False] * 4, unlabelled_flagged_failed=[True]),
            "TPR cannot",
        ),
        (
            dict(truth_failed=[True] * 4, flagged_failed=[True] * 4, unlabelled_flagged_failed=[True]),
            "TNR cannot",
        ),
        (
            dict(
                truth_failed=[True, True, False, False],
                flagged_failed=[True, False, True, False],
                unlabelled_flagged_failed=[True],
            ),
            "no better than chance",
        ),
        (
            dict(truth_failed=[True, False], flagged_failed=[True, None], unlabelled_flagged_failed=[True]),
            "missing",
        ),
    ],
)
def test_bad_inputs_get_a_sentence(kwargs, words):
    with pytest.raises(InputError, match=words):
        stats.corrected_failure_rate(**kwargs)
