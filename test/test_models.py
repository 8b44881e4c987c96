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


"""Model descriptors: the shipped YAML files and validation of bad ones."""

import dataclasses
from pathlib import Path
import shutil

from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.models import DecodeParams
from jetson_dnn_ros.models import descriptor_from_dict
from jetson_dnn_ros.models import get_descriptor
from jetson_dnn_ros.models import list_descriptors
from jetson_dnn_ros.models import load_descriptor
from jetson_dnn_ros.models import TASKS
from jetson_dnn_ros.tasks import decoder_names
import pytest

CONFIG = Path(__file__).resolve().parents[1] / 'config' / 'models'

MINIMAL = {'name': 'm', 'task': 'classification', 'file': 'm.onnx',
           'input': {'width': 8, 'height': 8}, 'decoder': 'classification'}


@pytest.mark.parametrize('path', sorted(CONFIG.glob('*.yaml')), ids=lambda p: p.stem)
def test_every_shipped_descriptor_loads_and_names_a_known_decoder(path):
    descriptor = load_descriptor(path)
    assert descriptor.name == path.stem, 'file name and descriptor name must agree'
    assert descriptor.task in TASKS
    assert descriptor.decoder in decoder_names()
    assert descriptor.file.endswith('.onnx')
    if descriptor.sha256 is not None:
        assert len(descriptor.sha256) == 64


def test_descriptors_for_every_shared_model_exist(data_dir):
    files = {d.file for d in list_descriptors(CONFIG)}
    shared = {str(p.relative_to(data_dir)) for p in (data_dir / 'models').glob('*/*.onnx')}
    missing = shared - files
    assert not missing, f'models in the data folder without a descriptor: {sorted(missing)}'


@pytest.mark.parametrize('where', ['checkout', 'installed'])
def test_get_descriptor_by_name_and_path(where, tmp_path, monkeypatch):
    """By name the descriptor comes from the zoo folder in use; by path from that file."""
    if where == 'installed':   # as after colcon build: share/jetson_dnn_ros/config/models
        share = tmp_path / 'share' / 'jetson_dnn_ros' / 'config' / 'models'
        shutil.copytree(CONFIG, share)
        monkeypatch.setenv('JETSON_DNN_MODELS_DIR', str(share))
    by_name = get_descriptor('mobilenet_v2_1001')
    by_path = get_descriptor(str(CONFIG / 'mobilenet_v2_1001.yaml'))
    # the zoo folder may be the installed share folder or the checkout's config/models: the
    # descriptors agree in everything but the file they were read from
    origin = Path(by_name.origin)
    assert origin.name == 'mobilenet_v2_1001.yaml'
    assert origin.read_bytes() == (CONFIG / 'mobilenet_v2_1001.yaml').read_bytes()
    assert dataclasses.replace(by_name, origin=None) == dataclasses.replace(by_path, origin=None)
    with pytest.raises(ModelError, match='unknown model .*known models: .*mobilenet_v2_1001'):
        get_descriptor('no_such_model')


@pytest.mark.parametrize('change, message', [
    ({'task': 'ocr'}, 'task'),
    ({'input': {'width': 8}}, 'height'),
    ({'input': {'width': 8, 'height': 8, 'resize': 'squash'}}, 'resize'),
    ({'input': {'width': 8, 'height': 8, 'colour': 'rgb'}}, 'unknown input keys'),
    ({'input': {'width': 8, 'height': 8, 'std': [0, 1, 1]}}, 'std'),
    ({'decoder': {}}, 'decoder needs a name'),
    ({'thresholds': {'score': 1.5}}, 'score_threshold'),
])
def test_bad_descriptors_name_the_problem(change, message):
    data = {**MINIMAL, **change}
    with pytest.raises(ModelError, match=message):
        descriptor_from_dict(data, origin='bad.yaml')


def test_missing_key_and_bad_yaml(tmp_path):
    data = dict(MINIMAL)
    del data['decoder']
    with pytest.raises(ModelError, match="missing key 'decoder'"):
        descriptor_from_dict(data)
    bad = tmp_path / 'bad.yaml'
    bad.write_text('name: [unclosed')
    with pytest.raises(ModelError, match='not valid YAML'):
        load_descriptor(bad)


def test_decode_params_validate_and_keep_options():
    params = DecodeParams().replace(score_threshold=0.5, ignore_class=3)
    assert params.score_threshold == 0.5 and params.options['ignore_class'] == 3
    for bad in ({'score_threshold': -0.1}, {'iou_threshold': 2}, {'top_k': 0},
                {'filter_mode': 'cubic'}):
        with pytest.raises(ValueError):
            DecodeParams().replace(**bad)
