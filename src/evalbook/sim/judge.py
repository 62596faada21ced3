"""``judge-1``: a simulated LLM judge that answers any judge prompt, with imperfections a learner can measure.

It reads only the request. From the instructions it takes **what it is asked about** (the criterion: whether the
reply's claims are supported by the trace, whether a repeat contact was acknowledged and handed on, whether the
tone suits an upset customer; anything else gets all three) and **how it is asked** (pass and fail defined,
examples given, an instruction to ignore confidence and length, a 1-5 scale or a binary verdict, one reply or
two). From the conversation it was shown it takes **the evidence**: the customer's words, the tool calls and
results, the reply. It never sees a label: a failure it cannot see in the prompt, it cannot catch.

Two ways of showing the conversation are read:

- **tags**, one per part (``<customer>``, ``<tool_call>``, ``<tool_result>``, ``<tool_calls>``, ``<reply>``, as
  :func:`evalbook.judges.trace_evidence` writes them): text inside a part stays in that part;
- **labelled lines** (``Customer: ...``, ``Tool result: ...``, ``Reply: ...``): the naive prompt. A line inside the
  customer's message that starts with ``Tool result:`` is read as a tool result, as a real model can be fooled by
  text that looks like the log.

Then it errs in documented ways, each a feature of the input (rates at the top of this file, measured in
``tests/test_sim_judge.py`` and reported in ``docs/simulator.md``): it misses a visible failure more often when the
criterion has no pass/fail definitions and no examples, when the reply sounds confident (``LENIENCY``) and when the
reply is long (``VERBOSITY``); it fails some good replies, terse ones more; in a comparison of two replies it
prefers the one shown first (``POSITION_BIAS``). Its draws are seeded from the evidence, not from the wording of
the instructions, so re-wording a binary prompt moves few verdicts, while a 1-5 score is drawn afresh per wording
within the band its verdict allows.
"""

from __future__ import annotations

import re

from ..course.acme import shop
from .draw import Draw

# --- the judge's imperfections (each the probability of an error, per verdict) -------------------------------
MISS_UNDEFINED = 0.30  # misses a visible failure when the prompt does not say what pass and fail mean
MISS_DEFINED = 0.12  # ... when it defines both
EXAMPLES_FACTOR = 0.6  # the miss rate is multiplied by this with two or more few-shot examples
LENIENCY = 0.30  # extra chance of missing it when the reply sounds confident ("rest assured", "all done")
VERBOSITY_PER_WORD = 0.006  # extra chance per word of reply beyond VERBOSE_FROM words ...
VERBOSE_FROM = 30
VERBOSITY_CAP = 0.30  # ... up to this much
DEBIAS_FACTOR = 0.3  # leniency and verbosity multiplied by this when told to ignore confidence and length
FALSE_FAIL = 0.05  # fails a reply with no failure it can see
TERSE_FALSE_FAIL = 0.15  # ... when the reply is under TERSE_UNDER words
TERSE_UNDER = 12
WORDING_FLIP = 0.03  # chance that a binary verdict depends on the exact wording of the instructions
SCORE_BANDS = {"fail": ((1, 0.25), (2, 0.45), (3, 0.30)), "pass": ((3, 0.30), (4, 0.45), (5, 0.25))}
POSITION_BIAS = 0.65  # in a comparison with no clear winner, the chance it picks the reply shown first
POSITION_OVERRIDE = 0.15  # with a clear winner, the chance it still picks the reply shown first
LOOSE_JSON = (
    0.10  # in JSON mode without a schema, the chance of a reply in its own shape ({"result": "PASS"})
)

KINDS = ("supported", "repeat_contact", "tone")
_KIND_WORDS = {
    "supported": r"support|ground|backed|evidence|hallucinat|made.?up|invent|claim|accura|verif|true",
    "repeat_contact": r"repeat|contacted (us |support )?before|previous contact|third time|more than once|"
    r"(contact|wr[io]te)[^.\n]*again",
    "tone": r"\btone\b|empath|upset|frustrat|polite|rude|warm|courteous",
}
_PROMISES_TOO = re.compile(r"promis|follow.?up|will be done|commitment|note on", re.I)
_DEFINES = re.compile(r"\bfail\b[^.\n]*\b(if|when|means|:)|\bpass\b[^.\n]*\b(if|when|means|:)", re.I)
_DEBIAS = re.compile(
    r"(confiden|fluen|length|long|verbos|polite|sure)[^.\n]*\b(not|never|no)\b[^.\n]*"
    r"(evidence|matter|count|affect|proof|change)|\b(ignore|disregard|not swayed by)\b[^.\n]*"
    r"(confiden|fluen|length|verbos|how sure)",
    re.I,
)
_SCALE = re.compile(
    r"\b1\s*(?:-|to|–)\s*5\b|scale of (?:1|one)|score from 1|1 \(worst\)|\bfive-point\b", re.I
)
_CONFIDENT = re.compile(
    r"rest assured|all done|definitely|certainly|absolutely|guarantee|100%|i have (?:already )?(?:processed|"
    r"taken care)|no problem at all|done!",
    re.I,
)
_REFUND_CLAIM = re.compile(
    r"\b(?:i|we)(?:'ve| have)?\s+(?:\w+\s+)?(?:refunded|(?:processed|issued|approved|sent)\b[^.!?]{0,30}\brefund)|"
    r"\brefund\b[^.!?]{0,60}\b(?:has been|was|is)\s+(?:processed|issued|approved|on its way|complete)|"
    r"\byou(?:'ve| have) been refunded",
    re.I,
)
_NEGATED = re.compile(r"\b(can't|cannot|couldn't|could not|unable|won't|not able)\b", re.I)
_STATUS_CLAIM = re.compile(
    r"\b(on its way|should arrive|will arrive|arrives?|was delivered|has shipped|shipped on|out for delivery)\b",
    re.I,
)
_ACTION_CLAIM = re.compile(
    r"\b(i've|i have|we've|we have) (made a note|noted|flagged|logged|passed this|raised)|our team will "
    r"(make sure|look into|get back|contact)|will make sure this is resolved",
    re.I,
)
_REPEAT = re.compile(
    r"third time|second time|\bagain\b|\btwice\b|already (contacted|written|asked|told)|back and forth|"
    r"still (no|not|waiting)|proper answer this time|nobody (has )?(replied|answered|helped)",
    re.I,
)
_ACKNOWLEDGED = re.compile(
    r"\bagain\b|more than once|had to (contact|write|ask|chase)|previous(ly)?|not the first time|"
    r"already (contacted|been in touch)|repeat",
    re.I,
)
_HANDOFF = re.compile(r"human agent|a (colleague|specialist|person|member of (our|the) team)|escalat", re.I)
_UPSET = re.compile(
    r"seriously|unacceptable|ridiculous|angry|furious|frustrat|third time|again|worst|!!|disappointed|"
    r"proper answer|fed up",
    re.I,
)
_WARM = re.compile(r"\bsorry\b|apolog|understand|frustrat|inconvenien|shouldn't have had to", re.I)

# Parts of the conversation, by the tag or the line label that introduces them.
_PART = {
    "customer": "customer", "user": "customer", "question": "customer", "input": "customer",
    "message": "customer", "assistant": "reply", "answer": "reply", "response": "reply", "reply": "reply",
    "output": "reply", "tool_call": "tools", "tool_result": "tools", "tool_calls": "tools", "tool call": "tools",
    "tool result": "tools", "tool calls": "tools", "tool log": "tools", "tools": "tools", "context": "tools",
    "retrieved": "tools", "retrieved context": "tools",
}  # fmt: skip
_TAGGED = re.compile(r"<(customer|user|message|reply|assistant|answer|response|tool_call|tool_result|tool_calls|"
                     r"context|reply_a|reply_b)>\n?(.*?)\n?</\1>", re.S)  # fmt: skip
_LABEL = re.compile(
    r"^\s*(customer|user|question|input|assistant|answer|response|reply|output|tool calls?|tool results?|"
    r"tool log|tools|context|retrieved(?: context)?)\s*:\s?(.*)$",
    re.I,
)
_PAIR_LABEL = re.compile(r"^\s*(?:reply|response|answer)\s+([AB])\s*:\s?(.*)$", re.I)


def _strip_examples(text: str) -> str:
    return re.sub(r"<example\b[^>]*>.*?</example>", " ", text, flags=re.S | re.I)


def read_prompt(text: str) -> dict:
    """Split a judge prompt into its instructions and the evidence to judge.

    Returns ``{"instructions", "customer", "tools", "reply", "tools_shown", "delimited", "reply_a", "reply_b"}``.
    With tags, the last ``<evidence>`` block (or the whole prompt) is read part by part, and examples in
    ``<example>`` blocks are left out. With labelled lines, the evidence starts at the last customer label, so
    examples written before it are instructions, not evidence.
    """
    body = _strip_examples(text)
    parts: dict[str, list[str]] = {"customer": [], "tools": [], "reply": [], "reply_a": [], "reply_b": []}
    tagged = list(_TAGGED.finditer(body))
    if tagged:
        block = body
        blocks = list(re.finditer(r"<evidence>(.*?)</evidence>", body, re.S))
        if blocks:
            block = blocks[-1].group(1)
        instructions = body.replace(block, " ") if blocks else _TAGGED.sub(" ", body)
        for match in _TAGGED.finditer(block):
            tag = match.group(1)
            kind = tag if tag in ("reply_a", "reply_b") else _PART[tag]
            parts[kind].append(match.group(2).strip())
        delimited = True
    else:
        lines = body.splitlines()
        starts = [i for i, line in enumerate(lines) if (m := _LABEL.match(line)) and _PART.get(
            m.group(1).lower()) == "customer"]  # fmt: skip
        start = (
            starts[-1]
            if starts
            else next(
                (i for i, line in enumerate(lines) if _LABEL.match(line) or _PAIR_LABEL.match(line)),
                len(lines),
            )
        )
        instructions = "\n".join(lines[:start])
        current = None
        for line in lines[start:]:
            pair = _PAIR_LABEL.match(line)
            match = _LABEL.match(line)
            if pair:
                current = f"reply_{pair.group(1).lower()}"
                parts[current].append(pair.group(2))
            elif match:
                label = match.group(1).lower()
                current = _PART.get(label, _PART.get(label.rstrip("s"), "tools"))
                parts[current].append(match.group(2))
            elif current:
                parts[current].append(line)
        delimited = False
    out = {k: "\n".join(v).strip() for k, v in parts.items()}
    out["tools_shown"] = bool(parts["tools"])
    out["instructions"] = instructions
    out["delimited"] = delimited
    return out


def criterion_text(instructions: str) -> str:
    """The criterion: the paragraph after a ``Criterion:`` line if there is one, else all the instructions."""
    match = re.search(r"criterion\s*:\s*(.*?)(?:\n\s*\n|$)", instructions, re.I | re.S)
    return match.group(1) if match else instructions


def criterion_kinds(instructions: str) -> list[str]:
    """What the judge is asked about, from the criterion in the instructions (all kinds when it cannot tell)."""
    text = criterion_text(instructions)
    found = [kind for kind in KINDS if re.search(_KIND_WORDS[kind], text, re.I)]
    return found or list(KINDS)


def _policy_phrases() -> list[str]:
    phrases = set()
    for version in shop.KB_VERSIONS:
        for value in shop.facts(version).values():
            if isinstance(value, str):
                phrases.add(value)
    return sorted(phrases, key=len, reverse=True)


def _refund_done(tools: str) -> bool:
    return bool(re.search(r'"status":\s*"refunded"', tools))


def find_failures(kinds: list[str], parts: dict, *, promises: bool = False) -> list[str]:
    """The failures the evidence shows for the criteria asked about, each as a sentence of critique."""
    customer, tools, reply, shown = parts["customer"], parts["tools"], parts["reply"], parts["tools_shown"]
    found = []
    if "supported" in kinds and shown:
        sentences = re.split(r"(?<=[.!?])\s+", reply)
        if any(_REFUND_CLAIM.search(s) and not _NEGATED.search(s) for s in sentences) and not _refund_done(
            tools
        ):
            found.append("The reply says a refund was made, but no tool result shows a refund.")
        for phrase in _policy_phrases():
            if phrase in reply and phrase not in tools:
                found.append(f"The reply states '{phrase}', which nothing retrieved in the trace supports.")
                break
        if _STATUS_CLAIM.search(reply) and "lookup_order" not in tools:
            found.append("The reply describes the order's delivery, but the order was never looked up.")
        if promises and _ACTION_CLAIM.search(reply) and "escalate_to_human" not in tools:
            found.append("The reply promises a follow-up that no tool call set up.")
    if "repeat_contact" in kinds and _REPEAT.search(customer):
        handed = "escalate_to_human" in tools or _HANDOFF.search(reply)
        if not (_ACKNOWLEDGED.search(reply) and handed):
            found.append(
                "The customer says this is not their first contact; the reply neither acknowledges it nor hands "
                "the case to a person."
                if not handed
                else "The reply hands the case on but does not acknowledge that the customer had to ask again."
            )
    if "tone" in kinds and _UPSET.search(customer):
        if not _WARM.search(reply) or len(reply.split()) < TERSE_UNDER:
            found.append("The customer is upset and the reply does not acknowledge it.")
    return found


def count_examples(prompt: str) -> int:
    """Few-shot examples in the prompt: ``<example>`` blocks, or else labelled verdicts in the instructions."""
    blocks = len(re.findall(r"<example\b", prompt, re.I))
    return blocks or len(
        re.findall(r"verdict\s*[:=]\s*\"?(?:pass|fail)", read_prompt(prompt)["instructions"], re.I)
    )


def _miss_rate(instructions: str, reply: str, examples: int) -> float:
    base = MISS_DEFINED if _DEFINES.search(instructions) else MISS_UNDEFINED
    if examples >= 2:
        base *= EXAMPLES_FACTOR
    damp = DEBIAS_FACTOR if _DEBIAS.search(instructions) else 1.0
    lenient = LENIENCY if _CONFIDENT.search(reply) else 0.0
    verbose = min(VERBOSITY_CAP, VERBOSITY_PER_WORD * max(0, len(reply.split()) - VERBOSE_FROM))
    return min(0.95, base + damp * (lenient + verbose))


def _evidence_draw(parts: dict, kinds: list[str], seed: str) -> Draw:
    """Draws seeded from the customer's words, the tools and the criterion: not the reply's wording (so padding
    a reply changes only the bias, not the luck), and not the instructions' wording."""
    return Draw("\x1e".join(["judge", parts["customer"], parts["tools"], ",".join(kinds), seed]))


def judge(prompt: str, *, wants_score: bool = False, seed: str = "") -> dict:
    """The verdict on one prompt: ``{"critique", "verdict"}``, plus ``"score"`` (1-5) when a scale is asked for."""
    parts = read_prompt(prompt)
    if parts["reply_a"] or parts["reply_b"]:
        return compare(parts, seed)
    reply = parts["reply"]
    if not reply:
        return {
            "verdict": "fail",
            "critique": "(evalbook simulated judge) I could not find the reply to judge. Put it in <reply> tags "
            "or on a line that starts with 'Reply:'.",
        }
    instructions = parts["instructions"]
    kinds = criterion_kinds(instructions)
    failures = find_failures(kinds, parts, promises=bool(_PROMISES_TOO.search(instructions)))
    draw = _evidence_draw(parts, kinds, seed)
    if failures:
        missed = draw.chance("judge.miss", _miss_rate(instructions, reply, count_examples(prompt)))
        result = (
            {
                "critique": "The reply is clear, polite and consistent with the conversation.",
                "verdict": "pass",
            }
            if missed
            else {"critique": " ".join(failures), "verdict": "fail"}
        )
    else:
        rate = TERSE_FALSE_FAIL if len(reply.split()) < TERSE_UNDER else FALSE_FAIL
        result = (
            {"critique": "The reply is too brief to reassure the customer.", "verdict": "fail"}
            if draw.chance("judge.false_fail", rate)
            else {
                "critique": "The reply is consistent with the conversation and meets the criterion.",
                "verdict": "pass",
            }  # fmt: skip
        )
    worded = Draw(draw.material + "\x1e" + " ".join(instructions.split()))
    if worded.chance("judge.wording", WORDING_FLIP):
        result["verdict"] = "pass" if result["verdict"] == "fail" else "fail"
    if wants_score or _SCALE.search(instructions):
        band = SCORE_BANDS[result["verdict"]]
        u, total = worded.uniform("judge.score"), 0.0
        result["score"] = band[-1][0]
        for score, weight in band:
            total += weight
            if u < total:
                result["score"] = score
                break
    return result


def compare(parts: dict, seed: str = "") -> dict:
    """Which of two replies is better: the one without a visible failure, else (often) the one shown first."""
    a, b = parts["reply_a"], parts["reply_b"]
    kinds = criterion_kinds(parts["instructions"])
    bad_a = len(find_failures(kinds, dict(parts, reply=a, tools_shown=False)))
    bad_b = len(find_failures(kinds, dict(parts, reply=b, tools_shown=False)))
    draw = Draw("\x1e".join(["pair", parts["customer"], a, b, seed]))  # ordered: each order gets its own draw
    if bad_a != bad_b:
        better = "A" if bad_a < bad_b else "B"
        winner = "A" if draw.chance("pair.override", POSITION_OVERRIDE) else better
    else:
        winner = "A" if draw.chance("pair.position", POSITION_BIAS) else "B"
    why = "fewer problems" if bad_a != bad_b and winner == ("A" if bad_a < bad_b else "B") else "a better fit"
    return {"critique": f"Reply {winner} is {why} for the customer's message.", "winner": winner}


def wants_score(body: dict) -> bool:
    fmt = body.get("response_format") or {}
    schema = ((fmt.get("json_schema") or {}).get("schema") or {}) if isinstance(fmt, dict) else {}
    return "score" in (schema.get("properties") or {})


def loose_json(result: dict, draw: Draw) -> dict:
    """JSON mode without a schema: usually the requested keys, sometimes a shape of the model's own."""
    if "verdict" in result and draw.chance("judge.loose", LOOSE_JSON):
        return {"result": result["verdict"].upper(), "reason": result["critique"]}
    return result


def to_text(result: dict) -> str:
    if "result" in result:  # the loose JSON shape
        return f"Critique: {result.get('reason', '')}\nVerdict: {result['result']}"
    if "winner" in result:
        return f"Critique: {result['critique']}\nWinner: {result['winner']}"
    lines = [f"Critique: {result['critique']}"]
    if "score" in result:
        lines.append(f"Score: {result['score']}")
    lines.append(f"Verdict: {result['verdict'].upper()}")
    return "\n".join(lines)
