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
Review findings on the runner: outputs that must never destroy inputs, damaged mcap resync.

Each test reproduces one finding of the review of issues 8 and 9 (numbered as in the review).
"""

import errno
import os
from pathlib import Path
import shutil
import struct

from jetson_dnn_ros import cli
import pytest
from test_runner_faults import _copy_bag, _mcap_chunks

MODEL = 'mobilenet_v2_1001'


def _run(*argv):
    return cli.main(['run', '--model', MODEL, '--quiet', *map(str, argv)])


def _tree(folder: Path):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob('*'))
            if p.is_file()}


@pytest.fixture
def glob_dir(tmp_path, data_dir):
    folder = tmp_path / 'd'
    (folder / 'sub').mkdir(parents=True)
    shutil.copy(data_dir / 'images' / 'dog_0.jpg', folder / 'a.jpg')
    shutil.copy(data_dir / 'images' / 'cat_0.jpg', folder / 'sub' / 'b.jpg')
    return folder


# -- 1: a glob's folder is the input folder; a merge never replaces an input --------------

@pytest.mark.parametrize('flags', [('--exist-ok',), ('--overwrite', '--exist-ok')])
def test_glob_output_into_its_own_folder_is_refused(glob_dir, capsys, flags):
    before = _tree(glob_dir)
    assert _run('--input', glob_dir / '*.jpg', '--output', glob_dir, *flags) == 1
    assert 'destroy the input' in capsys.readouterr().err
    assert _tree(glob_dir) == before


def test_merge_never_replaces_an_input(glob_dir, capsys):
    before = _tree(glob_dir)
    assert _run('--input', glob_dir / '*' / '*.jpg', '--output', glob_dir / 'sub',
                '--exist-ok') == 1
    assert 'replace the input' in capsys.readouterr().err
    assert _tree(glob_dir) == before


# -- 2: ``--output x.jpg`` checks its ``x.json`` up front -------------------------------

def test_output_image_file_does_not_replace_an_existing_json(data_dir, tmp_path, capsys):
    photo = tmp_path / 'in.jpg'
    shutil.copy(data_dir / 'images' / 'dog_0.jpg', photo)
    (tmp_path / 'x.json').write_text('mine\n')
    assert _run('--input', photo, '--output', tmp_path / 'x.jpg') == 1
    assert 'x.json exists already' in capsys.readouterr().err
    assert (tmp_path / 'x.json').read_text() == 'mine\n'
    assert not (tmp_path / 'x.jpg').exists()
    assert _run('--input', photo, '--output', tmp_path / 'x.jpg', '--overwrite') == 0
    assert (tmp_path / 'x.json').read_text() != 'mine\n'


# -- 2b: ``x.jpg`` and ``x.json`` appear together or not at all (the JSON last) ------------

def _pair(folder: Path):
    """Return ``{name: bytes}`` of ``x.jpg``/``x.json`` and the hidden leftovers in ``folder``."""
    pair = {n: (folder / n).read_bytes() for n in ('x.jpg', 'x.json') if (folder / n).exists()}
    return pair, sorted(p.name for p in folder.iterdir() if p.name.startswith('.'))


def test_output_image_write_failure_leaves_no_json(data_dir, tmp_path, monkeypatch, capsys):
    photo = tmp_path / 'in.jpg'
    shutil.copy(data_dir / 'images' / 'dog_0.jpg', photo)
    real = Path.write_bytes

    def full_disk(self, data):
        if self.suffix == '.jpg':
            raise OSError(errno.ENOSPC, 'No space left on device', str(self))
        return real(self, data)

    monkeypatch.setattr(Path, 'write_bytes', full_disk)
    assert _run('--input', photo, '--output', tmp_path / 'x.jpg') == 1
    assert 'no space left on device' in capsys.readouterr().err
    assert _pair(tmp_path) == ({}, [])   # no x.json without its image, nothing hidden left
    monkeypatch.setattr(Path, 'write_bytes', real)
    assert _run('--input', photo, '--output', tmp_path / 'x.jpg') == 0
    assert set(_pair(tmp_path)[0]) == {'x.jpg', 'x.json'}


@pytest.mark.parametrize('failing', ['x.jpg', 'x.json'])
def test_output_image_pair_commit_failure_keeps_the_earlier_pair(data_dir, tmp_path,
                                                                 monkeypatch, capsys, failing):
    dog, cat = tmp_path / 'dog.jpg', tmp_path / 'cat.jpg'
    shutil.copy(data_dir / 'images' / 'dog_0.jpg', dog)
    shutil.copy(data_dir / 'images' / 'cat_0.jpg', cat)
    assert _run('--input', dog, '--output', tmp_path / 'x.jpg') == 0
    before = _pair(tmp_path)
    assert set(before[0]) == {'x.jpg', 'x.json'} and before[1] == []
    real = os.replace

    def full_disk(src, dst, **kwargs):
        if Path(dst).name == failing:
            raise OSError(errno.ENOSPC, 'No space left on device', str(dst))
        return real(src, dst, **kwargs)

    monkeypatch.setattr(os, 'replace', full_disk)
    assert _run('--input', cat, '--output', tmp_path / 'x.jpg', '--overwrite') == 1
    assert 'no space left on device' in capsys.readouterr().err
    assert _pair(tmp_path) == before   # the dog's pair, whole; nothing hidden left
    monkeypatch.setattr(os, 'replace', real)
    assert _run('--input', cat, '--output', tmp_path / 'x.jpg', '--overwrite') == 0
    after = _pair(tmp_path)
    assert after[0]['x.jpg'] != before[0]['x.jpg'] and after[0]['x.json'] != before[0]['x.json']


# -- 3: a damaged mcap chunk header: reading resumes at the next chunk of the index -------

def test_mcap_damaged_chunk_header_resumes_at_the_next_chunk(data_dir, tmp_path, capsys):
    src = _copy_bag(data_dir, tmp_path, 'photos_mcap')
    path = src / 'photos_mcap_0.mcap'
    blob = bytearray(path.read_bytes())
    chunks = [offset for offset, _, _ in _mcap_chunks(path)]
    assert len(chunks) >= 6
    blob[chunks[4] + 1:chunks[4] + 9] = struct.pack('<Q', 1 << 40)
    path.write_bytes(bytes(blob))
    assert _run('--input', src, '--output', tmp_path / 'res_bag') == 2
    err = capsys.readouterr().err
    assert 'reading resumes at the next chunk' in err
    assert '7 frame(s) processed, 0 skipped, 1 lost' in err


# -- 4: --overwrite replaces only an earlier output of the same kind, at the real path ------

def test_overwrite_never_deletes_a_user_folder_behind_a_bag_name(data_dir, tmp_path, capsys):
    src = _copy_bag(data_dir, tmp_path, 'photos_mcap')
    user = tmp_path / 'userdir'
    user.mkdir()
    (user / 'file.txt').write_text('mine')
    assert _run('--input', src, '--output', tmp_path / 'userdir.mcap', '--overwrite') == 1
    err = capsys.readouterr().err
    assert f'output {user} exists and is not a bag' in err
    assert (user / 'file.txt').read_text() == 'mine'
    assert _run('--input', src, '--output', tmp_path / 'res.mcap') == 0
    assert _run('--input', src, '--output', tmp_path / 'res.mcap', '--overwrite') == 0


def test_overwrite_never_replaces_a_file_with_a_results_folder(glob_dir, tmp_path, capsys):
    notes = tmp_path / 'notes.txt'
    notes.write_text('mine')
    assert _run('--input', glob_dir, '--output', notes, '--overwrite') == 1
    assert 'is not a results folder' in capsys.readouterr().err
    assert notes.read_text() == 'mine'


# -- 5: --exist-ok cannot add to a bag: refused before any work ---------------------------

def test_exist_ok_bag_output_into_an_existing_folder_is_refused_up_front(
        data_dir, tmp_path, capsys):
    src = _copy_bag(data_dir, tmp_path, 'photos_mcap')
    out = tmp_path / 'res_bag'
    out.mkdir()
    assert _run('--input', src, '--output', out, '--exist-ok') == 1
    err = capsys.readouterr().err
    assert 'a bag cannot be added to' in err and 'processed' not in err
    assert list(out.iterdir()) == []


# -- 6, 7: bag from-images validates --start-time and --topic in one line ---------------

@pytest.mark.parametrize('argv, message', [
    (['--start-time', '1e30'], 'outside [0, 2**31) s'),
    (['--start-time', '-5'], 'outside [0, 2**31) s'),
    (['--start-time', 'inf'], 'outside [0, 2**31) s'),
    (['--topic', 'bad//topic'], "repeated forward slashes '//'"),
    (['--topic', ''], 'must not be empty'),
    (['--topic', '/camera/'], 'must not end with a forward slash'),
    (['--topic', '/camera/1st'], 'token that starts with a number'),
    (['--topic', '/camera image'], 'only alphanumerics'),
    (['--topic', '/a~b'], "'~' only as its first character"),
    (['--topic', '/a/{1b}'], "balanced '{name}' substitutions"),
])
def test_bag_from_images_refuses_bad_start_time_and_topic(glob_dir, tmp_path, capsys, argv,
                                                          message):
    out = tmp_path / 'b_bag'
    assert cli.main(['bag', 'from-images', str(glob_dir), str(out), *argv]) == 1
    err = capsys.readouterr().err
    assert message in err and 'Traceback' not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize('topic', ['/camera/image_raw', 'camera/image', '~/image',
                                   '/{ns}/image'])
def test_bag_from_images_accepts_valid_topic_names(glob_dir, tmp_path, topic):
    out = tmp_path / 'b_bag'
    assert cli.main(['bag', 'from-images', str(glob_dir), str(out), '--topic', topic,
                     '--start-time', '0']) == 0
    assert out.is_dir()


# -- 18: bag from-images --help documents every option --------------------------------

def test_bag_from_images_help_documents_every_option(capsys):
    assert cli.main(['bag', 'from-images', '--help']) == 0
    text = ' '.join(capsys.readouterr().out.split())
    for option in ('--topic', '--frame-id', '--encoding', '--storage'):
        described = text.split(option, 2)[-1].split(' --')[0]
        assert len(described.split()) > 3, (option, described)
    assert '(default: /camera/image_raw)' in text and '(default: bgr8)' in text


# -- 8: an existing folder named with digits is a folder, not a camera index -------------

def test_existing_folder_named_with_digits_is_not_a_camera(glob_dir, tmp_path, monkeypatch):
    from jetson_dnn_ros import media
    folder = tmp_path / '2024'
    shutil.copytree(glob_dir, folder)
    monkeypatch.chdir(tmp_path)
    assert media.input_kind('2024') == 'dir'
    assert media.input_kind('2025') == 'camera'
    assert _run('--input', '2024', '--output', tmp_path / 'o') == 0
    assert (tmp_path / 'o' / 'a.json').is_file()


# -- 9: assumed preprocessing is said, once, with how to override it ---------------------

def _classifier(tmp_path):
    from onnxgen import constant_model
    import numpy as np
    return constant_model(tmp_path / 'cls.onnx',
                          {'logits': np.linspace(0, 1, 10, dtype=np.float32)[None]},
                          input_name='input', input_shape=(1, 3, 64, 64))


def test_run_warns_of_assumed_preprocessing(glob_dir, tmp_path, capsys):
    model = _classifier(tmp_path)
    assert cli.main(['run', '--model', str(model), '--quiet', '--input', str(glob_dir),
                     '--output', str(tmp_path / 'o')]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if 'warning' in line]
    assert len(warnings) == 1
    assert 'assumed' in warnings[0] and f'models inspect {model} --write' in warnings[0]


def test_bench_warns_of_assumed_preprocessing_and_a_descriptor_does_not(tmp_path, capsys):
    from jetson_dnn_ros.models import assumed_defaults, get_descriptor
    model = _classifier(tmp_path)
    assert cli.main(['bench', '--model', str(model), '--iterations', '1']) == 0
    assert 'defaults assumed from its graph' in capsys.readouterr().err
    assert assumed_defaults(get_descriptor('mobilenet_v2_1001')) is None
    written = tmp_path / 'cls.yaml'
    assert cli.main(['models', 'inspect', str(model), '--write', str(written)]) == 0
    assert cli.main(['bench', '--model', str(written), '--iterations', '1']) == 0
    assert 'assumed from its graph' not in capsys.readouterr().err


# -- 10: one staged writer; models inspect --write refuses an existing file ---------------

def test_inspect_write_refuses_an_existing_file_and_writes_atomically(tmp_path, capsys,
                                                                      monkeypatch):
    import errno
    import os
    model = _classifier(tmp_path)
    mine = tmp_path / 'mine.yaml'
    mine.write_text('my edits\n')
    assert cli.main(['models', 'inspect', str(model), '--write', str(mine)]) == 1
    assert 'exists already; pass --overwrite' in capsys.readouterr().err
    assert mine.read_text() == 'my edits\n'

    def full(fd):
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(os, 'fsync', full)
    assert cli.main(['models', 'inspect', str(model), '--write', str(mine),
                     '--overwrite']) == 1
    err = capsys.readouterr().err
    assert f'cannot write {mine}: no space left on device' in err and 'access' not in err
    assert mine.read_text() == 'my edits\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['cls.onnx', 'mine.yaml']
    monkeypatch.undo()
    assert cli.main(['models', 'inspect', str(model), '--write', str(mine),
                     '--overwrite']) == 0
    assert 'decoder:' in mine.read_text()


def test_every_file_writer_is_the_staged_one(tmp_path, monkeypatch):
    """Engine cache and model download write through outputs.staged_file."""
    import hashlib
    import os
    from jetson_dnn_ros import outputs, zoo
    from jetson_dnn_ros.backends import engine_cache
    used = []
    real = outputs.staged_file

    def spy(path, *args, **kwargs):
        used.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(outputs, 'staged_file', spy)
    engine_cache.atomic_write(tmp_path / 'e.engine', b'engine')
    model = _classifier(tmp_path)
    zoo.download(model.as_uri(), tmp_path / 'dl.onnx',
                 hashlib.sha256(model.read_bytes()).hexdigest(), progress=False)
    assert used == ['e.engine', 'dl.onnx']
    stale = tmp_path / 'cache' / '.x.engine.abc.partial'
    stale.mkdir(parents=True)
    os.utime(stale, (1.0, 1.0))  # left by a build that died long ago
    engine_cache.EngineCache(tmp_path / 'cache').clean(None)
    assert not stale.exists()


# -- 11: a failed run removes the parent folders it made ---------------------------------

def test_failed_run_leaves_no_created_parent_folders(tmp_path, capsys):
    broken = tmp_path / 'in'
    broken.mkdir()
    (broken / 'broken.jpg').write_bytes(b'not a jpeg')
    out = tmp_path / 'a' / 'b' / 'out'
    assert _run('--input', broken, '--output', out) == 1
    assert '0 frame(s) processed' in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ['in']


# -- 12: input problems are named as input problems --------------------------------------

@pytest.mark.parametrize('spec', ['empty', 'empty/*.jpg', ''])
def test_missing_input_is_an_input_error(tmp_path, monkeypatch, capsys, spec):
    (tmp_path / 'empty').mkdir()
    monkeypatch.chdir(tmp_path)
    assert _run('--input', spec) == 1
    err = capsys.readouterr().err
    assert ('no images' in err or 'no input given' in err) and 'cannot write' not in err
    assert not (tmp_path / 'runs').exists()


def test_flat_glob_in_the_photo_folder_gets_the_default_output(glob_dir, monkeypatch, capsys):
    monkeypatch.chdir(glob_dir)
    assert _run('--input', '*.jpg') == 0
    assert '-> runs/classification/' in capsys.readouterr().err
    assert _run('--input', '*/*.jpg') == 1   # would read runs/… back one day: still refused
    assert 'inside the input folder' in capsys.readouterr().err


# -- 13: options that would be ignored are refused in one line ----------------------------

@pytest.mark.parametrize('argv, message', [
    (['--topic', '/camera/image_raw'], '--topic is for a bag input'),
    (['--storage', 'mcap'], '--storage mcap is for a result bag'),
    (['--precision', 'int8', '--backend', 'onnxruntime'], '--precision int8 needs TensorRT'),
])
def test_run_refuses_options_it_would_ignore(glob_dir, tmp_path, capsys, argv, message):
    out = tmp_path / 'o'
    assert _run('--input', glob_dir, '--output', out, *argv) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()


def test_bench_refuses_model_with_tasks(capsys):
    assert cli.main(['bench', '--model', 'mobilenet_v2_1001', '--tasks', 'depth',
                     '--iterations', '1']) == 1
    err = capsys.readouterr().err
    assert 'not allowed with argument' in err and len(err.strip().splitlines()) == 1


# -- 17: a closed pipe is quiet; a folder given as --model is named as a folder -----------

def test_models_list_into_a_closed_pipe_is_quiet():
    import os
    import subprocess
    import sys
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root))
    child = subprocess.Popen([sys.executable, '-m', 'jetson_dnn_ros.cli', 'models', 'list'],
                             cwd=root, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    child.stdout.close()   # `| head` that has read all it wanted (here: nothing)
    err = child.stderr.read().decode()
    child.wait()
    assert err == '', err


def test_model_naming_a_folder_says_so(glob_dir, tmp_path, capsys):
    assert _run('--input', glob_dir, '--output', tmp_path / 'o', '--model', glob_dir) == 1
    err = capsys.readouterr().err
    assert 'is a folder' in err and 'not found' not in err
