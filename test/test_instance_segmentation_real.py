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
The real YOLOv8n-seg (Ultralytics export, int8 weights, 320) on real photos.

``peds_0`` (1920×1080) shows four adults walking side by side over a zebra crossing. Their
boxes are checked against the boxes the data README lists for the separate YOLOv8n detector
on the same photo; the masks against the official COCO val2017 instance polygons of
``eval/coco_val2017_instances_even`` (images the model was not trained on).
"""

import json

from jetson_dnn_ros.pipeline import Pipeline
from jetson_dnn_ros.tasks.detection import box_iou
import numpy as np
import pytest

# YOLOv8n (detection/yolov8n_int8.onnx) persons on peds_0, x1 y1 x2 y2 (data README)
PEDS_PERSONS = np.array([[444, 121, 734, 969], [747, 183, 1003, 948], [1042, 114, 1388, 991],
                         [1489, 169, 1715, 886]], np.float32)


@pytest.fixture(scope='module')
def seg(data_dir):
    with Pipeline.from_model('yolov8n_seg', backend='onnxruntime') as pipeline:
        yield pipeline


def test_descriptor_follows_the_ultralytics_defaults_and_metadata(seg, data_dir):
    import ast
    import onnx
    params = seg.descriptor.params
    assert (params.score_threshold, params.iou_threshold, params.max_detections,
            params.class_agnostic) == (0.25, 0.7, 300, False)
    model = onnx.load(str(seg.descriptor.model_path()), load_external_data=False)
    meta = {p.key: p.value for p in model.metadata_props}
    names = ast.literal_eval(meta['names'])
    assert meta['task'] == 'segment' and ast.literal_eval(meta['imgsz']) == [320, 320]
    assert tuple(names[i] for i in range(len(names))) == seg.labels


def test_finds_the_four_pedestrians_with_their_masks(seg, photo):
    image = photo('peds_0')
    result = seg.run(image, 'bgr8')
    person = (np.asarray(result.labels) == 'person') & (result.scores > 0.5)
    boxes, masks = result.boxes[person], result.masks[person]
    assert boxes.shape == (4, 4)
    # each box is one of the four persons the detector found (same photo, other model)
    iou = box_iou(boxes, PEDS_PERSONS)
    assert sorted(iou.argmax(axis=1).tolist()) == [0, 1, 2, 3]
    assert np.all(iou.max(axis=1) > 0.8)
    for box, mask in zip(boxes, masks):
        x1, y1, x2, y2 = (round(float(v)) for v in box)
        inside = mask[y1:y2, x1:x2].mean()
        # a silhouette: most of its box, but not the box itself
        assert 0.45 < inside < 0.85, inside
        assert mask.sum() == mask[y1:y2, x1:x2].sum()      # never outside the box
        # the upper body is wider than the space between the legs: the mask is on in the
        # box centre at chest height
        cy, cx = y1 + (y2 - y1) // 3, (x1 + x2) // 2
        assert mask[cy - 5:cy + 5, cx - 5:cx + 5].mean() > 0.9


def test_masks_are_local_before_the_box_crop(seg, photo):
    """
    On the prototype plane, before any crop, < 8 % of the plane outside each person's box is on.

    (The data README's check of this file.) The decoder's own head/candidates/kept steps pick
    the kept anchors, so their boxes must be the result's.
    """
    image = photo('peds_0')
    inference = seg.process(image, 'bgr8')
    tensor, transform = seg._preprocess(image, 'bgr8')
    outputs = seg.backend.infer({seg.input.name: tensor})
    protos = outputs['output1'][0]
    decoder = seg.decoder
    pred = decoder.head(outputs['output0'], 'output0', 32)
    index, boxes, scores, class_ids = decoder.candidates(pred, 0.25, 32)
    keep, source_boxes = decoder.kept(boxes, scores, class_ids, transform, seg.params)
    np.testing.assert_allclose(source_boxes, inference.result.boxes)
    coefficients = pred[index[keep], -32:]
    plane = (coefficients @ protos.reshape(32, -1)).reshape(-1, 80, 80) > 0.0  # sigmoid > 0.5
    rows, cols = np.mgrid[0:80, 0:80]
    persons = np.nonzero(np.asarray(inference.result.labels) == 'person')[0][:4]
    assert persons.size == 4
    for i in persons:
        x1, y1, x2, y2 = boxes[keep[i]] / 4.0      # network pixels -> prototype cells
        in_box = (cols >= x1) & (cols < x2) & (rows >= y1) & (rows < y2)
        assert plane[i][in_box].mean() > 0.4
        assert plane[i][~in_box].mean() < 0.08


def test_masks_match_official_coco_val2017_instances(seg, data_dir):
    import cv2
    from pycocotools import mask as mask_utils
    folder = data_dir / 'eval' / 'coco_val2017_instances_even'
    if not (folder / 'annotations.json').is_file():
        pytest.skip(f'{folder} missing')
    data = json.loads((folder / 'annotations.json').read_text(encoding='utf-8'))
    names = {c['id']: c['name'] for c in data['categories']}
    ious = []
    for info in data['images']:
        image = cv2.imread(str(folder / 'images' / info['file_name']), cv2.IMREAD_COLOR)
        result = seg.run(image, 'bgr8')
        for ann in data['annotations']:
            if ann['image_id'] != info['id'] or ann['iscrowd'] or ann['area'] < 5000:
                continue
            rle = mask_utils.merge(mask_utils.frPyObjects(ann['segmentation'], info['height'],
                                                          info['width']))
            truth = mask_utils.decode(rle).astype(bool)
            x, y, bw, bh = ann['bbox']
            same = [i for i in range(len(result))
                    if result.labels[i] == names[ann['category_id']]
                    and box_iou(result.boxes[i:i + 1], [[x, y, x + bw, y + bh]])[0, 0] > 0.5]
            if same:
                ious.append(max((truth & result.masks[i]).sum() / (truth | result.masks[i]).sum()
                                for i in same))
    # persons, laptop, toilet, keyboard, mouse: matched by class and box
    assert len(ious) >= 7
    assert min(ious) > 0.7 and float(np.median(ious)) > 0.85, ious
