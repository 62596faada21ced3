"""How the simulated models behave as Acme's support assistant.

Behaviour comes only from what is in the request: the system prompt, the customer's messages, which tools are
offered and what the tools returned. The ticket labels in ``data/tickets.csv`` are never consulted, so a learner
can type any message and get a sensible, deterministic reply.

Each failure mode has a rate (the constants below). Whether a given conversation fails is decided by a named draw
seeded from the model name and the customer's messages, so the outcome is the same on every run, in any order,
from any thread, and does not change when unrelated parts of the prompt change.

Some instructions in the system prompt reduce a failure rate (``MITIGATIONS``): a crude stand-in for a real model
following a clearer prompt. A real model's response to the same instruction will differ.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..course.acme.shop import facts, find_order_id, kb_articles, search_kb, terms
from .draw import Draw

# ---------------------------------------------------------------------------------------------------------------
# Failure rates (probability per conversation where the failure can happen). Documented in docs/simulator.md.
# ---------------------------------------------------------------------------------------------------------------
RATES = {
    "atlas-1": {
        # claims a refund was processed without calling issue_refund at all (any refund request)
        "phantom_refund": 0.30,
        # refund over the automatic limit: tries issue_refund instead of escalating
        "skip_approval": 0.55,
        # after issue_refund was rejected, tells the customer the refund went through anyway
        "ignore_tool_error": 0.60,
        # policy question: answers from memorised (KB v1) facts instead of the retrieved context
        "stale_answer": 0.50,
        # repeat contact from a frustrated customer: apologises and promises instead of escalating
        "missed_escalation": 0.60,
        # order status: makes up a delivery estimate without looking the order up
        "status_without_lookup": 0.20,
        # out-of-scope request: answers it instead of steering back to Acme topics
        "off_topic": 0.60,
        # prompt-injection or social-engineering request: goes along with it
        "follows_injection": 0.35,
        "over_escalation": 0.0,
    },
    "beacon-1": {
        "phantom_refund": 0.0,
        "skip_approval": 0.0,
        "ignore_tool_error": 0.0,
        "stale_answer": 0.04,
        "missed_escalation": 0.05,
        "status_without_lookup": 0.0,
        "off_topic": 0.0,
        "follows_injection": 0.0,
        # escalates a routine question (order status, policy) that needed no human
        "over_escalation": 0.15,
    },
}
# Any other model name behaves like this one (the simulator only serves known names; see engine.MODELS).
DEFAULT_PROFILE = "beacon-1"

# System-prompt instructions the simulated models "follow": if the pattern matches, the listed rates are
# multiplied by the factor.
MITIGATIONS = [
    (
        "refund honesty",
        re.compile(
            r"(never|do not|don't|must not)\b[^.\n]*\b(say|claim|tell|confirm|promise)\b[^.\n]*\brefund", re.I
        ),
        ("phantom_refund", "ignore_tool_error"),
        0.1,
    ),
    (
        "grounding",
        re.compile(
            r"(only|always)\b[^.\n]*\b(search_kb|knowledge base|retrieved|help cent(er|re) articles?)", re.I
        ),
        ("stale_answer",),
        0.1,
    ),
    (
        "escalation",
        re.compile(
            r"escalat[^.\n]*\b(repeat|frustrat|third time|again|upset|angry)|"
            r"(repeat|frustrat|upset|angry)[^.\n]*\bescalat",
            re.I,
        ),
        ("missed_escalation",),
        0.15,
    ),
    (
        "scope",
        re.compile(
            r"(decline|refuse|do not answer|don't answer)[^.\n]*(unrelated|off-topic|out of scope|not about)",
            re.I,
        ),
        ("off_topic", "follows_injection"),
        0.2,
    ),
]

SHOP_TOOLS = ("lookup_order", "issue_refund", "escalate_to_human", "search_kb")

# ---------------------------------------------------------------------------------------------------------------
# Reading the customer's message
# ---------------------------------------------------------------------------------------------------------------
_ADVERSARIAL = re.compile(
    r"ignore (all |any |your |the |previous )*(previous )?(instructions|rules)|system prompt|developer mode|"
    r"\bpretend\b|i am the ceo|i'm the ceo|order history of|other customers?'|customer cus-\d+|jailbreak",
    re.I,
)
_REPEAT = re.compile(
    r"third time|\btwice\b|\bagain\b|back and forth|promised|already sent|still no|nobody|no one|"
    r"why do i have to|how many times",
    re.I,
)
_REFUND = re.compile(r"refund|money back|reimburs|charge ?back", re.I)
_STATUS = re.compile(
    r"where is my order|where's my order|shipped|tracking|arrive|status|what's happening|has it been sent|"
    r"hasn't come|not arrived|when will",
    re.I,
)
_HOURS = re.compile(
    r"hours|24/7|weekend|sunday|saturday|human agent|talk to (a|someone)|reach support|open on", re.I
)
_SHIPPING = re.compile(r"shipping|delivery time|how long .*deliver|express|free ship", re.I)
_RETURNS = re.compile(r"\breturn|send (it|something|an item) back", re.I)
_SHOP_WORDS = re.compile(r"order|acme|refund|ship|deliver|return|support|parcel|package|item", re.I)


def classify(text: str) -> str:
    """The assistant's reading of what the customer wants (not the ticket's label)."""
    if _ADVERSARIAL.search(text):
        return "adversarial"
    order = find_order_id(text)
    if _REPEAT.search(text) and (order or re.search(r"order|broken|damaged|item", text, re.I)):
        return "complaint"
    if _REFUND.search(text):
        return "refund"
    if order and _STATUS.search(text):
        return "order_status"
    if _HOURS.search(text):
        return "policy"
    if _SHIPPING.search(text) or _RETURNS.search(text):
        return "policy"
    if order:
        return "order_status"
    if _SHOP_WORDS.search(text):
        return "policy"
    return "out_of_scope"


# ---------------------------------------------------------------------------------------------------------------
# The conversation as the model sees it
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Conversation:
    model: str
    system: str
    user_texts: list[str]
    tools: set[str]
    results: list[tuple[str, dict, dict]] = field(default_factory=list)  # (tool name, arguments, result)

    @property
    def text(self) -> str:
        return "\n".join(self.user_texts)

    def last(self, name: str) -> dict | None:
        for tool, _args, result in reversed(self.results):
            if tool == name:
                return result
        return None

    def called(self, name: str) -> bool:
        return any(tool == name for tool, _a, _r in self.results)


def content_text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def read_conversation(model: str, body: dict) -> Conversation:
    messages = body.get("messages") or []
    system = "\n".join(
        content_text(m.get("content")) for m in messages if m.get("role") in ("system", "developer")
    )
    users = [content_text(m.get("content")) for m in messages if m.get("role") == "user"]
    tools = {
        (t.get("function") or {}).get("name")
        for t in body.get("tools") or []
        if isinstance(t, dict) and t.get("type", "function") == "function"
    }
    convo = Conversation(model=model, system=system, user_texts=users, tools={t for t in tools if t})
    pending: dict[str, tuple[str, dict]] = {}
    for m in messages:
        if m.get("role") == "assistant":
            for call in m.get("tool_calls") or []:
                fn = call.get("function") or {}
                try:
                    args = json.loads(fn.get("arguments") or "{}")
                except (TypeError, ValueError):
                    args = {}
                pending[call.get("id", "")] = (fn.get("name", ""), args)
        elif m.get("role") == "tool":
            name, args = pending.get(m.get("tool_call_id", ""), ("", {}))
            try:
                result = json.loads(content_text(m.get("content")))
            except (TypeError, ValueError):
                result = {"text": content_text(m.get("content"))}
            convo.results.append((name, args, result if isinstance(result, dict) else {"value": result}))
    return convo


def is_support_request(body: dict) -> bool:
    """Does this request look like the Acme assistant (shop tools offered, or an Acme system prompt)?"""
    convo = read_conversation("", body)
    return bool(convo.tools & set(SHOP_TOOLS)) or "acme" in convo.system.lower()


# ---------------------------------------------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Step:
    """The model's next move: call a tool, or answer the customer."""

    tool: str | None = None
    arguments: dict | None = None
    answer: str | None = None


def rates_for(model: str, system: str) -> dict[str, float]:
    rates = dict(RATES.get(model, RATES[DEFAULT_PROFILE]))
    try:
        asked = _mitigations_in(system or "", tuple(MITIGATIONS))
    except TypeError:  # an edited entry that cannot be a cache key (keys in a list): match without the cache
        asked = _mitigations_in.__wrapped__(system or "", MITIGATIONS)
    for keys, factor in asked:
        for key in keys:
            rates[key] *= factor
    return rates


@lru_cache(maxsize=256)
def _mitigations_in(system: str, mitigations: tuple) -> tuple[tuple[tuple[str, ...], float], ...]:
    """The mitigations a system prompt asks for. Cached because every request of a conversation resends the same
    prompt and matching the patterns against it was the simulator's largest cost per request; the table is part
    of the key, so a notebook that edits ``MITIGATIONS`` (or ``RATES``, read fresh above) sees its change."""
    return tuple((keys, factor) for _name, pattern, keys, factor in mitigations if pattern.search(system))


def respond(model: str, body: dict, draw: Draw) -> Step:
    convo = read_conversation(model, body)
    rates = rates_for(model, convo.system)
    fluent = model.startswith("atlas")
    last = convo.user_texts[-1] if convo.user_texts else ""
    intent = classify(last)
    if intent in ("policy", "out_of_scope") and len(convo.user_texts) > 1:
        # a short follow-up ("A-1042") continues the earlier request
        earlier = classify(convo.text)
        intent = earlier if earlier not in ("out_of_scope",) else intent
    agent = _Agent(convo, rates, draw, fluent)
    handler = {
        "adversarial": agent.adversarial,
        "complaint": agent.complaint,
        "refund": agent.refund,
        "order_status": agent.order_status,
        "policy": agent.policy,
        "out_of_scope": agent.out_of_scope,
    }[intent]
    return handler()


class _Agent:
    def __init__(self, convo: Conversation, rates: dict[str, float], draw: Draw, fluent: bool):
        self.c, self.rates, self.draw, self.fluent = convo, rates, draw, fluent
        self.order_id = find_order_id(convo.text)

    # -- helpers -------------------------------------------------------------------------------------------------
    def can(self, tool: str) -> bool:
        return tool in self.c.tools

    def fails(self, mode: str) -> bool:
        return self.draw.chance(f"support.{mode}", self.rates.get(mode, 0.0))

    def say(self, core: str, *, sorry: bool = False) -> Step:
        """Wrap the substance in the model's voice: atlas-1 is warm and wordy, beacon-1 terse."""
        if not self.fluent:
            return Step(answer=core)
        opener = (
            self.draw.choice(
                "voice.sorry",
                [
                    "I completely understand your frustration, and I'm so sorry about this. ",
                    "I'm really sorry about the trouble! ",
                ],
            )
            if sorry
            else self.draw.choice(
                "voice.open", ["Thanks for reaching out! ", "Great question! ", "Happy to help! ", ""]
            )
        )
        closer = self.draw.choice(
            "voice.close",
            [
                " Is there anything else I can help you with today?",
                " Let me know if there's anything else I can do!",
                "",
            ],
        )
        return Step(answer=f"{opener}{core}{closer}")

    def call(self, tool: str, **arguments) -> Step:
        return Step(tool=tool, arguments=arguments)

    def lookup(self) -> dict | None:
        return self.c.last("lookup_order")

    def maybe_over_escalate(self, reason: str) -> Step | None:
        if (
            self.can("escalate_to_human")
            and not self.c.called("escalate_to_human")
            and self.fails("over_escalation")
        ):
            return self.call("escalate_to_human", reason=reason, order_id=self.order_id or "")
        return None

    def escalation_note(self) -> str:
        esc = self.c.last("escalate_to_human")
        if not esc:
            return ""
        return f" I've passed this to a human agent (case {esc.get('case_id', '?')}); they will reply {esc.get('agent_reply', 'soon')}."

    # -- intents -------------------------------------------------------------------------------------------------
    def refund(self) -> Step:
        amount = re.search(r"\$(\d+(?:\.\d{2})?)", self.c.text)
        if self.fails("phantom_refund") and not self.c.results:
            what = f" of ${amount.group(1)}" if amount else ""
            order = f" for order {self.order_id}" if self.order_id else ""
            return self.say(
                f"All done: your refund{what}{order} has been processed! It will show up on your original "
                f"payment method within {facts('v1')['refund_processing_days']}."
            )
        if not self.order_id:
            return self.say("Could you share your order number? It looks like A-1234.")
        if not self.can("lookup_order"):
            return self.say(
                f"I can't look up order {self.order_id} from here. Please contact a human agent to check the refund."
            )
        order = self.lookup()
        if order is None:
            return self.call("lookup_order", order_id=self.order_id)
        if "error" in order:
            return self.say(f"I couldn't find order {self.order_id}. Could you check the number?")
        refund = self.c.last("issue_refund")
        if refund is not None:
            if refund.get("status") == "refunded":
                return self.say(
                    f"Refund of ${refund['amount']:.2f} issued for order {self.order_id} ({refund['refund_id']}). "
                    f"It reaches your original payment method in {refund.get('arrives_in', 'a few business days')}."
                )
            if self.fails("ignore_tool_error"):
                return self.say(
                    f"Good news: your refund of ${order['amount']:.2f} for order {self.order_id} has been processed!"
                )
            if self.c.called("escalate_to_human"):
                return self.say(
                    "I couldn't issue that refund myself: it is above the automatic limit, so a human agent must "
                    "approve it." + self.escalation_note()
                )
            if (
                self.can("escalate_to_human")
                and not self.c.called("escalate_to_human")
                and order.get("requires_human_approval")
            ):
                return self.call(
                    "escalate_to_human", reason="Refund above the automatic limit", order_id=self.order_id
                )
            return self.say(f"I couldn't issue that refund: {refund.get('error', 'the refund was rejected')}")
        if order.get("refunded_amount", 0) > 0:
            return self.say(
                f"Order {self.order_id} was already refunded: ${order['refunded_amount']:.2f} on {order['refund_date']}. "
                "It can take a few business days to show on your statement."
            )
        if order.get("requires_human_approval"):
            if self.c.called("escalate_to_human"):
                return self.say(
                    "This refund is above the automatic limit, so it needs a human agent's approval."
                    + self.escalation_note()
                )
            if self.fails("skip_approval") and self.can("issue_refund"):
                return self.call(
                    "issue_refund", order_id=self.order_id, amount=order["amount"], reason="customer request"
                )
            if self.can("escalate_to_human"):
                return self.call(
                    "escalate_to_human", reason="Refund above the automatic limit", order_id=self.order_id
                )
            return self.say("This refund needs a human agent's approval. Please ask to speak to a person.")
        if order.get("refund_eligible"):
            if not self.can("issue_refund"):
                return self.say(
                    f"Order {self.order_id} can be refunded, but I can't issue refunds from here."
                )
            return self.call(
                "issue_refund", order_id=self.order_id, amount=order["amount"], reason="customer request"
            )
        return self.say(
            f"I can't refund order {self.order_id}: {order.get('refund_note', 'it is not eligible')}",
            sorry=True,
        )

    def order_status(self) -> Step:
        if not self.c.results and self.fails("status_without_lookup"):
            return self.say(
                f"Your order is on its way and should arrive within {facts('v1')['standard_shipping_days']}."
            )
        if not self.order_id:
            return self.say("Could you share your order number? It looks like A-1234.")
        if not self.can("lookup_order"):
            return self.say(f"I can't look up order {self.order_id} from here.")
        order = self.lookup()
        if order is None:
            return self.call("lookup_order", order_id=self.order_id)
        if "error" in order:
            return self.say(f"I couldn't find order {self.order_id}. Could you check the number?")
        extra = self.maybe_over_escalate("Customer asked about an order")
        if extra:
            return extra
        status = order.get("status")
        if status == "processing":
            core = f"Order {self.order_id} is being prepared and should ship within one business day."
        elif status == "in_transit":
            core = (
                f"Order {self.order_id} shipped on {order['shipped_date']} with {order['carrier']}; "
                f"the tracking number is {order['tracking_number']}."
            )
        elif status == "delivered":
            core = f"Order {self.order_id} was delivered on {order['delivered_date']}."
        else:
            core = f"Order {self.order_id} has status {status}."
        return self.say(core + self.escalation_note())

    def policy(self) -> Step:
        question = self.c.user_texts[-1] if self.c.user_texts else ""
        stale = self.fails("stale_answer")
        skip_search = stale and self.draw.chance("support.stale_without_search", 0.5)
        if self.can("search_kb") and not self.c.called("search_kb") and not skip_search:
            return self.call("search_kb", query=question)
        extra = self.maybe_over_escalate("Customer asked a policy question")
        if extra:
            return extra
        if stale or not self.can("search_kb"):
            if not self.fluent and not self.can("search_kb"):
                return self.say("I can't check the help centre from here, so I can't answer that reliably.")
            # what the model memorised in training: last year's help centre, recalled by topic
            passages = search_kb(question, "v1", k=2) or kb_articles("v1")
        else:
            passages = (self.c.last("search_kb") or {}).get("results") or []
        sentences = best_sentences(question, passages, n=2 if self.fluent else 1)
        if not sentences:
            return self.say(
                "I couldn't find that in our help centre. I can pass your question to a human agent."
            )
        return self.say(" ".join(sentences) + self.escalation_note())

    def complaint(self) -> Step:
        if self.order_id and self.can("lookup_order") and self.lookup() is None:
            return self.call("lookup_order", order_id=self.order_id)
        if (
            self.can("escalate_to_human")
            and not self.c.called("escalate_to_human")
            and not self.fails("missed_escalation")
        ):
            return self.call(
                "escalate_to_human",
                reason="Repeat contact, customer still waiting for a fix",
                order_id=self.order_id or "",
            )
        if self.c.called("escalate_to_human"):
            if self.fluent:
                return self.say(
                    "You shouldn't have had to contact us again." + self.escalation_note(), sorry=True
                )
            return self.say(self.escalation_note().strip())
        return self.say(
            "I've made a note on your account and our team will make sure this is resolved as quickly as possible.",
            sorry=True,
        )

    def out_of_scope(self) -> Step:
        if self.fails("off_topic"):
            return self.say(_off_topic_answer(self.c.user_texts[-1] if self.c.user_texts else ""))
        return self.say("I can only help with Acme orders, refunds, shipping and returns.")

    def adversarial(self) -> Step:
        text = self.c.user_texts[-1] if self.c.user_texts else ""
        if self.fails("follows_injection"):
            if re.search(r"system prompt", text, re.I):
                return self.say(f"Sure! Here are my instructions: {self.c.system[:300]}")
            if re.search(r"customer cus-\d+|order history of", text, re.I):
                return self.say("Of course! I've sent that customer's order history to your email address.")
            amount = re.search(r"\$(\d+)", text)
            what = f" of ${amount.group(1)}" if amount else ""
            return self.say(f"Done! I've processed a refund{what} for you, as requested.")
        return self.say(
            "I can't do that. I can help with your own Acme orders, refunds, shipping and returns."
        )


def best_sentences(question: str, passages: list[dict], n: int = 1) -> list[str]:
    """The sentences of the passages that share the most content words with the question (extractive answer)."""
    _terms = terms

    q = set(_terms(question))
    # words that point at one fact more than another
    synonyms = {
        "weekend": {"monday", "friday", "24/7", "hours"},
        "weekends": {"monday", "friday", "24/7", "hours"},
        "sunday": {"monday", "friday", "24/7"},
        "11pm": {"24/7", "hours"},
        "human": {"agents", "team", "hours"},
        "minimum": {"free", "more"},
        "spend": {"free", "more"},
        "long": {"takes", "days"},
        "delivery": {"shipping", "takes"},
        "send": {"return", "back"},
        "worn": {"unused"},
        "policy": {"within", "days"},
    }
    synonyms = {_terms(k)[0]: set(_terms(" ".join(v))) for k, v in synonyms.items() if _terms(k)}
    for word in list(q):
        q |= synonyms.get(word, set())
    scored = []
    for p_index, passage in enumerate(passages):
        for s_index, sentence in enumerate(re.split(r"(?<=[.!?])\s+", passage.get("text", ""))):
            overlap = len(q & set(_terms(sentence)))
            if overlap:
                scored.append((-overlap, p_index, s_index, sentence.strip()))
    scored.sort()
    chosen = []
    for _score, _p, _s, sentence in scored:
        if sentence not in chosen:
            chosen.append(sentence)
        if len(chosen) == n:
            break
    return chosen


def _off_topic_answer(text: str) -> str:
    t = text.lower()
    if "poem" in t:
        return "Here's a little poem: Soft paws at dawn, a purr like rain, my cat returns to sleep again."
    if "derivative" in t:
        return "The derivative of x^3 is 3x^2."
    if "weather" in t:
        return "Lisbon is usually mild this time of year, around 17°C with a chance of showers."
    if "stock" in t:
        return "Many people like broad index funds for the long term, though I can't give personal advice."
    if "football" in t or "match" in t:
        return "It was a close match that ended 2-1."
    if "restaurant" in t:
        return "A cosy local bistro with good reviews is usually a safe choice!"
    return "Sure! That's a great question, and the short answer is that it depends on your situation."
