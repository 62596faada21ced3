"""evalbook.stats.corrected_failure_rate: a judge's rate corrected for its errors, checked against judgy.

judgy (``judgy.estimate_success_rate``) counts *pass* as the positive class and returns a pass rate; ours counts
failure as positive and returns a failure rate, so its estimate is one minus judgy's and its interval is judgy's
interval flipped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalbook import stats
from evalbook.errors import InputError, InputTypeError

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
    assert (out["labelled_failures"], out["labelled_passes"], out["n_unlabelled"]) == (10, 10, 100)


@pytest.mark.parametrize("seed", range(8))
def test_the_estimate_is_one_minus_judgys_pass_rate(seed):
    rng = np.random.default_rng(seed)
    truth, flagged, judged = _world(rng, 60, 400, theta=rng.uniform(0.05, 0.6), tpr=0.85, tnr=0.9)
    ours = stats.corrected_failure_rate(
        truth_failed=truth, flagged_failed=flagged, unlabelled_flagged_failed=judged, n_draws=10
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


def test_the_bootstrap_with_the_observed_rate_held_fixed_is_judgys_interval_flipped():
    rng = np.random.default_rng(11)
    truth, flagged, judged = _world(rng, 80, 500, theta=0.3, tpr=0.8, tnr=0.85)
    ours = stats.corrected_failure_rate(
        truth_failed=truth,
        flagged_failed=flagged,
        unlabelled_flagged_failed=judged,
        method="bootstrap",
        resample_unlabelled=False,
    )
    np.random.seed(0)  # judgy draws from numpy's global generator
    _, low, high = judgy.estimate_success_rate(
        (~truth).astype(int), (~flagged).astype(int), (~judged).astype(int), bootstrap_iterations=20_000
    )
    # Two independent 20,000-round bootstraps of the same data: their percentiles agree to Monte Carlo error.
    assert ours["low"] == pytest.approx(1 - high, abs=0.01)
    assert ours["high"] == pytest.approx(1 - low, abs=0.01)


@pytest.mark.parametrize("method", ["jeffreys", "bootstrap"])
def test_letting_the_judged_rate_vary_widens_the_interval_when_the_judged_cases_are_few(method):
    rng = np.random.default_rng(3)
    truth, flagged, judged = _world(rng, 200, 40, theta=0.3, tpr=0.9, tnr=0.9)
    kwargs = dict(truth_failed=truth, flagged_failed=flagged, unlabelled_flagged_failed=judged, method=method)
    fixed = stats.corrected_failure_rate(**kwargs, resample_unlabelled=False)
    both = stats.corrected_failure_rate(**kwargs)
    assert both["high"] - both["low"] > 1.5 * (fixed["high"] - fixed["low"])


def test_the_two_methods_agree_where_the_bootstrap_is_sound():
    rng = np.random.default_rng(4)
    truth, flagged, judged = _world(rng, 300, 1000, theta=0.3, tpr=0.8, tnr=0.85)
    kwargs = dict(truth_failed=truth, flagged_failed=flagged, unlabelled_flagged_failed=judged)
    a = stats.corrected_failure_rate(**kwargs)
    b = stats.corrected_failure_rate(**kwargs, method="bootstrap")
    assert a["corrected"] == b["corrected"]
    assert a["low"] == pytest.approx(b["low"], abs=0.02) and a["high"] == pytest.approx(b["high"], abs=0.02)


def test_a_perfect_record_on_few_labels_or_no_flags_does_not_collapse_the_interval():
    # The judge was right on all 12 labelled failures and flagged none of 20 judged cases: the bootstrap's
    # resamples all agree (a zero-width interval); the Jeffreys draws still say how little 12 and 20 cases prove.
    truth = [True] * 12 + [False] * 40
    flagged = [True] * 12 + [False] * 36 + [True] * 4
    kwargs = dict(truth_failed=truth, flagged_failed=flagged, unlabelled_flagged_failed=[False] * 20)
    boot = stats.corrected_failure_rate(**kwargs, method="bootstrap")
    jeffreys = stats.corrected_failure_rate(**kwargs)
    assert boot["high"] - boot["low"] == 0
    assert jeffreys["low"] == 0 and jeffreys["high"] > 0.03


@pytest.mark.parametrize(
    ("n_labelled", "n_unlabelled", "theta"),
    [
        (50, 300, 0.25),
        (100, 20, 0.05),
        (40, 200, 0.1),
    ],  # a comfortable team; few judged cases; 4 labelled failures
)
def test_the_interval_covers_the_true_rate_about_as_often_as_it_says(n_labelled, n_unlabelled, theta):
    """300 simulated teams per setting, each judge catching 80% of failures and passing 90% of good cases.

    A team whose few labels made the judge look no better than chance is refused (it would label more); the
    rest must be covered about 95% of the time.
    """
    rng = np.random.default_rng(2026)
    covered = refused = 0
    for _ in range(300):
        truth, flagged, judged = _world(rng, n_labelled, n_unlabelled, theta=theta, tpr=0.8, tnr=0.9)
        if truth.all() or not truth.any():
            truth[0] = not truth[0]  # a team would label until it had both kinds
        try:
            out = stats.corrected_failure_rate(
                truth_failed=truth, flagged_failed=flagged, unlabelled_flagged_failed=judged, n_draws=2000
            )
        except InputError:
            refused += 1
            continue
        covered += out["low"] <= theta <= out["high"]
    assert refused < 15
    assert 0.92 <= covered / (300 - refused) <= 0.98, (covered, refused)


def test_the_raw_rate_is_biased_and_the_corrected_one_is_not():
    # With 400 labels, 40 of them failures. With far fewer labelled failures the ratio is itself noisy and the
    # clip at 0 pulls the mean up (about 0.12 with 100 labels): one more reason to label enough of both kinds.
    rng = np.random.default_rng(9)
    raw, corrected = [], []
    for _ in range(200):
        truth, flagged, judged = _world(rng, 400, 1000, theta=0.1, tpr=0.7, tnr=0.9)
        out = stats.corrected_failure_rate(
            truth_failed=truth, flagged_failed=flagged, unlabelled_flagged_failed=judged, n_draws=10
        )
        raw.append(out["observed"])
        corrected.append(out["corrected"])
    assert np.mean(raw) == pytest.approx(0.1 * 0.7 + 0.9 * 0.1, abs=0.01)  # 0.16, far from 0.1
    assert np.mean(corrected) == pytest.approx(0.1, abs=0.01)


@pytest.mark.parametrize("method", ["jeffreys", "bootstrap"])
def test_the_same_inputs_give_the_same_interval(method):
    rng = np.random.default_rng(1)
    truth, flagged, judged = _world(rng, 40, 100, theta=0.3, tpr=0.8, tnr=0.8)
    kwargs = dict(truth_failed=truth, flagged_failed=flagged, unlabelled_flagged_failed=judged, method=method)
    assert stats.corrected_failure_rate(**kwargs) == stats.corrected_failure_rate(**kwargs)
    assert stats.corrected_failure_rate(**kwargs) != stats.corrected_failure_rate(**kwargs, seed=1)


def _ok(**changes):
    return (
        dict(truth_failed=[True, False], flagged_failed=[True, False], unlabelled_flagged_failed=[True])
        | changes
    )


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        (_ok(flagged_failed=[True]), "same order"),
        (_ok(truth_failed=[], flagged_failed=[]), "Both sets need cases"),
        (_ok(unlabelled_flagged_failed=[]), "Both sets need cases"),
        (_ok(truth_failed=[False] * 4, flagged_failed=[False] * 4), "TPR cannot"),
        (_ok(truth_failed=[True] * 4, flagged_failed=[True] * 4), "TNR cannot"),
        (
            _ok(truth_failed=[True, True, False, False], flagged_failed=[True, False, True, False]),
            "than chance",
        ),
        (_ok(flagged_failed=[True, None]), "missing"),
        (
            _ok(
                truth_failed=pd.Series([True, False], index=[1, 0]),
                flagged_failed=pd.Series([False, True], index=[0, 1]),
            ),
            "different order",
        ),
        (_ok(unlabelled_flagged_failed={True}), "a set"),
        (_ok(method="exact"), "method must be"),
        (_ok(n_draws=0), "n_draws"),
        # One labelled case of each kind: a resample of two often lacks one of them (3 of these 4 rounds).
        (_ok(method="bootstrap", n_draws=4, seed=0), "too few"),
    ],
)
def test_bad_inputs_get_a_sentence(kwargs, words):
    with pytest.raises((InputError, InputTypeError), match=words):
        stats.corrected_failure_rate(**kwargs)
