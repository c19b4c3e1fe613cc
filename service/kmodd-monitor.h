/* kmodd-monitor.h: every module that comes or goes, from udev.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define KMODD_TYPE_MONITOR (kmodd_monitor_get_type ())
G_DECLARE_FINAL_TYPE (KmoddMonitor, kmodd_monitor, KMODD, MONITOR, GObject)

KmoddMonitor *kmodd_monitor_new (void);

gboolean kmodd_monitor_start (KmoddMonitor *monitor,
                              GError      **error);

void kmodd_monitor_expect (KmoddMonitor *monitor,
                           const char   *module,
                           gboolean      added,
                           const char   *reason,
                           guint32       uid);

void kmodd_monitor_unexpect (KmoddMonitor *monitor,
                             const char   *module,
                             gboolean      added);

G_END_DECLS
