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
N robots on one Triton server: throughput and latency against local ONNX Runtime, one run.

For N = 1, 2, 4, 8 concurrent pipelines (threads, each with its own pipeline and backend, as N
robots would have), runs the whole pipeline (preprocess, inference, decode) on a real photo for
``--seconds`` and reports frames/s over all pipelines and p50/p99 end-to-end latency per frame,
for: the local ONNX Runtime backend; a Triton server (PyTriton, ONNX Runtime inside, this
host, system shared memory) without batching; the same with dynamic batching
(``max_batch_size`` 8). ``ratio`` = throughput over the local backend's at the same N::

    python3 benchmarks/bench_triton.py [--model mobilenetv2_int8] [--seconds 5] [--grpc-only]

The server comes from ``test/tritonfixture.py`` (its cached venv; built on first use).
"""

import argparse
from pathlib import Path
import sys
import threading
import time

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'test'))

from jetson_dnn_ros.cli import bench_image, machine_description  # noqa: E402
from jetson_dnn_ros.models import get_descriptor  # noqa: E402
from jetson_dnn_ros.pipeline import Pipeline, resolve_model_file  # noqa: E402
import numpy as np  # noqa: E402
import tritonfixture  # noqa: E402

COUNTS = (1, 2, 4, 8)


def run_clients(make, count: int, image: np.ndarray, seconds: float):
    """
    Run ``count`` pipelines made by ``make()`` concurrently for ``seconds``.

    :return: (frames per second over all pipelines, p50 ms, p99 ms, errors).
    """
    pipelines = [make() for _ in range(count)]
    for p in pipelines:
        p.warmup(2)
    latencies, errors, lock = [], [0], threading.Lock()
    start_gate = threading.Barrier(count + 1)
    stop = [0.0]

    def loop(pipeline):
        mine = []
        start_gate.wait()
        while time.perf_counter() < stop[0]:
            t0 = time.perf_counter()
            try:
                pipeline.process(image, 'bgr8')
            except Exception:  # noqa: B902 - counted, the run goes on
                with lock:
                    errors[0] += 1
                continue
            mine.append((time.perf_counter() - t0) * 1e3)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=loop, args=(p,)) for p in pipelines]
    for t in threads:
        t.start()
    stop[0] = time.perf_counter() + seconds
    begin = time.perf_counter()
    start_gate.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - begin
    for p in pipelines:
        p.close()
    lat = np.array(latencies or [np.nan])
    return len(latencies) / elapsed, float(np.percentile(lat, 50)), \
        float(np.percentile(lat, 99)), errors[0]


def main(argv=None) -> int:
    """Run the benchmark and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument('--model', default='mobilenetv2_int8',
                        help='descriptor with a dynamic batch axis (for dynamic batching)')
    parser.add_argument('--seconds', type=float, default=5.0, help='per configuration')
    parser.add_argument('--counts', default='1,2,4,8', help='pipelines per run')
    parser.add_argument('--http', action='store_true', help='HTTP instead of gRPC')
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.counts.split(',')]
    descriptor = get_descriptor(args.model)
    path = str(resolve_model_file(descriptor))
    image = bench_image()
    print(f'machine: {machine_description()}')
    print(f'model: {args.model} ({descriptor.task}), {args.seconds:g} s per row, '
          f'image {image.shape[1]}x{image.shape[0]}')
    models = {'plain': f'{path}:threads=0', 'batched': f'{path}:batch=8:threads=0'}
    rows = []
    with tritonfixture.TritonServer(models) as server:
        url = server.http_url if args.http else server.grpc_url
        configs = [('onnxruntime (local)', lambda: Pipeline.from_model(
            args.model, backend='onnxruntime'))]
        for label, name in (('triton', 'plain'), ('triton + dynamic batching', 'batched')):
            configs.append((label, lambda name=name: Pipeline.from_model(
                args.model, backend='triton', triton_url=url, triton_model=name,
                triton_timeout=30.0)))
        for count in counts:
            local_fps = None
            for label, make in configs:
                fps, p50, p99, errors = run_clients(make, count, image, args.seconds)
                local_fps = local_fps or fps
                rows.append((count, label, fps, p50, p99, fps / local_fps, errors))
                print(f'  N={count} {label}: {fps:.1f} fps, p50 {p50:.2f} ms, p99 {p99:.2f} '
                      f'ms, errors {errors}', file=sys.stderr, flush=True)
    print('| N | backend | frames/s (all) | p50 ms | p99 ms | throughput / local | errors |')
    print('|---|---|---|---|---|---|---|')
    for count, label, fps, p50, p99, ratio, errors in rows:
        print(f'| {count} | {label} | {fps:.1f} | {p50:.2f} | {p99:.2f} | {ratio:.2f} | '
              f'{errors} |')
    return 0


if __name__ == '__main__':
    sys.exit(main())
