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
Accuracy of a model against annotated images (ROS-free; ``jetson-dnn eval`` drives it).

One *evaluator* per task consumes ``(image key, result)`` pairs one image at a time (bounded
memory: detections become COCO result dicts, masks become RLE, dense maps go into a confusion
matrix or running sums) and :meth:`~Evaluator.summary` returns every figure:

- detection / pose / instance segmentation: COCO AP computed by **pycocotools** (``bbox``,
  ``keypoints``, ``segm``), never by this module; our results are converted to COCO results
  JSON with category ids mapped from the model's labels **by name** (:func:`category_map`);
- semantic segmentation: confusion matrix → per-class IoU, mIoU, pixel accuracy (label 255 is
  ignored; palette PNGs are decoded to class ids with :func:`read_label_png`);
- depth: AbsRel, RMSE, log10, δ < 1.25 / 1.25² / 1.25³, with median scaling for relative models;
- classification: top-1 / top-5 against a folder-per-class tree or a ``file,label`` CSV.

:func:`agreement` compares two results of the same image (``jetson-dnn compare``).
"""

import contextlib
import csv
import hashlib
import io
import json
import math
from pathlib import Path
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import cv2
from jetson_dnn_ros.backends.engine_cache import file_sha256 as sha256_file
from jetson_dnn_ros.errors import JetsonDnnError
import numpy as np

IGNORE_LABEL = 255
"""Label-map value that is not scored (PASCAL VOC / Cityscapes void)."""

VOC_VOID_RGB = (224, 224, 192)
"""Colour of the void label 255 in PASCAL VOC palette PNGs."""

DETECTION_SCORE_THRESHOLD = 0.001
"""Score threshold for AP evaluation (COCO protocol: keep nearly everything, rank by score)."""

NAME_ALIASES = {'motorbike': 'motorcycle', 'aeroplane': 'airplane', 'sofa': 'couch',
                'tvmonitor': 'tv'}
"""Spellings (after :func:`normalize_name`) of the same class in other label lists (VOC,
Darknet ``coco.names``) → the COCO spelling."""

DETECTION_METRICS = ('AP', 'AP50', 'AP75', 'AP_small', 'AP_medium', 'AP_large', 'AR1', 'AR10',
                     'AR100', 'AR_small', 'AR_medium', 'AR_large')
"""Names of ``COCOeval.stats`` for ``bbox`` and ``segm``."""

KEYPOINT_METRICS = ('AP', 'AP50', 'AP75', 'AP_medium', 'AP_large', 'AR', 'AR50', 'AR75',
                    'AR_medium', 'AR_large')
"""Names of ``COCOeval.stats`` for ``keypoints``."""


class EvaluationError(JetsonDnnError):
    """An annotation set, a label file or a result that cannot be scored."""


def normalize_name(name: str) -> str:
    """
    Return a class or keypoint name in a spelling-independent form.

    ``leftShoulder``, ``left_shoulder`` and ``Left Shoulder`` → ``leftshoulder``; aliases of
    :data:`NAME_ALIASES` → the COCO name.
    """
    text = re.sub(r'[^0-9a-z]', '', str(name).strip().lower())
    return NAME_ALIASES.get(text, text)


def dataset_fingerprint(files: Iterable) -> str:
    """
    Return one sha256 over the names and contents of a data set's files.

    :param files: paths (annotation file, images, label maps); order does not matter.
    :return: hex sha256 of the sorted ``name sha256`` lines: the same set of files gives the
        same fingerprint wherever it lies.
    """
    lines = sorted(f'{Path(p).name} {sha256_file(p)}' for p in files)
    return hashlib.sha256('\n'.join(lines).encode()).hexdigest()


@contextlib.contextmanager
def _quiet():
    """Silence pycocotools' prints (it writes its tables to stdout)."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def _coco_api():
    try:
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise EvaluationError('COCO AP needs pycocotools (pip install pycocotools)') from exc
    return COCO, COCOeval


def category_map(labels: Optional[Sequence[str]], categories: Sequence[Mapping]
                 ) -> Tuple[Dict[int, int], List[str]]:
    """
    Map a model's class indices to a COCO file's category ids by name.

    :param labels: the model's class names (index = class id), or None.
    :param categories: the ``categories`` list of a COCO annotation file.
    :return: ``({class index: category id}, [model labels that map to no category])``.
    :raises EvaluationError: if the model has no labels (nothing can be mapped by name).
    """
    if not labels:
        raise EvaluationError('the model has no class names, so its classes cannot be mapped '
                              'to the annotation categories by name; give it labels')
    by_name = {normalize_name(c['name']): int(c['id']) for c in categories}
    mapping, unmapped = {}, []
    for index, name in enumerate(labels):
        cat = by_name.get(normalize_name(name))
        if cat is None:
            unmapped.append(str(name))
        else:
            mapping[index] = cat
    return mapping, unmapped


def _xywh(box) -> List[float]:
    x1, y1, x2, y2 = (float(v) for v in box)
    return [round(x1, 3), round(y1, 3), round(x2 - x1, 3), round(y2 - y1, 3)]


def detection_to_coco(result, image_id: int, mapping: Mapping[int, int]) -> List[dict]:
    """
    Convert a :class:`~jetson_dnn_ros.tasks.detection.DetectionResult` to COCO results.

    :param result: boxes (N, 4) xyxy in source pixels, scores (N,), class_ids (N,).
    :param image_id: the COCO image id.
    :param mapping: class index → category id (:func:`category_map`); unmapped classes are
        dropped.
    :return: list of ``{image_id, category_id, bbox [x, y, w, h], score}``.
    """
    out = []
    for box, score, cls in zip(result.boxes, result.scores, result.class_ids):
        cat = mapping.get(int(cls))
        if cat is not None:
            out.append({'image_id': int(image_id), 'category_id': cat, 'bbox': _xywh(box),
                        'score': round(float(score), 5)})
    return out


def keypoint_order(model_names: Sequence[str], coco_names: Sequence[str]) -> List[Optional[int]]:
    """
    Return, for each COCO keypoint, the model keypoint index of the same name (or None).

    :param model_names: the model's keypoint names (any spelling: ``leftShoulder``).
    :param coco_names: the ``keypoints`` list of the COCO person category.
    """
    index = {normalize_name(n): i for i, n in enumerate(model_names)}
    return [index.get(normalize_name(n)) for n in coco_names]


def pose_to_coco(result, image_id: int, order: Sequence[Optional[int]],
                 category_id: int = 1) -> List[dict]:
    """
    Convert a :class:`~jetson_dnn_ros.tasks.pose.PoseResult` to COCO keypoint results.

    :param order: :func:`keypoint_order`; a COCO keypoint the model lacks is written as
        (0, 0, 0).
    :return: list of ``{image_id, category_id, keypoints [x, y, v] * K, score}``; the score is
        the person score (as COCO's keypoint results).
    """
    out = []
    for person in result.persons:
        flat = []
        for k in order:
            if k is None:
                flat += [0.0, 0.0, 0.0]
            else:
                x, y, c = (float(v) for v in person.keypoints[k])
                flat += [round(x, 2), round(y, 2), round(c, 4)]
        out.append({'image_id': int(image_id), 'category_id': int(category_id),
                    'keypoints': flat, 'score': round(float(person.score), 5)})
    return out


def encode_mask(mask: np.ndarray) -> dict:
    """Return the COCO RLE (``counts`` as text) of an (H, W) bool mask."""
    from pycocotools import mask as mask_utils
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle['counts'] = rle['counts'].decode('ascii')
    return rle


class Evaluator:
    """
    Base of the per-task evaluators.

    :meth:`add` takes one image's result; :meth:`summary` returns ``{'metrics': {...}, ...}``.
    """

    task = ''

    def keys(self) -> List[str]:
        """List the file stems of the images with ground truth."""
        raise NotImplementedError

    def add(self, key: str, result) -> None:
        """Score one image's result (``key`` = its file name)."""
        raise NotImplementedError

    def summary(self) -> dict:
        """Return every figure (JSON-serialisable)."""
        raise NotImplementedError


class CocoEvaluator(Evaluator):
    """
    COCO AP with pycocotools for detection (``bbox``), pose (``keypoints``) or masks (``segm``).

    :param annotations: COCO annotation JSON path.
    :param iou_type: ``bbox``, ``keypoints`` or ``segm``.
    :param labels: the model's class names (mapped to categories by name; pose: unused).
    :param keypoint_names: the model's keypoint names (pose).
    :raises EvaluationError: on a file that is not COCO JSON, or a pose set without keypoints.
    """

    def __init__(self, annotations, iou_type: str = 'bbox',
                 labels: Optional[Sequence[str]] = None,
                 keypoint_names: Optional[Sequence[str]] = None):
        COCO, _ = _coco_api()
        self.iou_type = iou_type
        self.task = {'bbox': 'detection', 'keypoints': 'pose',
                     'segm': 'instance_segmentation'}[iou_type]
        try:
            with _quiet():
                self.gt = COCO(str(annotations))
        except (OSError, ValueError, KeyError, TypeError, AssertionError) as exc:
            raise EvaluationError(f'{annotations} is not a COCO annotation file: {exc}') from exc
        self.by_name = {Path(img['file_name']).stem: int(img['id'])
                        for img in self.gt.dataset.get('images', [])}
        self.results: List[dict] = []
        self.image_ids: List[int] = []
        self.unmapped: List[str] = []
        self.missing_keypoints: List[str] = []
        if iou_type == 'keypoints':
            person = [c for c in self.gt.dataset['categories'] if c.get('keypoints')]
            if not person:
                raise EvaluationError(f'{annotations} has no category with keypoints')
            self.category_id = int(person[0]['id'])
            coco_names = person[0]['keypoints']
            self.order = keypoint_order(keypoint_names or (), coco_names)
            self.missing_keypoints = [n for n, k in zip(coco_names, self.order) if k is None]
            self.mapping = {}
        else:
            self.mapping, self.unmapped = category_map(labels, self.gt.dataset['categories'])

    def keys(self) -> List[str]:
        """Return the file stems of the annotated images."""
        return sorted(self.by_name)

    def add(self, key: str, result) -> None:
        """
        Convert one image's result to COCO results and keep them (no arrays are kept).

        :raises EvaluationError: if ``key`` is not an image of the annotation file.
        """
        image_id = self.by_name.get(Path(key).stem)
        if image_id is None:
            raise EvaluationError(f'{key} is not an image of the annotation file')
        self.image_ids.append(image_id)
        if self.iou_type == 'bbox':
            self.results += detection_to_coco(result, image_id, self.mapping)
        elif self.iou_type == 'keypoints':
            self.results += pose_to_coco(result, image_id, self.order, self.category_id)
        else:
            self.results += instances_to_coco(result, image_id, self.mapping)

    def results_json(self) -> List[dict]:
        """Return the COCO results list (what ``COCO.loadRes`` reads)."""
        return list(self.results)

    def summary(self) -> dict:
        """
        Run ``COCOeval`` on the images added so far.

        :return: ``{'metrics': {AP, AP50, ...}, 'per_class': {name: AP}, 'pr_curves':
            {name: {'recall': [...], 'precision': [...]}} (IoU 0.5, all areas),
            'unmapped_labels': [...], 'images': n, 'detections': n}``. No result at all
            gives AP 0 (pycocotools cannot load an empty result list).
        """
        _, COCOeval = _coco_api()
        names = KEYPOINT_METRICS if self.iou_type == 'keypoints' else DETECTION_METRICS
        image_ids = sorted(set(self.image_ids))
        out = {'iou_type': self.iou_type, 'images': len(image_ids),
               'detections': len(self.results), 'unmapped_labels': list(self.unmapped)}
        if self.iou_type == 'keypoints':
            out['missing_keypoints'] = list(self.missing_keypoints)
        if not self.results:
            out.update(metrics=dict.fromkeys(names, 0.0), per_class={}, pr_curves={})
            return out
        with _quiet():
            dt = self.gt.loadRes(self.results_json())
            ev = COCOeval(self.gt, dt, self.iou_type)
            ev.params.imgIds = image_ids
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
        # COCOeval marks "no ground truth" with -1; report those as absent (None)
        out['metrics'] = {n: (None if v < 0 else float(v)) for n, v in zip(names, ev.stats)}
        precision = ev.eval['precision']   # [T iou, R recall, K cat, A area, M maxdets]
        per_class, curves = {}, {}
        cats = {c['id']: c['name'] for c in self.gt.dataset['categories']}
        present = {a['category_id'] for a in self.gt.dataset['annotations']
                   if a['image_id'] in set(image_ids)}
        for k, cat in enumerate(ev.params.catIds):
            if cat not in present:
                continue
            p = precision[:, :, k, 0, -1]
            per_class[cats[cat]] = float(np.mean(p[p > -1])) if np.any(p > -1) else 0.0
            p50 = precision[0, :, k, 0, -1]
            curves[cats[cat]] = {'recall': [float(r) for r in ev.params.recThrs],
                                 'precision': [max(float(v), 0.0) for v in p50]}
        out['per_class'] = per_class
        out['pr_curves'] = curves
        return out


def instances_to_coco(result, image_id: int, mapping: Mapping[int, int]) -> List[dict]:
    """
    Convert an instance-segmentation result (boxes + per-instance masks) to COCO ``segm`` results.

    :param result: has ``boxes``, ``scores``, ``class_ids`` and ``masks`` ((N, H, W) bool or
        a sequence of RLE dicts).
    :return: list of ``{image_id, category_id, segmentation (RLE), bbox, score}``.
    """
    out = []
    masks = getattr(result, 'masks', None)
    for i, (box, score, cls) in enumerate(zip(result.boxes, result.scores, result.class_ids)):
        cat = mapping.get(int(cls))
        if cat is None or masks is None:
            continue
        mask = masks[i]
        rle = mask if isinstance(mask, dict) else encode_mask(np.asarray(mask) > 0)
        out.append({'image_id': int(image_id), 'category_id': cat, 'segmentation': rle,
                    'bbox': _xywh(box), 'score': round(float(score), 5)})
    return out


# -- semantic segmentation ----------------------------------------------------------------------

def read_label_png(path, palette: Optional[np.ndarray] = None) -> np.ndarray:
    """
    Read a label map as class ids.

    :param path: a single-channel PNG whose values are class ids (8 or 16 bit), or a palette /
        RGB PNG (VOC, Cityscapes colour) decoded back to ids with ``palette``.
    :param palette: (C, 3) uint8 **RGB** colour per class id; the VOC void colour
        :data:`VOC_VOID_RGB` maps to :data:`IGNORE_LABEL`. None = the PASCAL VOC palette.
    :return: (H, W) int32 class ids; colours not in the palette become :data:`IGNORE_LABEL`.
    :raises EvaluationError: if the file does not decode.
    """
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise EvaluationError(f'cannot read label map {path}')
    if image.ndim == 2:
        return image.astype(np.int32)
    if palette is None:
        from jetson_dnn_ros.colormaps import voc_palette
        palette = voc_palette(256)[:IGNORE_LABEL]
    rgb = image[..., 2::-1].astype(np.int64)   # BGR(A) → RGB
    codes = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    table = {(int(r) << 16) | (int(g) << 8) | int(b): i
             for i, (r, g, b) in reversed(list(enumerate(np.asarray(palette))))}
    r, g, b = VOC_VOID_RGB
    table[(r << 16) | (g << 8) | b] = IGNORE_LABEL
    uniq, inverse = np.unique(codes, return_inverse=True)
    ids = np.array([table.get(int(c), IGNORE_LABEL) for c in uniq], np.int32)
    return ids[inverse].reshape(codes.shape)


class SegmentationEvaluator(Evaluator):
    """
    Confusion matrix, per-class IoU, mIoU and pixel accuracy of semantic segmentation.

    :param label_dir: folder of label PNGs named like the images (``<stem>.png``).
    :param labels: the model's class names (C of them).
    :param palette: (C, 3) RGB palette for colour label PNGs (None = VOC).
    :param ignore: label value that is not scored (default 255).
    """

    task = 'segmentation'

    def __init__(self, label_dir, labels: Sequence[str], palette: Optional[np.ndarray] = None,
                 ignore: int = IGNORE_LABEL):
        self.label_dir = Path(label_dir)
        if not self.label_dir.is_dir():
            raise EvaluationError(f'label folder {label_dir} does not exist')
        self.files = {p.stem: p for p in sorted(self.label_dir.glob('*.png'))}
        if not self.files:
            raise EvaluationError(f'no label PNG in {label_dir}')
        self.labels = tuple(labels)
        self.palette = palette
        self.ignore = int(ignore)
        n = len(self.labels)
        self.confusion = np.zeros((n, n), np.int64)   # rows = ground truth, columns = predicted
        self.images = 0
        self.out_of_range = 0

    def keys(self) -> List[str]:
        """Return the stems of the label PNGs."""
        return sorted(self.files)

    def add(self, key: str, result) -> None:
        """
        Add one image's class map (resized to the label map with nearest if sizes differ).

        :raises EvaluationError: if there is no label PNG for ``key``.
        """
        path = self.files.get(Path(key).stem)
        if path is None:
            raise EvaluationError(f'no label PNG for {key} in {self.label_dir}')
        gt = read_label_png(path, self.palette)
        pred = np.asarray(result.class_map)
        if pred.shape != gt.shape:
            pred = cv2.resize(pred.astype(np.int32), (gt.shape[1], gt.shape[0]),
                              interpolation=cv2.INTER_NEAREST)
        self.add_maps(gt, pred)

    def add_maps(self, gt: np.ndarray, pred: np.ndarray) -> None:
        """Add a ground-truth and a predicted (H, W) id map of the same shape."""
        n = len(self.labels)
        valid = gt != self.ignore
        bad = valid & ((gt < 0) | (gt >= n))
        self.out_of_range += int(bad.sum())
        valid &= ~bad
        g = gt[valid].astype(np.int64)
        p = np.clip(pred[valid].astype(np.int64), 0, n - 1)
        self.confusion += np.bincount(g * n + p, minlength=n * n).reshape(n, n)
        self.images += 1

    def summary(self) -> dict:
        """
        Return per-class IoU, mIoU (classes present in the ground truth) and pixel accuracy.

        IoU of class c = TP / (TP + FP + FN) from the confusion matrix; a class absent from
        the ground truth is listed (IoU of its false positives is 0) but not averaged.
        """
        cm = self.confusion.astype(np.float64)
        tp = np.diag(cm)
        gt_count = cm.sum(axis=1)
        union = gt_count + cm.sum(axis=0) - tp
        with np.errstate(divide='ignore', invalid='ignore'):
            iou = np.where(union > 0, tp / union, np.nan)
        present = gt_count > 0
        total = cm.sum()
        per_class = {name: float(iou[i]) for i, name in enumerate(self.labels)
                     if union[i] > 0}
        return {'images': self.images,
                'metrics': {'mIoU': float(np.mean(iou[present])) if present.any() else 0.0,
                            'pixel_accuracy': float(tp.sum() / total) if total else 0.0,
                            'classes_present': int(present.sum()),
                            'ignored_out_of_range_pixels': self.out_of_range},
                'per_class': per_class,
                'confusion_matrix': {'labels': list(self.labels),
                                     'counts': self.confusion.tolist()}}


# -- depth ---------------------------------------------------------------------------------------

def read_depth(path, png_scale: float = 0.001) -> np.ndarray:
    """
    Read a ground-truth depth map in metres.

    :param path: ``.npy`` (metres) or 16-bit PNG (value × ``png_scale`` = metres, e.g. 0.001
        for millimetres).
    :return: (H, W) float64 metres; 0 / non-finite = no measurement.
    :raises EvaluationError: if the file does not decode or is not 2-D.
    """
    path = Path(path)
    if path.suffix == '.npy':
        depth = np.load(str(path)).astype(np.float64)
    else:
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if image is None:
            raise EvaluationError(f'cannot read depth map {path}')
        depth = image.astype(np.float64) * float(png_scale)
    depth = np.squeeze(depth)
    if depth.ndim != 2:
        raise EvaluationError(f'depth map {path} has shape {depth.shape}, expected (H, W)')
    return depth


def depth_metrics(pred: np.ndarray, gt: np.ndarray, min_depth: float = 1e-3,
                  max_depth: float = math.inf, median_scaling: bool = False) -> Dict[str, float]:
    """
    Return the standard monocular-depth errors of one image.

    :param pred: (H, W) predicted depth in metres (or any unit with ``median_scaling``).
    :param gt: (H, W) ground truth in metres; pixels outside (min_depth, max_depth] or not
        finite are not scored.
    :param median_scaling: multiply ``pred`` by median(gt) / median(pred) over the valid
        pixels first (relative-depth models, as MiDaS / Monodepth evaluate).
    :return: ``abs_rel`` = mean(|p − g| / g), ``rmse`` = sqrt(mean((p − g)²)) (metres),
        ``log10`` = mean(|log10 p − log10 g|), ``delta1/2/3`` = fraction with
        max(p/g, g/p) < 1.25, 1.25², 1.25³, ``pixels`` = scored pixel count.
    :raises EvaluationError: if the shapes differ or no pixel is valid.
    """
    if pred.shape != gt.shape:
        raise EvaluationError(f'prediction {pred.shape} and ground truth {gt.shape} differ')
    valid = np.isfinite(gt) & (gt > min_depth) & (gt <= max_depth) & np.isfinite(pred)
    if not valid.any():
        raise EvaluationError('no valid ground-truth depth pixel')
    g = gt[valid]
    p = pred[valid].astype(np.float64)
    if median_scaling:
        p = p * (np.median(g) / max(np.median(p), 1e-12))
    p = np.clip(p, min_depth, None)
    ratio = np.maximum(p / g, g / p)
    return {'abs_rel': float(np.mean(np.abs(p - g) / g)),
            'rmse': float(np.sqrt(np.mean((p - g) ** 2))),
            'log10': float(np.mean(np.abs(np.log10(p) - np.log10(g)))),
            'delta1': float(np.mean(ratio < 1.25)),
            'delta2': float(np.mean(ratio < 1.25 ** 2)),
            'delta3': float(np.mean(ratio < 1.25 ** 3)),
            'pixels': int(valid.sum())}


def depth_from_result(result) -> Tuple[np.ndarray, bool]:
    """
    Return (depth, needs median scaling) from a DepthResult.

    Relative inverse depth (larger = nearer) is inverted to relative depth first.
    """
    depth = np.asarray(result.depth, np.float64)
    if result.kind == 'metric':
        return depth, False
    return 1.0 / np.clip(depth, 1e-6, None), True


class DepthEvaluator(Evaluator):
    """
    Mean per-image depth errors against ``.npy`` / 16-bit PNG ground truth.

    :param depth_dir: folder of ground-truth maps named like the images.
    :param png_scale: metres per PNG unit.
    :param min_depth: smallest ground truth scored (metres).
    :param max_depth: largest ground truth scored (metres; NYU: 10).
    :param median_scaling: None = only for relative models; True/False forces it.
    """

    task = 'depth'
    METRICS = ('abs_rel', 'rmse', 'log10', 'delta1', 'delta2', 'delta3')

    def __init__(self, depth_dir, png_scale: float = 0.001, min_depth: float = 1e-3,
                 max_depth: float = math.inf, median_scaling: Optional[bool] = None):
        self.depth_dir = Path(depth_dir)
        if not self.depth_dir.is_dir():
            raise EvaluationError(f'depth folder {depth_dir} does not exist')
        self.files = {p.stem: p for p in sorted(self.depth_dir.iterdir())
                      if p.suffix in ('.npy', '.png')}
        if not self.files:
            raise EvaluationError(f'no .npy or .png depth map in {depth_dir}')
        self.png_scale = png_scale
        self.min_depth, self.max_depth = min_depth, max_depth
        self.median_scaling = median_scaling
        self.sums = dict.fromkeys(self.METRICS, 0.0)
        self.images = 0
        self.scaled = False

    def keys(self) -> List[str]:
        """Return the stems of the ground-truth maps."""
        return sorted(self.files)

    def add(self, key: str, result) -> None:
        """
        Score one DepthResult (resized bilinearly to the ground truth if sizes differ).

        :raises EvaluationError: if there is no ground truth for ``key``.
        """
        path = self.files.get(Path(key).stem)
        if path is None:
            raise EvaluationError(f'no ground-truth depth for {key} in {self.depth_dir}')
        gt = read_depth(path, self.png_scale)
        pred, relative = depth_from_result(result)
        if pred.shape != gt.shape:
            pred = cv2.resize(pred, (gt.shape[1], gt.shape[0]), interpolation=cv2.INTER_LINEAR)
        scale = relative if self.median_scaling is None else bool(self.median_scaling)
        self.scaled = scale
        figures = depth_metrics(pred, gt, self.min_depth, self.max_depth, scale)
        for m in self.METRICS:
            self.sums[m] += figures[m]
        self.images += 1

    def summary(self) -> dict:
        """Return the mean of each figure over the images (metres for RMSE)."""
        n = max(self.images, 1)
        return {'images': self.images, 'median_scaling': self.scaled,
                'metrics': {m: self.sums[m] / n for m in self.METRICS}}


# -- classification ----------------------------------------------------------------------------

def read_class_labels(spec) -> Dict[str, str]:
    """
    Read classification ground truth: ``{image key: label}``.

    :param spec: a folder with one sub-folder per class (folder name = label), or a CSV of
        ``file,label`` rows (a ``file,label`` header is skipped).
    :return: keys are ``class folder/file stem`` for a tree, the file stem for a CSV.
    :raises EvaluationError: if it is neither, or holds no image.
    """
    path = Path(spec)
    out = {}
    if path.is_dir():
        from jetson_dnn_ros.media import IMAGE_SUFFIXES
        for folder in sorted(p for p in path.iterdir() if p.is_dir()):
            for image in sorted(folder.iterdir()):
                if image.suffix.lower() in IMAGE_SUFFIXES:
                    out[f'{folder.name}/{image.stem}'] = folder.name
    elif path.is_file():
        with open(path, newline='', encoding='utf-8') as stream:
            for row in csv.reader(stream):
                if len(row) < 2 or not row[0].strip() or row[0].startswith('#'):
                    continue
                if row[0].strip().lower() == 'file' and row[1].strip().lower() == 'label':
                    continue
                out[Path(row[0].strip()).stem] = row[1].strip()
    else:
        raise EvaluationError(f'{spec} is neither a class-folder tree nor a file,label CSV')
    if not out:
        raise EvaluationError(f'no labelled image in {spec}')
    return out


class ClassificationEvaluator(Evaluator):
    """
    Top-1 / top-5 accuracy and a confusion matrix over the classes of the ground truth.

    :param truth: ``{file name: label}`` (:func:`read_class_labels`); a label is a class name
        of the model (any spelling) or a class index.
    :param labels: the model's class names.
    :raises EvaluationError: if a ground-truth label is not a class of the model.
    """

    task = 'classification'

    def __init__(self, truth: Mapping[str, str], labels: Sequence[str]):
        self.labels = tuple(labels or ())
        by_name = {}
        for i, name in enumerate(self.labels):
            by_name.setdefault(normalize_name(name), i)
        self.truth = {}
        unknown = set()
        for key, label in truth.items():
            cls = int(label) if str(label).isdigit() else by_name.get(normalize_name(label))
            if cls is None or not 0 <= cls < max(len(self.labels), cls + 1):
                unknown.add(label)
            else:
                self.truth[key] = cls
        if unknown:
            raise EvaluationError(f'labels that are not classes of the model: {sorted(unknown)}')
        self.classes = sorted(set(self.truth.values()))
        self.top1 = self.top5 = self.images = 0
        n = len(self.classes)
        self.confusion = np.zeros((n, n + 1), np.int64)   # last column: another class

    def keys(self) -> List[str]:
        """Return the labelled file names."""
        return sorted(self.truth)

    def add(self, key: str, result) -> None:
        """
        Score one ClassificationResult (its ``class_ids`` best first; needs top_k >= 5).

        :raises EvaluationError: if ``key`` has no label.
        """
        cls = self.truth.get(key)
        if cls is None:
            cls = self.truth.get(Path(key).stem)
        if cls is None:
            raise EvaluationError(f'no label for {key}')
        ids = [int(i) for i in result.class_ids]
        self.images += 1
        self.top1 += bool(ids[:1] == [cls])
        self.top5 += cls in ids[:5]
        row = self.classes.index(cls)
        col = self.classes.index(ids[0]) if ids and ids[0] in self.classes else len(self.classes)
        self.confusion[row, col] += 1

    def summary(self) -> dict:
        """Return top-1, top-5 and the confusion matrix (rows truth, columns predicted)."""
        n = max(self.images, 1)
        names = [self.labels[c] if c < len(self.labels) else str(c) for c in self.classes]
        return {'images': self.images,
                'metrics': {'top1': self.top1 / n, 'top5': self.top5 / n},
                'confusion_matrix': {'labels': names + ['(other)'],
                                     'counts': self.confusion.tolist()}}


# -- agreement of two results (jetson-dnn compare) ---------------------------------------------

def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the (N, M) IoU of xyxy boxes ``a`` (N, 4) and ``b`` (M, 4)."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=2)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def match_boxes(a, b, iou: float = 0.5) -> List[Tuple[int, int]]:
    """
    Greedily match detections of two results (same class, IoU >= ``iou``, best score first).

    :return: list of (index in ``a``, index in ``b``).
    """
    overlaps = box_iou(a.boxes, b.boxes)
    same = np.asarray(a.class_ids)[:, None] == np.asarray(b.class_ids)[None, :]
    overlaps = np.where(same, overlaps, 0.0)
    pairs, used = [], set()
    for i in np.argsort(-np.asarray(a.scores, np.float64), kind='stable'):
        if overlaps.shape[1] == 0:
            break
        row = overlaps[i].copy()
        row[list(used)] = -1.0
        j = int(np.argmax(row))
        if row[j] >= iou:
            pairs.append((int(i), j))
            used.add(j)
    return pairs


def agreement(a, b) -> Dict[str, float]:
    """
    Return how far two results of the same image agree (one per task).

    :return: detection: ``matched_rate`` (matched boxes / boxes of the larger set; 1 if
        both empty), ``mean_score_delta``, ``max_score_delta``; instance masks additionally
        ``mask_iou``; segmentation: ``pixel_agreement``, ``mean_iou``; depth:
        ``abs_rel`` of ``b`` against ``a``; classification: ``top1_agreement``; pose:
        ``matched_rate`` and ``mean_keypoint_px``.
    """
    task = a.task
    if task in ('detection', 'instance_segmentation'):
        pairs = match_boxes(a, b)
        n = max(len(a), len(b))
        deltas = [abs(float(a.scores[i]) - float(b.scores[j])) for i, j in pairs]
        out = {'matched_rate': len(pairs) / n if n else 1.0,
               'mean_score_delta': float(np.mean(deltas)) if deltas else 0.0,
               'max_score_delta': float(np.max(deltas)) if deltas else 0.0}
        masks_a, masks_b = getattr(a, 'masks', None), getattr(b, 'masks', None)
        if masks_a is not None and masks_b is not None and pairs:
            ious = []
            for i, j in pairs:
                ma, mb = np.asarray(masks_a[i]) > 0, np.asarray(masks_b[j]) > 0
                union = np.logical_or(ma, mb).sum()
                ious.append(np.logical_and(ma, mb).sum() / union if union else 1.0)
            out['mask_iou'] = float(np.mean(ious))
        return out
    if task == 'segmentation':
        ca, cb = np.asarray(a.class_map), np.asarray(b.class_map)
        ious = []
        for c in np.union1d(np.unique(ca), np.unique(cb)):
            ma, mb = ca == c, cb == c
            ious.append(np.logical_and(ma, mb).sum() / np.logical_or(ma, mb).sum())
        return {'pixel_agreement': float(np.mean(ca == cb)), 'mean_iou': float(np.mean(ious))}
    if task == 'depth':
        da = np.asarray(a.depth, np.float64)
        db = np.asarray(b.depth, np.float64)
        valid = np.isfinite(da) & np.isfinite(db) & (np.abs(da) > 1e-6)
        return {'abs_rel': float(np.mean(np.abs(db[valid] - da[valid]) / np.abs(da[valid])))
                if valid.any() else 0.0}
    if task == 'classification':
        top_a = int(a.class_ids[0]) if len(a.class_ids) else -1
        top_b = int(b.class_ids[0]) if len(b.class_ids) else -1
        return {'top1_agreement': float(top_a == top_b)}
    if task == 'pose':
        boxes_a = np.array([p.box for p in a.persons]).reshape(-1, 4)
        boxes_b = np.array([p.box for p in b.persons]).reshape(-1, 4)
        overlaps = box_iou(boxes_a, boxes_b)
        dists, matched, used = [], 0, set()
        for i in range(len(a.persons)):
            if overlaps.shape[1] == 0:
                break
            row = overlaps[i].copy()
            row[list(used)] = -1.0
            j = int(np.argmax(row))
            if row[j] >= 0.5:
                used.add(j)
                matched += 1
                ka, kb = a.persons[i].keypoints, b.persons[j].keypoints
                dists.append(float(np.mean(np.hypot(ka[:, 0] - kb[:, 0], ka[:, 1] - kb[:, 1]))))
        n = max(len(a.persons), len(b.persons))
        return {'matched_rate': matched / n if n else 1.0,
                'mean_keypoint_px': float(np.mean(dists)) if dists else 0.0}
    raise EvaluationError(f'no agreement measure for task {task!r}')


def tensor_difference(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]
                      ) -> Dict[str, Dict[str, float]]:
    """
    Return ``{output: {'max_abs': .., 'mean_abs': ..}}`` of two backends' raw outputs.

    :raises EvaluationError: if the outputs' names or shapes differ.
    """
    if set(a) != set(b):
        raise EvaluationError(f'outputs differ: {sorted(a)} vs {sorted(b)}')
    out = {}
    for name in a:
        x = np.asarray(a[name], np.float64)
        y = np.asarray(b[name], np.float64)
        if x.shape != y.shape:
            raise EvaluationError(f'output {name}: shape {x.shape} vs {y.shape}')
        diff = np.abs(x - y)
        out[name] = {'max_abs': float(diff.max()) if diff.size else 0.0,
                     'mean_abs': float(diff.mean()) if diff.size else 0.0}
    return out


def write_json(path, data: Any) -> None:
    """
    Write ``data`` as indented JSON, atomically (a failure leaves the old file or none).

    :raises OutputError: on an ``OSError`` (see :func:`jetson_dnn_ros.outputs.staged_file`).
    """
    from jetson_dnn_ros.outputs import staged_file
    text = json.dumps(data, indent=2, sort_keys=False) + '\n'
    with staged_file(Path(path)) as stream:
        stream.write(text.encode('utf-8'))


__all__ = ['ClassificationEvaluator', 'CocoEvaluator', 'DepthEvaluator', 'EvaluationError',
           'Evaluator', 'SegmentationEvaluator', 'agreement', 'category_map',
           'dataset_fingerprint', 'depth_metrics', 'detection_to_coco', 'encode_mask',
           'instances_to_coco', 'keypoint_order', 'match_boxes', 'normalize_name',
           'pose_to_coco', 'read_class_labels', 'read_depth', 'read_label_png',
           'sha256_file', 'tensor_difference']
