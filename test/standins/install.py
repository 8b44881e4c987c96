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
Put the ROS 2 stand-ins on ``sys.path`` when the real rclpy is not importable.

``test/conftest.py`` calls :func:`install` at import time. With a sourced ROS 2 Humble the real
packages are used and the stand-ins stay out of that process: the tests that need them (marker
``standins``) are skipped there and run in a subprocess with ``JETSON_DNN_FORCE_STANDINS=1``
(see ``test/test_standins_isolation.py``), where :func:`install` removes ROS's python paths and
puts the stand-ins first. The stand-ins and the real rclpy never share an interpreter.
"""

import importlib.util
import os
import sys

STANDINS_DIR = os.path.dirname(os.path.abspath(__file__))
"""Directory holding the stand-in packages (rclpy, std_msgs, sensor_msgs, ...)."""

FORCE_ENV = 'JETSON_DNN_FORCE_STANDINS'
"""Environment variable: ``1`` makes :func:`install` use the stand-ins even where rclpy exists."""


def forced() -> bool:
    """Return True if ``$JETSON_DNN_FORCE_STANDINS`` asks for the stand-ins."""
    return os.environ.get(FORCE_ENV, '') not in ('', '0')


def is_ros_path(entry: str) -> bool:
    """
    Return True if a ``sys.path``/``PYTHONPATH`` entry holds a real ROS 2 python package.

    An entry counts as ROS's when it contains an ``rclpy`` package (other than the stand-in) or
    lies under a prefix of ``$AMENT_PREFIX_PATH`` (a sourced ROS 2 or colcon workspace).

    :param entry: a path entry ('' is the current directory).
    """
    path = os.path.abspath(entry or os.curdir)
    if path == STANDINS_DIR:
        return False
    if os.path.isdir(os.path.join(path, 'rclpy')):
        return True
    prefixes = [p for p in os.environ.get('AMENT_PREFIX_PATH', '').split(os.pathsep) if p]
    return any(path == os.path.abspath(p) or path.startswith(os.path.abspath(p) + os.sep)
               for p in prefixes)


def install():
    """
    Insert the stand-in directory first on ``sys.path`` if rclpy cannot be imported, or if forced.

    With ``$JETSON_DNN_FORCE_STANDINS=1`` ROS's own python paths (:func:`is_ros_path`) are
    removed from ``sys.path`` first, so no real ROS package is imported next to a stand-in.

    :return: True if the stand-ins are in use (inserted now or before), False if the real
        rclpy is importable (and the stand-ins are not used in this process).
    :raises RuntimeError: if forced while a real rclpy is already imported.
    """
    if STANDINS_DIR in sys.path:
        return True
    if forced():
        real = sys.modules.get('rclpy')
        if real is not None and STANDINS_DIR not in str(getattr(real, '__file__', '')):
            raise RuntimeError(f'{FORCE_ENV} is set but the real rclpy is already imported')
        sys.path[:] = [p for p in sys.path if not is_ros_path(p)]
    elif importlib.util.find_spec('rclpy') is not None:
        return False
    sys.path.insert(0, STANDINS_DIR)
    importlib.invalidate_caches()
    return True
