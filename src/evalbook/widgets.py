"""Read traces and label them inside the notebook: :class:`TraceViewer` and :class:`Labeller`.

Each is a plain Python object that holds the state (the traces, the filters, the current position, and for the
labeller a :class:`~evalbook.labels.LabelStore`) and has methods that change it: :meth:`~TraceViewer.next`,
:meth:`~TraceViewer.previous`, :meth:`~TraceViewer.jump`, :meth:`~TraceViewer.filter` and
:meth:`Labeller.label`. The ipywidgets controls only call those methods, so everything can be used (and is
tested) without a browser, and the same object works from code::

    viewer = TraceViewer(traces)          # a DataFrame from run_batch with a trace_id column, or a list of Traces
    viewer                                # in Jupyter: the interactive viewer
    viewer.filter(model="atlas-1").next()

Where widgets are not rendered (GitHub's notebook view, a saved notebook opened without a kernel, the notebook
tests), the output falls back to an HTML (or plain-text) snapshot of the current trace, which is deterministic:
it never contains a widget's random model id.

Keyboard use (JupyterLab 4): **Tab** and **Shift+Tab** move between the controls in reading order, **Enter** or
**Space** presses the focused button, the arrow keys change a focused drop-down, and **Enter** in the note or
category box saves the label (with the verdict chosen above it) and moves to the next unlabelled trace. Keys typed
into the labeller never trigger notebook shortcuts.

The labeller's form (verdict, note, category, Save) is a small anywidget front end, ``label_form.js``: it sends
everything on screen in one message, so a note typed while the kernel is busy is never cut off.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ._values import is_bool, is_whole_number
from .errors import EvalbookError, InputError, InputTypeError
from .labels import VERDICTS, LabelStore, load_labels
from .trace import Trace, source_name

ALL = "all"
LABEL_FILTERS = (ALL, "unlabelled", "labelled", "pass", "fail")
_TEXT_LIMIT = 400  # characters of a tool result or retrieved passage shown before "..."


def _short(text: str, limit: int = _TEXT_LIMIT) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json(value) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=False)
    except (TypeError, ValueError):
        return str(value)


def _records(traces, id_column: str) -> list[dict]:
    """One dict per trace: ``trace_id``, ``trace`` and the other columns of the row (model, scenario, ...)."""
    if isinstance(traces, pd.DataFrame):
        if "trace" not in traces.columns:
            raise InputError(
                "The table has no 'trace' column. Pass the DataFrame that evalbook.run_batch returned "
                "(it keeps each full Trace in that column), or a list of Traces."
            )
        if id_column not in traces.columns:
            raise InputError(
                f"The table has no {id_column!r} column to name each trace. Add one, e.g. "
                "results['trace_id'] = results['case_id'] + '/' + results['model'], or pass id_column=..."
            )
        records = []
        for row in traces.to_dict("records"):
            record = {k: v for k, v in row.items() if k != id_column}
            record["trace_id"] = str(row[id_column])
            records.append(record)
    elif isinstance(traces, dict):
        records = [{"trace_id": str(k), "trace": v} for k, v in traces.items()]
    elif isinstance(traces, Iterable) and not isinstance(traces, (str, bytes)):
        records = [{"trace_id": str(i + 1), "trace": t} for i, t in enumerate(traces)]
    else:
        raise InputTypeError(
            f"Pass traces as a DataFrame from run_batch, a list of Traces or a dict of them; got {type(traces).__name__}."
        )
    for record in records:
        trace = record.get("trace")
        if not isinstance(trace, Trace):
            raise InputTypeError(
                f"Trace {record['trace_id']} is a {type(trace).__name__}, not a Trace (the row may have failed: "
                "see its 'error' column)."
            )
        record.setdefault("model", trace.model)
        for key, value in (trace.metadata or {}).items():  # filter and show on the product's own metadata too
            if isinstance(value, str | int | float | bool):
                record.setdefault(key, value)
    ids = [r["trace_id"] for r in records]
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise InputError(f"Two traces share the id {duplicate!r}; every trace needs its own id.")
    if not records:
        raise InputError(
            "There are no traces to show. Run your product on some cases first (run_batch), or load a trace file."
        )
    return records


# --- rendering one trace -------------------------------------------------------------------------------------


def _meta(record: dict, show: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    trace: Trace = record["trace"]
    mode = f" ({trace.mode}{', simulated' if trace.mode == 'sim' else ''})" if trace.mode else ""
    items = [("model", f"{trace.model}{mode}")]
    for key in show:
        if key in record and pd.notna(record[key]):
            items.append((key, str(record[key])))
    items += [(k, v) for k, v in trace.context_items() if k not in show]  # a column shown once, not twice
    tokens = (trace.usage or {}).get("total_tokens", 0)
    if tokens or trace.latency_ms:  # a log without usage or timing shows none, not a measured zero
        latency = f"{trace.latency_ms} ms" + (" (simulated)" if trace.latency_simulated else "")
        items += [("tokens", str(tokens)), ("latency", latency)]
    return items


def _steps(trace: Trace) -> list[tuple[str, str]]:
    """The conversation as (kind, text) steps, from the trace's own walk (:meth:`Trace.display_steps`), with every
    tool result whole and pretty-printed: the field that decides a label is often the last one of a result."""
    return trace.display_steps(
        limit=None
    )  # whole and pretty-printed: the viewer is where traces are labelled


def _outcome(trace: Trace) -> str:
    text = trace.outcome_text(detail=True)
    return text + (f" · error: {trace.error}" if trace.error else "")


def _label_lines(labels: list[dict]) -> list[str]:
    lines = []
    for row in labels:
        extra = f" [{row['category']}]" if row.get("category") else ""
        note = f": {row['note']}" if row.get("note") else ""
        lines.append(f"{row['labeller']}: {row['verdict']}{extra}{note}")
    return lines


def trace_text(record: dict, labels: list[dict] | None = None, show: tuple[str, ...] = ()) -> str:
    """A trace as plain text: who and what, every step with tool arguments and results, sources, outcome."""
    trace: Trace = record["trace"]
    lines = [f"[{record['trace_id']}] " + " · ".join(f"{k} {v}" for k, v in _meta(record, show))]
    for kind, text in _steps(trace):
        arrow = {"tool call": "  -> ", "tool result": "  <- "}.get(kind, f"{kind}: ")
        lines.append(arrow + (text.replace("\n", "\n     ") if kind == "tool result" else text))
    for passage in trace.retrieved:
        lines.append(f"  source {source_name(passage)}: {_short(passage.get('text', ''), 160)}")
    lines.append(f"{trace.outcome_label}: {_outcome(trace)}")
    lines += [f"label {line}" for line in _label_lines(labels or [])]
    return "\n".join(lines)


_CSS = {
    "user": "background:#eef4ff;border-left:3px solid #175cd3",  # whatever the product calls its user
    "assistant": "background:#f3f8f3;border-left:3px solid #1b7f3b",
    "tool call": "background:#fff8eb;border-left:3px solid #b54708;font-family:monospace",
    "tool result": "background:#fafafa;border-left:3px solid #98a2b3;font-family:monospace;font-size:90%",
}


def trace_html(record: dict, labels: list[dict] | None = None, show: tuple[str, ...] = ()) -> str:
    """A trace as HTML (escaped; inline styles only, so it also reads on GitHub where styles are stripped)."""
    trace: Trace = record["trace"]
    e = html.escape
    meta = " · ".join(f"<b>{e(k)}</b> {e(v)}" for k, v in _meta(record, show))
    parts = [f"<div><b>{e(record['trace_id'])}</b> · {meta}</div>"]
    for kind, text in _steps(trace):
        parts.append(
            f'<div style="{_CSS.get(kind, _CSS["user"])};padding:3px 8px;margin:3px 0;white-space:pre-wrap">'
            f"<b>{e(kind)}</b>: {e(text)}</div>"
        )
    if trace.retrieved:
        items = "".join(
            f"<li><code>{e(source_name(p))}</code> "
            f"{e(str(p.get('title', '')))}: {e(_short(p.get('text', ''), 200))}</li>"
            for p in trace.retrieved
        )
        parts.append(f"<div><b>retrieved passages</b><ul style='margin:2px 0'>{items}</ul></div>")
    parts.append(f"<div><b>{e(trace.outcome_label)}</b>: {e(_outcome(trace))}</div>")
    for line in _label_lines(labels or []):
        parts.append(f"<div><b>label</b> {e(line)}</div>")
    return "\n".join(parts)


# --- the viewer ----------------------------------------------------------------------------------------------


def _column_names(names, what: str, records: list[dict]) -> tuple[str, ...]:
    if isinstance(names, str):
        names = [names]
    names = tuple(str(n) for n in names)
    present = set().union(*(r.keys() for r in records)) - {"trace"}
    missing = [n for n in names if n not in present]
    if missing:
        raise InputError(
            f"{what}: the traces have no {missing[0]!r} column. Columns: {', '.join(sorted(map(str, present)))}."
        )
    return names


def _label_index(labels) -> dict[str, list[dict]]:
    if labels is None:
        return {}
    if isinstance(labels, LabelStore):
        frame = labels.to_frame(all_labellers=True)
    elif isinstance(labels, (str, Path)):
        frame = load_labels(labels)
    elif isinstance(labels, pd.DataFrame):
        if "trace_id" not in labels.columns:
            raise InputError(
                "The labels table has no trace_id column, so its labels cannot be matched to traces. "
                f"Columns: {list(labels.columns)[:8]}. Pass a label file or the output of load_labels/merge_labels."
            )
        frame = labels
    else:
        raise InputTypeError(
            f"labels must be a LabelStore, a label file or a DataFrame of labels; got {type(labels).__name__}."
        )
    index: dict[str, list[dict]] = {}
    for row in frame.fillna("").to_dict("records"):
        index.setdefault(str(row["trace_id"]), []).append(row)
    return index


class TraceViewer:
    """Step through traces one at a time, with filters on any columns you name and on the labels.

    ``traces``: the DataFrame from :func:`evalbook.run_batch` (with a ``trace_id`` column, or name another with
    ``id_column``), a list of Traces (numbered from 1) or a dict ``{id: Trace}``. ``labels`` (optional): a
    :class:`~evalbook.labels.LabelStore`, a label CSV or a DataFrame of labels, shown under each trace and used by
    the label filter. ``filters``: the columns offered as drop-down filters (default: the model). ``show``: the
    columns printed in each trace's header line (a ticket id, a user segment ...).
    """

    kind = "TraceViewer"

    def __init__(
        self,
        traces,
        *,
        labels=None,
        id_column: str = "trace_id",
        filters: tuple[str, ...] | list[str] = ("model",),
        show: tuple[str, ...] | list[str] = (),
    ):
        self.records = _records(traces, id_column)
        self.filter_columns = _column_names(filters, "filters", self.records)
        self.show = _column_names(show, "show", self.records)
        self._labels = labels
        self._label_rows = _label_index(labels)
        self.filters: dict[str, str] = {key: ALL for key in (*self.filter_columns, "label")}
        self.visible: list[int] = list(range(len(self.records)))
        self.position = 0
        self._ui = None  # the ipywidgets controls, built the first time the viewer is displayed

    # -- state ------------------------------------------------------------------------------------------------
    def labels_for(self, trace_id: str) -> list[dict]:
        return list(self._label_rows.get(trace_id, []))

    def _verdicts(self, trace_id: str) -> set[str]:
        return {row["verdict"] for row in self.labels_for(trace_id)}

    def options(self, key: str) -> list[str]:
        """The choices a filter offers: 'all' and the values present (for 'label': the label states)."""
        if key == "label":
            return list(LABEL_FILTERS)
        values = sorted({str(r[key]) for r in self.records if key in r and pd.notna(r[key])})
        return [ALL, *values]

    def _matches(self, record: dict) -> bool:
        for key in self.filter_columns:
            wanted = self.filters[key]
            if wanted != ALL and str(record.get(key)) != wanted:
                return False
        wanted = self.filters["label"]
        verdicts = self._verdicts(record["trace_id"])
        if wanted == "unlabelled":
            return not verdicts
        if wanted == "labelled":
            return bool(verdicts)
        if wanted in VERDICTS:
            return wanted in verdicts
        return True

    def filter(self, *, label: str | None = None, **columns):
        """Show only the traces that match, e.g. ``filter(model="atlas-1", label="fail")``.

        Each keyword is one of the viewer's filter columns (or ``label``); ``None`` leaves a filter as it is,
        ``'all'`` clears it. Stays on the current trace if it still matches, else moves to the first that does.
        """
        unknown = [key for key in columns if key not in self.filter_columns]
        if unknown:
            raise InputError(
                f"This viewer has no {unknown[0]!r} filter. Its filters: {', '.join(self.filter_columns)} and "
                f"label; create it with filters=[..., {unknown[0]!r}] to filter on that column."
            )
        current = self.current_id
        for key, value in (*columns.items(), ("label", label)):
            if value is None:
                continue
            value = str(value)
            if value not in self.options(key):
                raise InputError(
                    f"No trace has {key} {value!r}. Choose one of: {', '.join(self.options(key))}."
                )
            self.filters[key] = value
        self._apply_filters(keep=current)
        return self

    def clear_filters(self):
        """Show every trace again."""
        return self.filter(label=ALL, **{key: ALL for key in self.filter_columns})

    def _apply_filters(self, keep: str | None = None) -> None:
        self.visible = [i for i, r in enumerate(self.records) if self._matches(r)]
        ids = [self.records[i]["trace_id"] for i in self.visible]
        self.position = ids.index(keep) if keep in ids else 0
        self._refresh()

    @property
    def current(self) -> dict | None:
        """The record on screen (``trace_id``, ``trace`` and the row's other columns), or None if the filters
        match nothing."""
        return self.records[self.visible[self.position]] if self.visible else None

    @property
    def current_id(self) -> str | None:
        return self.current["trace_id"] if self.current else None

    @property
    def trace(self) -> Trace | None:
        return self.current["trace"] if self.current else None

    def next(self):
        """Move to the next trace (stays on the last one)."""
        if self.position < len(self.visible) - 1:
            self.position += 1
        self._refresh()
        return self

    def previous(self):
        """Move to the previous trace (stays on the first one)."""
        if self.position > 0:
            self.position -= 1
        self._refresh()
        return self

    def jump(self, to):
        """Go to a position (1 = first trace shown) or to a trace id. A trace hidden by the filters is an error
        that says which filter hides it."""
        if is_bool(to) or (isinstance(to, float) and not to.is_integer()):
            raise InputError(
                "jump takes a position such as 5 or a trace id such as the ones in the viewer's status line."
            )
        if is_whole_number(to) or isinstance(to, float):
            to = int(to)
            if not 1 <= to <= len(self.visible):
                raise InputError(
                    f"There is no trace number {to}: the viewer shows {len(self.visible)} (1 to {len(self.visible)})."
                )
            self.position = to - 1
        else:
            ids = [self.records[i]["trace_id"] for i in self.visible]
            if str(to) not in ids:
                known = any(r["trace_id"] == str(to) for r in self.records)
                reason = (
                    "the filters hide it; call .clear_filters() first" if known else "no trace has that id"
                )
                raise InputError(f"Cannot jump to {to!r}: {reason}.")
            self.position = ids.index(str(to))
        self._refresh()
        return self

    # -- text and HTML snapshots ------------------------------------------------------------------------------
    def status(self) -> str:
        filters = ", ".join(f"{k}={v}" for k, v in self.filters.items() if v != ALL)
        where = f"trace {self.position + 1} of {len(self.visible)}" if self.visible else "no trace matches"
        scope = f" (filtered from {len(self.records)}: {filters})" if filters else ""
        return f"{self.kind}: {where}{scope}"

    def text(self) -> str:
        """What the viewer shows, as plain text."""
        body = trace_text(self.current, self.labels_for(self.current_id), self.show) if self.current else ""
        return f"{self.status()}\n{body}".rstrip()

    def html(self) -> str:
        """What the viewer shows, as HTML."""
        body = trace_html(self.current, self.labels_for(self.current_id), self.show) if self.current else ""
        return (
            f'<div style="border:1px solid #d0d5dd;padding:6px 10px">'
            f"<div><b>{html.escape(self.status())}</b></div>{body}"
            f'<div style="color:#5b6472;font-size:85%">A static snapshot: the buttons appear when this cell runs '
            f"in Jupyter.</div></div>"
        )

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_mimebundle_(self, include=None, exclude=None):
        """The interactive widget for Jupyter, with deterministic text and HTML snapshots as fallbacks."""
        data = {"text/plain": self.text(), "text/html": self.html()}
        try:
            view = self.widget._repr_mimebundle_()
        except Exception:  # no ipywidgets, or no kernel to talk to: the snapshots are enough
            return data
        for key, value in view.items():
            if key not in ("text/plain", "text/html"):
                data[key] = value
        return data

    # -- widgets ------------------------------------------------------------------------------------------------
    @property
    def widget(self):
        """The ipywidgets box (built on first use). Display the viewer itself rather than this."""
        if self._ui is None:
            self._ui = self._build()
            self._refresh()
        return self._ui["box"]

    def _build(self) -> dict:
        import ipywidgets as w

        ui: dict = {"updating": False}
        ui["previous"] = w.Button(description="Previous", icon="arrow-left", tooltip="Previous trace")
        ui["next"] = w.Button(description="Next", icon="arrow-right", tooltip="Next trace")
        ui["jump"] = w.BoundedIntText(
            value=1, min=1, max=max(len(self.records), 1), description="Go to #", continuous_update=False,
            tooltip="Type a trace number and press Enter", layout=w.Layout(width="150px"),
        )  # fmt: skip
        ui["previous"].on_click(lambda _: self.previous())
        ui["next"].on_click(lambda _: self.next())
        ui["jump"].observe(self._on_jump, names="value")
        for key in self.filters:
            ui[key] = w.Dropdown(
                options=self.options(key), value=self.filters[key], description=key,
                tooltip=f"Show only traces with this {key}", layout=w.Layout(width="240px"),
            )  # fmt: skip
            ui[key].observe(lambda change, key=key: self._on_filter(key, change), names="value")
        ui["status"] = w.HTML()
        ui["body"] = w.HTML()
        rows = [
            ui["status"],
            w.HBox([ui["previous"], ui["next"], ui["jump"]]),
            w.HBox([ui[key] for key in self.filters]),
            ui["body"],
        ]
        rows += self._extra_controls(w, ui)
        ui["box"] = w.VBox(rows)
        return ui

    def _extra_controls(self, w, ui) -> list:
        return []

    def _on_jump(self, change) -> None:
        if self._ui["updating"]:
            return
        try:
            self.jump(int(change["new"]))
        except EvalbookError:
            self._refresh()

    def _on_filter(self, key: str, change) -> None:
        if not self._ui["updating"]:
            self.filter(**{key: change["new"]})

    def _refresh(self) -> None:
        """Bring the widgets in line with the state (does nothing until the viewer has been displayed)."""
        ui = self._ui
        if ui is None:
            return
        ui["updating"] = True
        try:
            ui["status"].value = f"<b>{html.escape(self.status())}</b>"
            body = (
                trace_html(self.current, self.labels_for(self.current_id), self.show) if self.current else ""
            )
            body = body or "<i>No trace matches these filters.</i>"
            # ipywidgets' HTML widget sets 28px lines, which double-spaces wrapped text
            ui["body"].value = f'<div style="line-height:1.4">{body}</div>'
            ui["jump"].max = max(len(self.visible), 1)
            ui["jump"].value = self.position + 1 if self.visible else 1
            ui["previous"].disabled = self.position == 0
            ui["next"].disabled = self.position >= len(self.visible) - 1
            for key in self.filters:
                ui[key].value = self.filters[key]
            self._refresh_extra(ui)
        finally:
            ui["updating"] = False

    def _refresh_extra(self, ui) -> None:
        pass


# --- the labeller ---------------------------------------------------------------------------------------------


class Labeller(TraceViewer):
    """A trace viewer that also records a pass/fail verdict, a note and (optionally) a category per trace.

    Every label is written to ``path`` (a CSV, see :class:`~evalbook.labels.LabelStore`) at once, so nothing is
    lost when the kernel restarts; creating a Labeller on the same file resumes at the first trace this labeller
    has not labelled yet.

    >>> labeller = Labeller(traces, "my_labels.csv", labeller="ana")
    >>> labeller.label("fail", "says the refund went through; no issue_refund call")   # then moves on
    """

    kind = "Labeller"

    def __init__(
        self,
        traces,
        path,
        labeller: str = "me",
        *,
        id_column: str = "trace_id",
        categories=(),
        filters: tuple[str, ...] | list[str] = ("model",),
        show: tuple[str, ...] | list[str] = (),
    ):
        store = path if isinstance(path, LabelStore) else LabelStore(path, labeller=labeller)
        self.store = store
        self.categories = [str(c) for c in categories]
        super().__init__(traces, labels=store, id_column=id_column, filters=filters, show=show)
        self.message = ""  # what the last save said (shown under the controls)
        self.next_unlabelled(wrap=True)

    def labels_for(self, trace_id: str) -> list[dict]:
        mine = self.store.get(trace_id)
        return [mine] if mine else []

    def _verdicts(self, trace_id: str) -> set[str]:
        mine = self.store.get(trace_id)
        return {mine["verdict"]} if mine else set()

    @property
    def progress(self) -> tuple[int, int]:
        """(traces labelled by this labeller, traces in the viewer)."""
        return sum(r["trace_id"] in self.store for r in self.records), len(self.records)

    def next_unlabelled(self, wrap: bool = False):
        """Move to the next trace this labeller has not labelled (from the start again if ``wrap``)."""
        ids = [self.records[i]["trace_id"] for i in self.visible]
        if not ids:
            self._refresh()
            return self
        order = list(range(self.position + 1, len(ids))) + (list(range(0, self.position + 1)) if wrap else [])
        if wrap and ids and ids[self.position] not in self.store:
            order = [self.position]
        for position in order:
            if ids[position] not in self.store:
                self.position = position
                break
        self._refresh()
        return self

    def label(self, verdict, note: str = "", category: str = "", *, advance: bool = True) -> dict:
        """Label the trace on screen, save the file, and (by default) move to the next unlabelled trace."""
        if self.current is None:
            raise InputError("No trace is on screen (the filters match nothing); change the filters first.")
        trace_id = self.current_id
        row = self.store.label(trace_id, verdict, note=note, category=category)
        done, total = self.progress
        self.message = f"Saved {trace_id}: {row['verdict']}. {done} of {total} labelled."
        if advance:
            if self.filters["label"] == "unlabelled":
                self._apply_filters()  # the labelled trace leaves the filtered list
                self.next_unlabelled(wrap=True)
            else:
                self.next_unlabelled()
        else:
            self._refresh()
        return row

    def status(self) -> str:
        done, total = self.progress
        verdicts = [
            self.store.get(r["trace_id"])["verdict"] for r in self.records if r["trace_id"] in self.store
        ]
        other = len(self.store.labelled_ids()) - done
        elsewhere = f"; {other} more label(s) in the file are for traces not shown here" if other > 0 else ""
        return (
            f"{super().status()} · {self.store.path.name}, labeller {self.store.labeller!r}: {done} of {total} "
            f"labelled ({verdicts.count('pass')} pass, {verdicts.count('fail')} fail){elsewhere}"
        )

    # -- widgets ------------------------------------------------------------------------------------------------
    def _extra_controls(self, w, ui) -> list:
        ui["form"] = form = _label_form_class()(categories=self.categories)
        form.on_msg(lambda _widget, content, _buffers: self._on_form_message(content))
        return [form]

    def _on_form_message(self, content) -> None:
        """What Save and Enter send: one message with the trace id, verdict, note and category as they were on
        screen. On a problem nothing is saved, the typed note stays in its box and the message says what to do."""
        if not isinstance(content, dict) or content.get("event") != "save":
            return
        form = self._ui["form"]
        try:
            self._save_message(content)
        except EvalbookError as exc:
            self._say(f"Not saved: {exc}")
        except Exception as exc:  # e.g. the file cannot be written: say so in the form, not in a hidden log
            self._say(
                f"Not saved: {type(exc).__name__}: {exc}. Your earlier labels are in {self.store.path.name}."
            )
        finally:
            form.ack += 1  # unlocks the form in the browser

    def _save_message(self, content: dict) -> None:
        verdict = content.get("verdict") or ""
        if verdict not in VERDICTS:
            self._say("Choose Pass or Fail first (Shift+Tab from the note box reaches the buttons).")
            return
        trace_id = content.get("trace_id") or self.current_id
        # The screen showed another trace when Save was pressed (the kernel moved on meanwhile): label that one.
        if trace_id != self.current_id:
            ids = [r["trace_id"] for r in self.records]
            if trace_id not in ids:
                raise InputError(f"trace {trace_id!r} is not in this labeller; run the cell again.")
            if ids.index(trace_id) not in self.visible:
                self.filters.update(dict.fromkeys(self.filters, ALL))
                self._apply_filters()
            self.position = self.visible.index(ids.index(trace_id))
        self.label(verdict, note=str(content.get("note") or ""), category=str(content.get("category") or ""))

    def _say(self, message: str) -> None:
        self.message = message
        self._ui["form"].message = message

    def _refresh_extra(self, ui) -> None:
        mine = self.store.get(self.current_id) if self.current else None
        form = ui["form"]
        with form.hold_sync():
            form.trace_id = self.current_id or ""
            form.verdict = mine["verdict"] if mine else ""
            form.note = mine["note"] if mine else ""
            form.category = mine["category"] if mine else ""
            form.message = self.message
            form.revision += 1


@functools.cache
def _label_form_class():
    """Build LabelForm on first use, so importing evalbook does not import anywidget (or need a browser)."""
    import anywidget
    import traitlets

    class LabelForm(anywidget.AnyWidget):
        """The labeller's verdict buttons, note and category boxes and Save button, as one small front end.

        It exists because the plain ipywidgets controls send a text box's value and a button click as separate
        messages: with a busy kernel or fast typing, a save could arrive before the end of the note (the note was
        cut off and the rest carried over to the next trace). This form sends everything in one ``save`` message
        (see ``label_form.js``) and stays locked until the kernel answers.
        """

        _esm = Path(__file__).with_name("label_form.js")
        _css = _LABEL_FORM_CSS
        trace_id = traitlets.Unicode("").tag(sync=True)
        verdict = traitlets.Unicode("").tag(sync=True)
        note = traitlets.Unicode("").tag(sync=True)
        category = traitlets.Unicode("").tag(sync=True)
        categories = traitlets.List(traitlets.Unicode()).tag(sync=True)
        message = traitlets.Unicode("").tag(sync=True)
        revision = traitlets.Int(0).tag(sync=True)  # bumped when the kernel sets the fields
        ack = traitlets.Int(0).tag(sync=True)  # bumped after each save message is handled

    return LabelForm


_LABEL_FORM_CSS = """
.evalbook-label-form { display: flex; flex-direction: column; gap: 4px; margin-top: 6px; font-size: var(--jp-ui-font-size1, 13px); }
.evalbook-label-form .evalbook-row { display: flex; align-items: center; gap: 6px; }
.evalbook-label-form label { min-width: 64px; text-align: right; }
.evalbook-label-form .evalbook-note { width: 70%; }
.evalbook-label-form .evalbook-category { width: 240px; }
.evalbook-label-form button { padding: 3px 12px; cursor: pointer; }
.evalbook-label-form .evalbook-verdict[aria-pressed="true"].evalbook-pass { background: #1b7f3b; color: white; }
.evalbook-label-form .evalbook-verdict[aria-pressed="true"].evalbook-fail { background: #b42318; color: white; }
.evalbook-label-form .evalbook-save { background: #175cd3; color: white; border: 1px solid #175cd3; }
.evalbook-label-form button:disabled, .evalbook-label-form input:disabled { opacity: 0.55; cursor: default; }
.evalbook-label-form .evalbook-message { min-height: 1.2em; color: #344054; }
"""
