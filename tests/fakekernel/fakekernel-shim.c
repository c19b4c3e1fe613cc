/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekernel-shim.c: LD_PRELOAD library that runs a process against the
 * fake kernel rooted at $KMODD_FAKE_ROOT.  Without that variable every
 * wrapper passes straight through to libc.
 *
 *  - absolute paths under the kernel-facing prefixes below are
 *    redirected to $KMODD_FAKE_ROOT/<same path>;
 *  - uname() reports the release in $KMODD_FAKE_ROOT/fake/release;
 *  - init_module(), delete_module() and syscall(__NR_finit_module /
 *    __NR_init_module / __NR_delete_module) are served by the fake
 *    kernel (fakekernel-state.c); every other syscall is forwarded.
 */

/* We define open(), stat() &c. ourselves: no header renaming. */
#undef _FILE_OFFSET_BITS
#undef _TIME_BITS
#undef _FORTIFY_SOURCE

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fakekernel-shim-attrs.h"
#include "fakekernel-state.h"

#define FK_EXPORT __attribute__ ((visibility ("default")))

/* glibc exports these but declares them only in fortified builds or
 * not at all. */
FK_EXPORT int __open_2 (const char *path, int flags);
FK_EXPORT int __open64_2 (const char *path, int flags);
FK_EXPORT int __openat_2 (int dirfd, const char *path, int flags);
FK_EXPORT int __openat64_2 (int dirfd, const char *path, int flags);
FK_EXPORT int __xstat (int ver, const char *path, struct stat *buf);
FK_EXPORT int __xstat64 (int ver, const char *path, struct stat64 *buf);
FK_EXPORT int __lxstat (int ver, const char *path, struct stat *buf);
FK_EXPORT int __lxstat64 (int ver, const char *path, struct stat64 *buf);
FK_EXPORT int __fxstatat (int ver, int dirfd, const char *path,
                          struct stat *buf, int flags);
FK_EXPORT int __fxstatat64 (int ver, int dirfd, const char *path,
                            struct stat64 *buf, int flags);
FK_EXPORT char *__realpath_chk (const char *path, char *resolved,
                                size_t resolvedlen);
/* libkmod declares them returning long and tests "< 0" on a long: a
 * wrapper returning int would hand it 0x00000000ffffffff for -1. */
FK_EXPORT long init_module (const void *image, unsigned long len,
                            const char *args);
FK_EXPORT long delete_module (const char *name, unsigned int flags);

/* ----------------------------------------------------------------- */

static const char * const fk_prefixes[] = {
  "/proc/modules",
  "/proc/cmdline",
  "/proc/sys/kernel/modules_disabled",
  "/sys/module",
  "/sys/bus",
  "/sys/devices",
  "/sys/class",
  "/sys/kernel/security/lockdown",
  "/run/udev/data",
  "/lib/modules",
  "/usr/lib/modules",
  "/etc/modprobe.d",
  "/run/modprobe.d",
  "/lib/modprobe.d",
  "/usr/lib/modprobe.d",
  "/usr/local/lib/modprobe.d",
  "/etc/modules-load.d",
  "/run/modules-load.d",
  "/usr/local/lib/modules-load.d",
  "/usr/lib/modules-load.d",
  "/boot",
};

static pthread_once_t fk_once = PTHREAD_ONCE_INIT;
static char fk_root_buf[PATH_MAX];
static const char *fk_root;
static size_t fk_root_len;

static void
fk_init_root (void)
{
  const char *env = getenv (FK_ENV_ROOT);
  size_t len;

  if (env == NULL || env[0] == '\0')
    return;
  if (env[0] == '/')
    snprintf (fk_root_buf, sizeof fk_root_buf, "%s", env);
  else
    {
      char cwd[PATH_MAX];

      if (getcwd (cwd, sizeof cwd) == NULL)
        return;
      if (snprintf (fk_root_buf, sizeof fk_root_buf, "%s/%s", cwd, env)
          >= (int) sizeof fk_root_buf)
        return;
    }
  len = strlen (fk_root_buf);
  while (len > 1 && fk_root_buf[len - 1] == '/')
    fk_root_buf[--len] = '\0';
  fk_root_len = len;
  fk_root = fk_root_buf;
}

static const char *
fk_get_root (void)
{
  pthread_once (&fk_once, fk_init_root);
  return fk_root;
}

__attribute__ ((constructor))
static void
fk_shim_constructor (void)
{
  fk_get_root ();
}

/* Returns @path, or @buf holding the redirected path. */
static const char *
fk_redirect (const char *path, char *buf)
{
  const char *root = fk_get_root ();
  size_t i;

  if (root == NULL || path == NULL || path[0] != '/')
    return path;
  for (i = 0; i < sizeof fk_prefixes / sizeof fk_prefixes[0]; i++)
    {
      size_t n = strlen (fk_prefixes[i]);

      if (strncmp (path, fk_prefixes[i], n) == 0
          && (path[n] == '\0' || path[n] == '/'))
        {
          if (snprintf (buf, PATH_MAX, "%s%s", root, path) >= PATH_MAX)
            return path;
          return buf;
        }
    }
  return path;
}

/* Maps a resolved path under the fake root back to the path the
 * program asked about (for realpath()). */
static void
fk_unredirect (char *resolved)
{
  const char *root = fk_get_root ();

  if (root == NULL || resolved == NULL)
    return;
  if (strncmp (resolved, root, fk_root_len) == 0
      && resolved[fk_root_len] == '/')
    memmove (resolved, resolved + fk_root_len,
             strlen (resolved + fk_root_len) + 1);
}

static void *
fk_next (const char *symbol)
{
  return dlsym (RTLD_NEXT, symbol);
}

/* Declares `real` as the next definition of @name, resolved once. */
#define FK_REAL(ret, name, args)                                        \
  typedef ret (*name ## _fn) args;                                        \
  static name ## _fn name ## _ptr;                                          \
  name ## _fn real = __atomic_load_n (&name ## _ptr, __ATOMIC_ACQUIRE);     \
  if (real == NULL)                                                     \
    {                                                                   \
      real = (name ## _fn) fk_next (#name);                               \
      __atomic_store_n (&name ## _ptr, real, __ATOMIC_RELEASE);           \
    }

#define FK_NO_REAL(failret)                                             \
  if (real == NULL)                                                     \
    {                                                                   \
      errno = ENOSYS;                                                   \
      return failret;                                                   \
    }

static long
fk_result (int r)
{
  if (r < 0)
    {
      errno = -r;
      return -1;
    }
  return r;
}

/* libudev refuses to subscribe a "udev" monitor when neither udevd's
 * control socket exists nor /dev is a devtmpfs; under the fake kernel
 * the shim plays udevd's part, so claim the socket exists. */
static bool
fk_is_udev_control (const char *path, int mode)
{
  return fk_get_root () != NULL && mode == F_OK && path != NULL
         && strcmp (path, "/run/udev/control") == 0;
}

/* ----------------------------------------------------------------- */
/* open                                                               */

static mode_t
fk_open_mode (int flags, va_list ap)
{
  if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
    return (mode_t) va_arg (ap, int);
  return 0;
}

FK_EXPORT int
open (const char *path, int flags, ...)
{
  char buf[PATH_MAX];
  va_list ap;
  mode_t mode;
  const char *p;
  FK_REAL (int, open, (const char *, int, ...));
  FK_NO_REAL (-1);

  va_start (ap, flags);
  mode = fk_open_mode (flags, ap);
  va_end (ap);
  p = fk_redirect (path, buf);
  return fk_attrs_track (fk_get_root (), real (p, flags, mode), p, flags);
}

FK_EXPORT int
open64 (const char *path, int flags, ...)
{
  char buf[PATH_MAX];
  va_list ap;
  mode_t mode;
  const char *p;
  FK_REAL (int, open64, (const char *, int, ...));
  FK_NO_REAL (-1);

  va_start (ap, flags);
  mode = fk_open_mode (flags, ap);
  va_end (ap);
  p = fk_redirect (path, buf);
  return fk_attrs_track (fk_get_root (), real (p, flags, mode), p, flags);
}

FK_EXPORT int
openat (int dirfd, const char *path, int flags, ...)
{
  char buf[PATH_MAX];
  va_list ap;
  mode_t mode;
  FK_REAL (int, openat, (int, const char *, int, ...));
  FK_NO_REAL (-1);

  va_start (ap, flags);
  mode = fk_open_mode (flags, ap);
  va_end (ap);
  return real (dirfd, fk_redirect (path, buf), flags, mode);
}

FK_EXPORT int
openat64 (int dirfd, const char *path, int flags, ...)
{
  char buf[PATH_MAX];
  va_list ap;
  mode_t mode;
  FK_REAL (int, openat64, (int, const char *, int, ...));
  FK_NO_REAL (-1);

  va_start (ap, flags);
  mode = fk_open_mode (flags, ap);
  va_end (ap);
  return real (dirfd, fk_redirect (path, buf), flags, mode);
}

FK_EXPORT int
__open_2 (const char *path, int flags)
{
  char buf[PATH_MAX];
  FK_REAL (int, __open_2, (const char *, int));
  FK_NO_REAL (-1);
  return real (fk_redirect (path, buf), flags);
}

FK_EXPORT int
__open64_2 (const char *path, int flags)
{
  char buf[PATH_MAX];
  FK_REAL (int, __open64_2, (const char *, int));
  FK_NO_REAL (-1);
  return real (fk_redirect (path, buf), flags);
}

FK_EXPORT int
__openat_2 (int dirfd, const char *path, int flags)
{
  char buf[PATH_MAX];
  FK_REAL (int, __openat_2, (int, const char *, int));
  FK_NO_REAL (-1);
  return real (dirfd, fk_redirect (path, buf), flags);
}

FK_EXPORT int
__openat64_2 (int dirfd, const char *path, int flags)
{
  char buf[PATH_MAX];
  FK_REAL (int, __openat64_2, (int, const char *, int));
  FK_NO_REAL (-1);
  return real (dirfd, fk_redirect (path, buf), flags);
}

FK_EXPORT int
creat (const char *path, mode_t mode)
{
  char buf[PATH_MAX];
  FK_REAL (int, creat, (const char *, mode_t));
  FK_NO_REAL (-1);
  return real (fk_redirect (path, buf), mode);
}

FK_EXPORT int
creat64 (const char *path, mode_t mode)
{
  char buf[PATH_MAX];
  FK_REAL (int, creat64, (const char *, mode_t));
  FK_NO_REAL (-1);
  return real (fk_redirect (path, buf), mode);
}

FK_EXPORT FILE *
fopen (const char *path, const char *mode)
{
  char buf[PATH_MAX];
  FK_REAL (FILE *, fopen, (const char *, const char *));
  FK_NO_REAL (NULL);
  return real (fk_redirect (path, buf), mode);
}

FK_EXPORT FILE *
fopen64 (const char *path, const char *mode)
{
  char buf[PATH_MAX];
  FK_REAL (FILE *, fopen64, (const char *, const char *));
  FK_NO_REAL (NULL);
  return real (fk_redirect (path, buf), mode);
}

FK_EXPORT FILE *
freopen (const char *path, const char *mode, FILE *stream)
{
  char buf[PATH_MAX];
  FK_REAL (FILE *, freopen, (const char *, const char *, FILE *));
  FK_NO_REAL (NULL);
  return real (fk_redirect (path, buf), mode, stream);
}

FK_EXPORT FILE *
freopen64 (const char *path, const char *mode, FILE *stream)
{
  char buf[PATH_MAX];
  FK_REAL (FILE *, freopen64, (const char *, const char *, FILE *));
  FK_NO_REAL (NULL);
  return real (fk_redirect (path, buf), mode, stream);
}

/* ----------------------------------------------------------------- */
/* directories                                                        */

FK_EXPORT DIR *
opendir (const char *path)
{
  char buf[PATH_MAX];
  FK_REAL (DIR *, opendir, (const char *));
  FK_NO_REAL (NULL);
  return real (fk_redirect (path, buf));
}

typedef int (*fk_dirent_filter) (const struct dirent *);
typedef int (*fk_dirent_compar) (const struct dirent **,
                                 const struct dirent **);
typedef int (*fk_dirent64_filter) (const struct dirent64 *);
typedef int (*fk_dirent64_compar) (const struct dirent64 **,
                                   const struct dirent64 **);

FK_EXPORT int
scandir (const char *path, struct dirent ***namelist,
         fk_dirent_filter filter, fk_dirent_compar compar)
{
  char buf[PATH_MAX];
  FK_REAL (int, scandir, (const char *, struct dirent ***, fk_dirent_filter,
                          fk_dirent_compar));
  FK_NO_REAL (-1);
  return real (fk_redirect (path, buf), namelist, filter, compar);
}

FK_EXPORT int
scandir64 (const char *path, struct dirent64 ***namelist,
           fk_dirent64_filter filter, fk_dirent64_compar compar)
{
  char buf[PATH_MAX];
  FK_REAL (int, scandir64, (const char *, struct dirent64 ***,
                            fk_dirent64_filter, fk_dirent64_compar));
  FK_NO_REAL (-1);
  return real (fk_redirect (path, buf), namelist, filter, compar);
}

FK_EXPORT int
mkdir (const char *path, mode_t mode)
{
  char buf[PATH_MAX];
  FK_REAL (int, mkdir, (const char *, mode_t));
  FK_NO_REAL (-1);
  return real (fk_redirect (path, buf), mode);
}

FK_EXPORT int
mkdirat (int dirfd, const char *path, mode_t mode)
{
  char buf[PATH_MAX];
  FK_REAL (int, mkdirat, (int, const char *, mode_t));
  FK_NO_REAL (-1);
  return real (dirfd, fk_redirect (path, buf), mode);
}

FK_EXPORT int
rmdir (const char *path)
{
  char buf[PATH_MAX];
  FK_REAL (int, rmdir, (const char *));
  FK_NO_REAL (-1);
  return real (fk_redirect (path, buf));
}

FK_EXPORT int
unlink (const char *path)
{
  char buf[PATH_MAX];
  FK_REAL (int, unlink, (const char *));
  FK_NO_REAL (-1);
  return real (fk_redirect (path, buf));
}

FK_EXPORT int
unlinkat (int dirfd, const char *path, int flags)
{
  char buf[PATH_MAX];
  FK_REAL (int, unlinkat, (int, const char *, int));
  FK_NO_REAL (-1);
  return real (dirfd, fk_redirect (path, buf), flags);
}

FK_EXPORT int
rename (const char *oldpath, const char *newpath)
{
  char buf1[PATH_MAX], buf2[PATH_MAX];
  FK_REAL (int, rename, (const char *, const char *));
  FK_NO_REAL (-1);
  return real (fk_redirect (oldpath, buf1), fk_redirect (newpath, buf2));
}

FK_EXPORT int
renameat (int olddirfd, const char *oldpath, int newdirfd,
          const char *newpath)
{
  char buf1[PATH_MAX], buf2[PATH_MAX];
  FK_REAL (int, renameat, (int, const char *, int, const char *));
  FK_NO_REAL (-1);
  return real (olddirfd, fk_redirect (oldpath, buf1), newdirfd,
               fk_redirect (newpath, buf2));
}

FK_EXPORT int
renameat2 (int olddirfd, const char *oldpath, int newdirfd,
           const char *newpath, unsigned int flags)
{
  char buf1[PATH_MAX], buf2[PATH_MAX];
  FK_REAL (int, renameat2, (int, const char *, int, const char *,
                            unsigned int));
  FK_NO_REAL (-1);
  return real (olddirfd, fk_redirect (oldpath, buf1), newdirfd,
               fk_redirect (newpath, buf2), flags);
}

FK_EXPORT int
inotify_add_watch (int fd, const char *path, uint32_t mask)
{
  char buf[PATH_MAX];
  FK_REAL (int, inotify_add_watch, (int, const char *, uint32_t));
  FK_NO_REAL (-1);
  return real (fd, fk_redirect (path, buf), mask);
}

/* ----------------------------------------------------------------- */
/* stat                                                               */

FK_EXPORT int
stat (const char *path, struct stat *st)
{
  char buf[PATH_MAX];
  FK_REAL (int, stat, (const char *, struct stat *));
  FK_NO_REAL (-1);
  return real (fk_redirect (path, buf), st);
}

FK_EXPORT int
stat64 (const char *path, struct stat64 *st)
{
  char buf[PATH_MAX];
  FK_REAL (int, stat64, (const char *, struct stat64 *));
  FK_NO_REAL (-1);
  return real (fk_redirect (path, buf), st);
}

FK_EXPORT int
lstat (const char *path, struct stat *st)
{
  char buf[PATH_MAX];
  FK_REAL (int, lstat, (const char *, struct stat *));
  FK_NO_REAL (-1);
  return real (fk_redirect (path, buf), st);
}

FK_EXPORT int
lstat64 (const char *path, struct stat64 *st)
{
  char buf[PATH_MAX];
  FK_REAL (int, lstat64, (const char *, struct stat64 *));
  FK_NO_REAL (-1);
  return real (fk_redirect (path, buf), st);
}

FK_EXPORT int
fstatat (int dirfd, const char *path, struct stat *st, int flags)
{
  char buf[PATH_MAX];
  FK_REAL (int, fstatat, (int, const char *, struct stat *, int));
  FK_NO_REAL (-1);
  return real (dirfd, fk_redirect (path, buf), st, flags);
}

FK_EXPORT int
fstatat64 (int dirfd, const char *path, struct stat64 *st, int flags)
{
  char buf[PATH_MAX];
  FK_REAL (int, fstatat64, (int, const char *, struct stat64 *, int));
  FK_NO_REAL (-1);
  return real (dirfd, fk_redirect (path, buf), st, flags);
}

FK_EXPORT int
__xstat (int ver, const char *path, struct stat *st)
{
  char buf[PATH_MAX];
  FK_REAL (int, __xstat, (int, const char *, struct stat *));
  FK_NO_REAL (-1);
  return real (ver, fk_redirect (path, buf), st);
}

FK_EXPORT int
__xstat64 (int ver, const char *path, struct stat64 *st)
{
  char buf[PATH_MAX];
  FK_REAL (int, __xstat64, (int, const char *, struct stat64 *));
  FK_NO_REAL (-1);
  return real (ver, fk_redirect (path, buf), st);
}

FK_EXPORT int
__lxstat (int ver, const char *path, struct stat *st)
{
  char buf[PATH_MAX];
  FK_REAL (int, __lxstat, (int, const char *, struct stat *));
  FK_NO_REAL (-1);
  return real (ver, fk_redirect (path, buf), st);
}

FK_EXPORT int
__lxstat64 (int ver, const char *path, struct stat64 *st)
{
  char buf[PATH_MAX];
  FK_REAL (int, __lxstat64, (int, const char *, struct stat64 *));
  FK_NO_REAL (-1);
  return real (ver, fk_redirect (path, buf), st);
}

FK_EXPORT int
__fxstatat (int ver, int dirfd, const char *path, struct stat *st, int flags)
{
  char buf[PATH_MAX];
  FK_REAL (int, __fxstatat, (int, int, const char *, struct stat *, int));
  FK_NO_REAL (-1);
  return real (ver, dirfd, fk_redirect (path, buf), st, flags);
}

FK_EXPORT int
__fxstatat64 (int ver, int dirfd, const char *path, struct stat64 *st,
              int flags)
{
  char buf[PATH_MAX];
  FK_REAL (int, __fxstatat64, (int, int, const char *, struct stat64 *, int));
  FK_NO_REAL (-1);
  return real (ver, dirfd, fk_redirect (path, buf), st, flags);
}

FK_EXPORT int
statx (int dirfd, const char *path, int flags, unsigned int mask,
       struct statx *stx)
{
  char buf[PATH_MAX];
  FK_REAL (int, statx, (int, const char *, int, unsigned int,
                        struct statx *));
  FK_NO_REAL (-1);
  return real (dirfd, fk_redirect (path, buf), flags, mask, stx);
}

/* ----------------------------------------------------------------- */
/* access, links                                                      */

FK_EXPORT int
access (const char *path, int mode)
{
  char buf[PATH_MAX];
  int r;
  FK_REAL (int, access, (const char *, int));
  FK_NO_REAL (-1);
  r = real (fk_redirect (path, buf), mode);
  if (r < 0 && errno == ENOENT && fk_is_udev_control (path, mode))
    return 0;
  return r;
}

FK_EXPORT int
faccessat (int dirfd, const char *path, int mode, int flags)
{
  char buf[PATH_MAX];
  int r;
  FK_REAL (int, faccessat, (int, const char *, int, int));
  FK_NO_REAL (-1);
  r = real (dirfd, fk_redirect (path, buf), mode, flags);
  if (r < 0 && errno == ENOENT && fk_is_udev_control (path, mode))
    return 0;
  return r;
}

FK_EXPORT int
euidaccess (const char *path, int mode)
{
  char buf[PATH_MAX];
  FK_REAL (int, euidaccess, (const char *, int));
  FK_NO_REAL (-1);
  return real (fk_redirect (path, buf), mode);
}

FK_EXPORT int
eaccess (const char *path, int mode)
{
  char buf[PATH_MAX];
  FK_REAL (int, eaccess, (const char *, int));
  FK_NO_REAL (-1);
  return real (fk_redirect (path, buf), mode);
}

FK_EXPORT ssize_t
readlink (const char *path, char *out, size_t size)
{
  char buf[PATH_MAX];
  FK_REAL (ssize_t, readlink, (const char *, char *, size_t));
  FK_NO_REAL (-1);
  return real (fk_redirect (path, buf), out, size);
}

FK_EXPORT ssize_t
readlinkat (int dirfd, const char *path, char *out, size_t size)
{
  char buf[PATH_MAX];
  FK_REAL (ssize_t, readlinkat, (int, const char *, char *, size_t));
  FK_NO_REAL (-1);
  return real (dirfd, fk_redirect (path, buf), out, size);
}

FK_EXPORT char *
realpath (const char *path, char *resolved)
{
  char buf[PATH_MAX];
  char *r;
  FK_REAL (char *, realpath, (const char *, char *));
  FK_NO_REAL (NULL);
  r = real (fk_redirect (path, buf), resolved);
  fk_unredirect (r);
  return r;
}

FK_EXPORT char *
__realpath_chk (const char *path, char *resolved, size_t resolvedlen)
{
  char buf[PATH_MAX];
  char *r;
  FK_REAL (char *, __realpath_chk, (const char *, char *, size_t));
  FK_NO_REAL (NULL);
  r = real (fk_redirect (path, buf), resolved, resolvedlen);
  fk_unredirect (r);
  return r;
}

FK_EXPORT char *
canonicalize_file_name (const char *path)
{
  char buf[PATH_MAX];
  char *r;
  FK_REAL (char *, canonicalize_file_name, (const char *));
  FK_NO_REAL (NULL);
  r = real (fk_redirect (path, buf));
  fk_unredirect (r);
  return r;
}

/* ----------------------------------------------------------------- */
/* the kernel                                                         */

FK_EXPORT int
uname (struct utsname *u)
{
  const char *root = fk_get_root ();
  char release[sizeof u->release];
  int r;
  FK_REAL (int, uname, (struct utsname *));
  FK_NO_REAL (-1);

  r = real (u);
  if (r == 0 && root != NULL
      && fk_read_release (root, release, sizeof release) == 0)
    memcpy (u->release, release, sizeof release);
  return r;
}

FK_EXPORT long
init_module (const void *image, unsigned long len, const char *args)
{
  const char *root = fk_get_root ();
  FK_REAL (long, init_module, (const void *, unsigned long, const char *));

  if (root != NULL)
    return fk_result (fk_kernel_init_module (root, image, len, args));
  FK_NO_REAL (-1);
  return real (image, len, args);
}

FK_EXPORT long
delete_module (const char *name, unsigned int flags)
{
  const char *root = fk_get_root ();
  FK_REAL (long, delete_module, (const char *, unsigned int));

  if (root != NULL)
    return fk_result (fk_kernel_delete_module (root, name, flags));
  FK_NO_REAL (-1);
  return real (name, flags);
}

FK_EXPORT long
syscall (long number, ...)
{
  const char *root = fk_get_root ();
  va_list ap;
  long a[6];
  int i;
  FK_REAL (long, syscall, (long, ...));

  /* Like glibc's assembly wrapper, take all six argument registers. */
  va_start (ap, number);
  for (i = 0; i < 6; i++)
    a[i] = va_arg (ap, long);
  va_end (ap);

  if (root != NULL)
    {
      switch (number)
        {
        case SYS_finit_module:
          return fk_result (fk_kernel_finit_module (root, (int) a[0],
                                                    (const char *) a[1],
                                                    (int) a[2]));
        case SYS_init_module:
          return fk_result (fk_kernel_init_module (root, (const void *) a[0],
                                                   (size_t) a[1],
                                                   (const char *) a[2]));
        case SYS_delete_module:
          return fk_result (fk_kernel_delete_module (root, (const char *) a[0],
                                                     (unsigned int) a[1]));
        default:
          break;
        }
    }

  FK_NO_REAL (-1);
  return real (number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
