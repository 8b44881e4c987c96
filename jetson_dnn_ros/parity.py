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
Parity gate: a TensorRT engine must agree with ONNX Runtime before anything uses it.

After a TensorRT engine is built or loaded, :func:`verify_pipeline` runs it and ONNX Runtime
(same ONNX file, same preprocessing spec, same decoder) on the descriptor's verification images
(``verify_images:`` in the descriptor; a synthetic pattern when none is found) and compares the
decoded results (:func:`jetson_dnn_ros.evaluation.agreement`) and the raw output tensors. An
engine below the thresholds (``verify_thresholds:`` in the descriptor, else
:data:`DEFAULT_THRESHOLDS`) is refused with a :class:`ParityError` that gives the figures and
the precision to fall back to. The figures go to the log and into the engine cache metadata
(``<engine>.json`` key ``verification``); an engine verified with the same thresholds and
images is not verified again.
"""

from dataclasses import dataclass
import hashlib
import json
import logging
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from jetson_dnn_ros.errors import ModelError
import numpy as np

LOG = logging.getLogger(__name__)

DEFAULT_THRESHOLDS = {
    'detection': {'min_matched_rate': 0.9, 'max_mean_score_delta': 0.05},
    'instance_segmentation': {'min_matched_rate': 0.9, 'min_mask_iou': 0.85},
    'segmentation': {'min_pixel_agreement': 0.95},
    'depth': {'max_abs_rel': 0.05},
    'classification': {'min_top1_agreement': 1.0},
    'pose': {'min_matched_rate': 0.8},
}
"""Per task: ``min_<figure>`` / ``max_<figure>`` of :func:`~jetson_dnn_ros.evaluation.agreement`
(mean over the images), plus ``max_output_rel_error`` from :data:`OUTPUT_REL_ERROR`."""

OUTPUT_REL_ERROR = {'fp32': 0.01, 'fp16': 0.05, 'int8': 0.25}
"""Default ``max_output_rel_error`` per precision: mean |TRT − ORT| / mean |ORT| of the worst
output tensor."""

FALLBACK = {'int8': 'fp16', 'fp16': 'fp32', 'fp32': None}
"""The precision to try when an engine of this precision is refused."""


class ParityError(ModelError):
    """A TensorRT engine disagrees with ONNX Runtime beyond the descriptor's thresholds."""


@dataclass(frozen=True)
class ParityResult:
    """
    Outcome of one verification.

    :param passed: every figure within its threshold.
    :param figures: mean agreement figures over the images and ``output_rel_error``.
    :param thresholds: the thresholds applied.
    :param failures: one line per figure out of bounds.
    :param images: names of the verification images (``synthetic`` for the pattern).
    :param cached: True when the result was read from the engine cache metadata.
    """

    passed: bool
    figures: Mapping[str, float]
    thresholds: Mapping[str, float]
    failures: Tuple[str, ...]
    images: Tuple[str, ...]
    cached: bool = False

    def to_dict(self) -> dict:
        """Return a JSON-serialisable dict (what the engine metadata stores)."""
        return {'passed': self.passed, 'figures': dict(self.figures),
                'thresholds': dict(self.thresholds), 'failures': list(self.failures),
                'images': list(self.images)}


def thresholds_for(descriptor, precision: str) -> Dict[str, float]:
    """Return the descriptor's ``verify_thresholds`` over the task's defaults."""
    out = dict(DEFAULT_THRESHOLDS.get(descriptor.task, {}))
    out['max_output_rel_error'] = OUTPUT_REL_ERROR.get(precision, 0.05)
    custom = descriptor.extras.get('verify_thresholds') or {}
    for name, value in dict(custom).items():
        if not (name.startswith('min_') or name.startswith('max_')):
            raise ModelError(f'model {descriptor.name!r}: verify_thresholds key {name!r} must '
                             'start with min_ or max_')
        out[name] = float(value)
    return out


def synthetic_pattern(width: int, height: int) -> np.ndarray:
    """Return a deterministic (H, W, 3) uint8 BGR test pattern: gradients, bars and discs."""
    w, h = max(int(width), 32), max(int(height), 32)
    y, x = np.mgrid[0:h, 0:w]
    image = np.stack([(x * 255 // max(w - 1, 1)), (y * 255 // max(h - 1, 1)),
                      ((x + y) * 255 // max(w + h - 2, 1))], axis=-1).astype(np.uint8)
    for i in range(8):
        image[:, i * w // 8:(i * w // 8) + max(w // 32, 1)] = (i * 32) % 256
    for cx, cy, r, colour in ((w // 3, h // 2, h // 5, (20, 200, 30)),
                              (2 * w // 3, h // 3, h // 7, (220, 40, 180))):
        image[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = colour
    return image


def verification_images(descriptor) -> List[Tuple[str, np.ndarray]]:
    """
    Return ``[(name, BGR image)]`` from the descriptor's ``verify_images`` list.

    Paths resolve like model files (the descriptor's folder, the cache, ``$JETSON_DNN_DATA``);
    images that are not found are skipped; with none found, the synthetic pattern at the
    network input size is used.
    """
    import cv2
    from jetson_dnn_ros.paths import cache_dir, data_dir, find_file
    out = []
    for spec in descriptor.extras.get('verify_images') or ():
        path = find_file(str(spec), descriptor.search_dirs() + (cache_dir(), data_dir()))
        image = cv2.imread(str(path)) if path is not None else None
        if image is not None:
            out.append((Path(str(spec)).name, image))
    if not out:
        spec = descriptor.preprocess
        out.append(('synthetic', synthetic_pattern(spec.width, spec.height)))
    return out


def _digest(thresholds: Mapping, names: Sequence[str]) -> str:
    text = json.dumps({'thresholds': dict(thresholds), 'images': list(names)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def read_verification(engine_path) -> Optional[dict]:
    """Return the ``verification`` entry of an engine's metadata, or None."""
    try:
        meta = json.loads(Path(str(engine_path) + '.json').read_text(encoding='utf-8'))
    except (OSError, ValueError):
        return None
    entry = meta.get('verification')
    return entry if isinstance(entry, dict) else None


def record_verification(engine_path, result: ParityResult, digest: str) -> None:
    """Store a verification result in the engine's metadata file (atomically)."""
    from jetson_dnn_ros.backends.engine_cache import atomic_write
    meta_path = Path(str(engine_path) + '.json')
    try:
        meta = json.loads(meta_path.read_text(encoding='utf-8'))
    except (OSError, ValueError):
        LOG.warning('cannot record the verification: %s is missing or unreadable', meta_path)
        return
    meta['verification'] = {**result.to_dict(), 'digest': digest}
    atomic_write(meta_path, json.dumps(meta, indent=2, sort_keys=True).encode('utf-8'))


def compare_with_reference(pipeline, reference, images) -> Dict[str, float]:
    """
    Run ``pipeline`` and a reference backend on ``images``; return the mean figures.

    :param pipeline: the pipeline under test (its backend, its preprocessing).
    :param reference: an open backend on the same ONNX file (ONNX Runtime), fed by the CPU
        preprocessing of the same spec at the input size the pipeline runs each image at
        (:meth:`~jetson_dnn_ros.pipeline.Pipeline.input_size_for`) and decoded by the same
        decoder.
    :return: mean :func:`~jetson_dnn_ros.evaluation.agreement` figures and
        ``output_rel_error`` (worst output, worst image).
    """
    from jetson_dnn_ros.evaluation import agreement
    from jetson_dnn_ros.preprocessing import Preprocessor
    sums: Dict[str, float] = {}
    worst = 0.0
    for _, image in images:
        tested = pipeline.process(image, 'bgr8', keep_outputs=True)
        preprocess = Preprocessor(pipeline.spec_for(image))
        tensor, transform = preprocess(image, 'bgr8')
        inputs = {pipeline.input.name: tensor}
        inputs.update(pipeline.decoder.extra_inputs(transform, reference.input_specs))
        outputs = reference.infer(inputs)
        expected = pipeline.decoder.decode(outputs, transform, pipeline.params)
        for name, value in agreement(expected, tested.result).items():
            sums[name] = sums.get(name, 0.0) + float(value)
        for name, ref in outputs.items():
            ref = np.asarray(ref, np.float64)
            got = np.asarray(tested.outputs[name], np.float64)
            if got.shape != ref.shape:
                raise ParityError(f'output {name}: engine shape {got.shape}, ONNX Runtime '
                                  f'{ref.shape}')
            scale = float(np.mean(np.abs(ref))) + 1e-6
            worst = max(worst, float(np.mean(np.abs(got - ref))) / scale)
    figures = {k: v / len(images) for k, v in sums.items()}
    figures['output_rel_error'] = worst
    return figures


def check(figures: Mapping[str, float], thresholds: Mapping[str, float]) -> Tuple[str, ...]:
    """Return one line per figure outside its ``min_`` / ``max_`` threshold."""
    failures = []
    for key, bound in thresholds.items():
        name = key[4:]
        if name not in figures:
            continue
        value = figures[name]
        if key.startswith('min_') and value < bound:
            failures.append(f'{name} {value:.4g} < {bound:g}')
        elif key.startswith('max_') and value > bound:
            failures.append(f'{name} {value:.4g} > {bound:g}')
    return tuple(failures)


def verify_pipeline(pipeline, force: bool = False, raise_on_failure: bool = True
                    ) -> Optional[ParityResult]:
    """
    Verify a TensorRT pipeline against ONNX Runtime (see the module docstring).

    :param pipeline: a :class:`~jetson_dnn_ros.pipeline.Pipeline`; other backends than
        ``tensorrt`` are not verified (returns None).
    :param force: verify even if the engine metadata says it was verified.
    :param raise_on_failure: raise :class:`ParityError` when refused (else return the result).
    :return: the :class:`ParityResult`, or None when nothing was verified.
    :raises ParityError: if the engine disagrees; the message gives every figure out of bounds
        and the precision to fall back to.
    """
    backend = pipeline.backend
    if getattr(backend, 'name', '') != 'tensorrt':
        return None
    from jetson_dnn_ros.backends import create_backend
    descriptor = pipeline.descriptor
    precision = getattr(backend, 'precision', 'fp16')
    thresholds = thresholds_for(descriptor, precision)
    images = verification_images(descriptor)
    names = tuple(n for n, _ in images)
    digest = _digest(thresholds, names)
    engine_path = getattr(backend, 'engine_path', None)
    stored = read_verification(engine_path) if engine_path and not force else None
    if stored and stored.get('digest') == digest and stored.get('passed'):
        LOG.info('TensorRT engine %s was verified against ONNX Runtime: %s', engine_path,
                 _format(stored.get('figures', {})))
        return ParityResult(True, stored.get('figures', {}), thresholds, (), names, True)
    reference = create_backend('onnxruntime', backend.model_path,
                               providers=['CPUExecutionProvider'])
    try:
        figures = compare_with_reference(pipeline, reference, images)
    finally:
        reference.close()
    failures = check(figures, thresholds)
    result = ParityResult(not failures, figures, thresholds, failures, names)
    if engine_path:
        record_verification(engine_path, result, digest)
    if failures:
        fallback = FALLBACK.get(precision)
        advice = f'use precision {fallback}' if fallback else \
            'run it with ONNX Runtime (backend onnxruntime)'
        message = (f'TensorRT {precision} engine {engine_path} of {descriptor.name!r} disagrees '
                   f'with ONNX Runtime on {", ".join(names)}: {"; ".join(failures)} '
                   f'(all figures: {_format(figures)}); {advice}, or set verify_engine false '
                   'to use it anyway')
        LOG.error(message)
        if raise_on_failure:
            raise ParityError(message)
    else:
        LOG.info('TensorRT engine %s agrees with ONNX Runtime: %s', engine_path,
                 _format(figures))
    return result


def _format(figures: Mapping[str, float]) -> str:
    return ', '.join(f'{k} {v:.4g}' for k, v in figures.items())


def onnxruntime_available() -> bool:
    """Return True if ONNX Runtime imports (the gate's default is on then)."""
    import importlib.util
    return importlib.util.find_spec('onnxruntime') is not None


__all__ = ['DEFAULT_THRESHOLDS', 'ParityError', 'ParityResult', 'onnxruntime_available',
           'read_verification', 'synthetic_pattern', 'thresholds_for', 'verify_pipeline']
