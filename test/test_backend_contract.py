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


"""The backend contract on ONNX Runtime, with tiny models built by the tests."""

from jetson_dnn_ros.backends import create_backend
from jetson_dnn_ros.backends import InferenceBackend
from jetson_dnn_ros.backends import TensorSpec
from jetson_dnn_ros.backends.onnxruntime import OnnxRuntimeBackend
from jetson_dnn_ros.errors import BackendError
from jetson_dnn_ros.errors import ModelError
import numpy as np
from onnxgen import identity_model
import pytest


@pytest.fixture
def identity_path(tmp_path):
    return identity_model(tmp_path / 'identity.onnx', shape=(None, 3, 'h', 'w'))


def test_specs_report_dynamic_dims_as_none(identity_path):
    with OnnxRuntimeBackend(str(identity_path)) as backend:
        (spec,) = backend.input_specs
        assert spec == TensorSpec('input', (None, 3, None, None), np.dtype(np.float32))
        assert spec.is_dynamic
        assert spec.matches((1, 3, 17, 33)) and not spec.matches((1, 4, 17, 33))
        assert backend.output_specs[0].name == 'output'


def test_infer_returns_outputs_by_name(identity_path):
    x = np.random.default_rng(0).random((1, 3, 5, 7), dtype=np.float32)
    with OnnxRuntimeBackend(str(identity_path)) as backend:
        out = backend.infer({'input': x})
    assert list(out) == ['output']
    np.testing.assert_array_equal(out['output'], x)


@pytest.mark.parametrize('inputs, message', [
    ({}, 'missing'),
    ({'input': np.zeros((1, 3, 4, 4), np.float32), 'other': np.zeros(1)}, 'unknown'),
    ({'input': np.zeros((1, 4, 4, 4), np.float32)}, 'shape'),
    ({'input': np.zeros((1, 3, 4, 4), np.float64)}, 'dtype'),
])
def test_infer_rejects_bad_inputs(identity_path, inputs, message):
    with OnnxRuntimeBackend(str(identity_path)) as backend:
        with pytest.raises(BackendError, match=message):
            backend.infer(inputs)


def test_closed_backend_refuses_to_run(identity_path):
    backend = OnnxRuntimeBackend(str(identity_path))
    backend.close()
    backend.close()  # idempotent
    assert backend.closed
    with pytest.raises(BackendError, match='closed'):
        backend.infer({'input': np.zeros((1, 3, 2, 2), np.float32)})


def test_missing_and_corrupt_model_files(tmp_path):
    with pytest.raises(ModelError, match='not found'):
        OnnxRuntimeBackend(str(tmp_path / 'nope.onnx'))
    bad = tmp_path / 'bad.onnx'
    bad.write_bytes(b'this is not an onnx model')
    with pytest.raises(ModelError, match='cannot load'):
        OnnxRuntimeBackend(str(bad))


def test_create_backend_picks_onnxruntime_without_tensorrt(identity_path, monkeypatch):
    import jetson_dnn_ros.backends as backends
    monkeypatch.setattr(backends, 'tensorrt_usable', lambda: False)
    with create_backend('auto', str(identity_path)) as backend:
        assert isinstance(backend, InferenceBackend)
        assert backend.name == 'onnxruntime'
        assert backend.describe()['device'] == 'CPUExecutionProvider'
    with pytest.raises(BackendError, match='unknown backend'):
        create_backend('openvino', str(identity_path))


def test_unavailable_provider_is_a_clear_error(identity_path):
    with pytest.raises(BackendError, match='not available'):
        OnnxRuntimeBackend(str(identity_path), providers=['NoSuchExecutionProvider'])


def test_default_preprocessor_is_cpu(identity_path):
    with OnnxRuntimeBackend(str(identity_path)) as backend:
        assert backend.create_preprocessor(object()) is None
