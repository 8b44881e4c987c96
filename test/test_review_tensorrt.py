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
Review regressions of the TensorRT backend (stand-ins for TensorRT 10 and pycuda).

- Buffers and tensor addresses stay consistent after a failed shape change (one input out of
  its profile, or a failed allocation): the next call must not run on freed memory or with
  output buffers sized for the previous shapes.
- ``close()`` on another thread than the one that created the backend still releases the
  retained primary context (pycuda's ``Context.detach`` does nothing for a context that is
  neither current nor owned by the calling thread).
- A timing cache that TensorRT refuses to attach (``set_timing_cache`` returns False: made on
  a device with other properties) is replaced by a fresh one instead of being kept forever.
- INT8 calibration sets ``IBuilderConfig.set_calibration_profile`` (required for runtime
  dimensions) at the profile's OPT shapes, and the calibrator's batches (buffer size, image
  size, batch size) are exactly those shapes; the stand-in reads every batch at that shape, so
  a buffer sized from the preprocessing spec overruns its allocation as it would on a GPU.
- The engine key of a calibrated INT8 engine follows the calibration data (image files,
  image limit, calibration cache content, or a calibrator's ``calibration_id``); other
  engines keep their keys.
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
        except Exception as exc:  # noqa: B902 - reported below
            errors.append(exc)

    t = threading.Thread(target=shutdown, name='executor')
    t.start()
    t.join()
    assert not errors
    assert cuda.Context._live == contexts
    assert cuda.Context.get_current() is None


def test_standin_detach_out_of_thread_is_a_no_op_as_in_pycuda(standin):
    """Check pycuda ``context::detach``: not current, not the owner thread -> nothing released."""
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
    """
    A callback past infer()'s closed check that gets the lock after close() -> BackendError.

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


# -- INT8 calibration: calibration profile, OPT-shaped batches, content-keyed engines ----

def _images(folder, count, seed=0, size=(40, 30)):
    """Write ``count`` random BGR PNGs to ``folder``; return the folder."""
    import cv2
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(count):
        image = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
        assert cv2.imwrite(str(folder / f'im{i:02d}.png'), image)
    return folder


def _relu_model(path, dims, name='input'):
    """``y = relu(x)`` with the given (possibly symbolic) input dimensions."""
    x = helper.make_tensor_value_info(name, TensorProto.FLOAT, list(dims))
    y = helper.make_tensor_value_info('y', TensorProto.FLOAT, list(dims))
    model = helper.make_model(helper.make_graph([helper.make_node('Relu', [name], ['y'])],
                                                'relu', [x], [y]),
                              opset_imports=[helper.make_opsetid('', 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


class _SpyConfig:
    """Record what the backend does to the ``IBuilderConfig`` of the last build."""

    def __init__(self, trt, monkeypatch):
        self.configs = []
        real = trt.Builder.create_builder_config

        def create(builder):
            config = real(builder)
            self.configs.append(config)
            return config

        monkeypatch.setattr(trt.Builder, 'create_builder_config', create)


def test_int8_calibration_of_dynamic_input_sets_calibration_profile_at_opt(
        standin, tmp_path, monkeypatch):
    """Dynamic H/W: the calibration profile is OPT, and images are preprocessed to OPT."""
    trt, cuda = standin
    from jetson_dnn_ros.preprocessing import PreprocessSpec
    spy = _SpyConfig(trt, monkeypatch)
    path = _relu_model(tmp_path / 'dyn.onnx', [1, 3, 'H', 'W'])
    images = _images(tmp_path / 'calib', 3)
    profile = {'input': ((1, 3, 16, 16), (1, 3, 24, 40), (1, 3, 64, 64))}
    before = cuda.live_allocations()
    # the preprocessing spec says 32x32, the profile OPT says 40x24: calibration runs at OPT
    with _backend(path, tmp_path / 'engines', precision='int8', profile=profile,
                  calibration=str(images), calibration_spec=PreprocessSpec(32, 32)) as backend:
        meta = backend._engine._meta
        assert meta['calibration'] == {'from_cache': False, 'batches': 3}
        assert meta['calibration_shapes'] == {'input': [1, 3, 24, 40]}
        assert meta['calibration_profile_set'] is True
    calib = spy.configs[-1].get_calibration_profile()
    assert calib is not None
    assert [tuple(s) for s in calib.get_shape('input')] == [(1, 3, 24, 40)] * 3
    assert cuda.live_allocations() == before


def test_int8_calibration_batches_follow_the_opt_batch_size(standin, tmp_path):
    """A dynamic batch with OPT batch 2 gets batches of two images; a partial one is dropped."""
    from jetson_dnn_ros.preprocessing import PreprocessSpec
    path = _relu_model(tmp_path / 'batch.onnx', ['N', 3, 8, 8])
    images = _images(tmp_path / 'calib', 5)
    profile = {'input': ((1, 3, 8, 8), (2, 3, 8, 8), (4, 3, 8, 8))}
    with _backend(path, tmp_path / 'engines', precision='int8', profile=profile,
                  calibration=str(images), calibration_spec=PreprocessSpec(8, 8),
                  calibration_images=5) as backend:
        assert backend._engine._meta['calibration'] == {'from_cache': False, 'batches': 2}
        assert backend._engine._meta['calibration_shapes'] == {'input': [2, 3, 8, 8]}


def test_int8_calibration_from_images_refuses_a_model_with_two_inputs(standin, tmp_path):
    from jetson_dnn_ros.errors import EngineBuildError
    from jetson_dnn_ros.preprocessing import PreprocessSpec
    path = _two_input_model(tmp_path / 'two.onnx')
    images = _images(tmp_path / 'calib', 2)
    with pytest.raises(EngineBuildError, match="inputs \\['a', 'b'\\]"):
        _backend(path, tmp_path / 'engines', precision='int8', profile=PROFILE,
                 calibration=str(images), calibration_spec=PreprocessSpec(4, 1))


def test_int8_calibration_refuses_a_spec_whose_channels_do_not_fit(standin, tmp_path):
    from jetson_dnn_ros.errors import EngineBuildError
    from jetson_dnn_ros.preprocessing import PreprocessSpec
    path = _relu_model(tmp_path / 'dyn.onnx', [1, 3, 'H', 'W'])
    images = _images(tmp_path / 'calib', 2)
    with pytest.raises(EngineBuildError, match='calibration'):
        _backend(path, tmp_path / 'engines', precision='int8',
                 input_shapes={'input': (1, 3, 8, 8)}, calibration=str(images),
                 calibration_spec=PreprocessSpec(8, 8, color='gray'))


def test_standin_calibration_profile_api_and_first_profile_fallback(standin):
    """
    Check ``set_calibration_profile``/``get_calibration_profile`` as in pyCore.cpp.

    Without one, TensorRT calibrates at the OPT shapes of the first optimization profile.
    """
    trt, cuda = standin
    builder = trt.Builder(trt.Logger())
    config = builder.create_builder_config()
    assert config.get_calibration_profile() is None
    with pytest.raises(TypeError):
        config.set_calibration_profile('not a profile')
    profile = builder.create_optimization_profile()
    profile.set_shape('x', (1, 4), (1, 6), (1, 8))
    assert config.set_calibration_profile(profile) is True
    assert config.get_calibration_profile() is profile
    assert config.set_calibration_profile(None) is True
    assert config.get_calibration_profile() is None

    # a network with a dynamic input, one optimization profile, a calibrator, no calib profile
    cuda.init()
    ctx = cuda.Device(0).retain_primary_context()
    ctx.push()
    try:
        network = builder.create_network(0)
        network._inputs.append(trt.ITensor('x', (1, -1), trt.DataType.FLOAT))
        network._outputs.append(trt.ITensor('y', (1, -1), trt.DataType.FLOAT))
        network._onnx = b'onnx'
        config.add_optimization_profile(profile)
        config.set_flag(trt.BuilderFlag.INT8)
        memory = cuda.mem_alloc(6 * 4)

        class Calibrator(trt.IInt8EntropyCalibrator2):

            def __init__(self):
                trt.IInt8EntropyCalibrator2.__init__(self)
                self.left = 2

            def get_batch(self, names):
                self.left -= 1
                return [int(memory)] if self.left >= 0 else None

            def read_calibration_cache(self):
                return None

            def write_calibration_cache(self, cache):
                pass

        config.int8_calibrator = Calibrator()
        engine = trt.Runtime(trt.Logger()).deserialize_cuda_engine(
            builder.build_serialized_network(network, config))
        assert engine._meta['calibration_shapes'] == {'x': [1, 6]}
        assert engine._meta['calibration_profile_set'] is False
        memory.free()
    finally:
        cuda.Context.pop()
        ctx.detach()


def _int8(path, tmp_path, images, **options):
    from jetson_dnn_ros.preprocessing import PreprocessSpec
    options.setdefault('calibration_spec', PreprocessSpec(8, 8))
    return _backend(path, tmp_path / 'engines', precision='int8', calibration=str(images),
                    **options)


def test_changed_calibration_images_rebuild_the_int8_engine(standin, tmp_path):
    import cv2
    from onnxgen import identity_model
    path = identity_model(tmp_path / 'ident.onnx', shape=(1, 3, 8, 8))
    images = _images(tmp_path / 'calib', 3)
    with _int8(path, tmp_path, images) as first:
        assert first.engine_built
        assert first._engine._meta['calibration']['from_cache'] is False
        first_path = first.engine_path
    with _int8(path, tmp_path, images) as again:
        assert not again.engine_built and again.engine_path == first_path
    # same file names, new pixels (a new size too): the key must see it
    cv2.imwrite(str(images / 'im01.png'), np.zeros((10, 12, 3), np.uint8))
    with _int8(path, tmp_path, images) as changed:
        assert changed.engine_built
        assert changed.engine_path != first_path
        # the default calibration cache belongs to the key: no stale scales are reused
        assert changed._engine._meta['calibration'] == {'from_cache': False, 'batches': 3}
    # a file calibration never reads (not an image) changes nothing
    (images / 'notes.txt').write_text('hello')
    with _int8(path, tmp_path, images) as same:
        assert not same.engine_built
    # fewer calibration images is another calibration
    with _int8(path, tmp_path, images, calibration_images=2) as fewer:
        assert fewer.engine_built


def test_changed_calibration_cache_rebuilds_and_a_fresh_one_is_reused(standin, tmp_path):
    from onnxgen import identity_model
    path = identity_model(tmp_path / 'ident.onnx', shape=(1, 3, 8, 8))
    images = _images(tmp_path / 'calib', 3)
    cache = tmp_path / 'ident.calib'
    with _int8(path, tmp_path, images, calibration_cache=str(cache)) as first:
        assert first.engine_built and cache.is_file()
        assert first._engine._meta['calibration']['from_cache'] is False
    # the cache written by that build is the one the engine was built from: no rebuild
    with _int8(path, tmp_path, images, calibration_cache=str(cache)) as again:
        assert not again.engine_built and again.engine_path == first.engine_path
    cache.write_text(cache.read_text().replace('input: ', 'input: 3c'))
    with _int8(path, tmp_path, images, calibration_cache=str(cache)) as changed:
        assert changed.engine_built and changed.engine_path != first.engine_path
        assert changed._engine._meta['calibration']['from_cache'] is True
    # with a fixed engine_file_path the stale entry is found and rebuilt, naming the reason
    fixed = tmp_path / 'fixed.engine'
    with _int8(path, tmp_path, images, calibration_cache=str(cache),
               engine_file_path=str(fixed)):
        pass
    cache.write_text(cache.read_text() + 'extra: 3c000000\n')
    with _int8(path, tmp_path, images, calibration_cache=str(cache),
               engine_file_path=str(fixed)) as rebuilt:
        assert rebuilt.engine_built and rebuilt.rebuild_reason == 'stale: options changed'


def test_calibrator_object_needs_a_calibration_id(standin, tmp_path):
    trt, cuda = standin
    from jetson_dnn_ros.errors import EngineBuildError
    from onnxgen import identity_model
    path = identity_model(tmp_path / 'ident.onnx', shape=(1, 3, 8, 8))

    class Calibrator(trt.IInt8EntropyCalibrator2):

        def get_batch(self, names):
            return None

        def read_calibration_cache(self):
            return b'TRT-1030-EntropyCalibration2\ninput: 3c010204\n'

        def write_calibration_cache(self, cache):
            pass

    with pytest.raises(EngineBuildError, match='calibration_id'):
        _backend(path, tmp_path / 'engines', precision='int8', calibration=Calibrator())
    with _backend(path, tmp_path / 'engines', precision='int8', calibration=Calibrator(),
                  calibration_id='scales-v1') as first:
        assert first.engine_built
    with _backend(path, tmp_path / 'engines', precision='int8', calibration=Calibrator(),
                  calibration_id='scales-v1') as same:
        assert not same.engine_built
    with _backend(path, tmp_path / 'engines', precision='int8', calibration=Calibrator(),
                  calibration_id='scales-v2') as other:
        assert other.engine_built


def test_keys_of_engines_without_int8_calibration_are_unchanged(standin, tmp_path):
    """fp16 and QDQ-int8 engines keep the key they had (calibration folder name only)."""
    trt, cuda = standin
    from jetson_dnn_ros.backends.engine_cache import EngineKey, file_sha256
    from jetson_dnn_ros.backends.tensorrt import normalize_profile
    from onnxgen import identity_model
    path = identity_model(tmp_path / 'ident.onnx', shape=(1, 3, 8, 8))
    images = _images(tmp_path / 'calib', 2)

    def legacy(precision, calibration=None):
        options = {'calibration': 'calib'} if calibration else {}
        return EngineKey(file_sha256(path), trt.__version__, cuda.DEVICE_NAME,
                         tuple(cuda.COMPUTE_CAPABILITY), precision, normalize_profile(),
                         None, options)

    with _backend(path, tmp_path / 'engines') as plain:
        assert plain.engine_path.name.endswith(legacy('fp16').digest()[:16] + '.engine')
    with _backend(path, tmp_path / 'engines', calibration=str(images)) as fp16:
        assert fp16.engine_path.name.endswith(legacy('fp16', images).digest()[:16] + '.engine')
