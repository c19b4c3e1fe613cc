# SPDX-License-Identifier: LGPL-2.1-or-later
'''The Cockpit page (cockpit/) in a real browser.

Every test gets the integration tests' world (kmoddtest.py: the fake kernel,
a private system bus with kmodd's bus policy, the polkitd mock and the real
kmodd), plus Debian's cockpit-ws listening on 127.0.0.1 inside the test's
own network namespace, and Debian's chromium driven headless by selenium
(chromium-driver).

cockpit-ws runs with --local-session=cockpit-bridge: it starts the bridge
as the user cockpit-ws runs as, with cockpit-ws's environment (so the
bridge talks to the private bus through DBUS_SYSTEM_BUS_ADDRESS and finds
the page through XDG_DATA_DIRS), and asks for no login. A real login would
go through PAM and cockpit-session, which would need the test to create
users and passwords on the machine; --local-session needs neither. For the
unprivileged user it runs as uid 65534 (setpriv), the same uid the
integration tests use for "a user".

The browser opens Cockpit's shell (http://127.0.0.1:PORT/kmodd), as a person
would, and the tests look inside the page's frame. Each test saves
screenshots in the log directory (KMODD_COCKPIT_LOG_DIR, meson's log
directory); the assertions are on the page's content.
'''

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import unittest

import dbus
from gi.repository import Gio

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

import kmoddtest
from kmoddtest import NOBODY, KmoddTestCase

COCKPIT_WS = '/usr/lib/cockpit/cockpit-ws'
KMODD_GID = 64123   # group "kmodd" in the tests' private /etc/group
PAGE_FILES = ('manifest.json', 'index.html', 'kmodd-validate.js', 'kmodd.js', 'kmodd-config.js',
              'kmodd-devices.js', 'kmodd.css', 'patternfly.css', 'status-icon-sprite.svg')
LOG_DIR = os.environ.get('KMODD_COCKPIT_LOG_DIR') or os.path.join(kmoddtest.SOURCE_ROOT, 'build',
                                                                   'meson-logs', 'cockpit')


def lo_up():
    '''Brings up the loopback interface of this (new) network namespace.'''
    subprocess.run(['ip', 'link', 'set', 'lo', 'up'], check=True)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class CockpitTestCase(KmoddTestCase):
    '''KmoddTestCase plus cockpit-ws and a headless chromium.'''

    def setUp(self):
        super().setUp()
        lo_up()
        self.start_daemon()
        self.ws = []
        self.driver = None
        # the page, installed as meson would, for the bridge to find
        self.data_dir = os.path.join(self.tmp, 'share')
        page_dir = os.path.join(self.data_dir, 'cockpit', 'kmodd')
        os.makedirs(page_dir)
        for name in PAGE_FILES:
            shutil.copy(os.path.join(kmoddtest.SOURCE_ROOT, 'cockpit', name), page_dir)
        subprocess.run(['chmod', '-R', 'a+rX', self.data_dir], check=True)
        os.makedirs(LOG_DIR, exist_ok=True)

    def tearDown(self):
        if self.driver is not None:
            if self._outcome_failed():
                self.screenshot('failure')
                for entry in self.browser_log():
                    sys.stderr.write('browser: %s\n' % entry.get('message'))
            self.driver.quit()
        for ws in self.ws:
            ws.terminate()
            try:
                ws.wait(10 * self.time_factor())
            except subprocess.TimeoutExpired:
                ws.kill()
                ws.wait()
        self.kill_session_leftovers()
        super().tearDown()

    def kill_session_leftovers(self):
        '''cockpit-bridge starts a session bus (dbus-daemon --session) for
        its session when there is none, in a session of its own, and leaves
        it behind when cockpit-ws goes: kill what runs with this test's
        XDG_RUNTIME_DIR, so that no test leaves a process (and its inotify
        instance) behind.'''
        marker = ('XDG_RUNTIME_DIR=' + self.tmp + os.sep).encode()
        for pid in os.listdir('/proc'):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                with open('/proc/%s/environ' % pid, 'rb') as f:
                    environ = f.read().split(b'\0')
            except OSError:
                continue
            if any(e.startswith(marker) for e in environ):
                try:
                    os.kill(int(pid), signal.SIGTERM)
                except ProcessLookupError:
                    pass

    # -- cockpit-ws -----------------------------------------------------

    def start_ws(self, uid=0, group_kmodd=False):
        '''Starts cockpit-ws on 127.0.0.1 with a local session as uid;
        returns its port. With group_kmodd, the session's user is in a group
        "kmodd" that only this test sees (a copy of /etc/group bind-mounted
        in a mount namespace of cockpit-ws's own).'''
        port = free_port()
        home = os.path.join(self.tmp, 'home-%d' % uid)
        os.makedirs(home, exist_ok=True)
        os.chown(home, uid, uid)
        env = {
            'PATH': '/usr/sbin:/usr/bin:/sbin:/bin',
            'HOME': home,
            'LC_ALL': 'C.UTF-8',
            'DBUS_SYSTEM_BUS_ADDRESS': self.bus_address,
            'XDG_DATA_DIRS': self.data_dir + ':/usr/local/share:/usr/share',
            'XDG_RUNTIME_DIR': home,
        }
        argv = [COCKPIT_WS, '--no-tls', '--address', '127.0.0.1', '--port', str(port),
                '--local-session=cockpit-bridge']
        if uid != 0:
            groups = '--clear-groups'
            if group_kmodd:
                groups = '--groups=%d' % KMODD_GID
            argv = ['setpriv', '--reuid=%d' % uid, '--regid=%d' % uid, groups] + argv
        if group_kmodd:
            group_file = os.path.join(self.tmp, 'group')
            with open('/etc/group') as f:
                lines = [line for line in f if not line.startswith('kmodd:')]
            with open(group_file, 'w') as f:
                f.writelines(lines + ['kmodd:x:%d:\n' % KMODD_GID])
            os.chmod(group_file, 0o644)
            argv = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
                    'mount --bind "$0" /etc/group && exec "$@"', group_file] + argv
        log = open(os.path.join(self.tmp, 'cockpit-ws-%d.log' % uid), 'ab')
        ws = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.ws.append(ws)
        deadline = time.monotonic() + 30 * self.time_factor()
        while True:
            self.assertIsNone(ws.poll(), 'cockpit-ws exited')
            try:
                socket.create_connection(('127.0.0.1', port), 1).close()
                return port
            except OSError:
                if time.monotonic() > deadline:
                    self.fail('cockpit-ws did not listen on port %d' % port)
                time.sleep(0.05)

    # -- the browser ----------------------------------------------------

    def start_browser(self):
        options = Options()
        for arg in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
                    '--window-size=1280,860', '--lang=en-US', '--no-first-run',
                    '--disable-background-networking', '--disable-extensions'):
            options.add_argument(arg)
        options.binary_location = '/usr/bin/chromium'
        options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
        self.driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)
        self.driver.set_page_load_timeout(120 * self.time_factor())
        return self.driver

    def browser_log(self):
        try:
            return self.driver.get_log('browser')
        except WebDriverException:
            return []

    def open_page(self, port):
        '''Opens the page in Cockpit's shell and switches into its frame;
        returns when the list is rendered.'''
        if self.driver is None:
            self.start_browser()
        self.driver.switch_to.default_content()
        self.driver.get('http://127.0.0.1:%d/kmodd' % port)
        self.enter_frame()
        self.wait_js('return document.body && document.body.getAttribute("data-listed") === "true"',
                     message='the module list was not rendered')

    def enter_frame(self):
        frame = self.wait(lambda: self.driver.find_elements(
            By.CSS_SELECTOR, 'iframe[name="cockpit1:localhost/kmodd"]'), message='no frame for the page')
        self.driver.switch_to.frame(frame[0])

    def wait(self, condition, timeout=60, message=None, interval=0.02):
        '''Polls condition until it returns something true; returns it.'''
        deadline = time.monotonic() + timeout * self.time_factor()
        while True:
            try:
                value = condition()
            except WebDriverException:
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail(message or 'condition not met within %ss' % timeout)
            time.sleep(interval)

    def wait_js(self, script, *args, **kwargs):
        return self.wait(lambda: self.driver.execute_script(script, *args), **kwargs)

    def screenshot(self, name):
        path = os.path.join(LOG_DIR, '%s-%s.png' % (self.id().split('.')[-1], name))
        self.driver.save_screenshot(path)
        sys.stderr.write('screenshot: %s\n' % path)
        return path

    # -- the page's content ---------------------------------------------

    def rows(self):
        return self.driver.execute_script(
            'return Array.from(document.querySelectorAll("#modules-body tr[data-module]"))'
            '.map(r => r.getAttribute("data-module"))')

    def row_text(self, name):
        return self.driver.execute_script(
            'const r = document.querySelector("#modules-body tr[data-module=\\"" + arguments[0] + "\\"]");'
            'return r ? r.innerText : null', name)

    def text(self, selector):
        return self.driver.execute_script(
            'const e = document.querySelector(arguments[0]); return e ? e.innerText : null', selector)

    def click(self, selector):
        '''Clicks the element; finds it again if the page replaced it.'''
        def find_and_click():
            self.driver.find_element(By.CSS_SELECTOR, selector).click()
            return True
        self.wait(find_and_click, message='cannot click %s' % selector)

    def type_into(self, selector, text):
        field = self.driver.find_element(By.CSS_SELECTOR, selector)
        field.clear()
        field.send_keys(text)

    def load_externally(self, *names):
        '''Inserts modules with the real modprobe, outside kmodd.'''
        result = self.kernel.run_external(['modprobe', '-a'] + list(names))
        self.assertEqual(result.returncode, 0, result.stderr)

    def wait_rows(self, names, present=True):
        want = set(names)
        self.wait(lambda: (want <= set(self.rows())) if present else not (want & set(self.rows())),
                  message='rows %s did not %s; the page shows %s'
                  % (sorted(want), 'appear' if present else 'go', self.rows()))


class CockpitPageTest(CockpitTestCase):

    def test_list_shows_the_kernels_modules(self):
        self.load_externally('loop', 'msdos', 'dummy')
        self.load(self.root, 'vfat', {'autoclean': GLibVariant.b(True)})
        port = self.start_ws()
        self.open_page(port)
        want = set(self.list())
        self.assertGreaterEqual(len(want), 5)
        self.wait(lambda: set(self.rows()) == want,
                  message='the page shows %s, kmodd lists %s' % (self.rows(), sorted(want)))
        # the kernel's state on top, from the properties
        self.assertEqual(self.text('#state-version'), self.get_property('Version'))
        self.assertEqual(self.text('#state-release'), self.get_property('KernelRelease'))
        self.assertEqual(self.text('#state-lockdown'), 'None')
        self.assertIn('Allowed', self.text('#state-disabled'))
        # holders, the AutoClean mark and who loaded it
        self.assertIn('msdos', self.row_text('fat'))
        self.assertIn('AutoClean', self.row_text('vfat'))
        self.assertIn('root', self.row_text('vfat'))
        self.assertNotIn('AutoClean', self.row_text('loop'))
        # administrative access (root): the actions are there
        self.assertFalse(self.driver.find_element(By.ID, 'load-button').get_attribute('disabled'))
        self.screenshot('list')
        docs = os.environ.get('KMODD_COCKPIT_DOCS_SCREENSHOT')
        if docs:
            self.driver.save_screenshot(docs)
        # the filter box
        self.type_into('#filter', 'fat')
        self.wait(lambda: set(self.rows()) == {'fat', 'vfat'},
                  message='filter "fat" shows %s' % self.rows())
        self.screenshot('filter')

    def test_load_adds_rows_through_the_signal(self):
        port = self.start_ws()
        self.open_page(port)
        self.assertNotIn('msdos', self.rows())
        self.driver.execute_script('window.kmoddNotReloaded = true')
        self.click('#load-button')
        # the name field completes from ListAvailable: every module of the
        # modules directory, not only the loaded ones
        self.wait_js('return document.querySelector(\'#load-names option[value="msdos"]\') !== null',
                     message='the name field has no completion for msdos')
        self.assertGreater(self.driver.execute_script(
            'return document.querySelectorAll("#load-names option").length'), 100)
        self.type_into('#load-name', 'msdos')
        self.screenshot('dialog')
        self.click('#load-submit')
        self.wait_rows(['fat', 'msdos'])
        self.wait(lambda: 'msdos' in (self.row_text('fat') or ''),
                  message='fat does not show msdos as its holder')
        self.assertTrue(self.driver.execute_script('return window.kmoddNotReloaded === true'),
                        'the page was reloaded')
        self.assertIn('msdos', self.list())
        # the dialog closes on success (the reply may come after the signals)
        self.wait_js('return document.getElementById("load-dialog").hidden',
                     message='the load dialog stayed open')
        self.screenshot('loaded')
        # unloading through kmodd removes both rows, again without a reload
        self.unload(self.root, 'msdos', {'dependencies': GLibVariant.b(True)})
        self.wait_rows(['fat', 'msdos'], present=False)
        self.assertTrue(self.driver.execute_script('return window.kmoddNotReloaded === true'))

    def test_unload_in_use_names_the_holder(self):
        self.load(self.root, 'msdos')
        port = self.start_ws()
        self.open_page(port)
        self.wait_rows(['fat', 'msdos'])
        self.click('#modules-body tr[data-module="fat"] button.kmodd-unload')
        alert = self.wait(lambda: self.text('#alerts .pf-c-alert'),
                          message='no alert after unloading fat')
        self.assertIn('fat was not unloaded', alert)
        self.assertIn('in use', alert)
        self.assertIn('msdos', alert)
        self.assertNotIn('org.freedesktop', alert)
        self.assertIn('fat', self.kernel.loaded())
        self.assertIn('fat', self.rows())
        self.screenshot('in-use')
        # a module nobody uses goes, and its row with it
        self.click('#modules-body tr[data-module="msdos"] button.kmodd-unload')
        self.wait_rows(['msdos'], present=False)
        self.assertNotIn('msdos', self.kernel.loaded())

    def test_list_is_read_again_when_kmodd_comes_back(self):
        '''kmodd may exit when idle; what changed meanwhile is listed when
        it is back.'''
        port = self.start_ws()
        self.open_page(port)
        self.assertEqual(self.rows(), [])
        self.assertEqual(self.stop_daemon(), 0)
        self.wait_js('return !document.getElementById("service-note").hidden',
                     message='no note that kmodd is not running')
        self.load_externally('loop')
        self.screenshot('stopped')
        self.start_daemon()
        self.wait_rows(['loop'])
        self.wait_js('return document.getElementById("service-note").hidden',
                     message='the note stayed')

    def test_modules_disabled_disables_the_actions(self):
        self.load(self.root, 'loop')
        self.stop_daemon()
        self.kernel.set_modules_disabled(True)
        self.start_daemon()
        self.assertTrue(self.get_property('ModulesDisabled'))
        port = self.start_ws()
        self.open_page(port)
        self.wait_rows(['loop'])
        self.wait(lambda: 'Disabled' in (self.text('#state-disabled') or ''),
                  message='ModulesDisabled not shown: %r' % self.text('#state-disabled'))
        load_button = self.driver.find_element(By.ID, 'load-button')
        self.wait(lambda: load_button.get_attribute('disabled') is not None,
                  message='the load button is enabled with module loading disabled')
        unload = self.driver.find_element(
            By.CSS_SELECTOR, '#modules-body tr[data-module="loop"] button.kmodd-unload')
        self.assertIsNotNone(unload.get_attribute('disabled'))
        self.assertIn('no longer allows', self.text('#access-note'))
        self.screenshot('modules-disabled')

    def test_user_not_in_group_sees_disabled_actions(self):
        self.load(self.root, 'loop')
        port = self.start_ws(uid=NOBODY)
        self.open_page(port)
        self.wait_rows(['loop'])
        load_button = self.driver.find_element(By.ID, 'load-button')
        self.wait(lambda: load_button.get_attribute('disabled') is not None,
                  message='the load button is enabled for a user without access')
        note = self.wait(lambda: self.text('#access-note'), message='no reason shown')
        self.assertIn('administrative access', note)
        self.assertIn('group kmodd', note)
        self.assertIn('administrative access', load_button.get_attribute('title'))
        unload = self.driver.find_element(
            By.CSS_SELECTOR, '#modules-body tr[data-module="loop"] button.kmodd-unload')
        self.assertIsNotNone(unload.get_attribute('disabled'))
        self.assertIn('administrative access', unload.get_attribute('title'))
        # reading still works: the details
        self.click('#modules-body tr[data-module="loop"] button.kmodd-name')
        self.wait(lambda: 'max_loop' in (self.text('#info-body') or ''),
                  message='no details for loop')
        self.click('#info-close')
        self.screenshot('disabled')
        # nothing was asked of polkit on the user's behalf
        self.assertEqual([c for c in self.polkit_calls() if c[2].endswith('.load')
                          or c[2].endswith('.unload')], [])

    def test_group_member_loads_without_interactive_authorization(self):
        '''Without administrative access a member of group kmodd may load and
        unload (kmodd's polkit rule, played here by the polkit mock), not
        with parameters; a refusal says "needs administrative access", and
        no call asks for interactive authorization.'''
        port = self.start_ws(uid=NOBODY, group_kmodd=True)
        self.open_page(port)
        load_button = self.driver.find_element(By.ID, 'load-button')
        self.wait(lambda: load_button.get_attribute('disabled') is None,
                  message='the load button is disabled for a member of group kmodd')
        self.assertIn('member of group kmodd', self.text('#access-note'))
        self.click('#load-button')
        self.assertIsNotNone(self.driver.find_element(By.ID, 'load-parameters')
                             .get_attribute('disabled'))
        self.assertIn('administrative access', self.text('#load-parameters-helper'))
        # polkit would ask for a password: the call must not allow that (the
        # mock's agent would say yes), so it is refused with a sentence
        self.polkit.SetChallenge([kmoddtest.ACTION + 'load'])
        self.type_into('#load-name', 'msdos')
        self.click('#load-submit')
        error = self.wait(lambda: self.text('#load-error'), message='no error shown')
        self.assertIn('needs administrative access', error)
        self.assertIn('Turn on administrative access in Cockpit.', error)
        self.assertIn('administrative access', self.text('#load-parameters-helper'))
        self.assertNotIn('org.freedesktop', error)
        self.screenshot('refused')
        calls = [c for c in self.polkit_calls() if c[2].endswith('.load')]
        self.assertTrue(calls, 'polkit was not asked')
        for kind, _name, _action, _details, flags in calls:
            self.assertEqual(flags & 1, 0, 'the call allowed user interaction')
        self.assertNotIn('msdos', self.kernel.loaded())
        # polkit says yes (kmodd's rule for the group)
        self.polkit.SetChallenge(dbus.Array([], signature='s'))
        self.allow('load', 'unload')
        self.click('#load-submit')
        self.wait_rows(['fat', 'msdos'])
        self.click('#modules-body tr[data-module="msdos"] button.kmodd-unload')
        self.wait_rows(['msdos'], present=False)
        self.screenshot('allowed')

    def test_bad_parameter_is_refused_next_to_its_field(self):
        port = self.start_ws()
        self.open_page(port)
        self.click('#load-button')
        self.type_into('#load-name', 'loop')
        # syntax, checked as the service checks it
        self.type_into('#load-parameters', 'max_loop=4;reboot')
        self.click('#load-submit')
        helper = self.wait(lambda: self.text('#load-parameters-helper'),
                           message='no message next to the parameters')
        self.assertIn('character not allowed in a value', helper)
        self.assertEqual(self.driver.find_element(By.ID, 'load-parameters')
                         .get_attribute('aria-invalid'), 'true')
        # a key the module does not declare
        self.type_into('#load-parameters', 'no_such_parameter=1')
        self.click('#load-submit')
        self.wait(lambda: 'no parameter' in (self.text('#load-parameters-helper') or ''),
                  message='unknown parameter not reported: %r' % self.text('#load-parameters-helper'))
        self.assertIn('no_such_parameter', self.text('#load-parameters-helper'))
        self.screenshot('bad-parameter')
        self.assertNotIn('loop', self.kernel.loaded())
        # the service's own refusal lands next to its field too
        self.type_into('#load-name', 'nosuchmodule')
        self.type_into('#load-parameters', '')
        self.click('#load-submit')
        self.wait(lambda: 'No module of this name' in (self.text('#load-name-helper') or ''),
                  message='NotFound not shown next to the name: %r' % self.text('#load-name-helper'))
        self.assertNotIn('org.freedesktop', self.text('#load-name-helper'))
        # a good one loads, with the parameter
        self.type_into('#load-name', 'loop')
        self.type_into('#load-parameters', 'max_loop=6')
        self.click('#load-submit')
        self.wait_rows(['loop'])
        self.assertEqual(self.kernel.loaded()['loop']['params'].get('max_loop'), '6')

    def test_details_show_parameters(self):
        self.load(self.root, 'loop')
        port = self.start_ws()
        self.open_page(port)
        self.wait_rows(['loop'])
        self.click('#modules-body tr[data-module="loop"] button.kmodd-name')
        info = self.info(self.root, 'loop')
        self.wait(lambda: self.driver.find_elements(By.CSS_SELECTOR, '#info-body [data-parameter]'),
                  message='no parameters in the details of loop')
        shown = set(self.driver.execute_script(
            'return Array.from(document.querySelectorAll("#info-body [data-parameter]"))'
            '.map(e => e.getAttribute("data-parameter"))'))
        self.assertEqual(shown, set(info['parameters']))
        self.assertIn('max_loop', shown)
        body = self.text('#info-body')
        self.assertIn(info['license'], body)
        self.assertIn(info['parameters']['max_loop'], body)
        self.assertEqual(self.text('#info-description'), info.get('description', ''))
        self.screenshot('details')

    def test_details_show_current_values_and_devices(self):
        '''A loaded module's details show its parameters' current values
        (GetConfiguration) and the devices its drivers serve (Info).'''
        card, vendor, model = '0000:00:03.0', 'Intel Corporation', '82540EM Gigabit Ethernet Controller'
        self.kernel.add_device('pci', card, 'pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00',
                               vendor, model)
        self.kernel.add_driver('e1000', 'pci:e1000')
        self.load(self.root, 'e1000')
        self.kernel.bind('pci:e1000', card)
        self.load(self.root, 'dummy', {'parameters': GLibVariant.s('numdummies=2')})
        port = self.start_ws()
        self.open_page(port)
        self.wait_rows(['dummy', 'e1000'])
        self.click('#modules-body tr[data-module="dummy"] button.kmodd-name')
        self.wait(lambda: self.text('#info-body tr[data-parameter="numdummies"] .kmodd-parameter-value') == '= 2',
                  message='the current value of numdummies is not shown')
        self.screenshot('values')
        self.click('#info-close')
        self.click('#modules-body tr[data-module="e1000"] button.kmodd-name')
        drives = self.wait(lambda: self.text('#info-body [data-term="Drives"]'),
                           message='the details of e1000 do not say what it drives')
        self.assertIn(card, drives)
        self.assertIn(model, drives)
        self.screenshot('devices')

    def test_unload_of_a_driver_in_use_offers_unbind(self):
        '''Unloading a driver that serves a device is refused, naming the
        device; the alert offers to unbind it first, as kmodctl unload
        --unbind does.'''
        card = '0000:00:03.0'
        self.kernel.add_device('pci', card, 'pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00',
                               'Intel Corporation', '82540EM Gigabit Ethernet Controller')
        self.kernel.add_driver('e1000', 'pci:e1000')
        self.load(self.root, 'e1000')
        self.kernel.bind('pci:e1000', card)
        port = self.start_ws()
        self.open_page(port)
        self.wait_rows(['e1000'])
        self.click('#modules-body tr[data-module="e1000"] button.kmodd-unload')
        alert = self.wait(lambda: self.text('#alerts .pf-c-alert'),
                          message='no alert for the refused unload')
        self.assertIn(card, alert)
        self.wait(lambda: self.driver.find_elements(By.CSS_SELECTOR, '#alerts button.kmodd-unbind'),
                  message='the alert does not offer to unbind')
        self.assertIn('e1000', self.kernel.loaded())
        self.assertEqual(self.kernel.bound('pci:e1000'), [card])
        self.screenshot('offer')
        self.click('#alerts button.kmodd-unbind')
        self.wait_rows(['e1000'], present=False)
        self.assertNotIn('e1000', self.kernel.loaded())
        self.assertEqual(self.kernel.bound('pci:e1000'), [])

    def test_names_and_parameters_are_checked_as_kmodd_checks_them(self):
        '''The page's checks accept what kmodd accepts and refuse what it
        refuses: parameters (a dry-run Load of loop, whose parameters
        exist) and names (Info).'''
        port = self.start_ws()
        self.open_page(port)
        cases = ['max_loop=4', 'max_loop=4 max_part=2', ' max_loop=4  ', 'max_loop',
                 'max_loop="1 2"', 'max_loop=a,b:c/d', 'max-loop=4', 'max_loop=4;reboot',
                 'max_loop="open', 'max_loop=$(id)', '-max_loop=1', '=4', 'max_loop=4=5',
                 'max_loop=\'x\'', 'max_loop=4\tmax_part=1', 'max_loop=é', 'x' * 65 + '=1',
                 'max_loop=' + 'a' * 5000]
        for text in cases:
            page = self.driver.execute_script(
                'return window.kmoddPage.parseParameters(arguments[0])', text)
            try:
                self.load(self.root, 'loop', {'parameters': GLibVariant.s(text),
                                              'dry-run': GLibVariant.b(True)})
                service_error = None
            except Exception as e:   # GLib.Error
                service_error = str(e)
            self.assertEqual('error' in page, service_error is not None,
                             'parameters %r: page %r, kmodd %r' % (text, page, service_error))
        self.assertNotIn('loop', self.kernel.loaded())
        # names: what the page refuses is what kmodd calls InvalidName
        for name in ['loop', 'snd-dummy', 'fs-vfat', 'char-major-10-237', 'pci:v00008086d*',
                     '-loop', 'a/b', 'a b', 'x' * 55, 'x' * 56, 'x' * 1024 + '-', 'x' * 1025 + '-',
                     'lo"op', 'usb:v1234p*', 'é', 'loop\n']:
            page = self.driver.execute_script('return window.kmoddPage.validateName(arguments[0])', name)
            try:
                self.info(self.root, name)
                remote = None
            except Exception as e:   # GLib.Error
                remote = Gio.DBusError.get_remote_error(e)
            self.assertEqual(page is not None, remote == kmoddtest.ERROR_PREFIX + 'InvalidName',
                             'name %r: page %r, kmodd %r' % (name, page, remote))

    def test_error_messages_are_sentences(self):
        '''Every error name of the interface maps to a sentence of its own.'''
        port = self.start_ws()
        self.open_page(port)
        xml = open(os.path.join(kmoddtest.SOURCE_ROOT, 'introspection',
                                'org.freedesktop.KernelModules1.Manager.xml')).read()
        comment = xml.split('Errors are org.freedesktop.KernelModules1.Error.<Name>:')[1]
        comment = comment.split('Unknown option keys')[0]
        names = [line.split()[0] for line in comment.splitlines()
                 if line.startswith('    ') and not line.startswith('     ')]
        self.assertGreaterEqual(len(names), 12, names)
        sentences = {}
        for name in names:
            text = self.driver.execute_script(
                'return window.kmoddPage.errorMessage({name: arguments[0], message: "detail"})',
                kmoddtest.ERROR_PREFIX + name)
            self.assertNotIn('org.freedesktop', text)
            self.assertTrue(text[0].isupper() and text.rstrip().endswith('.'), text)
            sentences[name] = text
        self.assertNotEqual(sentences['Failed'], sentences['InUse'])
        self.assertEqual(len(set(sentences.values()) - {sentences['NotAuthorized']}),
                         len(names) - 1, sentences)
        # Reload whose load half failed: the load's error, with a message
        # (service/kmodd-manager-reload.c) that gets a sentence of its own
        for name in names:
            text = self.driver.execute_script(
                'return window.kmoddPage.errorMessage({name: arguments[0], message: arguments[1]})',
                kmoddtest.ERROR_PREFIX + name,
                'Module e1000 was removed and could not be loaded again: No such device')
            self.assertTrue(text.startswith('e1000 was removed and could not be loaded again: '
                                            'it is not loaded now. '), text)
            self.assertNotIn('org.freedesktop', text)
            if name != 'NotAuthorized':
                self.assertIn(sentences[name].replace(' detail.', ''), text)


class CockpitPerformanceTest(CockpitTestCase):
    '''The figures of issue 12's Performance section: printed, not asserted.'''

    def test_figures(self):
        modules = sorted(os.path.basename(p).split('.ko')[0] for p in subprocess.run(
            ['find', os.path.join(self.kernel.modules_dir, 'kernel', 'fs'), '-name', '*.ko*'],
            stdout=subprocess.PIPE, text=True, check=True).stdout.split())
        while len(self.kernel.loaded()) < 100 and modules:
            batch, modules = modules[:20], modules[20:]
            self.kernel.run_external(['modprobe', '-a'] + batch)
        count = len(self.kernel.loaded())
        self.assertGreaterEqual(count, 100)
        self.assert_eventually(lambda: len(self.list()) == count, timeout=30)
        port = self.start_ws()
        self.start_browser()
        # a first visit warms the browser's cache, as for anyone who used Cockpit before
        self.open_page(port)
        self.driver.switch_to.default_content()
        self.driver.get('about:blank')

        start = time.monotonic()
        self.driver.get('http://127.0.0.1:%d/kmodd' % port)
        self.enter_frame()
        self.wait_js('return document.querySelectorAll("#modules-body tr[data-module]").length >= 100',
                     interval=0.005, message='100 rows were not rendered')
        navigation = time.monotonic() - start
        in_frame = int(self.driver.execute_script('return document.body.getAttribute("data-first-render-ms")'))
        self.screenshot('hundred')

        name = next(m for m in ('btrfs', 'xfs', 'ext4', 'nfs', 'cifs', 'ntfs3', 'f2fs')
                    if m not in self.kernel.loaded())
        start = time.monotonic()
        result = self.kernel.run_external(['modprobe', name])
        inserted = time.monotonic()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.wait_js('return document.querySelector("#modules-body tr[data-module=\\"" + arguments[0] + "\\"]") !== null',
                     name, interval=0.002, message='no row for %s' % name)
        appeared = time.monotonic()
        print('\nPERFORMANCE navigation to %d rendered rows: %.0f ms (Cockpit\'s shell included; '
              'the page\'s own frame: %d ms from its start)' % (count, navigation * 1000, in_frame))
        print('PERFORMANCE modprobe %s outside kmodd to its row: %.0f ms (modprobe itself %.0f ms, '
              'from its exit %.0f ms)' % (name, (appeared - start) * 1000, (inserted - start) * 1000,
                                          (appeared - inserted) * 1000))
        sys.stdout.flush()


class GLibVariant:
    '''Short GLib.Variant constructors for options dictionaries.'''

    @staticmethod
    def b(value):
        from gi.repository import GLib
        return GLib.Variant('b', value)

    @staticmethod
    def s(value):
        from gi.repository import GLib
        return GLib.Variant('s', value)


if __name__ == '__main__':
    kmoddtest.main()
