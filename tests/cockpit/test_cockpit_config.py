# SPDX-License-Identifier: LGPL-2.1-or-later
'''The "Configuration" part of the Cockpit page's details dialog
(cockpit/kmodd-config.js) in a real browser: load at boot, blocked and
persistent parameters against the fake kernel's /etc, kept true by
ConfigurationChanged. The world is test_cockpit.py's.'''

import os

from selenium.webdriver.common.by import By

import kmoddtest
from kmoddtest import NOBODY
from test_cockpit import CockpitTestCase

ETC_LOAD = 'etc/modules-load.d/kmodd.conf'
ETC_MODPROBE = 'etc/modprobe.d/kmodd.conf'
CONTROLS = ('config-boot', 'config-blocked', 'config-parameters', 'config-parameters-save')


class CockpitConfigTest(CockpitTestCase):

    def setUp(self):
        super().setUp()
        os.makedirs(self.kernel.path('run'), exist_ok=True)
        os.makedirs(self.kernel.path('boot'), exist_ok=True)

    def lines(self, relpath):
        '''The lines of a file of the fake tree without comments; None when
        there is no file.'''
        try:
            with open(self.kernel.path(relpath)) as f:
                return [line for line in f.read().splitlines() if line and not line.startswith('#')]
        except FileNotFoundError:
            return None

    def open_details(self, name):
        self.wait_rows([name])
        self.click('#modules-body tr[data-module="%s"] button.kmodd-name' % name)
        self.wait_js('const f = document.getElementById("config-form"); return f && !f.hidden',
                     message='no configuration in the details of %s: %r'
                     % (name, self.text('#info-body')))

    def checked(self, control):
        return self.driver.execute_script(
            'return document.getElementById(arguments[0]).checked', control)

    def enabled(self, control):
        return self.driver.execute_script(
            'const e = document.getElementById(arguments[0]); return !e.disabled', control)

    def wait_text(self, selector, part):
        return self.wait(lambda: part in (self.text(selector) or ''),
                         message='%r not in %s: %r' % (part, selector, self.text(selector)))

    def shot(self, name, element_id):
        '''A screenshot with the element in view (the dialog scrolls).'''
        self.driver.execute_script(
            'document.getElementById(arguments[0]).scrollIntoView({block: "center"})', element_id)
        self.screenshot(name)

    def set_parameters(self, text):
        self.wait(lambda: self.enabled('config-parameters-save'), message='the save button stays disabled')
        self.type_into('#config-parameters', text)
        self.click('#config-parameters-save')

    def test_boot_load_and_parameters(self):
        self.load(self.root, 'dummy')
        port = self.start_ws()
        self.open_page(port)
        self.open_details('dummy')
        self.assertFalse(self.checked('config-boot'))
        self.assertFalse(self.checked('config-blocked'))
        self.assertIn('No modules-load.d file', self.text('#config-boot-source'))
        self.assertTrue(self.text('#config-access') in (None, ''))
        self.wait(lambda: self.enabled('config-boot'), message='load at boot is disabled for root')

        # load at boot: the switch, kmodd's modules-load.d file
        self.click('#config-boot')
        self.wait_text('#config-boot-source', '/etc/modules-load.d/kmodd.conf')
        self.assertTrue(self.checked('config-boot'))
        self.assertEqual(self.lines(ETC_LOAD), ['dummy'])
        self.shot('boot-load', 'config-boot')

        # persistent parameters
        self.set_parameters('numdummies=2')
        self.wait_text('#config-parameters-source', 'In /etc/modprobe.d/kmodd.conf')
        self.assertEqual(self.lines(ETC_MODPROBE), ['options dummy numdummies=2'])
        self.wait_text('#config-parameters-helper', 'apply from its next load')
        self.wait(lambda: self.driver.find_elements(
            By.CSS_SELECTOR, '#config-entries tr[data-kind="options"]'
            '[data-source="/etc/modprobe.d/kmodd.conf"]'), message='no options line in the entries')
        self.assertEqual(self.driver.find_element(By.ID, 'config-parameters').get_attribute('value'),
                         'numdummies=2')

        # bad parameters: refused next to the field, nothing written
        self.set_parameters('numdummies=2;reboot')
        self.wait_text('#config-parameters-helper', 'character not allowed in a value')
        self.assertEqual(self.driver.find_element(By.ID, 'config-parameters')
                         .get_attribute('aria-invalid'), 'true')
        self.set_parameters('no_such_parameter=1')
        self.wait_text('#config-parameters-helper', 'no parameter “no_such_parameter”')
        self.set_parameters('numdummies="2"')
        self.wait_text('#config-parameters-helper', 'Quotes')
        self.shot('bad-parameter', 'config-parameters')
        self.assertEqual(self.lines(ETC_MODPROBE), ['options dummy numdummies=2'])

        # ConfigurationChanged: a change made elsewhere shows while the
        # dialog is open (a call of kmodd's here, a hand edit below)
        self.call(self.root, 'SetBootLoad', ('dummy', False, {}), '(sba{sv})')
        self.wait(lambda: not self.checked('config-boot'), message='load at boot stayed on')
        self.wait_text('#config-boot-source', 'No modules-load.d file')
        with open(self.kernel.path('etc/modprobe.d/by-hand.conf'), 'w') as f:
            f.write('options dummy numdummies=3\n')
        self.wait_text('#config-parameters-source', '/etc/modprobe.d/by-hand.conf gives “numdummies=3”')

        # an empty field removes kmodd's line, not while another file gives
        # options: that is a sentence naming the file
        self.set_parameters('')
        self.wait_text('#config-parameters-helper', 'does not manage')
        self.assertIn('by-hand.conf', self.text('#config-parameters-helper'))
        self.assertEqual(self.driver.find_element(By.ID, 'config-parameters').get_attribute('value'), '')
        self.assertNotIn('org.freedesktop', self.text('#config-parameters-helper'))
        self.assertEqual(self.lines(ETC_MODPROBE), ['options dummy numdummies=2'])
        self.shot('elsewhere', 'config-parameters')
        os.unlink(self.kernel.path('etc/modprobe.d/by-hand.conf'))
        self.wait_text('#config-parameters-source', 'In /etc/modprobe.d/kmodd.conf')
        self.set_parameters('')
        self.wait(lambda: self.lines(ETC_MODPROBE) is None,
                  message='kmodd.conf still has %r' % self.lines(ETC_MODPROBE))
        self.wait(lambda: not self.driver.find_elements(
            By.CSS_SELECTOR, '#config-entries tr[data-source="/etc/modprobe.d/kmodd.conf"]'),
            message='the entries still show kmodd.conf')
        self.shot('parameters', 'config-parameters')

    def test_block_loaded_module_asks_first(self):
        self.load(self.root, 'msdos')     # fat is used by msdos
        self.load_externally('pcspkr')    # blacklisted by the fixture's kmodd-test.conf
        port = self.start_ws()
        self.open_page(port)
        self.open_details('fat')
        self.wait(lambda: self.enabled('config-blocked'), message='blocked is disabled for root')
        self.click('#config-blocked')
        confirm = self.wait_js('const c = document.getElementById("config-confirm");'
                               'return c && !c.hidden && c.innerText', message='no confirmation')
        self.assertIn('does not unload', confirm)
        self.assertIn('msdos', confirm)
        self.assertFalse(self.checked('config-blocked'))
        self.shot('confirm', 'config-confirm')
        self.assertIsNone(self.lines(ETC_MODPROBE))
        # cancel writes nothing
        self.click('#config-confirm-cancel')
        self.assertIsNone(self.lines(ETC_MODPROBE))
        self.click('#config-blocked')
        self.click('#config-confirm-block')
        self.wait_text('#config-blocked-source', 'Blocked by /etc/modprobe.d/kmodd.conf')
        self.assertTrue(self.checked('config-blocked'))
        self.assertEqual(self.lines(ETC_MODPROBE), ['blacklist fat', 'install fat /bin/false'])
        self.wait_text('#config-blocked-helper', 'stays loaded')
        self.assertIn('fat', self.kernel.loaded())
        self.assertIn('fat', self.rows())
        self.shot('blocked', 'config-blocked')
        self.click('#info-close')

        # pcspkr: blocked by a file kmodd does not own, named; unblocking
        # it is refused with a sentence
        self.open_details('pcspkr')
        self.assertTrue(self.checked('config-blocked'))
        self.assertIn('/etc/modprobe.d/kmodd-test.conf', self.text('#config-blocked-source'))
        self.wait(lambda: self.driver.find_elements(
            By.CSS_SELECTOR, '#config-entries tr[data-kind="blacklist"]'
            '[data-source="/etc/modprobe.d/kmodd-test.conf"]'), message='no blacklist line shown')
        self.wait(lambda: self.enabled('config-blocked'), message='blocked is disabled for root')
        self.click('#config-blocked')
        error = self.wait_text('#config-blocked-helper', 'does not manage')
        error = self.text('#config-blocked-helper')
        self.assertIn('kmodd-test.conf', error)
        self.assertNotIn('org.freedesktop', error)
        self.assertEqual(self.driver.find_element(By.ID, 'config-blocked-helper')
                         .get_attribute('data-error'), 'ConfiguredElsewhere')
        self.wait(lambda: self.checked('config-blocked'), message='the switch did not go back on')
        self.shot('elsewhere', 'config-blocked')

    def test_group_member_sees_configuration_disabled(self):
        '''kmodd's group rule does not grant ...configure: without
        administrative access the controls are disabled with the reason.'''
        self.load(self.root, 'dummy')
        self.call(self.root, 'SetBootLoad', ('dummy', True, {}), '(sba{sv})')
        port = self.start_ws(uid=NOBODY, group_kmodd=True)
        self.open_page(port)
        self.wait(lambda: 'member of group kmodd' in (self.text('#access-note') or ''),
                  message='the page does not know the user is in group kmodd')
        self.open_details('dummy')
        # what is configured shows all the same
        self.wait(lambda: self.checked('config-boot'), message='load at boot is not shown on')
        self.assertIn('/etc/modules-load.d/kmodd.conf', self.text('#config-boot-source'))
        reason = self.wait(lambda: self.text('#config-access'), message='no reason shown')
        self.assertIn('administrative access', reason)
        self.assertIn('group kmodd is not enough', reason)
        for control in CONTROLS:
            element = self.driver.find_element(By.ID, control)
            self.assertIsNotNone(element.get_attribute('disabled'), control)
            self.assertIn('administrative access', element.get_attribute('title'), control)
        self.shot('disabled', 'config-blocked')
        self.assertEqual([c for c in self.polkit_calls() if c[2] == kmoddtest.ACTION + 'configure'], [])
        self.assertEqual(self.lines(ETC_LOAD), ['dummy'])


if __name__ == '__main__':
    kmoddtest.main()
