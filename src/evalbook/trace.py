"""A Trace: the complete record of one conversation with the assistant, the unit of product evaluation.

A final answer alone cannot tell you whether the assistant refunded anything; the trace can. It keeps every
message, every tool call with its arguments and result, the passages retrieved (with their KB version), the
model, token counts and latency, and what the conversation changed in the shop (its end state).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import pandas as pd

from .errors import EvalbookError


@dataclass
class Trace:
    answer: str
    model: str
    kb_version: str
    tool_calls: list[dict] = field(default_factory=list)  # each {"name", "arguments", "result"}
    retrieved: list[dict] = field(
        default_factory=list
    )  # each {"doc_id", "title", "text", "kb_version", "score"}
    messages: list[dict] = field(default_factory=list)
    mode: str = "sim"
    usage: dict = field(
        default_factory=lambda: {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    )
    latency_ms: int = 0
    latency_simulated: bool = True
    end_state: dict = field(default_factory=lambda: {"refunds": [], "escalations": []})
    steps: int = 0
    error: str | None = None
    answer_logprobs: list[dict] | None = None  # [{"token", "logprob"}] of the final answer, if requested

    # -- conveniences for checks --------------------------------------------------------------------------------
    @property
    def tool_names(self) -> list[str]:
        return [call["name"] for call in self.tool_calls]

    def called(self, name: str) -> bool:
        """Did the assistant call this tool at least once?"""
        return name in self.tool_names

    @property
    def refunds_issued(self) -> list[dict]:
        """Refunds that really happened in the shop's records during this conversation."""
        return list(self.end_state.get("refunds", []))

    @property
    def escalated(self) -> bool:
        return bool(self.end_state.get("escalations"))

    @property
    def user_message(self) -> str:
        users = [m.get("content") for m in self.messages if m.get("role") == "user"]
        return users[-1] if users and isinstance(users[-1], str) else ""

    # -- serialisation --------------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict) -> Trace:
        if not isinstance(data, dict):
            raise EvalbookError(f"A trace must be a JSON object (a dict), not {type(data).__name__}.")
        missing = [k for k in ("answer", "model", "kb_version") if k not in data]
        if missing:
            raise EvalbookError(f"This is not an evalbook trace: it has no {', '.join(missing)} field.")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def from_json(cls, text: str) -> Trace:
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise EvalbookError(f"That text is not valid trace JSON ({exc}).") from None
        return cls.from_dict(data)

    def to_row(self) -> dict:
        """One flat row for a pandas DataFrame; the full trace stays available in the ``trace`` column."""
        return {
            "model": self.model,
            "kb_version": self.kb_version,
            "answer": self.answer,
            "tools": ";".join(self.tool_names),
            "n_tool_calls": len(self.tool_calls),
            "refunds_issued": len(self.refunds_issued),
            "escalated": self.escalated,
            "retrieved_docs": ";".join(f"{r['doc_id']}@{r['kb_version']}" for r in self.retrieved),
            "prompt_tokens": self.usage.get("prompt_tokens", 0),
            "completion_tokens": self.usage.get("completion_tokens", 0),
            "latency_ms": self.latency_ms,
            "mode": self.mode,
            "trace": self,
        }

    # -- reading ------------------------------------------------------------------------------------------------
    def summary(self) -> str:
        """The trace as plain text: the conversation, each tool call and its result, and the outcome."""
        lines = [
            f"model {self.model} ({self.mode}{', simulated' if self.mode == 'sim' else ''}) · KB {self.kb_version} · "
            f"{self.usage.get('total_tokens', 0)} tokens · {self.latency_ms} ms"
            + (" (simulated)" if self.latency_simulated else "")
        ]
        for m in self.messages:
            role = m.get("role")
            if role == "system":
                continue
            if role == "user":
                lines.append(f"customer: {m.get('content')}")
            elif role == "assistant" and m.get("tool_calls"):
                for call in m["tool_calls"]:
                    fn = call.get("function", {})
                    lines.append(f"  -> {fn.get('name')}({fn.get('arguments')})")
            elif role == "tool":
                content = str(m.get("content"))
                lines.append(f"  <- {content[:160]}{'...' if len(content) > 160 else ''}")
            elif role == "assistant":
                lines.append(f"assistant: {m.get('content')}")
        lines.append(
            f"end state: {len(self.refunds_issued)} refund(s) issued, "
            f"{len(self.end_state.get('escalations', []))} escalation(s)"
        )
        if self.error:
            lines.append(f"error: {self.error}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        answer = self.answer if len(self.answer) <= 60 else self.answer[:57] + "..."
        tools = ", ".join(self.tool_names) or "no tools"
        status = f", error={self.error!r}" if self.error else ""
        return f"Trace({self.model}, {tools}, answer={answer!r}{status})"


def traces_to_frame(traces) -> pd.DataFrame:
    """A DataFrame with one row per trace (see :meth:`Trace.to_row`)."""
    rows = []
    for i, t in enumerate(traces):
        if not isinstance(t, Trace):
            raise EvalbookError(f"Item {i} is a {type(t).__name__}, not a Trace.")
        rows.append(t.to_row())
    return pd.DataFrame(rows)


def save_traces(traces, path) -> Path:
    """Write traces to a JSON Lines file (one trace per line)."""
    path = Path(path)
    with path.open("w", encoding="utf-8") as fh:
        for t in traces:
            fh.write(t.to_json(indent=None) + "\n")
    return path


def load_traces(path) -> list[Trace]:
    """Read traces written by :func:`save_traces`, naming the line of anything that is not a trace."""
    path = Path(path)
    if not path.exists():
        raise EvalbookError(f"There is no trace file at {path}. Check the path or save traces first.")
    traces = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            traces.append(Trace.from_json(line))
        except EvalbookError as exc:
            raise EvalbookError(f"Line {number} of {path.name}: {exc}") from None
    return traces
