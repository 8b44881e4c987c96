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
DNN perception for ROS 2 robots: classify, detect, segment, estimate pose and depth.

TensorRT on Jetson, ONNX Runtime everywhere else.

The core (this package minus :mod:`jetson_dnn_ros.ros`) needs no ROS: numpy arrays in,
frozen dataclasses out. See :class:`jetson_dnn_ros.pipeline.Pipeline`.
"""

__version__ = '0.1.0'
