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
The ``verify_engine`` node parameter (issue 14 item 3).

Configure refuses a TensorRT engine that disagrees with ONNX Runtime and says which precision
to fall back to; a verified engine's figures are in /diagnostics. rclpy and TensorRT
stand-ins (the real rclpy where installed).
"""

import logging

import pytest
from standins_trt import installed, real_tensorrt_present
from test_nodes import Harness, ros  # noqa: F401 - ros: fixture (stand-in rclpy, conftest.py)
from test_parity import depth_model  # noqa: F401 - fixture

pytestmark = [pytest.mark.standins,
              pytest.mark.skipif(real_tensorrt_present(),
                                 reason='real TensorRT installed: the stand-in cannot scale it')]


def test_depth_node_refuses_a_disagreeing_engine_then_configures(
        ros, depth_model, tmp_path, caplog):  # noqa: F811
    from jetson_dnn_ros.ros.depth_node import DepthNode
    from rclpy.lifecycle import TransitionCallbackReturn
    from rclpy.parameter import Parameter
    with installed() as (trt, _):
        harness = Harness(DepthNode, model=str(depth_model), backend='tensorrt',
                          engine_cache_dir=str(tmp_path / 'engines'))
        node = harness.node
        try:
            trt.OUTPUT_SCALE['depth'] = 1.5
            with caplog.at_level(logging.ERROR):
                assert node.trigger_configure() == TransitionCallbackReturn.FAILURE
            message = caplog.records[-1].getMessage()
            assert 'disagrees with ONNX Runtime' in message and 'use precision fp32' in message
            # the user accepts the engine knowingly
            assert node.set_parameters([Parameter('verify_engine', value=False)])[0].successful
            assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
            assert 'parity_abs_rel' not in node.diagnostics_values()
            assert node.trigger_cleanup() == TransitionCallbackReturn.SUCCESS
            # a correct engine passes, and its figures go to /diagnostics
            trt.OUTPUT_SCALE.clear()
            assert node.set_parameters([Parameter('verify_engine', value=True)])[0].successful
            assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
            values = node.diagnostics_values()
            assert values['engine_verified'] == 'now'
            assert float(values['parity_abs_rel']) == pytest.approx(0.0, abs=1e-6)
        finally:
            trt.OUTPUT_SCALE.clear()
            harness.close()
