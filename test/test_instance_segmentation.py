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
Instance segmentation on tiny ONNX models whose outputs are planted with ``onnx.helper``.

The masks are checked pixel for pixel against an independent numpy re-implementation of
ultralytics' retina-mask post-processing, written from ``ultralytics/utils/ops.py`` (main, 8.4)
and ``models/yolo/segment/predict.py``: ``process_mask_native`` = logits ``coefficients @
protos``; ``scale_masks``: letterbox cut at ``round(pad - 0.1)`` / ``m - round(pad + 0.1)``
then ``F.interpolate(mode='bilinear', align_corners=False)`` to the image; ``crop_mask`` (predict
path): rows/columns outside ``boxes.round()`` zeroed; ``> 0``; ``construct_result`` drops
instances whose mask is empty. The reference interpolates one output pixel at a time with
PyTorch's formula in float64 and shares no code with the decoder.
"""

from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.models import descriptor_from_dict
from jetson_dnn_ros.pipeline import Pipeline
from jetson_dnn_ros.tasks.instance_segmentation import decode_rle
from jetson_dnn_ros.tasks.instance_segmentation import InstanceSegmentationResult
from jetson_dnn_ros.tasks.instance_segmentation import make_instances
import numpy as np
from onnxgen import constant_model
import pytest

NET = 64                  # network input 64 x 64
STRIDES = (8, 16, 32)
ANCHORS = sum((NET // s) ** 2 for s in STRIDES)   # 84
CLASSES = ('cat', 'dog')
M = 4                     # prototypes
PROTO = NET // 4          # 16 x 16 prototype grid


def descriptor(path, **decoder):
    return descriptor_from_dict({
        'name': 'tiny_seg', 'task': 'instance_segmentation', 'file': str(path),
        'input': {'name': 'images', 'width': NET, 'height': NET, 'resize': 'letterbox',
                  'align': decoder.pop('align', 'center'), 'pad_value': 114, 'color': 'rgb',
                  'scale': 1 / 255.0, 'layout': 'NCHW'},
        'decoder': {'name': decoder.pop('name', 'yolov8_seg'), **decoder},
        'labels': list(CLASSES), 'thresholds': {'score': 0.25, 'iou': 0.7},
        'max_detections': 300})


def planted(seed=0):
    """Return (head (1, 4 + 2 + M, 84), protos (1, M, 16, 16)) with three objects."""
    rng = np.random.default_rng(seed)
    head = np.zeros((1, 4 + len(CLASSES) + M, ANCHORS), np.float32)
    head[0, 4:6] = 0.01                      # background: below the threshold
    head[0, 6:] = rng.normal(0, 1, (M, ANCHORS))
    # (anchor, cx, cy, w, h in network pixels, class, score); boxes do not overlap
    objects = [(5, 14.3, 21.7, 17.2, 20.9, 0, 0.9), (40, 44.6, 24.2, 20.1, 13.3, 1, 0.8),
               (70, 33.1, 46.4, 26.6, 10.8, 1, 0.6)]
    for anchor, cx, cy, w, h, cls, score in objects:
        head[0, 0:4, anchor] = (cx, cy, w, h)
        head[0, 4 + cls, anchor] = score
        head[0, 6:, anchor] = rng.normal(0, 2, M)
    # smooth prototypes with edges inside the image and in the letterbox band
    yy, xx = np.mgrid[0:PROTO, 0:PROTO]
    protos = np.stack([np.sin(xx / 2.3 + k) * 3 + np.cos(yy / 1.7 - k) * 2 for k in range(M)])
    protos = (protos + rng.normal(0, 0.5, protos.shape)).astype(np.float32)[None]
    return head, protos, objects


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    head, protos, objects = planted()
    path = constant_model(tmp_path_factory.mktemp('seg') / 'seg.onnx',
                          {'output0': head, 'output1': protos},
                          input_shape=(1, 3, NET, NET))
    return path, head, protos, objects


# ------------------------------------------------------------------ the numpy reference
def torch_bilinear(grid, out_h, out_w):
    """F.interpolate(grid[None, None], (out_h, out_w), 'bilinear', align_corners=False)."""
    in_h, in_w = grid.shape
    out = np.empty((out_h, out_w), np.float64)
    for y in range(out_h):
        sy = max((y + 0.5) * in_h / out_h - 0.5, 0.0)
        y0 = int(sy)
        y1 = y0 + 1 if y0 < in_h - 1 else y0
        ly = sy - y0
        for x in range(out_w):
            sx = max((x + 0.5) * in_w / out_w - 0.5, 0.0)
            x0 = int(sx)
            x1 = x0 + 1 if x0 < in_w - 1 else x0
            lx = sx - x0
            out[y, x] = ((1 - ly) * ((1 - lx) * grid[y0, x0] + lx * grid[y0, x1]) +
                         ly * ((1 - lx) * grid[y1, x0] + lx * grid[y1, x1]))
    return out


def reference_masks(protos, coefficients, boxes, shape):
    """
    Ultralytics process_mask_native (retina masks), in float64.

    :return: (masks (N, H, W) bool, logits (N, H, W) after the crop, before the threshold).
    """
    c, mh, mw = protos.shape
    logits = coefficients.astype(np.float64) @ protos.reshape(c, -1).astype(np.float64)
    logits = logits.reshape(-1, mh, mw)
    h, w = shape
    gain = min(mh / h, mw / w)
    pad_w, pad_h = (mw - w * gain) / 2, (mh - h * gain) / 2
    top, left = round(pad_h - 0.1), round(pad_w - 0.1)
    bottom, right = mh - round(pad_h + 0.1), mw - round(pad_w + 0.1)
    full = np.stack([torch_bilinear(g[top:bottom, left:right], h, w) for g in logits])
    for i, box in enumerate(boxes):
        x1, y1, x2, y2 = (round(float(np.float32(v))) for v in box)   # boxes.round().int()
        full[i, :y1] = 0
        full[i, y2:] = 0
        full[i, :, :x1] = 0
        full[i, :, x2:] = 0
    return full > 0, full


def letterbox_boxes(xyxy, shape):
    """Map network boxes to the image with the project's letterbox (rounded resize)."""
    h, w = shape
    r = min(NET / h, NET / w)
    new_w, new_h = round(w * r), round(h * r)
    left, top = round((NET - new_w) / 2 - 0.1), round((NET - new_h) / 2 - 0.1)
    out = np.array(xyxy, np.float64).copy()
    out[:, 0::2] = (out[:, 0::2] - left) / (new_w / w)
    out[:, 1::2] = (out[:, 1::2] - top) / (new_h / h)
    out[:, 0::2] = out[:, 0::2].clip(0, w)
    out[:, 1::2] = out[:, 1::2].clip(0, h)
    return out


# ------------------------------------------------------------------ tests
@pytest.mark.parametrize('shape', [(48, 96), (100, 60), (37, 53), (64, 64)])
def test_masks_match_the_ultralytics_reference_exactly(tiny, shape):
    path, head, protos, objects = tiny
    image = np.random.default_rng(1).integers(0, 255, shape + (3,), dtype=np.uint8)
    with Pipeline(descriptor(path), _backend(path)) as pipeline:
        result = pipeline.run(image, 'bgr8')
    assert isinstance(result, InstanceSegmentationResult)
    assert result.masks.shape == (3,) + shape and result.masks.dtype == bool
    # detection part: the planted boxes, best first, in image pixels
    net_boxes = np.array([(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                          for _, cx, cy, w, h, _, _ in objects])
    np.testing.assert_allclose(result.boxes, letterbox_boxes(net_boxes, shape), atol=1e-3)
    np.testing.assert_allclose(result.scores, [o[6] for o in objects], atol=1e-6)
    assert result.labels == ('cat', 'dog', 'dog')
    # mask part: pixel for pixel, except where the reference logit is within 1e-5 of 0
    coefficients = head[0, 6:, [o[0] for o in objects]]
    expected, logits = reference_masks(protos[0], coefficients, result.boxes, shape)
    assert expected.any(axis=(1, 2)).all()    # no instance dropped for an empty mask
    undecided = (np.abs(logits) < 1e-5) & (logits != 0)
    assert undecided.sum() <= 2
    np.testing.assert_array_equal(result.masks[~undecided], expected[~undecided])
    for i in range(3):   # nothing outside the rounded box
        x1, y1, x2, y2 = (round(float(v)) for v in result.boxes[i])
        outside = np.ones(shape, bool)
        outside[y1:y2, x1:x2] = False
        assert not result.masks[i][outside].any()


def test_letterbox_band_of_the_prototypes_is_cut_off(tiny):
    """
    A prototype that is on only in the padding band gives empty masks.

    Ultralytics then drops those instances (``construct_result`` keeps instances with a mask).
    """
    path, head, _, objects = tiny
    protos = np.full((1, M, PROTO, PROTO), -20.0, np.float32)
    protos[0, 0, :4] = 20.0          # rows 0..3 = network rows 0..15: the top padding band
    head = head.copy()
    head[0, 6:] = 0.0
    head[0, 6, objects[0][0]] = 1.0
    model = constant_model(path.parent / 'band.onnx', {'output0': head, 'output1': protos},
                           input_shape=(1, 3, NET, NET))
    image = np.zeros((32, 64, 3), np.uint8)     # letterboxed: network rows 16..47 hold it
    with Pipeline(descriptor(model), _backend(model)) as pipeline:
        result = pipeline.run(image, 'bgr8')
    assert len(result) == 0 and result.masks.shape == (0, 32, 64)
    # the same prototype shifted into the image rows fills the first box's top rows
    protos[0, 0] = -20.0
    protos[0, 0, 4:8] = 20.0         # network rows 16..31 = image rows 0..15
    model = constant_model(path.parent / 'band2.onnx', {'output0': head, 'output1': protos},
                           input_shape=(1, 3, NET, NET))
    with Pipeline(descriptor(model), _backend(model)) as pipeline:
        result = pipeline.run(image, 'bgr8')
    assert len(result) >= 1 and result.labels[0] == 'cat'
    rows = np.nonzero(result.masks[0].any(axis=1))[0]
    assert rows.size and rows.max() < 16 + 2


def test_top_left_letterbox_uses_the_transform(tiny):
    path, head, protos, _ = tiny
    image = np.zeros((32, 64, 3), np.uint8)
    with Pipeline(descriptor(path, align='top_left'), _backend(path)) as pipeline:
        inference = pipeline.process(image, 'bgr8')
    from jetson_dnn_ros.tasks.instance_segmentation import proto_region
    assert inference.transform.offset_y == 0.0
    assert proto_region(inference.transform, (PROTO, PROTO), centered=False) == (0, 0, 8, 16)
    assert proto_region(pipeline_transform_centered(), (PROTO, PROTO), True) == (4, 0, 12, 16)


def pipeline_transform_centered():
    from jetson_dnn_ros.preprocessing import GeometricTransform
    return GeometricTransform((32, 64), (NET, NET), 1.0, 1.0, 0.0, 16.0)


def test_yolo11_seg_and_transposed_head(tiny):
    path, head, protos, _ = tiny
    model = constant_model(path.parent / 't.onnx',
                           {'output0': np.ascontiguousarray(head.transpose(0, 2, 1)),
                            'output1': protos}, input_shape=(1, 3, NET, NET))
    image = np.zeros((48, 96, 3), np.uint8)
    with Pipeline(descriptor(path), _backend(path)) as a, \
            Pipeline(descriptor(model, name='yolo11_seg'), _backend(model)) as b:
        ra, rb = a.run(image, 'bgr8'), b.run(image, 'bgr8')
    np.testing.assert_array_equal(ra.masks, rb.masks)
    np.testing.assert_array_equal(ra.boxes, rb.boxes)


def test_nms_thresholds_and_max_detections(tiny):
    path, head, protos, objects = tiny
    head = head.copy()
    # a duplicate of object 0 (same class, IoU ~0.8) and one of another class on top of it
    dup, other = 12, 13
    head[0, 0:4, dup] = head[0, 0:4, objects[0][0]] + np.array([1, 1, 0, 0], np.float32)
    head[0, 4, dup] = 0.85
    head[0, 0:4, other] = head[0, 0:4, objects[0][0]]
    head[0, 5, other] = 0.7
    model = constant_model(path.parent / 'nms.onnx', {'output0': head, 'output1': protos},
                           input_shape=(1, 3, NET, NET))
    image = np.zeros((64, 64, 3), np.uint8)
    with Pipeline(descriptor(model), _backend(model)) as pipeline:
        result = pipeline.run(image, 'bgr8')
        # class-aware NMS: the duplicate goes, the other class on the same spot stays
        assert result.scores.tolist() == pytest.approx([0.9, 0.8, 0.7, 0.6])
        assert list(result.labels) == ['cat', 'dog', 'dog', 'dog']
        pipeline.update_params(class_agnostic=True)
        assert len(pipeline.run(image, 'bgr8')) == 3
        pipeline.update_params(class_agnostic=False, max_detections=2, score_threshold=0.5)
        result = pipeline.run(image, 'bgr8')
        assert result.scores.tolist() == pytest.approx([0.9, 0.8])
        assert result.masks.shape == (2, 64, 64)
        pipeline.update_params(score_threshold=0.95)
        empty = pipeline.run(image, 'bgr8')
    assert len(empty) == 0 and empty.masks.shape == (0, 64, 64)
    assert empty.instance_map().shape == (64, 64) and not empty.instance_map().any()
    assert empty.to_dict()['instances'] == []


def test_instance_map_rle_and_frozen_result():
    masks = np.zeros((3, 6, 8), bool)
    masks[0, 1:4, 1:4] = True
    masks[1, 2:6, 2:8] = True      # overlaps instance 0 at rows 2..3, cols 2..3
    masks[2, 0, 7] = True
    result = make_instances([[1, 1, 4, 4], [2, 2, 8, 6], [7, 0, 8, 1]], [0.5, 0.9, 0.2],
                            [0, 1, 1], masks, CLASSES, (6, 8))
    # sorted by score: former instance 1 first
    assert result.scores.tolist() == pytest.approx([0.9, 0.5, 0.2])
    assert result.labels == ('dog', 'cat', 'dog')
    ids = result.instance_map()
    assert ids.dtype == np.uint16 and ids.shape == (6, 8)
    assert ids[3, 3] == 1                      # overlap: the higher score wins
    assert ids[1, 1] == 2 and ids[0, 7] == 3 and ids[0, 0] == 0
    assert result.areas().tolist() == [24, 9, 1]
    record = result.to_dict()
    assert record['task'] == 'instance_segmentation' and record['image_size'] == [6, 8]
    for instance, mask in zip(record['instances'], result.masks):
        assert instance['segmentation']['size'] == [6, 8]
        assert isinstance(instance['segmentation']['counts'], str)
        np.testing.assert_array_equal(decode_rle(instance['segmentation']), mask)
    with pytest.raises(ValueError):
        result.masks[0, 0, 0] = True
    with pytest.raises(ValueError, match='masks must be'):
        make_instances([[0, 0, 1, 1]], [0.5], [0], np.zeros((1, 5, 5), bool), None, (6, 8))


def test_prototypes_that_do_not_fit_the_coefficients_are_refused(tiny, tmp_path):
    path, head, protos, _ = tiny
    wrong = constant_model(tmp_path / 'wrong.onnx',
                           {'output0': head, 'output1': np.zeros((1, 3, PROTO, PROTO),
                                                                 np.float32)},
                           input_shape=(1, 3, NET, NET))
    with pytest.raises(ModelError) as err:
        Pipeline(descriptor(wrong), _backend(wrong))
    text = str(err.value)
    assert "'output1'" in text and '(1, 3, 16, 16)' in text and '3 prototypes' in text
    assert '(1, 10, 84)' in text and 'do not fit the coefficients' in text


def test_missing_prototypes_and_bad_aspect_are_refused(tiny, tmp_path):
    path, head, protos, _ = tiny
    alone = constant_model(tmp_path / 'alone.onnx', {'output0': head},
                           input_shape=(1, 3, NET, NET))
    with pytest.raises(ModelError, match=r"prototype output.*\('output0', \(1, 10, 84\)\)"):
        Pipeline(descriptor(alone), _backend(alone))
    skew = constant_model(tmp_path / 'skew.onnx',
                          {'output0': head, 'output1': np.zeros((1, M, 16, 8), np.float32)},
                          input_shape=(1, 3, NET, NET))
    with pytest.raises(ModelError, match='aspect ratio'):
        Pipeline(descriptor(skew), _backend(skew))
    with pytest.raises(ModelError, match="output 'nope' not found"):
        Pipeline(descriptor(path, protos='nope'), _backend(path))


def test_detection_decoder_is_shared_not_copied():
    from jetson_dnn_ros.tasks.detection import Yolov8Decoder
    from jetson_dnn_ros.tasks.instance_segmentation import Yolo11SegDecoder, Yolov8SegDecoder
    assert issubclass(Yolov8SegDecoder, Yolov8Decoder)
    assert issubclass(Yolo11SegDecoder, Yolov8SegDecoder)
    for name in ('head', 'candidates', 'kept', 'select'):
        assert name not in vars(Yolov8SegDecoder)


def _backend(path):
    from jetson_dnn_ros.backends import create_backend
    return create_backend('onnxruntime', str(path))


def test_overlay_tints_the_mask_outlines_it_and_draws_the_box():
    from jetson_dnn_ros.overlay import draw, OverlayOptions
    masks = np.zeros((1, 60, 80), bool)
    masks[0, 20:40, 30:50] = True
    result = make_instances([[20, 10, 60, 50]], [0.9], [1], masks, CLASSES, (60, 80))
    image = np.full((60, 80, 3), 100, np.uint8)
    changed = lambda out: np.any(out != image, axis=2)  # noqa: E731
    tinted = changed(draw(image, result, OverlayOptions.parse('mask', 0.5)))
    np.testing.assert_array_equal(tinted, masks[0])
    outline = changed(draw(image, result, OverlayOptions(frozenset({'outline'}), 0.5,
                                                         line_width=1)))
    assert outline[20, 40] and outline[39, 40] and outline[30, 30] and outline[30, 49]
    assert not outline[30, 40] and not outline[5, 5]   # not the inside, not elsewhere
    lines = changed(draw(image, result, OverlayOptions(frozenset({'lines'}), 0.5,
                                                       line_width=1)))
    assert lines[10, 40] and lines[30, 20] and not lines[30, 40]
    assert not changed(draw(image, result, OverlayOptions.parse('none'))).any()
    default = changed(draw(image, result, OverlayOptions.parse('', 120)))
    assert default[30, 40] and default[10, 40] and not default[55, 75]
