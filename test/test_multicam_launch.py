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
The ``cameras:=`` launch argument and the per-camera rviz configuration (issue 11 items 1, 3).

The launch files run on the launch/launch_ros stand-ins (the ``sim`` fixture of
test_launch_behaviour.py); ``test/launch/perception_multicam_launch_test.py`` runs the real
launch with two cameras.
"""

from pathlib import Path

from jetson_dnn_ros import launch_helpers
from jetson_dnn_ros.ros import params as P
import pytest
import test_launch_behaviour
import yaml

ROOT = Path(__file__).resolve().parents[1]
sim = test_launch_behaviour.sim   # the fixture: run a launch file on the stand-ins


def _topics(config):
    """Return {topic: (display class, name)} of an rviz configuration."""
    out = {}
    for display in config['Visualization Manager']['Displays']:
        topic = display.get('Topic')
        if isinstance(topic, dict):
            out[topic['Value']] = (display['Class'], display['Name'])
    return out


def test_cameras_argument_reaches_every_node_with_its_remappings(sim):
    run = sim('perception.launch.py', tasks='detection,depth', cameras='front, left')
    assert len(run.processes) == 2
    for node in run.processes:
        assert node.standin_parameters[1]['cameras'] == ['front', 'left']
        remaps = node.standin_remappings
        for cam in ('front', 'left'):
            assert (f'{cam}/image', f'/{cam}/image_raw') in remaps
            assert (f'{cam}/image/compressed', f'/{cam}/image_raw/compressed') in remaps
            assert (f'{cam}/camera_info', f'/{cam}/camera_info') in remaps


def test_without_cameras_the_nodes_are_launched_as_before(sim):
    run = sim('perception.launch.py', tasks='detection')
    (node,) = run.processes
    assert 'cameras' not in node.standin_parameters[1]
    assert [a for a, _ in node.standin_remappings] == ['image', 'image/compressed',
                                                       'camera_info']


def test_a_bad_camera_list_fails_the_launch_naming_the_argument(sim):
    with pytest.raises(ValueError, match='cameras.*listed twice'):
        sim('perception.launch.py', tasks='detection', cameras='front,front')


def _rviz_file(sim, cameras):
    """Launch with rviz and ``cameras``; return the configuration file rviz2 is given."""
    run = sim('perception.launch.py', installed_packages=['rviz2'], tasks='detection',
              rviz='true', cameras=cameras)
    (rviz,) = [p for p in run.processes if p.node_executable == 'rviz2']
    flag, path = rviz.standin_cmd[1:]
    assert flag == '-d'
    return Path(path), run


def test_rviz_gets_one_overlay_per_camera(sim, isolated_cache):
    path, _ = _rviz_file(sim, 'front,left')
    assert path != ROOT / launch_helpers.RVIZ_CONFIG
    topics = _topics(yaml.safe_load(path.read_text()))
    for task in P.TASKS:
        for cam in ('front', 'left'):
            assert topics[f'/{task}/{cam}/overlay'] == ('rviz_default_plugins/Image',
                                                        f'{task} overlay ({cam})')
        assert f'/{task}/overlay' not in topics
    assert topics['/front/image_raw'][0] == 'rviz_default_plugins/Image'
    assert '/camera/image_raw' not in topics


def test_rviz_file_per_camera_set_is_reused_not_leaked(sim, isolated_cache, monkeypatch,
                                                       tmp_path):
    import tempfile
    scratch = tmp_path / 'tmp'
    scratch.mkdir()
    monkeypatch.setattr(tempfile, 'tempdir', str(scratch))   # where a temporary file would go
    first, _ = _rviz_file(sim, 'front,left')
    again, _ = _rviz_file(sim, 'front, left')
    assert first == again and first.parent == isolated_cache / 'rviz'
    assert sorted(isolated_cache.rglob('*')) == [isolated_cache / 'rviz', first]
    assert list(scratch.iterdir()) == []
    topics = _topics(yaml.safe_load(first.read_text()))
    assert {'/front/image_raw', '/left/image_raw', '/detection/front/overlay',
            '/detection/left/overlay'} <= set(topics)
    other, _ = _rviz_file(sim, 'rear')   # other cameras: their own file
    assert other != first and sorted(p.name for p in (isolated_cache / 'rviz').iterdir()) == \
        sorted([first.name, other.name])
    assert '/rear/image_raw' in _topics(yaml.safe_load(other.read_text()))


def test_rviz_file_in_an_unwritable_cache_falls_back_with_a_warning(sim, tmp_path,
                                                                    monkeypatch):
    blocker = tmp_path / 'file'
    blocker.write_text('not a folder\n')
    monkeypatch.setenv('JETSON_DNN_CACHE', str(blocker / 'cache'))
    path, run = _rviz_file(sim, 'front,left')
    assert path == ROOT / launch_helpers.RVIZ_CONFIG
    assert any('WARNING: cannot write' in text and 'is a file, not a folder' in text
               for text in run.logged())
    assert blocker.read_text() == 'not a folder\n'


def test_rviz_config_for_cameras_shows_only_published_topics():
    config = yaml.safe_load((ROOT / launch_helpers.RVIZ_CONFIG).read_text())
    cameras = ('front', 'rig/left')
    assert launch_helpers.rviz_config_for_cameras(config, ()) == config
    generated = launch_helpers.rviz_config_for_cameras(config, cameras)
    published = {f'/{task}/{cam}/{topic}' for task, topics in P.OUTPUTS.items()
                 for topic in topics for cam in cameras}
    inputs = {f'/{cam}/image_raw' for cam in cameras}
    topics = _topics(generated)
    assert set(topics) <= published | inputs, set(topics) - published - inputs
    overlays = [t for t in topics if t.endswith('/overlay')]
    assert len(overlays) == len(P.TASKS) * len(cameras)
    assert generated['Visualization Manager']['Displays'][0] == \
        config['Visualization Manager']['Displays'][0]   # the grid stays
    assert _topics(config) and '/camera/image_raw' in _topics(config)   # input unchanged


def test_camera_arguments():
    assert launch_helpers.camera_arguments(()) == ({}, [])
    params, remaps = launch_helpers.camera_arguments(('a',))
    assert params == {'cameras': ['a']} and ('a/camera_info', '/a/camera_info') in remaps
