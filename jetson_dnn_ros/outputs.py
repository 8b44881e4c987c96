# Copyright 2026 The jetson_dnn_ros Authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""
Failure semantics of every writer of the offline tools, in one place.

An output (a file, a folder of results, a bag) is built in a temporary sibling
``.<name>.<random>.partial/<name>`` and moved into place with one ``rename`` when it is
complete (:class:`Staged`). On any failure the temporary sibling is deleted: a reader never sees
a half-written output, and a re-run finds the path free. An ``OSError`` becomes one
:class:`OutputError` line naming the path and the cause (permission denied, read-only file
system, no space left, …) instead of a traceback.
"""

import contextlib
import errno
import os
from pathlib import Path
import shutil
import tempfile
from typing import BinaryIO, Iterator, List, Optional

from jetson_dnn_ros.errors import JetsonDnnError

CAUSES = {
    errno.EACCES: 'permission denied',
    errno.EPERM: 'permission denied',
    errno.EROFS: 'read-only file system',
    errno.ENOSPC: 'no space left on device',
    errno.EDQUOT: 'disk quota exceeded',
    errno.ENOTDIR: 'a part of the path is a file, not a folder',
    errno.EEXIST: 'exists already',
    errno.ENOENT: 'no such file or folder',
    errno.EISDIR: 'is a folder',
    errno.ENAMETOOLONG: 'name too long',
    errno.EFBIG: 'file too large',
}
"""Short causes of the ``OSError`` numbers a writer meets."""


class OutputError(JetsonDnnError):
    """An output cannot be written (one line: the path and the cause); nothing partial is left."""


def cause(exc: BaseException) -> str:
    """Return the short cause of an ``OSError`` (``read-only file system``, …)."""
    number = getattr(exc, 'errno', None)
    if number in CAUSES:
        return CAUSES[number]
    return getattr(exc, 'strerror', None) or str(exc) or type(exc).__name__


def os_error(action: str, path, exc: BaseException) -> OutputError:
    """Return the one-line :class:`OutputError` ``cannot <action> <path>: <cause>``."""
    return OutputError(f'cannot {action} {path}: {cause(exc)}')


def unwritable(path, exc: OSError) -> str:
    """
    Return ``cannot write <path>: <cause>`` for a folder that cannot be made or written.

    A regular file on the way (``out.txt/results``) is named as the cause.
    """
    path = Path(path)
    blocker = next((p for p in path.parents if p.is_file()), None)
    if blocker is not None:
        return f'cannot write {path}: {blocker} is a file, not a folder'
    return f'cannot write {path}: {cause(exc)}'


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.relative_to(parent)
    except ValueError:
        return False
    return True


def input_folder(spec) -> Optional[Path]:
    """
    Return the folder an ``--input`` value reads from, resolved, or None for a single file.

    A folder (or a rosbag2 folder) is itself; a glob is its part before the first wildcard.
    """
    text = str(spec)
    if any(ch in text for ch in '*?['):
        head = text[:min(text.index(ch) for ch in '*?[' if ch in text)]
        base = Path(head) if head.endswith(os.sep) else Path(head).parent
        return base.expanduser().resolve()
    path = Path(text).expanduser()
    return path.resolve() if path.is_dir() else None


RESULTS_MARKER = '.jetson_dnn_results'
"""File a results folder written by ``jetson-dnn run`` holds (``--overwrite`` may replace it)."""

KINDS = {
    'file': ('a file', lambda p: p.is_file()),
    'folder': ('a results folder of jetson-dnn run',
               lambda p: p.is_dir() and (p / RESULTS_MARKER).is_file()),
    'bag': ('a bag', lambda p: p.is_dir() and (p / 'metadata.yaml').is_file()),
}
"""What ``--overwrite`` may replace, per kind of output: ``(name, test(path))``."""


def check_output(output, input_spec, overwrite: bool = False, exist_ok: bool = False,
                 kind: Optional[str] = None) -> Path:
    """
    Refuse an output that would destroy or mix with the input, or an existing one.

    :param output: the path really written (a bag ``x.mcap`` is the folder ``x``).
    :param input_spec: the ``--input`` value.
    :param overwrite: an existing output of the same ``kind`` is replaced (once the new one is
        complete).
    :param exist_ok: an existing output folder is added to (not a bag), and an output inside
        the input folder is allowed.
    :param kind: ``file``, ``folder`` or ``bag`` (:data:`KINDS`); None = any existing path.
    :return: ``output`` as a :class:`~pathlib.Path`.
    :raises OutputError: if the output is the input (file or folder) or contains it, lies
        inside the input folder (without ``exist_ok``), or exists (without either flag, or
        is not an earlier output of the same kind).
    """
    out = Path(output).expanduser()
    resolved = out.resolve()
    source = Path(str(input_spec)).expanduser()
    folder = input_folder(input_spec)
    sources = [p for p in (source.resolve() if source.exists() else None, folder) if p]
    if any(resolved == p or _inside(p, resolved) for p in sources):
        raise OutputError(f'output {out} is (or contains) the input {input_spec}; writing it '
                          'would destroy the input. Pick another --output')
    if folder is not None and _inside(resolved, folder) and not exist_ok:
        raise OutputError(f'output {out} is inside the input folder {folder}; a later run '
                          'would read the results as input. Pick another --output, or pass '
                          '--exist-ok to write there anyway')
    if out.exists() or out.is_symlink():
        name, same = KINDS.get(kind, ('', lambda p: True))
        if overwrite and not out.is_symlink() and not same(out):
            raise OutputError(f'output {out} exists and is not {name}; --overwrite replaces '
                              'only an earlier output of the same kind. Pick another --output')
        if not (overwrite or (exist_ok and out.is_dir() and kind != 'bag')):
            add = {'bag': ', a bag cannot be added to (--exist-ok)', 'file': ''}.get(
                kind, ', --exist-ok to add to a folder')
            raise OutputError(f'output {out} exists already; pass --overwrite to replace it '
                              f'(the old one stays until the new one is complete){add}, or '
                              'pick another path')
    return out


def next_run_dir(root, task: str, name: str) -> Path:
    """
    Return ``root/<task>/<name>N`` with the smallest N >= 1 that does not exist yet.

    ``yolo predict``'s convention: every run gets a new folder, none is overwritten.
    """
    base = Path(root) / task
    index = 1
    while (base / f'{name}{index}').exists():
        index += 1
    return base / f'{name}{index}'


class Staged:
    """
    Build an output in a temporary sibling and move it into place on success.

    ``with Staged(final) as stage:`` gives :attr:`path` (``final``'s name inside a fresh hidden
    sibling folder, not created): write a file, a folder or a bag there. :meth:`also` stages a
    companion file beside ``final`` (``x.json`` beside ``x.jpg``) that is committed with it,
    after it. When the block ends without an exception everything staged is moved into place
    (:meth:`commit`): with ``merge`` (an existing output folder) the staged folder's entries are
    moved into ``final`` one by one; with ``replace`` an existing ``final`` (and companion) is
    replaced. On an exception everything staged is deleted and an ``OSError`` is re-raised as a
    one-line :class:`OutputError` naming ``final``.

    :param final: the output path.
    :param replace: replace an existing ``final`` (``--overwrite``).
    :param merge: add to an existing ``final`` folder (``--exist-ok``).
    :param protect: files a merge must never replace or remove (the run's inputs).
    :raises OutputError: if the parent folder cannot be created or written, or a merge would
        replace a protected file (then nothing is moved).
    """

    def __init__(self, final, replace: bool = False, merge: bool = False, protect=()):
        self.final = Path(final)
        self.replace = replace
        self.merge = merge
        self.protect = [Path(p).resolve() for p in protect]
        self._stage: Optional[Path] = None
        self._made: List[Path] = []
        self._also: List[Path] = []
        self._kept: Optional[Path] = None
        self.path: Optional[Path] = None

    def __enter__(self) -> 'Staged':
        """Create the hidden sibling folder; return self."""
        parent = self.final.parent
        self._made = [p for p in (parent, *parent.parents) if not p.exists()]
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self._stage = Path(tempfile.mkdtemp(prefix=f'.{self.final.name}.',
                                                suffix='.partial', dir=parent))
        except OSError as exc:
            self.abort()
            raise OutputError(unwritable(self.final, exc)) from None
        self.path = self._stage / self.final.name
        return self

    def also(self, final) -> Path:
        """
        Stage a companion file committed together with the output, after it; return its path.

        The companion is the "complete" marker of a pair (``x.json`` beside ``x.jpg``): it
        appears last, and a failure to commit it takes the output back out (see
        :meth:`commit`).

        :param final: the companion's path: a sibling of the output, with another name.
        :return: where to write it (inside the hidden sibling folder, not created).
        :raises ValueError: outside a ``with`` block, or for a path that is not a sibling of
            the output or is named like it or like another companion.
        """
        final = Path(final)
        if self._stage is None or final.parent != self.final.parent or final.name in (
                self.final.name, *(p.name for p in self._also)):
            raise ValueError(f'cannot stage {final} with {self.final}: a companion is a '
                             'sibling with its own name, staged inside the with block')
        self._also.append(final)
        return self._stage / final.name

    def outside(self, path) -> Path:
        """Return where a staged ``path`` will be once committed (for messages)."""
        for final in self._also:
            if Path(path) == self.path.parent / final.name:
                return final
        try:
            return self.final / Path(path).relative_to(self.path)
        except (TypeError, ValueError):
            return Path(path)

    def commit(self) -> None:
        """
        Move everything staged into place, all or nothing (called on success).

        The moves, in order: the output (or, with ``merge``, each entry of the staged folder
        onto ``final/<entry>``), then each companion of :meth:`also`. Each move is one
        ``rename``. An existing target is kept for a roll-back first: a file gets a hard link
        in the hidden sibling folder (it stays visible until the new one replaces it in the same
        rename), a folder, or a file where hard links fail, is renamed into the hidden sibling
        folder (then for a moment neither the old nor the new one is there).

        What is atomic: each single file or folder appears whole (old or new, never a part).
        What is not: a merge, or an output with companions, is several renames; while they run
        a reader may see some new entries beside old ones. On any failure (``OSError`` of a
        rename, or anything else) the moves made so far are undone in reverse order (the new
        entries go back out, the old ones back in), so the targets end as before the commit,
        and the error is re-raised. Only a failure of that roll-back itself (e.g. the disk
        vanished), or a crash (power loss, ``SIGKILL``) in the middle, leaves a mix; then the
        old entries are still in the hidden ``.<name>.<random>.partial`` sibling folder (it is
        kept after a failed roll-back).

        :raises FileExistsError: if ``final`` or a companion exists and neither ``replace``
            nor (for ``final``) ``merge`` allows it; nothing is moved.
        :raises OutputError: if a merge would replace a protected file (nothing is moved), or
            if the roll-back failed (naming the folder that keeps the old entries).
        :raises OSError: if a rename fails (after the roll-back).
        """
        final, staged = self.final, self.path
        if self.merge and final.is_dir() and staged.is_dir():
            entries = sorted(staged.iterdir())
            for entry in entries:
                target = (final / entry.name).resolve()
                hit = next((p for p in self.protect if p == target or _inside(p, target)), None)
                if hit is not None:
                    raise OutputError(f'cannot write {final / entry.name}: it would replace '
                                      f'the input {hit}; nothing was written there')
            moves = [(entry, final / entry.name) for entry in entries]
            checked = []
        else:
            moves = [(staged, final)]
            checked = [final]
        moves += [(self._stage / p.name, p) for p in self._also]
        checked += self._also
        if not self.replace:
            taken = next((p for p in checked if p.exists() or p.is_symlink()), None)
            if taken is not None:
                raise FileExistsError(errno.EEXIST, 'exists already', str(taken))
        self._swap(moves)
        self.abort()

    def _swap(self, moves) -> None:
        """
        Do the renames ``[(source, target), ...]`` of :meth:`commit`, all or none.

        :raises OutputError: if undoing a failed rename failed too (naming where the old
            entries are kept: that folder is not deleted).
        """
        keep = None
        done = []  # [source, target, old copy or None, old renamed away, new moved in]
        try:
            for source, target in moves:
                step = [source, target, None, False, False]
                if target.exists() or target.is_symlink():
                    keep = keep or Path(tempfile.mkdtemp(prefix='.old.', dir=self._stage))
                    old = keep / str(len(done))
                    whole = source.is_dir() or (target.is_dir() and not target.is_symlink())
                    if not whole:
                        try:
                            os.link(target, old, follow_symlinks=False)
                        except OSError:  # no hard links here: rename it away instead
                            whole = True
                    if whole:
                        os.rename(target, old)
                    step[2:4] = [old, whole]
                done.append(step)
                os.replace(source, target)
                step[4] = True
        except BaseException as exc:  # noqa: B902 - undo every move, then re-raise
            if not self._undo(done):
                self._kept = keep
                raise OutputError(f'cannot write {self.final}: {cause(exc)}; undoing the '
                                  f'moves made so far failed too: the old entries are kept in '
                                  f'{keep}') from exc
            raise

    @staticmethod
    def _undo(done) -> bool:
        """Undo the steps of :meth:`_swap` in reverse order; return False if one failed."""
        complete = True
        for source, target, old, whole, moved in reversed(done):
            try:
                if moved and (old is None or whole):
                    os.rename(target, source)  # the new one back where it was staged
                if old is not None and (moved or whole):
                    os.rename(old, target)  # the old one back (a file: in one rename)
            except OSError:
                complete = False  # the other steps are still undone
        return complete

    def abort(self) -> None:
        """
        Delete everything staged and the parent folders made for it (safe to call again).

        A made parent is removed only while empty: after a commit it holds the output. The
        old entries of a commit whose roll-back failed (see :meth:`commit`) are kept.
        """
        if self._stage is not None:
            if self._kept is None:
                shutil.rmtree(self._stage, ignore_errors=True)
            else:
                for entry in self._stage.iterdir():
                    if entry == self._kept:
                        continue
                    if entry.is_dir() and not entry.is_symlink():
                        shutil.rmtree(entry, ignore_errors=True)
                    else:
                        with contextlib.suppress(OSError):
                            entry.unlink()
            self._stage = None
        for folder in self._made:  # deepest first
            try:
                folder.rmdir()
            except OSError:
                break
        self._made = []

    def __exit__(self, exc_type, exc, tb):
        """Commit on success, clean up on failure; ``OSError`` → :class:`OutputError`."""
        if exc is None:
            try:
                self.commit()
            except OSError as error:
                stage = self._stage
                self.abort()
                # the output or a companion in the way (not a staged path): name the one
                taken = isinstance(error, FileExistsError) and error.filename and \
                    not _inside(Path(error.filename), stage)
                raise os_error('write', error.filename if taken else self.final,
                               error) from None
            except BaseException:  # noqa: B902 - a refused merge: clean up, then re-raise
                self.abort()
                raise
            return False
        stage = self._stage
        self.abort()
        if isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError):
            name = Path(exc.filename) if exc.filename else None
            if name is None or _inside(name, stage):
                raise os_error('write', self.outside(name) if name else self.final,
                               exc) from None
            raise os_error('access', name, exc) from None  # not ours: an input, say
        return False


@contextlib.contextmanager
def staged_file(path, replace: bool = True) -> Iterator[BinaryIO]:
    """
    Give a binary stream whose bytes land at ``path`` atomically when the block succeeds.

    The bytes go to a :class:`Staged` sibling, are flushed and ``fsync``-ed, and the file is
    moved onto ``path`` with one :func:`os.replace` when the block ends without an exception
    (a reader sees the old file or the new one, never a part). On an exception nothing is left.

    :param path: the file to write.
    :param replace: replace an existing file; False = refuse it (``exists already``).
    :raises OutputError: on an ``OSError`` (one line: the path and the cause).
    """
    with Staged(path, replace=replace) as stage:
        with open(stage.path, 'wb') as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())


def encode_image(path, image) -> bytes:
    """
    Encode an image for ``path``'s suffix (``.jpg``, ``.png``, …) with OpenCV.

    :raises OutputError: if OpenCV cannot encode it for that suffix.
    """
    import cv2
    suffix = Path(path).suffix or '.png'
    try:
        ok, buf = cv2.imencode(suffix, image)
    except cv2.error as exc:
        raise OutputError(f'cannot encode {path} as {suffix}: {exc}') from None
    if not ok:
        raise OutputError(f'cannot encode {path} as {suffix}')
    return buf.tobytes()


def write_image(path, image) -> Path:
    """Write an image file (format from the suffix) with real ``OSError`` reporting."""
    with open(path, 'wb') as stream:
        stream.write(encode_image(path, image))
    return Path(path)


__all__ = ['KINDS', 'OutputError', 'RESULTS_MARKER', 'Staged', 'cause', 'check_output',
           'encode_image', 'input_folder', 'next_run_dir', 'os_error', 'staged_file',
           'unwritable', 'write_image']
