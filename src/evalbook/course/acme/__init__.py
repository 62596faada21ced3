"""Acme, the course's fictional online shop, and Acme Assist, the support assistant the lessons evaluate.

``from evalbook.course import acme`` gives the shop's data (facts, knowledge base, orders, tickets), the
assistant (:class:`SupportBot`), its traces (:class:`AcmeTrace`), the checks the lessons use as ground truth and
the rules that pre-label lesson 03's traces, and (in :mod:`~evalbook.course.acme.golden`, also reachable as
``acme.golden``) its golden set: dimensions, the policy oracle, the generator's prompt and filters; in :mod:`~.oracle` the refund
policy as a pure function, and in :mod:`~.suite` lesson 05's checks, the faults that test them and a do-nothing
assistant.
"""

from . import golden, oracle, suite
from .bot import DEFAULT_SYSTEM_PROMPT, TOOLS, SupportBot
from .checks import (
    changed_fact_phrases,
    claims_refund,
    contradicts_kb,
    declines,
    missed_escalation,
    phantom_refund,
    product_failures,
    stale_facts,
)
from .golden import answer_key, load_golden
from .labelling import CATEGORIES, load_example_labels, rule_label
from .oracle import refund_decision
from .shop import (
    CURRENT_KB,
    KB_VERSIONS,
    ShopState,
    check_kb_version,
    facts,
    facts_table,
    find_order_id,
    kb_articles,
    load_kb,
    load_orders,
    load_tickets,
    search_kb,
    shop_info,
)
from .traces import AcmeTrace, acme_trace, escalated, kb_version, refunds_issued

__all__ = [
    "AcmeTrace",
    "CATEGORIES",
    "CURRENT_KB",
    "DEFAULT_SYSTEM_PROMPT",
    "KB_VERSIONS",
    "ShopState",
    "SupportBot",
    "TOOLS",
    "acme_trace",
    "answer_key",
    "changed_fact_phrases",
    "check_kb_version",
    "claims_refund",
    "contradicts_kb",
    "declines",
    "escalated",
    "facts",
    "facts_table",
    "find_order_id",
    "golden",
    "kb_articles",
    "kb_version",
    "load_example_labels",
    "load_golden",
    "load_kb",
    "load_orders",
    "load_tickets",
    "missed_escalation",
    "oracle",
    "phantom_refund",
    "product_failures",
    "refund_decision",
    "refunds_issued",
    "rule_label",
    "search_kb",
    "shop_info",
    "stale_facts",
    "suite",
]
