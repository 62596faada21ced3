"""Golden sets: curated, labelled test cases for your own product, kept as versioned files.

A golden set is a list of cases (dicts), each with an id, the input, and what a good conversation must do (the
tools it must call, whether it must hand over to a person, the facts it must state). Nothing here knows a
particular product. The module covers the life of such a set:

- **Files.** :class:`GoldenSet` holds the cases, a JSON Schema that every case must satisfy, a version and a
  changelog. :meth:`GoldenSet.save` writes JSON Lines (a header line, then one case per line) and never replaces
  a file silently; :func:`load` reads it back and names every bad line in one message.
- **Versions.** The content hash identifies the exact cases. :meth:`GoldenSet.revise` makes the next version by
  one rule: a changed criterion is a major bump, added or removed cases a minor one, corrected cases a patch.
  :func:`diff` shows what changed. :meth:`GoldenSet.frame` stamps every row with the version and hash, and
  :func:`require_same_version` (used by :func:`compare`) refuses to compare results computed on different ones.
- **Sampling real traffic.** :func:`stratified_sample` records each row's inclusion probability, and
  :func:`weighted_rate` re-weights by it (Horvitz-Thompson), so a sample that over-represents failures still
  estimates the rate of the whole traffic.
- **Splits.** :func:`stratified_split` assigns train/dev/test per stratum, keeping near-duplicates together;
  :func:`find_leaks` finds near-duplicate inputs that ended up in different splits.
- **Synthetic inputs.** :func:`all_tuples` enumerates the combinations of your dimensions that a rule allows;
  :func:`pairwise` picks a small set of them covering every allowed pair of values; :func:`random_tuples` is the
  baseline to compare it with, and :func:`pair_coverage` and :func:`coverage_curve` measure both.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ._values import is_whole_number
from .errors import EvalbookError, InputError, InputTypeError
from .paths import atomic_write_text, file_lock, user_file

VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
HEADER_KEY = "golden_set"
VERSION_COLUMN, HASH_COLUMN = "golden_version", "golden_hash"
BUMPS = ("major", "minor", "patch")
BUMP_RULE = {
    "major": "a changed criterion: what counts as a good answer changed (the schema, or the meaning of a field)",
    "minor": "cases added or removed",
    "patch": "existing cases corrected (a label fix), nothing added or removed",
}


class VersionMismatch(EvalbookError):
    """Results computed on different versions of a golden set were about to be compared."""


class LeakageError(EvalbookError):
    """Near-duplicate inputs sit in different splits (a test case the model has effectively seen)."""


# ---------------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------------
def _validator(schema: Mapping):
    import jsonschema  # installed with jupyterlab (through nbformat); loaded only when a set is validated

    if not isinstance(schema, Mapping):
        raise InputTypeError(
            f"schema must be a JSON Schema (a dict such as {{'type': 'object', 'required': ['id']}}); "
            f"got {type(schema).__name__}."
        )
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise InputError(f"The schema itself is not valid JSON Schema: {exc.message}.") from None
    return cls(schema)


def _field_path(error) -> str:
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else ""


def _sentence(error) -> str:
    where = _field_path(error)
    validator = error.validator
    if validator == "required":
        missing = re.search(r"'([^']+)' is a required property", error.message)
        name = missing.group(1) if missing else error.message
        return f"the field {name!r} is missing" + (f" in {where}" if where else "")
    if validator == "additionalProperties":
        extra = re.findall(r"'([^']+)'", error.message)
        return f"unexpected field(s) {', '.join(map(repr, extra))}" + (f" in {where}" if where else "")
    value = _short(error.instance)
    if validator == "type":
        wanted = error.validator_value
        wanted = " or ".join(wanted) if isinstance(wanted, list) else wanted
        return f"{where or 'the case'} must be of type {wanted}, not {value}"
    if validator == "enum":
        options = ", ".join(map(repr, error.validator_value))
        return f"{where or 'the case'} is {value}, which is not one of {options}"
    return f"{where or 'the case'}: {error.message}"


def _short(value, limit: int = 40) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def validate(cases: Sequence[Mapping], schema: Mapping, *, id_field: str = "id") -> list[str]:
    """Every problem with ``cases``, one sentence each (an empty list: all valid).

    Each case is checked against the JSON Schema ``schema``; ids must be present and unique. The sentences name
    the case by its position and id, e.g. ``"case 3 (G-003): must_escalate must be of type boolean, not 'yes'"``.
    """
    validator = _validator(schema)
    problems, seen = [], {}
    for position, case in enumerate(cases, start=1):
        if not isinstance(case, Mapping):
            problems.append(f"case {position}: is a {type(case).__name__}, not an object (a dict)")
            continue
        label = f"case {position}" + (f" ({case[id_field]})" if id_field in case else "")
        for error in sorted(validator.iter_errors(case), key=lambda e: [str(p) for p in e.absolute_path]):
            problems.append(f"{label}: {_sentence(error)}")
        ident = case.get(id_field)
        if ident is None:
            if not any("is missing" in p and repr(id_field) in p for p in problems[-3:]):
                problems.append(f"{label}: the id field {id_field!r} is missing")
        elif ident in seen:
            problems.append(f"{label}: the id {ident!r} is already used by case {seen[ident]}")
        else:
            seen[ident] = position
    return problems


def _raise_problems(problems: list[str], what: str) -> None:
    if problems:
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise InputError(f"{what} has {len(problems)} problem(s): {shown}. Fix them and try again.")


# ---------------------------------------------------------------------------------------------------------------
# Versions and hashes
# ---------------------------------------------------------------------------------------------------------------
def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(cases: Iterable[Mapping], *, id_field: str = "id") -> str:
    """The SHA-256 of the cases, in id order and written canonically (sorted keys), as 64 hex digits.

    Two sets have the same hash exactly when they hold the same cases with the same fields, whatever the order
    of the cases in a file or of the keys in a case.
    """
    ordered = sorted(cases, key=lambda case: str(case.get(id_field)))
    digest = hashlib.sha256()
    for case in ordered:
        digest.update(_canonical(case).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def _check_version(version) -> str:
    if not isinstance(version, str) or not VERSION.match(version):
        raise InputError(
            f"A golden set's version is three whole numbers, MAJOR.MINOR.PATCH, such as '1.0.0'; got {version!r}."
        )
    return version


def next_version(version: str, bump: str) -> str:
    """``next_version("1.2.3", "minor") == "1.3.0"``: the version after a bump of the given kind."""
    major, minor, patch = (int(p) for p in VERSION.match(_check_version(version)).groups())
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    if bump == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise InputError(f"bump must be one of {', '.join(BUMPS)}; got {bump!r}.")


@dataclass
class GoldenDiff:
    """What changed between two versions of a golden set (see :func:`diff`)."""

    old_version: str
    new_version: str
    added: list[str]
    removed: list[str]
    changed: pd.DataFrame  # one row per changed field: id, field, old, new
    schema_changed: bool

    @property
    def changed_ids(self) -> list[str]:
        return sorted(set(self.changed["id"])) if len(self.changed) else []

    @property
    def bump(self) -> str | None:
        """The smallest bump the rule requires for these changes (None: nothing changed)."""
        if self.schema_changed:
            return "major"
        if self.added or self.removed:
            return "minor"
        if len(self.changed):
            return "patch"
        return None

    def __str__(self) -> str:
        lines = [
            f"{self.old_version} -> {self.new_version}: {len(self.added)} added, {len(self.removed)} removed, "
            f"{len(self.changed_ids)} changed" + (", schema changed" if self.schema_changed else "")
        ]
        for name, ids in (("added", self.added), ("removed", self.removed), ("changed", self.changed_ids)):
            if ids:
                shown = ", ".join(ids[:8]) + (f", ... ({len(ids)} in all)" if len(ids) > 8 else "")
                lines.append(f"  {name}: {shown}")
        return "\n".join(lines)

    __repr__ = __str__


def _is_missing(value) -> bool:
    """None, NaN or pandas' NA: a value nobody filled in."""
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or other container is a value, not a missing one
        return False


def _case_map(cases: Sequence[Mapping], id_field: str) -> dict[str, dict]:
    return {str(case[id_field]): dict(case) for case in cases}


def diff(old, new) -> GoldenDiff:
    """What changed from ``old`` to ``new`` (two :class:`GoldenSet` objects): added, removed and changed cases,
    with every changed field's old and new value, and whether the schema changed."""
    for which, value in (("old", old), ("new", new)):
        if not isinstance(value, GoldenSet):
            raise InputTypeError(f"diff takes two GoldenSets; {which} is a {type(value).__name__}.")
    a, b = _case_map(old.cases, old.id_field), _case_map(new.cases, new.id_field)
    rows = []
    for ident in sorted(set(a) & set(b)):
        for key in sorted(set(a[ident]) | set(b[ident])):
            before, after = a[ident].get(key), b[ident].get(key)
            if _canonical(before) != _canonical(after):
                rows.append({"id": ident, "field": key, "old": before, "new": after})
    return GoldenDiff(
        old_version=old.version,
        new_version=new.version,
        added=sorted(set(b) - set(a)),
        removed=sorted(set(a) - set(b)),
        changed=pd.DataFrame(rows, columns=["id", "field", "old", "new"]),
        schema_changed=_canonical(old.schema) != _canonical(new.schema),
    )


# ---------------------------------------------------------------------------------------------------------------
# The golden set
# ---------------------------------------------------------------------------------------------------------------
class GoldenSet:
    """A versioned golden set: cases, the schema they satisfy, a version and a changelog.

    >>> gs = GoldenSet(cases, name="my-assistant", schema=SCHEMA)          # version 1.0.0   # doctest: +SKIP
    >>> gs2 = gs.revise(fixed_cases, note="fixed the label of case C-07")   # 1.0.1, logged  # doctest: +SKIP
    >>> gs2.save("golden/my-assistant-1.0.1.jsonl")                                         # doctest: +SKIP

    The cases are validated when the set is made; a bad case raises :class:`~evalbook.errors.InputError` with a
    sentence for each problem. The set never changes in place: :meth:`revise` returns a new version.
    """

    def __init__(
        self,
        cases: Sequence[Mapping],
        *,
        name: str,
        schema: Mapping,
        version: str = "1.0.0",
        changelog: Sequence[Mapping] | None = None,
        id_field: str = "id",
    ):
        if isinstance(cases, pd.DataFrame):
            cases = cases.to_dict("records")
        if isinstance(cases, (str, bytes, Mapping)) or not isinstance(cases, Iterable):
            raise InputTypeError(
                f"cases must be a list of dicts (one per case) or a DataFrame; got {type(cases).__name__}."
            )
        if not isinstance(name, str) or not name.strip():
            raise InputError("A golden set needs a name, e.g. name='my-assistant'.")
        self.name = name.strip()
        self.version = _check_version(version)
        self.id_field = id_field
        self.schema = copy.deepcopy(dict(schema)) if isinstance(schema, Mapping) else schema
        cases = [copy.deepcopy(dict(c)) if isinstance(c, Mapping) else c for c in cases]
        _raise_problems(validate(cases, self.schema, id_field=id_field), f"Golden set {self.name!r}")
        self._cases = sorted(cases, key=lambda case: str(case[id_field]))
        self.content_hash = content_hash(self._cases, id_field=id_field)
        if changelog is None:
            changelog = [
                {
                    "version": self.version,
                    "bump": "initial",
                    "note": "first version",
                    "cases": len(self._cases),
                    "content_hash": self.content_hash,
                }
            ]
        self.changelog = [dict(entry) for entry in changelog]

    # -- reading ---------------------------------------------------------------------------------------------
    @property
    def cases(self) -> list[dict]:
        """A copy of the cases, in id order (changing it does not change the set)."""
        return copy.deepcopy(self._cases)

    @property
    def ids(self) -> list[str]:
        return [str(case[self.id_field]) for case in self._cases]

    @property
    def short_hash(self) -> str:
        """The first 12 hex digits of the content hash: enough to tell versions apart on screen."""
        return self.content_hash[:12]

    def __len__(self) -> int:
        return len(self._cases)

    def __getitem__(self, ident: str) -> dict:
        for case in self._cases:
            if str(case[self.id_field]) == str(ident):
                return copy.deepcopy(case)
        raise InputError(f"Golden set {self.name!r} {self.version} has no case {ident!r}.")

    def __repr__(self) -> str:
        return f"GoldenSet {self.name!r} {self.version} · {len(self)} cases · hash {self.short_hash}"

    def frame(self, **where) -> pd.DataFrame:
        """The cases as a DataFrame, each row stamped with ``golden_version`` and ``golden_hash``.

        Keyword arguments filter rows by column value, e.g. ``frame(split="dev")``. Results computed from these
        rows (``run_batch`` keeps every column) carry the stamp, so :func:`compare` can refuse to compare results
        of two different versions.
        """
        table = pd.DataFrame(self.cases)
        for column, value in where.items():
            if column not in table.columns:
                raise InputError(
                    f"frame: the cases have no field {column!r}. Fields: {', '.join(map(str, table.columns))}."
                )
            table = table[table[column] == value]
        table = table.reset_index(drop=True)
        table[VERSION_COLUMN] = self.version
        table[HASH_COLUMN] = self.short_hash
        return table

    # -- new versions ----------------------------------------------------------------------------------------
    def revise(
        self,
        cases: Sequence[Mapping],
        *,
        note: str,
        criterion: bool = False,
        schema: Mapping | None = None,
    ) -> GoldenSet:
        """The next version of the set, holding ``cases``, with an entry in the changelog.

        The version is bumped by one rule (:data:`BUMP_RULE`): **major** when the criterion changed (the schema
        changed, or you say so with ``criterion=True``, e.g. because the knowledge base the expected facts come
        from changed); **minor** when cases were added or removed; **patch** when existing cases were only
        corrected. A revision that changes nothing is refused.
        """
        if not isinstance(note, str) or not note.strip():
            raise InputError(
                "revise needs a note for the changelog saying what changed and why, e.g. note='...'."
            )
        proposal = GoldenSet(
            cases,
            name=self.name,
            schema=self.schema if schema is None else schema,
            version=self.version,
            changelog=self.changelog,
            id_field=self.id_field,
        )
        change = diff(self, proposal)
        bump = "major" if criterion else change.bump
        if bump is None:
            raise InputError(
                f"Nothing changed: the cases and the schema are those of version {self.version}, so there is no "
                "new version to make."
            )
        version = next_version(self.version, bump)
        entry = {
            "version": version,
            "bump": bump,
            "note": note.strip(),
            "added": change.added,
            "removed": change.removed,
            "changed": change.changed_ids,
            "cases": len(proposal),
            "content_hash": proposal.content_hash,
        }
        proposal.version = version
        proposal.changelog = [*self.changelog, entry]
        return proposal

    def changelog_frame(self) -> pd.DataFrame:
        """The changelog as a table: version, bump, note and how many cases were added, removed and changed."""
        rows = []
        for entry in self.changelog:
            rows.append(
                {
                    "version": entry.get("version"),
                    "bump": entry.get("bump"),
                    "cases": entry.get("cases"),
                    "added": len(entry.get("added") or []),
                    "removed": len(entry.get("removed") or []),
                    "changed": len(entry.get("changed") or []),
                    "hash": str(entry.get("content_hash", ""))[:12],
                    "note": entry.get("note"),
                }
            )
        return pd.DataFrame(rows)

    # -- files -----------------------------------------------------------------------------------------------
    def header(self) -> dict:
        return {
            HEADER_KEY: {
                "name": self.name,
                "version": self.version,
                "content_hash": self.content_hash,
                "id_field": self.id_field,
                "cases": len(self),
                "schema": self.schema,
                "changelog": self.changelog,
            }
        }

    def to_jsonl(self) -> str:
        lines = [json.dumps(self.header(), ensure_ascii=False, sort_keys=True)]
        lines += [json.dumps(case, ensure_ascii=False, sort_keys=True) for case in self._cases]
        return "\n".join(lines) + "\n"

    def save(self, path, *, overwrite: bool = False) -> Path:
        """Write the set as JSON Lines (a header line, then one case per line) and return the path.

        An existing file is never replaced silently. Saving the same version with the same content again does
        nothing. Anything else already at ``path`` (another version, the same version with different cases,
        a file that is not a golden set) is refused with a sentence unless ``overwrite=True``; save each version
        to its own file, e.g. ``my-assistant-1.1.0.jsonl``.
        """
        path = user_file(path, "save", f"{self.name}-{self.version}.jsonl")
        text = self.to_jsonl()
        with file_lock(path):
            if path.exists() and not overwrite:
                held = _peek_header(path)
                if held is None:
                    raise InputError(
                        f"{path.name} already exists and is not a golden set file; save would replace it. Choose "
                        f"another name, e.g. '{self.name}-{self.version}.jsonl', or pass overwrite=True."
                    )
                if held.get("version") == self.version and held.get("content_hash") == self.content_hash:
                    return path
                if held.get("version") == self.version:
                    raise InputError(
                        f"{path.name} holds version {self.version} of {held.get('name')!r} with other cases (hash "
                        f"{str(held.get('content_hash'))[:12]}, not {self.short_hash}). One version number must "
                        "mean one set of cases: make a new version with revise(), or pass overwrite=True."
                    )
                raise InputError(
                    f"{path.name} holds version {held.get('version')} of {held.get('name')!r}; saving version "
                    f"{self.version} over it would lose that version. Save each version to its own file, e.g. "
                    f"'{self.name}-{self.version}.jsonl', or pass overwrite=True."
                )
            atomic_write_text(path, text)
        return path


def _peek_header(path: Path) -> dict | None:
    try:
        with path.open(encoding="utf-8") as handle:
            first = handle.readline()
        record = json.loads(first)
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if isinstance(record, dict) and isinstance(record.get(HEADER_KEY), dict):
        return record[HEADER_KEY]
    return None


def load(path, *, verify: bool = True) -> GoldenSet:
    """Read a golden set written by :meth:`GoldenSet.save`.

    Every line that is not valid JSON and every case that breaks the schema is named in one error, so a file
    with a few bad lines can be fixed in one pass. With ``verify`` (the default) the cases must match the
    content hash in the header: a file edited by hand after it was saved is refused, because results computed on
    it would be labelled with a version it no longer is.
    """
    path = user_file(path, "load", "my-golden-set.jsonl")
    if not path.exists():
        raise InputError(f"There is no file at {path}. Check the path (and the folder the notebook runs in).")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name} is not a UTF-8 text file (byte {exc.start} cannot be read).") from None
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise InputError(f"{path.name} is empty: a golden set file starts with a header line.")
    try:
        first = json.loads(lines[0][1])
    except ValueError:
        first = None
    if not isinstance(first, dict) or not isinstance(first.get(HEADER_KEY), dict):
        raise InputError(
            f"Line {lines[0][0]} of {path.name} is not a golden set header (an object with a {HEADER_KEY!r} key). "
            "Files written by GoldenSet.save start with one; to turn a plain JSONL file of cases into a golden "
            "set, read the cases and make GoldenSet(cases, name=..., schema=...)."
        )
    header = first[HEADER_KEY]
    missing = [key for key in ("name", "version", "schema") if key not in header]
    if missing:
        raise InputError(f"The header of {path.name} has no {', '.join(missing)}.")
    id_field = header.get("id_field", "id")
    validator = _validator(header["schema"])
    cases, problems, seen = [], [], {}
    for number, line in lines[1:]:
        try:
            case = json.loads(line)
        except ValueError as exc:
            problems.append(f"line {number}: not valid JSON ({exc.msg})")
            continue
        if not isinstance(case, dict):
            problems.append(f"line {number}: a {type(case).__name__}, not an object")
            continue
        label = f"line {number}" + (f" ({case[id_field]})" if id_field in case else "")
        for error in sorted(validator.iter_errors(case), key=lambda e: [str(p) for p in e.absolute_path]):
            problems.append(f"{label}: {_sentence(error)}")
        ident = case.get(id_field)
        if ident is not None and ident in seen:
            problems.append(f"{label}: the id {ident!r} is already used on line {seen[ident]}")
        elif ident is not None:
            seen[ident] = number
        elif not any(repr(id_field) in p for p in problems[-3:]):
            problems.append(f"{label}: the id field {id_field!r} is missing")
        cases.append(case)
    _raise_problems(problems, path.name)
    recorded = header.get("content_hash")
    actual = content_hash(cases, id_field=id_field)
    if verify and recorded != actual:
        raise InputError(
            f"{path.name} was changed after version {header['version']} was saved: its cases no longer match the "
            f"content hash in its header ({str(recorded)[:12]}, now {actual[:12]}). Results computed on it would "
            "carry a version it no longer is. Restore the saved file, or load it with verify=False and save your "
            "edits as a new version with revise()."
        )
    golden = GoldenSet(
        cases,
        name=header["name"],
        schema=header["schema"],
        version=header["version"],
        changelog=header.get("changelog"),
        id_field=id_field,
    )
    return golden


# ---------------------------------------------------------------------------------------------------------------
# Comparing results: only on the same version
# ---------------------------------------------------------------------------------------------------------------
def _stamp(results, label: str) -> tuple[str, str]:
    if isinstance(results, GoldenSet):
        return results.version, results.short_hash
    if not isinstance(results, pd.DataFrame):
        raise InputTypeError(
            f"{label} must be a table of results (a DataFrame) or a GoldenSet; got {type(results).__name__}."
        )
    if VERSION_COLUMN not in results.columns or HASH_COLUMN not in results.columns:
        raise InputError(
            f"{label} do not say which golden set version they were computed on (no {VERSION_COLUMN!r} column). "
            "Run the cases from golden_set.frame(), which stamps every row, and keep that column."
        )
    stamps = sorted(
        set(zip(results[VERSION_COLUMN].astype(str), results[HASH_COLUMN].astype(str), strict=True))
    )
    if len(stamps) != 1:
        shown = ", ".join(f"{v} ({h})" for v, h in stamps[:4])
        raise VersionMismatch(
            f"{label} mix results from {len(stamps)} versions of the golden set ({shown}); a rate over them "
            "means nothing. Keep the rows of one version."
        )
    return stamps[0]


def require_same_version(*results, labels: Sequence[str] | None = None) -> str:
    """Check that every results table was computed on the same golden set version; return that version.

    Raises :class:`VersionMismatch` with a sentence otherwise, because a difference between results on two
    versions mixes a change in the product with a change in the test.
    """
    if len(results) < 2:
        raise InputError("require_same_version compares at least two results tables.")
    labels = list(labels) if labels is not None else [f"results {chr(65 + i)}" for i in range(len(results))]
    stamps = [_stamp(r, label) for r, label in zip(results, labels, strict=True)]
    if len(set(stamps)) > 1:
        described = "; ".join(f"{label} on {v} ({h})" for label, (v, h) in zip(labels, stamps, strict=True))
        versions = {v for v, _ in stamps}
        why = (
            "the same version number with different cases: one of them was edited without a new version"
            if len(versions) == 1
            else "their cases or expected answers differ, so a change in the rate could come from the test rather "
            "than the product"
        )
        raise VersionMismatch(
            f"These results were computed on different golden set versions ({described}): {why}. Run both on "
            "the same version before comparing them."
        )
    return stamps[0][0]


def compare(results_a, results_b, *, failed: str, labels: Sequence[str] = ("A", "B")) -> pd.DataFrame:
    """Failure rates of two results tables side by side, with 95% Wilson intervals, if they are comparable.

    ``failed`` names a True/False column present in both (True: the case failed). Results computed on different
    golden set versions are refused (:func:`require_same_version`).
    """
    from .stats import outcomes, wilson_interval

    labels = list(labels)
    require_same_version(results_a, results_b, labels=labels)
    rows = []
    for label, results in zip(labels, (results_a, results_b), strict=True):
        if failed not in results.columns:
            raise InputError(f"{label} have no {failed!r} column to count failures from.")
        flags = outcomes(results[failed], failed)
        if len(flags) == 0:
            raise InputError(f"{label} have no rows.")
        low, high = wilson_interval(int(flags.sum()), len(flags))
        rows.append(
            {
                "results": label,
                "version": results[VERSION_COLUMN].iloc[0],
                "n": len(flags),
                "failed": int(flags.sum()),
                "rate": flags.mean(),
                "low": low,
                "high": high,
            }
        )
    return pd.DataFrame(rows).set_index("results")


# ---------------------------------------------------------------------------------------------------------------
# Sampling real traffic, and re-weighting
# ---------------------------------------------------------------------------------------------------------------
def _per_stratum(value, strata: list, what: str) -> dict:
    if isinstance(value, Mapping):
        missing = [s for s in strata if s not in value]
        if missing:
            raise InputError(
                f"{what} gives no value for the stratum {missing[0]!r}; give every stratum one "
                f"(strata: {', '.join(map(repr, strata))}). Use 0 to leave a stratum out."
            )
        return {s: value[s] for s in strata}
    return dict.fromkeys(strata, value)


def stratified_sample(
    frame: pd.DataFrame,
    by: str,
    *,
    sizes: int | Mapping | None = None,
    fractions: float | Mapping | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """A stratified random sample of ``frame``'s rows, with each row's inclusion probability.

    Within each stratum (a value of the column ``by``) rows are drawn at random without replacement: ``sizes``
    gives how many per stratum (one number for all, or a dict per stratum), or ``fractions`` what share. The
    result keeps the rows in their original order and adds ``inclusion_probability`` (``n_h / N_h``, the chance
    that a row of stratum h was drawn) and ``weight`` (its inverse: how many rows of the population each sampled
    row stands for). Pass both to :func:`weighted_rate` to estimate a rate for the whole population.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputTypeError(f"stratified_sample takes a DataFrame; got {type(frame).__name__}.")
    if by not in frame.columns:
        raise InputError(f"The table has no column {by!r}. Columns: {', '.join(map(str, frame.columns))}.")
    if (sizes is None) == (fractions is None):
        raise InputError(
            "Give exactly one of sizes=... (rows per stratum) or fractions=... (share per stratum)."
        )
    if frame[by].isna().any():
        raise InputError(f"Some rows have no {by!r}; every row must belong to a stratum.")
    strata = sorted(frame[by].unique(), key=str)
    population = frame[by].value_counts()
    if sizes is not None:
        wanted = _per_stratum(sizes, strata, "sizes")
        for s, n in wanted.items():
            if not is_whole_number(n) or n < 0:
                raise InputError(f"sizes[{s!r}] must be a whole number of rows, 0 or more; got {n!r}.")
            if n > population[s]:
                raise InputError(
                    f"The stratum {s!r} has {population[s]} rows, fewer than the {n} asked for. Ask for at most "
                    f"{population[s]}."
                )
    else:
        shares = _per_stratum(fractions, strata, "fractions")
        wanted = {}
        for s, share in shares.items():
            if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
                raise InputError(f"fractions[{s!r}] must be a share between 0 and 1; got {share!r}.")
            wanted[s] = int(round(share * population[s]))
    chosen: list = []
    probability = {}
    for s in strata:
        rows = list(frame.index[frame[by] == s])
        rng = random.Random(f"{seed}\x1f{s}")
        chosen += rng.sample(rows, wanted[s])
        probability[s] = wanted[s] / len(rows)
    picked = set(chosen)
    sample = frame.loc[[i for i in frame.index if i in picked]].copy()
    sample["inclusion_probability"] = sample[by].map(probability)
    sample["weight"] = 1 / sample["inclusion_probability"]
    return sample


def weighted_rate(
    *, failed=None, passed=None, inclusion_probability, population_size: int | None = None
) -> float:
    """The population rate estimated from a sample with unequal inclusion probabilities (Horvitz-Thompson).

    Each sampled case counts ``1 / inclusion_probability`` times: a case drawn with probability 0.1 stands for
    ten cases of the population. The estimate is ``sum(y / p) / sum(1 / p)``; for a stratified sample
    ``sum(1 / p)`` is exactly the population size, so this is the Horvitz-Thompson estimator of the rate. Pass
    ``population_size`` to divide by a known size instead. ``failed=`` gives the failure rate, ``passed=`` the
    pass rate.
    """
    from .stats import outcomes

    if (failed is None) == (passed is None):
        raise InputError(
            "weighted_rate takes the outcomes as exactly one of failed=... (True means the case failed) or "
            "passed=... (True means it passed)."
        )
    y = outcomes(failed, "failed") if failed is not None else outcomes(passed, "passed")
    try:
        p = np.asarray(list(inclusion_probability), dtype=float)
    except (TypeError, ValueError):
        raise InputError("inclusion_probability must be a list of numbers, one per sampled case.") from None
    if len(p) != len(y):
        raise InputError(
            f"There are {len(y)} outcomes but {len(p)} inclusion probabilities; give one of each per sampled case."
        )
    if len(p) == 0:
        raise InputError("There are no sampled cases to weigh.")
    if np.isnan(p).any() or (p <= 0).any() or (p > 1).any():
        raise InputError(
            "Every inclusion probability must be above 0 and at most 1 (a case drawn with probability 0 cannot "
            "be in the sample)."
        )
    weights = 1 / p
    total = float(weights.sum()) if population_size is None else float(population_size)
    if population_size is not None and (not is_whole_number(population_size) or population_size < 1):
        raise InputError(f"population_size must be a whole number of cases; got {population_size!r}.")
    return float((weights * y).sum() / total)


# ---------------------------------------------------------------------------------------------------------------
# Near-duplicates, splits and leakage
# ---------------------------------------------------------------------------------------------------------------
def normalise_text(text: str) -> str:
    """Text as the near-duplicate check compares it: lower case, every digit a 0, punctuation as spaces."""
    text = re.sub(r"\d", "0", str(text).lower())
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def similarity(a: str, b: str, *, n: int = 4) -> float:
    """The share of character ``n``-grams the two normalised texts have in common (Jaccard), from 0 to 1."""
    grams_a, grams_b = _grams(normalise_text(a), n), _grams(normalise_text(b), n)
    if not grams_a and not grams_b:
        return 1.0
    return len(grams_a & grams_b) / len(grams_a | grams_b)


def _grams(text: str, n: int) -> set[str]:
    text = f" {text} "
    return {text[i : i + n] for i in range(max(len(text) - n + 1, 1))}


def near_duplicates(texts: Sequence[str], *, threshold: float = 0.6, n: int = 4) -> pd.DataFrame:
    """Every pair of texts at least ``threshold`` similar (:func:`similarity`): columns ``a``, ``b`` (positions,
    ``a < b``) and ``similarity``, most similar first.

    Digits are compared as zeros, so two messages that differ only in an order number count as duplicates.
    """
    if isinstance(texts, (str, bytes)):
        raise InputTypeError("near_duplicates takes a list of texts, not one string.")
    if not 0 < threshold <= 1:
        raise InputError(f"threshold must be a share above 0 and at most 1; got {threshold!r}.")
    from scipy import sparse

    grams = [_grams(normalise_text(t), n) for t in texts]
    vocabulary: dict[str, int] = {}
    rows_, cols = [], []
    for position, gs in enumerate(grams):
        for gram in gs:
            rows_.append(position)
            cols.append(vocabulary.setdefault(gram, len(vocabulary)))
    matrix = sparse.csr_matrix(
        (np.ones(len(rows_), dtype=np.int32), (rows_, cols)), shape=(len(grams), max(len(vocabulary), 1))
    )
    shared = sparse.triu(matrix @ matrix.T, k=1).tocoo()
    sizes = np.array([len(g) for g in grams])
    rows = []
    for a, b, common in zip(shared.row, shared.col, shared.data, strict=True):
        score = common / (sizes[a] + sizes[b] - common)
        if score >= threshold:
            rows.append({"a": int(a), "b": int(b), "similarity": round(float(score), 4)})
    table = pd.DataFrame(rows, columns=["a", "b", "similarity"])
    return table.sort_values(["similarity", "a", "b"], ascending=[False, True, True]).reset_index(drop=True)


def duplicate_groups(texts: Sequence[str], *, threshold: float = 0.6, n: int = 4) -> list[int]:
    """A group number per text: near-duplicates (and near-duplicates of those) share one. The group of a text is
    the position of the first text in it, so a text with no duplicate is its own group."""
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in near_duplicates(texts, threshold=threshold, n=n)[["a", "b"]].itertuples(index=False):
        ra, rb = root(int(a)), root(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [root(i) for i in range(len(texts))]


def _order_key(seed, key) -> str:
    return hashlib.sha256(f"{seed}\x1f{key}".encode()).hexdigest()


def stratified_split(
    frame: pd.DataFrame,
    *,
    by: str | Sequence[str],
    fractions: Mapping[str, float],
    seed: int = 0,
    groups: Sequence | None = None,
    keep: Mapping | None = None,
    id_column: str = "id",
) -> pd.Series:
    """The split of each row (e.g. ``"train"``, ``"dev"``, ``"test"``), stratified by ``by``.

    Within each stratum the split sizes follow ``fractions`` (they must add up to 1) as closely as whole rows
    allow. Rows with the same value in ``groups`` (for example from :func:`duplicate_groups`) always go to the
    same split, so near-duplicates cannot leak from one split into another; a row whose group is missing (None,
    NaN) is a group of its own. The order is decided by a hash of
    ``seed`` and each row's id, not by the row order, so shuffling the table changes nothing. ``keep`` maps ids
    to the split they already have (the cases of an earlier version): they stay there, and only new cases are
    assigned, towards the target sizes.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputTypeError(f"stratified_split takes a DataFrame; got {type(frame).__name__}.")
    columns = [by] if isinstance(by, str) else list(by)
    for column in [*columns, id_column]:
        if column not in frame.columns:
            raise InputError(
                f"The table has no column {column!r}. Columns: {', '.join(map(str, frame.columns))}."
            )
    if not isinstance(fractions, Mapping) or not fractions:
        raise InputError(
            "fractions maps each split to its share, e.g. {'train': 0.2, 'dev': 0.4, 'test': 0.4}."
        )
    names = list(fractions)
    shares = np.array([float(fractions[s]) for s in names])
    if (shares < 0).any() or not np.isclose(shares.sum(), 1.0):
        raise InputError(
            f"The split fractions must be 0 or more and add up to 1; they add up to {shares.sum():g}."
        )
    ids = [str(v) for v in frame[id_column]]
    if len(set(ids)) != len(ids):
        raise InputError(f"The {id_column!r} column has repeated ids; each row needs its own.")
    # A missing group value (None, NaN) says "no group known", not "all in one group": each such row is its own.
    group_of = (
        [f"\x1e{ids[i]}" if _is_missing(g) else str(g) for i, g in enumerate(groups)]
        if groups is not None
        else ids
    )
    if len(group_of) != len(frame):
        raise InputError(f"groups has {len(group_of)} values for {len(frame)} rows; give one per row.")
    keep = {str(k): v for k, v in (keep or {}).items()}
    unknown = sorted({v for v in keep.values() if v not in fractions})
    if unknown:
        raise InputError(
            f"keep assigns the split(s) {unknown}, which are not in fractions ({', '.join(names)})."
        )
    strata = ["\x1f".join(str(v) for v in values) for values in frame[columns].itertuples(index=False)]
    members: dict[str, list[int]] = {}
    for position, group in enumerate(group_of):
        members.setdefault(group, []).append(position)
    result = [""] * len(frame)
    # A group belongs to the stratum of its first row (in id order).
    by_stratum: dict[str, list[str]] = {}
    for group, positions in members.items():
        first = min(positions, key=lambda p: ids[p])
        by_stratum.setdefault(strata[first], []).append(group)
    for stratum in sorted(by_stratum):
        group_list = by_stratum[stratum]
        size = sum(len(members[g]) for g in group_list)
        target = shares * size
        assigned = np.zeros(len(names))
        pending = []
        for group in group_list:
            kept = {keep[ids[p]] for p in members[group] if ids[p] in keep}
            if len(kept) > 1:
                shown = ", ".join(sorted(ids[p] for p in members[group]))
                raise InputError(
                    f"The near-duplicate cases {shown} already sit in different splits ({', '.join(sorted(kept))}); "
                    "that is a leak. Move them into one split in keep before assigning the rest."
                )
            if kept:
                split = kept.pop()
                for p in members[group]:
                    result[p] = split
                assigned[names.index(split)] += len(members[group])
            else:
                pending.append(group)
        # larger groups first (they are the hardest to fit), then in an order set by the seed
        pending.sort(key=lambda g: (-len(members[g]), _order_key(seed, min(ids[p] for p in members[g]))))
        for group in pending:
            deficit = target - assigned
            choice = int(np.argmax(deficit))  # the first split furthest below its share
            for p in members[group]:
                result[p] = names[choice]
            assigned[choice] += len(members[group])
    return pd.Series(result, index=frame.index, name="split")


def find_leaks(
    frame: pd.DataFrame,
    *,
    text: str,
    split: str = "split",
    id_column: str = "id",
    threshold: float = 0.6,
) -> pd.DataFrame:
    """Pairs of near-duplicate inputs that sit in different splits: one row per pair, with both ids, both splits
    and their :func:`similarity`. An empty table means no leak.

    A test case that is a near-copy of a train or dev case has, in effect, been seen: a prompt tuned on dev, or a
    judge given train cases as examples, does well on it for the wrong reason.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputTypeError(f"find_leaks takes a DataFrame; got {type(frame).__name__}.")
    for column in (text, split, id_column):
        if column not in frame.columns:
            raise InputError(
                f"The table has no column {column!r}. Columns: {', '.join(map(str, frame.columns))}."
            )
    texts = [str(t) for t in frame[text]]
    ids, splits = list(frame[id_column]), list(frame[split])
    rows = []
    for a, b, score in near_duplicates(texts, threshold=threshold).itertuples(index=False):
        if splits[a] != splits[b]:
            first, second = sorted((int(a), int(b)), key=lambda p: str(ids[p]))
            rows.append(
                {
                    "id_a": ids[first],
                    "split_a": splits[first],
                    "id_b": ids[second],
                    "split_b": splits[second],
                    "similarity": score,
                }
            )
    columns = ["id_a", "split_a", "id_b", "split_b", "similarity"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["similarity", "id_a"], ascending=[False, True]).reset_index(drop=True)


def check_no_leaks(
    frame: pd.DataFrame, *, text: str, split: str = "split", id_column: str = "id", threshold: float = 0.6
) -> None:
    """Raise :class:`LeakageError`, naming the pairs, if :func:`find_leaks` finds any; else return None."""
    leaks = find_leaks(frame, text=text, split=split, id_column=id_column, threshold=threshold)
    if len(leaks):
        shown = "; ".join(
            f"{r.id_a} ({r.split_a}) and {r.id_b} ({r.split_b}), similarity {r.similarity:.2f}"
            for r in leaks.head(5).itertuples()
        )
        more = f"; and {len(leaks) - 5} more" if len(leaks) > 5 else ""
        raise LeakageError(
            f"{len(leaks)} near-duplicate pair(s) sit in different splits: {shown}{more}. Put each pair in one "
            "split (stratified_split with groups=duplicate_groups(...) does that), or drop one case of each."
        )


# ---------------------------------------------------------------------------------------------------------------
# Synthetic inputs: tuples of dimension values
# ---------------------------------------------------------------------------------------------------------------
MAX_TUPLES = 1_000_000


def _dimensions(dimensions) -> dict[str, list]:
    if not isinstance(dimensions, Mapping) or not dimensions:
        raise InputTypeError(
            "dimensions maps each dimension to its values, e.g. {'persona': ['polite', 'terse'], 'channel': "
            "['chat', 'email']}."
        )
    out = {}
    for name, values in dimensions.items():
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise InputTypeError(f"The values of dimension {name!r} must be a list, e.g. [{values!r}].")
        values = list(values)
        if not values:
            raise InputError(f"The dimension {name!r} has no values.")
        if len(set(map(str, values))) != len(values):
            raise InputError(f"The dimension {name!r} lists a value twice.")
        out[str(name)] = values
    return out


def _allowed(allowed: Callable | None, case: dict) -> bool:
    if allowed is None:
        return True
    try:
        return bool(allowed(dict(case)))
    except Exception as exc:
        raise InputError(
            f"The allowed rule raised {type(exc).__name__}: {exc}, on the tuple {case}. It receives one tuple "
            "as a dict (dimension -> value) and returns True if the combination can happen."
        ) from exc


def all_tuples(
    dimensions: Mapping[str, Sequence], *, allowed: Callable[[dict], bool] | None = None
) -> list[dict]:
    """Every combination of the dimensions' values that ``allowed`` accepts (all of them without a rule)."""
    dims = _dimensions(dimensions)
    total = int(np.prod([len(v) for v in dims.values()]))
    if total > MAX_TUPLES:
        raise InputError(
            f"The dimensions make {total:,} combinations, more than the {MAX_TUPLES:,} this function enumerates. "
            "Use fewer values per dimension, or merge dimensions."
        )
    names = list(dims)
    tuples = (dict(zip(names, values, strict=True)) for values in itertools.product(*dims.values()))
    return [t for t in tuples if _allowed(allowed, t)]


def _pairs_of(case: Mapping, names: list[str]) -> set[tuple]:
    return {(a, str(case[a]), b, str(case[b])) for i, a in enumerate(names) for b in names[i + 1 :]}


def pairwise(
    dimensions: Mapping[str, Sequence],
    *,
    allowed: Callable[[dict], bool] | None = None,
    n: int | None = None,
    seed: int = 0,
) -> list[dict]:
    """A small set of allowed tuples in which every pair of values that can occur together occurs at least once
    (an *all-pairs* or pairwise design).

    Most failures are triggered by one value or by two values together; covering every pair finds them with far
    fewer inputs than all combinations. The design is built greedily: each new tuple is the allowed one that
    covers the most pairs not yet covered (ties broken by ``seed``). With ``n``, the design is extended to ``n``
    tuples: once every pair is covered, covering starts again, so a larger budget covers each pair more often.
    """
    dims = _dimensions(dimensions)
    if n is not None and (not is_whole_number(n) or n < 1):
        raise InputError(f"n must be a whole number of tuples, at least 1; got {n!r}.")
    names = list(dims)
    candidates = all_tuples(dims, allowed=allowed)
    if not candidates:
        raise InputError(
            "No combination of the dimensions is allowed by the rule; there is nothing to pick from."
        )
    random.Random(seed).shuffle(candidates)
    pairs = [_pairs_of(t, names) for t in candidates]
    required: set[tuple] = set().union(*pairs)
    uncovered = set(required)
    chosen: list[int] = []
    used: set[int] = set()
    limit = n if n is not None else len(candidates)
    while len(chosen) < min(limit, len(candidates)):
        if not uncovered:
            if n is None:
                break
            uncovered = set(required)
        best, best_gain = -1, -1
        for index, covers in enumerate(pairs):
            if index in used:
                continue
            gain = len(covers & uncovered)
            if gain > best_gain:
                best, best_gain = index, gain
        chosen.append(best)
        used.add(best)
        uncovered -= pairs[best]
    return [dict(candidates[i]) for i in chosen]


def random_tuples(
    dimensions: Mapping[str, Sequence],
    n: int,
    *,
    allowed: Callable[[dict], bool] | None = None,
    seed: int = 0,
) -> list[dict]:
    """``n`` different allowed tuples drawn at random (the baseline a pairwise design is compared with)."""
    if not is_whole_number(n) or n < 1:
        raise InputError(f"n must be a whole number of tuples, at least 1; got {n!r}.")
    candidates = all_tuples(dimensions, allowed=allowed)
    if n > len(candidates):
        raise InputError(f"Only {len(candidates)} tuples are allowed, fewer than the {n} asked for.")
    return [dict(t) for t in random.Random(seed).sample(candidates, n)]


def pair_coverage(
    tuples: Sequence[Mapping],
    dimensions: Mapping[str, Sequence],
    *,
    allowed: Callable[[dict], bool] | None = None,
) -> float:
    """The share of the pairs of values that can occur together (under ``allowed``) that ``tuples`` cover."""
    dims = _dimensions(dimensions)
    names = list(dims)
    required = set().union(*(_pairs_of(t, names) for t in all_tuples(dims, allowed=allowed)))
    for position, case in enumerate(tuples):
        missing = [name for name in names if name not in case]
        if missing:
            raise InputError(f"Tuple {position} has no value for {', '.join(missing)}.")
    covered = set().union(*(_pairs_of(t, names) for t in tuples)) if tuples else set()
    return len(covered & required) / len(required) if required else 1.0


def coverage_curve(
    tuples: Sequence[Mapping],
    dimensions: Mapping[str, Sequence],
    *,
    allowed: Callable[[dict], bool] | None = None,
) -> list[float]:
    """:func:`pair_coverage` after each tuple in turn: the share covered by the first 1, 2, 3, ... tuples."""
    dims = _dimensions(dimensions)
    names = list(dims)
    required = set().union(*(_pairs_of(t, names) for t in all_tuples(dims, allowed=allowed)))
    covered: set[tuple] = set()
    curve = []
    for position, case in enumerate(tuples):
        missing = [name for name in names if name not in case]
        if missing:
            raise InputError(f"Tuple {position} has no value for {', '.join(missing)}.")
        covered |= _pairs_of(case, names) & required
        curve.append(len(covered) / len(required) if required else 1.0)
    return curve


__all__ = [
    "BUMP_RULE",
    "GoldenDiff",
    "GoldenSet",
    "LeakageError",
    "VersionMismatch",
    "all_tuples",
    "check_no_leaks",
    "compare",
    "content_hash",
    "coverage_curve",
    "diff",
    "duplicate_groups",
    "find_leaks",
    "load",
    "near_duplicates",
    "next_version",
    "normalise_text",
    "pair_coverage",
    "pairwise",
    "random_tuples",
    "require_same_version",
    "similarity",
    "stratified_sample",
    "stratified_split",
    "validate",
    "weighted_rate",
]
