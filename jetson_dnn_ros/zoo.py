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
The model zoo: find a named model locally or download it from its pinned URL.

A descriptor's ``file`` is looked up (through :func:`jetson_dnn_ros.paths.find_file`) in the
descriptor's folder, the cache folder ``$JETSON_DNN_CACHE`` and the data folder
``$JETSON_DNN_DATA``. When it is nowhere, :func:`pull` downloads the descriptor's ``url`` into
the cache at the same relative path, checks its ``sha256`` and only then moves it into place
(:func:`jetson_dnn_ros.outputs.staged_file`, so a reader never sees a partial file).
Only the standard library's ``urllib`` is used.
"""

from dataclasses import dataclass
import hashlib
from pathlib import Path
from typing import Optional, Tuple, Union
import urllib.error
import urllib.request

from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.models import get_descriptor, list_descriptors, ModelDescriptor
from jetson_dnn_ros.paths import cache_dir

CHUNK_BYTES = 1 << 20
"""Read size of downloads and hashing, in bytes."""

USER_AGENT = 'jetson_dnn_ros-zoo/0.1'


@dataclass(frozen=True)
class ZooEntry:
    """
    One row of :func:`list_models`.

    :param name: descriptor name (``--model`` value).
    :param task: the model's task.
    :param path: the local ONNX file, or None when it has to be downloaded (or supplied).
    :param url: the pinned download URL, or None.
    """

    name: str
    task: str
    path: Optional[Path]
    url: Optional[str]


def sha256_file(path) -> str:
    """Return the hex sha256 of a file, read in :data:`CHUNK_BYTES` chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as stream:
        for chunk in iter(lambda: stream.read(CHUNK_BYTES), b''):
            digest.update(chunk)
    return digest.hexdigest()


def cache_path(descriptor: ModelDescriptor) -> Path:
    """
    Return where :func:`pull` stores the descriptor's file in the cache folder.

    A relative ``file`` keeps its relative path under the cache; an absolute one is stored
    as ``models/<basename>``.
    """
    if not descriptor.file:
        raise ModelError(f'model {descriptor.name!r} names no file in its descriptor')
    relative = Path(descriptor.file)
    if relative.is_absolute():
        relative = Path('models') / relative.name
    return cache_dir() / relative


def download(url: str, dest, sha256: Optional[str] = None, progress: bool = True,
             timeout: float = 30.0) -> Path:
    """
    Download ``url`` to ``dest`` atomically, checking its sha256.

    The body is streamed into a staged file (:func:`~jetson_dnn_ros.outputs.staged_file`) while
    it is hashed, and moved onto ``dest`` only when the whole body arrived and the
    hash matches. On any failure the temporary file is deleted and ``dest`` is untouched.

    :param url: ``http(s)://`` or ``file://`` URL.
    :param dest: target file path; missing parent folders are created.
    :param sha256: expected lowercase hex digest, or None to skip the check.
    :param progress: show a tqdm progress bar on stderr.
    :param timeout: socket timeout in seconds.
    :return: ``dest`` as a :class:`~pathlib.Path`.
    :raises ModelError: on an HTTP error (with its status), an unreachable host (offline),
        a short body, a checksum mismatch (naming both hashes), or a destination that cannot
        be written (read-only, permission, no space: one line naming the path and the cause).
    """
    from jetson_dnn_ros.outputs import OutputError, staged_file
    dest = Path(dest)
    request = urllib.request.Request(url, headers={'User-Agent': USER_AGENT})
    digest = hashlib.sha256()
    received = 0
    try:
        with staged_file(dest) as out:
            try:
                response = urllib.request.urlopen(request, timeout=timeout)
            except urllib.error.HTTPError as exc:
                raise ModelError(f'download of {url} failed: HTTP {exc.code} {exc.reason}; '
                                 'check the descriptor url') from exc
            except (urllib.error.URLError, OSError) as exc:
                reason = getattr(exc, 'reason', exc)
                raise ModelError(f'cannot reach {url} ({reason}); are you offline? Download '
                                 f'the file by hand and put it at {dest}') from exc
            with response:
                length = response.headers.get('Content-Length')
                total = int(length) if length and length.isdigit() else None
                from tqdm import tqdm
                with tqdm(total=total, unit='B', unit_scale=True, unit_divisor=1024,
                          desc=dest.name, disable=not progress, leave=False) as bar:
                    while True:
                        try:
                            chunk = response.read(CHUNK_BYTES)
                        except OSError as exc:
                            raise ModelError(f'download of {url} broke off after {received} '
                                             f'bytes: {exc}') from exc
                        if not chunk:
                            break
                        out.write(chunk)
                        digest.update(chunk)
                        received += len(chunk)
                        bar.update(len(chunk))
            if total is not None and received != total:
                raise ModelError(f'download of {url} is incomplete: {received} of {total} '
                                 'bytes')
            actual = digest.hexdigest()
            if sha256 and actual != sha256.lower():
                raise ModelError(f'checksum mismatch for {url}: expected sha256 '
                                 f'{sha256.lower()}, got {actual}; the file was deleted. Fix '
                                 'the descriptor sha256 or the url')
    except OutputError as exc:  # a cache that cannot be written, a full disk
        raise ModelError(f'{exc}; set JETSON_DNN_CACHE to a writable folder or download the '
                         'file by hand') from None
    return dest


def _descriptor(descriptor_or_name: Union[str, ModelDescriptor]) -> ModelDescriptor:
    if isinstance(descriptor_or_name, ModelDescriptor):
        return descriptor_or_name
    return get_descriptor(str(descriptor_or_name))


def pull(descriptor_or_name: Union[str, ModelDescriptor], force: bool = False,
         progress: bool = True) -> Path:
    """
    Return the local ONNX file of a model, downloading it into the cache if needed.

    Order: (1) a local file (descriptor folder, cache, data folder), (2) the cache, (3) a
    download of the descriptor's pinned ``url`` into :func:`cache_path`, verified against
    its ``sha256``. ``force`` skips (1) and (2) and downloads again.

    :param descriptor_or_name: a :class:`ModelDescriptor`, a zoo name or a ``.yaml`` path.
    :param force: download even when a local copy exists.
    :param progress: show a download progress bar.
    :return: path of the ONNX file.
    :raises ModelError: if the model is unknown, not local and has no ``url``, or the
        download fails (see :func:`download`).
    """
    descriptor = _descriptor(descriptor_or_name)
    if not force:
        local = descriptor.model_path()
        if local is not None:
            return local
    if not descriptor.url:
        raise ModelError(f'model {descriptor.name!r}: file {descriptor.file!r} is not local and '
                         'the descriptor has no url to download it from; put the file in '
                         f'{cache_dir()} or $JETSON_DNN_DATA, or pass --model-file')
    return download(descriptor.url, cache_path(descriptor), descriptor.sha256, progress)


def list_models(directory=None) -> Tuple[ZooEntry, ...]:
    """
    Return every known model with its task, local file (or None) and URL, sorted by name.

    :param directory: descriptor folder; None = :func:`jetson_dnn_ros.paths.models_dir`.
    """
    return tuple(ZooEntry(d.name, d.task, d.model_path() if d.file else None, d.url)
                 for d in list_descriptors(directory))


__all__ = ['ZooEntry', 'cache_path', 'download', 'list_models', 'pull', 'sha256_file']
