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
Detection decoders on constant ONNX models whose boxes are planted at known places.

Every decoder gets the same five planted objects (in network pixels of a 416×416 input):

- A ``(52, 104, 116, 136)`` class 1, score 0.72
- B ``(54, 104, 118, 136)`` class 1, score 0.5: a duplicate of A (IoU 0.94), NMS drops it
- C ``(52, 104, 116, 136)`` class 2, score 0.6: A's box with another class, class-aware NMS
  keeps it
- D ``(368, 200, 432, 264)`` class 0, score 0.4: runs past the right edge, clipped
- E ``(150, 370, 200, 410)`` class 0, score 0.9: wholly in the letterbox padding, dropped

The source image is 640×480, so the letterbox scale is 416 / 640 = 0.65 (312 rows of
content); centred padding puts the content at rows 52..364, top-left at rows 0..312.
Expected source boxes are ``(net - offset) / 0.65`` written out by hand below.
"""

import cv2
from jetson_dnn_ros.backends.onnxruntime import OnnxRuntimeBackend
from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.models import descriptor_from_dict
from jetson_dnn_ros.pipeline import Pipeline
from jetson_dnn_ros.tasks.detection import box_iou
from jetson_dnn_ros.tasks.detection import make_detections
from jetson_dnn_ros.tasks.detection import nms
from jetson_dnn_ros.tasks.tracking import IouTracker
import numpy as np
import onnx
from onnx import helper
from onnx import numpy_helper
from onnx import TensorProto
from onnxgen import constant_model
import pytest

LABELS = ['zero', 'one', 'two']
NET = 416
SOURCE = np.zeros((480, 640, 3), np.uint8)   # H=480, W=640 ≠ the network size
SCALE = 0.65                                 # 416 / 640

# name: (net xyxy, class id, score)
PLANTS = {
    'A': ((52.0, 104.0, 116.0, 136.0), 1, 0.72),
    'B': ((54.0, 104.0, 118.0, 136.0), 1, 0.5),
    'C': ((52.0, 104.0, 116.0, 136.0), 2, 0.6),
    'D': ((368.0, 200.0, 432.0, 264.0), 0, 0.4),
    'E': ((150.0, 370.0, 200.0, 410.0), 0, 0.9),
}

# expected source-pixel boxes, by hand: x = net_x / 0.65, y = (net_y - offset_y) / 0.65
EXPECTED_CENTER = {   # offset_y = (416 - 312) / 2 = 52
    'A': (80.0, 80.0, 1160 / 6.5, 840 / 6.5),
    'B': (540 / 6.5, 80.0, 1180 / 6.5, 840 / 6.5),
    'C': (80.0, 80.0, 1160 / 6.5, 840 / 6.5),
    'D': (3680 / 6.5, 1480 / 6.5, 640.0, 2120 / 6.5),     # x2 = 664.6 clipped to 640
}
EXPECTED_TOP_LEFT = {  # offset_y = 0
    'A': (80.0, 160.0, 1160 / 6.5, 1360 / 6.5),
    'B': (540 / 6.5, 160.0, 1180 / 6.5, 1360 / 6.5),
    'C': (80.0, 160.0, 1160 / 6.5, 1360 / 6.5),
    'D': (3680 / 6.5, 2000 / 6.5, 640.0, 2640 / 6.5),
}


def logit(p):
    p = np.clip(np.asarray(p, np.float64), 1e-12, 1 - 1e-12)
    return np.log(p / (1 - p))


def build(tmp_path, name, outputs, decoder, input_spec=None, labels=LABELS, model=None,
          extra_inputs=None):
    """Write a constant model (unless ``model`` is given) and return a Pipeline on it."""
    spec = input_spec or {'width': NET, 'height': NET, 'resize': 'letterbox',
                          'align': 'center', 'pad_value': 114, 'color': 'bgr', 'scale': 1.0}
    path = model or constant_model(tmp_path / f'{name}.onnx', outputs,
                                   input_shape=(1, 3, spec['height'], spec['width']),
                                   extra_inputs=extra_inputs)
    descriptor = descriptor_from_dict({
        'name': name, 'task': 'detection', 'file': str(path), 'input': spec,
        'decoder': decoder, 'labels': labels, 'thresholds': {'score': 0.3, 'iou': 0.45}})
    return Pipeline(descriptor, OnnxRuntimeBackend(str(path)))


def run(pipeline, image=SOURCE, **params):
    pipeline.params = pipeline.descriptor.params.replace(**params)
    return pipeline.run(image, 'bgr8')


def check(result, expected, names):
    """Assert the result holds exactly the planted ``names``, in score order."""
    names = sorted(names, key=lambda n: -PLANTS[n][2])
    assert len(result) == len(names), result.to_dict()
    assert result.image_size == (480, 640)
    assert result.boxes.dtype == np.float32 and result.boxes.shape == (len(names), 4)
    np.testing.assert_allclose(result.boxes, np.array([expected[n] for n in names]).reshape(-1, 4),
                               atol=1e-3)
    np.testing.assert_allclose(result.scores, [PLANTS[n][2] for n in names], atol=1e-5)
    assert list(result.class_ids) == [PLANTS[n][1] for n in names]
    assert result.labels == tuple(LABELS[PLANTS[n][1]] for n in names)


def check_nms_family(pipeline, expected):
    """Check the scenarios shared by decoders that run our NMS."""
    check(run(pipeline), expected, 'ACD')                       # B suppressed, E dropped
    check(run(pipeline, class_agnostic=True), expected, 'AD')   # C suppressed by A
    check(run(pipeline, max_detections=1), expected, 'A')
    check(run(pipeline, iou_threshold=0.95), expected, 'ABCD')  # IoU 0.94 < 0.95
    empty = run(pipeline, score_threshold=0.95)
    assert len(empty) == 0 and empty.boxes.shape == (0, 4) and empty.scores.shape == (0,)


# ---------------------------------------------------------------------------- YOLOX

def yolox_raw(strides=(8, 16, 32), net=NET, classes=3):
    """Return a zero YOLOX head with the five plants encoded at hand-picked strides."""
    sizes = [(net // s) ** 2 for s in strides]
    raw = np.zeros((1, sum(sizes), 5 + classes), np.float32)
    where = {'A': 16, 'B': 32, 'C': 8, 'D': 32, 'E': 16}
    for name, ((x1, y1, x2, y2), cls, score) in PLANTS.items():
        s = where[name]
        level = strides.index(s)
        cx, cy, w, h = (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1
        gx, gy = int(cx // s), int(cy // s)
        row = sum(sizes[:level]) + gy * (net // s) + gx
        assert raw[0, row, 4] == 0, 'two plants on one anchor'
        raw[0, row, :4] = (cx / s - gx, cy / s - gy, np.log(w / s), np.log(h / s))
        raw[0, row, 4] = 1.0 if name == 'E' else score / 0.8   # objectness
        raw[0, row, 5 + cls] = 0.9 if name == 'E' else 0.8     # class probability
    return raw


@pytest.fixture(scope='module')
def yolox_pipelines(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('yolox')
    raw = yolox_raw()
    out = {}
    for align in ('center', 'top_left'):
        spec = {'width': NET, 'height': NET, 'resize': 'letterbox', 'align': align,
                'pad_value': 114, 'color': 'bgr', 'scale': 1.0}
        out[align] = build(tmp, f'yolox_{align}', {'output': raw}, {'name': 'yolox'}, spec)
    yield out
    for p in out.values():
        p.close()


def test_yolox_letterbox_centre(yolox_pipelines):
    check_nms_family(yolox_pipelines['center'], EXPECTED_CENTER)


def test_yolox_letterbox_top_left(yolox_pipelines):
    pipeline = yolox_pipelines['top_left']
    # E (net rows 370..410) is padding in both layouts: top-left content ends at row 312
    check(run(pipeline), EXPECTED_TOP_LEFT, 'ACD')
    check(run(pipeline, class_agnostic=True), EXPECTED_TOP_LEFT, 'AD')


def test_yolox_multi_label_reports_every_class_of_an_anchor(tmp_path):
    raw = np.zeros((1, 3549, 8), np.float32)
    row = 52 * 52 + 7 * 26 + 5                      # stride 16, cell (5, 7): box A
    raw[0, row, :4] = (0.25, 0.5, np.log(4.0), np.log(2.0))
    raw[0, row, 4:] = (0.9, 0.0, 0.8, 0.5)          # obj; classes 1 and 2 pass 0.3
    with build(tmp_path, 'ml', {'output': raw}, {'name': 'yolox', 'multi_label': True}
               ) as pipeline:
        both = run(pipeline)
    assert list(both.class_ids) == [1, 2]
    np.testing.assert_allclose(both.scores, [0.72, 0.45], atol=1e-6)
    np.testing.assert_allclose(both.boxes, [EXPECTED_CENTER['A']] * 2, atol=1e-3)
    # the default is the official demo's: the best class of each anchor only
    # (yolox/utils/demo_utils.py multiclass_nms(..., class_agnostic=True))
    with build(tmp_path, 'sl', {'output': raw}, {'name': 'yolox'}) as pipeline:
        single = run(pipeline)
    assert list(single.class_ids) == [1]


def test_yolox_logit_exports_are_sigmoided(tmp_path):
    raw = yolox_raw()
    raw[..., 4:] = logit(raw[..., 4:])
    with build(tmp_path, 'lg', {'output': raw}, {'name': 'yolox', 'activation': 'sigmoid'}
               ) as pipeline:
        check(run(pipeline), EXPECTED_CENTER, 'ACD')


def test_yolox_p6_strides(tmp_path):
    strides = (8, 16, 32, 64)
    raw = yolox_raw(strides)
    assert raw.shape[1] == 52 * 52 + 26 * 26 + 13 * 13 + 6 * 6
    with build(tmp_path, 'p6', {'output': raw}, {'name': 'yolox', 'strides': list(strides)}
               ) as pipeline:
        check(run(pipeline), EXPECTED_CENTER, 'ACD')


def test_yolox_grids_are_cached_per_input_size(yolox_pipelines):
    decoder = yolox_pipelines['center'].decoder
    grid, stride = decoder.grids(416, 416)
    assert decoder.grids(416, 416)[0] is grid
    assert grid.shape == (3549, 2) and stride.shape == (3549, 1)
    # stride 16 block starts after 52² cells and is row-major: cell (x=5, y=7)
    assert tuple(grid[2704 + 7 * 26 + 5]) == (5.0, 7.0) and stride[2704, 0] == 16.0
    assert decoder.grids(320, 640)[0].shape == ((40 * 80 + 20 * 40 + 10 * 20), 2)


# ---------------------------------------------------------------------------- YOLOv5

def v5_rows(classes=3):
    rows = np.zeros((12, 5 + classes), np.float32)
    rows[:, :4] = (10, 10, 4, 4)                         # background rows, objectness 0
    for i, ((x1, y1, x2, y2), cls, score) in enumerate(PLANTS.values()):
        rows[i, :4] = ((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1)
        rows[i, 4] = 1.0 if score == 0.9 else score / 0.8
        rows[i, 5 + cls] = 0.9 if score == 0.9 else 0.8
    return rows


def test_yolov5_export_output(tmp_path):
    with build(tmp_path, 'v5', {'output0': v5_rows()[None]}, {'name': 'yolov5'}) as pipeline:
        check_nms_family(pipeline, EXPECTED_CENTER)


ANCHORS = ((10, 13, 16, 30, 33, 23), (30, 61, 62, 45, 59, 119), (116, 90, 156, 198, 373, 326))


def v5_raw_heads(classes=3):
    """Encode the plants into ultralytics raw heads (1, 3, H, W, 5 + C) by inverting σ."""
    heads = {s: np.full((1, 3, NET // s, NET // s, 5 + classes), -30.0, np.float32)
             for s in (8, 16, 32)}
    where = {'A': (16, 1), 'B': (16, 2), 'C': (8, 2), 'D': (32, 0), 'E': (16, 0)}
    for name, ((x1, y1, x2, y2), cls, score) in PLANTS.items():
        s, a = where[name]
        aw, ah = np.reshape(ANCHORS[(8, 16, 32).index(s)], (3, 2))[a]
        cx, cy, w, h = (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1
        gx, gy = int(cx // s), int(cy // s)
        sx, sy = (cx / s - gx + 0.5) / 2, (cy / s - gy + 0.5) / 2   # xy = (2σ − 0.5 + g)·s
        sw, sh = np.sqrt(w / aw) / 2, np.sqrt(h / ah) / 2           # wh = (2σ)²·anchor
        cell = heads[s][0, a, gy, gx]
        cell[:4] = logit([sx, sy, sw, sh])
        cell[4] = logit(1.0 - 1e-9 if name == 'E' else score / 0.8)
        cell[5 + cls] = logit(0.9 if name == 'E' else 0.8)
    return heads


def test_yolov5_raw_heads(tmp_path):
    heads = v5_raw_heads()
    outputs = {'p32': heads[32], 'p8': heads[8], 'p16': heads[16]}   # any order
    with build(tmp_path, 'v5raw', outputs, {'name': 'yolov5', 'raw': True,
                                            'anchors': [list(a) for a in ANCHORS]}) as pipeline:
        check_nms_family(pipeline, EXPECTED_CENTER)


# ---------------------------------------------------------------------------- YOLOv8

@pytest.mark.parametrize('decoder', ['yolov8', 'yolo11'])
@pytest.mark.parametrize('transposed', [False, True])
def test_yolov8_head_both_layouts(tmp_path, decoder, transposed):
    rows = np.zeros((12, 7), np.float32)
    rows[:, :4] = (10, 10, 4, 4)
    for i, ((x1, y1, x2, y2), cls, score) in enumerate(PLANTS.values()):
        rows[i, :4] = ((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1)
        rows[i, 4 + cls] = score
    head = rows[None] if transposed else rows.T[None].copy()   # (1, N, 7) or (1, 7, N)
    with build(tmp_path, decoder, {'output0': head}, {'name': decoder}) as pipeline:
        check_nms_family(pipeline, EXPECTED_CENTER)


def test_yolov8_without_labels_takes_the_short_axis_as_channels(tmp_path):
    rows = np.zeros((12, 7), np.float32)
    (x1, y1, x2, y2), cls, score = PLANTS['A']
    rows[0, :4] = ((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1)
    rows[0, 4 + cls] = score
    with build(tmp_path, 'nolab', {'output0': rows.T[None].copy()}, {'name': 'yolov8'},
               labels=None) as pipeline:
        result = run(pipeline)
    assert result.labels == ('1',)
    np.testing.assert_allclose(result.boxes, [EXPECTED_CENTER['A']], atol=1e-3)


# ---------------------------------------------------------------------------- EfficientNMS

@pytest.mark.parametrize('normalized', [False, True])
def test_efficient_nms_outputs_are_taken_as_they_are(tmp_path, normalized):
    k = 8
    boxes = np.zeros((1, k, 4), np.float32)
    scores = np.zeros((1, k), np.float32)
    classes = np.zeros((1, k), np.int32)
    for i, (box, cls, score) in enumerate(PLANTS.values()):
        boxes[0, i], scores[0, i], classes[0, i] = box, score, cls
    boxes[0, 5], scores[0, 5] = (0, 0, 100, 100), 0.99   # beyond num_dets: must be ignored
    if normalized:
        boxes /= NET
    outputs = {'num_dets': np.array([[5]], np.int32), 'det_boxes': boxes,
               'det_scores': scores, 'det_classes': classes}
    with build(tmp_path, 'e2e', outputs, {'name': 'efficient_nms', 'normalized': normalized}
               ) as pipeline:
        # no NMS of ours: the duplicate B stays, E (padding) is dropped
        check(run(pipeline), EXPECTED_CENTER, 'ABCD')
        check(run(pipeline, max_detections=2), EXPECTED_CENTER, 'AC')
        assert len(run(pipeline, score_threshold=0.95)) == 0


# ---------------------------------------------------------------------------- SSD

SSD_SPEC = {'width': 300, 'height': 300, 'resize': 'stretch', 'color': 'rgb',
            'scale': 1 / 255, 'mean': 0.5, 'std': 0.5}
# normalised xyxy of the 300×300 input; stretch from 640×480, so source = (x·640, y·480)
SSD_PLANTS = {'A': (0.125, 0.25, 0.375, 0.5), 'B': (0.13, 0.25, 0.38, 0.5),
              'C': (0.125, 0.25, 0.375, 0.5), 'D': (0.875, 0.5, 1.125, 0.75)}
SSD_EXPECTED = {'A': (80.0, 120.0, 240.0, 240.0), 'B': (83.2, 120.0, 243.2, 240.0),
                'C': (80.0, 120.0, 240.0, 240.0), 'D': (560.0, 240.0, 640.0, 360.0)}


def test_ssd_softmax_scores_and_normalised_boxes(tmp_path):
    n = 10
    scores = np.zeros((1, n, 4), np.float32)
    scores[0, :, 0] = 1.0                                  # background everywhere
    boxes = np.tile(np.float32([0.4, 0.4, 0.6, 0.6]), (1, n, 1))
    for i, name in enumerate('ABCD'):
        _, cls, score = PLANTS[name]
        scores[0, i] = 0.0
        scores[0, i, 1 + cls] = score                      # index 0 = background
        scores[0, i, 0] = 1.0 - score
        boxes[0, i] = SSD_PLANTS[name]
    labels = ['BACKGROUND'] + LABELS
    with build(tmp_path, 'ssd', {'scores': scores, 'boxes': boxes}, {'name': 'ssd'}, SSD_SPEC,
               labels=labels) as pipeline:
        result = run(pipeline)
        agnostic = run(pipeline, class_agnostic=True)
    # background (score up to 1.0) is never reported; class ids index the 4-entry labels
    assert list(result.class_ids) == [2, 3, 1]
    assert result.labels == ('one', 'two', 'zero')
    np.testing.assert_allclose(result.scores, [0.72, 0.6, 0.4], atol=1e-6)
    np.testing.assert_allclose(result.boxes, [SSD_EXPECTED[n] for n in 'ACD'], atol=1e-3)
    assert list(agnostic.class_ids) == [2, 1]


# ---------------------------------------------------------------------------- DETR

DETR_SPEC = {'width': 320, 'height': 256, 'resize': 'stretch', 'color': 'rgb',
             'scale': 1 / 255}   # non-square: catches a width/height swap


def test_detr_softmax_drops_the_no_object_class(tmp_path):
    q = 6
    probs = np.full((1, q, 4), 1e-9, np.float32)
    probs[0, :, 3] = 1.0                                    # "no object"
    boxes = np.tile(np.float32([0.5, 0.5, 0.1, 0.1]), (1, q, 1))
    for i, name in enumerate('ABCD'):
        _, cls, score = PLANTS[name]
        probs[0, i] = (1.0 - score) / 3
        probs[0, i, cls] = score
        x1, y1, x2, y2 = SSD_PLANTS[name]
        boxes[0, i] = ((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1)   # cxcywh 0..1
    logits = np.log(probs / probs.sum(-1, keepdims=True)).astype(np.float32)
    with build(tmp_path, 'detr', {'pred_logits': logits, 'pred_boxes': boxes},
               {'name': 'detr'}, DETR_SPEC) as pipeline:
        result = run(pipeline)
        top2 = run(pipeline, max_detections=2)
    # no NMS for set predictions: the duplicate B is kept
    assert list(result.class_ids) == [1, 2, 1, 0]
    np.testing.assert_allclose(result.scores, [0.72, 0.6, 0.5, 0.4], atol=1e-5)
    np.testing.assert_allclose(result.boxes, [SSD_EXPECTED[n] for n in 'ACBD'], atol=1e-3)
    assert list(top2.class_ids) == [1, 2]


def rtdetr_model(path, height, width, norm_xyxy, labels, scores):
    """
    Build an RT-DETR-like graph: boxes = norm_xyxy · orig_target_sizes.repeat(1, 2).

    As its postprocessor does, so the test sees which (w, h) the decoder feeds.
    """
    q = norm_xyxy.shape[1]
    nodes = [
        helper.make_node('ReduceSum', ['images'], ['s'], keepdims=0),
        helper.make_node('Mul', ['s', 'zero'], ['nil']),
        helper.make_node('Cast', ['orig_target_sizes'], ['size_f'], to=TensorProto.FLOAT),
        helper.make_node('Tile', ['size_f', 'reps'], ['size4']),            # (1, 4) w h w h
        helper.make_node('Reshape', ['size4', 'shape'], ['size4r']),         # (1, 1, 4)
        helper.make_node('Mul', ['norm', 'size4r'], ['scaled']),
        helper.make_node('Add', ['scaled', 'nil'], ['boxes']),
        helper.make_node('Add', ['score_c', 'nil'], ['scores']),
        helper.make_node('Identity', ['label_c'], ['labels']),
    ]
    inits = [numpy_helper.from_array(np.zeros((), np.float32), 'zero'),
             numpy_helper.from_array(np.array([1, 2], np.int64), 'reps'),
             numpy_helper.from_array(np.array([1, 1, 4], np.int64), 'shape'),
             numpy_helper.from_array(norm_xyxy.astype(np.float32), 'norm'),
             numpy_helper.from_array(scores.astype(np.float32), 'score_c'),
             numpy_helper.from_array(labels.astype(np.int64), 'label_c')]
    graph = helper.make_graph(
        nodes, 'rtdetr_like',
        [helper.make_tensor_value_info('images', TensorProto.FLOAT, [1, 3, height, width]),
         helper.make_tensor_value_info('orig_target_sizes', TensorProto.INT64, [1, 2])],
        [helper.make_tensor_value_info('labels', TensorProto.INT64, [1, q]),
         helper.make_tensor_value_info('boxes', TensorProto.FLOAT, [1, q, 4]),
         helper.make_tensor_value_info('scores', TensorProto.FLOAT, [1, q])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def test_rtdetr_postprocessed_export_gets_the_network_size(tmp_path):
    names = 'ABCD'
    norm = np.array([[SSD_PLANTS[n] for n in names]], np.float32)
    labels = np.array([[PLANTS[n][1] for n in names]])
    scores = np.array([[PLANTS[n][2] for n in names]], np.float32)
    path = rtdetr_model(tmp_path / 'rtdetr.onnx', 256, 320, norm, labels, scores)
    with build(tmp_path, 'rtdetr', None, {'name': 'rtdetr'}, DETR_SPEC, model=path
               ) as pipeline:
        extra = pipeline.decoder.extra_inputs(pipeline.process(SOURCE).transform,
                                              pipeline.backend.input_specs)
        result = run(pipeline)
    assert extra['orig_target_sizes'].tolist() == [[320, 256]]     # (width, height)
    assert extra['orig_target_sizes'].dtype == np.int64
    assert list(result.class_ids) == [1, 2, 1, 0]
    np.testing.assert_allclose(result.boxes, [SSD_EXPECTED[n] for n in 'ACBD'], atol=1e-3)


# ---------------------------------------------------------------------------- load-time checks

@pytest.mark.parametrize('decoder, outputs, match', [
    ({'name': 'yolox'}, {'output': np.zeros((1, 100, 8), np.float32)}, 'anchor points'),
    ({'name': 'yolox'}, {'output': np.zeros((1, 3549, 85), np.float32)}, 'labels list 3'),
    ({'name': 'yolox'}, {'output': np.zeros((3549, 8), np.float32)}, 'yolox needs'),
    ({'name': 'yolox', 'output': 'nope'}, {'output': np.zeros((1, 3549, 8), np.float32)},
     "'nope' not found"),
    ({'name': 'yolov5'}, {'output0': np.zeros((1, 3, 52, 52, 8), np.float32)}, 'raw: true'),
    ({'name': 'yolov5'}, {'output0': np.zeros((1, 20, 85), np.float32)}, 'labels list 3'),
    ({'name': 'yolov5', 'raw': True}, {'p8': np.zeros((1, 3, 52, 52, 8), np.float32)},
     'expected 3 outputs'),
    ({'name': 'yolov8'}, {'output0': np.zeros((1, 84, 8400), np.float32)}, '4 \\+ 3 = 7'),
    ({'name': 'yolov8'}, {'output0': np.zeros((84, 8400), np.float32)}, 'yolov8 needs'),
    ({'name': 'efficient_nms'}, {'det_boxes': np.zeros((1, 5, 4), np.float32)},
     "no output for \\['scores', 'classes'\\]"),
    ({'name': 'ssd'}, {'scores': np.zeros((1, 10, 3), np.float32)}, "'boxes' not found"),
    ({'name': 'ssd'}, {'scores': np.zeros((1, 10, 91), np.float32),
                       'boxes': np.zeros((1, 10, 4), np.float32)}, 'background'),
    ({'name': 'detr'}, {'logits': np.zeros((1, 10, 4), np.float32)}, 'neither DETR'),
    ({'name': 'detr'}, {'pred_logits': np.zeros((1, 10, 3), np.float32),
                        'pred_boxes': np.zeros((1, 10, 4), np.float32)}, 'no object'),
])
def test_outputs_that_do_not_fit_raise_model_error(tmp_path, decoder, outputs, match):
    path = constant_model(tmp_path / 'bad.onnx', outputs, input_shape=(1, 3, NET, NET))
    descriptor = descriptor_from_dict({
        'name': 'bad', 'task': 'detection', 'file': str(path),
        'input': {'width': NET, 'height': NET, 'resize': 'letterbox'}, 'decoder': decoder,
        'labels': LABELS})
    backend = OnnxRuntimeBackend(str(path))
    with pytest.raises(ModelError, match=match):
        Pipeline(descriptor, backend)
    backend.close()


# ---------------------------------------------------------------------------- NMS helpers

def random_boxes(n=300, seed=0):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 200, (n, 2))
    wh = rng.uniform(10, 60, (n, 2))
    return (np.concatenate((xy, xy + wh), 1).astype(np.float32),
            rng.uniform(0.1, 1.0, n).astype(np.float32), rng.integers(0, 4, n))


def test_nms_fallback_without_nmsboxesbatched_gives_the_same_result(monkeypatch):
    boxes, scores, classes = random_boxes()
    batched = nms(boxes, scores, classes, 0.5, 1000)
    monkeypatch.delattr(cv2.dnn, 'NMSBoxesBatched')
    assert not hasattr(cv2.dnn, 'NMSBoxesBatched')
    fallback = nms(boxes, scores, classes, 0.5, 1000)
    assert batched.tolist() == fallback.tolist()
    assert len(fallback) < len(scores)


def greedy_nms(boxes, scores, classes, iou_threshold):
    """Textbook greedy NMS per class in float64: the reference for :func:`nms`."""
    boxes = np.asarray(boxes, np.float64)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep = []
    for i in np.argsort(-scores, kind='stable'):
        for j in keep:
            if classes[j] != classes[i]:
                continue
            iw = min(boxes[i, 2], boxes[j, 2]) - max(boxes[i, 0], boxes[j, 0])
            ih = min(boxes[i, 3], boxes[j, 3]) - max(boxes[i, 1], boxes[j, 1])
            inter = max(iw, 0.0) * max(ih, 0.0)
            if inter / (area[i] + area[j] - inter) > iou_threshold:
                break
        else:
            keep.append(i)
    return keep


@pytest.mark.parametrize('seed', [1, 2])
def test_nms_keeps_no_overlapping_pair_of_one_class(seed):
    boxes, scores, classes = random_boxes(seed=seed)
    keep = nms(boxes, scores, classes, 0.5, 1000)
    assert np.all(np.diff(scores[keep]) <= 0)
    iou = box_iou(boxes[keep], boxes[keep])
    same = classes[keep][:, None] == classes[keep][None, :]
    np.fill_diagonal(same, False)
    assert iou[same].max() <= 0.5 + 1e-6
    # exactly the boxes greedy NMS keeps (no pair sits within 1e-4 of the threshold, so
    # float32/float64 rounding cannot decide a case)
    assert np.abs(box_iou(boxes, boxes) - 0.5).min() > 1e-4
    reference = greedy_nms(boxes, scores, classes, 0.5)
    assert keep.tolist() == reference
    assert nms(boxes, scores, classes, 0.5, 7).tolist() == reference[:7]
    assert nms(boxes[:0], scores[:0], classes[:0], 0.5, 10).shape == (0,)
    agnostic = nms(boxes, scores, classes, 0.5, 1000, class_agnostic=True)
    assert agnostic.tolist() == greedy_nms(boxes, scores, np.zeros_like(classes), 0.5)


def test_box_iou_is_analytic():
    a = np.array([[0, 0, 10, 10]], np.float32)
    b = np.array([[5, 0, 15, 10], [20, 20, 30, 30], [0, 0, 10, 10], [3, 3, 3, 8]], np.float32)
    np.testing.assert_allclose(box_iou(a, b), [[50 / 150, 0.0, 1.0, 0.0]], atol=1e-7)


# ---------------------------------------------------------------------------- IoU tracker

def track_frame(boxes, classes, scores=None):
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    scores = np.linspace(0.9, 0.5, len(boxes)) if scores is None else scores
    return make_detections(boxes, scores, classes, ['a', 'b'], (480, 640))


def ids_by_box(result):
    return {tuple(b.astype(int)): int(t) for b, t in zip(result.boxes, result.track_ids)}


def test_ids_follow_moving_boxes_and_new_objects_get_new_ids():
    tracker = IouTracker(iou_threshold=0.3, max_age=1)
    first = tracker.update(track_frame([[0, 0, 100, 100], [200, 0, 300, 100]], [0, 0]))
    assert sorted(first.track_ids.tolist()) == [1, 2]
    a, b = ids_by_box(first)[(0, 0, 100, 100)], ids_by_box(first)[(200, 0, 300, 100)]
    # both move 10 px (IoU 0.82); a third object appears
    moved = [[210, 0, 310, 100], [10, 0, 110, 100], [400, 400, 450, 450]]
    second = tracker.update(track_frame(moved, [0, 0, 1]))
    ids = ids_by_box(second)
    assert ids[(10, 0, 110, 100)] == a and ids[(210, 0, 310, 100)] == b
    assert ids[(400, 400, 450, 450)] == 3
    assert not second.track_ids.flags.writeable


def test_lost_tracks_expire_after_max_age_and_ids_are_not_reused():
    tracker = IouTracker(max_age=1)
    box = [[0, 0, 100, 100]]
    assert tracker.update(track_frame(box, [0])).track_ids.tolist() == [1]
    assert len(tracker.update(track_frame(np.zeros((0, 4)), []))) == 0  # missed once: kept
    assert tracker.update(track_frame(box, [0])).track_ids.tolist() == [1]
    tracker.update(track_frame(np.zeros((0, 4)), []))
    tracker.update(track_frame(np.zeros((0, 4)), []))                   # missed twice: gone
    assert tracker.track_count == 0
    assert tracker.update(track_frame(box, [0])).track_ids.tolist() == [2]


def test_class_aware_matching_and_greedy_best_iou():
    tracker = IouTracker(iou_threshold=0.3)
    tracker.update(track_frame([[0, 0, 100, 100]], [0]))
    other = tracker.update(track_frame([[0, 0, 100, 100]], [1]))  # same box, other class
    assert other.track_ids.tolist() == [2]
    agnostic = IouTracker(iou_threshold=0.3, class_aware=False)
    agnostic.update(track_frame([[0, 0, 100, 100]], [0]))
    # two candidates: the better-overlapping one inherits the id
    res = agnostic.update(track_frame([[40, 0, 140, 100], [5, 0, 105, 100]], [0, 0]))
    ids = ids_by_box(res)
    assert ids[(5, 0, 105, 100)] == 1 and ids[(40, 0, 140, 100)] == 2


@pytest.mark.parametrize('kwargs', [{'iou_threshold': 1.5}, {'max_age': -1}])
def test_bad_settings_raise(kwargs):
    with pytest.raises(ValueError):
        IouTracker(**kwargs)


@pytest.mark.parametrize('class_agnostic', [False, True])
def test_nms_limits_detections_after_suppression_not_before(class_agnostic):
    """Many candidates on one object must not push a lower-scored object out (OpenCV top_k)."""
    rng = np.random.default_rng(0)
    crowd = np.array([100.0, 100.0, 200.0, 200.0]) + rng.uniform(-2, 2, (20, 4))
    boxes = np.vstack([crowd, [[400.0, 400.0, 450.0, 450.0]]])
    scores = np.concatenate([np.linspace(0.9, 0.8, 20), [0.15]])
    classes = np.zeros(21, np.int64)
    keep = nms(boxes, scores, classes, iou_threshold=0.5, max_detections=5,
               class_agnostic=class_agnostic)
    assert keep.tolist() == [0, 20]
