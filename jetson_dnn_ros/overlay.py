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
Draw results on images with OpenCV, in jetson-inference's vocabulary.

Flags are a comma-separated string as jetson-inference's ``--overlay``: detection uses
``box,lines,labels,conf`` (``none`` draws nothing), segmentation ``overlay,mask``, pose
``links,keypoints,box``, depth ``input,depth``. ``alpha`` (0..255 as jetson-inference, or
0..1) blends filled areas. Each task module registers its drawer with
:func:`register_drawer`; :func:`draw` dispatches on the result's ``task``. An unknown flag is
refused (:meth:`OverlayOptions.parse`), never silently ignored: :func:`overlay_flags` lists the
valid ones.
"""

from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, Iterable, Optional, Tuple

import cv2
import numpy as np

_DRAWERS: Dict[str, Callable] = {}

_TASK_FLAGS: Dict[str, Tuple[str, ...]] = {
    'classification': ('labels', 'conf'),
    'detection': ('box', 'lines', 'labels', 'conf'),
    'segmentation': ('overlay', 'mask'),
    'pose': ('links', 'keypoints', 'box'),
    'depth': ('input', 'depth', 'equalize'),  # + colour map names, see overlay_flags
    'instance_segmentation': ('mask', 'outline', 'box', 'lines', 'labels', 'conf'),
}
"""The flags each task's drawer reads (``none`` is valid for every task)."""


def overlay_flags(task: Optional[str] = None) -> Tuple[str, ...]:
    """
    Return the valid overlay flags of ``task``, or of every task.

    Depth also takes a colour map name of :data:`jetson_dnn_ros.colormaps.COLORMAPS`, plain or
    with ``_inverted``. A task registered without flags (see :func:`register_drawer`) accepts
    the flags of every task.

    :param task: a task name, or None for the union over all tasks.
    :return: the flags in documentation order, ``none`` last.
    """
    if task is not None and task in _TASK_FLAGS:
        tasks: Iterable[str] = (task,)
    else:
        tasks = _TASK_FLAGS
    flags = []
    for name in tasks:
        extra: Tuple[str, ...] = ()
        if name == 'depth':
            from jetson_dnn_ros.colormaps import COLORMAPS
            extra = tuple(COLORMAPS) + tuple(f'{c}_inverted' for c in COLORMAPS)
        flags.extend(f for f in _TASK_FLAGS[name] + extra if f not in flags)
    return tuple(flags) + ('none',)


@dataclass(frozen=True)
class OverlayOptions:
    """
    What to draw.

    :param flags: set of drawing flags (see module docs); empty = the task's default.
    :param alpha: fill opacity in [0, 1].
    :param line_width: outline width in pixels; 0 = scale with the image (≈ 1/400 of its
        diagonal, at least 1).
    :param font_scale: OpenCV font scale; 0 = scale with the image.
    :param keypoint_scale: pose keypoint radius as a fraction of the image's largest side
        (jetson-inference poseNet ``--keypoint-scale``, default 0.0052; at least 4 px).
    :param link_scale: pose link width as a fraction of the image's largest side
        (poseNet ``--link-scale``, default 0.0013; at least 1.5 px).
    :param keypoint_threshold: pose keypoints (and links) below this confidence are not drawn.
    """

    flags: FrozenSet[str] = frozenset()
    alpha: float = 0.47
    line_width: int = 0
    font_scale: float = 0.0
    keypoint_scale: float = 0.0052
    link_scale: float = 0.0013
    keypoint_threshold: float = 0.3

    @classmethod
    def parse(cls, flags: str = '', alpha: float = 120.0, task: Optional[str] = None,
              **kwargs) -> 'OverlayOptions':
        """
        Build options from a flag string and a jetson-inference alpha.

        :param flags: comma-separated, case-insensitive, e.g. ``box,labels,conf``; ``''`` =
            task default; ``none`` = nothing.
        :param alpha: opacity; values > 1 are read as 0..255 (jetson-inference's default is
            120), values <= 1 as 0..1.
        :param task: check the flags against this task's (:func:`overlay_flags`); None = a
            flag of any task is accepted.
        :param kwargs: the other :class:`OverlayOptions` fields.
        :raises ValueError: on a flag that is not valid (the message names it and lists the
            valid flags), a negative alpha or alpha > 255.
        """
        alpha = float(alpha)
        if not 0.0 <= alpha <= 255.0:
            raise ValueError(f'overlay alpha must be in [0, 255] (or [0, 1]), got {alpha}')
        alpha = alpha / 255.0 if alpha > 1.0 else alpha
        parts = frozenset(p.strip().lower() for p in str(flags).split(',') if p.strip())
        valid = overlay_flags(task)
        unknown = sorted(parts.difference(valid))
        if unknown:
            where = f' for {task}' if task else ''
            raise ValueError(
                f'unknown overlay flag{"s" if len(unknown) > 1 else ""} '
                f'{", ".join(map(repr, unknown))}{where}; valid flags{where}: '
                f'{",".join(valid)} (comma-separated; empty = the task default)')
        return cls(parts, alpha, **kwargs)

    def has(self, flag: str, default_flags: Tuple[str, ...]) -> bool:
        """Return True if ``flag`` is on (``default_flags`` apply when no flag is given)."""
        if 'none' in self.flags:
            return False
        return flag in (self.flags or frozenset(default_flags))

    def line_width_for(self, image: np.ndarray) -> int:
        """Return the outline width in pixels for this image."""
        if self.line_width > 0:
            return int(self.line_width)
        return max(1, int(round(np.hypot(*image.shape[:2]) / 400.0)))

    def font_scale_for(self, image: np.ndarray) -> float:
        """Return the OpenCV font scale for this image."""
        if self.font_scale > 0:
            return float(self.font_scale)
        return max(0.4, np.hypot(*image.shape[:2]) / 1500.0)


def register_drawer(task: str, flags: Optional[Tuple[str, ...]] = None) -> Callable:
    """
    Register ``fn(image_bgr, result, options) -> image_bgr`` as the drawer of ``task``.

    :param task: the result's ``task``.
    :param flags: the overlay flags the drawer reads (validated by
        :meth:`OverlayOptions.parse`); None keeps the built-in list of a built-in task.
    """
    if flags is not None:
        _TASK_FLAGS[task] = tuple(flags)

    def wrap(fn):
        _DRAWERS[task] = fn
        return fn
    return wrap


def draw(image_bgr: np.ndarray, result, options: OverlayOptions = OverlayOptions()
         ) -> np.ndarray:
    """
    Draw ``result`` over a copy of the image.

    :param image_bgr: (H, W, 3) uint8 BGR source image (see :func:`~jetson_dnn_ros.image.to_bgr8`).
    :param result: a task result (its ``task`` attribute picks the drawer).
    :param options: :class:`OverlayOptions`.
    :return: new (H', W', 3) uint8 BGR image (H', W' differ only for side-by-side layouts).
    :raises ValueError: if no drawer is registered for the result's task.
    """
    from jetson_dnn_ros.tasks.base import _load_builtin
    _load_builtin()
    try:
        fn = _DRAWERS[result.task]
    except KeyError:
        raise ValueError(f'no overlay drawer for task {result.task!r}') from None
    return fn(image_bgr.copy(), result, options)


def class_color(class_id: int) -> Tuple[int, int, int]:
    """Return a stable, distinct BGR colour for a class id (golden-ratio hue walk)."""
    hue = int((class_id * 0.618033988749895 % 1.0) * 180)
    hsv = np.uint8([[[hue, 200, 255]]])
    b, g, r = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0]
    return int(b), int(g), int(r)


def put_label(image: np.ndarray, text: str, x: int, y: int, color, options: OverlayOptions
              ) -> None:
    """Draw ``text`` on a filled box whose bottom-left corner is at (x, y), in place."""
    scale = options.font_scale_for(image)
    thickness = max(1, int(round(scale * 1.5)))
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    h, w = image.shape[:2]
    x = int(min(max(0, x), max(0, w - tw)))
    y = int(min(max(th + base, y), h))
    cv2.rectangle(image, (x, y - th - base), (x + tw, y), color, cv2.FILLED)
    luminance = 0.114 * color[0] + 0.587 * color[1] + 0.299 * color[2]
    ink = (0, 0, 0) if luminance > 140 else (255, 255, 255)
    cv2.putText(image, text, (x, y - base), cv2.FONT_HERSHEY_SIMPLEX, scale, ink, thickness,
                cv2.LINE_AA)


def blend(image: np.ndarray, layer: np.ndarray, mask: np.ndarray, alpha: float) -> None:
    """
    Blend ``layer`` into ``image`` where ``mask`` is set, in place.

    :param image: (H, W, 3) uint8 destination.
    :param layer: (H, W, 3) uint8 colours.
    :param mask: (H, W) bool where to blend.
    :param alpha: opacity of ``layer`` in [0, 1].
    """
    if not mask.any():
        return
    mixed = cv2.addWeighted(image, 1.0 - alpha, layer, alpha, 0.0)
    cv2.copyTo(mixed, mask.view(np.uint8) if mask.dtype == bool else mask, image)


def draw_instance_masks(image: np.ndarray, masks: np.ndarray, boxes, colors, alpha: float,
                        thickness: int) -> None:
    """
    Tint instance masks and draw their outlines, in place (instance segmentation overlay).

    Work is limited to each instance's box, where its mask can be set. Instances are drawn
    lowest score last-to-first, so the highest-scored one ends on top.

    :param image: (H, W, 3) uint8 BGR destination.
    :param masks: (N, H, W) bool masks at the image's resolution.
    :param boxes: N integer pixel boxes (x1, y1, x2, y2), end exclusive, holding each mask.
    :param colors: N BGR colours.
    :param alpha: tint opacity in [0, 1]; 0 = no tint.
    :param thickness: outline width in pixels; 0 = no outline.
    """
    for i in range(len(boxes) - 1, -1, -1):
        x1, y1, x2, y2 = (int(v) for v in boxes[i])
        if x2 <= x1 or y2 <= y1:
            continue
        mask = np.ascontiguousarray(masks[i, y1:y2, x1:x2])
        if not mask.any():
            continue
        roi = image[y1:y2, x1:x2]
        if alpha > 0.0:
            layer = np.empty_like(roi)
            layer[:] = colors[i]
            blend(roi, layer, mask, float(alpha))
        if thickness > 0:
            contours, _ = cv2.findContours(mask.view(np.uint8), cv2.RETR_EXTERNAL,
                                           cv2.CHAIN_APPROX_SIMPLE)
            cv2.drawContours(image, contours, -1, colors[i], int(thickness), cv2.LINE_AA,
                             offset=(x1, y1))
