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

"""Real detectors on real photos: YOLOX-Nano and the light person detector on ``peds_0``.

``peds_0`` (1920×1080, jetson-inference ``data/images``) shows four adults walking towards
the camera over a zebra crossing, standing upright side by side, each from near the top of
the frame to its lower part. The reference for YOLOX is an independent numpy
re-implementation of the official ONNX Runtime demo (Megvii YOLOX
``demo/ONNXRuntime/onnx_inference.py`` with ``yolox/data/data_augment.py`` ``preproc`` and
``yolox/utils/demo_utils.py`` ``demo_postprocess``/``multiclass_nms_class_aware``).
"""

import cv2
from jetson_dnn_ros.pipeline import Pipeline
from jetson_dnn_ros.preprocessing import preprocess
from jetson_dnn_ros.tasks.detection import box_iou
import numpy as np
import onnxruntime
import pytest


@pytest.fixture(scope='module')
def peds(photo):
    return photo('peds_0')


@pytest.fixture(scope='module')
def yolox(data_dir):
    with Pipeline.from_model('yolox_nano', backend='onnxruntime') as pipeline:
        yield pipeline


@pytest.fixture(scope='module')
def light(data_dir):
    with Pipeline.from_model('lightweight_person_detector', backend='onnxruntime') as pipeline:
        yield pipeline


def persons(result, min_score=0.3):
    keep = (np.asarray(result.labels) == 'person') & (result.scores >= min_score)
    return result.boxes[keep]


def test_yolox_finds_the_four_pedestrians(yolox, peds):
    yolox.update_params(score_threshold=0.3, iou_threshold=0.45)
    boxes = persons(yolox.run(peds, 'bgr8'))
    h, w = peds.shape[:2]
    assert boxes.shape == (4, 4)
    bw, bh = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    # upright adults seen whole: tall boxes, much taller than wide
    assert np.all(bh > 0.6 * h) and np.all((bh / bw > 2.0) & (bh / bw < 5.0))
    # each spans from the upper fifth of the frame down past three quarters of it
    assert np.all(boxes[:, 1] < 0.2 * h) and np.all(boxes[:, 3] > 0.75 * h)
    # four different people side by side: centres spread over the frame, little overlap
    centres = np.sort((boxes[:, 0] + boxes[:, 2]) / 2)
    assert np.all(np.diff(centres) > 0.1 * w)
    iou = box_iou(boxes, boxes)
    np.fill_diagonal(iou, 0.0)
    assert iou.max() < 0.2


def test_light_person_detector_agrees_with_yolox(yolox, light, peds):
    yolox.update_params(score_threshold=0.3)
    light.update_params(score_threshold=0.3)
    big = persons(yolox.run(peds, 'bgr8'))
    small = light.run(peds, 'bgr8')
    assert set(small.labels) == {'person'} and len(small) == 4
    iou = box_iou(big, small.boxes)
    best = iou.argmax(axis=1)
    assert len(set(best.tolist())) == 4            # one-to-one
    assert np.all(iou.max(axis=1) >= 0.5)


# ---------------------------------------------------------------- official demo, independently

def demo_preproc(img, size):
    """YOLOX ``preproc``: top-left letterbox with int() sizes, pad 114, BGR, CHW float32."""
    padded = np.ones((size[0], size[1], 3), np.uint8) * 114
    r = min(size[0] / img.shape[0], size[1] / img.shape[1])
    resized = cv2.resize(img, (int(img.shape[1] * r), int(img.shape[0] * r)),
                         interpolation=cv2.INTER_LINEAR).astype(np.uint8)
    padded[:int(img.shape[0] * r), :int(img.shape[1] * r)] = resized
    return np.ascontiguousarray(padded.transpose(2, 0, 1), np.float32), r


def demo_postprocess(outputs, img_size, strides=(8, 16, 32)):
    grids, expanded = [], []
    for stride in strides:
        hsize, wsize = img_size[0] // stride, img_size[1] // stride
        xv, yv = np.meshgrid(np.arange(wsize), np.arange(hsize))
        grid = np.stack((xv, yv), 2).reshape(1, -1, 2)
        grids.append(grid)
        expanded.append(np.full((*grid.shape[:2], 1), stride))
    grids, expanded = np.concatenate(grids, 1), np.concatenate(expanded, 1)
    outputs = outputs.copy()
    outputs[..., :2] = (outputs[..., :2] + grids) * expanded
    outputs[..., 2:4] = np.exp(outputs[..., 2:4]) * expanded
    return outputs


def demo_nms(boxes, scores, nms_thr):
    x1, y1, x2, y2 = boxes.T
    areas = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = scores.argsort()[::-1]
    keep = []
    while order.size > 0:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        w = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]) + 1)
        h = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]) + 1)
        inter = w * h
        ovr = inter / (areas[i] + areas[order[1:]] - inter)
        order = order[np.where(ovr <= nms_thr)[0] + 1]
    return keep


def demo_multiclass_nms_class_aware(boxes, scores, nms_thr, score_thr):
    final = []
    for cls in range(scores.shape[1]):
        mask = scores[:, cls] > score_thr
        if mask.sum() == 0:
            continue
        valid_scores, valid_boxes = scores[mask, cls], boxes[mask]
        keep = demo_nms(valid_boxes, valid_scores, nms_thr)
        final.append(np.concatenate([valid_boxes[keep], valid_scores[keep, None],
                                     np.full((len(keep), 1), cls)], 1))
    return np.concatenate(final, 0) if final else np.zeros((0, 6))


@pytest.fixture(scope='module')
def demo_run(data_dir, peds):
    """Raw output, network tensor and final detections of the official demo pipeline."""
    session = onnxruntime.InferenceSession(str(data_dir / 'models/detection/yolox_nano.onnx'),
                                           providers=['CPUExecutionProvider'])
    tensor, ratio = demo_preproc(peds, (416, 416))
    raw = session.run(None, {session.get_inputs()[0].name: tensor[None]})[0]
    pred = demo_postprocess(raw, (416, 416))[0]
    boxes, scores = pred[:, :4], pred[:, 4:5] * pred[:, 5:]
    xyxy = np.ones_like(boxes)
    xyxy[:, 0] = boxes[:, 0] - boxes[:, 2] / 2.
    xyxy[:, 1] = boxes[:, 1] - boxes[:, 3] / 2.
    xyxy[:, 2] = boxes[:, 0] + boxes[:, 2] / 2.
    xyxy[:, 3] = boxes[:, 1] + boxes[:, 3] / 2.
    net_boxes = xyxy.copy()
    dets = demo_multiclass_nms_class_aware(xyxy / ratio, scores, nms_thr=0.45, score_thr=0.3)
    dets[:, [0, 2]] = np.clip(dets[:, [0, 2]], 0, peds.shape[1])   # the node's clipping
    dets[:, [1, 3]] = np.clip(dets[:, [1, 3]], 0, peds.shape[0])
    return {'tensor': tensor, 'raw': raw, 'net_boxes': net_boxes, 'scores': scores,
            'dets': dets}


def test_our_preprocessing_equals_the_demo(yolox, peds, demo_run):
    tensor, _ = preprocess(peds, 'bgr8', yolox.spec)
    np.testing.assert_array_equal(tensor[0], demo_run['tensor'])


def test_our_yolox_decode_equals_the_demo_on_the_same_raw_output(yolox, demo_run):
    boxes, scores, class_ids = yolox.decoder.candidates(demo_run['raw'], (416, 416), 0.1)
    anchor, cls = np.nonzero(demo_run['scores'] >= 0.1)
    assert len(scores) == len(anchor) > 10
    ours = np.lexsort((class_ids, -scores))
    ref = np.lexsort((cls, -demo_run['scores'][anchor, cls]))
    np.testing.assert_array_equal(class_ids[ours], cls[ref])
    np.testing.assert_allclose(scores[ours], demo_run['scores'][anchor, cls][ref], rtol=1e-6)
    np.testing.assert_allclose(boxes[ours], demo_run['net_boxes'][anchor][ref], atol=1e-3)


def test_our_yolox_detections_equal_the_demo(yolox, peds, demo_run):
    yolox.update_params(score_threshold=0.3, iou_threshold=0.45, class_agnostic=False,
                        max_detections=100)
    result = yolox.run(peds, 'bgr8')
    dets = demo_run['dets'][np.argsort(-demo_run['dets'][:, 4], kind='stable')]
    assert len(result) == len(dets) >= 4
    np.testing.assert_array_equal(result.class_ids, dets[:, 5].astype(np.int64))
    np.testing.assert_allclose(result.scores, dets[:, 4], rtol=1e-6)
    np.testing.assert_allclose(result.boxes, dets[:, :4], atol=1e-2)
