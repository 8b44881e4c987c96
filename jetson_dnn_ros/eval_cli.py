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
``jetson-dnn eval`` and ``jetson-dnn compare``: accuracy and backend agreement.

::

    jetson-dnn eval --model yolox_nano --images coco/images --annotations coco/annotations.json
    jetson-dnn eval --model deeplabv3_mobilenetv2_voc --images voc/JPEGImages
        --ground-truth voc/SegmentationClass --report voc.json --plots plots/
    jetson-dnn eval --model yolox_nano --images recording_bag --stamp-map stamps.csv
        --annotations annotations.json
    jetson-dnn compare --model yolox_nano --a onnxruntime:fp32 --b tensorrt:fp16 --images photos/

The model goes through the same resolution (:func:`~jetson_dnn_ros.cli.model_of`) and the same
:class:`~jetson_dnn_ros.pipeline.Pipeline` as ``jetson-dnn run``; the figures come from
:mod:`jetson_dnn_ros.evaluation`.
"""

import csv
import dataclasses
import math
from pathlib import Path
import platform
import sys
import time
from typing import Dict, Iterator, List, Optional, Tuple

from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.evaluation import EvaluationError

GROUND_TRUTH_HELP = ('detection / pose / instance segmentation: --annotations COCO JSON; '
                     'segmentation: --ground-truth folder of label PNGs (index or VOC palette); '
                     'depth: --ground-truth folder of .npy (metres) or 16-bit PNG; '
                     'classification: --ground-truth class-folder tree or file,label CSV')


# -- inputs ------------------------------------------------------------------------------------

def read_stamp_map(path) -> Dict[int, str]:
    """
    Read a ``stamp,file`` CSV that says which annotated image each bag frame is.

    :param path: CSV rows ``stamp,file_name``; stamp as integer nanoseconds or
        ``sec.nanosec`` (9 digits after the point); a header row is skipped.
    :return: ``{stamp_ns: file stem}``.
    :raises EvaluationError: on a row that does not parse.
    """
    out = {}
    with open(path, newline='', encoding='utf-8') as stream:
        for number, row in enumerate(csv.reader(stream), 1):
            if not row or row[0].startswith('#') or row[0].strip().lower() == 'stamp':
                continue
            try:
                text = row[0].strip()
                if '.' in text:
                    sec, frac = text.split('.')
                    stamp = int(sec) * 1_000_000_000 + int((frac + '000000000')[:9])
                else:
                    stamp = int(text)
                out[stamp] = Path(row[1].strip()).stem
            except (ValueError, IndexError) as exc:
                raise EvaluationError(f'{path}:{number}: expected stamp,file_name, got {row}'
                                      ) from exc
    return out


def iter_annotated_frames(images, keys, topic: Optional[str] = None,
                          stamp_map: Optional[Dict[int, str]] = None,
                          tree: bool = False, on_error=None) -> Iterator[Tuple[str, object]]:
    """
    Yield ``(key, Frame)`` for the images that have ground truth.

    :param images: image folder (frames matched by file stem), or a bag (frames matched by
        header stamp through ``stamp_map``; frames whose image has no ground truth are
        skipped).
    :param keys: image keys with ground truth (file stems; ``class/stem`` for a class tree).
    :param tree: ``images`` is a class-folder tree (keys ``class/stem``).
    :raises EvaluationError: for a bag without ``stamp_map``, or a frame whose stamp is not in
        it.
    """
    from jetson_dnn_ros import media
    wanted = set(keys)
    kind = media.input_kind(images)
    if kind == 'bag':
        if stamp_map is None:   # a position or a receive time would match silently wrong
            raise EvaluationError(f'{images} is a bag: give --stamp-map, a stamp,file_name CSV '
                                  'that says which annotated image each header stamp is')
        for frame in media.iter_frames(images, topic, on_error):
            key = stamp_map.get(frame.header.stamp_ns)
            if key is None:
                raise EvaluationError(f'bag frame stamped {frame.header.stamp_ns} ns is not in '
                                      'the stamp map')
            if key in wanted:
                yield key, frame
        return
    root = Path(images)
    if tree:
        files = [(f'{p.parent.name}/{p.stem}', p) for p in sorted(root.glob('*/*'))]
    else:
        files = [(p.stem, p) for p in media.image_files(images)]
    for key, path in files:
        if key not in wanted:
            continue
        try:
            frame = media.read_image_file(path)
        except Exception as exc:   # noqa: B902 - reported and skipped like `run`
            if on_error is None:
                raise
            on_error(path.name, exc)
            continue
        yield key, frame


def _dataset_files(args) -> List[Path]:
    files = []
    for spec in (args.images, args.annotations, args.ground_truth):
        if not spec:
            continue
        path = Path(spec)
        if path.is_dir():
            files += sorted(p for p in path.rglob('*') if p.is_file())
        elif path.is_file():
            files.append(path)
    return files


def make_evaluator(args, pipeline):
    """
    Return the evaluator for the pipeline's task and the ground truth given.

    :raises EvaluationError: if the ground truth does not fit the task.
    """
    from jetson_dnn_ros import evaluation as ev
    task = pipeline.task
    labels = pipeline.labels
    if task in ('detection', 'pose', 'instance_segmentation'):
        if not args.annotations:
            raise EvaluationError(f'a {task} model needs --annotations (COCO JSON)')
        if task == 'pose':
            names = pipeline.descriptor.extras.get('keypoints') or labels
            return ev.CocoEvaluator(args.annotations, 'keypoints', keypoint_names=names)
        iou_type = args.iou_type or ('segm' if task == 'instance_segmentation' else 'bbox')
        if iou_type == 'segm' and task != 'instance_segmentation':
            raise EvaluationError(f'--iou-type segm needs an instance segmentation model, '
                                  f'{pipeline.descriptor.name!r} is a {task} model')
        return ev.CocoEvaluator(args.annotations, iou_type, labels=labels)
    if not args.ground_truth:
        raise EvaluationError(f'a {task} model needs --ground-truth ({GROUND_TRUTH_HELP})')
    if task == 'segmentation':
        palette = None
        if pipeline.descriptor.palette is not None:
            from jetson_dnn_ros.colormaps import load_palette
            palette = load_palette(pipeline.descriptor.palette, len(labels),
                                   pipeline.descriptor.search_dirs())
        return ev.SegmentationEvaluator(args.ground_truth, labels, palette=palette)
    if task == 'depth':
        return ev.DepthEvaluator(args.ground_truth, png_scale=args.depth_scale,
                                 max_depth=args.max_depth,
                                 median_scaling=True if args.median_scaling else None)
    if task == 'classification':
        return ev.ClassificationEvaluator(ev.read_class_labels(args.ground_truth), labels)
    raise EvaluationError(f'no evaluation for task {task!r}')


def eval_params(args, descriptor):
    """
    Return the decoding settings for evaluation.

    AP (detection, pose, instance masks) ranks every detection, so the score threshold drops
    to :data:`~jetson_dnn_ros.evaluation.DETECTION_SCORE_THRESHOLD` (the COCO protocol) unless
    ``--score-threshold`` is given; classifiers report 5 classes for top-5.
    """
    from jetson_dnn_ros.evaluation import DETECTION_SCORE_THRESHOLD
    changes = {}
    if descriptor.task in ('detection', 'pose', 'instance_segmentation'):
        changes['score_threshold'] = DETECTION_SCORE_THRESHOLD
    if descriptor.task == 'instance_segmentation':
        # COCOeval scores at most 100 detections per image; full-size masks cost H x W bytes
        changes['max_detections'] = min(descriptor.params.max_detections, 100)
    if descriptor.task == 'classification':   # top-5 needs the 5 best classes, any score
        changes['top_k'] = max(5, descriptor.params.top_k)
        changes['score_threshold'] = 0.0
    if getattr(args, 'score_threshold', None) is not None:
        changes['score_threshold'] = args.score_threshold
    if getattr(args, 'iou_threshold', None) is not None:
        changes['iou_threshold'] = args.iou_threshold
    try:
        return descriptor.params.replace(**changes)
    except ValueError as exc:
        raise ModelError(str(exc)) from exc


def open_pipeline(args, backend: str, precision: str, model: Optional[str] = None):
    """Resolve ``--model`` like ``run`` and build the :class:`Pipeline` for evaluation."""
    from jetson_dnn_ros.cli import model_of
    from jetson_dnn_ros.pipeline import Pipeline
    if model is not None:
        from jetson_dnn_ros.models import resolve_model
        from jetson_dnn_ros.pipeline import apply_input_size
        descriptor = apply_input_size(resolve_model(model, decoder=args.decoder),
                                      getattr(args, 'input_size', None))
    else:
        descriptor = model_of(args)
    return Pipeline.from_model(descriptor, backend=backend, precision=precision,
                               params=eval_params(args, descriptor), download=args.download)


def model_info(pipeline) -> dict:
    """Return name, file, sha256, backend, device and precision of a pipeline's model."""
    from jetson_dnn_ros.evaluation import sha256_file
    from jetson_dnn_ros.pipeline import resolve_model_file
    path = resolve_model_file(pipeline.descriptor)
    backend = pipeline.backend
    return {'name': pipeline.descriptor.name, 'task': pipeline.task, 'file': str(path),
            'sha256': sha256_file(path), 'decoder': pipeline.descriptor.decoder,
            'backend': getattr(backend, 'name', type(backend).__name__),
            'device': str(getattr(backend, 'device', '')),
            'precision': getattr(backend, 'precision', ''),
            'input': [pipeline.spec.width, pipeline.spec.height],
            'input_size': (None if pipeline.input_size is None else
                           dataclasses.asdict(pipeline.input_size)),
            'score_threshold': pipeline.params.score_threshold,
            'iou_threshold': pipeline.params.iou_threshold}


def machine() -> str:
    """Describe this machine in one line: CPU, cores, OS."""
    import os
    return f'{platform.machine()} {platform.processor() or ""} {os.cpu_count()} cores, ' \
        f'{platform.system()} {platform.release()}, Python {platform.python_version()}'


def _progress(total, quiet: bool, desc: str):
    from tqdm import tqdm
    return tqdm(total=total, disable=quiet, unit='img', desc=desc, file=sys.stderr)


def run_eval(args) -> dict:
    """
    Evaluate one model and return the JSON report.

    :raises EvaluationError: on ground truth that does not fit, or no image evaluated.
    """
    from jetson_dnn_ros.cli import _err
    from jetson_dnn_ros.evaluation import dataset_fingerprint
    pipelines = [open_pipeline(args, args.backend, args.precision)]
    try:
        return _evaluate(args, pipelines, _err, dataset_fingerprint)
    finally:
        for p in pipelines:
            p.close()


def _evaluate(args, pipelines, err, fingerprint) -> dict:
    evaluators = [make_evaluator(args, p) for p in pipelines]
    keys = evaluators[0].keys()
    stamp_map = read_stamp_map(args.stamp_map) if args.stamp_map else None
    tree = pipelines[0].task == 'classification' and Path(args.ground_truth or '').is_dir()
    images = args.images or (args.ground_truth if tree else None)
    if images is None:
        raise EvaluationError('give --images (image folder or bag)')
    total = len(keys) if args.limit is None else min(len(keys), args.limit)
    agreements: List[dict] = []
    tensors: Dict[str, Dict[str, float]] = {}
    count, seconds = 0, 0.0
    with _progress(total, args.quiet, pipelines[0].descriptor.name) as bar:
        frames = iter_annotated_frames(images, keys, args.topic, stamp_map, tree,
                                       on_error=lambda name, exc: err(f'skipped {name}: {exc}'))
        for key, frame in frames:
            if args.limit is not None and count >= args.limit:
                break
            results = []
            for pipeline, evaluator in zip(pipelines, evaluators):
                t0 = time.perf_counter()
                inference = pipeline.process(frame.image, frame.encoding,
                                             keep_outputs=len(pipelines) > 1)
                seconds += time.perf_counter() - t0
                evaluator.add(key, inference.result)
                results.append(inference)
            if len(results) == 2:
                _add_agreement(results, agreements, tensors)
            count += 1
            bar.update(1)
    if count == 0:
        raise EvaluationError(f'no image of {images} has ground truth (keys like '
                              f'{keys[:3]})')
    dataset = {'images_path': str(images), 'annotations': args.annotations,
               'ground_truth': args.ground_truth, 'images_evaluated': count,
               'images_annotated': len(keys), 'limit': args.limit,
               'fingerprint': fingerprint(_dataset_files(args))}
    runs = []
    for pipeline, evaluator in zip(pipelines, evaluators):
        runs.append({'model': model_info(pipeline), 'task': evaluator.task,
                     **evaluator.summary()})
    report = {'tool': 'jetson-dnn eval', 'machine': machine(), 'dataset': dataset,
              'images_per_s': count * len(pipelines) / seconds if seconds else None}
    report.update(runs[0])
    if len(runs) == 2:
        report = {'tool': 'jetson-dnn compare', 'machine': report['machine'],
                  'dataset': dataset, 'a': runs[0], 'b': runs[1],
                  'agreement': _mean_agreement(agreements), 'output_difference': tensors}
    return report


def _add_agreement(results, agreements, tensors) -> None:
    from jetson_dnn_ros.evaluation import agreement, tensor_difference
    agreements.append(agreement(results[0].result, results[1].result))
    if results[0].outputs is not None and results[1].outputs is not None:
        for name, d in tensor_difference(results[0].outputs, results[1].outputs).items():
            entry = tensors.setdefault(name, {'max_abs': 0.0, 'mean_abs_sum': 0.0, 'n': 0})
            entry['max_abs'] = max(entry['max_abs'], d['max_abs'])
            entry['mean_abs_sum'] += d['mean_abs']
            entry['n'] += 1


def _mean_agreement(agreements: List[dict]) -> dict:
    if not agreements:
        return {}
    out = {}
    for name in agreements[0]:
        values = [a[name] for a in agreements if name in a]
        out[name] = max(values) if name.startswith('max_') else sum(values) / len(values)
    out['images'] = len(agreements)
    return out


def _finish_tensors(tensors: dict) -> dict:
    return {name: {'max_abs': t['max_abs'], 'mean_abs': t['mean_abs_sum'] / max(t['n'], 1)}
            for name, t in tensors.items()}


# -- output ------------------------------------------------------------------------------------

def _fmt(value) -> str:
    if value is None:
        return '-'
    if isinstance(value, float):
        return 'nan' if math.isnan(value) else f'{value:.3f}'
    return str(value)


def format_table(run: dict, title: str = '') -> str:
    """Return the console table of one evaluation run (metrics, then per-class figures)."""
    model = run['model']
    lines = [title or f"{model['name']} ({model['task']}) on {model['backend']} "
             f"{model['precision']}: {run.get('images', '?')} images"]
    width = max(len(k) for k in run['metrics'])
    lines += [f'  {k:<{width}}  {_fmt(v)}' for k, v in run['metrics'].items()]
    if run.get('unmapped_labels'):
        lines.append('  model labels with no annotation category: '
                     + ', '.join(run['unmapped_labels']))
    if run.get('missing_keypoints'):
        lines.append(f"  COCO keypoints the model lacks: {', '.join(run['missing_keypoints'])}")
    per_class = run.get('per_class') or {}
    if per_class:
        name = 'AP' if 'iou_type' in run else 'IoU'
        width = max(len(k) for k in per_class)
        lines.append(f'  per class ({name}):')
        lines += [f'    {k:<{width}}  {_fmt(v)}' for k, v in
                  sorted(per_class.items(), key=lambda kv: -kv[1])]
    return '\n'.join(lines)


def write_plots(run: dict, folder, prefix: str = '') -> List[str]:
    """
    Write PR curves (per class, IoU 0.5) or a confusion matrix as PNG files.

    :return: the paths written.
    :raises EvaluationError: if matplotlib is not installed.
    """
    try:
        import matplotlib
        matplotlib.use('Agg')
        from matplotlib import pyplot as plt
    except ImportError as exc:
        raise EvaluationError('--plots needs matplotlib (pip install matplotlib, or apt '
                              'install python3-matplotlib)') from exc
    import numpy as np
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    name = run['model']['name']
    curves = run.get('pr_curves') or {}
    if curves:
        items = sorted(curves.items(), key=lambda kv: -(run['per_class'].get(kv[0]) or 0))
        cols = min(5, len(items))
        rows = math.ceil(len(items) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 2.6 * rows), squeeze=False)
        for ax, (cls, curve) in zip(axes.flat, items):
            ax.plot(curve['recall'], curve['precision'])
            ax.set_title(f"{cls} AP {run['per_class'].get(cls, 0):.2f}", fontsize=8)
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1.02)
            ax.tick_params(labelsize=6)
        for ax in list(axes.flat)[len(items):]:
            ax.axis('off')
        fig.suptitle(f'{name}: precision vs recall at IoU 0.5 (x recall, y precision)')
        written.append(_save(plt, fig, folder / f'{prefix}pr_curves.png'))
    matrix = run.get('confusion_matrix')
    if matrix:
        counts = np.asarray(matrix['counts'], np.float64)
        labels = matrix['labels']
        keep = [i for i in range(counts.shape[0]) if counts[i].sum() > 0]
        cols = keep + [j for j in range(counts.shape[1]) if j >= counts.shape[0]]
        sub = counts[np.ix_(keep, cols)]
        norm = sub / np.maximum(sub.sum(axis=1, keepdims=True), 1)
        size = max(4, 0.35 * len(cols) + 2)
        fig, ax = plt.subplots(figsize=(size, size))
        ax.imshow(norm, cmap='Blues', vmin=0, vmax=1)
        ax.set_xticks(range(len(cols)), [labels[j] for j in cols], rotation=90, fontsize=7)
        ax.set_yticks(range(len(keep)), [labels[i] for i in keep], fontsize=7)
        ax.set_xlabel('predicted')
        ax.set_ylabel('ground truth')
        ax.set_title(f'{name}: confusion matrix (rows sum to 1)')
        written.append(_save(plt, fig, folder / f'{prefix}confusion_matrix.png'))
    return written


def _save(plt, fig, path: Path) -> str:
    from jetson_dnn_ros.outputs import staged_file
    try:
        fig.tight_layout()
        with staged_file(path) as stream:   # a failure leaves no partial PNG
            fig.savefig(stream, format='png', dpi=80)
    finally:
        plt.close(fig)
    return str(path)


# -- subcommands -------------------------------------------------------------------------------

def _add_common(p) -> None:
    from jetson_dnn_ros.cli import add_model_arguments
    add_model_arguments(p)
    p.add_argument('--images', help='image folder or rosbag2 (folder, .db3, .mcap); for a '
                   'class-folder tree give it as --ground-truth')
    p.add_argument('--annotations', help='COCO annotation JSON (detection, pose, masks)')
    p.add_argument('--ground-truth', help=GROUND_TRUTH_HELP)
    p.add_argument('--iou-type', choices=('bbox', 'segm'),
                   help='COCO AP on boxes or on instance masks (default: segm for instance '
                   'segmentation models, else bbox)')
    p.add_argument('--topic', help='bag image topic (default: the first raw Image topic)')
    p.add_argument('--stamp-map', help='CSV stamp,file_name matching bag frames (header stamp, '
                   'ns or sec.nanosec) to annotated images')
    p.add_argument('--limit', type=int, help='evaluate at most N annotated images')
    p.add_argument('--score-threshold', type=float,
                   help='decode threshold (default for AP: 0.001, the COCO protocol)')
    p.add_argument('--iou-threshold', type=float, help='NMS IoU threshold')
    p.add_argument('--depth-scale', type=float, default=0.001,
                   help='metres per unit of 16-bit depth PNGs (default 0.001 = mm)')
    p.add_argument('--max-depth', type=float, default=math.inf,
                   help='largest ground-truth depth scored, metres (NYU: 10)')
    p.add_argument('--median-scaling', action='store_true',
                   help='median-scale metric depth too (always on for relative depth)')
    p.add_argument('--report', help='write the JSON report here')
    p.add_argument('--plots', help='write PNG plots (PR curves, confusion matrix) here')
    p.add_argument('--download', action='store_true',
                   help='download the model from its pinned url if it is not local')
    p.add_argument('--quiet', action='store_true', help='no progress bar')


def add_subcommands(subparsers) -> None:
    """Add ``eval`` and ``compare`` to the ``jetson-dnn`` parser."""
    p = subparsers.add_parser('eval', help='accuracy of a model on annotated images or a bag',
                              description='Accuracy against ground truth: COCO AP '
                              '(pycocotools) for detection, pose and instance masks; IoU for '
                              'segmentation; AbsRel/RMSE for depth; top-1/5 for classification.')
    _add_common(p)
    p.add_argument('--backend', choices=('auto', 'onnxruntime', 'tensorrt'), default='auto')
    p.add_argument('--precision', choices=('fp32', 'fp16', 'int8'), default='fp16')
    p.set_defaults(func=cmd_eval)
    c = subparsers.add_parser('compare', help='agreement of one model on two backends or '
                              'precisions (and both accuracies, with ground truth)')
    _add_common(c)
    c.add_argument('--a', default='onnxruntime:fp32', help='backend:precision of run A')
    c.add_argument('--b', default='tensorrt:fp16', help='backend:precision of run B')
    c.add_argument('--model-b', help='another model for run B (default: --model)')
    c.set_defaults(func=cmd_compare)


def _backend_precision(text: str) -> Tuple[str, str]:
    backend, _, precision = text.partition(':')
    if backend not in ('auto', 'onnxruntime', 'tensorrt') or \
            precision not in ('', 'fp32', 'fp16', 'int8'):
        raise ValueError(f'expected backend:precision (e.g. tensorrt:fp16), got {text!r}')
    return backend, precision or 'fp32'


def _write_outputs(args, report: dict, runs: List[Tuple[str, dict]]) -> None:
    if args.plots:
        for prefix, run in runs:
            for path in write_plots(run, args.plots, prefix):
                print(f'plot: {path}')
    if args.report:
        from jetson_dnn_ros.evaluation import write_json
        write_json(args.report, report)
        print(f'report: {args.report}')


def cmd_eval(args) -> int:
    """Run ``jetson-dnn eval``: print the table, write the report and plots."""
    report = run_eval(args)
    print(format_table(report))
    if report.get('images_per_s'):
        print(f"  {report['images_per_s']:.1f} images/s (pipeline: preprocess + infer + "
              'decode)')
    _write_outputs(args, report, [('', report)])
    return 0


def cmd_compare(args) -> int:
    """Run ``jetson-dnn compare``: two backends/precisions on the same images."""
    from jetson_dnn_ros.cli import _err
    from jetson_dnn_ros.evaluation import dataset_fingerprint
    backend_a, precision_a = _backend_precision(args.a)
    backend_b, precision_b = _backend_precision(args.b)
    pipelines = [open_pipeline(args, backend_a, precision_a)]
    try:
        pipelines.append(open_pipeline(args, backend_b, precision_b, model=args.model_b))
        if pipelines[0].task != pipelines[1].task:
            raise EvaluationError(f'run A is a {pipelines[0].task} model, run B a '
                                  f'{pipelines[1].task} model')
        if args.annotations or args.ground_truth:
            report = _evaluate(args, pipelines, _err, dataset_fingerprint)
        else:
            report = _agreement_only(args, pipelines, _err)
    finally:
        for p in pipelines:
            p.close()
    report['output_difference'] = _finish_tensors(report.get('output_difference', {}))
    print(f"A: {args.a}   B: {args.b}   {report['agreement'].get('images', 0)} images")
    for name, value in report['agreement'].items():
        print(f'  {name:<18} {_fmt(value)}')
    for name, diff in report['output_difference'].items():
        print(f"  output {name}: max |A-B| {diff['max_abs']:.4g}, mean {diff['mean_abs']:.4g}")
    for side in ('a', 'b'):
        if 'metrics' in report.get(side, {}):
            print(format_table(report[side], f'{side.upper()}: ' + ', '.join(
                f'{k} {_fmt(v)}' for k, v in list(report[side]['metrics'].items())[:4])))
    runs = [(f'{s}_', report[s]) for s in ('a', 'b') if 'metrics' in report.get(s, {})]
    _write_outputs(args, report, runs)
    return 0


def _agreement_only(args, pipelines, err) -> dict:
    from jetson_dnn_ros import media
    if not args.images:
        raise EvaluationError('give --images (image folder or bag)')
    agreements: List[dict] = []
    tensors: Dict[str, Dict[str, float]] = {}
    total = media.count_frames(args.images, args.topic)
    if args.limit is not None and total is not None:
        total = min(total, args.limit)
    with _progress(total, args.quiet, 'compare') as bar:
        for index, frame in enumerate(media.iter_frames(
                args.images, args.topic, lambda name, exc: err(f'skipped {name}: {exc}'))):
            if args.limit is not None and index >= args.limit:
                break
            results = [p.process(frame.image, frame.encoding, keep_outputs=True)
                       for p in pipelines]
            _add_agreement(results, agreements, tensors)
            bar.update(1)
    return {'tool': 'jetson-dnn compare', 'machine': machine(),
            'a': {'model': model_info(pipelines[0])}, 'b': {'model': model_info(pipelines[1])},
            'agreement': _mean_agreement(agreements), 'output_difference': tensors}


__all__ = ['add_subcommands', 'cmd_compare', 'cmd_eval', 'format_table', 'iter_annotated_frames',
           'make_evaluator', 'read_stamp_map', 'run_eval', 'write_plots']
