"""Where evalbook finds its data, in a checkout and in an installed wheel alike."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib import resources
from pathlib import Path

from .errors import EvalbookError, InputError, InputTypeError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None
    import msvcrt


def data_dir() -> Path:
    """The folder holding the shop's data files.

    An installed wheel carries the data inside the package (``evalbook/_data``); an editable install from a
    checkout reads the repository's ``data/`` folder directly.
    """
    packaged = Path(str(resources.files("evalbook"))) / "_data"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "data"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        "evalbook cannot find its data folder. Reinstall it with `make setup` (or `pip install -e .` "
        "from the repository) and run `evalbook doctor`."
    )


def data_file(name: str) -> Path:
    """Path of a file in the data folder, with a clear message if it is missing."""
    path = data_dir() / name
    if not path.exists():
        raise FileNotFoundError(
            f"The data file {name!r} is missing from {data_dir().name}/. "
            "Regenerate the data with `python data/make_data.py` or reinstall evalbook."
        )
    return path


def user_file(path, who: str, example: str) -> Path:
    """A learner's file path as a Path, with a sentence (not a traceback) when it is not a usable file name.

    ``who`` names the function for the message and ``example`` is a file name to suggest, e.g. "my_labels.csv".
    Whether the file must exist is left to the caller.
    """
    if not isinstance(path, (str, Path)) or (isinstance(path, str) and not path.strip()):
        raise InputTypeError(
            f"{who} needs a file name such as {example!r}; got {type(path).__name__} {path!r}."
        )
    path = Path(path)
    if path.is_dir():
        raise InputError(
            f"{who}: {str(path)!r} is a folder, not a file. Give a file name inside it, e.g. {str(path / example)!r}."
        )
    return path


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that the file is either the old one or the new one, never half of each.

    The text goes to a temporary file in the same folder, is flushed to disk, and then replaces ``path`` in one
    step (``os.replace``, atomic on POSIX and Windows).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- one writer at a time, and nothing left behind -------------------------------------------------------------

LOCK_TIMEOUT = 20.0  # seconds a save waits for another save of the same file before saying it is busy


def lock_path(path: Path) -> Path:
    """The lock file of ``path``: a hidden file next to it, there only while a save is under way."""
    return path.parent / f".{path.name}.lock"


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    with suppress(OSError):
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        else:  # pragma: no cover - Windows
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


@contextmanager
def file_lock(path, timeout: float | None = None) -> Iterator[None]:
    """Hold the lock of ``path`` (between processes and between threads) for a read-change-write of it.

    The lock is an operating-system lock on a hidden file next to ``path`` (``flock`` on POSIX, ``msvcrt`` on
    Windows), so it is released when its holder ends, even by a crash: a left-over lock file never blocks anyone.
    The file is removed again on release. Waiting longer than ``timeout`` seconds (:data:`LOCK_TIMEOUT`) raises an
    :class:`~evalbook.errors.EvalbookError` saying the file is busy.
    """
    path = Path(path)
    limit = LOCK_TIMEOUT if timeout is None else timeout
    lock = lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + limit
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        if _try_lock(fd):
            try:  # a holder removes the file as it releases it: make sure ours is still the one in the folder
                current = os.path.samestat(os.fstat(fd), os.stat(lock))
            except OSError:
                current = False
            if current:
                break
            _unlock(fd)
        os.close(fd)
        if time.monotonic() >= deadline:
            raise EvalbookError(
                f"{path.name} is busy: another save of it (from another notebook or labeller) has not finished "
                f"within {limit:g} s. Run the cell again in a moment; if it stays busy, restart the other kernels "
                "that use this file."
            )
        time.sleep(0.005)
    try:
        yield
    finally:
        if fcntl is not None:  # POSIX: remove while still holding it, so no one can lock a removed file
            with suppress(OSError):
                os.unlink(lock)
            _unlock(fd)
            os.close(fd)
        else:  # pragma: no cover - Windows cannot remove an open file; removing fails while others wait on it
            _unlock(fd)
            os.close(fd)
            with suppress(OSError):
                os.unlink(lock)


def _temporary_pattern(path: Path) -> re.Pattern:
    # tempfile.mkstemp(prefix=".NAME.", suffix=".tmp") names: 8 characters of [a-z0-9_] in between
    return re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")


def stale_temporaries(path) -> list[Path]:
    """Temporary files :func:`atomic_write_text` left next to ``path`` when a process ended between writing one
    and moving it into place (a kernel restart, a killed process, a power cut)."""
    path = Path(path)
    pattern = _temporary_pattern(path)
    try:
        names = os.listdir(path.parent)
    except OSError:
        return []
    return [path.parent / name for name in names if pattern.fullmatch(name)]


def remove_stale_temporaries(path) -> int:
    """Remove :func:`stale_temporaries` of ``path``; call it holding :func:`file_lock`, so no save is under way.
    Returns how many were removed."""
    removed = 0
    for temporary in stale_temporaries(path):
        with suppress(OSError):
            temporary.unlink()
            removed += 1
    return removed


def next_damaged_name(path) -> str:
    """The name :func:`keep_damaged_copy` gives the next copy of ``path``: ``NAME.damaged-N``, the first free N."""
    path = Path(path)
    number = 1
    while (path.parent / f"{path.name}.damaged-{number}").exists():
        number += 1
    return f"{path.name}.damaged-{number}"


def keep_damaged_copy(path) -> Path:
    """Copy ``path`` as it is to ``NAME.damaged-N`` before it is rewritten, and return the copy."""
    path = Path(path)
    copy = path.parent / next_damaged_name(path)
    shutil.copyfile(path, copy)
    return copy


# --- what is in a file --------------------------------------------------------------------------------------

LABEL_HEADER = ("trace_id", "labeller", "verdict")


def file_kind(path) -> str:
    """What an existing file holds, judged by its content (not its name): ``"missing"``, ``"empty"``,
    ``"labels"`` (a CSV whose header has trace_id, labeller and verdict), ``"traces"`` (JSON Lines whose first
    record has an answer and a model), ``"conversations"`` (JSON Lines of messages) or ``"other"``."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "other"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "other"
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not first:
        return "empty"
    if first[0] in "[{":
        try:
            record = json.loads(first)
        except ValueError:
            return "other"
        if isinstance(record, dict) and "answer" in record and "model" in record:
            return "traces"
        if isinstance(record, list) or (isinstance(record, dict) and "messages" in record):
            return "conversations"
        return "other"
    cells = {cell.strip().strip('"').strip() for cell in re.split(r"[,;]", first)}
    return "labels" if set(LABEL_HEADER) <= cells else "other"


KIND_NAMES = {
    "labels": "labels (a label CSV)",
    "traces": "traces (a trace file)",
    "conversations": "conversation logs",
    "other": "something else",
}
