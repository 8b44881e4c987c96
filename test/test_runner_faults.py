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
The runner under fault injection: outputs, full and read-only disks, damaged bags.

Every writer is checked the same way: after an injected failure nothing partial is left (no
output, no hidden ``.partial`` sibling) and a re-run succeeds. Damaged bags are copies of the
shared real bags with bytes flipped or cut; frames before AND after the damage must come out.
Real full/read-only file systems are tmpfs mounts, which need root: those tests skip otherwise.
"""

import errno
import json
import os
from pathlib import Path
import shutil
import sqlite3
import struct
import subprocess

import cv2
from jetson_dnn_ros import bag
from jetson_dnn_ros import cli
import numpy as np
import pytest

MODEL = 'mobilenet_v2_1001'
GOOD = ('dog_0', 'peds_0', 'cat_0')
RAW = '/camera/image_raw'


def _root() -> bool:
    return hasattr(os, 'geteuid') and os.geteuid() == 0


needs_root = pytest.mark.skipif(not _root(), reason='tmpfs mounts (full / read-only disks) '
                                'need root; run the suite as root (CI does) to cover them')


@pytest.fixture
def tmpfs(tmp_path):
    """Mount a tmpfs; yield ``(mount point, remount(options))``; unmount afterwards."""
    point = tmp_path / 'mnt'
    point.mkdir()
    mounted = []

    def mount(options):
        cmd = ['mount', '-t', 'tmpfs', '-o', options, 'tmpfs', str(point)] if not mounted \
            else ['mount', '-o', f'remount,{options}', str(point)]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f'cannot mount tmpfs here: {result.stderr.strip()}')
        mounted.append(True)

    yield point, mount
    if mounted:
        subprocess.run(['umount', '-l', str(point)], check=False)


@pytest.fixture
def photo_dir(tmp_path, data_dir):
    folder = tmp_path / 'photos'
    folder.mkdir()
    for name in GOOD:
        shutil.copy(data_dir / 'images' / f'{name}.jpg', folder / f'{name}.jpg')
    return folder


def _partials(folder: Path):
    """Return hidden staged leftovers (``.<name>.<random>.partial``) under ``folder``."""
    return sorted(p.name for p in Path(folder).rglob('*.partial'))


def _run(*argv):
    return cli.main(['run', '--model', MODEL, '--quiet', *map(str, argv)])


def _copy_bag(data_dir, tmp_path, name):
    dst = tmp_path / name
    shutil.copytree(data_dir / 'bags' / name, dst)
    for f in dst.iterdir():
        f.chmod(0o644)
    dst.chmod(0o755)
    return dst


def _result_stamps(path, topic='/camera/classification'):
    from rosbags.rosbag2 import Reader
    with Reader(path) as reader:
        conns = [c for c in reader.connections if c.topic == topic]
        return [t for _, t, _ in reader.messages(connections=conns)]


def _raw_stamps(data_dir, name):
    with bag._BagReader(data_dir / 'bags' / name) as reader:
        conns = [c for c in reader.connections if c.topic == RAW]
        return [t for _, t, _ in reader.messages(conns)]


# -- outputs: refused, one line, nothing lost ----------------------------------------------

def test_output_equal_to_input_folder_is_refused(photo_dir, capsys):
    before = {p.name: p.read_bytes() for p in photo_dir.iterdir()}
    assert _run('--input', photo_dir, '--output', photo_dir) == 1
    err = capsys.readouterr().err
    assert 'destroy the input' in err and 'Traceback' not in err
    assert {p.name: p.read_bytes() for p in photo_dir.iterdir()} == before


def test_output_inside_input_folder_needs_exist_ok(photo_dir, capsys):
    assert _run('--input', photo_dir, '--output', photo_dir / 'results') == 1
    assert 'inside the input folder' in capsys.readouterr().err
    assert not (photo_dir / 'results').exists()
    assert _run('--input', photo_dir / '*.jpg', '--output', photo_dir / 'results',
                '--exist-ok') == 0
    assert sorted(p.name for p in (photo_dir / 'results').glob('*.json')) == sorted(
        f'{n}.json' for n in GOOD)


def test_output_naming_an_existing_file_is_one_line(photo_dir, tmp_path, capsys):
    existing = tmp_path / 'taken'
    existing.write_text('keep me')
    assert _run('--input', photo_dir, '--output', existing) == 1
    err = capsys.readouterr().err
    assert 'exists already' in err and '--overwrite' in err and len(err.splitlines()) == 1
    assert existing.read_text() == 'keep me'


def test_overwrite_replaces_an_existing_output_folder(photo_dir, tmp_path):
    out = tmp_path / 'o'
    assert _run('--input', photo_dir, '--output', out) == 0
    (out / 'old.txt').write_text('old')
    assert _run('--input', photo_dir, '--output', out, '--overwrite') == 0
    assert not (out / 'old.txt').exists() and len(list(out.glob('*.json'))) == len(GOOD)
    assert _partials(tmp_path) == []


def test_output_below_a_regular_file_is_one_line(photo_dir, tmp_path, capsys):
    blocker = tmp_path / 'file.txt'
    blocker.write_text('x')
    assert _run('--input', photo_dir, '--output', blocker / 'out') == 1
    err = capsys.readouterr().err
    assert 'file.txt is a file, not a folder' in err and 'Traceback' not in err
    assert blocker.read_text() == 'x'


@needs_root
def test_read_only_output_is_one_line(photo_dir, tmpfs, capsys):
    point, mount = tmpfs
    mount('size=4m,ro')
    assert _run('--input', photo_dir, '--output', point / 'out') == 1
    err = capsys.readouterr().err
    assert 'read-only file system' in err and str(point) in err and 'Traceback' not in err


# -- injected failures: nothing partial left, a re-run succeeds -----------------------------

@pytest.mark.parametrize('fmt', ['dir', 'jsonl'])
def test_folder_writer_failure_leaves_nothing_and_rerun_succeeds(photo_dir, tmp_path,
                                                                 monkeypatch, capsys, fmt):
    from jetson_dnn_ros import outputs
    real = outputs.write_image
    calls = []

    def failing(path, image):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, 'No space left on device', str(path))
        return real(path, image)

    monkeypatch.setattr(outputs, 'write_image', failing)
    out = tmp_path / 'o'
    assert _run('--input', photo_dir, '--output', out, '--format', fmt) == 1
    err = capsys.readouterr().err
    assert 'no space left on device' in err and 'nothing was kept' in err
    assert not out.exists() and _partials(tmp_path) == []
    monkeypatch.setattr(outputs, 'write_image', real)
    assert _run('--input', photo_dir, '--output', out, '--format', fmt) == 0
    assert len(list(out.glob('*.jpg'))) == len(GOOD)


def test_result_bag_failure_leaves_nothing_and_rerun_succeeds(data_dir, tmp_path, monkeypatch,
                                                              capsys):
    from rosbags.rosbag2 import Writer
    real = Writer.write
    count = []

    def failing(self, conn, stamp, data):
        count.append(1)
        if len(count) == 4:
            raise OSError(errno.ENOSPC, 'No space left on device')
        return real(self, conn, stamp, data)

    monkeypatch.setattr(Writer, 'write', failing)
    out = tmp_path / 'res_bag'
    assert _run('--input', data_dir / 'bags' / 'photos_mcap', '--output', out) == 1
    err = capsys.readouterr().err
    assert 'no space left on device' in err and 'Traceback' not in err
    assert not out.exists() and _partials(tmp_path) == []
    monkeypatch.setattr(Writer, 'write', real)
    assert _run('--input', data_dir / 'bags' / 'photos_mcap', '--output', out) == 0
    assert len(_result_stamps(out)) == 8


def test_bag_from_images_failure_leaves_nothing_and_rerun_succeeds(photo_dir, tmp_path,
                                                                   monkeypatch, capsys):
    from rosbags.rosbag2 import Writer
    real = Writer.write

    def failing(self, conn, stamp, data):
        raise OSError(errno.EROFS, 'Read-only file system')

    monkeypatch.setattr(Writer, 'write', failing)
    out = tmp_path / 'cam_bag'
    assert cli.main(['bag', 'from-images', str(photo_dir), str(out)]) == 1
    err = capsys.readouterr().err
    assert 'read-only file system' in err and 'Traceback' not in err
    assert not out.exists() and _partials(tmp_path) == []
    monkeypatch.setattr(Writer, 'write', real)
    assert cli.main(['bag', 'from-images', str(photo_dir), str(out)]) == 0
    assert bag.count_images(out) == len(GOOD)


def test_wrong_topic_leaves_no_bag(data_dir, tmp_path, capsys):
    out = tmp_path / 'res_bag'
    assert _run('--input', data_dir / 'bags' / 'photos_sqlite3', '--output', out,
                '--topic', '/nope') == 1
    assert '/camera/image_raw' in capsys.readouterr().err  # lists the valid topics
    assert not out.exists() and _partials(tmp_path) == []


def _descriptor_yaml(tmp_path, url, sha):
    path = tmp_path / 'tiny.yaml'
    path.write_text(f'name: tiny\ntask: classification\nfile: models/test/tiny.onnx\n'
                    f'url: {url}\nsha256: {sha}\ninput: {{name: input, width: 8, height: 8}}\n'
                    'decoder: classification\n')
    return path


def test_models_pull_into_unwritable_cache_is_one_line(tmp_path, monkeypatch, capsys):
    import hashlib
    from onnxgen import identity_model
    payload = identity_model(tmp_path / 'src.onnx').read_bytes()
    sha = hashlib.sha256(payload).hexdigest()
    blocker = tmp_path / 'cache_is_a_file'
    blocker.write_text('x')
    monkeypatch.setenv('JETSON_DNN_CACHE', str(blocker / 'cache'))
    yaml_path = _descriptor_yaml(tmp_path, (tmp_path / 'src.onnx').as_uri(), sha)
    assert cli.main(['models', 'pull', str(yaml_path)]) == 1
    err = capsys.readouterr().err
    assert 'cache_is_a_file is a file, not a folder' in err and 'JETSON_DNN_CACHE' in err
    assert 'Traceback' not in err
    cache = tmp_path / 'cache'
    monkeypatch.setenv('JETSON_DNN_CACHE', str(cache))
    assert cli.main(['models', 'pull', str(yaml_path)]) == 0
    assert (cache / 'models' / 'test' / 'tiny.onnx').read_bytes() == payload


@needs_root
def test_models_pull_into_read_only_cache(tmp_path, tmpfs, monkeypatch, capsys):
    import hashlib
    from onnxgen import identity_model
    payload = identity_model(tmp_path / 'src.onnx').read_bytes()
    point, mount = tmpfs
    mount('size=4m,ro')
    monkeypatch.setenv('JETSON_DNN_CACHE', str(point))
    yaml_path = _descriptor_yaml(tmp_path, (tmp_path / 'src.onnx').as_uri(),
                                 hashlib.sha256(payload).hexdigest())
    assert cli.main(['models', 'pull', str(yaml_path)]) == 1
    err = capsys.readouterr().err
    assert 'read-only file system' in err and 'Traceback' not in err


def test_engines_list_survives_deeply_nested_metadata(tmp_path, capsys):
    pytest.importorskip('jetson_dnn_ros.backends.cli_tensorrt')
    (tmp_path / 'model-fp16-0123456789abcdef.engine').write_bytes(b'not an engine')
    (tmp_path / 'model-fp16-0123456789abcdef.engine.json').write_text('[' * 100000 +
                                                                      ']' * 100000)
    assert cli.main(['engines', 'list', '--engine-cache-dir', str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert 'corrupt' in out


# -- real full / read-only disks ------------------------------------------------------------

@needs_root
@pytest.mark.parametrize('fmt', ['dir', 'jsonl'])
def test_full_disk_folder_output(photo_dir, tmpfs, capsys, fmt):
    point, mount = tmpfs
    mount('size=300k')
    out = point / 'out'
    assert _run('--input', photo_dir, '--output', out, '--format', fmt) == 1
    err = capsys.readouterr().err
    assert 'no space left on device' in err and str(out) in err and 'Traceback' not in err
    assert list(point.iterdir()) == []  # nothing partial, no hidden staging folder
    mount('size=64m')
    assert _run('--input', photo_dir, '--output', out, '--format', fmt) == 0


@needs_root
def test_full_disk_result_bag_and_bag_from_images(photo_dir, data_dir, tmpfs, capsys):
    point, mount = tmpfs
    mount('size=2m')
    out = point / 'res_bag'
    assert _run('--input', data_dir / 'bags' / 'photos_sqlite3', '--output', out,
                '--overlay', 'labels') == 1
    err = capsys.readouterr().err
    assert 'no space left on device' in err and 'Traceback' not in err
    assert list(point.iterdir()) == []
    assert cli.main(['bag', 'from-images', str(photo_dir), str(point / 'cam_bag')]) == 1
    err = capsys.readouterr().err
    assert 'cannot write bag' in err and 'Traceback' not in err
    assert list(point.iterdir()) == []
    mount('size=128m')
    assert _run('--input', data_dir / 'bags' / 'photos_sqlite3', '--output', out,
                '--overlay', 'labels') == 0
    assert cli.main(['bag', 'from-images', str(photo_dir), str(point / 'cam_bag')]) == 0


# -- damaged input: skipped, counted, never fatal --------------------------------------------

def _sqlite_damage_row(db: Path, row_id: int) -> None:
    """Flip the bytes of a page holding the middle of row ``row_id``'s data."""
    with sqlite3.connect(db) as conn:
        data = conn.execute('SELECT data FROM messages WHERE id = ?', (row_id,)).fetchone()[0]
        page = conn.execute('PRAGMA page_size').fetchone()[0]
    blob = db.read_bytes()
    probe = bytes(data[len(data) // 2:len(data) // 2 + 256])
    at = blob.find(probe)
    assert at > 0 and blob.find(probe, at + 1) < 0
    start = at - at % page
    damaged = bytearray(blob)
    for i in range(start, start + page):
        damaged[i] ^= 0xA5
    db.write_bytes(bytes(damaged))


def _raw_row_ids(db: Path):
    with sqlite3.connect(db) as conn:
        (tid,) = conn.execute('SELECT id FROM topics WHERE name = ?', (RAW,)).fetchone()
        return [r[0] for r in conn.execute(
            'SELECT id FROM messages WHERE topic_id = ? ORDER BY id', (tid,))]


def test_sqlite_bag_damaged_in_the_middle(data_dir, tmp_path, capsys):
    src = _copy_bag(data_dir, tmp_path, 'photos_sqlite3')
    db = src / 'photos_sqlite3_0.db3'
    ids = _raw_row_ids(db)
    _sqlite_damage_row(db, ids[3])
    out = tmp_path / 'res_bag'
    assert _run('--input', src, '--output', out) == 2
    err = capsys.readouterr().err
    assert 'damaged input at photos_sqlite3_0.db3 row id' in err and 'Traceback' not in err
    stamps = _raw_stamps(data_dir, 'photos_sqlite3')
    got = _result_stamps(out)
    assert stamps[0] in got and stamps[-1] in got  # before AND after the damage
    assert stamps[3] not in got and len(got) == 7
    assert '7 frame(s) processed, 0 skipped, 1 lost' in err


def _mcap_chunks(path: Path):
    """Return ``[(offset, body offset, body length)]`` of the chunk records."""
    blob = path.read_bytes()
    offset, chunks = 8, []
    while offset < len(blob) - 9:
        op = blob[offset]
        (length,) = struct.unpack_from('<Q', blob, offset + 1)
        if op == 0x06:
            chunks.append((offset, offset + 9, length))
        if op == 0x0F:
            break
        offset += 9 + length
    return chunks


def _mcap_chunk_with_raw(path: Path, index: int):
    """Return the offset in the file of the ``index``-th raw Image message record's opcode."""
    blob = path.read_bytes()
    seen = 0
    for _, body, _ in _mcap_chunks(path):
        (clen,) = struct.unpack_from('<I', blob, body + 28)
        records = body + 40 + clen
        (size,) = struct.unpack_from('<Q', blob, body + 32 + clen)
        pos = records
        while pos < records + size:
            op = blob[pos]
            (length,) = struct.unpack_from('<Q', blob, pos + 1)
            if op == 0x05 and length > 900000:
                if seen == index:
                    return pos
                seen += 1
            pos += 9 + length
    raise AssertionError('raw message not found')


def test_mcap_bag_damaged_chunk_in_the_middle(data_dir, tmp_path, capsys):
    src = _copy_bag(data_dir, tmp_path, 'photos_mcap')
    path = src / 'photos_mcap_0.mcap'
    at = _mcap_chunk_with_raw(path, 3)
    blob = bytearray(path.read_bytes())
    blob[at + 1:at + 9] = struct.pack('<Q', 1 << 40)  # an impossible record length
    path.write_bytes(bytes(blob))
    out = tmp_path / 'res_bag'
    assert _run('--input', src, '--output', out) == 2
    err = capsys.readouterr().err
    assert 'damaged input at photos_mcap_0.mcap chunk at byte' in err
    stamps = _raw_stamps(data_dir, 'photos_mcap')
    got = _result_stamps(out)
    assert stamps[0] in got and stamps[-1] in got and stamps[3] not in got
    assert '7 frame(s) processed, 0 skipped, 1 lost' in err


def test_mcap_unknown_opcode_is_reported_not_silent(data_dir, tmp_path, capsys):
    src = _copy_bag(data_dir, tmp_path, 'photos_mcap')
    path = src / 'photos_mcap_0.mcap'
    at = _mcap_chunk_with_raw(path, 5)
    blob = bytearray(path.read_bytes())
    blob[at] = 0x7E  # not an MCAP opcode: rosbags skips the record without a word
    path.write_bytes(bytes(blob))
    out = tmp_path / 'res_bag'
    assert _run('--input', src, '--output', out) == 2
    err = capsys.readouterr().err
    assert 'unknown record opcode 0x7e' in err and '1 lost' in err
    got = _result_stamps(out)
    stamps = _raw_stamps(data_dir, 'photos_mcap')
    assert len(got) == 7 and stamps[5] not in got
    assert stamps[0] in got and stamps[6] in got  # before AND after the damage


@pytest.mark.parametrize('name, keep', [('photos_sqlite3', 0.6), ('photos_mcap', 0.5)])
def test_truncated_bag_yields_its_intact_prefix(data_dir, tmp_path, capsys, name, keep):
    src = _copy_bag(data_dir, tmp_path, name)
    (path,) = [p for p in src.iterdir() if p.suffix in ('.db3', '.mcap')]
    blob = path.read_bytes()
    path.write_bytes(blob[:int(len(blob) * keep) // 4096 * 4096])  # whole sqlite pages
    out = tmp_path / 'res_bag'
    assert _run('--input', src, '--output', out) == 2
    err = capsys.readouterr().err
    got = _result_stamps(out)
    stamps = _raw_stamps(data_dir, name)
    assert 2 <= len(got) < 8 and got == stamps[:len(got)]
    assert f'{len(got)} frame(s) processed, 0 skipped, {8 - len(got)} lost' in err
    assert 'damaged input at' in err and 'Traceback' not in err


def test_bag_from_images_skips_a_bad_image_and_keeps_the_rest(photo_dir, tmp_path, capsys):
    (photo_dir / 'cat_1_broken.jpg').write_bytes(b'\xff\xd8\xff junk')  # sorts in the middle
    out = tmp_path / 'cam_bag'
    assert cli.main(['bag', 'from-images', str(photo_dir), str(out)]) == 2
    err = capsys.readouterr().err
    assert 'skipped cat_1_broken.jpg' in err and '3 frame(s) written' in err
    assert bag.count_images(out) == 3


def test_float_tiff_is_skipped_and_the_folder_goes_on(photo_dir, tmp_path, capsys):
    cv2.imwrite(str(photo_dir / 'a_float.tiff'), np.full((8, 8, 3), 0.5, np.float32))
    out = tmp_path / 'o'
    assert _run('--input', photo_dir, '--output', out) == 2
    err = capsys.readouterr().err
    assert 'skipped a_float.tiff' in err and 'Traceback' not in err
    assert len(list(out.glob('*.json'))) == len(GOOD)


# -- bounded work ---------------------------------------------------------------------------

def test_decoded_size_cap_is_checked_before_decoding(tmp_path, monkeypatch, capsys):
    big = np.zeros((9000, 8000), np.uint8)  # 72 MP, a ~70 KB PNG
    ok, buf = cv2.imencode('.png', big)
    (tmp_path / 'in').mkdir()
    buf.tofile(str(tmp_path / 'in' / 'bomb.png'))
    from jetson_dnn_ros import image
    from jetson_dnn_ros.errors import ImageEncodingError
    real = cv2.imdecode
    monkeypatch.setattr(cv2, 'imdecode', lambda *a: pytest.fail('decoded despite the cap'))
    with pytest.raises(ImageEncodingError, match='larger than the decoded-size cap'):
        image.decode_compressed(buf, source='bomb.png')
    with pytest.raises(ImageEncodingError, match='8000x9000'):
        image.decode_compressed(buf, max_pixels=1000)
    monkeypatch.setattr(cv2, 'imdecode', real)
    assert image.decode_compressed(buf, max_pixels=0)[0].shape == (9000, 8000)
    assert _run('--input', tmp_path / 'in', '--output', tmp_path / 'o',
                '--max-pixels', '1000000') == 1
    assert 'decoded-size cap' in capsys.readouterr().err


def test_nan_intrinsics_give_no_point_cloud():
    from jetson_dnn_ros.msgfields import depth_cloud
    from jetson_dnn_ros.tasks.depth import intrinsics_problem
    depth = np.full((4, 6), 2.0, np.float32)
    for bad in ([[np.nan, 0, 3], [0, 5, 2], [0, 0, 1]], [[5, 0, np.nan], [0, 5, 2], [0, 0, 1]],
                [[np.inf, 0, 3], [0, 5, 2], [0, 0, 1]], [[5, 0, 3], [0, 0, 2], [0, 0, 1]]):
        assert intrinsics_problem(bad)
        with pytest.raises(ValueError, match='finite with positive fx, fy'):
            depth_cloud(depth, np.array(bad), (6, 4))
    points, _ = depth_cloud(depth, np.array([[5, 0, 3], [0, 5, 2], [0, 0, 1.0]]), (6, 4))
    assert np.isfinite(points).all()


def test_camera_info_with_nan_k_is_not_used(data_dir, tmp_path):
    from jetson_dnn_ros.bag import CameraInfo, Header
    infos = [CameraInfo(Header(0, 'c'), 6, 4, np.array([[5, 0, np.nan], [0, 5, 2], [0, 0, 1]]),
                        np.zeros(5), 'plumb_bob')]
    import jetson_dnn_ros.bag as bagmod
    orig = bagmod.read_camera_infos
    try:
        bagmod.read_camera_infos = lambda path, topic=None: ((topic, i) for i in infos)
        assert bag.camera_info_for('x', '/camera/image_raw') is None
    finally:
        bagmod.read_camera_infos = orig


# -- crash list ---------------------------------------------------------------------------

def test_segmentation_bag_to_bag(data_dir, tmp_path, capsys):
    out = tmp_path / 'seg_bag'
    code = cli.main(['run', '--model', 'deeplabv3_mobilenetv2_voc', '--quiet', '--input',
                     str(data_dir / 'bags' / 'photos_mcap'), '--output', str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert len(_result_stamps(out, '/camera/color_mask')) == 8
    assert len(_result_stamps(out, '/camera/segmentation')) == 8


# -- conveniences -------------------------------------------------------------------------

def test_default_output_is_a_new_runs_folder(photo_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(['run', '--model', MODEL, '--input', str(photo_dir)]) == 0
    assert cli.main(['run', '--model', MODEL, '--input', str(photo_dir)]) == 0
    err = capsys.readouterr().err
    first = Path('runs') / 'classification' / f'{MODEL}1'
    second = Path('runs') / 'classification' / f'{MODEL}2'
    assert len(list(first.glob('*.json'))) == len(GOOD) == len(list(second.glob('*.json')))
    assert f'-> {first}' in err and f'-> {second}' in err
    # a console line per image and the per-stage speed summary
    assert 'dog_0: ' in err and ' ms)' in err
    assert 'ms preprocess' in err and 'ms inference' in err and 'ms postprocess' in err \
        and 'fps' in err
    record = json.loads((first / 'dog_0.json').read_text())
    assert record['source'] == str(photo_dir / 'dog_0.jpg')


def test_video_input_gives_an_annotated_video_and_jsonl(photo, tmp_path):
    video = tmp_path / 'clip.mp4'
    frames = [cv2.resize(photo(n), (320, 240)) for n in ('dog_0', 'cat_0', 'peds_0')]
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 12.0, (320, 240))
    for f in frames:
        writer.write(f)
    writer.release()
    out = tmp_path / 'o'
    assert _run('--input', video, '--output', out) == 0
    lines = (out / 'results.jsonl').read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[0])['source'] == f'{video}#0'
    cap = cv2.VideoCapture(str(out / 'clip.mp4'))
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(12.0)
    assert (cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (320, 240)
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 3
    cap.release()


def test_output_image_file_for_one_image(photo_dir, tmp_path):
    out = tmp_path / 'x.jpg'
    assert _run('--input', photo_dir / 'dog_0.jpg', '--output', out) == 0
    assert cv2.imread(str(out)).shape == cv2.imread(str(photo_dir / 'dog_0.jpg')).shape
    assert json.loads((tmp_path / 'x.json').read_text())['task'] == 'classification'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['photos', 'x.jpg', 'x.json']


def test_camera_input_stops_cleanly_on_ctrl_c(photo, tmp_path, monkeypatch, capsys):
    from jetson_dnn_ros import media

    class FakeCamera:
        """A capture that gives three frames, then the user presses Ctrl-C."""

        def __init__(self):
            self.n = 0

        def read(self):
            self.n += 1
            if self.n > 3:
                raise KeyboardInterrupt
            return True, cv2.resize(photo('dog_0'), (160, 120))

        def get(self, prop):
            return 15.0 if prop == cv2.CAP_PROP_FPS else 0.0

        def release(self):
            pass

    monkeypatch.setattr(media, 'open_capture', lambda spec: FakeCamera())
    out = tmp_path / 'cam'
    assert cli.main(['run', '--model', MODEL, '--input', '0', '--output', str(out)]) == 0
    err = capsys.readouterr().err
    assert '3 frame(s) processed, 0 skipped, 0 lost (stopped by Ctrl-C)' in err
    assert len((out / 'results.jsonl').read_text().splitlines()) == 3
    assert (out / 'camera.mp4').stat().st_size > 0


def test_dense_results_in_folder_mode(photo_dir, tmp_path):
    out = tmp_path / 'seg'
    assert cli.main(['run', '--model', 'deeplabv3_mobilenetv2_voc', '--quiet', '--input',
                     str(photo_dir / 'dog_0.jpg'), '--output', str(out)]) == 0
    classes = cv2.imread(str(out / 'dog_0_classes.png'), cv2.IMREAD_UNCHANGED)
    record = json.loads((out / 'dog_0.json').read_text())
    assert record['files']['class_map'] == 'dog_0_classes.png'
    assert classes.dtype == np.uint8 and classes.shape == cv2.imread(
        str(photo_dir / 'dog_0.jpg')).shape[:2]
    assert {c['class_id'] for c in record['classes']} == set(np.unique(classes).tolist())
    out = tmp_path / 'depth'
    assert cli.main(['run', '--model', 'fastdepth', '--quiet', '--input',
                     str(photo_dir / 'dog_0.jpg'), '--output', str(out)]) == 0
    mm = cv2.imread(str(out / 'dog_0_depth_mm.png'), cv2.IMREAD_UNCHANGED)
    metres = np.load(out / 'dog_0_depth.npy')
    assert mm.dtype == np.uint16 and mm.shape == metres.shape
    np.testing.assert_allclose(mm, np.rint(metres * 1000), atol=1)


@pytest.mark.parametrize('argv, valid', [
    (['--overlay', 'boxes'], 'valid flags: labels'),
    (['--score-threshold', '1.5'], 'must be in [0.0, 1.0]'),
    (['--alpha', '300'], 'must be in [0.0, 255.0]'),
    (['--top-k', '0'], 'must be >= 1'),
    (['--format', 'pdf'], "choose from 'auto', 'dir', 'jsonl', 'video', 'bag'"),
])
def test_options_are_validated_in_one_line(photo_dir, tmp_path, capsys, argv, valid):
    assert _run('--input', photo_dir, '--output', tmp_path / 'o', *argv) == 1
    err = capsys.readouterr().err
    assert valid in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / 'o').exists()


def test_help_shows_defaults_and_version(capsys):
    assert cli.main(['run', '--help']) == 0
    text = capsys.readouterr().out
    assert '(default: runs)' in text and '(default: fp16)' in text
    assert '(default: None)' not in text
    assert '130 interrupted' in text.replace('\n', ' ').replace('  ', ' ')
    assert cli.main(['--version']) == 0
    assert capsys.readouterr().out.startswith('jetson-dnn ')


def test_models_list_fits_100_columns(capsys, data_dir):
    assert cli.main(['models', 'list']) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert any(line.startswith('yolox_nano ') for line in lines)


def test_bag_from_images_stamps_start_now_or_at_start_time(photo_dir, tmp_path):
    import time
    before = time.time_ns()
    assert cli.main(['bag', 'from-images', str(photo_dir), str(tmp_path / 'now_bag')]) == 0
    (_, header, _, _), *_ = bag.read_images(tmp_path / 'now_bag')
    assert before - 10**9 <= header.stamp_ns <= time.time_ns()
    assert cli.main(['bag', 'from-images', str(photo_dir), str(tmp_path / 'fixed_bag'),
                     '--start-time', '2026-01-31T12:00:00+00:00']) == 0
    (_, header, _, _), *_ = bag.read_images(tmp_path / 'fixed_bag')
    assert header.stamp_ns == 1769860800 * 10**9
    assert cli.main(['bag', 'from-images', str(photo_dir), str(tmp_path / 'bad_bag'),
                     '--start-time', 'yesterday']) == 1


def test_model_download_failure_leaves_nothing_and_rerun_succeeds(tmp_path, monkeypatch,
                                                                  capsys):
    import hashlib
    from onnxgen import identity_model
    payload = identity_model(tmp_path / 'src.onnx').read_bytes()
    cache = tmp_path / 'cache'
    monkeypatch.setenv('JETSON_DNN_CACHE', str(cache))
    yaml_path = _descriptor_yaml(tmp_path, (tmp_path / 'src.onnx').as_uri(),
                                 hashlib.sha256(payload).hexdigest())
    real = os.replace

    def full(src, dst):
        raise OSError(errno.ENOSPC, 'No space left on device', str(dst))

    monkeypatch.setattr(os, 'replace', full)
    assert cli.main(['models', 'pull', str(yaml_path)]) == 1
    err = capsys.readouterr().err
    (line,) = [t for t in err.splitlines() if 'jetson-dnn' in t]  # after the progress bar
    assert 'no space left on device' in line and 'Traceback' not in err
    assert [p for p in cache.rglob('*') if p.is_file()] == []
    monkeypatch.setattr(os, 'replace', real)
    assert cli.main(['models', 'pull', str(yaml_path)]) == 0
    assert [p.name for p in cache.rglob('*') if p.is_file()] == ['tiny.onnx']


def test_engine_cache_write_failure_leaves_nothing_and_rerun_succeeds(tmp_path, monkeypatch):
    from jetson_dnn_ros.backends import engine_cache
    from jetson_dnn_ros.errors import EngineBuildError
    key = engine_cache.EngineKey('a' * 64, '10.3', 'Orin', (8, 7), 'fp16')
    cache = engine_cache.EngineCache(tmp_path / 'engines')
    real = engine_cache.os.fsync

    def full(fd):
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(engine_cache.os, 'fsync', full)
    with pytest.raises(EngineBuildError, match='no space left'):
        cache.store(key, b'engine bytes')
    assert [p for p in (tmp_path / 'engines').rglob('*') if p.is_file()] == []
    monkeypatch.setattr(engine_cache.os, 'fsync', real)
    path = cache.store(key, b'engine bytes')
    assert cache.load(key) == b'engine bytes' and path.is_file()


def test_compressed_rosbag2_is_still_read_through_rosbags(tmp_path):
    """The damage-tolerant reader handles plain storage; zstd bags go through rosbags."""
    import rosbags.rosbag2.writer as rosbags_writer
    from rosbags.rosbag2 import Writer
    store = bag._typestore()
    factory = bag._MsgFactory(store)
    writer = Writer(tmp_path / 'zstd_bag', version=8)
    writer.set_compression(rosbags_writer.CompressionMode.MESSAGE,
                           rosbags_writer.CompressionFormat.ZSTD)
    writer.open()
    conn = writer.add_connection(RAW, bag.IMAGE_TYPE, typestore=store)
    for i in range(3):
        msg = factory.image(bag.Header(i, 'cam'), np.full((4, 6, 3), i, np.uint8), 'bgr8')
        writer.write(conn, i, store.serialize_cdr(msg, bag.IMAGE_TYPE))
    writer.close()
    assert [int(r.image[0, 0, 0]) for r in bag.read_image_records(tmp_path / 'zstd_bag')] == [
        0, 1, 2]


@pytest.mark.parametrize('suffix', ['.png', '.jpg', '.bmp', '.webp', '.ppm', '.pgm', '.tiff'])
def test_header_size_matches_the_decoded_size(suffix):
    from jetson_dnn_ros.imageheader import header_size
    image = np.random.default_rng(0).integers(0, 255, (37, 53, 3), np.uint8)
    ok, buf = cv2.imencode(suffix, image[..., 0] if suffix == '.pgm' else image)
    assert ok and header_size(buf) == (53, 37)
    assert header_size(b'not an image') is None


def test_lone_storage_files_are_read(data_dir, tmp_path):
    for name, suffix in (('photos_sqlite3', '.db3'), ('photos_mcap', '.mcap')):
        (src,) = (data_dir / 'bags' / name).glob('*' + suffix)
        stats = bag.ReadStats()
        records = list(bag.read_image_records(src, RAW, stats=stats))
        assert len(records) == 8 and stats.damage == [] and stats.lost == 0


def test_stream_url_input_through_opencv(tmp_path):
    """An http:// stream (a local server) goes through cv2.VideoCapture like a camera."""
    import functools
    import http.server
    import threading
    root = tmp_path / 'www'
    root.mkdir()
    writer = cv2.VideoWriter(str(root / 'clip.mp4'), cv2.VideoWriter_fourcc(*'mp4v'), 10.0,
                             (160, 120))
    for i in range(4):
        writer.write(np.full((120, 160, 3), 40 * i, np.uint8))
    writer.release()

    class Quiet(http.server.SimpleHTTPRequestHandler):

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(
        ('127.0.0.1', 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        cap = cv2.VideoCapture(f'http://127.0.0.1:{httpd.server_address[1]}/clip.mp4')
        readable = cap.isOpened()
        cap.release()
        if not readable:
            pytest.skip('this OpenCV build reads no http:// streams (no FFMPEG backend)')
        out = tmp_path / 'o'
        url = f'http://127.0.0.1:{httpd.server_address[1]}/clip.mp4'
        assert _run('--input', url, '--output', out) == 0
    finally:
        httpd.shutdown()
        httpd.server_close()
    lines = (out / 'results.jsonl').read_text().splitlines()
    assert [json.loads(line)['source'] for line in lines] == [f'{url}#{i}' for i in range(4)]
    assert (out / 'camera.mp4').stat().st_size > 0
