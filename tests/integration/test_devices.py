#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''Drivers that serve devices, against the fake kernel: a driver bound to
a device has use count 0, yet AutoClean must keep its module and Unload
must refuse it, naming the device, unless "unbind" is given.'''

import os
import re
import subprocess
import time

from gi.repository import GLib

import kmoddtest
from kmoddtest import KmoddTestCase, SOURCE_ROOT

AUTOCLEAN = {'autoclean': GLib.Variant('b', True)}
ALL = {'all': GLib.Variant('b', True)}
UNBIND = {'unbind': GLib.Variant('b', True)}
DRY_RUN = {'dry-run': GLib.Variant('b', True)}

CARD = '0000:00:03.0'
CARD_MODALIAS = 'pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00'
VENDOR = 'Intel Corporation'
MODEL = '82540EM Gigabit Ethernet Controller'
CARD_WORDS = 'pci %s (%s %s)' % (CARD, VENDOR, MODEL)
# a second card udev knows nothing about
CARD2 = '0000:00:04.0'
CARD2_MODALIAS = 'pci:v00008086d0000100Fsv00001AF4sd00001100bc02sc00i00'


class DevicesTestCase(KmoddTestCase):

    def setUp(self):
        super().setUp()
        self.kernel.add_device('pci', CARD, CARD_MODALIAS, VENDOR, MODEL)
        self.kernel.add_device('pci', CARD2, CARD2_MODALIAS)
        self.kernel.add_driver('e1000', 'pci:e1000')
        self.start_daemon()

    def load_and_bind(self, options=None, *cards):
        # what udev does: load the driver for the device's modalias
        self.assertEqual(self.load(self.root, CARD_MODALIAS, options), ['e1000'])
        for card in cards or (CARD,):
            self.kernel.bind('pci:e1000', card)


class Unload(DevicesTestCase):

    config = '[Daemon]\nAutoCleanInterval=0\n'

    def test_refused_naming_the_device(self):
        self.load_and_bind()
        message = self.assertDBusError('InUse', self.unload, self.root, 'e1000')
        self.assertIn(CARD_WORDS, message)
        self.assertIn('unbind', message)
        # nothing changed
        self.assertIn('e1000', self.kernel.loaded())
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD])
        # an alias names the same module, and is refused the same way
        message = self.assertDBusError('InUse', self.unload, self.root, CARD_MODALIAS)
        self.assertIn(CARD_WORDS, message)

    def test_refused_naming_every_device(self):
        self.load_and_bind(None, CARD, CARD2)
        message = self.assertDBusError('InUse', self.unload, self.root, 'e1000')
        # without udev's names, the bus address alone
        self.assertIn('%s, pci %s ' % (CARD_WORDS, CARD2), message)
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD, CARD2])

    def test_unbind_unbinds_then_removes(self):
        self.load_and_bind(None, CARD, CARD2)
        self.watch_signals()
        self.assertEqual(self.unload(self.root, 'e1000', UNBIND), ['e1000'])
        self.assertNotIn('e1000', self.kernel.loaded())
        self.assertEqual(self.kernel.bound('pci:e1000'), [])
        # the cards are still there, without a driver
        for card in (CARD, CARD2):
            self.assertTrue(os.path.exists(self.kernel.path('sys/bus/pci/devices', card)))
            self.assertFalse(os.path.lexists(
                self.kernel.path('sys/bus/pci/devices', card, 'driver')))
        self.assert_eventually(lambda: self.signals_for('e1000') ==
                               [('ModuleUnloaded', {'reason': 'request', 'uid': 0})])
        # kmodd unbound them, not the module's removal
        for card in (CARD, CARD2):
            self.assertIn('Unbound pci %s from its driver to remove e1000' % card,
                          self.daemon_output())

    def test_unbind_without_devices_is_a_plain_unload(self):
        self.load_and_bind()
        self.kernel.unbind('pci:e1000', CARD)
        self.assertEqual(self.unload(self.root, 'e1000'), ['e1000'])
        self.load(self.root, 'e1000')
        self.assertEqual(self.unload(self.root, 'e1000', UNBIND), ['e1000'])

    def test_dry_run_lists_the_devices(self):
        self.load_and_bind(None, CARD, CARD2)
        options = dict(DRY_RUN, **UNBIND)
        planned = self.unload(self.root, 'e1000', options)
        self.assertEqual(planned[:-1], [CARD_WORDS, 'pci ' + CARD2])
        self.assertEqual(planned[-1], 'e1000')
        # without unbind, the dry run fails as the unload would
        message = self.assertDBusError('InUse', self.unload, self.root, 'e1000', DRY_RUN)
        self.assertIn(CARD_WORDS, message)
        # nothing changed
        self.assertIn('e1000', self.kernel.loaded())
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD, CARD2])

    def test_dependencies_serving_devices_stay(self):
        # usbserial drives a device of its own: pl2303 goes, usbserial stays
        self.kernel.add_device('usb-serial', 'ttyUSB0', 'usb:v067Bp2303d0300dc00dsc00dp00icFFiscFFip00in00')
        self.kernel.add_driver('usbserial', 'usb-serial:generic')
        self.load(self.root, 'pl2303')
        self.kernel.bind('usb-serial:generic', 'ttyUSB0')
        removed = self.unload(self.root, 'pl2303', {'dependencies': GLib.Variant('b', True)})
        self.assertIn('pl2303', removed)
        self.assertNotIn('usbserial', removed)
        self.assertIn('usbserial', self.kernel.loaded())
        self.assertEqual(self.kernel.bound('usb-serial:generic'), ['ttyUSB0'])

    def test_info_lists_the_devices(self):
        self.assertNotIn('devices', self.info(self.root, 'e1000'))
        self.load_and_bind()
        # asked before and after each change: the cached answer follows
        self.assertEqual(self.info(self.root, 'e1000')['devices'], [CARD_WORDS])
        self.kernel.bind('pci:e1000', CARD2)
        self.assertEqual(self.info(self.root, 'e1000')['devices'], [CARD_WORDS, 'pci ' + CARD2])
        self.assertEqual(self.info(self.user, CARD_MODALIAS)['devices'],
                         [CARD_WORDS, 'pci ' + CARD2])
        self.kernel.unbind('pci:e1000', CARD)
        self.kernel.unbind('pci:e1000', CARD2)
        info = self.info(self.root, 'e1000')
        self.assertTrue(info['loaded'])
        self.assertNotIn('devices', info)

    def test_bad_option_type(self):
        self.load_and_bind()
        for value in (GLib.Variant('s', 'yes'), GLib.Variant('i', 1)):
            self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs',
                                 self.unload, self.root, 'e1000', {'unbind': value})
        self.assertIn('e1000', self.kernel.loaded())
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD])

    def test_unbind_needs_authorization(self):
        self.load_and_bind()
        self.assertDBusError('NotAuthorized', self.unload, self.user, 'e1000', UNBIND)
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD])

    def test_kmodctl_unbind(self):
        self.load_and_bind()
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus_address, LC_ALL='C.UTF-8')
        kmodctl = os.environ['KMODD_CLI']

        def run(*args):
            return subprocess.run([kmodctl] + list(args), env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL, timeout=60)

        p = run('unload', 'e1000')
        self.assertEqual(p.returncode, 5, p.stderr)    # IN_USE
        self.assertIn(CARD_WORDS, p.stderr)
        p = run('unload', '--dry-run', '--unbind', 'e1000')
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, 'Would unbind %s\nWould remove e1000\n' % CARD_WORDS)
        p = run('unload', '--unbind', 'e1000')
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, 'Removed e1000\n')
        self.assertEqual(self.kernel.bound('pci:e1000'), [])

    def test_readme_session(self):
        '''README.md's "Drivers in use by devices" session, line by line.'''
        self.load_and_bind()
        with open(os.path.join(SOURCE_ROOT, 'README.md'), encoding='utf-8') as f:
            text = f.read()
        start = text.index('### Drivers in use by devices')
        session = re.compile(r'```\n(.*?)```', re.S).search(text, start).group(1)
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus_address, LC_ALL='C.UTF-8')
        blocks = re.split(r'^\$ ', session, flags=re.M)[1:]
        self.assertEqual(len(blocks), 3)
        for block in blocks:
            command, _, expected = block.partition('\n')
            out = subprocess.run([os.environ['KMODD_CLI']] + command.split()[1:], env=env,
                                 text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, timeout=60)
            self.assertEqual(out.stdout.splitlines(), expected.rstrip('\n').splitlines(),
                             command)
        self.assertNotIn('e1000', self.kernel.loaded())


class AutoCleanPasses(DevicesTestCase):
    '''Explicit passes, the timer off.'''

    config = '[Daemon]\nAutoCleanInterval=0\n'

    def test_bound_driver_is_kept_and_visited(self):
        self.load_and_bind(AUTOCLEAN)
        for _ in range(5):
            self.assertEqual(self.autoclean(self.root), [])
            self.assertTrue(self.list()['e1000']['visited'])
        # even "all" leaves a module in use alone
        self.assertEqual(self.autoclean(self.root, ALL), [])
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD])
        # unbound: the usual two passes
        self.kernel.unbind('pci:e1000', CARD)
        self.assertEqual(self.autoclean(self.root), [])
        self.assertFalse(self.list()['e1000']['visited'])
        self.assertEqual(self.autoclean(self.root), ['e1000'])

    def test_unplugged_device(self):
        self.load_and_bind(AUTOCLEAN)
        self.assertEqual(self.autoclean(self.root), [])
        self.kernel.remove_device('pci', CARD)
        self.assertEqual(self.autoclean(self.root), [])
        self.assertEqual(self.autoclean(self.root), ['e1000'])


class AutoCleanTimer(DevicesTestCase):
    '''The timer, interval 2 s (longer under valgrind), 4 samples.'''

    def setUp(self):
        self.interval = 2 * max(1, round(self.time_factor()))
        self.config = '[Daemon]\nAutoCleanInterval=%d\nAutoCleanSamples=4\n' % self.interval
        super().setUp()

    def test_kept_for_five_intervals_then_goes_after_unbind(self):
        self.watch_signals()
        self.load_and_bind(AUTOCLEAN)
        time.sleep(5.25 * self.interval)            # five passes
        self.assertIn('e1000', self.kernel.loaded())
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD])
        # the passes saw the device: visited
        self.assertTrue(self.list()['e1000']['visited'])
        self.kernel.unbind('pci:e1000', CARD)
        # the next pass clears the bit, the one after removes it
        self.assert_eventually(lambda: not self.list()['e1000']['visited'],
                               timeout=3 * self.interval)
        self.assert_eventually(lambda: 'e1000' not in self.kernel.loaded(),
                               timeout=3 * self.interval)
        self.assert_eventually(lambda: ('ModuleUnloaded', {'reason': 'autoclean'})
                               in self.signals_for('e1000'))


if __name__ == '__main__':
    kmoddtest.main()
