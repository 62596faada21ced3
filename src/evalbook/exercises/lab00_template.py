"""Exercises for the template lab (``templates/solution.ipynb``): the pattern every ``labNN.py`` follows.

The data are small, fixed and fictional: review labels and escalation flags for Acme's support assistant, written
by hand for practice. They are not measurements of any model. The lab imports them from here, so the learner
computes on exactly the data the checks grade.
"""

from __future__ import annotations

from .core import Exercise, Mistake, Question, same

# Twenty replies from Acme's assistant, each labelled by a reviewer: did the reply do the job?
LABELS = [
    "pass", "pass", "fail", "pass", "pass", "fail", "pass", "pass", "pass", "fail",
    "pass", "fail", "pass", "pass", "fail", "pass", "fail", "pass", "pass", "fail",
]  # fmt: skip

# Twelve conversations: did the customer's problem need a human, and did the assistant hand it over?
CONVERSATIONS = [
    {"id": "C01", "needs_escalation": True, "escalated": True},
    {"id": "C02", "needs_escalation": False, "escalated": False},
    {"id": "C03", "needs_escalation": True, "escalated": False},
    {"id": "C04", "needs_escalation": False, "escalated": False},
    {"id": "C05", "needs_escalation": False, "escalated": True},
    {"id": "C06", "needs_escalation": True, "escalated": True},
    {"id": "C07", "needs_escalation": False, "escalated": False},
    {"id": "C08", "needs_escalation": True, "escalated": False},
    {"id": "C09", "needs_escalation": False, "escalated": False},
    {"id": "C10", "needs_escalation": True, "escalated": True},
    {"id": "C11", "needs_escalation": False, "escalated": False},
    {"id": "C12", "needs_escalation": False, "escalated": False},
]


def _pass_rate() -> float:
    return LABELS.count("pass") / len(LABELS)


q1 = Exercise(
    var="pass_rate",
    answer_type=float,
    expected=_pass_rate,
    mistakes=[
        Mistake(
            answer=13,
            message="That is how many replies passed. A rate divides that count by the number of replies.",
        ),
        Mistake(
            answer=65.0,
            matches=lambda value: value > 1 and same(value / 100, _pass_rate()),
            message="That looks like a percentage. Give the rate as a fraction between 0 and 1 (0.5, not 50).",
        ),
        Mistake(
            answer=0.35,
            message="That is the fail rate: you counted the 'fail' labels. Count the 'pass' labels instead.",
        ),
    ],
    # Two steps: a nudge towards the idea (no code), then the recipe (the steps, still not the whole answer).
    hint=(
        "A rate is a count divided by a total. What do you count, and what is the total?",
        "Count the labels equal to 'pass' (a list has a `.count` method), then divide by how many labels there "
        "are (`len`).",
    ),
    solution='pass_rate = LABELS.count("pass") / len(LABELS)',
    praise="A single pass rate is where every evaluation starts, and it hides which replies failed and why.",
)


def _count_missed_escalations(conversations: list[dict]) -> int:
    return sum(1 for c in conversations if c["needs_escalation"] and not c["escalated"])


q2 = Exercise(
    var="count_missed_escalations",
    answer_type=int,
    expected=_count_missed_escalations,
    cases=[(CONVERSATIONS,), ([],), (CONVERSATIONS[:4],)],
    mistakes=[
        Mistake(
            answer=lambda conversations: sum(c["escalated"] for c in conversations),
            message="You counted escalations, not missed escalations. A missed escalation is a conversation "
            "that needed a human and was not handed over.",
        ),
        Mistake(
            answer=lambda conversations: sum(c["needs_escalation"] for c in conversations),
            message="You counted every conversation that needed a human, including the ones the assistant did "
            "hand over. Count only those it did not escalate.",
        ),
        Mistake(
            answer=lambda conversations: sum(
                c["escalated"] and not c["needs_escalation"] for c in conversations
            ),
            message="That counts unnecessary escalations (handed over when no human was needed). The question "
            "is the opposite: needed a human, and did not get one.",
        ),
    ],
    hint=(
        "A conversation counts only when two things are true of it at once. Which two fields say so?",
        "A conversation counts when `needs_escalation` is True and `escalated` is False. Add up those "
        "conversations, e.g. `sum(1 for c in conversations if ...)`.",
    ),
    solution="""
def count_missed_escalations(conversations):
    return sum(1 for c in conversations if c["needs_escalation"] and not c["escalated"])
""",
    praise="Missed escalations are the failures a pass rate hides best: the reply can read well and still "
    "leave a customer who needed a person without one.",
)


# A *Think about it* question: the question is in the lab's markdown; its model answer is here, revealed in the lab
# with `lab00_template.think1.answer()` once the learner has written their own.
think1 = Question(
    answer="""
A pass label judges one reply on its own. A fluent, polite reply that never hands the customer to a person can
still be labelled a pass, so the pass rate stays high while customers who needed help do not get it. Missed
escalations only show up when you count them directly, conversation by conversation.
"""
)
