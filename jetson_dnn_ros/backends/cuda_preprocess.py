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
GPU preprocessing: one CUDA kernel from camera image to network input tensor.

The kernel reads the uint8 image (uploaded once through a pinned staging buffer, or read in
place through mapped pinned memory on integrated GPUs) and writes the network input straight
into the TensorRT backend's input device buffer: bilinear resize with half-pixel centres as
OpenCV's ``INTER_LINEAR`` (two taps per axis, no antialiasing, edge clamping as
``cv::resize``), or nearest as ``INTER_NEAREST``; stretch, letterbox (centred or top-left, pad
value) or centre crop; colour order; ``(pixel * scale - mean) / std``; NCHW or NHWC; float32
or float16. The geometry is :func:`jetson_dnn_ros.preprocessing.compute_transform`'s, so the
source → destination sampling grid is exactly the CPU :class:`Preprocessor`'s (resize to
``round(w * scale_x)`` × ``round(h * scale_y)``, then pad or crop). Results agree with the CPU
path within one pixel level (1/255 of the 0..255 range) before normalisation: OpenCV rounds
its resized pixels to uint8 and uses 11-bit fixed-point weights; the kernel interpolates in
float32 (rounding where OpenCV's next step is an integer colour conversion, as for gray).

Encodings on the GPU: rgb8, bgr8, rgba8, bgra8, mono8 (8UC1), 8UC3 (as bgr8), yuv422 (UYVY)
and yuv422_yuy2 (YUYV, converted per tap with OpenCV's BT.601 video-range coefficients, chroma
shared by each pixel pair as ``cv::cvtColor``). Others (mono16) fall back to the CPU path.

The CUDA C source is compiled at run time with ``pycuda.compiler.SourceModule`` (nvcc must be
installed, as it is on JetPack); pycuda caches the cubin on disk.
"""

from dataclasses import dataclass
import logging
from typing import Callable, Optional, Tuple

from jetson_dnn_ros.errors import BackendError, ImageEncodingError
from jetson_dnn_ros.image import check_image
from jetson_dnn_ros.preprocessing import compute_transform, GeometricTransform, Preprocessor
from jetson_dnn_ros.preprocessing import PreprocessSpec
import numpy as np

LOG = logging.getLogger(__name__)

FORMATS = {'rgb8': 0, 'bgr8': 1, '8UC3': 1, 'rgba8': 2, 'bgra8': 3, 'mono8': 4, '8UC1': 4,
           'yuv422': 5, 'uyvy': 5, 'yuv422_yuy2': 6, 'yuyv': 6}
"""Encodings the kernel reads, with its format codes."""

KERNEL_SOURCE = r"""
// Format codes: 0 rgb8, 1 bgr8, 2 rgba8, 3 bgra8, 4 mono8, 5 UYVY (yuv422), 6 YUYV.
__device__ __forceinline__ void fetch(const unsigned char* __restrict__ src, int step, int fmt,
                                      int x, int y, float* p)
{
    // p = (r, g, b, luma); luma is only filled where it is not computed after resizing
    // (mono8: the value; YUV: Y, which is what cv::cvtColor(..., YUV2GRAY_*) returns).
    const unsigned char* row = src + (size_t)y * step;
    if (fmt <= 3) {
        const int bpp = fmt <= 1 ? 3 : 4;
        const unsigned char* q = row + x * bpp;
        const bool bgr = (fmt & 1) != 0;
        p[0] = bgr ? q[2] : q[0];
        p[1] = q[1];
        p[2] = bgr ? q[0] : q[2];
        p[3] = 0.f;
    } else if (fmt == 4) {
        p[0] = p[1] = p[2] = p[3] = row[x];
    } else {
        const unsigned char* m = row + (x & ~1) * 2;
        int Y, U, V;
        if (fmt == 5) { Y = row[2 * x + 1]; U = m[0]; V = m[2]; }
        else          { Y = row[2 * x];     U = m[1]; V = m[3]; }
        // cv::cvtColor YUV2RGB_UYVY/YUY2: ITU-R BT.601 video range, 20-bit fixed point
        const int yy = max(Y - 16, 0) * 1220542;
        U -= 128; V -= 128;
        p[0] = (float)min(max((yy + (1 << 19) + 1673527 * V) >> 20, 0), 255);
        p[1] = (float)min(max((yy + (1 << 19) - 852492 * V - 409993 * U) >> 20, 0), 255);
        p[2] = (float)min(max((yy + (1 << 19) + 2116026 * U) >> 20, 0), 255);
        p[3] = (float)Y;
    }
}

__device__ __forceinline__ unsigned short to_half(float v)
{
    unsigned short h;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(v));
    return h;
}

extern "C" __global__ void preprocess(
    const unsigned char* __restrict__ src, int src_w, int src_h, int src_step, int fmt,
    void* __restrict__ dst, int out_w, int out_h, int out_c, int color, int nchw, int half,
    int off_x, int off_y, int res_w, int res_h, double scale_x, double scale_y, int nearest,
    float a0, float a1, float a2, float b0, float b1, float b2, float pad)
{
    const int x = blockIdx.x * blockDim.x + threadIdx.x;
    const int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x >= out_w || y >= out_h) return;
    const int rx = x - off_x, ry = y - off_y;
    float p[4];
    if (rx < 0 || ry < 0 || rx >= res_w || ry >= res_h) {
        p[0] = p[1] = p[2] = p[3] = pad;
    } else if (nearest) {
        // cv::resize INTER_NEAREST: floor(dst * (src / dst)) in double, clamped
        const int sx = min((int)floor(rx * scale_x), src_w - 1);
        const int sy = min((int)floor(ry * scale_y), src_h - 1);
        fetch(src, src_step, fmt, sx, sy, p);
    } else {
        // cv::resize INTER_LINEAR: half-pixel centres, clamp at the borders
        float fx = (float)((rx + 0.5) * scale_x - 0.5), fy = (float)((ry + 0.5) * scale_y - 0.5);
        int sx = (int)floorf(fx), sy = (int)floorf(fy);
        fx -= sx; fy -= sy;
        if (sx < 0) { fx = 0.f; sx = 0; }
        if (sx >= src_w - 1) { fx = 0.f; sx = src_w - 1; }
        if (sy < 0) { fy = 0.f; sy = 0; }
        if (sy >= src_h - 1) { fy = 0.f; sy = src_h - 1; }
        const int sx1 = min(sx + 1, src_w - 1), sy1 = min(sy + 1, src_h - 1);
        float p00[4], p01[4], p10[4], p11[4];
        fetch(src, src_step, fmt, sx, sy, p00);
        fetch(src, src_step, fmt, sx1, sy, p01);
        fetch(src, src_step, fmt, sx, sy1, p10);
        fetch(src, src_step, fmt, sx1, sy1, p11);
#pragma unroll
        for (int c = 0; c < 4; ++c) {
            const float top = p00[c] + (p01[c] - p00[c]) * fx;
            const float bot = p10[c] + (p11[c] - p10[c]) * fx;
            p[c] = top + (bot - top) * fy;
        }
    }
    if (color == 2 && fmt <= 3) {
        // cv::resize rounds to uint8, then cv::cvtColor *2GRAY: (4899 R + 9617 G + 1868 B) >> 14
        const int r = __float2int_rn(p[0]), g = __float2int_rn(p[1]), b = __float2int_rn(p[2]);
        p[3] = (float)((r * 4899 + g * 9617 + b * 1868 + (1 << 13)) >> 14);
    }
    float v[3];
    if (color == 2) { v[0] = p[3]; }
    else if (color == 0) { v[0] = p[0]; v[1] = p[1]; v[2] = p[2]; }
    else { v[0] = p[2]; v[1] = p[1]; v[2] = p[0]; }
    const float a[3] = {a0, a1, a2}, b[3] = {b0, b1, b2};
    const size_t plane = (size_t)out_w * out_h;
#pragma unroll
    for (int c = 0; c < 3; ++c) {
        if (c >= out_c) break;
        const float value = v[c] * a[c] + b[c];
        const size_t i = nchw ? c * plane + (size_t)y * out_w + x
                              : ((size_t)y * out_w + x) * out_c + c;
        if (half) ((unsigned short*)dst)[i] = to_half(value);
        else ((float*)dst)[i] = value;
    }
}
"""
COLOR_CODES = {'rgb': 0, 'bgr': 1, 'gray': 2}


@dataclass(frozen=True)
class DeviceTensor:
    """
    A network input that already lies in device memory.

    :param ptr: CUDA device pointer (an int) of the first element.
    :param shape: tensor shape, e.g. (1, 3, 416, 416).
    :param dtype: numpy dtype of the elements.
    """

    ptr: int
    shape: Tuple[int, ...]
    dtype: np.dtype

    @property
    def nbytes(self) -> int:
        """Return the size of the tensor in bytes."""
        return int(np.prod(self.shape, dtype=np.int64)) * np.dtype(self.dtype).itemsize


def _compile():
    try:
        from pycuda.compiler import SourceModule
    except ImportError as exc:
        raise BackendError(f'pycuda.compiler is not available: {exc}') from exc
    try:
        module = SourceModule(KERNEL_SOURCE, no_extern_c=True, options=['-O3'])
    except Exception as exc:  # noqa: B902 - pycuda CompileError and driver errors
        raise BackendError(f'cannot compile the GPU preprocessing kernel (is nvcc on PATH? '
                           f'set CUDA_ROOT or use_gpu_preprocessing=False): {exc}') from exc
    return module


class CudaPreprocessor:
    """
    GPU version of :class:`jetson_dnn_ros.preprocessing.Preprocessor`.

    The caller's CUDA context must be current while the preprocessor is created, called and
    closed (the TensorRT backend wraps it so that it is).

    :param spec: the :class:`PreprocessSpec` (interpolation ``linear`` or ``nearest``).
    :param stream: the ``pycuda.driver.Stream`` to enqueue on; None creates one.
    :param destination: ``f(shape, dtype) -> device pointer`` of the buffer to write the
        tensor into (the backend's input buffer); None allocates one owned by this object.
    :param mapped: read the image through mapped pinned memory (integrated GPUs) instead of
        copying it to device memory.
    :param block: CUDA block size (x, y) in threads.
    :raises BackendError: if pycuda is missing, the kernel does not compile or the spec's
        interpolation is not supported on the GPU.
    """

    def __init__(self, spec: PreprocessSpec, stream=None,
                 destination: Optional[Callable[[Tuple[int, ...], np.dtype], int]] = None,
                 mapped: bool = False, block: Tuple[int, int] = (32, 8)):
        if spec.interpolation not in ('linear', 'nearest'):
            raise BackendError(f'GPU preprocessing supports linear and nearest resizing, not '
                               f'{spec.interpolation!r}')
        try:
            import pycuda.driver as cuda
        except ImportError as exc:
            raise BackendError(f'pycuda is not installed: {exc}') from exc
        self._cuda = cuda
        self.spec = spec
        self._function = _compile().get_function('preprocess')
        # argument types of the kernel, in order (P pointer, i int32, d float64, f float32)
        self._function.prepare('P' + 'i' * 4 + 'P' + 'i' * 10 + 'dd' + 'i' + 'f' * 7)
        self._stream = stream if stream is not None else cuda.Stream()
        self._destination = destination
        self._mapped = bool(mapped)
        self._block = (int(block[0]), int(block[1]), 1)
        self._a, self._b = spec.affine()
        # the CPU path pads the uint8 resized image: the pad value saturates to 0..255
        self._pad = float(np.clip(np.rint(spec.pad_value), 0, 255))
        self._dtype = np.dtype(spec.dtype)
        self._staging = None
        self._source = None
        self._output = None
        self._upload_done = cuda.Event()
        self._uploaded = False
        self._cpu = None

    @staticmethod
    def supports(encoding: str) -> bool:
        """Return True if the kernel reads ``encoding`` (others use the CPU path)."""
        return encoding in FORMATS

    def _target(self) -> int:
        shape = self.spec.input_shape
        if self._destination is not None:
            return int(self._destination(shape, self._dtype))
        if self._output is None:
            self._output = self._cuda.mem_alloc(int(np.prod(shape)) * self._dtype.itemsize)
        return int(self._output)

    def upload(self, image: np.ndarray) -> int:
        """
        Copy the image into device-visible memory (pinned staging, then async H2D).

        :param image: (H, W[, C]) uint8 array (any strides).
        :return: device pointer of the tightly packed image.
        """
        cuda = self._cuda
        nbytes = image.size
        if self._uploaded:
            self._upload_done.synchronize()  # the previous copy may still read the staging
        if self._staging is None or self._staging.size < nbytes:
            self._free_staging()
            flags = cuda.host_alloc_flags.DEVICEMAP if self._mapped else 0
            self._staging = cuda.pagelocked_empty(nbytes, np.uint8, mem_flags=flags)
            if not self._mapped:
                self._source = cuda.mem_alloc(nbytes)
        staged = self._staging[:nbytes]
        np.copyto(staged.reshape(image.shape), image)
        if self._mapped:
            ptr = int(self._staging.base.get_device_pointer())
        else:
            cuda.memcpy_htod_async(self._source, staged, self._stream)
            ptr = int(self._source)
        self._upload_done.record(self._stream)
        self._uploaded = True
        return ptr

    def enqueue(self, source_ptr: int, source_shape: Tuple[int, ...], encoding: str,
                destination_ptr: int, transform: GeometricTransform) -> None:
        """
        Launch the kernel on the stream (no synchronisation).

        :param source_ptr: device pointer of the packed (H, W, C) uint8 image.
        :param source_shape: its shape.
        :param encoding: one of :data:`FORMATS`.
        :param destination_ptr: device pointer of the network input tensor.
        :param transform: from :func:`compute_transform` for this spec and image size.
        """
        spec = self.spec
        h, w = int(source_shape[0]), int(source_shape[1])
        channels = 1 if len(source_shape) == 2 else int(source_shape[2])
        res_w, res_h = int(round(w * transform.scale_x)), int(round(h * transform.scale_y))
        off_x, off_y = int(round(transform.offset_x)), int(round(transform.offset_y))
        a = list(self._a) + [0.0] * (3 - len(self._a))
        b = list(self._b) + [0.0] * (3 - len(self._b))
        grid = ((spec.width + self._block[0] - 1) // self._block[0],
                (spec.height + self._block[1] - 1) // self._block[1], 1)
        self._function.prepared_async_call(
            grid, self._block, self._stream,
            int(source_ptr), w, h, w * channels, FORMATS[encoding], int(destination_ptr),
            spec.width, spec.height, spec.channels, COLOR_CODES[spec.color],
            int(spec.layout == 'NCHW'), int(self._dtype == np.float16), off_x, off_y, res_w,
            res_h, 1.0 / (res_w / w), 1.0 / (res_h / h), int(spec.interpolation == 'nearest'),
            a[0], a[1], a[2], b[0], b[1], b[2], self._pad)

    def __call__(self, image: np.ndarray, encoding: str):
        """
        Preprocess one image on the GPU.

        :param image: (H, W[, C]) uint8 array in ``encoding``.
        :param encoding: e.g. ``bgr8``; encodings the kernel cannot read go through the CPU
            :class:`Preprocessor` and come back as a host array.
        :return: ``(tensor, transform)``: a :class:`DeviceTensor` (valid until the next
            call; the kernel is enqueued, not finished) or a host array, and the
            :class:`GeometricTransform` from source to network pixels.
        :raises ImageEncodingError: if the image does not match its encoding.
        """
        if self._function is None:
            raise BackendError('the GPU preprocessor is closed')
        if encoding not in FORMATS:
            if self._cpu is None:
                self._cpu = Preprocessor(self.spec)
            return self._cpu(image, encoding)
        check_image(image, encoding)
        if FORMATS[encoding] >= 5 and image.shape[1] % 2:
            raise ImageEncodingError(f'{encoding} needs an even width, got {image.shape[1]}')
        transform = compute_transform(self.spec, image.shape[:2])
        source = self.upload(image)
        target = self._target()
        self.enqueue(source, image.shape, encoding, target, transform)
        return DeviceTensor(target, self.spec.input_shape, self._dtype), transform

    def _free_staging(self):
        if self._staging is not None:
            self._staging.base.free()
            self._staging = None
        if self._source is not None:
            self._source.free()
            self._source = None

    def close(self) -> None:
        """Free buffers, kernel module and events (the CUDA context must be current)."""
        if self._function is None:
            return
        if self._uploaded:
            self._stream.synchronize()
        self._free_staging()
        if self._output is not None:
            self._output.free()
            self._output = None
        # drop pycuda objects now, while the context is current, not at garbage collection
        self._function = self._upload_done = self._stream = None
