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

"""Model zoo: downloads from a loopback HTTP server, checksums, atomic writes, listing."""

import functools
import hashlib
import http.server
import socket
import threading

from jetson_dnn_ros import zoo
from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.models import descriptor_from_dict
from onnxgen import identity_model
import pytest


@pytest.fixture(scope='module')
def server(tmp_path_factory):
    """Serve a folder holding a generated ONNX file on 127.0.0.1; yield (base url, bytes)."""
    root = tmp_path_factory.mktemp('www')
    payload = identity_model(root / 'tiny.onnx').read_bytes()

    class Quiet(http.server.SimpleHTTPRequestHandler):

        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}', payload
    httpd.shutdown()
    httpd.server_close()


def _descriptor(url, sha256, file='models/test/tiny.onnx'):
    return descriptor_from_dict({
        'name': 'tiny', 'task': 'classification', 'file': file, 'url': url,
        'sha256': sha256, 'input': {'name': 'input', 'width': 8, 'height': 8},
        'decoder': 'classification'})


def _leftovers(folder):
    return sorted(p.name for p in folder.rglob('*') if p.is_file()) if folder.exists() else []


def test_pull_downloads_into_cache_with_good_hash(server, isolated_cache):
    base, payload = server
    digest = hashlib.sha256(payload).hexdigest()
    path = zoo.pull(_descriptor(f'{base}/tiny.onnx', digest), progress=False)
    assert path == isolated_cache / 'models' / 'test' / 'tiny.onnx'
    assert path.read_bytes() == payload
    assert zoo.sha256_file(path) == digest
    assert _leftovers(isolated_cache) == ['tiny.onnx']  # no temp file left
    # now local: found without touching the network (the url is unreachable)
    again = zoo.pull(_descriptor('http://127.0.0.1:9/none.onnx', digest), progress=False)
    assert again == path


def test_force_downloads_again(server, isolated_cache):
    base, payload = server
    digest = hashlib.sha256(payload).hexdigest()
    descriptor = _descriptor(f'{base}/tiny.onnx', digest)
    path = zoo.pull(descriptor, progress=False)
    path.write_bytes(b'stale')
    assert zoo.pull(descriptor, force=True, progress=False).read_bytes() == payload


def test_checksum_mismatch_names_both_hashes_and_leaves_nothing(server, isolated_cache):
    base, payload = server
    wrong = '0' * 64
    with pytest.raises(ModelError, match='checksum mismatch') as info:
        zoo.pull(_descriptor(f'{base}/tiny.onnx', wrong), progress=False)
    assert wrong in str(info.value)
    assert hashlib.sha256(payload).hexdigest() in str(info.value)
    assert _leftovers(isolated_cache) == []


def test_http_404_is_a_clear_error(server, isolated_cache):
    base, _ = server
    with pytest.raises(ModelError, match='HTTP 404'):
        zoo.pull(_descriptor(f'{base}/missing.onnx', None), progress=False)
    assert _leftovers(isolated_cache) == []


def test_unreachable_host_says_offline(isolated_cache):
    with socket.socket() as sock:  # a port that nobody listens on
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    with pytest.raises(ModelError, match='offline'):
        zoo.pull(_descriptor(f'http://127.0.0.1:{port}/tiny.onnx', None), progress=False)
    assert _leftovers(isolated_cache) == []


def test_missing_file_without_url(isolated_cache):
    with pytest.raises(ModelError, match='no url'):
        zoo.pull(_descriptor(None, None, file='models/nowhere/none.onnx'), progress=False)


def test_absolute_file_caches_under_models(isolated_cache):
    descriptor = _descriptor('http://x/y', None, file='/nonexistent/dir/net.onnx')
    assert zoo.cache_path(descriptor) == isolated_cache / 'models' / 'net.onnx'


# sha256 of the shared model file, as the data folder's README lists it
MOBILENET_V2_SHA256 = '8ca9a29bfb5695deec3939a4d02541340cbcac8e6ea8a7ef22475793562272c6'
MOBILENET_V2_FILE = 'models/classification/mobilenet_v2_1.0_224_fp32.onnx'


def test_list_models_reports_local_files(data_dir):
    rows = {row.name: row for row in zoo.list_models()}
    assert rows['mobilenet_v2_1001'].task == 'classification'
    local = rows['mobilenet_v2_1001'].path
    assert local is not None and local.resolve() == (data_dir / MOBILENET_V2_FILE).resolve()
    assert all(row.task for row in rows.values())


def test_pull_by_name_finds_the_data_file(data_dir, isolated_cache):
    path = zoo.pull('mobilenet_v2_1001', progress=False)
    assert path.resolve() == (data_dir / MOBILENET_V2_FILE).resolve()
    assert zoo.sha256_file(path) == MOBILENET_V2_SHA256
    assert _leftovers(isolated_cache) == []   # found locally: nothing downloaded
