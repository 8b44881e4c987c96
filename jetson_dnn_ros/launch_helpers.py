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

"""The parts every launch file of this package shares.

A launch file names its task(s) and calls :func:`task_launch_description`; this module declares
the arguments (nav2 style: every LaunchConfiguration first, then one DeclareLaunchArgument per
argument, each with a description), starts each task node as a ``launch_ros`` LifecycleNode in
its own sub-namespace (``/<namespace>/<task>``, see
:func:`jetson_dnn_ros.ros.params.node_namespace`) and, when ``autostart`` is true, drives it
to active with ``EmitEvent(ChangeState(configure))`` and an ``OnStateTransition`` handler
that emits ``activate`` once configuring ended in inactive. That works on Humble (whose
LifecycleNode has no ``autostart``) and on Jazzy.

``launch``/``launch_ros`` are imported inside the functions, so this module (and its
:data:`ARGUMENTS` table) imports on machines without ROS.
"""

from typing import List, Optional, Sequence, Tuple

from jetson_dnn_ros.ros.params import node_name, node_namespace, parse_tasks, TASKS

PACKAGE = 'jetson_dnn_ros'

ARGUMENTS: Tuple[Tuple[str, str, str], ...] = (
    ('image', '/camera/image_raw', 'Input image topic (sensor_msgs/Image) remapped to each '
     "node's image; with image_transport compressed the node reads <image>/compressed"),
    ('camera_info', '/camera/camera_info', 'Camera info topic (sensor_msgs/CameraInfo) of the '
     'image; the depth node needs it for points'),
    ('namespace', '', 'Namespace prefix; each node runs in <namespace>/<task>'),
    ('params_file', '', "Node parameter YAML; empty = the package's config/<task>.yaml"),
    ('model', '', 'Model descriptor name or .yaml path; empty = the one in params_file'),
    ('backend', '', 'Inference backend auto|tensorrt|onnxruntime|triton; empty = params_file'),
    ('triton_url', '', 'Triton server of backend triton, grpc://HOST:8001 or http://HOST:8000; '
     'empty = params_file (default grpc://localhost:8001)'),
    ('precision', '', 'TensorRT precision fp32|fp16|int8; empty = params_file'),
    ('autostart', 'true', 'Configure and activate the nodes at start (lifecycle events)'),
    ('use_sim_time', 'false', 'Use /clock (true when replaying a bag with --clock)'),
    ('log_level', 'info', 'Node log level: debug, info, warn, error or fatal'),
)
"""(name, default, description) of the arguments every task launch file declares."""

OVERRIDES = ('model', 'backend', 'precision', 'triton_url')
"""Arguments that override params_file only when they are not empty."""


def config_file(task: str, share_dir: Optional[str] = None) -> str:
    """Return the package's ``config/<task>.yaml`` (in the ament share folder by default)."""
    import os
    if share_dir is None:
        from ament_index_python.packages import get_package_share_directory
        share_dir = get_package_share_directory(PACKAGE)
    return os.path.join(share_dir, 'config', f'{task}.yaml')


def declare_arguments(extra: Sequence[Tuple[str, str, str]] = ()) -> List:
    """Return one DeclareLaunchArgument per entry of :data:`ARGUMENTS` and ``extra``."""
    from launch.actions import DeclareLaunchArgument
    return [DeclareLaunchArgument(name, default_value=default, description=description)
            for name, default, description in tuple(ARGUMENTS) + tuple(extra)]


def lifecycle_actions(node, autostart) -> List:
    """Return the actions that configure, then activate, ``node`` when ``autostart`` is true.

    :param node: a ``launch_ros.actions.LifecycleNode``.
    :param autostart: a substitution (or string) that evaluates to true or false.
    """
    from launch.actions import EmitEvent, RegisterEventHandler
    from launch.conditions import IfCondition
    from launch.events import matches_action
    from launch_ros.event_handlers import OnStateTransition
    from launch_ros.events.lifecycle import ChangeState
    from lifecycle_msgs.msg import Transition

    def change(transition_id, **kwargs):
        return EmitEvent(event=ChangeState(lifecycle_node_matcher=matches_action(node),
                                           transition_id=transition_id), **kwargs)

    # activate only after *configuring* ended in inactive, not after a later deactivate
    activate = RegisterEventHandler(
        OnStateTransition(target_lifecycle_node=node, start_state='configuring',
                          goal_state='inactive',
                          entities=[change(Transition.TRANSITION_ACTIVATE)]),
        condition=IfCondition(autostart))
    # launch's Action.condition is read-only: pass the condition to the constructor
    configure = change(Transition.TRANSITION_CONFIGURE, condition=IfCondition(autostart))
    return [activate, configure]


def task_node(task: str, context, params_file: str = '', use_sim_time: bool = False) -> List:
    """Return the LifecycleNode of ``task`` and its autostart actions (in an OpaqueFunction).

    :param task: one of :data:`~jetson_dnn_ros.ros.params.TASKS`.
    :param context: the launch context, to read the arguments.
    :param params_file: parameter YAML; '' = the argument, else ``config/<task>.yaml``.
    :param use_sim_time: force ``use_sim_time: true`` (bag replay), whatever the argument.
    """
    from launch.substitutions import LaunchConfiguration
    from launch_ros.actions import LifecycleNode

    def arg(name):
        return LaunchConfiguration(name).perform(context)

    params_file = params_file or arg('params_file') or config_file(task)
    overrides = {key: arg(key) for key in OVERRIDES if arg(key)}
    overrides['use_sim_time'] = use_sim_time or arg('use_sim_time').lower() in ('true', '1')
    image = arg('image')
    node = LifecycleNode(
        package=PACKAGE, executable=f'{task}_node', name=node_name(task),
        namespace=node_namespace(task, arg('namespace')), output='screen',
        parameters=[params_file, overrides],
        remappings=[('image', image), ('image/compressed', image.rstrip('/') + '/compressed'),
                    ('camera_info', arg('camera_info'))],
        ros_arguments=['--log-level', arg('log_level')])
    return [node] + lifecycle_actions(node, LaunchConfiguration('autostart'))


def task_launch_description(tasks, extra_arguments: Sequence[Tuple[str, str, str]] = (),
                            extra_actions: Sequence = (), use_sim_time: bool = False):
    """Return the LaunchDescription that runs the node(s) of ``tasks``.

    :param tasks: a task name, a sequence of them, or the name of a launch argument holding a
        comma-separated list, written ``'$(tasks)'`` (perception and replay launch files).
    :param extra_arguments: more (name, default, description) arguments to declare.
    :param extra_actions: actions appended after the nodes (bag player, rviz).
    :param use_sim_time: run the nodes on /clock whatever the ``use_sim_time`` argument.
    """
    from launch import LaunchDescription
    from launch.actions import OpaqueFunction
    from launch.substitutions import LaunchConfiguration

    def nodes(context):
        if isinstance(tasks, str) and tasks.startswith('$(') and tasks.endswith(')'):
            chosen = parse_tasks(LaunchConfiguration(tasks[2:-1]).perform(context))
        else:
            chosen = parse_tasks(tasks if isinstance(tasks, str) else ','.join(tasks))
        actions = []
        for task in chosen:
            actions += task_node(task, context, use_sim_time=use_sim_time)
        return actions

    return LaunchDescription(declare_arguments(extra_arguments) +
                             [OpaqueFunction(function=nodes)] + list(extra_actions))


__all__ = ['ARGUMENTS', 'OVERRIDES', 'PACKAGE', 'TASKS', 'config_file', 'declare_arguments',
           'lifecycle_actions', 'task_launch_description', 'task_node']
