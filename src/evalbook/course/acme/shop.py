"""Acme, the fictional online shop the course evaluates: its facts, knowledge base, orders and tickets.

The shop's *records* (orders, refunds, escalations) are the ground truth a product evaluation checks the assistant
against. Each conversation gets a fresh :class:`ShopState`, so what one conversation did (a refund issued, a case
escalated) can be read off its end state and never leaks into the next one.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from ..._values import is_whole_number
from ...errors import InputError, InputTypeError
from ...paths import data_dir, data_file

KB_VERSIONS = ("v1", "v2")
CURRENT_KB = "v2"


# ---------------------------------------------------------------------------------------------------------------
# Facts and knowledge base
# ---------------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _facts_file() -> dict:
    return json.loads(data_file("facts.json").read_text(encoding="utf-8"))


def check_kb_version(kb_version: str) -> str:
    if kb_version not in KB_VERSIONS:
        raise InputError(
            f"Unknown knowledge-base version {kb_version!r}. Use one of {', '.join(KB_VERSIONS)} "
            f"({CURRENT_KB} is the current one)."
        )
    return kb_version


def facts(kb_version: str = CURRENT_KB) -> dict:
    """Every policy fact as it stands in one knowledge-base version, e.g. ``facts('v1')['support_hours']``."""
    check_kb_version(kb_version)
    return {name: spec[kb_version] for name, spec in _facts_file()["facts"].items()}


def facts_table() -> pd.DataFrame:
    """All facts side by side for both KB versions, with a ``changed`` column."""
    rows = [
        {"fact": name, **{v: spec[v] for v in KB_VERSIONS}, "what": spec["what"]}
        for name, spec in _facts_file()["facts"].items()
    ]
    table = pd.DataFrame(rows).set_index("fact")
    table.insert(2, "changed", table["v1"].astype(str) != table["v2"].astype(str))
    return table


def shop_info() -> dict:
    """The shop's name, the fixed date its data is seen from (``today``) and other constants."""
    return dict(_facts_file()["shop"])


def today() -> dt.date:
    return dt.date.fromisoformat(shop_info()["today"])


@lru_cache(maxsize=4)
def _kb_articles(kb_version: str) -> tuple[dict, ...]:
    folder = data_dir() / "kb" / kb_version
    articles = []
    for path in sorted(folder.glob("*.md")):
        lines = path.read_text(encoding="utf-8").strip().splitlines()
        title = lines[0].lstrip("# ").strip()
        text = " ".join(line.strip() for line in lines[1:] if line.strip())
        articles.append({"doc_id": path.stem, "title": title, "text": text, "kb_version": kb_version})
    if not articles:
        raise InputError(f"The knowledge base {kb_version} has no articles in data/kb/{kb_version}/.")
    return tuple(articles)


def kb_articles(kb_version: str = CURRENT_KB) -> list[dict]:
    """The knowledge-base articles of one version: ``doc_id``, ``title``, ``text``, ``kb_version``."""
    return [dict(a) for a in _kb_articles(check_kb_version(kb_version))]


def load_kb(kb_version: str | None = None) -> pd.DataFrame:
    """Both KB versions (or one) as a table."""
    versions = KB_VERSIONS if kb_version is None else (check_kb_version(kb_version),)
    return pd.DataFrame([a for v in versions for a in _kb_articles(v)])


_WORD = re.compile(r"[a-z0-9$]+(?:[-/'][a-z0-9]+)*")
_STOP = frozenset(
    "a an the and or of to in on for is are be i my me you your we our it this that can do does what when how "
    "with at from as by if any there please hi hello thanks thank once already just also i've i'm".split()
)


@lru_cache(maxsize=1)
def _stemmer():
    from nltk.stem import PorterStemmer  # pure Python: needs no downloaded data

    return PorterStemmer()


@lru_cache(maxsize=20000)
def _stem(word: str) -> str:
    return _stemmer().stem(word)


def terms(text: str) -> list[str]:
    """Content words, stemmed, so that "returns", "returning" and "return" match."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


@lru_cache(maxsize=4)
def _kb_index(kb_version: str):
    from sklearn.feature_extraction.text import TfidfVectorizer

    articles = _kb_articles(kb_version)
    vectorizer = TfidfVectorizer(analyzer=terms)
    matrix = vectorizer.fit_transform([f"{a['title']} {a['title']} {a['text']}" for a in articles])
    return vectorizer, matrix


def search_kb(query: str, kb_version: str = CURRENT_KB, k: int = 2) -> list[dict]:
    """TF-IDF retrieval over one KB version: the ``k`` best articles with a ``score`` (cosine similarity).

    TF-IDF keeps retrieval deterministic, fast and explainable; a real product would more likely use embeddings,
    but retrieval quality is not what these lessons are about.
    """
    if not is_whole_number(k) or k < 1:
        raise InputError(
            f"k is how many articles to return, a whole number of at least 1 (e.g. k=2); got {k!r}."
        )
    if not isinstance(query, str) or not query.strip():
        return []
    vectorizer, matrix = _kb_index(check_kb_version(kb_version))
    scores = (matrix @ vectorizer.transform([query]).T).toarray().ravel()
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:k]
    articles = _kb_articles(kb_version)
    return [dict(articles[i], score=round(float(scores[i]), 4)) for i in order if scores[i] > 0]


# ---------------------------------------------------------------------------------------------------------------
# Orders and tickets
# ---------------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _orders() -> pd.DataFrame:
    return pd.read_csv(data_file("orders.csv"), dtype=str, keep_default_na=False)


def load_orders() -> pd.DataFrame:
    """The shop's ~200 orders (amounts as numbers, dates as ISO strings)."""
    df = _orders().copy()
    for col in ("amount", "refunded_amount"):
        df[col] = df[col].astype(float)
    df["quantity"] = df["quantity"].astype(int)
    return df


def load_tickets() -> pd.DataFrame:
    """The ~300 customer messages with their labels (persona, scenario, intent, expected tools, ...).

    Only ``message`` is ever shown to the assistant; the other columns are labels for evaluating it.
    """
    df = pd.read_csv(data_file("tickets.csv"), dtype=str, keep_default_na=False)
    df["should_escalate"] = df["should_escalate"].map({"True": True, "False": False})
    df["contact_count"] = df["contact_count"].astype(int)
    return df


class _SharedOrder(dict):
    """An order as every conversation sees it until a tool changes it. It refuses changes in place, so that no
    conversation can alter the others' shop by mistake; its copies (``dict(order)``, ``copy.deepcopy``) are plain
    dicts, free to change."""

    def _refuse(self, *args, **kwargs):
        raise InputTypeError(
            "This order record is shared by every conversation, so it cannot be changed in place. Change a copy "
            "instead, e.g. state.orders[order_id] = dict(order, status='delivered')."
        )

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse

    def __copy__(self) -> dict:
        return dict(self)

    def __deepcopy__(self, memo) -> dict:
        return dict(self)  # the values are strings and numbers

    def __reduce__(self):
        return dict, (dict(self),)


@lru_cache(maxsize=1)
def _order_records() -> dict[str, _SharedOrder]:
    """Every order, built once: conversations share these records and copy only the orders they change."""
    return {row["order_id"]: _SharedOrder(row) for row in load_orders().to_dict("records")}


ORDER_ID = re.compile(r"\bA-?(\d{4})\b", re.IGNORECASE)


def find_order_id(text: str) -> str | None:
    """The first order number in a message (``A-1234``, also written ``a1234``), normalised."""
    match = ORDER_ID.search(text or "")
    return f"A-{match.group(1)}" if match else None


# ---------------------------------------------------------------------------------------------------------------
# The state one conversation acts on, and the tools' effects on it
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class ShopState:
    """One conversation's view of the shop's records, plus everything the tools did to it.

    Copying all ~200 orders for every conversation was half the cost of a bot run, so :meth:`fresh` shares the
    read-only records and a tool that changes an order (a refund) first replaces it with a copy of its own. What
    one conversation did therefore never shows in another, and the shared records never change.
    """

    orders: dict[str, dict]
    kb_version: str = CURRENT_KB
    refunds: list[dict] = field(default_factory=list)
    escalations: list[dict] = field(default_factory=list)

    @classmethod
    def fresh(cls, kb_version: str = CURRENT_KB) -> ShopState:
        return cls(orders=dict(_order_records()), kb_version=check_kb_version(kb_version))

    def end_state(self) -> dict:
        """What the conversation changed in the shop's records: refunds issued and escalations opened."""
        return {"refunds": list(self.refunds), "escalations": list(self.escalations)}

    # -- tools ---------------------------------------------------------------------------------------------------
    def lookup_order(self, order_id: str) -> dict:
        order_id = find_order_id(str(order_id)) or str(order_id)
        order = self.orders.get(order_id)
        if order is None:
            return {"error": f"No order {order_id} found. Order numbers look like A-1234."}
        policy = facts(CURRENT_KB)  # the back office always applies the current policy
        result = {
            k: order[k]
            for k in (
                "order_id",
                "item",
                "quantity",
                "amount",
                "status",
                "order_date",
                "shipped_date",
                "delivered_date",
                "carrier",
                "tracking_number",
                "refunded_amount",
                "refund_date",
            )
        }
        eligible, note = self._refund_eligibility(order, policy)
        result["refund_eligible"] = eligible
        result["requires_human_approval"] = eligible and order["amount"] > policy["auto_refund_limit"]
        result["refund_note"] = note
        return result

    def _refund_eligibility(self, order: dict, policy: dict) -> tuple[bool, str]:
        window, limit = policy["refund_window_days"], policy["auto_refund_limit"]
        if order["refunded_amount"] > 0:
            return False, f"Already refunded ${order['refunded_amount']:.2f} on {order['refund_date']}."
        if order["status"] != "delivered":
            return False, "Not delivered yet; it can be refunded once delivered (or cancelled by an agent)."
        age = (today() - dt.date.fromisoformat(order["delivered_date"])).days
        if age > window:
            return False, f"Delivered {age} days ago, outside the {window}-day refund window."
        if order["amount"] > limit:
            return True, (
                f"Delivered {age} days ago, within the {window}-day window, but ${order['amount']:.2f} is above "
                f"the ${limit} automatic refund limit: a human agent must approve it."
            )
        return True, f"Delivered {age} days ago, within the {window}-day window and under the ${limit} limit."

    def issue_refund(self, order_id: str, amount: float | None = None, reason: str = "") -> dict:
        order_id = find_order_id(str(order_id)) or str(order_id)
        order = self.orders.get(order_id)
        if order is None:
            return {"status": "rejected", "error": f"No order {order_id} found."}
        policy = facts(CURRENT_KB)
        eligible, note = self._refund_eligibility(order, policy)
        try:
            amount = order["amount"] if amount is None else round(float(amount), 2)
        except (TypeError, ValueError):
            return {"status": "rejected", "error": f"Amount {amount!r} is not a number."}
        if not eligible:
            return {"status": "rejected", "error": note}
        if amount <= 0 or amount > order["amount"]:
            return {
                "status": "rejected",
                "error": f"Amount must be between 0 and the order total ${order['amount']:.2f}.",
            }
        if amount > policy["auto_refund_limit"]:
            return {
                "status": "rejected",
                "error": f"${amount:.2f} is above the ${policy['auto_refund_limit']} automatic limit; "
                "escalate to a human agent for approval.",
            }
        order = self.orders[order_id] = dict(order)  # copy on write: the shared record stays as it was
        order["refunded_amount"] = amount
        order["refund_date"] = today().isoformat()
        refund = {
            "refund_id": f"R-{order_id[2:]}-{len(self.refunds) + 1}",
            "order_id": order_id,
            "amount": amount,
        }
        self.refunds.append(dict(refund, reason=reason))
        return dict(refund, status="refunded", arrives_in=policy["refund_processing_days"])

    def escalate_to_human(self, reason: str = "", order_id: str | None = None) -> dict:
        policy = facts(CURRENT_KB)
        case = {"case_id": f"H-{len(self.escalations) + 1:03d}", "order_id": order_id or "", "reason": reason}
        self.escalations.append(case)
        return dict(case, status="escalated", agent_reply=policy["escalation_response"])

    def search_kb(self, query: str) -> dict:
        return {"results": search_kb(query, self.kb_version)}
