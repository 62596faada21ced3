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

    truth = outcomes(truth_failed, "truth_failed")
    flagged = outcomes(flagged_failed, "flagged_failed")
    if len(truth) != len(flagged):
        raise InputError(
            f"truth_failed has {len(truth)} verdicts but flagged_failed has {len(flagged)}; pass one of each per "
            "case, in the same order."
        )
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
    n_bootstrap: int = 20_000,
    resample_unlabelled: bool = True,
    seed: int = 0,
) -> dict:
    """The failure rate a judge's verdicts imply once its known errors are taken out, with a bootstrap interval.

    Why: a judge that misses some failures and flags some good cases reports a rate that is neither. If, on cases
    a human labelled, it catches a share ``tpr`` of the real failures and leaves alone a share ``tnr`` of the real
    passes, then on traffic whose true failure rate is :math:`\\theta` it flags a share

    .. math:: q = \\theta\\,\\mathrm{TPR} + (1-\\theta)(1-\\mathrm{TNR})

    and solving for :math:`\\theta` gives the corrected estimate (the Rogan–Gladen estimator, from diagnostic
    testing)

    .. math:: \\hat\\theta = \\frac{q + \\mathrm{TNR} - 1}{\\mathrm{TPR} + \\mathrm{TNR} - 1},

    clipped to [0, 1]. It only exists when ``tpr + tnr > 1``: a judge no better than a coin carries no
    information about the rate, and the formula would divide by zero or flip sign.

    The interval comes from the percentile bootstrap. Each round resamples the labelled cases (so the uncertainty
    in ``tpr`` and ``tnr`` is carried, which is usually the larger part with a few dozen labels) and, if
    ``resample_unlabelled``, the judged cases too (so is the noise in ``q``). Rounds whose resample has no
    labelled failure or no labelled pass, or a judge no better than chance, are dropped, as judgy does;
    ``n_bootstrap_used`` says how many were kept.

    Args:
        truth_failed: human verdicts on the labelled cases, True where the case failed.
        flagged_failed: the judge's verdicts on the same labelled cases, True where it says the case failed.
        unlabelled_flagged_failed: the judge's verdicts on the cases nobody labelled (the traffic whose rate you
            want), True where it says failed.
        confidence: the interval's coverage, 0.95 for 95%.
        n_bootstrap: resampling rounds.
        resample_unlabelled: also resample the judged cases. judgy (``judgy.estimate_success_rate``) holds the
            observed rate fixed; pass False to reproduce it.
        seed: the bootstrap's random seed, so the same inputs print the same interval.

    Returns:
        A dict: ``observed`` (the judge's raw failure rate on the unlabelled cases), ``corrected``, ``low``,
        ``high``, ``tpr`` and ``tnr`` (failure as the positive class, as in :func:`agreement`; judgy counts pass as
        positive, so its TPR is this TNR), ``n_labelled``, ``n_unlabelled``, ``n_bootstrap_used``.

    Raises:
        InputError: lengths differ, no cases, labels with only one class, or a judge no better than chance.
    """
    confidence = _confidence(confidence)
    truth = outcomes(truth_failed, "truth_failed")
    flagged = outcomes(flagged_failed, "flagged_failed")
    judged = outcomes(unlabelled_flagged_failed, "unlabelled_flagged_failed")
    if len(truth) != len(flagged):
        raise InputError(
            f"truth_failed has {len(truth)} labels but flagged_failed has {len(flagged)} verdicts; pass the human "
            "label and the judge's verdict for each labelled case, in the same order."
        )
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
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, (int, np.integer)) or n_bootstrap < 1:
        raise InputError(f"n_bootstrap must be a whole number of rounds, such as 20000; got {n_bootstrap!r}.")

    def estimate(t, f, q):
        """(theta, valid) for arrays of resamples: rows of labels t and verdicts f, judged rates q."""
        fails = t.sum(axis=-1)
        passes = t.shape[-1] - fails
        with np.errstate(divide="ignore", invalid="ignore"):
            tpr = (t & f).sum(axis=-1) / fails
            tnr = (~t & ~f).sum(axis=-1) / passes
            denominator = tpr + tnr - 1
            theta = (q + tnr - 1) / denominator
        return np.clip(theta, 0.0, 1.0), (fails > 0) & (passes > 0) & (denominator > 0), tpr, tnr

    observed = float(judged.mean())
    theta, valid, tpr, tnr = estimate(truth, flagged, observed)
    if not valid:
        raise InputError(
            f"On the labelled cases the judge's TPR + TNR is {float(tpr + tnr):.2f}, not above 1: it tells "
            "failures from passes no better than chance, so its rate cannot be corrected. Improve the judge "
            "(lesson 06) and measure it again before estimating a rate from it."
        )

    rng = np.random.default_rng(seed)
    rows = rng.integers(0, len(truth), size=(int(n_bootstrap), len(truth)))
    if resample_unlabelled:
        q = rng.binomial(len(judged), observed, size=int(n_bootstrap)) / len(judged)
    else:
        q = np.full(int(n_bootstrap), observed)
    boot, ok, _, _ = estimate(truth[rows], flagged[rows], q)
    boot = boot[ok]
    alpha = 1 - confidence
    low, high = np.percentile(boot, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return {
        "observed": observed,
        "corrected": float(theta),
        "low": float(low),
        "high": float(high),
        "tpr": float(tpr),
        "tnr": float(tnr),
        "n_labelled": len(truth),
        "n_unlabelled": len(judged),
        "n_bootstrap_used": int(ok.sum()),
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
