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

"""The jetson-dnn CLI, in-process: run on photo folders, bad inputs, models, bags."""

import json
import shutil

import cv2
from jetson_dnn_ros import bag
from jetson_dnn_ros import cli
from jetson_dnn_ros import media
from jetson_dnn_ros.errors import ImageEncodingError
import numpy as np
import pytest

GOOD = ('dog_0', 'peds_0')


@pytest.fixture(scope='module')
def photo_dir(tmp_path_factory, data_dir):
    """Return a folder with two real photos and one corrupt JPEG (copied into a temp folder)."""
    folder = tmp_path_factory.mktemp('photos')
    for name in GOOD:
        shutil.copy(data_dir / 'images' / f'{name}.jpg', folder / f'{name}.jpg')
    (folder / 'broken.jpg').write_bytes(b'\xff\xd8\xff\xe0 not really a jpeg')
    return folder


@pytest.fixture(scope='module')
def classification_run(tmp_path_factory, photo_dir):
    out = tmp_path_factory.mktemp('out') / 'cls'
    code = cli.main(['run', '--task', 'classification', '--model', 'mobilenet_v2_1001',
                     '--input', str(photo_dir), '--output', str(out), '--quiet',
                     '--top-k', '3'])
    return code, out


def test_run_writes_overlays_and_json(classification_run, photo):
    code, out = classification_run
    assert code == 2  # finished, but broken.jpg was skipped
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f'{n}.jpg' for n in GOOD] + [f'{n}.json' for n in GOOD] + ['.jetson_dnn_results'])
    from jetson_dnn_ros.pipeline import Pipeline
    with Pipeline.from_model('mobilenet_v2_1001', backend='onnxruntime') as pipeline:
        for name in GOOD:
            record = json.loads((out / f'{name}.json').read_text())
            pipeline.update_params(top_k=3)   # what --top-k 3 asks for
            expected = pipeline.run(photo(name), 'bgr8')
            assert record['task'] == 'classification' and record['header'] is None
            assert [c['class_id'] for c in record['classes']] == expected.class_ids.tolist()
            assert [c['label'] for c in record['classes']] == list(expected.labels)
            np.testing.assert_allclose([c['score'] for c in record['classes']],
                                       expected.scores, rtol=1e-5)
            assert record['image_size'] == list(photo(name).shape[:2])
            overlay = cv2.imread(str(out / f'{name}.jpg'))
            assert overlay.shape == photo(name).shape
            # the overlay is the photo with the caption drawn on it (JPEG-compressed twice)
            assert np.abs(overlay.astype(np.int16) - photo(name))[80:].mean() < 6.0


def test_corrupt_jpeg_is_reported_and_skipped(photo_dir, tmp_path, capsys):
    code = cli.main(['run', '--model', 'mobilenet_v2_1001', '--input', str(photo_dir),
                     '--output', str(tmp_path / 'o'), '--format', 'jsonl', '--quiet',
                     '--overlay', 'none'])
    assert code == 2  # finished with a skipped frame
    err = capsys.readouterr().err
    assert 'skipped broken.jpg' in err
    lines = (tmp_path / 'o' / 'results.jsonl').read_text().splitlines()
    assert [json.loads(line)['name'] for line in lines] == sorted(GOOD)
    assert not list((tmp_path / 'o').glob('*.jpg'))


def test_only_bad_inputs_fail(tmp_path, capsys, data_dir):
    (tmp_path / 'bad.jpg').write_bytes(b'junk')
    code = cli.main(['run', '--model', 'mobilenet_v2_1001', '--input',
                     str(tmp_path / 'bad.jpg'), '--output', str(tmp_path / 'o'), '--quiet'])
    assert code != 0
    assert '0 frame(s) processed' in capsys.readouterr().err


def test_media_raises_for_corrupt_item(photo_dir):
    with pytest.raises(ImageEncodingError, match='broken.jpg'):
        list(media.iter_frames(photo_dir))
    seen = []
    frames = list(media.iter_frames(photo_dir, on_error=lambda n, e: seen.append(n)))
    assert [f.name for f in frames] == sorted(GOOD) and seen == ['broken.jpg']
    assert media.count_frames(photo_dir) == 3
    assert [f.name for f in media.iter_frames(str(photo_dir / 'dog_*.jpg'))] == ['dog_0']


@pytest.mark.parametrize('argv, message', [
    (['--model', 'mobilenet_v2_1001', '--model-file', '/nonexistent/model.onnx'], 'not found'),
    (['--model', 'no_such_model'], 'unknown model'),
    (['--task', 'detection', '--model', 'mobilenet_v2_1001'], 'does not match'),
    (['--model', 'mobilenet_v2_1001', '--score-threshold', '1.5'], '--score-threshold'),
])
def test_setup_errors_are_clear(photo_dir, tmp_path, capsys, argv, message):
    code = cli.main(['run', *argv, '--input', str(photo_dir), '--output', str(tmp_path / 'o'),
                     '--quiet'])
    assert code == 1
    err = capsys.readouterr().err
    assert message in err and 'Traceback' not in err


def test_nonexistent_input(tmp_path, capsys):
    code = cli.main(['run', '--model', 'mobilenet_v2_1001', '--input',
                     str(tmp_path / 'missing_dir'), '--output', str(tmp_path / 'o')])
    assert code == 1
    assert 'does not exist' in capsys.readouterr().err


def test_bag_output_needs_bag_input(photo_dir, tmp_path, capsys):
    code = cli.main(['run', '--model', 'mobilenet_v2_1001', '--input', str(photo_dir),
                     '--output', str(tmp_path / 'out.mcap')])
    assert code == 1
    assert 'bag from-images' in capsys.readouterr().err


def test_models_list(capsys, data_dir):
    assert cli.main(['models', 'list']) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ['name', 'task']
    row = next(line for line in lines if line.startswith('mobilenet_v2_1001 '))
    assert 'classification' in row and row.split()[2].endswith('.onnx')


def test_usage_error_returns_1(capsys):
    """2 means "finished with skipped frames"; a usage error is a failed run."""
    assert cli.main(['run']) == 1


def test_bag_from_images_then_run_detection(photo_dir, tmp_path, capsys):
    bag_path = tmp_path / 'cam.mcap'
    assert cli.main(['bag', 'from-images', str(photo_dir / 'peds_0.jpg'), str(bag_path),
                     '--fps', '10', '--compressed']) == 0
    folder = tmp_path / 'cam'
    assert bag.topic_types(folder)['/camera/image_raw/compressed'] == bag.COMPRESSED_TYPE
    pytest.importorskip('jetson_dnn_ros.tasks.detection')
    from jetson_dnn_ros.tasks.base import decoder_names
    if 'yolox' not in decoder_names():
        pytest.skip('yolox decoder not available yet')
    out = tmp_path / 'dets_bag'
    assert cli.main(['run', '--task', 'detection', '--model', 'yolox_nano', '--input',
                     str(folder), '--output', str(out), '--quiet']) == 0
    from jetson_dnn_ros.msgdefs import make_typestore
    from rosbags.rosbag2 import Reader
    store = make_typestore()
    with Reader(out) as reader:
        msgs = {c.topic: store.deserialize_cdr(raw, c.msgtype)
                for c, _, raw in reader.messages()}
    dets = msgs['/camera/detections'].detections
    assert 'person' in [c.class_name for c in msgs['/camera/label_info'].class_map]
    # peds_0 is a street of pedestrians: YOLOX-nano must find people in it (class_id = label,
    # as the live detection node publishes it)
    assert any(d.results[0].hypothesis.class_id == 'person' for d in dets)
    h, w = cv2.imread(str(photo_dir / 'peds_0.jpg')).shape[:2]
    centres = np.array([[d.bbox.center.position.x, d.bbox.center.position.y] for d in dets])
    assert np.all((centres >= 0) & (centres <= [w, h]))
    # exactly what the pipeline finds on the frame as the bag holds it (decoded JPEG)
    from jetson_dnn_ros.pipeline import Pipeline
    (_, _, frame, encoding), = bag.read_images(folder)
    with Pipeline.from_model('yolox_nano', backend='onnxruntime') as pipeline:
        expected = pipeline.run(frame, encoding)
    assert [d.results[0].hypothesis.class_id for d in dets] == list(expected.labels)
    np.testing.assert_allclose([d.results[0].hypothesis.score for d in dets], expected.scores,
                               rtol=1e-5)
    boxes = expected.boxes.astype(np.float64)
    np.testing.assert_allclose(centres, (boxes[:, :2] + boxes[:, 2:]) / 2, atol=1e-3)


def test_run_instance_segmentation_writes_coco_rle(tmp_path, photo_dir, photo):
    from jetson_dnn_ros.pipeline import Pipeline
    from jetson_dnn_ros.tasks.instance_segmentation import decode_rle
    out = tmp_path / 'seg'
    code = cli.main(['run', '--model', 'yolov8n_seg', '--input', str(photo_dir / 'peds_0.jpg'),
                     '--output', str(out), '--quiet'])
    assert code == 0
    record = json.loads((out / 'peds_0.json').read_text())
    with Pipeline.from_model('yolov8n_seg', backend='onnxruntime') as pipeline:
        expected = pipeline.run(photo('peds_0'), 'bgr8')
    assert record['task'] == 'instance_segmentation'
    assert record['image_size'] == [1080, 1920]
    instances = record['instances']
    assert [i['label'] for i in instances] == list(expected.labels)
    assert sum(i['label'] == 'person' and i['score'] > 0.5 for i in instances) == 4
    for instance, mask in zip(instances, expected.masks):
        assert instance['segmentation']['size'] == [1080, 1920]
        np.testing.assert_array_equal(decode_rle(instance['segmentation']), mask)
        assert instance['area'] == int(mask.sum()) > 0
    overlay = cv2.imread(str(out / 'peds_0.jpg'))
    assert overlay.shape == photo('peds_0').shape
