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

"""Put the ROS 2 stand-ins on ``sys.path`` when the real rclpy is not importable.

``test/conftest.py`` calls :func:`install` at import time. With a sourced ROS 2 Humble the real
packages are used and the stand-ins stay out of the way.
"""

import importlib.util
import os
import sys

STANDINS_DIR = os.path.dirname(os.path.abspath(__file__))
"""Directory holding the stand-in packages (rclpy, std_msgs, sensor_msgs, ...)."""


def install():
    """Insert the stand-in directory first on ``sys.path`` if rclpy cannot be imported.

    :return: True if the stand-ins are in use (inserted now or before), False if the real
        rclpy is importable.
    """
    if STANDINS_DIR in sys.path:
        return True
    if importlib.util.find_spec('rclpy') is not None:
        return False
    sys.path.insert(0, STANDINS_DIR)
    importlib.invalidate_caches()
    return True
