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
Run several task nodes in one process and one multi-threaded executor.

Select them with ``--tasks detection,depth`` or the parameter ``tasks`` of the small
``perception`` node (``--ros-args -p tasks:=detection,depth``). The nodes share nothing but
the process; each is a normal lifecycle node named ``<task>_node`` in the sub-namespace
``<task>`` (as the launch files name them), managed from outside (``ros2 lifecycle set
/detection/detection_node configure``, a lifecycle manager); nothing here triggers transitions.
"""

import argparse
import importlib
import sys
from typing import List, Sequence

from jetson_dnn_ros.ros.params import node_namespace, parse_tasks

NODE_CLASSES = {
    'classification': ('jetson_dnn_ros.ros.classification_node', 'ClassificationNode'),
    'detection': ('jetson_dnn_ros.ros.detection_node', 'DetectionNode'),
    'segmentation': ('jetson_dnn_ros.ros.segmentation_node', 'SegmentationNode'),
    'pose': ('jetson_dnn_ros.ros.pose_node', 'PoseNode'),
    'depth': ('jetson_dnn_ros.ros.depth_node', 'DepthNode'),
    'instance_segmentation': ('jetson_dnn_ros.ros.instance_segmentation_node',
                              'InstanceSegmentationNode'),
}
"""Task -> (module, class) of its node."""


def node_class(task: str):
    """
    Return the DnnNode subclass of ``task`` (imports its module).

    :raises ValueError: on an unknown task.
    """
    if task not in NODE_CLASSES:
        raise ValueError(f'unknown task {task!r}; choose from {", ".join(NODE_CLASSES)}')
    module, name = NODE_CLASSES[task]
    return getattr(importlib.import_module(module), name)


def create_nodes(tasks: Sequence[str], namespace: str = '', **kwargs) -> List:
    """
    Create one node per task, each in its own sub-namespace (``/<namespace>/<task>``).

    :param tasks: task names, see :data:`~jetson_dnn_ros.ros.params.TASKS`.
    :param namespace: common namespace prefix ('' = root).
    :param kwargs: passed to every node (``context``, ``parameter_overrides``, …).
    """
    return [node_class(task)(namespace=node_namespace(task, namespace), **kwargs)
            for task in tasks]


def _parse_args(argv: Sequence[str]):
    parser = argparse.ArgumentParser(prog='perception', description=__doc__.splitlines()[0])
    parser.add_argument('--tasks', default='', help='comma-separated tasks, e.g. detection,depth')
    return parser.parse_args(list(argv))


def main(args=None):
    """Create the selected nodes, spin them in one executor, shut down on Ctrl-C."""
    import rclpy
    from rclpy.utilities import remove_ros_args
    from jetson_dnn_ros.ros.node import run_nodes
    argv = sys.argv if args is None else args
    options = _parse_args(remove_ros_args(args=argv)[1:])

    def create():
        selector = rclpy.create_node('perception')
        text = selector.declare_parameter('tasks', options.tasks or 'detection').value
        nodes = create_nodes(parse_tasks(options.tasks or text))
        names = ', '.join(n.get_fully_qualified_name() for n in nodes)
        selector.get_logger().info(f'running {names}')
        return nodes + [selector]

    run_nodes(create, argv)


if __name__ == '__main__':
    main()
