"""The product under test: Acme Assist, a support assistant built on the OpenAI tool-calling loop.

It is ordinary application code: a system prompt, four tools, and the loop that sends the conversation to the
model, runs the tools it asks for and feeds their results back until the model answers. Swap the model, the
knowledge-base version, the prompt or the tools and evaluate the difference; that is the whole course.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

import openai

from ._values import is_whole_number
from .errors import EvalbookError, learner_message
from .modes import client as default_client
from .modes import get_mode
from .shop import CURRENT_KB, ShopState, check_kb_version
from .trace import Trace

DEFAULT_SYSTEM_PROMPT = """You are Acme Assist, the customer support assistant of Acme, an online shop.
Help customers with their orders, refunds, shipping and returns.
- Use lookup_order to check an order before you talk about it.
- Use issue_refund to refund an eligible order.
- Use escalate_to_human when a refund needs approval or the customer needs a person.
- Use search_kb to look up shop policies.
Be friendly and concise."""

TOOLS = {
    "lookup_order": {
        "type": "function",
        "function": {
            "name": "lookup_order",
            "description": "Look up an order by its number (like A-1234): item, amount, status, dates, refund eligibility.",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string", "description": "Order number, e.g. A-1234"}},
                "required": ["order_id"],
            },
        },
    },
    "issue_refund": {
        "type": "function",
        "function": {
            "name": "issue_refund",
            "description": "Refund an eligible order to the customer's original payment method.",
            "parameters": {
                "type": "object",
                "properties": {
                    "order_id": {"type": "string"},
                    "amount": {
                        "type": "number",
                        "description": "Amount in USD; defaults to the order total.",
                    },
                    "reason": {"type": "string"},
                },
                "required": ["order_id"],
            },
        },
    },
    "escalate_to_human": {
        "type": "function",
        "function": {
            "name": "escalate_to_human",
            "description": "Hand the conversation to a human support agent.",
            "parameters": {
                "type": "object",
                "properties": {"reason": {"type": "string"}, "order_id": {"type": "string"}},
                "required": ["reason"],
            },
        },
    },
    "search_kb": {
        "type": "function",
        "function": {
            "name": "search_kb",
            "description": "Search Acme's help-centre articles (policies: shipping, returns, refunds, support hours).",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string"}},
                "required": ["query"],
            },
        },
    },
}


class SupportBot:
    """Acme Assist with a given model, knowledge-base version, system prompt and set of tools.

    >>> bot = SupportBot(model="beacon-1")
    >>> trace = bot.run("Where is my refund for order A-1010?")
    >>> trace.answer, trace.tool_names, trace.refunds_issued

    ``temperature`` is not sent unless you set it: some current models (reasoning models) reject it. The simulator
    is deterministic either way; live responses are cached, so a re-run shows the same answer.
    """

    def __init__(
        self,
        model: str = "beacon-1",
        kb_version: str = CURRENT_KB,
        system_prompt: str = DEFAULT_SYSTEM_PROMPT,
        tools: Sequence[str] = tuple(TOOLS),
        client: openai.OpenAI | None = None,
        max_steps: int = 6,
        temperature: float | None = None,
        logprobs: bool = False,
    ):
        if not isinstance(model, str) or not model:
            raise EvalbookError("model must be a model name such as 'beacon-1' or 'atlas-1'.")
        if get_mode() == "sim" and client is None:
            from .sim.engine import MODELS, unknown_model_message

            if model not in MODELS:
                raise EvalbookError(unknown_model_message(model))
        if isinstance(tools, str):
            raise EvalbookError(f"tools must be a list of tool names, e.g. tools=[{tools!r}].")
        if tools is None or not hasattr(tools, "__iter__"):
            raise EvalbookError(
                f"tools must be a list of tool names (an empty list for none), e.g. tools={list(TOOLS)[:2]}."
            )
        if not is_whole_number(max_steps) or max_steps < 1:
            raise EvalbookError(
                f"max_steps must be a whole number of at least 1, e.g. max_steps=6; got {max_steps!r}."
            )
        if client is not None and not hasattr(client, "chat"):
            raise EvalbookError(
                "client must be an OpenAI client, e.g. evalbook.client() or openai.OpenAI(); "
                f"got a {type(client).__name__}."
            )
        unknown = [t for t in tools if t not in TOOLS]
        if unknown:
            raise EvalbookError(f"Unknown tool(s) {unknown}. Available tools: {', '.join(TOOLS)}.")
        self.model = model
        self.kb_version = check_kb_version(kb_version)
        self.system_prompt = system_prompt
        self.tools = list(tools)
        self._client = client
        self.max_steps = max_steps
        self.temperature = temperature
        self.logprobs = logprobs

    def __repr__(self) -> str:
        return f"SupportBot(model={self.model!r}, kb_version={self.kb_version!r}, tools={self.tools})"

    @property
    def client(self) -> openai.OpenAI:
        return self._client or default_client()

    def run(self, message: str | list[dict]) -> Trace:
        """Hold one conversation (a customer message, or a list of earlier messages) and return its Trace.

        The tools act on a fresh copy of the shop, so the trace's end state shows exactly what this conversation
        did. An API failure does not raise: the trace keeps everything up to that point and says what went wrong
        in ``trace.error``.
        """
        if isinstance(message, str):
            if not message.strip():
                raise EvalbookError("The customer's message is empty; give the bot something to answer.")
            history = [{"role": "user", "content": message}]
        elif isinstance(message, list) and all(isinstance(m, dict) and "role" in m for m in message):
            history = [dict(m) for m in message]
        elif _is_column_or_table(message):
            raise EvalbookError(
                "SupportBot.run got a whole column or table, not one customer's message. Run one message with "
                "bot.run(tickets['message'].iloc[0]), or all of them with run_batch(bot.run, tickets, "
                "input_column='message')."
            )
        elif isinstance(message, dict) or hasattr(message, "keys"):
            raise EvalbookError(
                "SupportBot.run got a whole row (a dict), not the customer's message. With run_batch, pass "
                "input_column='message'; otherwise call bot.run(row['message'])."
            )
        else:
            raise EvalbookError(
                "SupportBot.run takes the customer's message as a string, or a list of {'role', 'content'} dicts; "
                f"got {type(message).__name__}."
            )
        state = ShopState.fresh(self.kb_version)
        messages = [{"role": "system", "content": self.system_prompt}, *history]
        mode = get_mode()
        trace = Trace(answer="", model=self.model, kb_version=self.kb_version, mode=mode, messages=messages)
        trace.latency_simulated = mode == "sim"
        usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
        latency = 0.0
        tools = [TOOLS[name] for name in self.tools]
        try:
            for _step in range(self.max_steps):
                trace.steps += 1
                started = time.perf_counter()
                kwargs = {"model": self.model, "messages": messages}
                if tools:
                    kwargs["tools"] = tools
                if self.temperature is not None:
                    kwargs["temperature"] = self.temperature
                if self.logprobs:
                    kwargs["logprobs"] = True
                raw = self.client.chat.completions.with_raw_response.create(**kwargs)
                response = raw.parse()
                simulated = raw.headers.get("x-evalbook-latency-ms")
                if simulated is not None:
                    latency += float(simulated)
                else:
                    trace.latency_simulated = False
                    latency += (time.perf_counter() - started) * 1000
                if response.usage:
                    for key in usage:
                        usage[key] += getattr(response.usage, key, 0) or 0
                msg = response.choices[0].message
                if not msg.tool_calls:
                    trace.answer = msg.content or ""
                    choice_logprobs = response.choices[0].logprobs
                    if self.logprobs and choice_logprobs is not None and choice_logprobs.content:
                        trace.answer_logprobs = [
                            {"token": t.token, "logprob": t.logprob} for t in choice_logprobs.content
                        ]
                    messages.append({"role": "assistant", "content": trace.answer})
                    break
                messages.append(msg.model_dump(exclude_none=True, include={"role", "content", "tool_calls"}))
                for call in msg.tool_calls:
                    result = self._run_tool(state, call.function.name, call.function.arguments)
                    try:
                        arguments = json.loads(call.function.arguments or "{}")
                    except ValueError:
                        arguments = {"_raw": call.function.arguments}
                    trace.tool_calls.append(
                        {"name": call.function.name, "arguments": arguments, "result": result}
                    )
                    if call.function.name == "search_kb":
                        trace.retrieved.extend(result.get("results", []))
                    messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})
            else:
                trace.error = f"The assistant did not answer within {self.max_steps} steps."
        except (openai.APIError, EvalbookError) as exc:
            trace.error = f"{type(exc).__name__}: {learner_message(exc) or exc}"
        trace.usage = usage
        trace.latency_ms = int(round(latency))
        trace.end_state = state.end_state()
        return trace

    __call__ = run

    @staticmethod
    def _run_tool(state: ShopState, name: str, arguments: str) -> dict:
        try:
            args = json.loads(arguments or "{}")
        except ValueError:
            return {"error": f"The arguments for {name} were not valid JSON: {arguments!r:.80}"}
        if not isinstance(args, dict):
            return {"error": f"The arguments for {name} must be a JSON object."}
        tool = getattr(state, name, None) if name in TOOLS else None
        if tool is None:
            return {"error": f"There is no tool called {name!r}."}
        try:
            return tool(**args)
        except TypeError as exc:
            return {"error": f"Bad arguments for {name}: {exc}"}


def _is_column_or_table(value) -> bool:
    """A DataFrame, an array, or a Series that is a column (a row of the tickets table has a 'message' entry)."""
    import numpy as np
    import pandas as pd

    if isinstance(value, (pd.DataFrame, np.ndarray)):
        return True
    return isinstance(value, pd.Series) and "message" not in value.index
