"""A Trace: the complete record of one run of an LLM product, the unit of product evaluation.

A final answer alone cannot tell you whether the assistant did anything; the trace can. It keeps the input, every
message, every tool call with its arguments and result, what was retrieved, the model, token counts and latency,
an error if the run broke, and two mappings the *product* defines:

- ``metadata``: facts about the run that are not part of the conversation (a prompt version, a knowledge-base
  version, a user segment);
- ``outcome``: what the run changed in the product's records (an order cancelled, a ticket opened). A product
  evaluation checks this end state, because a reply can claim what the records do not show.

Nothing here knows any particular product. A product that wants its own vocabulary on screen (a "customer"
instead of a "user", a line about refunds) subclasses :class:`Trace` with a ``kind`` and overrides the small
presentation hooks (:attr:`Trace.user_label`, :meth:`Trace.context_items`, :meth:`Trace.outcome_text`,
:meth:`Trace.row_context`, :meth:`Trace.row_outcome`); its traces then save and load as that kind.

Traces come from three places: a tool loop (:func:`evalbook.agent.run_agent`), an OpenAI-format conversation log
(:meth:`Trace.from_messages`, :func:`load_conversations`), or a trace file (:func:`load_traces`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import ClassVar

import pandas as pd

from .errors import InputError, InputTypeError
from .paths import KIND_NAMES, atomic_write_text, file_kind, file_lock, user_file

_KINDS: dict[str, type[Trace]] = {}

# Older trace files (evalbook 0.1) kept two product fields at the top level; they now live in the mappings.
_LEGACY_FIELDS = {"kb_version": "metadata", "end_state": "outcome"}
_TEXT_FIELDS = ("answer", "model", "input")
_LIST_FIELDS = ("messages", "tool_calls", "retrieved")
_MAPPING_FIELDS = ("metadata", "outcome", "usage")
# Fields a file may hold as null, and what null stands for (mappings are dropped to their defaults instead).
_NULL_AS = {
    "messages": list,
    "tool_calls": list,
    "retrieved": list,
    "input": "",
    "mode": "",
    "latency_ms": 0,
    "steps": 0,
    "latency_simulated": False,
}
_ITEM_SHAPES = {
    "messages": '{"role": "user", "content": "..."}',
    "tool_calls": '{"name": ..., "arguments": {...}, "result": ...}',
    "retrieved": '{"doc_id": ..., "text": ...}',
}


def _zero_usage() -> dict:
    return {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


@dataclass(kw_only=True)
class Trace:
    """One run of the product: what went in, what came out, and everything in between.

    Required in a file: ``answer`` and ``model``. Everything else has an empty default, so a trace can be built
    from as little as a logged reply. ``tool_calls`` holds one ``{"name", "arguments", "result"}`` dict per call;
    ``retrieved`` one dict per passage (``doc_id``, ``text`` and, if you version your sources, ``version``).
    """

    input: str = ""
    answer: str = ""
    model: str = ""
    messages: list[dict] = field(default_factory=list)
    tool_calls: list[dict] = field(default_factory=list)
    retrieved: list[dict] = field(default_factory=list)
    usage: dict = field(default_factory=_zero_usage)
    latency_ms: int = 0
    latency_simulated: bool = False
    error: str | None = None
    metadata: dict = field(default_factory=dict)
    outcome: dict = field(default_factory=dict)
    mode: str = ""
    steps: int = 0
    answer_logprobs: list[dict] | None = None  # [{"token", "logprob"}] of the final answer, if requested

    kind: ClassVar[str] = "trace"
    user_label: ClassVar[str] = "user"  # how the person on the other side is named on screen
    outcome_label: ClassVar[str] = "outcome"  # how the end-state line is introduced

    def __init_subclass__(cls, kind: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if kind:
            cls.kind = kind
            _KINDS[kind] = cls

    # -- conveniences for checks --------------------------------------------------------------------------------
    @property
    def tool_names(self) -> list[str]:
        return [call.get("name") for call in self.tool_calls]

    def called(self, name: str) -> bool:
        """Did the assistant call this tool at least once?"""
        return name in self.tool_names

    @property
    def user_message(self) -> str:
        """The last user message (the input, if the trace has no messages)."""
        users = [m.get("content") for m in self.messages if m.get("role") == "user"]
        if users and isinstance(users[-1], str):
            return users[-1]
        return self.input or ""

    # -- presentation hooks (override in a product's subclass) ----------------------------------------------------
    def context_items(self) -> list[tuple[str, str]]:
        """``(label, value)`` pairs shown in the header after the model, e.g. ``[("KB", "v2")]``."""
        return [(str(k), str(v)) for k, v in self.metadata.items() if isinstance(v, str | int | float | bool)]

    def outcome_text(self, detail: bool = False) -> str:
        """What the run changed, in one line; lists are counted (``detail`` shows their items)."""
        if not self.outcome:
            return "nothing recorded"
        parts = []
        for key, value in self.outcome.items():
            if isinstance(value, list) and not detail:
                parts.append(f"{key}: {len(value)}")
            else:
                parts.append(f"{key}: {_compact(value)}")
        return ", ".join(parts)

    def row_context(self) -> dict:
        """Columns about the run, placed after ``model`` in :meth:`to_row` (default: the scalar metadata)."""
        return {k: v for k, v in self.metadata.items() if isinstance(v, str | int | float | bool)}

    def row_outcome(self) -> dict:
        """Columns about the end state in :meth:`to_row` (default: each outcome entry; a list as its length)."""
        return {k: len(v) if isinstance(v, list) else v for k, v in self.outcome.items()}

    # -- serialisation --------------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"kind": self.kind, **asdict(self)}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict) -> Trace:
        """A Trace (or the registered subclass named by ``kind``) from a dict, checking every field's type."""
        if not isinstance(data, dict):
            raise InputTypeError(f"A trace must be a JSON object (a dict), not {type(data).__name__}.")
        missing = [k for k in ("answer", "model") if k not in data]
        if missing:
            raise InputError(f"This is not an evalbook trace: it has no {', '.join(missing)} field.")
        data = dict(data)
        for old, mapping in _LEGACY_FIELDS.items():
            if old in data:
                value = data.pop(old)
                target = dict(data.get(mapping) or {})
                if mapping == "metadata":
                    target.setdefault(old, value)
                elif isinstance(value, dict):
                    target = {**value, **target}
                data[mapping] = target
        # Written as null (by another tool, or an older logger): treat as empty instead of failing later.
        for key, empty in _NULL_AS.items():
            if key in data and data[key] is None:
                data[key] = empty() if callable(empty) else empty
        if isinstance(data.get("usage"), dict):
            data["usage"] = {k: 0 if v is None else v for k, v in data["usage"].items()}
        wrong = [k for k in _TEXT_FIELDS if k in data and not isinstance(data[k], str)]
        wrong += [k for k in _LIST_FIELDS if k in data and not isinstance(data[k], list)]
        wrong += [k for k in _MAPPING_FIELDS if data.get(k) is not None and not isinstance(data[k], dict)]
        if wrong:
            raise InputError(
                f"This trace's {', '.join(wrong)} field has the wrong type "
                "(answer, model and input are text; messages, tool_calls and retrieved are lists; metadata, "
                "outcome and usage are objects)."
            )
        for key in _MAPPING_FIELDS:
            if data.get(key, "absent") is None:  # written as null: treat as empty instead of failing later
                data.pop(key)
        for key, example in _ITEM_SHAPES.items():  # a null or bare item in a list would fail on screen later
            for i, item in enumerate(data.get(key) or []):
                if not isinstance(item, dict):
                    what = "null" if item is None else f"a {type(item).__name__} ({_short(repr(item), 40)})"
                    raise InputError(
                        f"This trace's {key} item {i} is {what}, not an object; each one looks like {example}. "
                        "Fix or remove that item."
                    )
        target_cls = _KINDS.get(data.pop("kind", None) or "", None)
        target_cls = target_cls if target_cls is not None and issubclass(target_cls, cls) else cls
        known = {f.name for f in fields(target_cls)}
        trace = target_cls(**{k: v for k, v in data.items() if k in known})
        if not trace.input:
            trace.input = trace.user_message
        return trace

    @classmethod
    def from_json(cls, text: str) -> Trace:
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as exc:
            raise InputError(f"That text is not valid trace JSON ({exc}).") from None
        return cls.from_dict(data)

    @classmethod
    def from_messages(cls, messages: list[dict], *, model: str = "", **extra) -> Trace:
        """A Trace from an OpenAI-format conversation log: the ``messages`` list every chat app already keeps.

        Assistant messages with ``tool_calls`` and the ``tool`` messages answering them (matched by
        ``tool_call_id``) become ``tool_calls`` entries with parsed arguments and results; the last user message
        is the input and the last assistant text is the answer. ``extra`` sets any other field (``metadata=``,
        ``outcome=``, ``usage=`` ...). A log that is not a list of role/content dicts gets a sentence naming the
        first bad message.
        """
        if isinstance(messages, dict) and "messages" in messages:
            record = dict(messages)
            messages = record.pop("messages")
            model = model or str(record.pop("model", "") or "")
            known = {f.name for f in fields(cls)}
            # A log's own fields (a conversation id, a user id ...) are kept in metadata, never dropped.
            unknown = {k: v for k, v in record.items() if k not in known and k != "kind"}
            extra = {**{k: v for k, v in record.items() if k in known}, **extra}
            if unknown:
                extra["metadata"] = {**unknown, **dict(extra.get("metadata") or {})}
        if not isinstance(messages, list):
            raise InputTypeError(
                f"from_messages takes a list of messages ({{'role': ..., 'content': ...}} dicts); "
                f"got a {type(messages).__name__}."
            )
        results: dict[str, object] = {}
        for i, message in enumerate(messages):
            if not isinstance(message, dict) or not isinstance(message.get("role"), str):
                raise InputError(
                    f"Message {i} is not a {{'role': ..., 'content': ...}} dict: {str(message)[:80]!r}."
                )
            if message["role"] == "tool":
                results[str(message.get("tool_call_id"))] = _parse_json(message.get("content"))
        tool_calls, answer = [], ""
        for message in messages:
            if message["role"] != "assistant":
                continue
            for call in message.get("tool_calls") or []:
                function = call.get("function") or {}
                tool_calls.append(
                    {
                        "name": function.get("name"),
                        "arguments": _parse_arguments(function.get("arguments")),
                        "result": results.get(str(call.get("id"))),
                    }
                )
            if isinstance(message.get("content"), str) and message["content"]:
                answer = message["content"]
        trace = cls(model=model, messages=[dict(m) for m in messages], tool_calls=tool_calls, answer=answer)
        for key, value in extra.items():
            if key not in {f.name for f in fields(cls)}:
                raise InputError(f"from_messages: a Trace has no field {key!r}.")
            setattr(trace, key, value)
        if not trace.input:
            trace.input = trace.user_message
        return trace

    def to_row(self) -> dict:
        """One flat row for a pandas DataFrame; the full trace stays available in the ``trace`` column."""
        return {
            "model": self.model,
            **self.row_context(),
            "answer": self.answer,
            "tools": ";".join(str(n) for n in self.tool_names),
            "n_tool_calls": len(self.tool_calls),
            **self.row_outcome(),
            "retrieved_docs": ";".join(source_name(r) for r in self.retrieved),
            "prompt_tokens": (self.usage or {}).get("prompt_tokens", 0),
            "completion_tokens": (self.usage or {}).get("completion_tokens", 0),
            "latency_ms": self.latency_ms,
            "mode": self.mode,
            "trace": self,
        }

    # -- reading ------------------------------------------------------------------------------------------------
    def header(self) -> str:
        """The first line of a rendering: model, mode, context, tokens and latency."""
        mode = f" ({self.mode}{', simulated' if self.mode == 'sim' else ''})" if self.mode else ""
        parts = [f"model {self.model}{mode}", *(f"{k} {v}" for k, v in self.context_items())]
        tokens = (self.usage or {}).get("total_tokens", 0)
        if tokens or self.latency_ms:  # a log without usage or timing shows none, not a measured zero
            parts.append(f"{tokens} tokens")
            parts.append(f"{self.latency_ms} ms" + (" (simulated)" if self.latency_simulated else ""))
        return " · ".join(parts)

    def display_steps(self, limit: int | None = 160) -> list[tuple[str, str]]:
        """The conversation as ``(kind, text)`` steps, kind one of :attr:`user_label`, "tool call", "tool result"
        and "assistant"; the one place that walks a trace for display (``summary`` and the viewer use it).

        ``limit`` cuts long tool results (None shows them whole, pretty-printed).
        """
        steps: list[tuple[str, str]] = []
        results = iter(self.tool_calls)
        for message in self.messages:
            role = message.get("role")
            if role == "user":
                steps.append((self.user_label, str(message.get("content") or "")))
            elif role == "assistant" and message.get("tool_calls"):
                for call in message["tool_calls"]:
                    recorded = next(results, None)
                    fn = call.get("function") or {}
                    if recorded is not None:  # the parsed call, as the tool received it
                        name, arguments = recorded.get("name"), _compact(recorded.get("arguments", {}))
                    else:
                        name, arguments = fn.get("name"), fn.get("arguments")
                        arguments = arguments if isinstance(arguments, str) else _compact(arguments)
                    steps.append(("tool call", f"{name}({arguments})"))
                    if recorded is not None:
                        result = recorded.get("result")
                        if limit is None:
                            text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
                        else:
                            text = _short(_compact(result), limit)
                        steps.append(("tool result", text))
            elif role == "assistant":
                steps.append(("assistant", str(message.get("content") or "")))
        if not any(kind == "assistant" for kind, _ in steps) and self.answer:
            steps.append(("assistant", self.answer))
        return steps

    def summary(self, full: bool = False) -> str:
        """The trace as plain text: the conversation, each tool call and its result, and the outcome.

        The default view cuts long tool results to one line, for skimming many traces. ``full=True`` is the view
        to label from: every tool result whole and pretty-printed (a field such as ``requires_human_approval`` at
        the end of a result is often the one that decides the verdict), and the outcome in detail.
        """
        lines = [self.header()]
        arrows = {"tool call": "  -> ", "tool result": "  <- "}
        for kind, text in self.display_steps(limit=None if full else 160):
            if full and kind == "tool result":
                text = text.replace("\n", "\n     ")
            lines.append(arrows.get(kind, f"{kind}: ") + text)
        lines.append(f"{self.outcome_label}: {self.outcome_text(detail=full)}")
        if self.error:
            lines.append(f"error: {self.error}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        answer = self.answer if len(self.answer) <= 60 else self.answer[:57] + "..."
        tools = ", ".join(str(n) for n in self.tool_names) or "no tools"
        status = f", error={self.error!r}" if self.error else ""
        return f"{type(self).__name__}({self.model}, {tools}, answer={answer!r}{status})"


def source_name(passage) -> str:
    """``doc_id@version`` for a retrieved passage (``doc_id`` alone when it carries no version)."""
    if not isinstance(passage, dict):
        return str(passage)
    name = str(passage.get("doc_id", passage.get("id", "?")))
    version = passage.get("version", passage.get("kb_version"))
    return f"{name}@{version}" if version not in (None, "") else name


def _short(text: str, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "..."


def _compact(value) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


def _parse_json(value):
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _parse_arguments(value) -> dict:
    parsed = _parse_json(value if value is not None else "{}")
    return parsed if isinstance(parsed, dict) else {"_raw": value}


def require_trace(trace, who: str) -> Trace:
    """``trace`` itself if it is a Trace, else a sentence naming the function and what it got.

    A failed case in run_batch's results has no trace (None or NaN); say so, since that is the usual cause.
    """
    if isinstance(trace, Trace):
        return trace
    hint = " (a failed case has no trace: see its 'error' column)" if trace is None or trace != trace else ""
    raise InputTypeError(
        f"{who} takes a Trace (from run_agent, run_batch, load_traces or a product's bot), "
        f"not a {type(trace).__name__}{hint}."
    )


def as_traces(traces, who: str) -> list[Trace]:
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
    return pd.DataFrame([t.to_row() for t in as_traces(traces, "traces_to_frame")])


def save_traces(traces, path, *, overwrite: bool = False) -> Path:
    """Write traces to a JSON Lines file (one trace per line).

    Takes a list of Traces or the DataFrame from run_batch. Everything is checked before the file is touched, and
    the file is replaced in one step, so a mistake never leaves an existing trace file empty or half-written.
    Saving no traces over a file that holds some (an empty list, or a filter that matched nothing), or saving over
    a file that holds something else (labels, say: judged by content, not by name), is refused with a sentence
    unless ``overwrite=True``.
    """
    items = as_traces(traces, "save_traces")
    path = user_file(path, "save_traces", "my_traces.jsonl")
    text = "".join(t.to_json(indent=None) + "\n" for t in items)
    with file_lock(path):
        kind = file_kind(path)
        if not overwrite and kind not in ("missing", "empty", "traces"):
            raise InputError(
                f"{path.name} holds {KIND_NAMES[kind]}, not traces, and save_traces would replace it. Save the "
                "traces under another name, e.g. 'my_traces.jsonl', or pass overwrite=True to replace it on purpose."
            )
        if not overwrite and not items and kind == "traces":
            held = sum(1 for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip())
            raise InputError(
                f"There are no traces to save (an empty list, or a filter that matched no rows), and {path.name} "
                f"holds {held} trace(s); saving would empty it. Check the filter, or pass overwrite=True to empty "
                "the file on purpose."
            )
        atomic_write_text(path, text)
    return path


def _jsonl_lines(path, who: str, example: str) -> tuple[Path, list[tuple[int, str]]]:
    path = user_file(path, who, example)
    if not path.exists():
        raise InputError(f"There is no file at {path}. Check the path (and the folder the notebook runs in).")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path.name} is not a UTF-8 text file (a byte at position {exc.start} cannot be read); "
            "it does not look like a JSON Lines file."
        ) from None
    return path, [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def load_traces(path, trace_type: type[Trace] = Trace) -> list[Trace]:
    """Read traces written by :func:`save_traces`, naming the line of anything that is not a trace.

    Each line loads as the Trace subclass its ``kind`` names (if that product's module is imported), else as
    ``trace_type``. Files from evalbook 0.1 (with ``kb_version`` and ``end_state`` at the top level) load too:
    those fields move into ``metadata`` and ``outcome``.
    """
    if not (isinstance(trace_type, type) and issubclass(trace_type, Trace)):
        raise InputTypeError(f"trace_type must be Trace or a subclass of it; got {trace_type!r}.")
    path, lines = _jsonl_lines(path, "load_traces", "my_traces.jsonl")
    traces = []
    for number, line in lines:
        try:
            traces.append(trace_type.from_json(line))
        except (InputError, InputTypeError) as exc:
            raise InputError(f"Line {number} of {path.name}: {exc}") from None
        except (TypeError, ValueError, AttributeError, KeyError) as exc:  # a field of a shape nothing expects
            raise InputError(
                f"Line {number} of {path.name}: this record cannot be read as a trace "
                f"({type(exc).__name__}: {exc}). Fix or remove that line."
            ) from None
    return traces


def load_conversations(path, *, model: str = "") -> list[Trace]:
    """Read a JSON Lines file of OpenAI-format conversation logs into Traces, one per line.

    Each line is either a list of messages or an object with a ``messages`` list (and optionally ``model``,
    ``metadata``, ``outcome``, ``usage``). Every malformed line is named in one error, so a log with a few bad
    lines can be fixed in one pass; nothing is loaded until all lines are readable.
    """
    path, lines = _jsonl_lines(path, "load_conversations", "conversations.jsonl")
    traces, problems = [], []
    for number, line in lines:
        try:
            record = json.loads(line)
        except ValueError as exc:
            problems.append(f"line {number}: not valid JSON ({exc.msg})")
            continue
        if isinstance(record, dict) and not isinstance(record.get("messages"), list):
            problems.append(f"line {number}: an object without a 'messages' list")
            continue
        try:
            traces.append(Trace.from_messages(record, model=model))
        except (InputError, InputTypeError) as exc:
            problems.append(f"line {number}: {exc}")
    if problems:
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise InputError(f"{path.name} has {len(problems)} malformed line(s): {shown}. Fix or remove them.")
    return traces
