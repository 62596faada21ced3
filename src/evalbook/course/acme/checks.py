"""Acme's code-based checks: the rules the lessons use as ground truth for Acme Assist.

Each follows the toolkit's convention (:mod:`evalbook.checks`): a function of a trace that returns True when it
found the failure. They are deliberately short so a learner can read every line and adapt them to a product of
their own:

- :func:`phantom_refund`: the reply says a refund happened, but the shop's records show none.
- :func:`stale_facts` / :func:`contradicts_kb`: the reply states a policy fact from a different KB version than the
  one the assistant was given (e.g. "24/7" support when the current KB says 9am-5pm).
- :func:`missed_escalation`: the case needed a human and none was brought in.
"""

from __future__ import annotations

import re

from ..._values import is_bool
from ...errors import InputTypeError
from ...trace import Trace, require_trace
from .shop import KB_VERSIONS, check_kb_version, facts
from .traces import escalated, kb_version, refunds_issued

# Claims that a refund *was made*: "I have processed your refund", "I've issued a refund", "your refund has been
# processed", "Refund of $64.99 issued for order A-1026", "Refund processed!", "your refund is on its way", "your
# refund went through", "you've been refunded $24".
# Policy sentences that describe refunds in general ("refunds up to $150 can be issued", "the refund is issued once
# the item arrives"), conditions ("once your refund has been processed, ...") and other nouns ("the refund policy")
# are not claims and must not match.
_FILLER = (
    r"(?:(?!\b(?:will|would|can|could|should|may|might|once|if|after|when|until|unless)\b)[^.!?]|\.(?=\d))*"
)
_REFUND_CLAIM = re.compile(
    r"\b(?:i|we)(?:'ve| have)?\s+(?:successfully\s+|already\s+|just\s+|now\s+|gone ahead and\s+)?"
    r"(?:refunded\b|(?:processed|issued|approved|completed|sent|submitted|initiated)\b[^.!?]{0,30}?\brefund\b(?!\s+request))"
    rf"|\b(?:your|the|a|this)\s+refund\b{_FILLER}\b(?:has been|have been|was)\s+"
    r"(?:processed|issued|approved|completed|sent|submitted|initiated)"
    rf"|\brefund\b{_FILLER}\b(?:went through|is complete|is on its way)"
    r"|^\W*refund of \$?[\d.,]+(?:[^.!?]|\.(?=\d))*\bissued"
    r"|\brefund\s+(?:processed|issued|completed)\b"
    r"|\byou(?:'ve| have)\s+been\s+refunded\b",
    re.IGNORECASE,
)
_NEGATED = re.compile(
    r"\b(?:can't(?!\s+wait)|cannot(?!\s+wait)|couldn't|could not|unable to|not able to|won't|will not)\b"
    r"[^.!?]*\brefund",
    re.I,
)
_CONDITION = re.compile(r"\b(?:once|if|after|when|until|unless|as soon as)\b[^,;:]*$", re.I)
_OTHER_NOUNS = re.compile(
    r"\brefund\s+(?:policy|policies|form|link|instructions|details|rules|terms|window)\b", re.I
)


def _need_text(text, who: str) -> str | None:
    """The reply text, or None for a missing reply (a failed case); a Trace or any other object is a mistake."""
    if text is None or (isinstance(text, float) and text != text) or type(text).__name__ == "NAType":
        return None
    if isinstance(text, Trace):
        raise InputTypeError(
            f"{who} reads the reply's text: pass trace.answer (or use phantom_refund(trace))."
        )
    if not isinstance(text, str):
        raise InputTypeError(f"{who} takes the reply's text (a str), not a {type(text).__name__}.")
    return text


def claims_refund(text: str) -> bool:
    """Does the text tell the customer a refund was made?

    A heuristic on wording, sentence by sentence, not an understanding of the text: negative sentences ("I can't
    refund"), conditions ("once your refund has been processed, ...") and other nouns ("the refund policy") do not
    count. It is tested on the phrasings in ``tests/test_checks.py``; a live model can phrase a claim in a way it
    misses, so read a sample of the replies it does not flag before trusting a count.
    """
    text = _need_text(text, "claims_refund")
    if not text:
        return False
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        sentence = _OTHER_NOUNS.sub("policy", sentence)
        if "refund" not in sentence.lower() or _NEGATED.search(sentence):
            continue
        for match in _REFUND_CLAIM.finditer(sentence):
            if not _CONDITION.search(sentence[: match.start()]):
                return True
    return False


_DECLINES = re.compile(r"\b(can't|cannot|can not|unable to|won't|only help with)\b", re.I)


def declines(text: str) -> bool:
    """Does the reply decline ("I can't do that", "I can only help with ...")? A wording heuristic."""
    text = _need_text(text, "declines")
    return bool(text and _DECLINES.search(text))


def phantom_refund(trace: Trace) -> bool:
    """The reply claims a refund, but the conversation issued none (per the shop's records, not the text)."""
    trace = require_trace(trace, "This check")
    return claims_refund(trace.answer) and not refunds_issued(trace)


def changed_fact_phrases() -> dict[str, dict[str, str]]:
    """For each KB version, the phrase that states each fact that differs between versions."""
    values = {v: facts(v) for v in KB_VERSIONS}
    phrases: dict[str, dict[str, str]] = {v: {} for v in KB_VERSIONS}
    for name in values[KB_VERSIONS[0]]:
        if len({str(values[v][name]) for v in KB_VERSIONS}) > 1:
            for v in KB_VERSIONS:
                value = values[v][name]
                phrases[v][name] = f"${value} or more" if isinstance(value, int | float) else str(value)
    return phrases


def _fact_pattern(value) -> re.Pattern:
    """A pattern for one fact value that tolerates the usual ways of writing it: "$50 or more" / "over $50",
    "3-5" / "3 to 5" / "3–5", "9am" / "9 am", "24/7" / "around the clock"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        amount = rf"\${re.escape(f'{value:g}')}(?:\.00)?(?!\d)"
        return re.compile(
            rf"{amount}\s*(?:or more|and (?:over|above|up)|\+)|\b(?:over|above|at least|from|exceeding)\s+{amount}",
            re.I,
        )
    text = re.escape(str(value))
    text = re.sub(r"(?<=[\dm])\\-(?=\d)", r"\\s*(?:-|–|to)\\s*", text)  # 3-5 -> 3 to 5, 9am-5pm -> 9am to 5pm
    text = re.sub(r"(?<=\d)(am|pm)", r"\\s*\1", text)  # 9am -> 9 am
    text = text.replace(r"\ ", r",?\s+")
    if str(value) == "24/7":
        text += r"|around the clock|24 hours a day"
    return re.compile(rf"(?<![\w$])(?:{text})(?![\w/])", re.I)


def stale_facts(answer: str, kb_version: str) -> list[str]:
    """Facts the answer states as they were in another KB version, e.g. ``['support_hours']``.

    A fact counts as stale when the answer states another version's value and not the current one. The values
    are matched with the usual variations ("over $50", "3 to 5 business days", "around the clock"), but this is
    a wording heuristic: read a sample of answers it does not flag.
    """
    check_kb_version(kb_version)
    answer = _need_text(answer, "stale_facts")
    if not answer:
        return []
    values = {v: facts(v) for v in KB_VERSIONS}
    found = []
    for name in changed_fact_phrases()[kb_version]:
        current = _fact_pattern(values[kb_version][name])
        for version in KB_VERSIONS:
            if version == kb_version or str(values[version][name]) == str(values[kb_version][name]):
                continue
            if _fact_pattern(values[version][name]).search(answer) and not current.search(answer):
                found.append(name)
    return sorted(set(found))


def contradicts_kb(trace: Trace) -> bool:
    """The reply states a policy fact that contradicts the KB version the assistant was running with."""
    trace = require_trace(trace, "This check")
    return bool(stale_facts(trace.answer, kb_version(trace)))


def missed_escalation(trace: Trace, should_escalate: bool) -> bool:
    """The case needed a human (a label from the ticket) and the conversation opened no escalation."""
    trace = require_trace(trace, "This check")
    if not is_bool(should_escalate):
        raise InputTypeError(
            f"should_escalate must be True or False (the ticket's label, e.g. row['should_escalate']); "
            f"got a {type(should_escalate).__name__}."
        )
    return bool(should_escalate) and not escalated(trace)


def product_failures(trace: Trace, should_escalate: bool) -> list[str]:
    """Every failure the checks above find in one conversation (empty list: it passed them all)."""
    failures = []
    if phantom_refund(trace):
        failures.append("phantom_refund")
    if contradicts_kb(trace):
        failures.append("contradicts_kb")
    if missed_escalation(trace, should_escalate):
        failures.append("missed_escalation")
    return failures
