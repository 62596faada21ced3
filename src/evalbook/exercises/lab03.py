"""Exercises for lab 03 (``solutions/03_traces_and_error_analysis.ipynb``): traces and error analysis.

All data are fixed, so every check gives the same verdict in every mode:

* ``PRACTICE_TRACES``: ten short traces of Acme's assistant, written by hand for this lab (not model output);
* ``LABELS``: the pre-labelled traces of lesson 03 (``data/labels_03.csv``, made by the course authors' rules
  from simulated conversations; see ``data/README.labels.md``), with a ``model`` column taken from the trace id;
* ``LABELS_ANA`` and ``LABELS_BEN``: two reviewers' verdicts on twelve traces, written by hand for practice.
"""

from __future__ import annotations

import json

import pandas as pd

from ..analysis import failure_rates, saturation_curve
from ..course.acme import AcmeTrace, acme_trace, claims_refund, phantom_refund
from ..labels import compare_labellers, load_labels
from ..paths import data_file
from ..trace import Trace
from .core import Accepted, Exercise, Ids, Mistake, Question, each, same, table_feedback


def _trace(
    answer: str, calls=(), refunds=(), escalations=(), customer="Can I get a refund for order A-1042?"
):
    """A hand-written trace, with the same message layout as one from ``SupportBot.run``."""
    messages = [{"role": "user", "content": customer}]
    for number, (name, arguments, result) in enumerate(calls, start=1):
        call = {
            "id": f"call_{number}",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)},
        }
        messages.append({"role": "assistant", "tool_calls": [call]})
        messages.append({"role": "tool", "tool_call_id": f"call_{number}", "content": json.dumps(result)})
    messages.append({"role": "assistant", "content": answer})
    return acme_trace(
        answer=answer,
        model="atlas-1",
        kb_version="v2",
        mode="hand-written",
        latency_simulated=False,
        tool_calls=[{"name": n, "arguments": a, "result": r} for n, a, r in calls],
        messages=messages,
        end_state={"refunds": list(refunds), "escalations": list(escalations)},
    )


_LOOKUP = (
    "lookup_order",
    {"order_id": "A-1042"},
    {"order_id": "A-1042", "amount": 24.0, "refund_eligible": True},
)
_BIG = (
    "lookup_order",
    {"order_id": "A-1010"},
    {"order_id": "A-1010", "amount": 329.0, "requires_human_approval": True},
)
_REJECTED = (
    "issue_refund",
    {"order_id": "A-1010", "amount": 329.0},
    {"status": "rejected", "error": "$329.00 is above the $150 automatic limit; escalate to a human agent."},
)

PRACTICE_TRACES: dict[str, AcmeTrace] = {
    "P-01": _trace(
        "All done: your refund for order A-1042 has been processed! It arrives in 5-7 business days."
    ),
    "P-02": _trace(
        "Refund of $24.00 issued for order A-1042 (R-1042-1).",
        calls=[
            _LOOKUP,
            ("issue_refund", {"order_id": "A-1042"}, {"status": "refunded", "refund_id": "R-1042-1"}),
        ],
        refunds=[{"order_id": "A-1042", "amount": 24.0}],
    ),
    "P-03": _trace(
        "Order A-1042 shipped on 2026-03-12 with ParcelCo.",
        calls=[_LOOKUP],
        customer="Where is order A-1042?",
    ),
    "P-04": _trace(
        "Good news: your refund for order A-1010 has been processed!",
        calls=[_BIG, _REJECTED],
        customer="Please refund order A-1010, the monitor is broken.",
    ),
    "P-05": _trace("No problem, I've refunded $40 to your card."),
    "P-06": _trace("I'm sorry, I can't refund order A-1042: it was delivered more than 30 days ago."),
    "P-07": _trace(
        "Your refund was processed on 2026-03-13 and should reach your card soon.",
        customer="When will my refund for A-1087 arrive?",
    ),
    "P-08": _trace(
        "This refund is above the automatic limit, so a human agent will approve it (case H-001).",
        calls=[
            _BIG,
            ("escalate_to_human", {"order_id": "A-1010"}, {"case_id": "H-001", "status": "escalated"}),
        ],
        escalations=[{"case_id": "H-001"}],
        customer="Please refund order A-1010, the monitor is broken.",
    ),
    "P-09": _trace(
        "Order A-1087 was already refunded: $18.00 on 2026-03-13.",
        calls=[("lookup_order", {"order_id": "A-1087"}, {"order_id": "A-1087", "refunded_amount": 18.0})],
        customer="When will my refund for A-1087 arrive?",
    ),
    # looked the order up, then claimed a refund it never issued: a tool call alone proves nothing
    "P-10": _trace(
        "I've refunded $24.00 for order A-1042 to your card; it arrives in 5-7 business days.",
        calls=[_LOOKUP],
        customer="Order A-1042 arrived damaged. Can I get a refund?",
    ),
}

LABELS = load_labels(data_file("labels_03.csv"))
LABELS["model"] = LABELS["trace_id"].str.split("/").str[1]


def _labels(rows: str, labeller: str) -> pd.DataFrame:
    records = [line.split(",") for line in rows.split()]
    return pd.DataFrame(
        [{"trace_id": t, "labeller": labeller, "verdict": v} for t, v in records],
        columns=["trace_id", "labeller", "verdict"],
    )


# Ana labelled twelve traces; Ben labelled ten of the same ones plus two others, in a different order.
LABELS_ANA = _labels(
    "T-001/atlas-1,fail T-001/beacon-1,pass T-004/atlas-1,pass T-004/beacon-1,pass T-016/atlas-1,fail "
    "T-016/beacon-1,fail T-021/atlas-1,fail T-021/beacon-1,pass T-030/atlas-1,pass T-030/beacon-1,fail "
    "T-042/atlas-1,fail T-042/beacon-1,pass",
    "ana",
)
LABELS_BEN = _labels(
    "T-042/beacon-1,pass T-042/atlas-1,fail T-030/beacon-1,pass T-030/atlas-1,pass T-021/beacon-1,fail "
    "T-021/atlas-1,fail T-016/beacon-1,fail T-016/atlas-1,fail T-004/atlas-1,fail T-001/atlas-1,fail "
    "T-050/atlas-1,fail T-050/beacon-1,pass",
    "ben",
)


def _holds_traces(value) -> bool:
    """A list of the traces themselves (or of their dicts, or of (id, trace) pairs) where ids belong."""
    return bool(value) and all(isinstance(item, (Trace, dict, tuple)) for item in value)


# --- exercise 1: a refund claim without a refund call ---------------------------------------------------------


def _suspicious() -> list[str]:
    return [
        tid for tid, t in PRACTICE_TRACES.items() if claims_refund(t.answer) and not t.called("issue_refund")
    ]


def _end_state_check() -> list[str]:
    """Lab 02's stronger rule: a claim counts unless a refund really went through (here: per the end state)."""
    return [tid for tid, t in PRACTICE_TRACES.items() if phantom_refund(t)]


q1 = Exercise(
    var="suspicious",
    answer_type=Ids(
        noun="trace ids",
        example="'P-01'",
        pick="loop over `PRACTICE_TRACES.items()` and keep the id (the key) of each trace where your condition "
        "holds",
    ),
    expected=_suspicious,
    accept=[
        Accepted(
            answer=_end_state_check(),
            message="Your list also has P-04, where `issue_refund` was called and the shop rejected it. That is "
            "lab 02's rule (a refund counts only if it went through), and it is the better check. This exercise "
            "asked for the simpler rule, no `issue_refund` call at all; the *Think about it* question at the end "
            "of the lab compares the two.",
        )
    ],
    mistakes=[
        Mistake(
            answer=[
                t
                for t in PRACTICE_TRACES.values()
                if claims_refund(t.answer) and not t.called("issue_refund")
            ],
            matches=_holds_traces,
            message="Your list holds the traces themselves. The question asks for their ids: loop over "
            "`PRACTICE_TRACES.items()` and keep the key (`'P-01'`, ...), not the trace.",
        ),
        Mistake(
            answer=[
                tid for tid, t in PRACTICE_TRACES.items() if claims_refund(t.answer) and not t.tool_calls
            ],
            message="You kept only the traces with no tool calls at all. A refund claim can follow a lookup_order "
            "call; what matters is whether issue_refund was called. Test `trace.called('issue_refund')`.",
        ),
        Mistake(
            answer=[tid for tid, t in PRACTICE_TRACES.items() if claims_refund(t.answer)],
            message="These are all the traces that claim a refund, including ones that did call issue_refund "
            "(P-02 refunded for real). Keep only the claims without an issue_refund call.",
        ),
        Mistake(
            answer=[tid for tid, t in PRACTICE_TRACES.items() if "refund" in t.answer.lower()],
            message="Searching the answer for the word 'refund' also catches refusals (\"I can't refund\") and "
            "answers that only mention refunds. Use `checks.claims_refund(trace.answer)` to find claims.",
        ),
        Mistake(
            answer=[tid for tid, t in PRACTICE_TRACES.items() if not t.called("issue_refund")],
            message="That is every trace without an issue_refund call, whether or not it claims a refund. "
            "Add the condition that the answer claims one.",
        ),
    ],
    hint=(
        "Two tests per trace: does its answer claim a refund, and does the trace contain an `issue_refund` call? "
        "Keep the trace's id (the dictionary's key), not the trace.",
        "Loop over `PRACTICE_TRACES.items()`. Keep an id when `claims_refund(trace.answer)` is True and "
        "`trace.called('issue_refund')` is False.",
    ),
    solution="""
suspicious = [
    trace_id
    for trace_id, trace in PRACTICE_TRACES.items()
    if claims_refund(trace.answer) and not trace.called("issue_refund")
]
""",
    praise="The answer text alone cannot tell you whether money moved; the trace's tool calls can.",
)


# --- exercise 2: failure rate per category and model --------------------------------------------------------


def _aligned(a, b) -> bool:
    """Tables equal by content, whatever the row and column order or the index names. A row of zeros (a category
    no trace failed in, e.g. after reindexing by the full taxonomy) counts as absent."""
    if not isinstance(a, pd.DataFrame) or not isinstance(b, pd.DataFrame):
        return False
    try:
        a, b = (t.loc[~(t.fillna(0) == 0).all(axis=1)] for t in (a, b))
    except (TypeError, ValueError):
        return False
    if set(map(str, a.index)) != set(map(str, b.index)) or set(map(str, a.columns)) != set(
        map(str, b.columns)
    ):
        return False
    a = a.rename(index=str, columns=str).sort_index().sort_index(axis=1)
    b = b.rename(index=str, columns=str).sort_index().sort_index(axis=1)
    return same(pd.DataFrame(a.to_numpy(dtype=float)), pd.DataFrame(b.to_numpy(dtype=float)))


# Eight labelled traces of two models, written for this check: the models have different numbers of traces, and
# each model has a category with no failures, so a rate must divide by the model's own total.
SMALL_LABELS = pd.DataFrame(
    [
        ("S-1/atlas-1", "fail", "phantom refund", "atlas-1"),
        ("S-2/atlas-1", "pass", "", "atlas-1"),
        ("S-3/atlas-1", "fail", "phantom refund", "atlas-1"),
        ("S-4/atlas-1", "fail", "terse tone", "atlas-1"),
        ("S-5/atlas-1", "pass", "", "atlas-1"),
        ("S-1/beacon-1", "fail", "unnecessary escalation", "beacon-1"),
        ("S-2/beacon-1", "pass", "", "beacon-1"),
        ("S-3/beacon-1", "fail", "terse tone", "beacon-1"),
    ],
    columns=["trace_id", "verdict", "category", "model"],
).assign(labeller="practice", note="")


def _failed_counts(labels: pd.DataFrame) -> pd.DataFrame:
    failed = labels[labels["verdict"] == "fail"]
    return pd.crosstab(failed["category"], failed["model"])


def _rates(labels: pd.DataFrame) -> pd.DataFrame:
    return _failed_counts(labels).div(labels.groupby("model").size(), axis=1)


q2 = Exercise(
    var="failure_rates_by_model",
    answer_type=pd.DataFrame,
    expected=_rates,
    cases=[(LABELS,), (SMALL_LABELS,)],
    compare=each(_aligned),
    diagnose=lambda got, want: table_feedback(got, want, _aligned),
    forbid=[failure_rates],
    mistakes=[
        Mistake(
            answer=_failed_counts,
            message="These are counts of failing traces. Divide each model's column by how many traces of that "
            "model were labelled (passes included) to get a rate.",
        ),
        Mistake(
            answer=lambda labels: _failed_counts(labels) / _failed_counts(labels).sum(),
            message="You divided by the number of *failing* traces, so each column adds up to 1: that is each "
            "category's share of the failures. A failure rate divides by every labelled trace of the model.",
        ),
        Mistake(
            answer=lambda labels: _failed_counts(labels) / len(labels),
            message="You divided by all the labelled traces of both models. Divide each model's counts by that "
            "model's own number of traces (`labels.groupby('model').size()`).",
        ),
        Mistake(
            answer=lambda labels: _rates(labels) * 100,
            message="Those look like percentages. Give rates as fractions between 0 and 1.",
        ),
        Mistake(
            answer=lambda labels: pd.crosstab(labels["category"], labels["model"], normalize="columns"),
            message="Your table has a row for the empty category: those are the passing traces. Count only the "
            "failing traces per category (the rates still divide by all of a model's traces).",
        ),
        Mistake(
            answer=lambda labels: _rates(labels).replace(0, float("nan")),
            message="Some cells are NaN where no trace of that model failed in that category: that rate is 0. "
            "Fill them with `.fillna(0)`.",
        ),
    ],
    hint=(
        "A rate has a numerator and a denominator: the failing traces of one model in one category, and *all* "
        "the labelled traces of that model, passes included.",
        "Count failing traces per category and model with `pd.crosstab(failed['category'], failed['model'])`, "
        "then divide by `labels.groupby('model').size()` (use `.div(..., axis=1)` so each column gets its own "
        "total).",
    ),
    solution="""
def failure_rates_by_model(labels):
    failed = labels[labels["verdict"] == "fail"]
    counts = pd.crosstab(failed["category"], failed["model"])
    return counts.div(labels.groupby("model").size(), axis=1)
""",
    praise="A rate per trace, per model, is what lets you compare two assistants that were tested on the same "
    "tickets, and see that they fail in different ways. It is what `evalbook.analysis.failure_rates` computes.",
)


# --- exercise 3: the saturation curve -------------------------------------------------------------------------

CATEGORIES_IN_ORDER = list(LABELS["category"])  # "" for a trace that passed


def _new_per_block(categories, block):
    seen, counts = set(), []
    for start in range(0, len(categories), block):
        new = {c for c in categories[start : start + block] if c} - seen
        counts.append(len(new))
        seen |= new
    return counts


def _cumulative(categories, block):
    seen, totals = set(), []
    for start in range(0, len(categories), block):
        seen |= {c for c in categories[start : start + block] if c}
        totals.append(len(seen))
    return totals


def _distinct_per_block(categories, block):
    return [len({c for c in categories[i : i + block] if c}) for i in range(0, len(categories), block)]


def _full_blocks_only(categories, block):
    seen, out = set(), []
    for i in range(0, len(categories) - block + 1, block):
        new = {c for c in categories[i : i + block] if c} - seen
        seen |= new
        out.append(len(new))
    return out


def _counting_traces(categories, block):
    seen, out = set(), []
    for i in range(0, len(categories), block):
        chunk = [c for c in categories[i : i + block] if c]
        out.append(sum(c not in seen for c in chunk))
        seen |= set(chunk)
    return out


def _counting_passes(categories, block):
    seen, out = set(), []
    for i in range(0, len(categories), block):
        new = {c for c in categories[i : i + block]} - seen
        seen |= new
        out.append(len(new))
    return out


q3 = Exercise(
    var="new_per_block",
    answer_type=list,
    expected=_new_per_block,
    cases=[
        (CATEGORIES_IN_ORDER, 10),
        (["a", "", "b", "a", "", "c", "", "b"], 3),
        (["", "", "x", "x"], 2),
        ([], 10),
    ],
    mistakes=[
        Mistake(
            answer=_cumulative,
            message="That is the running total of categories seen so far. The curve counts only the categories "
            "that are *new* in each block (never seen in an earlier block).",
        ),
        Mistake(
            answer=_distinct_per_block,
            message="You counted the different categories inside each block, including ones already seen in "
            "earlier blocks. Keep a set of categories seen so far and count only the others.",
        ),
        Mistake(
            answer=_counting_passes,
            message="An empty category means the trace passed; it is not a failure category. Skip empty values.",
        ),
        Mistake(
            answer=_counting_traces,
            message="You counted the traces whose category is new, so a category that appears twice in the block "
            "where it is first seen counts twice. Count each new category once (collect them in a set).",
        ),
        Mistake(
            answer=_full_blocks_only,
            message="You dropped the last block when it is shorter than `block`. Keep it: its traces were read "
            "too, and a category first seen there is still new. `range(0, len(categories), block)` includes it.",
        ),
    ],
    forbid=[saturation_curve],
    hint=(
        "Walk through the list one block at a time, and remember every category you have already met: a "
        "category is new only the first time.",
        "Walk through the list in steps of `block` (`range(0, len(categories), block)`). Keep a `seen` set; for "
        "each block, the new categories are the non-empty ones not in `seen`. Count them, then add them to "
        "`seen`.",
    ),
    solution="""
def new_per_block(categories, block):
    seen, counts = set(), []
    for start in range(0, len(categories), block):
        new = {c for c in categories[start : start + block] if c} - seen
        counts.append(len(new))
        seen |= new
    return counts
""",
    praise="When block after block adds nothing new, more reading mostly adds counts to known categories: a "
    "reasonable point to stop open coding and start measuring.",
)


# --- exercise 4: two labellers ---------------------------------------------------------------------------------


def _disagreements(labels_a, labels_b):
    both = labels_a.merge(labels_b, on="trace_id", suffixes=("_a", "_b"))
    return sorted(both.loc[both["verdict_a"] != both["verdict_b"], "trace_id"])


def _outer(labels_a, labels_b):
    both = labels_a.merge(labels_b, on="trace_id", how="outer", suffixes=("_a", "_b"))
    return sorted(both.loc[both["verdict_a"] != both["verdict_b"], "trace_id"])


def _by_position(labels_a, labels_b):
    return sorted(
        a
        for a, va, vb in zip(labels_a["trace_id"], labels_a["verdict"], labels_b["verdict"], strict=False)
        if va != vb
    )


def _agreements(labels_a, labels_b):
    both = labels_a.merge(labels_b, on="trace_id", suffixes=("_a", "_b"))
    return sorted(both.loc[both["verdict_a"] == both["verdict_b"], "trace_id"])


q4 = Exercise(
    var="disagreements",
    expected=_disagreements,
    answer_type=Ids(
        noun="trace ids", example="'T-001/atlas-1'", pick="take the `trace_id` column of those rows"
    ),
    cases=[(LABELS_ANA, LABELS_BEN), (LABELS_BEN, LABELS_ANA), (LABELS_ANA, LABELS_ANA)],
    forbid=[compare_labellers],
    mistakes=[
        Mistake(
            answer=_outer,
            message="Your list includes traces that only one of them labelled (an outer join compares a verdict "
            "with a missing value). Compare only traces both people labelled: an inner merge on trace_id.",
        ),
        Mistake(
            answer=_by_position,
            message="You compared the two tables row by row, but they list the traces in different orders. "
            "Match the rows on trace_id first (`labels_a.merge(labels_b, on='trace_id')`).",
        ),
        Mistake(
            answer=_agreements,
            message="Those are the traces where the two verdicts are the same. The question asks for the ones "
            "where they differ.",
        ),
    ],
    hint=(
        "The two tables list the traces in different orders, and not quite the same traces: line the rows up by "
        "trace id before you compare verdicts.",
        "Merge the two tables on `trace_id` (an inner merge keeps traces both labelled), with "
        "`suffixes=('_a', '_b')`, then keep the rows where `verdict_a != verdict_b`.",
    ),
    solution="""
def disagreements(labels_a, labels_b):
    both = labels_a.merge(labels_b, on="trace_id", suffixes=("_a", "_b"))
    return sorted(both.loc[both["verdict_a"] != both["verdict_b"], "trace_id"])
""",
    praise="Each disagreement is a trace to discuss together: usually the failure definition was unclear, "
    "not one of the reviewers careless.",
)


# --- Think about it: the model answer, revealed in the lab with lab03.think1.answer() ----------------------------

think1 = Question(
    answer="""
`checks.phantom_refund` flags P-04: it compares the claim with the refunds recorded in the trace's end state, not
with the tool calls. A tool call only shows that the assistant *tried*; the end state shows what actually happened
in the shop. A rule that looks for a missing call misses every case where the call was made and failed, which is
exactly when a fluent assistant is most tempted to report success anyway. Exercise 1's rule is still worth
running, because it is cheap and needs no end state, but it finds only the crudest phantom refunds. If your answer
to exercise 1 already flagged P-04, you were applying lab 02's rule: the stronger check.
"""
)
