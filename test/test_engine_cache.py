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
    with pytest.raises(EngineBuildError, match='no space left.*engine_cache_dir'):
        atomic_write(target, b'new engine that never lands')
    assert target.read_bytes() == b'old engine'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['e.engine']
    with pytest.raises(EngineBuildError):
        EngineCache(tmp_path / 'c').store(BASE, b'x', 'm')
    assert not (tmp_path / 'c').exists()  # nor the folder made for it


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


# -- calibration fingerprints (what the engine key records of the calibration data) -------

def _png(path, value=0, size=(6, 4)):
    import cv2
    import numpy as np
    assert cv2.imwrite(str(path), np.full((size[1], size[0], 3), value, np.uint8))


def test_folder_fingerprint_follows_the_images_calibration_reads(tmp_path):
    from jetson_dnn_ros.backends.calibration import image_files, source_fingerprint
    folder = tmp_path / 'photos'
    folder.mkdir()
    for i in range(3):
        _png(folder / f'{i}.png', i)
    (folder / 'README.txt').write_text('not an image')
    (folder / 'sub').mkdir()
    _png(folder / 'sub' / 'deep.png')  # not read: discovery is not recursive
    assert [p.name for p in image_files(folder)] == ['0.png', '1.png', '2.png']
    first = source_fingerprint(folder)
    assert first.startswith('folder:') and source_fingerprint(folder) == first
    (folder / 'README.txt').write_text('still not an image, now longer')
    _png(folder / 'sub' / 'deep.png', 9)
    assert source_fingerprint(folder) == first
    # same name, other content (size) -> other fingerprint
    _png(folder / '1.png', 200, size=(8, 8))
    second = source_fingerprint(folder)
    assert second != first
    # same size, newer mtime -> other fingerprint
    stat = (folder / '2.png').stat()
    os.utime(folder / '2.png', ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    third = source_fingerprint(folder)
    assert third not in (first, second)
    (folder / '2.png').rename(folder / '3.png')
    assert source_fingerprint(folder) != third
    # the folder's name and location do not matter, only what is read from it
    before = source_fingerprint(folder)
    moved = tmp_path / 'elsewhere'
    folder.rename(moved)
    assert source_fingerprint(moved) == before


def test_rosbag_fingerprint_follows_its_storage_files(tmp_path):
    from jetson_dnn_ros.backends.calibration import source_fingerprint
    bag = tmp_path / 'bag'
    bag.mkdir()
    (bag / 'metadata.yaml').write_text('rosbag2_bagfile_information: {}\n')
    (bag / 'bag_0.db3').write_bytes(b'x' * 10)
    (bag / 'notes.txt').write_text('ignored')
    first = source_fingerprint(bag)
    assert first.startswith('rosbag:')
    (bag / 'notes.txt').write_text('ignored, longer')
    assert source_fingerprint(bag) == first
    (bag / 'bag_0.db3').write_bytes(b'x' * 11)
    second = source_fingerprint(bag)
    assert second != first
    # a .db3/.mcap file stands for its whole bag folder, which is what the reader opens
    assert source_fingerprint(bag / 'bag_0.db3') == second
    (bag / 'metadata.yaml').write_text('rosbag2_bagfile_information: {version: 9}\n')
    assert source_fingerprint(bag) != second
    ros1 = tmp_path / 'old.bag'
    ros1.write_bytes(b'#ROSBAG V2.0\n')
    one = source_fingerprint(ros1)
    ros1.write_bytes(b'#ROSBAG V2.0\n..')
    assert source_fingerprint(ros1) != one


def test_fingerprint_of_a_missing_or_empty_source_is_an_error(tmp_path):
    from jetson_dnn_ros.backends.calibration import source_fingerprint
    with pytest.raises(EngineBuildError, match='does not exist'):
        source_fingerprint(tmp_path / 'nowhere')
    (tmp_path / 'empty').mkdir()
    with pytest.raises(EngineBuildError, match='no images'):
        source_fingerprint(tmp_path / 'empty')


def test_files_digest_and_calibration_cache_digest(tmp_path):
    from jetson_dnn_ros.backends.engine_cache import calibration_cache_digest, files_digest
    a = tmp_path / 'a.bin'
    a.write_bytes(b'1234')
    digest = files_digest(tmp_path, [a])
    assert len(digest) == 64 and files_digest(tmp_path, [a]) == digest
    assert files_digest(tmp_path / '..', [a]) != digest  # relative names are part of it
    assert calibration_cache_digest(tmp_path / 'none.calib') == 'absent'
    assert calibration_cache_digest(a) == file_sha256(a)
