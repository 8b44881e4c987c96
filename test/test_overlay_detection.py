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

"""Detection overlay: detectNet's ``box``, ``lines``, ``labels``, ``conf`` flags and track ids."""

from jetson_dnn_ros.overlay import class_color
from jetson_dnn_ros.overlay import draw
from jetson_dnn_ros.overlay import OverlayOptions
from jetson_dnn_ros.tasks.detection import detection_text
from jetson_dnn_ros.tasks.detection import make_detections
import numpy as np
import pytest

GREY = 100
BOX = (100, 120, 200, 220)   # xyxy source pixels; caption goes above y = 120


def grey():
    return np.full((300, 400, 3), GREY, np.uint8)


def result(track_ids=None, class_id=3):
    return make_detections(np.array([BOX], np.float32), [0.875], [class_id],
                           ['a', 'b', 'c', 'car'], (300, 400), track_ids=track_ids)


def test_default_flags_blend_the_box_and_caption_it():
    image = grey()
    out = draw(image, result(), OverlayOptions.parse('', alpha=0.5))
    assert out.shape == image.shape and out.dtype == np.uint8
    assert np.all(image == GREY), 'the input must not be modified'
    color = np.array(class_color(3), np.float64)
    expected = np.round(GREY * 0.5 + color * 0.5)
    np.testing.assert_allclose(out[170, 150], expected, atol=1)     # inside the box
    assert np.all(out[280:, :] == GREY) and np.all(out[:, 300:] == GREY)   # far away
    assert np.any(out[:119, 100:200] != GREY)                       # caption above the box


def test_lines_only_draws_the_outline():
    out = draw(grey(), result(), OverlayOptions.parse('lines', line_width=2))
    color = class_color(3)
    assert tuple(out[170, 100]) == color and tuple(out[120, 150]) == color
    assert np.all(out[140:200, 120:180] == GREY)                    # interior untouched
    assert np.all(out[:110] == GREY)                                # no caption


def test_box_flag_alone_has_no_caption_and_alpha_zero_changes_nothing():
    out = draw(grey(), result(), OverlayOptions.parse('box', alpha=0.0))
    assert np.all(out == GREY)


@pytest.mark.parametrize('flags', ['none', 'box,none'])
def test_none_draws_nothing(flags):
    assert np.all(draw(grey(), result(), OverlayOptions.parse(flags)) == GREY)


def test_empty_result_draws_nothing():
    empty = make_detections(np.zeros((0, 4)), [], [], None, (300, 400))
    assert np.all(draw(grey(), empty) == GREY)


def test_caption_text_follows_the_flags_and_shows_the_track_id():
    assert detection_text('car', 0.875, None, True, True) == 'car 87.5%'
    assert detection_text('car', 0.875, None, True, False) == 'car'
    assert detection_text('car', 0.875, 7, False, True) == '#7 87.5%'
    assert detection_text('car', 0.875, 7, False, False) == '#7'


def test_track_id_is_drawn_even_without_labels():
    plain = draw(grey(), result(), OverlayOptions.parse('lines'))
    tracked = draw(grey(), result(track_ids=[7]), OverlayOptions.parse('lines'))
    assert np.all(plain[:110] == GREY) and np.any(tracked[:119, 100:200] != GREY)


def test_boxes_partly_outside_are_drawn_clipped():
    boxes = np.array([[-50, -40, 60, 80], [350, 250, 500, 400]], np.float32)
    res = make_detections(boxes, [0.9, 0.8], [0, 1], None, (300, 400))
    out = draw(grey(), res, OverlayOptions.parse('box', alpha=1.0))
    assert tuple(out[0, 0]) == class_color(0) and tuple(out[299, 399]) == class_color(1)
    # opaque fills of the parts inside the image, (0, 0)-(60, 80) and (350, 250)-(400, 300),
    # and nothing else (one pixel of slack at the inner edges: pixel-centre convention)
    np.testing.assert_array_equal(out[:80, :60], np.broadcast_to(class_color(0), (80, 60, 3)))
    np.testing.assert_array_equal(out[251:, 351:], np.broadcast_to(class_color(1), (49, 49, 3)))
    untouched = np.ones((300, 400), bool)
    untouched[:82, :62] = False
    untouched[248:, 348:] = False
    assert np.all(out[untouched] == GREY)
