#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''Which driver serves which device, against the fake kernel: Devices()
lists every device with a MODALIAS with its driver, module, the modules
that could drive it and which of those are blacklisted; DevicesChanged
follows hotplug; `kmodctl devices` shows it and `kmodctl list` counts the
devices of each module.'''

import json
import os
import subprocess

import gi
gi.require_version('Kmodd', '1')
from gi.repository import Gio, GLib, Kmodd  # noqa: E402

import kmoddtest  # noqa: E402
from kmoddtest import KmoddTestCase, BUS_NAME, INTERFACE, OBJECT_PATH  # noqa: E402

KMODCTL = os.environ.get('KMODD_CLI')

UNBOUND = {'unbound': GLib.Variant('b', True)}
UNBIND = {'unbind': GLib.Variant('b', True)}

CARD = '0000:00:03.0'
CARD_MODALIAS = 'pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00'
VENDOR = 'Intel Corporation'
MODEL = '82540EM Gigabit Ethernet Controller'
CARD2 = '0000:00:04.0'
CARD2_MODALIAS = 'pci:v00008086d0000100Fsv00001AF4sd00001100bc02sc00i00'
# pcspkr is blacklisted by tests/fixtures/modprobe.d
SPEAKER_MODALIAS = 'platform:pcspkr'
# matches no module
ODD = 'odd0'
ODD_MODALIAS = 'kmodd-test:nothing-matches-this'


def syspath(bus, name):
    return '/sys/devices/fake-%s/%s' % (bus, name)


class DevicesListTestCase(KmoddTestCase):

    config = '[Daemon]\nAutoCleanInterval=0\n'

    def setUp(self):
        super().setUp()
        self.kernel.add_device('pci', CARD, CARD_MODALIAS, VENDOR, MODEL)
        self.kernel.add_device('pci', CARD2, CARD2_MODALIAS)
        self.kernel.add_device('platform', 'pcspkr', SPEAKER_MODALIAS)
        self.kernel.add_driver('e1000', 'pci:e1000')
        self.changes = []

    def devices(self, conn=None, options=None):
        found = self.call(conn or self.root, 'Devices', (options or {},), '(a{sv})')[0]
        return {d['syspath']: d for d in found}

    def watch_devices(self):
        def on_signal(_conn, _sender, _path, _iface, _name, params):
            self.changes.append(params.unpack())

        sub = self.root.signal_subscribe(BUS_NAME, INTERFACE, 'DevicesChanged', OBJECT_PATH,
                                         None, Gio.DBusSignalFlags.NONE, on_signal)
        self._subscriptions.append((self.root, sub))
        self.root.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                            'org.freedesktop.DBus', 'GetId', None, None,
                            Gio.DBusCallFlags.NONE, 5000, None)

    def bound_card(self):
        self.assertEqual(self.load(self.root, CARD_MODALIAS), ['e1000'])
        self.kernel.bind('pci:e1000', CARD)


class Devices(DevicesListTestCase):

    def test_bound_device(self):
        self.start_daemon()
        self.bound_card()
        devices = self.devices()
        card = devices[syspath('pci', CARD)]
        self.assertEqual(card, {
            'syspath': syspath('pci', CARD), 'subsystem': 'pci', 'modalias': CARD_MODALIAS,
            'vendor': VENDOR, 'model': MODEL, 'driver': 'e1000', 'module': 'e1000',
            'candidates': ['e1000'], 'blacklisted': []})
        # udev knows nothing of the second card; it has no driver
        card2 = devices[syspath('pci', CARD2)]
        self.assertEqual(card2, {
            'syspath': syspath('pci', CARD2), 'subsystem': 'pci', 'modalias': CARD2_MODALIAS,
            'candidates': ['e1000'], 'blacklisted': []})
        self.assertEqual(list(devices), sorted(devices))

    def test_unbound_filter(self):
        self.start_daemon()
        self.kernel.add_device('kmodd-test', ODD, ODD_MODALIAS)
        self.bound_card()
        unbound = self.devices(options=UNBOUND)
        self.assertEqual(sorted(unbound), sorted([syspath('pci', CARD2), syspath('platform', 'pcspkr'),
                                                  syspath('kmodd-test', ODD)]))
        self.assertEqual(unbound[syspath('kmodd-test', ODD)]['candidates'], [])
        self.assertEqual(len(self.devices()), 4)
        # false is every device
        self.assertEqual(len(self.devices(options={'unbound': GLib.Variant('b', False)})), 4)

    def test_blacklisted_candidate(self):
        self.start_daemon()
        speaker = self.devices()[syspath('platform', 'pcspkr')]
        self.assertEqual(speaker['candidates'], ['pcspkr'])
        self.assertEqual(speaker['blacklisted'], ['pcspkr'])
        self.assertNotIn('driver', speaker)
        # a blacklist line written now counts at once: nothing stale is kept
        self.assertEqual(self.devices()[syspath('pci', CARD)]['blacklisted'], [])
        conf = self.kernel.path('etc/modprobe.d/no-e1000.conf')
        with open(conf, 'w') as f:
            f.write('blacklist e1000\n')
        self.assertEqual(self.devices()[syspath('pci', CARD)]['blacklisted'], ['e1000'])
        os.unlink(conf)
        self.assertEqual(self.devices()[syspath('pci', CARD)]['blacklisted'], [])

    def test_no_authorization(self):
        self.start_daemon()
        self.bound_card()
        devices = self.devices(self.user)
        self.assertEqual(devices[syspath('pci', CARD)]['driver'], 'e1000')
        self.assertEqual(self.polkit_calls(), [])

    def test_bad_options(self):
        self.start_daemon()
        message = self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs', self.devices,
                                       options={'unbound': GLib.Variant('s', 'yes')})
        self.assertIn('unbound', message)
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs', self.devices,
                             options={'no-such-option': GLib.Variant('b', True)})
        many = {'o%d' % i: GLib.Variant('b', True) for i in range(33)}
        self.assertDBusError('org.freedesktop.DBus.Error.InvalidArgs', self.devices, options=many)
        self.assertDBusError('LimitsExceeded', self.devices,
                             options={'unbound': GLib.Variant('s', 'x' * 5000)})
        # still answering
        self.assertEqual(len(self.devices()), 3)


class Hotplug(DevicesListTestCase):

    def test_signals_follow_add_bind_unbind_remove(self):
        self.start_daemon()
        self.watch_devices()
        self.assertEqual(len(self.devices()), 3)
        new = '0000:00:05.0'
        path = syspath('pci', new)

        self.kernel.add_device('pci', new, CARD2_MODALIAS)
        self.assert_eventually(lambda: len(self.changes) == 1)
        self.assertEqual(self.changes[-1], (path, 'add', {'subsystem': 'pci',
                                                          'modalias': CARD2_MODALIAS}))
        # the answer already holds the change
        self.assertNotIn('driver', self.devices()[path])

        self.load(self.root, 'e1000')
        self.kernel.bind('pci:e1000', new)
        self.assert_eventually(lambda: len(self.changes) == 2)
        self.assertEqual(self.changes[-1], (path, 'bind', {'subsystem': 'pci',
                                                           'modalias': CARD2_MODALIAS,
                                                           'driver': 'e1000'}))
        self.assertEqual(self.devices()[path]['module'], 'e1000')
        self.assertNotIn(path, self.devices(options=UNBOUND))

        self.kernel.unbind('pci:e1000', new)
        self.assert_eventually(lambda: len(self.changes) == 3)
        self.assertEqual(self.changes[-1][:2], (path, 'unbind'))
        self.assertNotIn('driver', self.devices()[path])
        self.assertIn(path, self.devices(options=UNBOUND))

        self.kernel.remove_device('pci', new)
        self.assert_eventually(lambda: len(self.changes) == 4)
        self.assertEqual(self.changes[-1][:2], (path, 'remove'))
        self.assertNotIn(path, self.devices())

    def test_unload_with_unbind_signals_each_device(self):
        self.start_daemon()
        self.bound_card()
        self.kernel.bind('pci:e1000', CARD2)
        self.assertEqual(len(self.devices(options=UNBOUND)), 1)
        self.watch_devices()
        self.assertEqual(self.unload(self.root, 'e1000', UNBIND), ['e1000'])
        # (the binds' signals may still be on their way: only the unbinds count)
        unbinds = lambda: sorted(c[:2] for c in self.changes if c[1] == 'unbind')  # noqa: E731
        self.assert_eventually(lambda: len(unbinds()) == 2)
        self.assertEqual(unbinds(),
                         [(syspath('pci', CARD), 'unbind'), (syspath('pci', CARD2), 'unbind')])
        self.assertEqual(len(self.devices(options=UNBOUND)), 3)


class ListCount(DevicesListTestCase):

    def test_list_counts_devices(self):
        self.start_daemon()
        self.load(self.root, 'msdos')
        self.bound_card()
        self.assertEqual(self.list()['e1000']['devices'], 1)
        self.assertEqual(self.list()['msdos']['devices'], 0)
        # a bind changes no /proc/modules: the kept List reply must not hide it
        self.kernel.bind('pci:e1000', CARD2)
        self.assert_eventually(lambda: self.list()['e1000']['devices'] == 2)
        self.kernel.unbind('pci:e1000', CARD)
        self.kernel.unbind('pci:e1000', CARD2)
        self.assert_eventually(lambda: self.list()['e1000']['devices'] == 0)


class Kmodctl(DevicesListTestCase):

    def setUp(self):
        if not KMODCTL:
            raise RuntimeError('KMODD_CLI is not set')
        super().setUp()
        self.start_daemon()
        self.bound_card()

    def kmodctl(self, *args):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus_address, LC_ALL='C.UTF-8')
        proc = subprocess.run([KMODCTL] + list(args), env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=60 * self.time_factor())
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stderr, '')
        return proc.stdout

    def test_table(self):
        lines = self.kmodctl('devices').splitlines()
        self.assertEqual(lines[0].split(), ['Address', 'Subsystem', 'Device', 'Driver', 'Candidates'])
        rows = {line.split()[0]: line for line in lines[1:]}
        self.assertEqual(set(rows), {CARD, CARD2, 'pcspkr'})
        self.assertRegex(rows[CARD], r'^%s +pci +%s %s +e1000 +e1000$' % (CARD, VENDOR, MODEL))
        self.assertRegex(rows[CARD2], r'^%s +pci +- +- +e1000$' % CARD2)
        self.assertRegex(rows['pcspkr'], r'^pcspkr +platform +- +- +pcspkr\(blacklisted\)$')
        unbound = self.kmodctl('devices', '--unbound').splitlines()
        self.assertEqual(sorted(line.split()[0] for line in unbound[1:]), [CARD2, 'pcspkr'])

    def test_json(self):
        doc = json.loads(self.kmodctl('devices', '--json'))
        devices = {d['syspath']: d for d in doc['devices']}
        self.assertEqual(devices[syspath('pci', CARD)], {
            'syspath': syspath('pci', CARD), 'subsystem': 'pci', 'modalias': CARD_MODALIAS,
            'vendor': VENDOR, 'model': MODEL, 'driver': 'e1000', 'module': 'e1000',
            'candidates': ['e1000'], 'blacklisted': []})
        self.assertEqual(devices[syspath('platform', 'pcspkr')], {
            'syspath': syspath('platform', 'pcspkr'), 'subsystem': 'platform',
            'modalias': SPEAKER_MODALIAS, 'vendor': None, 'model': None, 'driver': None,
            'module': None, 'candidates': ['pcspkr'], 'blacklisted': ['pcspkr']})
        doc = json.loads(self.kmodctl('devices', '--unbound', '--json'))
        self.assertEqual(sorted(d['syspath'] for d in doc['devices']),
                         [syspath('pci', CARD2), syspath('platform', 'pcspkr')])

    def test_list_shows_the_count(self):
        lines = self.kmodctl('list').splitlines()
        self.assertEqual(lines[0].split()[4], 'Devices')
        rows = {line.split()[0]: line.split() for line in lines[1:]}
        self.assertEqual(rows['e1000'][4], '1')
        modules = {m['name']: m for m in json.loads(self.kmodctl('list', '--json'))['modules']}
        self.assertEqual(modules['e1000']['devices'], 1)


class Client(DevicesListTestCase):

    def test_devices_and_signal(self):
        self.start_daemon()
        self.bound_card()
        client = Kmodd.Client.new_for_connection_sync(self.root, Kmodd.ClientFlags.NONE, None)
        devices = {d.get_syspath(): d for d in client.devices_sync(Kmodd.DevicesFlags.NONE, None)}
        card = devices[syspath('pci', CARD)]
        self.assertEqual((card.get_subsystem(), card.get_modalias(), card.get_vendor(),
                          card.get_model(), card.get_driver(), card.get_module(),
                          card.get_candidates(), card.get_blacklisted()),
                         ('pci', CARD_MODALIAS, VENDOR, MODEL, 'e1000', 'e1000', ['e1000'], []))
        self.assertEqual(card.props.driver, 'e1000')
        speaker = devices[syspath('platform', 'pcspkr')]
        self.assertIsNone(speaker.get_driver())
        self.assertIsNone(speaker.get_vendor())
        self.assertEqual(speaker.get_blacklisted(), ['pcspkr'])
        unbound = client.devices_sync(Kmodd.DevicesFlags.UNBOUND, None)
        self.assertEqual(sorted(d.get_syspath() for d in unbound),
                         [syspath('pci', CARD2), syspath('platform', 'pcspkr')])
        # List's count, through the library
        modules = {m.get_name(): m for m in client.list_sync(Kmodd.ListFlags.NONE, None, None)}
        self.assertEqual(modules['e1000'].get_devices(), 1)

        seen = []
        client.connect('devices-changed',
                       lambda _c, path, action, details: seen.append((path, action,
                                                                      details.unpack())))
        self.kernel.unbind('pci:e1000', CARD)
        # (the bind's signal may come late, under valgrind: only the unbind counts)
        self.assert_eventually(lambda: [s for s in seen if s[1] == 'unbind'])
        self.assertEqual([s for s in seen if s[1] == 'unbind'],
                         [(syspath('pci', CARD), 'unbind',
                           {'subsystem': 'pci', 'modalias': CARD_MODALIAS})])

        # asynchronously
        result = []
        client.devices_async(Kmodd.DevicesFlags.UNBOUND, None,
                             lambda c, res: result.append(c.devices_finish(res)))
        self.assert_eventually(lambda: result)
        self.assertEqual(len(result[0]), 3)


if __name__ == '__main__':
    kmoddtest.main()
