/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekernel-devices.c: devices, the drivers modules register, and which
 * driver serves which device, laid out as sysfs shows them:
 *
 *   sys/devices/fake-BUS/DEV/{uevent,modalias}     the device
 *   sys/devices/fake-BUS/DEV/subsystem -> ../../../bus/BUS
 *   sys/devices/fake-BUS/DEV/driver -> ../../../bus/BUS/drivers/DRV
 *   sys/bus/BUS/devices/DEV -> ../../../devices/fake-BUS/DEV
 *   sys/bus/BUS/drivers/DRV/{bind,unbind,uevent}
 *   sys/bus/BUS/drivers/DRV/module -> ../../../../module/MODULE
 *   sys/bus/BUS/drivers/DRV/DEV -> ../../../../devices/fake-BUS/DEV
 *   sys/module/MODULE/drivers/BUS:DRV -> ../../../bus/BUS/drivers/DRV
 *   run/udev/data/+BUS:DEV                          udev's database entry
 *   fake/drivers                                    "MODULE BUS:DRV" lines
 *
 *   fake/reprobe/BUS:DRV/DEV                        DEV lost driver DRV
 *
 * Each change sends the device's uevent as udev rebroadcasts it (add,
 * remove, bind, unbind; fakekernel-uevent.c), with its MODALIAS, and
 * DRIVER on bind: a module's removal sends the unbind of each device its
 * drivers served.
 *
 * A module registers the drivers fake/drivers gives it when it goes
 * live; when it goes, the kernel unbinds their devices and unregisters
 * them (driver_unregister() from the module's exit).  Devices are bound
 * by the control tool or by writing a device's name to the driver's
 * `bind`, and unbound by writing it to `unbind` (the shim routes those
 * writes here).  Probing, in the smallest form that lets a driver come
 * back to its devices: a device that loses a driver (unbound, or the
 * module removed) is remembered in fake/reprobe, and when that driver
 * registers again it binds the remembered devices that still exist and
 * have no driver, as the kernel's driver_attach() would (it matches the
 * id table; the fake matches "was this driver's").  A driver never binds
 * a device it did not serve before.  Plain libc, lock held by the
 * callers as noted.
 */
#include "fakekernel-private.h"
#include "fakekernel-uevent.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool
fk_bus_name_is_valid (const char *name)
{
  return fk_name_is_valid (name) && strchr (name, ':') == NULL;
}

/* Splits "BUS:DRV" into @bus and @drv. */
static int
fk_split_driver (const char *spec, char *bus, char *drv)
{
  const char *colon = spec != NULL ? strchr (spec, ':') : NULL;
  size_t n;

  if (colon == NULL)
    return -EINVAL;
  n = (size_t) (colon - spec);
  if (n == 0 || n >= FK_MODULE_NAME_LEN || strlen (colon + 1) >= FK_MODULE_NAME_LEN)
    return -EINVAL;
  memcpy (bus, spec, n);
  bus[n] = '\0';
  memcpy (drv, colon + 1, strlen (colon + 1) + 1);  /* length checked above */
  if (!fk_bus_name_is_valid (bus) || !fk_name_is_valid (drv))
    return -EINVAL;
  return 0;
}

static int
fk_mkdirs (const char *root, const char *rel)
{
  char path[PATH_MAX];
  char *p;
  int r = fk_path (path, root, "%s", rel);

  if (r < 0)
    return r;
  for (p = path + strlen (root) + 1; *p != '\0'; p++)
    {
      if (*p != '/')
        continue;
      *p = '\0';
      if (mkdir (path, 0755) < 0 && errno != EEXIST)
        return -errno;
      *p = '/';
    }
  if (mkdir (path, 0755) < 0 && errno != EEXIST)
    return -errno;
  return 0;
}

static int
fk_symlink (const char *target, const char *root, const char *rel)
{
  char path[PATH_MAX];
  int r = fk_path (path, root, "%s", rel);

  if (r < 0)
    return r;
  unlink (path);
  return symlink (target, path) < 0 ? -errno : 0;
}

static int
fk_touch (const char *root, const char *rel, const char *content)
{
  char path[PATH_MAX];
  int r = fk_path (path, root, "%s", rel);

  return r < 0 ? r : fk_write_file_atomic (root, path, content);
}

/* ---- uevents -------------------------------------------------------- */

/* Sends @action's uevent for device @dev, as udev rebroadcasts it once
 * processed: with MODALIAS (read from the device, or @modalias when it is
 * gone already) and DRIVER for a bind.  Lock held (the seqnum). */
static void
fk_emit_device (const char *root, const char *action, const char *bus,
                const char *dev, const char *modalias, const char *drv)
{
  char path[PATH_MAX], devpath[PATH_MAX], buf[1024];
  uint64_t seq;
  int r;

  if (modalias == NULL)
    {
      if (fk_path (path, root, "sys/devices/fake-%s/%s/modalias", bus, dev) < 0
          || fk_read_file (path, buf, sizeof buf) < 0)
        return;
      buf[strcspn (buf, "\n")] = '\0';
      modalias = buf;
    }
  snprintf (devpath, sizeof devpath, "/devices/fake-%s/%s", bus, dev);
  seq = fk_next_seqnum (root);
  r = fk_uevent_send_device (action, devpath, bus, modalias, drv, seq);
  fk_debug ("uevent %s %s seqnum %" PRIu64 ": %s", action, devpath, seq,
            r < 0 ? strerror (-r) : "sent");
}

/* ---- devices ------------------------------------------------------- */

int
fk_add_device (const char *root, const char *bus, const char *dev,
               const char *modalias, const char *vendor, const char *model)
{
  char rel[PATH_MAX], target[PATH_MAX], content[1024];
  int lock_fd, r;

  if (!fk_bus_name_is_valid (bus) || !fk_name_is_valid (dev)
      || modalias == NULL || strchr (modalias, '\n') != NULL
      || (vendor != NULL && strchr (vendor, '\n') != NULL)
      || (model != NULL && strchr (model, '\n') != NULL))
    return -EINVAL;
  lock_fd = fk_lock (root);
  if (lock_fd < 0)
    return lock_fd;

  snprintf (rel, sizeof rel, "sys/devices/fake-%s/%s", bus, dev);
  r = fk_mkdirs (root, rel);
  if (r == 0)
    {
      snprintf (rel, sizeof rel, "sys/devices/fake-%s/%s/modalias", bus, dev);
      snprintf (content, sizeof content, "%s\n", modalias);
      r = fk_touch (root, rel, content);
    }
  if (r == 0)
    {
      snprintf (rel, sizeof rel, "sys/devices/fake-%s/%s/uevent", bus, dev);
      snprintf (content, sizeof content, "MODALIAS=%s\n", modalias);
      r = fk_touch (root, rel, content);
    }
  if (r == 0)
    {
      snprintf (rel, sizeof rel, "sys/devices/fake-%s/%s/subsystem", bus, dev);
      snprintf (target, sizeof target, "../../../bus/%s", bus);
      r = fk_symlink (target, root, rel);
    }
  if (r == 0)
    {
      snprintf (rel, sizeof rel, "sys/bus/%s/devices", bus);
      r = fk_mkdirs (root, rel);
    }
  if (r == 0)
    {
      snprintf (rel, sizeof rel, "sys/bus/%s/devices/%s", bus, dev);
      snprintf (target, sizeof target, "../../../devices/fake-%s/%s", bus, dev);
      r = fk_symlink (target, root, rel);
    }
  if (r == 0 && (vendor != NULL || model != NULL))
    {
      r = fk_mkdirs (root, "run/udev/data");
      if (r == 0)
        {
          snprintf (rel, sizeof rel, "run/udev/data/+%s:%s", bus, dev);
          snprintf (content, sizeof content, "I:1\n%s%s%s%s%s%sE:MODALIAS=%s\n",
                    vendor ? "E:ID_VENDOR_FROM_DATABASE=" : "", vendor ? vendor : "",
                    vendor ? "\n" : "",
                    model ? "E:ID_MODEL_FROM_DATABASE=" : "", model ? model : "",
                    model ? "\n" : "", modalias);
          r = fk_touch (root, rel, content);
        }
    }
  fk_debug ("device %s:%s added: %s", bus, dev, r < 0 ? strerror (-r) : "ok");
  if (r == 0)
    fk_emit_device (root, "add", bus, dev, modalias, NULL);
  fk_unlock (lock_fd);
  return r;
}

/* The driver @dev is bound to, as "DRV" in @drv; -ENODEV if unbound. */
static int
fk_device_driver (const char *root, const char *bus, const char *dev, char *drv)
{
  char path[PATH_MAX], target[PATH_MAX];
  const char *slash;
  ssize_t n;
  int r = fk_path (path, root, "sys/devices/fake-%s/%s/driver", bus, dev);

  if (r < 0)
    return r;
  n = readlink (path, target, sizeof target - 1);
  if (n < 0)
    return -ENODEV;
  target[n] = '\0';
  slash = strrchr (target, '/');
  slash = slash ? slash + 1 : target;
  n = (ssize_t) strlen (slash);
  if (n >= FK_MODULE_NAME_LEN)
    return -ENAMETOOLONG;
  memcpy (drv, slash, (size_t) n + 1);
  return 0;
}

/* Lock held. */
static int
fk_unbind_locked (const char *root, const char *bus, const char *drv,
                  const char *dev)
{
  char path[PATH_MAX], rel[PATH_MAX], bound[FK_MODULE_NAME_LEN];
  int r;

  if (fk_device_driver (root, bus, dev, bound) < 0 || strcmp (bound, drv) != 0)
    return -ENODEV;
  r = fk_path (path, root, "sys/bus/%s/drivers/%s/%s", bus, drv, dev);
  if (r == 0)
    unlink (path);
  r = fk_path (path, root, "sys/devices/fake-%s/%s/driver", bus, dev);
  if (r == 0)
    unlink (path);
  /* remembered, for the driver's next registration */
  snprintf (rel, sizeof rel, "fake/reprobe/%s:%s", bus, drv);
  if (fk_mkdirs (root, rel) == 0)
    {
      snprintf (rel, sizeof rel, "fake/reprobe/%s:%s/%s", bus, drv, dev);
      fk_touch (root, rel, "");
    }
  fk_debug ("device %s:%s unbound from %s", bus, dev, drv);
  fk_emit_device (root, "unbind", bus, dev, NULL, NULL);
  return 0;
}

/* Lock held. */
static int
fk_bind_locked (const char *root, const char *bus, const char *drv,
                const char *dev)
{
  char rel[PATH_MAX], target[PATH_MAX], path[PATH_MAX], bound[FK_MODULE_NAME_LEN];
  struct stat st;
  int r;

  if (!fk_bus_name_is_valid (bus) || !fk_name_is_valid (drv) || !fk_name_is_valid (dev))
    return -EINVAL;
  if (fk_path (path, root, "sys/bus/%s/drivers/%s", bus, drv) < 0
      || stat (path, &st) < 0)
    return -ENODEV;  /* no such driver */
  if (fk_path (path, root, "sys/devices/fake-%s/%s", bus, dev) < 0
      || stat (path, &st) < 0)
    return -ENODEV;  /* bus_find_device_by_name() fails */
  if (fk_device_driver (root, bus, dev, bound) == 0)
    return -EBUSY;   /* device_driver_attach(): already has a driver */

  snprintf (rel, sizeof rel, "sys/bus/%s/drivers/%s/%s", bus, drv, dev);
  snprintf (target, sizeof target, "../../../../devices/fake-%s/%s", bus, dev);
  r = fk_symlink (target, root, rel);
  if (r == 0)
    {
      snprintf (rel, sizeof rel, "sys/devices/fake-%s/%s/driver", bus, dev);
      snprintf (target, sizeof target, "../../../bus/%s/drivers/%s", bus, drv);
      r = fk_symlink (target, root, rel);
    }
  fk_debug ("device %s:%s bound to %s: %s", bus, dev, drv, r < 0 ? strerror (-r) : "ok");
  if (r == 0)
    fk_emit_device (root, "bind", bus, dev, NULL, drv);
  return r;
}

int
fk_bind_device (const char *root, const char *bus, const char *drv,
                const char *dev, bool bind)
{
  int lock_fd = fk_lock (root);
  int r;

  if (lock_fd < 0)
    return lock_fd;
  if (!fk_bus_name_is_valid (bus) || !fk_name_is_valid (drv) || !fk_name_is_valid (dev))
    r = -EINVAL;
  else if (bind)
    r = fk_bind_locked (root, bus, drv, dev);
  else
    r = fk_unbind_locked (root, bus, drv, dev);
  fk_unlock (lock_fd);
  return r;
}

/* An unplugged device is no driver's to probe again.  Lock held. */
static void
fk_forget_reprobe (const char *root, const char *bus, const char *dev)
{
  char path[PATH_MAX], entry[PATH_MAX];
  char **names = NULL;
  size_t n = 0, i, len = strlen (bus);

  if (fk_path (path, root, "fake/reprobe") == 0)
    fk_read_dir_names (path, &names, &n);
  for (i = 0; i < n; i++)
    {
      if (strncmp (names[i], bus, len) == 0 && names[i][len] == ':'
          && fk_path (entry, root, "fake/reprobe/%s/%s", names[i], dev) == 0)
        unlink (entry);
    }
  fk_strv_free (names, n);
}

int
fk_remove_device (const char *root, const char *bus, const char *dev)
{
  char path[PATH_MAX], drv[FK_MODULE_NAME_LEN];
  struct stat st;
  int lock_fd, r;

  if (!fk_bus_name_is_valid (bus) || !fk_name_is_valid (dev))
    return -EINVAL;
  lock_fd = fk_lock (root);
  if (lock_fd < 0)
    return lock_fd;
  r = fk_path (path, root, "sys/devices/fake-%s/%s", bus, dev);
  if (r == 0 && stat (path, &st) < 0)
    r = -ENODEV;
  if (r == 0)
    {
      char modalias_path[PATH_MAX], modalias[1024];

      if (fk_device_driver (root, bus, dev, drv) == 0)
        fk_unbind_locked (root, bus, drv, dev);
      modalias[0] = '\0';
      if (fk_path (modalias_path, root, "sys/devices/fake-%s/%s/modalias", bus, dev) == 0
          && fk_read_file (modalias_path, modalias, sizeof modalias) >= 0)
        modalias[strcspn (modalias, "\n")] = '\0';
      r = fk_rm_rf (path);
      if (r == 0)
        fk_emit_device (root, "remove", bus, dev, modalias, NULL);
      if (fk_path (path, root, "sys/bus/%s/devices/%s", bus, dev) == 0)
        unlink (path);
      if (fk_path (path, root, "run/udev/data/+%s:%s", bus, dev) == 0)
        unlink (path);
      fk_forget_reprobe (root, bus, dev);
    }
  fk_unlock (lock_fd);
  return r;
}

/* ---- drivers ------------------------------------------------------- */

/* The driver BUS:DRV has registered: it binds the devices that lost it
 * (see the top), each once.  Lock held. */
static void
fk_reprobe (const char *root, const char *bus, const char *drv)
{
  char path[PATH_MAX], entry[PATH_MAX];
  char **names = NULL;
  size_t n = 0, i;

  if (fk_path (path, root, "fake/reprobe/%s:%s", bus, drv) < 0
      || fk_read_dir_names (path, &names, &n) < 0)
    {
      fk_strv_free (names, n);
      return;
    }
  for (i = 0; i < n; i++)
    {
      int r = fk_bind_locked (root, bus, drv, names[i]);

      fk_debug ("device %s:%s reprobed by %s: %s", bus, names[i], drv,
                r < 0 ? strerror (-r) : "bound");
      if (fk_path (entry, root, "fake/reprobe/%s:%s/%s", bus, drv, names[i]) == 0)
        unlink (entry);
    }
  fk_strv_free (names, n);
  rmdir (path);
}

/* Lock held. */
static int
fk_register_driver (const char *root, const char *module, const char *spec)
{
  char bus[FK_MODULE_NAME_LEN], drv[FK_MODULE_NAME_LEN];
  char rel[PATH_MAX], target[PATH_MAX];
  int r = fk_split_driver (spec, bus, drv);

  if (r < 0)
    return r;
  snprintf (rel, sizeof rel, "sys/bus/%s/drivers/%s", bus, drv);
  r = fk_mkdirs (root, rel);
  if (r == 0)
    {
      snprintf (rel, sizeof rel, "sys/bus/%s/drivers/%s/bind", bus, drv);
      r = fk_touch (root, rel, "");
    }
  if (r == 0)
    {
      snprintf (rel, sizeof rel, "sys/bus/%s/drivers/%s/unbind", bus, drv);
      r = fk_touch (root, rel, "");
    }
  if (r == 0)
    {
      snprintf (rel, sizeof rel, "sys/bus/%s/drivers/%s/uevent", bus, drv);
      r = fk_touch (root, rel, "");
    }
  if (r == 0)
    {
      snprintf (rel, sizeof rel, "sys/bus/%s/drivers/%s/module", bus, drv);
      snprintf (target, sizeof target, "../../../../module/%s", module);
      r = fk_symlink (target, root, rel);
    }
  if (r == 0)
    {
      snprintf (rel, sizeof rel, "sys/module/%s/drivers", module);
      r = fk_mkdirs (root, rel);
    }
  if (r == 0)
    {
      snprintf (rel, sizeof rel, "sys/module/%s/drivers/%s", module, spec);
      snprintf (target, sizeof target, "../../../bus/%s/drivers/%s", bus, drv);
      r = fk_symlink (target, root, rel);
    }
  fk_debug ("%s: driver %s registered: %s", module, spec, r < 0 ? strerror (-r) : "ok");
  if (r == 0)
    fk_reprobe (root, bus, drv);
  return r;
}

/* Unbinds every device of the driver and removes it.  Lock held. */
static void
fk_unregister_driver (const char *root, const char *module, const char *spec)
{
  char bus[FK_MODULE_NAME_LEN], drv[FK_MODULE_NAME_LEN], path[PATH_MAX];
  char **names = NULL;
  size_t n = 0, i;

  if (fk_split_driver (spec, bus, drv) < 0
      || fk_path (path, root, "sys/bus/%s/drivers/%s", bus, drv) < 0)
    return;
  fk_read_dir_names (path, &names, &n);
  for (i = 0; i < n; i++)
    fk_unbind_locked (root, bus, drv, names[i]);
  fk_strv_free (names, n);
  fk_rm_rf (path);
  if (fk_path (path, root, "sys/module/%s/drivers/%s", module, spec) == 0)
    unlink (path);
  fk_debug ("%s: driver %s unregistered", module, spec);
}

/* Whether @line is "@module BUS:DRV"; copies BUS:DRV to @spec. */
static bool
fk_driver_line (const char *line, const char *module, char *spec)
{
  size_t n = strlen (module);
  const char *p;

  while (isspace ((unsigned char) *line))
    line++;
  if (strncmp (line, module, n) != 0 || !isspace ((unsigned char) line[n]))
    return false;
  for (p = line + n; isspace ((unsigned char) *p); p++)
    ;
  if (strlen (p) >= 2 * FK_MODULE_NAME_LEN)
    return false;
  memcpy (spec, p, strlen (p) + 1);
  for (n = strlen (spec); n > 0 && isspace ((unsigned char) spec[n - 1]); n--)
    spec[n - 1] = '\0';
  return spec[0] != '\0';
}

void
fk_register_drivers (const char *root, const char *module)
{
  char path[PATH_MAX], spec[2 * FK_MODULE_NAME_LEN];
  char *content = NULL, *line, *save = NULL;

  if (fk_path (path, root, "fake/drivers") < 0
      || fk_read_file_alloc (path, &content) < 0)
    return;
  for (line = strtok_r (content, "\n", &save); line != NULL;
       line = strtok_r (NULL, "\n", &save))
    if (fk_driver_line (line, module, spec))
      fk_register_driver (root, module, spec);
  free (content);
}

void
fk_unregister_drivers (const char *root, const char *module)
{
  char path[PATH_MAX];
  char **names = NULL;
  size_t n = 0, i;

  if (fk_path (path, root, "sys/module/%s/drivers", module) < 0
      || fk_read_dir_names (path, &names, &n) < 0)
    {
      fk_strv_free (names, n);
      return;
    }
  for (i = 0; i < n; i++)
    fk_unregister_driver (root, module, names[i]);
  fk_strv_free (names, n);
  rmdir (path);
}

int
fk_add_driver (const char *root, const char *module, const char *spec)
{
  char path[PATH_MAX], bus[FK_MODULE_NAME_LEN], drv[FK_MODULE_NAME_LEN];
  char *content = NULL, *next;
  int lock_fd, r;

  if (!fk_name_is_valid (module) || fk_split_driver (spec, bus, drv) < 0)
    return -EINVAL;
  lock_fd = fk_lock (root);
  if (lock_fd < 0)
    return lock_fd;
  r = fk_path (path, root, "fake/drivers");
  if (r == 0)
    {
      if (fk_read_file_alloc (path, &content) < 0)
        content = NULL;
      if (asprintf (&next, "%s%s %s\n", content ? content : "", module, spec) < 0)
        r = -ENOMEM;
      else
        {
          r = fk_write_file_atomic (root, path, next);
          free (next);
        }
      free (content);
    }
  if (r == 0 && fk_get_state (root, module) == FK_MOD_LIVE)
    r = fk_register_driver (root, module, spec);
  fk_unlock (lock_fd);
  return r;
}

/* ---- writes to bind and unbind -------------------------------------- */

int
fk_driver_attr_parse (const char *root, const char *resolved, char *bus,
                      char *drv, bool *bind)
{
  size_t n = strlen (root);
  const char *p, *attr;

  if (strncmp (resolved, root, n) != 0 || strncmp (resolved + n, "/sys/bus/", 9) != 0)
    return -ENOENT;
  p = resolved + n + 9;
  if (sscanf (p, "%55[^/]/drivers/%55[^/]/", bus, drv) != 2)
    return -ENOENT;
  attr = strrchr (p, '/') + 1;
  if (strcmp (attr, "bind") == 0)
    *bind = true;
  else if (strcmp (attr, "unbind") == 0)
    *bind = false;
  else
    return -ENOENT;
  /* exactly BUS/drivers/DRV/ATTR */
  return (size_t) (attr - p) == strlen (bus) + strlen ("/drivers/") + strlen (drv) + 1
         ? 0 : -ENOENT;
}

int
fk_driver_attr_write (const char *root, const char *bus, const char *drv,
                      bool bind, const char *data, size_t len)
{
  char dev[FK_MODULE_NAME_LEN];

  /* the kernel's sysfs_streq(): one trailing newline is ignored */
  if (len > 0 && data[len - 1] == '\n')
    len--;
  if (len == 0 || len >= sizeof dev)
    return -ENODEV;
  memcpy (dev, data, len);
  dev[len] = '\0';
  return fk_bind_device (root, bus, drv, dev, bind);
}
