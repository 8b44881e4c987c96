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
Domain exceptions of jetson_dnn_ros.

Pure code raises these; the CLI and the ROS nodes catch :class:`JetsonDnnError` at their
boundary (one input, one lifecycle transition), report it once and keep running.
"""


class JetsonDnnError(Exception):
    """Base class of every error this package raises on purpose."""


class ImageEncodingError(JetsonDnnError, ValueError):
    """An image buffer does not match its declared encoding, size or row step."""


class ModelError(JetsonDnnError):
    """A model file, descriptor or model output does not fit what was asked of it."""


class BackendError(JetsonDnnError):
    """An inference runtime is missing, failed to load a model or failed to run it."""


class EngineBuildError(BackendError):
    """A TensorRT engine could not be built or deserialised."""
