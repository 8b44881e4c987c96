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
``jetson-dnn build-engine`` and ``jetson-dnn engines list|clean``.

:func:`add_subcommands` adds them to the ``jetson-dnn`` parser (the CLI calls it when this
module imports). Building prints TensorRT's progress (a tqdm bar per phase where
``IProgressMonitor`` exists, log lines otherwise) and ends with the engine path.

A model descriptor may carry a ``tensorrt`` section, used by ``build-engine``::

    tensorrt:
      profile: {input: {min: [1, 129, 129, 3], opt: [1, 257, 257, 3], max: [1, 513, 513, 3]}}
      workspace_mib: 1024
"""

import argparse
import logging
import sys
from typing import Dict, Optional, Sequence, Tuple

from jetson_dnn_ros.backends.engine_cache import EngineCache
from jetson_dnn_ros.errors import ModelError


def parse_shape(text: str) -> Tuple[int, ...]:
    """Parse ``1x3x224x224`` (or ``1,3,224,224``) into a tuple of ints."""
    try:
        dims = tuple(int(v) for v in text.replace(',', 'x').split('x') if v)
    except ValueError:
        raise argparse.ArgumentTypeError(f'bad shape {text!r}; write e.g. 1x3x224x224') from None
    if not dims or any(d < 1 for d in dims):
        raise argparse.ArgumentTypeError(f'bad shape {text!r}; dimensions must be >= 1')
    return dims


def _named_shapes(items: Optional[Sequence[str]], count: int, flag: str) -> Dict[str, tuple]:
    out = {}
    for item in items or ():
        parts = item.split(':')
        if len(parts) != count + 1:
            raise ModelError(f'{flag} {item!r}: expected NAME' + ':SHAPE' * count)
        shapes = tuple(parse_shape(p) for p in parts[1:])
        out[parts[0]] = shapes[0] if count == 1 else shapes
    return out


def descriptor_options(descriptor) -> Dict:
    """Return the TensorRT options of a descriptor (``ModelDescriptor.tensorrt_options``)."""
    return descriptor.tensorrt_options()


def _resolve_model(text: str, input_size: Optional[str] = None):
    """
    Return ``(onnx path, descriptor or None)`` for a zoo name, .yaml or .onnx reference.

    ``input_size`` (``--input-size``) changes the descriptor's input size as everywhere
    (:func:`jetson_dnn_ros.pipeline.apply_input_size`).

    Paths resolve as every ``--model`` does (:func:`jetson_dnn_ros.models.resolve_path`:
    relative to the current directory, ``~``, ``package://``); an .onnx file keeps no
    descriptor. A model TensorRT cannot parse (ONNX Runtime int8 operators) is refused here.

    :raises ModelError: if the model is not found or TensorRT cannot parse it.
    """
    from jetson_dnn_ros.inspection import check_tensorrt_parsable
    from jetson_dnn_ros.models import resolve_model, resolve_path
    from jetson_dnn_ros.paths import cache_dir, data_dir
    from jetson_dnn_ros.pipeline import resolve_model_file
    if text.lower().endswith('.onnx'):
        path, descriptor = resolve_path(text, search=(cache_dir(), data_dir())), None
    else:
        from jetson_dnn_ros.pipeline import apply_input_size
        descriptor = apply_input_size(resolve_model(text), input_size)
        path = resolve_model_file(descriptor)
    check_tensorrt_parsable(path)
    return str(path), descriptor


def cmd_build_engine(args) -> int:
    """Build (or verify the cache of) one engine and print its path."""
    from jetson_dnn_ros.backends.tensorrt import TensorRTBackend
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    path, descriptor = _resolve_model(args.model, getattr(args, 'input_size', None))
    options = descriptor_options(descriptor) if descriptor is not None else {}
    shapes = _named_shapes(args.input_shape, 1, '--input-shape')
    profile = _named_shapes(args.profile, 3, '--profile')
    if descriptor is not None and not shapes and not profile:
        # the profile the pipeline (a node, run, eval) asks for: the same cached engine
        from jetson_dnn_ros.pipeline import engine_profile
        profile = engine_profile(descriptor, path) or {}
    if shapes:
        options['input_shapes'] = shapes
    if profile:
        options['profile'] = profile
    if args.calibration_images:
        if descriptor is None:
            raise ModelError('--calibration-images needs a model descriptor (name or .yaml) '
                             'for the preprocessing')
        options['calibration'] = args.calibration_images
    for key in ('dla_core', 'workspace_mib', 'calibration_cache'):
        if getattr(args, key) is not None:
            options[key] = getattr(args, key)
    backend = TensorRTBackend(path, precision=args.precision,
                              engine_cache_dir=args.engine_cache_dir,
                              force_engine_update=args.force, engine_file_path=args.engine_file,
                              use_gpu_preprocessing=False, progress=not args.no_progress,
                              **options)
    try:
        state = 'built' if backend.engine_built else 'cached'
        print(f'{state}: {backend.engine_path} ({backend.precision}, {backend.device})')
        for spec in backend.input_specs + backend.output_specs:
            print(f'  {spec.name}: {spec.shape} {spec.dtype}')
        if args.verify:
            _verify(args, path, descriptor, backend)
            backend = None   # the pipeline closed it
    finally:
        if backend is not None:
            backend.close()
    return 0


def _verify(args, path, descriptor, backend) -> None:
    """Run the parity gate (jetson_dnn_ros.parity) on the engine; raise ParityError if refused."""
    from jetson_dnn_ros.models import resolve_model
    from jetson_dnn_ros.parity import verify_pipeline
    from jetson_dnn_ros.pipeline import Pipeline
    if descriptor is None:   # a bare .onnx: inspected, as --model FILE.onnx everywhere
        descriptor = resolve_model(path)
    pipeline = Pipeline(descriptor, backend)
    try:
        result = verify_pipeline(pipeline, force=args.force)
        figures = ', '.join(f'{k} {v:.4g}' for k, v in result.figures.items())
        print(f"verified{' (cached)' if result.cached else ''} against ONNX Runtime on "
              f"{', '.join(result.images)}: {figures}")
    finally:
        pipeline.close()


def _current() -> Optional[tuple]:
    """Return (TensorRT version, GPU name, compute capability) here, or None."""
    try:
        from jetson_dnn_ros.backends import trt_compat
        trt = trt_compat.import_tensorrt()
        cuda = trt_compat.import_pycuda()
        cuda.init()
        dev = cuda.Device(0)
        return trt.__version__, dev.name(), tuple(dev.compute_capability())
    except Exception:  # noqa: B902 - a probe: no TensorRT/CUDA -> no device info
        return None


def cmd_engines_list(args) -> int:
    """Print the cached engines with their key and status."""
    cache = EngineCache(args.engine_cache_dir)
    entries = cache.entries(_current())
    if not entries:
        print(f'no engines in {cache.directory}')
    for entry in entries:
        key = entry.key
        what = (f'TensorRT {key.tensorrt_version}, {key.gpu_name} sm_'
                f'{"".join(map(str, key.compute_capability))}, {key.precision}, '
                f'profile {dict(key.profile)}' + (f', DLA {key.dla_core}'
                                                  if key.dla_core is not None else '')
                ) if key else 'no metadata'
        print(f'{entry.status:8s} {entry.size / 2**20:8.1f} MiB  {entry.path.name}  {what}')
    return 0


def cmd_engines_clean(args) -> int:
    """Delete corrupt, foreign (built elsewhere) or all engines."""
    cache = EngineCache(args.engine_cache_dir)
    older = args.older_than_days * 86400.0 if args.older_than_days is not None else None
    removed = cache.clean(_current(), everything=args.all, older_than_s=older)
    for path in removed:
        print(f'removed {path}')
    print(f'{len(removed)} engine(s) removed from {cache.directory}')
    return 0


def add_subcommands(subparsers) -> None:
    """Add ``build-engine`` and ``engines list|clean`` to the ``jetson-dnn`` parser."""
    p = subparsers.add_parser('build-engine', help='build a TensorRT engine into the cache',
                              description='Build (or find in the cache) the TensorRT engine '
                              'of a model: descriptor name, .yaml or .onnx file.')
    p.add_argument('--model', required=True, help='descriptor name, .yaml or .onnx file')
    p.add_argument('--precision', choices=('fp32', 'fp16', 'int8'), default='fp16')
    p.add_argument('--engine-cache-dir', default=None,
                   help='engine cache folder (default $JETSON_DNN_CACHE/engines)')
    p.add_argument('--engine-file', default=None, help='write the engine to this path instead')
    p.add_argument('--force', action='store_true', help='rebuild even if a cached engine fits')
    p.add_argument('--calibration-images', metavar='DIR|BAG', default=None,
                   help='INT8 calibration images: a folder or a rosbag (TensorRT <= 10)')
    p.add_argument('--calibration-cache', default=None, help='calibration cache file')
    p.add_argument('--dla-core', type=int, default=None, help='DLA core (Jetson) with GPU '
                   'fallback')
    p.add_argument('--workspace-mib', type=int, default=None, help='builder workspace in MiB')
    p.add_argument('--input-shape', action='append', metavar='NAME:SHAPE',
                   help='static input shape, e.g. images:1x3x416x416 (repeatable)')
    p.add_argument('--profile', action='append', metavar='NAME:MIN:OPT:MAX',
                   help='dynamic input profile, e.g. input:1x129x129x3:1x257x257x3:1x513x513x3 '
                   '(default for a descriptor: the sizes its pipeline feeds)')
    p.add_argument('--input-size', metavar='WxH|PIXELS|auto',
                   help="the descriptor's network input size changed as for run/eval "
                   '(a fixed WxH or a per-aspect pixel budget)')
    p.add_argument('--no-progress', action='store_true', help='no progress bars')
    p.add_argument('--verify', action='store_true',
                   help='run the engine and ONNX Runtime on the verification images and fail '
                   "if they disagree beyond the descriptor's thresholds (parity gate)")
    p.set_defaults(func=cmd_build_engine)

    e = subparsers.add_parser('engines', help='list or clean cached TensorRT engines')
    sub = e.add_subparsers(dest='engines_command', required=True)
    ls = sub.add_parser('list', help='list cached engines and whether they are usable here')
    ls.add_argument('--engine-cache-dir', default=None)
    ls.set_defaults(func=cmd_engines_list)
    cl = sub.add_parser('clean', help='delete corrupt and foreign engines (or all)')
    cl.add_argument('--engine-cache-dir', default=None)
    cl.add_argument('--all', action='store_true', help='delete every engine and timing cache')
    cl.add_argument('--older-than-days', type=float, default=None,
                    help='also delete engines older than this')
    cl.set_defaults(func=cmd_engines_clean)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the TensorRT subcommands alone (``python -m jetson_dnn_ros.backends.cli_tensorrt``)."""
    parser = argparse.ArgumentParser(prog='jetson-dnn')
    add_subcommands(parser.add_subparsers(dest='command', required=True))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == '__main__':
    sys.exit(main())
