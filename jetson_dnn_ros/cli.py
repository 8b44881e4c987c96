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
``jetson-dnn``: the offline tool (no ROS needed).

Subcommands::

    jetson-dnn run --task detection --model yolox_nano --input photos/ --output out/
    jetson-dnn run --model yolox_nano --input recording_bag --output results_bag
    jetson-dnn run --model ./yolov8n.onnx --input photo.jpg --output out/
    jetson-dnn models list | models pull NAME | models inspect FILE.onnx [--write my.yaml]
    jetson-dnn bag from-images photos/ camera_bag --fps 5
    jetson-dnn bench --tasks detection --iterations 50

More subcommands register through :data:`SUBCOMMANDS` (``fn(subparsers) -> None`` adding a
subparser whose ``func(args) -> int`` runs it); the TensorRT tooling's
``jetson_dnn_ros.backends.cli_tensorrt.add_subcommands`` is added when it is importable.
"""

import argparse
import os
from pathlib import Path
import platform
import statistics
import sys
import time
from typing import Callable, List, Optional, Sequence

from jetson_dnn_ros.errors import JetsonDnnError
from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.models import TASKS
import numpy as np

PROG = 'jetson-dnn'
BAG_SUFFIXES = {'.mcap': 'mcap', '.db3': 'sqlite3'}
DEFAULT_MODELS = {'classification': 'mobilenet_v2_1001', 'detection': 'yolox_nano',
                  'segmentation': 'deeplabv3_mobilenetv2_voc', 'pose': 'bodypix_mobilenetv1_050',
                  'depth': 'fastdepth'}
"""Preferred benchmark model per task; the first local model of the task is used otherwise."""

EXIT_STATUS = ('Exit status: 0 = success; 1 = failed (usage error included); 2 = finished '
               'with skipped or lost frames (run, bag from-images); 130 = interrupted.')
"""What ``jetson-dnn`` exit codes mean (README, runner section)."""

SUBCOMMANDS: List[Callable] = []
"""Functions ``fn(subparsers)`` that add subcommands; append yours before :func:`main`."""


def _err(message: str) -> None:
    """Write one error line to stderr without breaking a tqdm bar."""
    try:
        from tqdm import tqdm
        tqdm.write(f'{PROG}: {message}', file=sys.stderr)
    except ImportError:  # pragma: no cover - tqdm is a core dependency
        print(f'{PROG}: {message}', file=sys.stderr)


def subcommand(fn: Callable) -> Callable:
    """Register ``fn(subparsers)`` in :data:`SUBCOMMANDS` (decorator)."""
    SUBCOMMANDS.append(fn)
    return fn


# -- run -------------------------------------------------------------------------------------

def bag_target(path, storage: Optional[str] = None):
    """
    Return ``(bag folder, storage)`` for an output bag name.

    ``out.mcap`` → (``out``, ``mcap``), ``out.db3`` → (``out``, ``sqlite3``); any other name
    is the folder itself with ``storage`` (default ``sqlite3``).
    """
    path = Path(path)
    if path.suffix in BAG_SUFFIXES:
        return path.with_suffix(''), storage or BAG_SUFFIXES[path.suffix]
    return path, storage or 'sqlite3'


def _fraction(text: str) -> float:
    """Parse a number in [0, 1] (argparse type)."""
    return _number(text, float, 0.0, 1.0)


def _positive_int(text: str) -> int:
    """Parse an integer >= 1 (argparse type)."""
    return _number(text, int, 1, None)


def _non_negative_int(text: str) -> int:
    """Parse an integer >= 0 (argparse type)."""
    return _number(text, int, 0, None)


def _positive_float(text: str) -> float:
    """Parse a number > 0 (argparse type)."""
    value = _number(text, float, 0.0, None)
    if value <= 0:
        raise argparse.ArgumentTypeError(f'must be > 0, got {text}')
    return value


def _number(text: str, kind, low, high):
    import math
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'{text!r} is not {"an integer" if kind is int else "a number"}') from None
    if isinstance(value, float) and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f'must be finite, got {text}')
    if (low is not None and value < low) or (high is not None and value > high):
        span = f'in [{low}, {high}]' if high is not None else f'>= {low}'
        raise argparse.ArgumentTypeError(f'must be {span}, got {text}')
    return value


def _alpha(text: str) -> float:
    """Parse an overlay opacity in [0, 255] (argparse type)."""
    return _number(text, float, 0.0, 255.0)


class _Help(argparse.HelpFormatter):
    """Help that shows every default that is a value (not None, not a False switch)."""

    def _get_help_string(self, action):
        text = action.help or ''
        if action.default not in (None, False, argparse.SUPPRESS) and '%(default)' not in text \
                and action.option_strings:
            text += ' (default: %(default)s)'
        return text


@subcommand
def _add_run(subparsers) -> None:
    from jetson_dnn_ros.image import DEFAULT_MAX_PIXELS
    from jetson_dnn_ros.runner import FORMATS
    p = subparsers.add_parser(
        'run', help='run a model on images, a video, a camera or a bag', formatter_class=_Help,
        description='Run a model on an image, folder, glob, video, camera, stream or bag and '
        'write overlays + JSON (an annotated .mp4 + JSONL for videos, a result bag for bag '
        'input). Exit status: 0 every frame processed and written; 1 failed (nothing kept); '
        '2 finished but frames were skipped or lost; 130 interrupted.')
    p.add_argument('--task', choices=TASKS, help='expected task (checked against the model)')
    add_model_arguments(p)
    p.add_argument('--input', required=True,
                   help='image, folder, glob, video, rosbag2 folder or .db3/.mcap, camera '
                   'index (0), /dev/videoN or stream URL (rtsp://...)')
    p.add_argument('--output', default=None,
                   help='output folder; an image file (x.jpg) for one input image; a bag '
                   '(.mcap/.db3, name ending in _bag, or any name for bag input). Default: '
                   '<project>/<task>/<model>N, a new folder each run')
    p.add_argument('--project', default='runs', help='parent of the default output folders')
    p.add_argument('--overwrite', action='store_true',
                   help='replace an existing output (the old one stays until the new one is '
                   'complete)')
    p.add_argument('--exist-ok', action='store_true',
                   help='add to an existing output folder; allow an output inside the input '
                   'folder')
    p.add_argument('--format', choices=FORMATS, default='auto',
                   help='dir: <name>.jpg + <name>.json (+ dense maps); jsonl: <name>.jpg + '
                   'results.jsonl; video: annotated .mp4 + results.jsonl; bag: result bag (bag '
                   'input only); auto: bag for bag input, video for video/camera input, else dir')
    p.add_argument('--storage', choices=('sqlite3', 'mcap'),
                   help='result bag storage (default: from the suffix, else sqlite3)')
    p.add_argument('--topic', help='bag image topic (default: the first raw Image topic)')
    p.add_argument('--backend', choices=('auto', 'onnxruntime', 'tensorrt'), default='auto',
                   help='inference runtime (auto: TensorRT where it is installed)')
    p.add_argument('--precision', choices=('fp32', 'fp16', 'int8'), default='fp16',
                   help='TensorRT precision')
    p.add_argument('--score-threshold', type=_fraction,
                   help="minimum score in [0, 1] (default: the model's)")
    p.add_argument('--iou-threshold', type=_fraction,
                   help="NMS IoU threshold in [0, 1] (default: the model's)")
    p.add_argument('--top-k', type=_positive_int,
                   help="classes reported by a classifier (default: the model's)")
    p.add_argument('--overlay', default='',
                   help="overlay flags, comma-separated (none = no overlay images; '' = the "
                   'defaults); an unknown flag is refused with the valid ones')
    p.add_argument('--alpha', type=_alpha, default=120.0,
                   help='overlay fill opacity, 0..255 (or 0..1)')
    p.add_argument('--max-pixels', type=_non_negative_int, default=DEFAULT_MAX_PIXELS,
                   help='largest image decoded (width x height, checked from the file header '
                   'before decoding); 0 = no cap')
    p.add_argument('--download', action='store_true',
                   help='download the model from its pinned url if it is not local')
    p.add_argument('--quiet', action='store_true',
                   help='no progress bar, per-image lines or speed summary')
    p.set_defaults(func=cmd_run)


def add_model_arguments(p) -> None:
    """Add ``--model``, ``--model-file`` and ``--decoder`` (resolved by :func:`model_of`)."""
    p.add_argument('--model', required=True,
                   help='zoo name (jetson-dnn models list), descriptor .yaml or .onnx file '
                   '(absolute, relative, ~ or package://<pkg>/<path>); an .onnx is inspected '
                   '(jetson-dnn models inspect FILE shows what is inferred)')
    p.add_argument('--model-file', help="ONNX file to use instead of the descriptor's")
    p.add_argument('--decoder',
                   help='decoder for an .onnx whose outputs fit several (e.g. yolox, yolov5)')
    p.add_argument('--input-size', metavar='WxH|PIXELS|auto',
                   help='network input size: WxH fixed (e.g. 513x385), or a pixel budget W*H '
                   'picked per image aspect (e.g. 308321), for models whose input height and '
                   "width are dynamic; default: the descriptor's (auto)")


def model_of(args):
    """Return the :class:`~jetson_dnn_ros.models.ModelDescriptor` of ``--model`` & co."""
    from jetson_dnn_ros.models import resolve_model
    from jetson_dnn_ros.pipeline import apply_input_size
    descriptor = resolve_model(args.model, model_file=args.model_file,
                               decoder=getattr(args, 'decoder', None))
    return apply_input_size(descriptor, getattr(args, 'input_size', None))


def _open_pipeline(args):
    from jetson_dnn_ros.models import assumed_defaults
    from jetson_dnn_ros.pipeline import Pipeline
    from jetson_dnn_ros.backends import tensorrt_usable
    if args.precision == 'int8' and (args.backend == 'onnxruntime' or (
            args.backend == 'auto' and not tensorrt_usable())):
        raise ModelError('--precision int8 needs TensorRT, which is not used here: ONNX '
                         'Runtime runs fp32 (an int8-quantised .onnx runs as it is). Drop '
                         '--precision or pass --backend tensorrt on a Jetson')
    descriptor = model_of(args)
    warning = assumed_defaults(descriptor)
    if warning:
        _err(warning)
    if args.task and args.task != descriptor.task:
        raise ModelError(f'--task {args.task} does not match model {descriptor.name!r}, which '
                         f'is a {descriptor.task} model; pick a {args.task} model (see '
                         f'`{PROG} models list`) or drop --task')
    changes = {}
    if args.score_threshold is not None:
        changes['score_threshold'] = args.score_threshold
    if args.iou_threshold is not None:
        changes['iou_threshold'] = args.iou_threshold
    if args.top_k is not None:
        changes['top_k'] = args.top_k
    try:
        params = descriptor.params.replace(**changes)
    except ValueError as exc:
        raise ModelError(str(exc)) from exc
    return Pipeline.from_model(descriptor, backend=args.backend, precision=args.precision,
                               params=params, download=args.download)


def cmd_run(args) -> int:
    """Run a model over the input and write overlays, JSON, a video or a result bag."""
    from jetson_dnn_ros.runner import run
    return run(args, _open_pipeline, _err)


# -- models ----------------------------------------------------------------------------------

@subcommand
def _add_models(subparsers) -> None:
    p = subparsers.add_parser('models', help='list or download zoo models')
    sub = p.add_subparsers(dest='models_command', required=True)
    ls = sub.add_parser('list', help='list the model descriptors and where their files are')
    ls.set_defaults(func=cmd_models_list)
    pull = sub.add_parser('pull', help='download a model into the cache (sha256-checked)')
    pull.add_argument('name', help='zoo name or descriptor .yaml')
    pull.add_argument('--force', action='store_true', help='download even if local')
    pull.set_defaults(func=cmd_models_pull)
    inspect = sub.add_parser('inspect', help='show what an ONNX file is and how it would run',
                             description='Print the inputs, outputs and metadata of an ONNX '
                             'file, the descriptor inferred from them and why.')
    inspect.add_argument('file', help='the .onnx file (absolute, relative, ~ or package://)')
    inspect.add_argument('--decoder', help='decoder to choose when the outputs fit several')
    inspect.add_argument('--write', metavar='YAML',
                         help='save the inferred descriptor as an editable .yaml')
    inspect.add_argument('--overwrite', action='store_true',
                         help='replace an existing --write file')
    inspect.set_defaults(func=cmd_models_inspect)


LIST_WIDTH = 100
"""Columns ``models list`` fits into."""


def _shorten(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` characters, keeping its end (the file name) after '…'."""
    return text if len(text) <= width else '…' + text[len(text) - width + 1:]


def cmd_models_list(args) -> int:
    """Print a table of the zoo (name, task, local file or -, url or -) in 100 columns."""
    from jetson_dnn_ros.zoo import list_models
    rows = [(e.name, e.task, str(e.path) if e.path else '-', e.url or '-')
            for e in list_models()]
    head = ('name', 'task', 'local file', 'url')
    widths = [max([len(head[i])] + [len(r[i]) for r in rows]) for i in range(4)]
    room = LIST_WIDTH - widths[0] - widths[1] - 6
    widths[2] = min(widths[2], max(10, room - min(widths[3], room // 2)))
    widths[3] = max(3, room - widths[2])
    for row in [head] + rows:
        cells = [_shorten(c, w) for c, w in zip(row, widths)]
        print('  '.join(c.ljust(w) for c, w in zip(cells[:3], widths)) + '  ' + cells[3])
    return 0


def cmd_models_pull(args) -> int:
    """Download (or find) a model and print its local path."""
    from jetson_dnn_ros.zoo import pull
    print(pull(args.name, force=args.force))
    return 0


def cmd_models_inspect(args) -> int:
    """Print what :func:`~jetson_dnn_ros.inspection.inspect_model` infers; ``--write`` it."""
    from jetson_dnn_ros.inspection import inspect_model
    from jetson_dnn_ros.models import resolve_path
    from jetson_dnn_ros.outputs import check_output, staged_file
    from jetson_dnn_ros.paths import cache_dir, data_dir
    source = resolve_path(args.file, search=(cache_dir(), data_dir()))
    out = Path(args.write).expanduser() if args.write else None
    if out is not None:  # refused before the (slow) inspection
        check_output(out, source, overwrite=args.overwrite, kind='file')
    inspection = inspect_model(source, decoder=args.decoder)
    print(inspection.report())
    if out is not None:
        with staged_file(out, replace=args.overwrite) as stream:
            stream.write(inspection.to_yaml().encode('utf-8'))
        print(f'descriptor written to {out}; pass it as --model {out}', file=sys.stderr)
    try:
        inspection.descriptor()
    except ModelError as exc:   # described, but this build cannot run it (e.g. a new task)
        _err(f'note: {exc}')
    return 0


# -- bag -------------------------------------------------------------------------------------

@subcommand
def _add_bag(subparsers) -> None:
    p = subparsers.add_parser('bag', help='make test bags')
    sub = p.add_subparsers(dest='bag_command', required=True)
    fi = sub.add_parser('from-images', help='record images or a video into a rosbag2',
                        formatter_class=_Help)
    fi.add_argument('input', help='image, folder, glob or video')
    fi.add_argument('out_bag', help='bag folder to create (.mcap/.db3 suffix picks storage)')
    fi.add_argument('--fps', type=_positive_float, default=5.0,
                    help='frame rate in Hz (sets stamps)')
    fi.add_argument('--topic', type=topic_name, default='/camera/image_raw',
                    help='image topic (a ROS 2 topic name)')
    fi.add_argument('--frame-id', default='camera_optical_frame',
                    help='header.frame_id of the images and CameraInfo')
    fi.add_argument('--encoding', choices=('bgr8', 'rgb8', 'mono8'), default='bgr8',
                    help='encoding of the raw Image messages')
    fi.add_argument('--compressed', action='store_true',
                    help='write JPEG CompressedImage on <topic>/compressed')
    fi.add_argument('--storage', choices=('sqlite3', 'mcap'),
                    help='storage plugin (default: from the bag suffix, else sqlite3)')
    fi.add_argument('--no-camera-info', action='store_true',
                    help='do not write nominal CameraInfo')
    fi.add_argument('--start-time', type=_start_time, default=None,
                    help='stamp of the first frame: ISO 8601 (2026-01-31T12:00:00+00:00) or '
                    'seconds since the epoch, in [0, 2**31) s (default: now)')
    fi.add_argument('--overwrite', action='store_true',
                    help='replace an existing bag once the new one is complete')
    fi.set_defaults(func=cmd_bag_from_images)


def parse_start_time(text: Optional[str]) -> int:
    """
    Return ``--start-time`` in nanoseconds since the epoch (None = now).

    :raises ValueError: on text that is neither a number nor an ISO 8601 time.
    """
    if text is None:
        return time.time_ns()
    try:
        return int(round(float(text) * 1e9))
    except ValueError:
        pass
    from datetime import datetime, timezone
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f'--start-time {text!r} is neither seconds since the epoch nor an ISO '
                         '8601 time such as 2026-01-31T12:00:00+00:00') from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return int(round(stamp.timestamp() * 1e9))


def _start_time(text: str) -> int:
    """
    Parse ``--start-time`` into nanoseconds since the epoch (argparse type).

    A message stamp holds ``int32`` seconds (builtin_interfaces/Time): the time must be in
    [0, 2**31) s, i.e. 1970-01-01 to 2038-01-19.
    """
    try:
        value = parse_start_time(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    except OverflowError:  # inf
        value = -1
    if not 0 <= value < 2**31 * 10**9:
        raise argparse.ArgumentTypeError(f'{text!r} is outside [0, 2**31) s since the epoch '
                                         '(1970-01-01 to 2038-01-19, the range of a ROS '
                                         'stamp)')
    return value


def topic_name(text: str) -> str:
    """
    Parse a ROS 2 topic name (argparse type).

    The rules of rcl's ``rcl_validate_topic_name`` (non-empty; alphanumerics, ``_``, ``/``,
    ``~``, ``{}``; no trailing ``/``; ``~`` only first and followed by ``/``; ``{name}``
    substitutions of alphanumerics and ``_`` not starting with a digit; no token starting with
    a digit) and rmw's ``//`` rule of a fully qualified name.
    """
    import re
    problem = None
    rest = re.sub(r'\{[A-Za-z_][A-Za-z0-9_]*\}', 'x', text)
    if not text:
        problem = 'must not be empty'
    elif re.search(r'[^A-Za-z0-9_/~{}]', text):
        problem = "must contain only alphanumerics, '_', '/', '~', '{' and '}'"
    elif text.endswith('/'):
        problem = 'must not end with a forward slash'
    elif '//' in text:
        problem = "must not contain repeated forward slashes '//'"
    elif '~' in text[1:] or (text.startswith('~') and text[1:2] not in ('', '/')):
        problem = "may have '~' only as its first character, followed by '/'"
    elif '{' in rest or '}' in rest:
        problem = "must have balanced '{name}' substitutions not starting with a number"
    elif re.search(r'(^|/)[0-9]', text):
        problem = 'must not have a token that starts with a number'
    if problem:
        raise argparse.ArgumentTypeError(f'topic name {text!r} {problem}')
    return text


def cmd_bag_from_images(args) -> int:
    """Write images or a video into a new bag; unreadable images are skipped and counted."""
    from jetson_dnn_ros.bag import write_images_bag
    from jetson_dnn_ros.outputs import check_output
    path, storage = bag_target(args.out_bag, args.storage)
    check_output(path, args.input, overwrite=args.overwrite, kind='bag')
    start_ns = time.time_ns() if args.start_time is None else args.start_time
    skipped = []

    def on_error(name, exc):
        skipped.append(name)
        _err(f'skipped {name}: {exc}')

    count = write_images_bag(path, args.input, topic=args.topic, fps=args.fps,
                             frame_id=args.frame_id, encoding=args.encoding,
                             compressed=args.compressed, storage=storage,
                             camera_info=not args.no_camera_info, start_ns=start_ns,
                             on_error=on_error, overwrite=args.overwrite)
    print(f'{count} frame(s) written to {path} ({storage}), {len(skipped)} skipped',
          file=sys.stderr)
    return 2 if skipped else 0


# -- bench -----------------------------------------------------------------------------------

@subcommand
def _add_bench(subparsers) -> None:
    p = subparsers.add_parser('bench', help='end-to-end vs engine-only timing per task')
    add_bench_arguments(p)
    p.set_defaults(func=cmd_bench)


def add_bench_arguments(p) -> None:
    """Add the benchmark options to an argparse parser (shared with benchmarks/)."""
    which = p.add_mutually_exclusive_group()  # --model X --tasks depth: one or the other
    which.add_argument('--tasks', nargs='+', choices=TASKS, default=list(TASKS),
                       help="benchmark each task's default model")
    p.add_argument('--iterations', type=int, default=30, help='timed runs per measurement')
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--backend', choices=('auto', 'onnxruntime', 'tensorrt'), default='auto')
    p.add_argument('--overlay', action='store_true', help='include drawing the overlay')
    p.add_argument('--image', help='input image (default: the peds_0 photo of the data dir)')
    p.add_argument('--no-peer', action='store_true', help='skip the YOLOX demo comparison')
    which.add_argument('--model', action='append', dest='models', metavar='MODEL',
                       help='benchmark this model (zoo name, .yaml or .onnx; repeatable) '
                       "instead of each task's default")


def cmd_bench(args) -> int:
    """Run :func:`run_benchmark` and print its markdown report."""
    return 0 if run_benchmark(args.tasks, args.iterations, args.backend, args.overlay,
                              args.image, args.warmup, not args.no_peer,
                              models=getattr(args, 'models', None)) else 1


def machine_description() -> str:
    """Return 'CPU model, N cores, onnxruntime X, python Y' for benchmark reports."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.lower().startswith(('model name', 'hardware')):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import onnxruntime
        ort = onnxruntime.__version__
    except ImportError:
        ort = 'not installed'
    return (f'{cpu}, {os.cpu_count()} cores, onnxruntime {ort}, numpy {np.__version__}, '
            f'python {platform.python_version()}')


def bench_image(path: Optional[str] = None, size=(1920, 1080)) -> np.ndarray:
    """
    Return the benchmark input: a real photo resized to ``size`` (W, H), uint8 BGR.

    :raises FileNotFoundError: if the photo is missing.
    """
    import cv2
    from jetson_dnn_ros.paths import data_dir
    path = Path(path) if path else data_dir() / 'images' / 'peds_0.jpg'
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(f'benchmark image {path} not found (pass --image)')
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _task_model(task: str) -> Optional[str]:
    from jetson_dnn_ros.models import list_descriptors
    local = [d for d in list_descriptors() if d.task == task and d.model_path() is not None]
    preferred = [d for d in local if d.name == DEFAULT_MODELS.get(task)]
    candidates = preferred or local
    return candidates[0].name if candidates else None


def _median_ms(samples: Sequence[float]) -> float:
    return statistics.median(samples) * 1e3


def time_pipeline(pipeline, image: np.ndarray, iterations: int = 30, overlay: bool = False,
                  warmup: int = 3) -> dict:
    """
    Time end-to-end vs engine-only runs of one pipeline, interleaved in one loop.

    End-to-end = ``pipeline.process`` (preprocess + infer + decode) plus drawing the overlay
    when ``overlay``; engine-only = ``backend.infer`` on the same prepared inputs (at the input
    size the pipeline runs ``image`` at, :meth:`~jetson_dnn_ros.pipeline.Pipeline.spec_for`).

    :param image: (H, W, 3) uint8 BGR input.
    :return: dict with ``e2e_ms`` and ``engine_ms`` medians in milliseconds and ``ratio``.
    """
    from jetson_dnn_ros.overlay import draw
    from jetson_dnn_ros.overlay import OverlayOptions
    from jetson_dnn_ros.preprocessing import Preprocessor
    spec = pipeline.spec_for(image)
    prep = pipeline.backend.create_preprocessor(spec) or Preprocessor(spec)
    tensor, transform = prep(image, 'bgr8')
    inputs = {pipeline.input.name: tensor}
    inputs.update(pipeline.decoder.extra_inputs(transform, pipeline.backend.input_specs))
    options = OverlayOptions()
    e2e, engine = [], []
    for i in range(max(0, warmup) + max(1, iterations)):
        t0 = time.perf_counter()
        result = pipeline.run(image, 'bgr8')
        if overlay:
            draw(image, result, options)
        t1 = time.perf_counter()
        pipeline.backend.infer(inputs)
        t2 = time.perf_counter()
        if i >= warmup:
            e2e.append(t1 - t0)
            engine.append(t2 - t1)
    e2e_ms, engine_ms = _median_ms(e2e), _median_ms(engine)
    return {'e2e_ms': e2e_ms, 'engine_ms': engine_ms, 'ratio': e2e_ms / engine_ms}


def run_benchmark(tasks=TASKS, iterations: int = 30, backend: str = 'auto',
                  overlay: bool = False, image_path: Optional[str] = None, warmup: int = 3,
                  peer: bool = True, out=None, models: Optional[Sequence[str]] = None
                  ) -> List[dict]:
    """
    Benchmark each task's default model at 1920×1080 and print a markdown table.

    Prints median end-to-end and engine-only times and their ratio (target ≤ 1.05 without
    overlay, ≤ 1.10 with), then — with ``peer`` — our YOLOX-nano pipeline against the
    official YOLOX ONNX Runtime demo's pre/post-processing on the same file and backend.
    Tasks whose model or decoder is unavailable are skipped with a note.

    :return: one dict per measured row (empty if nothing could be measured).
    """
    from jetson_dnn_ros.pipeline import Pipeline
    write = out or print
    image = bench_image(image_path)
    h, w = image.shape[:2]
    write(f'Machine: {machine_description()}')
    write(f'Input: {w}x{h} BGR, {iterations} iterations (median), overlay: {overlay}\n')
    write('| task | model | backend | end-to-end ms | engine ms | ratio | target |')
    write('|---|---|---|---|---|---|---|')
    rows, notes = [], []
    target = 1.10 if overlay else 1.05
    if models:   # model references (resolved like every --model) instead of task defaults
        from jetson_dnn_ros.models import assumed_defaults, resolve_model
        chosen = [resolve_model(m) for m in models]
        for warning in filter(None, map(assumed_defaults, chosen)):
            _err(warning)
        plan = [(d.task, d.name, d) for d in chosen]
    else:
        plan = [(task, _task_model(task), None) for task in tasks]
    for task, name, model in plan:
        if name is None:
            notes.append(f'{task}: skipped, no model with a local file')
            continue
        try:
            with Pipeline.from_model(model or name, backend=backend) as pipeline:
                timing = time_pipeline(pipeline, image, iterations, overlay, warmup)
                device = pipeline.backend.describe()
        except Exception as exc:  # noqa: B902 - a broken task is reported, the rest go on
            notes.append(f'{task}: skipped {name}: {type(exc).__name__}: {exc}')
            continue
        row = {'task': task, 'model': name, 'backend': f'{device["backend"]} '
               f'({device["device"]})', **timing}
        rows.append(row)
        write(f'| {task} | {name} | {row["backend"]} | {timing["e2e_ms"]:.2f} | '
              f'{timing["engine_ms"]:.2f} | {timing["ratio"]:.3f} | <= {target:.2f} |')
    if peer and 'detection' in tasks and not models:
        try:
            row = yolox_peer_comparison(image, iterations, backend, warmup)
        except (JetsonDnnError, KeyError) as exc:
            notes.append(f'YOLOX peer comparison skipped: {exc}')
        else:
            rows.append(row)
            write('\n| YOLOX-nano | ours ms | official demo ms | ours / demo | detections '
                  '(ours, demo) |')
            write('|---|---|---|---|---|')
            write(f'| {row["backend"]} | {row["ours_ms"]:.2f} | {row["peer_ms"]:.2f} | '
                  f'{row["ratio"]:.3f} | {row["ours_count"]}, {row["peer_count"]} |')
    for note in notes:
        write(f'\nNote: {note}')
    return rows


def yolox_peer_comparison(image: np.ndarray, iterations: int = 30, backend: str = 'auto',
                          warmup: int = 3, model: str = 'yolox_nano') -> dict:
    """
    Time our YOLOX-nano pipeline against the official demo's processing, interleaved.

    Both use the same backend object; our pipeline runs with the demo's settings
    (score 0.1, IoU 0.45, class-agnostic NMS).

    :return: dict with ``ours_ms``, ``peer_ms`` (medians), ``ratio`` and detection counts.
    :raises ModelError: if the model or its decoder is unavailable.
    """
    from jetson_dnn_ros.models import get_descriptor
    from jetson_dnn_ros.peers import yolox_demo_infer
    from jetson_dnn_ros.pipeline import Pipeline
    descriptor = get_descriptor(model)
    params = descriptor.params.replace(score_threshold=0.1, iou_threshold=0.45,
                                       class_agnostic=True)
    with Pipeline.from_model(model, backend=backend, params=params) as pipeline:
        spec = pipeline.spec
        shape = (spec.height, spec.width)
        ours, peer = [], []
        for i in range(max(0, warmup) + max(1, iterations)):
            t0 = time.perf_counter()
            result = pipeline.run(image, 'bgr8')
            t1 = time.perf_counter()
            dets = yolox_demo_infer(pipeline.backend, pipeline.input.name, image, shape)
            t2 = time.perf_counter()
            if i >= warmup:
                ours.append(t1 - t0)
                peer.append(t2 - t1)
        device = pipeline.backend.describe()
    ours_ms, peer_ms = _median_ms(ours), _median_ms(peer)
    return {'task': 'detection-peer', 'model': model,
            'backend': f'{device["backend"]} ({device["device"]})', 'ours_ms': ours_ms,
            'peer_ms': peer_ms, 'ratio': ours_ms / peer_ms, 'ours_count': len(result),
            'peer_count': 0 if dets is None else int(dets.shape[0])}


# -- entry point -----------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """An argparse parser whose usage errors are one line (with a pointer to ``--help``)."""

    def error(self, message):
        """Print ``<prog>: error: <message> (see <prog> --help)`` and exit with status 2."""
        self.exit(2, f'{self.prog}: error: {message} (see {self.prog} --help)\n')


def build_parser() -> argparse.ArgumentParser:
    """Return the ``jetson-dnn`` parser with every registered subcommand."""
    from jetson_dnn_ros import __version__
    parser = _Parser(prog=PROG, description='Offline DNN perception: run models on images, '
                     'videos, cameras and bags without ROS. ' + EXIT_STATUS)
    parser.add_argument('--version', action='version', version=f'{PROG} {__version__}')
    subparsers = parser.add_subparsers(dest='command', required=True)
    for add in SUBCOMMANDS:
        add(subparsers)
    from jetson_dnn_ros.eval_cli import add_subcommands as add_eval_subcommands
    add_eval_subcommands(subparsers)   # eval, compare (issue 14)
    try:
        from jetson_dnn_ros.backends.cli_tensorrt import add_subcommands
    except ImportError:
        pass
    else:
        add_subcommands(subparsers)
    from jetson_dnn_ros.backends.cli_triton import add_subcommands as add_triton
    add_triton(subparsers)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """
    Run ``jetson-dnn`` and return its exit code.

    :param argv: arguments without the program name; None = ``sys.argv[1:]``.
    :return: see :data:`EXIT_STATUS`: 0 on success, 1 on an error reported on one stderr
        line (a usage error included), 2 when ``run`` finished but skipped or lost frames,
        130 when interrupted.
    """
    from jetson_dnn_ros.outputs import os_error
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code in (0, None) else 1
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a reader gone (`| head`) shows here, not at exit
        return code
    except BrokenPipeError:  # the reader has all it wanted: no message
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):  # a stdout without a file descriptor
            pass
        return 1
    except (JetsonDnnError, FileNotFoundError, ValueError) as exc:
        _err(f'error: {exc}')
        return 1
    except OSError as exc:
        _err(f'error: {os_error("access", exc.filename or "a file", exc)}')
        return 1
    except RecursionError:
        _err('error: input nested too deeply to read (damaged or hostile file)')
        return 1
    except KeyboardInterrupt:
        _err('interrupted')
        return 130


if __name__ == '__main__':
    sys.exit(main())
