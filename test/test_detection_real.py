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
Real detectors on real photos: YOLOX-Nano and the light person detector on ``peds_0``.

``peds_0`` (1920×1080, jetson-inference ``data/images``) shows four adults walking towards
the camera over a zebra crossing, standing upright side by side, each from near the top of
the frame to its lower part. The reference for YOLOX is an independent numpy
re-implementation of the official ONNX Runtime demo (Megvii YOLOX
``demo/ONNXRuntime/onnx_inference.py`` with ``yolox/data/data_augment.py`` ``preproc`` and
``yolox/utils/demo_utils.py`` ``demo_postprocess``/``multiclass_nms_class_aware``).
"""

from jetson_dnn_ros.peers import yolox_decode, yolox_multiclass_nms, yolox_preproc
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


@pytest.fixture(autouse=True)
def restore_params(request):
    """
    Give the module-scoped pipelines back their settings after each test.

    Tests change thresholds with ``update_params``; without this a test saw whatever the
    previous one left (e.g. the class-agnostic test's score threshold of 0.1).
    """
    pipelines = [request.getfixturevalue(name) for name in ('yolox', 'light')
                 if name in request.fixturenames]
    saved = [pipeline.params for pipeline in pipelines]
    yield
    for pipeline, params in zip(pipelines, saved):
        pipeline.params = params


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


# ---------------------------------------------------------------- the official demo

@pytest.fixture(scope='module')
def demo_run(data_dir, peds):
    """Raw output, network tensor and final detections of the official demo pipeline."""
    session = onnxruntime.InferenceSession(str(data_dir / 'models/detection/yolox_nano.onnx'),
                                           providers=['CPUExecutionProvider'])
    tensor, ratio = yolox_preproc(peds, (416, 416))
    raw = session.run(None, {session.get_inputs()[0].name: tensor[None]})[0]
    net_boxes, scores = yolox_decode(raw, (416, 416))
    dets = yolox_multiclass_nms(net_boxes / ratio, scores, nms_thr=0.45, score_thr=0.3)
    dets[:, [0, 2]] = np.clip(dets[:, [0, 2]], 0, peds.shape[1])   # the node's clipping
    dets[:, [1, 3]] = np.clip(dets[:, [1, 3]], 0, peds.shape[0])
    return {'tensor': tensor, 'raw': raw, 'net_boxes': net_boxes, 'scores': scores,
            'dets': dets}


def test_our_preprocessing_equals_the_demo(yolox, peds, demo_run):
    tensor, _ = preprocess(peds, 'bgr8', yolox.spec)
    np.testing.assert_array_equal(tensor[0], demo_run['tensor'])


def test_our_yolox_decode_equals_the_demo_on_the_same_raw_output(yolox, demo_run):
    boxes, scores, class_ids = yolox.decoder.candidates(demo_run['raw'], (416, 416), 0.1,
                                                        multi_label=True)
    anchor, cls = np.nonzero(demo_run['scores'] >= 0.1)
    assert len(scores) == len(anchor) > 10
    ours = np.lexsort((class_ids, -scores))
    ref = np.lexsort((cls, -demo_run['scores'][anchor, cls]))
    np.testing.assert_array_equal(class_ids[ours], cls[ref])
    np.testing.assert_allclose(scores[ours], demo_run['scores'][anchor, cls][ref], rtol=1e-6)
    np.testing.assert_allclose(boxes[ours], demo_run['net_boxes'][anchor][ref], atol=1e-3)


def test_our_yolox_detections_equal_the_demo(yolox, peds, demo_run):
    """The descriptor's own defaults are the demo's: score 0.3, NMS 0.45, class-agnostic."""
    result = yolox.run(peds, 'bgr8')
    dets = demo_run['dets'][np.argsort(-demo_run['dets'][:, 4], kind='stable')]
    assert len(result) == len(dets) >= 4
    np.testing.assert_array_equal(result.class_ids, dets[:, 5].astype(np.int64))
    np.testing.assert_allclose(result.scores, dets[:, 4], rtol=1e-6)
    np.testing.assert_allclose(result.boxes, dets[:, :4], atol=1e-2)


def test_class_agnostic_run_equals_the_demo_default(yolox, peds):
    """The demo's default (best class per box, class-agnostic NMS) is what `bench` compares."""
    from jetson_dnn_ros.peers import yolox_demo_infer
    yolox.update_params(score_threshold=0.1, iou_threshold=0.45, class_agnostic=True,
                        max_detections=100)
    result = yolox.run(peds, 'bgr8')
    dets = yolox_demo_infer(yolox.backend, yolox.input.name, peds, (416, 416))
    dets = dets[np.argsort(-dets[:, 4], kind='stable')]
    dets[:, [0, 2]] = np.clip(dets[:, [0, 2]], 0, peds.shape[1])
    dets[:, [1, 3]] = np.clip(dets[:, [1, 3]], 0, peds.shape[0])
    assert len(result) == len(dets) > 4
    np.testing.assert_array_equal(result.class_ids, dets[:, 5].astype(np.int64))
    np.testing.assert_allclose(result.scores, dets[:, 4], rtol=1e-6)
    np.testing.assert_allclose(result.boxes, dets[:, :4], atol=1e-2)


def test_yolox_letterbox_sizes_equal_the_demo_on_coco_val(yolox, data_dir):
    """
    The demo sizes the letterbox with ``int(w * r)``; ``round`` differs by one row here.

    On COCO val2017 images of 640×427 (and the like) ``427 × 0.65 = 277.55``: the demo resizes
    to 277 rows, ``round`` to 278, and every pixel of the network input shifts.
    """
    import cv2
    folder = data_dir / 'eval' / 'coco_val128_even' / 'images'
    differs = 0
    for path in sorted(folder.glob('*.jpg'))[:12]:
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        ours, _ = preprocess(image, 'bgr8', yolox.spec)
        demo, _ = yolox_preproc(image, (416, 416))
        r = min(416 / image.shape[0], 416 / image.shape[1])
        differs += int(round(image.shape[0] * r)) != int(image.shape[0] * r) or \
            int(round(image.shape[1] * r)) != int(image.shape[1] * r)
        np.testing.assert_array_equal(ours[0], demo, err_msg=path.name)
    assert differs >= 2, 'the sample must include sizes where round() and int() disagree'
