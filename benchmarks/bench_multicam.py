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
Benchmark N cameras into one detection node against one detection node per camera.

What runs: the real :class:`~jetson_dnn_ros.ros.detection_node.DetectionNode` (YOLOX-Nano,
ONNX Runtime; ``--model-file`` to change) on the rclpy stand-in graph (``test/standins``: an
in-process graph, no DDS, no serialisation), fed 1920x1080 ``bgr8`` sensor_msgs/Image frames
(a shared photo resized). Each configuration runs in its own process(es), as a launch file
runs one process per node:

- ``one node``: one process, one node with ``cameras: [cam0, ..., camN-1]`` on the
  batch-dynamic copy of the model (made with ``onnxgen.make_batch_dynamic``): the N frames of a
  round are stacked into one inference (``max_batch`` = N);
- ``one node, no batch``: the same with the unchanged model (batch fixed at 1): the engine
  runs the N frames one after another;
- ``N nodes``: N processes started together, each one node serving one camera (the
  unchanged model).

Every round, each camera publishes one frame (cameras triggered together) and the process spins
until every result is out. Measured per configuration: throughput (results per second over
all cameras, wall time from the first publish to the last result; for N processes from the
earliest start to the latest end), latency per frame (publish to result arriving at the probe
node) p50/p99, CPU time per result (user + system time of the process(es) during the
timed rounds, all threads, divided by the results: what a frame costs, less sensitive than
wall time to other load on the machine), and memory after the run: RSS and PSS
(``/proc/<pid>/smaps_rollup``; PSS splits shared library pages between the processes that
map them) summed over the processes, and the peak RSS (VmHWM). Each configuration runs
``--repeat`` times, interleaved with the others in a rotating order; the table shows the run
of median throughput (and the range).
Ratios are against N nodes in the same run.

Usage: ``python3 benchmarks/bench_multicam.py [--cameras 1,2,4] [--rounds 30] [--repeat 3]
[--json OUT]``.
"""

import argparse
import atexit
import json
import os
from pathlib import Path
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get('JETSON_DNN_DATA', ROOT.parent / 'shared' / 'data'))


def memory_kb(pid: str = 'self') -> dict:
    """Return ``{'rss': kB, 'pss': kB, 'hwm': kB}`` of a process (Linux /proc)."""
    out = {}
    with open(f'/proc/{pid}/smaps_rollup') as stream:
        for line in stream:
            key, _, rest = line.partition(':')
            if key in ('Rss', 'Pss'):
                out[key.lower()] = int(rest.split()[0])
    with open(f'/proc/{pid}/status') as stream:
        for line in stream:
            if line.startswith('VmHWM:'):
                out['hwm'] = int(line.split()[1])
    return out


def worker(args) -> dict:
    """Run one node serving ``args.worker`` cameras on the stand-in graph; return the facts."""
    import cv2
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / 'test'))
    from standins.install import install
    install()
    from builtin_interfaces.msg import Time
    from jetson_dnn_ros.ros.detection_node import DetectionNode
    import rclpy
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.parameter import Parameter
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import Image
    from std_msgs.msg import Header
    from vision_msgs.msg import Detection2DArray

    count = args.worker
    cameras = [f'cam{i}' for i in range(count)] if args.multi else ['']
    overrides = {'model': 'yolox_nano', 'backend': 'onnxruntime',
                 'model_file_path': args.model_file}
    if args.multi:
        overrides.update(cameras=cameras, max_batch=max(count, 1), batch_window_ms=1000.0)
    rclpy.init()
    node = DetectionNode(namespace='/bench', parameter_overrides=[
        Parameter(k, value=v) for k, v in overrides.items()])
    probe = rclpy.create_node('bench_probe')
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    executor.add_node(probe)
    from rclpy.lifecycle import TransitionCallbackReturn
    if node.trigger_configure() != TransitionCallbackReturn.SUCCESS:
        raise RuntimeError('configure failed')
    node.trigger_activate()
    image = cv2.resize(cv2.imread(str(DATA / 'images' / 'humans_0.jpg')), (1920, 1080))
    data = image.tobytes()
    qos = QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT)
    published = {}
    latencies = []

    def on_result(msg):
        key = (msg.header.frame_id, msg.header.stamp.sec)
        latencies.append(time.perf_counter() - published[key])
    pubs = {}
    for cam in cameras:
        prefix = f'/bench/{cam}/' if cam else '/bench/'
        pubs[cam] = probe.create_publisher(Image, prefix + 'image', qos)
        probe.create_subscription(Detection2DArray, prefix + 'detections', on_result, 10)

    def round_(index):
        for cam, pub in pubs.items():
            msg = Image(header=Header(stamp=Time(sec=index), frame_id=cam or 'camera'),
                        height=1080, width=1920, encoding='bgr8', step=1920 * 3, data=data)
            published[(msg.header.frame_id, index)] = time.perf_counter()
            pub.publish(msg)
        try:
            from rclpy import _standin
            _standin.spin_until_idle(executor)
        except ImportError:   # real ROS 2: spin until this round's results are in (<= 10 s)
            want = len(latencies) + len(pubs)
            deadline = time.monotonic() + 10.0
            while len(latencies) < want and time.monotonic() < deadline:
                executor.spin_once(timeout_sec=0.01)

    for index in range(args.warmup):
        round_(index)
    latencies.clear()
    before = node.batch_histogram()
    start_wall, start = time.time(), time.perf_counter()
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    for index in range(args.warmup, args.warmup + args.rounds):
        round_(index)
    elapsed = time.perf_counter() - start
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    facts = {'frames': len(latencies), 'elapsed_s': elapsed, 'cpu_s': cpu_s, 'start': start_wall,
             'end': start_wall + elapsed, 'latencies_ms': [x * 1e3 for x in latencies],
             'batches': {size: n - before.get(size, 0)
                         for size, n in node.batch_histogram().items()
                         if n > before.get(size, 0)}, **memory_kb()}
    node.trigger_deactivate()
    node.trigger_cleanup()
    node.destroy_node()
    probe.destroy_node()
    rclpy.try_shutdown()
    return facts


def run_workers(count_per_process: int, processes: int, model: str, multi: bool,
                args) -> dict:
    """Start ``processes`` workers together; return their combined measurements."""
    command = [sys.executable, __file__, '--worker', str(count_per_process), '--model-file',
               model, '--rounds', str(args.rounds), '--warmup', str(args.warmup)]
    if multi:
        command.append('--multi')
    env = dict(os.environ, PYTHONPATH=str(ROOT), JETSON_DNN_DATA=str(DATA))
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, env=env, text=True)
             for _ in range(processes)]
    results = []
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode:
            raise RuntimeError(f'worker failed ({proc.returncode})')
        results.append(json.loads(out.strip().splitlines()[-1]))
    latencies = np.concatenate([r['latencies_ms'] for r in results])
    wall = max(r['end'] for r in results) - min(r['start'] for r in results)
    frames = sum(r['frames'] for r in results)
    batches = {}
    for r in results:
        for size, n in r['batches'].items():
            batches[size] = batches.get(size, 0) + n
    return {'fps': frames / wall,
            'cpu_ms': sum(r['cpu_s'] for r in results) * 1e3 / frames,
            'p50_ms': float(np.percentile(latencies, 50)),
            'p99_ms': float(np.percentile(latencies, 99)), 'frames': frames,
            'rss_mib': sum(r['rss'] for r in results) / 1024,
            'pss_mib': sum(r['pss'] for r in results) / 1024,
            'peak_rss_mib': sum(r['hwm'] for r in results) / 1024, 'batches': batches}


def main(argv=None) -> int:
    """Run the benchmark (or one worker) and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--cameras', default='1,2,4')
    parser.add_argument('--rounds', type=int, default=30)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--repeat', type=int, default=3,
                        help='runs of each configuration, interleaved; the median is shown')
    parser.add_argument('--model-file', default=str(DATA / 'models' / 'detection' /
                                                    'yolox_nano.onnx'))
    parser.add_argument('--json', default='')
    parser.add_argument('--worker', type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument('--multi', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args)))
        return 0
    sys.path.insert(0, str(ROOT / 'test'))
    from onnxgen import make_batch_dynamic
    scratch = tempfile.mkdtemp(prefix='bench_multicam_')
    atexit.register(shutil.rmtree, scratch, True)   # the batch-dynamic model copy
    batch_model = str(make_batch_dynamic(args.model_file, Path(scratch) / 'batch.onnx'))
    rows = []
    run_workers(1, 1, args.model_file, False, args)   # warm the file cache; not reported
    for count in [int(c) for c in args.cameras.split(',')]:
        configs = [('one node', lambda: run_workers(count, 1, batch_model, count > 1, args)),
                   ('one node, no batch',
                    lambda: run_workers(count, 1, args.model_file, count > 1, args)),
                   (f'{count} node(s)',
                    lambda: run_workers(1, count, args.model_file, False, args))]
        runs = {name: [] for name, _ in configs}
        for repeat in range(args.repeat):   # interleaved, the order rotating each time
            for name, measure in configs[repeat % 3:] + configs[:repeat % 3]:
                runs[name].append(measure())
        chosen = {}
        for name, results in runs.items():   # the run of median throughput
            results.sort(key=lambda r: r['fps'])
            chosen[name] = dict(results[len(results) // 2],
                                fps_range=(results[0]['fps'], results[-1]['fps']))
        separate = chosen[configs[2][0]]
        for name, _ in configs:
            result = chosen[name]
            rows.append({'cameras': count, 'config': name, **result,
                         'fps_ratio': result['fps'] / separate['fps'],
                         'cpu_ratio': result['cpu_ms'] / separate['cpu_ms'],
                         'pss_ratio': result['pss_mib'] / separate['pss_mib'],
                         'rss_ratio': result['rss_mib'] / separate['rss_mib']})
    header = ('| cameras | configuration | results/s (min-max) | CPU ms/result | p50 ms '
              '| p99 ms | RSS MiB | PSS MiB | peak RSS MiB | batches | results/s vs N nodes '
              '| CPU/result vs N nodes | PSS vs N nodes |')
    print(header)
    print('|' + '---|' * header.count(' | ') + '---|')
    for row in rows:
        batches = ' '.join(f'{k}:{v}' for k, v in sorted(row['batches'].items()))
        low, high = row['fps_range']
        print(f'| {row["cameras"]} | {row["config"]} | {row["fps"]:.1f} '
              f'({low:.1f}-{high:.1f}) | {row["cpu_ms"]:.0f} | '
              f'{row["p50_ms"]:.0f} | {row["p99_ms"]:.0f} | {row["rss_mib"]:.0f} | '
              f'{row["pss_mib"]:.0f} | {row["peak_rss_mib"]:.0f} | {batches} | '
              f'{row["fps_ratio"]:.2f} | {row["cpu_ratio"]:.2f} | {row["pss_ratio"]:.2f} |')
    if args.json:
        from jetson_dnn_ros.outputs import staged_file
        with staged_file(Path(args.json)) as out:
            out.write(json.dumps(rows, indent=1).encode('utf-8'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
