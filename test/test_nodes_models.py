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
The node parameter ``model`` takes an .onnx path: no YAML, labels from the file.

``ros2 run jetson_dnn_ros detection_node --ros-args -p model:=/abs/path/yolov8n_int8.onnx``
through the rclpy stand-in graph (the real rclpy with a sourced ROS 2). A model that cannot
be used fails ``configure`` with the reason logged, and the node configures once the
parameter is fixed.
"""

import logging

import numpy as np
import pytest

# stand-in rclpy (test/conftest.py installs it); marker standins: see test_standins_isolation.py
from rclpy.parameter import Parameter  # noqa: I100
from test_nodes import Harness, LATCHED, ros, state_of  # noqa: E402, F401 - ros: fixture
from vision_msgs.msg import Detection2DArray, LabelInfo  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.standins]


def test_detection_node_runs_an_onnx_path_and_recovers_from_bad_models(ros, data_dir,  # noqa: F811
                                                                       tmp_path, photo,
                                                                       caplog):
    from jetson_dnn_ros.ros.detection_node import DetectionNode
    from rclpy.lifecycle import TransitionCallbackReturn
    missing = tmp_path / 'nets' / 'yolov8n.onnx'
    harness = Harness(DetectionNode, model=str(missing), backend='onnxruntime')
    node = harness.node
    try:
        with caplog.at_level(logging.ERROR):
            assert node.trigger_configure() == TransitionCallbackReturn.FAILURE
        assert state_of(node) == 'unconfigured'
        assert str(missing) in caplog.records[-1].getMessage()
        text = tmp_path / 'notes.onnx'
        text.write_text('not a model')
        assert node.set_parameters([Parameter('model', value=str(text))])[0].successful
        with caplog.at_level(logging.ERROR):
            assert node.trigger_configure() == TransitionCallbackReturn.FAILURE
        assert 'is not an ONNX model' in caplog.records[-1].getMessage()
        model = data_dir / 'models' / 'detection' / 'yolov8n_int8.onnx'
        assert node.set_parameters([Parameter('model', value=str(model))])[0].successful
        assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert node.trigger_activate() == TransitionCallbackReturn.SUCCESS
        labels = harness.listen(LabelInfo, 'label_info', LATCHED)
        out = harness.listen(Detection2DArray, 'detections')
        harness.send(photo('peds_0'))
        names = [c.class_name for c in labels[-1].class_map]
        assert len(names) == 80 and names[3] == 'motorcycle'   # the file's metadata names
        people = [d for d in out[-1].detections
                  if d.results[0].hypothesis.class_id == 'person'
                  and d.results[0].hypothesis.score > 0.5]
        assert len(people) == 4
        centres = sorted(d.bbox.center.position.x for d in people)
        assert np.all(np.diff(centres) > 190)   # four people side by side
    finally:
        harness.close()


def test_node_logs_assumed_preprocessing_once(ros, tmp_path, caplog):  # noqa: F811
    from jetson_dnn_ros.ros.classification_node import ClassificationNode
    from onnxgen import constant_model
    from rclpy.lifecycle import TransitionCallbackReturn
    model = constant_model(tmp_path / 'cls.onnx',
                           {'logits': np.linspace(0, 1, 10, dtype=np.float32)[None]},
                           input_name='input', input_shape=(1, 3, 64, 64))
    harness = Harness(ClassificationNode, model=str(model), backend='onnxruntime')
    try:
        with caplog.at_level(logging.WARNING):
            assert harness.node.trigger_configure() == TransitionCallbackReturn.SUCCESS
        said = [r.getMessage() for r in caplog.records if 'assumed' in r.getMessage()]
        assert len(said) == 1 and 'set the model parameter' in said[0]
    finally:
        harness.close()


def test_node_decoder_parameter_settles_an_ambiguous_onnx(ros, tmp_path, caplog):  # noqa: F811
    from jetson_dnn_ros.ros.detection_node import DetectionNode
    from rclpy.lifecycle import TransitionCallbackReturn
    import onnx
    from onnxgen import constant_model
    # a runnable [1, N, 85] model (84 anchors of a 64 x 64 input), N declared dynamic
    model = constant_model(tmp_path / 'amb.onnx',
                           {'output': np.zeros((1, 84, 85), np.float32)},
                           input_shape=(1, 3, 64, 64))
    graph = onnx.load(str(model))
    graph.graph.output[0].type.tensor_type.shape.dim[1].dim_param = 'N'
    onnx.save(graph, str(model))
    harness = Harness(DetectionNode, model=str(model), backend='onnxruntime')
    node = harness.node
    try:
        with caplog.at_level(logging.ERROR):
            assert node.trigger_configure() == TransitionCallbackReturn.FAILURE
        assert 'node parameter decoder:=' in caplog.records[-1].getMessage()
        assert node.set_parameters([Parameter('decoder', value='yolox')])[0].successful
        assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert node.pipeline.descriptor.decoder == 'yolox'
    finally:
        harness.close()
