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
``outputs.Staged.commit`` of a merge (``--exist-ok``): all entries or none.

A rename (``os.replace``) that fails in the middle of a merge leaves the final folder exactly
as it was before the commit: the entries already moved in go back out, the replaced ones back
in. Only a failure of that roll-back too leaves a mix; then the old entries are kept and named.
A companion (``Staged.also``: ``x.json`` beside ``x.jpg``) is a sibling staged in the block.
"""

import errno
import os
from pathlib import Path

from jetson_dnn_ros import outputs
import pytest


def _tree(folder: Path):
    """Return ``{relative path: bytes, or 'dir'}`` of everything under ``folder``."""
    return {str(p.relative_to(folder)): 'dir' if p.is_dir() else p.read_bytes()
            for p in sorted(folder.rglob('*'))}


@pytest.fixture
def existing(tmp_path):
    """Return an earlier results folder: two files and a sub-folder a merge replaces."""
    final = tmp_path / 'out'
    (final / 'masks').mkdir(parents=True)
    (final / 'a.json').write_bytes(b'old a')
    (final / 'masks' / 'a.png').write_bytes(b'old mask')
    (final / 'keep.json').write_bytes(b'not in the merge')
    return final


def _merge(final):
    """Merge into ``final`` (commit on leaving): a.json and masks/ replace, b.json, c/ are new."""
    with outputs.Staged(final, merge=True) as stage:
        stage.path.mkdir()
        (stage.path / 'a.json').write_bytes(b'new a')
        (stage.path / 'b.json').write_bytes(b'new b')
        (stage.path / 'masks').mkdir()
        (stage.path / 'masks' / 'b.png').write_bytes(b'new mask')
        (stage.path / 'c').mkdir()
        (stage.path / 'c' / 'c.txt').write_bytes(b'new c')


def _fail_on(monkeypatch, number):
    """Make the ``number``-th ``os.replace`` call (1-based) raise ENOSPC; return the calls."""
    real = os.replace
    calls = []

    def replace(src, dst, **kwargs):
        calls.append(dst)
        if len(calls) == number:
            raise OSError(errno.ENOSPC, 'No space left on device', str(dst))
        return real(src, dst, **kwargs)

    monkeypatch.setattr(os, 'replace', replace)
    return calls


@pytest.mark.parametrize('number', [1, 2, 3, 4])   # the 4 entries a.json, b.json, c, masks
def test_merge_failing_in_the_middle_leaves_the_folder_as_before(existing, monkeypatch,
                                                                 number):
    before = _tree(existing)
    calls = _fail_on(monkeypatch, number)
    with pytest.raises(outputs.OutputError, match='no space left on device'):
        _merge(existing)
    assert len(calls) == number
    assert _tree(existing) == before
    assert [p.name for p in existing.parent.iterdir()] == ['out']   # no hidden stage left


def test_merge_succeeds_entry_by_entry(existing, monkeypatch):
    calls = _fail_on(monkeypatch, 0)   # never fails: counts the renames
    _merge(existing)
    assert [Path(c).name for c in calls] == ['a.json', 'b.json', 'c', 'masks']
    assert _tree(existing) == {'a.json': b'new a', 'b.json': b'new b', 'c': 'dir',
                               'c/c.txt': b'new c', 'keep.json': b'not in the merge',
                               'masks': 'dir', 'masks/b.png': b'new mask'}
    assert [p.name for p in existing.parent.iterdir()] == ['out']


def test_a_failed_roll_back_names_where_the_old_entries_are(existing, monkeypatch):
    _fail_on(monkeypatch, 2)   # a.json is in (its old one hard-linked aside), b.json fails
    real = os.rename

    def rename(src, dst):
        if Path(dst).name == 'a.json':
            raise OSError(errno.EIO, 'Input/output error', str(dst))
        return real(src, dst)

    monkeypatch.setattr(os, 'rename', rename)
    with pytest.raises(outputs.OutputError, match='old entries are kept in') as info:
        _merge(existing)
    kept = Path(str(info.value).rsplit('kept in ', 1)[1])
    assert kept.parent.parent == existing.parent and kept.parent.name.endswith('.partial')
    assert [p.read_bytes() for p in kept.iterdir()] == [b'old a']
    assert (existing / 'a.json').read_bytes() == b'new a'   # the mix the message reports


def test_a_companion_is_a_sibling_staged_inside_the_block(tmp_path):
    stage = outputs.Staged(tmp_path / 'x.jpg')
    with pytest.raises(ValueError, match='inside the with block'):
        stage.also(tmp_path / 'x.json')
    with stage:
        stage.path.write_bytes(b'image')
        stage.also(tmp_path / 'x.json').write_bytes(b'json')
        for wrong in (tmp_path / 'sub' / 'x.json', tmp_path / 'x.jpg', tmp_path / 'x.json'):
            with pytest.raises(ValueError, match='a sibling with its own name'):
                stage.also(wrong)
    assert _tree(tmp_path) == {'x.jpg': b'image', 'x.json': b'json'}


def test_a_companion_in_the_way_is_named_and_nothing_is_written(tmp_path):
    """Without ``replace`` an existing ``x.json`` refuses the pair, and the error names it."""
    (tmp_path / 'x.json').write_bytes(b'earlier')
    with pytest.raises(outputs.OutputError) as info:
        with outputs.Staged(tmp_path / 'x.jpg') as stage:
            stage.path.write_bytes(b'image')
            stage.also(tmp_path / 'x.json').write_bytes(b'json')
    assert str(info.value) == f'cannot write {tmp_path / "x.json"}: exists already'
    assert _tree(tmp_path) == {'x.json': b'earlier'}
