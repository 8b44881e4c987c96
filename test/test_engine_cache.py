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

"""Engine cache: keys, verification, atomic writes, listing and cleaning (no TensorRT)."""

from dataclasses import replace
import json
import os

from jetson_dnn_ros.backends.engine_cache import atomic_write, EngineCache, EngineKey
from jetson_dnn_ros.backends.engine_cache import file_sha256, read_entry
from jetson_dnn_ros.backends.tensorrt import normalize_profile, resolve_profile
from jetson_dnn_ros.errors import EngineBuildError, ModelError
import pytest

BASE = EngineKey(onnx_sha256='ab' * 32, tensorrt_version='10.3.0', gpu_name='Orin',
                 compute_capability=(8, 7), precision='fp16',
                 profile={'images': ((1, 3, 416, 416),) * 3}, dla_core=None,
                 options={'calibration': 'photos'})
CHANGES = {
    'onnx_sha256': 'cd' * 32,
    'tensorrt_version': '10.4.0',
    'gpu_name': 'NVIDIA H100 80GB HBM3',
    'compute_capability': (9, 0),
    'precision': 'int8',
    'profile': {'images': ((1, 3, 640, 640),) * 3},
    'dla_core': 0,
    'options': {'calibration': 'bag'},
}


@pytest.mark.parametrize('field', sorted(CHANGES))
def test_every_field_changes_the_key(field, tmp_path):
    other = replace(BASE, **{field: CHANGES[field]})
    assert other != BASE and other.digest() != BASE.digest()
    assert BASE.differences(other) == [field]
    cache = EngineCache(tmp_path)
    assert cache.path_for(other, 'yolox') != cache.path_for(BASE, 'yolox')


def test_key_round_trips_through_json():
    data = json.loads(json.dumps(BASE.to_dict()))
    assert EngineKey.from_dict(data) == BASE
    assert EngineKey.from_dict(data).digest() == BASE.digest()
    # profile order does not matter
    two = replace(BASE, profile={'b': ((1,),) * 3, 'a': ((2,),) * 3})
    assert two == replace(BASE, profile={'a': ((2,),) * 3, 'b': ((1,),) * 3})


def test_store_and_load(tmp_path):
    cache = EngineCache(tmp_path)
    path = cache.store(BASE, b'engine-bytes', 'yolox', extra={'build_seconds': 1.5})
    assert path.name.startswith('yolox-fp16-') and path.suffix == '.engine'
    assert cache.load(BASE, 'yolox') == b'engine-bytes'
    meta = json.loads(path.with_name(path.name + '.json').read_text())
    assert meta['size'] == 12 and meta['build_seconds'] == 1.5
    assert cache.load(replace(BASE, precision='fp32'), 'yolox') is None
    assert cache.last_reason == 'missing'


def test_stale_metadata_is_not_trusted(tmp_path):
    cache = EngineCache(tmp_path)
    path = cache.store(BASE, b'engine', 'm')
    meta_path = path.with_name(path.name + '.json')
    meta = json.loads(meta_path.read_text())
    meta['key']['gpu_name'] = 'Xavier'
    meta['key']['tensorrt_version'] = '8.6.2'
    meta_path.write_text(json.dumps(meta))
    assert cache.load(BASE, 'm') is None
    assert cache.last_reason == 'stale: tensorrt_version, gpu_name changed'


@pytest.mark.parametrize('damage,reason', [
    ('engine', 'corrupt: engine bytes do not match their recorded sha256'),
    ('truncate', 'corrupt: engine bytes do not match their recorded sha256'),
    ('meta_json', 'corrupt: unreadable metadata'),
    ('meta_missing', 'corrupt: metadata file missing'),
    ('format', 'stale: metadata format 0'),
])
def test_corrupt_entries_are_reported(tmp_path, damage, reason):
    cache = EngineCache(tmp_path)
    path = cache.store(BASE, b'0123456789', 'm')
    meta_path = path.with_name(path.name + '.json')
    if damage == 'engine':
        path.write_bytes(b'0123456780')
    elif damage == 'truncate':
        path.write_bytes(b'01234')
    elif damage == 'meta_json':
        meta_path.write_text('{"key": ')
    elif damage == 'meta_missing':
        meta_path.unlink()
    else:
        meta = json.loads(meta_path.read_text())
        meta['format'] = 0
        meta_path.write_text(json.dumps(meta))
    data, why = read_entry(path, BASE)
    assert data is None and why.startswith(reason)
    assert cache.load(BASE, 'm') is None


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / 'e.engine'
    atomic_write(target, b'old engine')

    def fail(fd):
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(os, 'fsync', fail)
    with pytest.raises(EngineBuildError, match='No space left.*engine_cache_dir'):
        atomic_write(target, b'new engine that never lands')
    assert target.read_bytes() == b'old engine'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['e.engine']
    with pytest.raises(EngineBuildError):
        EngineCache(tmp_path / 'c').store(BASE, b'x', 'm')
    assert not list((tmp_path / 'c').iterdir())


def test_entries_and_clean(tmp_path):
    cache = EngineCache(tmp_path)
    good = cache.store(BASE, b'good', 'a')
    foreign = cache.store(replace(BASE, gpu_name='Xavier'), b'elsewhere', 'b')
    broken = cache.store(replace(BASE, precision='fp32'), b'broken', 'c')
    broken.write_bytes(b'BROKEN')
    stale = tmp_path / '.a.engine.123.tmp'
    stale.write_bytes(b'partial')
    os.utime(stale, (1.0, 1.0))  # left by a build that died long ago
    building = tmp_path / '.b.engine.456.tmp'
    building.write_bytes(b'being written by another process right now')
    here = ('10.3.0', 'Orin', (8, 7))
    status = {e.path: e.status for e in cache.entries(here)}
    assert status == {good: 'ok', foreign: 'foreign', broken: 'corrupt'}
    assert {e.path: e.status for e in cache.entries()}[foreign] == 'ok'
    removed = cache.clean(here)
    assert sorted(removed) == sorted([foreign, broken])
    assert [e.path for e in cache.entries(here)] == [good]
    assert list(tmp_path.glob('.*.tmp')) == [building], 'only stale temporary files go'
    assert cache.clean(here, everything=True) == [good]
    assert list(tmp_path.glob('*.engine*')) == [building]


def test_file_sha256_matches_hashlib(tmp_path):
    import hashlib
    path = tmp_path / 'm.onnx'
    data = os.urandom(3 << 20)
    path.write_bytes(data)
    assert file_sha256(path, chunk=1 << 16) == hashlib.sha256(data).hexdigest()


def test_default_folder_is_the_cache(isolated_cache):
    assert EngineCache().directory == isolated_cache / 'engines'


def test_timing_cache_path_depends_on_version_and_gpu(tmp_path):
    cache = EngineCache(tmp_path)
    a = cache.timing_cache_path('10.3.0', 'Orin', (8, 7))
    assert a.parent == tmp_path / 'timing' and a.name == 'trt10.3.0-Orin-sm87.cache'
    assert a != cache.timing_cache_path('10.3.0', 'NVIDIA H100 80GB HBM3', (9, 0))


# -- profile resolution (pure helpers of the TensorRT backend) ---------------------------

def test_normalize_profile_forms():
    out = normalize_profile({'x': {'min': [1, 3, 8, 8], 'opt': [1, 3, 16, 16],
                                   'max': [1, 3, 32, 32]}}, {'y': [1, 4]})
    assert out == {'x': ((1, 3, 8, 8), (1, 3, 16, 16), (1, 3, 32, 32)),
                   'y': ((1, 4),) * 3}
    with pytest.raises(ModelError, match='min <= opt <= max'):
        normalize_profile({'x': ((1, 3, 32, 32), (1, 3, 16, 16), (1, 3, 8, 8))})
    with pytest.raises(ModelError, match='needs \\(min, opt, max\\)'):
        normalize_profile({'x': ((1, 3, 8, 8),)})


def test_resolve_profile():
    inputs = [('images', (1, 3, 416, 416)), ('scale', (-1, 2)), ('input', (1, -1, -1, 3))]
    out = resolve_profile(inputs, {}, {'input': (1, 257, 257, 3)})
    assert out == {'images': ((1, 3, 416, 416),) * 3, 'scale': ((1, 2),) * 3,
                   'input': ((1, 257, 257, 3),) * 3}
    with pytest.raises(EngineBuildError, match="input 'input' has dynamic dimensions"):
        resolve_profile(inputs, {})
    with pytest.raises(EngineBuildError, match='does not fit the model input'):
        resolve_profile(inputs, {'images': ((1, 3, 320, 320),) * 3},
                        {'input': (1, 257, 257, 3)})
    with pytest.raises(EngineBuildError, match='unknown inputs'):
        resolve_profile(inputs, {'nope': ((1,),) * 3})
    first = resolve_profile([('input', (1, -1, -1, 3))], {}, {None: (1, 65, 65, 3)})
    assert first == {'input': ((1, 65, 65, 3),) * 3}
