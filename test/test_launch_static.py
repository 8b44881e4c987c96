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
Static checks of launch files, node parameter files and the rviz config (no ROS needed).

The launch files, ``config/<task>.yaml`` and ``config/jetson_dnn.rviz`` must agree with
what the nodes declare and publish: the tables of :mod:`jetson_dnn_ros.ros.params` (which
imports no ROS) are the single source of truth.
"""

import ast
from pathlib import Path
import re
import xml.etree.ElementTree as ET

from jetson_dnn_ros import launch_helpers
from jetson_dnn_ros.ros import params as P
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
LAUNCH_FILES = sorted((ROOT / 'launch').glob('*.launch.py'))
TASK_CONFIGS = [ROOT / 'config' / f'{task}.yaml' for task in P.TASKS]
RVIZ = ROOT / 'config' / 'jetson_dnn.rviz'


def _console_scripts():
    tree = ast.parse((ROOT / 'setup.py').read_text(encoding='utf-8'))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == 'console_scripts':
                    return {ast.literal_eval(e).split('=')[0].strip() for e in value.elts}
    raise AssertionError('setup.py has no console_scripts')


def _constants(tree):
    """Return module-level NAME = literal assignments of a parsed launch file."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            try:
                found[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return found


def test_every_launch_file_is_there():
    names = {p.name for p in LAUNCH_FILES}
    expected = {f'{t}.launch.py' for t in P.TASKS} | {'perception.launch.py',
                                                      'replay.launch.py'}
    assert expected <= names


@pytest.mark.parametrize('path', LAUNCH_FILES, ids=lambda p: p.name)
def test_launch_file_parses_and_names_real_things(path):
    source = path.read_text(encoding='utf-8')
    tree = ast.parse(source, filename=str(path))
    functions = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert 'generate_launch_description' in functions
    assert not re.search(r'\b(eval|exec|subprocess|os\.system)\b', source), \
        'launch files must not use eval/exec/subprocess'
    constants = _constants(tree)
    executables = []
    if 'EXECUTABLE' in constants:
        executables.append(constants['EXECUTABLE'])
    executables += list(constants.get('EXECUTABLES', ()))
    assert executables, f'{path.name} names no executable of this package'
    scripts = _console_scripts()
    for exe in executables:
        assert exe in scripts, f'{path.name}: executable {exe!r} not in setup.py console_scripts'
    for key in ('PARAMS_FILE', 'RVIZ_CONFIG'):
        if key in constants:
            assert (ROOT / constants[key]).is_file(), f'{path.name}: {constants[key]} missing'
    if 'TASK' in constants:
        assert constants['TASK'] in P.TASKS
        assert constants['EXECUTABLE'] == f"{constants['TASK']}_node"
        assert constants['PARAMS_FILE'] == f"config/{constants['TASK']}.yaml"


def test_helper_executables_and_configs_exist():
    scripts = _console_scripts()
    for task in P.TASKS:
        assert f'{task}_node' in scripts
        assert Path(launch_helpers.config_file(task, share_dir=str(ROOT))).is_file()
    assert 'perception' in scripts


def test_launch_arguments_have_descriptions():
    names = [name for name, _, _ in launch_helpers.ARGUMENTS]
    assert len(names) == len(set(names))
    for required in ('image', 'namespace', 'params_file', 'model', 'backend', 'precision',
                     'image_transport', 'image_qos', 'autostart', 'log_level'):
        assert required in names
    for name, default, description in launch_helpers.ARGUMENTS:
        assert isinstance(default, str) and len(description) > 15, name
    assert {n: d for n, d, _ in launch_helpers.ARGUMENTS}['autostart'] == 'true'


@pytest.mark.parametrize('task', P.TASKS)
def test_task_config_keys_are_declared_parameters(task):
    data = yaml.safe_load((ROOT / 'config' / f'{task}.yaml').read_text(encoding='utf-8'))
    assert len(data) == 1
    (key, block), = data.items()
    assert key in (P.node_name(task), f'/**/{P.node_name(task)}')
    table = P.param_table(task)
    values = block['ros__parameters']
    unknown = set(values) - set(table)
    assert not unknown, f'{task}.yaml sets undeclared parameters {sorted(unknown)}'
    for name, value in values.items():
        assert table[name].validate(value) is None, (name, value)
    assert values['model'] == P.DEFAULT_MODELS[task]
    assert (ROOT / 'config' / 'models' / f"{values['model']}.yaml").is_file()


def test_param_table_validation():
    table = P.param_table('detection')
    assert table['score_threshold'].validate(0.5) is None
    assert 'must be in' in table['score_threshold'].validate(1.5)
    assert 'must be a float' in table['score_threshold'].validate('high')
    assert 'one of' in table['backend'].validate('openvino')
    assert table['top_k'].validate(True) is not None
    with pytest.raises(ValueError, match='unknown task'):
        P.params_for('tracking')
    assert P.parse_tasks('detection, depth,detection') == ('detection', 'depth')
    with pytest.raises(ValueError, match='unknown task'):
        P.parse_tasks('detection,ocr')


def _rviz_displays():
    data = yaml.safe_load(RVIZ.read_text(encoding='utf-8'))
    manager = data['Visualization Manager']
    return manager, manager['Displays']


def test_rviz_topics_match_node_outputs():
    manager, displays = _rviz_displays()
    assert manager['Global Options']['Fixed Frame'] == 'camera_optical_frame'
    published = {f'{P.node_namespace(task)}/{topic}'
                 for task, topics in P.OUTPUTS.items() for topic in topics}
    camera = {n: d for n, d, _ in launch_helpers.ARGUMENTS}['image']
    topics = {}
    for display in displays:
        topic = display.get('Topic')
        topic = topic.get('Value') if isinstance(topic, dict) else None
        if topic is None:
            continue
        topics[topic] = display['Class']
        assert topic == camera or topic in published, f'rviz shows unpublished {topic}'
    for task in P.TASKS:
        assert topics.get(f'/{task}/overlay') == 'rviz_default_plugins/Image'
    assert topics['/segmentation/color_mask'] == 'rviz_default_plugins/Image'
    assert topics['/depth/depth/colored'] == 'rviz_default_plugins/Image'
    assert topics['/depth/points'] == 'rviz_default_plugins/PointCloud2'
    # issue 11 item 3: the 3D boxes of detection_3d
    assert topics['/detection/detections_3d/markers'] == 'rviz_default_plugins/MarkerArray'
    assert topics[camera] == 'rviz_default_plugins/Image'


def test_node_namespaces_are_distinct():
    spaces = [P.node_namespace(t) for t in P.TASKS]
    assert len(set(spaces)) == len(spaces)
    assert P.node_namespace('depth', '/robot1/') == '/robot1/depth'


# ------------------------------------------------------------------ issue 13 items 7, 12
def test_transport_and_qos_are_override_arguments():
    """image_transport / image_qos: '' keeps params_file, a value overrides it, validated."""
    defaults = {n: d for n, d, _ in launch_helpers.ARGUMENTS}
    assert defaults['image_transport'] == '' and defaults['image_qos'] == ''
    assert {'image_transport', 'image_qos'} <= set(launch_helpers.OVERRIDES)
    for task in P.TASKS:
        table = P.param_table(task)
        assert launch_helpers.parameter_overrides(task, {}) == {}
        for key in ('image_transport', 'image_qos'):
            for choice in table[key].choices:
                assert launch_helpers.parameter_overrides(task, {key: choice}) == {key: choice}
            with pytest.raises(ValueError, match=f'{key}.*one of'):
                launch_helpers.parameter_overrides(task, {key: 'bogus'})


@pytest.mark.parametrize('path', LAUNCH_FILES, ids=lambda p: p.name)
def test_every_launch_file_builds_on_task_launch_description(path):
    """So every argument (and override) of launch_helpers reaches every node it starts."""
    tree = ast.parse(path.read_text(encoding='utf-8'))
    calls = {n.func.id for n in ast.walk(tree)
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert 'task_launch_description' in calls


def test_launch_bool_accepts_what_launch_conditions_accept():
    for text, value in (('true', True), (' True', True), ('1', True), ('false', False),
                        ('0', False)):
        assert launch_helpers.launch_bool('rviz', text) is value
    with pytest.raises(ValueError, match='rviz'):
        launch_helpers.launch_bool('rviz', 'yes')


CYCLONE_XML = ROOT / 'config' / 'cyclonedds_large_images.xml'
CYCLONE_NS = '{https://cdds.io/config}'
# element paths (and attributes) the shipped file may use: settings of Cyclone DDS's cfgelems
# (general_cfgelems MaxMessageSize; internal_cfgelems SocketReceiveBufferSize[@min]) that
# Cyclone DDS 0.10 (ROS 2 Humble) has under these paths; newer releases also accept
# General/SocketReceiveBufferSize and @max, which 0.10 may refuse: not allowed here
CYCLONE_0_10 = {'Domain': {'Id'}, 'Domain/General': set(),
                'Domain/General/MaxMessageSize': set(), 'Domain/Internal': set(),
                'Domain/Internal/SocketReceiveBufferSize': {'min'}}
MEMSIZE = re.compile(r'^\d+(B|kB|KiB|MB|MiB|GB|GiB)$')


def test_cyclonedds_config_is_valid_for_humble():
    root = ET.parse(CYCLONE_XML).getroot()
    assert root.tag == CYCLONE_NS + 'CycloneDDS'

    def walk(element, prefix):
        for child in element:
            assert child.tag.startswith(CYCLONE_NS), child.tag
            path = prefix + child.tag[len(CYCLONE_NS):]
            assert path in CYCLONE_0_10, f'{path} is not a Cyclone DDS 0.10 setting'
            assert set(child.attrib) <= CYCLONE_0_10[path], (path, child.attrib)
            yield path, child
            yield from walk(child, path + '/')

    found = dict(walk(root, ''))
    rcvbuf = found['Domain/Internal/SocketReceiveBufferSize']
    assert MEMSIZE.match(rcvbuf.get('min')), rcvbuf.get('min')
    assert MEMSIZE.match(found['Domain/General/MaxMessageSize'].text.strip())
    assert found['Domain'].get('Id') == 'any'
    # the size the README tells users to allow with net.core.rmem_max
    readme = (ROOT / 'README.md').read_text(encoding='utf-8')
    assert 'net.core.rmem_max=33554432' in readme and rcvbuf.get('min') == '32MiB'
    assert 'cyclonedds_large_images.xml' in readme


def test_setup_installs_the_cyclonedds_config():
    setup = (ROOT / 'setup.py').read_text(encoding='utf-8')
    assert "_files('config/*.xml')" in setup


def test_instance_segmentation_is_a_full_task():
    """The sixth task has its node, launch file, parameter file, outputs and rviz displays."""
    task = 'instance_segmentation'
    assert task in P.TASKS and P.DEFAULT_MODELS[task] == 'yolov8n_seg'
    assert P.OUTPUTS[task] == ('detections', 'instances', 'label_info', 'overlay',
                               'detections_3d', 'detections_3d/markers')
    assert 'class_agnostic' in P.param_table(task)
    assert (ROOT / 'launch' / f'{task}.launch.py').is_file()
    assert (ROOT / 'test' / 'launch' / f'{task}_launch_test.py').is_file()
    assert f'{task}_node' in _console_scripts()
    for name in ('perception.launch.py', 'replay.launch.py'):
        tree = ast.parse((ROOT / 'launch' / name).read_text(encoding='utf-8'))
        assert f'{task}_node' in _constants(tree)['EXECUTABLES']
    _, displays = _rviz_displays()
    classes = {d['Topic']['Value']: d['Class'] for d in displays
               if isinstance(d.get('Topic'), dict)}
    assert classes['/instance_segmentation/overlay'] == 'rviz_default_plugins/Image'
    assert classes['/instance_segmentation/instances'] == 'rviz_default_plugins/Image'
    from jetson_dnn_ros.ros.perception import NODE_CLASSES
    assert NODE_CLASSES[task] == ('jetson_dnn_ros.ros.instance_segmentation_node',
                                  'InstanceSegmentationNode')
