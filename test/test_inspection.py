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
Model inspection: every shipped ONNX file and every family's published layout.

The published layouts are built with ``onnx.helper`` with the exporters' tensor names and
shapes (Ultralytics ``output0``/``output1`` and its metadata, YOLOX ``output``, EfficientNMS
``num_dets``/``det_boxes``/…, pytorch-ssd ``scores``/``boxes``, DETR ``pred_logits``/
``pred_boxes``, RT-DETR ``labels``/``boxes``/``scores`` + ``orig_target_sizes``); only
their signatures matter to the inspection, so each output is an ``Identity`` of the input.
"""

from pathlib import Path

from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.inspection import inspect_model, load_onnx
from jetson_dnn_ros.models import load_descriptor
from jetson_dnn_ros.models import TASKS
import onnx
from onnx import helper
from onnx import TensorProto
import pytest
import yaml

CONFIG = Path(__file__).resolve().parents[1] / 'config' / 'models'
COCO = [f'class{i}' for i in range(80)]


def signature_model(path, outputs, inputs=None, metadata=None, ops=()) -> Path:
    """
    Write a model with the given input/output names and shapes (values irrelevant).

    :param outputs: ``{name: shape}``; a str dimension is dynamic.
    :param inputs: ``{name: shape}``; default one ``images`` [1, 3, 640, 640].
    :param metadata: ``metadata_props`` as ``{key: text}``.
    :param ops: extra op types to place in the graph (e.g. ``ConvInteger``).
    """
    inputs = inputs or {'images': [1, 3, 640, 640]}
    first = next(iter(inputs))
    graph_inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, s)
                    for n, s in inputs.items()]
    nodes = [helper.make_node('Identity', [first], [name]) for name in outputs]
    for i, op in enumerate(ops):   # unconnected nodes, only their op type matters here
        nodes.append(helper.make_node(op, [first], [f'_{op}_{i}'], domain=''))
    graph = helper.make_graph(
        nodes, 'signature', graph_inputs,
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outputs.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
    model.ir_version = 8
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    if not ops:
        onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return Path(path)


def ultralytics_metadata(task='detect', names=None, imgsz='[640, 640]', **extra):
    names = COCO if names is None else names
    meta = {'author': 'Ultralytics', 'description': 'Ultralytics YOLOv8n model',
            'task': task, 'stride': '32', 'imgsz': imgsz,
            'names': repr(dict(enumerate(names)))}
    meta.update(extra)
    return meta


# ------------------------------------------------------------------ shipped models

SHIPPED = {   # file: (zoo descriptor or None, task, decoder, input name, layout, (w, h))
    'classification/mobilenet_v2_1.0_224_fp32.onnx':
        ('mobilenet_v2_1001', 'classification', 'classification', 'input', 'NCHW', (224, 224)),
    'classification/mobilenetv2-12-int8.onnx':
        ('mobilenetv2_int8', 'classification', 'classification', 'input', 'NCHW', (224, 224)),
    'depth/fastdepth_224_fp32.onnx':
        ('fastdepth', 'depth', 'depth_metric', 'input', 'NCHW', (224, 224)),
    'detection/lightweight_person_detector.onnx':
        ('lightweight_person_detector', 'detection', 'yolox', 'images', 'NCHW', (192, 192)),
    'detection/yolox_nano.onnx':
        ('yolox_nano', 'detection', 'yolox', 'images', 'NCHW', (416, 416)),
    'detection/yolov8n_int8.onnx':
        (None, 'detection', 'yolov8', 'images', 'NCHW', (640, 640)),
    'detection/yolo11n_int8_320.onnx':
        (None, 'detection', 'yolo11', 'images', 'NCHW', (320, 320)),
    'instance_segmentation/yolov8n-seg_int8_320.onnx':
        (None, 'instance_segmentation', 'yolov8_seg', 'images', 'NCHW', (320, 320)),
    'pose/bodypix_mobilenetv1_x050_stride16.onnx':
        ('bodypix_mobilenetv1_050', 'pose', 'posenet', 'input', 'NHWC', (641, 481)),
    'pose/movenet_single_pose_lightning_fp32_floatin_nhwc.onnx':
        ('movenet_lightning', 'pose', 'movenet', 'input', 'NHWC', (192, 192)),
    'segmentation/deeplab_v3_1_default_1.onnx':
        ('deeplabv3_mobilenetv2_voc', 'segmentation', 'segmentation_logits', 'sub_7', 'NHWC',
         (257, 257)),
    'segmentation/road_segmentation_adas_0001.onnx':
        ('road_segmentation_adas_0001', 'segmentation', 'segmentation_logits', 'data', 'NHWC',
         (896, 512)),
}


def test_the_table_covers_every_shared_model(data_dir):
    shared = {str(p.relative_to(data_dir / 'models'))
              for p in (data_dir / 'models').glob('*/*.onnx')}
    assert shared == set(SHIPPED)


@pytest.mark.parametrize('relative', sorted(SHIPPED))
def test_inspection_infers_every_shipped_model(data_dir, relative):
    zoo, task, decoder, name, layout, size = SHIPPED[relative]
    path = data_dir / 'models' / relative
    found = inspect_model(path)
    assert (found.task, found.decoder) == (task, decoder)
    inp = found.data['input']
    assert (inp['name'], inp['layout'], (inp['width'], inp['height'])) == (name, layout, size)
    if zoo is not None:   # a file the zoo pins by sha256 is that descriptor, every key of it
        assert found.known == str(CONFIG / f'{zoo}.yaml')
        shipped = load_descriptor(CONFIG / f'{zoo}.yaml')
        assert found.descriptor() == shipped.with_file(str(path))
    # the graph alone (no sha256 match) gives the same task, decoder family and input
    if relative.startswith('depth/'):
        with pytest.raises(ModelError, match='depth_metric.*depth_relative_inverse'):
            inspect_model(path, use_known=False)
        graph = inspect_model(path, use_known=False, decoder='depth_metric')
    else:
        graph = inspect_model(path, use_known=False)
    assert (graph.task, graph.decoder) == (task, decoder)
    g_inp = graph.data['input']
    assert (g_inp['name'], g_inp['layout']) == (name, layout)
    assert (g_inp['width'], g_inp['height']) == size
    if relative.startswith('pose/bodypix'):   # dynamic H and W: per aspect, as the zoo's
        assert graph.data['input_size'] == shipped.extras['input_size']


@pytest.mark.parametrize('relative', ['detection/yolov8n_int8.onnx',
                                      'detection/yolo11n_int8_320.onnx',
                                      'instance_segmentation/yolov8n-seg_int8_320.onnx'])
def test_ultralytics_labels_and_defaults_come_from_the_file(data_dir, relative):
    # from the graph and metadata alone (the seg file is also a shipped descriptor's)
    found = inspect_model(data_dir / 'models' / relative, use_known=False)
    labels = found.data['labels']
    # the metadata's coco.yaml spelling, not the shipped Darknet list (motorbike, aeroplane)
    assert len(labels) == 80 and labels[3] == 'motorcycle' and labels[4] == 'airplane'
    darknet = (data_dir / 'labels' / 'coco80.names').read_text().split()
    assert 'motorbike' in darknet and 'motorbike' not in labels
    assert found.data['thresholds'] == {'score': 0.25, 'iou': 0.7}
    assert found.data['max_detections'] == 300 and found.data['class_agnostic'] is False
    assert 'ultralytics/cfg/default.yaml' in found.data['sources']['defaults']
    assert found.data['input']['align'] == 'center' and found.data['input']['color'] == 'rgb'
    assert set(found.unparsable_ops) >= {'ConvInteger', 'DynamicQuantizeLinear'}
    assert 'TensorRT cannot parse' in found.report()


def test_instance_segmentation_is_recognised_even_where_it_cannot_run_yet(data_dir):
    found = inspect_model(data_dir / 'models/instance_segmentation/yolov8n-seg_int8_320.onnx')
    assert found.data['decoder'] == {'name': 'yolov8_seg', 'output': 'output0',
                                     'protos': 'output1'}
    from jetson_dnn_ros.tasks import decoder_names
    if 'instance_segmentation' in TASKS and 'yolov8_seg' in decoder_names():
        assert found.descriptor().task == 'instance_segmentation'
    else:
        with pytest.raises(ModelError,
                           match="recognised as task 'instance_segmentation'.*no task"):
            found.descriptor()


# ------------------------------------------------------------------ published layouts

LAYOUTS = {   # name: (outputs, inputs, metadata, task, decoder, extra checks)
    'yolov5': ({'output0': [1, 25200, 85]}, None, None, 'detection', 'yolov5', {}),
    'yolox_640': ({'output': [1, 8400, 85]}, None, None, 'detection', 'yolox',
                  {'strides': [8, 16, 32]}),
    'yolov8_plain': ({'output0': [1, 84, 8400]}, None, None, 'detection', 'yolov8', {}),
    'yolo11_meta': ({'output0': [1, 84, 8400]}, None,
                    ultralytics_metadata(description='Ultralytics YOLO11n model'),
                    'detection', 'yolo11', {}),
    'yolov8_pose': ({'output0': [1, 56, 8400]}, None,
                    ultralytics_metadata('pose', ['person'], kpt_shape='[17, 3]'),
                    'pose', 'yolov8_pose', {'num_classes': 1, 'keypoint_dims': 3}),
    'yolov8_seg': ({'output0': [1, 116, 8400], 'output1': [1, 32, 160, 160]}, None,
                   None, 'instance_segmentation', 'yolov8_seg', {'protos': 'output1'}),
    'efficient_nms': ({'num_dets': [1, 1], 'det_boxes': [1, 100, 4], 'det_scores': [1, 100],
                       'det_classes': [1, 100]}, None, None, 'detection', 'efficient_nms',
                      {'num_dets': 'num_dets', 'boxes': 'det_boxes'}),
    'ssd': ({'scores': [1, 3000, 91], 'boxes': [1, 3000, 4]},
            {'input_0': [1, 3, 300, 300]}, None, 'detection', 'ssd', {'scores': 'scores'}),
    'detr': ({'pred_logits': [1, 100, 92], 'pred_boxes': [1, 100, 4]},
             {'inputs': [1, 3, 800, 800]}, None, 'detection', 'detr', {}),
    'rtdetr': ({'labels': [1, 300], 'boxes': [1, 300, 4], 'scores': [1, 300]},
               {'images': [1, 3, 640, 640], 'orig_target_sizes': [1, 2]}, None,
               'detection', 'rtdetr', {'target_sizes_input': 'orig_target_sizes'}),
    'classification': ({'logits': [1, 1000]}, {'input': [1, 3, 224, 224]}, None,
                       'classification', 'classification', {'activation': 'softmax'}),
    'semantic_nchw': ({'out': [1, 21, 520, 520]}, {'input': [1, 3, 520, 520]}, None,
                      'segmentation', 'segmentation_logits', {'layout': 'NCHW'}),
    'semantic_nhwc': ({'logits': [1, 128, 128, 19]}, {'input': [1, 512, 512, 3]}, None,
                      'segmentation', 'segmentation_logits', {'layout': 'NHWC'}),
    'movenet': ({'output_0': [1, 1, 17, 3]}, {'input': [1, 192, 192, 3]}, None, 'pose',
                'movenet', {}),
    'posenet': ({'heatmaps': [1, 33, 33, 17], 'short_offsets': [1, 33, 33, 34],
                 'displacement_fwd': [1, 33, 33, 32], 'displacement_bwd': [1, 33, 33, 32]},
                {'image': [1, 513, 513, 3]}, None, 'pose', 'posenet', {'output_stride': 16}),
}


@pytest.mark.parametrize('name', sorted(LAYOUTS))
def test_inspection_infers_every_published_layout(tmp_path, name):
    outputs, inputs, metadata, task, decoder, config = LAYOUTS[name]
    path = signature_model(tmp_path / f'{name}.onnx', outputs, inputs, metadata)
    found = inspect_model(path)
    assert (found.task, found.decoder) == (task, decoder)
    for key, value in config.items():
        assert found.data['decoder'][key] == value, key
    assert found.reasons and found.data['sources']['defaults']


@pytest.mark.parametrize('outputs, expected', [
    ({'depth': [1, 1, 256, 256]}, 'NCHW'), ({'depth': [1, 256, 256]}, None)])
def test_depth_maps_need_their_kind_named(tmp_path, outputs, expected):
    path = signature_model(tmp_path / 'd.onnx', outputs, {'image': [1, 3, 256, 256]})
    with pytest.raises(ModelError, match='ambiguous.*depth_metric.*depth_relative_inverse'):
        inspect_model(path)
    found = inspect_model(path, decoder='depth_relative_inverse')
    assert found.task == 'depth' and found.data['depth_kind'] == 'relative_inverse'


def test_dynamic_input_gets_the_family_default_or_the_metadata_size(tmp_path):
    dynamic = {'images': ['batch', 3, 'height', 'width']}
    plain = signature_model(tmp_path / 'p.onnx', {'output0': [1, 84, 8400]}, dynamic)
    inp = inspect_model(plain).data['input']
    assert (inp['width'], inp['height']) == (640, 640)
    meta = signature_model(tmp_path / 'm.onnx', {'output0': [1, 84, 'anchors']}, dynamic,
                           ultralytics_metadata(imgsz='[480, 800]'))
    inp = inspect_model(meta).data['input']
    assert (inp['height'], inp['width']) == (480, 800)


def test_yolox_descriptor_defaults_are_the_demo_s(tmp_path):
    found = inspect_model(signature_model(tmp_path / 'x.onnx', {'output': [1, 3549, 85]},
                                          {'images': [1, 3, 416, 416]}))
    inp = found.data['input']
    assert (inp['align'], inp['color'], inp['size_rounding'], inp['scale']) == \
        ('top_left', 'bgr', 'floor', 1.0)
    assert found.data['class_agnostic'] is True
    assert found.data['thresholds'] == {'score': 0.3, 'iou': 0.45}
    assert 'multiclass_nms' in found.data['sources']['defaults']
    descriptor = found.descriptor()
    assert descriptor.params.class_agnostic and descriptor.preprocess.size_rounding == 'floor'


# ------------------------------------------------------------------ ambiguity and bad input

def test_ambiguous_yolov5_or_yolox_is_refused_with_the_candidates(tmp_path):
    path = signature_model(tmp_path / 'amb.onnx', {'output': [1, 'N', 85]})
    with pytest.raises(ModelError) as info:
        inspect_model(path)
    text = str(info.value)
    assert 'ambiguous' in text and 'yolox' in text and 'yolov5' in text
    assert '--decoder' in text and 'descriptor' in text
    assert inspect_model(path, decoder='yolox').decoder == 'yolox'
    assert inspect_model(path, decoder='yolov5').decoder == 'yolov5'
    with pytest.raises(ModelError, match="decoder 'ssd' does not fit"):
        inspect_model(path, decoder='ssd')


def test_pose_or_52_class_detector_needs_metadata(tmp_path):
    path = signature_model(tmp_path / 'p.onnx', {'output0': [1, 56, 8400]})
    with pytest.raises(ModelError, match='ambiguous.*yolov8 .*yolov8_pose'):
        inspect_model(path)


def test_not_an_onnx_file(tmp_path):
    bad = tmp_path / 'model.onnx'
    bad.write_text('this is not a model\n')
    with pytest.raises(ModelError, match='is not an ONNX model'):
        inspect_model(bad)
    with pytest.raises(ModelError, match='does not exist'):
        inspect_model(tmp_path / 'missing.onnx')


def test_unrecognisable_signature(tmp_path):
    path = signature_model(tmp_path / 'odd.onnx', {'a': [1, 7, 7, 7, 7], 'b': [3]})
    with pytest.raises(ModelError, match='no known model signature.*a \\[1, 7, 7, 7, 7\\]'):
        inspect_model(path)


def test_no_image_input(tmp_path):
    path = signature_model(tmp_path / 'vec.onnx', {'y': [1, 10]}, {'x': [1, 64]})
    with pytest.raises(ModelError, match='no image input'):
        inspect_model(path)


def test_metadata_that_does_not_parse(tmp_path):
    meta = ultralytics_metadata()
    meta['names'] = "{0: 'person', 1: 'bicycle'"   # cut off
    path = signature_model(tmp_path / 'm.onnx', {'output0': [1, 84, 8400]}, metadata=meta)
    with pytest.raises(ModelError, match="metadata 'names' does not parse"):
        inspect_model(path)


def test_metadata_is_never_evaluated(tmp_path):
    marker = tmp_path / 'evaluated'
    meta = ultralytics_metadata()
    meta['names'] = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    path = signature_model(tmp_path / 'm.onnx', {'output0': [1, 84, 8400]}, metadata=meta)
    with pytest.raises(ModelError, match='does not parse'):
        inspect_model(path)
    assert not marker.exists()


def test_names_count_must_equal_the_class_dimension(tmp_path):
    meta = ultralytics_metadata(names=COCO[:79])
    path = signature_model(tmp_path / 'm.onnx', {'output0': [1, 84, 8400]}, metadata=meta)
    with pytest.raises(ModelError, match="'names' lists 79 class names but the model has 80"):
        inspect_model(path)


def test_mask_prototypes_must_fit_the_input(tmp_path):
    path = signature_model(tmp_path / 's.onnx',
                           {'output0': [1, 116, 8400], 'output1': [1, 32, 80, 80]})
    with pytest.raises(ModelError, match='mask prototypes .* do not fit the input 640x640'):
        inspect_model(path)


def test_tensorrt_refuses_onnx_runtime_int8_graphs(tmp_path, monkeypatch, caplog):
    from jetson_dnn_ros import backends
    path = signature_model(tmp_path / 'q.onnx', {'output0': [1, 84, 8400]},
                           ops=('DynamicQuantizeLinear', 'ConvInteger'))
    with pytest.raises(ModelError, match='TensorRT cannot parse .*ConvInteger.*onnxruntime'):
        backends.create_backend('tensorrt', str(path))
    # auto on a TensorRT machine runs it with ONNX Runtime instead, and says so
    monkeypatch.setattr(backends, 'tensorrt_usable', lambda: True)
    opened = []
    import jetson_dnn_ros.backends.onnxruntime as ort_backend
    monkeypatch.setattr(ort_backend, 'OnnxRuntimeBackend',
                        lambda path, **kwargs: opened.append(path) or 'ort')
    with caplog.at_level('WARNING'):
        assert backends.create_backend('auto', str(path)) == 'ort'
    assert opened == [str(path)] and 'TensorRT' in caplog.text


def test_written_descriptor_runs_like_the_onnx(tmp_path, data_dir):
    from jetson_dnn_ros.models import resolve_model
    found = inspect_model(data_dir / 'models/detection/yolo11n_int8_320.onnx')
    out = tmp_path / 'mine.yaml'
    out.write_text(found.to_yaml())
    assert yaml.safe_load(out.read_text())['decoder']['name'] == 'yolo11'
    written = resolve_model(str(out))
    direct = resolve_model(str(data_dir / 'models/detection/yolo11n_int8_320.onnx'))
    assert written.preprocess == direct.preprocess and written.params == direct.params
    assert written.load_labels() == direct.load_labels()
    assert (written.decoder, dict(written.decoder_params)) == \
        (direct.decoder, dict(direct.decoder_params))


@pytest.mark.parametrize('key, text, message', [
    ('names', "{0: 'a', 'x': 'b'}", 'must map class ids 0..n-1'),
    ('names', "['a', 2]", 'not a list or dict of class names'),
    ('imgsz', "'640'", 'is not \\[height, width\\]'),
    ('imgsz', '[640, 0]', 'is not \\[height, width\\]'),
])
def test_malformed_metadata_values(tmp_path, key, text, message):
    meta = ultralytics_metadata()
    meta[key] = text
    path = signature_model(tmp_path / 'm.onnx', {'output0': [1, 84, 8400]}, metadata=meta)
    with pytest.raises(ModelError, match=message):
        inspect_model(path)


def test_missing_onnx_package_is_a_model_error(tmp_path, monkeypatch):
    """Without the onnx package a model path gives a ModelError saying what to install."""
    import builtins
    path = tmp_path / 'm.onnx'
    path.write_bytes(b'not read')
    real_import = builtins.__import__

    def no_onnx(name, *args, **kwargs):
        if name == 'onnx' or name.startswith('onnx.'):
            raise ImportError(f'No module named {name!r}')
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_onnx)
    with pytest.raises(ModelError, match='pip install onnx'):
        load_onnx(path)
