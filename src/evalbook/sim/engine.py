"""The simulator's chat-completions endpoint: an OpenAI-shaped request in, an OpenAI-shaped response out.

:func:`chat_completion` takes the JSON body the ``openai`` SDK sends and returns ``(status, json, headers)``. It
routes the request to the behaviour it looks like (the Acme assistant, the multiple-choice benchmark, claim triage,
the judge, the test-case generator) purely from its content, fills in ``usage``, ``logprobs``, JSON mode and
structured outputs, and never raises on a well-formed request. Malformed requests get the 4xx errors the real API
would give, with a sentence saying what to fix.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .. import config
from ..errors import ERROR_TYPE_PREFIX
from . import claims, generator, judge, lm, mcq, support
from .draw import Draw

MODELS = config.SIM_MODELS  # the names and roles live in evalbook.config, the one place models are named
FINGERPRINT = "evalbook-sim-1"
CREATED = 1773619200  # a fixed timestamp (the shop's 'today'), so responses are byte-for-byte reproducible
SIM_NOTICE = "(evalbook simulator)"


unknown_model_message = config.unknown_model_message


def error(status: int, message: str, code: str = "invalid_request") -> tuple[int, dict, dict]:
    return status, {"error": {"message": message, "type": ERROR_TYPE_PREFIX + code, "code": code}}, {}


content_text = support.content_text  # message content (a string or a list of parts) as plain text
_text = content_text


def _validate(body) -> tuple[int, dict, dict] | None:
    if not isinstance(body, dict):
        return error(400, "The request body must be a JSON object.")
    model = body.get("model")
    if not model:
        return error(400, "The request has no 'model'. Pass model='beacon-1' (or atlas-1, judge-1).")
    if model not in MODELS:
        return error(404, unknown_model_message(model), "model_not_found")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return error(400, "'messages' must be a non-empty list of {'role': ..., 'content': ...} dicts.")
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in (
            "system",
            "developer",
            "user",
            "assistant",
            "tool",
        ):
            return error(
                400,
                f"messages[{i}] needs a 'role' of system, developer, user, assistant or tool, got {m!r:.80}.",
            )
    return None


def draw_for(body: dict, choice_index: int = 0) -> Draw:
    """Outcomes depend on the model, the customer's words and an optional ``seed``, not on the system prompt."""
    users = [_text(m.get("content")) for m in body["messages"] if m.get("role") == "user"]
    material = "\x1e".join([body["model"], *users, str(body.get("seed", "")), str(choice_index)])
    return Draw(material)


# ---------------------------------------------------------------------------------------------------------------
def _wants_json(body: dict) -> dict | None:
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema"):
        return fmt
    return None


def _fit(value, schema: dict, hints: dict):
    """Shape ``value`` to a JSON schema (structured outputs): keep what fits, fill the rest sensibly."""
    if not isinstance(schema, dict):
        return value
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _fit(value, options[0], hints) if options else None
    if "enum" in schema:
        return value if value in schema["enum"] else schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        value = value if isinstance(value, dict) else {}
        out = {}
        for key, sub in (schema.get("properties") or {}).items():
            if key in value:
                out[key] = _fit(value[key], sub, hints)
            else:
                out[key] = _fit(_hint_for(key, hints), sub, hints)
        return out
    if kind == "array":
        return [_fit(v, schema.get("items", {}), hints) for v in value] if isinstance(value, list) else []
    if kind == "string":
        return value if isinstance(value, str) else ("" if value is None else str(value))
    if kind == "integer":
        return value if isinstance(value, int) and not isinstance(value, bool) else 0
    if kind == "number":
        return value if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
    if kind == "boolean":
        return value if isinstance(value, bool) else False
    return value


def _hint_for(key: str, hints: dict):
    k = key.lower()
    for names, hint in (
        (("answer", "reply", "response", "content", "text", "message"), "text"),
        (("reason", "critique", "explanation", "rationale", "why"), "reason"),
    ):
        if any(n in k for n in names):
            return hints.get(hint)
    return None


def _as_content(result, body: dict, to_text) -> str:
    """Render a behaviour's result as the reply content: JSON if the request asked for it, else text."""
    fmt = _wants_json(body)
    if fmt is None:
        return to_text(result) if isinstance(result, dict) else str(result)
    if not isinstance(result, dict):
        result = {"answer": result}
    hints = {
        "text": result.get("answer") or to_text(result),
        "reason": result.get("reason") or result.get("critique") or "",
    }
    if fmt.get("type") == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema") or {}
        result = _fit(result, schema, hints)
    return json.dumps(result, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------------------------
# The behaviours, tried in order: the first whose ``matches`` is true answers the request. Each decides only from
# what is in the request (the model, the messages, the tools offered), never from hidden labels. A lesson that
# needs a new behaviour adds one entry here; a behaviour that raises fails the request loudly (a 500 from the
# simulator with the behaviour's name), it never falls through to the next one.
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    """What every behaviour may read: the body, the user messages and the whole conversation as text."""

    body: dict
    users: tuple[str, ...]
    whole: str

    @property
    def last_user(self) -> str:
        return self.users[-1] if self.users else ""

    @classmethod
    def of(cls, body: dict) -> Request:
        users = tuple(content_text(m.get("content")) for m in body["messages"] if m.get("role") == "user")
        return cls(body, users, "\n".join(content_text(m.get("content")) for m in body["messages"]))


@dataclass(frozen=True)
class Behaviour:
    name: str
    matches: Callable[[Request], bool]
    respond: Callable[[Request, Draw], dict]


def _judge(req: Request, draw: Draw) -> dict:
    result = judge.judge(
        req.whole, wants_score=judge.wants_score(req.body), seed=str(req.body.get("seed", ""))
    )
    fmt = _wants_json(req.body)
    if fmt is not None and fmt.get("type") == "json_object":
        result = judge.loose_json(result, draw)
    return {"content": _as_content(result, req.body, judge.to_text)}


def _claims(req: Request, draw: Draw) -> dict:
    return {
        "content": _as_content(
            claims.respond(req.body["model"], req.last_user, draw), req.body, claims.to_text
        )
    }


def _mcq(req: Request, draw: Draw) -> dict:
    return {"content": _as_content(mcq.respond(req.body["model"], req.last_user, draw), req.body, str)}


def _generator(req: Request, draw: Draw) -> dict:
    return {"content": _as_content(generator.respond(req.body["model"], req.last_user, draw), req.body, str)}


def _support(req: Request, draw: Draw) -> dict:
    body = req.body
    step = _support_step(body, draw)
    if step.tool:
        call_id = (
            "call_"
            + hashlib.sha256(
                (json.dumps(body["messages"], sort_keys=True, default=str) + step.tool).encode()
            ).hexdigest()[:24]
        )
        return {
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": step.tool, "arguments": json.dumps(step.arguments, sort_keys=True)},
                }
            ]
        }
    return {"content": _as_content(step.answer, body, str)}


def _notice(req: Request, draw: Draw) -> dict:
    notice = (
        f"{SIM_NOTICE} I am {req.body['model']}, a simulated model built for the evalbook lessons. I can answer as "
        "Acme's support assistant, take the practice benchmark, triage the course's insurance claims and judge "
        "replies. For anything else, switch to live mode to ask a real model."
    )
    return {"content": _as_content(notice, req.body, str)}


BEHAVIOURS: tuple[Behaviour, ...] = (
    Behaviour("judge", lambda req: req.body["model"] == "judge-1", _judge),
    Behaviour("generator", lambda req: generator.looks_like_tuple(req.last_user), _generator),
    Behaviour("claims", lambda req: claims.looks_like_claim(req.last_user), _claims),
    Behaviour("mcq", lambda req: mcq.looks_like_mcq(req.last_user), _mcq),
    Behaviour(
        "support",
        lambda req: support.is_support_request(req.body) or support.classify(req.last_user) != "out_of_scope",
        _support,
    ),
    Behaviour("notice", lambda req: True, _notice),
)


class BehaviourError(RuntimeError):
    """A simulator behaviour raised: a bug in the simulator, reported instead of silently answered otherwise."""


def _behave(body: dict, draw: Draw) -> dict:
    """Decide the assistant message (content or tool calls) for this request: the first matching behaviour's."""
    req = Request.of(body)
    for behaviour in BEHAVIOURS:
        try:
            if behaviour.matches(req):
                return behaviour.respond(req, draw)
        except Exception as exc:
            raise BehaviourError(
                f"the simulator's {behaviour.name!r} behaviour failed: {type(exc).__name__}: {exc}"
            ) from exc
    raise BehaviourError("no simulator behaviour answered")  # unreachable: 'notice' matches everything


def _support_step(body: dict, draw: Draw) -> support.Step:
    choice = body.get("tool_choice")
    if choice == "none":
        body = dict(body, tools=[])
    step = support.respond(body["model"], body, draw)
    forced = None
    if isinstance(choice, dict):
        forced = (choice.get("function") or {}).get("name")
    elif choice == "required" and step.tool is None:
        offered = [(t.get("function") or {}).get("name") for t in body.get("tools") or []]
        forced = next((t for t in ("lookup_order", "search_kb", "escalate_to_human") if t in offered), None)
        forced = forced or (offered[0] if offered else None)
    if forced and step.tool != forced:
        convo = support.read_conversation(body["model"], body)
        order = support.find_order_id(convo.text) or ""
        guesses = {
            "lookup_order": {"order_id": order},
            "issue_refund": {"order_id": order, "reason": "customer request"},
            "escalate_to_human": {"reason": "customer request", "order_id": order},
            "search_kb": {"query": convo.user_texts[-1] if convo.user_texts else ""},
        }
        step = support.Step(tool=forced, arguments=guesses.get(forced, {}))
    return step


# ---------------------------------------------------------------------------------------------------------------
def count_tokens(text: str) -> int:
    """Approximate token count (words and punctuation); the real tokenizer would differ by a few percent."""
    return _count_tokens(text or "")


@lru_cache(maxsize=1024)
def _count_tokens(text: str) -> int:
    """Cached because each request resends the same system prompt and tool schemas, which dominated the count."""
    return len(lm.tokenize(text))


def _usage(body: dict, messages: list[dict]) -> dict:
    prompt = sum(4 + count_tokens(_text(m.get("content"))) for m in body["messages"])
    prompt += count_tokens(json.dumps(body.get("tools") or "")) if body.get("tools") else 0
    completion = 0
    for m in messages:
        completion += count_tokens(m.get("content") or "")
        for call in m.get("tool_calls") or []:
            completion += 4 + count_tokens(call["function"]["arguments"])
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _logprobs(content: str, top: int) -> dict:
    out = []
    for token, logprob in lm.token_logprobs(content):
        entry = {
            "token": token,
            "logprob": round(logprob, 6),
            "bytes": list(token.encode("utf-8")),
            "top_logprobs": [],
        }
        if top:
            entry["top_logprobs"] = [
                {"token": token, "logprob": round(logprob, 6), "bytes": list(token.encode("utf-8"))}
            ]
        out.append(entry)
    return {"content": out, "refusal": None}


def simulated_latency_ms(usage: dict, draw: Draw) -> int:
    """A plausible, reproducible latency: a fixed overhead, time per generated token, and some jitter."""
    base = 280 + 14 * usage["completion_tokens"] + 0.15 * usage["prompt_tokens"]
    return int(base * (0.8 + 0.4 * draw.uniform("latency")))


def chat_completion(body) -> tuple[int, dict, dict]:
    """Answer one ``POST /chat/completions`` request."""
    problem = _validate(body)
    if problem:
        return problem
    n = body.get("n") or 1
    if not isinstance(n, int) or not 1 <= n <= 8:
        return error(400, "'n' must be an integer from 1 to 8 in the simulator.")
    choices, messages = [], []
    for index in range(n):
        draw = draw_for(body, index)
        try:
            decided = _behave(body, draw)
        except BehaviourError as exc:
            return error(
                500, f"{exc}. This is a bug in evalbook's simulator; please report it.", "simulator_bug"
            )
        message = {"role": "assistant", "content": None, "refusal": None, **decided}
        messages.append(message)
        choice = {
            "index": index,
            "message": message,
            "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
            "logprobs": None,
        }
        if body.get("logprobs") and message.get("content"):
            choice["logprobs"] = _logprobs(message["content"], int(body.get("top_logprobs") or 0))
        choices.append(choice)
    usage = _usage(body, messages)
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    response = {
        "id": f"chatcmpl-sim-{digest[:24]}",
        "object": "chat.completion",
        "created": CREATED,
        "model": body["model"],
        "system_fingerprint": FINGERPRINT,
        "choices": choices,
        "usage": usage,
    }
    headers = {
        "x-evalbook-simulated": "true",
        "x-evalbook-latency-ms": str(simulated_latency_ms(usage, draw_for(body))),
    }
    return 200, response, headers


def stream_chunks(response: dict, include_usage: bool) -> list[dict]:
    """Turn a full response into the chunks ``stream=True`` delivers (content in a few pieces)."""
    chunks = []
    base = {k: response[k] for k in ("id", "created", "model", "system_fingerprint")}
    base["object"] = "chat.completion.chunk"
    for choice in response["choices"]:
        msg, i = choice["message"], choice["index"]
        chunks.append(
            dict(
                base,
                choices=[{"index": i, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}],
            )
        )
        if msg.get("tool_calls"):
            delta = {"tool_calls": [dict(call, index=k) for k, call in enumerate(msg["tool_calls"])]}
            chunks.append(dict(base, choices=[{"index": i, "delta": delta, "finish_reason": None}]))
        else:
            pieces = re.findall(r"\S+\s*|\s+", msg.get("content") or "")
            for start in range(0, len(pieces), 4):
                delta = {"content": "".join(pieces[start : start + 4])}
                chunks.append(dict(base, choices=[{"index": i, "delta": delta, "finish_reason": None}]))
        chunks.append(
            dict(base, choices=[{"index": i, "delta": {}, "finish_reason": choice["finish_reason"]}])
        )
    if include_usage:
        chunks.append(dict(base, choices=[], usage=response["usage"]))
    return chunks


def list_models() -> dict:
    return {
        "object": "list",
        "data": [
            {"id": m, "object": "model", "created": CREATED, "owned_by": "evalbook-simulator"} for m in MODELS
        ],
    }
