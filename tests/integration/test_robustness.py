#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
'''kmodd under hostile or heavy use, over the bus, against the fake kernel:
64 concurrent clients, clients and polkitd that go away, a daemon killed
in the middle of a load, and memory that must not grow with the number of
calls (bad input is test_bad_input.py's).

Every test prints its figures on stderr in lines that start with
"ROBUSTNESS " (inputs tried, requests per second, RSS), so that a run's
log can be summed up with `grep ROBUSTNESS`.

Under KMODD_TEST_WRAPPER (valgrind) or KMODD_TEST_SANITIZED (an ASan
build), the volumes shrink and the RSS bounds are not asserted: the
wrapper's own allocator makes them meaningless, and its leak checker
covers the same ground.
'''

import os
import pwd
import signal
import struct
import time

from gi.repository import Gio, GLib

import kmoddtest
from kmoddtest import KmoddTestCase, BUS_NAME, INTERFACE, NOBODY, OBJECT_PATH
from robustness import (DBUS_ERROR, LIMITS, NOT_AUTHORIZED, RESERVED, B,
                        report, under_wrapper, remote_error, RawBusClient,
                        AsyncReplies, call_async)


class Stress(KmoddTestCase):
    '''Many clients at once, each on its own bus connection.'''

    CLIENTS = 64
    REQUESTS = 50

    def setUp(self):
        super().setUp()
        self.start_daemon()
        self.allow('load', 'unload')

    def leaf_modules(self, count):
        '''count modules of the fixture with no dependencies, no softdeps
        and no role in modprobe.d: loading one touches nothing else.'''
        soft = set()
        with open(os.path.join(self.kernel.modules_dir, 'modules.softdep')) as f:
            for line in f:
                words = line.split()
                if len(words) > 1 and words[0] == 'softdep':
                    soft.update(w.replace('-', '_') for w in words[1:] if not w.endswith(':'))
        leaves = []
        with open(os.path.join(self.kernel.modules_dir, 'modules.dep')) as f:
            for line in f:
                path, deps = line.split(':', 1)
                name = os.path.basename(path).split('.ko')[0].replace('-', '_')
                if deps.strip() or name in RESERVED or name in soft:
                    continue
                leaves.append(name)
        leaves.sort()
        self.assertGreaterEqual(len(leaves), count)
        # spread over the alphabet rather than the first count
        step = len(leaves) // count
        return [leaves[i * step] for i in range(count)]

    def test_concurrent_clients(self):
        n_clients = self.CLIENTS
        n_requests = self.REQUESTS if not under_wrapper() else 10
        own = self.leaf_modules(n_clients)
        clients = []
        for i in range(n_clients):
            uid = 0 if i % 2 == 0 else NOBODY
            clients.append(self.connect(uid=uid))

        # client i: a fixed program around its own module own[i], with
        # shared read-only traffic and a contended shared module (dummy)
        def program(i):
            m = own[i]
            cycle = [('Load', m), ('List', None), ('Info', 'vfat'), ('ListOwn', m),
                     ('Unload', m), ('InfoOwn', m), ('Load', 'dummy'),
                     ('Unload', 'dummy'), ('List', None), ('Info', 'dummy')]
            ops = [cycle[k % len(cycle)] for k in range(n_requests)]
            assert ops.count(('Load', m)) == ops.count(('Unload', m))
            if i % 2 == 0:
                ops.append(('Load', m))     # even clients end with it loaded
            return ops

        programs = [program(i) for i in range(n_clients)]
        position = [0] * n_clients
        unexpected = []
        expected_errors = {}
        counts = {'replies': 0, 'sent': 0}
        dummy = {'inserted': 0, 'removed': 0}
        loop = GLib.MainLoop()
        done = [0]

        def check(i, op, arg, outcome):
            kind = outcome[0]
            if kind == 'error':
                name = outcome[1]
                # on the shared module, what another client did in between
                # is a legitimate reason to fail: it is gone already, or
                # it is in the middle of being loaded or removed (kmodd
                # checks the state on the main loop while the worker
                # changes it, and calls that "Failed ... try again")
                short = name.rsplit('.', 1)[-1]
                if arg == 'dummy' and (
                        (op == 'Unload' and short in ('NotLoaded', 'InUse')) or
                        (short == 'Failed' and 'right now; try again' in outcome[2])):
                    key = '%s/%s' % (op, short)
                    expected_errors[key] = expected_errors.get(key, 0) + 1
                    return
                unexpected.append((i, op, arg, name, outcome[2]))
                return
            value = outcome[1]
            if op == 'Load' and arg == 'dummy':
                if value == (['dummy'],):
                    dummy['inserted'] += 1
                elif value != ([],):
                    unexpected.append((i, op, arg, 'reply', value))
            elif op == 'Unload' and arg == 'dummy':
                if value == (['dummy'],):
                    dummy['removed'] += 1
                else:
                    unexpected.append((i, op, arg, 'reply', value))
            elif op in ('Load', 'Unload'):
                if value != ([arg],):
                    unexpected.append((i, op, arg, 'reply', value))
            elif op == 'ListOwn':
                mods = value[0]
                if [x['name'] for x in mods] != [arg] or mods[0]['state'] != 'live':
                    unexpected.append((i, op, arg, 'reply', value))
            elif op == 'InfoOwn':
                if value[0].get('loaded') is not False:
                    unexpected.append((i, op, arg, 'reply', value[0].get('loaded')))

        def send(i):
            if position[i] >= len(programs[i]):
                done[0] += 1
                if done[0] == n_clients:
                    loop.quit()
                return
            op, arg = programs[i][position[i]]
            position[i] += 1
            counts['sent'] += 1

            def on_done(conn, res):
                counts['replies'] += 1
                try:
                    outcome = ('ok', conn.call_finish(res).unpack())
                except GLib.Error as e:
                    outcome = ('error', remote_error(e), e.message)
                check(i, op, arg, outcome)
                send(i)

            if op in ('Load', 'Unload'):
                call_async(clients[i], op, '(sa{sv})', (arg, {}), on_done)
            elif op in ('Info', 'InfoOwn'):
                call_async(clients[i], 'Info', '(sa{sv})', (arg, {}), on_done)
            elif op == 'List':
                call_async(clients[i], 'List', '(a{sv})', ({},), on_done)
            elif op == 'ListOwn':
                call_async(clients[i], 'List', '(a{sv})',
                           ({'names': GLib.Variant('as', [arg])},), on_done)

        timeout = 300 * self.time_factor()
        timed_out = []

        def on_timeout():
            timed_out.append(True)
            loop.quit()
            return False

        GLib.timeout_add(int(timeout * 1000), on_timeout)
        start = time.monotonic()
        for i in range(n_clients):
            send(i)
        loop.run()
        elapsed = time.monotonic() - start
        total = sum(len(p) for p in programs)

        report('stress', clients=n_clients, requests=total, replies=counts['replies'],
               seconds='%.2f' % elapsed, per_second='%.0f' % (total / elapsed),
               unexpected_errors=len(unexpected),
               expected_errors=sum(expected_errors.values()),
               **{'expected_' + k: v for k, v in sorted(expected_errors.items())},
               dummy_inserted=dummy['inserted'], dummy_removed=dummy['removed'])
        self.assertFalse(timed_out, 'not every request was answered within %ds' % timeout)
        self.assertEqual(unexpected, [])
        self.assertEqual(counts['replies'], total)
        self.assertEqual(counts['sent'], total)

        # the kernel holds exactly what the requests imply
        net = dummy['inserted'] - dummy['removed']
        self.assertIn(net, (0, 1))
        want = {own[i] for i in range(0, n_clients, 2)}
        if net:
            want.add('dummy')
        self.assertEqual(set(self.kernel.loaded()), want)
        self.assertEqual(set(self.list()), want)
        for conn in clients:
            conn.close_sync(None)

    def test_inflight_limit_per_caller(self):
        '''While polkit hangs, each of the system's users but root (about 25
        on Debian; the bus refuses a uid without a passwd entry) has 16
        requests in flight on a connection; the 17th of each is refused with
        LimitsExceeded at once. When polkit answers, every request gets its
        answer (the 256 the queue takes, the rest LimitsExceeded).'''
        uids = sorted({u.pw_uid for u in pwd.getpwall() if u.pw_uid != 0})
        n_clients = len(uids) if not under_wrapper() else 8
        per_client = 17
        self.polkit.SimulateHang(True)
        clients = [self.connect(uid=uid, gid=uid) for uid in uids[:n_clients]]
        collected = AsyncReplies()
        for i, conn in enumerate(clients):
            for _ in range(per_client):
                call_async(conn, 'Load', '(sa{sv})', ('dummy', {}), collected.callback(i),
                           timeout_ms=int(120000 * self.time_factor()))
        self.assert_eventually(lambda: len(collected.results) >= n_clients, timeout=60)
        self.pump(0.5)
        early = list(collected.results)
        self.assertEqual(len(early), n_clients, early[:5])
        self.assertEqual(sorted(r[0] for r in early), list(range(n_clients)))
        self.assertTrue(all(r[1] == 'error' and r[2] == LIMITS for r in early), early[:3])
        # others are not limited by them, List answers
        self.assertEqual(self.load(self.root, 'vfat'), ['fat', 'vfat'])
        self.assertIn('vfat', self.list())

        self.assert_eventually(self.polkit.HaveHangingCalls)
        self.polkit.ReleaseHangingCalls()
        self.assert_eventually(lambda: len(collected.results) == n_clients * per_client,
                               timeout=120)
        late = collected.results[n_clients:]
        loaded = [r for r in late if r[1] == 'ok' and r[2] == (['dummy'],)]
        nothing = [r for r in late if r[1] == 'ok' and r[2] == ([],)]
        queue_full = [r for r in late if r[1] == 'error' and r[2] == LIMITS]
        other = [r for r in late if r not in loaded + nothing + queue_full]
        report('in-flight limit', callers=n_clients, per_caller=per_client,
               refused_in_flight=len(early), loaded=len(loaded), already=len(nothing),
               refused_queue_full=len(queue_full), other=len(other))
        self.assertEqual(other, [])
        self.assertEqual(len(loaded), 1)
        self.assertIn('dummy', self.kernel.loaded())
        for conn in clients:
            conn.close_sync(None)


class Faults(KmoddTestCase):
    '''Clients, polkitd and kmodd itself going away at the worst moment.'''

    def test_disconnect_during_polkit_check(self):
        self.start_daemon()
        self.allow('load', 'unload')
        self.polkit.SimulateHang(True)
        conns = [self.connect(uid=NOBODY) for _ in range(4)]
        for conn, name in zip(conns, ('dummy', 'loop', 'msdos', 'vfat')):
            call_async(conn, 'Load', '(sa{sv})', (name, {}), None)
        self.assert_eventually(lambda: len(self.polkit_calls()) == 4)
        for conn in conns:
            conn.close_sync(None)
        # others are served meanwhile, root even while polkit hangs
        self.assertEqual(self.load(self.root, 'fat'), ['fat'])
        self.assertIn('fat', self.list(self.user))
        self.pump(0.3)
        self.polkit.ReleaseHangingCalls()
        self.polkit.SimulateHang(False)
        time.sleep(0.5 * self.time_factor())
        self.assertEqual(set(self.kernel.loaded()), {'fat'})
        self.assertIn('disconnected', self.daemon_output())
        # and polkit-checked work still goes through afterwards
        self.assertEqual(self.load(self.user, 'dummy'), ['dummy'])

    def test_inflight_limit_per_user(self):
        '''One user on three connections while polkit hangs: 32 requests in
        flight in all, the other 16 refused; another user is not limited by
        them.'''
        self.start_daemon()
        self.allow('load')
        self.polkit.SimulateHang(True)
        clients = [self.connect(uid=NOBODY) for _ in range(3)]
        collected = AsyncReplies()
        for i, conn in enumerate(clients):
            for _ in range(16):
                call_async(conn, 'Load', '(sa{sv})', ('dummy', {}), collected.callback(i),
                           timeout_ms=int(120000 * self.time_factor()))
        self.assert_eventually(lambda: len(collected.results) >= 16, timeout=60)
        self.pump(0.5)
        early = list(collected.results)
        self.assertEqual(len(early), 16, early[:5])
        self.assertTrue(all(r[1] == 'error' and r[2] == LIMITS for r in early), early[:3])
        self.assertIn('Too many requests in flight for uid %d' % NOBODY, self.daemon_output())
        other = AsyncReplies()
        call_async(self.connect(uid=1), 'Load', '(sa{sv})', ('dummy', {}),
                   other.callback())
        self.assert_eventually(lambda: len(self.polkit_calls()) >= 33)
        self.pump(0.3)
        self.assertEqual(other.results, [])   # waiting for polkit, not refused
        self.polkit.ReleaseHangingCalls()
        self.assert_eventually(lambda: len(collected.results) == 48 and other.results,
                               timeout=120)
        self.assertTrue(all(r[1] == 'ok' for r in collected.results[16:]),
                        collected.results[16:20])

    def test_disconnect_while_queued(self):
        '''A load waits in the worker's queue behind a slow init of a module
        it shares a dependency with (fat); its caller leaves: it is dropped,
        not run.'''
        self.start_daemon()
        self.allow('load')
        self.kernel.set_init_delay(3000)
        slow = AsyncReplies()
        call_async(self.root, 'Load', '(sa{sv})', ('msdos', {}), slow.callback())
        self.assert_eventually(lambda: 'fat' in self.kernel.loaded())
        leaving = [self.connect(), self.connect(uid=NOBODY)]
        call_async(leaving[0], 'Load', '(sa{sv})', ('vfat', {}), None)
        call_async(leaving[1], 'Load', '(sa{sv})', ('vfat', {}), None)
        # wait until both are past authorization, queued behind msdos
        self.assert_eventually(lambda: len(self.polkit_calls()) == 1)
        self.assert_eventually(lambda: self.daemon_output().count('Queued Load(vfat)') == 2)
        self.assertEqual(self.kernel.loaded()['fat']['state'], 'coming')
        for conn in leaving:
            conn.close_sync(None)
        # served meanwhile
        start = time.monotonic()
        self.assertIn('fat', self.list())
        self.assertLess(time.monotonic() - start, 1.0 * self.time_factor())
        self.assert_eventually(lambda: slow.results, timeout=30)
        self.assertEqual(slow.results[0][1:], ('ok', (['fat', 'msdos'],)))
        self.kernel.set_init_delay(0)
        time.sleep(0.5)
        self.assertEqual(set(self.kernel.loaded()), {'fat', 'msdos'})
        self.assertIn('Dropping a request whose caller went away', self.daemon_output())
        self.assertEqual(self.load(self.root, 'vfat'), ['vfat'])

    def test_polkit_hangs(self):
        self.config = '[Daemon]\nAuthorizationTimeout=1\n'
        self.start_daemon()
        self.allow('load', 'unload')
        self.polkit.SimulateHang(True)
        pending = AsyncReplies()
        conns = [self.connect(uid=NOBODY) for _ in range(8)]
        start = time.monotonic()
        for conn in conns:
            call_async(conn, 'Load', '(sa{sv})', ('dummy', {}), pending.callback())
        # List and root are answered while the checks hang
        list_start = time.monotonic()
        self.assertEqual(self.list(self.user), {})
        list_latency = time.monotonic() - list_start
        self.assertEqual(self.load(self.root, 'loop'), ['loop'])
        self.assert_eventually(lambda: len(pending.results) == 8, timeout=10)
        elapsed = time.monotonic() - start
        report('polkit hangs', denied=len(pending.results), seconds='%.2f' % elapsed,
               list_latency='%.3f' % list_latency)
        for r in pending.results:
            self.assertEqual(r[1:3], ('error', NOT_AUTHORIZED))
            self.assertIn('did not answer within 1 seconds', r[3])
        self.assertLess(elapsed, 5 * self.time_factor())
        self.assertLess(list_latency, 1.0 * self.time_factor())
        self.assertEqual(set(self.kernel.loaded()), {'loop'})
        # once polkit answers again, the daemon asks it again
        self.polkit.SimulateHang(False)
        self.polkit.ReleaseHangingCalls()
        self.assertEqual(self.load(self.user, 'dummy'), ['dummy'])

    def test_polkit_goes_away_during_check(self):
        '''polkitd exits while it holds a check: the caller is denied at
        once (not after the 60 s default timeout).'''
        self.start_daemon()
        self.allow('load')
        self.polkit.SimulateHang(True)
        pending = AsyncReplies()
        call_async(self.user, 'Load', '(sa{sv})', ('dummy', {}), pending.callback())
        self.assert_eventually(self.polkit.HaveHangingCalls)
        start = time.monotonic()
        self.stop_polkitd()
        self.assert_eventually(lambda: pending.results, timeout=10)
        elapsed = time.monotonic() - start
        report('polkit exits during a check', seconds='%.2f' % elapsed)
        self.assertEqual(pending.results[0][1:3], ('error', NOT_AUTHORIZED))
        self.assertIn('polkit', pending.results[0][3])
        self.assertLess(elapsed, 5 * self.time_factor())
        self.assertEqual(self.kernel.loaded(), {})

    def test_polkit_gone_and_back(self):
        self.config = '[Daemon]\nAuthorizationTimeout=1\n'
        self.start_daemon()
        self.allow('load')
        self.assertEqual(self.load(self.user, 'dummy'), ['dummy'])
        self.stop_polkitd()
        for name in ('loop', 'vfat', 'msdos'):
            start = time.monotonic()
            msg = self.assertDBusError('NotAuthorized', self.load, self.user, name)
            self.assertLess(time.monotonic() - start, 5 * self.time_factor())
            self.assertIn('polkit', msg)
        self.assertEqual(self.load(self.root, 'loop'), ['loop'])
        self.assertIn('loop', self.list(self.user))
        # polkitd comes back: the next check reaches it
        self.start_polkitd()
        self.allow('load')
        self.assertEqual(self.load(self.user, 'vfat'), ['fat', 'vfat'])
        self.assertEqual(set(self.kernel.loaded()), {'dummy', 'loop', 'fat', 'vfat'})

    def test_sigkill_during_slow_load(self):
        '''kmodd is killed in the middle of a load: the caller gets an
        error promptly, and a new kmodd comes up with the marks intact.'''
        self.start_daemon()
        self.assertEqual(self.load(self.root, 'msdos', {'autoclean': B(True)}),
                         ['fat', 'msdos'])
        before = self.list()
        self.assertTrue(before['msdos']['autoclean'])
        self.assertTrue(before['fat']['autoclean'])

        self.kernel.set_init_delay(2000)
        pending = AsyncReplies()
        call_async(self.root, 'Load', '(sa{sv})', ('dummy', {'autoclean': B(True)}),
                   pending.callback('load'), timeout_ms=int(60000 * self.time_factor()))
        self.assert_eventually(lambda: 'dummy' in self.kernel.loaded())
        # queued behind the load of the same module
        call_async(self.root, 'Unload', '(sa{sv})', ('dummy', {}),
                   pending.callback('unload'), timeout_ms=int(60000 * self.time_factor()))
        self.assert_eventually(lambda: 'Queued Unload(dummy)' in self.daemon_output())
        self.assertEqual(self.kernel.loaded()['dummy']['state'], 'coming')
        pid = self.daemon.pid
        killed_at = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        self.daemon.wait()
        self.daemon = None
        self.assert_eventually(lambda: len(pending.results) == 2, timeout=10)
        waited = time.monotonic() - killed_at
        report('SIGKILL during a load', caller_answered_after='%.3f' % waited)
        self.assertLess(waited, 5 * self.time_factor())
        for r in pending.results:
            self.assertEqual(r[1], 'error')
            self.assertIn(r[2], (DBUS_ERROR + 'NoReply', DBUS_ERROR + 'Disconnected'))

        self.kernel.set_init_delay(0)
        self.start_daemon()
        after = self.list()
        self.assertTrue(after['msdos']['autoclean'])
        self.assertTrue(after['fat']['autoclean'])
        self.assertEqual(after['msdos']['loaded-at'], before['msdos']['loaded-at'])
        self.assertEqual(self.get_property('AutoCleanMarks'), 2)
        # it works; and the next kernel call finishes the init that the
        # killed kmodd left half done, as the real kernel would have
        self.assertEqual(self.load(self.root, 'loop'), ['loop'])
        self.assert_eventually(lambda: self.kernel.loaded().get('dummy', {}).get('state')
                               == 'live')
        # it was never recorded as loaded by kmodd, so it is not marked
        self.assertFalse(self.list()['dummy']['autoclean'])
        self.assertEqual(self.get_property('AutoCleanMarks'), 2)
        self.assertEqual(self.unload(self.root, 'msdos'), ['msdos'])


class Memory(KmoddTestCase):
    def setUp(self):
        super().setUp()
        self.start_daemon()

    def memory(self):
        pid = self.daemon.pid
        with open('/proc/%d/status' % pid) as f:
            status = dict(line.split(':', 1) for line in f)
        rss = int(status['VmRSS'].split()[0])
        dirty = 0
        with open('/proc/%d/smaps_rollup' % pid) as f:
            for line in f:
                if line.startswith('Private_Dirty:'):
                    dirty = int(line.split()[1])
        return rss, dirty

    def list_message(self, options, reply):
        msg = Gio.DBusMessage.new_method_call(BUS_NAME, OBJECT_PATH, INTERFACE, 'List')
        msg.set_body(GLib.Variant('(a{sv})', (options,)))
        msg.set_serial(1)
        if not reply:
            msg.set_flags(Gio.DBusMessageFlags.NO_REPLY_EXPECTED)
        blob = bytearray(msg.to_blob(Gio.DBusCapabilityFlags.NONE))
        self.assertEqual(blob[0:1], b'l')
        return blob

    def run_lists(self, raw, count, batch=None):
        '''count List calls, pipelined on a raw connection: batch of them
        at a time, the last of each batch asking for a reply (which, as
        kmodd answers in order, says the batch is done). The others are
        NO_REPLY_EXPECTED: kmodd runs the whole method, GDBus just does not
        send the answer; this keeps the test's own side cheap.'''
        names = {'names': GLib.Variant('as', ['fat', 'nope']), 'include-builtin': B(True)}
        templates = {(False, False): self.list_message({}, False),
                     (False, True): self.list_message({}, True),
                     (True, False): self.list_message(names, False),
                     (True, True): self.list_message(names, True)}
        batch = batch or (500 if not under_wrapper() else 50)
        sent = 0
        while sent < count:
            n = min(batch, count - sent)
            chunks = []
            for k in range(n):
                raw.serial += 1
                msg = templates[(raw.serial % 8 == 0, k == n - 1)]
                struct.pack_into('<I', msg, 8, raw.serial)
                chunks.append(bytes(msg))
            raw.sock.sendall(b''.join(chunks))
            while True:
                kind, reply_to = raw.read_reply()
                if reply_to == raw.serial:
                    self.assertEqual(kind, 2)
                    break
            sent += n

    def test_list_calls_do_not_grow_memory(self):
        self.load(self.root, 'msdos', {'autoclean': B(True)})
        self.load(self.root, 'dummy')
        raw = RawBusClient(self.bus_socket, timeout=60 * self.time_factor())
        scale = 1 if not under_wrapper() else 20
        first, middle, total = 10000 // scale, 55000 // scale, 100000 // scale
        self.run_lists(raw, 2000 // scale)           # warm-up: caches, arenas
        start = time.monotonic()
        self.run_lists(raw, first)
        rss_10k, dirty_10k = self.memory()
        self.run_lists(raw, middle - first)
        rss_55k, dirty_55k = self.memory()
        self.run_lists(raw, total - middle)
        elapsed = time.monotonic() - start
        rss_100k, dirty_100k = self.memory()
        raw.close()
        report('memory', calls=total, seconds='%.2f' % elapsed,
               per_second='%.0f' % (total / elapsed), **{
                   'rss_kib_after_%d' % first: rss_10k,
                   'rss_kib_after_%d' % middle: rss_55k,
                   'rss_kib_after_%d' % total: rss_100k,
                   'private_dirty_kib_after_%d' % first: dirty_10k,
                   'private_dirty_kib_after_%d' % middle: dirty_55k,
                   'private_dirty_kib_after_%d' % total: dirty_100k})
        self.assertIn('msdos', self.list())
        if under_wrapper():
            return   # the wrapper's allocator decides RSS, and checks leaks itself
        # 90,000 more calls: a leak of 24 bytes a call would show as 2 MiB;
        # and in the second half, after the allocator has settled, the
        # growth must have stopped (1 MiB would be 23 bytes a call)
        for what, a, b, c in (('VmRSS', rss_10k, rss_55k, rss_100k),
                              ('Private_Dirty', dirty_10k, dirty_55k, dirty_100k)):
            self.assertLess(c - a, 2048, '%s grew by %d KiB' % (what, c - a))
            self.assertLess(c - b, 1024, '%s grew by %d KiB in the second half'
                            % (what, c - b))

    # A regression test: every polkit check after the first used to leak
    # its GTask with its Check and a reference to the caller's GCancellable
    # (kmodd-authority.c, on_credentials handed ask_polkit() a stolen
    # reference that nobody dropped): ~900 bytes of the root daemon per
    # request of an unprivileged caller, refused or not. Fixed in 31d844c.
    def test_polkit_checks_do_not_grow_memory(self):
        # the polkit mock allows nothing: every check says no
        # 4 x 8: the 32 one user may have in flight
        conns = [self.connect(uid=NOBODY) for _ in range(4)]
        scale = 1 if not under_wrapper() else 10

        def refused_loads(count):
            collected = AsyncReplies()
            state = {'sent': 0}
            loop = GLib.MainLoop()

            def send(conn):
                state['sent'] += 1
                call_async(conn, 'Load', '(sa{sv})', ('dummy', {}), on_done(conn))

            def on_done(conn):
                cb = collected.callback()

                def done(c, res):
                    cb(c, res)
                    if state['sent'] < count:
                        send(conn)
                    elif len(collected.results) == count:
                        loop.quit()
                return done

            for conn in conns:
                for _ in range(8):          # within the in-flight limit
                    send(conn)
            loop.run()
            self.assertTrue(all(r[1] == 'error' and r[2] == NOT_AUTHORIZED
                                for r in collected.results), collected.results[:3])

        refused_loads(1000 // scale)         # warm-up
        start = time.monotonic()
        rss_a, dirty_a = self.memory()
        refused_loads(4000 // scale)
        rss_b, dirty_b = self.memory()
        report('memory, refused loads', calls=4000 // scale,
               seconds='%.2f' % (time.monotonic() - start),
               rss_kib_before=rss_a, rss_kib_after=rss_b,
               private_dirty_kib_before=dirty_a, private_dirty_kib_after=dirty_b)
        if under_wrapper():
            return
        # a leak of 128 bytes a request would be 500 KiB
        self.assertLess(dirty_b - dirty_a, 512, 'Private_Dirty grew by %d KiB' % (dirty_b - dirty_a))


if __name__ == '__main__':
    kmoddtest.main()
