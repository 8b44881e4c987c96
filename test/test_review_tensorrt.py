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

"""Review regressions of the TensorRT backend (stand-ins for TensorRT 10 and pycuda).

- Buffers and tensor addresses stay consistent after a failed shape change (one input out of
  its profile, or a failed allocation): the next call must not run on freed memory or with
  output buffers sized for the previous shapes.
- ``close()`` on another thread than the one that created the backend still releases the
  retained primary context (pycuda's ``Context.detach`` does nothing for a context that is
  neither current nor owned by the calling thread).
- A timing cache that TensorRT refuses to attach (``set_timing_cache`` returns False: made on
  a device with other properties) is replaced by a fresh one instead of being kept forever.
"""

import gc
import threading

import numpy as np
import onnx
from onnx import helper, TensorProto
import pytest
from standins_trt import installed, real_tensorrt_present

pytestmark = pytest.mark.skipif(real_tensorrt_present(),
                                reason='real TensorRT installed: see test_tensorrt_real.py')


@pytest.fixture(scope='module')
def standin():
    with installed() as modules:
        yield modules


def _two_input_model(path):
    """Two independent dynamic inputs: ``ya = relu(a)``, ``yb = relu(b)``, shapes (1, N)."""
    a = helper.make_tensor_value_info('a', TensorProto.FLOAT, [1, 'n'])
    b = helper.make_tensor_value_info('b', TensorProto.FLOAT, [1, 'm'])
    ya = helper.make_tensor_value_info('ya', TensorProto.FLOAT, [1, 'n'])
    yb = helper.make_tensor_value_info('yb', TensorProto.FLOAT, [1, 'm'])
    nodes = [helper.make_node('Relu', ['a'], ['ya']), helper.make_node('Relu', ['b'], ['yb'])]
    model = helper.make_model(helper.make_graph(nodes, 'two', [a, b], [ya, yb]),
                              opset_imports=[helper.make_opsetid('', 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def _backend(path, cache, **options):
    from jetson_dnn_ros.backends.tensorrt import TensorRTBackend
    options.setdefault('progress', False)
    return TensorRTBackend(str(path), engine_cache_dir=str(cache), **options)


PROFILE = {'a': ((1, 2), (1, 4), (1, 16)), 'b': ((1, 2), (1, 4), (1, 16))}


def _check(backend, n, m, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((1, n)).astype(np.float32)
    b = rng.standard_normal((1, m)).astype(np.float32)
    out = backend.infer({'a': a, 'b': b})
    np.testing.assert_array_equal(out['ya'], np.maximum(a, 0))
    np.testing.assert_array_equal(out['yb'], np.maximum(b, 0))


def test_shapes_stay_consistent_after_an_input_outside_the_profile(standin, tmp_path):
    from jetson_dnn_ros.errors import BackendError
    path = _two_input_model(tmp_path / 'two.onnx')
    with _backend(path, tmp_path / 'engines', profile=PROFILE) as backend:
        _check(backend, 4, 4, 0)
        with pytest.raises(BackendError, match='outside the engine optimisation profile'):
            # 'a' fits (and grows its buffer), 'b' does not
            backend.infer({'a': np.ones((1, 12), np.float32),
                           'b': np.ones((1, 40), np.float32)})
        _check(backend, 12, 4, 1)  # 'a' as in the failed call, 'b' as before it
        _check(backend, 3, 9, 2)


def test_shapes_stay_consistent_after_a_failed_allocation(standin, tmp_path, monkeypatch):
    trt, cuda = standin
    path = _two_input_model(tmp_path / 'two.onnx')
    with _backend(path, tmp_path / 'engines', profile=PROFILE) as backend:
        _check(backend, 4, 4, 0)
        real = cuda.mem_alloc

        def out_of_memory(nbytes):
            raise cuda.MemoryError('cuMemAlloc failed: out of memory')

        monkeypatch.setattr(cuda, 'mem_alloc', out_of_memory)
        with pytest.raises(cuda.MemoryError):
            backend.infer({'a': np.ones((1, 16), np.float32), 'b': np.ones((1, 4), np.float32)})
        monkeypatch.setattr(cuda, 'mem_alloc', real)
        _check(backend, 16, 4, 1)  # same shapes again, now that memory is available
        _check(backend, 5, 16, 2)


def test_close_on_another_thread_releases_the_primary_context(standin, tmp_path):
    trt, cuda = standin
    from onnxgen import identity_model
    path = identity_model(tmp_path / 'ident.onnx', shape=(1, 3, 8, 8))
    gc.collect()
    contexts = cuda.Context._live
    backend = _backend(path, tmp_path / 'engines')
    backend.infer({'input': np.ones((1, 3, 8, 8), np.float32)})
    errors = []

    def shutdown():  # e.g. a lifecycle cleanup callback on an executor thread
        try:
            backend.close()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    t = threading.Thread(target=shutdown, name='executor')
    t.start()
    t.join()
    assert not errors
    assert cuda.Context._live == contexts
    assert cuda.Context.get_current() is None


def test_standin_detach_out_of_thread_is_a_no_op_as_in_pycuda(standin):
    """pycuda ``context::detach``: not current and not the owner thread -> nothing released."""
    trt, cuda = standin
    cuda.init()
    ctx = cuda.Device(0).retain_primary_context()
    live = cuda.Context._live
    t = threading.Thread(target=ctx.detach)
    t.start()
    t.join()
    assert cuda.Context._live == live  # leaked, as with the real pycuda
    ctx2 = cuda.Device(0).retain_primary_context()
    t = threading.Thread(target=lambda: (ctx2.push(), ctx2.detach()))
    t.start()
    t.join()
    assert cuda.Context._live == live  # released: it was current on that thread
    cuda.Context._live -= 1  # forget the deliberately leaked one


def test_timing_cache_from_another_device_is_replaced(standin, tmp_path, monkeypatch):
    trt, cuda = standin
    from onnxgen import identity_model
    from jetson_dnn_ros.backends.engine_cache import EngineCache
    first = identity_model(tmp_path / 'first.onnx', shape=(1, 3, 8, 8))
    second = identity_model(tmp_path / 'second.onnx', shape=(1, 3, 4, 4))
    cache_dir = tmp_path / 'engines'
    with _backend(first, cache_dir):
        pass
    timing = EngineCache(cache_dir).timing_cache_path(trt.__version__, cuda.DEVICE_NAME,
                                                      cuda.COMPUTE_CAPABILITY)
    assert trt._timing_cache_device(timing.read_bytes())[2] == 16
    # same name and compute capability (Orin NX vs AGX Orin), fewer SMs: TensorRT refuses
    monkeypatch.setattr(cuda, 'MULTIPROCESSOR_COUNT', 8)
    with _backend(second, cache_dir):
        pass
    assert trt._timing_cache_device(timing.read_bytes())[2] == 8


def test_infer_that_gets_the_lock_after_close_gets_backend_error(standin, tmp_path):
    """A callback past infer()'s closed check that gets the lock after close() -> BackendError.

    (An executor thread racing a lifecycle cleanup on another thread; it used to die with an
    AttributeError on the released CUDA context.)
    """
    from jetson_dnn_ros.errors import BackendError
    from onnxgen import identity_model
    path = identity_model(tmp_path / 'ident.onnx', shape=(1, 3, 8, 8))
    backend = _backend(path, tmp_path / 'engines')
    closer = threading.Thread(target=backend.close)
    closer.start()
    closer.join()
    with pytest.raises(BackendError, match='closed'):
        backend._infer({'input': np.ones((1, 3, 8, 8), np.float32)})  # past the check
