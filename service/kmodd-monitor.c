/* kmodd-monitor.c: every module that comes or goes, and every device with
 * a modalias that comes, goes, is bound or unbound, from udev.
 *
 * The kernel sends an "add" uevent for /module/NAME when a module is
 * inserted and a "remove" event when it leaves, whoever did it. The monitor
 * listens to udev's rebroadcast of those events and emits "module-changed"
 * once per event, on the main context. Devices' events (add, remove,
 * bind, unbind, and change and move, which can change what udev's
 * database says) that carry a MODALIAS become "device-changed". libudev
 * filters by subsystem only, and devices with a modalias are on any bus or
 * class: so nothing is filtered in the kernel, and the events of other
 * devices are read and dropped here.
 *
 * To tell the service's own changes from everyone else's, a worker thread
 * announces each insertion or removal just before it asks the kernel
 * (kmodd_monitor_expect) and withdraws the announcement if the kernel said
 * no (kmodd_monitor_unexpect). An event that matches an announcement carries
 * its reason and uid; any other is "external".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <libudev.h>

#include "kmodd-monitor.h"
#include "kmodd-names.h"
#include "kmodd-validate.h"

#define RECEIVE_BUFFER_SIZE (4 * 1024 * 1024)

typedef struct {
  char   *reason;
  guint32 uid;
} Expectation;

struct _KmoddMonitor {
  GObject              parent_instance;

  struct udev         *udev;
  struct udev_monitor *udev_monitor;
  guint                watch_id;

  GMutex               lock;
  GHashTable          *expected; /* "+name" / "-name" -> GQueue of Expectation */
};

G_DEFINE_TYPE (KmoddMonitor, kmodd_monitor, G_TYPE_OBJECT)

enum {
  SIGNAL_MODULE_CHANGED,
  SIGNAL_DEVICE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
expectation_free (Expectation *e)
{
  g_free (e->reason);
  g_free (e);
}

static void
queue_free (GQueue *queue)
{
  g_queue_free_full (queue, (GDestroyNotify) expectation_free);
}

static char *
make_key (const char *module,
          gboolean    added)
{
  return g_strconcat (added ? "+" : "-", module, NULL);
}

void
kmodd_monitor_expect (KmoddMonitor *monitor,
                      const char   *module,
                      gboolean      added,
                      const char   *reason,
                      guint32       uid)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&monitor->lock);
  char *key = make_key (module, added);
  Expectation *e = g_new0 (Expectation, 1);
  GQueue *queue = g_hash_table_lookup (monitor->expected, key);

  if (queue == NULL)
    {
      queue = g_queue_new ();
      g_hash_table_insert (monitor->expected, key, queue);
    }
  else
    g_free (key);

  e->reason = g_strdup (reason);
  e->uid = uid;
  g_queue_push_tail (queue, e);
}

static Expectation *
take_expectation (KmoddMonitor *monitor,
                  const char   *module,
                  gboolean      added,
                  gboolean      newest)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&monitor->lock);
  g_autofree char *key = make_key (module, added);
  GQueue *queue = g_hash_table_lookup (monitor->expected, key);
  Expectation *e;

  if (queue == NULL)
    return NULL;
  e = newest ? g_queue_pop_tail (queue) : g_queue_pop_head (queue);
  if (g_queue_is_empty (queue))
    g_hash_table_remove (monitor->expected, key);
  return e;
}

void
kmodd_monitor_unexpect (KmoddMonitor *monitor,
                        const char   *module,
                        gboolean      added)
{
  Expectation *e = take_expectation (monitor, module, added, TRUE);

  if (e != NULL)
    expectation_free (e);
}

static gboolean
is_one_of (const char         *action,
           const char * const *actions)
{
  return action != NULL && g_strv_contains (actions, action);
}

static void
module_event (KmoddMonitor       *monitor,
              struct udev_device *device,
              const char         *action)
{
  static const char * const actions[] = { "add", "remove", NULL };
  const char *name = udev_device_get_sysname (device);
  gboolean added;
  Expectation *e;

  if (name == NULL || !kmodd_name_is_module_name (name) || !is_one_of (action, actions))
    return;

  added = g_str_equal (action, "add");
  e = take_expectation (monitor, name, added, FALSE);
  g_debug ("udev: %s %s (%s)", action, name, e ? e->reason : KMODD_REASON_EXTERNAL);
  g_signal_emit (monitor, signals[SIGNAL_MODULE_CHANGED], 0,
                 name, added,
                 e ? e->reason : KMODD_REASON_EXTERNAL,
                 e ? e->uid : 0,
                 e != NULL);
  if (e != NULL)
    expectation_free (e);
}

static void
device_event (KmoddMonitor       *monitor,
              struct udev_device *device,
              const char         *action,
              const char         *subsystem)
{
  static const char * const actions[] = { "add", "remove", "bind", "unbind", "change", "move", NULL };
  const char *modalias = udev_device_get_property_value (device, "MODALIAS");
  const char *syspath = udev_device_get_syspath (device);

  if (modalias == NULL || syspath == NULL || subsystem == NULL || !is_one_of (action, actions))
    return;
  g_debug ("udev: %s %s (%s)", action, syspath, modalias);
  g_signal_emit (monitor, signals[SIGNAL_DEVICE_CHANGED], 0, syspath, action, subsystem,
                 modalias, udev_device_get_property_value (device, "DRIVER"));
}

static gboolean
on_udev_event (gint         fd,
               GIOCondition condition,
               gpointer     user_data)
{
  KmoddMonitor *monitor = user_data;
  struct udev_device *device;

  while ((device = udev_monitor_receive_device (monitor->udev_monitor)) != NULL)
    {
      const char *action = udev_device_get_action (device);
      const char *subsystem = udev_device_get_subsystem (device);

      if (g_strcmp0 (subsystem, "module") == 0)
        module_event (monitor, device, action);
      else
        device_event (monitor, device, action, subsystem);
      udev_device_unref (device);
    }

  return G_SOURCE_CONTINUE;
}

gboolean
kmodd_monitor_start (KmoddMonitor *monitor,
                     GError      **error)
{
  int fd;
  int r;

  monitor->udev = udev_new ();
  if (monitor->udev == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "udev_new() failed");
      return FALSE;
    }

  /* udev's rebroadcast of the kernel's events, after its rules ran */
  monitor->udev_monitor = udev_monitor_new_from_netlink (monitor->udev, "udev");
  if (monitor->udev_monitor == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "Cannot listen to udev's netlink socket");
      return FALSE;
    }

  udev_monitor_set_receive_buffer_size (monitor->udev_monitor, RECEIVE_BUFFER_SIZE);
  r = udev_monitor_enable_receiving (monitor->udev_monitor);
  if (r < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (-r),
                   "Cannot listen to udev: %s", g_strerror (-r));
      return FALSE;
    }

  fd = udev_monitor_get_fd (monitor->udev_monitor);
  monitor->watch_id = g_unix_fd_add (fd, G_IO_IN, on_udev_event, monitor);
  return TRUE;
}

KmoddMonitor *
kmodd_monitor_new (void)
{
  return g_object_new (KMODD_TYPE_MONITOR, NULL);
}

static void
kmodd_monitor_finalize (GObject *object)
{
  KmoddMonitor *monitor = KMODD_MONITOR (object);

  g_clear_handle_id (&monitor->watch_id, g_source_remove);
  g_clear_pointer (&monitor->udev_monitor, udev_monitor_unref);
  g_clear_pointer (&monitor->udev, udev_unref);
  g_hash_table_unref (monitor->expected);
  g_mutex_clear (&monitor->lock);

  G_OBJECT_CLASS (kmodd_monitor_parent_class)->finalize (object);
}

static void
kmodd_monitor_init (KmoddMonitor *monitor)
{
  g_mutex_init (&monitor->lock);
  monitor->expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) queue_free);
}

static void
kmodd_monitor_class_init (KmoddMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = kmodd_monitor_finalize;

  /**
   * KmoddMonitor::module-changed:
   * @name: the module
   * @added: TRUE when it came, FALSE when it went
   * @reason: "request", "autoclean" or "external"
   * @uid: who asked, when @has_uid
   * @has_uid: whether the change was a request of the service
   */
  signals[SIGNAL_MODULE_CHANGED] =
    g_signal_new ("module-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 5,
                  G_TYPE_STRING, G_TYPE_BOOLEAN, G_TYPE_STRING, G_TYPE_UINT,
                  G_TYPE_BOOLEAN);

  /**
   * KmoddMonitor::device-changed:
   * @syspath: the device, /sys/devices/...
   * @action: "add", "remove", "bind", "unbind", "change" or "move"
   * @subsystem: its bus or class
   * @modalias: its MODALIAS
   * @driver: (nullable): its driver, on bind
   */
  signals[SIGNAL_DEVICE_CHANGED] =
    g_signal_new ("device-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 5,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
                  G_TYPE_STRING);
}
