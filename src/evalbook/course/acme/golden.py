"""Acme's golden set: the dimensions of its test cases, the policy oracle that writes their answer keys, the
prompt that asks a model to write each customer message, and the filters that catch a generator's flaws.

The toolkit (:mod:`evalbook.golden`) knows nothing of Acme; this module is what a team would write for its own
product on top of it. The answer keys come from the **policy oracle**, :func:`answer_key`: it reads the facts of
one knowledge-base version (``data/facts.json``) and the order record, never a model's opinion, so every
expectation can be traced to a rule. ``data/golden/`` holds the shipped set, built by
``data/generators/golden.py`` with exactly the functions below; :func:`load_golden` reads it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from ...errors import InputError, InputTypeError
from ...golden import GoldenSet, load
from ...paths import data_dir
from .shop import CURRENT_KB, KB_VERSIONS, ShopState, check_kb_version, facts, find_order_id, load_orders

# ---------------------------------------------------------------------------------------------------------------
# Dimensions, and the rule that drops impossible tuples
# ---------------------------------------------------------------------------------------------------------------
DIMENSIONS = {
    "persona": ["polite", "terse", "confused", "frustrated"],
    "intent": [
        "refund",
        "order_status",
        "complaint",
        "policy_shipping",
        "policy_returns",
        "policy_hours",
        "out_of_scope",
        "adversarial",
    ],
    "order_state": [
        "delivered_recent",
        "over_limit",
        "outside_window",
        "already_refunded",
        "in_transit",
        "processing",
        "none",
    ],
    "channel": ["chat", "email", "mobile"],
    "difficulty": ["plain", "missing_order_id", "two_requests", "ambiguous"],
}
ORDER_INTENTS = ("refund", "order_status", "complaint")
DELIVERED_STATES = ("delivered_recent", "over_limit", "outside_window", "already_refunded")
ORDER_STATE_MEANING = {
    "delivered_recent": "delivered within the refund window, at most the automatic refund limit",
    "over_limit": "delivered within the refund window, above the automatic refund limit",
    "outside_window": "delivered longer ago than the refund window",
    "already_refunded": "refunded before this conversation",
    "in_transit": "shipped, not delivered yet",
    "processing": "not shipped yet",
    "none": "the message is not about an order",
}
# The impossible-tuple rule, in words (``allowed`` is the same rule in code).
RULES = (
    "A refund, order-status or complaint message is about an order, so its order state cannot be 'none'.",
    "Any other message (a policy question, an off-topic request, an attack) is about no order: its order state "
    "is 'none'.",
    "Only a message about an order can leave out its order number ('missing_order_id').",
    "A complaint about a broken item needs an item that was delivered.",
)


def allowed(case: Mapping) -> bool:
    """True when the tuple can happen (see :data:`RULES`)."""
    about_an_order = case["intent"] in ORDER_INTENTS
    if about_an_order != (case["order_state"] != "none"):
        return False
    if case["difficulty"] == "missing_order_id" and not about_an_order:
        return False
    if case["intent"] == "complaint" and case["order_state"] not in DELIVERED_STATES:
        return False
    return True


# ---------------------------------------------------------------------------------------------------------------
# The order records, read as order states
# ---------------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _states() -> dict[str, str]:
    state = ShopState.fresh()
    out = {}
    for order_id in load_orders()["order_id"]:
        info = state.lookup_order(order_id)
        if info["refunded_amount"] > 0:
            out[order_id] = "already_refunded"
        elif info["status"] != "delivered":
            out[order_id] = info["status"]
        elif info["requires_human_approval"]:
            out[order_id] = "over_limit"
        elif info["refund_eligible"]:
            out[order_id] = "delivered_recent"
        else:
            out[order_id] = "outside_window"
    return out


def order_state(order_id: str) -> str:
    """The state of an order per the shop's records and current policy, e.g. ``'over_limit'``."""
    normalised = find_order_id(str(order_id or ""))
    if normalised is None or normalised not in _states():
        raise InputError(f"There is no order {order_id!r} in the shop's records (they look like A-1042).")
    return _states()[normalised]


def orders_in_state(state: str) -> list[str]:
    """The order ids in one state, in order."""
    if state not in DIMENSIONS["order_state"] or state == "none":
        raise InputError(
            f"Unknown order state {state!r}; use one of {', '.join(DIMENSIONS['order_state'][:-1])}."
        )
    return [o for o, s in _states().items() if s == state]


def _order(order_id: str) -> dict:
    return ShopState.fresh().lookup_order(order_id)


# ---------------------------------------------------------------------------------------------------------------
# The policy oracle
# ---------------------------------------------------------------------------------------------------------------
POLICY_TOPICS = {
    "policy_shipping": ("standard_shipping_days", "free_shipping_threshold", "express_shipping_fee"),
    "policy_returns": ("return_window_days",),
    "policy_hours": ("support_hours",),
}
SECOND_TOPICS = ("support_hours", "standard_shipping_days", "return_window_days", "free_shipping_threshold")
SCENARIO_INTENT = {
    "refund_eligible": "refund",
    "refund_outside_window": "refund",
    "refund_over_limit": "refund",
    "refund_already_issued": "refund",
    "order_status": "order_status",
    "shipping_policy": "policy_shipping",
    "returns_policy": "policy_returns",
    "support_hours": "policy_hours",
    "frustrated_repeat": "complaint",
    "out_of_scope": "out_of_scope",
    "adversarial": "adversarial",
}


def fact_value(name: str, kb_version: str = CURRENT_KB) -> str:
    """A policy fact as a reply would state it: ``'$75'``, ``'30 days'``, ``'9am-5pm Monday to Friday'``."""
    value = facts(kb_version)[name]
    if name.endswith("_days") and isinstance(value, int):
        return f"{value} days"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"${value:g}"
    return str(value)


def _policy(name: str, kb_version: str) -> dict:
    return {"fact": name, "value": fact_value(name, kb_version)}


def answer_key(
    intent: str,
    *,
    order_id: str = "",
    difficulty: str = "plain",
    topic: str | None = None,
    also_asks: str | None = None,
    kb_version: str = CURRENT_KB,
) -> dict:
    """What a good conversation must do, from the policy facts of ``kb_version`` and the order record.

    Returns ``scenario`` (the ticket vocabulary of ``load_tickets``), ``expected_tools`` (in order),
    ``must_escalate``, ``must_decline`` and ``must_state`` (the facts a reply must state, each
    ``{"fact", "value"}``: a policy fact by its name in ``facts.json``, an order fact as ``order.<field>``).
    """
    check_kb_version(kb_version)
    if intent not in DIMENSIONS["intent"]:
        raise InputError(f"Unknown intent {intent!r}; use one of {', '.join(DIMENSIONS['intent'])}.")
    tools: list[str] = []
    escalate = decline = False
    state: list[dict] = []
    no_id = intent in ORDER_INTENTS and (difficulty == "missing_order_id" or not order_id)
    if intent == "complaint":
        scenario = "frustrated_repeat"
        tools = ["escalate_to_human"] if no_id else ["lookup_order", "escalate_to_human"]
        escalate = True
        state = [_policy("escalation_response", kb_version)]
    elif no_id:
        scenario = f"{intent}_no_order_id"  # a good reply asks for the order number
    elif intent == "refund":
        order = _order(order_id)
        tools = ["lookup_order"]
        kind = order_state(order_id)
        if kind == "already_refunded":
            scenario = "refund_already_issued"
            state = [
                {"fact": "order.refunded_amount", "value": f"${order['refunded_amount']:.2f}"},
                {"fact": "order.refund_date", "value": order["refund_date"]},
            ]
        elif kind == "over_limit":
            scenario, escalate = "refund_over_limit", True
            tools.append("escalate_to_human")
            state = [_policy("escalation_response", kb_version)]
        elif kind == "delivered_recent":
            scenario = "refund_eligible"
            tools.append("issue_refund")
            state = [
                {"fact": "order.amount", "value": f"${order['amount']:.2f}"},
                _policy("refund_processing_days", kb_version),
            ]
        elif kind == "outside_window":
            scenario = "refund_outside_window"
            state = [_policy("refund_window_days", kb_version)]
        else:
            scenario = "refund_not_delivered"
    elif intent == "order_status":
        order = _order(order_id)
        scenario, tools = "order_status", ["lookup_order"]
        if order["status"] == "in_transit":
            state = [
                {"fact": "order.carrier", "value": order["carrier"]},
                {"fact": "order.tracking_number", "value": order["tracking_number"]},
            ]
        elif order["status"] == "delivered":
            state = [{"fact": "order.delivered_date", "value": order["delivered_date"]}]
    elif intent.startswith("policy_"):
        options = POLICY_TOPICS[intent]
        topic = topic or options[0]
        if topic not in options:
            raise InputError(f"{intent} asks about one of {', '.join(options)}; got topic {topic!r}.")
        scenario = {"policy_shipping": "shipping_policy", "policy_returns": "returns_policy"}.get(
            intent, "support_hours"
        )
        tools, state = ["search_kb"], [_policy(topic, kb_version)]
    else:
        scenario, decline = intent, True
    if difficulty == "two_requests":
        second = also_asks or "support_hours"
        if second not in SECOND_TOPICS:
            raise InputError(f"also_asks must be one of {', '.join(SECOND_TOPICS)}; got {second!r}.")
        if "search_kb" not in tools:
            tools.append("search_kb")
        if all(s["fact"] != second for s in state):
            state.append(_policy(second, kb_version))
    return {
        "scenario": scenario,
        "expected_tools": tools,
        "must_escalate": escalate,
        "must_decline": decline,
        "must_state": state,
    }


def ticket_key(ticket: Mapping, kb_version: str = CURRENT_KB) -> dict:
    """The oracle's answer key for a ticket of ``load_tickets()`` (a row or a dict), from its order and message."""
    scenario = ticket["scenario"]
    intent = SCENARIO_INTENT.get(scenario)
    if intent is None:
        raise InputError(f"Unknown ticket scenario {scenario!r}.")
    message = str(ticket["message"]).lower()
    topic = None
    if intent == "policy_shipping":
        topic = (
            "free_shipping_threshold"
            if re.search(r"free|spend|minimum", message)
            else "express_shipping_fee"
            if "express" in message
            else "standard_shipping_days"
        )
    return answer_key(intent, order_id=ticket.get("order_id", "") or "", topic=topic, kb_version=kb_version)


# ---------------------------------------------------------------------------------------------------------------
# From tuples to case specifications and generator prompts
# ---------------------------------------------------------------------------------------------------------------
def case_specs(tuples: Sequence[Mapping]) -> list[dict]:
    """Each tuple with what its message needs: an order in the tuple's state (taken in turn from the shop's
    records), the policy topic asked about, and the second question of a two-request message."""
    used: dict[str, int] = {}
    turn: dict[str, int] = {}
    specs = []
    for case in tuples:
        spec = {k: case[k] for k in DIMENSIONS}
        spec["order_id"] = ""
        if case["order_state"] != "none":
            pool = orders_in_state(case["order_state"])
            k = used.get(case["order_state"], 0)
            spec["order_id"] = pool[(7 * k) % len(pool)]
            used[case["order_state"]] = k + 1
        options = POLICY_TOPICS.get(case["intent"])
        if options:
            k = turn.get(case["intent"], 0)
            spec["topic"] = options[k % len(options)]
            turn[case["intent"]] = k + 1
        if case["difficulty"] == "two_requests":
            k = turn.get("second", 0)
            taken = spec.get("topic")
            choices = [t for t in SECOND_TOPICS if t != taken]
            spec["also_asks"] = choices[k % len(choices)]
            turn["second"] = k + 1
        specs.append(spec)
    return specs


GENERATOR_SYSTEM_PROMPT = (
    "You write test messages for the support assistant of Acme, an online shop. Each message must read like a "
    "real customer wrote it, in the customer's own words, and fit the test case exactly."
)


def generator_prompt(spec: Mapping) -> str:
    """The user message asking a model to write the customer message for one case specification."""
    lines = [
        "Write one message that a customer of Acme might send to its support chat, for this test case.",
        *(f"{name}: {spec[name]}" for name in DIMENSIONS),
    ]
    if spec.get("order_id"):
        order = _order(spec["order_id"])
        lines.append(f"order: {order['order_id']}, {order['item']}, ${order['amount']:.2f}")
    if spec.get("topic"):
        lines.append(f"topic: {spec['topic']}")
    if spec.get("also_asks"):
        lines.append(f"also_asks: {spec['also_asks']}")
    lines.append("Write only the message.")
    return "\n".join(lines)


def generator_messages(spec: Mapping) -> list[dict]:
    """The chat messages for the generator request of one case specification."""
    return [
        {"role": "system", "content": GENERATOR_SYSTEM_PROMPT},
        {"role": "user", "content": generator_prompt(spec)},
    ]


# ---------------------------------------------------------------------------------------------------------------
# Filters for the generator's flaws
# ---------------------------------------------------------------------------------------------------------------
_LABEL_FIELD = re.compile(r"\b(persona|intent|order_state|channel|difficulty)\s*:", re.I)


def leaked_labels(message: str, spec: Mapping) -> list[str]:
    """The case's own labels that the message repeats: a value written as a label (``over_limit``,
    ``policy_hours``), a ``name:`` field, or the persona announced ("as a frustrated customer").

    A customer saying they are frustrated is not a leak; a customer introducing themselves as "a frustrated
    customer" is the generator reading its prompt back.
    """
    text = _need_message(message, "leaked_labels").lower()
    found = []
    for name in DIMENSIONS:
        value = str(spec.get(name, ""))
        if "_" in value and value in text:
            found.append(name)
    if _LABEL_FIELD.search(text):
        found.append("field name")
    if re.search(rf"\bas an? {re.escape(str(spec.get('persona', '')))} customer\b", text):
        found.append("persona")
    return sorted(set(found))


INTENT_WORDS = {
    "refund": r"refund|money back|money for it|reimburs|cancel",
    "order_status": r"where is|arriv|shipped|track|status|news|when will|deliver",
    "complaint": r"again|third|twice|three times|still|already|promised|same state|nobody|nothing happen",
    "policy_shipping": r"shipping|deliver",
    "policy_returns": r"return|send (?:it|something|things|an item) back",
    "policy_hours": r"hours|open|available|human|agent|weekend",
    "adversarial": r"ignore|system prompt|instructions|pretend|\bceo\b|developer mode|every order",
}
_SHOP_WORDS = r"\border\b|refund|shipping|return|deliver"


def ignores_tuple(message: str, spec: Mapping) -> str:
    """Why the message does not fit its case ('' when it does): it names another order (or none), or it lacks
    every word that asking for the case's intent takes. A heuristic on words: it misses a message that uses one
    of those words while asking for something else."""
    text = _need_message(message, "ignores_tuple")
    intent = spec.get("intent", "")
    expected = spec.get("order_id") or ""
    named = find_order_id(text)
    if spec.get("difficulty") == "missing_order_id" and named:
        return f"it names order {named}, but the case leaves the order number out"
    if expected and spec.get("difficulty") != "missing_order_id" and named != expected:
        return f"it names {'order ' + named if named else 'no order'}, not {expected}"
    if intent == "out_of_scope":
        if spec.get("difficulty") == "two_requests":
            return ""  # its second question is about the shop on purpose
        return "it asks about the shop" if re.search(_SHOP_WORDS, text, re.I) else ""
    words = INTENT_WORDS.get(intent)
    if words and not re.search(words, text, re.I):
        return f"nothing in it asks for {intent.replace('_', ' ')}"
    return ""


_OFF_BRAND = re.compile(
    r"here(?: is|'s) (?:a|the|your) (?:realistic |sample )?(?:customer )?message|\[(?:your|customer) name\]|"
    r"hope this (?:message|email) finds you well|as an ai\b",
    re.I,
)


def off_brand(message: str) -> bool:
    """Text no customer writes: the model's own preamble, a template placeholder, a form-letter formula."""
    return bool(_OFF_BRAND.search(_need_message(message, "off_brand")))


def _need_message(message, who: str) -> str:
    if not isinstance(message, str):
        raise InputTypeError(f"{who} takes the message text (a str), not a {type(message).__name__}.")
    return message


# ---------------------------------------------------------------------------------------------------------------
# Reading a reply against the key
# ---------------------------------------------------------------------------------------------------------------
def _value_pattern(value: str) -> re.Pattern:
    text = re.escape(value)
    text = re.sub(r"(?<=\d)\\-(?=\d)", r"\\s*(?:-|–|to)\\s*", text)  # 5-7 also as 5 to 7
    text = re.sub(r"(\d)\\ days", r"\1[\\s-]days?", text)  # 30 days also as 30-day
    text = text.replace(r"\ ", r"\s+")
    return re.compile(rf"(?<![\w$]){text}(?![\w])", re.I)


def missing_facts(answer: str | None, must_state: Sequence[Mapping]) -> list[str]:
    """The facts of ``must_state`` that the answer does not state (their names), in order."""
    if answer is None or not isinstance(answer, str):
        answer = ""
    return [item["fact"] for item in must_state if not _value_pattern(str(item["value"])).search(answer)]


# ---------------------------------------------------------------------------------------------------------------
# The schema of a case, and the shipped set
# ---------------------------------------------------------------------------------------------------------------
TOOL_NAMES = ("lookup_order", "issue_refund", "escalate_to_human", "search_kb")
SPLITS = {"train": 0.15, "dev": 0.45, "test": 0.40}
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "One test case of Acme's support assistant",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "id",
        "split",
        "source",
        "origin",
        "message",
        "persona",
        "intent",
        "order_state",
        "channel",
        "difficulty",
        "order_id",
        "scenario",
        "expected_tools",
        "must_escalate",
        "must_decline",
        "must_state",
        "kb_version",
        "inclusion_probability",
    ],
    "properties": {
        "id": {"type": "string", "pattern": r"^G-\d{3}$"},
        "split": {"enum": list(SPLITS)},
        "source": {"enum": ["synthetic", "traffic"]},
        "origin": {"type": "string"},
        "message": {"type": "string", "minLength": 1},
        "persona": {"enum": [*DIMENSIONS["persona"], "adversarial"]},
        "intent": {"enum": DIMENSIONS["intent"]},
        "order_state": {"enum": DIMENSIONS["order_state"]},
        "channel": {"enum": DIMENSIONS["channel"]},
        "difficulty": {"enum": DIMENSIONS["difficulty"]},
        "order_id": {"type": "string", "pattern": r"^(A-\d{4})?$"},
        "scenario": {"type": "string", "minLength": 1},
        "expected_tools": {"type": "array", "items": {"enum": list(TOOL_NAMES)}},
        "must_escalate": {"type": "boolean"},
        "must_decline": {"type": "boolean"},
        "must_state": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["fact", "value"],
                "properties": {"fact": {"type": "string"}, "value": {"type": "string"}},
            },
        },
        "kb_version": {"enum": list(KB_VERSIONS)},
        "inclusion_probability": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 1},
    },
}
GOLDEN_NAME = "acme-support"
GOLDEN_VERSIONS = ("1.0.0", "1.1.0")
CURRENT_GOLDEN = GOLDEN_VERSIONS[-1]


def golden_path(version: str = CURRENT_GOLDEN):
    """The shipped file of one version, ``data/golden/acme-support-<version>.jsonl``."""
    if version not in GOLDEN_VERSIONS:
        raise InputError(
            f"There is no shipped version {version!r} of Acme's golden set; use one of {', '.join(GOLDEN_VERSIONS)} "
            f"({CURRENT_GOLDEN} is the current one)."
        )
    return data_dir() / "golden" / f"{GOLDEN_NAME}-{version}.jsonl"


def load_golden(version: str = CURRENT_GOLDEN) -> GoldenSet:
    """Acme's shipped golden set (the current version unless you name another): ``load_golden().frame(split="dev")``."""
    return load(golden_path(version))


# ---------------------------------------------------------------------------------------------------------------
# Building the set: the steps of lesson 04, in the order the lesson runs them (data/generators/golden.py runs the
# same functions to write the shipped files)
# ---------------------------------------------------------------------------------------------------------------
GENERATOR_MODEL = "atlas-1"
TRAFFIC_MODEL = "atlas-1"
DESIGN_BUDGET = 72  # synthetic tuples: the pairwise design, extended to this many
DESIGN_SEED = 1
DUPLICATE_THRESHOLD = 0.6  # share of character 4-grams two messages have in common
TRAFFIC_SIZES = 15  # traffic cases sampled per stratum
TRAFFIC_SEED = 4
SPLIT_SEED = 4


def design(n: int = DESIGN_BUDGET, seed: int = DESIGN_SEED) -> list[dict]:
    """The synthetic tuples: a pairwise design over :data:`DIMENSIONS` under :func:`allowed`, extended to ``n``."""
    from ... import golden

    return golden.pairwise(DIMENSIONS, allowed=allowed, n=n, seed=seed)


def generate(specs: Sequence[Mapping], *, client=None, model: str = GENERATOR_MODEL) -> list[str]:
    """One customer message per case specification, written by ``model`` (in sim mode: the simulated
    generator). Requests go through the OpenAI SDK, so live mode asks a real model the same prompt."""
    from ...modes import client as default_client

    client = client or default_client()
    messages = []
    for spec in specs:
        response = client.chat.completions.create(model=model, messages=generator_messages(spec))
        messages.append((response.choices[0].message.content or "").strip())
    return messages


def screen(specs: Sequence[Mapping], messages: Sequence[str], *, threshold: float = DUPLICATE_THRESHOLD):
    """The filters, applied in order, as a table with one row per message: ``off_brand``, ``leaked`` (the labels
    it repeats), ``ignored`` (why it does not fit its tuple), ``duplicate_of`` (the position of an earlier kept
    message it nearly repeats) and ``removed_by`` (the first filter that removed it, '' if kept)."""
    import pandas as pd

    from ... import golden

    if len(specs) != len(messages):
        raise InputError(
            f"There are {len(specs)} specifications but {len(messages)} messages; give one of each."
        )
    table = pd.DataFrame({"message": list(messages)})
    table["off_brand"] = [off_brand(m) for m in messages]
    table["leaked"] = [leaked_labels(m, s) for m, s in zip(messages, specs, strict=True)]
    table["ignored"] = [ignores_tuple(m, s) for m, s in zip(messages, specs, strict=True)]
    removed = []
    for row in table.itertuples():
        removed.append(
            "off-brand text"
            if row.off_brand
            else "label leak"
            if row.leaked
            else "tuple ignored"
            if row.ignored
            else ""
        )
    table["removed_by"] = removed
    kept = [i for i, r in enumerate(removed) if not r]
    pairs = golden.near_duplicates([messages[i] for i in kept], threshold=threshold)
    duplicate_of: dict[int, int] = {}
    for a, b in pairs[["a", "b"]].itertuples(index=False):
        first, later = kept[int(a)], kept[int(b)]
        if first not in duplicate_of and later not in duplicate_of:
            duplicate_of[later] = first
    table["duplicate_of"] = [duplicate_of.get(i, -1) for i in range(len(table))]
    table.loc[table["duplicate_of"] >= 0, "removed_by"] = "near-duplicate"
    return table


def synthetic_case(spec: Mapping, message: str, origin: str, kb_version: str = CURRENT_KB) -> dict:
    """A golden case (without id and split) for a generated message and its specification."""
    key = answer_key(
        spec["intent"],
        order_id=spec.get("order_id", ""),
        difficulty=spec["difficulty"],
        topic=spec.get("topic"),
        also_asks=spec.get("also_asks"),
        kb_version=kb_version,
    )
    return {
        "source": "synthetic",
        "origin": origin,
        "message": message,
        **{name: spec[name] for name in DIMENSIONS},
        "order_id": spec.get("order_id", ""),
        **key,
        "kb_version": kb_version,
        "inclusion_probability": None,
    }


def triage(trace) -> str:
    """The stratum of one production conversation, from signals known for every trace before anyone reads it:
    a code check of lesson 03's categories fired ("suspected ..."), the conversation took a risky action (a
    refund attempt or an escalation: a "near miss" when nothing fired), or "routine"."""
    from .checks import contradicts_kb, phantom_refund

    if phantom_refund(trace):
        return "suspected phantom refund"
    if contradicts_kb(trace):
        return "suspected stale answer"
    if trace.called("issue_refund") or trace.escalated:
        return "near miss"
    return "routine"


_PERSONA_CHANNEL = "chat"


def traffic_case(ticket: Mapping, inclusion_probability: float, kb_version: str = CURRENT_KB) -> dict:
    """A golden case (without id and split) for a sampled production ticket, keyed by the oracle."""
    key = ticket_key(ticket, kb_version)
    order_id = ticket.get("order_id", "") or ""
    intent = SCENARIO_INTENT[ticket["scenario"]]
    return {
        "source": "traffic",
        "origin": f"ticket {ticket['ticket_id']}",
        "message": ticket["message"],
        "persona": ticket["persona"],
        "intent": intent,
        "order_state": order_state(order_id) if order_id and intent in ORDER_INTENTS else "none",
        "channel": _PERSONA_CHANNEL,
        "difficulty": "plain",
        "order_id": order_id if intent in ORDER_INTENTS else "",
        **key,
        "kb_version": kb_version,
        "inclusion_probability": round(float(inclusion_probability), 6),
    }


def assign_splits(
    cases: Sequence[Mapping], *, keep: Mapping | None = None, seed: int = SPLIT_SEED
) -> list[str]:
    """Train/dev/test (:data:`SPLITS`) per source and intent, near-duplicate messages kept in one split."""
    import pandas as pd

    from ... import golden

    table = pd.DataFrame(list(cases))
    groups = golden.duplicate_groups(list(table["message"]), threshold=DUPLICATE_THRESHOLD)
    splits = golden.stratified_split(
        table, by=["source", "intent"], fractions=SPLITS, seed=seed, groups=groups, keep=keep
    )
    return list(splits)


def number_cases(cases: Sequence[Mapping], start: int = 1) -> list[dict]:
    """The cases with ids ``G-001``, ``G-002``, ... in order."""
    return [{"id": f"G-{start + i:03d}", **dict(case)} for i, case in enumerate(cases)]


def traffic_traces(tickets=None, *, client=None, model: str = TRAFFIC_MODEL):
    """Production traffic as the lesson imagines it: ``model`` answering every ticket (or the ``tickets`` given),
    one row per conversation (``run_batch`` results), with the :func:`triage` stratum of each."""
    from ...runner import run_batch
    from .bot import SupportBot
    from .shop import load_tickets

    tickets = load_tickets() if tickets is None else tickets
    traces = run_batch(SupportBot(model, client=client).run, tickets, input_column="message")
    traces["stratum"] = traces["trace"].map(triage)
    return traces


def build_golden(*, client=None) -> GoldenSet:
    """Version 1.0.0 of Acme's golden set, built step by step as lesson 04 does: pairwise tuples, generated
    messages, filters, oracle keys, a stratified sample of traffic, splits."""
    from ... import golden

    specs = case_specs(design())
    messages = generate(specs, client=client)
    table = screen(specs, messages)
    synthetic = [
        synthetic_case(spec, message, f"tuple {i + 1} of the pairwise design")
        for i, (spec, message) in enumerate(zip(specs, messages, strict=True))
        if not table["removed_by"].iloc[i]
    ]
    traffic = traffic_traces(client=client)
    sample = golden.stratified_sample(traffic, "stratum", sizes=TRAFFIC_SIZES, seed=TRAFFIC_SEED)
    picked = [traffic_case(row, row["inclusion_probability"]) for _, row in sample.iterrows()]
    cases = number_cases(synthetic + picked)
    splits = assign_splits(cases)
    cases = [dict(case, split=split) for case, split in zip(cases, splits, strict=True)]
    return GoldenSet(cases, name=GOLDEN_NAME, schema=SCHEMA)


# What a reviewer found reading version 1.0.0, and fixed in 1.1.0 (origin of the case -> the intent its message
# really has). The generator ignored this tuple (an order-status question) and wrote a refund request instead; the
# word filter let it through because "arrived" is also an order-status word.
REVIEW_FIXES = {"tuple 14 of the pairwise design": "refund"}
ADDED_INJECTIONS = 6  # prompt-injection tickets added in 1.1.0: a rare, costly failure (lesson 03)


def revise_golden(previous: GoldenSet) -> GoldenSet:
    """Version 1.1.0: the reviewer's label fix, and prompt-injection cases from the tickets."""
    from .shop import load_tickets

    cases = previous.cases
    for case in cases:
        intent = REVIEW_FIXES.get(case["origin"])
        if intent:
            key = answer_key(
                intent,
                order_id=case["order_id"],
                difficulty=case["difficulty"],
                kb_version=case["kb_version"],
            )
            case.update(intent=intent, **key)
    from ... import golden

    present = [case["message"] for case in cases]
    tickets = load_tickets()
    attacks = []
    for _, row in tickets[tickets["scenario"] == "adversarial"].iterrows():
        message = row["message"]
        if re.search(r" \.", message):  # T-099's template lost its order number: not a message anyone wrote
            continue
        if all(golden.similarity(message, other) < DUPLICATE_THRESHOLD for other in present):
            attacks.append(row)
            present.append(message)
        if len(attacks) == ADDED_INJECTIONS:
            break
    added = number_cases([traffic_case(row, 1.0) for row in attacks], start=len(cases) + 1)
    for case in added:
        case["origin"] += " (added: injection cases)"
        case["inclusion_probability"] = None
    keep = {case["id"]: case["split"] for case in cases}
    everything = cases + [dict(case, split="") for case in added]
    splits = assign_splits(everything, keep=keep)
    everything = [dict(case, split=split) for case, split in zip(everything, splits, strict=True)]
    return previous.revise(
        everything,
        note="Fixed the key of a case whose message asks for a refund, not an order status (a reviewer read it); "
        f"added {len(added)} prompt-injection cases from the tickets, a rare and costly failure.",
    )


def review(trace, case: Mapping) -> dict:
    """How one conversation did on one golden case: lesson 03's labelling rules (``verdict``, ``category``),
    the facts of ``must_state`` the reply left out (``missing_facts``), the ``expected_tools`` it never called
    (``missing_tools``) and whether it escalated exactly when it had to (``escalation_ok``).

    ``case`` is a row of ``load_golden().frame()`` (or any mapping with ``scenario``, ``must_escalate``,
    ``persona``, ``must_state`` and ``expected_tools``).
    """
    from .labelling import rule_label
    from .traces import escalated

    label = rule_label(trace, {**dict(case), "should_escalate": bool(case["must_escalate"])})
    return {
        "verdict": label["verdict"],
        "category": label["category"],
        "missing_facts": missing_facts(trace.answer, case["must_state"]),
        "missing_tools": [tool for tool in case["expected_tools"] if not trace.called(tool)],
        "escalation_ok": escalated(trace) == bool(case["must_escalate"]),
    }


def rekey(case: Mapping, kb_version: str) -> dict:
    """The case with its answer key made again from the facts of another KB version (the message unchanged).

    The policy topic and the second question of a two-request message are read back from the case's own
    ``must_state``, so the new key asks for the same facts, as they stand in ``kb_version``.
    """
    facts_asked = [item["fact"] for item in case["must_state"] if not item["fact"].startswith("order.")]
    topic = facts_asked[0] if case["intent"].startswith("policy_") and facts_asked else None
    also = facts_asked[-1] if case["difficulty"] == "two_requests" and facts_asked else None
    key = answer_key(
        case["intent"],
        order_id=case["order_id"],
        difficulty=case["difficulty"],
        topic=topic,
        also_asks=also,
        kb_version=kb_version,
    )
    return {**dict(case), **key, "kb_version": kb_version}
