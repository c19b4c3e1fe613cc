/* kmodd-kernel-devices.c: the devices a module drives. A driver bound to a
 * device holds no reference on its module (the use count stays 0), yet
 * removing the module takes the device's driver away; so a module is in
 * use while any driver it registers is bound to a device:
 * /sys/module/M/drivers/BUS:DRV/ holds a symbolic link per bound device,
 * next to the driver's files (bind, unbind, uevent, new_id, ...) and its
 * `module` link. Unbinding is a write of the device's name to the
 * driver's `unbind`.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmodd-error.h"
#include "kmodd-kernel-private.h"
#include "kmodd-names.h"
#include "kmodd-validate.h"

void
kmodd_device_free (KmoddDevice *device)
{
  if (device == NULL)
    return;
  g_free (device->bus);
  g_free (device->name);
  g_free (device->driver_dir);
  g_free (device);
}

/* Whether @dir's entry @de is a device link: a symbolic link other than
 * the driver's `module`. */
static gboolean
is_device_entry (int            dir_fd,
                 struct dirent *de)
{
  struct stat st;

  if (de->d_name[0] == '.' || g_str_equal (de->d_name, "module"))
    return FALSE;
  if (de->d_type != DT_UNKNOWN)
    return de->d_type == DT_LNK;
  return fstatat (dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
         S_ISLNK (st.st_mode);
}

/* Calls @fn for each device bound to a driver of @module; stops early and
 * returns FALSE when @fn does. */
static gboolean
foreach_device (const char  *module,
                gboolean  ( *fn ) (const char *driver,
                                   const char *driver_dir,
                                   const char *device,
                                   gpointer    data),
                gpointer     data)
{
  g_autofree char *drivers = NULL;
  DIR *top;
  struct dirent *de;
  gboolean go_on = TRUE;

  if (!kmodd_name_is_module_name (module))
    return TRUE;
  drivers = g_strdup_printf (KMODD_PATH_SYS_MODULE "/%s/drivers", module);
  top = opendir (drivers);
  if (top == NULL)
    return TRUE;  /* registers no driver (or is gone) */

  while (go_on && (de = readdir (top)) != NULL)
    {
      g_autofree char *driver_dir = NULL;
      DIR *dir;
      struct dirent *dev;

      if (de->d_name[0] == '.')
        continue;
      driver_dir = g_build_filename (drivers, de->d_name, NULL);
      dir = opendir (driver_dir);
      if (dir == NULL)
        continue;
      while (go_on && (dev = readdir (dir)) != NULL)
        {
          if (is_device_entry (dirfd (dir), dev))
            go_on = fn (de->d_name, driver_dir, dev->d_name, data);
        }
      closedir (dir);
    }
  closedir (top);
  return go_on;
}

static gboolean
count_one (const char *driver,
           const char *driver_dir,
           const char *device,
           gpointer    data)
{
  (*(guint *) data)++;
  return TRUE;
}

guint
kmodd_kernel_count_devices (const char *module)
{
  guint n = 0;

  foreach_device (module, count_one, &n);
  return n;
}

static gboolean
add_one (const char *driver,
         const char *driver_dir,
         const char *device,
         gpointer    data)
{
  KmoddDevice *d = g_new0 (KmoddDevice, 1);
  const char *colon = strchr (driver, ':');

  d->bus = colon != NULL ? g_strndup (driver, (gsize) (colon - driver)) : g_strdup ("");
  d->name = g_strdup (device);
  d->driver_dir = g_strdup (driver_dir);
  g_ptr_array_add (data, d);
  return TRUE;
}

static gint
compare_devices (gconstpointer a,
                 gconstpointer b)
{
  const KmoddDevice *da = *(const KmoddDevice **) a;
  const KmoddDevice *db = *(const KmoddDevice **) b;
  int r = g_strcmp0 (da->bus, db->bus);

  return r != 0 ? r : g_strcmp0 (da->name, db->name);
}

GPtrArray *
kmodd_kernel_get_devices (const char *module)
{
  GPtrArray *devices = g_ptr_array_new_with_free_func ((GDestroyNotify) kmodd_device_free);

  foreach_device (module, add_one, devices);
  g_ptr_array_sort (devices, compare_devices);
  return devices;
}

/* The E:KEY= value in udev's database entry @id (NULL if none). */
char *
kernel_udev_db_property (const char *id,
                         const char *key)
{
  g_autofree char *path = g_build_filename (KMODD_PATH_UDEV_DATA, id, NULL);
  g_autofree char *contents = NULL;
  g_autofree char *prefix = g_strdup_printf ("E:%s=", key);
  g_auto(GStrv) lines = NULL;
  guint i;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], prefix) && lines[i][strlen (prefix)] != '\0')
        return g_utf8_make_valid (lines[i] + strlen (prefix), -1);
    }
  return NULL;
}

/* udev's database id of the device in @sysdir: "c"/"b" MAJ:MIN for a
 * device node, "+SUBSYSTEM:NAME" otherwise. */
static char *
udev_db_id (const char *sysdir)
{
  g_autofree char *dev_path = g_build_filename (sysdir, "dev", NULL);
  g_autofree char *subsystem_link = g_build_filename (sysdir, "subsystem", NULL);
  g_autofree char *dev = NULL;
  g_autofree char *subsystem = NULL;
  g_autofree char *target = NULL;
  g_autofree char *name = g_path_get_basename (sysdir);

  target = g_file_read_link (subsystem_link, NULL);
  if (target == NULL)
    return NULL;
  subsystem = g_path_get_basename (target);
  if (g_file_get_contents (dev_path, &dev, NULL, NULL))
    return g_strdup_printf ("%c%s", g_str_equal (subsystem, "block") ? 'b' : 'c',
                            g_strstrip (dev));
  return g_strdup_printf ("+%s:%s", subsystem, name);
}

static char *
read_sysfs_id (const char *sysdir,
               const char *attr)
{
  g_autofree char *path = g_build_filename (sysdir, attr, NULL);
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  g_strstrip (contents);
  if (g_str_has_prefix (contents, "0x"))
    return g_strdup (contents + 2);
  return g_steal_pointer (&contents);
}

/* "Intel Corporation 82540EM Gigabit Ethernet Controller" from udev's
 * hardware database (as udev stored it for the device or its parent), or
 * "[8086:100e]" from sysfs' ids; NULL when neither is known. */
static char *
describe_hardware (const char *sysdir)
{
  g_autofree char *parent = g_path_get_dirname (sysdir);
  const char *dirs[] = { sysdir, parent };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *id = udev_db_id (dirs[i]);
      g_autofree char *vendor = NULL;
      g_autofree char *model = NULL;

      if (id == NULL)
        continue;
      vendor = kernel_udev_db_property (id, "ID_VENDOR_FROM_DATABASE");
      model = kernel_udev_db_property (id, "ID_MODEL_FROM_DATABASE");
      if (vendor != NULL || model != NULL)
        return g_strjoin (" ", vendor ? vendor : model, vendor ? model : NULL, NULL);
    }
  for (i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *vendor = read_sysfs_id (dirs[i], "vendor");
      g_autofree char *device = read_sysfs_id (dirs[i], "device");

      if (vendor == NULL || device == NULL)
        {
          g_clear_pointer (&vendor, g_free);
          g_clear_pointer (&device, g_free);
          vendor = read_sysfs_id (dirs[i], "idVendor");
          device = read_sysfs_id (dirs[i], "idProduct");
        }
      if (vendor != NULL && device != NULL)
        return g_strdup_printf ("[%s:%s]", vendor, device);
    }
  return NULL;
}

char *
kmodd_device_describe (const KmoddDevice *device)
{
  g_autofree char *link = g_build_filename (device->driver_dir, device->name, NULL);
  g_autofree char *sysdir = NULL;
  g_autofree char *hardware = NULL;
  char *resolved = realpath (link, NULL);

  if (resolved != NULL)
    {
      sysdir = g_strdup (resolved);
      free (resolved);
      hardware = describe_hardware (sysdir);
    }
  if (hardware != NULL)
    return g_strdup_printf ("%s %s (%s)", device->bus, device->name, hardware);
  return g_strdup_printf ("%s %s", device->bus, device->name);
}

char *
kmodd_devices_describe (GPtrArray *devices)
{
  GString *out = g_string_new (NULL);
  guint i;

  for (i = 0; i < devices->len; i++)
    {
      g_autofree char *one = kmodd_device_describe (g_ptr_array_index (devices, i));

      if (i > 0)
        g_string_append (out, ", ");
      g_string_append (out, one);
    }
  return g_string_free (out, FALSE);
}

gboolean
kmodd_device_unbind (const KmoddDevice *device,
                     GError           **error)
{
  g_autofree char *path = g_build_filename (device->driver_dir, "unbind", NULL);
  gsize len = strlen (device->name);
  int fd, saved = 0;
  ssize_t n;

  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    saved = errno;
  else
    {
      n = write (fd, device->name, len);
      if (n < 0)
        saved = errno;
      else if ((gsize) n != len)
        saved = EIO;
      close (fd);
    }
  /* ENODEV: it was unbound (or unplugged) meanwhile, which is what we want */
  if (saved != 0 && saved != ENODEV && saved != ENOENT)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                   "Cannot unbind %s %s from its driver: %s",
                   device->bus, device->name, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}
