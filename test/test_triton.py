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
The ``triton`` backend against a real Triton Inference Server (PyTriton, no mock).

The server (:mod:`tritonfixture`) serves ONNX Runtime sessions of the shared models on
127.0.0.1; our backend must give exactly the local ONNX Runtime backend's outputs and results
for every task, over gRPC with system shared memory, over plain gRPC and over HTTP. Faults:
wrong URL, server down, model missing, model with other inputs, timeout, a response with a
wrong shape and a server killed mid-run are each a ``BackendError`` with the cause, and the
backend works again once the server is back.
"""

import dataclasses

import numpy as np
import pytest

from jetson_dnn_ros.backends import create_backend  # noqa: I100
from jetson_dnn_ros.backends.triton import parse_url
from jetson_dnn_ros.errors import BackendError
from jetson_dnn_ros.models import get_descriptor
from jetson_dnn_ros.pipeline import Pipeline
from jetson_dnn_ros.pipeline import resolve_model_file
import tritonfixture


@pytest.fixture(autouse=True)
def _tritonclient():
    """Skip (per test, never the module) where tritonclient is not installed."""
    pytest.importorskip('tritonclient.grpc')


TASK_MODELS = {'classification': 'mobilenet_v2_1001', 'detection': 'yolox_nano',
               'segmentation': 'deeplabv3_mobilenetv2_voc', 'pose': 'bodypix_mobilenetv1_050',
               'depth': 'fastdepth'}
"""One descriptor with a shared model per task (bodypix: dynamic H and W, no shm outputs)."""

PHOTO = 'peds_0.jpg'


def model_file(name: str) -> str:
    return str(resolve_model_file(get_descriptor(name)))


def _server_python():
    try:
        return tritonfixture.server_python()
    except tritonfixture.Unavailable as exc:
        pytest.skip(f'no real Triton server here: {exc}')


@pytest.fixture(scope='module')
def server(data_dir):
    """Serve every task's model plus the fault models; stopped after the module."""
    _server_python()
    mobilenet = model_file('mobilenet_v2_1001')
    models = {name: model_file(name) for name in TASK_MODELS.values()}
    models.update({'cropped': mobilenet + ':crop', 'slow': mobilenet + ':sleep=3'})
    with tritonfixture.TritonServer(models) as srv:
        yield srv


def same(a, b) -> bool:
    """Return True if two results are equal field by field, arrays exactly."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(
            same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b))
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def assert_same_as_local(pipeline: Pipeline, image: np.ndarray) -> None:
    with Pipeline.from_model(pipeline.descriptor.name, backend='onnxruntime') as local:
        tensor, transform = local._preprocess(image, 'bgr8')
        inputs = {local.input.name: tensor}
        inputs.update(local.decoder.extra_inputs(transform, local.backend.input_specs))
        want = local.backend.infer(inputs)
        got = pipeline.backend.infer(inputs)
        assert sorted(got) == sorted(want)
        for name in want:
            assert got[name].dtype == want[name].dtype and got[name].shape == want[name].shape
            assert np.array_equal(got[name], want[name]), name
        assert same(pipeline.run(image), local.run(image))


@pytest.mark.parametrize('task', sorted(TASK_MODELS))
def test_outputs_equal_local_onnxruntime_grpc_shared_memory(server, photo, task):
    name = TASK_MODELS[task]
    with Pipeline.from_model(name, backend='triton', triton_url=server.grpc_url) as pipeline:
        backend = pipeline.backend
        assert backend.name == 'triton' and backend.model == name
        assert backend.shared_memory, 'the server is on this host: shared memory expected'
        assert_same_as_local(pipeline, photo(PHOTO))
        info = backend.describe()
        assert info['triton_server'] == server.grpc_url and info['triton_model'] == name
        assert info['triton_model_version'] == '1'
        assert float(info['triton_round_trip_ms']) > 0


@pytest.mark.parametrize('url', ['grpc', 'http'])
@pytest.mark.parametrize('task', ['classification', 'pose'])
def test_outputs_equal_local_without_shared_memory(server, photo, task, url):
    name = TASK_MODELS[task]
    with Pipeline.from_model(name, backend='triton', triton_shared_memory='off',
                             triton_url=getattr(server, f'{url}_url')) as pipeline:
        assert not pipeline.backend.shared_memory
        assert pipeline.backend.protocol == url
        assert_same_as_local(pipeline, photo(PHOTO))


def test_http_with_shared_memory(server, photo):
    with Pipeline.from_model('fastdepth', backend='triton',
                             triton_url=server.http_url) as pipeline:
        assert pipeline.backend.shared_memory
        assert_same_as_local(pipeline, photo(PHOTO))


def test_explicit_model_name_and_version(server):
    backend = create_backend('triton', '', triton_url=server.grpc_url,
                             triton_model='mobilenet_v2_1001', triton_model_version='1')
    with backend:
        assert [s.name for s in backend.input_specs] == ['input']
        assert backend.input_specs[0].shape == (1, 3, 224, 224)
        assert backend.output_specs[0].dtype == np.float32


@pytest.mark.parametrize('url', ['ftp://host:1', 'grpc://:8001', 'grpc://host:99999',
                                 'http://host:8000/v2'])
def test_wrong_url_is_a_backend_error(url):
    with pytest.raises(BackendError, match='triton_url'):
        parse_url(url)


def test_default_ports():
    assert parse_url('gpu-server') == ('grpc', 'gpu-server', 8001)
    assert parse_url('http://gpu-server') == ('http', 'gpu-server', 8000)


@pytest.mark.parametrize('protocol', ['grpc', 'http'])
def test_server_down_is_a_backend_error(protocol):
    port = tritonfixture.free_ports(1)[0]     # nothing listens there
    with pytest.raises(BackendError, match='not reachable') as info:
        create_backend('triton', '', triton_url=f'{protocol}://127.0.0.1:{port}',
                       triton_model='m', triton_connect_timeout=2.0)
    assert f'127.0.0.1:{port}' in str(info.value)


def test_model_missing_is_a_backend_error(server):
    with pytest.raises(BackendError, match="no ready model 'nope'|'nope'"):
        create_backend('triton', '', triton_url=server.grpc_url, triton_model='nope')
    with pytest.raises(BackendError, match="'mobilenet_v2_1001'"):
        create_backend('triton', '', triton_url=server.grpc_url,
                       triton_model='mobilenet_v2_1001', triton_model_version='7')


def test_model_with_other_inputs_is_a_backend_error(server):
    with pytest.raises(BackendError, match='does not match descriptor') as info:
        Pipeline.from_model('mobilenet_v2_1001', backend='triton', triton_url=server.grpc_url,
                            triton_model='yolox_nano')
    assert "'images'" in str(info.value) or '416' in str(info.value)


def test_input_not_fitting_the_metadata_is_refused_before_sending(server):
    with create_backend('triton', '', triton_url=server.grpc_url,
                        triton_model='mobilenet_v2_1001') as backend:
        with pytest.raises(BackendError, match='shape'):
            backend.infer({'input': np.zeros((1, 3, 200, 200), np.float32)})


def test_timeout_is_a_backend_error(server):
    with create_backend('triton', '', triton_url=server.grpc_url, triton_model='slow',
                        triton_timeout=0.3) as backend:
        with pytest.raises(BackendError, match='DEADLINE|[Dd]eadline|timed? ?out'):
            backend.infer({'input': np.zeros((1, 3, 224, 224), np.float32)})


def test_response_with_a_wrong_shape_is_a_backend_error(server):
    with create_backend('triton', '', triton_url=server.grpc_url,
                        triton_model='cropped', triton_shared_memory='off') as backend:
        with pytest.raises(BackendError, match=r'shape \(1, 1000\).*\(1, 1001\)'):
            backend.infer({'input': np.zeros((1, 3, 224, 224), np.float32)})


@pytest.mark.parametrize('shared_memory', ['on', 'off'])
def test_server_killed_mid_run_then_back(data_dir, shared_memory):
    _server_python()
    x = np.random.default_rng(0).random((1, 3, 224, 224), np.float32)
    with tritonfixture.TritonServer({'mobilenet_v2_1001': model_file('mobilenet_v2_1001')}) \
            as srv:
        backend = create_backend('triton', '', triton_url=srv.grpc_url,
                                 triton_model='mobilenet_v2_1001',
                                 triton_shared_memory=shared_memory, triton_timeout=5.0)
        with backend:
            assert backend.shared_memory == (shared_memory == 'on')
            first = backend.infer({'input': x})['logits']
            srv.kill()
            for _ in range(2):      # every frame while it is down fails, none hangs
                with pytest.raises(BackendError, match='mobilenet_v2_1001'):
                    backend.infer({'input': x})
            srv.start()
            again = backend.infer({'input': x})['logits']
            assert np.array_equal(first, again)
