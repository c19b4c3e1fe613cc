/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekernel-shim-attrs.c: the part of the shim that makes a driver's
 * `bind` and `unbind` files act: a descriptor opened for writing on
 * ROOT/sys/bus/BUS/drivers/DRV/{bind,unbind} (through any path, such as
 * /sys/module/M/drivers/BUS:DRV/unbind) is remembered, and a write() of
 * a device name to it binds or unbinds that device in the fake kernel,
 * failing as the kernel does (ENODEV: no such device, or not bound to
 * this driver; EBUSY: bound to another).
 */
#undef _FILE_OFFSET_BITS
#undef _TIME_BITS
#undef _FORTIFY_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakekernel-shim-attrs.h"
#include "fakekernel-state.h"

#define FK_EXPORT __attribute__ ((visibility ("default")))
#define FK_MAX_ATTR_FDS 1024

typedef struct
{
  char bus[FK_MODULE_NAME_LEN];
  char drv[FK_MODULE_NAME_LEN];
  bool bind;
} FkAttrFd;

static FkAttrFd *fk_attr_fds[FK_MAX_ATTR_FDS];

int
fk_attrs_track (const char *root, int fd, const char *path, int flags)
{
  typedef char *(*realpath_fn) (const char *, char *);
  realpath_fn real_realpath;
  char resolved[PATH_MAX], real_root[PATH_MAX];
  FkAttrFd attr;
  const char *base;
  FkAttrFd *copy;

  if (root == NULL || fd < 0 || fd >= FK_MAX_ATTR_FDS
      || (flags & O_ACCMODE) == O_RDONLY || path == NULL)
    return fd;
  base = strrchr (path, '/');
  if (base == NULL || (strcmp (base, "/bind") != 0 && strcmp (base, "/unbind") != 0))
    return fd;
  /* libc's realpath(), not the shim's, which gives back paths without
   * the root; the root too, as it may hold symbolic links */
  real_realpath = (realpath_fn) dlsym (RTLD_NEXT, "realpath");
  if (real_realpath == NULL || real_realpath (path, resolved) == NULL
      || real_realpath (root, real_root) == NULL)
    return fd;
  if (fk_driver_attr_parse (real_root, resolved, attr.bus, attr.drv, &attr.bind) < 0)
    return fd;
  copy = malloc (sizeof *copy);
  if (copy == NULL)
    return fd;
  *copy = attr;
  free (__atomic_exchange_n (&fk_attr_fds[fd], copy, __ATOMIC_ACQ_REL));
  return fd;
}

FK_EXPORT ssize_t
write (int fd, const void *data, size_t len)
{
  typedef ssize_t (*write_fn) (int, const void *, size_t);
  static write_fn real;
  write_fn next = __atomic_load_n (&real, __ATOMIC_ACQUIRE);
  FkAttrFd *attr = NULL;
  const char *root;

  if (fd >= 0 && fd < FK_MAX_ATTR_FDS)
    attr = __atomic_load_n (&fk_attr_fds[fd], __ATOMIC_ACQUIRE);
  root = attr != NULL ? getenv (FK_ENV_ROOT) : NULL;
  if (attr != NULL && root != NULL)
    {
      int r = fk_driver_attr_write (root, attr->bus, attr->drv, attr->bind,
                                    data, len);

      if (r < 0)
        {
          errno = -r;
          return -1;
        }
      return (ssize_t) len;
    }
  if (next == NULL)
    {
      next = (write_fn) dlsym (RTLD_NEXT, "write");
      __atomic_store_n (&real, next, __ATOMIC_RELEASE);
    }
  if (next == NULL)
    {
      errno = ENOSYS;
      return -1;
    }
  return next (fd, data, len);
}

FK_EXPORT int
close (int fd)
{
  typedef int (*close_fn) (int);
  static close_fn real;
  close_fn next = __atomic_load_n (&real, __ATOMIC_ACQUIRE);

  if (fd >= 0 && fd < FK_MAX_ATTR_FDS
      && __atomic_load_n (&fk_attr_fds[fd], __ATOMIC_ACQUIRE) != NULL)
    free (__atomic_exchange_n (&fk_attr_fds[fd], NULL, __ATOMIC_ACQ_REL));
  if (next == NULL)
    {
      next = (close_fn) dlsym (RTLD_NEXT, "close");
      __atomic_store_n (&real, next, __ATOMIC_RELEASE);
    }
  if (next == NULL)
    {
      errno = ENOSYS;
      return -1;
    }
  return next (fd);
}
