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
Real pose models (BodyPix 2.0, MoveNet Lightning) on real photos through ONNX Runtime.

Person counts were decided by looking at each photo: they are the persons a human sees
clearly (head and torso in view), not numbers copied from a run.
"""

from jetson_dnn_ros.labels import COCO17_KEYPOINTS
from jetson_dnn_ros.pipeline import Pipeline
import numpy as np
import pytest

NOSE, L_SHOULDER, R_SHOULDER, L_HIP, R_HIP = 0, 5, 6, 11, 12
TORSO = [NOSE, L_SHOULDER, R_SHOULDER, L_HIP, R_HIP]

# photo -> persons clearly visible
PHOTOS = {
    'humans_0': 2,        # two boys in red and purple kits fighting for a football
    'humans_1': 5,        # five adults standing in a row on a red carpet, full body
    'humans_2': 2,        # a woman crouching by a stream and a man with a backpack, right
    'humans_3': 2,        # two girls tackling for a ball, heavily overlapping
    'humans_4': 5,        # five children playing football on a lawn, small in the frame
    'humans_5': 6,        # six adults standing in a row in a hall, full body
    'humans_6': 4,        # four people in front of a sponsor wall (one cut by the left edge)
    'humans_9': 2,        # a man sitting on a fountain rim and a small boy beside him
    'pexels-fauxels-3184419': 5,             # five colleagues cheering, arms raised
    'pexels-jack-sparrow-4046265': 2,        # two women dancing in a living room
    'pexels-karolina-grabowska-4378882': 1,  # one man taking a selfie, upper body
}


@pytest.fixture(scope='module')
def bodypix(data_dir):
    with Pipeline.from_model('bodypix_mobilenetv1_050', backend='onnxruntime') as pipe:
        yield pipe


@pytest.fixture(scope='module')
def movenet(data_dir):
    with Pipeline.from_model('movenet_lightning', backend='onnxruntime') as pipe:
        yield pipe


def _inside(box, xy) -> bool:
    x1, y1, x2, y2 = box
    return bool(np.all((xy[:, 0] >= x1) & (xy[:, 0] <= x2) & (xy[:, 1] >= y1)
                       & (xy[:, 1] <= y2)))


@pytest.mark.parametrize('name', sorted(PHOTOS))
def test_bodypix_finds_every_clearly_visible_person(bodypix, photo, name):
    image = photo(name)
    result = bodypix.run(image)
    expected = PHOTOS[name]
    assert result.keypoint_names == COCO17_KEYPOINTS
    assert len(result) >= expected, f'{name}: {len(result)} persons, expected {expected}'
    persons = result.persons[:expected]
    h, w = image.shape[:2]
    assert result.mask.shape == (h, w)
    noses = np.stack([p.keypoints[NOSE, :2] for p in persons])
    for n, person in enumerate(persons):
        kp = person.keypoints
        # nose, shoulders and hips lie inside that person's box; occluded ones (hips behind
        # the desk in pexels-fauxels, the far hip of the sitting man in humans_9) carry a
        # confidence below the 0.3 keypoint threshold and may lie outside it
        sure = kp[TORSO, 2] >= 0.3
        assert sure.sum() >= 3, (name, n, kp[TORSO, 2])
        assert _inside(person.box, kp[TORSO][sure, :2]), (name, n, person.box, kp[TORSO])
        # both shoulders are confident (the descriptor's keypoint_threshold 0.3: in humans_1
        # the neighbour's arm covers part of one shoulder of the woman in green, 0.40), and on
        # the person mask (an independent output)
        assert np.all(kp[[L_SHOULDER, R_SHOULDER], 2] >= 0.3), (name, n, kp[TORSO, 2])
        for x, y in kp[[L_SHOULDER, R_SHOULDER], :2]:
            assert result.mask[min(int(y), h - 1), min(int(x), w - 1)] > 0.5, (name, n)
        # upright people: the nose is above the hips
        assert kp[NOSE, 1] < kp[[L_HIP, R_HIP], 1].mean(), (name, n)
    # distinct persons, not one person decoded twice
    if expected > 1:
        d = np.linalg.norm(noses[:, None] - noses[None], axis=2) + np.eye(expected) * 1e9
        assert d.min() > 0.02 * np.hypot(h, w), (name, d.min())


def test_movenet_single_person(movenet, bodypix, photo):
    image = photo('pexels-karolina-grabowska-4378882')
    result = movenet.run(image)
    assert len(result) == 1
    kp = result.persons[0].keypoints
    h, w = image.shape[:2]
    assert np.all(kp[:, 0] >= 0) and np.all(kp[:, 0] <= w)
    assert np.all(kp[[NOSE, L_SHOULDER, R_SHOULDER], 2] >= 0.3)
    assert kp[NOSE, 1] < kp[[L_SHOULDER, R_SHOULDER], 1].min()     # nose above shoulders
    assert kp[[L_SHOULDER, R_SHOULDER], 1].max() < kp[[L_HIP, R_HIP], 1].mean()
    # facing the camera: the person's left shoulder is on the image's right
    assert kp[L_SHOULDER, 0] > kp[R_SHOULDER, 0]
    # agrees with BodyPix (another model) on where the face and shoulders are
    other = bodypix.run(image).persons[0].keypoints
    tol = 0.05 * np.hypot(h, w)
    for k in (NOSE, L_SHOULDER, R_SHOULDER):
        assert np.linalg.norm(kp[k, :2] - other[k, :2]) < tol, (k, kp[k], other[k])
