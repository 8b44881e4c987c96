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
BodyPix input size: accuracy and cost of fixed sizes against per-aspect budgets (issue 14).

The figures behind the README table "Defaults by measurement". Every variant is the shipped
``bodypix_mobilenetv1_050`` descriptor with ``--input-size`` changed, same decoder and
thresholds, ONNX Runtime CPU::

    python3 benchmarks/bench_input_size.py [--json out.json]

Per variant:

- **OKS AP / AP50** (pycocotools ``keypoints``) on ``eval/coco8_pose_even`` (4 photos,
  12 persons, through :mod:`jetson_dnn_ros.evaluation` as ``jetson-dnn eval`` does);
- **person-box AP** (pycocotools ``bbox``, category person only) of the boxes BodyPix gives
  (the padded extent of the confident keypoints) on the photos with persons of
  ``eval/coco_val128_even`` (val2017) and ``eval/coco128_even`` (train2017, official boxes
  with crowd regions). These sets have no keypoints; the box AP is a proxy for how many
  persons are found and where, on 65 photos instead of 4. Absolute values are low (a
  keypoint extent is not the annotated box); compare variants with each other only;
- **ms / image**: median whole-pipeline time (preprocess + infer + decode) over the photos
  of all three sets, one process, variants measured one after another.
"""

import argparse
import contextlib
import io
from pathlib import Path
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
from jetson_dnn_ros.evaluation import CocoEvaluator, write_json  # noqa: E402
from jetson_dnn_ros.models import resolve_model  # noqa: E402
from jetson_dnn_ros.paths import data_dir  # noqa: E402
from jetson_dnn_ros.pipeline import apply_input_size, Pipeline  # noqa: E402
import numpy as np  # noqa: E402

MODEL = 'bodypix_mobilenetv1_050'
VARIANTS = (('513x385', 'fixed 513×385 letterbox'),
            ('641x481', 'fixed 641×481 letterbox'),
            ('769x577', 'fixed 769×577 letterbox'),
            (str(513 * 385), 'per aspect, 513·385 px'),
            (str(641 * 481), 'per aspect, 641·481 px (default)'),
            (str(769 * 577), 'per aspect, 769·577 px'))
BOX_SETS = (('coco_val128_even', 'annotations.json'),
            ('coco128_even', 'instances_official.json'))


def _person_photos(folder: Path, annotations: Path):
    """Return (COCO ground truth, [(image id, path)]) of the photos with a person."""
    from pycocotools.coco import COCO
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(annotations))
    ids = {Path(i['file_name']).stem: int(i['id']) for i in gt.dataset['images']}
    photos = [(ids[p.stem], p) for p in sorted(folder.glob('*.jpg'))
              if p.stem in ids
              and gt.getAnnIds(imgIds=[ids[p.stem]], catIds=[1], iscrowd=False)]
    return gt, photos


def person_box_ap(pipeline, gt, photos, images, times) -> float:
    """Return pycocotools bbox AP of the person boxes of the poses (person category only)."""
    from pycocotools.cocoeval import COCOeval
    results = []
    for (image_id, _), image in zip(photos, images):
        t0 = time.perf_counter()
        result = pipeline.run(image)
        times.append(time.perf_counter() - t0)
        for person in result.persons:
            x0, y0, x1, y1 = (float(v) for v in person.box)
            results.append({'image_id': image_id, 'category_id': 1, 'score': float(person.score),
                            'bbox': [x0, y0, x1 - x0, y1 - y0]})
    if not results:
        return 0.0
    with contextlib.redirect_stdout(io.StringIO()):
        evaluation = COCOeval(gt, gt.loadRes(results), 'bbox')
        evaluation.params.catIds = [1]
        evaluation.params.imgIds = [i for i, _ in photos]
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return float(evaluation.stats[0])


def main(argv=None) -> int:
    """Measure every variant and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--json', help='also write the figures here')
    args = parser.parse_args(argv)
    evalsets = data_dir() / 'eval'
    pose_set = evalsets / 'coco8_pose_even'
    pose_photos = sorted((pose_set / 'images').glob('*.jpg'))
    pose_images = [cv2.imread(str(p)) for p in pose_photos]
    box_sets = []
    for name, annotations in BOX_SETS:
        gt, photos = _person_photos(evalsets / name / 'images', evalsets / name / annotations)
        box_sets.append((name, gt, photos, [cv2.imread(str(p)) for _, p in photos]))
    rows = []
    for text, label in VARIANTS:
        descriptor = apply_input_size(resolve_model(MODEL), text)
        # the COCO protocol ranks every detection: score threshold 0.001, as jetson-dnn eval
        params = descriptor.params.replace(score_threshold=0.001)
        with Pipeline.from_model(descriptor, backend='onnxruntime', params=params) as pipeline:
            pipeline.warmup()
            evaluator = CocoEvaluator(pose_set / 'annotations.json', 'keypoints',
                                      keypoint_names=pipeline.labels)
            times = []
            for path, image in zip(pose_photos, pose_images):
                t0 = time.perf_counter()
                evaluator.add(path.stem, pipeline.run(image))
                times.append(time.perf_counter() - t0)
            oks = evaluator.summary()['metrics']
            row = {'input_size': text, 'variant': label, 'oks_AP': oks['AP'],
                   'oks_AP50': oks['AP50']}
            for name, gt, photos, images in box_sets:
                row[f'box_AP_{name}'] = person_box_ap(pipeline, gt, photos, images, times)
            row['ms_per_image'] = float(np.median(times) * 1e3)
            row['images'] = len(times)
        rows.append(row)
        print(f'{label}: {row}', file=sys.stderr, flush=True)
    print('| input | OKS AP | OKS AP50 | person-box AP val128 | person-box AP coco128 '
          '| ms / image |')
    print('|---|---|---|---|---|---|')
    for row in rows:
        print(f"| {row['variant']} | {row['oks_AP']:.3f} | {row['oks_AP50']:.3f} | "
              f"{row['box_AP_coco_val128_even']:.3f} | {row['box_AP_coco128_even']:.3f} | "
              f"{row['ms_per_image']:.0f} |")
    if args.json:
        write_json(args.json, rows)
    return 0


if __name__ == '__main__':
    sys.exit(main())
