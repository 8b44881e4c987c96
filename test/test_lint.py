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
The ROS 2 linters that ``colcon test`` runs, run the way ros2pkg's ament_python template does.

``test_flake8``, ``test_pep257`` and ``test_copyright`` call ``ament_flake8``, ``ament_pep257``
and ``ament_copyright`` in the package folder exactly as ros2/ros2cli
``ros2pkg/resource/ament_python/test_{flake8,pep257,copyright}.py.em`` do, except that
ament_flake8 runs in a child process and gets ROS 2 Humble's configuration explicitly
(``test/ament_flake8_humble.ini``, a copy of Humble's ``ament_flake8.ini``). CI installs the
real ament_flake8 and ament_pep257 from PyPI (``ament-lint-flake8``, ``ament-lint-pep257``)
with the flake8 plugins Humble uses (``.[test]``). ament_copyright is not on PyPI: where it is
not importable, the same rules are applied by this module (``_copyright_problems``, a port of
Humble's crawler and parser), and the port itself is tested against the cases ament_copyright
distinguishes.

Where a linter is missing outside CI (``$CI`` unset) its test falls back to the plain tool
(``flake8`` with Humble's configuration, ``pydocstyle`` with ament's convention) or skips; in CI
a missing linter or plugin fails.
"""

import configparser
import hashlib
import importlib.metadata
import importlib.util
import os
from pathlib import Path
import re
import subprocess
import sys

import pytest

ROOT = Path(__file__).resolve().parents[1]
HUMBLE_FLAKE8_INI = ROOT / 'test' / 'ament_flake8_humble.ini'

# ament_pep257's default convention 'ament' (ament_pep257/main.py, _ament_ignore; Humble and
# PyPI's 0.14 alike): pydocstyle --ignore these, i.e. every other check, D213 included
AMENT_PEP257_IGNORE = ['D100', 'D101', 'D102', 'D103', 'D104', 'D105', 'D106', 'D107', 'D203',
                       'D212', 'D404']

# the flake8 plugins a Humble development install carries (ros-dev-tools / the ROS 2 docs'
# "pip install flake8-blind-except flake8-builtins ..." list); ament_flake8's config names their
# codes (B902, C816, D..., I202)
FLAKE8_PLUGINS = ['flake8-blind-except', 'flake8-builtins', 'flake8-class-newline',
                  'flake8-comprehensions', 'flake8-deprecated', 'flake8-docstrings',
                  'flake8-import-order', 'flake8-quotes']

IN_CI = bool(os.environ.get('CI'))


def _missing(what):
    """Fail in CI, skip elsewhere: a linter that CI installs must run there."""
    message = f'{what} is not installed (pip install ".[test]")'
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _import(module, attr):
    try:
        return getattr(__import__(module, fromlist=[attr]), attr)
    except ImportError:
        return None


def _ament_excludes():
    """Return what ament_flake8 excludes: folders with AMENT_IGNORE, folders named '.*' or '_*'."""
    excludes = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        if 'AMENT_IGNORE' in dirnames + filenames:
            dirnames[:] = []
            excludes.append(dirpath)
        else:
            excludes.extend(d for d in dirnames if d[0] in '._')
    return excludes


def _python_files():
    """Yield the ``.py`` files ament_flake8/ament_pep257 check in the package folder."""
    for dirpath, dirnames, filenames in os.walk(ROOT):
        if 'AMENT_IGNORE' in dirnames + filenames:
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if d[0] not in '._')
        for name in sorted(filenames):
            if name.endswith('.py'):
                yield Path(dirpath, name)


# -- ament_flake8 ----------------------------------------------------------------------------


def test_flake8():
    """
    Run ament_flake8 (Humble's configuration) on the package folder, as ``colcon test`` does.

    In a child process: flake8 forks its workers, which must not inherit this process's
    threads and stand-in modules. Without ament_flake8 (Python >= 3.12), flake8 itself runs
    with ament_flake8's arguments.
    """
    if IN_CI:
        missing = [p for p in FLAKE8_PLUGINS if not _installed(p)]
        assert not missing, f'flake8 plugins missing in CI: {missing}'
    if importlib.util.find_spec('ament_flake8') is not None:
        command = ['-m', 'ament_flake8.main', '--config', str(HUMBLE_FLAKE8_INI)]
    elif importlib.util.find_spec('flake8') is not None:
        # ament_flake8's own steps: flake8 --config=<ini> --exclude=<its excludes> .
        command = ['-m', 'flake8', f'--config={HUMBLE_FLAKE8_INI}',
                   '--exclude=' + ','.join(_ament_excludes()), '.']
    else:
        _missing('ament_flake8 (or flake8)')
    proc = subprocess.run([sys.executable, *command], cwd=ROOT,  # the package folder
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, \
        f'{command[1]} (Humble config) found problems:\n{proc.stdout}{proc.stderr}'


def _installed(distribution):
    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _ini(path, section):
    parser = configparser.ConfigParser()
    parser.read(path)
    return parser[section]


def _codes(value):
    return {c.strip() for c in value.replace('\n', ',').split(',') if c.strip()}


def test_setup_cfg_says_what_ament_says():
    """
    A developer's plain ``flake8``/``pydocstyle`` (setup.cfg) apply ament's configuration.

    One deliberate difference: setup.cfg does not ignore B902, so a blind ``except Exception``
    needs a ``# noqa: B902`` with its reason (see ``test_blind_excepts_are_marked``).
    """
    humble = _ini(HUMBLE_FLAKE8_INI, 'flake8')
    ours = _ini(ROOT / 'setup.cfg', 'flake8')
    assert _codes(ours['extend-ignore']) == _codes(humble['extend-ignore']) - {'B902'}
    for key in ('import-order-style', 'max-line-length'):
        assert ours[key] == humble[key], key
    assert 'select' not in ours and 'ignore' not in ours and 'per-file-ignores' not in ours
    docstyle = _ini(ROOT / 'setup.cfg', 'pydocstyle')
    assert _codes(docstyle['ignore']) == set(AMENT_PEP257_IGNORE)
    assert 'convention' not in docstyle and 'select' not in docstyle


_BLIND = re.compile(r'^[ \t]*except(.*\b(Base)?Exception\b.*)?:')  # flake8-blind-except's
_NOQA = re.compile(r'#\s*noqa(?!:)|#\s*noqa:[^#]*\bB90[12]\b', re.IGNORECASE)


def test_blind_excepts_are_marked():
    """
    Every blind ``except:``/``except Exception:`` is marked ``# noqa: B902`` (B901 for bare).

    flake8-blind-except's B901/B902, which setup.cfg keeps (Humble's ament_flake8 ignores B902):
    a catch-all belongs at a boundary (a callback, a probe, cleanup that re-raises, a
    translation into a domain error), and the marker says it is one; write the reason after it
    (``# noqa: B902 - a callback never raises``).
    """
    unmarked = []
    for path in _python_files():
        for number, line in enumerate(path.read_text(encoding='utf-8').splitlines(), 1):
            if _BLIND.search(line) and not _NOQA.search(line):
                unmarked.append(f'{path.relative_to(ROOT)}:{number}: {line.strip()}')
    assert not unmarked, 'blind except without # noqa: B902:\n' + '\n'.join(unmarked)


# -- ament_pep257 ----------------------------------------------------------------------------


def _run_template(module, message):
    """Run ``module.main(argv=['.', 'test'])`` as ros2pkg's template does; False if absent."""
    main = _import(module, 'main')
    if main is None:
        return False
    rc = main(argv=['.', 'test'])
    assert rc == 0, message
    return True


def test_pep257(monkeypatch):
    monkeypatch.chdir(ROOT)
    if _run_template('ament_pep257.main', 'Found code style errors / warnings'):
        return
    if _import('pydocstyle', '__version__') is None:
        _missing('ament_pep257 (or pydocstyle)')
    # ament_pep257's own pydocstyle arguments
    proc = subprocess.run(
        [sys.executable, '-m', 'pydocstyle', '--match', r'.*\.py', '--match-dir', r'[^\._].*',
         '--ignore', ','.join(AMENT_PEP257_IGNORE), '.'],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f'pydocstyle (ament convention) found problems:\n{proc.stdout}'


# -- ament_copyright -------------------------------------------------------------------------

# ament_copyright (Humble) main.py: the extensions it scans
COPYRIGHT_EXTENSIONS = ('.c', '.cc', '.cpp', '.cxx', '.h', '.hh', '.hpp', '.hxx', '.cmake', '.py')

# ament_copyright/template/apache2_header.txt ('{copyright}' stands for the copyright lines)
APACHE2_HEADER = """{copyright}

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License."""

# ament_copyright/template/apache2_contributing.txt
APACHE2_CONTRIBUTING = """Any contribution that you make to this repository will
be under the Apache 2 License, as dictated by that
[license](http://www.apache.org/licenses/LICENSE-2.0.html):

~~~
5. Submission of Contributions. Unless You explicitly state otherwise,
   any Contribution intentionally submitted for inclusion in the Work
   by You to the Licensor shall be under the terms and conditions of
   this License, without any additional terms or conditions.
   Notwithstanding the above, nothing herein shall supersede or modify
   the terms of any separate license agreement you may have executed
   with Licensor regarding such Contributions.
~~~"""

# sha256 of ament_copyright/template/apache2_license.txt (the Apache License 2.0 text) with its
# whitespace collapsed as ament_copyright compares it; stricter than ament, which only needs
# the template inside LICENSE
APACHE2_LICENSE_SHA256 = '0ffddef9e48f8a09aed5caf2d44f7ba1c1be2d9b8e0a6f693b1635b2d5566645'

_COPYRIGHT = re.compile(
    r'^[^\n\r]?\s*(?:\\copyright\s*)?Copyright(?:\s+\(c\))?\s+'
    r'((?:\d{4}|\d{4}-\d{4})(?:,\s*(?:\d{4}|\d{4}-\d{4}))*),?\s+([^\n\r]+)$',
    re.DOTALL | re.MULTILINE)


def _flat(text):
    """Collapse whitespace as ament_copyright's ``remove_formatting`` does."""
    return ' '.join(text.split())


def _is_repository_root(path):
    return os.path.exists(os.path.join(path, '.git')) or os.path.exists(os.path.join(path, '.hg'))


def _copyright_files(paths):
    """Return ``{path: kind}`` as ament_copyright's ``crawler.get_files`` selects them."""
    files = {}

    def add_repository_files(path):
        files[os.path.join(path, 'CONTRIBUTING.md')] = 'contributing'
        files[os.path.join(path, 'LICENSE')] = 'license'

    for path in paths:
        if os.path.isdir(path):
            if _is_repository_root(path):
                add_repository_files(path)
            for dirpath, dirnames, filenames in os.walk(path):
                if 'AMENT_IGNORE' in dirnames + filenames:
                    dirnames[:] = []
                    continue
                if _is_repository_root(dirpath):
                    add_repository_files(dirpath)
                dirnames[:] = sorted(d for d in dirnames if d[0] not in '._')
                for name in sorted(filenames):
                    # the package-level setup.py is skipped
                    if name == 'setup.py' and os.path.exists(os.path.join(dirpath, 'package.xml')):
                        continue
                    if os.path.splitext(name)[1] in COPYRIGHT_EXTENSIONS:
                        files[os.path.join(dirpath, name)] = 'source'
        elif os.path.isfile(path) and os.path.splitext(path)[1] in COPYRIGHT_EXTENSIONS:
            files[path] = 'source'
    return {os.path.normpath(p): kind for p, kind in files.items()}


def _comment_block(content):
    """Return the first comment block after shebang/coding/empty lines, comment tokens cut."""
    lines = content.splitlines()
    i = 0
    while i < len(lines) and lines[i].startswith('#') and (
            lines[i].startswith('#!') or 'coding=' in lines[i] or 'coding:' in lines[i]):
        i += 1
    for j in range(i, len(lines)):
        token = next((t for t in ('#', '///', '//') if lines[j].startswith(t)), None)
        if token:
            block = []
            for line in lines[j:]:
                if not line.startswith(token):
                    break
                block.append(line[len(token) + 1:])
            return '\n'.join(block)
    return None


def _source_problem(path):
    """Return ament_copyright's error for one source file, or None."""
    with open(path, encoding='utf-8') as f:
        content = f.read()
    if not content:
        return None  # 'file empty' is reported, not an error
    block = _comment_block(content)
    matches = list(_COPYRIGHT.finditer(block or ''))
    if not matches:
        return 'could not find copyright notice'
    remaining = block[matches[-1].end(2):]
    if _flat(APACHE2_HEADER) not in _flat('{copyright}' + remaining):
        return 'copyright found, license=<unknown> (no Apache-2.0 header right after it)'
    return None


def _copyright_problems(paths):
    """Return ``['path: message']`` for every file ament_copyright (Humble) would fail."""
    problems = []
    for path, kind in sorted(_copyright_files(paths).items()):
        if not os.path.exists(path):
            problems.append(f'{path}: file not found')
            continue
        if kind == 'source':
            message = _source_problem(path)
        else:
            with open(path, encoding='utf-8') as f:
                text = _flat(f.read())
            if not text:
                message = 'file empty'
            elif kind == 'contributing':
                ok = _flat(APACHE2_CONTRIBUTING) in text
                message = None if ok else 'not the Apache-2.0 contributing text'
            else:
                ok = hashlib.sha256(text.encode()).hexdigest() == APACHE2_LICENSE_SHA256
                message = None if ok else 'not the Apache License 2.0 text'
        if message:
            problems.append(f'{path}: {message}')
    return problems


def test_copyright(monkeypatch):
    monkeypatch.chdir(ROOT)
    if _run_template('ament_copyright.main', 'Found errors'):
        return
    problems = _copyright_problems(['.', 'test'])
    assert not problems, 'ament_copyright rules:\n' + '\n'.join(problems)


def _header(holder='The jetson_dnn_ros Authors'):
    text = APACHE2_HEADER.replace('{copyright}', f'Copyright 2026 {holder}')
    return ''.join('#' + (' ' + line if line else '') + '\n' for line in text.splitlines())


def test_copyright_rules_match_ament(tmp_path, monkeypatch):
    """The port reports what ament_copyright reports, on the cases its parser distinguishes."""
    (tmp_path / '.git').mkdir()
    (tmp_path / 'package.xml').write_text('<package/>')
    (tmp_path / 'LICENSE').write_text((ROOT / 'LICENSE').read_text())
    good = _header() + '\n"""Doc."""\n'
    files = {
        'good.py': good,
        'shebang.py': '#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n\n' + good,
        'noqa_first.py': '# noqa: A005 -- a comment line before the notice\n' + good,
        'empty.py': '',
        'setup.py': 'from setuptools import setup\n',          # package-level: skipped
        'skip/AMENT_IGNORE': '',
        'skip/x.py': 'x = 1\n',
        '_private/x.py': 'x = 1\n',
        'launch/a.launch.py': good,
        'CMakeLists.txt': 'no notice\n',                       # not a scanned extension
        'missing.py': '"""Doc."""\n',
        'late.py': '"""Doc."""\n\n' + _header(),                # first comment block counts
        'gpl.py': '# Copyright 2026 Somebody\n#\n# This program is free software: GPL\n',
        'gap.py': _header().replace('# Licensed under', '# and more\n# Licensed under', 1),
        'unbroken.py': good.replace('#\n# Licensed', '# Licensed', 1),
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    problems = _copyright_problems(['.', 'launch'])
    failed = sorted(p.split(':')[0] for p in problems)
    assert failed == ['CONTRIBUTING.md', 'gap.py', 'gpl.py', 'missing.py'], problems

    (tmp_path / 'CONTRIBUTING.md').write_text('# Contributing\n\n' + APACHE2_CONTRIBUTING)
    (tmp_path / 'LICENSE').write_text('MIT License\n')
    failed = sorted(p.split(':')[0] for p in _copyright_problems(['.']))
    assert failed == ['LICENSE', 'gap.py', 'gpl.py', 'missing.py']
