#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""check-bench.py: the meson test of the benchmark (suite "bench").

Runs `run-bench --quick --no-vm` (host rows only, fake kernel, a few
repetitions) and checks that it succeeds, that the table shows every row
and that the JSON parses and holds a figure for every row. It checks no
number: no benchmark is a timed assertion.

    check-bench.py --build-dir BUILD
"""
import argparse
import importlib.machinery
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_BENCH = os.path.join(HERE, 'run-bench')


def load_run_bench():
    sys.dont_write_bytecode = True   # no __pycache__ in the source tree
    loader = importlib.machinery.SourceFileLoader('run_bench', RUN_BENCH)
    spec = importlib.util.spec_from_loader('run_bench', loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--build-dir', required=True)
    args = ap.parse_args()
    rb = load_run_bench()
    cfg = rb.PROFILES['quick']
    expected = rb.expected_row_ids(cfg, host=True, vm=False)

    with tempfile.TemporaryDirectory(prefix='kmodd-bench-check-') as tmp:
        json_path = os.path.join(tmp, 'bench.json')
        argv = [sys.executable, RUN_BENCH, '--quick', '--no-vm', '--no-build',
                '--build-dir', args.build_dir, '--json-file', json_path]
        print('$ ' + ' '.join(argv), flush=True)
        p = subprocess.run(argv, stdout=subprocess.PIPE, text=True)
        print(p.stdout)
        if p.returncode != 0:
            print('FAIL: run-bench exited with %d' % p.returncode)
            return 1
        with open(json_path) as f:
            doc = json.load(f)   # the JSON parses

    problems = []
    rows = {r['id']: r for r in doc.get('rows', [])}
    for rid in expected:
        r = rows.get(rid)
        if r is None:
            problems.append('%s: not in the JSON' % rid)
            continue
        v = (r.get('value') or {}).get('median')
        if not isinstance(v, (int, float)) or not math.isfinite(v):
            problems.append('%s: no figure (%r)' % (rid, v))
        if r['figure'] not in p.stdout:
            problems.append('%s: “%s” not in the table' % (rid, r['figure']))
        ref = r.get('reference')
        if ref and ref.get('value') is not None and r.get('ratio') is None:
            problems.append('%s: a reference but no ratio' % rid)
    for problem in problems:
        print('FAIL: ' + problem)
    if not problems:
        print('ok: %d rows, each with its figure, in the table and in the JSON' % len(expected))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
