"""Reference-similarity and confidence metrics, as thin wrappers with their settings chosen on purpose.

Lesson 02 uses these to show where BLEU, chrF, ROUGE and perplexity stop telling you anything about a product.
They are not re-implementations: BLEU and chrF come from sacrebleu and ROUGE from Google's rouge-score. What this
module adds is the sentence-level settings (which the libraries leave to you and which change the numbers), one
argument order for every metric, and errors a learner can act on. How well a metric *detects failures* is scored
with :func:`evalbook.stats.auc`.

Scales follow the libraries, so numbers match what you would see in a paper or another tool:

- :func:`bleu` and :func:`chrf`: 0 to 100 (sacrebleu's scale).
- :func:`rouge` / :func:`rouge_l`: F-measure from 0 to 1 (rouge-score's scale).
- :func:`perplexity`: 1 (the model was certain of every token) upwards.

Everything runs offline: none of these needs a download (rouge-score's stemmer is nltk's Porter stemmer, which is
pure code; only ROUGE-Lsum needs nltk's sentence-splitter data, and it is not used here).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from .errors import InputError, InputTypeError

# Sentence-level BLEU settings (sacrebleu's defaults for sentence_bleu, written out so they are a decision):
# - tokenize="13a": the tokeniser of the standard mteval-v13a script, which splits punctuation from words; it is
#   the default for English in sacrebleu, so scores are comparable with published ones.
# - smooth_method="exp": one sentence often has no matching 4-gram, and unsmoothed BLEU is then exactly 0 however
#   close the rest is. "exp" (Chen and Cherry, 2014, method 3) replaces each empty n-gram precision by a value that
#   halves with every further empty order, so near-misses still get partial credit.
# - effective_order=True: a reply shorter than four words has no 4-grams at all; with the effective order those
#   impossible orders are left out of the average instead of counting as zero.
BLEU_SETTINGS = {"tokenize": "13a", "smooth_method": "exp", "effective_order": True, "lowercase": False}
# chrF: character 6-grams, recall weighted twice as much as precision (beta=2), words not used (chrF, not chrF++).
CHRF_SETTINGS = {"char_order": 6, "word_order": 0, "beta": 2}
# ROUGE: unigram overlap and longest common subsequence, with Porter stemming so "refunds" matches "refund".
ROUGE_TYPES = ("rouge1", "rougeL")


@lru_cache(maxsize=1)
def _bleu_metric():
    from sacrebleu.metrics import BLEU

    return BLEU(**BLEU_SETTINGS)


@lru_cache(maxsize=1)
def _chrf_metric():
    from sacrebleu.metrics import CHRF

    return CHRF(**CHRF_SETTINGS)


@lru_cache(maxsize=1)
def _rouge_scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)


def _text(value, what: str) -> str:
    if not isinstance(value, str):
        raise InputTypeError(
            f"The {what} must be a string of text, not {type(value).__name__}. "
            "Pass the reply's text (for a trace: trace.answer)."
        )
    return value


def _references(reference) -> list[str]:
    if isinstance(reference, str):
        return [reference]
    if isinstance(reference, Sequence) and reference and all(isinstance(r, str) for r in reference):
        return list(reference)
    raise InputTypeError(
        "The reference must be a string, or a non-empty list of strings when there are several acceptable "
        f"answers; got {type(reference).__name__}."
    )


def bleu(hypothesis: str, reference: str | Sequence[str]) -> float:
    """Sentence-level BLEU of ``hypothesis`` against one reference (or several), from 0 to 100.

    BLEU counts how many of the hypothesis's word n-grams (1 to 4 words) also occur in the reference, combines the
    four precisions with a geometric mean and penalises hypotheses shorter than the reference. It was designed for
    a whole corpus of machine translations; on one sentence it is noisy, which is why the settings in
    ``BLEU_SETTINGS`` (13a tokeniser, exponential smoothing, effective order) matter.
    """
    hypothesis = _text(hypothesis, "hypothesis (the reply to score)")
    return float(_bleu_metric().sentence_score(hypothesis, _references(reference)).score)


def bleu_details(hypothesis: str, reference: str | Sequence[str]) -> dict:
    """What a sentence-level BLEU score is made of, so you can explain the number instead of guessing.

    Returns a dict with ``bleu`` (the score, as :func:`bleu`), ``precisions`` (the 1- to 4-gram match rates in
    percent; with smoothing, an empty level shows its smoothed value), ``matches`` and ``totals`` (matched and
    available n-grams per level), ``brevity_penalty`` (1.0 unless the reply is shorter than the reference, then
    ``exp(1 - reference_length / reply_length)``), ``reply_length`` and ``reference_length`` (in tokens). BLEU is
    ``brevity_penalty * exp(mean(log(precisions)))``. All of it is read from sacrebleu's own score object.
    """
    hypothesis = _text(hypothesis, "hypothesis (the reply to score)")
    score = _bleu_metric().sentence_score(hypothesis, _references(reference))
    return {
        "bleu": float(score.score),
        "precisions": [round(float(p), 2) for p in score.precisions],
        "matches": [int(c) for c in score.counts],
        "totals": [int(t) for t in score.totals],
        "brevity_penalty": float(score.bp),
        "reply_length": int(score.sys_len),
        "reference_length": int(score.ref_len),
    }


def chrf(hypothesis: str, reference: str | Sequence[str]) -> float:
    """Sentence-level chrF of ``hypothesis`` against one reference (or several), from 0 to 100.

    chrF compares character 6-grams instead of words, so it forgives inflections and tokenisation ("refund" vs
    "refunded") and is steadier than BLEU on single sentences. Settings: ``CHRF_SETTINGS``.
    """
    hypothesis = _text(hypothesis, "hypothesis (the reply to score)")
    return float(_chrf_metric().sentence_score(hypothesis, _references(reference)).score)


def rouge(hypothesis: str, reference: str | Sequence[str]) -> dict[str, float]:
    """ROUGE-1 and ROUGE-L F-measures of ``hypothesis`` against the reference(s), each from 0 to 1.

    ROUGE-1 is the overlap of single words; ROUGE-L the longest common subsequence of words (words in the same
    order, not necessarily adjacent). Both use rouge-score's tokeniser (lowercase, letters and digits only) with
    Porter stemming. Note that rouge-score's own ``score`` takes the *reference first*; this wrapper keeps the same
    (hypothesis, reference) order as :func:`bleu` so the two cannot be swapped by accident. With several references
    each type takes the best-matching one.
    """
    hypothesis = _text(hypothesis, "hypothesis (the reply to score)")
    references = _references(reference)
    scorer = _rouge_scorer()
    result = (
        scorer.score(references[0], hypothesis)
        if len(references) == 1
        else scorer.score_multi(references, hypothesis)
    )
    return {name: float(result[name].fmeasure) for name in ROUGE_TYPES}


def rouge_l(hypothesis: str, reference: str | Sequence[str]) -> float:
    """ROUGE-L F-measure (0 to 1): see :func:`rouge`."""
    return rouge(hypothesis, reference)["rougeL"]


def similarity_scores(hypothesis: str, reference: str | Sequence[str]) -> dict[str, float]:
    """All the similarity metrics for one pair: ``{"bleu", "chrf", "rouge1", "rougeL"}`` on their own scales."""
    return {
        "bleu": bleu(hypothesis, reference),
        "chrf": chrf(hypothesis, reference),
        **rouge(hypothesis, reference),
    }


def _logprob_values(logprobs) -> np.ndarray:
    if logprobs is None:
        raise InputError(
            "There are no log-probabilities (None). Create the bot with SupportBot(..., logprobs=True); in live "
            "mode the model must also return logprobs. If it was, the conversation may have failed: see trace.error."
        )
    if isinstance(logprobs, str | bytes) or not isinstance(logprobs, Sequence | np.ndarray):
        raise InputTypeError(
            "perplexity needs a list of token log-probabilities (numbers such as -0.3), or the list of "
            f"{{'token', 'logprob'}} dicts in trace.answer_logprobs; got {type(logprobs).__name__}."
        )
    values = []
    for i, item in enumerate(logprobs):
        if isinstance(item, dict):
            if "logprob" not in item:
                raise InputError(f"Item {i} is a dict without a 'logprob' key: {sorted(item)}.")
            item = item["logprob"]
        if isinstance(item, bool) or not isinstance(item, numbers.Real):
            raise InputTypeError(
                f"Item {i} is {type(item).__name__} ({item!r:.40}), but each log-probability must be a number."
            )
        value = float(item)
        if math.isnan(value):
            raise InputError(f"Item {i} is NaN; every token needs a log-probability.")
        if value > 0:
            raise InputError(
                f"Item {i} is {value}, but a log-probability is never positive (a probability is at most 1). "
                "Did you pass probabilities, or negated log-probabilities? Pass natural-log probabilities, "
                "which are 0 or below."
            )
        values.append(value)
    if not values:
        raise InputError(
            "There are no log-probabilities: perplexity needs at least one token. "
            "Was the reply empty (a failed conversation: see trace.error), or was the bot created without "
            "logprobs=True?"
        )
    return np.array(values)


def perplexity(logprobs) -> float:
    """Perplexity of a piece of text from its tokens' natural-log probabilities: ``exp(-mean(logprobs))``.

    ``logprobs`` is a list of numbers, or the ``[{"token", "logprob"}, ...]`` list in ``trace.answer_logprobs``
    (OpenAI's API reports natural logs). Perplexity is the model's average surprise, expressed as "as uncertain as
    a fair choice among this many tokens": 1 means it was certain of every token; a uniform guess over k tokens
    gives k. A token with probability 0 (log-probability ``-inf``) makes the perplexity infinite.

    It measures how *predictable* the text was to the model, not whether it is *true*.
    """
    values = _logprob_values(logprobs)
    if np.isneginf(values).any():
        return math.inf
    return float(np.exp(-values.mean()))


__all__ = [
    "BLEU_SETTINGS",
    "CHRF_SETTINGS",
    "ROUGE_TYPES",
    "bleu",
    "bleu_details",
    "chrf",
    "perplexity",
    "rouge",
    "rouge_l",
    "similarity_scores",
]
