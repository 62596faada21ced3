"""How the simulated models answer a multiple-choice question.

The simulator calls :func:`looks_like_mcq` on the last user message of every chat request and, when it says
yes, :func:`respond` for the reply. The simulated models "know" the questions shipped in
``benchmark_mcq.csv`` the way a real model knows facts: consistently. Each model knows a fixed share of each
subject's questions (:data:`SUBJECT_ACCURACY`), and which questions it knows is settled once, by a stable hash
of the model and the question id. Asking again, rewording the system prompt or reordering the options does
not change whether the model knows the answer, so a difference a learner measures between two prompt designs
is never hash noise passed off as a finding. What the request's ``draw`` decides is which wrong letter a model
gives when it does not know, and the letter it guesses for a question it has never seen (a learner's own).

atlas-1, the benchmark champion, knows about 88% of the set; beacon-1 knows about 70% and is weakest in world
history, algebra, chemistry and statistics. Any other model name behaves like beacon-1. atlas-1 replies with
the bare letter ("B"); beacon-1 replies "Answer: B". Neither ever claims to recognise a question.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache

from ..paths import data_file
from .draw import Draw

ATLAS = "atlas-1"
BEACON = "beacon-1"

# Share of each subject's shipped questions a model answers correctly. With n questions in a subject the model
# knows round(share x n) of them, so the benchmark accuracy is exactly the count-weighted mean of these shares
# (with 10 questions per subject: atlas-1 97/110 = 88.2%, beacon-1 77/110 = 70.0%).
SUBJECT_ACCURACY: dict[str, dict[str, float]] = {
    ATLAS: {
        "arithmetic": 0.9,
        "algebra": 0.9,
        "geography": 1.0,
        "biology": 0.9,
        "chemistry": 0.8,
        "physics": 0.9,
        "world history": 0.9,
        "computer science": 0.9,
        "economics": 0.8,
        "statistics": 0.8,
        "English usage": 0.9,
    },
    BEACON: {
        "arithmetic": 0.8,
        "algebra": 0.6,
        "geography": 0.7,
        "biology": 0.8,
        "chemistry": 0.6,
        "physics": 0.7,
        "world history": 0.5,
        "computer science": 0.9,
        "economics": 0.7,
        "statistics": 0.6,
        "English usage": 0.8,
    },
}

# Used for a subject missing from the table above (only if someone adds questions without updating it).
DEFAULT_ACCURACY: dict[str, float] = {ATLAS: 0.88, BEACON: 0.70}

LETTERS = ("A", "B", "C", "D")

# An option line: "A. text", "A) text", "(A) text", "A: text" (letters A to H, either case).
_OPTION_LINE = re.compile(r"^\s*[(\[]?([A-Ha-h])\s*[).\]:]\s*(\S.*?)\s*$")
_MCQ_WORDS = re.compile(r"\b(letter|option|options|choice|choices|answer)\b", re.IGNORECASE)
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def profile(model: str) -> str:
    """The behaviour profile of a model name: atlas-1 is itself, every other name behaves like beacon-1."""
    return ATLAS if model == ATLAS else BEACON


def normalise(text: str) -> str:
    """Case-folded words and numbers separated by single spaces: punctuation, quotes and layout do not count."""
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def _same_option(a: str, b: str) -> bool:
    """Two option texts are the same up to case, spacing and a final full stop ("-2" and "2" differ)."""

    def tidy(text: str) -> str:
        return " ".join(text.casefold().split()).rstrip(".")

    return tidy(a) == tidy(b)


def parse_options(text: str) -> dict[str, str]:
    """The longest run of consecutive option lines starting at A (``{"A": "...", "B": "...", ...}``)."""
    best: dict[str, str] = {}
    run: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue  # blank lines between options do not break the run
        match = _OPTION_LINE.match(line)
        letter = match.group(1).upper() if match else None
        if letter == "A":
            run = {"A": match.group(2)}
        elif letter is not None and run and ord(letter) == ord(max(run)) + 1:
            run[letter] = match.group(2)
        else:
            run = {}
        if len(run) > len(best):
            best = dict(run)
    return best


def looks_like_mcq(text: str) -> bool:
    """True for a multiple-choice question: at least three labelled options from A, or two and a word like
    "answer" or "letter". Support messages ("A. my order is late") do not normally have that shape."""
    if not isinstance(text, str):
        return False
    options = parse_options(text)
    return len(options) >= 3 or (len(options) == 2 and _MCQ_WORDS.search(text) is not None)


@lru_cache(maxsize=1)
def _benchmark() -> tuple[dict[str, str], ...]:
    """The shipped questions, read once per process."""
    with open(data_file("benchmark_mcq.csv"), encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


@lru_cache(maxsize=1)
def _index() -> tuple[tuple[str, dict[str, str]], ...]:
    """(padded normalised question, row), longest question first so the most specific match wins."""
    pairs = [(f" {normalise(row['question'])} ", row) for row in _benchmark()]
    return tuple(sorted(pairs, key=lambda pair: -len(pair[0])))


def find_question(text: str) -> dict[str, str] | None:
    """The shipped benchmark row whose question appears in ``text``, or None for a question we do not ship."""
    haystack = f" {normalise(text)} "
    for needle, row in _index():
        if needle in haystack:
            return row
    return None


def share(model: str, subject: str) -> float:
    """The share of ``subject``'s shipped questions that ``model`` knows (see :data:`SUBJECT_ACCURACY`)."""
    name = profile(model)
    return SUBJECT_ACCURACY[name].get(subject, DEFAULT_ACCURACY[name])


@lru_cache(maxsize=4)
def known_questions(model: str) -> frozenset[str]:
    """Ids of the shipped questions ``model`` answers correctly.

    In each subject the questions are ranked by a hash of the profile name and the question id, and the first
    round(share x n) are known. Ranking (rather than a coin flip per question) makes the accuracy exactly the
    documented share, whatever the hash happens to give.
    """
    name = profile(model)
    rank = Draw(f"evalbook.sim.mcq knowledge {name}")
    by_subject: dict[str, list[str]] = {}
    for row in _benchmark():
        by_subject.setdefault(row["subject"], []).append(row["question_id"])
    known: set[str] = set()
    for subject, ids in by_subject.items():
        count = int(share(name, subject) * len(ids) + 0.5)
        known.update(sorted(ids, key=rank.uniform)[:count])
    return frozenset(known)


def expected_accuracy(model: str, subject: str | None = None) -> float:
    """The accuracy ``model`` gets on the shipped questions (of one subject, or all), asked as shipped."""
    rows = [row for row in _benchmark() if subject is None or row["subject"] == subject]
    if not rows:
        raise ValueError(f"The benchmark has no questions in the subject {subject!r}.")
    known = known_questions(profile(model))
    return sum(row["question_id"] in known for row in rows) / len(rows)


def _reply(model: str, letter: str) -> str:
    return letter if profile(model) == ATLAS else f"Answer: {letter}"


def respond(model: str, text: str, draw: Draw) -> str:
    """The reply of ``model`` to the multiple-choice question ``text`` (the last user message).

    A shipped question is recognised by its normalised text; the correct letter is taken from the options as
    they appear in the prompt, so a learner who shuffles the options still gets a model that knows the fact
    rather than the letter. If the options in the prompt no longer contain the correct one, or the question is
    not shipped, the model guesses a letter with ``draw``.
    """
    options = parse_options(text)
    letters = list(options) if len(options) >= 2 else list(LETTERS)
    row = find_question(text)
    if row is not None:
        if options:
            correct = next((k for k, v in options.items() if _same_option(v, row[row["answer"]])), None)
        else:
            correct = row["answer"]
        if correct is not None:
            if row["question_id"] in known_questions(profile(model)):
                return _reply(model, correct)
            wrong = [letter for letter in letters if letter != correct]
            return _reply(model, draw.choice("mcq-wrong-letter", wrong))
    return _reply(model, draw.choice("mcq-guess", letters))
