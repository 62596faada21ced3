"""Exercises for lab 01 (``solutions/01_model_vs_product_evals.ipynb``): scoring a benchmark, costing decisions.

All data here are small, fixed and fictional, written by hand for practice: forty replies of an unnamed model to a
multiple-choice test, and twenty-four insurance claims triaged by two unnamed models ("model A", the benchmark
favourite, and "model B", the careful one). They are not measurements of any model, simulated or real. The lab
imports them from here, so the learner computes on exactly the data the checks grade.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from evalbook.course import harbor
from evalbook.course.harbor import load_costs
from evalbook.course.quiz import parse_choice
from evalbook.stats import accuracy_ci

from .core import Exercise, Ids, Mistake, Question, interval_feedback

__all__ = [
    "CLAIMS",
    "CORRECT",
    "COSTS",
    "HIGH_REVIEW_COSTS",
    "MODEL_A",
    "MODEL_B",
    "REPLIES",
    "q1",
    "q2",
    "q3",
    "q4",
    "think1",
    "think2",
    "think3",
]

# --- Exercise 1: forty raw replies to a multiple-choice test ---------------------------------------------------
# (question_id, the key's letter, the model's reply exactly as it came back). Some replies are wordy, some are
# lower case, and four name no single letter.
_REPLY_ROWS = [
    ("q01", "B", "B"),
    ("q02", "A", "B"),
    ("q03", "B", "The answer is B."),
    ("q04", "C", "I think C is right."),
    ("q05", "B", "B"),
    ("q06", "B", "The answer is D."),
    ("q07", "A", "I think A is right."),
    ("q08", "A", "A"),
    ("q09", "C", "C"),
    ("q10", "A", "Answer: A"),
    ("q11", "A", "The answer is D."),
    ("q12", "D", "I think D is right."),
    ("q13", "D", "D"),
    ("q14", "C", "C"),
    ("q15", "D", "Answer: A"),
    ("q16", "A", "The answer is A."),
    ("q17", "D", "B"),
    ("q18", "D", "D"),
    ("q19", "D", "The answer is C."),
    ("q20", "B", "The answer is B."),
    ("q21", "C", "I think C is right."),
    ("q22", "A", "B"),
    ("q23", "C", "(c)"),
    ("q24", "D", "The answer is D."),
    ("q25", "C", "I am not sure."),
    ("q26", "C", "C"),
    ("q27", "B", "C"),
    ("q28", "A", "(a)"),
    ("q29", "D", "I think D is right."),
    ("q30", "B", "A or C"),
    ("q31", "D", "Answer: D"),
    ("q32", "C", ""),
    ("q33", "B", "b"),
    ("q34", "A", "A"),
    ("q35", "D", "The answer is D."),
    ("q36", "B", "Answer: B"),
    ("q37", "C", "C"),
    ("q38", "C", "(c)"),
    ("q39", "A", "A"),
    ("q40", "B", "It could be B or D."),
]
REPLIES = pd.DataFrame(_REPLY_ROWS, columns=["question_id", "answer", "reply"])


def _interval(k: int, n: int, method: str = "wilson") -> tuple[float, float, float]:
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method=method)
    return k / n, float(ci.low), float(ci.high)


def _accuracy_and_interval() -> tuple[float, float, float]:
    correct = [
        parse_choice(reply) == key for key, reply in zip(REPLIES["answer"], REPLIES["reply"], strict=True)
    ]
    return accuracy_ci(correct)


def _close_triple(value, expected) -> bool:
    """Three numbers, each within 0.001 of scipy's: a hand-written Wilson formula passes as well as scipy's.

    Any sequence of three numbers counts (a tuple, a list, a numpy array, a pandas Series), since the learner may
    well compute the interval with numpy.
    """
    if isinstance(value, (str, bytes, dict)):
        return False
    try:
        value = list(value)
    except TypeError:
        return False
    if len(value) != 3:
        return False
    if not all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) for v in value):
        return False
    return all(math.isclose(float(v), e, abs_tol=1e-3) for v, e in zip(value, expected, strict=True))


def _only_readable() -> tuple[float, float, float]:
    choices = [parse_choice(reply) for reply in REPLIES["reply"]]
    kept = [(c, key) for c, key in zip(choices, REPLIES["answer"], strict=True) if c is not None]
    return _interval(sum(c == key for c, key in kept), len(kept))


def _exact_text() -> tuple[float, float, float]:
    return _interval(int((REPLIES["reply"].str.strip() == REPLIES["answer"]).sum()), len(REPLIES))


def _outcomes() -> list[bool]:
    return [
        parse_choice(reply) == key for key, reply in zip(REPLIES["answer"], REPLIES["reply"], strict=True)
    ]


def _is_outcome_list(value) -> bool:
    """The list of True/False values itself, passed where the three numbers computed from it belong."""
    items = list(value)
    return len(items) > 3 and all(isinstance(v, (bool, np.bool_)) for v in items)


def _interval_near_miss(value, expected) -> str | None:
    """Misplaced numbers (core's interval_feedback), or a Wilson interval that fits a wrong count."""
    message = interval_feedback(value, expected)
    if message:
        return message
    try:
        accuracy, low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    n = len(REPLIES)
    k = round(accuracy * n)
    if math.isclose(accuracy, k / n, abs_tol=1e-9) and _close_triple((accuracy, low, high), _interval(k, n)):
        return (
            f"Your interval fits your accuracy ({k} of {n} right), so the count is what is off. Check which "
            "replies your code reads as right: 'The answer is B.', '(c)' and 'b' each name a letter, and a reply "
            "that names none counts as wrong."
        )
    return None


def _scipy_default() -> tuple[float, float, float]:
    correct = _outcomes()
    return _interval(sum(correct), len(correct), method="exact")


def _wald() -> tuple[float, float, float]:
    p, n = _accuracy_and_interval()[0], len(REPLIES)
    half = 1.96 * math.sqrt(p * (1 - p) / n)
    return p, p - half, p + half


q1 = Exercise(
    var="result",
    answer_type=(tuple, list, np.ndarray, pd.Series),
    expected=_accuracy_and_interval,
    compare=_close_triple,
    mistakes=[
        Mistake(
            answer=_outcomes(),
            matches=_is_outcome_list,
            message="That is the list of True/False values, one per question: the input, not the result. Pass it "
            "to `accuracy_ci(...)` and set `result` to the three numbers it returns.",
        ),
        Mistake(
            answer=_scipy_default(),
            message="Your accuracy is right, but the interval is scipy's default (the 'exact' Clopper-Pearson "
            "one), which is a little wider. Ask for Wilson's: "
            "`binomtest(k, n).proportion_ci(confidence_level=0.95, method='wilson')`.",
        ),
        Mistake(
            answer=_only_readable(),
            message="You left out the replies that name no single letter, so they vanished from the count. A "
            "reply the parser cannot read is a wrong answer: score it as incorrect and keep all 40 questions.",
        ),
        Mistake(
            answer=_exact_text(),
            message="You compared the raw reply text with the key, so 'Answer: C' or '(c)' counted as wrong. "
            "Parse each reply into a letter first (`parse_choice`), then compare.",
        ),
        Mistake(
            answer=_wald(),
            message="Your accuracy is right but the interval is the normal-approximation (Wald) one, "
            "p +/- 1.96 standard errors. Use the Wilson score interval, e.g. `accuracy_ci` or scipy's "
            "`binomtest(k, n).proportion_ci(method='wilson')`.",
        ),
        Mistake(
            answer=tuple(100 * v for v in _accuracy_and_interval()),
            matches=lambda value: _close_triple([v / 100 for v in value], _accuracy_and_interval()),
            message="Those look like percentages. Give the three numbers as fractions between 0 and 1.",
        ),
    ],
    diagnose=_interval_near_miss,
    hint=(
        "Two steps: first decide, question by question, whether the reply picked the key's letter (a reply that "
        "names no single letter is wrong); then turn those True/False values into a rate with its interval.",
        "Turn each reply into a letter with `parse_choice` (it returns None when a reply names no single letter), "
        "compare with the key to get one True/False per question, then pass that list to `accuracy_ci`.",
    ),
    solution="""
from evalbook.course.quiz import parse_choice
from evalbook.stats import accuracy_ci

correct = [parse_choice(reply) == key for key, reply in zip(REPLIES["answer"], REPLIES["reply"], strict=True)]
result = accuracy_ci(correct)
""",
    praise="On 40 questions the 95% interval is more than 25 points wide: a leaderboard gap smaller than that "
    "says little on its own.",
)

# --- Exercises 2 to 4: twenty-four claims, two models -----------------------------------------------------------
# Harbor Mutual's claims (fictional), each with what the senior adjuster decided and what two models decided.
_CLAIM_ROWS = [
    # claim_id, what the form shows, correct decision, model A, model B
    ("L-01", "complete, covered: kitchen fire, receipts attached", "approve", "approve", "approve"),
    ("L-02", "complete, covered: cracked phone screen", "approve", "approve", "approve"),
    ("L-03", "complete, covered: rear-ended at a red light", "approve", "approve", "approve"),
    ("L-04", "complete, covered: delayed luggage, receipts for essentials", "approve", "approve", "approve"),
    ("L-05", "complete, covered: burst pipe under the sink", "approve", "approve", "approve"),
    ("L-06", "complete, covered: laptop dropped on a train", "approve", "approve", "approve"),
    ("L-07", "complete, covered, unusual: a parrot chewed the laptop cable", "approve", "escalate", "deny"),
    ("L-08", "complete, covered: hail dented the car roof", "approve", "approve", "escalate"),
    ("L-09", "complete, covered: trip cancelled for a hospital stay", "approve", "approve", "escalate"),
    ("L-10", "complete, covered: storm broke a window", "approve", "approve", "escalate"),
    ("L-11", "complete, covered: camera stolen, police report attached", "approve", "approve", "escalate"),
    ("L-12", "complete, covered: tree branch fell on the car", "approve", "approve", "escalate"),
    ("L-13", "excluded cause: river flood on a home policy", "deny", "deny", "deny"),
    ("L-14", "incident two weeks before the policy started", "deny", "deny", "deny"),
    ("L-15", "claimed amount below the deductible", "deny", "deny", "deny"),
    ("L-16", "excluded cause: worn tyres on an auto policy", "deny", "deny", "deny"),
    ("L-17", "fraud signal: three prior claims this year", "escalate", "escalate", "escalate"),
    ("L-18", "missing information: no incident date", "escalate", "escalate", "escalate"),
    ("L-19", "claimed amount above the coverage limit", "escalate", "escalate", "escalate"),
    ("L-20", "fraud signal: reported 70 days after the incident", "escalate", "escalate", "escalate"),
    ("L-21", "fraud signal: incident 3 days after the policy started", "escalate", "approve", "escalate"),
    ("L-22", "fraud signal: claim at 98% of the coverage limit", "escalate", "approve", "escalate"),
    ("L-23", "missing information: burglary with no police report", "escalate", "approve", "escalate"),
    (
        "L-24",
        "ambiguous: unclear whether the water came from a leak or a flood",
        "escalate",
        "deny",
        "escalate",
    ),
]
CLAIMS = pd.DataFrame(
    _CLAIM_ROWS, columns=["claim_id", "form_shows", "correct_decision", "model_a", "model_b"]
)
CORRECT = [row[2] for row in _CLAIM_ROWS]
MODEL_A = [row[3] for row in _CLAIM_ROWS]
MODEL_B = [row[4] for row in _CLAIM_ROWS]

# cost[correct_decision][model_decision] in dollars: the workbook's illustrative matrix (data/claim_costs.json).
COSTS = load_costs()["cost"]
# The same matrix with a $600 adjuster review instead of $150: a business where a human's time is dear.
HIGH_REVIEW_COSTS = {
    correct: {decided: (600 if decided == "escalate" else cost) for decided, cost in row.items()}
    for correct, row in COSTS.items()
}


def _expected_cost(correct, decided, costs) -> float:
    return sum(costs[c][d] for c, d in zip(correct, decided, strict=True)) / len(correct)


q2 = Exercise(
    var="expected_cost_per_claim",
    answer_type=float,
    expected=_expected_cost,
    cases=[
        (CORRECT, MODEL_A, COSTS),
        (CORRECT, MODEL_B, COSTS),
        (CORRECT, MODEL_B, HIGH_REVIEW_COSTS),
        (["escalate", "approve"], ["approve", "escalate"], COSTS),
    ],
    mistakes=[
        Mistake(
            answer=lambda correct, decided, costs: float(
                sum(costs[c][d] for c, d in zip(correct, decided, strict=True))
            ),
            message="That is the total cost of all the claims. The expected cost per claim divides the total by "
            "the number of claims, so data sets of different sizes compare directly.",
        ),
        Mistake(
            answer=lambda correct, decided, costs: _expected_cost(decided, correct, costs),
            message="The matrix is read the wrong way round. It is indexed `costs[correct][decided]`: first the "
            "right decision, then the model's. Approving a claim that needed review costs $4,000, not $150.",
        ),
        Mistake(
            answer=lambda correct, decided, costs: (
                sum(costs[c][d] for c, d in zip(correct, decided, strict=True) if c != d) / len(correct)
            ),
            message="You counted only the mistakes. A correct escalation still costs the adjuster's review fee "
            "(`costs['escalate']['escalate']`); look every decision up in the matrix, right or wrong.",
        ),
        Mistake(
            answer=lambda correct, decided, costs: (
                sum(costs[c][d] for c, d in zip(correct, decided, strict=True)) // len(correct)
            ),
            matches=lambda results: all(
                r == math.floor(e) for r, e in zip(results, q2.expected_result(), strict=True)
            ),
            message="You divided with `//`, which rounds down to whole dollars. Divide with `/` to keep the cents.",
        ),
        Mistake(
            answer=lambda correct, decided, costs: _expected_cost(correct, decided, COSTS),
            message="Right with the workbook's costs, wrong with any other matrix: your function reads the "
            "global `COSTS` instead of its `costs` argument. Look the decisions up in `costs`, so that the same "
            "function works with `HIGH_REVIEW_COSTS`.",
        ),
    ],
    forbid=[harbor.expected_cost, harbor.score_triage],
    hint=(
        "Every decision has a price in the matrix, right or wrong. What two things do you need to look one price "
        "up, and what do you do with the prices once you have them all?",
        "Walk through the two lists together with `zip`, look each pair up as `costs[correct][decided]`, add the "
        "costs up, and divide by the number of claims.",
    ),
    solution="""
def expected_cost_per_claim(correct, decided, costs):
    total = sum(costs[c][d] for c, d in zip(correct, decided, strict=True))
    return total / len(correct)
""",
    praise="One number in dollars that weighs each mistake by what it costs: the number a business decides on.",
)


def _claim_costs(column: str) -> pd.Series:
    return pd.Series([COSTS[c][d] for c, d in zip(CLAIMS["correct_decision"], CLAIMS[column], strict=True)])


def _ids(mask) -> list[str]:
    return sorted(CLAIMS.loc[list(mask), "claim_id"])


def _flip_ids() -> list[str]:
    return _ids(_claim_costs("model_a") > _claim_costs("model_b"))


def _row_numbers(value) -> bool:
    """Whole numbers where claim ids belong: row positions or index labels of the table."""
    items = list(value)
    return bool(items) and all(
        isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) for v in items
    )


q3 = Exercise(
    var="flip_ids",
    answer_type=Ids(
        noun="claim ids",
        example="'L-01'",
        pick="take the `claim_id` column of those rows, e.g. `CLAIMS.loc[mask, 'claim_id']`",
    ),
    expected=_flip_ids,
    mistakes=[
        Mistake(
            answer=[int(i) for i in CLAIMS.index[CLAIMS["claim_id"].isin(_flip_ids())]],
            matches=_row_numbers,
            message="Those are row numbers of the table, not claim ids. Take the `claim_id` column of the rows "
            "you kept (for example `CLAIMS.loc[mask, 'claim_id']`).",
        ),
        Mistake(
            answer=_ids(CLAIMS["model_a"] != CLAIMS["correct_decision"]),
            message="Those are all of model A's mistakes. One of them (a covered claim it escalated) costs less "
            "than model B's decision on the same claim. Keep only the claims where model A's decision costs more.",
        ),
        Mistake(
            answer=_ids(CLAIMS["model_a"] != CLAIMS["model_b"]),
            message="Those are all the claims where the two models disagree, in either direction. Keep only those "
            "where model A's decision costs more than model B's.",
        ),
        Mistake(
            answer=_ids(_claim_costs("model_b") > _claim_costs("model_a")),
            message="Those are the claims where model B's decision costs more: the price of its caution. The "
            "question asks for the opposite direction.",
        ),
    ],
    hint=(
        "Compare the two models claim by claim in dollars, not by whether each was right: a wrong decision can "
        "still be the cheaper one.",
        "Look up the cost of each model's decision on every claim (`COSTS[correct][decided]`), then keep the "
        "`claim_id`s where model A's cost is larger than model B's.",
    ),
    solution="""
cost_a = [COSTS[c][d] for c, d in zip(CLAIMS["correct_decision"], CLAIMS["model_a"], strict=True)]
cost_b = [COSTS[c][d] for c, d in zip(CLAIMS["correct_decision"], CLAIMS["model_b"], strict=True)]
flip_ids = [cid for cid, a, b in zip(CLAIMS["claim_id"], cost_a, cost_b, strict=True) if a > b]
""",
    praise="A handful of claims decides the ranking. Read their `form_shows` column: what do they have in common?",
)


def _escalation_accuracy(correct, decided) -> float:
    return sum((c == "escalate") == (d == "escalate") for c, d in zip(correct, decided, strict=True)) / len(
        correct
    )


_SMALL_CORRECT = ["escalate", "approve", "deny", "escalate", "approve"]
_SMALL_DECIDED = ["escalate", "escalate", "approve", "approve", "approve"]

q4 = Exercise(
    var="escalation_accuracy",
    answer_type=float,
    expected=_escalation_accuracy,
    cases=[(CORRECT, MODEL_A), (CORRECT, MODEL_B), (_SMALL_CORRECT, _SMALL_DECIDED)],
    mistakes=[
        Mistake(
            answer=lambda correct, decided: (
                sum(d == "escalate" for c, d in zip(correct, decided, strict=True) if c == "escalate")
                / sum(c == "escalate" for c in correct)
            ),
            message="That is the share of needed escalations the model made (its recall). Escalation accuracy "
            "also counts the claims that did not need a human: right when the model left them alone.",
        ),
        Mistake(
            answer=lambda correct, decided: (
                sum(c == d for c, d in zip(correct, decided, strict=True)) / len(correct)
            ),
            message="That is plain three-way accuracy (policy compliance): it also marks approve-versus-deny "
            "mix-ups. Escalation accuracy only asks whether the model escalated exactly when it should have.",
        ),
        Mistake(
            answer=lambda correct, decided: (
                sum(c == d == "escalate" for c, d in zip(correct, decided, strict=True)) / len(correct)
            ),
            message="You counted only the claims where both the adjuster and the model escalated. A call is also "
            "right when neither of them escalated: the model left alone a claim that needed no human.",
        ),
        Mistake(
            answer=lambda correct, decided: sum(d == "escalate" for d in decided) / len(decided),
            message="That is how often the model escalated. Compare each decision with the correct one: was "
            "'escalate or not' the right call?",
        ),
        Mistake(
            answer=lambda correct, decided: sum(
                (c == "escalate") == (d == "escalate") for c, d in zip(correct, decided, strict=True)
            ),
            message="That is the number of right calls. Divide by the number of claims to get a share, so that "
            "data sets of different sizes compare.",
        ),
        Mistake(
            answer=lambda correct, decided: 100 * _escalation_accuracy(correct, decided),
            matches=lambda results: all(
                math.isclose(r / 100, e, abs_tol=1e-9)
                for r, e in zip(results, q4.expected_result(), strict=True)
            ),
            message="Those look like percentages. Return the share as a fraction between 0 and 1.",
        ),
    ],
    forbid=[harbor.escalation_accuracy, harbor.score_triage],
    hint=(
        "Before comparing, reduce each of the two decisions on a claim to one yes/no answer: escalate or not. "
        "Approve and deny are the same answer here.",
        "For each claim, ask two yes/no questions: should it be escalated (`c == 'escalate'`)? Did the model "
        "escalate it (`d == 'escalate'`)? The call is right when the two answers agree. Return the share of right "
        "calls.",
    ),
    solution="""
def escalation_accuracy(correct, decided):
    right = sum((c == "escalate") == (d == "escalate") for c, d in zip(correct, decided, strict=True))
    return right / len(correct)
""",
    praise="Now run the next cell and compare the two models on it with their expected cost from exercise 2: "
    "a share of right calls counts every wrong call the same, whichever way it went.",
)


# --- Think about it: the model answers, revealed in the lab with lab01.think1.answer() and so on ------------------

think1 = Question(
    answer="""
No: model A still costs more per claim. The dearer review narrows the gap, because model B escalates more often
than model A, but each of model A's missed escalations (a risky claim approved or denied without review) costs far
more than even a $600 review. Try a few higher fees yourself to see where it would flip: the ranking depends on
your costs, so you must know them.
"""
)

think2 = Question(
    answer="""
They are all claims that needed a human: fraud signals (an incident days after the policy started, a claim at the
coverage limit), missing information (a burglary with no police report) and an ambiguous description. Model A
approved or denied each of them without a review, while model B escalated every one.

A benchmark question has one right answer and no cost attached to a wrong one. Here the right answer is often
"I should not decide this alone", and a confident wrong approval costs far more than a cautious escalation.
Model A's extra correct answers on routine claims are worth little; its few confident mistakes on risky claims
decide the ranking.
"""
)

think3 = Question(
    answer="""
Escalation accuracy counts every wrong "escalate or not" call the same. Four of model A's five wrong calls are
missed escalations (risky claims approved or denied without review), each costing hundreds or thousands of
dollars; all five of model B's are unneeded escalations of routine claims, each costing one $150 review. The
same number of mistakes can carry very different costs, so report the direction of the mistakes, or their cost,
next to the rate.
"""
)
