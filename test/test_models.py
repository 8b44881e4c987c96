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
from jetson_dnn_ros.models import resolve_model
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


def test_every_shared_model_is_described_or_inspected(data_dir):
    """
    Each model of the data folder runs by name or by path.

    Either a shipped descriptor names it (and then inspecting the file finds that descriptor
    by its sha256), or inspection alone infers it from the file's graph and metadata.
    """
    from jetson_dnn_ros.inspection import inspect_model
    described = {d.file: d for d in list_descriptors(CONFIG)}
    for path in sorted((data_dir / 'models').glob('*/*.onnx')):
        relative = str(path.relative_to(data_dir))
        found = inspect_model(path)
        if relative in described:
            assert found.known == described[relative].origin, relative
        else:
            assert found.known is None and found.data['labels'], relative
            assert found.task in TASKS + ('instance_segmentation',), relative
            assert found.task == path.parent.name, relative   # detection, instance_segm.


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


# ------------------------------------------------------------------ model references

def test_zoo_name_yaml_and_onnx_resolve_alike(data_dir, tmp_path, monkeypatch):
    by_name = resolve_model('yolox_nano')
    assert by_name == get_descriptor('yolox_nano')
    monkeypatch.chdir(CONFIG.parent)   # relative paths are relative to the current folder
    assert resolve_model('models/yolox_nano.yaml') == by_name
    monkeypatch.chdir(data_dir / 'models')
    by_path = resolve_model('detection/yolox_nano.onnx')   # sha256 = the zoo's: same model
    assert by_path == by_name.with_file(str(data_dir / 'models/detection/yolox_nano.onnx'))
    yolo = resolve_model('./detection/yolov8n_int8.onnx')
    assert yolo.task == 'detection' and yolo.decoder == 'yolov8'
    assert yolo.load_labels()[0] == 'person' and len(yolo.load_labels()) == 80
    assert Path(yolo.file).is_absolute()


def test_home_relative_paths_expand(data_dir, tmp_path, monkeypatch):
    home = tmp_path / 'home'
    (home / 'models').mkdir(parents=True)
    target = home / 'models' / 'mine.onnx'
    target.write_bytes((data_dir / 'models/detection/yolo11n_int8_320.onnx').read_bytes())
    monkeypatch.setenv('HOME', str(home))
    descriptor = resolve_model('~/models/mine.onnx')
    assert descriptor.file == str(target) and descriptor.decoder == 'yolo11'


def test_model_file_resolves_relative_paths_too(data_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(data_dir)
    descriptor = resolve_model('yolox_nano', model_file='models/detection/yolox_nano.onnx')
    assert descriptor.file == str(data_dir / 'models/detection/yolox_nano.onnx')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelError) as info:
        resolve_model('yolox_nano', model_file='weights/none.onnx')
    text = str(info.value)
    assert "model file 'weights/none.onnx' not found" in text
    assert str(tmp_path / 'weights/none.onnx') in text      # as resolved
    assert 'relative to the current directory' in text


def test_missing_onnx_names_every_place_tried(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv('JETSON_DNN_CACHE', str(tmp_path / 'cache'))
    with pytest.raises(ModelError) as info:
        resolve_model('nets/missing.onnx')
    text = str(info.value)
    assert str(tmp_path / 'nets/missing.onnx') in text
    assert str(tmp_path / 'cache' / 'nets/missing.onnx') in text
    with pytest.raises(ModelError, match=f'tried {tmp_path}/abs.onnx'):
        resolve_model(str(tmp_path / 'abs.onnx'))
    with pytest.raises(ModelError, match='unknown model .*an .onnx file'):
        resolve_model('not_a_zoo_name')


def test_package_urls_resolve_through_the_ament_index(data_dir, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).parent / 'standins_ament'))
    prefix = tmp_path / 'install' / 'my_robot'
    (prefix / 'share/ament_index/resource_index/packages').mkdir(parents=True)
    (prefix / 'share/ament_index/resource_index/packages/my_robot').write_text('')
    (prefix / 'share/my_robot/models').mkdir(parents=True)
    target = prefix / 'share/my_robot/models/detector.onnx'
    target.write_bytes((data_dir / 'models/detection/yolov8n_int8.onnx').read_bytes())
    monkeypatch.setenv('AMENT_PREFIX_PATH', str(prefix))
    descriptor = resolve_model('package://my_robot/models/detector.onnx')
    assert descriptor.file == str(target) and descriptor.decoder == 'yolov8'
    with pytest.raises(ModelError, match=f'resolved to {prefix}/share/my_robot/models/x.onnx'):
        resolve_model('package://my_robot/models/x.onnx')
    with pytest.raises(ModelError, match="package 'other_pkg' is not in the ament index"):
        resolve_model('package://other_pkg/models/x.onnx')
    with pytest.raises(ModelError, match='package://<package>/<path'):
        resolve_model('package://my_robot')


def test_package_urls_without_ament_index_say_so(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_ament(name, *args, **kwargs):
        if name.startswith('ament_index_python'):
            raise ImportError(f'No module named {name!r}')
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_ament)
    with pytest.raises(ModelError, match='ament_index_python, which is not importable'):
        resolve_model('package://my_robot/models/detector.onnx')


def test_decoder_choice_is_for_onnx_files_only():
    with pytest.raises(ModelError, match="decoder 'yolov5' is for an .onnx model"):
        resolve_model('yolox_nano', decoder='yolov5')


@pytest.mark.parametrize('name', ['yolov8n', 'yolo11n'])
def test_ultralytics_descriptors_use_predict_defaults(name):
    """ultralytics/cfg/default.yaml: conf 0.25 (predict), iou 0.7, max_det 300, per-class NMS."""
    descriptor = get_descriptor(name)
    params = descriptor.params
    assert (params.score_threshold, params.iou_threshold, params.max_detections) == \
        (0.25, 0.7, 300)
    assert not params.class_agnostic and not descriptor.decoder_params.get('multi_label')
    text = (CONFIG / f'{name}.yaml').read_text()
    assert 'ultralytics/cfg/default.yaml' in text   # the descriptor names its source


@pytest.mark.parametrize('name', ['yolox_nano', 'lightweight_person_detector'])
def test_yolox_descriptors_use_the_official_demo_defaults(name):
    """YOLOX demo: int() letterbox sizes, best class per anchor, class-agnostic NMS 0.45."""
    descriptor = get_descriptor(name)
    assert descriptor.preprocess.size_rounding == 'floor'
    assert descriptor.params.class_agnostic and descriptor.params.iou_threshold == 0.45
    assert not descriptor.decoder_params.get('multi_label', False)
    assert 'multiclass_nms' in (CONFIG / f'{name}.yaml').read_text()
