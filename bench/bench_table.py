# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench_table: the table of bench/run-bench, from the raw figures kmodd-bench
printed: medians and spreads, ratios to the references in the same run, the
targets, and which rows a profile must have (bench/check-bench.py checks
that). See bench/README.md."""

import os
import sys

# The module Info is timed on: a typical driver, with parameters and aliases.
INFO_MODULE = 'e1000e'

def fmt_num(v, unit):
    if v is None:
        return 'n/a'
    if unit == 'us':
        if abs(v) >= 10000:
            return '%.1f ms' % (v / 1000)
        if abs(v) >= 100:
            return '%.0f µs' % v
        return '%.1f µs' % v
    if unit == 'ms':
        return '%.1f ms' % v
    if unit == 's':
        return '%.2f s' % v
    if unit == 'calls/s':
        return '%.0f/s' % v
    if unit == 'KiB':
        return '%.0f KiB' % v
    if unit == 'us/module':
        return '%.3f µs/module' % v
    return '%g %s' % (v, unit)


def stat(d, unit, spread='p10-p90'):
    '''A stats object of kmodd-bench as {value, spread text}.'''
    if d is None:
        return None
    lo, hi = ('p10', 'p90') if spread == 'p10-p90' else ('median', 'p99')
    return {'median': d['median'], 'p10': d['p10'], 'p90': d['p90'], 'p99': d['p99'],
            'n': d['n'], 'unit': unit,
            'spread': '%s–%s' % (fmt_num(d[lo], unit), fmt_num(d[hi], unit))}


def get(raw, *keys):
    for k in keys:
        if not isinstance(raw, dict) or k not in raw:
            return None
        raw = raw[k]
    return raw


def linear_fit(points):
    n = len(points)
    if n < 2:
        return None
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    sxy = sum((x - mx) * (y - my) for x, y in points)
    syy = sum((y - my) ** 2 for _, y in points)
    if sxx == 0:
        return None
    slope = sxy / sxx
    intercept = my - slope * mx
    r2 = (sxy * sxy) / (sxx * syy) if syy > 0 else 1.0
    return slope, intercept, r2


def proc_rows(row, prefix, sec, pr, what, target):
    '''kmodctl list against lsmod, with the floors of a client process.'''
    rows = get(pr, 'rows') or {}
    a = stat(rows.get('a'), 'us')
    b = stat(rows.get('b'), 'us')
    c = stat(rows.get('c'), 'us')
    d = stat(rows.get('d'), 'us')

    def ratio(x, y):
        return x['median'] / y['median'] if x and y and y['median'] else None
    r = ratio(a, b)
    row(prefix, sec, 'kmodctl list, whole process (%s)' % what, a, 'lsmod, whole process', b, r,
        target or 'cross-check', (r is not None and r <= 1.5) if target else None)
    row(prefix + '.version', sec, 'kmodctl --version (its start alone, no bus)', c,
        'lsmod', b, ratio(c, b), note='process start and dynamic linking of GIO & co.')
    row(prefix + '.gio', sec, 'minimal GIO bus client (connect, one GetId, exit)', d,
        'lsmod', b, ratio(d, b), note='the floor of any command-line D-Bus client')


def build_rows(raw, cfg):
    rows = []

    def row(id, section, figure, value, ref_figure=None, ref=None, ratio=None, target=None,
            met=None, note=None):
        r = {'id': id, 'section': section, 'figure': figure, 'value': value,
             'reference': ({'figure': ref_figure, 'value': ref} if ref_figure else None),
             'ratio': ratio, 'target': target, 'met': met, 'note': note}
        rows.append(r)
        return r

    def ratio_of(a, b):
        if a is None or b is None or not b.get('median'):
            return None
        return a['median'] / b['median']

    host = raw.get('host')
    if host is not None:
        n = get(host, 'rtt', 'n_modules')
        rr = get(host, 'rtt', 'rows') or {}
        getid = stat(rr.get('getid'), 'us')
        ping = stat(rr.get('ping'), 'us')
        blob = stat(rr.get('blob'), 'us')
        iblob = stat(rr.get('iblob'), 'us')
        lst = stat(rr.get('list'), 'us')
        info = stat(rr.get('info'), 'us')
        sec = 'host: round trips, warm connection (fake kernel, %s modules loaded)' % n
        row('host.rtt.getid', sec, 'GetId to the bus daemon (floor: one round trip)', getid)
        row('host.rtt.ping', sec, 'Ping on a minimal GDBus service (bus floor for a service call)',
            ping, 'GetId', getid, ratio_of(ping, getid), note='any call to any service costs this')
        row('host.rtt.blob', sec, 'minimal service returning a kept List reply (%s modules)' % n,
            blob, 'GetId', getid, ratio_of(blob, getid),
            note='floor for a List-sized reply: transport and (de)serialization, no work')
        r = ratio_of(lst, getid)
        row('host.rtt.list', sec, 'List, all %s loaded modules' % n, lst, 'GetId', getid, r,
            '≤ 2.0×', r is not None and r <= 2.0,
            note='%.2f× Ping, %.2f× its floor (Blob)' % (ratio_of(lst, ping) or 0,
                                                         ratio_of(lst, blob) or 0))
        row('host.rtt.iblob', sec, 'minimal service returning a kept Info reply', iblob,
            'GetId', getid, ratio_of(iblob, getid), note='floor for an Info-sized reply')
        r = ratio_of(info, getid)
        row('host.rtt.info', sec, 'Info (%s)' % host.get('info_name'), info, 'GetId', getid, r,
            '≤ 3.0×', r is not None and r <= 3.0,
            note='%.2f× Ping, %.2f× its floor (InfoBlob)' % (ratio_of(info, ping) or 0,
                                                             ratio_of(info, iblob) or 0))

        dr = get(host, 'devices', 'rtt', 'rows') or {}
        nd = get(host, 'devices', 'count')
        d_getid = stat(dr.get('getid'), 'us')
        d_blob = stat(dr.get('dblob'), 'us')
        d_dev = stat(dr.get('devices'), 'us')
        sec = 'host: which driver serves which device (fake kernel, %s devices)' % nd
        row('host.dev.getid', sec, 'GetId to the bus daemon', d_getid)
        row('host.dev.dblob', sec, 'minimal service returning a kept Devices reply (%s devices)'
            % nd, d_blob, 'GetId', d_getid, ratio_of(d_blob, d_getid),
            note='floor for a Devices-sized reply: transport and (de)serialization, no work')
        r = ratio_of(d_dev, d_blob)
        row('host.dev.devices', sec, 'Devices, all %s devices' % nd, d_dev,
            'DevicesBlob', d_blob, r, '≤ 1.2×', r is not None and r <= 1.2,
            note='%.2f× GetId; kept until a device changes' % (ratio_of(d_dev, d_getid) or 0))

        cr = get(host, 'config', 'rows') or {}
        c_info = stat(cr.get('info'), 'us')
        c_config = stat(cr.get('config'), 'us')
        c_load = stat(cr.get('load'), 'us')
        c_set = stat(cr.get('setboot'), 'us')
        sec = 'host: configuration that survives a reboot (fake kernel; files in the temporary directory, fsync included)'
        r = ratio_of(c_config, c_info)
        row('host.cfg.config', sec, 'GetConfiguration (%s)' % host.get('info_name'), c_config,
            'Info', c_info, r, '≤ 2.0×', r is not None and r <= 2.0,
            note='reads every modules-load.d and modprobe.d file and /proc/cmdline')
        r = ratio_of(c_set, c_load)
        row('host.cfg.setboot', sec, 'SetBootLoad as root, on/off in turn (file rewritten)',
            c_set, 'Load of a loaded module', c_load, r, '≤ 3.0×', r is not None and r <= 3.0,
            note='two fsyncs and a rename per call')

        tp = get(host, 'throughput', 'rows') or {}
        clients = get(host, 'throughput', 'clients')
        tg = stat(tp.get('getid'), 'calls/s')
        tpg = stat(tp.get('ping'), 'calls/s')
        tb = stat(tp.get('blob'), 'calls/s')
        tl = stat(tp.get('list'), 'calls/s')
        sec = 'host: throughput, %s concurrent client processes (%d CPUs)' % (clients,
                                                                            os.cpu_count())
        row('host.tp.getid', sec, 'GetId throughput', tg)
        row('host.tp.ping', sec, 'Ping throughput (minimal service)', tpg, 'GetId', tg,
            ratio_of(tpg, tg))
        row('host.tp.blob', sec, 'Blob throughput (kept List reply, %s modules)' % n, tb,
            'GetId', tg, ratio_of(tb, tg), note='floor for List')
        r = ratio_of(tl, tg)
        row('host.tp.list', sec, 'List throughput (%s modules)' % n, tl, 'GetId', tg, r,
            '≥ 0.5×', r is not None and r >= 0.5,
            note='%.2f× Ping, %.2f× its floor (Blob)' % (ratio_of(tl, tpg) or 0,
                                                         ratio_of(tl, tb) or 0))

        sec = 'host: List scaling with the number of loaded modules'
        pts_list, pts_blob = [], []
        for count in sorted(host.get('scale', {}), key=int):
            sr = host['scale'][count]['rows']
            sl = stat(sr.get('list'), 'us')
            sg = stat(sr.get('getid'), 'us')
            sb = stat(sr.get('blob'), 'us')
            nm = host['scale'][count]['n_modules']
            pts_list.append((nm, sl['median']))
            if sb:
                pts_blob.append((nm, sb['median']))
            row('host.scale.%s' % count, sec, 'List, %d modules' % nm, sl, 'GetId', sg,
                ratio_of(sl, sg), note='Blob %s (%.2f× GetId)' % (
                    fmt_num(sb['median'], 'us'), ratio_of(sb, sg) or 0) if sb else None)
        fit = linear_fit(pts_list)
        bfit = linear_fit(pts_blob)
        if fit:
            row('host.scale.fit', sec, 'List cost per module (least squares, %d points)'
                % len(pts_list),
                {'median': fit[0], 'unit': 'us/module',
                 'spread': 'R² %.4f, intercept %s' % (fit[2], fmt_num(fit[1], 'us'))},
                'Blob per module', {'median': bfit[0], 'unit': 'us/module',
                                    'spread': 'R² %.4f' % bfit[2]} if bfit else None,
                fit[0] / bfit[0] if bfit and bfit[0] else None, 'linear',
                fit[2] >= 0.99,
                note='kmodd\'s own work per module: %.3f µs' % (fit[0] - bfit[0]) if bfit else None)

        ia = host.get('info_all')
        if ia:
            sec = 'host: Info for every module of the modules directory'
            row('host.info_all', sec, 'Info × %d modules, total (%d failed)'
                % (ia['modules'], ia['failures']),
                {'median': ia['info_total_s'], 'unit': 's',
                 'spread': 'per call median %s, p90 %s, max %s' % (
                     fmt_num(ia['rows']['info']['median'], 'us'),
                     fmt_num(ia['rows']['info']['p90'], 'us'),
                     fmt_num(ia['rows']['info']['max'], 'us'))},
                'GetId × %d (same loop)' % ia['modules'],
                {'median': ia['getid_total_s'], 'unit': 's',
                 'spread': 'per call median %s' % fmt_num(ia['rows']['getid']['median'], 'us')},
                ia['info_total_s'] / ia['getid_total_s'] if ia['getid_total_s'] else None,
                'report')

        mem = host.get('memory')
        if mem:
            sec = 'host: daemon memory (/proc/PID/smaps_rollup, status)'
            readings = mem['readings']
            idle = readings[0]

            def mem_value(rd):
                return {'median': rd['private_dirty_kib'], 'unit': 'KiB',
                        'spread': 'VmRSS %d KiB, Anonymous %d KiB, Pss %d KiB' % (
                            rd['vmrss_kib'], rd['anonymous_kib'], rd['pss_kib'])}
            row('host.mem.idle', sec, 'Private_Dirty, idle', mem_value(idle), target='≤ 2048 KiB',
                met=idle['private_dirty_kib'] <= 2048)
            for rd in readings[1:]:
                row('host.mem.%d' % rd['calls'], sec, 'Private_Dirty after %d calls (List/Info)'
                    % rd['calls'], mem_value(rd),
                    note='%+d KiB since idle' % (rd['private_dirty_kib'] - idle['private_dirty_kib']))
            if len(readings) >= 3:
                a, b = readings[-2], readings[-1]
                growth = b['private_dirty_kib'] - a['private_dirty_kib']
                per_call = growth * 1024.0 / (b['calls'] - a['calls'])
                row('host.mem.growth', sec, 'growth from %d to %d calls' % (a['calls'], b['calls']),
                    {'median': growth, 'unit': 'KiB',
                     'spread': '%.2f bytes/call; VmRSS %+d KiB' % (
                         per_call, b['vmrss_kib'] - a['vmrss_kib'])},
                    target='≤ 128 KiB (noise)', met=growth <= 128,
                    note='a leak of one 16-byte block per call would be %d KiB'
                    % ((b['calls'] - a['calls']) * 16 // 1024))

        tk = host.get('tick')
        if tk:
            sec = 'host: AutoClean (fake kernel; schedstat CPU time of every kmodd thread)'
            row('host.ac.tick', sec, 'sampling tick with %d marked modules: CPU per tick'
                % tk['marks'],
                {'median': tk['per_tick_us'] / 1000.0, 'unit': 'ms',
                 'spread': '%.0f ticks in %.0f s; %d wakeups (%d idle)' % (
                     tk['ticks'], tk['window_s'], tk['marked_wakeups'], tk['idle_wakeups'])},
                target='< 5 ms', met=tk['per_tick_us'] < 5000,
                note='less kmodd\'s CPU over the same window with no mark (%.2f ms)'
                % (tk['idle_ns'] / 1e6))

        st = host.get('start')
        if st:
            sec = 'host: daemon start, spawn to bus name owned (NameOwnerChanged)'
            ks = stat(st['rows']['start'], 'us')
            rs = stat(st['rows'].get('ref_start'), 'us')
            row('host.start', sec, 'kmodd, spawn to name owned', ks,
                'minimal GDBus service, same way', rs, ratio_of(ks, rs), 'report',
                note='%d unclean exits' % st.get('bad_exits', 0))

        pr = host.get('proc')
        if pr:
            proc_rows(row, 'host.proc', 'host: whole processes (fake kernel, all under the shim)',
                      pr, '%s modules' % n, None)

    vm = raw.get('vm')
    if vm is not None:
        rel = (vm.get('files', {}).get('uname.txt') or '').strip()
        nmods = len((vm.get('files', {}).get('proc-modules.txt') or '').splitlines())
        sec = 'VM: Debian %s, real kernel, QEMU TCG (%s modules loaded)' % (rel or '?', nmods)
        proc_rows(row, 'vm.proc', sec, vm.get('proc'), '%d modules' % nmods, '≤ 1.5×')
        lu = vm.get('load-unload')
        a = stat(get(lu, 'rows', 'client'), 'us')
        b = stat(get(lu, 'rows', 'tools'), 'us')
        r = ratio_of(a, b)
        row('vm.load_unload', sec, 'Load + Unload dummy, libkmodd, warm', a,
            'modprobe dummy; rmmod dummy (processes)', b, r, '≤ 0.8×',
            r is not None and r <= 0.8,
            note='Load %s + Unload %s' % (
                fmt_num(get(lu, 'rows', 'client_load', 'median'), 'us'),
                fmt_num(get(lu, 'rows', 'client_unload', 'median'), 'us')) if lu else None)
        sl = vm.get('signal-latency')
        s = stat(get(sl, 'rows', 'loaded_after_exit'), 'us', spread='p50-p99')
        row('vm.signal.loaded', sec, 'ModuleLoaded after modprobe returns (p50–p99)', s,
            target='report',
            note=('%d of %d came before modprobe returned; after spawn: p50 %s' % (
                sl['loaded_before_exit'], s['n'],
                fmt_num(get(sl, 'rows', 'loaded_after_spawn', 'median'), 'us'))) if sl else None)
        s = stat(get(sl, 'rows', 'unloaded_after_exit'), 'us', spread='p50-p99')
        row('vm.signal.unloaded', sec, 'ModuleUnloaded after rmmod returns (p50–p99)', s,
            target='report')
        act = vm.get('activation')
        row('vm.activation', sec, 'kmodd start by bus activation (StartServiceByName)',
            stat(get(act, 'rows', 'start'), 'us'), target='report')
        rt = vm.get('rtt')
        rr = get(rt, 'rows') or {}
        g = stat(rr.get('getid'), 'us')
        for key, label, target in (('getid', 'GetId', None),
                                   ('ping', 'Ping (minimal service)', None),
                                   ('blob', 'Blob (kept List reply)', None),
                                   ('list', 'List, all loaded modules', 'cross-check'),
                                   ('iblob', 'InfoBlob (kept Info reply)', None),
                                   ('info', 'Info (%s)' % INFO_MODULE, 'cross-check'),
                                   ('dblob', 'DevicesBlob (kept Devices reply)', None)):
            v = stat(rr.get(key), 'us')
            row('vm.rtt.%s' % key, sec, '%s round trip' % label, v,
                'GetId' if key != 'getid' else None, g if key != 'getid' else None,
                ratio_of(v, g) if key != 'getid' else None, target)
        db = stat(rr.get('dblob'), 'us')
        dv = stat(rr.get('devices'), 'us')
        r = ratio_of(dv, db)
        row('vm.rtt.devices', sec, 'Devices, every device of the guest with a modalias', dv,
            'DevicesBlob', db, r, '≤ 1.2×', r is not None and r <= 1.2,
            note='%.2f× GetId' % (ratio_of(dv, g) or 0))
    return rows


def expected_row_ids(cfg, host=True, vm=True):
    '''Every row a complete run prints (the meson test checks them).'''
    ids = []
    if host:
        ids += ['host.rtt.' + r for r in ('getid', 'ping', 'blob', 'list', 'iblob', 'info')]
        ids += ['host.dev.getid', 'host.dev.dblob', 'host.dev.devices']
        ids += ['host.cfg.config', 'host.cfg.setboot']
        ids += ['host.tp.' + r for r in ('getid', 'ping', 'blob', 'list')]
        ids += ['host.scale.%d' % p for p in sorted(set(cfg['scale_points'] + [cfg['typical']]))]
        ids += ['host.scale.fit']
        if cfg['info_all']:
            ids.append('host.info_all')
        ids += ['host.mem.idle'] + ['host.mem.%d' % c for c in cfg['mem_checkpoints']]
        if len(cfg['mem_checkpoints']) >= 2:
            ids.append('host.mem.growth')
        ids += ['host.ac.tick']
        ids += ['host.start', 'host.proc', 'host.proc.version', 'host.proc.gio']
    if vm:
        ids += ['vm.proc', 'vm.proc.version', 'vm.proc.gio', 'vm.load_unload', 'vm.signal.loaded', 'vm.signal.unloaded',
                'vm.activation']
        ids += ['vm.rtt.' + r for r in ('getid', 'ping', 'blob', 'list', 'iblob', 'info',
                                        'dblob', 'devices')]
    return ids


def missing_rows(rows, cfg, host, vm):
    have = {r['id'] for r in rows if r['value'] is not None and r['value'].get('median') is not None}
    return [i for i in expected_row_ids(cfg, host, vm) if i not in have]


def print_table(rows, meta, out=sys.stdout):
    cols = ('figure', 'median', 'spread', 'reference (same run)', 'ref median', 'ratio',
            'target', '')
    lines = []
    section = None
    for r in rows:
        if r['section'] != section:
            section = r['section']
            lines.append(('§', section))
        v = r['value']
        ref = r['reference']
        refv = ref['value'] if ref else None
        verdict = '' if r['met'] is None else ('met' if r['met'] else 'MISSED')
        cells = (r['figure'],
                 fmt_num(v['median'], v['unit']) if v else 'n/a',
                 v['spread'] if v else '',
                 ref['figure'] if ref else '',
                 fmt_num(refv['median'], refv['unit']) if refv else '',
                 '%.2f×' % r['ratio'] if r['ratio'] is not None else '',
                 r['target'] or '', verdict)
        lines.append(cells)
        if r['note']:
            lines.append(('', '', '  ' + r['note'], '', '', '', '', ''))
    widths = [len(c) for c in cols]
    for cells in lines:
        if cells[0] == '§':
            continue
        for i, c in enumerate(cells):
            if not (i == 2 and cells[0] == ''):
                widths[i] = max(widths[i], len(c))

    def fmt(cells):
        return '  '.join(c.ljust(widths[i]) if i < len(cells) - 1 else c
                         for i, c in enumerate(cells)).rstrip()
    print('kmodd benchmark — %s' % meta['summary'], file=out)
    print(fmt(cols), file=out)
    print('  '.join('-' * w for w in widths), file=out)
    for cells in lines:
        if cells[0] == '§':
            print('\n[%s]' % cells[1], file=out)
        elif cells[0] == '':
            print(' ' * (widths[0] + 2) + cells[2].strip(), file=out)
        else:
            print(fmt(cells), file=out)
