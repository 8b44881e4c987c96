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
``jetson-dnn triton export``: the repository layout and a config.pbtxt Triton's schema accepts.

``config.pbtxt`` is parsed with protobuf's text format into Triton's own ``ModelConfig``
message (``tritonclient.grpc.model_config_pb2``, generated from Triton's model_config.proto),
so an unknown field, a wrong enum or a syntax error fails the test.
"""

from pathlib import Path

import numpy as np
import pytest

from jetson_dnn_ros import cli  # noqa: I100
from jetson_dnn_ros.backends.onnxruntime import OnnxRuntimeBackend
from jetson_dnn_ros.models import get_descriptor
from jetson_dnn_ros.pipeline import resolve_model_file


class _Lazy:
    """A module imported on first use; the test using it skips where it is not installed."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        return getattr(pytest.importorskip(self._name), attr)


model_config_pb2 = _Lazy('tritonclient.grpc.model_config_pb2')
text_format = _Lazy('google.protobuf.text_format')

MODELS = ('mobilenet_v2_1001', 'mobilenetv2_int8', 'yolox_nano', 'deeplabv3_mobilenetv2_voc',
          'bodypix_mobilenetv1_050', 'fastdepth', 'movenet_lightning')


def parse(folder: Path):
    return text_format.Parse((folder / 'config.pbtxt').read_text(),
                             model_config_pb2.ModelConfig())


def dtype_name(enum_value: int) -> str:
    return model_config_pb2.DataType.Name(enum_value)


@pytest.mark.parametrize('model', MODELS)
def test_export_onnx_repository(data_dir, tmp_path, capsys, model):
    assert cli.main(['triton', 'export', '--model', model, '--repository',
                     str(tmp_path)]) == 0
    folder = tmp_path / model
    assert f'wrote {folder}' in capsys.readouterr().out
    onnx = Path(resolve_model_file(get_descriptor(model)))
    assert (folder / '1' / 'model.onnx').read_bytes() == onnx.read_bytes()
    config = parse(folder)
    assert config.name == model and config.platform == 'onnxruntime_onnx'
    assert config.max_batch_size == 0 and not config.HasField('dynamic_batching')
    with OnnxRuntimeBackend(str(onnx), providers=['CPUExecutionProvider']) as backend:
        for specs, tensors in ((backend.input_specs, config.input),
                               (backend.output_specs, config.output)):
            assert [t.name for t in tensors] == [s.name for s in specs]
            for spec, tensor in zip(specs, tensors):
                assert list(tensor.dims) == [-1 if d is None else d for d in spec.shape]
                assert spec.dtype == np.float32     # every shared model is float32
                assert dtype_name(tensor.data_type) == 'TYPE_FP32'


def test_export_with_dynamic_batching(data_dir, tmp_path):
    assert cli.main(['triton', 'export', '--model', 'mobilenetv2_int8', '--repository',
                     str(tmp_path), '--name', 'cls', '--version', '3', '--max-batch-size',
                     '8', '--dynamic-batching', '--max-queue-delay-us', '250', '--instances',
                     '2', '--cpu']) == 0
    config = parse(tmp_path / 'cls')
    assert (tmp_path / 'cls' / '3' / 'model.onnx').is_file()
    assert config.max_batch_size == 8
    assert list(config.input[0].dims) == [3, 224, 224]     # batch axis left out
    assert list(config.output[0].dims) == [1000]
    assert config.dynamic_batching.max_queue_delay_microseconds == 250
    assert config.instance_group[0].count == 2
    assert model_config_pb2.ModelInstanceGroup.Kind.Name(
        config.instance_group[0].kind) == 'KIND_CPU'


def test_export_tensorrt_plan(data_dir, tmp_path):
    plan = tmp_path / 'yolox.engine'
    plan.write_bytes(b'plan bytes from build-engine')
    assert cli.main(['triton', 'export', '--model', 'yolox_nano', '--repository',
                     str(tmp_path / 'repo'), '--engine', str(plan)]) == 0
    folder = tmp_path / 'repo' / 'yolox_nano'
    assert parse(folder).platform == 'tensorrt_plan'
    assert (folder / '1' / 'model.plan').read_bytes() == plan.read_bytes()
    assert not (folder / '1' / 'model.onnx').exists()


@pytest.mark.parametrize('argv, reason', [
    (['--model', 'yolox_nano', '--max-batch-size', '4'], 'fixed first axis'),
    (['--model', 'yolox_nano', '--dynamic-batching'], 'needs --max-batch-size'),
    (['--model', 'yolox_nano', '--engine', '/nonexistent.plan'], 'engine file not found'),
    (['--model', 'no_such_model'], 'no_such_model'),
])
def test_export_refuses_with_the_reason(data_dir, tmp_path, capsys, argv, reason):
    assert cli.main(['triton', 'export', '--repository', str(tmp_path), *argv]) == 1
    assert reason in capsys.readouterr().err
    assert not (tmp_path / 'yolox_nano' / 'config.pbtxt').exists()
