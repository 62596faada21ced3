"""Acme's traces: the generic :class:`~evalbook.trace.Trace` with the shop's vocabulary on screen.

The toolkit's Trace keeps product facts in two mappings. Acme puts its knowledge-base version in ``metadata``
and what a conversation changed in the shop's records in ``outcome`` (``refunds`` and ``escalations``). This
subclass only reads them back under the names the lessons use and renders them the way a support team talks
("customer", "end state: 1 refund(s) issued").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...trace import Trace


@dataclass(kw_only=True)
class AcmeTrace(Trace, kind="acme"):
    """One conversation with Acme Assist."""

    user_label: ClassVar[str] = "customer"
    outcome_label: ClassVar[str] = "end state"

    def __post_init__(self) -> None:
        self.outcome.setdefault("refunds", [])
        self.outcome.setdefault("escalations", [])

    @property
    def kb_version(self) -> str:
        """The help-centre version the assistant ran with (``metadata["kb_version"]``)."""
        return kb_version(self)

    @property
    def end_state(self) -> dict:
        """What the conversation changed in the shop's records: the ``outcome`` mapping."""
        return self.outcome

    @property
    def refunds_issued(self) -> list[dict]:
        """Refunds that really happened in the shop's records during this conversation."""
        return refunds_issued(self)

    @property
    def escalated(self) -> bool:
        return escalated(self)

    def context_items(self) -> list[tuple[str, str]]:
        return [("KB", self.kb_version)]

    def outcome_text(self, detail: bool = False) -> str:
        refunds = self.refunds_issued
        escalations = len(self.outcome.get("escalations") or [])
        money = ""
        if detail and refunds:
            money = (
                " ("
                + ", ".join(f"${r.get('amount', 0):.2f} on {r.get('order_id', '?')}" for r in refunds)
                + ")"
            )
        return f"{len(refunds)} refund(s) issued{money}, {escalations} escalation(s)"

    def row_context(self) -> dict:
        return {"kb_version": self.kb_version}

    def row_outcome(self) -> dict:
        return {"refunds_issued": len(self.refunds_issued), "escalated": self.escalated}


# The same readings for any Trace (a generic one loaded from a file, say): Acme's checks use these.
def kb_version(trace: Trace) -> str:
    """The KB version an Acme conversation ran with, from ``trace.metadata``."""
    return str((trace.metadata or {}).get("kb_version", ""))


def refunds_issued(trace: Trace) -> list[dict]:
    """The refunds the shop's records show for this conversation, from ``trace.outcome``."""
    return list((trace.outcome or {}).get("refunds") or [])


def escalated(trace: Trace) -> bool:
    """Did the conversation open an escalation, per ``trace.outcome``?"""
    return bool((trace.outcome or {}).get("escalations"))


def acme_trace(*, kb_version: str = "v2", end_state: dict | None = None, **fields) -> AcmeTrace:
    """An AcmeTrace built with the shop's names (``kb_version=``, ``end_state=``), e.g. for a hand-written case."""
    return AcmeTrace(metadata={"kb_version": kb_version}, outcome=dict(end_state or {}), **fields)
