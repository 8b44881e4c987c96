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
Model descriptors: what a model is, how to feed it and how to decode it.

A descriptor is a YAML file under ``config/models/`` (see :func:`list_descriptors`)::

    name: yolox_nano
    task: detection                 # classification|detection|segmentation|pose|depth
    file: models/detection/yolox_nano.onnx
    url: https://…                  # optional pinned download, with sha256
    sha256: 695e…
    input: {name: images, width: 416, height: 416, resize: letterbox, align: top_left,
            pad_value: 114, color: bgr, scale: 1.0, layout: NCHW}
    decoder: {name: yolox, strides: [8, 16, 32]}
    labels: coco80                  # built-in name, inline list or file
    thresholds: {score: 0.3, iou: 0.45}
    max_detections: 100

Every key of ``input`` except ``name`` is a :class:`~jetson_dnn_ros.preprocessing.PreprocessSpec`
field; every key of ``decoder`` except ``name`` is passed to the decoder.
"""

from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Dict, Mapping, Optional, Tuple

from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.paths import find_file
from jetson_dnn_ros.paths import models_dir
from jetson_dnn_ros.preprocessing import PreprocessSpec
import yaml

TASKS = ('classification', 'detection', 'segmentation', 'pose', 'depth',
         'instance_segmentation')
_PREPROCESS_FIELDS = {f.name for f in fields(PreprocessSpec)}


@dataclass(frozen=True)
class DecodeParams:
    """
    Run-time decoding settings; the ROS nodes change these without a reconfigure.

    :param score_threshold: minimum score in [0, 1] of a reported class/detection/keypoint.
    :param iou_threshold: NMS overlap threshold in [0, 1].
    :param top_k: classes reported by a classifier.
    :param max_detections: detections (or persons) kept per image, highest scores first.
    :param class_agnostic: NMS across classes instead of per class.
    :param filter_mode: upsampling of dense outputs to source size, ``point`` (nearest) or
        ``linear`` (bilinear), as jetson-inference's ``--filter-mode``.
    :param options: task-specific settings (``ignore_class``, ``depth_scale``, …).
    """

    score_threshold: float = 0.25
    iou_threshold: float = 0.45
    top_k: int = 5
    max_detections: int = 100
    class_agnostic: bool = False
    filter_mode: str = 'linear'
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if not 0.0 <= float(self.score_threshold) <= 1.0:
            raise ValueError(f'score_threshold must be in [0, 1], got {self.score_threshold}')
        if not 0.0 <= float(self.iou_threshold) <= 1.0:
            raise ValueError(f'iou_threshold must be in [0, 1], got {self.iou_threshold}')
        if int(self.top_k) < 1:
            raise ValueError(f'top_k must be >= 1, got {self.top_k}')
        if int(self.max_detections) < 1:
            raise ValueError(f'max_detections must be >= 1, got {self.max_detections}')
        if self.filter_mode not in ('point', 'linear'):
            raise ValueError(f"filter_mode must be 'point' or 'linear', got {self.filter_mode!r}")
        object.__setattr__(self, 'options', MappingProxyType(dict(self.options)))

    def replace(self, **changes) -> 'DecodeParams':
        """
        Return a copy with ``changes``; keys that are not fields go into ``options``.

        :raises ValueError: if a value is out of range.
        """
        own = {f.name for f in fields(self)}
        options = dict(self.options)
        options.update({k: v for k, v in changes.items() if k not in own})
        return replace(self, **{k: v for k, v in changes.items() if k in own}, options=options)


@dataclass(frozen=True)
class ModelDescriptor:
    """
    Everything the pipeline needs to know about one model.

    :param name: short name (``yolox_nano``), used by ``--model`` and the zoo.
    :param task: one of :data:`TASKS`.
    :param file: ONNX path, absolute or relative to the cache/data folders.
    :param preprocess: the input's :class:`PreprocessSpec`.
    :param decoder: registered decoder name (see :mod:`jetson_dnn_ros.tasks`).
    :param decoder_params: decoder configuration from the descriptor.
    :param input_name: model input fed with the image; ``None`` = the first input.
    :param labels: label spec (built-in name, list or file) — see :meth:`load_labels`.
    :param params: default :class:`DecodeParams`.
    :param url: pinned download URL of ``file``, or None.
    :param sha256: expected sha256 of ``file``, or None.
    :param palette: colour palette spec for segmentation (file or list of RGB), or None.
    :param extras: other descriptor keys (keypoints, skeleton, depth kind, licence, …).
    :param origin: the YAML file this came from, or None.
    """

    name: str
    task: str
    file: str
    preprocess: PreprocessSpec
    decoder: str
    decoder_params: Mapping[str, Any] = field(default_factory=dict)
    input_name: Optional[str] = None
    labels: Any = None
    params: DecodeParams = field(default_factory=DecodeParams)
    url: Optional[str] = None
    sha256: Optional[str] = None
    palette: Any = None
    extras: Mapping[str, Any] = field(default_factory=dict)
    origin: Optional[str] = None

    def __post_init__(self):
        if self.task not in TASKS:
            raise ModelError(f'model {self.name!r}: task {self.task!r} is not one of {TASKS}')
        object.__setattr__(self, 'decoder_params', MappingProxyType(dict(self.decoder_params)))
        object.__setattr__(self, 'extras', MappingProxyType(dict(self.extras)))

    def search_dirs(self) -> Tuple[Path, ...]:
        """Return folders for relative paths: the descriptor's own folder first."""
        return (Path(self.origin).parent,) if self.origin else ()

    def model_path(self) -> Optional[Path]:
        """Return the local ONNX file if it exists (no download), else None."""
        return find_file(self.file, self.search_dirs())

    def load_labels(self) -> Optional[Tuple[str, ...]]:
        """
        Return the class names (index = class id), or None if the model has none.

        :raises ModelError: if a label file is named but missing.
        """
        from jetson_dnn_ros.labels import load_labels
        return load_labels(self.labels, self.search_dirs())

    def tensorrt_options(self) -> Dict[str, Any]:
        """
        Return the TensorRT backend options this descriptor implies.

        ``default_input_shapes`` (the preprocessing shape, used for dynamic inputs such as
        BodyPix's H × W), ``calibration_spec`` (INT8 calibration runs the model's own
        preprocessing) and the optional ``tensorrt:`` section (``profile``, ``input_shapes``,
        ``workspace_mib``, ``dla_core``). ONNX Runtime ignores them.
        """
        options: Dict[str, Any] = {
            'default_input_shapes': {self.input_name: self.preprocess.input_shape},
            'calibration_spec': self.preprocess}
        section = dict(self.extras.get('tensorrt', None) or {})
        for key in ('profile', 'input_shapes', 'workspace_mib', 'dla_core'):
            if key in section:
                options[key] = section[key]
        return options

    def with_file(self, path: str) -> 'ModelDescriptor':
        """Return a copy that runs another ONNX file (same family, user's weights)."""
        return replace(self, file=str(path), url=None, sha256=None)


def descriptor_from_dict(data: Mapping[str, Any], origin: Optional[str] = None
                         ) -> ModelDescriptor:
    """
    Build a descriptor from parsed YAML.

    :raises ModelError: with the offending key when the mapping is incomplete or invalid.
    """
    where = origin or '<dict>'
    if not isinstance(data, Mapping):
        raise ModelError(f'{where}: a model descriptor must be a mapping')
    data = dict(data)
    for key in ('name', 'task', 'input', 'decoder'):
        if key not in data:
            raise ModelError(f'{where}: missing key {key!r}')
    inp = dict(data.pop('input'))
    input_name = inp.pop('name', None)
    unknown = set(inp) - _PREPROCESS_FIELDS
    if unknown:
        raise ModelError(f'{where}: unknown input keys {sorted(unknown)}; allowed: '
                         f'{sorted(_PREPROCESS_FIELDS)}')
    for key in ('mean', 'std'):
        if key in inp and isinstance(inp[key], list):
            inp[key] = tuple(inp[key])
    dec = data.pop('decoder')
    dec = {'name': dec} if isinstance(dec, str) else dict(dec)
    decoder = dec.pop('name', None)
    if not decoder:
        raise ModelError(f'{where}: decoder needs a name')
    thresholds = dict(data.pop('thresholds', {}) or {})
    params = {}
    if 'score' in thresholds:
        params['score_threshold'] = float(thresholds.pop('score'))
    if 'iou' in thresholds:
        params['iou_threshold'] = float(thresholds.pop('iou'))
    for key in ('top_k', 'max_detections', 'filter_mode', 'class_agnostic'):
        if key in data:
            params[key] = data.pop(key)
    options = dict(data.pop('options', {}) or {})
    name = str(data.pop('name'))
    try:
        return ModelDescriptor(
            name=name, task=str(data.pop('task')),
            file=str(data.pop('file', '')), preprocess=PreprocessSpec(**inp),
            decoder=str(decoder), decoder_params=dec, input_name=input_name,
            labels=data.pop('labels', None),
            params=DecodeParams(**params, options={**thresholds, **options}),
            url=data.pop('url', None), sha256=data.pop('sha256', None),
            palette=data.pop('palette', None), extras=data, origin=origin)
    except (TypeError, ValueError) as exc:
        raise ModelError(f'{where}: {exc}') from exc


def load_descriptor(path) -> ModelDescriptor:
    """
    Load a descriptor YAML file.

    :raises ModelError: if the file is missing, not YAML, or not a valid descriptor.
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding='utf-8'))
    except OSError as exc:
        raise ModelError(f'cannot read model descriptor {path}: {exc}') from exc
    except yaml.YAMLError as exc:
        raise ModelError(f'model descriptor {path} is not valid YAML: {exc}') from exc
    return descriptor_from_dict(data, origin=str(path))


def list_descriptors(directory=None) -> Tuple[ModelDescriptor, ...]:
    """Return every descriptor of the descriptor folder, sorted by name."""
    directory = Path(directory) if directory else models_dir()
    if directory is None or not directory.is_dir():
        return ()
    return tuple(sorted((load_descriptor(p) for p in directory.glob('*.yaml')),
                        key=lambda d: d.name))


def get_descriptor(name_or_path: str, directory=None) -> ModelDescriptor:
    """
    Return a descriptor by zoo name or by YAML path.

    :param name_or_path: a descriptor name (``yolox_nano``) or a ``.yaml`` file.
    :raises ModelError: if it is neither, listing the known names.
    """
    text = str(name_or_path)
    if text.endswith(('.yaml', '.yml')):
        return load_descriptor(text)
    directory = Path(directory) if directory else models_dir()
    if directory is not None:
        candidate = directory / f'{text}.yaml'
        if candidate.is_file():
            return load_descriptor(candidate)
    known = [d.name for d in list_descriptors(directory)]
    raise ModelError(f'unknown model {text!r}; known models: {", ".join(known) or "none"} '
                     '(or pass a descriptor .yaml or an .onnx file)')


# ------------------------------------------------------------------------------------------
# model references: the one place where --model / model / model_file_path are resolved
# ------------------------------------------------------------------------------------------

FILE_SUFFIXES = ('.onnx', '.yaml', '.yml')
PACKAGE_SCHEME = 'package://'


def is_file_reference(reference: str) -> bool:
    """Return True if ``reference`` names a file rather than a zoo model."""
    text = str(reference).strip()
    return (text.startswith((PACKAGE_SCHEME, '~', '.')) or '/' in text or '\\' in text
            or text.lower().endswith(FILE_SUFFIXES))


def _package_path(text: str, what: str) -> Path:
    """Resolve ``package://<pkg>/<path>`` through the ament index."""
    package, _, sub = text[len(PACKAGE_SCHEME):].partition('/')
    if not package or not sub:
        raise ModelError(f'{what} {text!r}: write package://<package>/<path inside its share '
                         'folder>')
    try:
        from ament_index_python.packages import get_package_share_directory
    except ImportError as exc:
        raise ModelError(f'{what} {text!r}: package:// paths are resolved through '
                         'ament_index_python, which is not importable here; source your ROS 2 '
                         'workspace (setup.bash) or give the file path itself') from exc
    try:
        share = Path(get_package_share_directory(package))
    except (LookupError, ValueError, OSError) as exc:
        raise ModelError(f'{what} {text!r}: package {package!r} is not in the ament index '
                         f'({exc}); build and source its workspace, or give the file path '
                         'itself') from exc
    path = share / sub
    if not path.is_file():
        raise ModelError(f'{what} {text!r} resolved to {path}, which does not exist (share '
                         f'folder of {package}: {share})')
    return path


def resolve_path(reference, base=None, search=(), what: str = 'model') -> Path:
    """
    Resolve a file reference to an existing file.

    Accepted: an absolute path, ``~/...``, ``package://<pkg>/<path>`` (through
    ``ament_index_python``), or a relative path, looked up in ``base`` (default: the current
    directory) and then in each of ``search`` (e.g. the cache and data folders).

    :param reference: the path as the user wrote it.
    :param base: folder for relative paths; None = the current directory.
    :param search: further folders for relative paths, in order.
    :param what: what the path is, for the error message (``model``, ``model file``).
    :return: the existing file as an absolute :class:`~pathlib.Path`.
    :raises ModelError: naming the path as resolved and every place tried.
    """
    text = str(reference).strip()
    if not text:
        raise ModelError(f'{what}: empty path')
    if text.startswith(PACKAGE_SCHEME):
        return _package_path(text, what).absolute()
    path = Path(text).expanduser()
    if path.is_absolute():
        tried = [path]
    else:
        tried = [Path(base) if base else Path.cwd()] + [Path(d) for d in search]
        tried = [(folder / path).absolute() for folder in tried]
    for candidate in tried:
        if candidate.is_file():
            return candidate
    folder = next((c for c in tried if c.is_dir()), None)
    if folder is not None:
        raise ModelError(f'{what} {text!r} is a folder ({folder}); give the .onnx or .yaml '
                         'file in it')
    where = (f'{tried[0]}' if len(tried) == 1 else
             f'{tried[0]} (relative to the current directory), then '
             + ', '.join(str(t) for t in tried[1:]))
    raise ModelError(f'{what} {text!r} not found: tried {where}')


def assumed_defaults(descriptor: ModelDescriptor, how: str = 'pass it as --model'
                     ) -> Optional[str]:
    """
    Return one warning line when a descriptor inferred from a graph runs on assumed defaults.

    Inspection names the source of each family's defaults in ``sources``; where the graph
    cannot tell the preprocessing (classification, segmentation, depth, EfficientNMS
    exports), the source says ``assumed``. A descriptor loaded from a file is the user's
    choice: no warning.

    :param how: how the user passes the written descriptor (``--model`` or the node's
        ``model`` parameter).
    :return: the warning, or None.
    """
    sources = descriptor.extras.get('sources') if descriptor.origin is None else None
    source = str(sources.get('defaults', '')) if isinstance(sources, Mapping) else ''
    if 'assumed' not in source:
        return None
    return (f'warning: model {descriptor.name} runs on defaults assumed from its graph '
            f'({source}); if it was trained otherwise, write a descriptor with `jetson-dnn '
            f'models inspect {descriptor.file} --write {descriptor.name}.yaml`, fix its '
            f'input: section and {how}')


def resolve_model(reference, model_file=None, decoder: Optional[str] = None, base=None
                  ) -> ModelDescriptor:
    """
    Return the descriptor a model reference means (the CLI's ``--model``, the nodes' ``model``).

    :param reference: a zoo name (``yolox_nano``), a descriptor ``.yaml`` or an ``.onnx``
        file (see :func:`resolve_path` for the path forms). An ``.onnx`` file is inspected
        (:func:`jetson_dnn_ros.inspection.inspect_model`): task, decoder, input, labels and
        defaults come from the graph and its metadata.
    :param model_file: ONNX file to run instead of the descriptor's (``--model-file``,
        ``model_file_path``), resolved like ``reference``; None = the descriptor's.
    :param decoder: decoder to choose for an ambiguous ``.onnx`` (e.g. ``yolox``).
    :param base: folder for relative paths; None = the current directory.
    :raises ModelError: if the reference cannot be found (naming what was tried), is not a
        valid descriptor or ONNX model, or is ambiguous.
    """
    from jetson_dnn_ros.paths import cache_dir, data_dir
    text = str(reference or '').strip()
    if not text:
        raise ModelError('no model given: pass a zoo name (jetson-dnn models list), a '
                         'descriptor .yaml or an .onnx file')
    search = (cache_dir(), data_dir())
    if is_file_reference(text):
        path = resolve_path(text, base, search, 'model')
        if path.suffix.lower() in ('.yaml', '.yml'):
            descriptor = load_descriptor(path)
        else:
            from jetson_dnn_ros.inspection import inspect_model
            descriptor = inspect_model(path, decoder=decoder).descriptor()
            decoder = None
    else:
        descriptor = get_descriptor(text)
    if decoder and decoder != descriptor.decoder:
        raise ModelError(f'decoder {decoder!r} is for an .onnx model; {text!r} is a descriptor '
                         f'with decoder {descriptor.decoder!r}: edit its decoder: instead')
    if model_file:
        path = resolve_path(model_file, base, descriptor.search_dirs() + search, 'model file')
        descriptor = descriptor.with_file(str(path))
    return descriptor
