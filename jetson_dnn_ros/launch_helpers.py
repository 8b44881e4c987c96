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
The parts every launch file of this package shares.

A launch file names its task(s) and calls :func:`task_launch_description`; this module declares
the arguments (nav2 style: every LaunchConfiguration first, then one DeclareLaunchArgument per
argument, each with a description), starts each task node as a ``launch_ros`` LifecycleNode in
its own sub-namespace (``/<namespace>/<task>``, see
:func:`jetson_dnn_ros.ros.params.node_namespace`) and, when ``autostart`` is true, drives it
to active with ``EmitEvent(ChangeState(configure))`` and a ``handle_once`` ``OnStateTransition``
handler that emits ``activate`` when that first configuring ended in inactive. Autostart acts
once per launch: a later configure (the README's reconfigure workflow) leaves the node inactive.
That works on Humble (whose LifecycleNode has no ``autostart``) and on Jazzy.

Actions given as ``when_active`` (the bag player of ``replay.launch.py``) start once every node
of the launch has reported ``active`` (or at once with ``play_when:=now``).

The decisions (argument values, autostart step, the all-active gate) are plain functions and
classes here, testable without ROS; ``launch``/``launch_ros`` are imported inside the functions,
so this module (and its :data:`ARGUMENTS` table) imports on machines without ROS.
"""

import os
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from jetson_dnn_ros.ros.params import (node_name, node_namespace, param_table,
                                       parse_cameras, parse_tasks, TASKS)

PACKAGE = 'jetson_dnn_ros'

ARGUMENTS: Tuple[Tuple[str, str, str], ...] = (
    ('image', '/camera/image_raw', 'Input image topic (sensor_msgs/Image) remapped to each '
     "node's image; with image_transport compressed the node reads <image>/compressed"),
    ('camera_info', '/camera/camera_info', 'Camera info topic (sensor_msgs/CameraInfo) of the '
     'image; the depth node needs it for points'),
    ('namespace', '', 'Namespace prefix; each node runs in <namespace>/<task>'),
    ('cameras', '', 'Comma-separated camera namespaces (front,left,right): each node serves '
     'them all with one model, reading /<cam>/image_raw (or /<cam>/image_raw/compressed) and '
     '/<cam>/camera_info and publishing under <namespace>/<task>/<cam>/; rviz shows one '
     'overlay per camera. Empty = the single image and camera_info topics'),
    ('params_file', '', "Node parameter YAML; empty = the package's config/<task>.yaml"),
    ('model', '', 'Model descriptor name or .yaml path; empty = the one in params_file'),
    ('backend', '', 'Inference backend auto|tensorrt|onnxruntime|triton; empty = params_file'),
    ('triton_url', '', 'Triton server of backend triton, grpc://HOST:8001 or http://HOST:8000; '
     'empty = params_file (default grpc://localhost:8001)'),
    ('precision', '', 'TensorRT precision fp32|fp16|int8; empty = params_file'),
    ('image_transport', '', 'Input transport raw|compressed (compressed reads '
     '<image>/compressed, sensor_msgs/CompressedImage); empty = params_file'),
    ('image_qos', '', 'Image subscription QoS sensor_data|reliable|system_default; empty = '
     'params_file; reliable for large raw frames (README: Receiving large images)'),
    ('autostart', 'true', 'Configure and activate the nodes once at start (lifecycle events); '
     'a later configure leaves a node inactive'),
    ('use_sim_time', 'false', 'Use /clock (true when replaying a bag with --clock)'),
    ('log_level', 'info', 'Node log level: debug, info, warn, error or fatal'),
)
"""(name, default, description) of the arguments every task launch file declares."""

OVERRIDES = ('model', 'backend', 'precision', 'triton_url', 'image_transport', 'image_qos')
"""Arguments that override params_file only when they are not empty."""

PLAY_WHEN = ('active', 'now')
"""Values of ``play_when`` (replay): wait until every node is active, or play at once."""

WHEN_ACTIVE_ARGUMENT = (
    'play_when', 'active', 'When the bag starts playing: active = once every node of this launch '
    'reports active (with autostart:=false, after you activate them), now = at launch')
"""The argument :func:`task_launch_description` declares when it is given ``when_active``."""

RVIZ_CONFIG = 'config/jetson_dnn.rviz'
"""rviz2 configuration shipped in the package share folder."""


def package_share(package: str) -> Optional[str]:
    """
    Return the ament share folder of ``package``, or None when it is not installed.

    :raises ImportError: without ament_index_python (no ROS 2 environment).
    """
    from ament_index_python.packages import get_package_share_directory, PackageNotFoundError
    try:
        return get_package_share_directory(package)
    except PackageNotFoundError:
        return None


def share_file(relative: str) -> str:
    """
    Return ``relative`` (e.g. ``config/jetson_dnn.rviz``) inside this package's share folder.

    :raises RuntimeError: when this package is not installed (no share folder).
    """
    share_dir = package_share(PACKAGE)
    if share_dir is None:
        raise RuntimeError(f'package {PACKAGE} is not installed (source install/setup.bash)')
    return os.path.join(share_dir, relative)


def config_file(task: str, share_dir: Optional[str] = None) -> str:
    """Return the package's ``config/<task>.yaml`` (in the ament share folder by default)."""
    relative = os.path.join('config', f'{task}.yaml')
    return share_file(relative) if share_dir is None else os.path.join(share_dir, relative)


def launch_bool(name: str, text: str) -> bool:
    """
    Read a boolean launch argument as launch's conditions do ('true'/'1', 'false'/'0').

    :raises ValueError: for any other value, naming the argument.
    """
    value = str(text).strip().lower()
    if value in ('true', '1'):
        return True
    if value in ('false', '0'):
        return False
    raise ValueError(f'launch argument {name}:={text!r} must be true or false')


def parameter_overrides(task: str, values: Mapping[str, str]) -> Dict[str, str]:
    """
    Return the node parameters that the non-empty :data:`OVERRIDES` arguments set.

    Each value is checked against the node's parameter table, so a typo fails the launch with
    the valid values instead of a node that refuses to configure.

    :param task: one of :data:`TASKS`.
    :param values: argument name -> string value ('' = keep the params_file value).
    :raises ValueError: naming the argument, the value and what is allowed.
    """
    table = param_table(task)
    overrides = {}
    for key in OVERRIDES:
        value = values.get(key, '')
        if not value:
            continue
        problem = table[key].validate(value)
        if problem:
            raise ValueError(f'launch argument {key}:={value!r}: {problem}')
        overrides[key] = value
    return overrides


def autostart_step(goal_state: str) -> Optional[str]:
    """
    Return the transition autostart requests after its configure ended in ``goal_state``.

    :param goal_state: label of the state the first ``configuring`` ended in.
    :return: ``'activate'`` after ``inactive``; None otherwise (configure failed: the node
        stays as it is and autostart is over).
    """
    return 'activate' if goal_state == 'inactive' else None


def parse_play_when(text: str) -> str:
    """
    Return the ``play_when`` value (one of :data:`PLAY_WHEN`).

    :raises ValueError: for any other value.
    """
    value = str(text).strip().lower()
    if value not in PLAY_WHEN:
        raise ValueError(f'launch argument play_when:={text!r} must be one of '
                         f'{", ".join(PLAY_WHEN)}')
    return value


def play_delay_args(text: str) -> List[str]:
    """
    Return the ``ros2 bag play`` option for a ``play_delay`` of ``text`` seconds.

    :return: ``['--delay', '<seconds>']``, or ``[]`` for 0 (ros2bag refuses ``--delay 0``).
    :raises ValueError: unless ``text`` is a finite number >= 0.
    """
    try:
        seconds = float(text)
    except ValueError:
        seconds = float('nan')
    if not 0.0 <= seconds < float('inf'):
        raise ValueError(f'launch argument play_delay:={text!r} must be seconds >= 0')
    return ['--delay', f'{seconds:g}'] if seconds > 0 else []


class ActiveGate:
    """
    Release once when every one of a fixed set of nodes has reported ``active``.

    :param names: the nodes to wait for (task names); an empty set never releases.
    """

    def __init__(self, names: Iterable[str]):
        self._waiting = set(names)
        self._expected = len(self._waiting)
        self._released = False

    @property
    def waiting(self) -> Tuple[str, ...]:
        """Return the nodes not active yet, sorted."""
        return tuple(sorted(self._waiting))

    def report(self, name: str) -> bool:
        """
        Record that ``name`` became active; True exactly once, when the last one did.

        A repeated report (a node re-activated later) or an unknown name changes nothing.
        """
        self._waiting.discard(name)
        if self._waiting or self._released or not self._expected:
            return False
        self._released = True
        return True


def declare_arguments(extra: Sequence[Tuple[str, Optional[str], str]] = ()) -> List:
    """
    Return one DeclareLaunchArgument per entry of :data:`ARGUMENTS` and ``extra``.

    A default of None makes the argument required (launch stops when it is not given).
    """
    from launch.actions import DeclareLaunchArgument
    return [DeclareLaunchArgument(name, default_value=default, description=description)
            for name, default, description in tuple(ARGUMENTS) + tuple(extra)]


def lifecycle_actions(node, autostart) -> List:
    """
    Return the actions that configure, then activate, ``node`` once when ``autostart`` is true.

    The activate handler is ``handle_once``: it takes the first transition out of
    ``configuring`` (to inactive on success, unconfigured or errorprocessing on failure) and
    unregisters itself, so a later configure by the user leaves the node inactive.

    :param node: a ``launch_ros.actions.LifecycleNode``.
    :param autostart: a substitution (or string) that evaluates to true or false.
    """
    from launch.actions import EmitEvent, LogInfo, OpaqueFunction, RegisterEventHandler
    from launch.conditions import IfCondition
    from launch.events import matches_action
    from launch_ros.event_handlers import OnStateTransition
    from launch_ros.events.lifecycle import ChangeState
    from lifecycle_msgs.msg import Transition

    def change(transition_id, **kwargs):
        return EmitEvent(event=ChangeState(lifecycle_node_matcher=matches_action(node),
                                           transition_id=transition_id), **kwargs)

    def after_first_configure(context):
        goal = context.locals.event.goal_state
        if autostart_step(goal) == 'activate':
            return [change(Transition.TRANSITION_ACTIVATE)]
        return [LogInfo(msg=f'autostart: configuring {node.node_name} ended in {goal}, not '
                            'activating it')]

    activate = RegisterEventHandler(
        OnStateTransition(target_lifecycle_node=node, start_state='configuring',
                          entities=[OpaqueFunction(function=after_first_configure)],
                          handle_once=True),
        condition=IfCondition(autostart))
    # launch's Action.condition is read-only: pass the condition to the constructor
    configure = change(Transition.TRANSITION_CONFIGURE, condition=IfCondition(autostart))
    return [activate, configure]


def when_active_actions(nodes: Mapping[str, object], actions: Sequence) -> List:
    """
    Return handlers that start ``actions`` once every node of ``nodes`` has reported active.

    Each node's handler is ``handle_once`` (a node counts once, whatever it does later).

    :param nodes: task name -> its ``launch_ros.actions.LifecycleNode``.
    :param actions: launch actions to start (the bag player).
    """
    from launch.actions import OpaqueFunction, RegisterEventHandler
    from launch_ros.event_handlers import OnStateTransition

    gate = ActiveGate(nodes)

    def report(context, name):
        return list(actions) if gate.report(name) else None

    return [RegisterEventHandler(OnStateTransition(
        target_lifecycle_node=node, goal_state='active', handle_once=True,
        entities=[OpaqueFunction(function=report, args=[name])]))
        for name, node in nodes.items()]


def camera_arguments(cameras: Sequence[str]) -> Tuple[Dict[str, List[str]], List]:
    """
    Return the parameter and remappings that make a task node serve several cameras.

    :param cameras: camera namespaces (``front``, ``left``); empty = none.
    :return: ``({'cameras': [...]}, [(from, to), ...])``: each camera's relative ``<cam>/image``,
        ``<cam>/image/compressed`` and ``<cam>/camera_info`` remapped to the driver's
        ``/<cam>/image_raw``, ``/<cam>/image_raw/compressed`` and ``/<cam>/camera_info``;
        ``({}, [])`` without cameras.
    """
    if not cameras:
        return {}, []
    remappings = []
    for cam in cameras:
        remappings += [(f'{cam}/image', f'/{cam}/image_raw'),
                       (f'{cam}/image/compressed', f'/{cam}/image_raw/compressed'),
                       (f'{cam}/camera_info', f'/{cam}/camera_info')]
    return {'cameras': list(cameras)}, remappings


def rviz_config_for_cameras(config: Mapping, cameras: Sequence[str]) -> Dict:
    """
    Return a copy of an rviz2 configuration with each node output shown once per camera.

    Every display whose topic is a node output (``/<task>/...``) becomes one display per
    camera on ``/<task>/<cam>/...`` named ``<name> (<cam>)``; the camera image display
    (``/camera/image_raw``) becomes one per camera on ``/<cam>/image_raw``. Only the first
    camera's displays keep their ``Enabled`` value, the others start disabled except the
    overlays, so rviz shows one overlay per camera.

    :param config: the parsed rviz2 YAML (:data:`RVIZ_CONFIG`).
    :param cameras: camera namespaces; empty = the configuration unchanged.
    """
    import copy
    config = copy.deepcopy(dict(config))
    if not cameras:
        return config
    manager = config['Visualization Manager']
    displays = []
    for display in manager['Displays']:
        topic = display.get('Topic')
        value = topic.get('Value') if isinstance(topic, dict) else None
        parts = value.strip('/').split('/', 1) if isinstance(value, str) else []
        if value == '/camera/image_raw':
            def topic_of(cam):
                return f'/{cam}/image_raw'
        elif len(parts) == 2 and parts[0] in TASKS:
            def topic_of(cam, task=parts[0], rest=parts[1]):
                return f'/{task}/{cam}/{rest}'
        else:
            displays.append(display)
            continue
        for index, cam in enumerate(cameras):
            copied = copy.deepcopy(display)
            copied['Name'] = f'{display.get("Name", value)} ({cam})'
            copied['Topic']['Value'] = topic_of(cam)
            if index and not str(value).endswith('/overlay'):
                copied['Enabled'] = False
            displays.append(copied)
    manager['Displays'] = displays
    return config


def rviz_actions(context) -> List:
    """
    Return rviz2 with :data:`RVIZ_CONFIG` when the ``rviz`` argument is true (OpaqueFunction).

    rviz2 is an optional dependency: when it is not installed, a warning is logged and the
    nodes run on (launching a missing executable would abort the launch and stop them). With
    ``cameras``, rviz2 gets a copy of the configuration with one overlay per camera (see
    :func:`rviz_config_for_cameras`), written by :func:`cameras_rviz_file`.
    """
    from launch.actions import LogInfo
    from launch.substitutions import LaunchConfiguration
    from launch_ros.actions import Node

    if not launch_bool('rviz', LaunchConfiguration('rviz').perform(context)):
        return []
    if package_share('rviz2') is None:
        return [LogInfo(msg='WARNING: rviz:=true but rviz2 is not installed (sudo apt install '
                            'ros-$ROS_DISTRO-rviz2); the nodes run without it')]
    config = share_file(RVIZ_CONFIG)
    cameras = parse_cameras(LaunchConfiguration('cameras').perform(context))
    actions = []
    if cameras:
        from jetson_dnn_ros.outputs import OutputError
        try:
            config = str(cameras_rviz_file(config, cameras))
        except OutputError as exc:
            actions.append(LogInfo(msg=f'WARNING: {exc}; rviz2 shows the one-camera '
                                       f'configuration {config}'))
    return actions + [Node(package='rviz2', executable='rviz2', name='rviz2', output='screen',
                           arguments=['-d', config])]


def cameras_rviz_file(config, cameras: Sequence[str]):
    """
    Write the rviz configuration ``config`` made per camera once; return its path.

    The file is ``<cache>/rviz/jetson_dnn_<hash>.rviz`` (:func:`jetson_dnn_ros.paths.cache_dir`)
    named by a hash of its text: every launch with the same cameras reuses one file (nothing
    piles up in ``/tmp``), and a file with other text is rewritten atomically
    (:func:`jetson_dnn_ros.outputs.staged_file`: a running rviz2 reading it sees it whole).

    :param config: the one-camera configuration (``config/jetson_dnn.rviz``).
    :param cameras: the camera names, as :func:`parse_cameras` gives them.
    :return: the written file, a :class:`~pathlib.Path`.
    :raises OutputError: if the cache folder cannot be written (the cause named).
    """
    import hashlib

    from jetson_dnn_ros.outputs import staged_file
    from jetson_dnn_ros.paths import cache_dir
    import yaml

    with open(config, encoding='utf-8') as stream:
        text = yaml.safe_dump(rviz_config_for_cameras(yaml.safe_load(stream), cameras),
                              sort_keys=False).encode('utf-8')
    path = cache_dir() / 'rviz' / f'jetson_dnn_{hashlib.sha256(text).hexdigest()[:16]}.rviz'
    try:
        same = path.read_bytes() == text
    except OSError:
        same = False
    if not same:
        with staged_file(path) as stream:
            stream.write(text)
    return path


def task_node(task: str, context, params_file: str = '', use_sim_time: bool = False) -> List:
    """
    Return the LifecycleNode of ``task`` and its autostart actions (in an OpaqueFunction).

    :param task: one of :data:`~jetson_dnn_ros.ros.params.TASKS`.
    :param context: the launch context, to read the arguments.
    :param params_file: parameter YAML; '' = the argument, else ``config/<task>.yaml``.
    :param use_sim_time: force ``use_sim_time: true`` (bag replay), whatever the argument.
    :return: ``[node, autostart actions...]``.
    :raises ValueError: for an override argument the node would refuse (see
        :func:`parameter_overrides`).
    """
    from launch.substitutions import LaunchConfiguration
    from launch_ros.actions import LifecycleNode

    def arg(name):
        return LaunchConfiguration(name).perform(context)

    overrides = parameter_overrides(task, {key: arg(key) for key in OVERRIDES})
    params_file = params_file or arg('params_file') or config_file(task)
    overrides['use_sim_time'] = use_sim_time or launch_bool('use_sim_time', arg('use_sim_time'))
    try:
        cameras = parse_cameras(arg('cameras'))
    except ValueError as exc:
        raise ValueError(f'launch argument cameras:={arg("cameras")!r}: {exc}') from exc
    camera_params, camera_remappings = camera_arguments(cameras)
    overrides.update(camera_params)
    image = arg('image')
    node = LifecycleNode(
        package=PACKAGE, executable=f'{task}_node', name=node_name(task),
        namespace=node_namespace(task, arg('namespace')), output='screen',
        parameters=[params_file, overrides],
        remappings=[('image', image), ('image/compressed', image.rstrip('/') + '/compressed'),
                    ('camera_info', arg('camera_info'))] + camera_remappings,
        ros_arguments=['--log-level', arg('log_level')])
    return [node] + lifecycle_actions(node, LaunchConfiguration('autostart'))


def task_launch_description(tasks, extra_arguments: Sequence[Tuple[str, str, str]] = (),
                            extra_actions: Sequence = (), use_sim_time: bool = False,
                            when_active: Sequence = ()):
    """
    Return the LaunchDescription that runs the node(s) of ``tasks``.

    :param tasks: a task name, a sequence of them, or the name of a launch argument holding a
        comma-separated list, written ``'$(tasks)'`` (perception and replay launch files).
    :param extra_arguments: more (name, default, description) arguments to declare.
    :param extra_actions: actions appended after the nodes (rviz).
    :param use_sim_time: run the nodes on /clock whatever the ``use_sim_time`` argument.
    :param when_active: actions started once every node has reported active (the bag player);
        declares :data:`WHEN_ACTIVE_ARGUMENT` (``play_when:=now`` starts them at once).
    """
    from launch import LaunchDescription
    from launch.actions import OpaqueFunction
    from launch.substitutions import LaunchConfiguration

    def nodes(context):
        if isinstance(tasks, str) and tasks.startswith('$(') and tasks.endswith(')'):
            chosen = parse_tasks(LaunchConfiguration(tasks[2:-1]).perform(context))
        else:
            chosen = parse_tasks(tasks if isinstance(tasks, str) else ','.join(tasks))
        actions, started = [], {}
        for task in chosen:
            node, *autostart = task_node(task, context, use_sim_time=use_sim_time)
            started[task] = node
            actions += [node] + autostart
        if when_active:
            if parse_play_when(LaunchConfiguration('play_when').perform(context)) == 'now':
                actions += list(when_active)
            else:
                # registered before any node can report active: visited with the nodes
                actions = when_active_actions(started, when_active) + actions
        return actions

    arguments = tuple(extra_arguments) + ((WHEN_ACTIVE_ARGUMENT,) if when_active else ())
    return LaunchDescription(declare_arguments(arguments) +
                             [OpaqueFunction(function=nodes)] + list(extra_actions))


__all__ = ['ARGUMENTS', 'ActiveGate', 'OVERRIDES', 'PACKAGE', 'PLAY_WHEN', 'RVIZ_CONFIG',
           'TASKS', 'WHEN_ACTIVE_ARGUMENT', 'autostart_step', 'camera_arguments',
           'cameras_rviz_file', 'config_file', 'declare_arguments', 'rviz_config_for_cameras',
           'launch_bool', 'lifecycle_actions', 'package_share', 'parameter_overrides',
           'parse_play_when', 'play_delay_args', 'rviz_actions', 'share_file',
           'task_launch_description', 'task_node', 'when_active_actions']
