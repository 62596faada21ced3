"""Error analysis: from labelled traces to a failure taxonomy with counts.

The workflow (lesson 03):

1. **Open coding.** Read each trace and, for a failing one, write down the *first* thing that went wrong, as an
   observation ("says the refund went through; the trace has no issue_refund call"), not a diagnosis ("the
   model hallucinates").
2. **Axial coding.** Group the notes into a handful of failure categories (the course's taxonomy for Acme's
   assistant is ``evalbook.course.acme.CATEGORIES``).
3. **Count.** :func:`failure_rates` gives the share of traces failing in each category, per model (or per any
   other column); :func:`saturation_curve` shows how many new categories each further block of traces revealed,
   which tells you when reading more traces stops paying.

Nothing here knows a particular product: the labels are a table with ``verdict`` and ``category`` columns.
"""

from __future__ import annotations

import pandas as pd

from ._values import is_whole_number
from .errors import InputError
from .labels import normalise_verdict


def _need_columns(frame: pd.DataFrame, columns: list[str], who: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"{who} takes a DataFrame of labels, not a {type(frame).__name__}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{who}: the table has no {', '.join(missing)} column. Columns: {', '.join(map(str, frame.columns))}."
        )


UNCATEGORISED = "(uncategorised)"


def failure_rates(labels: pd.DataFrame, by: str = "model") -> pd.DataFrame:
    """Share of each group's labelled traces that failed in each category (rows: categories, columns: groups).

    The denominator is every labelled trace of the group, passes included: a rate per trace, not a share of the
    failures. Rows are ordered by the overall number of failures, most common first; failures labelled without a
    category are counted in a row named "(uncategorised)".
    """
    _need_columns(labels, ["verdict", "category", by], "failure_rates")
    if labels[by].isna().any():
        rows = labels.index[labels[by].isna()].tolist()[:5]
        raise InputError(
            f"failure_rates: the {by!r} column is empty in row(s) {rows}; fill it in or drop them."
        )
    try:
        verdicts = labels["verdict"].map(normalise_verdict)
    except InputError as exc:
        raise InputError(f"failure_rates: {exc}") from None
    failed = labels[verdicts == "fail"]
    # A failure without a category still counts: it gets a row of its own instead of vanishing from the table.
    category = failed["category"].fillna("").astype(str).str.strip().replace("", UNCATEGORISED)
    counts = pd.crosstab(category, failed[by])
    groups = sorted(labels[by].unique())
    counts = counts.reindex(columns=groups, fill_value=0)
    totals = labels.groupby(by).size().reindex(groups)
    rates = counts.div(totals, axis=1)
    order = counts.sum(axis=1).sort_values(ascending=False, kind="stable").index
    rates = rates.loc[order]
    rates.index.name, rates.columns.name = "category", by
    return rates


def saturation_curve(categories, block: int = 10) -> pd.DataFrame:
    """How many categories never seen before appear in each block of ``block`` traces, in labelling order.

    ``categories`` is the category of each trace in the order it was read (empty or None for a pass). When
    block after block adds nothing new, the taxonomy has saturated and reading more traces mostly adds counts.
    """
    if not is_whole_number(block) or block < 1:
        raise InputError("block must be a whole number of traces, at least 1, e.g. block=10.")
    if isinstance(categories, (pd.DataFrame, str)) or not hasattr(categories, "__iter__"):
        raise InputError(
            "saturation_curve takes the category of each trace in reading order, e.g. labels['category']; "
            f"got a {type(categories).__name__}."
        )
    values = list(categories)
    seen: set[str] = set()
    rows = []
    for start in range(0, len(values), block):
        chunk = values[start : start + block]
        new = {c for c in chunk if isinstance(c, str) and c.strip() and c not in seen}
        seen |= new
        rows.append(
            {"traces_read": start + len(chunk), "new_categories": len(new), "categories_so_far": len(seen)}
        )
    return pd.DataFrame(rows, columns=["traces_read", "new_categories", "categories_so_far"])
