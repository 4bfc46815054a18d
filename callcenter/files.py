"""Files readable by the service alone.

The data directory holds seat passwords and customer data (the SQLite database), recordings, voicemail and
prompts. The service runs with a umask of ``077`` by default (``paths.umask``): every file it creates is
``-rw-------`` and every directory ``drwx------``, and so is everything the managed Asterisk writes (recordings,
voicemail, logs), because a child process inherits the umask. At start the existing tree is fixed too (a data
directory from before this rule, or copied in with a loose umask): the umask's bits are taken off every file and
directory in it. Symbolic links are not followed (the runtime tree links to Asterisk's system modules and sounds,
which are not ours to change).
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
_umask = PRIVATE_UMASK


def apply_umask(umask: int = PRIVATE_UMASK) -> None:
    """Set the process umask (inherited by Asterisk and every other child). Process-wide, so call it once at
    start, before anything is created."""
    global _umask
    _umask = umask
    os.umask(umask)


def file_mode() -> int:
    return 0o666 & ~_umask


def dir_mode() -> int:
    return 0o777 & ~_umask


def _tighten(path: Path, st: os.stat_result) -> bool:
    mode = stat.S_IMODE(st.st_mode)
    if not mode & _umask:
        return False
    try:
        os.chmod(path, mode & ~_umask)
    except PermissionError:  # not ours (e.g. a root-owned file someone left): say so, do not stop the service
        log.warning("cannot restrict the permissions of %s (owner uid %s)", path, st.st_uid)
        return False
    return True


def private_file(path: Path) -> None:
    """Take the umask's bits off ``path`` if it exists (not following a symlink)."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    if not stat.S_ISLNK(st.st_mode):
        _tighten(path, st)


def private_dir(path: Path) -> Path:
    """Create ``path`` if needed, and each missing parent, all with the private mode (whatever the process umask);
    ``path`` itself is made private if it existed. Existing parents are left as they are."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir(mode=dir_mode())
        except FileExistsError:  # made meanwhile by someone else
            pass
        private_file(d)
    private_file(path)
    return path


def secure_tree(root: Path) -> int:
    """Create ``root`` private and take the umask's bits off everything under it; returns how many entries were
    changed (logged, so an operator sees that a too-open tree was found)."""
    root.mkdir(parents=True, exist_ok=True, mode=dir_mode())
    changed = int(_tighten(root, root.lstat()))
    for dirpath, dirnames, filenames in os.walk(root):  # os.walk does not descend into symlinked directories
        for name in (*dirnames, *filenames):
            p = Path(dirpath) / name
            try:
                st = p.lstat()
            except FileNotFoundError:  # removed meanwhile (a temp file of the running Asterisk)
                continue
            if not stat.S_ISLNK(st.st_mode):
                changed += _tighten(p, st)
    if changed:
        log.warning("restricted the permissions of %d file(s)/folder(s) under %s to the service's user alone",
                    changed, root)
    return changed


async def store_upload(folder: Path, data: bytes, record: Callable[[], Awaitable[T]],
                       path_of: Callable[[T], Path]) -> T:
    """An upload kept unchanged and private: ``data`` written to a new private file in ``folder`` (made private if
    needed), then ``record()`` stores what describes it and the file is moved to ``path_of(<the record>)``; if the
    record cannot be stored, or anything fails, the file is gone (never a file without its record)."""
    tmp = folder / f".upload-{uuid.uuid4().hex}"
    await asyncio.to_thread(_write_new, folder, tmp, data)
    try:
        row = await record()
        os.replace(tmp, path_of(row))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return row


def _write_new(folder: Path, tmp: Path, data: bytes) -> None:
    private_dir(folder)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file_mode())
    with os.fdopen(fd, "wb") as out:
        out.write(data)
