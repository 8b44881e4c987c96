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
Serve ONNX files on a real Triton Inference Server through PyTriton (tests and benchmarks).

Runs inside the PyTriton virtual environment built by :mod:`tritonfixture`, not in the
project's Python. Each ``--model NAME=PATH`` is an ONNX Runtime CPU session bound with
``Triton.bind``; the tensors Triton sees are the ONNX file's own (names, dtypes, dims).
Options per model, after the path, separated by ``:``:

- ``batch=N``: ``max_batch_size`` N with dynamic batching (the ONNX batch axis becomes
  Triton's batch axis; requests of a batch are run one by one if the file has a fixed batch 1);
- ``sleep=S``: sleep S seconds before answering (timeout tests);
- ``crop``: drop the last element of each output's last axis (a server that answers with a
  shape its metadata does not announce).

Prints ``READY`` on stdout (and creates ``--ready-file``) once every model is loaded, then
serves until SIGTERM/SIGINT or until its parent process is gone. Listens on 127.0.0.1 only.
"""

import argparse
import os
import signal
import sys
import threading
import time

import numpy as np


def _dims(shape):
    return tuple(d if isinstance(d, int) and d > 0 else -1 for d in shape)


_ORT = {'tensor(float)': np.float32, 'tensor(float16)': np.float16,
        'tensor(int64)': np.int64, 'tensor(int32)': np.int32, 'tensor(uint8)': np.uint8,
        'tensor(int8)': np.int8, 'tensor(double)': np.float64, 'tensor(bool)': np.bool_}


def _bind(triton, name, path, options):
    import onnxruntime as ort
    from pytriton.model_config import DynamicBatcher, ModelConfig, Tensor
    so = ort.SessionOptions()
    so.intra_op_num_threads = int(options.get('threads', 1))
    session = ort.InferenceSession(path, sess_options=so, providers=['CPUExecutionProvider'])
    ins, outs = session.get_inputs(), session.get_outputs()
    out_names = [o.name for o in outs]
    batch = int(options.get('batch', 0))
    sleep = float(options.get('sleep', 0))
    crop = 'crop' in options
    fixed_one = all(_dims(i.shape)[0] == 1 for i in ins)

    def run(feed):
        if sleep:
            time.sleep(sleep)
        if batch and fixed_one:
            n = next(iter(feed.values())).shape[0]
            parts = [session.run(out_names, {k: v[j:j + 1] for k, v in feed.items()})
                     for j in range(n)]
            values = [np.concatenate([p[i] for p in parts]) for i in range(len(out_names))]
        else:
            values = session.run(out_names, feed)
        if crop:
            values = [v[..., :-1] for v in values]
        return dict(zip(out_names, values))

    def infer(requests):
        if batch:
            # the batcher groups requests; stack them along the batch axis, run once, split
            sizes = [next(iter(r.data.values())).shape[0] for r in requests]
            feed = {i.name: np.concatenate([r.data[i.name] for r in requests]) for i in ins}
            out = run(feed)
            answers, start = [], 0
            for size in sizes:
                answers.append({k: v[start:start + size] for k, v in out.items()})
                start += size
            return answers
        return [run({i.name: r.data[i.name] for i in ins}) for r in requests]

    cut = 1 if batch else 0
    inputs = [Tensor(name=i.name, dtype=_ORT[i.type], shape=_dims(i.shape)[cut:]) for i in ins]
    outputs = [Tensor(name=o.name, dtype=_ORT[o.type], shape=_dims(o.shape)[cut:])
               for o in outs]
    if batch:
        config = ModelConfig(max_batch_size=batch,
                             batcher=DynamicBatcher(max_queue_delay_microseconds=500))
    else:
        config = ModelConfig(batching=False)
    triton.bind(model_name=name, infer_func=infer, inputs=inputs, outputs=outputs,
                config=config, strict=False)


def main(argv=None):
    """Start the server, bind every model, print READY and serve until stopped."""
    from pytriton.triton import Triton, TritonConfig
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--grpc-port', type=int, required=True)
    parser.add_argument('--http-port', type=int, required=True)
    parser.add_argument('--metrics-port', type=int, required=True)
    parser.add_argument('--model', action='append', default=[], metavar='NAME=PATH[:OPT]')
    parser.add_argument('--ready-file', default=None,
                        help='also create this file once ready (stdout is shared with the logs)')
    args = parser.parse_args(argv)
    config = TritonConfig(grpc_address='127.0.0.1', grpc_port=args.grpc_port,
                          http_address='127.0.0.1', http_port=args.http_port,
                          metrics_port=args.metrics_port, allow_metrics=False,
                          log_verbose=0, exit_timeout_secs=5)
    options = {}
    try:
        from pytriton.triton import DEFAULT_PROTECTED_ENDPOINTS, TritonSecurityConfig
    except ImportError:     # PyTriton < 0.7 restricts nothing
        pass
    else:
        # PyTriton guards its endpoints with a token; like a stock tritonserver, leave
        # system shared memory open to clients (loopback only)
        options['security_config'] = TritonSecurityConfig(restricted_endpoints=[
            e for e in DEFAULT_PROTECTED_ENDPOINTS if e != 'shared-memory'])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with Triton(config=config, **options) as triton:
        for item in args.model:
            name, rest = item.split('=', 1)
            path, *opts = rest.split(':')
            options = dict(o.split('=', 1) if '=' in o else (o, '1') for o in opts)
            _bind(triton, name, path, options)
        triton.run()
        print('READY', flush=True)
        if args.ready_file:
            with open(args.ready_file + '.tmp', 'w') as f:
                f.write('READY\n')
            os.replace(args.ready_file + '.tmp', args.ready_file)
        parent = os.getppid()
        while not stop.wait(0.2):
            if os.getppid() != parent:      # the test run died: never outlive it
                break
    return 0


if __name__ == '__main__':
    sys.exit(main())
