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

"""Task decoders and results: classification, detection, segmentation, pose, depth, instances."""

from jetson_dnn_ros.tasks.base import Decoder
from jetson_dnn_ros.tasks.base import decoder_names
from jetson_dnn_ros.tasks.base import freeze
from jetson_dnn_ros.tasks.base import get_decoder
from jetson_dnn_ros.tasks.base import register_decoder

__all__ = ['Decoder', 'decoder_names', 'freeze', 'get_decoder', 'register_decoder']
