# SPDX-License-Identifier: LGPL-2.1-or-later
'''Reload (cockpit/kmodd.js) and the "Devices" tab (cockpit/kmodd-devices.js)
of the Cockpit page in a real browser, against the fake kernel's devices,
drivers and uevents (tests/fakekernel/README.md). The world is
test_cockpit.py's.'''

import errno

import kmoddtest
from kmoddtest import NOBODY
from test_cockpit import CockpitTestCase, GLibVariant

CARD = '0000:00:03.0'
CARD_MODALIAS = 'pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00'
VENDOR = 'Intel Corporation'
MODEL = '82540EM Gigabit Ethernet Controller'
CARD2 = '0000:00:04.0'
CARD2_MODALIAS = 'pci:v00008086d0000100Fsv00001AF4sd00001100bc02sc00i00'
NEW_CARD = '0000:00:05.0'
# pcspkr is blacklisted by tests/fixtures/modprobe.d
SPEAKER_MODALIAS = 'platform:pcspkr'


def syspath(bus, name):
    return '/sys/devices/fake-%s/%s' % (bus, name)


class CockpitDevicesTestCase(CockpitTestCase):

    def setUp(self):
        super().setUp()
        self.kernel.add_device('pci', CARD, CARD_MODALIAS, VENDOR, MODEL)
        self.kernel.add_driver('e1000', 'pci:e1000')

    def bound_card(self):
        self.assertEqual(self.load(self.root, 'e1000'), ['e1000'])
        self.kernel.bind('pci:e1000', CARD)

    def alert(self, selector):
        '''The text of the first alert matching selector, once there.'''
        return self.wait(lambda: self.text('#alerts ' + selector),
                         message='no alert %s; alerts: %r' % (selector, self.text('#alerts')))

    # -- the devices tab ------------------------------------------------

    def open_devices(self):
        self.click('#tab-devices')
        self.wait_js('const c = document.getElementById("devices-card");'
                     'return !c.hidden && c.getAttribute("data-listed") === "true"',
                     message='the devices were not listed')

    def device_rows(self):
        return self.driver.execute_script(
            'return Array.from(document.querySelectorAll("#devices-body tr[data-syspath]"))'
            '.map(r => r.getAttribute("data-syspath"))')

    def device_text(self, path, selector=''):
        return self.driver.execute_script(
            'const r = document.querySelector("#devices-body tr[data-syspath=\\"" + arguments[0] + "\\"] "'
            ' + arguments[1]); return r ? r.innerText : null', path, selector)

    def wait_device_rows(self, paths):
        want = set(paths)
        self.wait(lambda: set(self.device_rows()) == want,
                  message='the devices tab shows %s, not %s' % (self.device_rows(), sorted(want)))


class CockpitReloadTest(CockpitDevicesTestCase):

    def test_reload_shows_what_it_did(self):
        '''Reload of a driver that serves a device asks first, then says
        what was removed and loaded again; the module stays listed and the
        card is bound again. A module with holders is InUse, naming them.'''
        self.bound_card()
        self.load(self.root, 'msdos')
        port = self.start_ws()
        self.open_page(port)
        self.wait_rows(['e1000', 'fat', 'msdos'])
        self.click('#modules-body tr[data-module="e1000"] button.kmodd-reload')
        body = self.wait(lambda: self.text('#reload-dialog:not([hidden]) #reload-body'),
                         message='Reload of a driver in use did not ask first')
        self.assertIn('e1000 drives 1 device', body)
        self.screenshot('confirm')
        self.assertIn('e1000', self.kernel.loaded())
        self.click('#reload-confirm')
        alert = self.alert('[data-reloaded="e1000"]')
        self.assertIn('e1000 was reloaded', alert)
        self.assertIn('Removed e1000, then loaded e1000.', alert)
        self.wait_rows(['e1000'])
        self.assertIn('e1000', self.list())
        self.assertEqual(self.kernel.bound('pci:e1000'), [CARD])
        self.screenshot('reloaded')
        # holders: refused before anything changes, naming them
        self.click('#modules-body tr[data-module="fat"] button.kmodd-reload')
        alert = self.alert('[data-error="InUse"]')
        self.assertIn('fat was not reloaded', alert)
        self.assertIn('msdos', alert)
        self.assertNotIn('org.freedesktop', alert)
        self.assertIn('fat', self.kernel.loaded())
        self.screenshot('in-use')

    def test_reload_that_cannot_load_again(self):
        '''The load half fails: the page says that the module was removed
        and could not be loaded again, and its row goes with the signal.'''
        self.bound_card()
        port = self.start_ws()
        self.open_page(port)
        self.wait_rows(['e1000'])
        self.kernel.fail_init({'e1000': errno.ENODEV})
        self.click('#modules-body tr[data-module="e1000"] button.kmodd-reload')
        self.click('#reload-confirm')
        alert = self.alert('.pf-m-danger[data-error]')
        self.assertIn('e1000 is no longer loaded', alert)
        self.assertIn('e1000 was removed and could not be loaded again: it is not loaded now.', alert)
        self.assertNotIn('org.freedesktop', alert)
        self.wait_rows(['e1000'], present=False)
        self.assertNotIn('e1000', self.kernel.loaded())
        self.screenshot('not-loaded-again')
        # the card has no driver now, and the devices tab says so
        self.open_devices()
        self.wait(lambda: self.device_text(syspath('pci', CARD), '.kmodd-device-driver') == 'none',
                  message='the card still shows a driver: %r' % self.device_text(syspath('pci', CARD)))

    def test_user_not_in_group_sees_reload_disabled(self):
        self.load(self.root, 'loop')
        port = self.start_ws(uid=NOBODY)
        self.open_page(port)
        self.wait_rows(['loop'])
        # (the row is made again once the page knows the user: look it up each time)
        title = self.wait(lambda: self.driver.execute_script(
            'const b = document.querySelector(\'#modules-body tr[data-module="loop"] button.kmodd-reload\');'
            'return b && b.disabled && b.title'), message='Reload is enabled for a user without access')
        self.assertIn('administrative access', title)
        self.assertIn('group kmodd', title)
        self.assertIn('reloading', self.text('#access-note'))
        self.screenshot('disabled')
        self.assertEqual([c for c in self.polkit_calls() if c[2].endswith('.reload')], [])

    def test_group_member_reloads_without_interactive_authorization(self):
        self.load(self.root, 'loop')
        self.allow('reload')
        port = self.start_ws(uid=NOBODY, group_kmodd=True)
        self.open_page(port)
        self.wait_rows(['loop'])
        self.wait(lambda: self.driver.execute_script(
            'const b = document.querySelector(\'#modules-body tr[data-module="loop"] button.kmodd-reload\');'
            'return b && !b.disabled'), message='Reload is disabled for a member of group kmodd')
        self.click('#modules-body tr[data-module="loop"] button.kmodd-reload')
        self.assertIn('loop was reloaded', self.alert('[data-reloaded="loop"]'))
        calls = [c for c in self.polkit_calls() if c[2].endswith('.reload')]
        self.assertTrue(calls, 'polkit was not asked')
        for _kind, _name, _action, _details, flags in calls:
            self.assertEqual(flags & 1, 0, 'the call allowed user interaction')
        self.wait_rows(['loop'])
        self.screenshot('reloaded')


class CockpitDevicesTest(CockpitDevicesTestCase):

    def setUp(self):
        super().setUp()
        self.kernel.add_device('pci', CARD2, CARD2_MODALIAS)
        self.kernel.add_device('platform', 'pcspkr', SPEAKER_MODALIAS)

    def test_devices_follow_hotplug(self):
        self.bound_card()
        port = self.start_ws()
        self.open_page(port)
        self.driver.execute_script('window.kmoddNotReloaded = true')
        self.open_devices()
        everything = [syspath('pci', CARD), syspath('pci', CARD2), syspath('platform', 'pcspkr')]
        self.wait_device_rows(everything)
        card = syspath('pci', CARD)
        self.assertEqual(self.device_text(card, '.kmodd-device-address'), CARD)
        self.assertIn(card, self.device_text(card))
        self.assertIn('pci', self.device_text(card))
        self.assertIn('%s %s' % (VENDOR, MODEL), self.device_text(card))
        self.assertEqual(self.device_text(card, '.kmodd-device-driver'), 'e1000')
        self.assertEqual(self.device_text(card, '.kmodd-device-module'), 'e1000')
        self.assertEqual(self.device_text(card, '.kmodd-device-candidates'), 'e1000')
        self.assertEqual(self.device_text(syspath('pci', CARD2), '.kmodd-device-driver'), 'none')
        self.assertIn('unknown', self.device_text(syspath('pci', CARD2)))
        # the blacklisted candidate is marked
        speaker = syspath('platform', 'pcspkr')
        self.assertIn('pcspkr', self.device_text(speaker, '.kmodd-device-candidates'))
        self.assertIn('blacklisted', self.device_text(speaker, '.kmodd-device-candidates'))
        marked = self.driver.execute_script(
            'return Array.from(document.querySelectorAll("#devices-body [data-blacklisted]"))'
            '.map(e => [e.closest("tr").getAttribute("data-syspath"), e.getAttribute("data-candidate")])')
        self.assertEqual(marked, [[speaker, 'pcspkr']])
        self.assertIn('3 devices', self.text('#devices-count'))
        self.screenshot('devices')

        # plugged in now: DevicesChanged, no page reload
        self.kernel.add_device('pci', NEW_CARD, CARD2_MODALIAS)
        everything.append(syspath('pci', NEW_CARD))
        self.wait_device_rows(everything)
        self.assertTrue(self.driver.execute_script('return window.kmoddNotReloaded === true'),
                        'the page was reloaded')

        # only the devices without a driver; a bind takes the card out
        self.click('label[for="devices-unbound"]')
        self.wait_device_rows(everything[1:])
        self.wait(lambda: 'without a driver' in (self.text('#devices-count') or ''),
                  message='the count does not say "without a driver": %r' % self.text('#devices-count'))
        self.kernel.bind('pci:e1000', NEW_CARD)
        self.wait_device_rows(everything[1:3])
        self.screenshot('unbound')
        self.click('label[for="devices-unbound"]')
        self.wait_device_rows(everything)
        self.wait(lambda: self.device_text(syspath('pci', NEW_CARD), '.kmodd-device-module') == 'e1000',
                  message='the new card does not show e1000')

        # a module opens its details
        self.click('#devices-body tr[data-syspath="%s"] .kmodd-device-module button' % card)
        self.wait_js('return !document.getElementById("info-dialog").hidden', message='no details')
        self.assertEqual(self.text('#info-title'), 'e1000')
        drives = self.wait(lambda: self.text('#info-body [data-term="Drives"]'),
                           message='the details of e1000 do not say what it drives')
        self.assertIn(CARD, drives)
        self.screenshot('module-details')

    def test_a_burst_of_changes_is_one_read(self):
        '''Signals in a burst (here: a module's removal unbinds each of its
        devices) are read with one call, not one each: fifty changes within
        one task of the page make one Devices call.'''
        self.bound_card()
        self.kernel.bind('pci:e1000', CARD2)
        port = self.start_ws()
        self.open_page(port)
        self.open_devices()
        self.wait_device_rows([syspath('pci', CARD), syspath('pci', CARD2), syspath('platform', 'pcspkr')])
        idle = ('const c = document.getElementById("devices-card");'
                'return c.getAttribute("data-busy") === "false" && window.kmoddDevices.reads()')
        before = self.wait_js(idle, message='the devices tab did not settle')
        self.driver.execute_script('for (let i = 0; i < 50; i++) window.kmoddDevices.changed()')
        after = self.wait_js(idle + ' > arguments[0] && window.kmoddDevices.reads()', before,
                             message='fifty changes made no read')
        self.assertEqual(after, before + 1)
        # a real burst: both cards lose their driver
        self.unload(self.root, 'e1000', {'unbind': GLibVariant.b(True)})
        self.wait(lambda: [self.device_text(syspath('pci', c), '.kmodd-device-driver') for c in (CARD, CARD2)]
                  == ['none', 'none'], message='the cards still show a driver')
        self.screenshot('after-burst')


if __name__ == '__main__':
    kmoddtest.main()
