#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Prints Class.test_method for every test in a Python test file, without
importing it, so that meson can register each test method as a test of its
own (a failure then names itself)."""

import ast
import sys

for path in sys.argv[1:]:
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or node.name.startswith('_'):
            continue
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and item.name.startswith('test'):
                print('%s.%s' % (node.name, item.name))
