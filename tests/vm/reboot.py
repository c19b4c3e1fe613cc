#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''The VM suite's part "reboot" (run-suite.sh): the same system booted twice
with its /etc kept. The first boot (busybox init) runs reboot.sh before;
kmodd's files in /etc come back from it and are installed, with the
install tree, into the second boot: systemd as PID 1 with
systemd-modules-load and udev's coldplug, and an e1000 card. The two TAP
files become RESULTS/reboot.tap.

usage: reboot.py RESULTS DESTDIR TIMEOUT MEM'''

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vm  # noqa: E402


def main():
    res_dir, destdir, timeout, mem = sys.argv[1:5]
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'reboot.sh')
    prep = vm.prepare(install=False)
    first = vm.run(script, ['before'], results=res_dir + '/before', install_tree=destdir,
                   timeout=float(timeout), mem=int(mem),
                   keep_log=res_dir + '/console-before.log', prepared=prep)
    tree = res_dir + '/tree'
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(destdir, tree, symlinks=True)
    if os.path.isdir(res_dir + '/before/etc'):
        shutil.copytree(res_dir + '/before/etc', tree + '/etc', dirs_exist_ok=True)
    os.environ['KMODD_VM_QEMU_ARGS'] = (os.environ.get('KMODD_VM_QEMU_ARGS', '') +
                                        ' -device e1000').strip()
    second = vm.run(script, ['after'], results=res_dir + '/after', install_tree=tree,
                    timeout=float(timeout), mem=int(mem), keep_log=res_dir + '/console.log',
                    systemd=True, prepared=prep,
                    env={'KMODD_VM_BOOT_UNITS':
                         'systemd-modules-load.service systemd-udev-trigger.service'})
    shutil.rmtree(tree, ignore_errors=True)

    lines = []
    for phase in ('before', 'after'):
        try:
            with open('%s/%s/%s.tap' % (res_dir, phase, phase)) as f:
                lines += f.read().splitlines()
        except OSError:
            pass
    cases = sum(1 for line in lines if line.startswith(('ok ', 'not ok ')))
    # the plan only when both boots ran their script to the end
    if first.status is not None and second.status is not None and cases > 0:
        with open(res_dir + '/reboot.tap', 'w') as f:
            f.write('\n'.join(lines + ['1..%d' % cases]) + '\n')

    def fmt(s):
        return '-' if s is None else '%.1f' % s
    print('status=%s boot=%s script=%s total=%s' % (
        second.status, fmt(second.boot_seconds),
        fmt((first.script_seconds or 0) + (second.script_seconds or 0)),
        fmt((first.total_seconds or 0) + (second.total_seconds or 0))))


if __name__ == '__main__':
    main()
