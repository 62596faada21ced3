"""The product under test: Acme Assist, a support assistant built on the OpenAI tool-calling loop.

It is ordinary application code: a system prompt, four tools, and the loop that sends the conversation to the
model, runs the tools it asks for and feeds their results back until the model answers. Swap the model, the
knowledge-base version, the prompt or the tools and evaluate the difference; that is the whole course.
"""

from __future__ import annotations

from collections.abc import Sequence

import openai

from ... import config
from ..._values import is_whole_number
from ...agent import run_agent
from ...errors import InputError
from ...modes import client as default_client
from ...modes import get_mode
from .shop import CURRENT_KB, ShopState, check_kb_version
from .traces import AcmeTrace

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
            raise InputError("model must be a model name such as 'beacon-1' or 'atlas-1'.")
        if get_mode() == "sim" and client is None:
            if model not in config.SIM_MODELS:
                raise InputError(config.unknown_model_message(model))
        if isinstance(tools, str):
            raise InputError(f"tools must be a list of tool names, e.g. tools=[{tools!r}].")
        if tools is None or not hasattr(tools, "__iter__"):
            raise InputError(
                f"tools must be a list of tool names (an empty list for none), e.g. tools={list(TOOLS)[:2]}."
            )
        if not is_whole_number(max_steps) or max_steps < 1:
            raise InputError(
                f"max_steps must be a whole number of at least 1, e.g. max_steps=6; got {max_steps!r}."
            )
        if client is not None and not hasattr(client, "chat"):
            raise InputError(
                "client must be an OpenAI client, e.g. evalbook.client() or openai.OpenAI(); "
                f"got a {type(client).__name__}."
            )
        unknown = [t for t in tools if t not in TOOLS]
        if unknown:
            raise InputError(f"Unknown tool(s) {unknown}. Available tools: {', '.join(TOOLS)}.")
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

    def run(self, message: str | list[dict]) -> AcmeTrace:
        """Hold one conversation (a customer message, or a list of earlier messages) and return its Trace.

        The tools act on a fresh copy of the shop, so the trace's end state shows exactly what this conversation
        did. An API failure does not raise: the trace keeps everything up to that point and says what went wrong
        in ``trace.error``.
        """
        if isinstance(message, str):
            if not message.strip():
                raise InputError("The customer's message is empty; give the bot something to answer.")
            history = [{"role": "user", "content": message}]
        elif isinstance(message, list) and all(isinstance(m, dict) and "role" in m for m in message):
            history = [dict(m) for m in message]
        elif _is_column_or_table(message):
            raise InputError(
                "SupportBot.run got a whole column or table, not one customer's message. Run one message with "
                "bot.run(tickets['message'].iloc[0]), or all of them with run_batch(bot.run, tickets, "
                "input_column='message')."
            )
        elif isinstance(message, dict) or hasattr(message, "keys"):
            raise InputError(
                "SupportBot.run got a whole row (a dict), not the customer's message. With run_batch, pass "
                "input_column='message'; otherwise call bot.run(row['message'])."
            )
        else:
            raise InputError(
                "SupportBot.run takes the customer's message as a string, or a list of {'role', 'content'} dicts; "
                f"got {type(message).__name__}."
            )
        state = ShopState.fresh(self.kb_version)
        messages = [{"role": "system", "content": self.system_prompt}, *history]
        mode = get_mode()
        trace = AcmeTrace(
            metadata={"kb_version": self.kb_version}, mode=mode, latency_simulated=mode == "sim"
        )
        trace = run_agent(
            self.client,
            self.model,
            messages,
            {name: getattr(state, name) for name in self.tools},
            schemas=TOOLS,
            max_steps=self.max_steps,
            temperature=self.temperature,
            logprobs=self.logprobs,
            retrieval_tools=("search_kb",),
            trace=trace,
        )
        trace.outcome = state.end_state()
        return trace

    __call__ = run


def _is_column_or_table(value) -> bool:
    """A DataFrame, an array, or a Series that is a column (a row of the tickets table has a 'message' entry)."""
    import numpy as np
    import pandas as pd

    if isinstance(value, (pd.DataFrame, np.ndarray)):
        return True
    return isinstance(value, pd.Series) and "message" not in value.index
