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
Benchmark the GPU preprocessing kernel against the memory-bandwidth bound and the CPU path.

1920x1080 bgr8 photo → 416² and 640² float16 NCHW letterbox (pad 114, RGB, /255). Prints,
from one run:

- kernel time, image already on the device: back-to-back launches queued behind a spin
  kernel (so host submission does not starve the GPU) between two CUDA events, divided by
  the count (median of several batches); and the latency of one launch as seen from the
  host (events around a single launch, median);
- the bandwidth bound: bytes the kernel must move / device-to-device copy bandwidth measured
  here with a large ``memcpy_dtod`` (bandwidth counts bytes read + written). Two byte counts:
  the whole image + the output tensor, and the 32-byte sectors the bilinear taps touch
  + the output tensor;
- the upload of the image (host copy into the pinned staging buffer + async H2D copy);
- the CPU OpenCV :class:`~jetson_dnn_ros.preprocessing.Preprocessor` (median wall time);
and the ratios kernel / bound and CPU / GPU. Needs pycuda, nvcc and a GPU.

Usage: ``python3 benchmarks/bench_gpu_preprocess.py [--image PATH] [--iterations N]
[--json OUT]``.
"""

import argparse
import json
import os
from pathlib import Path
import sys
import time

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def median_event_ms(cuda, stream, fn, iterations):
    """Return the median of ``iterations`` CUDA-event timings of ``fn()`` in milliseconds."""
    start, end = cuda.Event(), cuda.Event()
    times = []
    for _ in range(iterations):
        start.record(stream)
        fn()
        end.record(stream)
        end.synchronize()
        times.append(start.time_till(end))
    return float(np.median(times))


SPIN_SOURCE = """
extern "C" __global__ void spin(long long cycles)
{
    const long long start = clock64();
    while (clock64() - start < cycles) { }
}
"""


def back_to_back_ms(cuda, stream, fn, spin, count=200, batches=7):
    """Return the median per-launch time of ``count`` queued launches of ``fn``, in ms."""
    start, end = cuda.Event(), cuda.Event()
    times = []
    for _ in range(batches):
        spin(np.int64(50_000_000), block=(1, 1, 1), grid=(1, 1), stream=stream)
        start.record(stream)
        for _ in range(count):
            fn()
        end.record(stream)
        end.synchronize()
        times.append(start.time_till(end) / count)
    return float(np.median(times))


def copy_bandwidth(cuda, stream, nbytes=1 << 30, iterations=20):
    """Return device-to-device copy bandwidth in bytes/s (read + write counted)."""
    a, b = cuda.mem_alloc(nbytes), cuda.mem_alloc(nbytes)
    try:
        cuda.memcpy_dtod_async(b, a, nbytes, stream)
        ms = median_event_ms(cuda, stream, lambda: cuda.memcpy_dtod_async(b, a, nbytes, stream),
                             iterations)
    finally:
        a.free()
        b.free()
    return 2 * nbytes / (ms * 1e-3)


def touched_bytes(spec, shape, sector=32):
    """Return the bytes of 32-byte sectors the bilinear taps read (packed rows)."""
    from jetson_dnn_ros.preprocessing import compute_transform
    h, w, c = shape
    t = compute_transform(spec, (h, w))
    rw, rh = int(round(w * t.scale_x)), int(round(h * t.scale_y))
    xs = (np.arange(rw) + 0.5) * (w / rw) - 0.5
    ys = (np.arange(rh) + 0.5) * (h / rh) - 0.5
    cols = np.unique(np.clip(np.concatenate([np.floor(xs), np.floor(xs) + 1]), 0, w - 1))
    rows = np.unique(np.clip(np.concatenate([np.floor(ys), np.floor(ys) + 1]), 0, h - 1))
    sectors_per_row = np.unique(np.concatenate(
        [(cols * c + k) // sector for k in range(c)]).astype(np.int64)).size
    return int(rows.size * sectors_per_row * sector)


def main(argv=None):
    """Run the benchmark and print the table."""
    from jetson_dnn_ros.backends.cuda_preprocess import CudaPreprocessor
    from jetson_dnn_ros.paths import data_dir
    from jetson_dnn_ros.preprocessing import compute_transform, Preprocessor, PreprocessSpec
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--image', default=None, help='default: the data folder peds_0.jpg')
    parser.add_argument('--iterations', type=int, default=500)
    parser.add_argument('--json', default=None, help='write the results here')
    args = parser.parse_args(argv)
    args.image = args.image or str(data_dir() / 'images' / 'peds_0.jpg')
    image = cv2.imread(args.image, cv2.IMREAD_COLOR)
    if image is None:
        sys.exit(f'cannot read {args.image}')
    if image.shape[:2] != (1080, 1920):
        image = cv2.resize(image, (1920, 1080), interpolation=cv2.INTER_AREA)

    import pycuda.driver as cuda
    cuda.init()
    device = cuda.Device(0)
    ctx = device.retain_primary_context()
    ctx.push()
    rows = []
    try:
        from pycuda.compiler import SourceModule
        stream = cuda.Stream()
        spin = SourceModule(SPIN_SOURCE, no_extern_c=True).get_function('spin')
        bandwidth = copy_bandwidth(cuda, stream)
        gpu = device.name()
        print(f'GPU: {gpu} (sm_{"".join(map(str, device.compute_capability()))}); '
              f'device-to-device copy bandwidth {bandwidth / 1e9:.0f} GB/s (read + write)')
        print(f'image: {args.image} {image.shape[1]}x{image.shape[0]} bgr8; '
              f'{args.iterations} iterations; CPU threads: {cv2.getNumThreads()} '
              f'(os.cpu_count {os.cpu_count()})')
        for size in (416, 640):
            spec = PreprocessSpec(size, size, resize='letterbox', pad_value=114, color='rgb',
                                  scale=1 / 255, layout='NCHW', dtype='float16')
            pre = CudaPreprocessor(spec, stream=stream)
            out = cuda.mem_alloc(int(np.prod(spec.input_shape)) * 2)
            source = pre.upload(image)
            transform = compute_transform(spec, image.shape[:2])

            def kernel():
                pre.enqueue(source, image.shape, 'bgr8', int(out), transform)

            for _ in range(20):
                kernel()
            kernel_ms = back_to_back_ms(cuda, stream, kernel, spin)
            latency_ms = median_event_ms(cuda, stream, kernel, args.iterations)
            upload_ms = median_event_ms(cuda, stream, lambda: pre.upload(image),
                                        max(20, args.iterations // 5))
            out_bytes = int(np.prod(spec.input_shape)) * 2
            full = image.nbytes + out_bytes
            touched = touched_bytes(spec, image.shape) + out_bytes
            cpu = Preprocessor(spec)
            for _ in range(5):
                cpu(image, 'bgr8')
            times = []
            for _ in range(max(20, args.iterations // 10)):
                t0 = time.perf_counter()
                cpu(image, 'bgr8')
                times.append((time.perf_counter() - t0) * 1e3)
            cpu_ms = float(np.median(times))
            row = {'size': size, 'kernel_ms': kernel_ms, 'launch_latency_ms': latency_ms,
                   'upload_ms': upload_ms,
                   'cpu_ms': cpu_ms, 'bytes_full': full, 'bytes_touched': touched,
                   'bound_full_ms': full / bandwidth * 1e3,
                   'bound_touched_ms': touched / bandwidth * 1e3}
            row['kernel_over_bound_full'] = kernel_ms / row['bound_full_ms']
            row['kernel_over_bound_touched'] = kernel_ms / row['bound_touched_ms']
            row['cpu_over_kernel'] = cpu_ms / kernel_ms
            row['cpu_over_upload_plus_kernel'] = cpu_ms / (kernel_ms + upload_ms)
            rows.append(row)
            out.free()
            pre.close()
    finally:
        cuda.Context.pop()
        ctx.detach()
    print()
    print('| output | kernel ms | one launch ms | bound ms (image+out / touched+out) | '
          'kernel / bound (full / touched) | upload ms | CPU ms | CPU / kernel | '
          'CPU / (upload+kernel) |')
    print('|---|---|---|---|---|---|---|---|---|')
    for r in rows:
        print(f'| {r["size"]}² fp16 NCHW letterbox | {r["kernel_ms"]:.4f} | '
              f'{r["launch_latency_ms"]:.4f} | '
              f'{r["bound_full_ms"]:.4f} / {r["bound_touched_ms"]:.4f} | '
              f'{r["kernel_over_bound_full"]:.2f} / {r["kernel_over_bound_touched"]:.2f} | '
              f'{r["upload_ms"]:.3f} | {r["cpu_ms"]:.2f} | {r["cpu_over_kernel"]:.0f}x | '
              f'{r["cpu_over_upload_plus_kernel"]:.1f}x |')
    if args.json:
        Path(args.json).write_text(json.dumps({'gpu': gpu, 'bandwidth_Bps': bandwidth,
                                               'rows': rows}, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
