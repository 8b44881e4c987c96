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
``jetson-dnn eval`` wall time per model on the coco128 half (issue 14: "well inside a minute").

Runs the command itself (``jetson_dnn_ros.cli.main``, ONNX Runtime) for each detection /
instance segmentation model of the README accuracy table on ``eval/coco128_even`` (72 photos)
and prints the wall time of the whole command (model load, decoding the JPEGs, pipeline,
pycocotools) and the pipeline's images/s from its report::

    python3 benchmarks/bench_eval.py [--json out.json]
"""

import argparse
import contextlib
import io
import json
from pathlib import Path
import sys
import tempfile
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jetson_dnn_ros.cli import main as jetson_dnn  # noqa: E402
from jetson_dnn_ros.evaluation import write_json  # noqa: E402
from jetson_dnn_ros.paths import data_dir  # noqa: E402

MODELS = (('yolox_nano', 'yolox_nano', 'annotations.json'),
          ('yolov8n_int8', 'models/detection/yolov8n_int8.onnx', 'annotations.json'),
          ('yolo11n_int8_320', 'models/detection/yolo11n_int8_320.onnx', 'annotations.json'),
          ('yolov8n_seg', 'yolov8n_seg', 'instances_official.json'))


def main(argv=None) -> int:
    """Time ``jetson-dnn eval`` per model and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--json', help='also write the figures here')
    args = parser.parse_args(argv)
    data = data_dir()
    images = data / 'eval' / 'coco128_even' / 'images'
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for name, model, annotations in MODELS:
            model = str(data / model) if model.startswith('models/') else model
            report = Path(scratch) / f'{name}.json'
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):   # its table: the JSON has it
                code = jetson_dnn(['eval', '--quiet', '--backend', 'onnxruntime', '--model',
                                   model, '--images', str(images), '--annotations',
                                   str(images.parent / annotations), '--report', str(report)])
            wall = time.perf_counter() - t0
            if code != 0:
                print(f'{name}: jetson-dnn eval exited {code}', file=sys.stderr)
                return code
            figures = json.loads(report.read_text(encoding='utf-8'))
            rows.append({'model': name, 'seconds': wall,
                         'images': figures['dataset']['images_evaluated'],
                         'images_per_s': figures['images_per_s'],
                         'AP': figures['metrics']['AP']})
    print('| model | images | eval wall s | pipeline images/s | AP |')
    print('|---|---|---|---|---|')
    for row in rows:
        print(f"| {row['model']} | {row['images']} | {row['seconds']:.1f} | "
              f"{row['images_per_s']:.1f} | {row['AP']:.3f} |")
    if args.json:
        write_json(args.json, rows)
    return 0


if __name__ == '__main__':
    sys.exit(main())
