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
On-disk cache of TensorRT engines, keyed by everything that makes an engine valid.

An engine only runs on the TensorRT version and GPU that built it, and only for the
precision, input shapes (optimisation profile) and DLA core it was built for. Each entry is
``<stem>-<precision>-<digest>.engine`` plus ``<same>.engine.json`` beside it holding the full
:class:`EngineKey`, the engine's size and sha256. A lookup returns the engine only if the
metadata parses, its key equals the requested key field by field, and the bytes hash to the
recorded sha256; otherwise the entry is reported as stale/foreign/corrupt and rebuilt, never
trusted. Files are written to a temporary name in the same folder, flushed, fsynced and
renamed with :func:`os.replace`, so a crash or a full disk never leaves a partial engine.

INT8 engines built by implicit calibration also depend on the calibration data: their key's
options hold a content fingerprint of it (:func:`files_digest` of the image files or rosbag
storage files calibration reads, see
:func:`jetson_dnn_ros.backends.calibration.source_fingerprint`; the sha256 of a user-given
calibration cache, :func:`calibration_cache_digest`; or the caller's ``calibration_id`` for a
calibrator object, whose data no key can see), so new calibration data never reuses a stale
engine. Keys of other engines are unchanged.

Default folder: ``$JETSON_DNN_CACHE/engines`` (see :func:`jetson_dnn_ros.paths.cache_dir`).
"""

from dataclasses import asdict, dataclass, field
import hashlib
import json
import logging
import os
from pathlib import Path
import re
import shutil
import time
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

from jetson_dnn_ros.errors import EngineBuildError
from jetson_dnn_ros.paths import cache_dir

LOG = logging.getLogger(__name__)
ENGINE_SUFFIX = '.engine'
TMP_STALE_S = 3600.0
"""Age in seconds after which ``clean`` treats a temporary file as left by a dead build."""

META_SUFFIX = '.engine.json'
FORMAT = 1
"""Metadata format version; a different one makes the entry stale."""

Shape = Tuple[int, ...]
Profile = Mapping[str, Tuple[Shape, Shape, Shape]]


def file_sha256(path, chunk: int = 1 << 20) -> str:
    """Return the hex sha256 of a file, read in ``chunk``-byte pieces."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()


def files_digest(root, files: Sequence) -> str:
    """
    Return the hex sha256 of the sorted ``(name relative to root, size, mtime_ns)`` of files.

    A cheap content fingerprint (no file is read): renaming, adding, removing, resizing or
    rewriting (new mtime) any of ``files`` changes it; files not listed never do.
    """
    root = Path(root)
    rows = []
    for path in files:
        stat = Path(path).stat()
        rows.append((os.path.relpath(path, root).replace(os.sep, '/'), int(stat.st_size),
                     int(stat.st_mtime_ns)))
    text = json.dumps(sorted(rows), separators=(',', ':'))
    return hashlib.sha256(text.encode()).hexdigest()


def calibration_cache_digest(path) -> str:
    """Return the sha256 of a calibration cache file, or ``'absent'`` if there is none."""
    path = Path(path).expanduser()
    return file_sha256(path) if path.is_file() else 'absent'


def _canonical_profile(profile: Profile) -> Tuple[Tuple[str, Tuple[Shape, Shape, Shape]], ...]:
    out = []
    for name in sorted(profile):
        shapes = profile[name]
        if len(shapes) != 3:
            raise ValueError(f'profile of {name!r} needs (min, opt, max), got {shapes!r}')
        out.append((str(name), tuple(tuple(int(d) for d in s) for s in shapes)))
    return tuple(out)


@dataclass(frozen=True)
class EngineKey:
    """
    Everything an engine depends on.

    :param onnx_sha256: hex sha256 of the ONNX file.
    :param tensorrt_version: ``tensorrt.__version__`` that builds/runs the engine.
    :param gpu_name: CUDA device name, e.g. ``Orin``.
    :param compute_capability: (major, minor), e.g. (8, 7).
    :param precision: ``fp32``, ``fp16`` or ``int8``.
    :param profile: per input ``(min, opt, max)`` shapes, sorted by name (static inputs have
        three equal shapes).
    :param dla_core: DLA core index, or None for the GPU.
    :param options: other build options that change the engine, as sorted ``(name, value)``
        string pairs: for implicit INT8 calibration ``calibration`` (the fingerprint of the
        calibration data), ``calibration_images`` (the image limit), ``calibration_cache``
        (a user-given cache's sha256) and ``calibration_id``.
    """

    onnx_sha256: str
    tensorrt_version: str
    gpu_name: str
    compute_capability: Tuple[int, int]
    precision: str
    profile: Tuple = ()
    dla_core: Optional[int] = None
    options: Tuple[Tuple[str, str], ...] = field(default=())

    def __post_init__(self):
        object.__setattr__(self, 'compute_capability',
                           tuple(int(v) for v in self.compute_capability))
        profile = self.profile
        if isinstance(profile, Mapping):
            profile = _canonical_profile(profile)
        else:
            profile = _canonical_profile(dict(profile))
        object.__setattr__(self, 'profile', profile)
        object.__setattr__(self, 'options', tuple(sorted(
            (str(k), str(v)) for k, v in dict(self.options).items())))
        object.__setattr__(self, 'dla_core', None if self.dla_core is None
                           else int(self.dla_core))

    def to_dict(self) -> Dict:
        """Return the key as JSON-compatible data (lists instead of tuples)."""
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_dict(cls, data: Mapping) -> 'EngineKey':
        """Rebuild a key from :meth:`to_dict` output."""
        data = dict(data)
        data['profile'] = {name: tuple(tuple(s) for s in shapes)
                           for name, shapes in data.get('profile', ())}
        data['options'] = dict(data.get('options', ()))
        return cls(**data)

    def digest(self) -> str:
        """Return the hex sha256 of the canonical JSON of the key."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(',', ':'))
        return hashlib.sha256(text.encode()).hexdigest()

    def differences(self, other: 'EngineKey') -> List[str]:
        """Return the names of the fields that differ from ``other``."""
        return [name for name in self.__dataclass_fields__
                if getattr(self, name) != getattr(other, name)]


@dataclass(frozen=True)
class CacheEntry:
    """
    One engine file in a cache folder.

    :param path: the ``.engine`` file.
    :param key: its :class:`EngineKey`, or None if the metadata is missing or unreadable.
    :param size: engine size in bytes (0 if missing).
    :param created: modification time, seconds since the epoch.
    :param status: ``ok``, ``corrupt`` (metadata missing/unreadable or hash mismatch) or
        ``foreign`` (another TensorRT version or GPU than ``current``).
    """

    path: Path
    key: Optional[EngineKey]
    size: int
    created: float
    status: str


def _slug(text: str) -> str:
    return re.sub(r'[^A-Za-z0-9_.-]+', '_', str(text)).strip('_') or 'model'


def atomic_write(path, data: Union[bytes, bytearray, memoryview]) -> None:
    """
    Write ``data`` to ``path`` atomically (:func:`jetson_dnn_ros.outputs.staged_file`).

    :raises EngineBuildError: if writing fails; no partial file is left behind.
    """
    from jetson_dnn_ros.outputs import OutputError, staged_file
    try:
        with staged_file(path) as stream:
            stream.write(memoryview(data))
    except OutputError as exc:
        raise EngineBuildError(f'{exc}; check the folder is writable and the disk has space '
                               '(engine_cache_dir)') from None


def read_entry(engine_path, key: Optional[EngineKey] = None) -> Tuple[Optional[bytes], str]:
    """
    Read and verify one engine with its metadata.

    :param engine_path: the ``.engine`` file; the metadata is ``<path>.json``.
    :param key: the key the engine must have; None skips the key comparison.
    :return: ``(engine bytes, 'ok')`` or ``(None, reason)`` where reason says why the entry
        cannot be used (missing, corrupt metadata, stale key fields, corrupt engine).
    """
    engine_path = Path(engine_path)
    meta_path = Path(str(engine_path) + '.json')
    if not engine_path.is_file():
        return None, 'missing'
    if not meta_path.is_file():
        return None, 'corrupt: metadata file missing'
    try:
        meta = json.loads(meta_path.read_text(encoding='utf-8'))
        stored = EngineKey.from_dict(meta['key'])
        size, sha = int(meta['size']), str(meta['sha256'])
        fmt = int(meta.get('format', 0))
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        return None, f'corrupt: unreadable metadata ({exc})'
    if fmt != FORMAT:
        return None, f'stale: metadata format {fmt}, expected {FORMAT}'
    if key is not None and stored != key:
        return None, 'stale: ' + ', '.join(key.differences(stored)) + ' changed'
    try:
        data = engine_path.read_bytes()
    except OSError as exc:
        return None, f'corrupt: cannot read engine ({exc})'
    if len(data) != size or hashlib.sha256(data).hexdigest() != sha:
        return None, 'corrupt: engine bytes do not match their recorded sha256'
    return data, 'ok'


def write_entry(engine_path, key: EngineKey, data, extra: Optional[Mapping] = None) -> Path:
    """
    Write an engine and its metadata atomically (engine first, then metadata).

    :return: the engine path.
    :raises EngineBuildError: if a file cannot be written.
    """
    engine_path = Path(engine_path)
    data = bytes(data)
    meta = {'format': FORMAT, 'key': key.to_dict(), 'size': len(data),
            'sha256': hashlib.sha256(data).hexdigest(), 'created': time.time(),
            **dict(extra or {})}
    atomic_write(engine_path, data)
    atomic_write(str(engine_path) + '.json',
                 json.dumps(meta, indent=2, sort_keys=True).encode('utf-8'))
    return engine_path


def remove_entry(engine_path) -> None:
    """Delete an engine and its metadata (missing files are fine)."""
    for path in (Path(engine_path), Path(str(engine_path) + '.json')):
        try:
            path.unlink()
        except FileNotFoundError:
            pass


class EngineCache:
    """
    A folder of engines keyed by :class:`EngineKey`.

    :param directory: the folder; None means ``cache_dir() / 'engines'``.
    """

    def __init__(self, directory=None):
        self.directory = Path(directory).expanduser() if directory else cache_dir() / 'engines'
        self.last_reason = ''

    def path_for(self, key: EngineKey, stem: str = 'model') -> Path:
        """Return the engine path of ``key`` (``<stem>-<precision>-<digest16>.engine``)."""
        return self.directory / f'{_slug(stem)}-{key.precision}-{key.digest()[:16]}{ENGINE_SUFFIX}'

    def timing_cache_path(self, tensorrt_version: str, gpu_name: str,
                          compute_capability: Sequence[int]) -> Path:
        """Return the timing-cache file shared by every build on this TensorRT and GPU."""
        cc = ''.join(str(int(v)) for v in compute_capability)
        name = f'trt{_slug(tensorrt_version)}-{_slug(gpu_name)}-sm{cc}.cache'
        return self.directory / 'timing' / name

    def load(self, key: EngineKey, stem: str = 'model') -> Optional[bytes]:
        """Return the cached engine of ``key``, or None (reason in :attr:`last_reason`)."""
        data, self.last_reason = read_entry(self.path_for(key, stem), key)
        if data is None and self.last_reason != 'missing':
            LOG.warning('engine cache entry %s unusable (%s); it will be rebuilt',
                        self.path_for(key, stem).name, self.last_reason)
        return data

    def store(self, key: EngineKey, data, stem: str = 'model',
              extra: Optional[Mapping] = None) -> Path:
        """Write an engine for ``key`` atomically; return its path."""
        return write_entry(self.path_for(key, stem), key, data, extra)

    def invalidate(self, key: EngineKey, stem: str = 'model') -> None:
        """Remove the entry of ``key``."""
        remove_entry(self.path_for(key, stem))

    def entries(self, current: Optional[Tuple[str, str, Tuple[int, int]]] = None
                ) -> List[CacheEntry]:
        """
        List the engines of the folder.

        :param current: ``(tensorrt_version, gpu_name, compute_capability)`` of this machine;
            entries built elsewhere are marked ``foreign``. None marks nothing foreign.
        :return: entries sorted by path.
        """
        if not self.directory.is_dir():
            return []
        out = []
        for path in sorted(self.directory.glob('*' + ENGINE_SUFFIX)):
            data, reason = read_entry(path)
            key = None
            try:
                meta = json.loads(Path(str(path) + '.json').read_text(encoding='utf-8'))
                key = EngineKey.from_dict(meta['key'])
            except (OSError, ValueError, KeyError, TypeError, RecursionError):
                pass
            status = 'ok' if data is not None else 'corrupt'
            if status == 'ok' and current is not None and (
                    key.tensorrt_version, key.gpu_name, key.compute_capability) != (
                    current[0], current[1], tuple(current[2])):
                status = 'foreign'
            stat = path.stat()
            out.append(CacheEntry(path, key, stat.st_size, stat.st_mtime, status))
        return out

    def clean(self, current: Optional[Tuple[str, str, Tuple[int, int]]] = None,
              everything: bool = False, older_than_s: Optional[float] = None) -> List[Path]:
        """
        Delete unusable engines (and temporary files left for over an hour by dead builds).

        :param current: as in :meth:`entries`; foreign entries are deleted when given.
        :param everything: delete every entry, timing caches included.
        :param older_than_s: also delete entries not modified for this many seconds.
        :return: the engine paths removed.
        """
        removed = []
        now = time.time()
        for entry in self.entries(current):
            old = older_than_s is not None and now - entry.created > older_than_s
            if everything or entry.status != 'ok' or old:
                remove_entry(entry.path)
                removed.append(entry.path)
        if self.directory.is_dir():
            for meta in self.directory.glob('*' + META_SUFFIX):
                if not Path(str(meta)[:-len('.json')]).exists():
                    meta.unlink()
            for tmp in [*self.directory.rglob('.*.tmp'), *self.directory.rglob('.*.partial')]:
                # a build in another process may be writing it right now: only stale ones
                if now - tmp.stat().st_mtime <= TMP_STALE_S:
                    continue
                if tmp.is_dir():
                    shutil.rmtree(tmp)
                else:
                    tmp.unlink()
            if everything:
                for cache in (self.directory / 'timing').glob('*.cache'):
                    cache.unlink()
        return removed
