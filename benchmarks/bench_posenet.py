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
BodyPix decode benchmark: our PoseNet decoder / a reference multi-person decoder.

DESIGN §6: both decoders run on the same real BodyPix outputs (ONNX Runtime, the shared
photos); prints the time of each, the ratio ours / reference and whether the poses agree::

    python3 benchmarks/bench_posenet.py [--repeat 20] [photo names...]

The reference below is a plain transcription of the tfjs-models PoseNet algorithm
(``posenet/src/multi_pose`` with body-pix's ``offsetRefineStep``): a per-cell scan for
local maxima, a binary heap, and scalar arithmetic, written independently of ours.
"""

import argparse
import heapq
import os
from pathlib import Path
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
from jetson_dnn_ros.paths import data_dir  # noqa: E402
from jetson_dnn_ros.pipeline import Pipeline  # noqa: E402
from jetson_dnn_ros.preprocessing import preprocess  # noqa: E402
from jetson_dnn_ros.tasks.pose import POSENET_CHAIN  # noqa: E402
from jetson_dnn_ros.tasks.pose_decoders import decode_multiple_poses  # noqa: E402
import numpy as np  # noqa: E402

PHOTOS = ('humans_1', 'humans_4', 'humans_5', 'pexels-fauxels-3184419',
          'pexels-jack-sparrow-4046265')


# ---------------------------------------------------------------- reference decoder
def _ref_round(v, stride, size):
    i = int(np.floor(v / stride + 0.5))
    return 0 if i < 0 else size - 1 if i > size - 1 else i


def reference_decode(scores, offsets, fwd, bwd, stride, max_det=10, thr=0.3, nms=20.0,
                     radius=1, refine=2):
    """Decode poses the tfjs way; return a list of (keypoints [(y, x, s)], score)."""
    h, w, k = scores.shape
    heap = []
    for y in range(h):
        for x in range(w):
            for p in range(k):
                s = float(scores[y, x, p])
                if s < thr:
                    continue
                best = True
                for yy in range(max(y - radius, 0), min(y + radius + 1, h)):
                    for xx in range(max(x - radius, 0), min(x + radius + 1, w)):
                        if scores[yy, xx, p] > s:
                            best = False
                if best:
                    heapq.heappush(heap, (-s, len(heap), y, x, p))
    poses = []
    r2 = nms * nms
    n_edges = len(POSENET_CHAIN)

    def near(y, x, p):
        for kps, _ in poses:
            if (kps[p][0] - y) ** 2 + (kps[p][1] - x) ** 2 <= r2:
                return True
        return False

    def step(edge, src, target, disp):
        sy, sx = _ref_round(src[0], stride, h), _ref_round(src[1], stride, w)
        ty = src[0] + float(disp[sy, sx, edge])
        tx = src[1] + float(disp[sy, sx, n_edges + edge])
        for _ in range(refine):
            cy, cx = _ref_round(ty, stride, h), _ref_round(tx, stride, w)
            ty = cy * stride + float(offsets[cy, cx, target])
            tx = cx * stride + float(offsets[cy, cx, k + target])
        cy, cx = _ref_round(ty, stride, h), _ref_round(tx, stride, w)
        return (ty, tx, float(scores[cy, cx, target]))

    while heap and len(poses) < max_det:
        neg, _, y, x, p = heapq.heappop(heap)
        ry = y * stride + float(offsets[y, x, p])
        rx = x * stride + float(offsets[y, x, k + p])
        if near(ry, rx, p):
            continue
        kps = [None] * k
        kps[p] = (ry, rx, -neg)
        for e in range(n_edges - 1, -1, -1):
            parent, child = POSENET_CHAIN[e]
            if kps[child] is not None and kps[parent] is None:
                kps[parent] = step(e, kps[child], parent, bwd)
        for e in range(n_edges):
            parent, child = POSENET_CHAIN[e]
            if kps[parent] is not None and kps[child] is None:
                kps[child] = step(e, kps[parent], child, fwd)
        total = sum(s for i, (yy, xx, s) in enumerate(kps) if not near(yy, xx, i))
        poses.append((kps, total / k))
    return poses


# ---------------------------------------------------------------- benchmark
def _time(fn, repeat):
    fn()
    t0 = time.perf_counter()
    for _ in range(repeat):
        out = fn()
    return (time.perf_counter() - t0) / repeat * 1e3, out


def main(argv=None) -> int:
    """Run the comparison on each photo and print one line per photo plus the total."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('photos', nargs='*', default=list(PHOTOS))
    parser.add_argument('--repeat', type=int, default=20)
    args = parser.parse_args(argv)
    pipe = Pipeline.from_model('bodypix_mobilenetv1_050', backend='onnxruntime')
    cfg = pipe.descriptor.decoder_params
    stride = float(cfg.get('output_stride', 16))
    opts = {'max_det': int(pipe.params.max_detections),
            'thr': float(cfg.get('peak_threshold', 0.3)),
            'nms': float(cfg.get('nms_radius', 20))}
    ours_total = ref_total = 0.0
    all_agree = True
    print(f'{"photo":40s} {"persons":>7s} {"ours ms":>8s} {"ref ms":>8s} {"ratio":>6s} agree')
    for name in args.photos:
        image = cv2.imread(os.path.join(str(data_dir()), 'images', name + '.jpg'))
        if image is None:
            print(f'{name}: photo not found, skipped')
            continue
        tensor, _ = preprocess(image, 'bgr8', pipe.spec)
        out = pipe.backend.infer({pipe.input.name: tensor})
        scores = 1.0 / (1.0 + np.exp(-out['heatmaps'][0].astype(np.float32)))
        grids = (out['short_offsets'][0], out['displacement_fwd'][0],
                 out['displacement_bwd'][0])
        ours_ms, ours = _time(lambda: decode_multiple_poses(
            scores, *grids, stride, max_detections=opts['max_det'],
            peak_threshold=opts['thr'], nms_radius=opts['nms']), args.repeat)
        ref_ms, ref = _time(lambda: reference_decode(scores, *grids, stride, **opts),
                            max(1, args.repeat // 4))
        pos, conf, person_scores = ours
        agree = len(ref) == pos.shape[0] and all(
            np.allclose(np.array(kps)[:, :2], pos[i], atol=1e-3)
            and np.allclose(np.array(kps)[:, 2], conf[i], atol=1e-5)
            and abs(score - person_scores[i]) < 1e-5
            for i, (kps, score) in enumerate(ref))
        all_agree &= agree
        ours_total += ours_ms
        ref_total += ref_ms
        print(f'{name:40s} {pos.shape[0]:7d} {ours_ms:8.2f} {ref_ms:8.2f} '
              f'{ours_ms / ref_ms:6.3f} {"yes" if agree else "NO"}')
    pipe.close()
    if ref_total:
        print(f'total: ours / reference = {ours_total / ref_total:.3f} '
              f'({ours_total:.1f} ms / {ref_total:.1f} ms); poses agree: '
              f'{"yes" if all_agree else "NO"}')
    return 0 if all_agree else 1


if __name__ == '__main__':
    sys.exit(main())
