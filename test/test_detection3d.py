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
Issue 11 item 2: lifting 2D detections to 3D with an aligned depth image (ROS-free core).

The scenes are analytic: a fronto-parallel rectangle of known size at a known position is
projected through a known pinhole camera (pixel centres at integer coordinates) to get its 2D
box and rendered into a depth image in front of a far background; the lifted box must give back
the rectangle's centre and size within 1 %.
"""

from jetson_dnn_ros.errors import ImageEncodingError
from jetson_dnn_ros.tasks.detection import DetectionResult
from jetson_dnn_ros.tasks.detection3d import (depth_in_metres, Detections3D, lift_detections,
                                              PinholeCamera)
from jetson_dnn_ros.tasks.instance_segmentation import InstanceSegmentationResult
import numpy as np
import pytest

W, H = 640, 480
K = [500.0, 0.0, 319.5, 0.0, 520.0, 239.5, 0.0, 0.0, 1.0]
CENTRE = (0.3, -0.2, 2.0)    # metres, camera optical frame (x right, y down, z forward)
SIZE = (0.5, 0.8)            # metres, width and height of the rectangle


def project_box(k=K, centre=CENTRE, size=SIZE, scale=1.0):
    """Return the rectangle's 2D box (pixel-edge xyxy) in an image ``scale`` times (W, H)."""
    fx, cx, fy, cy = k[0] * scale, k[2] * scale, k[4] * scale, k[5] * scale
    x, y, z = centre
    u1, u2 = fx * (x - size[0] / 2) / z + cx, fx * (x + size[0] / 2) / z + cx
    v1, v2 = fy * (y - size[1] / 2) / z + cy, fy * (y + size[1] / 2) / z + cy
    return np.array([u1 + 0.5, v1 + 0.5, u2 + 0.5, v2 + 0.5])  # pixel centres -> edges


def render(width=W, height=H, box=None, near=2.0, far=5.0):
    """Return (H, W) float32 metres: ``far`` everywhere, ``near`` inside ``box`` (edges)."""
    depth = np.full((height, width), far, np.float32)
    box = project_box(scale=width / W) if box is None else box
    cols = (np.arange(width) + 0.5 >= box[0]) & (np.arange(width) + 0.5 <= box[2])
    rows = (np.arange(height) + 0.5 >= box[1]) & (np.arange(height) + 0.5 <= box[3])
    depth[np.ix_(rows, cols)] = near
    return depth


def detection(boxes, labels=('person',), size=(H, W), track_ids=None):
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    n = len(boxes)
    labels = tuple(labels) * n if len(labels) == 1 else tuple(labels)
    return DetectionResult(boxes, np.linspace(0.9, 0.5, n).astype(np.float32),
                           np.zeros(n, np.int64), labels, size, track_ids)


def all_finite(result: Detections3D) -> bool:
    return all(np.isfinite(b.center).all() and np.isfinite(b.size).all() for b in result.boxes)


def test_box_on_a_flat_plane_at_two_metres():
    """The issue's analytic case: centre and size within 1 %, REP-103 axes, z extent 0."""
    camera = PinholeCamera.from_k(K, W, H)
    result = lift_detections(detection(project_box()), render(far=2.0), camera)
    assert len(result) == 1 and result.dropped == {}
    box = result.boxes[0]
    assert box.center == pytest.approx(CENTRE, rel=0.01)
    assert box.size[:2] == pytest.approx(SIZE, rel=0.01)
    assert box.size[2] == 0.0        # a flat surface facing the camera
    assert box.center[0] > 0 and box.center[1] < 0   # right of and above the optical axis
    assert (box.label, box.class_id, box.index) == ('person', 0, 0)


def test_object_in_front_of_a_background_uses_the_objects_depth():
    camera = PinholeCamera.from_k(K, W, H)
    result = lift_detections(detection(project_box()), render(), camera)
    assert result.boxes[0].center == pytest.approx(CENTRE, rel=0.01)
    assert result.boxes[0].size[:2] == pytest.approx(SIZE, rel=0.01)


def test_box_mostly_background_takes_the_nearest_depth_cluster():
    """55 % of the 2D box is a wall at 6 m: the object (2 m) is still placed at 2 m."""
    camera = PinholeCamera.from_k(K, W, H)
    box = project_box()
    depth = np.full((H, W), 6.0, np.float32)
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    object_cols = int((x2 - x1) * 0.45)
    depth[y1:y2, x1:x1 + object_cols] = 2.0
    # mixed pixels along the object's edge, spread between the two surfaces
    depth[y1:y2, x1 + object_cols] = np.linspace(2.0, 6.0, y2 - y1)
    lifted = lift_detections(detection([box]), depth, camera).boxes[0]
    assert lifted.center == pytest.approx(CENTRE, rel=0.01)
    assert lifted.size[:2] == pytest.approx(SIZE, rel=0.01)
    assert lifted.size[2] == pytest.approx(0.0, abs=0.01)   # the wall is not the object's depth


def test_a_slanted_surface_is_one_cluster():
    """A surface from 2.0 m to 2.4 m across the box: all of it is the object (median 2.2 m)."""
    camera = PinholeCamera.from_k(K, W, H)
    box = project_box()
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    depth = np.full((H, W), 6.0, np.float32)
    depth[y1:y2, x1:x2] = np.linspace(2.0, 2.4, x2 - x1)[None, :]
    lifted = lift_detections(detection([box]), depth, camera).boxes[0]
    assert lifted.center[2] == pytest.approx(2.2, rel=0.01)
    assert lifted.size[2] == pytest.approx(0.32, abs=0.02)   # 10th to 90th percentile


def test_millimetres_and_metres_give_the_same_boxes():
    """16UC1 is millimetres, 32FC1 metres (REP-118); the same scene in both lifts the same."""
    metres = render()
    millimetres = np.round(metres * 1000.0).astype(np.uint16)
    camera = PinholeCamera.from_k(K, W, H)
    det = detection(project_box())
    a = lift_detections(det, depth_in_metres(metres, '32FC1'), camera).boxes[0]
    b = lift_detections(det, depth_in_metres(millimetres, '16UC1'), camera).boxes[0]
    assert a.center == pytest.approx(b.center, rel=1e-6)
    assert b.center[2] == pytest.approx(2.0, rel=1e-6)   # not 2000 (mm read as m)
    assert a.size == pytest.approx(b.size, rel=1e-6, abs=1e-9)
    assert depth_in_metres(millimetres, 'mono16')[0, 0] == pytest.approx(5.0)
    with pytest.raises(ImageEncodingError, match='REP-118'):
        depth_in_metres(metres, 'bgr8')
    with pytest.raises(ImageEncodingError, match='16UC1 depth must be uint16'):
        depth_in_metres(metres, '16UC1')


@pytest.mark.parametrize('depth_scale,info_scale', [(0.5, 1.0), (1.0, 2.0), (0.25, 0.5)])
def test_depth_and_camera_info_resolutions_differ(depth_scale, info_scale):
    """Depth at another resolution and camera_info for another size: intrinsics are scaled."""
    depth = render(int(W * depth_scale), int(H * depth_scale))
    k_info = [v * info_scale for v in K[:6]] + K[6:]
    camera = PinholeCamera.from_k(k_info, int(W * info_scale), int(H * info_scale))
    result = lift_detections(detection(project_box()), depth, camera)
    assert len(result) == 1
    assert result.boxes[0].center == pytest.approx(CENTRE, rel=0.01)
    assert result.boxes[0].size[:2] == pytest.approx(SIZE, rel=0.01)
    # using the camera_info K unscaled would be off by info_scale
    if info_scale != 1.0:
        wrong = lift_detections(detection(project_box()), depth,
                                PinholeCamera.from_k(k_info, W, H))
        assert wrong.boxes[0].size[0] != pytest.approx(SIZE[0], rel=0.1)


def test_pinhole_scaling():
    camera = PinholeCamera.from_k(K, W, H).scaled(320, 240)
    assert (camera.fx, camera.fy, camera.cx, camera.cy) == (250.0, 260.0, 159.75, 119.75)
    assert (camera.width, camera.height) == (320, 240)


def test_nan_and_zero_depth_drop_the_detection_and_count_it():
    """No valid depth inside a box: the detection is left out, counted, never NaN."""
    box = project_box()
    inside = render(box=box, near=np.nan, far=3.0)      # object pixels NaN (32FC1)
    other = [20.0, 20.0, 60.0, 60.0]                     # a second box on valid background
    camera = PinholeCamera.from_k(K, W, H)
    result = lift_detections(detection([box, other], ('person', 'cup')), inside, camera)
    assert [b.label for b in result.boxes] == ['cup'] and result.boxes[0].index == 1
    assert result.dropped == {'no_valid_depth': 1}
    assert all_finite(result) and result.boxes[0].center[2] == pytest.approx(3.0)
    zeros = np.round(render(box=box, near=0.0, far=3.0) * 1000).astype(np.uint16)  # no return
    result = lift_detections(detection([box]), depth_in_metres(zeros, '16UC1'), camera)
    assert len(result) == 0 and result.dropped == {'no_valid_depth': 1}
    # +-inf and negative 32FC1 values are no measurement either
    bad = render(box=box, near=np.inf, far=-1.0)
    result = lift_detections(detection([box, other]), depth_in_metres(bad, '32FC1'), camera)
    assert len(result) == 0 and result.dropped == {'no_valid_depth': 2}


def test_partly_invalid_depth_uses_the_valid_pixels():
    depth = render(far=2.0)
    depth[::2] = np.nan   # every other row lost
    result = lift_detections(detection(project_box()), depth, PinholeCamera.from_k(K, W, H))
    assert result.boxes[0].center == pytest.approx(CENTRE, rel=0.01)
    assert all_finite(result)


def test_out_of_range_empty_box_and_min_pixels_reasons():
    camera = PinholeCamera.from_k(K, W, H)
    far = render(near=50.0, far=50.0)
    boxes = [project_box(), [700.0, 10.0, 720.0, 20.0], [10.0, 10.0, 10.0, 30.0]]
    result = lift_detections(detection(boxes), far, camera, max_depth=20.0)
    assert len(result) == 0
    assert result.dropped == {'out_of_range': 1, 'empty_box': 2}
    sparse = np.full((H, W), np.nan, np.float32)
    sparse[240, 320] = 2.0
    result = lift_detections(detection([[300.0, 220.0, 340.0, 260.0]]), sparse, camera,
                             min_pixels=5)
    assert result.dropped == {'too_few_depth_pixels': 1}
    with pytest.raises(ValueError, match='min_depth'):
        lift_detections(detection([]), far, camera, min_depth=3.0, max_depth=2.0)


def test_instance_mask_statistic():
    """With masks, the median is taken inside the mask: a thin object in a big box."""
    camera = PinholeCamera.from_k(K, W, H)
    box = project_box()
    depth = np.full((H, W), 5.0, np.float32)
    mask = np.zeros((H, W), bool)
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    mask[y1:y2, x1:x1 + (x2 - x1) // 4] = True   # a quarter of the box: the object
    depth[mask] = 2.0
    masks = mask[None]
    result = InstanceSegmentationResult(np.float32([box]), np.float32([0.9]), np.int64([3]),
                                        ('chair',), masks, (H, W))
    lifted = lift_detections(result, depth, camera)
    assert lifted.boxes[0].center[2] == pytest.approx(2.0)
    assert lifted.boxes[0].depth_pixels == int(mask.sum())
    boxes_only = lift_detections(detection([box]), depth, camera)
    # without the mask the nearest dense depth cluster is the object (a quarter of the box)
    assert boxes_only.boxes[0].center[2] == pytest.approx(2.0)
    # the mask is resampled when the depth image is smaller
    half = depth[::2, ::2]
    assert lift_detections(result, half, camera).boxes[0].center[2] == pytest.approx(2.0)


def test_track_ids_labels_and_class_ids_are_kept():
    camera = PinholeCamera.from_k(K, W, H)
    det = DetectionResult(np.float32([project_box()]), np.float32([0.7]), np.int64([5]),
                          ('',), (H, W), np.int64([12]))
    box = lift_detections(det, render(), camera).boxes[0]
    assert (box.label, box.class_id, box.track_id, box.score) == ('5', 5, 12,
                                                                  pytest.approx(0.7))


@pytest.mark.parametrize('k,match', [
    ([0.0] * 9, 'positive fx'),
    ([np.nan, 0, 320, 0, 500, 240, 0, 0, 1], 'finite'),
    ([500.0, 0, 320], '9 values'),
])
def test_intrinsics_are_validated(k, match):
    with pytest.raises(ValueError, match=match):
        PinholeCamera.from_k(k, W, H)


def test_camera_info_size_is_validated():
    with pytest.raises(ValueError, match='size must be positive'):
        PinholeCamera.from_k(K, 0, 0)
