"""A real, small n-gram language model of "support English", used for ``logprobs`` in the simulator.

It is a trigram model with Kneser-Ney-style interpolated smoothing from ``nltk.lm``, trained on Acme's reply corpus
(``data/reply_corpus.txt``). Perplexity computed from its log-probabilities is genuine language-model arithmetic:
fluent, typical support phrasing gets high probability whatever its truth, which is exactly the point lesson 02
makes about confidence and correctness.
"""

from __future__ import annotations

import math
import re
import threading
from functools import lru_cache

from ..paths import data_file

ORDER = 3
# Tokens as the API shows them: words and punctuation, each word carrying its leading space, like BPE tokens do.
_TOKEN = re.compile(r"\s*(?:\$?\d+(?:[.,]\d+)*|[A-Za-z]+(?:'[a-z]+)?|[^\sA-Za-z0-9])")
_lock = threading.Lock()


def tokenize(text: str) -> list[str]:
    """Split text into API-style tokens: ``"Hi there!"`` -> ``["Hi", " there", "!"]``. They join back to the text."""
    return _TOKEN.findall(text or "")


def _norm(token: str) -> str:
    token = token.strip().lower()
    return "<num>" if token[:1].isdigit() or token[:2].startswith("$") and token[1:2].isdigit() else token


@lru_cache(maxsize=1)
def _model():
    """Trained on first use; nltk is imported here because importing it takes about a second (it pulls in
    scipy), which every sim client used to pay even when no request asked for logprobs."""
    from nltk.lm import WittenBellInterpolated
    from nltk.lm.preprocessing import padded_everygram_pipeline

    lines = data_file("reply_corpus.txt").read_text(encoding="utf-8").splitlines()
    sentences = [[_norm(t) for t in tokenize(line)] for line in lines if line.strip()]
    train, vocab = padded_everygram_pipeline(ORDER, sentences)
    model = WittenBellInterpolated(ORDER)
    model.fit(train, vocab)
    return model


def token_logprobs(text: str) -> list[tuple[str, float]]:
    """Each token of ``text`` with its natural-log probability under the reply-corpus model."""
    tokens = tokenize(text)
    model = _model()
    history = ["<s>"] * (ORDER - 1)
    out = []
    with _lock:  # nltk's counters are not guaranteed thread-safe while caching
        for token in tokens:
            word = _norm(token)
            p = model.score(word if word in model.vocab else "<UNK>", history[-(ORDER - 1) :])
            out.append((token, math.log(max(p, 1e-12))))
            history.append(word)
    return out
