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

"""Overlay flags: an unknown flag is refused with the valid ones, never silently ignored."""

from jetson_dnn_ros import cli
from jetson_dnn_ros import overlay
from jetson_dnn_ros.overlay import OverlayOptions
import numpy as np
import pytest


@pytest.mark.parametrize('flags, task, unknown', [
    ('bogus_flag', None, ['bogus_flag']),
    ('boxes', 'detection', ['boxes']),
    ('box,Labels,zz,mask', 'detection', ['mask', 'zz']),
    ('keypoints', 'segmentation', ['keypoints']),
    ('depth,turbo_inverse', 'depth', ['turbo_inverse']),
])
def test_unknown_flags_are_refused_naming_them_and_the_valid_ones(flags, task, unknown):
    with pytest.raises(ValueError) as info:
        OverlayOptions.parse(flags, task=task)
    message = str(info.value)
    assert '\n' not in message
    for flag in unknown:
        assert repr(flag) in message
    valid = overlay.overlay_flags(task)
    assert f'valid flags{" for " + task if task else ""}: {",".join(valid)}' in message


@pytest.mark.parametrize('task, flags', [
    ('classification', 'labels,conf'),
    ('detection', 'box,lines,labels,conf'),
    ('segmentation', 'overlay,mask'),
    ('pose', 'links,keypoints,box'),
    ('depth', 'input,depth,equalize,turbo_inverted'),
    ('detection', 'none'),
    ('detection', ''),
    ('detection', ' Box , LINES '),
])
def test_every_flag_a_drawer_reads_is_valid(task, flags):
    options = OverlayOptions.parse(flags, task=task)
    assert options.flags == {f.strip().lower() for f in flags.split(',') if f.strip()}
    assert OverlayOptions.parse(flags).flags == options.flags  # also valid for "any task"


def test_valid_flags_per_task():
    assert overlay.overlay_flags('detection') == ('box', 'lines', 'labels', 'conf', 'none')
    assert overlay.overlay_flags('segmentation') == ('overlay', 'mask', 'none')
    assert 'viridis_inverted' in overlay.overlay_flags('depth')
    assert set(overlay.overlay_flags()) >= {'box', 'mask', 'keypoints', 'depth', 'labels', 'none'}


def test_cli_refuses_an_unknown_overlay_flag_in_one_line(tmp_path, capsys):
    import cv2
    cv2.imwrite(str(tmp_path / 'a.png'), np.zeros((4, 6, 3), np.uint8))
    code = cli.main(['run', '--model', 'mobilenet_v2_1001', '--input', str(tmp_path / 'a.png'),
                     '--output', str(tmp_path / 'o'), '--overlay', 'boxes', '--quiet'])
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert "unknown overlay flag 'boxes'" in err and 'valid flags' in err
    assert len(err.splitlines()) == 1 and 'Traceback' not in err
