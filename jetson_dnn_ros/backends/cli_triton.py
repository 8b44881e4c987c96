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
``jetson-dnn triton export``: a Triton model repository for a model descriptor.

Writes ``REPOSITORY/NAME/config.pbtxt`` and ``REPOSITORY/NAME/VERSION/model.onnx`` (platform
``onnxruntime_onnx``) or, with ``--engine``, ``model.plan`` (``tensorrt_plan``, an engine from
``jetson-dnn build-engine`` built on the server's GPU and TensorRT version). A stock
``tritonserver --model-repository REPOSITORY`` then serves it under the name the ``triton``
backend asks for by default (the descriptor name). Inputs and outputs (names, data types,
dims) are the ONNX file's, read with ONNX Runtime.
"""

from pathlib import Path
import shutil
from typing import Optional, Sequence

from jetson_dnn_ros.backends.base import TensorSpec
from jetson_dnn_ros.errors import ModelError
import numpy as np

TYPES = {'bool': 'TYPE_BOOL', 'uint8': 'TYPE_UINT8', 'int8': 'TYPE_INT8',
         'int16': 'TYPE_INT16', 'int32': 'TYPE_INT32', 'int64': 'TYPE_INT64',
         'uint16': 'TYPE_UINT16', 'uint32': 'TYPE_UINT32', 'uint64': 'TYPE_UINT64',
         'float16': 'TYPE_FP16', 'float32': 'TYPE_FP32', 'float64': 'TYPE_FP64'}
"""numpy dtype name -> Triton model-config data type."""


def _tensor(spec: TensorSpec, batched: bool) -> str:
    dims = [-1 if d is None else int(d) for d in spec.shape]
    if batched:
        dims = dims[1:]
    kind = TYPES.get(np.dtype(spec.dtype).name)
    if kind is None:
        raise ModelError(f'tensor {spec.name!r} has dtype {spec.dtype}, which Triton '
                         'cannot describe')
    return (f'  {{\n    name: "{spec.name}"\n    data_type: {kind}\n'
            f'    dims: [ {", ".join(str(d) for d in dims)} ]\n  }}')


def model_config(name: str, inputs: Sequence[TensorSpec], outputs: Sequence[TensorSpec],
                 platform: str = 'onnxruntime_onnx', max_batch_size: int = 0,
                 dynamic_batching: bool = False, max_queue_delay_us: int = 100,
                 instances: int = 1, kind: str = 'KIND_GPU') -> str:
    """
    Return the ``config.pbtxt`` text (Triton ``ModelConfig`` protobuf text format).

    :param name: the model name (the repository folder).
    :param inputs: the model inputs; with ``max_batch_size`` > 0 their first axis is the
        batch axis, which must be dynamic, and is left out of ``dims`` as Triton expects.
    :param outputs: the model outputs (same rule).
    :param platform: ``onnxruntime_onnx`` or ``tensorrt_plan``.
    :param max_batch_size: 0 = the model's own shapes, no batching by Triton.
    :param dynamic_batching: let the server group requests (needs ``max_batch_size`` > 0).
    :param max_queue_delay_us: how long the batcher waits for more requests (µs).
    :param instances: model instances on each device.
    :param kind: ``KIND_GPU`` or ``KIND_CPU``.
    :raises ModelError: if batching is asked of a model whose first axis is fixed, or a dtype
        has no Triton type.
    """
    if max_batch_size < 0 or instances < 1 or max_queue_delay_us < 0:
        raise ModelError('max_batch_size and max_queue_delay_us must be >= 0, instances >= 1')
    if dynamic_batching and max_batch_size < 1:
        raise ModelError('dynamic batching needs --max-batch-size >= 1')
    batched = max_batch_size > 0
    if batched:
        fixed = [s.name for s in list(inputs) + list(outputs) if not s.shape or
                 s.shape[0] is not None]
        if fixed:
            raise ModelError(f'--max-batch-size {max_batch_size}: tensors {fixed} have a fixed '
                             'first axis, so the model cannot take a batch; export with '
                             '--max-batch-size 0 (or re-export the ONNX file with a dynamic '
                             'batch axis)')
    lines = [f'name: "{name}"', f'platform: "{platform}"', f'max_batch_size: {max_batch_size}',
             'input [', ',\n'.join(_tensor(s, batched) for s in inputs), ']',
             'output [', ',\n'.join(_tensor(s, batched) for s in outputs), ']',
             f'instance_group [ {{ count: {instances}, kind: {kind} }} ]']
    if dynamic_batching:
        lines.append(f'dynamic_batching {{ max_queue_delay_microseconds: {max_queue_delay_us} }}')
    return '\n'.join(lines) + '\n'


def export(model: str, repository: str, name: Optional[str] = None, version: int = 1,
           engine: Optional[str] = None, **config) -> Path:
    """
    Write a Triton model repository entry for a descriptor; return the model folder.

    :param model: descriptor name or ``.yaml`` path.
    :param repository: the repository folder (created if needed).
    :param name: the model name; None = the descriptor name (the backend's default).
    :param version: the version folder (>= 1).
    :param engine: a TensorRT plan to serve instead of the ONNX file.
    :param config: :func:`model_config` options.
    :raises ModelError: if the model or engine file is missing or cannot be described.
    """
    from jetson_dnn_ros.backends.onnxruntime import OnnxRuntimeBackend
    from jetson_dnn_ros.models import get_descriptor
    from jetson_dnn_ros.pipeline import resolve_model_file
    descriptor = get_descriptor(model)
    onnx_path = Path(resolve_model_file(descriptor))
    if version < 1:
        raise ModelError('--version must be >= 1')
    if engine is not None and not Path(engine).is_file():
        raise ModelError(f'engine file not found: {engine}')
    with OnnxRuntimeBackend(str(onnx_path), providers=['CPUExecutionProvider']) as backend:
        inputs, outputs = backend.input_specs, backend.output_specs
    name = name or descriptor.name
    text = model_config(name, inputs, outputs,
                        platform='tensorrt_plan' if engine else 'onnxruntime_onnx', **config)
    from jetson_dnn_ros.outputs import staged_file
    folder = Path(repository) / name
    # every file lands atomically (a polling server never loads half a model), the model
    # before config.pbtxt; the other model file of an earlier export of this version goes
    model_file = folder / str(version) / ('model.plan' if engine else 'model.onnx')
    with open(engine if engine else onnx_path, 'rb') as source, staged_file(model_file) as out:
        shutil.copyfileobj(source, out, 1 << 20)
    stale = model_file.with_name('model.onnx' if engine else 'model.plan')
    stale.unlink(missing_ok=True)
    with staged_file(folder / 'config.pbtxt') as out:
        out.write(text.encode('utf-8'))
    return folder


def cmd_export(args) -> int:
    """Run ``triton export`` and print what was written and how to serve it."""
    folder = export(args.model, args.repository, name=args.name, version=args.version,
                    engine=args.engine, max_batch_size=args.max_batch_size,
                    dynamic_batching=args.dynamic_batching,
                    max_queue_delay_us=args.max_queue_delay_us, instances=args.instances,
                    kind='KIND_CPU' if args.cpu else 'KIND_GPU')
    print(f'wrote {folder}')
    print(f'serve:  tritonserver --model-repository {Path(args.repository).resolve()}')
    print(f'use:    backend:=triton triton_url:=grpc://SERVER:8001 (triton_model {folder.name})')
    return 0


def add_subcommands(subparsers) -> None:
    """Add ``triton export`` to the ``jetson-dnn`` parser."""
    p = subparsers.add_parser('triton', help='Triton Inference Server tooling')
    sub = p.add_subparsers(dest='triton_command', required=True)
    e = sub.add_parser('export', help='write a Triton model repository entry for a model',
                       description=__doc__.strip().splitlines()[0])
    e.add_argument('--model', required=True, help='descriptor name or .yaml')
    e.add_argument('--repository', required=True, help='model repository folder')
    e.add_argument('--name', default=None, help='model name (default: the descriptor name)')
    e.add_argument('--version', type=int, default=1, help='version folder (default 1)')
    e.add_argument('--engine', default=None,
                   help='serve this TensorRT plan (from build-engine) instead of the ONNX file')
    e.add_argument('--max-batch-size', type=int, default=0,
                   help='0 = no batching (default); >0 needs a dynamic first axis')
    e.add_argument('--dynamic-batching', action='store_true',
                   help='let the server batch requests of several clients')
    e.add_argument('--max-queue-delay-us', type=int, default=100,
                   help='dynamic batcher queue delay in microseconds')
    e.add_argument('--instances', type=int, default=1, help='model instances per device')
    e.add_argument('--cpu', action='store_true', help='KIND_CPU instead of KIND_GPU')
    e.set_defaults(func=cmd_export)
