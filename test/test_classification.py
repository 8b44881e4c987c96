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


"""Classification: decoder on analytic models, labels, and real MobileNetV2 models."""

from jetson_dnn_ros.backends.onnxruntime import OnnxRuntimeBackend
from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.labels import load_labels
from jetson_dnn_ros.labels import parse_label_lines
from jetson_dnn_ros.models import descriptor_from_dict
from jetson_dnn_ros.overlay import draw
from jetson_dnn_ros.overlay import OverlayOptions
from jetson_dnn_ros.pipeline import Pipeline
from jetson_dnn_ros.tasks.classification import top1
import numpy as np
from onnxgen import constant_model
import pytest

LOGITS = np.array([[0.0, 3.0, 1.0, -2.0, 2.0]], np.float32)


def make_pipeline(tmp_path, logits=LOGITS, **decoder):
    path = constant_model(tmp_path / 'cls.onnx', {'logits': logits}, input_name='input',
                          input_shape=(1, 3, 16, 16))
    descriptor = descriptor_from_dict({
        'name': 'tiny', 'task': 'classification', 'file': str(path),
        'input': {'width': 16, 'height': 16},
        'decoder': {'name': 'classification', **decoder},
        'labels': ['a', 'b', 'c', 'd', 'e']})
    return Pipeline(descriptor, OnnxRuntimeBackend(str(path)))


def test_softmax_top_k_matches_the_definition(tmp_path):
    image = np.zeros((30, 40, 3), np.uint8)
    with make_pipeline(tmp_path) as pipeline:
        pipeline.update_params(top_k=3, score_threshold=0.0)
        result = pipeline.run(image, 'bgr8')
    expected = np.exp(LOGITS[0]) / np.exp(LOGITS[0]).sum()
    assert list(result.class_ids) == [1, 4, 2]
    assert result.labels == ('b', 'e', 'c')
    np.testing.assert_allclose(result.scores, expected[[1, 4, 2]], rtol=1e-6)
    assert not result.multi_label and result.image_size == (30, 40)
    assert top1(result) == (1, 'b', pytest.approx(expected[1]))


def test_sigmoid_multi_label_and_threshold(tmp_path):
    with make_pipeline(tmp_path, activation='sigmoid') as pipeline:
        pipeline.update_params(top_k=5, score_threshold=0.7)
        result = pipeline.run(np.zeros((8, 8), np.uint8), 'mono8')
    probs = 1 / (1 + np.exp(-LOGITS[0]))
    keep = np.flatnonzero(probs >= 0.7)
    assert result.multi_label
    assert set(result.class_ids) == set(keep)
    np.testing.assert_allclose(sorted(result.scores), sorted(probs[keep]), rtol=1e-6)


def test_background_class_is_never_reported(tmp_path):
    logits = np.array([[9.0, 1.0, 0.0, 0.0, 0.0]], np.float32)
    with make_pipeline(tmp_path, logits=logits, background_class=0) as pipeline:
        pipeline.update_params(top_k=5, score_threshold=0.0)
        result = pipeline.run(np.zeros((8, 8, 3), np.uint8), 'rgb8')
    # every other class is reported, background is not; the softmax is taken over all
    # outputs, as TF-slim's 1001-class models define it (background keeps its share)
    expected = np.exp(logits[0]) / np.exp(logits[0]).sum()
    assert result.class_ids[0] == 1 and sorted(result.class_ids) == [1, 2, 3, 4]
    np.testing.assert_allclose(result.scores, expected[result.class_ids], rtol=1e-6)


def test_labels_must_fit_the_output(tmp_path):
    path = constant_model(tmp_path / 'cls.onnx', {'logits': LOGITS}, input_name='input',
                          input_shape=(1, 3, 16, 16))
    descriptor = descriptor_from_dict({
        'name': 'tiny', 'task': 'classification', 'file': str(path),
        'input': {'width': 16, 'height': 16}, 'decoder': 'classification',
        'labels': ['only', 'three', 'labels']})
    backend = OnnxRuntimeBackend(str(path))
    with pytest.raises(ModelError, match='5 classes but the labels list 3'):
        Pipeline(descriptor, backend)
    backend.close()


def test_input_shape_mismatch_is_a_model_error(tmp_path):
    path = constant_model(tmp_path / 'cls.onnx', {'logits': LOGITS}, input_name='input',
                          input_shape=(1, 3, 16, 16))
    descriptor = descriptor_from_dict({
        'name': 'tiny', 'task': 'classification', 'file': str(path),
        'input': {'width': 32, 'height': 16}, 'decoder': 'classification'})
    with OnnxRuntimeBackend(str(path)) as backend:
        with pytest.raises(ModelError, match='fix input: in the descriptor'):
            Pipeline(descriptor, backend)


def test_label_file_formats(tmp_path):
    assert parse_label_lines(['n01440764 tench, Tinca tinca', '', 'n01443537 goldfish']) == (
        'tench', 'goldfish')
    assert parse_label_lines(['background', 'tench, Tinca tinca']) == ('background', 'tench')
    (tmp_path / 'l.txt').write_text('cat\ndog\n')
    assert load_labels('l.txt', [tmp_path]) == ('cat', 'dog')
    with pytest.raises(ModelError, match='label file not found'):
        load_labels('missing.txt', [tmp_path])


@pytest.fixture(scope='module', params=['mobilenet_v2_1001', 'mobilenetv2_int8'])
def real_classifier(request, data_dir):
    with Pipeline.from_model(request.param, backend='onnxruntime') as pipeline:
        yield pipeline


@pytest.mark.parametrize('photo_name, expected', [
    ('dog_0', {'malamute', 'Eskimo dog', 'Siberian husky'}),
    ('polar_bear', {'ice bear'}),
    ('banana_0', {'banana'}),
    ('bird_0', {'robin'}),
])
def test_real_mobilenet_top1(real_classifier, photo, photo_name, expected):
    result = real_classifier.run(photo(photo_name), 'bgr8')
    assert result.labels[0] in expected, f'{photo_name}: got {result.labels[:3]}'
    assert result.scores[0] > 0.5


def test_real_classifier_same_answer_for_every_encoding(real_classifier, photo):
    import cv2
    bgr = photo('banana_0')
    reference = real_classifier.run(bgr, 'bgr8')
    assert reference.labels[0] == 'banana'
    for image, encoding in ((cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), 'rgb8'),
                            (cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA), 'bgra8'),
                            (cv2.cvtColor(bgr, cv2.COLOR_BGR2RGBA), 'rgba8')):
        # the same pixels in another channel order: the same network input, the same result
        result = real_classifier.run(image, encoding)
        assert list(result.class_ids) == list(reference.class_ids), encoding
        np.testing.assert_allclose(result.scores, reference.scores, rtol=1e-5, atol=1e-6)


def test_classification_overlay_writes_text(real_classifier, photo):
    image = photo('bird_0')
    result = real_classifier.run(image, 'bgr8')
    out = draw(image, result, OverlayOptions.parse('labels,conf'))
    assert out.shape == image.shape
    assert (out[:80] != image[:80]).any(), 'label text must be drawn in the top rows'
    assert (draw(image, result, OverlayOptions.parse('none')) == image).all()
