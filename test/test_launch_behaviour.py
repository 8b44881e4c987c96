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
Behaviour of the launch files on the launch/launch_ros stand-ins (issue 13 items 8, 9, 10, 12).

Each test loads a real ``launch/*.launch.py``, runs it with :class:`launch_sim.LaunchSim` (event
processing as humble's LaunchService, lifecycle nodes answering ``change_state`` as rcl_lifecycle)
and checks what the launch did: which transitions, which processes, which parameters. Needs the
stand-ins (skipped per test where the real launch is importable: the launch_testing tests in
``test/launch`` cover the real one).
"""

import importlib.util
from pathlib import Path
import sys
import types

from jetson_dnn_ros import launch_helpers
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def sim(monkeypatch):
    """Return ``run(launch_file, **arguments) -> LaunchSim`` on the stand-ins."""
    # find_spec, not import: importing the real launch reconfigures logging (issue 13 item 5)
    spec = importlib.util.find_spec('launch')
    if spec is None or 'standins' not in Path(spec.origin or '').parts:
        pytest.skip('the real launch is installed: covered by test/launch/*_launch_test.py')
    from launch_sim import LaunchSim
    # ament_index_python (ament/ament_index, humble): share folders of "installed" packages
    installed = {launch_helpers.PACKAGE: str(ROOT)}

    class PackageNotFoundError(KeyError):
        pass

    def get_package_share_directory(package_name, print_warning=True):
        if package_name not in installed:
            raise PackageNotFoundError(f"package '{package_name}' not found")
        return installed[package_name]

    packages = types.ModuleType('ament_index_python.packages')
    packages.PackageNotFoundError = PackageNotFoundError
    packages.get_package_share_directory = get_package_share_directory
    monkeypatch.setitem(sys.modules, 'ament_index_python', types.ModuleType('ament_index_python'))
    monkeypatch.setitem(sys.modules, 'ament_index_python.packages', packages)

    def run(name, installed_packages=(), **arguments):
        for package in installed_packages:
            installed[package] = f'/opt/ros/humble/share/{package}'
        spec = importlib.util.spec_from_file_location(name.replace('.', '_'),
                                                      ROOT / 'launch' / name)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return LaunchSim(module.generate_launch_description(), arguments)
    return run


def _nodes(sim):
    return {p.node_name: p for p in sim.processes if hasattr(p, 'node_name')}


# ------------------------------------------------------------------ item 8: autostart once
def test_autostart_configures_and_activates(sim):
    run = sim('detection.launch.py')
    assert run.graph.states == {'/detection/detection_node': 'active'}


def test_autostart_acts_once_reconfigure_ends_inactive(sim):
    """README workflow: deactivate, cleanup, (param set), configure -> inactive, not active."""
    run = sim('detection.launch.py')
    node = '/detection/detection_node'
    assert run.external(node, 'deactivate', 'cleanup', 'configure') == [True, True, True]
    assert run.graph.states[node] == 'inactive'
    # a client's own activate is then the only one (no race with a launch activate)
    assert run.external(node, 'activate') == [True]
    assert run.graph.states[node] == 'active'
    assert not run.context._event_queue


def test_autostart_after_failed_configure_does_not_activate_a_later_configure(sim, monkeypatch):
    from launch_sim import LifecycleGraph
    original = LifecycleGraph.__init__

    def failing(self):
        original(self)
        self.fail.add('/detection/detection_node')
    monkeypatch.setattr(LifecycleGraph, '__init__', failing)
    run = sim('detection.launch.py')
    node = '/detection/detection_node'
    assert run.graph.states[node] == 'unconfigured'
    assert any('ended in unconfigured' in text for text in run.logged())
    run.graph.fail.clear()
    run.external(node, 'configure')
    assert run.graph.states[node] == 'inactive'


def test_autostart_false_leaves_nodes_unconfigured(sim):
    run = sim('detection.launch.py', autostart='false')
    assert run.graph.states == {'/detection/detection_node': 'unconfigured'}
    run.external('/detection/detection_node', 'configure')
    assert run.graph.states['/detection/detection_node'] == 'inactive'


def test_autostart_step():
    assert launch_helpers.autostart_step('inactive') == 'activate'
    for goal in ('unconfigured', 'errorprocessing', 'finalized'):
        assert launch_helpers.autostart_step(goal) is None


# ------------------------------------------------------------------ item 9: replay
def _player(run):
    return [p for p in run.processes if p.name == 'bag_play']


def test_replay_plays_only_when_every_node_is_active(sim):
    run = sim('replay.launch.py', bag='/bags/photos', tasks='detection,depth',
              autostart='false')
    assert _player(run) == []
    run.external('/detection/detection_node', 'configure', 'activate')
    assert _player(run) == [], 'played before depth was active'
    run.external('/depth/depth_node', 'configure', 'activate')
    (player,) = _player(run)
    assert player.standin_cmd == ['ros2', 'bag', 'play', '--clock', '--rate', '1.0',
                                  '--delay', '1', '/bags/photos']
    # counted once: re-activation does not start a second player
    run.external('/depth/depth_node', 'deactivate', 'activate')
    assert len(_player(run)) == 1


def test_replay_with_autostart_plays_after_both_nodes_activate(sim):
    run = sim('replay.launch.py', bag='/bags/photos', tasks='detection,depth')
    assert set(run.graph.states.values()) == {'active'}
    assert len(_player(run)) == 1
    order = [getattr(p, 'name', None) or p.node_name for p in run.processes]
    assert order[-1] == 'bag_play'


def test_replay_never_plays_when_a_node_fails_to_configure(sim, monkeypatch):
    from launch_sim import LifecycleGraph
    original = LifecycleGraph.__init__

    def failing(self):
        original(self)
        self.fail.add('/depth/depth_node')
    monkeypatch.setattr(LifecycleGraph, '__init__', failing)
    run = sim('replay.launch.py', bag='/bags/photos', tasks='detection,depth')
    assert _player(run) == []


def test_replay_play_when_now_plays_at_launch(sim):
    run = sim('replay.launch.py', bag='/bags/photos', tasks='detection', autostart='false',
              play_when='now')
    assert len(_player(run)) == 1


def test_replay_play_when_rejects_unknown_value(sim):
    with pytest.raises(ValueError, match='play_when'):
        sim('replay.launch.py', bag='/bags/photos', play_when='later')


def test_replay_play_delay_and_required_bag(sim):
    run = sim('replay.launch.py', bag='/b', tasks='detection', play_delay='0', rate='2')
    (player,) = _player(run)
    assert player.standin_cmd == ['ros2', 'bag', 'play', '--clock', '--rate', '2', '/b']
    with pytest.raises(ValueError, match='play_delay'):
        sim('replay.launch.py', bag='/b', tasks='detection', play_delay='-1')
    with pytest.raises(RuntimeError, match="Required launch argument 'bag'"):
        sim('replay.launch.py', tasks='detection')


def test_play_delay_args():
    assert launch_helpers.play_delay_args('1.0') == ['--delay', '1']
    assert launch_helpers.play_delay_args('0.25') == ['--delay', '0.25']
    assert launch_helpers.play_delay_args('0') == []
    for bad in ('-0.5', 'soon', 'inf', 'nan'):
        with pytest.raises(ValueError, match='play_delay'):
            launch_helpers.play_delay_args(bad)


def test_active_gate():
    gate = launch_helpers.ActiveGate(['a', 'b'])
    assert gate.report('a') is False and gate.waiting == ('b',)
    assert gate.report('x') is False
    assert gate.report('b') is True
    assert gate.report('b') is False and gate.report('a') is False
    assert launch_helpers.ActiveGate([]).report('a') is False
    assert launch_helpers.parse_play_when(' Now ') == 'now'


# ------------------------------------------------------------------ item 10: optional rviz2
def test_rviz_missing_warns_and_nodes_run(sim):
    run = sim('perception.launch.py', tasks='detection', rviz='true')
    assert [p.node_name for p in run.processes] == ['/detection/detection_node']
    assert run.graph.states['/detection/detection_node'] == 'active'
    assert any('rviz2 is not installed' in text for text in run.logged())


def test_rviz_installed_starts_with_package_config(sim):
    run = sim('perception.launch.py', installed_packages=['rviz2'], tasks='detection',
              rviz='true')
    rviz = [p for p in run.processes if p.node_executable == 'rviz2']
    assert len(rviz) == 1
    assert rviz[0].standin_cmd[1:] == ['-d', str(ROOT / 'config' / 'jetson_dnn.rviz')]
    assert (ROOT / launch_helpers.RVIZ_CONFIG).is_file()


def test_rviz_false_starts_nothing_extra(sim):
    run = sim('perception.launch.py', tasks='detection,depth')
    names = sorted(p.node_name for p in run.processes)
    assert names == ['/depth/depth_node', '/detection/detection_node']


# ------------------------------------------------------------------ item 12: launch arguments
@pytest.mark.parametrize('name', ['classification', 'detection', 'segmentation', 'pose',
                                  'depth'])
def test_transport_and_qos_arguments_reach_every_task_node(sim, name):
    run = sim(f'{name}.launch.py', image='/cam/image', image_transport='compressed',
              image_qos='reliable')
    (node,) = run.processes
    params_file, overrides = node.standin_parameters
    assert params_file == str(ROOT / 'config' / f'{name}.yaml')
    assert overrides['image_transport'] == 'compressed'
    assert overrides['image_qos'] == 'reliable'
    assert ('image/compressed', '/cam/image/compressed') in node.standin_remappings


def test_empty_transport_and_qos_keep_the_params_file(sim):
    run = sim('detection.launch.py')
    (node,) = run.processes
    assert 'image_transport' not in node.standin_parameters[1]
    assert 'image_qos' not in node.standin_parameters[1]


@pytest.mark.parametrize('argument, value', [('image_qos', 'best_effort'),
                                             ('image_transport', 'theora'),
                                             ('precision', 'fp8')])
def test_bad_override_fails_the_launch_naming_valid_values(sim, argument, value):
    with pytest.raises(ValueError, match=f'{argument}.*one of'):
        sim('detection.launch.py', **{argument: value})


def test_perception_and_replay_pass_the_arguments_to_every_node(sim):
    run = sim('perception.launch.py', tasks='detection,depth', image_qos='system_default')
    assert {n.standin_parameters[1]['image_qos'] for n in run.processes} == {'system_default'}
    run = sim('replay.launch.py', bag='/b', tasks='pose', image_transport='compressed')
    (node,) = [p for p in run.processes if hasattr(p, 'node_name')]
    assert node.standin_parameters[1]['image_transport'] == 'compressed'
    assert node.standin_parameters[1]['use_sim_time'] is True


def test_an_unchecked_invalid_request_kills_the_node_as_on_humble():
    """launch_ros asks by id and Humble does not check it: the simulator records the crash."""
    from launch_sim import LifecycleGraph
    from lifecycle_msgs.msg import Transition
    from lifecycle_msgs.srv import ChangeState
    graph = LifecycleGraph()
    graph.create_client(ChangeState, '/n/change_state')
    # ros2 lifecycle set checks the available transitions first: refused, node alive
    assert graph.change_state('/n', Transition.TRANSITION_ACTIVATE) is False
    assert graph.crashed == [] and graph.states['/n'] == 'unconfigured'
    # a launch's ChangeState event: RCLError out of the node's spin(), the process ends
    assert graph.change_state('/n', Transition.TRANSITION_ACTIVATE, checked=False) is False
    assert graph.crashed == [('/n', Transition.TRANSITION_ACTIVATE)]
    assert graph.states['/n'] == 'dead'
