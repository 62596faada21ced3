"""The label store: pass/fail labels and open-coding notes on traces, saved to a CSV file as they are made.

Reading traces and writing down what went wrong is slow human work, so losing it hurts. :class:`LabelStore`
therefore saves its CSV file after every single label, atomically (it writes a temporary file next to the real
one and then replaces it), so a crash, a kernel restart or a closed browser tab never leaves a half-written file.
Creating a store again from the same file resumes where labelling stopped.

One file can be shared: by several labellers, by two notebooks, or by two stores in one kernel (lesson 03 opens a
second one to show resuming). Each save holds a lock on the file (a hidden ``.NAME.lock`` next to it, released
even if the process dies), reads the file afresh, applies only what *this* store changed since its last save (its
labels, corrections and removals) and writes the result, so no store ever writes back a stale copy of anyone
else's rows. :meth:`LabelStore.save_as` onto an existing file adds to it, and refuses (saying so) where the two
disagree.

A CSV that someone edited by hand can be broken. Reading one raises an :class:`~evalbook.errors.EvalbookError`
that names the file, the line and the problem, and says what to do; a store that already holds labels keeps them
in memory and never overwrites a file it cannot read. A file whose *last* line was cut short (a copy, a sync or a
full disk stopped mid-write; the file then ends without a line break) loads everything before that line, with a
:class:`LabelFileWarning` naming it; a store that then saves keeps the damaged file as ``NAME.damaged-N`` first.

Several people can label the same traces, each under their own ``labeller`` name (one file each, or one shared
file). :func:`merge_labels` puts their files together and :func:`compare_labellers` lines their verdicts up side
by side, which is where disagreements, and unclear failure definitions, show up.

Columns: ``trace_id, labeller, verdict, note, category`` (see :data:`LABEL_COLUMNS`). Extra columns in a file are
kept as they are. A note or category starting with ``=``, ``+``, ``-`` or ``@`` would be a formula in a
spreadsheet program, so the file stores it after a ``'`` (which spreadsheets show as text); reading takes the
``'`` off again.
"""

from __future__ import annotations

import csv
import html
import io
import re
import warnings
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ._values import is_bool
from .errors import EvalbookError
from .paths import (
    KIND_NAMES,
    atomic_write_text,
    file_kind,
    file_lock,
    keep_damaged_copy,
    next_damaged_name,
    remove_stale_temporaries,
    stale_temporaries,
    user_file,
)

LABEL_COLUMNS = ("trace_id", "labeller", "verdict", "note", "category")
REQUIRED_COLUMNS = ("trace_id", "labeller", "verdict")
VERDICTS = ("pass", "fail")

# The csv module refuses fields over 131,072 characters by default; a long pasted note must still load.
_FIELD_LIMIT = 2**31 - 1
# Free-text columns a spreadsheet could take for a formula, and the prefix that keeps them text.
_TEXT_COLUMNS = ("note", "category")
_FORMULA = re.compile(r"'*[=+\-@]")
_NEUTRALISED = re.compile(r"'+[=+\-@]")


class LabelFileWarning(UserWarning):
    """A label file loaded with something worth checking: a line cut short at its end, kept aside."""


def normalise_verdict(verdict) -> str:
    """``"pass"`` or ``"fail"`` from a verdict given loosely ("Pass", " FAIL ", True/False for pass/fail)."""
    if is_bool(verdict):
        return "pass" if verdict else "fail"
    text = str(verdict).strip().lower() if verdict is not None else ""
    if text not in VERDICTS:
        raise EvalbookError(f"A verdict must be 'pass' or 'fail', not {verdict!r}.")
    return text


def _clean_text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return ""
    return str(value).strip()


def _savable(value: str, what: str) -> str:
    """``value`` if it can be written as UTF-8; a sentence if it holds a lone surrogate (half an emoji)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise EvalbookError(
            f"The {what} has a character that cannot be saved, at position {exc.start} (half of an emoji or "
            "symbol, as left when text is cut or pasted in pieces). Delete or retype that character and try "
            "again; this label was not saved, and your earlier labels are unaffected."
        ) from None
    return value


def _neutralise(value: str) -> str:
    return "'" + value if _FORMULA.match(value) else value


def _restore(value: str) -> str:
    return value[1:] if _NEUTRALISED.match(value) else value


# --- reading and writing files -------------------------------------------------------------------------------


@dataclass
class _Parsed:
    columns: list[str]
    rows: list[dict]
    # (line, text, problem) of a last line cut short, kept aside; (line, text) of a last line loaded as it is
    # although it has no line break
    set_aside: list[tuple[int, str, str]] = field(default_factory=list)
    unterminated: tuple[int, str] | None = None


def _snippet(text: str, limit: int = 80) -> str:
    text = text.rstrip("\r\n")
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _parse(path: Path) -> _Parsed:
    """Parse and validate a label CSV; raise EvalbookError naming the line and the problem.

    Only a problem in the last line of a file that does not end with a line break (a file cut short) is not an
    error: that line is set aside and reported, and everything before it loads.
    """
    fix = (
        f"Open {path.name} in a text editor, correct or delete that line, and load it again; "
        "labels already in memory are kept until then."
    )
    try:
        text = path.read_text(encoding="utf-8-sig")  # "-sig": spreadsheet programs often start with a BOM
    except UnicodeDecodeError as exc:
        raise EvalbookError(
            f"{path.name} is not a UTF-8 text file (a byte at position {exc.start} cannot be read). "
            "Save it as UTF-8 CSV and load it again."
        ) from None
    if not text.strip():
        return _Parsed(list(LABEL_COLUMNS), [])
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    first_line = text.lstrip().splitlines()[0]
    # Some spreadsheet programs save "CSV" with semicolons; accept that rather than misreport the header.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise EvalbookError(f"{path.name}, line 1: the header cannot be read as CSV ({exc}). {fix}") from None
    header = [name.strip() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        kind = file_kind(path)
        if kind in ("traces", "conversations"):
            raise EvalbookError(
                f"{path.name} holds {KIND_NAMES[kind]}, not labels (a label file is a CSV starting with the header "
                f"{','.join(LABEL_COLUMNS)}). Give a label file name such as 'my_labels.csv'."
            )
        raise EvalbookError(
            f"{path.name}, line 1: the header has no {', '.join(repr(m) for m in missing)} column; a label file "
            f"starts with the header {','.join(LABEL_COLUMNS)}. {fix}"
        )
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise EvalbookError(f"{path.name}, line 1: the column {duplicated[0]!r} appears twice. {fix}")

    records: list[tuple[int, list[str] | None, str]] = []  # (first line, fields or None, the CSV problem)
    line = reader.line_num
    while True:
        start = line + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            records.append((start, None, f"this line is not valid CSV ({exc})."))
        else:
            if fields and any(f.strip() for f in fields):  # else a blank line
                records.append((start, fields, ""))
        line = reader.line_num

    lines = text.splitlines()
    cut_short = not text.endswith(("\n", "\r"))
    parsed = _Parsed(list(LABEL_COLUMNS) + [name for name in header if name not in LABEL_COLUMNS], [])
    seen: dict[tuple[str, str], int] = {}
    for number, (start, fields, problem) in enumerate(records):
        last = number == len(records) - 1
        row = None
        if fields is not None:
            row, problem = _check_row(header, fields, seen)
        if problem:
            if last and cut_short:
                parsed.set_aside.append((start, "\n".join(lines[start - 1 :]), problem))
                continue
            raise EvalbookError(f"{path.name}, line {start}: {problem} {fix}")
        seen[(row["trace_id"], row["labeller"])] = start
        parsed.rows.append({name: row.get(name, "") for name in parsed.columns})
        if last and cut_short:
            parsed.unterminated = (start, "\n".join(lines[start - 1 :]))
    return parsed


def _check_row(header: list[str], fields: list[str], seen: dict) -> tuple[dict | None, str]:
    """(the row, "") for a valid line, or (None, what is wrong with it)."""
    if len(fields) != len(header):
        return None, (
            f"{len(fields)} fields, but the header has {len(header)} (a note with a comma must be in double quotes)."
        )
    row = dict(zip(header, fields, strict=True))
    if not row["trace_id"].strip():
        return None, "the trace_id is empty."
    if not row["labeller"].strip():
        return None, "the labeller is empty."
    try:
        row["verdict"] = normalise_verdict(row["verdict"])
    except EvalbookError:
        return None, f"the verdict is {row['verdict']!r}; it must be 'pass' or 'fail'."
    row["trace_id"], row["labeller"] = row["trace_id"].strip(), row["labeller"].strip()
    key = (row["trace_id"], row["labeller"])
    if key in seen:
        return None, (
            f"{row['labeller']} labelled trace {row['trace_id']} already on line {seen[key]}. "
            "Keep one of the two lines."
        )
    for name in _TEXT_COLUMNS:
        if name in row:
            row[name] = _restore(row[name])
    return row, ""


def _warn_about(parsed: _Parsed, path: Path, *, store: bool) -> None:
    for line, text, problem in parsed.set_aside:
        then = (
            f"The file is unchanged until this store saves, which first keeps a copy of it as "
            f"{next_damaged_name(path)}."
            if store
            else "The file is unchanged. Label that trace again, or repair the line in a text editor."
        )
        warnings.warn(
            f"{path.name}, line {line} is incomplete: the file ends in the middle of it, as when a copy or a "
            f"save is cut off ({problem.rstrip('.')}). That line was kept aside, not loaded: {_snippet(text)}. "
            f"The {len(parsed.rows)} label(s) before it loaded. {then}",
            LabelFileWarning,
            stacklevel=4,
        )
    if parsed.unterminated:
        line, text = parsed.unterminated
        warnings.warn(
            f"{path.name}, line {line} has no line break at its end, so the file may have been cut off there; "
            f"it was loaded as it is: {_snippet(text)}. If that label looks complete, all is well (the next "
            "save adds the line break).",
            LabelFileWarning,
            stacklevel=4,
        )


def _read_rows(path: Path) -> tuple[list[str], list[dict]]:
    """(column names, rows as dicts) of a label CSV, with a warning for a cut last line."""
    parsed = _parse(path)
    _warn_about(parsed, path, store=False)
    return parsed.columns, parsed.rows


def _csv_text(columns: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    text_columns = [i for i, name in enumerate(columns) if name in _TEXT_COLUMNS]
    for row in rows:
        out = [row.get(name, "") for name in columns]
        for i in text_columns:
            if isinstance(out[i], str):
                out[i] = _neutralise(out[i])
        writer.writerow(out)
    text = buffer.getvalue()
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # name the label and the column
        for number, row in enumerate(rows, start=1):
            for name in columns:
                if isinstance(row.get(name), str):
                    _savable(row[name], f"{name} of label {number} (trace {row.get('trace_id', '?')})")
    return text


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _key(row: dict) -> tuple[str, str]:
    return (row["trace_id"], row["labeller"])


def _apply_change(rows: dict, columns: list[str], key: tuple[str, str], change: dict | None) -> None:
    """Apply one label (a dict of the label columns) or removal (None) to ``rows``, keyed by (trace, labeller)."""
    if change is None:
        rows.pop(key, None)
    elif key in rows:
        rows[key].update(change)  # keeps its place (and any extra columns) in the file
    else:
        rows[key] = {**dict.fromkeys(columns, ""), **change}


def load_labels(path) -> pd.DataFrame:
    """Read a label CSV into a DataFrame (columns :data:`LABEL_COLUMNS`, then any extra ones), validated.

    A missing file is an error (say where the labels are); an empty file gives an empty table. A last line cut
    short is left out, with a :class:`LabelFileWarning` naming it.
    """
    path = user_file(path, "load_labels", "my_labels.csv")
    if not path.exists():
        raise EvalbookError(
            f"There is no label file {path.name} in {path.parent.name or 'this folder'}/. "
            "Check the path, or label some traces first."
        )
    columns, rows = _read_rows(path)
    return pd.DataFrame(rows, columns=columns).astype({c: str for c in columns})


def save_labels(labels: pd.DataFrame, path, *, overwrite: bool = False) -> Path:
    """Write a label table to ``path`` atomically (validated first: every row needs a trace_id, a labeller and a
    pass/fail verdict).

    It replaces a label file that is there, but refuses (with a sentence) to replace a file of another kind
    (traces, say, judged by content rather than name) or to empty a file that holds labels with an empty table,
    unless ``overwrite=True``. A label file that is damaged is kept as ``NAME.damaged-N`` before it is replaced.
    """
    frame = _as_label_frame(labels, "save_labels")
    columns = list(LABEL_COLUMNS) + [c for c in frame.columns if c not in LABEL_COLUMNS]
    path = user_file(path, "save_labels", "my_labels.csv")
    text = _csv_text(columns, frame.to_dict("records"))
    with file_lock(path):
        kind = file_kind(path)
        damaged = False
        if kind == "labels":
            try:
                parsed = _parse(path)
                held, damaged = len(parsed.rows) + len(parsed.set_aside), bool(parsed.set_aside)
            except EvalbookError:
                held, damaged = 1, True
        if not overwrite:
            if kind not in ("missing", "empty", "labels"):
                raise EvalbookError(
                    f"{path.name} holds {KIND_NAMES[kind]}, not labels, and save_labels would replace it. Give a "
                    "label file name such as 'my_labels.csv', or pass overwrite=True to replace it on purpose."
                )
            if kind == "labels" and frame.empty and held:
                raise EvalbookError(
                    f"There are no labels to save (the table is empty), and {path.name} holds labels; saving would "
                    "empty it. Check the table (a filter that matched nothing?), or pass overwrite=True to empty "
                    "the file on purpose."
                )
        copy = keep_damaged_copy(path) if damaged and not overwrite else None
        atomic_write_text(path, text)
    if copy is not None:
        warnings.warn(
            f"{path.name} was damaged before this save; the file as it was is kept as {copy.name}.",
            LabelFileWarning,
            stacklevel=2,
        )
    return path


def _as_label_frame(labels, who: str) -> pd.DataFrame:
    if isinstance(labels, LabelStore):
        return labels.to_frame()
    if isinstance(labels, (str, Path)):
        return load_labels(labels)
    if not isinstance(labels, pd.DataFrame):
        raise EvalbookError(
            f"{who} takes label files (paths), LabelStores or DataFrames; got a {type(labels).__name__}."
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in labels.columns]
    if missing:
        raise EvalbookError(
            f"{who}: the labels have no {', '.join(missing)} column. Columns: {list(labels.columns)}."
        )
    frame = labels.copy()
    for column in LABEL_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
        frame[column] = frame[column].map(_clean_text)
    try:
        frame["verdict"] = frame["verdict"].map(normalise_verdict)
    except EvalbookError as exc:
        raise EvalbookError(f"{who}: {exc}") from None
    return frame


# --- the store -----------------------------------------------------------------------------------------------


class LabelStore:
    """One labeller's labels, kept in memory and in a CSV file that is saved after every label.

    >>> store = LabelStore("my_labels.csv", labeller="ana")   # resumes if the file exists
    >>> store.label("T-001/atlas-1", "fail", note="says the refund went through; no issue_refund call")
    >>> store.get("T-001/atlas-1")["verdict"]
    'fail'

    Rows of other labellers in the same file are kept. Each save locks the file, reads it again and applies only
    this store's own changes since its last save (labels, corrections, removals), so other stores and processes
    on the same file keep theirs; after a save the store shows the file as it now is. If the file has become
    unreadable, or stays busy, the save refuses (with the line and the problem) and every label stays in memory.
    """

    def __init__(self, path, labeller: str = "me"):
        if not isinstance(labeller, str) or not labeller.strip() or "," in labeller:
            raise EvalbookError("labeller must be a short name without commas, e.g. labeller='ana'.")
        self.path = user_file(path, "LabelStore", "my_labels.csv")
        self.labeller = _savable(labeller.strip(), "labeller name")
        self._columns: list[str] = list(LABEL_COLUMNS)
        # the file as last read or written, plus this store's unsaved changes: a label's columns, or None for a
        # removal; and the file's content as this store last wrote it
        self._rows: dict[tuple[str, str], dict] = {}
        self._changes: dict[tuple[str, str], dict | None] = {}
        self._written: bytes | None = None
        # A save in an earlier session that died before moving its temporary file into place left it behind.
        if stale_temporaries(self.path):
            with suppress(EvalbookError), file_lock(self.path, timeout=2):
                remove_stale_temporaries(self.path)
        if self.path.exists():
            self.reload()

    # -- file sync ------------------------------------------------------------------------------------------
    def reload(self) -> LabelStore:
        """Read the file again (keeping this store's unsaved changes on top). If it is malformed, raise and keep
        the labels held in memory."""
        parsed = _parse(self.path)  # raises before anything in memory changes
        _warn_about(parsed, self.path, store=True)
        self._show(parsed.columns, {_key(row): row for row in parsed.rows})
        self._written = None  # the next save reads the file again rather than trust what it last wrote
        return self

    def _show(self, columns: list[str], rows: dict) -> None:
        for key, change in self._changes.items():
            _apply_change(rows, columns, key, change)
        self._columns, self._rows = columns, rows

    def _not_saved(self, exc: EvalbookError, where: str = "") -> EvalbookError:
        return EvalbookError(
            f"Not saved{where}: {exc} Your {len(self)} label(s) are safe in memory; once that is sorted out, call "
            ".save() again (or .save_as('another_file.csv'))."
        )

    def save(self) -> Path:
        """Save this store's changes to the file (done for you after each :meth:`label` and :meth:`remove`)."""
        copy = None
        try:
            with file_lock(self.path):
                if self._written is not None and _read_bytes(self.path) == self._written:
                    columns, rows = list(self._columns), {k: dict(v) for k, v in self._rows.items()}
                    text = _csv_text(columns, list(rows.values()))  # nobody changed the file since our save
                elif self.path.exists():
                    parsed = _parse(self.path)
                    columns = parsed.columns + [c for c in self._columns if c not in parsed.columns]
                    rows = {_key(row): row for row in parsed.rows}
                    for key, change in self._changes.items():
                        _apply_change(rows, columns, key, change)
                    text = _csv_text(columns, list(rows.values()))
                    if parsed.set_aside:
                        copy = keep_damaged_copy(self.path)
                else:  # a new file, or one deleted while the store was open: write everything held
                    columns, rows = list(self._columns), {k: dict(v) for k, v in self._rows.items()}
                    text = _csv_text(columns, list(rows.values()))
                atomic_write_text(self.path, text)
        except EvalbookError as exc:
            raise self._not_saved(exc) from None
        self._written = text.encode("utf-8")
        self._changes.clear()
        self._columns, self._rows = columns, rows
        if copy is not None:
            warnings.warn(
                f"{self.path.name} had a line cut short; before saving, the file as it was is kept as "
                f"{copy.name}, and {self.path.name} now holds every intact label and yours.",
                LabelFileWarning,
                stacklevel=3,
            )
        return self.path

    def save_as(self, path) -> Path:
        """Write every label held to another file and keep using that file from now on.

        If that file already holds labels, the two are put together: its labels stay, and the store's are added.
        Where it holds a *different* label for the same trace and labeller, nothing is written and the error
        names the first difference (save to a new file and use :func:`merge_labels` to see them all).
        """
        target = user_file(path, "save_as", "my_labels.csv")
        with suppress(OSError):
            if target.resolve() == self.path.resolve():
                return self.save()
        copy = None
        try:
            with file_lock(target):
                kind = file_kind(target)
                if kind not in ("missing", "empty", "labels"):
                    raise EvalbookError(
                        f"{target.name} holds {KIND_NAMES[kind]}, not labels, and saving there would replace it. "
                        "Choose another file name, e.g. 'my_labels.csv'."
                    )
                parsed = _parse(target) if kind == "labels" else _Parsed(list(LABEL_COLUMNS), [])
                columns = parsed.columns + [c for c in self._columns if c not in parsed.columns]
                rows = {_key(row): row for row in parsed.rows}
                clashes = [
                    (key, name)
                    for key, mine in self._rows.items()
                    if key in rows
                    for name in LABEL_COLUMNS
                    if rows[key].get(name, "") != mine.get(name, "")
                ]
                if clashes:
                    raise _Clash(self._clash_message(target, rows, clashes))
                for key, mine in self._rows.items():
                    if key not in rows:
                        rows[key] = {**dict.fromkeys(columns, ""), **mine}
                text = _csv_text(columns, list(rows.values()))
                if parsed.set_aside:
                    copy = keep_damaged_copy(target)
                atomic_write_text(target, text)
        except _Clash as exc:
            raise EvalbookError(str(exc)) from None
        except EvalbookError as exc:
            raise self._not_saved(exc, f" to {target.name}") from None
        self.path = target
        self._written = text.encode("utf-8")
        self._changes.clear()
        self._columns, self._rows = columns, rows
        if copy is not None:
            warnings.warn(
                f"{target.name} had a line cut short; the file as it was is kept as {copy.name}.",
                LabelFileWarning,
                stacklevel=2,
            )
        return target

    def _clash_message(self, target: Path, rows: dict, clashes: list) -> str:
        (trace_id, who), name = clashes[0]
        others = len({key for key, _ in clashes}) - 1
        more = f", and {others} more trace(s) differ" if others else ""
        fresh = f"{target.stem}_{self.labeller}{target.suffix or '.csv'}"
        return (
            f"Not saved: {target.name} already holds a different label by {who} for trace {trace_id!r} (the "
            f"{name}: {rows[(trace_id, who)].get(name, '')!r} there, {self._rows[(trace_id, who)].get(name, '')!r} "
            f"here){more}. Saving would replace it, so nothing was written. Save to a new file instead, e.g. "
            f"store.save_as({fresh!r}), and put the two together with merge_labels({target.name!r}, {fresh!r}), "
            f"which names every difference. Your {len(self)} label(s) are safe in memory."
        )

    # -- labelling ------------------------------------------------------------------------------------------
    def label(self, trace_id: str, verdict, note: str = "", category: str = "") -> dict:
        """Record (or replace) this labeller's label for one trace and save the file at once."""
        if not isinstance(trace_id, str) or not trace_id.strip():
            raise EvalbookError(
                "trace_id must be the trace's id, a non-empty string such as 'T-001/atlas-1'."
            )
        change = {
            "trace_id": _savable(trace_id.strip(), "trace_id"),
            "labeller": self.labeller,
            "verdict": normalise_verdict(verdict),
            "note": _savable(_clean_text(note), "note"),
            "category": _savable(_clean_text(category), "category"),
        }
        key = (change["trace_id"], self.labeller)
        self._changes[key] = change
        _apply_change(self._rows, self._columns, key, change)
        self.save()
        return dict(self._rows[key])

    def remove(self, trace_id: str) -> bool:
        """Delete this labeller's label for one trace (and save). Returns whether there was one."""
        key = (trace_id.strip() if isinstance(trace_id, str) else trace_id, self.labeller)
        if key not in self._rows:
            return False
        del self._rows[key]
        self._changes[key] = None
        self.save()
        return True

    def get(self, trace_id: str) -> dict | None:
        """This labeller's label for one trace, or None."""
        row = self._rows.get((trace_id, self.labeller))
        return dict(row) if row else None

    def labelled_ids(self) -> list[str]:
        """Trace ids this labeller has labelled, in the order they were first labelled."""
        return [tid for tid, who in self._rows if who == self.labeller]

    def __contains__(self, trace_id) -> bool:
        return (trace_id, self.labeller) in self._rows

    def __len__(self) -> int:
        return len(self.labelled_ids())

    def to_frame(self, all_labellers: bool = False) -> pd.DataFrame:
        """This labeller's labels (or everyone's in the file) as a DataFrame, in labelling order."""
        rows = [r for (tid, who), r in self._rows.items() if all_labellers or who == self.labeller]
        return pd.DataFrame(rows, columns=self._columns).astype({c: str for c in self._columns})

    def counts(self) -> dict[str, int]:
        verdicts = [r["verdict"] for (tid, who), r in self._rows.items() if who == self.labeller]
        return {v: verdicts.count(v) for v in VERDICTS}

    def __repr__(self) -> str:
        c = self.counts()
        return (
            f"LabelStore({self.path.name}, labeller={self.labeller!r}: {len(self)} labelled, "
            f"{c['pass']} pass, {c['fail']} fail)"
        )

    def _repr_html_(self) -> str:
        return f"<code>{html.escape(repr(self))}</code>"


class _Clash(Exception):
    """save_as found a different label in the target file (its message is the learner's sentence)."""


# --- several labellers ---------------------------------------------------------------------------------------


def merge_labels(*sources) -> pd.DataFrame:
    """Put several label files (paths, LabelStores or DataFrames) together into one long table.

    Identical rows found in two sources count once. The same labeller giving the same trace two different labels
    in two sources is an error that names both, since silently keeping one would lose the other.
    """
    if len(sources) == 1 and isinstance(sources[0], (list, tuple)):
        sources = tuple(sources[0])
    if not sources:
        raise EvalbookError(
            "merge_labels needs at least one label file, e.g. merge_labels('ana.csv', 'ben.csv')."
        )
    frames = []
    for number, source in enumerate(sources, start=1):
        frame = _as_label_frame(source, "merge_labels")
        frame["_source"] = Path(source).name if isinstance(source, (str, Path)) else f"source {number}"
        frames.append(frame)
    merged = pd.concat(frames, ignore_index=True)
    extra = [c for c in merged.columns if c not in LABEL_COLUMNS and c != "_source"]
    for column in extra:
        merged[column] = merged[column].fillna("")
    columns = list(LABEL_COLUMNS) + extra
    merged = merged.drop_duplicates(subset=columns)
    clashes = merged[merged.duplicated(subset=["trace_id", "labeller"], keep=False)]
    if not clashes.empty:
        first = clashes.iloc[0]
        both = clashes[(clashes.trace_id == first.trace_id) & (clashes.labeller == first.labeller)]
        differs = next(c for c in columns if both[c].nunique() > 1)
        raise EvalbookError(
            f"{first.labeller} labelled trace {first.trace_id} differently in {' and '.join(both['_source'])} "
            f"(the {differs}: {' vs '.join(repr(v) for v in both[differs])}). Keep one of them (e.g. delete the "
            "older line) and merge again."
        )
    return merged[columns].reset_index(drop=True)


def compare_labellers(labels, labellers: list[str] | None = None) -> pd.DataFrame:
    """One row per trace labelled by all the chosen labellers: each one's verdict, and whether they agree.

    ``labels`` is a long table (e.g. from :func:`merge_labels`). Traces that only some of them labelled are left
    out, because agreement can only be judged where everyone gave a verdict.
    """
    frame = _as_label_frame(labels, "compare_labellers")
    if isinstance(labellers, str):
        raise EvalbookError(
            f"labellers is a list of names, e.g. labellers=['ana', 'ben']; got the single string {labellers!r}."
        )
    names = list(labellers) if labellers is not None else list(dict.fromkeys(frame["labeller"]))
    if len(names) < 2:
        raise EvalbookError(
            "Comparing needs labels from at least two labellers; these come from "
            f"{len(names)} ({', '.join(names) or 'nobody'})."
        )
    unknown = [n for n in names if n not in set(frame["labeller"])]
    if unknown:
        raise EvalbookError(
            f"No labels from {', '.join(unknown)}. Labellers here: {', '.join(sorted(set(frame.labeller)))}."
        )
    chosen = frame[frame.labeller.isin(names)]
    twice = chosen[chosen.duplicated(subset=["trace_id", "labeller"], keep=False)]
    if not twice.empty:
        first = twice.iloc[0]
        raise EvalbookError(
            f"{first.labeller} has more than one label for trace {first.trace_id}. Keep one per trace and "
            "labeller (merge_labels does this and names any conflict), then compare again."
        )
    wide = chosen.pivot(index="trace_id", columns="labeller", values="verdict")
    wide = wide.dropna()[names]
    wide.columns = [f"verdict_{n}" for n in names]
    wide["agree"] = wide.nunique(axis=1) == 1
    wide.columns.name = None
    return wide.reset_index()
