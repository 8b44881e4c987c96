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
GPU preprocessing kernel against the CPU Preprocessor, on real photos (needs pycuda + GPU).

Every encoding × layout × dtype × resize mode × colour order is compared element-wise with
:class:`jetson_dnn_ros.preprocessing.Preprocessor`: the difference must stay within one pixel
level (1/255 of the 0..255 range) before normalisation, plus float16 rounding for float16
tensors. Also covers pinned/mapped buffers, streams and use from another thread.
"""

import itertools
import threading

import cv2
from jetson_dnn_ros.preprocessing import compute_transform, Preprocessor, PreprocessSpec
import numpy as np
import pytest

# no module-level skip: a skip while importing this module skipped the whole test folder under
# launch_testing's pytest plugin; the fixture ``cuda`` skips only the tests that need a GPU
pytestmark = pytest.mark.gpu

ENCODINGS = ('rgb8', 'bgr8', 'rgba8', 'bgra8', 'mono8', 'yuv422', 'yuv422_yuy2')
MODES = (('stretch', 'center'), ('letterbox', 'center'), ('letterbox', 'top_left'),
         ('center_crop', 'center'))
COLORS = ('rgb', 'bgr', 'gray')


@pytest.fixture(scope='module')
def cuda():
    """
    Yield ``pycuda.driver`` with device 0's primary context current.

    Skips the test when the real pycuda (not the test stand-in) or a CUDA device is missing.
    """
    pycuda = pytest.importorskip('pycuda')
    if 'standins_trt' in str(getattr(pycuda, '__file__', '')):
        pytest.skip('pycuda is the test stand-in, not the real one')
    import pycuda.driver as driver
    driver.init()
    if driver.Device.count() == 0:
        pytest.skip('no CUDA device')
    ctx = driver.Device(0).retain_primary_context()
    ctx.push()
    yield driver
    driver.Context.pop()
    ctx.detach()


def _yuv422(bgr: np.ndarray, order: str) -> np.ndarray:
    """Pack a BGR image as UYVY or YUYV (BT.601 video range, chroma of the even pixel)."""
    b, g, r = (bgr[..., i].astype(np.float32) for i in range(3))
    y = np.clip(np.rint(16 + 0.257 * r + 0.504 * g + 0.098 * b), 0, 255).astype(np.uint8)
    u = np.clip(np.rint(128 - 0.148 * r - 0.291 * g + 0.439 * b), 0, 255).astype(np.uint8)
    v = np.clip(np.rint(128 + 0.439 * r - 0.368 * g - 0.071 * b), 0, 255).astype(np.uint8)
    out = np.empty(bgr.shape[:2] + (2,), np.uint8)
    luma, chroma = (1, 0) if order == 'uyvy' else (0, 1)
    out[..., luma] = y
    out[:, 0::2, chroma] = u[:, 0::2]
    out[:, 1::2, chroma] = v[:, 0::2]
    return out


def _encode(bgr: np.ndarray, encoding: str) -> np.ndarray:
    return {
        'bgr8': lambda: bgr, 'rgb8': lambda: np.ascontiguousarray(bgr[..., ::-1]),
        'bgra8': lambda: cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA),
        'rgba8': lambda: cv2.cvtColor(bgr, cv2.COLOR_BGR2RGBA),
        'mono8': lambda: cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY),
        'yuv422': lambda: _yuv422(bgr, 'uyvy'),
        'yuv422_yuy2': lambda: _yuv422(bgr, 'yuyv'),
    }[encoding]()


@pytest.fixture(scope='module')
def images(photo):
    """Real photos in every encoding: 1920x1080 and an odd-sized 518x333 crop."""
    big = photo('peds_0')
    small = photo('city_0')[57:390, 101:619]
    return {(name, enc): _encode(img, enc) for (name, img), enc in itertools.product(
        (('1080p', big), ('odd', small)), ENCODINGS)}


def _download(cuda, tensor, stream):
    stream.synchronize()
    out = np.empty(tensor.shape, tensor.dtype)
    cuda.memcpy_dtoh(out, tensor.ptr)
    return out


def _check(spec, gpu, image, encoding):
    """
    Assert the GPU tensor is within one pixel level of the CPU Preprocessor's.

    In 0..255 units, per element: ``|gpu - cpu| <= 1 level`` against the CPU path computed in
    float32, plus, for float16 tensors, the kernel's one float16 rounding of its result. The
    CPU path's own float16 tensor rounds twice (``pixel * a`` into float16, then ``+ b``), so
    against it one float16 ulp at the largest intermediate magnitude ``255 |a| + |b|`` is
    added.
    """
    from dataclasses import replace
    a, b = spec.affine()
    shape = (1, -1, 1, 1) if spec.layout == 'NCHW' else (1, 1, 1, -1)
    a = np.abs(a.astype(np.float64)).reshape(shape)
    b = np.abs(b.astype(np.float64)).reshape(shape)
    gpu = gpu.astype(np.float64)
    level = a * (1.0 + 1e-3) + 1e-6
    cpu32 = Preprocessor(replace(spec, dtype='float32'))(image, encoding)[0].astype(np.float64)
    references = [(cpu32, level)]
    if spec.dtype == 'float16':
        f16 = lambda v: np.spacing(np.abs(v).astype(np.float16)).astype(np.float64)  # noqa: E731
        references = [(cpu32, level + f16(gpu))]
        cpu16 = Preprocessor(spec)(image, encoding)[0].astype(np.float64)
        references.append((cpu16, level + f16(gpu) + f16(255 * a + b)))
    for cpu, tol in references:
        excess = np.abs(gpu - cpu) - tol
        worst = np.unravel_index(np.argmax(excess), excess.shape)
        assert excess.max() <= 0, (f'{spec}: GPU {gpu[worst]} vs CPU {cpu[worst]} at {worst}, '
                                   f'{(excess > 0).sum()} elements beyond one pixel level')


def _spec(width, height, mode, color, layout, dtype, **extra):
    return PreprocessSpec(width, height, resize=mode[0], align=mode[1], pad_value=114,
                          color=color, scale=1 / 255, mean=(0.485, 0.456, 0.406),
                          std=(0.229, 0.224, 0.225), layout=layout, dtype=dtype, **extra)


@pytest.mark.parametrize('encoding', ENCODINGS)
@pytest.mark.parametrize('mode', MODES, ids=lambda m: '-'.join(m))
@pytest.mark.parametrize('layout', ('NCHW', 'NHWC'))
@pytest.mark.parametrize('dtype', ('float32', 'float16'))
@pytest.mark.parametrize('color', COLORS)
def test_kernel_matches_cpu_on_real_photo(cuda, images, encoding, mode, layout, dtype, color):
    from jetson_dnn_ros.backends.cuda_preprocess import CudaPreprocessor, DeviceTensor
    spec = _spec(416, 320, mode, color, layout, dtype)
    stream = cuda.Stream()
    pre = CudaPreprocessor(spec, stream=stream)
    try:
        for size in ('1080p', 'odd'):
            image = images[(size, encoding)]
            tensor, transform = pre(image, encoding)
            assert isinstance(tensor, DeviceTensor) and tensor.shape == spec.input_shape
            assert transform == compute_transform(spec, image.shape[:2])
            _check(spec, _download(cuda, tensor, stream), image, encoding)
    finally:
        pre.close()


@pytest.mark.parametrize('size', ((640, 640), (224, 224), (257, 513), (1280, 736)))
def test_nearest_and_other_sizes(cuda, images, size):
    from jetson_dnn_ros.backends.cuda_preprocess import CudaPreprocessor
    stream = cuda.Stream()
    for interpolation, mode in itertools.product(('linear', 'nearest'), MODES):
        spec = _spec(size[0], size[1], mode, 'rgb', 'NCHW', 'float32',
                     interpolation=interpolation)
        pre = CudaPreprocessor(spec, stream=stream)
        try:
            image = images[('odd', 'bgr8')]
            tensor, _ = pre(image, 'bgr8')
            _check(spec, _download(cuda, tensor, stream), image, 'bgr8')
        finally:
            pre.close()


def test_mapped_staging_matches_copy(cuda, images):
    from jetson_dnn_ros.backends.cuda_preprocess import CudaPreprocessor
    device = cuda.Context.get_device()
    if not device.get_attribute(cuda.device_attribute.CAN_MAP_HOST_MEMORY):
        pytest.skip('device cannot map host memory')
    spec = _spec(640, 640, ('letterbox', 'center'), 'rgb', 'NCHW', 'float16')
    stream = cuda.Stream()
    copied, mapped = CudaPreprocessor(spec, stream=stream), \
        CudaPreprocessor(spec, stream=stream, mapped=True)
    try:
        image = images[('1080p', 'bgr8')]
        a = _download(cuda, copied(image, 'bgr8')[0], stream)
        b = _download(cuda, mapped(image, 'bgr8')[0], stream)
        np.testing.assert_array_equal(a, b)
    finally:
        copied.close()
        mapped.close()


def test_destination_buffer_and_other_thread(cuda, images):
    """Write into a caller's buffer from a thread that pushes the context itself."""
    from jetson_dnn_ros.backends.cuda_preprocess import CudaPreprocessor
    spec = _spec(416, 416, ('letterbox', 'top_left'), 'bgr', 'NCHW', 'float32')
    ctx = cuda.Context.get_current()
    target = cuda.mem_alloc(int(np.prod(spec.input_shape)) * 4)
    asked = []
    results, errors = [], []

    def work():
        ctx.push()
        try:
            stream = cuda.Stream()
            pre = CudaPreprocessor(spec, stream=stream,
                                   destination=lambda s, d: asked.append((s, d)) or int(target))
            tensor, _ = pre(images[('1080p', 'bgr8')], 'bgr8')
            results.append((tensor.ptr, _download(cuda, tensor, stream)))
            pre.close()
            del pre, stream  # release module, stream and events while the context is current
        except Exception as exc:  # noqa: B902 - reported below
            errors.append(exc)
        finally:
            cuda.Context.pop()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert not errors, errors
    assert asked == [(spec.input_shape, np.dtype('float32'))]
    assert results[0][0] == int(target)
    _check(spec, results[0][1], images[('1080p', 'bgr8')], 'bgr8')
    assert cuda.Context.get_current() is not None
    target.free()


def test_unsupported_encoding_uses_cpu_path(cuda, images):
    from jetson_dnn_ros.backends.cuda_preprocess import CudaPreprocessor
    spec = _spec(224, 224, ('stretch', 'center'), 'rgb', 'NCHW', 'float32')
    pre = CudaPreprocessor(spec)
    try:
        mono16 = images[('odd', 'mono8')].astype(np.uint16) * 257
        tensor, _ = pre(mono16, 'mono16')
        assert isinstance(tensor, np.ndarray)
        np.testing.assert_array_equal(tensor, Preprocessor(spec)(mono16, 'mono16')[0])
    finally:
        pre.close()


def test_pinned_buffers_streams_and_copies(cuda):
    stream = cuda.Stream()
    host = cuda.pagelocked_empty((1, 3, 64, 64), np.float32)
    host[...] = np.random.default_rng(0).random(host.shape, np.float32)
    back = cuda.pagelocked_empty(host.shape, np.float32)
    a, b = cuda.mem_alloc(host.nbytes), cuda.mem_alloc(host.nbytes)
    cuda.memcpy_htod_async(a, host, stream)
    cuda.memcpy_dtod_async(b, a, host.nbytes, stream)
    cuda.memcpy_dtoh_async(back, b, stream)
    stream.synchronize()
    np.testing.assert_array_equal(back, host)
    for mem in (a, b):
        mem.free()
    host.base.free()
    back.base.free()


def test_bodypix_sizes_per_aspect_match_cpu_and_free_their_memory(cuda, images):
    """
    Issue 14 item 4 on the GPU: every size BodyPix's per-aspect policy gives, freed on close.

    The shipped descriptor's spec (NHWC, letterbox, pad 0, x / 127.5 - 1) at the sizes
    :class:`~jetson_dnn_ros.pipeline.InputSize` picks for landscape, portrait and panorama
    sources; a pipeline closes the preprocessors of sizes it evicts, so after closing them
    the device's free memory is back where it was (within one allocation granule per kernel).
    """
    from dataclasses import replace
    from jetson_dnn_ros.backends.cuda_preprocess import CudaPreprocessor
    from jetson_dnn_ros.models import resolve_model
    from jetson_dnn_ros.pipeline import InputSize
    descriptor = resolve_model('bodypix_mobilenetv1_050')
    policy = InputSize.from_mapping(descriptor.extras['input_size'])
    (w_lo, h_lo), (w_hi, h_hi) = policy.bounds()
    stream = cuda.Stream()
    big, odd = images[('1080p', 'bgr8')], images[('odd', 'bgr8')]
    sources = (big, odd, np.ascontiguousarray(np.rot90(odd)),   # 16:9, 3:2-ish, portrait
               np.ascontiguousarray(big[:, 660:1260]), big[400:700])   # 5:9, 32:5 panorama
    free_before = cuda.mem_get_info()[0]
    made = []
    try:
        for image in sources:
            width, height = policy.for_image(image.shape[1], image.shape[0])
            assert w_lo <= width <= w_hi and h_lo <= height <= h_hi
            assert (width - 1) % 16 == 0 and (height - 1) % 16 == 0
            spec = replace(descriptor.preprocess, width=width, height=height)
            pre = CudaPreprocessor(spec, stream=stream)
            made.append(pre)
            tensor, transform = pre(image, 'bgr8')
            assert tensor.shape == (1, height, width, 3)
            assert transform == compute_transform(spec, image.shape[:2])
            _check(spec, _download(cuda, tensor, stream), image, 'bgr8')
        assert len({(p.spec.width, p.spec.height) for p in made}) >= 4
    finally:
        for pre in made:
            pre.close()
            pre.close()   # idempotent, as Pipeline and the backend may both close it
    stream.synchronize()
    assert cuda.mem_get_info()[0] >= free_before - 2 * 2 ** 20 * len(made)
