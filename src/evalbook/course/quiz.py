"""A small multiple-choice benchmark, and the few tools needed to run it and read its result honestly.

Lesson 01 uses this module to build the kind of leaderboard a model card shows: ask every question, parse the
letter out of each reply, count, and report accuracy with a confidence interval (from :mod:`evalbook.stats`). The interval is the point: on
110 questions a five-point gap between two models can be noise, and the learner should see that before any
decision is made on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import InputError, InputTypeError, MissingColumnError
from ..paths import data_file
from ..stats import accuracy_ci, outcomes

LETTERS = ("A", "B", "C", "D")
COLUMNS = ("question_id", "subject", "question", "A", "B", "C", "D", "answer")

MCQ_SYSTEM_PROMPT = (
    "You are taking a multiple-choice test. Each question has exactly one correct option. "
    "Reply with the letter of the correct option only."
)
ANSWER_INSTRUCTION = "Answer with the letter of the correct option."


def load_benchmark() -> pd.DataFrame:
    """The shipped questions, one row each, every column as text.

    Options are read as text on purpose: "0110" must stay "0110", and an option such as "None" must not become
    a missing value.
    """
    return pd.read_csv(data_file("benchmark_mcq.csv"), dtype=str, keep_default_na=False)


def _field(row, name: str) -> str:
    """One field of a question row (a DataFrame row or a dict), with a clear message when it is missing."""
    if not isinstance(row, (Mapping, pd.Series)):
        raise InputTypeError(
            f"Expected one question as a row of the benchmark table (or a dict), got {type(row).__name__}. "
            "Loop with `for _, row in df.iterrows():` and pass `row`."
        )
    if name not in row.keys():
        raise MissingColumnError(
            f"The question row has no {name!r} field. A row needs the fields 'question', 'A', 'B', 'C' and 'D'; "
            "use a row of load_benchmark() or a dict with those keys."
        )
    value = row[name]
    if not isinstance(value, str) or not value.strip():
        raise InputError(
            f"The field {name!r} of this question row is empty or not text; fill it in before asking."
        )
    return value.strip()


def format_question(row) -> str:
    """The user message for one question: the question, the options A to D on their own lines, the instruction.

    >>> print(format_question({"question": "2 + 2?", "A": "3", "B": "4", "C": "5", "D": "22"}))
    2 + 2?
    A. 3
    B. 4
    C. 5
    D. 22
    Answer with the letter of the correct option.
    """
    lines = [_field(row, "question")]
    lines += [f"{letter}. {_field(row, letter)}" for letter in LETTERS]
    lines.append(ANSWER_INSTRUCTION)
    return "\n".join(lines)


def mcq_messages(row) -> list[dict]:
    """The chat messages for one question, ready for ``client.chat.completions.create(messages=...)``."""
    return [
        {"role": "system", "content": MCQ_SYSTEM_PROMPT},
        {"role": "user", "content": format_question(row)},
    ]


# Places where a reply names its choice. Lower-case letters count only where the context makes them a choice
# ("(b)", "answer: b", a reply that is just "b"), never as the article "a" in running text.
_WHOLE_REPLY = re.compile(r"^\W*([A-Da-d])\W*$")
_PARENTHESISED = re.compile(r"[(\[]([A-Da-d])[)\]]")
_AFTER_KEYWORD = re.compile(
    r"\b(?i:answer|option|choice)\s*(?i:is|would be|:|=|-)?\s*[(\[]?([A-D]|[b-d]|a(?!\s+[a-z]))(?![\w'-])"
)
_LEADING = re.compile(r"^\s*\**\s*([A-D])\s*[.):]")
# A capital letter standing alone ("I think B is right"), except the article "A" before a lower-case word
# ("A cell is...") other than a few that follow a letter ("A is correct", "A or B").
_STANDALONE = re.compile(
    r"(?<![\w'-])(?:([B-D])|A(?!\s+(?!(?:is|was|or|and|nor|seems|looks|because)\b)[a-z]))(?![\w'-])"
)


def parse_choice(text: str | None) -> str | None:
    """The letter (A to D) a reply chooses, or None if it names no letter or several different ones.

    Handles "B", "b", "Answer: B", "(b)", "The answer is B.", "B. Paris", "I think C is right", and a letter on
    a first line of its own followed by an explanation ("B\n\nA is wrong because..."). A reply that
    commits to two different letters ("A or B", "(A) or (B)", "The answer is A... no, the answer is B") is None,
    so it is not counted as correct even if one of them is the key.
    """
    if text is None:
        return None  # the API returns None content when the model made a tool call instead of answering
    if not isinstance(text, str):
        raise InputTypeError(
            f"parse_choice expects the reply text, got {type(text).__name__}. "
            "Pass `response.choices[0].message.content`, not the whole response."
        )
    whole = _WHOLE_REPLY.match(text)
    if whole:
        return whole.group(1).upper()
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    alone = _WHOLE_REPLY.match(first_line)
    if alone:  # "B" on a line of its own, then an explanation that may mention other letters
        return alone.group(1).upper()
    # Marked letters ("(B)", "answer: B", a leading "B.") outrank loose capitals, so that an echoed option line
    # such as "B. 0.33 A" or a reply such as "The answer is B, not C" is read as B.
    found = {m.group(1).upper() for m in _PARENTHESISED.finditer(text)}
    found |= {m.group(1).upper() for m in _AFTER_KEYWORD.finditer(text)}
    found |= {m.group(1) for m in _LEADING.finditer(text)}
    if not found:
        found = {m.group(1) or "A" for m in _STANDALONE.finditer(text)}
    return found.pop() if len(found) == 1 else None


def _summarise(df: pd.DataFrame, keys: list[str], correct_col: str) -> pd.DataFrame:
    rows = []
    for group, part in df.groupby(keys, sort=True):
        group = group if isinstance(group, tuple) else (group,)
        accuracy, low, high = accuracy_ci(part[correct_col])
        rows.append(
            {
                **dict(zip(keys, group, strict=True)),
                "n": len(part),
                "correct": int(part[correct_col].astype(bool).sum()),
                "accuracy": accuracy,
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows)


def _check_results(df, correct_col: str, needed: tuple[str, ...]) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InputTypeError(f"Expected a results table (a pandas DataFrame), got {type(df).__name__}.")
    missing = [c for c in (*needed, correct_col) if c not in df.columns]
    if missing:
        raise MissingColumnError(
            f"The results table has no column {missing[0]!r}. It needs one row per question and model with the "
            f"columns {[*needed, correct_col]}; add the missing column or pass correct_col=... to name yours."
        )
    if df.empty:
        raise InputError("The results table is empty. Run the benchmark first.")
    outcomes(df[correct_col], f"The column {correct_col!r}")


def leaderboard(df: pd.DataFrame, correct_col: str = "correct") -> pd.DataFrame:
    """One row per model: n, correct, accuracy and its 95% Wilson interval, best model first."""
    _check_results(df, correct_col, ("model",))
    table = _summarise(df, ["model"], correct_col)
    return table.sort_values("accuracy", ascending=False, kind="stable").reset_index(drop=True)


def per_subject(df: pd.DataFrame, correct_col: str = "correct") -> pd.DataFrame:
    """Accuracy, n and the 95% Wilson interval per subject (per model and subject if there is a ``model`` column).

    Per-subject numbers rest on about ten questions each, so their intervals are wide: read them as a hint of
    where a model is weak, not as a ranking.
    """
    _check_results(df, correct_col, ("subject",))
    keys = ["model", "subject"] if "model" in df.columns else ["subject"]
    return _summarise(df, keys, correct_col)


def plot_leaderboard(summary: pd.DataFrame, ax=None, simulated: bool = True):
    """Bar chart of accuracy with the confidence interval as error bars; returns the matplotlib Axes.

    ``summary`` is the output of :func:`leaderboard` (one bar per model) or of :func:`per_subject` (bars per
    subject, grouped by model when there is a ``model`` column). ``simulated`` labels the chart as coming from
    the offline simulator; pass False only for numbers measured on real models.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    if not isinstance(summary, pd.DataFrame):
        raise InputTypeError(
            f"Expected the table from leaderboard() or per_subject(), got {type(summary).__name__}."
        )
    missing = [c for c in ("accuracy", "ci_low", "ci_high") if c not in summary.columns]
    if missing or not ({"model", "subject"} & set(summary.columns)):
        raise MissingColumnError(
            "plot_leaderboard needs the table from leaderboard() or per_subject(): columns 'accuracy', 'ci_low', "
            "'ci_high' and 'model' or 'subject'."
        )
    if summary.empty:
        raise InputError("The summary table is empty; there is nothing to plot.")
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))

    by_subject = "subject" in summary.columns
    label_col = "subject" if by_subject else "model"
    categories = list(dict.fromkeys(summary[label_col]))
    # Per-subject tables with several models get one bar per model in each subject (grouped bars).
    models = list(dict.fromkeys(summary["model"])) if by_subject and "model" in summary.columns else [None]
    width = 0.8 / len(models)
    positions = np.arange(len(categories))
    for i, model in enumerate(models):
        part = summary if model is None else summary[summary["model"] == model]
        part = part.set_index(label_col).reindex(categories)
        acc = part["accuracy"].to_numpy(dtype=float)
        low = part["ci_low"].to_numpy(dtype=float)
        high = part["ci_high"].to_numpy(dtype=float)
        offset = (i - (len(models) - 1) / 2) * width
        bars = ax.bar(
            positions + offset, acc, width, yerr=np.vstack([acc - low, high - acc]), capsize=3, label=model
        )
        if model is None:
            ax.bar_label(bars, labels=[f"{a:.0%}" for a in acc], label_type="center", color="white")
    crowded = len(categories) > 4
    ax.set_xticks(positions, categories, rotation=30 if crowded else 0, ha="right" if crowded else "center")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("Subject" if by_subject else "Model")
    ax.set_ylabel("Accuracy (95% Wilson interval)")
    source = "simulated models" if simulated else "live models"
    ax.set_title(f"Multiple-choice benchmark accuracy ({source})")
    if models != [None]:
        ax.legend(title="Model", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax
