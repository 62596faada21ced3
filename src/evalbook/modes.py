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
from pathlib import Path

import openai

from . import config
from ._http import httpx
from .errors import ERROR_TYPE_PREFIX, EvalbookError
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
    """
    mode = _check_mode(mode)
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
    return sdk(
        api_key=_api_key(),
        base_url=base_url,
        http_client=http(transport=LiveTransport(base_url=base_url), timeout=120),
        max_retries=retries,
    )


def client(mode: str | None = None, *, max_retries: int | None = None) -> openai.OpenAI:
    """An ``openai.OpenAI`` client for the current mode (or the one named). Safe to share between threads."""
    mode = _check_mode(mode) if mode else get_mode()
    key = ("sync", mode, max_retries, _live_base_url() if mode == "live" else None)
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


class LiveTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Wraps the real HTTP transport: alias -> real model id, disk cache, budget, optional recording."""

    def __init__(self, base_url: str | None = None, inner=None, async_inner=None, cache: Path | None = None):
        self.base_url = base_url
        self.inner = inner or httpx.HTTPTransport()
        self.async_inner = async_inner or httpx.AsyncHTTPTransport()
        self.cache = cache or config.cache_dir()

    def _prepare(self, request: httpx.Request, raw: bytes):
        """Returns (short-circuit response or None, rewritten request, alias body, real body, cache path)."""
        if request.method != "POST":
            return None, request, None, None, None
        try:
            alias_body = json.loads(raw or b"{}")
        except ValueError:
            return None, request, None, None, None
        if not isinstance(alias_body, dict):
            return None, request, None, None, None
        real_body = dict(alias_body)
        if isinstance(real_body.get("model"), str):
            real_body["model"] = config.live_model_for(real_body["model"])
        path = self.cache / f"{request_key(real_body, self.base_url)}.json"
        if not real_body.get("stream") and path.exists():
            try:
                cached = json.loads(path.read_text(encoding="utf-8"))
                with _lock:
                    _state["cache_hits"] += 1
                return (
                    httpx.Response(200, json=cached, headers={"x-evalbook-cache": "hit"}),
                    request,
                    alias_body,
                    real_body,
                    path,
                )
            except ValueError:
                path.unlink(missing_ok=True)  # a damaged cache entry is simply fetched again
        with _lock:
            limit = _budget_limit()
            if _state["spent"] >= limit:
                message = (
                    f"evalbook stopped before sending a live request: this session's budget of {limit} live "
                    f"requests is used up (cache hits are free). Nothing was sent. To spend more, call "
                    f"evalbook.set_budget({max(2 * limit, 10)}) or set EVALBOOK_LIVE_BUDGET; to go back to the free "
                    "simulator, call evalbook.set_mode('sim')."
                )
                return _error(403, message, "budget_exceeded"), request, alias_body, real_body, path
            _state["spent"] += 1
        headers = [(k, v) for k, v in request.headers.raw if k.lower() not in (b"content-length",)]
        rewritten = httpx.Request(
            request.method, request.url, headers=headers, content=json.dumps(real_body).encode()
        )
        return None, rewritten, alias_body, real_body, path

    def _remember(self, response: httpx.Response, alias_body, real_body, path: Path | None) -> None:
        if path is None or response.status_code != 200 or (real_body or {}).get("stream"):
            return
        try:
            payload = response.json()
        except ValueError:
            return
        atomic_write_text(path, json.dumps(payload))
        record_to = _state["record_to"] or (
            Path(os.environ["EVALBOOK_RECORD"]) if os.environ.get("EVALBOOK_RECORD") else None
        )
        if record_to is not None:
            line = {
                "key": request_key(alias_body),
                "model": alias_body.get("model"),
                "served_model": real_body.get("model"),
                "request": alias_body,
                "response": payload,
            }
            with _lock, open(record_to, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(line, ensure_ascii=False) + "\n")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        short, req, alias_body, real_body, path = self._prepare(request, request.read())
        if short is not None:
            return short
        response = self.inner.handle_request(req)
        response.read()
        self._remember(response, alias_body, real_body, path)
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        short, req, alias_body, real_body, path = self._prepare(request, await request.aread())
        if short is not None:
            return short
        response = await self.async_inner.handle_async_request(req)
        await response.aread()
        self._remember(response, alias_body, real_body, path)
        return response


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
        store = {}
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
                raise EvalbookError(
                    f"Line {number} of the recording {path.name} is not a recorded exchange. "
                    "Recordings are written by live mode with record_to=...; do not edit them by hand."
                ) from None
        _replay_cache.clear()
        _replay_cache[stamp] = store
    return _replay_cache[stamp]


class ReplayTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers from a recording; a request that was not recorded gets a clear 404 naming it."""

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
        return _error(
            404,
            f"This request is not in the recording {name} ({len(self.store)} recorded requests): model "
            f"{body.get('model')!r}, last user message {_preview(body)!r}, request key {key[:12]}. Replay only answers "
            "requests exactly as they were recorded: run the cell unchanged, ask for a recording that includes it, "
            "or switch to the simulator with evalbook.set_mode('sim').",
            "replay_miss",
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
        )
        _clients.clear()
        _replay_cache.clear()
