# SPDX-License-Identifier: LGPL-2.1-or-later
'''polkitd mock for kmodd's tests

A python-dbusmock template with the mock interface of dbusmock's own
"polkitd" template (AllowUnknown, SetAllowed, SetDelay, SimulateHang,
SimulateHangActions, ReleaseHangingCalls, HaveHangingCalls), plus what
kmodd's tests need to see and steer:

  SetChallenge(as)  the actions for which polkit would ask for a password:
                    the answer is a challenge (not authorized, is_challenge)
                    unless the call allowed user interaction, in which case
                    the simulated authentication agent succeeds;
  SetAllowedModules(as)  a rule that allows a module only: when not empty,
                    an allowed action is allowed only for a "module"
                    detail in the list;
  GetCalls()        every CheckAuthorization received, as
                    (subject kind, subject name, action, details, flags);
  ClearCalls()

Like the real polkitd, the subject is never trusted blindly: a
system-bus-name subject that is no longer on the bus is an error.
'''

import time

import dbus

from dbusmock import MOCK_IFACE

BUS_NAME = 'org.freedesktop.PolicyKit1'
MAIN_OBJ = '/org/freedesktop/PolicyKit1/Authority'
MAIN_IFACE = 'org.freedesktop.PolicyKit1.Authority'
SYSTEM_BUS = True

ALLOW_USER_INTERACTION = 1


def load(mock, _parameters):
    mock.AddProperties(MAIN_IFACE, dbus.Dictionary({
        'BackendName': 'kmodd-test',
        'BackendVersion': '0.1',
        'BackendFeatures': dbus.UInt32(1, variant_level=1),
    }, signature='sv'))
    mock.allow_unknown = False
    mock.allowed = []
    mock.allowed_modules = []
    mock.challenge = []
    mock.delay = 0
    mock.simulate_hang = False
    mock.hanging_actions = []
    mock.hanging_calls = []
    mock.calls = []


@dbus.service.method(MAIN_IFACE, in_signature='(sa{sv})sa{ss}us',
                     out_signature='(bba{ss})',
                     async_callbacks=('ok_cb', 'err_cb'),
                     connection_keyword='connection')
def CheckAuthorization(self, subject, action_id, details, flags,
                       _cancellation_id, ok_cb, err_cb, connection=None):
    kind, props = subject
    name = str(props.get('name', ''))
    self.calls.append((str(kind), name, str(action_id),
                       dict((str(k), str(v)) for k, v in details.items()),
                       int(flags)))
    if kind == 'system-bus-name':
        try:
            connection.call_blocking('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                     'org.freedesktop.DBus', 'GetNameOwner', 's', (name,))
        except dbus.exceptions.DBusException:
            err_cb(dbus.exceptions.DBusException(
                'No such bus name ' + name,
                name='org.freedesktop.PolicyKit1.Error.Failed'))
            return

    time.sleep(self.delay)
    if action_id in self.challenge:
        if flags & ALLOW_USER_INTERACTION:
            ret = (True, False, {})
        else:
            ret = (False, True, {})
    else:
        allowed = action_id in self.allowed or self.allow_unknown
        if self.allowed_modules and str(details.get('module', '')) not in self.allowed_modules:
            allowed = False
        ret = (allowed, False, {})

    if self.simulate_hang or action_id in self.hanging_actions:
        self.hanging_calls.append((ok_cb, ret))
    else:
        ok_cb(ret)


@dbus.service.method(MAIN_IFACE, in_signature='s', out_signature='')
def CancelCheckAuthorization(_self, _cancellation_id):
    pass


@dbus.service.method(MAIN_IFACE, in_signature='(sa{sv})ss')
def RegisterAuthenticationAgent(_self, _subject, _locale, _object_path):
    pass


@dbus.service.method(MOCK_IFACE, in_signature='b', out_signature='')
def AllowUnknown(self, default):
    self.allow_unknown = default


@dbus.service.method(MOCK_IFACE, in_signature='as', out_signature='')
def SetAllowed(self, actions):
    self.allowed = [str(a) for a in actions]


@dbus.service.method(MOCK_IFACE, in_signature='as', out_signature='')
def SetAllowedModules(self, modules):
    self.allowed_modules = [str(m) for m in modules]


@dbus.service.method(MOCK_IFACE, in_signature='as', out_signature='')
def SetChallenge(self, actions):
    self.challenge = [str(a) for a in actions]


@dbus.service.method(MOCK_IFACE, in_signature='d', out_signature='')
def SetDelay(self, delay):
    self.delay = delay


@dbus.service.method(MOCK_IFACE, in_signature='b', out_signature='')
def SimulateHang(self, hang):
    self.simulate_hang = hang


@dbus.service.method(MOCK_IFACE, in_signature='as', out_signature='')
def SimulateHangActions(self, actions):
    self.hanging_actions = [str(a) for a in actions]


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='')
def ReleaseHangingCalls(self):
    for (cb, ret) in self.hanging_calls:
        cb(ret)
    self.hanging_calls = []


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='b')
def HaveHangingCalls(self):
    return len(self.hanging_calls) > 0


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='a(sssa{ss}u)')
def GetCalls(self):
    return dbus.Array([(k, n, a, dbus.Dictionary(d, signature='ss'), dbus.UInt32(f))
                       for (k, n, a, d, f) in self.calls], signature='(sssa{ss}u)')


@dbus.service.method(MOCK_IFACE, in_signature='', out_signature='')
def ClearCalls(self):
    self.calls = []
