#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''Reload, against the fake kernel: a module removed (its devices unbound
first) and loaded again in one request, with the parameters it had; the
devices bound again; typed errors with nothing changed; the load half
failing leaves the module out and says so; kmodctl reload.'''

import errno
import os
import re
import subprocess

import gi
gi.require_version('Kmodd', '1')
from gi.repository import GLib, Kmodd  # noqa: E402

import kmoddtest  # noqa: E402
from kmoddtest import KmoddTestCase, NOBODY  # noqa: E402

KMODCTL = os.environ.get('KMODD_CLI')

DRY_RUN = {'dry-run': GLib.Variant('b', True)}
AUTOCLEAN = {'autoclean': GLib.Variant('b', True)}

CARD = '0000:00:03.0'
CARD_MODALIAS = 'pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00'
VENDOR = 'Intel Corporation'
MODEL = '82540EM Gigabit Ethernet Controller'

# kmodctl's exit status, as kmodctl(1) documents them
OK, FAILED, USAGE, NOT_AUTHORIZED, NOT_FOUND, IN_USE = range(6)


def params(value):
    return {'parameters': GLib.Variant('s', value)}


class ReloadTestCase(KmoddTestCase):

    config = '[Daemon]\nAutoCleanInterval=0\n'

    def setUp(self):
        super().setUp()
        self.kernel.add_device('pci', CARD, CARD_MODALIAS, VENDOR, MODEL)
        self.kernel.add_driver('e1000', 'pci:e1000')
        self.start_daemon()

    def reload(self, conn, name, options=None, **kw):
        return self.call(conn, 'Reload', (name, options or {}), '(sa{sv})', **kw)[0]

    def load_e1000(self):
        self.assertEqual(self.load(self.root, 'e1000'), ['e1000'])
        self.kernel.bind('pci:e1000', CARD)

    def instance(self, name):
        '''Tells one load of a module from the next (sysfs never gives a new
        load the inode of an old one).'''
        return os.stat(self.kernel.path('sys/module', name)).st_ino

    def assertUnchanged(self, before, instances):
        self.assertEqual(self.kernel.loaded().keys(), before.keys())
        for name, inode in instances.items():
            self.assertEqual(self.instance(name), inode, '%s was loaded again' % name)


class Reload(ReloadTestCase):

    def test_device_bound_again(self):
        self.load_e1000()
        self.watch_signals()
        before = self.instance('e1000')
        self.assertEqual(self.reload(self.root, 'e1000'), ['-e1000', '+e1000'])
        self.assertNotEqual(self.instance('e1000'), before)
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD])
        self.assert_eventually(lambda: self.signals_for('e1000') ==
                               [('ModuleUnloaded', {'reason': 'request', 'uid': 0}),
                                ('ModuleLoaded', {'reason': 'request', 'uid': 0})])
        self.assertIn('Unbound pci %s from its driver to remove e1000' % CARD,
                      self.daemon_output())
        self.assertRegex(self.daemon_output(), r'Reload for uid 0 \(.*\) of e1000: '
                         r'reloaded -e1000, \+e1000')
        # by an alias, which stands for the one loaded module
        self.assertEqual(self.reload(self.root, CARD_MODALIAS), ['-e1000', '+e1000'])
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD])

    def test_without_devices(self):
        self.assertEqual(self.load(self.root, 'msdos'), ['fat', 'msdos'])
        # its dependency stays loaded, and is not inserted again
        fat = self.instance('fat')
        self.assertEqual(self.reload(self.root, 'msdos'), ['-msdos', '+msdos'])
        self.assertEqual(self.instance('fat'), fat)
        self.assertEqual(self.kernel.loaded()['fat']['holders'], ['msdos'])

    def test_parameters_kept(self):
        self.allow('load-with-parameters', 'reload')
        self.load(self.user, 'dummy', dict(params('numdummies=2'), **AUTOCLEAN))
        self.assertEqual(self.reload(self.root, 'dummy'), ['-dummy', '+dummy'])
        self.assertEqual(self.kernel.loaded()['dummy']['params']['numdummies'], '2')
        # the record stays with the new load: requester and mark
        entry = self.list()['dummy']
        self.assertEqual(entry['requested-by'], NOBODY)
        self.assertTrue(entry['autoclean'])
        # and again: the parameters are the recorded ones, not a guess
        self.reload(self.root, 'dummy')
        self.assertEqual(self.kernel.loaded()['dummy']['params']['numdummies'], '2')
        # kmodd restarted: the record, parameters included, comes back
        self.stop_daemon()
        self.start_daemon()
        self.reload(self.root, 'dummy')
        self.assertEqual(self.kernel.loaded()['dummy']['params']['numdummies'], '2')
        self.assertEqual(self.list()['dummy']['requested-by'], NOBODY)

    def test_parameters_given(self):
        self.load(self.root, 'dummy', params('numdummies=2'))
        self.reload(self.root, 'dummy', params('numdummies=3'))
        self.assertEqual(self.kernel.loaded()['dummy']['params']['numdummies'], '3')
        # the given ones are kept for the next reload
        self.reload(self.root, 'dummy')
        self.assertEqual(self.kernel.loaded()['dummy']['params']['numdummies'], '3')

    def test_not_loaded_by_kmodd(self):
        # loaded by someone else: modprobe.d's options, as modprobe would
        with open(self.kernel.path('etc/modprobe.d/dummy.conf'), 'w') as f:
            f.write('options dummy numdummies=4\n')
        self.kernel.run_external(['modprobe', 'dummy'], check=True)
        self.assertEqual(self.kernel.loaded()['dummy']['params']['numdummies'], '4')
        self.reload(self.root, 'dummy')
        self.assertEqual(self.kernel.loaded()['dummy']['params']['numdummies'], '4')
        # now it is a load of kmodd's, by root, unmarked
        entry = self.list()['dummy']
        self.assertEqual(entry['requested-by'], 0)
        self.assertFalse(entry['autoclean'])

    def test_load_half_fails(self):
        self.load_e1000()
        self.kernel.fail_init({'e1000': errno.ENODEV})
        with self.assertRaises(GLib.Error) as cm:
            self.reload(self.root, 'e1000')
        self.assertIn('Module e1000 was removed and could not be loaded again: ',
                      cm.exception.message)
        self.assertNotIn('e1000', self.kernel.loaded())
        self.assertNotIn('e1000', self.list())
        self.assertIn('Reload for uid 0 (', self.daemon_output())
        self.assertIn('removed e1000 and could not load it again', self.daemon_output())
        # once it can be loaded, it is loaded, and binds the card it lost
        self.kernel.fail_init({})
        self.assertEqual(self.load(self.root, 'e1000'), ['e1000'])
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD])

    def test_dry_run_changes_nothing(self):
        self.load_e1000()
        self.watch_signals()
        before = self.kernel.loaded()
        instance = self.instance('e1000')
        # needs no authorization
        self.assertEqual(self.reload(self.user, 'e1000', DRY_RUN), ['-e1000', '+e1000'])
        self.assertUnchanged(before, {'e1000': instance})
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD])
        self.pump(0.3)
        self.assertEqual(self.signals_for('e1000'), [])
        self.assertEqual(self.polkit_calls(), [])
        # and fails as the reload would
        self.assertDBusError('NotLoaded', self.reload, self.user, 'msdos', DRY_RUN)


class Errors(ReloadTestCase):

    def test_not_loaded(self):
        message = self.assertDBusError('NotLoaded', self.reload, self.root, 'msdos')
        self.assertIn('msdos is not loaded', message)
        self.assertNotIn('msdos', self.kernel.loaded())
        self.assertDBusError('NotFound', self.reload, self.root, 'nosuchmodule')

    def test_builtin(self):
        message = self.assertDBusError('Builtin', self.reload, self.root, 'unix')
        self.assertEqual(message, self.assertDBusError('Builtin', self.unload, self.root, 'unix'))

    def test_in_use(self):
        self.load(self.root, 'msdos')
        self.load_e1000()
        before = self.kernel.loaded()
        instances = {'fat': self.instance('fat'), 'e1000': self.instance('e1000')}
        message = self.assertDBusError('InUse', self.reload, self.root, 'fat')
        self.assertIn('in use by msdos', message)
        self.kernel.set_refcnt('e1000', 1)
        message = self.assertDBusError('InUse', self.reload, self.root, 'e1000')
        self.assertIn('use count 1', message)
        self.assertUnchanged(before, instances)
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD])

    def test_bad_input_changes_nothing(self):
        self.load_e1000()
        self.load(self.root, 'dummy', params('numdummies=2'))
        before = self.kernel.loaded()
        instances = {'e1000': self.instance('e1000'), 'dummy': self.instance('dummy')}
        invalid_args = 'org.freedesktop.DBus.Error.InvalidArgs'
        for options in ({'unbind': GLib.Variant('b', True)},
                        {'no-block': GLib.Variant('b', True)},
                        {'dry-run': GLib.Variant('s', 'yes')},
                        {'parameters': GLib.Variant('as', ['numdummies=3'])}):
            self.assertDBusError(invalid_args, self.reload, self.root, 'dummy', options)
        for name in ('', '../dummy', 'dum my\n', 'x' * 5000):
            with self.assertRaises(GLib.Error):
                self.reload(self.root, name)
        self.assertDBusError('InvalidName', self.reload, self.root, '../dummy')
        for text in ('numdummies="open', 'nosuchparam=1', 'numdummies=1;reboot', '-numdummies=1'):
            self.assertDBusError('InvalidParameters', self.reload, self.root, 'dummy',
                                 params(text))
        # blacklisted since it was loaded: refused before it is removed
        with open(self.kernel.path('etc/modprobe.d/no-e1000.conf'), 'w') as f:
            f.write('blacklist e1000\n')
        self.assertDBusError('Blacklisted', self.reload, self.root, 'e1000')
        self.assertUnchanged(before, instances)
        self.assertEqual(self.kernel.loaded()['dummy']['params']['numdummies'], '2')
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD])


class Authorization(ReloadTestCase):

    def test_outsider_not_authorized(self):
        self.load_e1000()
        instance = self.instance('e1000')
        message = self.assertDBusError('NotAuthorized', self.reload, self.user, 'e1000')
        self.assertIn('reload', message)
        self.assertEqual(self.instance('e1000'), instance)
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD])
        calls = self.polkit_calls()
        self.assertEqual([c[2] for c in calls], [kmoddtest.ACTION + 'reload'])
        self.assertEqual(calls[0][3]['module'], 'e1000')
        self.assertEqual(calls[0][3]['request'], 'e1000')
        # load and unload do not imply reload
        self.allow('load', 'unload', 'autoclean')
        self.assertDBusError('NotAuthorized', self.reload, self.user, 'e1000')
        self.assertEqual(self.instance('e1000'), instance)

    def test_allowed(self):
        self.load_e1000()
        self.allow('reload')
        self.assertEqual(self.reload(self.user, 'e1000'), ['-e1000', '+e1000'])
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD])
        # new parameters need what a load with them needs
        self.load(self.root, 'dummy')
        self.assertDBusError('NotAuthorized', self.reload, self.user, 'dummy',
                             params('numdummies=3'))
        self.assertNotEqual(self.kernel.loaded()['dummy']['params'].get('numdummies'), '3')
        self.allow('reload', 'load-with-parameters')
        self.reload(self.user, 'dummy', params('numdummies=3'))
        self.assertEqual(self.kernel.loaded()['dummy']['params']['numdummies'], '3')
        actions = {c[2] for c in self.polkit_calls()}
        self.assertIn(kmoddtest.ACTION + 'load-with-parameters', actions)

    def test_group_rule_grants_reload(self):
        '''The kmodd group's rule grants reload as it grants load and
        unload (the VM suite runs the rule in polkitd, as a member).'''
        with open(os.path.join(kmoddtest.SOURCE_ROOT, 'policy',
                               '50-org.freedesktop.KernelModules1.rules')) as f:
            rule = f.read()
        granted = set(re.findall(r'action\.id == "org\.freedesktop\.KernelModules1\.([a-z-]+)"',
                                 rule))
        self.assertEqual(granted, {'load', 'unload', 'reload', 'autoclean'})
        self.assertIn('subject.isInGroup("kmodd")', rule)
        with open(os.path.join(kmoddtest.SOURCE_ROOT, 'policy',
                               'org.freedesktop.KernelModules1.policy.in')) as f:
            text = f.read()
        action = text[text.index('"org.freedesktop.KernelModules1.reload"'):]
        action = action[:action.index('</action>')]
        self.assertIn('<allow_active>auth_admin_keep</allow_active>', action)
        self.assertIn('<allow_any>auth_admin</allow_any>', action)


class Kmodctl(ReloadTestCase):

    def kmodctl(self, *args):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus_address, LC_ALL='C.UTF-8')
        return subprocess.run([KMODCTL] + list(args), env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=60 * self.time_factor())

    def assertStatus(self, proc, status):
        self.assertEqual(proc.returncode, status,
                         'exit %d, not %d\nstdout: %s\nstderr: %s'
                         % (proc.returncode, status, proc.stdout, proc.stderr))

    def test_kmodctl_reload(self):
        self.load_e1000()
        proc = self.kmodctl('reload', 'e1000')
        self.assertStatus(proc, OK)
        self.assertEqual(proc.stdout, 'Removed e1000\nInserted e1000\n')
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD])
        instance = self.instance('e1000')
        proc = self.kmodctl('reload', '--dry-run', 'e1000')
        self.assertStatus(proc, OK)
        self.assertEqual(proc.stdout, 'Would remove e1000\nWould insert e1000\n')
        self.assertEqual(self.instance('e1000'), instance)
        self.load(self.root, 'dummy')
        proc = self.kmodctl('reload', '--parameters', 'numdummies=3', 'dummy')
        self.assertStatus(proc, OK)
        self.assertEqual(self.kernel.loaded()['dummy']['params']['numdummies'], '3')

    def test_kmodctl_errors(self):
        self.load(self.root, 'msdos')
        for args, status, start in (
                (['reload', 'vfat'], NOT_FOUND, 'kmodctl: cannot reload vfat: Module vfat is not loaded'),
                (['reload', 'fat'], IN_USE, 'kmodctl: cannot reload fat: Module fat is in use by msdos'),
                (['reload', '../fat'], USAGE, 'kmodctl: cannot reload ../fat: Invalid character'),
                (['reload', '--parameters', 'nosuch=1', 'msdos'], USAGE,
                 'kmodctl: cannot reload msdos: '),
                (['reload', '--unbind', 'msdos'], USAGE, 'kmodctl reload: Unknown option'),
                (['reload'], USAGE, 'kmodctl reload: missing NAME')):
            proc = self.kmodctl(*args)
            self.assertStatus(proc, status)
            self.assertTrue(proc.stderr.startswith(start), proc.stderr)
            self.assertEqual(proc.stdout, '')
        proc = self.kmodctl('reload', '--help')
        self.assertStatus(proc, OK)
        self.assertIn('--parameters=PARAMETERS', proc.stdout)
        self.assertIn('--dry-run', proc.stdout)

    def test_kmodctl_load_half_fails(self):
        self.load_e1000()
        self.kernel.fail_init({'e1000': errno.ENODEV})
        proc = self.kmodctl('reload', 'e1000')
        self.assertStatus(proc, FAILED)
        self.assertTrue(proc.stderr.startswith(
            'kmodctl: cannot reload e1000: Module e1000 was removed and could not be '
            'loaded again: '), proc.stderr)
        self.assertEqual(proc.stderr.count('\n'), 1, proc.stderr)
        self.assertNotIn('e1000', self.kernel.loaded())


class Client(ReloadTestCase):
    '''libkmodd's reload, through Kmodd-1.typelib.'''

    def test_client_reload(self):
        self.load_e1000()
        self.load(self.root, 'dummy')
        client = Kmodd.Client.new_for_connection_sync(self.root, Kmodd.ClientFlags.NONE, None)
        results = []
        client.reload_async('e1000', None, Kmodd.ReloadFlags.NONE, None,
                            lambda source, result, *_: results.append(result))
        self.assert_eventually(lambda: results, timeout=30)
        self.assertEqual(client.reload_finish(results[0]), ['-e1000', '+e1000'])
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD])
        instance = self.instance('dummy')
        self.assertEqual(client.reload_sync('dummy', 'numdummies=3', Kmodd.ReloadFlags.DRY_RUN,
                                            None), ['-dummy', '+dummy'])
        self.assertEqual(self.instance('dummy'), instance)
        client.reload_sync('dummy', 'numdummies=3', Kmodd.ReloadFlags.NONE, None)
        self.assertEqual(self.kernel.loaded()['dummy']['params']['numdummies'], '3')
        with self.assertRaises(GLib.Error) as cm:
            client.reload_sync('msdos', None, Kmodd.ReloadFlags.NONE, None)
        self.assertTrue(cm.exception.matches(Kmodd.error_quark(), Kmodd.Error.NOT_LOADED))
        self.assertEqual(cm.exception.message, 'Module msdos is not loaded')

    def test_client_reload_c(self):
        '''The C test program's path /client/root/reload (under ASan, the
        library's leaks show there).'''
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus_address,
                   G_DEBUG='fatal-criticals')
        proc = subprocess.run([os.environ['KMODD_TEST_CLIENT'], '-p', '/client/root/reload'],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=120 * self.time_factor())
        self.assertEqual(proc.returncode, 0, proc.stdout)
        self.assertIn('ok 1 /client/root/reload', proc.stdout)
        self.assertEqual(self.kernel.loaded(), {})


if __name__ == '__main__':
    kmoddtest.main()
