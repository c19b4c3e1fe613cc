/* kmodd-kernel-devlist.c: which driver serves which device. Devices()'s
 * answer: every device the kernel gives a MODALIAS, whatever its bus or
 * class, with its driver and module when bound, the modules whose aliases
 * match it (modprobe's lookup, in modprobe's order) and which of those a
 * blacklist names.
 *
 * The devices are read from sysfs as udev enumerates them (every
 * /sys/bus/BUS/devices/DEV and /sys/class/CLASS/DEV), one read of each
 * device's `uevent` and two readlink()s for its driver and module; the
 * vendor and model come from udev's database entry of the device (or of
 * its parent: a USB interface's are on its device), as udev stored them
 * from its hardware database. libudev's enumerator is not used: it
 * resolves every device from "/" down, which costs more and which the
 * fake kernel of the tests cannot redirect.
 *
 * What costs is kept: the candidates of each modalias (libkmod's lookup
 * walks the alias index with fnmatch patterns) until modprobe.d or the
 * indexes change (kernel_drop_caches()), and the whole answer while the
 * monitor says no device came, went, was bound or unbound
 * (kmodd_kernel_devices_changed()); without the monitor nothing of the
 * answer is kept.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

#include "kmodd-error.h"
#include "kmodd-kernel-private.h"
#include "kmodd-names.h"

/* distinct modaliases only grow with the devices ever plugged in; a bound
 * all the same (checked before a scan, whose entries point into it) */
#define CANDIDATES_MAX 4096

typedef struct {
  char      *syspath; /* /sys/devices/... */
  char      *subsystem;
  char      *modalias;
  char      *vendor;
  char      *model;
  char      *driver;
  char      *module;
  GStrv      candidates;
  GPtrArray *blacklisted;
} DevEntry;

static void
dev_entry_free (DevEntry *e)
{
  g_free (e->syspath);
  g_free (e->subsystem);
  g_free (e->modalias);
  g_free (e->vendor);
  g_free (e->model);
  g_free (e->driver);
  g_free (e->module);
  g_clear_pointer (&e->blacklisted, g_ptr_array_unref);
  g_free (e);
}

void
kernel_devices_drop (KmoddKernel *kernel)
{
  g_clear_pointer (&kernel->devices[0], g_variant_unref);
  g_clear_pointer (&kernel->devices[1], g_variant_unref);
}

void
kmodd_kernel_devices_changed (KmoddKernel *kernel)
{
  kernel_devices_drop (kernel);
}

void
kmodd_kernel_keep_devices (KmoddKernel *kernel,
                           gboolean     keep)
{
  kernel->keep_devices = keep;
  if (!keep)
    kernel_devices_drop (kernel);
}

/* The last component of the target of the link @dir/@name, or NULL. */
static char *
link_basename (const char *dir,
               const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *target = g_file_read_link (path, NULL);

  return target != NULL ? g_path_get_basename (target) : NULL;
}

/* The modules modprobe would consider for @modalias, in its order;
 * owned by the cache. */
static const char * const *
lookup_candidates (KmoddKernel *kernel,
                   const char  *modalias)
{
  g_autoptr(GPtrArray) names = NULL;
  struct kmod_list *list = NULL, *l;
  GStrv found = g_hash_table_lookup (kernel->candidates, modalias);

  if (found != NULL)
    return (const char * const *) found;

  names = g_ptr_array_new_with_free_func (g_free);
  if (kmod_module_new_from_lookup (kernel->ctx, modalias, &list) == 0)
    {
      kmod_list_foreach (l, list)
        {
          struct kmod_module *mod = kmod_module_get_module (l);

          kernel_append_unique (names, kmod_module_get_name (mod));
          kmod_module_unref (mod);
        }
      kmod_module_unref_list (list);
    }
  found = kernel_names_to_strv (names);
  g_hash_table_insert (kernel->candidates, g_strdup (modalias), found);
  return (const char * const *) found;
}

/* Reads MODALIAS, MAJOR and MINOR from @sysdir's uevent. */
static gboolean
read_uevent (const char *sysdir,
             char      **out_modalias,
             char      **out_devnum)
{
  g_autofree char *path = g_build_filename (sysdir, "uevent", NULL);
  g_autofree char *contents = NULL;
  const char *major = NULL, *minor = NULL;
  char *line, *next;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  for (line = contents; line != NULL && *line != '\0'; line = next)
    {
      next = strchr (line, '\n');
      if (next != NULL)
        *next++ = '\0';
      if (g_str_has_prefix (line, "MODALIAS=") && line[9] != '\0')
        {
          g_free (*out_modalias);
          *out_modalias = g_utf8_make_valid (line + 9, -1);
        }
      else if (g_str_has_prefix (line, "MAJOR="))
        major = line + 6;
      else if (g_str_has_prefix (line, "MINOR="))
        minor = line + 6;
    }
  if (out_devnum != NULL && major != NULL && minor != NULL)
    *out_devnum = g_strdup_printf ("%s:%s", major, minor);
  return *out_modalias != NULL;
}

/* Vendor and model from udev's database entry of @syspath, whose
 * subsystem is @subsystem and device number @devnum (NULL if none). */
static gboolean
read_hardware (const char *syspath,
               const char *subsystem,
               const char *devnum,
               DevEntry   *e)
{
  g_autofree char *name = g_path_get_basename (syspath);
  g_autofree char *id = NULL;

  if (devnum != NULL)
    id = g_strdup_printf ("%c%s", g_str_equal (subsystem, "block") ? 'b' : 'c', devnum);
  else
    id = g_strdup_printf ("+%s:%s", subsystem, name);
  e->vendor = kernel_udev_db_property (id, "ID_VENDOR_FROM_DATABASE");
  e->model = kernel_udev_db_property (id, "ID_MODEL_FROM_DATABASE");
  return e->vendor != NULL || e->model != NULL;
}

static void
read_parent_hardware (const char *syspath,
                      DevEntry   *e)
{
  g_autofree char *parent = g_path_get_dirname (syspath);
  g_autofree char *subsystem = link_basename (parent, "subsystem");
  g_autofree char *modalias = NULL;
  g_autofree char *devnum = NULL;

  if (subsystem == NULL)
    return;
  read_uevent (parent, &modalias, &devnum);
  read_hardware (parent, subsystem, devnum, e);
}

/* The entry of the device at @syspath (resolved, /sys/devices/...), or
 * NULL if it has no MODALIAS. */
static DevEntry *
read_device (KmoddKernel *kernel,
             const char  *syspath,
             const char  *subsystem)
{
  g_autofree char *modalias = NULL;
  g_autofree char *devnum = NULL;
  g_autofree char *driver_dir = NULL;
  DevEntry *e;
  guint i;

  if (!read_uevent (syspath, &modalias, &devnum))
    return NULL;
  e = g_new0 (DevEntry, 1);
  e->modalias = g_steal_pointer (&modalias);
  e->syspath = g_strdup (syspath);
  e->subsystem = g_strdup (subsystem);
  if (!read_hardware (syspath, subsystem, devnum, e))
    read_parent_hardware (syspath, e);

  e->driver = link_basename (syspath, "driver");
  if (e->driver != NULL)
    {
      driver_dir = g_build_filename (syspath, "driver", NULL);
      e->module = link_basename (driver_dir, "module");
    }

  e->candidates = (GStrv) lookup_candidates (kernel, e->modalias);
  e->blacklisted = g_ptr_array_new ();
  for (i = 0; e->candidates[i] != NULL; i++)
    {
      if (g_hash_table_contains (kernel->blacklist, e->candidates[i]))
        g_ptr_array_add (e->blacklisted, e->candidates[i]);
    }
  g_ptr_array_add (e->blacklisted, NULL);
  return e;
}

/* Adds the devices of @top/NAME/@sub (/sys/bus/NAME/devices) or @top/NAME
 * (/sys/class/NAME) to @by_path, under their resolved syspath. */
static void
scan (KmoddKernel *kernel,
      const char  *top,
      const char  *sub,
      GHashTable  *by_path)
{
  DIR *outer = opendir (top);
  struct dirent *de;

  if (outer == NULL)
    return;
  while ((de = readdir (outer)) != NULL)
    {
      g_autofree char *dir = NULL;
      DIR *inner;
      struct dirent *dev;

      if (de->d_name[0] == '.')
        continue;
      dir = sub != NULL ? g_build_filename (top, de->d_name, sub, NULL)
                        : g_build_filename (top, de->d_name, NULL);
      inner = opendir (dir);
      if (inner == NULL)
        continue;
      while ((dev = readdir (inner)) != NULL)
        {
          g_autofree char *link = NULL;
          g_autofree char *target = NULL;
          g_autofree char *syspath = NULL;
          DevEntry *e;

          if (dev->d_name[0] == '.' || (dev->d_type != DT_LNK && dev->d_type != DT_UNKNOWN))
            continue;
          link = g_build_filename (dir, dev->d_name, NULL);
          target = g_file_read_link (link, NULL);
          if (target == NULL)
            continue;
          /* ../../../devices/pci0000:00/0000:00:03.0: a string operation,
           * no lstat() per component */
          syspath = g_canonicalize_filename (target, dir);
          if (!g_str_has_prefix (syspath, "/sys/devices/") ||
              g_hash_table_contains (by_path, syspath))
            continue;
          e = read_device (kernel, syspath, de->d_name);
          if (e != NULL)
            g_hash_table_insert (by_path, e->syspath, e);
        }
      closedir (inner);
    }
  closedir (outer);
}

static void
add_string (GVariant  **items,
            guint      *n,
            const char *key,
            const char *value)
{
  if (value != NULL)
    items[(*n)++] = g_variant_new_dict_entry (g_variant_new_string (key),
                                              g_variant_new_variant (g_variant_new_string (value)));
}

static GVariant *
make_entry (const DevEntry *e)
{
  GVariant *items[9];
  guint n = 0;

  add_string (items, &n, KMODD_DEVICE_SYSPATH, e->syspath);
  add_string (items, &n, KMODD_DEVICE_SUBSYSTEM, e->subsystem);
  add_string (items, &n, KMODD_DEVICE_MODALIAS, e->modalias);
  add_string (items, &n, KMODD_DEVICE_VENDOR, e->vendor);
  add_string (items, &n, KMODD_DEVICE_MODEL, e->model);
  add_string (items, &n, KMODD_DEVICE_DRIVER, e->driver);
  add_string (items, &n, KMODD_DEVICE_MODULE, e->module);
  items[n++] = g_variant_new_dict_entry (
    g_variant_new_string (KMODD_DEVICE_CANDIDATES),
    g_variant_new_variant (g_variant_new_strv ((const char * const *) e->candidates, -1)));
  items[n++] = g_variant_new_dict_entry (
    g_variant_new_string (KMODD_DEVICE_BLACKLISTED),
    g_variant_new_variant (g_variant_new_strv ((const char * const *) e->blacklisted->pdata, -1)));
  return g_variant_new_array (G_VARIANT_TYPE ("{sv}"), items, n);
}

static gint
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  return strcmp ((*(const DevEntry * const *) a)->syspath,
                 (*(const DevEntry * const *) b)->syspath);
}

/* Returns a full (non-floating) reference: the answer may be kept. */
GVariant *
kmodd_kernel_devices (KmoddKernel *kernel,
                      gboolean     unbound_only,
                      GError     **error)
{
  g_autoptr(GHashTable) by_path = NULL;
  g_autoptr(GPtrArray) sorted = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) unbound = NULL;
  GVariant *replies[2];
  GHashTableIter iter;
  gpointer value;
  guint i;

  /* drops what is kept when modprobe.d or the indexes changed */
  kernel_refresh (kernel);
  if (kernel->devices[unbound_only] != NULL)
    return g_variant_ref (kernel->devices[unbound_only]);

  if (g_hash_table_size (kernel->candidates) >= CANDIDATES_MAX)
    g_hash_table_remove_all (kernel->candidates);
  by_path = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                   (GDestroyNotify) dev_entry_free);
  scan (kernel, KMODD_PATH_SYS_BUS, "devices", by_path);
  scan (kernel, KMODD_PATH_SYS_CLASS, NULL, by_path);

  sorted = g_ptr_array_sized_new (g_hash_table_size (by_path));
  g_hash_table_iter_init (&iter, by_path);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (sorted, value);
  g_ptr_array_sort (sorted, compare_entries);

  all = g_ptr_array_sized_new (sorted->len);
  unbound = g_ptr_array_new ();
  for (i = 0; i < sorted->len; i++)
    {
      const DevEntry *e = g_ptr_array_index (sorted, i);
      GVariant *entry = g_variant_ref_sink (make_entry (e));

      g_ptr_array_add (all, entry);
      if (e->driver == NULL)
        g_ptr_array_add (unbound, entry);
    }
  replies[0] = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE_VARDICT,
                                                        (GVariant **) all->pdata, all->len));
  replies[1] = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE_VARDICT,
                                                        (GVariant **) unbound->pdata,
                                                        unbound->len));
  for (i = 0; i < all->len; i++)
    g_variant_unref (g_ptr_array_index (all, i));

  if (kernel->keep_devices)
    {
      kernel_devices_drop (kernel);
      kernel->devices[0] = g_variant_ref (replies[0]);
      kernel->devices[1] = g_variant_ref (replies[1]);
    }
  g_variant_unref (replies[!unbound_only]);
  return replies[unbound_only];
}
