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
Damage-tolerant reading of rosbag2 storage files (sqlite3 and mcap).

``rosbags.rosbag2.Reader`` stops at the first damaged byte: a corrupt sqlite page raises
``apsw.CorruptError`` (already while opening, since it counts every message), a broken mcap
record raises ``ReaderError``, and an mcap record whose opcode was damaged is skipped without a
word. A recording is worth more than that, so this module reads the same files unit by unit:

* **sqlite3**: rows of the ``messages`` table in ``id`` (recording) order with ``apsw`` (the
  driver rosbags itself uses). When a scan hits a damaged page, the rows after it are probed one
  ``id`` at a time until one reads again, and the scan resumes there.
* **mcap**: records are walked from the start of the data section; a chunk is decoded on its own
  (``rosbags`` decompressors), so a damaged chunk costs its own messages only. A record with an
  unknown opcode or an impossible length is reported with its byte offset; a truncated file
  yields every message before the cut.

Each damage is handed to ``on_damage(position, reason)``. Message counts per topic come from the
bag's ``metadata.yaml`` (what the recorder wrote), so a caller can tell how many messages were
lost: expected minus read.
"""

import bisect
import os
from pathlib import Path
import struct
from typing import Callable, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

from jetson_dnn_ros.errors import ImageEncodingError

OnDamage = Optional[Callable[[str, str], None]]
MCAP_MAGIC = b'\x89MCAP0\r\n'
MCAP_OPCODES = frozenset(range(0x01, 0x10))
"""Record opcodes the MCAP specification defines (0x01 header … 0x0F data end)."""
MCAP_PRIVATE = 0x80
"""Opcodes from here on are private (application) records, skipped without a word."""
MAX_CHUNK_BYTES = 1 << 30
"""Largest uncompressed chunk decoded (a damaged or hostile size is refused, not allocated)."""
PROBE_MARGIN = 64
"""Row ids probed past the last known one when a damaged sqlite table hides its maximum."""


class Topic(NamedTuple):
    """
    One connection of a bag.

    :param index: position in :attr:`RobustReader.topics` (sorted by name).
    :param topic: topic name.
    :param msgtype: message type, e.g. ``sensor_msgs/msg/Image``.
    :param msgcount: messages recorded on it per ``metadata.yaml``, or None when unknown.
    """

    index: int
    topic: str
    msgtype: str
    msgcount: Optional[int]


def _report(on_damage: OnDamage, position: str, reason: str) -> None:
    if on_damage is not None:
        on_damage(position, reason)


def _metadata(folder: Path) -> dict:
    import yaml
    try:
        data = yaml.safe_load((folder / 'metadata.yaml').read_text(encoding='utf-8'))
        return data['rosbag2_bagfile_information']
    except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError) as exc:
        raise ImageEncodingError(f'cannot read {folder / "metadata.yaml"}: {exc}') from exc


def storage_files(path) -> Tuple[List[Path], str, Dict[str, int]]:
    """
    Return the storage files of a bag, their storage id and the recorded count per topic.

    :param path: rosbag2 folder (with ``metadata.yaml``) or one ``.db3``/``.mcap`` file.
    :return: ``(files, 'sqlite3' | 'mcap', {topic: message count})``; counts are empty for a
        lone storage file.
    :raises ImageEncodingError: on an unreadable ``metadata.yaml`` or an unknown storage.
    """
    path = Path(path)
    if path.is_file():
        storage = {'.db3': 'sqlite3', '.mcap': 'mcap'}.get(path.suffix)
        if storage is None:
            raise ImageEncodingError(f'{path} is not a .db3 or .mcap file')
        return [path], storage, {}
    meta = _metadata(path)
    storage = str(meta.get('storage_identifier', ''))
    if storage not in ('sqlite3', 'mcap'):
        raise ImageEncodingError(f'{path}: unknown storage {storage!r} (sqlite3 or mcap)')
    files = [path / name for name in meta.get('relative_file_paths') or []]
    counts = {}
    for item in meta.get('topics_with_message_count') or []:
        try:
            counts[str(item['topic_metadata']['name'])] = int(item['message_count'])
        except (KeyError, TypeError, ValueError):
            continue
    return files, storage, counts


def compression(path) -> str:
    """Return a rosbag2 folder's ``compression_format`` (``''`` for none or a lone file)."""
    path = Path(path)
    if path.is_file():
        return ''
    return str(_metadata(path).get('compression_format') or '')


# -- sqlite3 ---------------------------------------------------------------------------------

_VFS = None
VFS_NAME = 'jetson_dnn_truncated'


def _truncation_vfs():
    """
    Return the name of an apsw VFS that lets SQLite open a truncated database file.

    SQLite trusts the page count in the file header (bytes 28-31) and calls a shorter file
    malformed as a whole. This VFS (a pass-through to the default one) lowers that count to the
    pages really present when, and only when, the file is shorter: the intact pages read as
    before, the missing ones fail row by row.
    """
    global _VFS
    if _VFS is not None:
        return VFS_NAME
    import apsw

    class File(apsw.VFSFile):

        def xRead(self, amount, offset):  # noqa: N802 (apsw's method name)
            data = super().xRead(amount, offset)
            if offset == 0 and len(data) >= 32:
                (page,) = struct.unpack_from('>H', data, 16)
                page = 65536 if page == 1 else page
                (count,) = struct.unpack_from('>I', data, 28)
                size = self.xFileSize()
                if page and count * page > size:
                    patched = bytearray(data)
                    struct.pack_into('>I', patched, 28, size // page)
                    data = bytes(patched)
            return data

    class Vfs(apsw.VFS):

        def __init__(self):
            super().__init__(VFS_NAME, '')

        def xOpen(self, name, flags):  # noqa: N802 (apsw's method name)
            return File('', name, flags)

    _VFS = Vfs()
    return VFS_NAME


class _Sqlite:
    """One rosbag2 ``.db3`` file, read row by row past damaged pages."""

    def __init__(self, path: Path):
        import apsw
        self.path = path
        self._apsw = apsw
        try:
            self.db = apsw.Connection(f'file:{path}?immutable=1',
                                      flags=apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_URI,
                                      vfs=_truncation_vfs())
            self.topics = [(int(i), str(n), str(t)) for i, n, t in self.db.execute(
                'SELECT id, name, type FROM topics ORDER BY id')]
        except apsw.Error as exc:
            raise ImageEncodingError(f'cannot open bag file {path}: {exc}') from exc

    def close(self) -> None:
        self.db.close()

    def _max_id(self) -> Optional[int]:
        try:
            row = self.db.execute('SELECT max(id) FROM messages').fetchone()
        except self._apsw.Error:
            return None
        return None if row is None or row[0] is None else int(row[0])

    def messages(self, ids: Sequence[int], expected: int, on_damage: OnDamage
                 ) -> Iterator[Tuple[int, int, bytes]]:
        marks = ','.join('?' for _ in ids)
        scan = (f'SELECT id, topic_id, timestamp, data FROM messages WHERE id > ? AND '
                f'topic_id IN ({marks}) ORDER BY id')
        probe = 'SELECT id, topic_id, timestamp, data FROM messages WHERE id = ?'
        last = 0
        limit = None
        while True:
            try:
                for row_id, topic_id, stamp, data in self.db.execute(scan, (last, *ids)):
                    last = int(row_id)
                    yield int(topic_id), int(stamp), bytes(data)
                return
            except self._apsw.Error as exc:
                if limit is None:
                    known = self._max_id()
                    limit = known if known is not None else max(last, expected) + PROBE_MARGIN
                first_bad = last + 1
                _report(on_damage, f'{self.path.name} row id {first_bad}',
                        f'damaged storage ({type(exc).__name__}: {exc}); looking for the next '
                        'intact row')
            while last < limit:  # probe rows one by one until one reads again
                last += 1
                try:
                    row = self.db.execute(probe, (last,)).fetchone()
                except self._apsw.Error:
                    continue
                if row is not None:
                    if int(row[1]) in ids:
                        yield int(row[1]), int(row[2]), bytes(row[3])
                    break
            else:
                _report(on_damage, f'{self.path.name} row ids {first_bad}..{limit}',
                        'unreadable up to the end of the table')
                return


# -- mcap ------------------------------------------------------------------------------------

class _McapChannels:
    """Schemas and channels seen so far in an mcap file."""

    def __init__(self):
        self.schemas: Dict[int, str] = {}
        self.channels: Dict[int, Tuple[str, str]] = {}

    def schema(self, rec: bytes) -> None:
        (sid,) = struct.unpack_from('<H', rec, 0)
        (length,) = struct.unpack_from('<I', rec, 2)
        self.schemas[sid] = rec[6:6 + length].decode('utf-8')

    def channel(self, rec: bytes) -> None:
        cid, sid = struct.unpack_from('<HH', rec, 0)
        (length,) = struct.unpack_from('<I', rec, 4)
        topic = rec[8:8 + length].decode('utf-8')
        self.channels[cid] = (topic, self.schemas.get(sid, ''))


def _mcap_records(data, start: int, end: int, where: str, on_damage: OnDamage,
                  anchors: Sequence[int] = ()) -> Iterator[Tuple[int, int, memoryview]]:
    """
    Yield ``(offset, opcode, body)`` of the records in ``data[start:end]``.

    :param anchors: sorted offsets of known record starts (the summary's chunk index): after a
        damaged record header, reading resumes at the first one past it; without one the rest
        is lost.
    """
    view = memoryview(data)
    offset = start
    while offset < end:
        if end - offset < 9:
            problem = 'truncated record header'
        else:
            opcode = view[offset]
            (length,) = struct.unpack_from('<Q', view, offset + 1)
            if length <= end - offset - 9:
                yield offset, opcode, view[offset + 9:offset + 9 + length]
                offset += 9 + length
                continue
            problem = (f'record 0x{opcode:02x} of {length} bytes runs past the end '
                       f'({end - offset - 9} left): truncated or damaged')
        following = anchors[bisect.bisect_right(anchors, offset):]
        if not following:
            _report(on_damage, f'{where} byte {offset}', f'{problem}; the rest is lost')
            return
        _report(on_damage, f'{where} byte {offset}', f'{problem}; its records are lost, '
                f'reading resumes at the next chunk (byte {following[0]})')
        offset = following[0]


class _Mcap:
    """One rosbag2 ``.mcap`` file, walked record by record."""

    def __init__(self, path: Path):
        import mmap
        self.path = path
        self._stream = None
        try:
            self._stream = open(path, 'rb')
            size = os.fstat(self._stream.fileno()).st_size
            self.data = mmap.mmap(self._stream.fileno(), 0, access=mmap.ACCESS_READ) \
                if size else b''
        except OSError as exc:
            self.close()
            raise ImageEncodingError(f'cannot read bag file {path}: {exc.strerror}') from exc
        if self.data[:8] != MCAP_MAGIC or len(self.data) < 17 or self.data[8] != 0x01:
            self.close()
            raise ImageEncodingError(f'{path} is not an mcap file (bad magic or header)')
        (length,) = struct.unpack_from('<Q', self.data, 9)
        self.data_start = 17 + length
        self.chunk_offsets = self._chunk_index()
        self.channels = _McapChannels()
        if not self._channels_from_summary():
            # no usable summary (a truncated file): channels live inside the chunks
            for _ in self._walk(None, None):
                pass

    def _chunk_index(self) -> List[int]:
        """Return the sorted chunk offsets of the summary's ChunkIndex records ([] if none)."""
        data, offsets = self.data, set()
        footer = len(data) - 8 - 29
        if footer < self.data_start or data[-8:] != MCAP_MAGIC or data[footer] != 0x02:
            return []
        (summary,) = struct.unpack_from('<Q', data, footer + 9)
        if not self.data_start <= summary < footer:
            return []
        for _, opcode, body in _mcap_records(data, summary, footer, '', None):
            if opcode == 0x08 and len(body) >= 24:
                (start,) = struct.unpack_from('<Q', body, 16)
                if self.data_start <= start < summary and data[start] == 0x06:
                    offsets.add(start)
        return sorted(offsets)

    def _channels_from_summary(self) -> bool:
        """Learn the channels from the file's summary section (rosbags), if it is intact."""
        from rosbags.rosbag2.storage_mcap import McapReader
        reader = McapReader(self.path)
        try:
            reader.open()
        except Exception:  # noqa: B902 - truncated or damaged summary: scan instead
            return False
        try:
            for conn in reader.connections:
                self.channels.channels[int(conn.id)] = (conn.topic, conn.msgtype)
        finally:
            reader.close()
        return True

    def close(self) -> None:
        data, self.data = getattr(self, 'data', b''), b''
        if hasattr(data, 'close'):
            try:
                data.close()
            except BufferError:  # a suspended reader still holds a view; GC unmaps it
                pass
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def _chunk(self, offset: int, body: memoryview, on_damage: OnDamage) -> Optional[bytes]:
        from rosbags.rosbag2.storage_mcap import decompress
        where = f'{self.path.name} chunk at byte {offset}'
        try:
            _, _, size, crc = struct.unpack_from('<QQQI', body, 0)
            if size > MAX_CHUNK_BYTES:
                raise ValueError(f'it declares {size} uncompressed bytes, over the '
                                 f'{MAX_CHUNK_BYTES}-byte cap')
            (clen,) = struct.unpack_from('<I', body, 28)
            compression = bytes(body[32:32 + clen]).decode('utf-8')
            (csize,) = struct.unpack_from('<Q', body, 32 + clen)
            payload = bytes(body[40 + clen:40 + clen + csize])
            if len(payload) != csize:
                raise ValueError(f'{csize} compressed bytes announced, {len(payload)} present')
            return decompress(payload, compression, size, crc)
        except Exception as exc:  # noqa: B902 - struct.error, ReaderError, zstd/lz4 errors
            _report(on_damage, where, f'damaged chunk ({exc}); its messages are lost')
            return None

    def _walk(self, wanted: Optional[set], on_damage: OnDamage
              ) -> Iterator[Tuple[int, int, bytes]]:
        top = _mcap_records(self.data, self.data_start, len(self.data), self.path.name,
                            on_damage if wanted is not None else None, self.chunk_offsets)
        for offset, opcode, body in top:
            if opcode == 0x06:
                raw = self._chunk(offset, body, on_damage if wanted is not None else None)
                if raw is None:
                    continue
                where = f'{self.path.name} chunk at byte {offset}'
                inner = _mcap_records(raw, 0, len(raw), where,
                                      on_damage if wanted is not None else None)
                yield from sorted(self._records(inner, wanted, where, on_damage),
                                  key=lambda m: m[1])
            elif opcode in (0x0F, 0x02):  # data end, footer
                return
            else:
                yield from self._records(iter([(offset, opcode, body)]), wanted,
                                         self.path.name, on_damage)

    def _records(self, records, wanted, where, on_damage):
        for offset, opcode, body in records:
            if opcode == 0x03:
                self.channels.schema(bytes(body))
            elif opcode == 0x04:
                self.channels.channel(bytes(body))
            elif opcode == 0x05:
                if wanted is None or len(body) < 22:
                    if wanted is not None:
                        _report(on_damage, f'{where} byte {offset}', 'message record too short')
                    continue
                cid, _, log_time, _ = struct.unpack_from('<HIQQ', body, 0)
                if cid in wanted:
                    yield cid, int(log_time), bytes(body[22:])
            elif opcode not in MCAP_OPCODES and opcode < MCAP_PRIVATE and wanted is not None:
                _report(on_damage, f'{where} byte {offset}', f'unknown record opcode '
                        f'0x{opcode:02x} ({len(body)} bytes) skipped; a damaged message?')

    def messages(self, ids: Sequence[int], on_damage: OnDamage
                 ) -> Iterator[Tuple[int, int, bytes]]:
        yield from self._walk(set(ids), on_damage)


class RobustReader:
    """
    Read a rosbag2 (sqlite3 or mcap) past damaged storage.

    :param path: rosbag2 folder or one ``.db3``/``.mcap`` file.
    :raises ImageEncodingError: if the bag cannot be opened at all (no metadata, no topic
        table, not an mcap file).
    """

    def __init__(self, path):
        self.path = Path(path)
        files, self.storage, self.counts = storage_files(self.path)
        self._files = []
        try:
            for name in files:
                if not name.is_file():
                    raise ImageEncodingError(f'bag file {name} is missing')
                self._files.append(_Sqlite(name) if self.storage == 'sqlite3' else _Mcap(name))
        except BaseException:  # noqa: B902 - clean up, then re-raise
            self.close()
            raise
        names: Dict[str, str] = {}
        for part in self._files:
            pairs = [(n, t) for _, n, t in part.topics] if self.storage == 'sqlite3' else \
                list(part.channels.channels.values())
            for name, msgtype in pairs:
                names.setdefault(name, msgtype)
        self.topics = [Topic(i, n, t, self.counts.get(n)) for i, (n, t) in
                       enumerate(sorted(names.items()))]

    def close(self) -> None:
        """Close every storage file."""
        for part in self._files:
            part.close()
        self._files = []

    def messages(self, topics: Sequence[Topic], on_damage: OnDamage = None
                 ) -> Iterator[Tuple[Topic, int, bytes]]:
        """
        Yield ``(topic, bag timestamp ns, CDR bytes)`` of ``topics``, file by file.

        :param topics: a selection of :attr:`topics`.
        :param on_damage: ``fn(position, reason)`` for each damaged unit skipped.
        """
        by_name = {t.topic: t for t in topics}
        expected = sum(t.msgcount or 0 for t in self.topics)
        for part in self._files:
            if self.storage == 'sqlite3':
                local = {i: by_name[n] for i, n, _ in part.topics if n in by_name}
                stream = part.messages(list(local), expected, on_damage) if local else iter(())
            else:
                local = {i: by_name[n] for i, (n, _) in part.channels.channels.items()
                         if n in by_name}
                stream = part.messages(list(local), on_damage) if local else iter(())
            for sid, stamp, raw in stream:
                yield local[sid], stamp, raw


__all__ = ['RobustReader', 'Topic', 'compression', 'storage_files']
