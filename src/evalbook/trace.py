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

from .errors import EvalbookError, InputTypeError
from .paths import atomic_write_text, user_file


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
        wrong = [k for k in ("answer", "model", "kb_version") if not isinstance(data[k], str)]
        wrong += [
            k for k in ("messages", "tool_calls", "retrieved") if k in data and not isinstance(data[k], list)
        ]
        if wrong:
            raise EvalbookError(
                f"This trace's {', '.join(wrong)} field has the wrong type "
                "(answer, model and kb_version are text; messages, tool_calls and retrieved are lists)."
            )
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


def _as_traces(traces, who: str) -> list[Trace]:
    """Accept a Trace, a list of Traces, or run_batch's results (their ``trace`` column); name anything else."""
    if isinstance(traces, Trace):
        return [traces]
    if isinstance(traces, pd.DataFrame):
        if "trace" not in traces.columns:
            raise InputTypeError(
                f"{who} takes Traces; this table has no 'trace' column (columns: {list(traces.columns)[:8]}). "
                "Pass the DataFrame from run_batch, or a list of Traces."
            )
        traces = traces["trace"]
    if isinstance(traces, (str, bytes, dict)) or not hasattr(traces, "__iter__"):
        raise InputTypeError(
            f"{who} takes a list of Traces (or the DataFrame from run_batch); got a {type(traces).__name__}."
        )
    items = list(traces)
    for i, t in enumerate(items):
        if not isinstance(t, Trace):
            hint = (
                " (a failed case has no trace: see its 'error' column)"
                if t is None or (isinstance(t, float) and t != t)
                else ""
            )
            raise InputTypeError(f"{who}: item {i} is a {type(t).__name__}, not a Trace{hint}.")
    return items


def traces_to_frame(traces) -> pd.DataFrame:
    """A DataFrame with one row per trace (see :meth:`Trace.to_row`)."""
    return pd.DataFrame([t.to_row() for t in _as_traces(traces, "traces_to_frame")])


def save_traces(traces, path) -> Path:
    """Write traces to a JSON Lines file (one trace per line).

    Takes a list of Traces or the DataFrame from run_batch. Everything is checked before the file is touched, and
    the file is replaced in one step, so a mistake never leaves an existing trace file empty or half-written.
    """
    items = _as_traces(traces, "save_traces")
    path = user_file(path, "save_traces", "my_traces.jsonl")
    atomic_write_text(path, "".join(t.to_json(indent=None) + "\n" for t in items))
    return path


def load_traces(path) -> list[Trace]:
    """Read traces written by :func:`save_traces`, naming the line of anything that is not a trace."""
    path = user_file(path, "load_traces", "my_traces.jsonl")
    if not path.exists():
        raise EvalbookError(f"There is no trace file at {path}. Check the path or save traces first.")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise EvalbookError(
            f"{path.name} is not a UTF-8 text file (a byte at position {exc.start} cannot be read); "
            "it does not look like a file written by save_traces."
        ) from None
    traces = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            traces.append(Trace.from_json(line))
        except EvalbookError as exc:
            raise EvalbookError(f"Line {number} of {path.name}: {exc}") from None
    return traces
