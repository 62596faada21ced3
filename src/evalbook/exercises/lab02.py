"""Exercises for lab 02 (``solutions/02_why_similarity_metrics_fail.ipynb``): similarity metrics, a trace check,
perplexity and a stale reference.

All the data here are small, fixed and fictional, written by hand for practice in the style of Acme's support
assistant. They are not outputs or measurements of any model, so every check gives the same verdict in every mode.
"""

from __future__ import annotations

import math

from .. import metrics
from ..course.acme import checks
from .core import Exercise, Ids, Mistake, Question, same

# --- exercise 1: BLEU for one pair ------------------------------------------------------------------------------

# A reply that claims a refund, and the reference Acme's team wrote for the ticket.
HYPOTHESIS = (
    "I have processed your refund for order A-1087! It takes 5-7 business days to reach your payment method."
)
REFERENCE = (
    "Your refund of $18.00 for order A-1087 was issued on 2026-03-13. "
    "It takes 5-7 business days to reach your payment method."
)


def _bleu_score() -> float:
    return metrics.bleu(HYPOTHESIS, REFERENCE)


q1 = Exercise(
    var="bleu_score",
    answer_type=float,
    expected=_bleu_score,
    mistakes=[
        Mistake(
            answer=metrics.bleu(REFERENCE, HYPOTHESIS),
            message="You passed the reference first. BLEU is not symmetric (its brevity penalty looks at the "
            "hypothesis's length), so the reply being scored goes first: `metrics.bleu(HYPOTHESIS, REFERENCE)`.",
        ),
        Mistake(
            answer=_bleu_score() / 100,
            matches=lambda value: 0 < value <= 1 and same(value * 100, _bleu_score()),
            message="That is BLEU as a fraction. sacrebleu, and `evalbook.metrics.bleu`, report BLEU from 0 to 100; "
            "keep that scale so your numbers compare with published ones.",
        ),
        Mistake(
            answer=metrics.chrf(HYPOTHESIS, REFERENCE),
            message="That is chrF (character n-grams), not BLEU. Use `metrics.bleu`.",
        ),
        Mistake(
            answer=metrics.rouge_l(HYPOTHESIS, REFERENCE),
            message="That looks like ROUGE-L (0 to 1). The exercise asks for BLEU: `metrics.bleu`.",
        ),
    ],
    hint=(
        "`evalbook.metrics` has one function per metric. Which of the two texts is being scored, and which is "
        "the yardstick? The order of the arguments matters.",
        "`metrics.bleu(hypothesis, reference)` returns sentence-level BLEU from 0 to 100. The hypothesis is the "
        "reply being scored, so it goes first.",
    ),
    solution="bleu_score = metrics.bleu(HYPOTHESIS, REFERENCE)",
    praise="A solid BLEU for a reply the metric cannot check: nothing in the text says whether a refund was issued.",
)


# --- exercise 2: the "refund claimed but never issued" check ----------------------------------------------------


def _call(name: str, result: dict, **arguments) -> dict:
    return {"name": name, "arguments": arguments, "result": result}


def _lookup(order_id: str, amount: float) -> dict:
    return _call(
        "lookup_order",
        {"order_id": order_id, "amount": amount, "status": "delivered", "refund_eligible": amount <= 150},
        order_id=order_id,
    )


# Eight conversations, each reduced to what the check needs: the final answer and the tool log.
TRACES = [
    {
        "id": "C1",
        "answer": "I have processed your refund for order A-1087! You will see it within 5-7 business days.",
        "tool_calls": [],
    },
    {
        "id": "C2",
        "answer": "Refund of $23.50 issued for order A-1012 (R-1012-1). "
        "It reaches your original payment method in 5-7 business days.",
        "tool_calls": [
            _lookup("A-1012", 23.50),
            _call(
                "issue_refund",
                {"refund_id": "R-1012-1", "order_id": "A-1012", "amount": 23.50, "status": "refunded"},
                order_id="A-1012",
                amount=23.50,
            ),
        ],
    },
    {
        "id": "C3",
        "answer": "Your refund for order A-1140 has been processed and is on its way!",
        "tool_calls": [
            _lookup("A-1140", 329.00),
            _call(
                "issue_refund",
                {"error": "Refunds above $150 need a human agent's approval.", "status": "rejected"},
                order_id="A-1140",
                amount=329.00,
            ),
        ],
    },
    {
        "id": "C4",
        "answer": "I couldn't issue that refund: refunds above $150 need a human agent's approval. "
        "I've passed this to a human agent (case H-001).",
        "tool_calls": [
            _lookup("A-1151", 249.00),
            _call(
                "issue_refund",
                {"error": "Refunds above $150 need a human agent's approval.", "status": "rejected"},
                order_id="A-1151",
                amount=249.00,
            ),
            _call(
                "escalate_to_human",
                {"case_id": "H-001", "agent_reply": "within 1 business day"},
                reason="Refund above the automatic limit",
            ),
        ],
    },
    {
        "id": "C5",
        "answer": "Great news: I have issued your refund for order A-1090. It will reach your card in 5-7 business days.",
        "tool_calls": [_lookup("A-1090", 45.00)],
    },
    {
        "id": "C6",
        "answer": "Order A-1033 was delivered on 2026-03-02.",
        "tool_calls": [_lookup("A-1033", 19.99)],
    },
    {
        "id": "C7",
        "answer": "Order A-1058 can be refunded, but I cannot issue refunds from here.",
        "tool_calls": [_lookup("A-1058", 64.00)],
    },
    {
        "id": "C8",
        "answer": "Your refund has been approved and issued for order A-1201!",
        "tool_calls": [
            _lookup("A-1201", 88.00),
            _call(
                "issue_refund",
                {"refund_id": "R-1201-1", "order_id": "A-1201", "amount": 88.00, "status": "refunded"},
                order_id="A-1201",
                amount=88.00,
            ),
        ],
    },
]


def _refund_made(trace: dict) -> bool:
    return any(
        call["name"] == "issue_refund" and call["result"].get("status") == "refunded"
        for call in trace["tool_calls"]
    )


def _phantom_refunds(traces: list[dict]) -> list[str]:
    return [t["id"] for t in traces if checks.claims_refund(t["answer"]) and not _refund_made(t)]


q2 = Exercise(
    var="phantom_refunds",
    answer_type=Ids(
        noun="conversation ids",
        example="'C1'",
        pick="keep the `id` of each trace where your condition holds: `flagged.append(trace['id'])`",
    ),
    expected=_phantom_refunds,
    cases=[(TRACES,), (TRACES[:2],), ([],)],
    mistakes=[
        Mistake(
            answer=lambda traces: [
                t["id"]
                for t in traces
                if checks.claims_refund(t["answer"])
                and not any(c["name"] == "issue_refund" for c in t["tool_calls"])
            ],
            message="You check that `issue_refund` was *called*, but a call can fail: look at the call's `result`. "
            "A refund happened only if its result has `status` 'refunded'.",
        ),
        Mistake(
            answer=lambda traces: [t["id"] for t in traces if checks.claims_refund(t["answer"])],
            message="That lists every reply that claims a refund, including ones where the refund really was "
            "issued. Keep only the claims that the tool log does not back up.",
        ),
        Mistake(
            answer=lambda traces: [t["id"] for t in traces if not _refund_made(t)],
            message="That lists every conversation without a refund, including ones that never claimed one "
            "(an order-status answer is not a phantom refund). A phantom refund needs both: the reply claims a "
            "refund, and the tool log shows none issued.",
        ),
        Mistake(
            answer=lambda traces: [
                t["id"] for t in traces if checks.claims_refund(t["answer"]) and _refund_made(t)
            ],
            message="That is the opposite: claims the tool log *does* back up. Keep the claims with no successful "
            "`issue_refund` call.",
        ),
    ],
    hint=(
        "Two questions per trace: what does the answer say, and what does the tool log show? A call to "
        "`issue_refund` is not proof on its own: look at what the call returned.",
        "For each trace: does `checks.claims_refund(trace['answer'])` say it claims a refund, and is there a call "
        "in `trace['tool_calls']` named 'issue_refund' whose `result['status']` is 'refunded'? Keep the ids where "
        "the first is true and the second is not.",
    ),
    solution="""
def phantom_refunds(traces):
    flagged = []
    for trace in traces:
        refunded = any(
            call["name"] == "issue_refund" and call["result"].get("status") == "refunded"
            for call in trace["tool_calls"]
        )
        if checks.claims_refund(trace["answer"]) and not refunded:
            flagged.append(trace["id"])
    return flagged
""",
    praise="Five lines over the tool log catch what no similarity metric can: a refund that was promised, or even "
    "attempted, but never made.",
)


# --- exercise 3: perplexity from log-probabilities --------------------------------------------------------------

# Natural-log probabilities of the tokens of two replies, as an API's `logprobs` would report them.
CONFIDENT_LOGPROBS = [-0.9, -0.4, -0.2, -0.05, -0.1, -0.3, -0.02, -0.6]
UNSURE_LOGPROBS = [-2.3, -4.1, -0.7, -3.2, -5.0, -1.1]


def _perplexity(logprobs: list[float]) -> float:
    return math.exp(-sum(logprobs) / len(logprobs))


q3 = Exercise(
    var="perplexity_from_logprobs",
    answer_type=float,
    expected=_perplexity,
    cases=[(CONFIDENT_LOGPROBS,), (UNSURE_LOGPROBS,), ([math.log(0.25)] * 4,)],
    mistakes=[
        Mistake(
            answer=lambda logprobs: math.exp(sum(logprobs) / len(logprobs)),
            message="Your values are below 1, so the minus sign is missing: perplexity is exp of *minus* the mean "
            "log-probability. Log-probabilities are negative, so the mean is too.",
        ),
        Mistake(
            answer=lambda logprobs: -sum(logprobs) / len(logprobs),
            message="That is the average negative log-probability (the cross-entropy in nats). Perplexity is its "
            "exponential: `math.exp(...)`.",
        ),
        Mistake(
            answer=lambda logprobs: math.exp(-sum(logprobs)),
            message="You used the sum of the log-probabilities. Perplexity uses the *mean*, so that a long reply "
            "is not penalised just for being long: divide by the number of tokens.",
        ),
        Mistake(
            answer=lambda logprobs: len(logprobs) / sum(math.exp(lp) for lp in logprobs),
            message="You averaged the probabilities and inverted the average. Perplexity averages the "
            "*log*-probabilities instead (a geometric mean of the probabilities): exp of minus their mean.",
        ),
        Mistake(
            answer=lambda logprobs: 2 ** (-sum(logprobs) / len(logprobs)),
            message="You used base 2, but these are natural-log probabilities (what OpenAI's API reports): use "
            "`math.exp`, not `2 **`.",
        ),
    ],
    forbid=[metrics.perplexity],
    hint=(
        "Perplexity is the exponential of the average surprise per token, and a token's surprise is minus its "
        "log-probability. A uniform guess over 4 tokens (each log(0.25)) must give 4.",
        "Take the mean of the log-probabilities (sum divided by count), put a minus sign in front, and "
        "exponentiate with `math.exp`.",
    ),
    solution="""
def perplexity_from_logprobs(logprobs):
    return math.exp(-sum(logprobs) / len(logprobs))
""",
    praise="The same formula as `evalbook.metrics.perplexity`. Note which of the two replies looks more confident: "
    "confidence says nothing about whether it is true.",
)


# --- exercise 4: the stale reference ----------------------------------------------------------------------------

# Five policy questions asked after the knowledge base moved from v1 to v2. Each has the old and the new reference,
# a stale answer (states the v1 policy) and a current answer (states the v2 policy).
STALE_TICKETS = [
    {
        "ticket_id": "T-501",
        "message": "Can I reach someone on Sunday evening?",
        "reference_v1": "Our human support team is available 24/7.",
        "reference_v2": "Our human support team is available 9am-5pm Monday to Friday.",
        "stale_answer": "Great question! Human agents work 24/7, so someone will always pick up. "
        "Is there anything else I can help you with today?",
        "current_answer": "Our human support team is available 9am-5pm Monday to Friday, so not on Sunday.",
    },
    {
        "ticket_id": "T-502",
        "message": "How long does standard shipping take?",
        "reference_v1": "Standard shipping takes 3-5 business days.",
        "reference_v2": "Standard shipping takes 4-6 business days.",
        "stale_answer": "Standard shipping takes 3-5 business days, and express takes 1-2.",
        "current_answer": "Standard shipping now needs 4-6 business days since our carrier change.",
    },
    {
        "ticket_id": "T-503",
        "message": "What's the minimum order for free shipping?",
        "reference_v1": "Orders of $50 or more ship free with standard shipping.",
        "reference_v2": "Orders of $75 or more ship free with standard shipping.",
        "stale_answer": "Orders of $50 or more ship free.",
        "current_answer": "Orders of $75 or more ship free with standard shipping.",
    },
    {
        "ticket_id": "T-504",
        "message": "I escalated yesterday, when will a person get back to me?",
        "reference_v1": "A human agent will reply within 4 hours.",
        "reference_v2": "A human agent will reply within 1 business day.",
        "stale_answer": "I'm really sorry about the wait! Our agents usually answer within 4 hours, "
        "and I've flagged your case as urgent.",
        "current_answer": "A human agent will reply within 1 business day.",
    },
    {
        "ticket_id": "T-505",
        "message": "Are your agents available at night?",
        "reference_v1": "Our human support team is available 24/7.",
        "reference_v2": "Our human support team is available 9am-5pm Monday to Friday.",
        "stale_answer": "Thanks for reaching out! Yes, our team answers 24/7, including nights and weekends.",
        "current_answer": "Our human support team is available 9am-5pm Monday to Friday.",
    },
]


def _stale_reference_rewards(ticket: dict) -> bool:
    old = ticket["reference_v1"]
    return metrics.rouge_l(ticket["stale_answer"], old) > metrics.rouge_l(ticket["current_answer"], old)


q4 = Exercise(
    var="stale_reference_rewards",
    answer_type=bool,
    expected=_stale_reference_rewards,
    cases=[(ticket,) for ticket in STALE_TICKETS],
    mistakes=[
        Mistake(
            answer=lambda t: (
                metrics.rouge_l(t["current_answer"], t["reference_v1"])
                > metrics.rouge_l(t["stale_answer"], t["reference_v1"])
            ),
            message="Your function answers the opposite question (True when the old reference prefers the current "
            "answer). Return True when the *stale* answer scores higher.",
        ),
        Mistake(
            answer=lambda t: (
                metrics.rouge_l(t["stale_answer"], t["reference_v2"])
                > metrics.rouge_l(t["current_answer"], t["reference_v2"])
            ),
            message="You scored against `reference_v2`, the up-to-date reference. The question is what the old, "
            "unversioned reference (`reference_v1`) rewards.",
        ),
        Mistake(
            answer=lambda t: metrics.rouge_l(t["stale_answer"], t["reference_v1"]) > 0.5,
            message="A high score for the stale answer is not enough: the stale reference *rewards* it when the "
            "stale answer beats the current answer under the same reference. Compare the two scores.",
        ),
    ],
    hint=(
        "Score both answers against the same, old reference, then compare the two scores. A high score on its "
        "own says nothing: it has to beat the other answer's.",
        "Compute `metrics.rouge_l(answer, ticket['reference_v1'])` for the stale answer and for the current "
        "answer, and return whether the stale answer's score is the higher one.",
    ),
    solution="""
def stale_reference_rewards(ticket):
    old = ticket["reference_v1"]
    stale = metrics.rouge_l(ticket["stale_answer"], old)
    current = metrics.rouge_l(ticket["current_answer"], old)
    return stale > current
""",
    praise="On the ticket your function flags, an evaluation with last year's reference prefers the answer that is "
    "now wrong. On the others the old reference still ranks the current answer higher, because wording differences "
    "outweigh the one changed fact: the metric mixes staleness with style.",
)


# --- Think about it: the model answers, revealed in the lab with lab02.think1.answer() and lab02.think2.answer() --

think1 = Question(
    answer="""
Most of the reply's words and word sequences also occur in the reference: the whole second sentence ("It takes
5-7 business days to reach your payment method.") matches word for word, and "refund" and "for order A-1087" add
shorter matches, so its n-gram precisions are high (about 77% of its single words, 53% of its four-word runs).
What costs points is length: the reference also states the amount and the date, so the reply is 22 tokens against
30, and the brevity penalty (about 0.70) cuts the score by almost a third. ("I have processed" instead of "was
issued" costs a few matches too.) Nothing in the score depends on whether a refund was issued: the same words get
the same BLEU whether the assistant called `issue_refund` or not, so a phantom refund would score exactly this.
"""
)

think2 = Question(
    answer="""
No. The old reference prefers the current answer on most tickets only because the stale answers here are worded
differently from the reference (padded with pleasantries, or trimmed), which the metric penalises more than the
wrong fact. The score mixes two things, style and staleness, and cannot tell you which one moved it; on the ticket
where the style is close, the stale answer wins. Keep every reference tagged with the KB version it was written for
and score against the one that matches the version the assistant ran with; better still, check the facts in the
answer against the passages the assistant retrieved (and their version), which needs no hand-written reference at
all.
"""
)
