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
Pose decoders on synthetic outputs with planted skeletons (analytic expectations).

Each test plants known persons into raw output tensors, runs them through a constant ONNX
model and the real :class:`~jetson_dnn_ros.pipeline.Pipeline` (ONNX Runtime), and checks
that the decoded keypoints come back at the planted source-pixel positions.
"""

import dataclasses
import json

from jetson_dnn_ros.backends import create_backend
from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.labels import COCO17_KEYPOINTS
from jetson_dnn_ros.models import descriptor_from_dict
from jetson_dnn_ros.overlay import draw, OverlayOptions
from jetson_dnn_ros.pipeline import Pipeline
from jetson_dnn_ros.preprocessing import compute_transform
from jetson_dnn_ros.tasks import get_decoder
from jetson_dnn_ros.tasks.pose import (keypoint_boxes, make_pose_result, POSENET_CHAIN,
                                       PoseResult, resolve_keypoint_names, resolve_skeleton,
                                       snake_case, TRTPOSE_BODY_KEYPOINTS,
                                       TRTPOSE_BODY_SKELETON)
import numpy as np
from onnxgen import constant_model
import pytest

TOL = 1.0  # px, source image


def _pipeline(path, descriptor: dict) -> Pipeline:
    desc = descriptor_from_dict({**descriptor, 'file': str(path)})
    return Pipeline(desc, create_backend('onnxruntime', str(path)))


def _match(decoded: np.ndarray, planted: np.ndarray) -> np.ndarray:
    """Return, for each planted person, the index of the decoded person nearest to it."""
    d = np.median(np.abs(decoded[:, None, :, :2] - planted[None, :, :, :2]).max(axis=3),
                  axis=2)
    return d.argmin(axis=0)


# ------------------------------------------------------------------------------------------
# YOLOv8-pose
# ------------------------------------------------------------------------------------------
YOLO_SOURCE = (480, 640)
YOLO_DESC = {'name': 'yolo_pose_test', 'task': 'pose',
             'input': {'name': 'images', 'width': 320, 'height': 320, 'resize': 'letterbox',
                       'align': 'center', 'pad_value': 114, 'scale': 1 / 255},
             'decoder': {'name': 'yolov8_pose', 'output': 'output0'},
             'keypoints': 'coco17', 'thresholds': {'score': 0.25, 'iou': 0.7}}

# a standing person, 17 COCO keypoints, source pixels relative to the person's top-left
TEMPLATE = np.array([[30, 10], [33, 7], [27, 7], [37, 9], [23, 9], [45, 30], [15, 30],
                     [50, 55], [10, 55], [52, 80], [8, 80], [40, 90], [20, 90], [41, 125],
                     [19, 125], [42, 160], [18, 160]], np.float32)


def _yolo_persons():
    origins = [(40.0, 60.0), (250.0, 100.0), (470.0, 250.0)]
    scores = [0.9, 0.8, 0.7]
    persons = []
    for n, (ox, oy) in enumerate(origins):
        kp = np.zeros((17, 3), np.float32)
        kp[:, :2] = TEMPLATE * (1.0 + 0.2 * n) + (ox, oy)
        kp[:, 2] = 0.95
        kp[9 + n % 2, 2] = 0.1          # one unsure wrist per person
        persons.append(kp)
    return np.stack(persons), np.array(scores, np.float32)


@pytest.fixture(scope='module')
def yolo_case(tmp_path_factory):
    persons, scores = _yolo_persons()
    spec = descriptor_from_dict({**YOLO_DESC, 'file': 'x'}).preprocess
    t = compute_transform(spec, YOLO_SOURCE)
    n_anchors = 40
    rng = np.random.default_rng(0)
    head = np.zeros((56, n_anchors), np.float32)
    head[:4] = rng.uniform(20, 300, (4, n_anchors))
    head[4] = rng.uniform(0.0, 0.05, n_anchors)       # background anchors below threshold
    head[5:] = rng.uniform(0, 320, (51, n_anchors))
    boxes = []
    for n, (kp, score) in enumerate(zip(persons, scores)):
        net = t.to_network(kp[:, :2])
        x1, y1 = net.min(axis=0) - 4
        x2, y2 = net.max(axis=0) + 4
        boxes.append(t.boxes_to_source(np.array([[x1, y1, x2, y2]]))[0])
        col = 7 * n
        head[:4, col] = ((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1)
        head[4, col] = score
        head[5:, col] = np.concatenate([net, kp[:, 2:]], axis=1).reshape(-1)
        # a duplicate of each person, shifted by 1 px and less confident: NMS removes it
        dup = col + 1
        head[:4, dup] = head[:4, col] + (1, 1, 0, 0)
        head[4, dup] = score - 0.3
        head[5:, dup] = head[5:, col] + 1.0
    path = constant_model(tmp_path_factory.mktemp('yolo') / 'yolo_pose.onnx',
                          {'output0': head[None]}, input_shape=(1, 3, 320, 320))
    pipe = _pipeline(path, YOLO_DESC)
    yield pipe, persons, scores, np.stack(boxes), head
    pipe.close()


def test_yolo_pose_keypoints_and_boxes_in_source_pixels(yolo_case):
    pipe, persons, scores, boxes, _ = yolo_case
    result = pipe.run(np.zeros(YOLO_SOURCE + (3,), np.uint8))
    assert isinstance(result, PoseResult) and result.task == 'pose'
    assert len(result) == 3
    assert result.image_size == YOLO_SOURCE
    assert result.keypoint_names == COCO17_KEYPOINTS
    decoded = np.stack([p.keypoints for p in result.persons])
    np.testing.assert_array_equal(_match(decoded, persons), [0, 1, 2])  # not mixed up
    for person, kp, score, box in zip(result.persons, persons, scores, boxes):
        np.testing.assert_allclose(person.keypoints[:, :2], kp[:, :2], atol=TOL)
        # unsure keypoints keep their position and carry their low confidence
        np.testing.assert_allclose(person.keypoints[:, 2], kp[:, 2], atol=1e-6)
        np.testing.assert_allclose(person.box, box, atol=TOL)
        assert person.score == pytest.approx(float(score), abs=1e-6)


def test_yolo_pose_transposed_head_and_thresholds(yolo_case):
    pipe, persons, _, _, head = yolo_case
    t = compute_transform(pipe.spec, YOLO_SOURCE)
    decoder = pipe.decoder
    params = pipe.params.replace(score_threshold=0.75)
    result = decoder.decode({'output0': head.T[None]}, t, params)
    assert len(result) == 2        # the 0.7 person is below 0.75
    np.testing.assert_allclose(result.persons[1].keypoints[:, :2], persons[1][:, :2],
                               atol=TOL)


def test_yolo_pose_rejects_wrong_head(tmp_path):
    path = constant_model(tmp_path / 'bad.onnx', {'output0': np.zeros((1, 50, 8), np.float32)},
                          input_shape=(1, 3, 320, 320))
    with pytest.raises(ModelError, match='56'):
        _pipeline(path, YOLO_DESC)


# ------------------------------------------------------------------------------------------
# OpenPose / trt_pose cmap + paf
# ------------------------------------------------------------------------------------------
OP_SOURCE = (448, 672)
OP_GRID = 56
OP_DESC = {'name': 'trtpose_test', 'task': 'pose',
           'input': {'name': 'input', 'width': 224, 'height': 224, 'resize': 'stretch',
                     'mean': [0.485, 0.456, 0.406], 'std': [0.229, 0.224, 0.225]},
           'decoder': {'name': 'openpose', 'cmap': 'cmap', 'paf': 'paf'},
           'keypoints': 'trt_pose_body', 'skeleton': 'trt_pose_body',
           'thresholds': {'score': 0.0}}

# 18 keypoints (COCO-17 + neck) as (row, col) grid cells relative to the person's top-left
OP_TEMPLATE = np.array([[3, 4], [2, 5], [2, 3], [3, 6], [3, 2], [7, 7], [7, 1], [11, 8],
                        [11, 0], [15, 8], [15, 0], [16, 6], [16, 2], [22, 6], [22, 2],
                        [28, 6], [28, 2], [6, 4]], np.float64)
OP_ORIGINS = [(3, 3), (10, 20), (20, 37)]   # (row, col): three persons at different heights
OP_MISSING = (2, 9)                          # person 2 has no left wrist


def _openpose_tensors():
    rows, cols = np.mgrid[0:OP_GRID, 0:OP_GRID] + 0.5   # cell centres
    cmap = np.zeros((18, OP_GRID, OP_GRID), np.float32)
    paf = np.zeros((2 * len(TRTPOSE_BODY_SKELETON), OP_GRID, OP_GRID), np.float32)
    planted = []
    for n, origin in enumerate(OP_ORIGINS):
        kp = OP_TEMPLATE + origin + 0.5                     # keypoints at cell centres
        present = np.ones(18, bool)
        if n == OP_MISSING[0]:
            present[OP_MISSING[1]] = False
        for c in np.flatnonzero(present):
            d2 = (rows - kp[c, 0]) ** 2 + (cols - kp[c, 1]) ** 2
            cmap[c] = np.maximum(cmap[c], np.exp(-d2 / 2.0))
        for k, (a, b) in enumerate(TRTPOSE_BODY_SKELETON):
            if not (present[a] and present[b]):
                continue
            vec = kp[b] - kp[a]
            length = np.linalg.norm(vec)
            u = vec / length
            rel_r, rel_c = rows - kp[a, 0], cols - kp[a, 1]
            along = rel_r * u[0] + rel_c * u[1]
            across = np.abs(rel_r * u[1] - rel_c * u[0])
            near = (along >= -0.5) & (along <= length + 0.5) & (across <= 1.0)
            paf[2 * k][near] = u[0]
            paf[2 * k + 1][near] = u[1]
        planted.append(np.concatenate([kp, present[:, None]], axis=1))
    return cmap, paf, np.stack(planted)


@pytest.fixture(scope='module')
def openpose_case(tmp_path_factory):
    cmap, paf, planted = _openpose_tensors()
    path = constant_model(tmp_path_factory.mktemp('op') / 'trtpose.onnx',
                          {'cmap': cmap[None], 'paf': paf[None]}, input_name='input',
                          input_shape=(1, 3, 224, 224))
    pipe = _pipeline(path, OP_DESC)
    yield pipe, planted
    pipe.close()


def test_openpose_assembles_planted_persons(openpose_case):
    pipe, planted = openpose_case
    result = pipe.run(np.zeros(OP_SOURCE + (3,), np.uint8))
    assert result.keypoint_names == TRTPOSE_BODY_KEYPOINTS
    assert result.skeleton == TRTPOSE_BODY_SKELETON
    assert len(result) == 3
    t = compute_transform(pipe.spec, OP_SOURCE)
    scale = 224 / OP_GRID
    expected = [t.to_source(p[:, ::-1][:, 1:] * scale) for p in planted]   # (x, y) source
    decoded = np.stack([p.keypoints for p in result.persons])
    order = _match(decoded, np.stack([np.concatenate([e, np.ones((18, 1))], 1)
                                      for e in expected]))
    assert sorted(order.tolist()) == [0, 1, 2]
    for n, idx in enumerate(order):
        person = result.persons[idx]
        present = planted[n][:, 2] > 0
        # every keypoint of one person comes from that person (no mixing across persons)
        np.testing.assert_allclose(person.keypoints[present, :2], expected[n][present],
                                   atol=TOL)
        np.testing.assert_allclose(person.keypoints[present, 2], 1.0, atol=1e-3)
        assert np.all(person.keypoints[~present, 2] == 0.0)
        x1, y1, x2, y2 = person.box
        inside = expected[n][present]
        assert np.all((inside[:, 0] >= x1) & (inside[:, 0] <= x2) & (inside[:, 1] >= y1)
                      & (inside[:, 1] <= y2))
    # the person missing a wrist scores lower than the complete ones (sum / C)
    assert result.persons[-1].score == pytest.approx(17 / 18, abs=1e-3)


def test_openpose_threshold_drops_everything(openpose_case):
    pipe, _ = openpose_case
    t = compute_transform(pipe.spec, OP_SOURCE)
    cmap, paf, _ = _openpose_tensors()
    result = pipe.decoder.decode({'cmap': cmap[None] * 0.1, 'paf': paf[None]}, t, pipe.params)
    assert len(result) == 0 and result.persons == ()


def test_openpose_rejects_paf_channel_mismatch(tmp_path):
    path = constant_model(tmp_path / 'bad.onnx',
                          {'cmap': np.zeros((1, 18, 8, 8), np.float32),
                           'paf': np.zeros((1, 40, 8, 8), np.float32)},
                          input_name='input', input_shape=(1, 3, 224, 224))
    with pytest.raises(ModelError, match='21 links'):
        _pipeline(path, OP_DESC)


# ------------------------------------------------------------------------------------------
# PoseNet / BodyPix
# ------------------------------------------------------------------------------------------
PN_SOURCE = (400, 600)
PN_NET = 257
PN_STRIDE = 16
PN_GRID = (PN_NET - 1) // PN_STRIDE + 1
PN_DESC = {'name': 'posenet_test', 'task': 'pose',
           'input': {'name': 'input', 'width': PN_NET, 'height': PN_NET,
                     'resize': 'letterbox', 'scale': 1 / 127.5, 'mean': 1.0, 'layout': 'NHWC'},
           'decoder': {'name': 'posenet', 'output_stride': PN_STRIDE, 'segmentation': True},
           'labels': ['nose', 'leftEye', 'rightEye', 'leftEar', 'rightEar', 'leftShoulder',
                      'rightShoulder', 'leftElbow', 'rightElbow', 'leftWrist', 'rightWrist',
                      'leftHip', 'rightHip', 'leftKnee', 'rightKnee', 'leftAnkle',
                      'rightAnkle'],
           'thresholds': {'score': 0.2}, 'max_detections': 10}
PN_LOGITS = (4.0, 3.0)   # keypoint logits of person A and B


def _posenet_tensors(n_persons=2):
    """Return NHWC outputs with persons planted, and their (y, x) TF network positions."""
    shape = (PN_GRID, PN_GRID)
    heat = np.full(shape + (17,), -8.0, np.float32)
    offsets = np.zeros(shape + (34,), np.float32)
    fwd = np.zeros(shape + (32,), np.float32)
    bwd = np.zeros(shape + (32,), np.float32)
    planted = []
    for n, (ox, oy) in enumerate([(40.3, 70.6), (150.2, 75.1)][:n_persons]):
        yx = np.stack([TEMPLATE[:, 1] * 0.75 + oy, TEMPLATE[:, 0] * 1.2 + ox], axis=1)
        planted.append(yx)
        cells = np.floor(yx / PN_STRIDE + 0.5).astype(int)
        for k, (cy, cx) in enumerate(cells):
            heat[cy, cx, k] = PN_LOGITS[n]
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    y, x = cy + dy, cx + dx
                    offsets[y, x, k] = yx[k, 0] - y * PN_STRIDE
                    offsets[y, x, 17 + k] = yx[k, 1] - x * PN_STRIDE
        for e, (parent, child) in enumerate(POSENET_CHAIN):
            py, px = cells[parent]
            fwd[py, px, e], fwd[py, px, 16 + e] = yx[child] - yx[parent]
            cy, cx = cells[child]
            bwd[cy, cx, e], bwd[cy, cx, 16 + e] = yx[parent] - yx[child]
    segments = np.full(shape + (1,), -6.0, np.float32)
    segments[:, :PN_GRID // 2] = 6.0          # left half of the network input is a person
    outputs = {'heatmaps': heat[None], 'short_offsets': offsets[None],
               'displacement_fwd': fwd[None], 'displacement_bwd': bwd[None],
               'segments': segments[None]}
    return outputs, np.stack(planted)


@pytest.fixture(scope='module')
def posenet_case(tmp_path_factory):
    outputs, planted = _posenet_tensors()
    path = constant_model(tmp_path_factory.mktemp('pn') / 'posenet.onnx', outputs,
                          input_name='input', input_shape=(1, None, None, 3))
    pipe = _pipeline(path, PN_DESC)
    yield pipe, planted, outputs
    pipe.close()


def _posenet_expected(pipe, planted):
    t = compute_transform(pipe.spec, PN_SOURCE)
    return [t.to_source(p[:, ::-1] + 0.5) for p in planted]   # TF pixel i is at i + 0.5


def test_posenet_multi_person_decoding(posenet_case):
    pipe, planted, _ = posenet_case
    result = pipe.run(np.zeros(PN_SOURCE + (3,), np.uint8))
    assert result.keypoint_names == COCO17_KEYPOINTS        # camelCase labels mapped
    assert len(result) == 2
    expected = _posenet_expected(pipe, planted)
    sig = 1.0 / (1.0 + np.exp(-np.array(PN_LOGITS)))
    for person, exp, conf in zip(result.persons, expected, sig):   # A (higher) first
        np.testing.assert_allclose(person.keypoints[:, :2], exp, atol=TOL)
        np.testing.assert_allclose(person.keypoints[:, 2], conf, atol=1e-5)
        # no keypoint of B is within the NMS radius of A's: full instance score
        assert person.score == pytest.approx(float(conf), abs=1e-5)


def test_posenet_segments_mask_at_source_resolution(posenet_case):
    pipe, _, _ = posenet_case
    result = pipe.run(np.zeros(PN_SOURCE + (3,), np.uint8))
    mask = result.mask
    assert mask.shape == PN_SOURCE and mask.dtype == np.float32
    assert 0.0 <= mask.min() and mask.max() <= 1.0
    h, w = PN_SOURCE
    assert mask[:, : int(w * 0.4)].min() > 0.99      # person half
    assert mask[:, int(w * 0.6):].max() < 0.01       # background half


def test_posenet_nms_and_max_detections(posenet_case):
    pipe, planted, outputs = posenet_case
    t = compute_transform(pipe.spec, PN_SOURCE)
    one = pipe.decoder.decode(outputs, t, pipe.params.replace(max_detections=1))
    assert len(one) == 1
    np.testing.assert_allclose(one.persons[0].keypoints[:, :2],
                               _posenet_expected(pipe, planted)[0], atol=TOL)
    # raising the person threshold between B's score σ(3) = 0.953 and A's σ(4) = 0.982
    # drops B and keeps A
    high = pipe.decoder.decode(outputs, t, pipe.params.replace(score_threshold=0.96))
    assert len(high) == 1
    np.testing.assert_allclose(high.persons[0].keypoints[:, :2],
                               _posenet_expected(pipe, planted)[0], atol=TOL)


def test_posenet_single_pose(posenet_case):
    pipe, _, _ = posenet_case
    outputs, planted = _posenet_tensors(n_persons=1)
    desc = dataclasses.replace(pipe.descriptor, decoder_params={
        'output_stride': PN_STRIDE, 'single_pose': True})
    decoder = get_decoder('posenet')(desc, pipe.labels)
    t = compute_transform(pipe.spec, PN_SOURCE)
    result = decoder.decode(outputs, t, pipe.params)
    assert len(result) == 1 and result.mask is None
    np.testing.assert_allclose(result.persons[0].keypoints[:, :2],
                               _posenet_expected(pipe, planted)[0], atol=TOL)


# ------------------------------------------------------------------------------------------
# MoveNet
# ------------------------------------------------------------------------------------------
def test_movenet_letterbox_mapping(tmp_path):
    source = (480, 640)
    desc = {'name': 'movenet_test', 'task': 'pose',
            'input': {'name': 'input', 'width': 192, 'height': 192, 'resize': 'letterbox',
                      'scale': 1.0, 'layout': 'NHWC'},
            'decoder': {'name': 'movenet'}, 'keypoints': 'coco17',
            'thresholds': {'score': 0.2}}
    spec = descriptor_from_dict({**desc, 'file': 'x'}).preprocess
    t = compute_transform(spec, source)
    assert t.offset_y > 0                                   # really letterboxed
    kp = TEMPLATE * 2.0 + (200.0, 60.0)                     # source (x, y)
    net = t.to_network(kp)
    raw = np.zeros((1, 1, 17, 3), np.float32)
    raw[0, 0, :, 0] = net[:, 1] / 192.0
    raw[0, 0, :, 1] = net[:, 0] / 192.0
    raw[0, 0, :, 2] = np.linspace(0.2, 0.9, 17)
    path = constant_model(tmp_path / 'movenet.onnx', {'Identity': raw}, input_name='input',
                          input_shape=(1, 192, 192, 3))
    with _pipeline(path, desc) as pipe:
        result = pipe.run(np.zeros(source + (3,), np.uint8))
    assert len(result) == 1
    person = result.persons[0]
    np.testing.assert_allclose(person.keypoints[:, :2], kp, atol=TOL)
    np.testing.assert_allclose(person.keypoints[:, 2], raw[0, 0, :, 2], atol=1e-6)
    assert person.score == pytest.approx(float(raw[0, 0, :, 2].mean()), abs=1e-6)


# ------------------------------------------------------------------------------------------
# result type, helpers, overlay
# ------------------------------------------------------------------------------------------
def _result():
    kp = np.zeros((1, 17, 3), np.float32)
    kp[0, :, :2] = TEMPLATE + (50, 20)
    kp[0, :, 2] = 0.9
    kp[0, 16, 2] = 0.05                       # an unsure ankle
    return make_pose_result(kp, [0.8], COCO17_KEYPOINTS, resolve_skeleton('coco17',
                                                                          COCO17_KEYPOINTS),
                            (240, 160))


def test_result_is_frozen_and_serialisable():
    result = _result()
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.persons = ()
    with pytest.raises(ValueError):
        result.persons[0].keypoints[0, 0] = 1.0
    data = json.loads(json.dumps(result.to_dict()))
    assert data['task'] == 'pose' and len(data['persons']) == 1
    assert data['persons'][0]['keypoints'][5]['name'] == 'left_shoulder'
    assert result.persons[0].visible().sum() == 16


def test_keypoint_box_spans_confident_keypoints_padded_and_clipped():
    result = _result()
    kp = result.persons[0].keypoints
    conf = kp[kp[:, 2] >= 0.3]
    x1, y1, x2, y2 = result.persons[0].box
    ext_w = conf[:, 0].max() - conf[:, 0].min()
    ext_h = conf[:, 1].max() - conf[:, 1].min()
    assert x1 == pytest.approx(conf[:, 0].min() - 0.1 * ext_w)
    assert x2 == pytest.approx(conf[:, 0].max() + 0.1 * ext_w)
    # the unsure ankle (y = 180) does not count: rows 27..180 padded by 10 % = 15.3 px
    assert y1 == pytest.approx(conf[:, 1].min() - 0.1 * ext_h)
    assert y2 == pytest.approx(conf[:, 1].max() + 0.1 * ext_h)
    # a person at the image corner: the padded box is clipped to [0, w] x [0, h]
    corner = np.zeros((1, 17, 3), np.float32)
    corner[0, :, :2] = TEMPLATE * 0.5 + (-2.0, -1.0)     # x 2..24, y 2.5..79
    corner[0, :, 2] = 0.9
    clipped, = keypoint_boxes(corner, (60, 20))
    np.testing.assert_allclose(clipped, [0.0, 0.0, 20.0, 60.0])
    boxes = keypoint_boxes(np.zeros((0, 17, 3), np.float32), (10, 10))
    assert boxes.shape == (0, 4)


def test_names_and_skeletons():
    assert snake_case('leftShoulder') == 'left_shoulder' and snake_case('nose') == 'nose'
    assert resolve_keypoint_names(None, None, 18) == TRTPOSE_BODY_KEYPOINTS
    assert resolve_keypoint_names(None, ['rightAnkle'], None) == ('right_ankle',)
    with pytest.raises(ModelError, match='keypoints'):
        resolve_keypoint_names(None, None, 5)
    with pytest.raises(ModelError, match='outside'):
        resolve_skeleton([(0, 17)], COCO17_KEYPOINTS)
    with pytest.raises(ModelError, match='unknown skeleton'):
        resolve_skeleton('hand21', COCO17_KEYPOINTS)


def test_overlay_draws_confident_keypoints_only():
    result = _result()
    image = np.zeros((240, 160, 3), np.uint8)
    out = draw(image, result, OverlayOptions.parse('keypoints'))
    assert image.sum() == 0                                   # drew on a copy
    kp = result.persons[0].keypoints
    for x, y, c in kp:
        pixel = out[int(y), int(x)]
        if c >= 0.3:
            assert pixel.any(), (x, y)
    x, y = kp[16, :2].astype(int)                             # the unsure ankle
    assert not out[y, x].any()
    low = draw(image, result, OverlayOptions.parse('keypoints', keypoint_threshold=0.01))
    assert low[y, x].any()
    big = draw(image, result, OverlayOptions.parse('keypoints', keypoint_scale=0.05))
    assert (big.any(axis=2).sum() > out.any(axis=2).sum())   # radius follows the scale
    links = draw(image, result, OverlayOptions.parse('links'))
    a, b = kp[5, :2], kp[7, :2]                               # left shoulder → elbow
    mid = ((a + b) / 2).astype(int)
    assert links[mid[1], mid[0]].any()
    assert not draw(image, result, OverlayOptions.parse('none')).any()
    boxed = draw(image, result, OverlayOptions.parse('box'))
    x1, y1, x2, y2 = result.persons[0].box.astype(int)
    assert boxed[y1, (x1 + x2) // 2].any()


@pytest.mark.parametrize('name, decoder, keypoints, links', [
    ('movenet_lightning', 'movenet', 17, 19), ('yolov8n_pose', 'yolov8_pose', 17, 19),
    ('yolo11n_pose', 'yolo11_pose', 17, 19),
    ('trtpose_resnet18_body', 'openpose', 18, 21)])
def test_pose_descriptors(name, decoder, keypoints, links):
    from jetson_dnn_ros.models import get_descriptor
    desc = get_descriptor(name)
    assert desc.task == 'pose' and desc.decoder == decoder
    dec = get_decoder(desc.decoder)(desc, desc.load_labels())
    assert len(dec.keypoint_names) == keypoints and len(dec.skeleton) == links
