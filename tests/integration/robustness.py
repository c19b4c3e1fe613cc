# SPDX-License-Identifier: LGPL-2.1-or-later
'''What the robustness tests share (test_bad_input.py, test_robustness.py):
error names, a raw bus client that sends what GDBus would refuse to, and
asynchronous calls for floods.'''

import os
import socket
import struct
import sys

from gi.repository import Gio, GLib

from kmoddtest import BUS_NAME, ERROR_PREFIX, INTERFACE, OBJECT_PATH

DBUS_ERROR = 'org.freedesktop.DBus.Error.'
INVALID_ARGS = DBUS_ERROR + 'InvalidArgs'
LIMITS = ERROR_PREFIX + 'LimitsExceeded'
NOT_AUTHORIZED = ERROR_PREFIX + 'NotAuthorized'
PROPERTIES = 'org.freedesktop.DBus.Properties'

# Modules that test_service.py and the fixture's modprobe.d give a role:
# never picked as a stress client's own module.
RESERVED = {'dummy', 'loop', 'fat', 'msdos', 'vfat', 'pcspkr', 'floppy',
            'dccp', 'snd_dummy', 'jbd2', 'ext4'}


def B(v):
    return GLib.Variant('b', v)


def S(v):
    return GLib.Variant('s', v)


def report(what, **figures):
    sys.stderr.write('ROBUSTNESS %s: %s\n' % (
        what, ' '.join('%s=%s' % kv for kv in figures.items())))
    sys.stderr.flush()


def under_wrapper():
    return bool(os.environ.get('KMODD_TEST_WRAPPER') or
                os.environ.get('KMODD_TEST_SANITIZED'))


def remote_error(e):
    return Gio.DBusError.get_remote_error(e) or ''


class RawBusClient:
    '''A minimal D-Bus client on a bare socket, for messages that GDBus
    refuses to build (invalid UTF-8). Little-endian, EXTERNAL auth.'''

    def __init__(self, socket_path, uid=0, timeout=10):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        # the bus takes the peer's uid at connect time (SO_PEERCRED)
        if uid != 0:
            os.setresgid(uid, uid, 0)
            os.setresuid(uid, uid, 0)
        try:
            self.sock.connect(socket_path)
        finally:
            os.setresuid(0, 0, 0)
            os.setresgid(0, 0, 0)
        self.sock.sendall(b'\0AUTH EXTERNAL ' + str(uid).encode().hex().encode() + b'\r\n')
        line = self._readline()
        if not line.startswith(b'OK '):
            raise RuntimeError('AUTH failed: %r' % line)
        self.sock.sendall(b'BEGIN\r\n')
        self.serial = 0
        self.buffer = b''
        self.call('/org/freedesktop/DBus', 'org.freedesktop.DBus', 'Hello',
                  'org.freedesktop.DBus', b'', b'')
        kind, _ = self.read_reply()
        if kind != 2:
            raise RuntimeError('Hello failed')

    def _readline(self):
        data = b''
        while not data.endswith(b'\r\n'):
            chunk = self.sock.recv(1)
            if not chunk:
                raise RuntimeError('closed during AUTH')
            data += chunk
        return data

    @staticmethod
    def _align(buf, n):
        buf += b'\0' * ((-len(buf)) % n)

    @classmethod
    def _string(cls, buf, data):
        cls._align(buf, 4)
        buf += struct.pack('<I', len(data)) + data + b'\0'

    @staticmethod
    def _signature(buf, data):
        buf += bytes([len(data)]) + data + b'\0'

    @classmethod
    def body_s_asv(cls, name_bytes, entries=()):
        '''Body of signature "sa{sv}": name_bytes, then a dict of string
        keys to string values, both given as raw bytes.'''
        body = bytearray()
        cls._string(body, name_bytes)
        cls._align(body, 4)
        length_at = len(body)
        body += b'\0\0\0\0'
        cls._align(body, 8)
        start = len(body)
        for key, value in entries:
            cls._align(body, 8)
            cls._string(body, key)
            cls._signature(body, b's')
            cls._string(body, value)
        struct.pack_into('<I', body, length_at, len(body) - start)
        return bytes(body)

    def call(self, path, interface, member, destination, signature, body, flags=0):
        self.serial += 1
        msg = self.message(self.serial, path, interface, member, destination, signature,
                           body, flags)
        self.sock.sendall(msg)
        return self.serial

    @classmethod
    def message(cls, serial, path, interface, member, destination, signature, body,
                flags=0):
        '''A method call message as bytes; its serial is at offset 8.'''
        msg = bytearray(b'l\x01' + bytes([flags]) + b'\x01')
        msg += struct.pack('<II', len(body), serial)
        msg += b'\0\0\0\0'          # header fields length, patched below
        fields = [(1, b'o', path.encode()), (2, b's', interface.encode()),
                  (3, b's', member.encode()), (6, b's', destination.encode())]
        if signature:
            fields.append((8, b'g', signature))
        for code, sig, value in fields:
            cls._align(msg, 8)
            msg += bytes([code])
            cls._signature(msg, sig)
            if sig == b'g':
                cls._signature(msg, value)
            else:
                cls._string(msg, value)
        struct.pack_into('<I', msg, 12, len(msg) - 16)
        cls._align(msg, 8)
        msg += body
        return msg

    def _recv_exact(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionResetError('closed by the bus')
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_reply(self):
        '''(message type, reply serial) of the next method return or error,
        skipping signals. Raises ConnectionResetError when the bus hangs up.'''
        while True:
            head = self._recv_exact(16)
            body_len, _serial, fields_len = struct.unpack('<III', head[4:16])
            rest = self._recv_exact(fields_len + ((-(16 + fields_len)) % 8) + body_len)
            kind = head[1]
            if kind in (2, 3):
                # REPLY_SERIAL (5, u) is the first u32 after "\x05\x01u\0"
                fields = rest[:fields_len]
                at = fields.find(b'\x05\x01u\x00')
                reply_to = struct.unpack('<I', fields[at + 4:at + 8])[0] if at >= 0 else None
                return kind, reply_to

    def close(self):
        self.sock.close()


class AsyncReplies:
    '''Collects the outcomes of asynchronous calls.'''

    def __init__(self):
        self.results = []

    def callback(self, tag=None):
        def on_done(conn, res):
            try:
                self.results.append((tag, 'ok', conn.call_finish(res).unpack()))
            except GLib.Error as e:
                self.results.append((tag, 'error', remote_error(e), e.message))
        return on_done


def call_async(conn, method, signature, args, callback, timeout_ms=60000,
               interface=INTERFACE):
    conn.call(BUS_NAME, OBJECT_PATH, interface, method,
              GLib.Variant(signature, args) if signature else None, None,
              Gio.DBusCallFlags.NONE, timeout_ms, None, callback)
