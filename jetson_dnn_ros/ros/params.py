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
The parameters, topics and names of the DNN nodes, as plain Python (no rclpy).

The nodes declare their parameters from :data:`COMMON_PARAMS` and :data:`TASK_PARAMS`, and the
launch files, the rviz config and the static tests read the same tables, so the three cannot
drift apart. Nothing here imports ROS.

Two kinds of parameters:

- **configure-time** (``runtime=False``: model, files, backend, precision, image transport and
  QoS): read in ``on_configure``/``on_activate``. Changing one is accepted only while the node is
  unconfigured; otherwise the change is rejected with a reason telling to deactivate and clean
  up first. They are not ``read_only`` in the ROS sense, so that a node whose configure failed
  (e.g. a wrong ``model``) can be fixed with ``ros2 param set`` and configured again.
- **run-time** (``runtime=True``: thresholds, overlay and rendering settings): validated in the
  node's set-parameters callback and applied to the running pipeline at once.

Sentinels: ``score_threshold``/``iou_threshold`` < 0 and ``top_k``/``max_detections`` = 0 mean
"the model descriptor's default" (``thresholds:``, ``top_k:``, ``max_detections:`` keys).
"""

from dataclasses import dataclass
import re
from typing import Any, Dict, Optional, Tuple

TASKS = ('classification', 'detection', 'segmentation', 'pose', 'depth',
         'instance_segmentation')
"""The six tasks, in the order the launch files and rviz list them."""

DEFAULT_MODELS = {
    'classification': 'mobilenet_v2_1001',
    'detection': 'yolox_nano',
    'segmentation': 'deeplabv3_mobilenetv2_voc',
    'pose': 'bodypix_mobilenetv1_050',
    'depth': 'fastdepth',
    'instance_segmentation': 'yolov8n_seg',
}
"""Default model descriptor name of each task (``config/models/<name>.yaml``)."""


def node_name(task: str) -> str:
    """Return the default node name of ``task`` (``detection`` -> ``detection_node``)."""
    return f'{task}_node'


def node_namespace(task: str, namespace: str = '') -> str:
    """
    Return the absolute namespace the launch files put ``task``'s node in.

    Each node runs in its own sub-namespace named after its task, so the relative outputs
    that several nodes share (``overlay``, ``label_info``) never collide:
    ``/<namespace>/<task>/overlay``.

    :param task: one of :data:`TASKS`.
    :param namespace: the launch file's ``namespace`` argument ('' = root).
    """
    parts = [p for p in (namespace.strip('/'), task) if p]
    return '/' + '/'.join(parts)


OUTPUTS = {
    'classification': ('classification', 'overlay'),
    'detection': ('detections', 'label_info', 'overlay', 'detections_3d',
                  'detections_3d/markers'),
    'segmentation': ('segmentation', 'color_mask', 'label_info', 'overlay'),
    'pose': ('poses', 'overlay'),
    'depth': ('depth', 'depth/colored', 'points', 'overlay'),
    'instance_segmentation': ('detections', 'instances', 'label_info', 'overlay',
                              'detections_3d', 'detections_3d/markers'),
}
"""Relative output topics of each task node (plus the absolute ``/diagnostics``)."""

VISUAL_OUTPUTS = ('overlay', 'color_mask', 'depth/colored', 'points')
"""Outputs rendered only while they have subscribers."""

INPUT_TOPICS = {'raw': 'image', 'compressed': 'image/compressed'}
"""Relative image input topic per ``image_transport`` value."""

CAMERA_INFO_TOPIC = 'camera_info'
"""Relative camera_info input topic (used by the depth node for ``points``)."""


@dataclass(frozen=True)
class ParamSpec:
    """
    One node parameter.

    :param name: parameter name.
    :param default: default value; its Python type is the ROS parameter type
        (``float`` -> double, ``int`` -> integer, ``bool``, ``str``).
    :param description: description with units, shown by ``ros2 param describe``.
    :param float_range: inclusive (from, to) of a double, or None.
    :param int_range: inclusive (from, to) of an integer, or None.
    :param choices: allowed string values, or None for free text.
    :param runtime: True if it may change while the node is configured or active.
    :param read_only: declare it read-only (settable only at node start).
    :param also_int: a text parameter that also takes an integer (declared with dynamic
        typing: ``-p input_size:=308321`` and ``input_size: 308321`` in a params file are
        INTEGER values, which rclpy refuses for a STRING parameter at node start).
    """

    name: str
    default: Any
    description: str
    float_range: Optional[Tuple[float, float]] = None
    int_range: Optional[Tuple[int, int]] = None
    choices: Optional[Tuple[str, ...]] = None
    runtime: bool = False
    read_only: bool = False
    also_int: bool = False

    @property
    def constraints(self) -> str:
        """Return the human-readable constraint text (``additional_constraints``)."""
        parts = []
        if self.choices:
            parts.append('one of: ' + ', '.join(self.choices))
        parts.append('changeable at run time' if self.runtime else
                     'applied on configure; change it only while unconfigured')
        return '; '.join(parts)

    def validate(self, value: Any) -> Optional[str]:
        """
        Check a new value against type, range and choices.

        :param value: the proposed value.
        :return: None if valid, else the reason it is rejected.
        """
        expected = type(self.default)
        if expected is tuple:  # a string array (ROS returns a list)
            strings = isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
            if not strings:
                return f'{self.name} must be a list of strings, got {value!r}'
            return None
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if self.also_int and isinstance(value, int) and not isinstance(value, bool):
            return None
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            return (f'{self.name} must be a {expected.__name__}, got '
                    f'{type(value).__name__} {value!r}')
        rng = self.float_range or self.int_range
        if rng is not None and not rng[0] <= value <= rng[1]:
            return f'{self.name} must be in [{rng[0]}, {rng[1]}], got {value}'
        if self.choices and value not in self.choices:
            return f'{self.name} must be one of {", ".join(self.choices)}, got {value!r}'
        return None


def _spec(name, default, description, **kwargs) -> ParamSpec:
    return ParamSpec(name, default, description, **kwargs)


COMMON_PARAMS: Tuple[ParamSpec, ...] = (
    _spec('model', '', 'Model: a zoo name from config/models (e.g. yolox_nano), a descriptor '
          '.yaml or an .onnx file (absolute, ~, package://<pkg>/<path> or relative to the '
          'working directory; an .onnx is inspected); empty = the task default'),
    _spec('decoder', '', 'Decoder for an .onnx model whose outputs fit several (e.g. yolox '
          'or yolov5 for [1, N, 85]: the configure error lists them); empty = inferred'),
    _spec('input_size', '', 'Network input size: WxH fixed (e.g. 513x385), or a pixel budget '
          'W*H picked per camera aspect on the model grid (e.g. 308321), for models whose '
          'input height and width are dynamic (BodyPix); empty = the descriptor default',
          also_int=True),
    _spec('model_config', '', 'Model descriptor .yaml path; overrides model when set'),
    _spec('model_file_path', '', 'ONNX file to run instead of the descriptor file (same model '
          'family, your weights; paths as for model); empty = the descriptor file'),
    _spec('engine_file_path', '', 'TensorRT engine file to load or write; empty = the engine '
          'cache (engine_cache_dir)'),
    _spec('backend', 'auto', 'Inference backend: auto picks TensorRT when it imports and a CUDA '
          'GPU exists, else ONNX Runtime; triton sends the tensors to a Triton Inference Server '
          '(triton_url)', choices=('auto', 'tensorrt', 'onnxruntime', 'triton')),
    _spec('triton_url', 'grpc://localhost:8001', 'Triton Inference Server of backend triton: '
          'grpc://HOST:PORT (default protocol) or http://HOST:PORT; on this host the tensors '
          'go through system shared memory'),
    _spec('triton_model', '', 'Model name on the Triton server; empty = the descriptor name'),
    _spec('triton_model_version', '', 'Model version on the Triton server; empty = the '
          "server's latest"),
    _spec('triton_timeout', 1.0, 'Deadline of one Triton inference round trip; a frame still '
          'unanswered then is counted as an error (s)', float_range=(0.001, 60.0)),
    _spec('triton_connect_timeout', 5.0, 'Deadline of each Triton call while configuring '
          '(liveness, model metadata) (s)', float_range=(0.1, 300.0)),
    _spec('precision', 'fp16', 'TensorRT engine precision (ONNX Runtime on CPU runs fp32)',
          choices=('fp32', 'fp16', 'int8')),
    _spec('engine_cache_dir', '', 'Folder of cached TensorRT engines; empty = '
          '$JETSON_DNN_CACHE/engines (default ~/.cache/jetson_dnn_ros/engines)'),
    _spec('force_engine_update', False, 'Rebuild the TensorRT engine even if a cached one fits'),
    _spec('verify_engine', True, 'Parity gate: run a TensorRT engine and ONNX Runtime on the '
          "descriptor's verification images and refuse (configure fails) an engine that "
          'disagrees beyond its thresholds; a verified engine is not re-verified; off without '
          'ONNX Runtime'),
    _spec('score_threshold', -1.0, 'Minimum score in [0, 1] of a reported class, detection, '
          'person or keypoint; negative = the model default', float_range=(-1.0, 1.0),
          runtime=True),
    _spec('iou_threshold', -1.0, 'NMS intersection-over-union threshold in [0, 1]; negative = '
          'the model default', float_range=(-1.0, 1.0), runtime=True),
    _spec('top_k', 0, 'Classes reported by a classifier; 0 = the model default',
          int_range=(0, 1000), runtime=True),
    _spec('max_detections', 0, 'Detections (or persons) kept per image, highest scores first; '
          '0 = the model default', int_range=(0, 10000), runtime=True),
    _spec('overlay', '', 'Overlay flags as jetson-inference --overlay (classification labels,'
          'conf; detection box,lines,labels,conf; segmentation overlay,mask; pose links,'
          'keypoints,box; depth input,depth,equalize and a colour map name); empty = the task '
          'default, none = draw nothing; another word is refused', runtime=True),
    _spec('overlay_alpha', 120.0, 'Overlay fill opacity, 0..255 as jetson-inference (values '
          '<= 1 are read as 0..1)', float_range=(0.0, 255.0), runtime=True),
    _spec('image_transport', 'raw', 'Input: raw subscribes to image (sensor_msgs/Image), '
          'compressed to image/compressed (sensor_msgs/CompressedImage)',
          choices=('raw', 'compressed')),
    _spec('image_qos', 'sensor_data', 'Image subscription QoS: sensor_data = best effort, keep '
          'last 1; reliable = reliable, keep last 1; system_default = the RMW default',
          choices=('sensor_data', 'reliable', 'system_default')),
    _spec('max_rate', 0.0, 'Process at most this many frames per second; frames arriving sooner '
          'are skipped and counted; 0 = no limit (Hz)', float_range=(0.0, 1000.0), runtime=True),
    _spec('max_age', 0.0, 'Drop frames whose header stamp is older than this when their '
          'callback starts, on the node clock (ROS time: follows /clock with use_sim_time); '
          'counted as frames_stale. Bounds the latency the backlog of a reliable publisher adds: '
          'a result is at most max_age + one processing time old. Unstamped frames (stamp 0) '
          'and stamps ahead of the clock are kept; 0 = off (s)', float_range=(0.0, 3600.0),
          runtime=True),
    _spec('diagnostics_period', 1.0, 'Period of /diagnostics in seconds',
          float_range=(0.1, 60.0)),
    _spec('cameras', (), 'Camera namespaces served by this node, e.g. [front, left, right]: '
          'each subscribes <cam>/image (or <cam>/image/compressed) and <cam>/camera_info and '
          'publishes its results under <cam>/...; one model for all. Empty = the single '
          'image and camera_info topics'),
    _spec('batch_window_ms', 5.0, 'With several cameras and a model with a dynamic batch '
          'dimension: frames arriving within this window after the first waiting one are '
          'stacked into one inference (a batch runs at once when every camera has a frame '
          'waiting); 0 = run what is waiting at once (ms)', float_range=(0.0, 1000.0)),
    _spec('max_batch', 4, 'Most frames stacked into one inference (several cameras); a '
          'TensorRT engine of a dynamic-batch model is built with an optimisation profile up '
          'to this batch', int_range=(1, 64)),
)
"""Parameters every task node declares."""

DETECTION_3D_PARAMS: Tuple[ParamSpec, ...] = (
    _spec('detection_3d', False, 'Also publish detections_3d (vision_msgs/Detection3DArray, '
          'camera optical frame, metres) and detections_3d/markers (rviz MarkerArray) from '
          'a depth image aligned to the colour camera (depth_topic) and camera_info'),
    _spec('depth_topic', 'depth', 'Aligned depth image topic for detection_3d: 16UC1 '
          'millimetres or 32FC1 metres (REP-118), same optical frame as the colour image '
          '(e.g. a RealSense aligned_depth_to_color/image_raw)'),
    _spec('depth_qos', 'sensor_data', 'Depth subscription QoS (as image_qos)',
          choices=('sensor_data', 'reliable', 'system_default')),
    _spec('depth_slop', 0.05, 'Largest stamp difference of a colour and a depth image that '
          'are paired (message_filters ApproximateTimeSynchronizer slop) (s)',
          float_range=(0.0001, 10.0)),
    _spec('depth_queue_size', 10, 'Colour results and depth images each kept while waiting '
          'for their pair (ApproximateTimeSynchronizer queue_size); older ones are dropped',
          int_range=(1, 1000)),
    _spec('depth_min', 0.1, 'Nearest valid depth for detection_3d (m); nearer pixels are '
          'ignored', float_range=(0.0001, 1000.0), runtime=True),
    _spec('depth_max', 20.0, 'Farthest valid depth for detection_3d (m); farther pixels are '
          'ignored', float_range=(0.0001, 1000.0), runtime=True),
)
"""Parameters of the 3D output of the detection and instance segmentation nodes (issue 11)."""

TASK_PARAMS: Dict[str, Tuple[ParamSpec, ...]] = {
    'classification': (),
    'detection': (
        _spec('class_agnostic', False, 'Non-maximum suppression across classes instead of per '
              'class', runtime=True),
        _spec('tracking', False, 'Give detections IoU-tracker ids (Detection2D.id and the '
              'overlay); turning it off or on restarts the ids', runtime=True),
    ) + DETECTION_3D_PARAMS,
    'segmentation': (
        _spec('filter_mode', 'linear', 'Upsampling of the class map to source resolution: point '
              '(nearest) or linear (bilinear logits), as jetson-inference --filter-mode',
              choices=('point', 'linear'), runtime=True),
        _spec('ignore_class', '', 'Class name left out of color_mask and the overlay (e.g. '
              'background); empty = none', runtime=True),
    ),
    'pose': (
        _spec('keypoint_scale', 0.0052, 'Keypoint circle radius as a fraction of the larger '
              'image side (jetson-inference poseNet default 0.0052)',
              float_range=(0.0, 1.0), runtime=True),
        _spec('link_scale', 0.0013, 'Skeleton line width as a fraction of the larger image side '
              '(jetson-inference poseNet default 0.0013)', float_range=(0.0, 1.0),
              runtime=True),
    ),
    'depth': (
        _spec('filter_mode', 'linear', 'Upsampling of the depth map to source resolution: point '
              '(nearest) or linear (bilinear)', choices=('point', 'linear'), runtime=True),
        _spec('colormap', 'viridis_inverted', 'Colour map of depth/colored and the overlay '
              '(a jetson_dnn_ros.colormaps name, optionally with _inverted; the default is '
              "jetson-inference depthNet's: near yellow, far dark purple)", runtime=True),
        _spec('depth_scale', 1.0, 'Resolution of the published depth map as a fraction of the '
              'source image size (decoder option depth_size, as jetson-inference depthNet '
              '--depth-size); 1.0 = source resolution', float_range=(0.05, 1.0),
              runtime=True),
        _spec('depth_equalize', False, 'Histogram-equalise depth before colouring '
              '(depth/colored and the overlay only, never the depth topic)', runtime=True),
        _spec('point_stride', 4, 'Publish every n-th pixel in x and y on points',
              int_range=(1, 64), runtime=True),
    ),
    'instance_segmentation': (
        _spec('class_agnostic', False, 'Non-maximum suppression across classes instead of per '
              'class (ultralytics agnostic_nms)', runtime=True),
    ) + DETECTION_3D_PARAMS,
}
"""Task-specific parameters, by task."""

DECODE_KEYS = ('score_threshold', 'iou_threshold', 'top_k', 'max_detections',
               'class_agnostic', 'filter_mode')
"""Parameters that are :class:`~jetson_dnn_ros.models.DecodeParams` fields."""

DECODE_OPTIONS = {'ignore_class': 'ignore_class', 'depth_scale': 'depth_size',
                  'colormap': 'colormap', 'depth_equalize': 'depth_equalize'}
"""Parameters passed to the decoder as ``DecodeParams.options``: {parameter: option key}."""


TRITON_PARAMS = ('triton_url', 'triton_model', 'triton_model_version', 'triton_timeout',
                 'triton_connect_timeout')
"""Parameters passed to the backend as options when ``backend`` is ``triton``."""


def backend_options(values: Dict[str, Any]) -> Dict[str, Any]:
    """
    Return the backend options of the node's parameter ``values`` (Triton's when chosen).

    :param values: ``{parameter name: value}`` of a node.
    :return: ``{triton_*: value}`` if ``backend`` is ``triton``, else ``{}``.
    """
    if values.get('backend') != 'triton':
        return {}
    return {name: values[name] for name in TRITON_PARAMS if name in values}


def params_for(task: str) -> Tuple[ParamSpec, ...]:
    """
    Return every parameter the node of ``task`` declares (common first).

    :raises ValueError: on an unknown task.
    """
    if task not in TASK_PARAMS:
        raise ValueError(f'unknown task {task!r}; choose one of {", ".join(TASKS)}')
    return COMMON_PARAMS + TASK_PARAMS[task]


def param_table(task: str) -> Dict[str, ParamSpec]:
    """Return ``{name: ParamSpec}`` of ``task``'s node."""
    return {p.name: p for p in params_for(task)}


CAMERA_NAME = re.compile(r'^[A-Za-z][A-Za-z0-9_]*(/[A-Za-z][A-Za-z0-9_]*)*$')
"""A camera namespace: relative ROS name tokens (``front``, ``rig/left``)."""


def parse_cameras(value) -> Tuple[str, ...]:
    """
    Return the camera namespaces of the ``cameras`` parameter (or a comma-separated string).

    :param value: a list of names, or text such as ``front,left`` (launch argument).
    :return: the names in order; ``()`` for the single default camera.
    :raises ValueError: for a name that is not a relative ROS namespace (``/front``,
        ``1cam``, ``a b``) or a repeated name.
    """
    if isinstance(value, str):
        value = [part.strip() for part in value.replace(' ', ',').split(',') if part.strip()]
    cameras = []
    for name in value:
        name = name.strip() if isinstance(name, str) else name
        if not isinstance(name, str) or not CAMERA_NAME.match(name):
            raise ValueError(f'camera {name!r} is not a relative namespace (letters, digits, '
                             "_ and /, starting with a letter, e.g. 'front')")
        if name in cameras:
            raise ValueError(f'camera {name!r} is listed twice')
        cameras.append(name)
    return tuple(cameras)


def parse_tasks(text: str) -> Tuple[str, ...]:
    """
    Parse a comma-separated task list (``detection,depth``), keeping order, no duplicates.

    :raises ValueError: naming an unknown task, or when the list is empty.
    """
    tasks = []
    for part in str(text).replace(' ', ',').split(','):
        part = part.strip()
        if not part:
            continue
        if part not in TASKS:
            raise ValueError(f'unknown task {part!r}; choose from {", ".join(TASKS)}')
        if part not in tasks:
            tasks.append(part)
    if not tasks:
        raise ValueError(f'no task given; choose from {", ".join(TASKS)}')
    return tuple(tasks)
