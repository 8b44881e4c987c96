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
Evaluation core (issue 14 item 1) on hand-checkable cases: no model, no shared data.

Every AP here is worked out by hand from COCO's definition (101 recall points, precision
made monotone), and pycocotools computes it: the module never computes AP itself.
"""

import contextlib
import io
import json

import cv2
from jetson_dnn_ros import evaluation as ev
from jetson_dnn_ros.tasks.detection import DetectionResult
from jetson_dnn_ros.tasks.pose import Person, PoseResult
import numpy as np
import pytest

COCO_KEYPOINTS = ['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear', 'left_shoulder',
                  'right_shoulder', 'left_elbow', 'right_elbow', 'left_wrist', 'right_wrist',
                  'left_hip', 'right_hip', 'left_knee', 'right_knee', 'left_ankle',
                  'right_ankle']


def _coco(tmp_path, annotations, categories, images=None, name='gt.json'):
    images = images or [{'id': 7, 'file_name': 'a.jpg', 'width': 200, 'height': 100}]
    for i, ann in enumerate(annotations, 1):
        ann.setdefault('id', i)
        ann.setdefault('iscrowd', 0)
        ann.setdefault('area', ann['bbox'][2] * ann['bbox'][3])
    path = tmp_path / name
    path.write_text(json.dumps({'images': images, 'annotations': annotations,
                                'categories': categories}))
    return path


def _dets(boxes, scores, classes, labels):
    return DetectionResult(np.array(boxes, np.float32).reshape(-1, 4),
                           np.array(scores, np.float32), np.array(classes, np.int64),
                           tuple(labels[c] for c in classes), (100, 200))


def test_detection_ap_of_a_hand_checked_case(tmp_path):
    # two dogs; ranked detections: hit (0.9), miss (0.8), hit (0.7). Precision is 1 up to
    # recall 0.5 (51 of COCO's 101 recall points) and 2/3 from there to 1 (50 points):
    # AP = (51 + 50 * 2/3) / 101 = 0.8350 at every IoU threshold (the hits are exact)
    gt = _coco(tmp_path, [{'image_id': 7, 'category_id': 18, 'bbox': [10, 10, 40, 30]},
                          {'image_id': 7, 'category_id': 18, 'bbox': [100, 20, 60, 50]}],
               [{'id': 18, 'name': 'dog'}, {'id': 1, 'name': 'person'}])
    labels = ('person', 'dog')
    evaluator = ev.CocoEvaluator(gt, 'bbox', labels=labels)
    evaluator.add('a.jpg', _dets([[10, 10, 50, 40], [150, 80, 190, 95], [100, 20, 160, 70]],
                                 [0.9, 0.8, 0.7], [1, 1, 1], labels))
    summary = evaluator.summary()
    expected = (51 + 50 * 2 / 3) / 101
    assert summary['metrics']['AP'] == pytest.approx(expected, abs=1e-4)
    assert summary['metrics']['AP50'] == pytest.approx(expected, abs=1e-4)
    assert summary['metrics']['AP75'] == pytest.approx(expected, abs=1e-4)
    assert summary['per_class'] == {'dog': pytest.approx(expected, abs=1e-4)}
    # person has no ground truth: no per-class entry, but it is not "unmapped"
    assert summary['unmapped_labels'] == []
    curve = summary['pr_curves']['dog']
    assert curve['precision'][0] == pytest.approx(1.0)
    assert curve['precision'][-1] == pytest.approx(2 / 3)


def _table_figures(table: str):
    """Return ``({metric: text}, {class: text})`` parsed from :func:`format_table`'s lines."""
    metrics, per_class = {}, {}
    for line in table.splitlines()[1:]:
        parts = line.split()
        if line.startswith('    ') and len(parts) == 2:
            per_class[parts[0]] = parts[1]
        elif line.startswith('  ') and not line.startswith('   ') and len(parts) == 2:
            metrics[parts[0]] = parts[1]
    return metrics, per_class


def test_results_json_round_trips_through_pycocotools(tmp_path):
    """
    Our results file, scored by pycocotools from disk, gives the figures our table prints.

    One image (200x100), ground truth: two cars and one person, all 'medium' (32² < area <
    96²). Detections: a car where there is none (0.95), car 1 exactly (0.6), the person
    exactly (0.8), a bicycle (0.5: no such category, dropped); car 2 is missed.

    By hand, at every IoU threshold (the hits are exact, IoU 1):

    * car: ranked FP, TP: precision 0 then 1/2 at recall 1/2 (1 of 2 cars); made monotone it
      is 1/2 for the 51 recall points 0.00..0.50 of COCO's 101 and 0 above (recall never
      gets there): AP_car = 51 * 1/2 / 101 = 25.5/101 = 0.2525.
    * person: one TP, precision 1 up to recall 1: AP_person = 101/101 = 1.
    * AP = AP50 = AP75 = AP_medium = (25.5/101 + 1) / 2 = 0.6262 (mean over the categories).
    * AR1: one detection per category: the car's is the FP (recall 0), the person's a hit
      (recall 1): (0 + 1) / 2 = 0.5. AR10 = AR100 = AR_medium = (1/2 + 1) / 2 = 0.75.
    * no small or large object: those are -1 in COCOeval, None in our summary, '-' printed.
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    from jetson_dnn_ros.eval_cli import format_table
    gt = _coco(tmp_path, [{'image_id': 7, 'category_id': 3, 'bbox': [10, 10, 40, 30]},
                          {'image_id': 7, 'category_id': 3, 'bbox': [60, 20, 30, 40]},
                          {'image_id': 7, 'category_id': 1, 'bbox': [120, 5, 30, 80]}],
               [{'id': 1, 'name': 'person'}, {'id': 3, 'name': 'car'}])
    labels = ('person', 'bicycle', 'car')
    evaluator = ev.CocoEvaluator(gt, 'bbox', labels=labels)
    evaluator.add('a', _dets([[150, 60, 190, 95], [10, 10, 50, 40], [120, 5, 150, 85],
                              [0, 0, 20, 20]], [0.95, 0.6, 0.8, 0.5], [2, 2, 0, 1], labels))
    results = tmp_path / 'results.json'
    ev.write_json(results, evaluator.results_json())
    # our conversion: xyxy -> COCO xywh, class index -> category id by name, bicycle dropped
    assert json.loads(results.read_text()) == [
        {'image_id': 7, 'category_id': 3, 'bbox': [150, 60, 40, 35], 'score': 0.95},
        {'image_id': 7, 'category_id': 3, 'bbox': [10, 10, 40, 30], 'score': 0.6},
        {'image_id': 7, 'category_id': 1, 'bbox': [120, 5, 30, 80], 'score': 0.8}]
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(gt))
        e = COCOeval(coco, coco.loadRes(str(results)), 'bbox')
        e.evaluate()
        e.accumulate()
        e.summarize()
    ap, ap_car, ar1, ar10 = (25.5 / 101 + 1) / 2, 25.5 / 101, 0.5, 0.75   # the docstring's
    by_hand = {'AP': ap, 'AP50': ap, 'AP75': ap, 'AP_small': -1, 'AP_medium': ap,
               'AP_large': -1, 'AR1': ar1, 'AR10': ar10, 'AR100': ar10, 'AR_small': -1,
               'AR_medium': ar10, 'AR_large': -1}
    assert dict(zip(ev.DETECTION_METRICS, e.stats)) == pytest.approx(by_hand, abs=1e-9)
    # what our table prints is that file's score, at 3 decimals ('-' for COCOeval's -1)
    summary = evaluator.summary()
    table = format_table({'model': {'name': 'm', 'task': 'detection', 'backend': 'x',
                                    'precision': 'fp32'}, **summary})
    printed, printed_classes = _table_figures(table)
    assert printed == {name: '-' if v < 0 else f'{v:.3f}'
                       for name, v in zip(ev.DETECTION_METRICS, e.stats)}
    assert printed['AP'] == '0.626' and printed['AR1'] == '0.500'
    assert printed_classes == {'person': '1.000', 'car': f'{ap_car:.3f}'}   # car: 0.252
    # the bicycle has no category in this file: listed, and its detection dropped
    assert summary['unmapped_labels'] == ['bicycle']
    assert 'no annotation category: bicycle' in table


def test_no_detection_at_all_scores_zero(tmp_path):
    gt = _coco(tmp_path, [{'image_id': 7, 'category_id': 1, 'bbox': [10, 10, 40, 30]}],
               [{'id': 1, 'name': 'person'}])
    evaluator = ev.CocoEvaluator(gt, 'bbox', labels=('person',))
    evaluator.add('a', _dets([], [], [], ('person',)))
    assert evaluator.summary()['metrics']['AP'] == 0.0
    with pytest.raises(ev.EvaluationError, match='not an image'):
        evaluator.add('b.jpg', _dets([], [], [], ('person',)))


def test_category_map_by_name_with_voc_spellings(data_dir):
    from jetson_dnn_ros.labels import load_labels
    coco80 = load_labels('coco80')
    categories = json.loads((data_dir / 'eval/coco128_even/annotations.json').read_text()
                            )['categories']
    mapping, unmapped = ev.category_map(tuple(coco80) + ('unicorn',), categories)
    assert unmapped == ['unicorn']
    official = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
                24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 47,
                48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70,
                72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90]
    assert [mapping[i] for i in range(80)] == official   # the data README's table
    _, unmapped = ev.category_map(['motorbike', 'aeroplane', 'sofa', 'pottedplant',
                                   'diningtable', 'tvmonitor'], categories)
    assert unmapped == []
    with pytest.raises(ev.EvaluationError, match='no class names'):
        ev.category_map(None, categories)


def test_keypoints_are_mapped_to_coco_order_by_name(tmp_path):
    camel = ['nose', 'leftEye', 'rightEye', 'leftEar', 'rightEar', 'leftShoulder',
             'rightShoulder', 'leftElbow', 'rightElbow', 'leftWrist', 'rightWrist', 'leftHip',
             'rightHip', 'leftKnee', 'rightKnee', 'leftAnkle', 'rightAnkle']
    assert ev.keypoint_order(camel, COCO_KEYPOINTS) == list(range(17))
    assert ev.keypoint_order(list(reversed(camel)), COCO_KEYPOINTS) == list(range(16, -1, -1))
    # a model without ears: the COCO ears are missing, the rest found
    order = ev.keypoint_order([n for n in camel if 'Ear' not in n], COCO_KEYPOINTS)
    assert order[3] is None and order[4] is None and order[5] == 3


def test_keypoint_ap_exact_pose_is_one_and_a_model_order_is_remapped(tmp_path):
    rng = np.random.default_rng(0)
    xy = np.stack([rng.uniform(60, 140, 17), rng.uniform(20, 90, 17)], axis=1)
    flat = np.concatenate([xy, np.full((17, 1), 2.0)], axis=1).reshape(-1).tolist()
    gt = _coco(tmp_path, [{'image_id': 7, 'category_id': 1, 'bbox': [60, 20, 80, 70],
                           'keypoints': flat, 'num_keypoints': 17, 'area': 3000.0}],
               [{'id': 1, 'name': 'person', 'keypoints': COCO_KEYPOINTS}])
    # the model lists its keypoints in reverse order: mapped back by name
    names = tuple(reversed(COCO_KEYPOINTS))
    kps = np.concatenate([xy[::-1], np.ones((17, 1))], axis=1).astype(np.float32)
    person = Person(np.array([60, 20, 140, 90], np.float32), 0.9, kps)
    result = PoseResult((person,), names, (), (100, 200))
    evaluator = ev.CocoEvaluator(gt, 'keypoints', keypoint_names=names)
    evaluator.add('a.jpg', result)
    assert evaluator.summary()['metrics']['AP'] == pytest.approx(1.0)
    # unmapped order (model order taken as COCO order): the points are wrong, AP drops
    wrong = ev.CocoEvaluator(gt, 'keypoints', keypoint_names=COCO_KEYPOINTS)
    wrong.add('a.jpg', result)
    assert wrong.summary()['metrics']['AP'] < 0.5


def test_mask_ap_from_rle(tmp_path):
    from jetson_dnn_ros.tasks.instance_segmentation import InstanceSegmentationResult
    mask = np.zeros((100, 200), bool)
    mask[20:60, 30:90] = True
    mask[20:30, 30:50] = False        # not a rectangle: the box alone would not score 1
    gt = _coco(tmp_path, [{'image_id': 7, 'category_id': 1, 'bbox': [30, 20, 60, 40],
                           'segmentation': ev.encode_mask(mask), 'area': float(mask.sum())}],
               [{'id': 1, 'name': 'person'}])
    box = np.array([[30, 20, 90, 60]], np.float32)
    evaluator = ev.CocoEvaluator(gt, 'segm', labels=('person',))
    evaluator.add('a', InstanceSegmentationResult(box, np.array([0.9], np.float32),
                                                  np.array([0]), ('person',), mask[None],
                                                  (100, 200)))
    assert evaluator.results_json()[0]['segmentation']['size'] == [100, 200]
    assert evaluator.summary()['metrics']['AP'] == pytest.approx(1.0)
    # a mask that covers the whole box: IoU = 2200 / 2400 = 0.917 -> hit up to IoU 0.90
    full = np.zeros_like(mask)
    full[20:60, 30:90] = True
    worse = ev.CocoEvaluator(gt, 'segm', labels=('person',))
    worse.add('a', InstanceSegmentationResult(box, np.array([0.9], np.float32),
                                              np.array([0]), ('person',), full[None],
                                              (100, 200)))
    assert worse.summary()['metrics']['AP'] == pytest.approx(9 / 10)


def test_palette_png_decodes_to_class_ids_with_void(tmp_path):
    from jetson_dnn_ros.colormaps import voc_palette
    palette = voc_palette(256)
    ids = np.array([[0, 15, 15], [7, 255, 20]], np.uint8)
    rgb = palette[ids]
    rgb[0, 0] = (1, 2, 3)                     # a colour no class has -> ignored
    path = tmp_path / 'x.png'
    cv2.imwrite(str(path), rgb[..., ::-1])
    decoded = ev.read_label_png(path)
    assert decoded.tolist() == [[255, 15, 15], [7, 255, 20]]
    cv2.imwrite(str(tmp_path / 'i.png'), ids)   # an index PNG is read as it is
    assert ev.read_label_png(tmp_path / 'i.png').tolist() == ids.tolist()


def test_segmentation_iou_of_a_hand_checked_confusion(tmp_path):
    e = ev.SegmentationEvaluator.__new__(ev.SegmentationEvaluator)
    e.labels, e.ignore, e.images, e.out_of_range = ('bg', 'a', 'b'), 255, 0, 0
    e.confusion = np.zeros((3, 3), np.int64)
    gt = np.array([[0, 0, 1, 1], [1, 1, 255, 255]])
    pred = np.array([[0, 1, 1, 1], [1, 0, 2, 0]])   # the two 255 pixels do not count
    e.add_maps(gt, pred)
    s = e.summary()
    # bg: TP 1, FP 1, FN 1 -> 1/3; a: TP 3, FP 1, FN 1 -> 3/5; b: no GT, predicted only on
    # ignored pixels -> not listed; mIoU over the classes in the GT (bg, a)
    assert s['per_class'] == pytest.approx({'bg': 1 / 3, 'a': 3 / 5})
    assert s['metrics']['mIoU'] == pytest.approx((1 / 3 + 3 / 5) / 2)
    assert s['metrics']['pixel_accuracy'] == pytest.approx(4 / 6)
    assert s['confusion_matrix']['counts'] == [[1, 1, 0], [1, 3, 0], [0, 0, 0]]


def test_depth_metrics_hand_checked():
    gt = np.array([[1.0, 2.0], [4.0, 0.0]])       # 0 = no measurement
    pred = 1.5 * gt
    m = ev.depth_metrics(pred, gt)
    assert m['pixels'] == 3
    assert m['abs_rel'] == pytest.approx(0.5)
    assert m['rmse'] == pytest.approx(np.sqrt((0.25 + 1 + 4) / 3))
    assert m['log10'] == pytest.approx(np.log10(1.5))
    assert (m['delta1'], m['delta2'], m['delta3']) == (0.0, 1.0, 1.0)   # 1.25 < 1.5 < 1.5625
    scaled = ev.depth_metrics(pred, gt, median_scaling=True)   # relative models
    assert scaled['abs_rel'] == pytest.approx(0.0) and scaled['delta1'] == 1.0
    with pytest.raises(ev.EvaluationError, match='no valid'):
        ev.depth_metrics(pred, np.zeros_like(gt))


def test_relative_inverse_depth_is_inverted_and_median_scaled(tmp_path):
    from jetson_dnn_ros.tasks.depth import DepthResult
    gt = np.array([[1.0, 2.0], [4.0, 8.0]])
    (tmp_path / 'gt').mkdir()
    np.save(tmp_path / 'gt' / 'x.npy', gt)
    e = ev.DepthEvaluator(tmp_path / 'gt')
    e.add('x', DepthResult((3.0 / gt).astype(np.float32), 'relative_inverse', (2, 2)))
    s = e.summary()
    assert s['median_scaling'] is True
    assert s['metrics']['abs_rel'] == pytest.approx(0.0, abs=1e-6)
    # 16-bit PNG in millimetres
    cv2.imwrite(str(tmp_path / 'gt' / 'y.png'), (gt * 1000).astype(np.uint16))
    assert ev.read_depth(tmp_path / 'gt' / 'y.png') == pytest.approx(gt)


def test_classification_top1_top5_from_tree_and_csv(tmp_path):
    from jetson_dnn_ros.tasks.classification import ClassificationResult
    for cls, names in (('tabby', ['a.jpg', 'b.jpg']), ('goldfish', ['c.png'])):
        (tmp_path / 'tree' / cls).mkdir(parents=True)
        for n in names:
            (tmp_path / 'tree' / cls / n).write_bytes(b'')
    truth = ev.read_class_labels(tmp_path / 'tree')
    assert truth == {'goldfish/c': 'goldfish', 'tabby/a': 'tabby', 'tabby/b': 'tabby'}
    (tmp_path / 'gt.csv').write_text('file,label\na.jpg,Tabby\nsub/c.png,1\n')
    assert ev.read_class_labels(tmp_path / 'gt.csv') == {'a': 'Tabby', 'c': '1'}
    labels = ('background', 'goldfish', 'tabby', 'tiger cat', 'x', 'y', 'z')
    e = ev.ClassificationEvaluator(truth, labels)

    def result(ids):
        return ClassificationResult(np.array(ids), np.linspace(0.9, 0.1, len(ids)),
                                    tuple(labels[i] for i in ids), False, (8, 8))
    e.add('tabby/a', result([2, 3, 1, 4, 5]))       # top-1 hit
    e.add('tabby/b', result([3, 4, 5, 6, 2]))       # top-5 hit only
    e.add('goldfish/c', result([3, 4, 5, 6, 0]))    # miss
    s = e.summary()
    assert s['metrics'] == pytest.approx({'top1': 1 / 3, 'top5': 2 / 3})
    assert s['confusion_matrix']['labels'] == ['goldfish', 'tabby', '(other)']
    assert s['confusion_matrix']['counts'] == [[0, 0, 1], [0, 1, 1]]
    with pytest.raises(ev.EvaluationError, match='not classes of the model'):
        ev.ClassificationEvaluator({'a': 'unicorn'}, labels)


def test_agreement_per_task():
    from jetson_dnn_ros.tasks.depth import DepthResult
    labels = ('person', 'dog')
    a = _dets([[0, 0, 10, 10], [20, 20, 40, 40]], [0.9, 0.5], [0, 1], labels)
    b = _dets([[1, 0, 10, 10], [20, 20, 40, 40], [50, 50, 60, 60]], [0.8, 0.5, 0.3],
              [0, 0, 1], labels)
    agree = ev.agreement(a, b)
    # box 0 matches (IoU 0.9, same class); box 1 overlaps a box of another class: no match
    assert agree['matched_rate'] == pytest.approx(1 / 3)
    assert agree['mean_score_delta'] == pytest.approx(0.1)
    assert ev.agreement(a, a)['matched_rate'] == 1.0
    d = DepthResult(np.full((2, 2), 2.0, np.float32), 'metric', (2, 2))
    e = DepthResult(np.full((2, 2), 2.2, np.float32), 'metric', (2, 2))
    assert ev.agreement(d, e)['abs_rel'] == pytest.approx(0.1, rel=1e-5)
    diff = ev.tensor_difference({'o': np.zeros(3)}, {'o': np.array([0.0, 0.5, -1.0])})
    assert diff == {'o': {'max_abs': 1.0, 'mean_abs': 0.5}}
    with pytest.raises(ev.EvaluationError, match='shape'):
        ev.tensor_difference({'o': np.zeros(3)}, {'o': np.zeros(4)})


def test_stamp_map_parses_ns_and_sec_nanosec(tmp_path):
    from jetson_dnn_ros.eval_cli import read_stamp_map
    path = tmp_path / 's.csv'
    path.write_text('stamp,file\n1000000005,a.jpg\n2.5,images/b.png\n')
    assert read_stamp_map(path) == {1_000_000_005: 'a', 2_500_000_000: 'b'}
    path.write_text('x,a.jpg\n')
    with pytest.raises(ev.EvaluationError, match='s.csv:1'):
        read_stamp_map(path)


def test_dataset_fingerprint_depends_on_content_not_place(tmp_path):
    (tmp_path / 'a').mkdir()
    (tmp_path / 'b').mkdir()
    for folder in ('a', 'b'):
        (tmp_path / folder / 'x.json').write_text('{}')
    one = ev.dataset_fingerprint([tmp_path / 'a' / 'x.json'])
    assert one == ev.dataset_fingerprint([tmp_path / 'b' / 'x.json'])
    (tmp_path / 'b' / 'x.json').write_text('{"a": 1}')
    assert one != ev.dataset_fingerprint([tmp_path / 'b' / 'x.json'])


def _classifier(tmp_path):
    """Write a classifier whose logits always rank c > e > a > b > d > f (6 classes)."""
    from onnxgen import constant_model
    constant_model(tmp_path / 'cls.onnx',
                   {'logits': np.array([[3.0, 2.0, 6.0, 1.0, 4.0, 0.0]], np.float32)},
                   input_name='input', input_shape=(1, 3, 16, 16))
    (tmp_path / 'cls.yaml').write_text(
        'name: six\ntask: classification\nfile: cls.onnx\n'
        'input: {name: input, width: 16, height: 16, resize: stretch, color: rgb, '
        'scale: 0.00392156862745098, layout: NCHW}\n'
        'decoder: {name: classification, output: logits, activation: softmax}\n'
        'labels: [a, b, c, d, e, f]\ntop_k: 1\nthresholds: {score: 0.5}\n')
    return tmp_path / 'cls.yaml'


def test_eval_cli_classification_tree_and_csv(tmp_path, capsys):
    pytest.importorskip('matplotlib')
    from jetson_dnn_ros.cli import main
    model = _classifier(tmp_path)
    image = np.full((20, 30, 3), 90, np.uint8)
    for cls, names in (('c', ['1', '2']), ('a', ['3']), ('F', ['4'])):
        (tmp_path / 'tree' / cls).mkdir(parents=True)
        for n in names:
            cv2.imwrite(str(tmp_path / 'tree' / cls / f'{n}.png'), image)
    report = tmp_path / 'r.json'
    # top_k 1 and score 0.5 in the descriptor: eval still asks for 5 classes, any score
    assert main(['eval', '--quiet', '--backend', 'onnxruntime', '--model', str(model),
                 '--ground-truth', str(tmp_path / 'tree'), '--report', str(report),
                 '--plots', str(tmp_path / 'plots')]) == 0
    data = json.loads(report.read_text())
    # c images: top-1; a (3rd) and f (6th, 'F' spelled in capitals): a in the top 5 only
    assert data['metrics'] == pytest.approx({'top1': 2 / 4, 'top5': 3 / 4})
    assert data['confusion_matrix']['labels'] == ['a', 'c', 'f', '(other)']
    assert (tmp_path / 'plots' / 'confusion_matrix.png').is_file()
    assert 'top1' in capsys.readouterr().out
    # file,label CSV over a plain folder
    (tmp_path / 'flat').mkdir()
    for n in ('x', 'y'):
        cv2.imwrite(str(tmp_path / 'flat' / f'{n}.png'), image)
    (tmp_path / 'gt.csv').write_text('x.png,c\ny.png,4\n')   # a name, and an index (e)
    assert main(['eval', '--quiet', '--backend', 'onnxruntime', '--model', str(model),
                 '--images', str(tmp_path / 'flat'), '--ground-truth', str(tmp_path / 'gt.csv'),
                 '--report', str(report)]) == 0
    assert json.loads(report.read_text())['metrics'] == pytest.approx({'top1': 0.5, 'top5': 1.0})
