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
Class and keypoint names: built-in lists and label files.

Built-in lists are the standard definitions: COCO-80 (the 80 detection classes in the order
of the YOLO family's ``coco.yaml``), PASCAL VOC-21 (background first), COCO-17 keypoints with
their skeleton (as ``pycocotools``/COCO's person category defines them).
"""

from pathlib import Path
from typing import Optional, Sequence, Tuple

from jetson_dnn_ros.errors import ModelError

COCO80 = (
    'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat',
    'traffic light', 'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat',
    'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'backpack',
    'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball',
    'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket',
    'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple',
    'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair',
    'couch', 'potted plant', 'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse',
    'remote', 'keyboard', 'cell phone', 'microwave', 'oven', 'toaster', 'sink',
    'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier',
    'toothbrush')

VOC21 = ('background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat',
         'chair', 'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant',
         'sheep', 'sofa', 'train', 'tvmonitor')

COCO17_KEYPOINTS = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
                    'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
                    'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
                    'right_knee', 'left_ankle', 'right_ankle')

COCO17_SKELETON = ((15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12),
                   (5, 6), (5, 7), (6, 8), (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3),
                   (2, 4), (3, 5), (4, 6))
"""COCO person skeleton as 0-based keypoint index pairs."""

BUILTIN = {'coco80': COCO80, 'voc21': VOC21, 'coco17_keypoints': COCO17_KEYPOINTS}


def parse_label_lines(lines: Sequence[str]) -> Tuple[str, ...]:
    """
    Parse label lines: one name per line, or synset-word lines (``n01440764 tench, …``).

    A synset id is dropped and the first comma-separated name is kept, so
    ``n01440764 tench, Tinca tinca`` becomes ``tench`` (jetson-inference's and torchvision's
    short name). Blank lines are skipped.
    """
    names = []
    for line in lines:
        text = line.strip()
        if not text:
            continue
        head, _, rest = text.partition(' ')
        if rest and len(head) == 9 and head[0] == 'n' and head[1:].isdigit():
            text = rest
        names.append(text.split(',')[0].strip())
    return tuple(names)


def load_labels(spec, search_dirs=()) -> Optional[Tuple[str, ...]]:
    """
    Load labels from a built-in name, an inline list or a file.

    :param spec: ``None``, a list of names, a key of :data:`BUILTIN`, or a file path
        (absolute, or relative to ``search_dirs`` and the data/cache folders).
    :param search_dirs: folders to try first for relative paths.
    :return: tuple of names, index = class id; None for ``None``.
    :raises ModelError: if a file cannot be found or read.
    """
    if spec is None:
        return None
    if isinstance(spec, (list, tuple)):
        return tuple(str(s) for s in spec)
    if spec in BUILTIN:
        return BUILTIN[spec]
    from jetson_dnn_ros.paths import find_file
    path = find_file(str(spec), search_dirs)
    if path is None:
        raise ModelError(f'label file not found: {spec} (looked in {list(search_dirs)}, the '
                         'cache and $JETSON_DNN_DATA)')
    try:
        return parse_label_lines(Path(path).read_text(encoding='utf-8').splitlines())
    except OSError as exc:
        raise ModelError(f'cannot read label file {path}: {exc}') from exc


def label_of(labels: Optional[Sequence[str]], class_id: int) -> str:
    """Return the name of ``class_id``, or its number as a string if it has none."""
    if labels is not None and 0 <= class_id < len(labels):
        return labels[class_id]
    return str(int(class_id))
