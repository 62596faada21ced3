"""One switch for where model answers come from: ``sim`` (default), ``live`` or ``replay``.

- **sim**: the offline simulator, served through the real ``openai`` SDK. Free, deterministic, no key needed.
- **live**: a real OpenAI-compatible API (OpenAI with ``OPENAI_API_KEY``, or any server at ``OPENAI_BASE_URL``
  such as a local Ollama or vLLM). Only ever on when asked for: a key in the environment does not switch it on.
  Every response is cached on disk, so re-running a cell costs nothing, and a per-session request budget stops
  before overspending.
- **replay**: answers from a recording of an earlier live run (``EVALBOOK_REPLAY=recording.jsonl``), so a class can
  work with real model outputs offline.

Whatever the mode, code calls ``evalbook.client().chat.completions.create(...)`` exactly as it would call OpenAI.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import sys
import threading
import time
import warnings
from pathlib import Path

import openai

from . import config
from ._http import httpx
from .errors import (
    ERROR_TYPE_PREFIX,
    LEARNER_MESSAGE_FIELD,
    BudgetExceeded,
    EvalbookError,
    ReplayMiss,
    remember_secret,
    scrub_secrets,
)
from .paths import atomic_write_text

MODES = ("sim", "live", "replay")
SIM_BASE_URL = "http://simulator.evalbook.invalid/v1"  # never resolved: the transport answers in-process

_lock = threading.Lock()
_state: dict = {
    "mode": None,  # None: read EVALBOOK_MODE
    "api_key": None,  # typed at a getpass prompt; kept in memory only
    "base_url": None,
    "record_to": None,
    "recording": None,
    "budget": None,
    "spent": 0,
    "cache_hits": 0,
    "held": {},  # conversation id -> [requests held back for its next steps, when it was last seen]
}
_clients: dict = {}


# ---------------------------------------------------------------------------------------------------------------
# The switch
# ---------------------------------------------------------------------------------------------------------------
def _check_mode(mode: str) -> str:
    value = str(mode).strip().lower()
    if value not in MODES:
        raise EvalbookError(f"Unknown mode {mode!r}. Use one of: {', '.join(MODES)}.")
    return value


def get_mode() -> str:
    """The current mode: set by :func:`set_mode`, else ``EVALBOOK_MODE``, else ``sim``."""
    if _state["mode"]:
        return _state["mode"]
    return _check_mode(os.environ.get("EVALBOOK_MODE", "sim") or "sim")


def set_mode(
    mode: str,
    *,
    base_url: str | None = None,
    budget: int | None = None,
    record_to: str | os.PathLike | None = None,
    recording: str | os.PathLike | None = None,
) -> str:
    """Switch mode for this session and return the description line.

    ``base_url`` points live mode at an OpenAI-compatible server; ``budget`` caps live requests this session;
    ``record_to`` appends every live exchange to a JSONL file a class can replay; ``recording`` is the file replay
    mode reads. The API key is never an argument: it comes from ``OPENAI_API_KEY`` or a hidden prompt.

    A recording or cache folder that cannot be written is an error here, before any request is sent and paid for.
    """
    mode = _check_mode(mode)
    if mode == "live":  # before switching: a recording or cache that cannot be written fails before paying
        _check_outputs(
            config.cache_dir(), Path(record_to) if record_to is not None else _record_path(), again=True
        )
    with _lock:
        _state["mode"] = mode
        if base_url is not None:
            _state["base_url"] = base_url
        if budget is not None:
            set_budget(budget)
        if record_to is not None:
            _state["record_to"] = Path(record_to)
        if recording is not None:
            _state["recording"] = Path(recording)
        _clients.clear()
    if mode == "live":
        _api_key()  # ask now, not in the middle of a batch
    if mode == "replay":
        try:
            _replay_store()  # fail now if the recording is missing
        except EvalbookError as exc:
            with _lock:
                _state["mode"] = "sim"  # not left in a mode where every later call fails
                _clients.clear()
            raise EvalbookError(f"{exc} Back in sim mode for now.") from None
    return describe()


def set_budget(requests: int) -> None:
    """Allow this many live requests in this Python session (cache hits are free)."""
    if not isinstance(requests, int) or isinstance(requests, bool) or requests < 0:
        raise EvalbookError("The live budget is a whole number of requests, e.g. evalbook.set_budget(200).")
    _state["budget"] = requests


def budget_status() -> dict:
    """How many live requests were sent this session, the limit, and how many came from the cache."""
    return {"sent": _state["spent"], "limit": _budget_limit(), "cache_hits": _state["cache_hits"]}


def _budget_limit() -> int:
    return _state["budget"] if _state["budget"] is not None else config.live_budget_default()


def describe(mode: str | None = None) -> str:
    """One line saying where answers come from right now; notebooks print it at the top."""
    mode = mode or get_mode()
    if mode == "sim":
        return (
            "mode: sim (offline simulator: every model answer and every number computed from them is simulated; "
            "no real LLM is called)"
        )
    if mode == "live":
        where = _live_base_url() or "api.openai.com"
        if _state["api_key"] or os.environ.get("OPENAI_API_KEY"):
            key = "set"
        else:
            key = "not needed for a local server" if _live_base_url() else "not set"
        status = budget_status()
        return (
            f"mode: live (real model answers from {where}; key {key}; {status['sent']}/{status['limit']} live "
            f"requests used this session; responses cached)"
        )
    source = _replay_path()
    return (
        f"mode: replay (recorded real model answers from {source.name if source else '(no recording set)'})"
    )


# ---------------------------------------------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------------------------------------------
def _make_client(mode: str, asynchronous: bool, retries: int):
    """The one place an SDK client is built: the same SDK, with the transport that serves the mode."""
    sdk, http = (openai.AsyncOpenAI, httpx.AsyncClient) if asynchronous else (openai.OpenAI, httpx.Client)
    if mode == "sim":
        from .sim.transport import SimTransport  # the simulator loads only when a sim client is first made

        return sdk(
            api_key="sim-no-key-needed",
            base_url=SIM_BASE_URL,
            http_client=http(transport=SimTransport()),
            max_retries=retries,
        )
    if mode == "replay":
        return sdk(
            api_key="replay-no-key-needed",
            base_url=SIM_BASE_URL,
            http_client=http(transport=ReplayTransport(_replay_store(), _replay_path())),
            max_retries=retries,
        )
    base_url = _live_base_url()
    seconds = config.live_timeout()
    # A dead host is known in seconds, not minutes; the answer may take as long as the timeout allows.
    timeout = httpx.Timeout(seconds, connect=min(seconds, 10.0))
    return sdk(
        api_key=_api_key(),
        base_url=base_url,
        http_client=http(transport=LiveTransport(base_url=base_url), timeout=timeout),
        timeout=timeout,
        max_retries=retries,
    )


def client(mode: str | None = None, *, max_retries: int | None = None) -> openai.OpenAI:
    """An ``openai.OpenAI`` client for the current mode (or the one named). Safe to share between threads."""
    mode = _check_mode(mode) if mode else get_mode()
    key = ("sync", mode, max_retries) + ((_live_base_url(), config.live_timeout()) if mode == "live" else ())
    with _lock:
        cached = _clients.get(key)
    if cached is not None:
        return cached
    made = _make_client(mode, False, max_retries if max_retries is not None else (0 if mode != "live" else 2))
    with _lock:
        _clients[key] = made
    return made


def async_client(mode: str | None = None) -> openai.AsyncOpenAI:
    """An ``openai.AsyncOpenAI`` client for the current mode, for learners who prefer ``await``."""
    mode = _check_mode(mode) if mode else get_mode()
    return _make_client(mode, True, 0 if mode != "live" else 2)


def _live_base_url() -> str | None:
    return _state["base_url"] or os.environ.get("OPENAI_BASE_URL") or None


def _can_prompt() -> bool:
    """A hidden prompt is only safe where someone can answer it: a Jupyter kernel or a real terminal.

    Anywhere else (a pipe, CI, a script run by another program) getpass would block, or fall back to reading the
    key from visible input, so evalbook does not ask.
    """
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None and getattr(shell, "kernel", None) is not None:
            return True
    except ImportError:  # pragma: no cover
        pass
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _api_key() -> str:
    """The key from the environment or a hidden prompt; never from a notebook cell, never printed."""
    key = os.environ.get("OPENAI_API_KEY") or _state["api_key"]
    if key:
        remember_secret(key)  # never echoed back in an error text evalbook stores or prints
        return key
    if _live_base_url():
        return "no-key-needed"  # local OpenAI-compatible servers such as Ollama ignore the key
    key = ""
    if _can_prompt():
        try:
            key = getpass.getpass(
                "OpenAI API key (hidden; used for this session only, never saved): "
            ).strip()
        except Exception:  # Jupyter without stdin (e.g. a batch run), or the prompt was interrupted
            key = ""
    if not key:
        _state["mode"] = None
        raise EvalbookError(
            "Live mode needs an API key. Set OPENAI_API_KEY in the environment before starting Jupyter "
            "(or OPENAI_BASE_URL for a local server), or run evalbook.set_mode('live') in a notebook to be "
            "prompted for it. Back in sim mode for now."
        )
    _state["api_key"] = key
    remember_secret(key)
    return key


# ---------------------------------------------------------------------------------------------------------------
# Keys, cache and recordings
# ---------------------------------------------------------------------------------------------------------------
_UNKEYED = ("stream", "stream_options")


def request_key(body: dict, base_url: str | None = None) -> str:
    """A stable hash of a request body (streaming flags left out), optionally tied to a server."""
    canonical = json.dumps(
        {k: v for k, v in body.items() if k not in _UNKEYED}, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(f"{base_url or ''}\n{canonical}".encode()).hexdigest()


def _error(status: int, message: str, code: str) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"message": message, "type": ERROR_TYPE_PREFIX + code, "code": code}}
    )


def _preview(body: dict) -> str:
    users = [m for m in body.get("messages") or [] if isinstance(m, dict) and m.get("role") == "user"]
    from .sim.engine import content_text

    text = content_text(users[-1].get("content")) if users else ""
    return (text[:60] + "...") if len(text) > 60 else text


def _record_path() -> Path | None:
    if _state["record_to"]:
        return Path(_state["record_to"])
    raw = os.environ.get("EVALBOOK_RECORD")
    return Path(raw) if raw else None


_checked_outputs: set = set()


def _check_outputs(cache: Path, record_to: Path | None, *, again: bool = False) -> None:
    """Fail before anything is sent (and paid for) if live answers could not be kept.

    Found out after the request, a cache folder that is a file or a recording in a missing folder means paying
    for every answer and keeping none of them: the batch looks green and the recording is empty. So both are
    checked when live mode is switched on (``again=True``: even if checked before) and before the first request
    that uses them. Nothing is created by the check.
    """
    key = (str(cache), str(record_to))
    if key in _checked_outputs and not again:
        return
    cache = Path(cache)
    existing = next((p for p in (cache, *cache.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        raise EvalbookError(
            f"The live cache folder {cache} cannot be made: {existing} is a file, not a folder. Point "
            "EVALBOOK_CACHE_DIR at a folder (it is created if missing), or move the file away. Nothing was sent."
        )
    if existing is not None and not os.access(existing, os.W_OK | os.X_OK):
        raise EvalbookError(
            f"The live cache folder {cache} cannot be written ({existing} is read-only for you). Point "
            "EVALBOOK_CACHE_DIR at a folder you can write to. Nothing was sent."
        )
    if record_to is not None:
        record_to = Path(record_to)
        if record_to.is_dir():
            raise EvalbookError(
                f"The recording path {record_to} is a folder; give a file inside it, e.g. "
                f"record_to='{record_to / 'recording.jsonl'}'. Nothing was sent."
            )
        folder = record_to.parent
        if not folder.is_dir():
            raise EvalbookError(
                f"The folder {folder} for the recording {record_to.name} does not exist. Create it first, or "
                "record to a file in a folder that exists, e.g. record_to='recording.jsonl'. Nothing was sent."
            )
        target = record_to if record_to.exists() else folder
        if not os.access(target, os.W_OK):
            raise EvalbookError(
                f"The recording {record_to} cannot be written ({target} is read-only for you). Record to a file "
                "you can write to. Nothing was sent."
            )
    _checked_outputs.add(key)


# ---------------------------------------------------------------------------------------------------------------
# The budget: charged only for requests that reach a server, and spent on conversations that can finish
# ---------------------------------------------------------------------------------------------------------------
# Each tool-using conversation in progress holds this many requests back for its next steps (typically a tool call
# and the answer). Under concurrency, a new conversation starts only if the budget still covers that for every
# conversation in progress, itself included: with a budget of 10 and 16 conversations at once, about 3 finish
# instead of 10 openings that none can follow up. A conversation alone (nothing else in progress) may use whatever
# is left, so one bot.run is never refused while the budget lasts; a continuation may use its own hold and what is
# free, never another conversation's hold. A hold ends with the conversation's answer, an error, or
# RESERVATION_TTL seconds without a step (a caller that gave up). Requests that never reached a server (connection
# refused, no connection in time) are refunded; anything that may have reached it (including a read timeout) is
# charged, since the server may have done, and billed, the work.
RESERVED_STEPS = 2
RESERVATION_TTL = 120.0


def _conversation(body: dict) -> tuple[str | None, bool]:
    """(id, opening?) of the tool-using conversation a chat request belongs to; (None, False) for a single call.

    A conversation is known by its messages up to the last user message: the opening request ends there, the
    follow-ups add the assistant's tool calls and the tool results after it. A request without tools cannot lead
    to a follow-up, so it holds nothing back.
    """
    messages = body.get("messages")
    if not isinstance(messages, list) or not (body.get("tools") or body.get("functions")):
        return None, False
    roles = [m.get("role") if isinstance(m, dict) else None for m in messages]
    last_user = max((i for i, r in enumerate(roles) if r in ("user", "system", "developer")), default=-1)
    cid = request_key({"model": body.get("model"), "messages": messages[: last_user + 1]})
    return cid, last_user == len(messages) - 1


def _continues(payload) -> bool:
    """Whether a reply asks for tools, i.e. its conversation will send another request."""
    try:
        choice = payload["choices"][0]
        return (
            bool(choice.get("message", {}).get("tool_calls")) or choice.get("finish_reason") == "tool_calls"
        )
    except (KeyError, IndexError, TypeError, AttributeError):
        return False


def _admit(cid: str | None, opening: bool) -> None:
    """Charge one live request, or raise BudgetExceeded saying why not. Call with ``_lock`` held."""
    held, now = _state["held"], time.monotonic()
    for stale in [k for k, (_, seen) in held.items() if now - seen > RESERVATION_TTL]:
        del held[stale]
    limit, spent = _budget_limit(), _state["spent"]
    if spent >= limit:
        raise BudgetExceeded(
            f"evalbook stopped before sending a live request: this session's budget of {limit} live "
            f"requests is used up (cache hits are free). Nothing was sent. To spend more, call "
            f"evalbook.set_budget({max(2 * limit, 10)}) or set EVALBOOK_LIVE_BUDGET; to go back to the free "
            "simulator, call evalbook.set_mode('sim')."
        )
    others = [n for k, (n, _) in held.items() if k != cid and n]
    needed = 1 + RESERVED_STEPS if opening and cid is not None else 1
    if (opening and cid is not None and sum(others) and limit - spent - sum(others) < needed) or (
        needed == 1 and limit - spent - sum(others) < 1
    ):
        raise BudgetExceeded(
            f"evalbook did not start this live request: of this session's budget of {limit} live requests, "
            f"{spent} are sent and {sum(others)} are held back so that the {len(others)} conversations in "
            "progress can finish. Nothing was sent. Re-run the cell once they are done (finished cases are "
            f"cached), or raise the budget with evalbook.set_budget({max(2 * limit, 10)})."
        )
    if cid is not None:
        if opening:
            held[cid] = [RESERVED_STEPS, now]
        elif cid in held:
            held[cid] = [max(0, held[cid][0] - 1), now]
    _state["spent"] += 1


def _settle(cid: str | None, payload) -> None:
    """After a reply (payload None: an error): keep the conversation's hold only if it asked for tools."""
    if cid is None:
        return
    if payload is not None and _continues(payload):
        if cid in _state["held"]:
            _state["held"][cid][1] = time.monotonic()
    else:
        _state["held"].pop(cid, None)


# The request never left this machine: no server saw it, so it is not charged.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)
# Headers of a server's error reply the SDK's retry logic reads; kept when live mode adds its sentence.
_KEPT_HEADERS = ("retry-after", "retry-after-ms", "x-should-retry", "x-request-id")


class _Exchange:
    """One live request in flight: what was asked (alias and real body), where it is cached, whether it was charged."""

    def __init__(self, alias_body: dict, real_body: dict, path: Path, chat: bool):
        self.alias_body, self.real_body, self.path, self.chat = alias_body, real_body, path, chat
        self.cid, self.opening = _conversation(alias_body)
        self.charged = False


def _keepable(payload, chat: bool) -> bool:
    """Only a reply that reads as a completion is cached or recorded; a malformed one is asked again next time."""
    if not isinstance(payload, dict):
        return False
    if not chat:
        return True
    choices = payload.get("choices")
    return (
        isinstance(choices, list)
        and bool(choices)
        and all(isinstance(c, dict) and isinstance(c.get("message"), dict) for c in choices)
    )


class LiveTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Wraps the real HTTP transport: alias -> real model id, disk cache, budget, optional recording.

    It also turns a server's error reply into one the learner can act on: the reply keeps its status, headers
    the SDK's retries read, and body (secrets scrubbed), and gains a sentence saying what to do.
    """

    def __init__(self, base_url: str | None = None, inner=None, async_inner=None, cache: Path | None = None):
        self.base_url = base_url
        self.inner = inner or httpx.HTTPTransport()
        self.async_inner = async_inner or httpx.AsyncHTTPTransport()
        self.cache = cache or config.cache_dir()

    def _prepare(self, request: httpx.Request, raw: bytes):
        """Returns (short-circuit response or None, the request to send, the exchange or None)."""
        if request.method != "POST":
            return None, request, None
        try:
            alias_body = json.loads(raw or b"{}")
        except ValueError:
            return None, request, None
        if not isinstance(alias_body, dict):
            return None, request, None
        _check_outputs(self.cache, _record_path())
        real_body = dict(alias_body)
        if isinstance(real_body.get("model"), str):
            real_body["model"] = config.live_model_for(real_body["model"])
        path = self.cache / f"{request_key(real_body, self.base_url)}.json"
        ex = _Exchange(alias_body, real_body, path, request.url.path.endswith("/chat/completions"))
        if not real_body.get("stream") and path.exists():
            try:
                cached = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                path.unlink(missing_ok=True)  # a damaged cache entry is simply fetched again
            else:
                kept = {}
                if (
                    isinstance(cached, dict) and "evalbook_cache" in cached
                ):  # payload and the headers worth keeping
                    cached, kept = cached.get("response"), dict(cached.get("headers") or {})
                with _lock:
                    _state["cache_hits"] += 1
                    _settle(ex.cid, cached)
                self._record(ex, cached)  # a recording holds what was served, cached or not
                return (
                    httpx.Response(200, json=cached, headers={**kept, "x-evalbook-cache": "hit"}),
                    request,
                    ex,
                )
        with _lock:
            _admit(ex.cid, ex.opening)
        ex.charged = True
        headers = [(k, v) for k, v in request.headers.raw if k.lower() not in (b"content-length",)]
        rewritten = httpx.Request(
            request.method,
            request.url,
            headers=headers,
            content=json.dumps(real_body).encode(),
            extensions=request.extensions,  # where httpx keeps the timeout: without it a call waits for ever
        )
        return None, rewritten, ex

    def _failed(self, ex: _Exchange | None, exc: BaseException) -> None:
        if ex is None or not ex.charged:
            return
        with _lock:
            if isinstance(exc, _NEVER_SENT):
                _state["spent"] = max(0, _state["spent"] - 1)
            _settle(ex.cid, None)

    def _after(
        self, request: httpx.Request, response: httpx.Response, ex: _Exchange | None
    ) -> httpx.Response:
        if ex is None:
            return response
        if response.status_code != 200:
            with _lock:
                _settle(ex.cid, None)
            return self._explain(request, response, ex)
        try:
            payload = response.json()
        except ValueError:
            payload = None
        with _lock:
            _settle(ex.cid, payload)
        if ex.real_body.get("stream") or not _keepable(payload, ex.chat):
            return response
        try:
            # A server's simulated latency (evalbook serve sends it) is part of the answer: keep it with the cache.
            kept = {k: v for k, v in response.headers.items() if k.lower() == "x-evalbook-latency-ms"}
            atomic_write_text(
                ex.path, json.dumps({"evalbook_cache": 1, "response": payload, "headers": kept})
            )
        except OSError as exc:
            warnings.warn(
                f"evalbook could not cache a live answer in {self.cache} ({exc.strerror or exc}); the answer is "
                "used, but a re-run will ask (and pay) for it again.",
                stacklevel=2,
            )
        self._record(ex, payload)
        return response

    def _record(self, ex: _Exchange, payload: dict) -> None:
        record_to = _record_path()
        if record_to is None or ex.real_body.get("stream") or not _keepable(payload, ex.chat):
            return
        line = {
            "key": request_key(ex.alias_body),
            "model": ex.alias_body.get("model"),
            "served_model": ex.real_body.get("model"),
            "request": ex.alias_body,
            "response": payload,
        }
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            with _lock, open(record_to, "a+b") as fh:
                fh.seek(0, os.SEEK_END)
                if fh.tell():
                    fh.seek(-1, os.SEEK_END)
                    if fh.read(1) != b"\n":  # a line cut by an interrupted run: start on a fresh one
                        data = b"\n" + data
                fh.write(data)
        except OSError as exc:
            raise EvalbookError(
                f"The answer arrived (and is cached, so a re-run costs nothing) but could not be added to the "
                f"recording {record_to} ({exc.strerror or exc}). Fix the path and re-run the cell so that the "
                "recording is complete."
            ) from None

    def _explain(self, request: httpx.Request, response: httpx.Response, ex: _Exchange) -> httpx.Response:
        """The server's error reply with its secrets scrubbed and a sentence for the learner added."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            error = dict(body["error"])
        elif isinstance(body, dict) and isinstance(body.get("error"), str):  # Ollama: {"error": "..."}
            error = {"message": body["error"]}
        elif isinstance(body, dict):
            error = dict(body)  # e.g. {"detail": ...} from a FastAPI-based server
        else:
            error = {"message": " ".join(response.text.split())[:300], "type": "upstream_error"}
        error = {k: scrub_secrets(v) if isinstance(v, str) else v for k, v in error.items()}
        said = str(error.get("message") or error.get("detail") or "").strip()
        error[LEARNER_MESSAGE_FIELD] = self._sentence(request, response.status_code, said[:300], ex)
        out = (
            {k: v for k, v in body.items() if k != "error"}
            if isinstance(body, dict) and "error" in body
            else {}
        )
        out["error"] = error
        headers = {k: v for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS}
        return httpx.Response(response.status_code, json=out, headers=headers)

    def _sentence(self, request: httpx.Request, status: int, said: str, ex: _Exchange) -> str:
        where = self.base_url or "https://api.openai.com/v1"
        server_said = f" The server said: {said}" if said else ""
        rerun = "re-run the cell: finished cases are cached, so only the ones that failed are asked again"
        alias, real = ex.alias_body.get("model"), ex.real_body.get("model")
        if status == 401:
            return (
                f"The server at {where} rejected the API key (401). Check OPENAI_API_KEY (for a local server, the "
                f"key it expects), then call evalbook.set_mode('live') again.{server_said}"
            )
        if status == 403:
            return (
                f"The server at {where} refused the request (403): the key may not have access to the model "
                f"{real!r}, or the account needs attention.{server_said}"
            )
        if status == 404 and real:
            if alias != real:
                how = (
                    f", which live mode sends for the course alias {alias!r}. Point the alias at a model the "
                    f"server has: EVALBOOK_LIVE_MODELS='{alias}=<model id>' or "
                    f"evalbook.config.set_live_model('{alias}', '<model id>')"
                )
            else:
                how = (
                    ". Use a model the server has, or map a course alias to one with "
                    "EVALBOOK_LIVE_MODELS='beacon-1=<model id>'"
                )
            return (
                f"The server at {where} has no model {real!r} (404){how}; client.models.list() shows what it "
                f"serves. If every model gives this, check that the base URL ends in /v1.{server_said}"
            )
        if status == 404:
            return (
                f"The server at {where} has nothing at {request.url.path} (404): check that the base URL ends in "
                f"/v1.{server_said}"
            )
        if status == 429:
            return (
                f"The server at {where} is limiting requests (429: too many at once, or out of quota). Wait a "
                f"minute and {rerun}; lower concurrency= if it keeps happening, and check your plan if it says "
                f"quota.{server_said}"
            )
        if status >= 500:
            return (
                f"The server at {where} failed ({status}). This is usually temporary: {rerun}.{server_said}"
            )
        return f"The server at {where} rejected the request ({status}).{server_said}"

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        short, req, ex = self._prepare(request, request.read())
        if short is not None:
            return short
        try:
            response = self.inner.handle_request(req)
            response.read()
        except BaseException as exc:
            self._failed(ex, exc)
            raise
        return self._after(req, response, ex)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        short, req, ex = self._prepare(request, await request.aread())
        if short is not None:
            return short
        try:
            response = await self.async_inner.handle_async_request(req)
            await response.aread()
        except BaseException as exc:
            self._failed(ex, exc)
            raise
        return self._after(req, response, ex)


def _replay_path() -> Path | None:
    if _state["recording"]:
        return Path(_state["recording"])
    raw = os.environ.get("EVALBOOK_REPLAY")
    return Path(raw) if raw else None


_replay_cache: dict = {}


def _replay_store() -> dict[str, dict]:
    path = _replay_path()
    if path is None:
        raise EvalbookError(
            "Replay mode needs a recording: set EVALBOOK_REPLAY=path/to/recording.jsonl or call "
            "evalbook.set_mode('replay', recording='path/to/recording.jsonl')."
        )
    if not path.exists():
        raise EvalbookError(
            f"The recording {path} does not exist. Check the path, or record one in live mode with "
            "evalbook.set_mode('live', record_to='recording.jsonl')."
        )
    if path.is_dir():
        raise EvalbookError(f"The recording {path} is a folder; give the .jsonl file inside it.")
    stamp = (str(path.resolve()), path.stat().st_mtime_ns)
    if stamp not in _replay_cache:
        store, bad = {}, []
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise EvalbookError(
                f"The recording {path.name} is not a UTF-8 text file; recordings are written by live mode with "
                "record_to=..."
            ) from None
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                store[item["key"]] = item["response"]
            except (ValueError, KeyError, TypeError):
                bad.append(number)
        if bad and not store:
            raise EvalbookError(
                f"Line {bad[0]} of the recording {path.name} is not a recorded exchange, and no line is. "
                "Recordings are written by live mode with record_to=...; do not edit them by hand."
            )
        if bad:  # a run interrupted mid-write cuts its last line: keep what is intact, say what was not
            lines = ", ".join(map(str, bad[:5])) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
            warnings.warn(
                f"Line{'s' if len(bad) > 1 else ''} {lines} of the recording {path.name} "
                f"{'are' if len(bad) > 1 else 'is'} not a recorded exchange (cut short when a run was "
                f"interrupted?) and {'were' if len(bad) > 1 else 'was'} skipped; the {len(store)} other exchanges "
                "replay as usual.",
                stacklevel=2,
            )
        _replay_cache.clear()
        _replay_cache[stamp] = store
    return _replay_cache[stamp]


class ReplayTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers from a recording; a request that was not recorded raises :class:`ReplayMiss` naming it.

    The exception passes through the SDK unchanged (it is not an HTTP error), so ``except evalbook.ReplayMiss``
    catches it and the tool loop records its sentence.
    """

    def __init__(self, store: dict[str, dict], path: Path | None):
        self.store, self.path = store, path

    def _answer(self, request: httpx.Request, raw: bytes) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith("/models"):
            models = sorted({r.get("model") for r in self.store.values() if isinstance(r, dict)} - {None})
            return httpx.Response(
                200, json={"object": "list", "data": [{"id": m, "object": "model"} for m in models]}
            )
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            return _error(400, "The request body is not valid JSON.", "invalid_request")
        key = request_key(body)
        if key in self.store:
            if body.get("stream"):
                from .sim.transport import sse_response

                return sse_response(self.store[key], body)
            return httpx.Response(200, json=self.store[key], headers={"x-evalbook-replay": "hit"})
        name = self.path.name if self.path else "(none)"
        raise ReplayMiss(
            f"This request is not in the recording {name} ({len(self.store)} recorded requests): model "
            f"{body.get('model')!r}, last user message {_preview(body)!r}, request key {key[:12]}. Replay only answers "
            "requests exactly as they were recorded: run the cell unchanged, ask for a recording that includes it, "
            "or switch to the simulator with evalbook.set_mode('sim')."
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._answer(request, request.read())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self._answer(request, await request.aread())


def _reset_for_tests() -> None:
    """Forget mode, key, budget and clients (used by the test suite)."""
    with _lock:
        _state.update(
            mode=None,
            api_key=None,
            base_url=None,
            record_to=None,
            recording=None,
            budget=None,
            spent=0,
            cache_hits=0,
            held={},
        )
        _clients.clear()
        _replay_cache.clear()
        _checked_outputs.clear()
