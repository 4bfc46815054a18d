"""Files readable by the service alone: the start makes an existing too-open data tree private (files lose their
group/other bits, folders too; symlinks to system files are not followed) and sets the process umask, so what is
created next is private too; the SQLite database and its -wal/-shm files, and uploaded prompts, are private
whatever umask the process had. (tests/integration/test_private_files.py: the same on a real stack, with what the
managed Asterisk writes.)"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from callcenter.app import Stack
from callcenter.db import make_engine
from callcenter.ivr.prompts import PromptStore, import_prompt
from tests.helpers import stack_settings


def _loose(p: Path) -> int:
    """Group/other permission bits of ``p`` (0: the owner's alone)."""
    return stat.S_IMODE(p.lstat().st_mode) & 0o077


def open_entries(root: Path) -> list[str]:
    """Everything under ``root`` (itself included) that someone besides its owner may read, write or enter."""
    found = [f"{root} {oct(_loose(root))}"] if _loose(root) else []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in (*dirnames, *filenames):
            p = Path(dirpath) / name
            if not p.is_symlink() and _loose(p):
                found.append(f"{p.relative_to(root)} {oct(stat.S_IMODE(p.lstat().st_mode))}")
    return found


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The common default umask (022: files -rw-r--r--) while the test runs; the test process's own afterwards."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _write(p: Path, mode: int, data: bytes = b"x") -> None:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    p.chmod(mode)


async def test_the_start_makes_an_existing_data_tree_private_and_new_files_too(workdir: Path,
                                                                              loose_umask: None) -> None:
    data = workdir / "data"
    recordings = workdir / "elsewhere" / "recordings"  # recording.dir outside the data dir
    db = data / "callcenter.db"
    outside = workdir / "system-sound.wav"  # e.g. a system sound the runtime tree links to: not ours
    _write(outside, 0o644)
    for rel, mode in (("callcenter.db", 0o644), ("callcenter.db-wal", 0o644), ("prompts/en/hello.wav", 0o644),
                      ("prompts/originals/en/hello.mp3", 0o664), ("voicemail/2026/03/vm1.wav", 0o666),
                      ("asterisk/etc/extensions.conf", 0o644), ("asterisk/log/full", 0o640)):
        _write(data / rel, mode)
    _write(recordings / "2026/03/02/call-1.wav", 0o644)
    (data / "asterisk" / "sounds").mkdir(parents=True)
    (data / "asterisk" / "sounds" / "beep.wav").symlink_to(outside)
    for d in (data, data / "prompts", recordings, recordings.parent):
        d.chmod(0o755)
    assert open_entries(data) and open_entries(recordings)

    settings = stack_settings(f"sqlite+aiosqlite:///{db}", data, recording={"dir": str(recordings)})
    assert settings.paths.umask == "077"
    stack = Stack(settings, run_migrations=False)
    try:
        stack.secure_files()
        assert open_entries(data) == []
        assert open_entries(recordings) == []
        assert _loose(outside) == 0o044  # the symlink's target was left alone
        # the umask is the service's now: what is created next is private (the managed Asterisk inherits it)
        new = data / "voicemail" / "2026" / "04" / "vm2.wav"
        new.parent.mkdir(parents=True)
        new.write_bytes(b"x")
        assert open_entries(data) == []
        assert stat.S_IMODE(new.stat().st_mode) == 0o600 and stat.S_IMODE(new.parent.stat().st_mode) == 0o700
    finally:
        await stack.engine.dispose()


async def test_the_sqlite_database_and_its_wal_files_are_private_whatever_the_umask(workdir: Path,
                                                                                   loose_umask: None) -> None:
    db = workdir / "fresh.db"
    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (1)"))
        files = [db, db.with_name("fresh.db-wal"), db.with_name("fresh.db-shm")]
        assert all(f.exists() for f in files)  # WAL mode
        assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {f.name: 0o600 for f in files}
    finally:
        await engine.dispose()


def test_an_uploaded_prompt_is_private_whatever_the_umask(workdir: Path, loose_umask: None) -> None:
    from pydub import AudioSegment

    buf = io.BytesIO()
    AudioSegment.silent(duration=300, frame_rate=8000).export(buf, format="wav")
    store = PromptStore(workdir / "prompts", workdir / "no-system-sounds")
    import_prompt(store, "welcome", "zh", "welcome.wav", buf.getvalue())
    assert (store.custom_dir / "zh" / "welcome.wav").is_file()
    assert open_entries(store.custom_dir) == []
