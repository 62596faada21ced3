"""The statistics of evaluation: rates with honest intervals, detectors scored by AUC, and agreement.

**One convention, named in every signature.** Outcomes are passed by keyword, as ``failed=`` (True means the
case failed) or ``passed=`` (True means it passed), never as a bare positional list of booleans whose meaning you
would have to guess. Exactly one of the two is given; the function says which rate it returns. A *detector* (a
code check, an LLM judge, a metric with a threshold) is scored on how well it finds **failures**: failure is the
positive class, as it is for the checks in :mod:`evalbook.checks`, which return True when they found one.

Every function here is a thin, documented wrapper over a well-kept library (scipy for the Wilson interval,
scikit-learn for AUC, the confusion matrix and Cohen's kappa), loaded only when first used.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .errors import InputError, InputTypeError


def outcomes(values, what: str) -> np.ndarray:
    """A boolean array from a list/array/Series of True/False (or 1/0) outcomes, or a sentence naming the problem.

    Missing values are refused rather than guessed: whether an unreadable reply counts as a failure is a decision
    the caller must make (usually: it does).
    """
    if isinstance(values, (set, frozenset)):
        raise InputTypeError(
            f"{what} is a set, which has no order and keeps one of each value; pass a list (or array, or column) "
            "with one outcome per case, in the cases' order."
        )
    if isinstance(values, (str, bytes, dict)) or not isinstance(values, (Iterable, np.ndarray, pd.Series)):
        raise InputTypeError(
            f"{what} must be a list (or array, or column) of True/False outcomes, one per case; "
            f"got {type(values).__name__}."
        )
    series = pd.Series(list(values), dtype=object)
    if series.isna().any():
        raise InputError(
            f"{what} contains {int(series.isna().sum())} missing value(s). Decide whether an unreadable reply "
            "counts as a failure (usually it should) and fill them in, or drop those rows."
        )
    ok = series.map(lambda v: isinstance(v, (bool, np.bool_)) or (v in (0, 1) and not isinstance(v, str)))
    if not ok.all():
        bad = series[~ok].iloc[0]
        raise InputError(
            f"{what} must contain only True/False (or 1/0) outcomes; found {bad!r}. "
            "Compare with the expected value first, e.g. `df['choice'] == df['answer']`."
        )
    return series.astype(bool).to_numpy()


def _same_cases_reordered(first, second, first_name: str, second_name: str) -> None:
    """Refuse two columns that index the same cases in a different order: position would pair the wrong ones."""
    if not (isinstance(first, pd.Series) and isinstance(second, pd.Series)) or first.index.equals(
        second.index
    ):
        return
    if len(first) == len(second) and first.index.is_unique and set(first.index) == set(second.index):
        raise InputError(
            f"{first_name} and {second_name} hold the same cases in a different order (their indexes differ "
            "only in order), and outcomes are paired by position. Line them up first, e.g. "
            f"`{second_name}.reindex({first_name}.index)`."
        )


def _paired(first, second, first_name: str, second_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Two outcome arrays about the same cases, in the same order, or a sentence saying why they are not.

    Outcomes are paired by position. Two pandas columns whose indexes hold the same labels in a different order
    (one of them sorted, say) would then be compared case against the wrong case; that is refused, not guessed.
    Columns with unrelated indexes (a filtered table beside a new one numbered from 0) are paired by position.
    """
    _same_cases_reordered(first, second, first_name, second_name)
    a, b = outcomes(first, first_name), outcomes(second, second_name)
    if len(a) != len(b):
        raise InputError(
            f"{first_name} has {len(a)} verdicts but {second_name} has {len(b)}; pass one of each per case, in the "
            "same order."
        )
    return a, b


def _one_of(failed, passed, who: str) -> tuple[np.ndarray, str]:
    """(failure flags, which keyword was used), from exactly one of ``failed=`` / ``passed=``."""
    if (failed is None) == (passed is None):
        raise InputError(
            f"{who} takes the outcomes as exactly one of failed=... (True means the case failed) or passed=... "
            "(True means it passed)."
        )
    if failed is not None:
        return outcomes(failed, "failed"), "failed"
    return ~outcomes(passed, "passed"), "passed"


def _confidence(confidence) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 < confidence < 1:
        raise InputError(f"confidence must be a number between 0 and 1, such as 0.95; got {confidence!r}.")
    return float(confidence)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for a proportion ``successes / n``.

    Args:
        successes: how many of the ``n`` cases have the property (failed, passed, answered correctly ...).
        n: the number of cases, at least 1.
        confidence: the coverage, 0.95 for a 95% interval.

    Returns:
        ``(low, high)``, both in [0, 1]. With :math:`\\hat p = k/n` and :math:`z` the normal quantile,

        .. math:: \\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n}

        Unlike the textbook :math:`\\hat p \\pm z\\,\\mathrm{se}` interval it stays inside [0, 1] and keeps a
        sensible width at 0% or 100%, which is where small evaluation sets usually sit. Computed by
        ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``.

    Raises:
        InputError: ``n`` is not positive, or ``successes`` is not between 0 and ``n``.
    """
    from scipy.stats import binomtest

    confidence = _confidence(confidence)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"n must be a whole number of cases, at least 1; got {n!r}.")
    if isinstance(successes, bool) or not isinstance(successes, (int, np.integer)) or not 0 <= successes <= n:
        raise InputError(f"successes must be a whole number from 0 to n={n}; got {successes!r}.")
    interval = binomtest(int(successes), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(interval.low), float(interval.high)


def rate_ci(*, failed=None, passed=None, confidence: float = 0.95) -> tuple[float, float, float]:
    """The rate of what you named, with its Wilson interval: ``(rate, low, high)``.

    ``rate_ci(failed=flags)`` is the failure rate; ``rate_ci(passed=flags)`` the pass rate.

    Raises:
        InputError: both or neither keyword given, no outcomes, or values that are not True/False.
    """
    flags, which = _one_of(failed, passed, "rate_ci")
    if len(flags) == 0:
        raise InputError(
            "There are no outcomes to count. Run the cases first, then pass one outcome per case."
        )
    k = int(flags.sum()) if which == "failed" else int((~flags).sum())
    low, high = wilson_interval(k, len(flags), confidence)
    return k / len(flags), low, high


def accuracy_ci(correct, confidence: float = 0.95) -> tuple[float, float, float]:
    """Accuracy with its Wilson interval, ``(accuracy, low, high)``; ``correct`` is True for a right answer.

    A benchmark's name for :func:`rate_ci` ``(passed=correct)``.
    """
    _confidence(confidence)
    flags = outcomes(correct, "correct")
    if len(flags) == 0:
        raise InputError(
            "There are no outcomes to score. Run the benchmark first, then pass one outcome per question."
        )
    return rate_ci(passed=flags, confidence=confidence)


def interval_width(n: int, rate: float = 0.5, confidence: float = 0.95) -> float:
    """Width of the Wilson interval for ``n`` cases at an observed ``rate``: how many cases a number needs."""
    if not 0 <= rate <= 1:
        raise InputError(f"rate must be between 0 and 1; got {rate!r}.")
    low, high = wilson_interval(int(round(rate * n)), n, confidence)
    return high - low


def auc(scores, *, failed=None, passed=None, higher_means_failure: bool) -> float:
    """ROC AUC of ``scores`` as a detector of failures: 0.5 is chance, 1.0 separates failures perfectly.

    Args:
        scores: one number per case (a metric, a judge's probability ...).
        failed / passed: which cases failed (or passed), by keyword; exactly one of them.
        higher_means_failure: True for a risk score, where a high value is the alarm (perplexity: the model was
            unsure); False for a quality score, where a low value is the alarm (BLEU, chrF, ROUGE).

    Returns:
        The probability that a randomly chosen failed case raises more alarm than a randomly chosen passing one
        (ties count half). Below 0.5 means the score points the wrong way on this data. Computed by
        :func:`sklearn.metrics.roc_auc_score` with failure as the positive class.

    Raises:
        InputError: lengths differ, NaN scores, or only one class present (nothing to tell apart).
    """
    from sklearn.metrics import roc_auc_score

    if not isinstance(higher_means_failure, bool):
        raise InputError(
            "higher_means_failure must be True (a high score is the alarm, e.g. perplexity) or False (a low score "
            "is the alarm, e.g. BLEU or ROUGE)."
        )
    _same_cases_reordered(scores, failed if failed is not None else passed, "scores", "the outcomes")
    y, _ = _one_of(failed, passed, "auc")
    try:
        s = np.asarray(list(scores) if not isinstance(scores, np.ndarray) else scores, dtype=float)
    except (TypeError, ValueError):
        raise InputError("scores must be a list of numbers, one per case.") from None
    if s.ndim != 1 or len(y) != len(s):
        raise InputError(
            f"The outcomes and scores must be two flat lists of the same length (one entry per case); "
            f"got {len(y)} outcomes and {s.shape} scores."
        )
    if np.isnan(s).any():
        raise InputError("scores contain NaN; score every case (or drop the unscored ones from both lists).")
    if len(y) == 0:
        raise InputError("The outcomes and scores are empty: score some cases first.")
    if y.all() or not y.any():
        which = "failed" if y.all() else "passed"
        raise InputError(
            f"Every one of the {len(y)} cases {which}, so there is nothing to tell apart: an AUC needs at least "
            "one failing and one passing case."
        )
    alarm = s if higher_means_failure else -s
    if np.isinf(alarm).any():
        # The AUC depends only on the order of the scores, so put +/-inf just beyond the finite ones.
        finite = alarm[np.isfinite(alarm)]
        low, high = (finite.min(), finite.max()) if finite.size else (0.0, 0.0)
        alarm = np.where(np.isposinf(alarm), high + 1.0, np.where(np.isneginf(alarm), low - 1.0, alarm))
    return float(roc_auc_score(y, alarm))


def agreement(*, truth_failed, flagged_failed) -> dict:
    """How well a detector (a check or a judge) agrees with reference labels, failure as the positive class.

    Args:
        truth_failed: the reference verdicts (usually human labels), True where the case failed.
        flagged_failed: the detector's verdicts on the same cases, True where it says the case failed.

    Returns:
        A dict with ``n``, the four counts (``tp`` failures flagged, ``fn`` failures missed, ``tn`` passes left
        alone, ``fp`` false alarms) and

        - ``tpr`` = tp / (tp + fn): the share of real failures the detector catches (recall, sensitivity);
        - ``tnr`` = tn / (tn + fp): the share of real passes it leaves alone (specificity);
        - ``precision`` = tp / (tp + fp): of the flagged cases, the share that really failed;
        - ``accuracy`` and Cohen's ``kappa`` (agreement beyond chance, 0 = chance, 1 = perfect;
          :func:`sklearn.metrics.cohen_kappa_score`).

        A ratio whose denominator is 0 is NaN, not 0: "no failures to catch" is not "caught none".

        Note the direction: some tools (judgy, for example) take *pass* as the positive class, so their TPR is
        this function's TNR. Say which one you report.
    """
    from sklearn.metrics import cohen_kappa_score, confusion_matrix

    truth, flagged = _paired(truth_failed, flagged_failed, "truth_failed", "flagged_failed")
    if len(truth) == 0:
        raise InputError("There are no verdicts to compare.")
    tn, fp, fn, tp = (int(v) for v in confusion_matrix(truth, flagged, labels=[False, True]).ravel())

    def ratio(a: int, b: int) -> float:
        return a / b if b else math.nan

    same_everywhere = len(set(truth)) == 1 and len(set(flagged)) == 1 and truth[0] == flagged[0]
    kappa = 1.0 if same_everywhere else float(cohen_kappa_score(truth, flagged, labels=[False, True]))
    return {
        "n": len(truth),
        "tp": tp,
        "fn": fn,
        "tn": tn,
        "fp": fp,
        "tpr": ratio(tp, tp + fn),
        "tnr": ratio(tn, tn + fp),
        "precision": ratio(tp, tp + fp),
        "accuracy": (tp + tn) / len(truth),
        "kappa": kappa,
    }


def precision_recall(*, truth_failed, flagged_failed, confidence: float = 0.95) -> dict:
    """A detector's precision and recall against reference labels, each with its Wilson interval.

    Failure is the positive class, as in :func:`agreement`: **recall** = tp / (tp + fn) is the share of the
    labelled failures the check flags; **precision** = tp / (tp + fp) the share of its flags that are labelled
    failures. Each is a proportion of a *different* denominator, so each gets its own interval, and a small
    denominator (a check that fired 4 times) shows up as a wide one. A ratio with no denominator is NaN with a
    NaN interval.

    Returns ``tp``, ``fp``, ``fn``, ``precision``, ``precision_low``, ``precision_high``, ``recall``,
    ``recall_low``, ``recall_high``.
    """
    counts = agreement(truth_failed=truth_failed, flagged_failed=flagged_failed)
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    out = {"tp": tp, "fp": fp, "fn": fn}
    for name, k, n in (("precision", tp, tp + fp), ("recall", tp, tp + fn)):
        low, high = wilson_interval(k, n, confidence) if n else (math.nan, math.nan)
        out |= {name: k / n if n else math.nan, f"{name}_low": low, f"{name}_high": high}
    return out


def corrected_failure_rate(
    *,
    truth_failed,
    flagged_failed,
    unlabelled_flagged_failed,
    confidence: float = 0.95,
    method: str = "jeffreys",
    n_draws: int = 20_000,
    resample_unlabelled: bool = True,
    seed: int = 0,
) -> dict:
    """The failure rate a judge's verdicts imply once its known errors are taken out, with an interval.

    Why: a judge that misses some failures and flags some good cases reports a rate that is neither. If, on cases
    a human labelled, it catches a share ``tpr`` of the real failures and leaves alone a share ``tnr`` of the real
    passes, then on traffic whose true failure rate is :math:`\\theta` it flags a share

    .. math:: q = \\theta\\,\\mathrm{TPR} + (1-\\theta)(1-\\mathrm{TNR})

    and solving for :math:`\\theta` gives the corrected estimate (the Rogan–Gladen estimator, from diagnostic
    testing)

    .. math:: \\hat\\theta = \\frac{q + \\mathrm{TNR} - 1}{\\mathrm{TPR} + \\mathrm{TNR} - 1},

    clipped to [0, 1]. It only exists when ``tpr + tnr > 1``: a judge no better than a coin carries no
    information about the rate, and the formula would divide by zero or flip sign.

    The interval carries three uncertainties: ``tpr`` (measured on the labelled failures, often a few dozen),
    ``tnr`` (on the labelled passes) and, if ``resample_unlabelled``, ``q`` (on the judged cases). Each draw
    recomputes the estimate from new values of the three, and the interval is the middle ``confidence`` of the
    draws. Two ways to draw them:

    - ``method="jeffreys"`` (the default) draws each rate from its Beta posterior under the Jeffreys prior,
      Beta(k + ½, n − k + ½). A judge that was right on *every* labelled failure still gets a TPR below 1 in some
      draws, so a perfect score on 12 labels does not make the interval collapse; nor does a judge that flagged
      none of 20 judged cases. In simulation its 95% interval covered the true rate in about 95% of worlds, also
      with few labelled failures or few judged cases (tests/test_stats_corrected.py).
    - ``method="bootstrap"`` resamples the labelled cases (and the judged ones), as judgy
      (``judgy.estimate_success_rate``) does; with ``resample_unlabelled=False`` it reproduces judgy's interval.
      When a class is labelled perfectly or the judged rate is 0 or 1, every resample agrees and the interval
      is too narrow: use it to compare with judgy, not to report.

    Draws in which the judge is no better than chance (or, for the bootstrap, a resample with no labelled
    failure or no labelled pass) are dropped; ``n_draws_used`` says how many were kept, and if fewer than half
    survive the labels are too few to say how good the judge is, and a sentence says so.

    Args:
        truth_failed: human verdicts on the labelled cases, True where the case failed.
        flagged_failed: the judge's verdicts on the same labelled cases, True where it says the case failed.
        unlabelled_flagged_failed: the judge's verdicts on the cases nobody labelled (the traffic whose rate you
            want), True where it says failed.
        confidence: the interval's coverage, 0.95 for 95%.
        method: ``"jeffreys"`` or ``"bootstrap"``, see above.
        n_draws: how many draws (or bootstrap rounds).
        resample_unlabelled: also let the judged rate ``q`` vary; False holds it fixed, judgy's way.
        seed: the draws' random seed, so the same inputs print the same interval.

    Returns:
        A dict: ``observed`` (the judge's raw failure rate on the unlabelled cases), ``corrected``, ``low``,
        ``high``, ``tpr`` and ``tnr`` (failure as the positive class, as in :func:`agreement`; judgy counts pass as
        positive, so its TPR is this TNR), ``labelled_failures``, ``labelled_passes``, ``n_unlabelled``,
        ``n_draws_used``.

    Raises:
        InputError: lengths differ, no cases, labels with only one class, a judge no better than chance, or
        labels too few for the interval.
    """
    confidence = _confidence(confidence)
    truth, flagged = _paired(truth_failed, flagged_failed, "truth_failed", "flagged_failed")
    judged = outcomes(unlabelled_flagged_failed, "unlabelled_flagged_failed")
    if len(truth) == 0 or len(judged) == 0:
        raise InputError(
            "Both sets need cases: the labelled ones (truth_failed, flagged_failed) to measure the judge, and the "
            "unlabelled ones (unlabelled_flagged_failed) whose failure rate you want."
        )
    if truth.all() or not truth.any():
        which = "failed" if truth.all() else "passed"
        raise InputError(
            f"Every one of the {len(truth)} labelled cases {which}, so the judge's "
            f"{'TNR' if truth.all() else 'TPR'} cannot be measured. Label cases of both kinds (the test split of a "
            "golden set is built to have both)."
        )
    if method not in ("jeffreys", "bootstrap"):
        raise InputError(f'method must be "jeffreys" (the default) or "bootstrap"; got {method!r}.')
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or n_draws < 1:
        raise InputError(f"n_draws must be a whole number, such as 20000; got {n_draws!r}.")

    counts = agreement(truth_failed=truth, flagged_failed=flagged)
    tp, fn, tn, fp = (counts[k] for k in ("tp", "fn", "tn", "fp"))
    n_judged, k_judged = len(judged), int(judged.sum())

    def estimate(tpr, tnr, q):
        with np.errstate(divide="ignore", invalid="ignore"):
            denominator = tpr + tnr - 1
            theta = (q + tnr - 1) / denominator
        return np.clip(theta, 0.0, 1.0), denominator > 0

    tpr, tnr, observed = np.float64(tp / (tp + fn)), np.float64(tn / (tn + fp)), k_judged / n_judged
    theta, valid = estimate(tpr, tnr, observed)
    if not valid:
        raise InputError(
            f"On the labelled cases the judge's TPR + TNR is {float(tpr + tnr):.2f}, not above 1: it tells failures from "
            "passes no better than chance, so its rate cannot be corrected. Improve the judge (lesson 06) and "
            "measure it again before estimating a rate from it."
        )

    rng, size = np.random.default_rng(seed), int(n_draws)
    if method == "jeffreys":
        tpr_draws = rng.beta(tp + 0.5, fn + 0.5, size)
        tnr_draws = rng.beta(tn + 0.5, fp + 0.5, size)
        q_draws = (
            rng.beta(k_judged + 0.5, n_judged - k_judged + 0.5, size) if resample_unlabelled else observed
        )
        usable = np.ones(size, dtype=bool)
    else:
        # Resampling the labelled cases is resampling the four cells of their confusion matrix: same draws, and
        # memory that does not grow with the number of labels.
        cells = rng.multinomial(len(truth), np.array([tp, fn, tn, fp]) / len(truth), size)
        fails, passes = cells[:, 0] + cells[:, 1], cells[:, 2] + cells[:, 3]
        usable = (fails > 0) & (passes > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            tpr_draws, tnr_draws = cells[:, 0] / fails, cells[:, 2] / passes
        q_draws = rng.binomial(n_judged, observed, size) / n_judged if resample_unlabelled else observed
    draws, better_than_chance = estimate(tpr_draws, tnr_draws, q_draws)
    kept = draws[usable & better_than_chance]
    if len(kept) < size / 2:
        raise InputError(
            f"In {size - len(kept)} of {size} draws the judge was no better than chance (or a resample lacked a "
            f"labelled failure or pass): {tp + fn} labelled failure(s) and {tn + fp} labelled pass(es) are too few "
            "to say how good the judge is. Label more cases of both kinds."
        )
    alpha = 1 - confidence
    low, high = np.percentile(kept, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return {
        "observed": observed,
        "corrected": float(theta),
        "low": float(low),
        "high": float(high),
        "tpr": float(tpr),
        "tnr": float(tnr),
        "labelled_failures": tp + fn,
        "labelled_passes": tn + fp,
        "n_unlabelled": n_judged,
        "n_draws_used": len(kept),
    }


__all__ = [
    "accuracy_ci",
    "agreement",
    "auc",
    "corrected_failure_rate",
    "interval_width",
    "outcomes",
    "precision_recall",
    "rate_ci",
    "wilson_interval",
]
