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
Model inspection: a descriptor from an ONNX file alone ("bring your own ONNX").

:func:`inspect_model` reads the graph (inputs, outputs, operators) and the exporter metadata
(``metadata_props``) and infers the task, the decoder family, the image input (name, layout,
size, dtype), the labels and the preprocessing, with the reason for each choice:

1. a file whose sha256 equals a shipped descriptor's is that descriptor (``config/models``);
2. Ultralytics exports carry ``task``, ``names`` (a Python dict literal, parsed with
   :func:`ast.literal_eval`, never ``eval``), ``imgsz``, ``stride`` and ``kpt_shape``;
   other exporters' ``labels`` / ``classes`` / ``class_names`` metadata are read the same way;
3. otherwise the output signature decides: YOLOv5 ``[1, N, 5+C]`` (N = 3 anchors per cell),
   YOLOX ``[1, N, 5+C]`` (one anchor point per cell), YOLOv8/YOLO11 ``[1, 4+C, N]``,
   YOLOv8/11-pose ``[1, 4+1+K·3, N]``, YOLOv8/11-seg ``[1, 4+C+32, N]`` + protos
   ``[1, 32, H/4, W/4]``, EfficientNMS (4 outputs), SSD ``scores``/``boxes``, DETR
   ``pred_logits``/``pred_boxes``, RT-DETR ``labels``/``boxes``/``scores``, BodyPix/PoseNet
   heatmaps, MoveNet ``[1, 1, 17, 3]``, classification ``[1, C]``, semantic logits
   ``[1, C, H, W]`` / NHWC, depth ``[1, 1, H, W]`` / ``[1, H, W]``.

A signature that fits several families (``[1, N, 85]`` with an unknown N: YOLOv5 or YOLOX; a
depth map: metric or relative) is refused with one :class:`ModelError` that lists the
candidates and how to choose (``decoder=`` / ``--decoder``, or a descriptor); nothing is
guessed silently. Each family's defaults (preprocessing, thresholds, NMS) name their source
in the descriptor's ``sources`` key.
"""

import ast
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from jetson_dnn_ros.errors import ModelError
import yaml

TENSORRT_UNPARSABLE_OPS = ('DynamicQuantizeLinear', 'ConvInteger', 'MatMulInteger',
                           'QLinearConv', 'QLinearMatMul', 'QLinearAdd', 'QLinearMul',
                           'QLinearGlobalAveragePool', 'QLinearSigmoid', 'QLinearConcat')
"""ONNX Runtime's dynamic / QOperator quantisation ops, which TensorRT's ONNX parser rejects
(it takes QDQ ``QuantizeLinear``/``DequantizeLinear`` pairs only)."""

LABEL_KEYS = ('names', 'labels', 'classes', 'class_names')
"""Metadata keys read as class names (Ultralytics writes ``names``)."""

_IMAGENET = {'mean': [0.485, 0.456, 0.406], 'std': [0.229, 0.224, 0.225]}
_ULTRA_INPUT = {'resize': 'letterbox', 'align': 'center', 'pad_value': 114, 'color': 'rgb',
                'scale': 1 / 255, 'layout': 'NCHW'}
_ULTRA_SOURCE = ('ultralytics/cfg/default.yaml predict defaults (conf 0.25, iou 0.7, '
                 'max_det 300); ops.non_max_suppression: best class per box, NMS per class; '
                 'LetterBox(auto=False): centred, pad 114, RGB, /255')

FAMILIES: Dict[str, Dict[str, Any]] = {
    'ultralytics': {
        'input': _ULTRA_INPUT, 'size': 640, 'source': _ULTRA_SOURCE,
        'params': {'thresholds': {'score': 0.25, 'iou': 0.7}, 'class_agnostic': False,
                   'max_detections': 300}},
    'yolov5': {
        'input': _ULTRA_INPUT, 'size': 640,
        'source': 'ultralytics/yolov5 detect.py defaults (conf_thres 0.25, iou_thres 0.45, '
                  'max_det 1000, class-aware NMS); utils/augmentations.py letterbox',
        'params': {'thresholds': {'score': 0.25, 'iou': 0.45}, 'class_agnostic': False,
                   'max_detections': 1000}},
    'yolox': {
        'input': {'resize': 'letterbox', 'align': 'top_left', 'pad_value': 114,
                  'size_rounding': 'floor', 'color': 'bgr', 'scale': 1.0, 'layout': 'NCHW'},
        'size': 640,
        'source': 'Megvii YOLOX demo/ONNXRuntime/onnx_inference.py: preproc (BGR 0..255, '
                  'top-left letterbox with int() sizes, pad 114), --score_thr 0.3, '
                  'multiclass_nms(nms_thr=0.45, class_agnostic=True): best class per anchor, '
                  'one NMS over all classes',
        'params': {'thresholds': {'score': 0.3, 'iou': 0.45}, 'class_agnostic': True,
                   'max_detections': 100}},
    'efficient_nms': {
        'input': _ULTRA_INPUT, 'size': 640,
        'source': 'assumed: YOLO exports with the TensorRT EfficientNMS_TRT plugin use the '
                  'YOLO letterbox; NMS is inside the graph',
        'params': {'thresholds': {'score': 0.25}, 'max_detections': 100}},
    'ssd': {
        'input': {'resize': 'stretch', 'color': 'rgb', 'scale': 1 / 255, 'mean': [0.5] * 3,
                  'std': [0.5] * 3, 'layout': 'NCHW'},
        'size': 300,
        'source': 'qfgaohao/pytorch-ssd (jetson-inference detectNet): (x - 127) / 128, '
                  'threshold 0.5, NMS 0.45 per class',
        'params': {'thresholds': {'score': 0.5, 'iou': 0.45}, 'max_detections': 100}},
    'detr': {
        'input': {'resize': 'stretch', 'color': 'rgb', 'scale': 1 / 255, **_IMAGENET,
                  'layout': 'NCHW'},
        'size': 800,
        'source': 'facebookresearch/detr: ImageNet normalisation; PostProcess keeps the best '
                  'class of each query (no NMS); threshold assumed 0.5',
        'params': {'thresholds': {'score': 0.5}, 'max_detections': 100}},
    'rtdetr': {
        'input': {'resize': 'stretch', 'color': 'rgb', 'scale': 1 / 255, 'layout': 'NCHW'},
        'size': 640,
        'source': 'lyuwenyu/RT-DETR export_onnx.py: 640x640 stretch, /255, no NMS; '
                  'threshold as config/models/rtdetr_r18.yaml',
        'params': {'thresholds': {'score': 0.45}, 'max_detections': 300}},
    'classification': {
        'input': {'resize': 'center_crop', 'color': 'rgb', 'scale': 1 / 255, **_IMAGENET,
                  'layout': 'NCHW'},
        'size': 224,
        'source': 'torchvision ImageNet evaluation (resize 256, centre crop 224, ImageNet '
                  'mean/std), softmax, top 5; preprocessing assumed: the graph cannot tell it',
        'params': {'thresholds': {'score': 0.01}, 'top_k': 5}},
    'ultralytics_classify': {
        'input': {'resize': 'center_crop', 'color': 'rgb', 'scale': 1 / 255, 'layout': 'NCHW'},
        'size': 224,
        'source': 'ultralytics classify_transforms (resize the shorter side to imgsz, centre '
                  'crop, /255, mean 0, std 1); the export ends in a softmax',
        'params': {'thresholds': {'score': 0.01}, 'top_k': 5}},
    'segmentation': {
        'input': {'resize': 'stretch', 'color': 'rgb', 'scale': 1 / 255, **_IMAGENET,
                  'layout': 'NCHW'},
        'size': 512,
        'source': 'torchvision segmentation models (ImageNet mean/std, argmax of the logits);'
                  ' preprocessing assumed: the graph cannot tell it',
        'params': {'filter_mode': 'linear'}},
    'depth': {
        'input': {'resize': 'stretch', 'color': 'rgb', 'scale': 1 / 255, **_IMAGENET,
                  'layout': 'NCHW'},
        'size': 518,
        'source': 'Depth Anything / MiDaS v3 preprocessing (ImageNet mean/std); assumed: the '
                  'graph cannot tell it',
        'params': {'filter_mode': 'linear'}},
    'posenet': {
        'input': {'resize': 'letterbox', 'align': 'center', 'pad_value': 0, 'color': 'rgb',
                  'scale': 2 / 255, 'mean': [1.0] * 3, 'std': [1.0] * 3, 'layout': 'NHWC'},
        'size': 257,
        # dynamic H and W: per source aspect within 641 x 481 pixels on the 16k + 1 grid, the
        # default README "Defaults by measurement" chose for bodypix_mobilenetv1_050
        'dynamic': {'width': 641, 'height': 481,
                    'input_size': {'max_pixels': 641 * 481, 'stride': 16, 'offset': 1}},
        'source': 'tfjs-models posenet/bodypix MobileNetV1: x / 127.5 - 1, input 16k + 1, '
                  'output stride 16; input size and thresholds as '
                  'config/models/bodypix_mobilenetv1_050.yaml',
        'params': {'thresholds': {'score': 0.2, 'keypoint_threshold': 0.3},
                   'max_detections': 10}},
    'movenet': {
        'input': {'resize': 'letterbox', 'align': 'center', 'pad_value': 0, 'color': 'rgb',
                  'scale': 1.0, 'layout': 'NHWC'},
        'size': 192,
        'source': 'TF Hub MoveNet SinglePose (RGB 0..255, padded to a square); thresholds as '
                  'config/models/movenet_lightning.yaml',
        'params': {'thresholds': {'score': 0.2, 'keypoint_threshold': 0.3},
                   'max_detections': 1}},
    'openpose': {
        'input': {'resize': 'stretch', 'color': 'rgb', 'scale': 1 / 255, **_IMAGENET,
                  'layout': 'NCHW'},
        'size': 224,
        'source': 'NVIDIA-AI-IOT/trt_pose (224x224, ImageNet mean/std); thresholds as '
                  'config/models/trtpose_resnet18_body.yaml',
        'params': {'thresholds': {'score': 0.0, 'keypoint_threshold': 0.15},
                   'max_detections': 100}},
    'ultralytics_pose': {
        'input': _ULTRA_INPUT, 'size': 640, 'source': _ULTRA_SOURCE,
        'params': {'thresholds': {'score': 0.25, 'iou': 0.7, 'keypoint_threshold': 0.5},
                   'class_agnostic': False, 'max_detections': 300}},
}
"""Per decoder family: input preprocessing, default input size (for dynamic inputs), decoding
defaults and where they come from."""


@dataclass(frozen=True)
class TensorInfo:
    """
    One graph input or output.

    :param name: tensor name.
    :param shape: dimensions; an int where fixed, the symbolic name (or ``?``) where dynamic.
    :param dtype: numpy dtype name (``float32``, …).
    """

    name: str
    shape: Tuple[Union[int, str], ...]
    dtype: str

    def dim(self, index: int) -> Optional[int]:
        """Return dimension ``index`` if it is fixed and in range, else None."""
        if -len(self.shape) <= index < len(self.shape):
            value = self.shape[index]
            return value if isinstance(value, int) and value > 0 else None
        return None

    def __str__(self) -> str:
        """Return ``name [d0, d1, …] dtype``."""
        return f'{self.name} [{", ".join(str(d) for d in self.shape)}] {self.dtype}'


@dataclass(frozen=True)
class _Candidate:
    family: str
    decoder: str
    task: str
    why: str
    config: Mapping[str, Any] = field(default_factory=dict)
    classes: Optional[int] = None
    extras: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Inspection:
    """
    What :func:`inspect_model` found in one ONNX file.

    :param path: the ONNX file.
    :param inputs: graph inputs (initializers excluded).
    :param outputs: graph outputs.
    :param metadata: the exporter's ``metadata_props``.
    :param data: the inferred descriptor as a YAML-ready mapping.
    :param reasons: why each part of ``data`` was chosen, one line each.
    :param unparsable_ops: operators TensorRT cannot parse (see
        :data:`TENSORRT_UNPARSABLE_OPS`), sorted; empty if none.
    :param known: the shipped descriptor YAML whose sha256 the file has, or None.
    """

    path: str
    inputs: Tuple[TensorInfo, ...]
    outputs: Tuple[TensorInfo, ...]
    metadata: Mapping[str, str]
    data: Mapping[str, Any]
    reasons: Tuple[str, ...]
    unparsable_ops: Tuple[str, ...] = ()
    known: Optional[str] = None

    @property
    def task(self) -> str:
        """Return the inferred task name."""
        return str(self.data['task'])

    @property
    def decoder(self) -> str:
        """Return the inferred decoder name."""
        return str(self.data['decoder']['name'])

    def descriptor(self):
        """
        Return the :class:`~jetson_dnn_ros.models.ModelDescriptor` that runs this file.

        :raises ModelError: if this build has no such task or decoder yet, or the inferred
            descriptor is invalid.
        """
        from jetson_dnn_ros.models import descriptor_from_dict, load_descriptor, TASKS
        from jetson_dnn_ros.tasks import decoder_names
        if self.known:
            return load_descriptor(self.known).with_file(self.path)
        if self.task not in TASKS or self.decoder not in decoder_names():
            missing = (f'task {self.task!r}' if self.task not in TASKS
                       else f'decoder {self.decoder!r}')
            raise ModelError(
                f'{self.path} is recognised as task {self.task!r} (decoder {self.decoder}), '
                f'but this build of jetson_dnn_ros has no {missing} yet (tasks: '
                f'{", ".join(TASKS)}); it cannot run here. `jetson-dnn models inspect` still '
                'describes it')
        return descriptor_from_dict(self.data)

    def to_yaml(self) -> str:
        """Return the descriptor as an editable YAML text, the reasons as comments."""
        head = [f'# Written by `jetson-dnn models inspect {self.path}`.',
                '# Why (edit anything the graph could not tell):']
        head += [f'#  - {line}' for line in self.reasons]
        body = {k: v for k, v in self.data.items() if k != 'labels'}
        text = yaml.safe_dump(body, sort_keys=False, width=99)
        if 'labels' in self.data:   # one flow-style line per ~99 columns, not one per name
            text += yaml.safe_dump({'labels': self.data['labels']}, default_flow_style=None,
                                   width=99)
        return '\n'.join(head) + '\n' + text

    def report(self) -> str:
        """Return the human-readable inspection: tensors, metadata, descriptor and reasons."""
        lines = [f'model: {self.path}', 'inputs:']
        lines += [f'  {t}' for t in self.inputs]
        lines.append('outputs:')
        lines += [f'  {t}' for t in self.outputs]
        if self.metadata:
            lines.append('metadata:')
            lines += [f'  {k}: {_short(v)}' for k, v in self.metadata.items()]
        if self.unparsable_ops:
            lines.append(f'TensorRT: cannot parse this graph ({", ".join(self.unparsable_ops)}: '
                         'ONNX Runtime quantisation); run it with ONNX Runtime')
        lines.append('why:')
        lines += [f'  - {line}' for line in self.reasons]
        lines.append('descriptor:')
        lines += ['  ' + line for line in yaml.safe_dump(
            {k: v for k, v in self.data.items() if k != 'labels'}, sort_keys=False,
            width=95).splitlines()]
        labels = self.data.get('labels')
        if isinstance(labels, list):
            lines.append(f'  labels: {len(labels)} names ({_short(", ".join(labels))})')
        elif labels is not None:
            lines.append(f'  labels: {labels}')
        return '\n'.join(lines)


def _short(text: str, limit: int = 90) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit - 3] + '...'


# ------------------------------------------------------------------------------------------
# reading the file
# ------------------------------------------------------------------------------------------

def load_onnx(path):
    """
    Load an ONNX model's graph (external weights are not read).

    :raises ModelError: if the file is missing or is not an ONNX model, or the ``onnx``
        package (the reader of the file) is not installed.
    """
    try:
        import onnx
    except ImportError as exc:
        raise ModelError(f'reading {path} needs the onnx package: pip install onnx (or pass a '
                         'zoo name or a descriptor .yaml, which need no inspection)') from exc
    path = Path(path)
    if not path.is_file():
        raise ModelError(f'model file {path} does not exist')
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # noqa: B902 - protobuf raises several types on garbage
        raise ModelError(f'{path} is not an ONNX model (the ONNX parser says: '
                         f'{type(exc).__name__}: {_short(exc, 200)}); pass an .onnx file, '
                         'a descriptor .yaml or a zoo name') from exc
    if not model.graph.output or not model.graph.node:
        raise ModelError(f'{path} is not an ONNX model: it parses but holds no graph '
                         f'(no nodes or outputs); pass an .onnx file, a descriptor .yaml or '
                         'a zoo name')
    return model


def _tensor_info(value) -> TensorInfo:
    from onnx import helper
    ttype = value.type.tensor_type
    shape = tuple(d.dim_value if d.HasField('dim_value') else (d.dim_param or '?')
                  for d in ttype.shape.dim)
    try:
        dtype = str(helper.tensor_dtype_to_np_dtype(ttype.elem_type))
    except (KeyError, ValueError, TypeError):
        dtype = f'onnx type {ttype.elem_type}'
    return TensorInfo(value.name, shape, dtype)


def unparsable_ops(model) -> Tuple[str, ...]:
    """Return the sorted :data:`TENSORRT_UNPARSABLE_OPS` of a loaded model's graph."""
    ops = {node.op_type for node in model.graph.node}
    for function in getattr(model, 'functions', ()):
        ops.update(node.op_type for node in function.node)
    return tuple(sorted(ops & set(TENSORRT_UNPARSABLE_OPS)))


def check_tensorrt_parsable(path) -> None:
    """
    Refuse a model TensorRT cannot parse, before TensorRT tries.

    :raises ModelError: if the graph uses ONNX Runtime-only quantisation operators
        (``quantize_dynamic`` int8 weights: DynamicQuantizeLinear/ConvInteger/MatMulInteger,
        or QOperator QLinear*), naming them and what to do instead.
    """
    ops = unparsable_ops(load_onnx(path))
    if ops:
        raise ModelError(
            f'{path}: TensorRT cannot parse this model: it uses {", ".join(ops)} (ONNX Runtime '
            'int8 quantisation, e.g. quantize_dynamic). Run it with backend onnxruntime, or '
            'give TensorRT the fp32 export (TensorRT makes its own fp16/int8 engine; int8 '
            'needs QDQ QuantizeLinear/DequantizeLinear or calibration)')


def parse_metadata_value(key: str, text: str, path: str = '<model>'):
    """
    Parse one metadata value written as a Python/JSON literal (``ast.literal_eval``).

    :raises ModelError: naming the key and the text when it is not a literal.
    """
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        raise ModelError(f'{path}: metadata {key!r} does not parse as a Python literal '
                         f'({type(exc).__name__}): {_short(text, 120)!r}; fix the export or '
                         'write a descriptor (jetson-dnn models inspect FILE --write '
                         'my.yaml) with the labels') from exc


def labels_from_metadata(metadata: Mapping[str, str], path: str = '<model>'
                         ) -> Tuple[Optional[List[str]], Optional[str]]:
    """
    Return ``(class names, metadata key)`` from :data:`LABEL_KEYS`, or ``(None, None)``.

    A dict must map 0..n-1 to names (Ultralytics ``names``), a list is taken in order.

    :raises ModelError: if the value does not parse or is not such a dict/list of strings.
    """
    for key in LABEL_KEYS:
        if key not in metadata:
            continue
        value = parse_metadata_value(key, metadata[key], path)
        if isinstance(value, dict):
            if set(value) != set(range(len(value))):
                raise ModelError(f'{path}: metadata {key!r} must map class ids 0..n-1 to '
                                 f'names; its keys are {_short(sorted(value, key=str))}')
            value = [value[i] for i in range(len(value))]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ModelError(f'{path}: metadata {key!r} is not a list or dict of class names: '
                             f'{_short(metadata[key])!r}')
        return list(value), key
    return None, None


# ------------------------------------------------------------------------------------------
# signatures
# ------------------------------------------------------------------------------------------

def _grid_points(height: int, width: int, strides: Sequence[int] = (8, 16, 32)) -> int:
    return sum((height // s) * (width // s) for s in strides)


def _fits_points(count: Optional[int], height, width, per_cell: int = 1):
    """Return the stride set whose grid (× per_cell anchors) has ``count`` points, or None."""
    if count is None or not height or not width:
        return None
    for strides in ((8, 16, 32), (8, 16, 32, 64)):
        if _grid_points(height, width, strides) * per_cell == count:
            return list(strides)
    return None


class _Graph:
    """The facts the signature rules look at."""

    def __init__(self, path, inputs, outputs, metadata):
        self.path = str(path)
        self.inputs = inputs
        self.outputs = outputs
        self.metadata = metadata
        self.by_name = {o.name: o for o in outputs}
        self.image, self.layout = _image_input(inputs, self.path)
        axes = (2, 3) if self.layout == 'NCHW' else (1, 2)
        self.height, self.width = self.image.dim(axes[0]), self.image.dim(axes[1])
        self.imgsz = None
        if 'imgsz' in metadata:
            size = parse_metadata_value('imgsz', metadata['imgsz'], self.path)
            size = [size, size] if isinstance(size, int) else size
            if not isinstance(size, (list, tuple)) or len(size) != 2 or \
                    not all(isinstance(v, int) and v > 0 for v in size):
                raise ModelError(f'{self.path}: metadata imgsz {metadata["imgsz"]!r} is not '
                                 '[height, width]')
            self.imgsz = tuple(size)

    def size(self, family: str) -> Tuple[int, int, str]:
        """Return (height, width, why) of the network input for ``family``."""
        if self.height and self.width:
            return self.height, self.width, 'fixed in the graph'
        if self.imgsz:
            return self.imgsz[0], self.imgsz[1], 'dynamic in the graph; metadata imgsz'
        default = FAMILIES[family]['size']
        height = self.height or default
        width = self.width or default
        return height, width, f'dynamic in the graph; {family} default {default}'


def _image_input(inputs, path) -> Tuple[TensorInfo, str]:
    for info in inputs:
        if len(info.shape) != 4:
            continue
        if info.dim(1) in (1, 3):
            return info, 'NCHW'
        if info.dim(3) in (1, 3):
            return info, 'NHWC'
    raise ModelError(f'{path}: no image input: expected a rank-4 NCHW [1, 3, H, W] or NHWC '
                     f'[1, H, W, 3] input, found {", ".join(str(i) for i in inputs) or "none"}')


def _spatial(info: TensorInfo, graph: _Graph, first_axis: int) -> bool:
    """
    Return True if axes ``first_axis``, ``first_axis + 1`` are a map over the image.

    With a fixed input they must be H/s × W/s (s = 1, 2, 4, …, 32); with a dynamic input
    both must be dynamic too.
    """
    h, w = info.dim(first_axis), info.dim(first_axis + 1)
    if graph.height is None or graph.width is None or h is None or w is None:
        return h is None and w is None and graph.height is None
    return any(h * s == graph.height and w * s == graph.width for s in (1, 2, 4, 8, 16, 32))


def _yolo_head(graph: _Graph, out: TensorInfo, pose_metadata) -> List[_Candidate]:
    """Candidates for a single rank-3 output: YOLOv8/11 (+pose), YOLOX, YOLOv5."""
    found = []
    a, b = out.dim(1), out.dim(2)
    h, w = graph.size('ultralytics')[:2]
    strides = _fits_points(b, h, w)
    if a is not None and a >= 5 and (strides or b is None):
        why = (f'{out.name} {list(out.shape)} = [1, 4 box + {a - 4} class scores, '
               f'{b if b else "N"} anchor points]' +
               (f' (N = grid of strides {strides} at {w}x{h}, one point per cell)'
                if strides else ' (N dynamic)'))
        config = {'output': out.name}
        found.append(_Candidate('ultralytics', 'yolov8', 'detection', why, config, a - 4))
        if (a - 5) % 3 == 0 and a > 5 and not pose_metadata:
            k = (a - 5) // 3
            found.append(_Candidate(
                'ultralytics_pose', 'yolov8_pose', 'pose',
                f'{out.name} {list(out.shape)} = [1, 4 box + 1 person score + {k} keypoints x '
                '3, N]', {'output': out.name, 'num_classes': 1, 'keypoint_dims': 3}, None,
                {'keypoints': 'coco17' if k == 17 else None}))
    hx, wx = graph.size('yolox')[:2]
    if b is not None and b >= 6:
        yolox = _fits_points(a, hx, wx)
        v5 = _fits_points(a, *graph.size('yolov5')[:2], per_cell=3)
        if yolox or a is None:
            found.append(_Candidate(
                'yolox', 'yolox', 'detection',
                f'{out.name} {list(out.shape)} = [1, N, 4 box + objectness + {b - 5} classes]' +
                (f', N = one anchor point per cell of strides {yolox} at {wx}x{hx}'
                 if yolox else ' (N dynamic)'),
                {'output': out.name, 'strides': yolox or [8, 16, 32]}, b - 5))
        if v5 or a is None:
            found.append(_Candidate(
                'yolov5', 'yolov5', 'detection',
                f'{out.name} {list(out.shape)} = [1, N, 4 box + objectness + {b - 5} classes]' +
                (f', N = 3 anchors per cell of strides {v5}' if v5 else ' (N dynamic)'),
                {'output': out.name}, b - 5))
    return found


def _signature_candidates(graph: _Graph, pose_metadata=None) -> List[_Candidate]:
    outs, names = graph.outputs, set(graph.by_name)
    found: List[_Candidate] = []
    if {'heatmaps', 'short_offsets', 'displacement_fwd', 'displacement_bwd'} <= names:
        heat = graph.by_name['heatmaps']
        stride = 16
        if graph.height and heat.dim(1):
            stride = (graph.height - 1) // max(1, heat.dim(1) - 1)
        found.append(_Candidate(
            'posenet', 'posenet', 'pose',
            'outputs heatmaps, short_offsets, displacement_fwd/bwd: PoseNet/BodyPix '
            f'multi-person head (output stride {stride})',
            {'output_stride': stride, 'single_pose': False,
             'segmentation': 'segments' in names}, None,
            {'keypoints': 'coco17', 'skeleton': 'coco17'}))
    if {'cmap', 'paf'} <= names:
        found.append(_Candidate('openpose', 'openpose', 'pose',
                                'outputs cmap and paf: trt_pose (OpenPose part affinity) head',
                                {'cmap': 'cmap', 'paf': 'paf'}))
    nms_names = {k: next((c for c in v if c in names), None) for k, v in {
        'num_dets': ('num_dets', 'num_detections'),
        'boxes': ('det_boxes', 'detection_boxes', 'boxes', 'bboxes'),
        'scores': ('det_scores', 'detection_scores', 'scores'),
        'classes': ('det_classes', 'detection_classes', 'classes')}.items()}
    if all(nms_names.values()):
        found.append(_Candidate('efficient_nms', 'efficient_nms', 'detection',
                                f'outputs {sorted(nms_names.values())}: NMS inside the graph '
                                '(TensorRT EfficientNMS_TRT / end-to-end export)',
                                dict(nms_names)))
    if {'pred_logits', 'pred_boxes'} <= names:
        logits = graph.by_name['pred_logits']
        found.append(_Candidate('detr', 'detr', 'detection',
                                'outputs pred_logits and pred_boxes: DETR set predictions '
                                '(softmax with a last "no object" class)',
                                {'logits': 'pred_logits', 'boxes': 'pred_boxes'},
                                None if logits.dim(2) is None else logits.dim(2) - 1))
    if {'labels', 'boxes', 'scores'} <= names and any(
            i.name == 'orig_target_sizes' for i in graph.inputs):
        found.append(_Candidate('rtdetr', 'rtdetr', 'detection',
                                'outputs labels/boxes/scores and input orig_target_sizes: '
                                'RT-DETR with its postprocessor',
                                {'labels': 'labels', 'boxes': 'boxes', 'scores': 'scores',
                                 'target_sizes_input': 'orig_target_sizes'}))
    elif {'scores', 'boxes'} <= names and not all(nms_names.values()):
        scores, boxes = graph.by_name['scores'], graph.by_name['boxes']
        if len(scores.shape) == 3 and len(boxes.shape) == 3 and boxes.dim(2) == 4:
            found.append(_Candidate('ssd', 'ssd', 'detection',
                                    'outputs scores [1, N, C] and boxes [1, N, 4]: '
                                    'pytorch-ssd / jetson-inference SSD export',
                                    {'scores': 'scores', 'boxes': 'boxes',
                                     'background_class': 0, 'normalized': True},
                                    scores.dim(2)))
    if found:
        return found
    rank3 = [o for o in outs if len(o.shape) == 3]
    rank4 = [o for o in outs if len(o.shape) == 4]
    if len(outs) == 2 and len(rank3) == 1 and len(rank4) == 1 and rank4[0].dim(1) == 32:
        return [_seg_candidate(graph, rank3[0], rank4[0])]
    if len(outs) != 1:
        return []
    out = outs[0]
    if len(out.shape) == 2 and out.dim(1) and out.dim(1) > 1:
        classes = out.dim(1)
        config = {'output': out.name, 'activation': 'softmax'}
        why = f'{out.name} {list(out.shape)}: one score per class ({classes} classes)'
        if classes == 1001:
            config['background_class'] = 0
            why += '; 1001 = ImageNet 1000 + background at index 0 (TF-slim)'
        return [_Candidate('classification', 'classification', 'classification', why,
                           config, classes)]
    if len(out.shape) == 4 and out.dim(1) == 1 and out.dim(2) == 17 and out.dim(3) == 3:
        return [_Candidate('movenet', 'movenet', 'pose',
                           f'{out.name} [1, 1, 17, 3]: MoveNet single-pose (y, x, score) of '
                           'the 17 COCO keypoints', {'output': out.name}, None,
                           {'keypoints': 'coco17', 'skeleton': 'coco17'})]
    if len(out.shape) == 4:
        nchw, nhwc = _spatial(out, graph, 2), _spatial(out, graph, 1)
        if nchw and nhwc:
            nchw, nhwc = graph.layout == 'NCHW', graph.layout == 'NHWC'
        layout, channels = ('NCHW', out.dim(1)) if nchw else ('NHWC', out.dim(3)) \
            if nhwc else (None, None)
        if layout and channels == 1:
            return _depth_candidates(out, f'{out.name} {list(out.shape)}: one value per pixel '
                                     f'({layout})')
        if layout and channels and channels > 1:
            return [_Candidate('segmentation', 'segmentation_logits', 'segmentation',
                               f'{out.name} {list(out.shape)}: {channels} class scores per '
                               f'pixel ({layout})',
                               {'output': out.name, 'layout': layout, 'activation': 'softmax'},
                               channels)]
        return []
    if len(out.shape) == 3 and _spatial(out, graph, 1):
        return _depth_candidates(out, f'{out.name} {list(out.shape)}: one value per pixel')
    if len(out.shape) == 3:
        return _yolo_head(graph, out, pose_metadata)
    return []


def _depth_candidates(out: TensorInfo, why: str) -> List[_Candidate]:
    return [_Candidate('depth', 'depth_metric', 'depth', why + ' = metric depth in metres',
                       {'output': out.name}, None, {'depth_kind': 'metric'}),
            _Candidate('depth', 'depth_relative_inverse', 'depth',
                       why + ' = relative inverse depth (MiDaS / Depth Anything)',
                       {'output': out.name}, None, {'depth_kind': 'relative_inverse'})]


def _seg_candidate(graph: _Graph, head: TensorInfo, protos: TensorInfo,
                   decoder: str = 'yolov8_seg') -> _Candidate:
    h, w, _ = graph.size('ultralytics')
    ph, pw = protos.dim(2), protos.dim(3)
    if ph and pw and (ph * 4 != h or pw * 4 != w):
        raise ModelError(f'{graph.path}: mask prototypes {protos} do not fit the input '
                         f'{w}x{h}: YOLOv8/11-seg protos are [1, 32, H/4, W/4] = '
                         f'[1, 32, {h // 4}, {w // 4}]; pass a descriptor if this is another '
                         'family')
    channels = head.dim(1)
    if channels is None or channels < 37:
        raise ModelError(f'{graph.path}: output {head} does not fit a YOLOv8/11-seg head '
                         '[1, 4 + classes + 32, N] next to protos [1, 32, H/4, W/4]')
    return _Candidate('ultralytics', decoder, 'instance_segmentation',
                      f'{head.name} {list(head.shape)} = [1, 4 box + {channels - 36} classes + '
                      f'32 mask coefficients, N] and {protos.name} {list(protos.shape)} = mask '
                      'prototypes [1, 32, H/4, W/4]: YOLOv8/11-seg',
                      {'output': head.name, 'protos': protos.name}, channels - 36)


def _ultralytics_candidate(graph: _Graph) -> Optional[_Candidate]:
    """Return the candidate Ultralytics metadata (``task``) names, or None if absent."""
    meta = graph.metadata
    if 'task' not in meta or not ({'names', 'stride'} & set(meta)):
        return None
    task = meta['task'].strip()
    v11 = 'yolo11' in meta.get('description', '').lower().replace(' ', '')
    if str(meta.get('end2end', 'False')).strip() == 'True':
        raise ModelError(f'{graph.path}: an Ultralytics end-to-end export (end2end: True, NMS '
                         'in the graph) has no decoder here yet; export it with nms=False '
                         '(end2end=False) or write a descriptor with decoder efficient_nms')
    outs = graph.outputs
    why = f'Ultralytics metadata task {task!r}'
    if task == 'detect':
        found = [c for c in _yolo_head(graph, outs[0], pose_metadata=True)
                 if c.decoder == 'yolov8'] if len(outs) == 1 and len(outs[0].shape) == 3 else []
        if not found:
            raise ModelError(f'{graph.path}: Ultralytics detect metadata but outputs '
                             f'{[str(o) for o in outs]} are not [1, 4 + classes, N]')
        c = found[0]
        return _Candidate(c.family, 'yolo11' if v11 else 'yolov8', c.task,
                          f'{why}; {c.why}', c.config, c.classes)
    if task == 'segment':
        rank3 = [o for o in outs if len(o.shape) == 3]
        rank4 = [o for o in outs if len(o.shape) == 4]
        if len(rank3) != 1 or len(rank4) != 1:
            raise ModelError(f'{graph.path}: Ultralytics segment metadata but outputs '
                             f'{[str(o) for o in outs]} are not a [1, 4 + C + 32, N] head '
                             'and [1, 32, H/4, W/4] prototypes')
        c = _seg_candidate(graph, rank3[0], rank4[0], 'yolo11_seg' if v11 else 'yolov8_seg')
        return _Candidate(c.family, c.decoder, c.task, f'{why}; {c.why}', c.config, c.classes)
    if task == 'pose':
        kpt = parse_metadata_value('kpt_shape', meta.get('kpt_shape', '[17, 3]'), graph.path)
        if not (isinstance(kpt, (list, tuple)) and len(kpt) == 2 and
                all(isinstance(v, int) and v > 0 for v in kpt)):
            raise ModelError(f'{graph.path}: metadata kpt_shape {meta.get("kpt_shape")!r} is '
                             'not [keypoints, dims]')
        out = outs[0]
        names, _ = labels_from_metadata(meta, graph.path)
        classes = len(names) if names else 1
        want = 4 + classes + kpt[0] * kpt[1]
        if want not in (out.dim(1), out.dim(2)) and out.dim(1) is not None:
            raise ModelError(f'{graph.path}: pose output {out} does not have 4 + {classes} + '
                             f'{kpt[0]}x{kpt[1]} = {want} channels (metadata kpt_shape {kpt})')
        return _Candidate('ultralytics_pose', 'yolo11_pose' if v11 else 'yolov8_pose', 'pose',
                          f'{why}, kpt_shape {list(kpt)}; {out.name} {list(out.shape)} = '
                          f'[1, 4 box + {classes} class + {kpt[0]}x{kpt[1]} keypoints, N]',
                          {'output': out.name, 'num_classes': classes,
                           'keypoint_dims': kpt[1]}, None,
                          {'keypoints': 'coco17' if kpt[0] == 17 else None,
                           'skeleton': 'coco17' if kpt[0] == 17 else None})
    if task == 'classify':
        out = outs[0]
        return _Candidate('ultralytics_classify', 'classification', 'classification',
                          f'{why}; {out.name} {list(out.shape)} = class probabilities',
                          {'output': out.name, 'activation': 'none'}, out.dim(1))
    raise ModelError(f'{graph.path}: Ultralytics task {task!r} is not supported here (tasks: '
                     'detect, segment, pose, classify)')


def _known_descriptor(path: Path) -> Optional[str]:
    """Return the shipped descriptor YAML whose sha256 equals the file's, or None."""
    from jetson_dnn_ros.models import list_descriptors
    from jetson_dnn_ros.zoo import sha256_file
    pinned = [d for d in list_descriptors() if d.sha256]
    if not pinned:
        return None
    digest = sha256_file(path)
    return next((d.origin for d in pinned if d.sha256.lower() == digest), None)


def _choose(graph: _Graph, decoder: Optional[str]) -> _Candidate:
    ultra = _ultralytics_candidate(graph)
    if ultra is not None and (decoder is None or decoder == ultra.decoder):
        return ultra
    candidates = _signature_candidates(graph, pose_metadata=ultra is not None)
    if decoder is not None:
        chosen = [c for c in candidates if c.decoder == decoder]
        if not chosen and decoder in ('yolo11', 'yolo11_pose', 'yolo11_seg'):
            chosen = [c for c in candidates if c.decoder == decoder.replace('yolo11', 'yolov8')]
            chosen = [_Candidate(c.family, decoder, c.task, c.why, c.config, c.classes,
                                 c.extras) for c in chosen]
        if not chosen:
            raise ModelError(
                f'{graph.path}: decoder {decoder!r} does not fit outputs '
                f'{", ".join(str(o) for o in graph.outputs)}' +
                (f'; they fit {", ".join(sorted({c.decoder for c in candidates}))}'
                 if candidates else ''))
        return chosen[0]
    if not candidates:
        raise ModelError(
            f'{graph.path}: no known model signature in outputs '
            f'{", ".join(str(o) for o in graph.outputs)}. Known: YOLOv5 [1, N, 5+C], YOLOX '
            '[1, N, 5+C], YOLOv8/11 [1, 4+C, N], YOLOv8/11-pose [1, 5+3K, N], YOLOv8/11-seg '
            '[1, 4+C+32, N] + [1, 32, H/4, W/4], EfficientNMS (num_dets, boxes, scores, '
            'classes), SSD (scores, boxes), DETR (pred_logits, pred_boxes), RT-DETR, PoseNet, '
            'MoveNet [1, 1, 17, 3], classification [1, C], segmentation [1, C, H, W], depth '
            '[1, 1, H, W] / [1, H, W]. Write a descriptor .yaml for this model (see README, '
            '"Bring your own ONNX")')
    if len(candidates) > 1:
        lines = '; '.join(f'{c.decoder} ({c.why})' for c in candidates)
        raise ModelError(
            f'{graph.path}: ambiguous model: the outputs fit {len(candidates)} decoders: '
            f'{lines}. Choose one: --decoder {candidates[0].decoder} on the command line, '
            f'the node parameter decoder:={candidates[0].decoder} '
            f'(inspect_model(..., decoder=...) in Python), or write a descriptor with '
            f'`jetson-dnn models inspect {graph.path} --decoder {candidates[0].decoder} '
            '--write my_model.yaml` and pass the .yaml as the model')
    return candidates[0]


def inspect_model(path, decoder: Optional[str] = None, use_known: bool = True) -> Inspection:
    """
    Infer a descriptor from an ONNX file.

    :param path: the ``.onnx`` file.
    :param decoder: decoder name to pick when the signature is ambiguous (or to force one
        the outputs fit), e.g. ``yolox``.
    :param use_known: a file whose sha256 equals a shipped descriptor's is that descriptor.
    :return: the :class:`Inspection`.
    :raises ModelError: if the file is not ONNX, its metadata does not parse, no signature
        fits, several do (listing them and how to choose), or the labels do not match the
        class dimension.
    """
    path = Path(path).expanduser().resolve()
    model = load_onnx(path)
    inits = {i.name for i in model.graph.initializer}
    inputs = tuple(_tensor_info(v) for v in model.graph.input if v.name not in inits)
    outputs = tuple(_tensor_info(v) for v in model.graph.output)
    metadata = {p.key: p.value for p in model.metadata_props}
    ops = unparsable_ops(model)
    reasons: List[str] = []
    if ops:
        reasons.append(f'graph uses {", ".join(ops)} (ONNX Runtime int8 quantisation): '
                       'ONNX Runtime runs it, TensorRT cannot parse it')
    if use_known and decoder is None:
        known = _known_descriptor(path)
        if known is not None:
            import yaml as _yaml
            data = _yaml.safe_load(Path(known).read_text(encoding='utf-8'))
            data['file'] = str(path)
            reasons.insert(0, f'sha256 equals the shipped descriptor {known}: using it')
            return Inspection(str(path), inputs, outputs, metadata, data, tuple(reasons), ops,
                              known)
    graph = _Graph(path, inputs, outputs, metadata)
    chosen = _choose(graph, decoder)
    family = FAMILIES[chosen.family]
    labels, label_key = labels_from_metadata(metadata, str(path))
    if labels is not None and chosen.classes is not None and len(labels) != chosen.classes:
        raise ModelError(f'{path}: metadata {label_key!r} lists {len(labels)} class names but '
                         f'the model has {chosen.classes} classes ({chosen.why}); fix the '
                         'names or write a descriptor with the right labels')
    height, width, size_why = graph.size(chosen.family)
    per_aspect = family.get('dynamic') if not (graph.height or graph.width or graph.imgsz) \
        else None
    if per_aspect:
        width, height = per_aspect['width'], per_aspect['height']
        size_why = (f'dynamic in the graph; {chosen.family} picks W x H per source aspect '
                    f'within {width}x{height} pixels (input_size)')
    inp = {'name': graph.image.name, 'width': int(width), 'height': int(height)}
    inp.update({k: v for k, v in family['input'].items() if k != 'layout'})
    inp['layout'] = graph.layout
    if family['input'].get('resize') == 'center_crop' and chosen.family == 'classification':
        inp['resize_shorter'] = int(round(max(width, height) / 0.875))
    if graph.image.dtype in ('float16',):
        inp['dtype'] = 'float16'
    reasons.append(f'task {chosen.task}, decoder {chosen.decoder}: {chosen.why}')
    reasons.append(f'input {graph.image}: {graph.layout}, {width}x{height} ({size_why})')
    data: Dict[str, Any] = {'name': path.stem, 'task': chosen.task, 'file': str(path)}
    description = metadata.get('description')
    if description:
        data['description'] = description
    if metadata.get('license'):
        data['license'] = metadata['license']
    data['input'] = inp
    if per_aspect:
        data['input_size'] = {**per_aspect['input_size'],
                              'stride': int(chosen.config.get('output_stride', 16))}
    data['decoder'] = {'name': chosen.decoder, **chosen.config}
    if labels is not None:
        data['labels'] = labels
        reasons.append(f'labels: {len(labels)} names from metadata {label_key!r}')
    else:
        reasons.append('labels: none in the metadata (results carry class ids; add labels: '
                       'to a descriptor to name them)')
    for key, value in chosen.extras.items():
        if value is not None:
            data[key] = value
    params = dict(family['params'])
    if 'thresholds' in params:
        data['thresholds'] = dict(params.pop('thresholds'))
    data.update(params)
    data['sources'] = {'defaults': family['source']}
    reasons.append(f'preprocessing and decoding defaults: {family["source"]}')
    return Inspection(str(path), inputs, outputs, metadata, data, tuple(reasons), ops, None)


__all__ = ['FAMILIES', 'Inspection', 'LABEL_KEYS', 'TENSORRT_UNPARSABLE_OPS', 'TensorInfo',
           'check_tensorrt_parsable', 'inspect_model', 'labels_from_metadata', 'load_onnx',
           'parse_metadata_value', 'unparsable_ops']
