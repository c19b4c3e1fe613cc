# SPDX-License-Identifier: LGPL-2.1-or-later
'''Configuration that survives a reboot: SetBootLoad, SetBlocked,
SetParameters, GetConfiguration and ConfigurationChanged, against the fake
kernel's /etc and /run (the shim redirects modules-load.d, modprobe.d and
/boot into the fake root).'''

import json
import os
import signal
import stat
import subprocess

import gi
gi.require_version('Kmodd', '1')
from gi.repository import Gio, GLib, Kmodd  # noqa: E402

import initramfs_image
import kmoddtest
from kmoddtest import BUS_NAME, INTERFACE, OBJECT_PATH
from robustness import AsyncReplies, call_async

HEADER = '# This file is managed by kmodd'
HEADER_LINES = 3
ETC_LOAD = 'etc/modules-load.d/kmodd.conf'
RUN_LOAD = 'run/modules-load.d/kmodd.runtime.conf'
ETC_MODPROBE = 'etc/modprobe.d/kmodd.conf'
RUN_MODPROBE = 'run/modprobe.d/kmodd.runtime.conf'
KMODCTL = os.environ.get('KMODD_CLI')


class ConfigTest(kmoddtest.KmoddTestCase):

    def setUp(self):
        super().setUp()
        os.makedirs(self.kernel.path('run'), exist_ok=True)
        os.makedirs(self.kernel.path('boot'), exist_ok=True)
        self.start_daemon()

    # -- helpers -----------------------------------------------------------

    def set_boot_load(self, conn, name, enabled, options=None, **kw):
        return self.call(conn, 'SetBootLoad', (name, enabled, options or {}), '(sba{sv})', **kw)[0]

    def set_blocked(self, conn, name, blocked, options=None, **kw):
        return self.call(conn, 'SetBlocked', (name, blocked, options or {}), '(sba{sv})', **kw)[0]

    def set_parameters(self, conn, name, parameters, options=None, **kw):
        return self.call(conn, 'SetParameters', (name, parameters, options or {}),
                         '(ssa{sv})', **kw)[0]

    def get_configuration(self, conn, name):
        return self.call(conn, 'GetConfiguration', (name, {}), '(sa{sv})')[0]

    def read(self, relpath):
        with open(self.kernel.path(relpath)) as f:
            return f.read()

    def body(self, relpath):
        '''The lines of a kmodd file after its header.'''
        text = self.read(relpath)
        self.assertTrue(text.startswith(HEADER), text)
        return text.splitlines()[HEADER_LINES:]

    def exists(self, relpath):
        return os.path.exists(self.kernel.path(relpath))

    # -- SetBootLoad --------------------------------------------------------

    def test_boot_load_file(self):
        result = self.set_boot_load(self.root, 'msdos', True)
        self.assertEqual(result['module'], 'msdos')
        self.assertTrue(result['changed'])
        self.assertEqual(result['file'], '/etc/modules-load.d/kmodd.conf')
        self.assertIn('next boot', result['note'])
        self.assertEqual(self.body(ETC_LOAD), ['msdos'])
        mode = os.stat(self.kernel.path(ETC_LOAD)).st_mode
        self.assertEqual(stat.S_IMODE(mode), 0o644)

        # again: nothing changes
        self.assertFalse(self.set_boot_load(self.root, 'msdos', True)['changed'])
        self.assertEqual(self.body(ETC_LOAD), ['msdos'])

        config = self.get_configuration(self.user, 'msdos')
        self.assertTrue(config['boot-load'])
        self.assertIn(('load', 'msdos', '/etc/modules-load.d/kmodd.conf'), config['entries'])

        # the last entry goes: so does the file, and no temporary file stays
        self.assertTrue(self.set_boot_load(self.root, 'msdos', False)['changed'])
        self.assertFalse(self.exists(ETC_LOAD))
        self.assertEqual(os.listdir(self.kernel.path('etc/modules-load.d')), [])
        self.assertFalse(self.get_configuration(self.root, 'msdos')['boot-load'])

    def test_hand_edits_are_kept(self):
        os.makedirs(self.kernel.path('etc/modules-load.d'))
        with open(self.kernel.path(ETC_LOAD), 'w') as f:
            f.write('# my own note\nloop\n; an odd line the admin wrote\n')
        self.set_boot_load(self.root, 'msdos', True)
        self.assertEqual(self.body(ETC_LOAD),
                         ['# my own note', 'loop', '; an odd line the admin wrote', 'msdos'])
        self.set_boot_load(self.root, 'loop', False)
        self.set_boot_load(self.root, 'msdos', False)
        # the admin's lines stay, so the file does
        self.assertEqual(self.body(ETC_LOAD), ['# my own note', '; an odd line the admin wrote'])

    def test_runtime_and_dry_run(self):
        result = self.set_boot_load(self.root, 'msdos', True, {'dry-run': GLib.Variant('b', True)})
        self.assertTrue(result['changed'])
        self.assertIn('\nmsdos\n', result['contents'])
        self.assertFalse(self.exists(ETC_LOAD))

        result = self.set_boot_load(self.root, 'msdos', True, {'runtime': GLib.Variant('b', True)})
        self.assertEqual(result['file'], '/run/modules-load.d/kmodd.runtime.conf')
        self.assertEqual(self.body(RUN_LOAD), ['msdos'])
        self.assertFalse(self.exists(ETC_LOAD))

        # the /etc file cannot undo the /run one: said, not pretended
        message = self.assertDBusError('ConfiguredElsewhere', self.set_boot_load,
                                       self.root, 'msdos', False)
        self.assertIn('/run/modules-load.d/kmodd.runtime.conf', message)

    def test_alias_resolved_or_refused(self):
        result = self.set_boot_load(self.root, 'kmodd-test-alias', True)
        self.assertEqual(result['module'], 'dummy')
        self.assertEqual(self.body(ETC_LOAD), ['dummy'])

        with open(self.kernel.path('etc/modprobe.d/ambiguous.conf'), 'w') as f:
            f.write('alias kmodd-two msdos\nalias kmodd-two loop\n')
        message = self.assertDBusError('InvalidName', self.set_boot_load,
                                       self.root, 'kmodd-two', True)
        self.assertIn('loop', message)
        self.assertIn('msdos', message)
        self.assertDBusError('NotFound', self.set_boot_load, self.root, 'no_such_module', True)
        self.assertDBusError('InvalidName', self.set_boot_load, self.root, 'a b', True)
        self.assertEqual(self.body(ETC_LOAD), ['dummy'])

    def test_concurrent_calls_are_serialized(self):
        modules = sorted(m for m in self.all_modules() if m.startswith('nls_'))[:25]
        modules += sorted(m for m in self.all_modules() if m.startswith('mac_'))
        modules += sorted(m for m in self.all_modules() if m.startswith('quota_'))
        modules += ['msdos', 'loop', 'dummy', 'vfat', 'fat', 'isofs', 'udf', 'btrfs', 'xfs',
                    'ext4', 'jbd2', 'squashfs', 'configfs', 'binfmt_misc']
        modules = sorted(set(modules))[:50]
        self.assertEqual(len(modules), 50)
        results = []

        def done(conn, res):
            try:
                conn.call_finish(res)
                results.append(None)
            except GLib.Error as e:
                results.append(e.message)

        for name in modules:
            self.root.call(BUS_NAME, OBJECT_PATH, INTERFACE, 'SetBootLoad',
                           GLib.Variant('(sba{sv})', (name, True, {})), None,
                           Gio.DBusCallFlags.NONE, -1, None, done)
        self.assert_eventually(lambda: len(results) == 50, timeout=60)
        self.assertEqual(results, [None] * 50)
        self.assertEqual(sorted(self.body(ETC_LOAD)), modules)

    def all_modules(self):
        names = set()
        with open(os.path.join(self.kernel.modules_dir, 'modules.dep')) as f:
            for line in f:
                base = os.path.basename(line.split(':')[0])
                names.add(base.split('.ko')[0].replace('-', '_'))
        return names

    # -- SetBlocked ---------------------------------------------------------

    def test_block_and_unblock(self):
        result = self.set_blocked(self.root, 'msdos', True)
        self.assertTrue(result['changed'])
        self.assertNotIn('note', result)   # not loaded: nothing to say
        self.assertEqual(self.body(ETC_MODPROBE),
                         ['blacklist msdos', 'install msdos /bin/false'])
        self.assertDBusError('Blacklisted', self.load, self.root, 'msdos')
        # a blocked module is not loaded at boot either
        self.assertDBusError('Blacklisted', self.set_boot_load, self.root, 'msdos', True)
        config = self.get_configuration(self.root, 'msdos')
        self.assertTrue(config['blocked'])
        self.assertIn(('install', '/bin/false', '/etc/modprobe.d/kmodd.conf'), config['entries'])

        self.set_blocked(self.root, 'msdos', False)
        self.assertFalse(self.exists(ETC_MODPROBE))
        self.assertEqual(self.load(self.root, 'msdos'), ['fat', 'msdos'])

    def test_block_in_use(self):
        self.load(self.root, 'msdos')
        # fat is held by msdos
        message = self.assertDBusError('InUse', self.set_blocked, self.root, 'fat', True)
        self.assertIn('in-use', message)
        self.assertFalse(self.exists(ETC_MODPROBE))
        result = self.set_blocked(self.root, 'fat', True, {'in-use': GLib.Variant('b', True)})
        self.assertIn('stays loaded', result['note'])
        self.assertIn('fat', self.kernel.loaded())

        # msdos is loaded but unused: no option needed
        result = self.set_blocked(self.root, 'msdos', True)
        self.assertIn('does not unload', result['note'])

    def test_unblock_elsewhere(self):
        # pcspkr is blacklisted by the fixture's kmodd-test.conf, floppy on
        # the kernel command line
        message = self.assertDBusError('ConfiguredElsewhere', self.set_blocked,
                                       self.root, 'pcspkr', False)
        self.assertIn('/etc/modprobe.d/kmodd-test.conf', message)
        config = self.get_configuration(self.root, 'pcspkr')
        self.assertTrue(config['blocked'])
        self.assertIn(('blacklist', '', '/etc/modprobe.d/kmodd-test.conf'), config['entries'])
        if 'floppy' in self.all_modules():
            message = self.assertDBusError('ConfiguredElsewhere', self.set_blocked,
                                           self.root, 'floppy', False)
            self.assertIn('/proc/cmdline', message)

    # -- SetParameters ------------------------------------------------------

    def test_parameters_persistent(self):
        result = self.set_parameters(self.root, 'dummy', 'numdummies=2')
        self.assertTrue(result['changed'])
        self.assertEqual(self.body(ETC_MODPROBE), ['options dummy numdummies=2'])
        self.load(self.root, 'dummy')
        self.assertEqual(self.kernel.loaded()['dummy']['params'].get('numdummies'), '2')

        config = self.get_configuration(self.root, 'dummy')
        self.assertIn(('options', 'numdummies=2', '/etc/modprobe.d/kmodd.conf'),
                      config['entries'])
        self.assertEqual(config['parameters']['numdummies'], '2')

        self.set_parameters(self.root, 'dummy', '')
        self.assertFalse(self.exists(ETC_MODPROBE))
        # loop's options come from the fixture's file
        message = self.assertDBusError('ConfiguredElsewhere', self.set_parameters,
                                       self.root, 'loop', '')
        self.assertIn('kmodd-test.conf', message)

    def test_values_never_add_a_line_or_a_word(self):
        self.set_parameters(self.root, 'dummy', 'numdummies=1')
        bad = ['numdummies=2\nblacklist loop', 'numdummies=2\rx', 'numdummies=#2',
               'numdummies="2 3"', 'numdummies=2\\', 'numdummies=\'2\'',
               'numdummies=2\tx=1', 'numdummies=2\x01', 'no_such_parameter=1',
               'numdummies=2 # comment', 'numdummies=$(reboot)', 'numdummies=`x`',
               '-numdummies=2', 'numdummies=2;reboot']
        for text in bad:
            with self.subTest(text=text):
                with self.assertRaises(GLib.Error) as cm:
                    self.set_parameters(self.root, 'dummy', text)
                remote = Gio.DBusError.get_remote_error(cm.exception)
                self.assertIn(remote, ('org.freedesktop.KernelModules1.Error.InvalidParameters',
                                       'org.freedesktop.DBus.Error.InvalidArgs'))
        # every line in every file is one kmodd meant
        self.assertEqual(self.body(ETC_MODPROBE), ['options dummy numdummies=1'])
        self.assertEqual(sorted(os.listdir(self.kernel.path('etc/modprobe.d'))),
                         ['kmodd-test.conf', 'kmodd.conf'])

    def test_parameters_now(self):
        # the fake kernel has a file for the parameters given at load time
        self.load(self.root, 'dummy', {'parameters': GLib.Variant('s', 'numdummies=1')})
        param = self.kernel.path('sys/module/dummy/parameters/numdummies')
        os.chmod(param, 0o444)
        message = self.assertDBusError('InvalidParameters', self.set_parameters, self.root,
                                       'dummy', 'numdummies=3', {'now': GLib.Variant('b', True)})
        self.assertIn('numdummies', message)
        self.assertFalse(self.exists(ETC_MODPROBE))   # nothing written anywhere

        os.chmod(param, 0o644)
        result = self.set_parameters(self.root, 'dummy', 'numdummies=3',
                                     {'now': GLib.Variant('b', True),
                                      'runtime': GLib.Variant('b', True)})
        self.assertEqual(result['applied'], {'numdummies': '3'})
        with open(param) as f:
            self.assertEqual(f.read().strip(), '3')
        self.assertEqual(self.body(RUN_MODPROBE), ['options dummy numdummies=3'])

        self.assertDBusError('NotLoaded', self.set_parameters, self.root, 'msdos', '',
                             {'now': GLib.Variant('b', True)})

    def test_private_parameters_hidden(self):
        self.set_parameters(self.root, 'dummy', 'numdummies=2')
        self.load(self.root, 'dummy')
        os.chmod(self.kernel.path('sys/module/dummy/parameters/numdummies'), 0o600)
        config = self.get_configuration(self.user, 'dummy')
        self.assertNotIn('numdummies', config['parameters'])
        self.assertEqual(config['hidden-parameters'], ['numdummies'])
        config = self.get_configuration(self.root, 'dummy')
        self.assertEqual(config['parameters']['numdummies'], '2')
        self.assertEqual(config['hidden-parameters'], [])

    # -- authorization --------------------------------------------------------

    def test_authorization(self):
        self.assertDBusError('NotAuthorized', self.set_boot_load, self.user, 'msdos', True)
        self.assertFalse(self.exists(ETC_LOAD))
        # a dry run needs none; GetConfiguration neither
        self.set_boot_load(self.user, 'msdos', True, {'dry-run': GLib.Variant('b', True)})
        self.get_configuration(self.user, 'msdos')
        # load does not imply configure
        self.allow('load', 'unload', 'autoclean', 'load-with-parameters')
        self.assertDBusError('NotAuthorized', self.set_blocked, self.user, 'msdos', True)
        self.allow('configure')
        self.set_boot_load(self.user, 'msdos', True)
        actions = [c[2] for c in self.polkit_calls()]
        self.assertEqual(set(actions), {'org.freedesktop.KernelModules1.configure'})
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs', self.set_boot_load,
                             self.root, 'msdos', True, {'now': GLib.Variant('b', True)})

    def test_group_rule_does_not_grant_configure(self):
        with open(os.path.join(kmoddtest.SOURCE_ROOT, 'policy',
                               '50-org.freedesktop.KernelModules1.rules')) as f:
            self.assertNotIn('configure', f.read())
        with open(os.path.join(kmoddtest.SOURCE_ROOT, 'policy',
                               'org.freedesktop.KernelModules1.policy.in')) as f:
            text = f.read()
        action = text[text.index('KernelModules1.configure'):]
        action = action[:action.index('</action>')]
        self.assertIn('<allow_active>auth_admin_keep</allow_active>', action)
        self.assertIn('<allow_any>auth_admin</allow_any>', action)

    # -- signals and the initramfs ------------------------------------------

    def test_configuration_changed(self):
        self.watch_signals(self.user)
        self.set_blocked(self.root, 'msdos', True)
        self.assert_eventually(lambda: self.signals_for('/etc/modprobe.d/kmodd.conf'))
        signal, details = self.signals_for('/etc/modprobe.d/kmodd.conf')[0]
        self.assertEqual(signal, 'ConfigurationChanged')
        self.assertEqual(details['reason'], 'request')
        self.assertEqual(details['module'], 'msdos')
        self.assertEqual(details['uid'], 0)

        # a hand edit, whoever made it
        with open(self.kernel.path('etc/modprobe.d/by-hand.conf'), 'w') as f:
            f.write('options loop max_loop=2\n')
        self.assert_eventually(lambda: self.signals_for('/etc/modprobe.d/by-hand.conf'),
                               timeout=20)
        _, details = self.signals_for('/etc/modprobe.d/by-hand.conf')[0]
        self.assertEqual(details['reason'], 'external')
        # kmodd's own write was signalled once, not echoed as external
        self.pump(0.5)
        reasons = [d['reason'] for _, d in self.signals_for('/etc/modprobe.d/kmodd.conf')]
        self.assertEqual(reasons, ['request'])

    def test_initramfs_staleness(self):
        initramfs = self.kernel.path('boot', 'initrd.img-' + self.kernel.release)
        with open(initramfs, 'w') as f:
            f.write('not really a cpio archive')
        os.utime(initramfs, (1000000000, 1000000000))
        config = self.get_configuration(self.root, 'msdos')
        self.assertEqual(config['initramfs'], '/boot/initrd.img-' + self.kernel.release)
        self.assertFalse(config['initramfs-stale'])
        self.set_blocked(self.root, 'msdos', True)
        self.assertTrue(self.get_configuration(self.root, 'msdos')['initramfs-stale'])
        # a change that does not concern it
        self.assertFalse(self.get_configuration(self.root, 'loop')['initramfs-stale'])

    def write_initramfs(self, data, mtime=1000000000, name=None):
        '''Replaces the image (a new inode) with one of a new mtime.'''
        self.mtime_ns = getattr(self, 'mtime_ns', 0) + 1
        path = self.kernel.path('boot', name or 'initrd.img-' + self.kernel.release)
        with open(path + '.new', 'wb') as f:
            f.write(data)
        os.utime(path + '.new', ns=(mtime * 10**9, mtime * 10**9 + self.mtime_ns))
        os.rename(path + '.new', path)
        return path

    def contains(self, name):
        return self.get_configuration(self.user, name).get('initramfs-contains')

    def reads(self):
        return self.daemon_output().count('Reading /boot/')

    def test_initramfs_contents(self):
        release = self.kernel.release
        for compression, early, suffix in [('none', False, '.ko'), ('gzip', False, '.ko.gz'),
                                           ('xz', False, '.ko.xz'), ('zstd', False, '.ko.zst'),
                                           ('zstd', True, '.ko.zst'), ('gzip', True, '.ko'),
                                           ('xz', True, '.ko.xz')]:
            with self.subTest(compression=compression, early=early):
                self.write_initramfs(initramfs_image.image(release, ['msdos', 'snd-dummy'],
                                                           compression, early, suffix))
                config = self.get_configuration(self.user, 'msdos')
                self.assertEqual(config['initramfs'], '/boot/initrd.img-' + release)
                self.assertIs(config['initramfs-contains'], True)
                self.assertFalse(config['initramfs-stale'])
                self.assertIs(self.contains('loop'), False)
                # names are compared with "-" and "_" alike
                self.assertIs(self.contains('snd_dummy'), True)
        # another kernel's modules are not this one's
        self.write_initramfs(initramfs_image.image('5.10.0-other', ['msdos']))
        self.assertIs(self.contains('msdos'), False)

    def test_initramfs_stale_only_when_it_holds_the_module(self):
        self.write_initramfs(initramfs_image.image(self.kernel.release, ['msdos'], early=True))
        self.set_blocked(self.root, 'msdos', True)
        self.set_parameters(self.root, 'dummy', 'numdummies=2')
        msdos = self.get_configuration(self.root, 'msdos')
        self.assertTrue(msdos['initramfs-contains'])
        self.assertTrue(msdos['initramfs-stale'])
        # older than the change, but without the module: nothing to rebuild
        dummy = self.get_configuration(self.root, 'dummy')
        self.assertFalse(dummy['initramfs-contains'])
        self.assertFalse(dummy['initramfs-stale'])
        # rebuilt after the change
        self.write_initramfs(initramfs_image.image(self.kernel.release, ['msdos', 'dummy']),
                             mtime=int(os.stat(self.kernel.path(ETC_MODPROBE)).st_mtime) + 10)
        for name in ('msdos', 'dummy'):
            config = self.get_configuration(self.root, name)
            self.assertTrue(config['initramfs-contains'])
            self.assertFalse(config['initramfs-stale'])

    def test_initramfs_unreadable(self):
        good = initramfs_image.image(self.kernel.release, ['msdos'])
        plain = initramfs_image.image(self.kernel.release, ['msdos'], 'none')
        self.set_blocked(self.root, 'msdos', True)
        for what, data in [('truncated zstd', good[:len(good) // 2]),
                           ('truncated cpio', plain[:len(plain) - 200]),
                           ('junk after it', good + b'\x01junk'),
                           ('lz4', b'\x02\x21\x4c\x18' + os.urandom(4000)),
                           ('garbage', os.urandom(10000).replace(b'\0', b'x')),
                           ('a name of 4 GiB', b'070701' + b'0' * 88 + b'FFFFFFFF' + b'0' * 8),
                           ('empty', b'')]:
            with self.subTest(what=what):
                self.write_initramfs(data)
                config = self.get_configuration(self.root, 'msdos')
                self.assertEqual(config['initramfs'], '/boot/initrd.img-' + self.kernel.release)
                self.assertNotIn('initramfs-contains', config)
                # what it holds is unknown: it may hold the module
                self.assertTrue(config['initramfs-stale'])
        self.assertIsNone(self.daemon.poll())

    def test_initramfs_read_once_and_again_when_changed(self):
        path = self.write_initramfs(initramfs_image.image(self.kernel.release, ['loop']))
        self.assertIs(self.contains('msdos'), False)
        self.assertIs(self.contains('loop'), True)
        self.assertEqual(self.reads(), 1)
        # changed in place: same inode, another size and mtime
        with open(path, 'r+b') as f:
            f.truncate(0)
            f.write(initramfs_image.image(self.kernel.release, ['msdos'], 'gzip'))
        os.utime(path, (1100000000, 1100000000))
        self.assertIs(self.contains('msdos'), True)
        self.assertIs(self.contains('loop'), False)
        self.assertEqual(self.reads(), 2)
        # dracut's name, when there is no Debian one
        os.unlink(path)
        self.write_initramfs(initramfs_image.image(self.kernel.release, ['vfat'], 'xz'),
                             name='initramfs-%s.img' % self.kernel.release)
        config = self.get_configuration(self.user, 'vfat')
        self.assertEqual(config['initramfs'], '/boot/initramfs-%s.img' % self.kernel.release)
        self.assertTrue(config['initramfs-contains'])

    def slow_image(self):
        '''Up to 1 GiB of zeros (a sparse file) before a real image: a read
        long enough to ask and to stop during it (~100 ms here; less
        under valgrind or ASan, where kmodd is slower anyway).'''
        path = self.kernel.path('boot', 'initrd.img-' + self.kernel.release)
        data = initramfs_image.image(self.kernel.release, ['msdos'])
        with open(path, 'wb') as f:
            f.seek((int((1 << 30) / self.time_factor()) - (1 << 20)) & ~0xfffff)
            f.write(data)
        return path

    def test_initramfs_concurrent_calls(self):
        self.slow_image()
        replies = AsyncReplies()
        conns = [self.root, self.user]
        for i in range(20):
            call_async(conns[i % 2], 'GetConfiguration', '(sa{sv})', ('msdos', {}),
                       replies.callback(i), timeout_ms=int(120000 * self.time_factor()))
        self.assert_eventually(lambda: len(replies.results) == 20, timeout=120)
        for tag, outcome, *rest in replies.results:
            self.assertEqual(outcome, 'ok', rest)
            self.assertTrue(rest[0][0]['initramfs-contains'])
        # one read for all of them
        self.assertEqual(self.reads(), 1)

    def test_initramfs_read_stops_at_sigterm(self):
        self.slow_image()
        replies = AsyncReplies()
        for i in range(10):
            call_async(self.user, 'GetConfiguration', '(sa{sv})', ('msdos', {}),
                       replies.callback(i), timeout_ms=int(120000 * self.time_factor()))
        # every call waits for the read, then kmodd is asked to stop
        self.assert_eventually(
            lambda: self.daemon_output().count('GetConfiguration(msdos) reads') == 10)
        self.assertEqual(self.stop_daemon(signal.SIGTERM), 0)
        self.assert_eventually(lambda: len(replies.results) == 10)
        for tag, outcome, *rest in replies.results:
            # answered: with what the image holds if the read was done,
            # else without it
            self.assertEqual(outcome, 'ok', rest)
            self.assertEqual(rest[0][0]['initramfs'], '/boot/initrd.img-' + self.kernel.release)
        if 'holds 1 modules' not in self.daemon_output():
            self.assertTrue(all('initramfs-contains' not in r[2][0] for r in replies.results))

    # -- the client library (through GI) and kmodctl ---------------------------

    def test_client_library(self):
        client = Kmodd.Client.new_for_connection_sync(self.root, Kmodd.ClientFlags.NONE, None)
        result = client.set_boot_load_sync('msdos', True, Kmodd.ConfigureFlags.RUNTIME, None)
        self.assertEqual(result.unpack()['file'], '/run/modules-load.d/kmodd.runtime.conf')
        result = client.set_parameters_sync('dummy', 'numdummies=2',
                                            Kmodd.ConfigureFlags.DRY_RUN, None)
        self.assertIn('options dummy numdummies=2', result.unpack()['contents'])
        self.assertFalse(self.exists(ETC_MODPROBE))
        config = client.get_configuration_sync('msdos', None).unpack()
        self.assertTrue(config['boot-load'])
        with self.assertRaises(GLib.Error) as cm:
            client.set_blocked_sync('pcspkr', False, Kmodd.ConfigureFlags.NONE, None)
        self.assertTrue(cm.exception.matches(Kmodd.error_quark(),
                                             Kmodd.Error.CONFIGURED_ELSEWHERE))

    def kmodctl(self, *args, uid=0):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus_address, LC_ALL='C.UTF-8')
        extra = {} if uid == 0 else {'user': uid, 'group': uid, 'extra_groups': []}
        return subprocess.run([KMODCTL] + list(args), env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=60 * self.time_factor(), **extra)

    def test_kmodctl(self):
        proc = self.kmodctl('enable', 'msdos')
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout, 'Wrote /etc/modules-load.d/kmodd.conf\n'
                         'msdos will be loaded at the next boot; it is not loaded now\n')
        proc = self.kmodctl('block', '--dry-run', 'vfat')
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn('Would write /etc/modprobe.d/kmodd.conf:', proc.stdout)
        self.assertIn('install vfat /bin/false', proc.stdout)
        self.assertFalse(self.exists(ETC_MODPROBE))

        proc = self.kmodctl('set-parameters', '--json', 'dummy', 'numdummies=2')
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(json.loads(proc.stdout)['changed'])
        proc = self.kmodctl('set-parameters', 'dummy', 'numdummies=2#')
        self.assertEqual(proc.returncode, 2, proc.stderr)   # InvalidParameters
        self.assertTrue(proc.stderr.startswith('kmodctl: cannot set the parameters of dummy:'))

        proc = self.kmodctl('config', '--json', 'dummy', uid=kmoddtest.NOBODY)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        config = json.loads(proc.stdout)
        self.assertEqual(config['entries'], [['options', 'numdummies=2',
                                              '/etc/modprobe.d/kmodd.conf']])
        proc = self.kmodctl('config', 'msdos')
        self.assertIn('Loaded at boot:  yes', proc.stdout)
        self.assertIn('/etc/modules-load.d/kmodd.conf', proc.stdout)

        # not authorized (no terminal: no password prompt)
        proc = self.kmodctl('disable', 'msdos', uid=kmoddtest.NOBODY)
        self.assertEqual(proc.returncode, 3, proc.stderr)
        proc = self.kmodctl('unblock', 'pcspkr')
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn('kmodd-test.conf', proc.stderr)
        proc = self.kmodctl('disable', 'msdos', 'extra')
        self.assertEqual(proc.returncode, 2)
        proc = self.kmodctl('disable', 'msdos')
        self.assertEqual(proc.stdout, 'Removed /etc/modules-load.d/kmodd.conf\n')

    def test_kmodctl_initramfs(self):
        release = self.kernel.release
        self.write_initramfs(initramfs_image.image(release, ['msdos'], 'xz', early=True))
        self.set_blocked(self.root, 'msdos', True)
        self.set_parameters(self.root, 'dummy', 'numdummies=2')
        proc = self.kmodctl('config', 'msdos', uid=kmoddtest.NOBODY)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn('Initramfs:       /boot/initrd.img-%s (contains msdos)\n'
                      "                 older than kmodd's change for msdos: rebuild it "
                      '(update-initramfs -u, or dracut -f)\n' % release, proc.stdout)
        proc = self.kmodctl('config', 'dummy')
        self.assertIn('Initramfs:       /boot/initrd.img-%s (does not contain dummy)\n' % release,
                      proc.stdout)
        self.assertNotIn('older than', proc.stdout)
        self.write_initramfs(b'\x02\x21\x4c\x18' + bytes(100))   # lz4
        proc = self.kmodctl('config', 'dummy')
        self.assertIn("(contents unknown)\n                 older than kmodd's change for dummy",
                      proc.stdout)
        proc = self.kmodctl('config', '--json', 'msdos')
        self.assertNotIn('initramfs-contains', json.loads(proc.stdout))

    def test_readme_session(self):
        '''The session in README.md's "Configuration that survives a reboot",
        line by line.'''
        import re
        with open(os.path.join(kmoddtest.SOURCE_ROOT, 'README.md'), encoding='utf-8') as f:
            text = f.read()
        start = text.index('### Configuration that survives a reboot')
        session = re.compile(r'```\n(.*?)```', re.S).search(text, start).group(1)
        blocks = re.split(r'^\$ ', session, flags=re.M)[1:]
        self.assertGreaterEqual(len(blocks), 4)
        for block in blocks:
            command, _, expected = block.partition('\n')
            proc = self.kmodctl(*command.split()[1:])
            self.assertEqual((proc.stdout + proc.stderr).splitlines(),
                             expected.rstrip('\n').splitlines(), command)


if __name__ == '__main__':
    kmoddtest.main()
