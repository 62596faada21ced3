"""evalbook.metrics: the wrappers agree with the libraries, give hand-checked values, and fail with clear errors."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap

import pytest
import sacrebleu
from rouge_score import rouge_scorer

from evalbook import EvalbookError, metrics

REFERENCE = "I've issued a refund of $64.99 for order A-1026. It will reach your original payment method in 5-7 business days."
PHANTOM = "All done: your refund for order A-1026 has been processed! It will show up on your original payment method within 5-7 business days."
PAIRS = [
    (PHANTOM, REFERENCE),
    ("Refund of $64.99 issued for order A-1026.", REFERENCE),
    (
        "Our human support team is available 24/7.",
        "Our human support team is available 9am-5pm Monday to Friday.",
    ),
    ("ok", "The parcel left our warehouse on Monday."),
]


# --- similarity: the libraries' numbers, on worked examples ---------------------------------------------------


def test_identical_text_scores_the_maximum_on_every_metric():
    scores = metrics.similarity_scores(REFERENCE, REFERENCE)
    assert scores["bleu"] == pytest.approx(100)
    assert scores["chrf"] == pytest.approx(100)
    assert scores["rouge1"] == pytest.approx(1) and scores["rougeL"] == pytest.approx(1)


def test_text_with_no_words_in_common_scores_about_zero():
    scores = metrics.similarity_scores("dogs bark loudly", "the cat sat on the mat")
    assert scores["bleu"] < 1
    assert scores["chrf"] < 5
    assert scores["rouge1"] == 0 and scores["rougeL"] == 0


@pytest.mark.parametrize(("hypothesis", "reference"), PAIRS)
def test_bleu_and_chrf_are_sacrebleus_sentence_scores_with_the_documented_settings(hypothesis, reference):
    expected_bleu = sacrebleu.sentence_bleu(
        hypothesis, [reference], smooth_method="exp", tokenize="13a", use_effective_order=True
    ).score
    assert metrics.bleu(hypothesis, reference) == pytest.approx(expected_bleu)
    assert metrics.chrf(hypothesis, reference) == pytest.approx(
        sacrebleu.sentence_chrf(hypothesis, [reference]).score
    )


@pytest.mark.parametrize(("hypothesis", "reference"), PAIRS)
def test_rouge_is_rouge_scores_f_measure_with_stemming_and_the_reference_passed_as_target(
    hypothesis, reference
):
    scorer = rouge_scorer.RougeScorer(["rouge1", "rougeL"], use_stemmer=True)
    expected = scorer.score(reference, hypothesis)
    got = metrics.rouge(hypothesis, reference)
    assert got["rouge1"] == pytest.approx(expected["rouge1"].fmeasure)
    assert got["rougeL"] == pytest.approx(expected["rougeL"].fmeasure)
    assert metrics.rouge_l(hypothesis, reference) == pytest.approx(expected["rougeL"].fmeasure)


def test_rouge_l_by_hand():
    # Longest common subsequence "the cat was under the bed": 6 words; precision 6/7, recall 6/6, F = 12/13.
    assert metrics.rouge_l("the cat was found under the bed", "the cat was under the bed") == pytest.approx(
        12 / 13
    )


def test_short_sentence_bleu_uses_the_effective_order_and_the_brevity_penalty():
    # "the cat" has only 1- and 2-grams, both matched: precision 1 at the two effective orders. The reference is
    # 6 words, the hypothesis 2, so the brevity penalty is exp(1 - 6/2) = exp(-2).
    assert metrics.bleu("the cat", "the cat sat on the mat") == pytest.approx(100 * math.exp(-2))


def test_bleu_is_not_symmetric_so_the_argument_order_matters():
    assert metrics.bleu("the cat", "the cat sat on the mat") < metrics.bleu(
        "the cat sat on the mat", "the cat"
    )


def test_several_references_score_against_the_best_match():
    assert metrics.bleu(REFERENCE, ["Something unrelated.", REFERENCE]) == pytest.approx(100)
    assert metrics.rouge_l(REFERENCE, ["Something unrelated.", REFERENCE]) == pytest.approx(1)


def test_stemming_matches_inflected_words():
    assert metrics.rouge("refunds issued", "refund issue")["rouge1"] == pytest.approx(1)


@pytest.mark.parametrize(
    ("hypothesis", "reference", "fragment"),
    [
        (None, "text", "must be a string"),
        (42, "text", "not int"),
        ("text", 42, "reference must be a string"),
        ("text", [], "non-empty list"),
        ("text", ["ok", 3], "non-empty list of strings"),
    ],
)
def test_bad_inputs_get_a_sentence_saying_what_to_pass(hypothesis, reference, fragment):
    for metric in (metrics.bleu, metrics.chrf, metrics.rouge, metrics.rouge_l):
        with pytest.raises(EvalbookError, match=fragment):
            metric(hypothesis, reference)


def test_the_metrics_run_offline_without_any_download(tmp_path):
    """No network and no nltk data folder: the stemmer and tokenisers must still work."""
    code = textwrap.dedent(
        """
        import socket

        def refuse(*args, **kwargs):
            raise OSError("network disabled for this test")

        socket.socket.connect = refuse
        socket.create_connection = refuse
        from evalbook import metrics

        assert metrics.rouge("refunds issued", "refund issue")["rouge1"] == 1.0
        assert round(metrics.bleu("the cat sat", "the cat sat")) == 100
        assert round(metrics.chrf("the cat sat", "the cat sat")) == 100
        print("offline ok")
        """
    )
    env = {**os.environ, "HOME": str(tmp_path), "NLTK_DATA": str(tmp_path / "nltk_data")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "offline ok" in done.stdout
    assert not (tmp_path / "nltk_data").exists()


# --- perplexity ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 7, 50])
def test_perplexity_of_a_uniform_guess_over_k_tokens_is_k(k):
    assert metrics.perplexity([math.log(1 / k)] * 5) == pytest.approx(k)


def test_perplexity_is_exp_of_minus_the_mean_and_reads_trace_logprobs():
    logprobs = [-0.1, -2.0, -0.5]
    assert metrics.perplexity(logprobs) == pytest.approx(math.exp(-sum(logprobs) / 3))
    as_trace = [{"token": t, "logprob": lp} for t, lp in zip(["I", " have", "!"], logprobs, strict=True)]
    assert metrics.perplexity(as_trace) == pytest.approx(metrics.perplexity(logprobs))


def test_a_certain_model_has_perplexity_one_and_an_impossible_token_makes_it_infinite():
    assert metrics.perplexity([0.0, 0.0]) == 1.0
    assert metrics.perplexity([-0.2, -math.inf]) == math.inf


@pytest.mark.parametrize(
    ("logprobs", "fragment"),
    [
        ([], "no log-probabilities"),
        ([-0.5, 0.3], "never positive"),
        ([0.9, 0.1], "Did you pass probabilities"),
        ("-0.5, -0.2", "list of token log-probabilities"),
        (None, "logprobs=True"),
        (-0.5, "list of token log-probabilities"),
        ([-0.5, "x"], "must be a number"),
        ([-0.5, True], "must be a number"),
        ([-0.5, float("nan")], "NaN"),
        ([{"token": "hi"}], "without a 'logprob' key"),
    ],
)
def test_perplexity_rejects_bad_input_with_a_clear_message(logprobs, fragment):
    with pytest.raises(EvalbookError, match=fragment):
        metrics.perplexity(logprobs)


def test_bleu_details_explain_the_score_the_way_sacrebleu_computes_it():
    import math

    details = metrics.bleu_details("I have processed it.", "I have processed your refund.")
    assert details["bleu"] == pytest.approx(
        metrics.bleu("I have processed it.", "I have processed your refund.")
    )
    assert details["matches"] == [4, 2, 1, 0] and details["totals"] == [5, 4, 3, 2]
    assert (details["reply_length"], details["reference_length"]) == (5, 6)
    assert details["brevity_penalty"] == pytest.approx(math.exp(1 - 6 / 5))  # shorter than the reference
    geometric = math.exp(sum(math.log(p / 100) for p in details["precisions"]) / 4)
    assert details["bleu"] == pytest.approx(100 * details["brevity_penalty"] * geometric, rel=1e-3)
    longer = metrics.bleu_details(
        "I have processed your refund today, thanks.", "I have processed your refund."
    )
    assert longer["brevity_penalty"] == 1.0
