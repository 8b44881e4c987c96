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
The launch/launch_ros stand-ins are at least as strict as humble's launch 1.0 / launch_ros 0.19.

Each check names the upstream behaviour it mirrors (ros2/launch and ros2/launch_ros, branch
humble): keyword-only constructors, read-only ``Action.condition``, ``handle_once``, condition
expressions, missing launch configurations, unknown transitions, the LifecycleNode target check.
Skipped per test where the real launch is importable (then the real one is what runs).
"""

import importlib.util
from pathlib import Path

import pytest


@pytest.fixture
def launch_standin():
    """Return the stand-in ``launch`` package (skip where the real one is installed)."""
    spec = importlib.util.find_spec('launch')
    if spec is None or 'standins' not in Path(spec.origin or '').parts:
        pytest.skip('the real launch is installed')
    import launch
    return launch


def _node(**kwargs):
    from launch_ros.actions import LifecycleNode
    return LifecycleNode(package='p', executable='e', name='n', namespace='/ns', **kwargs)


def test_action_condition_is_read_only(launch_standin):
    """launch/action.py: ``condition`` is a property without setter."""
    from launch.actions import EmitEvent
    from launch_ros.events.lifecycle import ChangeState
    action = EmitEvent(event=ChangeState(lifecycle_node_matcher=lambda a: True,
                                         transition_id=1))
    with pytest.raises(AttributeError):
        action.condition = object()


def test_unknown_keywords_raise(launch_standin):
    """Every constructor hands extra keywords to Action(*, condition) -> TypeError."""
    from launch.actions import (DeclareLaunchArgument, EmitEvent, ExecuteProcess, LogInfo,
                                OpaqueFunction, RegisterEventHandler)
    from launch_ros.event_handlers import OnStateTransition
    from launch_ros.events.lifecycle import ChangeState
    event = ChangeState(lifecycle_node_matcher=lambda a: True, transition_id=1)
    with pytest.raises(TypeError):
        EmitEvent(event=event, bogus=1)
    with pytest.raises(TypeError):
        EmitEvent(event)  # keyword-only
    with pytest.raises(TypeError):
        OpaqueFunction(function=print, condition=None)  # humble: no left-over kwargs
    with pytest.raises(TypeError):
        OpaqueFunction(function='not callable')
    with pytest.raises(TypeError):
        LogInfo(msg='x', level='warn')
    with pytest.raises(TypeError):
        DeclareLaunchArgument('a', 'default')  # default_value is keyword-only
    with pytest.raises(TypeError):
        ExecuteProcess(cmd=['x'], bogus=1)
    with pytest.raises(TypeError):
        RegisterEventHandler(None, bogus=1)
    with pytest.raises(TypeError):
        OnStateTransition(entities=[], bogus=1)
    with pytest.raises(TypeError):
        _node(bogus=1)


def test_on_state_transition_needs_a_lifecycle_node(launch_standin):
    """on_state_transition.py: a non-LifecycleNode target raises RuntimeError."""
    from launch_ros.actions import Node
    from launch_ros.event_handlers import OnStateTransition
    with pytest.raises(RuntimeError, match='LifecycleNode'):
        OnStateTransition(entities=[], target_lifecycle_node=Node(executable='e'))


def test_change_state_refuses_unknown_transition(launch_standin):
    """events/lifecycle/change_state.py: transition_id must be a known one."""
    from launch_ros.events.lifecycle import ChangeState
    with pytest.raises(ValueError, match='transition_id'):
        ChangeState(lifecycle_node_matcher=lambda a: True, transition_id=42)


def test_handle_once_unregisters_and_unregistering_twice_raises(launch_standin):
    """event_handler.py: handle_once unregisters on the first handle; deque.remove raises."""
    from launch import EventHandler, LaunchContext
    context = LaunchContext()
    handler = EventHandler(matcher=lambda e: True, entities=['x'], handle_once=True)
    context.register_event_handler(handler)
    assert handler.handle(object(), context) == ['x']
    assert handler not in context._event_handlers
    with pytest.raises(ValueError):
        context.unregister_event_handler(handler)


def test_locals_are_read_only_and_scoped(launch_standin):
    """launch_context.py: locals read-only, extend_locals undone by _pop_locals."""
    from launch import LaunchContext
    context = LaunchContext()
    context.extend_globals({'g': 1})
    context._push_locals()
    context.extend_locals({'event': 2})
    assert (context.locals.g, context.locals.event) == (1, 2)
    with pytest.raises(AttributeError):
        context.locals.event = 3
    context._pop_locals()
    with pytest.raises(AttributeError, match='event'):
        context.locals.event
    with pytest.raises(RuntimeError):
        context._pop_locals()


def test_conditions_and_configurations_fail_as_upstream(launch_standin):
    """conditions: only true/1/false/0; LaunchConfiguration: missing -> SubstitutionFailure."""
    from launch import LaunchContext
    from launch.actions import DeclareLaunchArgument
    from launch.conditions import IfCondition, InvalidConditionExpressionError, UnlessCondition
    from launch.substitutions import LaunchConfiguration, SubstitutionFailure
    context = LaunchContext()
    context.launch_configurations.update({'a': ' TRUE', 'b': 'yes'})
    assert IfCondition(LaunchConfiguration('a')).evaluate(context) is True
    assert UnlessCondition('0').evaluate(context) is True
    with pytest.raises(InvalidConditionExpressionError):
        IfCondition(LaunchConfiguration('b')).evaluate(context)
    with pytest.raises(SubstitutionFailure, match="'c' does not exist"):
        LaunchConfiguration('c').perform(context)
    assert LaunchConfiguration('c', default='d').perform(context) == 'd'
    with pytest.raises(RuntimeError, match="Required launch argument 'c'"):
        DeclareLaunchArgument('c').visit(context)
    DeclareLaunchArgument('e', default_value='f').visit(context)
    assert context.launch_configurations['e'] == 'f'


def test_node_name_only_after_execute(launch_standin):
    """launch_ros/actions/node.py: node_name raises before the action was executed."""
    node = _node()
    with pytest.raises(RuntimeError, match='before executing'):
        node.node_name
    assert node.is_lifecycle_node is True


def test_lifecycle_node_needs_the_launch_ros_node(launch_standin):
    """lifecycle_node.py talks to the launch's ROS node; without one the stand-in refuses."""
    from launch import LaunchContext
    with pytest.raises(RuntimeError, match='no ROS graph'):
        _node().visit(LaunchContext())
