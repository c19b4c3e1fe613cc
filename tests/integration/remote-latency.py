#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''What -H costs: the wall time of `kmodctl list` on the private test bus
(the world of the integration tests: fake kernel, bus, polkit mock, kmodd)
locally and through tests/integration/fake-ssh (KMODD_SSH), median of N
runs each (default 10), after one warm-up run of each. A measurement, not
a test: nothing is asserted. The fake ssh is a Python script that execs
systemd-stdio-bridge, so the remote figure is kmodctl + Python start-up +
the bridge, not a network or sshd.

usage: tests/integration/remote-latency.py BUILD_DIR [N]   (as root)'''

import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))


def setup_env(build):
    '''The environment tests/integration/meson.build gives the tests.'''
    env = {
        'KMODD_FAKEKERNEL_TOOL': build + '/tests/fakekernel/fake-kernel',
        'KMODD_FAKEKERNEL_SHIM': build + '/tests/fakekernel/libfakekernel.so',
        'KMODD_FAKEKERNEL_LISTENER': build + '/tests/fakekernel/fakekernel-uevent-listener',
        'KMODD_DAEMON': build + '/service/kmodd',
        'KMODD_CLI': build + '/cli/kmodctl',
        'KMODD_SOURCE_ROOT': SOURCE,
        'LD_LIBRARY_PATH': build + '/client:' + build + '/tests/fakekernel',
        'GI_TYPELIB_PATH': build + '/client',
        'PYTHONPATH': HERE + ':' + SOURCE + '/tests/fakekernel',
        'LC_ALL': 'C.UTF-8',
    }
    os.environ.update(env)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    if 'REMOTE_LATENCY_NETNS' not in os.environ:
        # the fake kernel's uevents stay in a network namespace of their own
        setup_env(build)
        os.environ['REMOTE_LATENCY_NETNS'] = '1'
        os.execv('/usr/bin/unshare', ['unshare', '--net', sys.executable] + sys.argv)
    sys.path[:0] = os.environ['PYTHONPATH'].split(':')

    import unittest
    from test_remote import RemoteTestCase

    class Latency(RemoteTestCase):
        def test_latency(self):
            self.load(self.root, 'msdos')
            figures = {}
            for label, args, env in (('local', ['list'], self.local_env()),
                                     ('-H (fake ssh)', ['-H', 'localhost', 'list'], self.env())):
                self.kmodctl(*args, env=env)   # warm-up
                times = []
                for _ in range(runs):
                    start = time.monotonic()
                    proc = self.kmodctl(*args, env=env)
                    times.append(time.monotonic() - start)
                    if proc.returncode != 0:
                        raise RuntimeError(proc.stderr)
                figures[label] = statistics.median(times)
            for label, median in figures.items():
                print('kmodctl list, %-14s median of %d: %6.1f ms'
                      % (label + ':', runs, median * 1000))
            print('difference: %.1f ms' % ((figures['-H (fake ssh)'] - figures['local']) * 1000))

    result = unittest.TextTestRunner(verbosity=0).run(
        unittest.defaultTestLoader.loadTestsFromTestCase(Latency))
    sys.exit(0 if result.wasSuccessful() else 1)


main()
