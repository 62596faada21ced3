"""The tool-calling loop every assistant built on the chat-completions API runs, recorded as a Trace.

Send the conversation to the model; if it asks for tools, run them and send their results back; stop when it
answers in text. That loop is the product's behaviour, so it is what gets traced: each tool call with its parsed
arguments and result, the tokens, the latency and, if the API fails half-way, everything up to the failure.

:func:`run_agent` takes a client, a model, the messages and a mapping of tool name to Python function. Your own
product plugs in its functions; the course's Acme Assist is this loop with the shop's four tools and prompt.
"""

from __future__ import annotations

import inspect
import json
import time
from collections.abc import Callable, Mapping, Sequence

import openai

from ._values import is_whole_number
from .errors import EvalbookError, InputError, InputTypeError, learner_message, scrub_secrets
from .trace import Trace

# The simulator reports the latency it simulates in this response header; a real server never sends it.
SIMULATED_LATENCY_HEADER = "x-evalbook-latency-ms"

_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object"}


def tool_schema(fn: Callable, name: str | None = None) -> dict:
    """An OpenAI tool definition for a plain Python function, read from its signature and docstring.

    Parameters without a default are required; ``str``/``int``/``float``/``bool`` annotations become JSON types
    (anything else is a string). Write the schema by hand when the model needs more than that to call it well.
    """
    if not callable(fn):
        raise InputTypeError(f"tool_schema takes a function; got a {type(fn).__name__}.")
    properties, required = {}, []
    for parameter in inspect.signature(fn).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        annotation = parameter.annotation
        if isinstance(annotation, str):  # from __future__ import annotations
            annotation = {"str": str, "int": int, "float": float, "bool": bool}.get(annotation.split(" |")[0])
        properties[parameter.name] = {"type": _JSON_TYPES.get(annotation, "string")}
        if parameter.default is parameter.empty:
            required.append(parameter.name)
    doc = inspect.getdoc(fn) or ""
    return {
        "type": "function",
        "function": {
            "name": name or fn.__name__,
            "description": doc.split("\n\n")[0].replace("\n", " "),
            "parameters": {"type": "object", "properties": properties, "required": required},
        },
    }


def call_tool(tools: Mapping[str, Callable], name: str, arguments: str | None) -> object:
    """Run one tool the model asked for; a bad call becomes an ``{"error": ...}`` result the model can read.

    Models do send malformed arguments. Returning the problem as the tool's result (instead of raising) is what
    a production loop does: the model gets a chance to correct itself, and the trace shows what happened.
    """
    try:
        args = json.loads(arguments or "{}")
    except ValueError:
        return {"error": f"The arguments for {name} were not valid JSON: {arguments!r:.80}"}
    if not isinstance(args, dict):
        return {"error": f"The arguments for {name} must be a JSON object."}
    tool = tools.get(name)
    if tool is None:
        return {"error": f"There is no tool called {name!r}."}
    try:
        return tool(**args)
    except TypeError as exc:
        return {"error": f"Bad arguments for {name}: {exc}"}


# A reply with no text and no tool call is not an answer; these finish reasons say why the model stopped.
_EMPTY_BECAUSE = {
    "content_filter": (
        "The model gave no answer: the provider's content filter stopped it (finish_reason 'content_filter'). "
        "Look at the conversation in trace.messages; rephrase the prompt or try another model."
    ),
    "length": (
        "The model gave no answer: it reached its token limit before writing any text (finish_reason 'length'). "
        "Raise max_tokens (max_completion_tokens for reasoning models, which can spend the limit thinking) or "
        "shorten the conversation."
    ),
}


class UnreadableReply(EvalbookError):
    """A 200 reply that is not a chat completion (a web page, cut-off JSON, no choices)."""

    def __init__(self, step: int, raw, exc: Exception):
        response = getattr(raw, "http_response", None)
        kind = (response.headers.get("content-type", "") if response is not None else "").split(";")[0]
        if kind and "json" not in kind:
            text = " ".join((response.text or "").split())[:60]
            what = f"a {kind} body: {text!r}"
        elif isinstance(exc, ValueError):
            what = "JSON that is cut short or invalid"
        elif isinstance(exc, LookupError):
            what = "no choices"
        else:
            what = "a choice without a usable message"
        super().__init__(
            f"The reply to model call {step} could not be read as a chat completion ({what}). Check that the "
            "base URL points at an OpenAI-compatible API (it usually ends in /v1); if it does, run the case again."
        )


def run_agent(
    client: openai.OpenAI,
    model: str,
    messages: Sequence[dict],
    tools: Mapping[str, Callable] | None = None,
    *,
    schemas: Mapping[str, dict] | None = None,
    max_steps: int = 6,
    temperature: float | None = None,
    logprobs: bool = False,
    retrieval_tools: Sequence[str] = (),
    trace: Trace | None = None,
) -> Trace:
    """Hold one conversation through the tool loop and return its Trace.

    Args:
        client: an ``openai.OpenAI`` client (``evalbook.client()`` for the course's modes, or your own).
        model: the model name sent to the API.
        messages: the conversation so far, system prompt included, in OpenAI format.
        tools: tool name -> Python function; the model's arguments are passed as keyword arguments.
        schemas: tool name -> OpenAI tool definition; a tool without one gets :func:`tool_schema`'s.
        max_steps: model calls allowed before the trace records "did not answer".
        temperature: sent only when given (some reasoning models reject it).
        logprobs: ask for the final answer's token log-probabilities (kept in ``answer_logprobs``).
        retrieval_tools: tools whose result ``{"results": [...]}`` lists retrieved passages, kept in
            ``trace.retrieved``.
        trace: an empty Trace (or product subclass) to fill in, with its ``metadata`` already set.

    Returns:
        The Trace. An API failure does not raise: the trace keeps everything up to it and says what went wrong
        in ``trace.error``, so one failed case in a batch is a row, not a crash.
    """
    tools = dict(tools or {})
    if not is_whole_number(max_steps) or max_steps < 1:
        raise InputError(
            f"max_steps must be a whole number of at least 1, e.g. max_steps=6; got {max_steps!r}."
        )
    unknown = [name for name in tools if not callable(tools[name])]
    if unknown:
        raise InputTypeError(f"Every tool must be a Python function; {unknown[0]!r} is not.")
    definitions = [(schemas or {}).get(name) or tool_schema(fn, name) for name, fn in tools.items()]
    messages = [dict(m) for m in messages]
    trace = trace if trace is not None else Trace()
    trace.model, trace.messages = model, messages
    trace.input = trace.input or next(
        (
            m.get("content")
            for m in reversed(messages)
            if m.get("role") == "user" and isinstance(m.get("content"), str)
        ),
        "",
    )
    usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    latency, answered = 0.0, set()  # answered: whether responses came from the simulator
    try:
        for _step in range(max_steps):
            trace.steps += 1
            started = time.perf_counter()
            kwargs: dict = {"model": model, "messages": messages}
            if definitions:
                kwargs["tools"] = definitions
            if temperature is not None:
                kwargs["temperature"] = temperature
            if logprobs:
                kwargs["logprobs"] = True
            raw = client.chat.completions.with_raw_response.create(**kwargs)
            try:  # a server's 200 can still be no chat completion: say so instead of crashing half-way
                response = raw.parse()
                choice = response.choices[0]
                msg = choice.message
                for call in msg.tool_calls or []:
                    call.function.name, call.function.arguments  # noqa: B018 - fail here, not mid-step
            except (ValueError, LookupError, AttributeError, TypeError) as exc:
                raise UnreadableReply(trace.steps, raw, exc) from None
            reported = raw.headers.get(SIMULATED_LATENCY_HEADER)
            answered.add(reported is not None)
            if reported is not None:
                latency += float(reported)
            else:
                latency += (time.perf_counter() - started) * 1000
            if response.usage:
                for key in usage:
                    usage[key] += getattr(response.usage, key, 0) or 0
            if not msg.tool_calls:
                trace.answer = msg.content or ""
                if not trace.answer and choice.finish_reason in _EMPTY_BECAUSE:
                    trace.error = _EMPTY_BECAUSE[choice.finish_reason]
                if logprobs and choice.logprobs is not None and choice.logprobs.content:
                    trace.answer_logprobs = [
                        {"token": t.token, "logprob": t.logprob} for t in choice.logprobs.content
                    ]
                messages.append({"role": "assistant", "content": trace.answer})
                break
            messages.append(msg.model_dump(exclude_none=True, include={"role", "content", "tool_calls"}))
            for call in msg.tool_calls:
                result = call_tool(tools, call.function.name, call.function.arguments)
                try:
                    arguments = json.loads(call.function.arguments or "{}")
                except ValueError:
                    arguments = {"_raw": call.function.arguments}
                trace.tool_calls.append(
                    {"name": call.function.name, "arguments": arguments, "result": result}
                )
                if call.function.name in retrieval_tools and isinstance(result, dict):
                    trace.retrieved.extend(result.get("results", []))
                messages.append(
                    {"role": "tool", "tool_call_id": call.id, "content": json.dumps(result, default=str)}
                )
        else:
            trace.error = f"The assistant did not answer within {max_steps} steps."
    except (openai.APIError, EvalbookError) as exc:
        trace.error = scrub_secrets(f"{type(exc).__name__}: {learner_message(exc) or exc}")
    trace.usage = usage
    trace.latency_ms = int(round(latency))
    if answered:  # no response at all: keep what the caller preset
        trace.latency_simulated = answered == {True}
    return trace
