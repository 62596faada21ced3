"""The label store: pass/fail labels and open-coding notes on traces, saved to a CSV file as they are made.

Reading traces and writing down what went wrong is slow human work, so losing it hurts. :class:`LabelStore`
therefore rewrites its CSV file after every single label, atomically (it writes a temporary file next to the real
one and then replaces it), so a crash, a kernel restart or a closed browser tab never leaves a half-written file.
Creating a store again from the same file resumes where labelling stopped.

A CSV that someone edited by hand can be broken. Reading one raises an :class:`~evalbook.errors.EvalbookError`
that names the file, the line and the problem, and says what to do; a store that already holds labels keeps them
in memory and never overwrites a file it cannot read.

Several people can label the same traces, each under their own ``labeller`` name (one file each, or one shared
file). :func:`merge_labels` puts their files together and :func:`compare_labellers` lines their verdicts up side
by side, which is where disagreements, and unclear failure definitions, show up.

Columns: ``trace_id, labeller, verdict, note, category`` (see :data:`LABEL_COLUMNS`). Extra columns in a file are
kept as they are.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
from pathlib import Path

import pandas as pd

from ._values import is_bool
from .errors import EvalbookError
from .paths import atomic_write_text, user_file

LABEL_COLUMNS = ("trace_id", "labeller", "verdict", "note", "category")
REQUIRED_COLUMNS = ("trace_id", "labeller", "verdict")
VERDICTS = ("pass", "fail")


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


# --- reading and writing files -------------------------------------------------------------------------------


def _read_rows(path: Path) -> tuple[list[str], list[dict]]:
    """Parse and validate a label CSV. Returns (column names, rows as dicts); raises EvalbookError naming the
    line and the problem."""
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
        return list(LABEL_COLUMNS), []
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
        raise EvalbookError(
            f"{path.name}, line 1: the header has no {', '.join(repr(m) for m in missing)} column; a label file "
            f"starts with the header {','.join(LABEL_COLUMNS)}. {fix}"
        )
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise EvalbookError(f"{path.name}, line 1: the column {duplicated[0]!r} appears twice. {fix}")
    rows: list[dict] = []
    seen: dict[tuple[str, str], int] = {}
    line = reader.line_num
    while True:
        start = line + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise EvalbookError(
                f"{path.name}, line {start}: this line is not valid CSV ({exc}). {fix}"
            ) from None
        line = reader.line_num
        if not fields or all(not f.strip() for f in fields):
            continue  # blank line
        if len(fields) != len(header):
            raise EvalbookError(
                f"{path.name}, line {start}: {len(fields)} fields, but the header has {len(header)} "
                "(a note with a comma must be in double quotes). " + fix
            )
        row = dict(zip(header, fields, strict=True))
        if not row["trace_id"].strip():
            raise EvalbookError(f"{path.name}, line {start}: the trace_id is empty. {fix}")
        if not row["labeller"].strip():
            raise EvalbookError(f"{path.name}, line {start}: the labeller is empty. {fix}")
        try:
            row["verdict"] = normalise_verdict(row["verdict"])
        except EvalbookError:
            raise EvalbookError(
                f"{path.name}, line {start}: the verdict is {row['verdict']!r}; it must be 'pass' or 'fail'. {fix}"
            ) from None
        row["trace_id"], row["labeller"] = row["trace_id"].strip(), row["labeller"].strip()
        key = (row["trace_id"], row["labeller"])
        if key in seen:
            raise EvalbookError(
                f"{path.name}, line {start}: {row['labeller']} labelled trace {row['trace_id']} already on line "
                f"{seen[key]}. Keep one of the two lines. " + fix
            )
        seen[key] = start
        rows.append(row)
    columns = list(LABEL_COLUMNS) + [name for name in header if name not in LABEL_COLUMNS]
    return columns, [{name: row.get(name, "") for name in columns} for row in rows]


def _csv_text(columns: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in columns})
    return buffer.getvalue()


def load_labels(path) -> pd.DataFrame:
    """Read a label CSV into a DataFrame (columns :data:`LABEL_COLUMNS`, then any extra ones), validated.

    A missing file is an error (say where the labels are); an empty file gives an empty table.
    """
    path = user_file(path, "load_labels", "my_labels.csv")
    if not path.exists():
        raise EvalbookError(
            f"There is no label file {path.name} in {path.parent.name or 'this folder'}/. "
            "Check the path, or label some traces first."
        )
    columns, rows = _read_rows(path)
    return pd.DataFrame(rows, columns=columns).astype({c: str for c in columns})


def save_labels(labels: pd.DataFrame, path) -> Path:
    """Write a label table to ``path`` atomically (validated first: every row needs a trace_id, a labeller and a
    pass/fail verdict)."""
    frame = _as_label_frame(labels, "save_labels")
    columns = list(LABEL_COLUMNS) + [c for c in frame.columns if c not in LABEL_COLUMNS]
    path = user_file(path, "save_labels", "my_labels.csv")
    atomic_write_text(path, _csv_text(columns, frame.to_dict("records")))
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
    """One labeller's labels, kept in memory and in a CSV file that is rewritten after every label.

    >>> store = LabelStore("my_labels.csv", labeller="ana")   # resumes if the file exists
    >>> store.label("T-001/atlas-1", "fail", note="says the refund went through; no issue_refund call")
    >>> store.get("T-001/atlas-1")["verdict"]
    'fail'

    Rows of other labellers in the same file are kept and written back unchanged. If the file is changed by
    someone else while the store is open, the next save reads it first and keeps their rows too; if it has
    become unreadable, the save refuses (with the line and the problem) and every label stays in memory.
    """

    def __init__(self, path, labeller: str = "me"):
        if not isinstance(labeller, str) or not labeller.strip() or "," in labeller:
            raise EvalbookError("labeller must be a short name without commas, e.g. labeller='ana'.")
        self.path = user_file(path, "LabelStore", "my_labels.csv")
        self.labeller = labeller.strip()
        self._columns: list[str] = list(LABEL_COLUMNS)
        self._rows: dict[tuple[str, str], dict] = {}
        self._synced_digest: str | None = None
        if self.path.exists():
            self.reload()

    # -- file sync ------------------------------------------------------------------------------------------
    def _digest(self) -> str | None:
        try:
            return hashlib.sha1(self.path.read_bytes()).hexdigest()
        except FileNotFoundError:
            return None

    def reload(self) -> LabelStore:
        """Read the file again. If it is malformed, raise and keep the labels held in memory."""
        columns, rows = _read_rows(self.path)  # raises before anything in memory changes
        self._columns = columns
        self._rows = {(row["trace_id"], row["labeller"]): row for row in rows}
        self._synced_digest = self._digest()
        return self

    def save(self) -> Path:
        """Write every label to the file (done for you after each :meth:`label`)."""
        if self.path.exists() and self._digest() != self._synced_digest:
            # Someone else changed the file since we last read or wrote it: keep their rows.
            try:
                columns, rows = _read_rows(self.path)
            except EvalbookError as exc:
                raise EvalbookError(
                    f"Not saved: {exc} Your {len(self._rows)} label(s) are safe in memory; after fixing the "
                    "file, call .save() again (or .save_as('another_file.csv'))."
                ) from None
            for name in columns:
                if name not in self._columns:
                    self._columns.append(name)
            for row in rows:
                self._rows.setdefault((row["trace_id"], row["labeller"]), row)
        atomic_write_text(self.path, _csv_text(self._columns, list(self._rows.values())))
        self._synced_digest = self._digest()
        return self.path

    def save_as(self, path) -> Path:
        """Write every label to another file and keep using that file from now on."""
        self.path = Path(path)
        self._synced_digest = self._digest()
        return self.save()

    # -- labelling ------------------------------------------------------------------------------------------
    def label(self, trace_id: str, verdict, note: str = "", category: str = "") -> dict:
        """Record (or replace) this labeller's label for one trace and save the file at once."""
        if not isinstance(trace_id, str) or not trace_id.strip():
            raise EvalbookError(
                "trace_id must be the trace's id, a non-empty string such as 'T-001/atlas-1'."
            )
        row = {name: "" for name in self._columns}
        row.update(
            trace_id=trace_id.strip(),
            labeller=self.labeller,
            verdict=normalise_verdict(verdict),
            note=_clean_text(note),
            category=_clean_text(category),
        )
        key = (row["trace_id"], self.labeller)
        if key in self._rows:
            self._rows[key].update(row)  # keeps its place (and any extra columns) in the file
        else:
            self._rows[key] = row
        self.save()
        return dict(self._rows[key])

    def remove(self, trace_id: str) -> bool:
        """Delete this labeller's label for one trace (and save). Returns whether there was one."""
        found = self._rows.pop((trace_id, self.labeller), None) is not None
        if found:
            self.save()
        return found

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
