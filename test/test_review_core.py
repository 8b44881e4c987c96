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

"""Regression tests from the review of the core and the task decoders."""

import threading

import cv2
from jetson_dnn_ros.backends.onnxruntime import OnnxRuntimeBackend
from jetson_dnn_ros.models import DecodeParams
from jetson_dnn_ros.models import descriptor_from_dict
from jetson_dnn_ros.pipeline import Pipeline
from jetson_dnn_ros.tasks.detection import nms
import numpy as np
from onnxgen import constant_model
import pytest

LABELS = ['zero', 'one', 'two']
SPEC = {'width': 320, 'height': 256, 'resize': 'stretch', 'color': 'rgb', 'scale': 1 / 255}
SOURCE = np.zeros((480, 640, 3), np.uint8)   # stretch: source = (x · 2, y · 1.875)


def build(tmp_path, outputs, decoder, labels=LABELS):
    path = constant_model(tmp_path / 'model.onnx', outputs,
                          input_shape=(1, 3, SPEC['height'], SPEC['width']))
    descriptor = descriptor_from_dict({
        'name': 'review', 'task': 'detection', 'file': str(path), 'input': SPEC,
        'decoder': decoder, 'labels': labels, 'thresholds': {'score': 0.3, 'iou': 0.45}})
    return Pipeline(descriptor, OnnxRuntimeBackend(str(path)))


# ------------------------------------------------------------------ class-aware NMS offsets

@pytest.mark.parametrize('batched', [True, False])
def test_class_aware_nms_keeps_other_classes_when_boxes_have_negative_coordinates(
        monkeypatch, batched):
    # NMS runs on unclipped network-pixel boxes, which go negative for objects cut by the
    # image border. OpenCV's NMSBoxesBatched (and the fallback) separate the classes by
    # offsetting boxes by class_id × (largest coordinate + 1), which assumes coordinates
    # >= 0: here the class-1 box lands on the class-0 box (IoU 0.57) and was suppressed.
    if not batched:
        monkeypatch.delattr(cv2.dnn, 'NMSBoxesBatched', raising=False)
    boxes = np.array([[600, 600, 640, 640], [-35, -35, 5, 5]], np.float32)
    scores = np.array([0.9, 0.8], np.float32)
    keep = nms(boxes, scores, np.array([0, 1]), 0.45, 100)
    assert sorted(keep.tolist()) == [0, 1]
    # the same boxes of one class do not overlap at all: both stay, also class-agnostic
    assert sorted(nms(boxes, scores, np.array([0, 0]), 0.45, 100, True).tolist()) == [0, 1]


def test_class_aware_nms_still_suppresses_within_a_class_after_the_shift():
    boxes = np.array([[-40, -40, 20, 20], [-38, -40, 22, 20], [-40, -40, 20, 20]], np.float32)
    scores = np.array([0.9, 0.8, 0.7], np.float32)
    assert nms(boxes, scores, np.array([1, 1, 2]), 0.45, 100).tolist() == [0, 2]


# ------------------------------------------------------------------ RT-DETR raw (focal loss)

def test_rtdetr_sigmoid_logits_report_every_class_of_a_query(tmp_path):
    # RT-DETR's postprocessor (use_focal_loss) takes the top-k over the flattened
    # (query × class) sigmoid scores, so one query can give several detections
    q = 4
    logits = np.full((1, q, 3), -20.0, np.float32)
    logits[0, 0, 1] = np.log(0.9 / 0.1)     # query 0: class 1 at 0.9 ...
    logits[0, 0, 2] = np.log(0.8 / 0.2)     # ... and class 2 at 0.8
    logits[0, 1, 0] = np.log(0.5 / 0.5)     # query 1: class 0 at 0.5
    boxes = np.tile(np.float32([0.5, 0.5, 0.2, 0.2]), (1, q, 1))
    boxes[0, 1] = (0.25, 0.25, 0.1, 0.1)
    with build(tmp_path, {'pred_logits': logits, 'pred_boxes': boxes},
               {'name': 'rtdetr'}) as pipeline:
        result = pipeline.run(SOURCE, 'bgr8')
        pipeline.update_params(max_detections=1)
        top1 = pipeline.run(SOURCE, 'bgr8')
    assert list(result.class_ids) == [1, 2, 0]
    np.testing.assert_allclose(result.scores, [0.9, 0.8, 0.5], atol=1e-5)
    np.testing.assert_allclose(result.boxes, [[256, 192, 384, 288], [256, 192, 384, 288],
                                              [128, 96, 192, 144]], atol=1e-3)
    assert list(top1.class_ids) == [1]


def test_detr_softmax_still_reports_one_class_per_query(tmp_path):
    probs = np.full((1, 2, 4), 1e-6, np.float32)
    probs[0, 0, :3] = (0.05, 0.5, 0.45)        # two classes above the threshold: only the best
    probs[0, 1, 3] = 1.0                       # no object
    logits = np.log(probs / probs.sum(-1, keepdims=True)).astype(np.float32)
    boxes = np.tile(np.float32([0.5, 0.5, 0.2, 0.2]), (1, 2, 1))
    with build(tmp_path, {'pred_logits': logits, 'pred_boxes': boxes},
               {'name': 'detr'}) as pipeline:
        result = pipeline.run(SOURCE, 'bgr8')
    assert list(result.class_ids) == [1]
    # its softmax probability, and the (0.5, 0.5, 0.2, 0.2) box in 640×480 source pixels
    np.testing.assert_allclose(result.scores, [0.5 / probs[0, 0].sum()], rtol=1e-5)
    np.testing.assert_allclose(result.boxes, [[256, 192, 384, 288]], atol=1e-3)


# ------------------------------------------------------------------ EfficientNMS output names

def test_efficient_nms_plugin_output_names_need_no_configuration(tmp_path):
    # the names EfficientNMS_TRT's documentation gives its outputs
    k = 4
    boxes = np.zeros((1, k, 4), np.float32)
    boxes[0, 0] = (32, 64, 96, 128)
    boxes[0, 1] = (0, 0, 50, 50)
    scores = np.array([[0.8, 0.6, 0.0, 0.0]], np.float32)
    classes = np.array([[2, 0, 0, 0]], np.int32)
    outputs = {'num_detections': np.array([[2]], np.int32), 'detection_boxes': boxes,
               'detection_scores': scores, 'detection_classes': classes}
    with build(tmp_path, outputs, {'name': 'efficient_nms'}) as pipeline:
        result = pipeline.run(SOURCE, 'bgr8')
    assert list(result.class_ids) == [2, 0]
    np.testing.assert_allclose(result.boxes, [[64, 120, 192, 240], [0, 0, 100, 93.75]],
                               atol=1e-3)


# ------------------------------------------------------------------ Pipeline.update_params

def test_concurrent_update_params_calls_lose_no_change(tmp_path, monkeypatch):
    # update_params read the settings, replaced them and stored the copy; only the store was
    # locked, so two threads changing different settings could each store a copy without
    # the other's change (a lost update)
    outputs = {'num_dets': np.zeros((1, 1), np.int32),
               'det_boxes': np.zeros((1, 1, 4), np.float32),
               'det_scores': np.zeros((1, 1), np.float32),
               'det_classes': np.zeros((1, 1), np.int32)}
    pipeline = build(tmp_path, outputs, {'name': 'efficient_nms'})
    original = DecodeParams.replace
    other = {}

    def second_update():
        pipeline.update_params(iou_threshold=0.7)

    def slow_replace(self, **changes):
        if 'score_threshold' in changes and 'thread' not in other:
            # while the first update is between its read and its store, a second thread
            # changes another setting (it runs to its end unless it has to wait for the first)
            other['thread'] = threading.Thread(target=second_update)
            other['thread'].start()
            other['thread'].join(timeout=1.0)
        return original(self, **changes)

    monkeypatch.setattr(DecodeParams, 'replace', slow_replace)
    with pipeline:
        pipeline.update_params(score_threshold=0.6)
        other['thread'].join()
        assert pipeline.params.score_threshold == pytest.approx(0.6)
        assert pipeline.params.iou_threshold == pytest.approx(0.7)
