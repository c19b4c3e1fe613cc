#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''The kmodd service over D-Bus, against the fake kernel: loading,
unloading, listing, describing, authorization, signals, life cycle.'''

import errno
import os
import signal
import subprocess
import threading
import time

from gi.repository import Gio, GLib

import kmoddtest
from kmoddtest import KmoddTestCase, ACTION, BUS_NAME, OBJECT_PATH, INTERFACE, NOBODY


def B(v):
    return GLib.Variant('b', v)


def S(v):
    return GLib.Variant('s', v)


class Loading(KmoddTestCase):
    '''Load, as modprobe does it, with kmodd's stricter rules.'''

    def setUp(self):
        super().setUp()
        self.start_daemon()

    def test_load_with_dependencies(self):
        '''msdos needs fat: both go in, fat first, fat held by msdos.'''
        self.assertEqual(self.load(self.root, 'msdos'), ['fat', 'msdos'])
        loaded = self.kernel.loaded()
        self.assertEqual(loaded['fat']['holders'], ['msdos'])
        self.assertEqual(loaded['fat']['refcnt'], 1)
        self.assertEqual(loaded['msdos']['state'], 'live')

    def test_load_is_idempotent(self):
        self.assertEqual(self.load(self.root, 'msdos'), ['fat', 'msdos'])
        self.assertEqual(self.load(self.root, 'msdos'), [])
        self.assertEqual(self.load(self.root, 'vfat'), ['vfat'])
        self.assertEqual(sorted(self.kernel.loaded()), ['fat', 'msdos', 'vfat'])

    def test_load_by_alias(self):
        self.assertEqual(self.load(self.root, 'fs-vfat'), ['fat', 'vfat'])
        self.assertEqual(self.load(self.root, 'char-major-10-237'), ['loop'])
        # a modprobe.d alias
        self.assertEqual(self.load(self.root, 'kmodd-test-alias'), ['dummy'])
        # a MODALIAS as udev passes it
        self.kernel.run_external(['rmmod', 'loop'])
        self.assertEqual(self.load(self.root, 'devname:loop-control'), ['loop'])

    def test_dash_and_underscore_are_the_same(self):
        inserted = self.load(self.root, 'snd-dummy')
        self.assertEqual(inserted[-1], 'snd_dummy')
        self.assertIn('snd_pcm', inserted)
        self.assertIn('snd_dummy', self.kernel.loaded())
        self.assertEqual(self.load(self.root, 'snd_dummy'), [])

    def test_softdeps_come_first(self):
        # jbd2: softdep pre: crypto-crc32c
        inserted = self.load(self.root, 'jbd2')
        self.assertEqual(inserted[-1], 'jbd2')
        self.assertTrue(any(m.startswith('crc32c') for m in inserted[:-1]), inserted)

    def test_options_from_modprobe_d_apply(self):
        # kmodd-test.conf: options loop max_loop=4
        self.load(self.root, 'loop')
        self.assertEqual(self.kernel.loaded()['loop']['params'].get('max_loop'), '4')

    def test_dry_run(self):
        self.assertEqual(self.load(self.user, 'msdos', {'dry-run': B(True)}), ['fat', 'msdos'])
        self.assertEqual(self.kernel.loaded(), {})
        # a dry run needs no authorization
        self.assertEqual(self.polkit_calls(), [])
        self.load(self.root, 'fat')
        self.assertEqual(self.load(self.user, 'msdos', {'dry-run': B(True)}), ['msdos'])

    def test_not_found(self):
        msg = self.assertDBusError('NotFound', self.load, self.root, 'no-such-module')
        self.assertIn('no-such-module', msg)
        self.assertDBusError('NotFound', self.load, self.root, 'pci:v0000DEADd0000BEEFsv')
        self.assertEqual(self.kernel.loaded(), {})

    def test_not_a_module_name_never_truncated(self):
        '''"dccp.evil" and "fat.ko" are aliases that match nothing: never
        dccp or fat by libkmod's name normalisation.'''
        for name in ('dccp.evil', 'fat.ko', 'fat.', 'msdos.x', 'fat:'):
            self.assertDBusError('NotFound', self.load, self.root, name)
        self.assertEqual(self.kernel.loaded(), {})

    def test_invalid_names(self):
        for name in ('', '../../tmp/x', '/tmp/evil.ko', 'foo/bar', 'a b', 'a\nb',
                     '\x1b[31mred', '-f', '--force', 'fat*', 'fa?', 'fa[t]',
                     "'fat'", '`id`', 'x' * 4096, 'caf\u00e9'):
            self.assertDBusError('InvalidName', self.load, self.root, name)
            self.assertDBusError('InvalidName', self.unload, self.root, name)
            self.assertDBusError('InvalidName', self.info, self.root, name)
        self.assertEqual(self.kernel.loaded(), {})
        # still answering
        self.assertEqual(self.load(self.root, 'dummy'), ['dummy'])

    def test_blacklisted_by_name_and_alias(self):
        # modprobe would load a blacklisted module by name; kmodd never does
        msg = self.assertDBusError('Blacklisted', self.load, self.root, 'pcspkr')
        self.assertIn('pcspkr', msg)
        self.assertDBusError('Blacklisted', self.load, self.root, 'platform:pcspkr')
        # modprobe.blacklist= on the kernel command line
        self.assertDBusError('Blacklisted', self.load, self.root, 'floppy')
        self.assertDBusError('Blacklisted', self.load, self.root, 'block-major-2-0')
        self.assertEqual(self.kernel.loaded(), {})

    def test_install_command_is_honoured(self):
        # install dccp /bin/false
        msg = self.assertDBusError('Failed', self.load, self.root, 'dccp')
        self.assertIn('install command', msg)
        self.assertIn('exit status 1', msg)
        self.assertNotIn('dccp', self.kernel.loaded())

    def test_install_command_runs_with_clean_environment(self):
        conf = self.kernel.path('etc/modprobe.d/env.conf')
        out = os.path.join(self.tmp, 'env.txt')
        with open(conf, 'w') as f:
            f.write('install dummy /usr/bin/env > %s\n' % out)
        # the indexes and configuration are reloaded when they change
        self.assertEqual(self.load(self.root, 'dummy'), [])
        with open(out) as f:
            env = dict(line.split('=', 1) for line in f.read().splitlines())
        self.assertEqual(env.get('MODPROBE_MODULE'), 'dummy')
        self.assertNotIn('DBUS_SYSTEM_BUS_ADDRESS', env)
        self.assertNotIn('LD_PRELOAD', env)
        self.assertNotIn('KMODD_FAKE_ROOT', env)
        self.assertLessEqual(set(env), {'HOME', 'LANG', 'MODPROBE_MODULE', 'PATH', 'PWD'})
        self.assertEqual(env['PATH'],
                         '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')

    def test_signature_rejected(self):
        self.kernel.reject_signature('dummy')
        msg = self.assertDBusError('SignatureRejected', self.load, self.root, 'dummy')
        self.assertIn('dummy', msg)
        self.assertEqual(self.kernel.loaded(), {})

    def test_modules_disabled(self):
        self.kernel.set_modules_disabled(True)
        self.assertDBusError('ModulesDisabled', self.load, self.root, 'dummy')
        self.assertTrue(self.get_property('ModulesDisabled'))

    def test_failing_init(self):
        self.kernel.fail_init({'dummy': errno.ENODEV})
        msg = self.assertDBusError('Failed', self.load, self.root, 'dummy')
        self.assertIn('No such device', msg)
        self.assertEqual(self.kernel.loaded(), {})

    def test_list_answers_during_slow_load(self):
        '''Kernel work runs off the main loop: List, Info and other
        callers are answered while a module initialises.'''
        self.kernel.set_init_delay(1500)
        done = []
        conn = self.connect()

        def on_done(c, res):
            done.append(c.call_finish(res).unpack())

        conn.call(BUS_NAME, OBJECT_PATH, INTERFACE, 'Load',
                  GLib.Variant('(sa{sv})', ('dummy', {})), None,
                  Gio.DBusCallFlags.NONE, 30000, None, on_done)
        self.assert_eventually(lambda: 'dummy' in self.kernel.loaded())
        start = time.monotonic()
        modules = self.list()
        self.info(self.root, 'vfat')
        elapsed = time.monotonic() - start
        self.assertEqual(modules['dummy']['state'], 'coming')
        self.assertFalse(done)
        # answered long before the init ends (1.5 s)
        self.assertLess(elapsed, 1.0 * self.time_factor())
        self.assert_eventually(lambda: done)
        self.assertEqual(done[0], (['dummy'],))


class Parameters(KmoddTestCase):
    def setUp(self):
        super().setUp()
        self.start_daemon()

    def test_parameters_reach_the_module(self):
        self.assertEqual(self.load(self.root, 'dummy', {'parameters': S('numdummies=3')}),
                         ['dummy'])
        self.assertEqual(self.kernel.loaded()['dummy']['params'], {'numdummies': '3'})

    def test_parameters_need_their_own_action(self):
        self.allow('load')
        self.assertDBusError('NotAuthorized', self.load, self.user, 'dummy',
                             {'parameters': S('numdummies=2')})
        self.assertEqual(self.kernel.loaded(), {})
        calls = self.polkit_calls()
        self.assertEqual([c[2] for c in calls], [ACTION + 'load-with-parameters'])

        self.allow('load', 'load-with-parameters')
        self.assertEqual(self.load(self.user, 'dummy', {'parameters': S('numdummies=2')}),
                         ['dummy'])
        self.assertEqual(self.kernel.loaded()['dummy']['params'], {'numdummies': '2'})

    def test_undeclared_parameter(self):
        msg = self.assertDBusError('InvalidParameters', self.load, self.root, 'dummy',
                                   {'parameters': S('numdummies=1 evil=1')})
        self.assertIn('evil', msg)
        self.assertEqual(self.kernel.loaded(), {})

    def test_bad_parameters(self):
        for text in ('', 'x=$(touch /tmp/pwn)', ';reboot', 'a=1 -- b', 'numdummies="open',
                     'numdummies=1\nnumdummies=2', 'numdummies=' + '1' * 65536,
                     'numdummies=`id`'):
            # past 4096 bytes, the gate's bound on any string refuses it first
            self.assertDBusError('LimitsExceeded' if len(text) > 4096 else 'InvalidParameters',
                                 self.load, self.root, 'dummy', {'parameters': S(text)})
        self.assertEqual(self.kernel.loaded(), {})
        self.assertFalse(os.path.exists('/tmp/pwn'))

    def test_no_parameters_with_install_command(self):
        msg = self.assertDBusError('InvalidParameters', self.load, self.root, 'dccp',
                                   {'parameters': S('ccid=2')})
        self.assertIn('install command', msg)

    def test_no_parameters_for_builtin(self):
        # a builtin's parameters belong on the kernel command line
        msg = self.assertDBusError('InvalidParameters', self.load, self.root, 'unix',
                                   {'parameters': S('x=1')})
        self.assertIn('built into the kernel', msg)


class Unloading(KmoddTestCase):
    def setUp(self):
        super().setUp()
        self.start_daemon()

    def test_unload(self):
        self.load(self.root, 'dummy')
        self.assertEqual(self.unload(self.root, 'dummy'), ['dummy'])
        self.assertEqual(self.kernel.loaded(), {})

    def test_held_module_refused_naming_holder(self):
        self.load(self.root, 'msdos')
        msg = self.assertDBusError('InUse', self.unload, self.root, 'fat')
        self.assertIn('msdos', msg)
        self.assertIn('fat', self.kernel.loaded())

    def test_used_module_refused_with_count(self):
        self.load(self.root, 'vfat')
        self.kernel.set_refcnt('vfat', 1)   # as a mount would
        msg = self.assertDBusError('InUse', self.unload, self.root, 'vfat')
        self.assertIn('use count 1', msg)
        self.kernel.set_refcnt('vfat', 0)
        self.assertEqual(self.unload(self.root, 'vfat'), ['vfat'])

    def test_dependencies(self):
        self.load(self.root, 'msdos')
        self.assertEqual(self.unload(self.root, 'msdos', {'dependencies': B(True)}),
                         ['msdos', 'fat'])
        self.assertEqual(self.kernel.loaded(), {})

    def test_dependencies_in_use_stay(self):
        self.load(self.root, 'msdos')
        self.load(self.root, 'vfat')
        self.assertEqual(self.unload(self.root, 'msdos', {'dependencies': B(True)}),
                         ['msdos'])
        self.assertEqual(sorted(self.kernel.loaded()), ['fat', 'vfat'])

    def test_dependencies_to_a_fixed_point(self):
        self.load(self.root, 'snd-dummy')
        removed = self.unload(self.root, 'snd-dummy', {'dependencies': B(True)})
        self.assertEqual(removed[0], 'snd_dummy')
        self.assertEqual(self.kernel.loaded(), {})

    def test_dry_run(self):
        self.load(self.root, 'msdos')
        self.assertEqual(self.unload(self.user, 'msdos',
                                     {'dependencies': B(True), 'dry-run': B(True)}),
                         ['msdos', 'fat'])
        self.assertEqual(sorted(self.kernel.loaded()), ['fat', 'msdos'])
        self.assertDBusError('InUse', self.unload, self.user, 'fat', {'dry-run': B(True)})

    def test_not_loaded(self):
        self.assertDBusError('NotLoaded', self.unload, self.root, 'dummy')
        self.assertDBusError('NotFound', self.unload, self.root, 'no-such-module')

    def test_builtin_refused(self):
        msg = self.assertDBusError('Builtin', self.unload, self.root, 'unix')
        self.assertIn('built into the kernel', msg)
        self.assertTrue(self.kernel.is_builtin('unix'))

    def test_no_force_ever(self):
        self.load(self.root, 'msdos')
        for key in ('force', 'ignore-holders'):
            self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs',
                                 self.unload, self.root, 'fat', {key: B(True)})
        self.assertIn('fat', self.kernel.loaded())


class Authorization(KmoddTestCase):
    def setUp(self):
        super().setUp()
        self.start_daemon()

    def test_denied_by_default(self):
        msg = self.assertDBusError('NotAuthorized', self.load, self.user, 'dummy')
        self.assertIn(ACTION + 'load', msg)
        self.assertEqual(self.kernel.loaded(), {})
        self.load(self.root, 'dummy')
        self.assertDBusError('NotAuthorized', self.unload, self.user, 'dummy')
        self.assertDBusError('NotAuthorized', self.autoclean, self.user)
        self.assertIn('dummy', self.kernel.loaded())

    def test_allowed(self):
        self.allow('load', 'unload')
        self.assertEqual(self.load(self.user, 'msdos'), ['fat', 'msdos'])
        self.assertEqual(self.unload(self.user, 'msdos'), ['msdos'])

    def test_subject_is_the_bus_name_with_module_details(self):
        self.allow('load')
        self.load(self.user, 'fs-vfat')
        calls = self.polkit_calls()
        self.assertEqual(len(calls), 1)
        kind, name, action, details, flags = calls[0]
        self.assertEqual(kind, 'system-bus-name')
        self.assertEqual(name, self.user.get_unique_name())
        self.assertEqual(action, ACTION + 'load')
        self.assertEqual(details, {'module': 'vfat', 'modules': 'vfat', 'request': 'fs-vfat'})
        self.assertEqual(flags, 0)

    def test_challenge_without_interactive_flag(self):
        self.polkit.SetChallenge([ACTION + 'load'])
        self.assertDBusError('org.freedesktop.DBus.Error.InteractiveAuthorizationRequired',
                             self.load, self.user, 'dummy')
        self.assertEqual(self.kernel.loaded(), {})

    def test_challenge_with_interactive_flag(self):
        self.polkit.SetChallenge([ACTION + 'load'])
        self.assertEqual(self.load(self.user, 'dummy', interactive=True), ['dummy'])
        self.assertEqual(self.polkit_calls()[0][4], 1)   # ALLOW_USER_INTERACTION

    def test_root_needs_no_polkit(self):
        self.stop_polkitd()
        self.assertEqual(self.load(self.root, 'msdos'), ['fat', 'msdos'])
        msg = self.assertDBusError('NotAuthorized', self.load, self.user, 'dummy')
        self.assertIn('polkit', msg)
        self.assertNotIn('dummy', self.kernel.loaded())

    def test_polkit_hang_then_caller_disconnects(self):
        '''The caller leaves during the check: nothing is loaded for it,
        even when polkit finally says yes.'''
        self.allow('load')
        self.polkit.SimulateHang(True)
        conn = self.connect(uid=NOBODY)
        conn.call(BUS_NAME, OBJECT_PATH, INTERFACE, 'Load',
                  GLib.Variant('(sa{sv})', ('dummy', {})), None,
                  Gio.DBusCallFlags.NONE, 30000, None, None)
        self.assert_eventually(lambda: self.polkit.HaveHangingCalls())
        conn.close_sync(None)
        # others are served meanwhile
        self.assertIn('dummy', self.info(self.root, 'dummy')['name'])
        time.sleep(0.3)
        self.polkit.ReleaseHangingCalls()
        time.sleep(0.5)
        self.assertEqual(self.kernel.loaded(), {})
        self.assertIn('disconnected', self.daemon_output())

    def test_polkit_timeout(self):
        self.stop_daemon()
        self.config = '[Daemon]\nAuthorizationTimeout=1\n'
        self.start_daemon()
        self.allow('load')
        self.polkit.SimulateHang(True)
        start = time.monotonic()
        msg = self.assertDBusError('NotAuthorized', self.load, self.user, 'dummy')
        self.assertLess(time.monotonic() - start, 10 * self.time_factor())
        self.assertIn('did not answer', msg)
        # root is not affected, List stays responsive
        self.assertEqual(self.load(self.root, 'dummy'), ['dummy'])
        self.assertIn('dummy', self.list())

    def test_in_flight_limit(self):
        '''A caller may have 16 requests in flight; the 17th is refused.'''
        self.allow('load')
        self.polkit.SimulateHang(True)
        conn = self.connect(uid=NOBODY)
        results = []

        def on_done(c, res):
            try:
                results.append(c.call_finish(res).unpack())
            except GLib.Error as e:
                results.append(Gio.DBusError.get_remote_error(e))

        for _ in range(17):
            conn.call(BUS_NAME, OBJECT_PATH, INTERFACE, 'Load',
                      GLib.Variant('(sa{sv})', ('dummy', {})), None,
                      Gio.DBusCallFlags.NONE, 30000, None, on_done)
        self.assert_eventually(lambda: len(results) >= 1)
        self.assertEqual(results, ['org.freedesktop.KernelModules1.Error.LimitsExceeded'])
        # another caller is not limited by that one
        self.assertEqual(self.load(self.root, 'msdos'), ['fat', 'msdos'])
        self.polkit.ReleaseHangingCalls()
        self.assert_eventually(lambda: len(results) == 17)
        self.assertEqual(sorted(map(str, results)).count("(['dummy'],)"), 1)
        self.assertEqual(sorted(map(str, results)).count('([],)'), 15)


class Inputs(KmoddTestCase):
    def setUp(self):
        super().setUp()
        self.start_daemon()

    def test_unknown_option(self):
        for opts in ({'force': B(True)}, {'ignore-blacklist': B(True)},
                     {'ignore-install': B(True)}, {'path': S('/tmp/evil.ko')}):
            msg = self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs',
                                       self.load, self.root, 'dummy', opts)
            self.assertIn(list(opts)[0], msg)
        self.assertEqual(self.kernel.loaded(), {})

    def test_wrong_option_type(self):
        msg = self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs',
                                   self.load, self.root, 'dummy', {'autoclean': S('yes')})
        self.assertIn('autoclean', msg)
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs',
                             self.list, self.root, {'names': S('fat')})
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs',
                             self.info, self.root, 'fat', {'anything': B(True)})
        self.assertEqual(self.kernel.loaded(), {})

    def test_wrong_signature(self):
        for method, sig, args in (('Load', '(s)', ('dummy',)),
                                  ('Load', '(sas)', ('dummy', [])),
                                  ('Unload', '(i)', (1,)),
                                  ('List', '()', ()),
                                  ('Info', '(sa{ss})', ('fat', {})),
                                  ('AutoClean', '(b)', (True,))):
            with self.assertRaises(GLib.Error) as cm:
                self.call(self.root, method, args, sig)
            self.assertEqual(Gio.DBusError.get_remote_error(cm.exception),
                             'org.freedesktop.DBus.Error.InvalidArgs')
        with self.assertRaises(GLib.Error) as cm:
            self.call(self.root, 'Explode', (), '()')
        self.assertEqual(Gio.DBusError.get_remote_error(cm.exception),
                         'org.freedesktop.DBus.Error.UnknownMethod')
        self.assertEqual(self.kernel.loaded(), {})

    def test_properties_are_read_only(self):
        with self.assertRaises(GLib.Error):
            self.root.call_sync(BUS_NAME, OBJECT_PATH, 'org.freedesktop.DBus.Properties', 'Set',
                                GLib.Variant('(ssv)', (INTERFACE, 'ModulesDisabled', B(False))),
                                None, Gio.DBusCallFlags.NONE, 5000, None)
        with self.assertRaises(GLib.Error):
            self.get_property('NoSuchProperty')

    def test_log_escapes_control_characters(self):
        self.assertDBusError('InvalidName', self.load, self.root, 'evil\n\x1b[2Jname')
        self.assertDBusError('NotFound', self.load, self.root, 'x;$(id)')
        log = self.daemon_output()
        self.assertIn('evil\\x0a\\x1b[2Jname', log)
        self.assertNotIn('\x1b', log)


class Listing(KmoddTestCase):
    def setUp(self):
        super().setUp()
        self.start_daemon()

    def test_list(self):
        self.assertEqual(self.list(), {})
        self.allow('load')
        self.load(self.user, 'msdos')
        self.kernel.run_external(['modprobe', 'dummy'])
        modules = self.list(self.user)
        self.assertEqual(sorted(modules), ['dummy', 'fat', 'msdos'])
        fat = modules['fat']
        self.assertEqual(fat['state'], 'live')
        self.assertEqual(fat['refcount'], 1)
        self.assertEqual(fat['holders'], ['msdos'])
        self.assertEqual(fat['taint'], '')
        self.assertFalse(fat['autoclean'])
        self.assertGreater(fat['size'], 0)
        self.assertEqual(fat['requested-by'], NOBODY)
        self.assertAlmostEqual(fat['loaded-at'] / 1e6, time.time(), delta=60)
        self.assertNotIn('visited', fat)
        # loaded outside kmodd: no record
        self.assertNotIn('requested-by', modules['dummy'])

    def test_list_options(self):
        self.load(self.root, 'msdos')
        self.assertEqual(sorted(self.list(options={'names': GLib.Variant('as', ['fat', 'vfat'])})),
                         ['fat'])
        modules = self.list(options={'include-builtin': B(True)})
        self.assertEqual(modules['unix']['state'], 'builtin')
        self.assertEqual(modules['fat']['state'], 'live')
        self.assertDBusError('InvalidName', self.list, self.root,
                             {'names': GLib.Variant('as', ['../x'])})

    def test_list_states(self):
        self.kernel.set_init_delay(1000)
        conn = self.connect()
        conn.call(BUS_NAME, OBJECT_PATH, INTERFACE, 'Load',
                  GLib.Variant('(sa{sv})', ('dummy', {})), None,
                  Gio.DBusCallFlags.NONE, 30000, None, None)
        self.assert_eventually(lambda: self.list().get('dummy', {}).get('state') == 'coming')
        self.assert_eventually(lambda: self.list().get('dummy', {}).get('state') == 'live')

    def test_info(self):
        info = self.info(self.user, 'fs-vfat')
        self.assertEqual(info['name'], 'vfat')
        self.assertTrue(info['filename'].endswith('/kernel/fs/fat/vfat.ko'))
        self.assertEqual(info['depends'], ['fat'])
        self.assertIn('fs-vfat', info['aliases'])
        self.assertEqual(info['license'], 'GPL')
        self.assertIn('VFAT', info['description'])
        self.assertTrue(info['vermagic'].startswith(self.kernel.release))
        self.assertIn('signer', info)
        self.assertFalse(info['loaded'])
        self.assertFalse(info['builtin'])
        self.assertFalse(info['blacklisted'])
        self.assertFalse(info['has-install-command'])
        self.load(self.root, 'vfat')
        self.assertTrue(self.info(self.user, 'vfat')['loaded'])

    def test_list_available(self):
        '''The names a load field completes from: every module of the
        modules directory, for anyone, sorted, as the kernel names them.'''
        names = self.call(self.user, 'ListAvailable', ({},), '(a{sv})')[0]
        self.assertEqual(names, sorted(set(names)))
        for name in ('dummy', 'fat', 'msdos', 'vfat', 'snd_dummy', 'loop'):
            self.assertIn(name, names)
        self.assertNotIn('snd-dummy', names)
        self.assertNotIn('unix', names)                 # builtin
        self.assertTrue(all(n and '/' not in n and not n.endswith('.ko') for n in names))
        with open(self.kernel.path('lib/modules/%s/modules.dep' % self.kernel.release)) as f:
            self.assertEqual(len(names), sum(1 for line in f if ':' in line))
        # nothing loaded, nothing changed; a bad option is refused
        self.assertEqual(self.kernel.loaded(), {})
        msg = self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs',
                                   self.call, self.user, 'ListAvailable',
                                   ({'names': S('fat')},), '(a{sv})')
        self.assertIn('names', msg)

    def test_info_parameters_and_flags(self):
        info = self.info(self.root, 'dummy')
        self.assertIn('numdummies', info['parameters'])
        self.assertIn('Number of dummy', info['parameters']['numdummies'])
        self.assertTrue(self.info(self.root, 'pcspkr')['blacklisted'])
        self.assertTrue(self.info(self.root, 'dccp')['has-install-command'])
        builtin = self.info(self.root, 'unix')
        self.assertTrue(builtin['builtin'])
        self.assertTrue(builtin['loaded'])
        self.assertDBusError('NotFound', self.info, self.root, 'no-such-module')

    def test_info_follows_modprobe_d_and_the_kernel(self):
        '''Info's answers are kept, but never past a change.'''
        self.assertFalse(self.info(self.root, 'dummy')['blacklisted'])
        self.assertFalse(self.info(self.root, 'dummy')['loaded'])
        with open(self.kernel.path('etc/modprobe.d/more.conf'), 'w') as f:
            f.write('blacklist dummy\ninstall dummy /bin/true\n')
        info = self.info(self.root, 'dummy')
        self.assertTrue(info['blacklisted'])
        self.assertTrue(info['has-install-command'])
        os.unlink(self.kernel.path('etc/modprobe.d/more.conf'))
        self.load(self.root, 'dummy')
        info = self.info(self.root, 'dummy')
        self.assertFalse(info['blacklisted'])
        self.assertTrue(info['loaded'])
        self.kernel.run_external(['rmmod', 'dummy'], check=True)
        self.assertFalse(self.info(self.root, 'dummy')['loaded'])

    def test_a_file_edited_in_place_counts_at_once(self):
        '''`echo blacklist dummy >> /etc/modprobe.d/local.conf` changes no
        directory's time, which is all libkmod's own check compares: kmodd
        watches the directories' files, and Info and Load both see it.'''
        directory = self.kernel.path('etc/modprobe.d')
        conf = os.path.join(directory, 'local.conf')
        with open(conf, 'w') as f:
            f.write('# local settings\n')
        self.assertFalse(self.info(self.root, 'dummy')['blacklisted'])
        before = os.stat(directory).st_mtime_ns
        with open(conf, 'a') as f:
            f.write('blacklist dummy\n')
        self.assertEqual(os.stat(directory).st_mtime_ns, before)
        self.assertTrue(self.info(self.root, 'dummy')['blacklisted'])
        self.assertDBusError('Blacklisted', self.load, self.root, 'dummy')
        self.assertNotIn('dummy', self.kernel.loaded())
        with open(conf, 'w') as f:
            f.write('# local settings\n')
        self.assertFalse(self.info(self.root, 'dummy')['blacklisted'])
        self.load(self.root, 'dummy')
        self.assertIn('dummy', self.kernel.loaded())

    def test_list_follows_the_kernel_and_the_records(self):
        '''List's answer is kept, but never past a change.'''
        self.load(self.root, 'dummy', {'autoclean': B(True)})
        self.assertTrue(self.list()['dummy']['visited'])
        self.assertEqual(self.list()['dummy']['refcount'], 0)
        self.kernel.set_refcnt('dummy', 2)
        self.assertEqual(self.list()['dummy']['refcount'], 2)
        self.kernel.set_refcnt('dummy', 0)
        self.autoclean(self.root)          # clears the bit, nothing else
        self.assertFalse(self.list()['dummy']['visited'])
        self.kernel.run_external(['modprobe', 'loop'], check=True)
        self.assertEqual(sorted(self.list()), ['dummy', 'loop'])

    def test_properties(self):
        self.assertEqual(self.get_property('KernelRelease'), self.kernel.release)
        self.assertEqual(self.get_property('Version'), self.get_property('Version').strip())
        self.assertRegex(self.get_property('Version'), r'^\d+\.\d+')
        self.assertFalse(self.get_property('ModulesDisabled'))
        self.assertEqual(self.get_property('Lockdown'), 'none')
        self.assertFalse(self.get_property('SignaturesEnforced'))
        self.assertEqual(self.get_property('AutoCleanInterval'), 60)
        self.assertEqual(self.get_property('AutoCleanMarks'), 0)

    def test_modules_disabled_follows_without_a_request(self):
        self.assertFalse(self.get_property('ModulesDisabled'))
        self.kernel.set_modules_disabled(True)
        self.assertTrue(self.get_property('ModulesDisabled'))

    def test_properties_follow_the_kernel(self):
        self.kernel.set_lockdown('integrity')
        self.kernel.set_sig_enforce(True)
        self.load(self.root, 'dummy')   # any change refreshes them
        self.assert_eventually(lambda: self.get_property('Lockdown') == 'integrity')
        self.assertTrue(self.get_property('SignaturesEnforced'))


class Signals(KmoddTestCase):
    def setUp(self):
        super().setUp()
        self.start_daemon()
        self.watch_signals()

    def test_one_signal_per_change(self):
        self.allow('load', 'unload')
        self.load(self.user, 'msdos')
        self.unload(self.user, 'msdos', {'dependencies': B(True)})
        self.assert_eventually(lambda: len(self.signals) >= 4)
        self.pump(0.5)
        self.assertEqual(self.signals, [
            ('ModuleLoaded', 'fat', {'reason': 'request', 'uid': NOBODY}),
            ('ModuleLoaded', 'msdos', {'reason': 'request', 'uid': NOBODY}),
            ('ModuleUnloaded', 'msdos', {'reason': 'request', 'uid': NOBODY}),
            ('ModuleUnloaded', 'fat', {'reason': 'request', 'uid': NOBODY}),
        ])

    def test_external_changes(self):
        self.kernel.run_external(['modprobe', 'dummy'], check=True)
        self.kernel.run_external(['rmmod', 'dummy'], check=True)
        self.assert_eventually(lambda: len(self.signals) >= 2)
        self.pump(0.5)
        self.assertEqual(self.signals, [
            ('ModuleLoaded', 'dummy', {'reason': 'external'}),
            ('ModuleUnloaded', 'dummy', {'reason': 'external'}),
        ])

    def test_no_signal_for_refused_requests(self):
        self.load(self.root, 'msdos')
        self.assert_eventually(lambda: len(self.signals) == 2)
        self.assertDBusError('InUse', self.unload, self.root, 'fat')
        self.assertDBusError('Blacklisted', self.load, self.root, 'pcspkr')
        self.kernel.reject_signature('dummy')
        self.assertDBusError('SignatureRejected', self.load, self.root, 'dummy')
        self.pump(0.5)
        self.assertEqual(len(self.signals), 2)


class Lifecycle(KmoddTestCase):
    def test_sigterm_exits_zero(self):
        self.start_daemon()
        self.load(self.root, 'dummy')
        self.assertEqual(self.stop_daemon(signal.SIGTERM), 0)
        self.start_daemon()
        self.assertEqual(self.stop_daemon(signal.SIGINT), 0)

    def test_sigterm_during_slow_load(self):
        self.start_daemon()
        self.kernel.set_init_delay(1000)
        results = []
        conn = self.connect()

        def on_done(c, res):
            try:
                results.append(c.call_finish(res).unpack())
            except GLib.Error as e:
                results.append(e.message)

        conn.call(BUS_NAME, OBJECT_PATH, INTERFACE, 'Load',
                  GLib.Variant('(sa{sv})', ('dummy', {})), None,
                  Gio.DBusCallFlags.NONE, 30000, None, on_done)
        self.assert_eventually(lambda: 'dummy' in self.kernel.loaded())
        self.assertEqual(self.stop_daemon(), 0)
        # the caller got an answer, not a hang
        self.assert_eventually(lambda: results)

    def test_second_instance_fails_without_replace(self):
        self.start_daemon()
        second = subprocess.run(self.daemon_command(), env=self.daemon_env(),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
        self.assertNotEqual(second.returncode, 0)
        self.assertIn('--replace', second.stdout)

    def test_replace(self):
        first = self.start_daemon()
        self.daemon = None
        self.daemon = subprocess.Popen(self.daemon_command('--replace'), env=self.daemon_env(),
                                       stdout=self.daemon_log, stderr=subprocess.STDOUT)
        # the first one hands over and exits cleanly
        self.assertEqual(first.wait(30), 0)
        self.wait_for_name()
        self.assertEqual(self.load(self.root, 'dummy'), ['dummy'])

    def test_only_root_may_own_the_name(self):
        with self.assertRaises(GLib.Error) as cm:
            self.user.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                'org.freedesktop.DBus', 'RequestName',
                                GLib.Variant('(su)', (BUS_NAME, 0)), None,
                                Gio.DBusCallFlags.NONE, 5000, None)
        self.assertEqual(Gio.DBusError.get_remote_error(cm.exception),
                         'org.freedesktop.DBus.Error.AccessDenied')

    def test_help_and_version(self):
        out = subprocess.run([self.daemon_path, '--help'], stdout=subprocess.PIPE, text=True)
        self.assertEqual(out.returncode, 0)
        for option in ('--replace', '--verbose', '--config'):
            self.assertIn(option, out.stdout)
        out = subprocess.run([self.daemon_path, '--version'], stdout=subprocess.PIPE, text=True)
        self.assertRegex(out.stdout, r'^kmodd \d+\.\d+')
        out = subprocess.run([self.daemon_path, '--no-such-option'],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertEqual(out.returncode, 2)
        self.assertIn('--help', out.stderr)

    def test_no_bus(self):
        env = self.daemon_env({'DBUS_SYSTEM_BUS_ADDRESS': 'unix:path=/nonexistent'})
        out = subprocess.run(self.daemon_command(), env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, timeout=30)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn('system bus', out.stdout)


if __name__ == '__main__':
    kmoddtest.main()
