#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Self-test of the fake kernel with the real kmod tools under the shim.

Run one case per process inside its own network namespace (uevents are
multicast within the namespace):

    unshare --net /usr/bin/python3 selftest.py FakeKernelSelfTest.test_uevents

KMODD_FAKEKERNEL_SHIM / _TOOL / _LISTENER point to the built binaries
(the meson test definitions set them).
"""

import errno
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fakekernel import FakeKernel, listener_path  # noqa: E402

PROC_LINE = re.compile(
    r'^(?P<name>\S+) (?P<size>\d+) (?P<refcnt>-?\d+) (?P<holders>-|(?:\S+,)+) '
    r'(?P<state>Live|Loading|Unloading) 0x[0-9a-f]{16}'
    r'(?: \((?P<taint>[A-Z]*[+-]?)\))?$')

# Raw kernel calls, run under the shim, print the errno (0 on success).
RAW_CALL = r'''
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
libc.init_module.restype = ctypes.c_long
libc.delete_module.restype = ctypes.c_long
op = sys.argv[1]
if op == 'finit':
    fd = os.open(sys.argv[2], os.O_RDONLY)
    r = libc.syscall(ctypes.c_long(313), ctypes.c_long(fd),
                     ctypes.c_char_p(sys.argv[3].encode()), ctypes.c_long(0))
elif op == 'init':
    data = open(sys.argv[2], 'rb').read()
    r = libc.init_module(data, ctypes.c_ulong(len(data)),
                         ctypes.c_char_p(sys.argv[3].encode()))
elif op == 'delete':
    r = libc.delete_module(ctypes.c_char_p(sys.argv[2].encode()),
                           ctypes.c_uint(os.O_NONBLOCK))
elif op == 'sysdelete':
    r = libc.syscall(ctypes.c_long(176), ctypes.c_char_p(sys.argv[2].encode()),
                     ctypes.c_long(os.O_NONBLOCK))
elif op == 'getpid':
    # an unrelated syscall must pass through with its arguments
    r = libc.syscall(ctypes.c_long(39))
    print('pid-ok' if r == os.getpid() else 'pid-bad %d' % r)
    sys.exit(0)
print(ctypes.get_errno() if r != 0 else 0)
'''


class FakeKernelSelfTest(unittest.TestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix='fakekernel-')
        self.fk = FakeKernel(os.path.join(self.tmp, 'root')).create()

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- helpers ----------------------------------------------------------

    def run_ok(self, *argv):
        p = self.fk.run_external(list(argv))
        self.assertEqual(p.returncode, 0,
                         '%s failed: %s%s' % (argv, p.stdout, p.stderr))
        return p

    def run_fail(self, *argv):
        p = self.fk.run_external(list(argv))
        self.assertNotEqual(p.returncode, 0, '%s succeeded' % (argv,))
        return p

    def raw(self, *args):
        p = self.fk.run_external(['/usr/bin/python3', '-c', RAW_CALL]
                                 + list(args))
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def raw_errno(self, *args):
        return int(self.raw(*args))

    def ko(self, relpath):
        return os.path.join(self.fk.modules_dir, 'kernel', relpath)

    def proc_lines(self):
        lines = self.fk.proc_modules().splitlines()
        for line in lines:
            self.assertRegex(line, PROC_LINE)
        return lines

    def line_of(self, name):
        for line in self.proc_lines():
            if line.split(' ', 1)[0] == name:
                return line
        return None

    def assert_not_loaded(self, *names):
        loaded = self.fk.loaded()
        for name in names:
            self.assertNotIn(name, loaded)
            self.assertFalse(os.path.exists(self.fk.path('sys/module', name)),
                             '%s still in sysfs' % name)

    def wait_for(self, predicate, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.01)
        return False

    # -- tests ------------------------------------------------------------

    def test_modprobe_loads_dependencies(self):
        p = self.run_ok('modprobe', '-v', 'msdos')
        # fat is inserted before msdos
        inserted = re.findall(r'insmod \S+/(\w+)\.ko', p.stdout)
        self.assertEqual(inserted, ['fat', 'msdos'])

        lines = self.proc_lines()
        self.assertEqual(len(lines), 2)
        # newest first, like the kernel's module list
        self.assertRegex(lines[0],
                         r'^msdos \d+ 0 - Live 0x0000000000000000$')
        self.assertRegex(lines[1],
                         r'^fat \d+ 1 msdos, Live 0x0000000000000000$')

        self.assertEqual(os.readlink(self.fk.path(
            'sys/module/fat/holders/msdos')), '../../msdos')
        self.assertEqual(os.listdir(self.fk.path('sys/module/msdos/holders')),
                         [])
        with open(self.fk.path('sys/module/msdos/initstate')) as f:
            self.assertEqual(f.read(), 'live\n')
        with open(self.fk.path('sys/module/fat/refcnt')) as f:
            self.assertEqual(f.read(), '1\n')
        with open(self.fk.path('sys/module/fat/taint')) as f:
            self.assertEqual(f.read(), '\n')

        loaded = self.fk.loaded()
        self.assertEqual(loaded['fat']['holders'], ['msdos'])
        self.assertEqual(loaded['fat']['state'], 'live')

        # lsmod and modinfo work under the shim too
        p = self.run_ok('lsmod')
        self.assertRegex(p.stdout, r'(?m)^fat\s+\d+\s+1 msdos$')
        p = self.run_ok('modinfo', '-F', 'depends', 'msdos')
        self.assertEqual(p.stdout.strip(), 'fat')
        self.assertEqual(self.run_ok('uname', '-r').stdout.strip(),
                         self.fk.release)

    def test_rmmod_refuses_module_in_use(self):
        self.run_ok('modprobe', 'msdos')
        p = self.run_fail('rmmod', 'fat')
        self.assertIn('Module fat is in use by: msdos', p.stderr)
        # forced: rmmod skips its own checks, the kernel still refuses
        p = self.run_fail('rmmod', '-f', 'fat')
        self.assertIn('Resource temporarily unavailable', p.stderr)
        self.assertEqual(self.raw_errno('delete', 'fat'), errno.EWOULDBLOCK)
        self.assertEqual(self.raw_errno('sysdelete', 'fat'), errno.EWOULDBLOCK)
        self.assertIn('fat', self.fk.loaded())
        # the holder list alone blocks removal, whatever the use count
        self.fk.set_refcnt('fat', 0)
        self.assertEqual(self.raw_errno('delete', 'fat'), errno.EWOULDBLOCK)
        self.fk.set_refcnt('fat', 1)
        # removing the holder first works
        self.run_ok('rmmod', 'msdos')
        self.assertEqual(self.fk.loaded()['fat']['refcnt'], 0)
        self.assertEqual(os.listdir(self.fk.path('sys/module/fat/holders')),
                         [])
        self.run_ok('rmmod', 'fat')
        self.assertEqual(self.raw_errno('delete', 'fat'), errno.ENOENT)

    def test_modprobe_remove_removes_dependencies(self):
        self.run_ok('modprobe', 'msdos')
        p = self.run_ok('modprobe', '-r', '-v', 'msdos')
        self.assertEqual(re.findall(r'rmmod (\w+)', p.stdout),
                         ['msdos', 'fat'])
        self.assertEqual(self.proc_lines(), [])
        self.assert_not_loaded('msdos', 'fat')

    def test_dependency_names_with_dashes(self):
        # snd-pcm's modinfo says depends=snd,snd-timer: the kernel's names
        # (and sysfs) have underscores
        self.run_ok('modprobe', 'snd-dummy')
        loaded = self.fk.loaded()
        self.assertIn('snd_dummy', loaded)
        self.assertIn('snd_pcm', loaded['snd_timer']['holders'])
        # kmod 30's modprobe -r checks the dependencies once, in index
        # order, each only if unused at that moment: snd_pcm goes, the
        # modules it held stay (as on a real kernel)
        self.run_ok('modprobe', '-r', 'snd-dummy')
        loaded = self.fk.loaded()
        self.assertNotIn('snd_dummy', loaded)
        self.assertNotIn('snd_pcm', loaded)
        self.assertEqual(loaded['snd_timer']['holders'], [])
        self.assertEqual(loaded['snd_timer']['refcnt'], 0)

    def test_modprobe_by_alias(self):
        self.run_ok('modprobe', 'fs-vfat')
        loaded = self.fk.loaded()
        self.assertEqual(sorted(loaded), ['fat', 'vfat'])
        self.assertEqual(loaded['fat']['holders'], ['vfat'])
        self.run_ok('modprobe', 'char-major-10-237')
        self.assertIn('loop', self.fk.loaded())
        self.run_ok('modprobe', 'kmodd-test-alias')
        self.assertIn('dummy', self.fk.loaded())
        # two holders, most recent first
        self.run_ok('modprobe', 'msdos')
        self.assertEqual(self.fk.loaded()['fat']['holders'],
                         ['msdos', 'vfat'])
        self.assertRegex(self.line_of('fat'), r'^fat \d+ 2 msdos,vfat, Live ')

    def test_blacklist(self):
        p = self.run_ok('modprobe', '-c')
        self.assertIn('blacklist pcspkr', p.stdout)
        self.assertIn('blacklist floppy', p.stdout)  # from /proc/cmdline
        # modprobe applies blacklists to aliases ...
        self.run_ok('modprobe', 'platform:pcspkr')
        self.assertNotIn('pcspkr', self.fk.loaded())
        # ... and with -b to names
        self.run_ok('modprobe', '-b', 'floppy')
        self.assertNotIn('floppy', self.fk.loaded())
        # but a module asked for by name loads
        self.run_ok('modprobe', 'pcspkr')
        self.assertIn('pcspkr', self.fk.loaded())

    def test_install_command(self):
        p = self.run_fail('modprobe', 'dccp')
        self.assertIn("Error running install command '/bin/false'", p.stderr)
        self.assertNotIn('dccp', self.fk.loaded())
        # insmod does not read modprobe.d: the kernel loads it
        self.run_ok('insmod', self.ko('net/dccp/dccp.ko'))
        self.assertIn('dccp', self.fk.loaded())

    def test_options_from_config(self):
        p = self.run_ok('modprobe', '-v', 'loop')
        self.assertIn('max_loop=4', p.stdout)
        self.assertEqual(self.fk.loaded()['loop']['params'], {'max_loop': '4'})
        with open(self.fk.path('sys/module/loop/parameters/max_loop')) as f:
            self.assertEqual(f.read(), '4\n')

    def test_builtin(self):
        self.assertTrue(self.fk.is_builtin('unix'))
        p = self.run_fail('rmmod', 'unix')
        self.assertIn('Module unix is builtin', p.stderr)
        p = self.run_fail('modprobe', '-r', 'unix')
        self.assertIn('Module unix is builtin', p.stderr)
        self.run_ok('modprobe', 'unix')
        self.assertEqual(self.proc_lines(), [])
        self.assertEqual(self.raw_errno('delete', 'unix'), errno.ENOENT)
        self.assertFalse(os.path.exists(self.fk.path('sys/module/unix/'
                                                     'initstate')))

    def test_parameters(self):
        self.run_ok('modprobe', 'dummy', 'numdummies=3')
        self.assertEqual(self.fk.loaded()['dummy']['params'],
                         {'numdummies': '3'})
        self.run_ok('rmmod', 'dummy')
        self.assertFalse(os.path.exists(self.fk.path('sys/module/dummy')))
        # kernel syntax: quotes, '-' == '_', base 0, unknown keys ignored
        self.assertEqual(self.raw_errno(
            'finit', self.ko('drivers/net/dummy.ko'),
            'bogus=1 "numdummies=0x10"'), 0)
        self.assertEqual(self.fk.loaded()['dummy']['params'],
                         {'numdummies': '16'})
        self.assertEqual(self.raw_errno(
            'init', self.ko('drivers/block/loop.ko'),
            'max-loop="7" max_part=2'), 0)
        self.assertEqual(self.fk.loaded()['loop']['params'],
                         {'max_loop': '7', 'max_part': '2'})

    def test_bad_parameter(self):
        p = self.run_fail('modprobe', 'dummy', 'numdummies=abc')
        self.assertIn('Invalid argument', p.stderr)
        p = self.run_fail('modprobe', 'dummy', 'numdummies=99999999999')
        self.assertIn('Numerical result out of range', p.stderr)
        self.assert_not_loaded('dummy')

    def test_refcnt_blocks_rmmod(self):
        self.run_ok('modprobe', 'loop')
        self.fk.set_refcnt('loop', 1)
        self.assertRegex(self.line_of('loop'), r'^loop \d+ 1 - Live ')
        p = self.run_fail('rmmod', 'loop')
        self.assertIn('Module loop is in use', p.stderr)
        p = self.run_fail('modprobe', '-r', 'loop')
        self.assertEqual(self.raw_errno('delete', 'loop'), errno.EWOULDBLOCK)
        self.assertIn('loop', self.fk.loaded())
        self.fk.set_refcnt('loop', 0)
        self.run_ok('rmmod', 'loop')
        self.assert_not_loaded('loop')
        with self.assertRaises(subprocess.CalledProcessError):
            self.fk.set_refcnt('loop', 1)

    def test_init_delay_shows_loading(self):
        # every init takes 0.7 s: fat's, then msdos'
        self.fk.set_init_delay(700)
        start = time.monotonic()
        slow = subprocess.Popen(['modprobe', 'msdos'], env=self.fk.env(),
                                stderr=subprocess.PIPE, text=True)
        vfat = None
        try:
            # fat's init first: a module needing it waits until it is live
            self.assertTrue(self.wait_for(
                lambda: ' Loading ' in (self.line_of('fat') or '')))
            vfat = subprocess.Popen(['insmod', self.ko('fs/fat/vfat.ko')],
                                    env=self.fk.env())
            while self.fk.loaded()['fat']['state'] == 'coming':
                self.assertFalse(os.path.exists(self.fk.path('sys/module/'
                                                             'vfat')))
                time.sleep(0.01)
            self.assertTrue(self.wait_for(
                lambda: ' Loading ' in (self.line_of('msdos') or '')),
                self.fk.proc_modules())
            line = self.line_of('msdos')
            # the kernel holds a reference while init runs
            self.assertRegex(line, r'^msdos \d+ 1 - Loading 0x0{16}$')
            with open(self.fk.path('sys/module/msdos/initstate')) as f:
                self.assertEqual(f.read(), 'coming\n')
            self.assertEqual(self.fk.loaded()['msdos']['state'], 'coming')
            self.assertTrue(self.wait_for(lambda: self.line_of('vfat')))
            self.assertRegex(self.line_of('fat'),
                             r'^fat \d+ 2 (msdos,vfat|vfat,msdos), Live ')
            # a coming module cannot be removed
            self.assertEqual(self.raw_errno('delete', 'msdos'), errno.EBUSY)
            # a second load waits for the first, then EEXIST
            self.assertEqual(self.raw_errno('finit', self.ko('fs/fat/msdos.ko'),
                                            ''), errno.EEXIST)
            self.assertGreater(time.monotonic() - start, 1.0)
        finally:
            slow.wait(timeout=10)
            if vfat is not None:
                vfat.wait(timeout=10)
        self.assertEqual(slow.returncode, 0, slow.stderr.read())
        self.assertEqual(vfat.returncode, 0)
        self.assertRegex(self.line_of('msdos'), r'^msdos \d+ 0 - Live ')
        self.assertEqual(self.fk.loaded()['msdos']['state'], 'live')

    def test_exit_delay_shows_unloading(self):
        self.run_ok('modprobe', 'msdos')
        self.fk.set_exit_delay(500)
        slow = subprocess.Popen(['rmmod', 'msdos'], env=self.fk.env())
        try:
            self.assertTrue(self.wait_for(
                lambda: ' Unloading ' in (self.line_of('msdos') or '')))
            with open(self.fk.path('sys/module/msdos/initstate')) as f:
                self.assertEqual(f.read(), 'going\n')
            # a going module is still "loaded": EEXIST at once
            self.assertEqual(self.raw_errno('finit', self.ko('fs/fat/msdos.ko'),
                                            ''), errno.EEXIST)
            self.assertEqual(self.raw_errno('delete', 'msdos'), errno.EBUSY)
        finally:
            self.assertEqual(slow.wait(timeout=10), 0)
        self.assert_not_loaded('msdos')
        self.assertEqual(self.fk.loaded()['fat']['refcnt'], 0)

    def test_killed_loader(self):
        # the kernel finishes a module's init even if the loader dies
        self.fk.set_init_delay(5000)
        slow = subprocess.Popen(['modprobe', 'dummy'], env=self.fk.env())
        self.assertTrue(self.wait_for(lambda: self.line_of('dummy')))
        slow.kill()
        slow.wait()
        self.assertEqual(self.fk.loaded()['dummy']['state'], 'coming')
        self.fk.set_init_delay(0)
        self.fk.tool_run('state', self.fk.root)  # any kernel call reaps
        self.assertRegex(self.line_of('dummy'), r'^dummy \d+ 0 - Live ')
        self.assertEqual(os.listdir(self.fk.path('fake/pending')), [])

    def test_reject_signature(self):
        self.fk.reject_signature('dummy')
        p = self.run_fail('modprobe', 'dummy')
        self.assertIn('Key was rejected by service', p.stderr)
        self.assertEqual(self.raw_errno('finit', self.ko('drivers/net/dummy.ko'),
                                        ''), errno.EKEYREJECTED)
        self.assert_not_loaded('dummy')
        self.run_ok('modprobe', 'loop')  # others are fine

    def test_fail_init(self):
        self.fk.fail_init({'msdos': errno.ENODEV})
        p = self.run_fail('modprobe', 'msdos')
        self.assertIn('No such device', p.stderr)
        self.assert_not_loaded('msdos')
        # its dependency stays, released again
        fat = self.fk.loaded()['fat']
        self.assertEqual((fat['refcnt'], fat['holders']), (0, []))
        self.fk.fail_init({})
        self.run_ok('modprobe', 'msdos')

    def test_modules_disabled(self):
        self.run_ok('modprobe', 'loop')
        self.fk.set_modules_disabled(True)
        p = self.run_fail('modprobe', 'dummy')
        self.assertIn('Operation not permitted', p.stderr)
        p = self.run_fail('rmmod', 'loop')
        self.assertIn('Operation not permitted', p.stderr)
        self.assertIn('loop', self.fk.loaded())
        self.assertNotIn('dummy', self.fk.loaded())

    def test_garbage_module(self):
        garbage = os.path.join(self.tmp, 'garbage.ko')
        with open(garbage, 'wb') as f:
            f.write(b'\x7fELF' + os.urandom(4096))
        p = self.run_fail('insmod', garbage)
        self.assertIn('Invalid module format', p.stderr)
        truncated = os.path.join(self.tmp, 'truncated.ko')
        with open(self.ko('fs/fat/fat.ko'), 'rb') as f:
            data = f.read()
        with open(truncated, 'wb') as f:
            f.write(data[:len(data) // 2])
        p = self.run_fail('insmod', truncated)
        self.assertIn('Invalid module format', p.stderr)
        self.assertEqual(self.raw_errno('init', garbage, ''), errno.ENOEXEC)
        self.assertEqual(self.proc_lines(), [])

    def test_insmod_missing_dependency(self):
        p = self.run_fail('insmod', self.ko('fs/fat/msdos.ko'))
        self.assertIn('Unknown symbol in module', p.stderr)
        self.assertEqual(self.raw_errno('finit', self.ko('fs/fat/msdos.ko'),
                                        ''), errno.ENOENT)
        self.assert_not_loaded('msdos')
        self.run_ok('insmod', self.ko('fs/fat/fat.ko'))
        self.run_ok('insmod', self.ko('fs/fat/msdos.ko'))

    def test_already_loaded(self):
        self.run_ok('insmod', self.ko('drivers/net/dummy.ko'))
        p = self.run_fail('insmod', self.ko('drivers/net/dummy.ko'))
        self.assertIn('File exists', p.stderr)
        self.assertEqual(self.raw_errno('finit', self.ko('drivers/net/dummy.ko'),
                                        ''), errno.EEXIST)
        # modprobe treats "already loaded" as success, unless --first-time
        self.run_ok('modprobe', 'dummy')
        self.run_fail('modprobe', '--first-time', 'dummy')

    def test_taint_and_signature(self):
        with open(self.ko('drivers/net/dummy.ko'), 'rb') as f:
            data = f.read()
        self.assertIn(b'intree=Y\0', data)
        # an out-of-tree copy (same length, still signed)
        oot = os.path.join(self.tmp, 'oot.ko')
        with open(oot, 'wb') as f:
            f.write(data.replace(b'intree=Y\0', b'intree=N\0'))
        # an unsigned copy
        marker = b'~Module signature appended~\n'
        self.assertTrue(data.endswith(marker))
        unsigned = os.path.join(self.tmp, 'unsigned.ko')
        with open(unsigned, 'wb') as f:
            f.write(data[:-len(marker)])

        self.fk.set_init_delay(600)
        slow = subprocess.Popen(['insmod', oot], env=self.fk.env())
        self.assertTrue(self.wait_for(lambda: self.line_of('dummy')))
        self.assertRegex(self.line_of('dummy'),
                         r'^dummy \d+ 1 - Loading 0x0{16} \(O\+\)$')
        self.assertEqual(slow.wait(timeout=10), 0)
        self.fk.set_init_delay(0)
        self.assertRegex(self.line_of('dummy'),
                         r'^dummy \d+ 0 - Live 0x0{16} \(O\)$')
        with open(self.fk.path('sys/module/dummy/taint')) as f:
            self.assertEqual(f.read(), 'O\n')
        self.run_ok('rmmod', 'dummy')

        self.run_ok('insmod', unsigned)
        self.assertRegex(self.line_of('dummy'), r' Live 0x0{16} \(E\)$')
        self.run_ok('rmmod', 'dummy')
        self.fk.set_sig_enforce(True)
        p = self.run_fail('insmod', unsigned)
        self.assertIn('Key was rejected by service', p.stderr)
        self.run_ok('insmod', oot)  # signed: fine
        self.run_ok('rmmod', 'dummy')
        self.fk.set_sig_enforce(False)
        self.fk.set_lockdown('integrity')
        p = self.run_fail('insmod', unsigned)
        self.assertIn('Operation not permitted', p.stderr)

    def test_uevents(self):
        listener = subprocess.Popen(
            [listener_path(), '--count', '6', '--timeout', '10000',
             '--linger', '400'],
            env=self.fk.env(), stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(listener.stdout.readline(), 'READY\n')
            self.run_ok('modprobe', 'msdos')
            self.run_ok('modprobe', '-r', 'msdos')
            self.fk.fail_init({'dummy': errno.EIO})
            self.run_fail('modprobe', 'dummy')
            out, _ = listener.communicate(timeout=15)
        finally:
            if listener.poll() is None:
                listener.kill()
                listener.wait()
        events = [line.split() for line in out.splitlines()]
        self.assertEqual([e[:4] for e in events], [
            ['add', '/module/fat', 'module', 'fat'],
            ['add', '/module/msdos', 'module', 'msdos'],
            ['remove', '/module/msdos', 'module', 'msdos'],
            ['remove', '/module/fat', 'module', 'fat'],
            # an init that fails: announced, then removed, like the kernel
            ['add', '/module/dummy', 'module', 'dummy'],
            ['remove', '/module/dummy', 'module', 'dummy'],
        ])
        seqnums = [int(e[4]) for e in events]
        self.assertEqual(seqnums, sorted(set(seqnums)))

    def test_concurrent_loads(self):
        names = ['msdos', 'vfat', 'loop', 'dummy', 'pcspkr']
        procs = [subprocess.Popen(['modprobe', n], env=self.fk.env(),
                                  stderr=subprocess.PIPE, text=True)
                 for n in names * 2]
        for p in procs:
            p.wait(timeout=30)
            self.assertEqual(p.returncode, 0, p.stderr.read())
        loaded = self.fk.loaded()
        self.assertEqual(sorted(loaded), sorted(names + ['fat']))
        self.assertEqual(sorted(loaded['fat']['holders']), ['msdos', 'vfat'])
        self.assertEqual(loaded['fat']['refcnt'], 2)
        procs = [subprocess.Popen(['modprobe', '-r', n], env=self.fk.env(),
                                  stderr=subprocess.PIPE, text=True)
                 for n in names]
        for p in procs:
            p.wait(timeout=30)
        self.run_ok('modprobe', '-r', 'fat')  # if a holder raced it
        self.assertEqual(self.proc_lines(), [])
        self.assertEqual(os.listdir(self.fk.path('fake/tmp')), [])
        self.assertEqual(os.listdir(self.fk.path('fake/pending')), [])

    def test_drivers_and_devices(self):
        dev = '0000:00:03.0'
        modalias = 'pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00'
        self.fk.add_device('pci', dev, modalias, 'Intel Corporation',
                           '82540EM Gigabit Ethernet Controller')
        self.fk.add_driver('e1000', 'pci:e1000')
        drivers = '/sys/module/e1000/drivers/pci:e1000'
        self.assertFalse(os.path.exists(self.fk.path('sys/bus/pci/drivers')))
        # the device, as sysfs and udev's database show it
        p = self.run_ok('cat', '/sys/bus/pci/devices/%s/uevent' % dev,
                        '/run/udev/data/+pci:%s' % dev)
        self.assertIn('MODALIAS=' + modalias, p.stdout)
        self.assertIn('E:ID_VENDOR_FROM_DATABASE=Intel Corporation', p.stdout)
        # loading registers the driver; it binds nothing by itself
        self.run_ok('modprobe', modalias)
        self.assertEqual(os.readlink(self.fk.path(drivers.lstrip('/'))),
                         '../../../bus/pci/drivers/e1000')
        self.assertEqual(self.fk.bound('pci:e1000'), [])
        self.fk.bind('pci:e1000', dev)
        self.assertEqual(self.fk.bound('pci:e1000'), [dev])
        p = self.run_ok('ls', drivers + '/')
        self.assertEqual(sorted(p.stdout.split()),
                         sorted([dev, 'bind', 'module', 'unbind', 'uevent']))
        p = self.run_ok('readlink', '-f', '/sys/bus/pci/devices/%s/driver' % dev)
        self.assertEqual(p.stdout.strip(), '/sys/bus/pci/drivers/e1000')
        with self.assertRaises(subprocess.CalledProcessError):
            self.fk.bind('pci:e1000', dev)  # EBUSY: it has a driver
        # writes to unbind and bind, through the module's link, as kmodd does
        write = ('import errno, os, sys\n'
                 'fd = os.open(sys.argv[1], os.O_WRONLY)\n'
                 'try:\n'
                 '    os.write(fd, sys.argv[2].encode() + b"\\n")\n'
                 '    print(0)\n'
                 'except OSError as e:\n'
                 '    print(e.errno)\n')
        p = self.run_ok('/usr/bin/python3', '-c', write, drivers + '/unbind', dev)
        self.assertEqual(p.stdout.strip(), '0')
        self.assertEqual(self.fk.bound('pci:e1000'), [])
        self.assertFalse(os.path.lexists(
            self.fk.path('sys/devices/fake-pci', dev, 'driver')))
        p = self.run_ok('/usr/bin/python3', '-c', write, drivers + '/unbind', dev)
        self.assertEqual(p.stdout.strip(), str(errno.ENODEV))
        p = self.run_ok('/usr/bin/python3', '-c', write, drivers + '/bind', 'nosuch')
        self.assertEqual(p.stdout.strip(), str(errno.ENODEV))
        p = self.run_ok('/usr/bin/python3', '-c', write, drivers + '/bind', dev)
        self.assertEqual(p.stdout.strip(), '0')
        self.assertEqual(self.fk.bound('pci:e1000'), [dev])
        # the module's removal unbinds the device; the device stays
        self.run_ok('rmmod', 'e1000')
        self.assertFalse(os.path.exists(self.fk.path('sys/bus/pci/drivers/e1000')))
        self.assertFalse(os.path.lexists(
            self.fk.path('sys/devices/fake-pci', dev, 'driver')))
        self.assertTrue(os.path.exists(self.fk.path('sys/bus/pci/devices', dev)))
        # loaded again, it registers again and binds the device it lost
        # (re-probe), and only that one
        self.fk.add_device('pci', '0000:00:04.0', modalias)
        self.run_ok('modprobe', 'e1000')
        self.assertTrue(os.path.isdir(self.fk.path('sys/module/e1000/drivers/pci:e1000')))
        self.assertEqual(self.fk.bound('pci:e1000'), [dev])
        # a device unbound before the removal is re-probed too
        self.fk.unbind('pci:e1000', dev)
        self.run_ok('rmmod', 'e1000')
        self.run_ok('modprobe', 'e1000')
        self.assertEqual(self.fk.bound('pci:e1000'), [dev])
        # an unplugged device is not
        self.run_ok('rmmod', 'e1000')
        self.fk.remove_device('pci', dev)
        self.fk.add_device('pci', dev, modalias)
        self.run_ok('modprobe', 'e1000')
        self.assertEqual(self.fk.bound('pci:e1000'), [])
        self.fk.bind('pci:e1000', dev)
        self.fk.remove_device('pci', dev)  # unplugged
        self.assertEqual(self.fk.bound('pci:e1000'), [])
        self.assertFalse(os.path.exists(self.fk.path('sys/bus/pci/devices', dev)))
        self.assertFalse(os.path.exists(self.fk.path('run/udev/data/+pci:' + dev)))

    def test_passthrough_without_root(self):
        env = dict(self.fk.env())
        del env['KMODD_FAKE_ROOT']
        real_release = os.uname().release
        p = subprocess.run(['uname', '-r'], env=env, stdout=subprocess.PIPE,
                           text=True, check=True)
        self.assertEqual(p.stdout.strip(), real_release)
        with open('/proc/cmdline') as f:
            real_cmdline = f.read()
        p = subprocess.run(['cat', '/proc/cmdline'], env=env,
                           stdout=subprocess.PIPE, text=True, check=True)
        self.assertEqual(p.stdout, real_cmdline)
        p = subprocess.run(['/usr/bin/python3', '-c', RAW_CALL, 'getpid'],
                           env=env, stdout=subprocess.PIPE, text=True,
                           check=True)
        self.assertEqual(p.stdout.strip(), 'pid-ok')
        # and with the root: the fixture's command line, syscalls still fine
        p = self.run_ok('cat', '/proc/cmdline')
        self.assertIn('modprobe.blacklist=floppy', p.stdout)
        self.assertEqual(self.raw('getpid'), 'pid-ok')
        # only whole path components are redirected
        p = self.fk.run_external(['ls', '-d', '/proc/modulesX', '/sys/modules'])
        self.assertNotEqual(p.returncode, 0)
        self.assertNotIn(self.fk.root, p.stderr)


if __name__ == '__main__':
    unittest.main(verbosity=2)
