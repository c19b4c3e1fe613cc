/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekernel-files.c: the fake kernel's file helpers, its knobs (the files under fake/),
 * the tree lock and the per-module state files (initstate, refcnt).
 */

#include "fakekernel-private.h"
#include "fakekernel-uevent.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ----------------------------------------------------------------- */
/* small helpers                                                      */

static bool
fk_debug_enabled (void)
{
  static int enabled = -1;  /* benign race: every thread computes the same */
  int e = __atomic_load_n (&enabled, __ATOMIC_RELAXED);

  if (e < 0)
    {
      const char *v = getenv (FK_ENV_DEBUG);

      e = v != NULL && v[0] != '\0' && strcmp (v, "0") != 0;
      __atomic_store_n (&enabled, e, __ATOMIC_RELAXED);
    }
  return e != 0;
}

__attribute__ ((format (printf, 1, 2)))
void
fk_debug (const char *fmt, ...)
{
  va_list ap;

  if (!fk_debug_enabled ())
    return;
  va_start (ap, fmt);
  fprintf (stderr, "fakekernel[%d]: ", (int) getpid ());
  vfprintf (stderr, fmt, ap);
  fputc ('\n', stderr);
  va_end (ap);
}

__attribute__ ((format (printf, 3, 4)))
int
fk_path (char *buf, const char *root, const char *fmt, ...)
{
  va_list ap;
  int n, m;

  n = snprintf (buf, PATH_MAX, "%s/", root);
  if (n < 0 || n >= PATH_MAX)
    return -ENAMETOOLONG;
  va_start (ap, fmt);
  m = vsnprintf (buf + n, (size_t) (PATH_MAX - n), fmt, ap);
  va_end (ap);
  if (m < 0 || m >= PATH_MAX - n)
    return -ENAMETOOLONG;
  return 0;
}

void
fk_sleep_ms (long ms)
{
  struct timespec ts;

  if (ms <= 0)
    return;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

bool
fk_name_is_valid (const char *name)
{
  return name != NULL && name[0] != '\0' && strchr (name, '/') == NULL
         && strcmp (name, ".") != 0 && strcmp (name, "..") != 0
         && strlen (name) < FK_MODULE_NAME_LEN;
}

/* Reads up to size-1 bytes and NUL-terminates; returns the length. */
ssize_t
fk_read_file (const char *path, char *buf, size_t size)
{
  size_t used = 0;
  int fd;

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  while (used + 1 < size)
    {
      ssize_t n = read (fd, buf + used, size - 1 - used);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int e = errno;

          close (fd);
          return -e;
        }
      if (n == 0)
        break;
      used += (size_t) n;
    }
  close (fd);
  buf[used] = '\0';
  return (ssize_t) used;
}

/* Reads a whole file into a malloc'ed, NUL-terminated buffer. */
int
fk_read_file_alloc (const char *path, char **out)
{
  size_t used = 0, cap = 4096;
  char *buf = malloc (cap);
  int fd;

  *out = NULL;
  if (buf == NULL)
    return -ENOMEM;
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      int e = errno;

      free (buf);
      return -e;
    }
  for (;;)
    {
      ssize_t n;

      if (used + 1 == cap)
        {
          char *p = realloc (buf, cap * 2);

          if (p == NULL)
            {
              free (buf);
              close (fd);
              return -ENOMEM;
            }
          buf = p;
          cap *= 2;
        }
      n = read (fd, buf + used, cap - 1 - used);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int e = errno;

          free (buf);
          close (fd);
          return -e;
        }
      if (n == 0)
        break;
      used += (size_t) n;
    }
  close (fd);
  buf[used] = '\0';
  *out = buf;
  return 0;
}

int
fk_read_long (const char *path, long *out)
{
  char buf[64], *end;
  ssize_t n = fk_read_file (path, buf, sizeof buf);

  if (n < 0)
    return (int) n;
  errno = 0;
  *out = strtol (buf, &end, 10);
  if (end == buf || errno != 0)
    return -EINVAL;
  return 0;
}

int
fk_write_all (int fd, const char *data, size_t len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -errno;
      data += n;
      len -= (size_t) n;
    }
  return 0;
}

int
fk_tmp_path (char *buf, const char *root, const char *what)
{
  static unsigned long counter;
  unsigned long c = __atomic_add_fetch (&counter, 1, __ATOMIC_RELAXED);

  return fk_path (buf, root, "fake/tmp/%s.%d.%d.%lu", what, (int) getpid (),
                  (int) gettid (), c);
}

int
fk_write_file_atomic (const char *root, const char *path, const char *content)
{
  char tmp[PATH_MAX];
  int fd, r;

  r = fk_tmp_path (tmp, root, "file");
  if (r < 0)
    return r;
  fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return -errno;
  r = fk_write_all (fd, content, strlen (content));
  if (close (fd) < 0 && r == 0)
    r = -errno;
  if (r == 0 && rename (tmp, path) < 0)
    r = -errno;
  if (r < 0)
    unlink (tmp);
  return r;
}

int
fk_write_mod_attr (const char *root, const char *name, const char *attr,
                   const char *content)
{
  char path[PATH_MAX];
  int r = fk_path (path, root, "sys/module/%s/%s", name, attr);

  return r < 0 ? r : fk_write_file_atomic (root, path, content);
}

static int
fk_rm_rf_at (int parent_fd, const char *name)
{
  struct stat st;
  DIR *d;
  struct dirent *de;
  int fd, r = 0;

  if (fstatat (parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : -errno;
  if (!S_ISDIR (st.st_mode))
    return unlinkat (parent_fd, name, 0) < 0 ? -errno : 0;

  fd = openat (parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -errno;
  d = fdopendir (fd);
  if (d == NULL)
    {
      r = -errno;
      close (fd);
      return r;
    }
  while ((de = readdir (d)) != NULL)
    {
      int rr;

      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      rr = fk_rm_rf_at (dirfd (d), de->d_name);
      if (rr < 0 && r == 0)
        r = rr;
    }
  closedir (d);
  if (unlinkat (parent_fd, name, AT_REMOVEDIR) < 0 && r == 0)
    r = -errno;
  return r;
}

int
fk_rm_rf (const char *path)
{
  return fk_rm_rf_at (AT_FDCWD, path);
}

int
fk_read_knob_long (const char *root, const char *knob, long *out)
{
  char path[PATH_MAX];
  int r = fk_path (path, root, "fake/%s", knob);

  *out = 0;
  if (r < 0)
    return r;
  r = fk_read_long (path, out);
  return r == -ENOENT ? 0 : r;
}

/* Calls @fn for each non-empty, non-comment line of ROOT/fake/@knob
 * until it returns non-zero; returns that value, or 0. */
static int
fk_foreach_knob_line (const char *root, const char *knob,
                      int (*fn)(const char *line, void *data), void *data)
{
  char path[PATH_MAX];
  char buf[8192];
  char *line, *save = NULL;
  ssize_t n;

  if (fk_path (path, root, "fake/%s", knob) < 0)
    return 0;
  n = fk_read_file (path, buf, sizeof buf);
  if (n <= 0)
    return 0;
  for (line = strtok_r (buf, "\n", &save); line != NULL;
       line = strtok_r (NULL, "\n", &save))
    {
      int r;

      while (isspace ((unsigned char) *line))
        line++;
      if (*line == '\0' || *line == '#')
        continue;
      r = fn (line, data);
      if (r != 0)
        return r;
    }
  return 0;
}

/* Whether @line starts with the module name @name ('-' == '_'),
 * followed by white space or the end. */
static bool
fk_line_starts_with_name (const char *line, const char *name)
{
  size_t i;

  for (i = 0; name[i] != '\0'; i++)
    {
      char a = line[i] == '-' ? '_' : line[i];
      char b = name[i] == '-' ? '_' : name[i];

      if (a != b)
        return false;
    }
  return line[i] == '\0' || isspace ((unsigned char) line[i]);
}

static int
fk_line_names (const char *line, void *data)
{
  return fk_line_starts_with_name (line, data);
}

bool
fk_signature_rejected (const char *root, const char *name)
{
  return fk_foreach_knob_line (root, "reject-signature", fk_line_names,
                               (void *) name) != 0;
}

/* fake/insert-first: module names that someone else loads first, in the
 * instant between a loader's check and its own init_module(): the loader
 * finds the module live and gets EEXIST (add_unformed_module()). */
bool
fk_inserted_first (const char *root, const char *name)
{
  return fk_foreach_knob_line (root, "insert-first", fk_line_names,
                               (void *) name) != 0;
}

static int
fk_line_fail_init (const char *line, void *data)
{
  const char *name = data;
  size_t len = strlen (name);
  long e;
  char *end;

  if (!fk_line_starts_with_name (line, name) || line[len] == '\0')
    return 0;
  e = strtol (line + len, &end, 10);
  if (end == line + len || e <= 0 || e > 4095)
    return 0;
  return (int) e;
}

int
fk_fail_init_errno (const char *root, const char *name)
{
  return fk_foreach_knob_line (root, "fail-init", fk_line_fail_init,
                               (void *) name);
}

static int
fk_line_slow_init (const char *line, void *data)
{
  const char *name = data;
  size_t len = strlen (name);
  long ms;
  char *end;

  if (!fk_line_starts_with_name (line, name) || line[len] == '\0')
    return 0;
  ms = strtol (line + len, &end, 10);
  if (end == line + len || ms <= 0 || ms > 600000)
    return 0;
  return (int) ms;
}

/* fake/slow-init: "NAME MS" lines; that module's init takes MS
 * milliseconds (on top of fake/init-delay-ms, which every module takes). */
long
fk_slow_init_ms (const char *root, const char *name)
{
  return fk_foreach_knob_line (root, "slow-init", fk_line_slow_init,
                               (void *) name);
}

bool
fk_has_cap_sys_module (void)
{
  struct __user_cap_header_struct hdr = {
    .version = _LINUX_CAPABILITY_VERSION_3,
    .pid = 0,
  };
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

  memset (data, 0, sizeof data);
  if (syscall (SYS_capget, &hdr, data) < 0)
    return geteuid () == 0;
  return (data[CAP_SYS_MODULE / 32].effective
          & (1U << (CAP_SYS_MODULE % 32))) != 0;
}

bool
fk_modules_disabled (const char *root)
{
  char path[PATH_MAX];
  long v = 0;

  if (fk_path (path, root, "proc/sys/kernel/modules_disabled") < 0)
    return false;
  return fk_read_long (path, &v) == 0 && v != 0;
}

bool
fk_sig_enforced (const char *root)
{
  char path[PATH_MAX], buf[16];

  if (fk_path (path, root, "sys/module/module/parameters/sig_enforce") < 0
      || fk_read_file (path, buf, sizeof buf) <= 0)
    return false;
  return buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1';
}

bool
fk_locked_down (const char *root)
{
  char path[PATH_MAX], buf[128];

  if (fk_path (path, root, "sys/kernel/security/lockdown") < 0
      || fk_read_file (path, buf, sizeof buf) <= 0)
    return false;
  return strstr (buf, "[none]") == NULL;
}

int
fk_read_release (const char *root, char *buf, size_t size)
{
  char path[PATH_MAX];
  ssize_t n;
  int r = fk_path (path, root, "fake/release");

  if (r < 0)
    return r;
  n = fk_read_file (path, buf, size);
  if (n < 0)
    return (int) n;
  buf[strcspn (buf, "\r\n")] = '\0';
  return buf[0] != '\0' ? 0 : -ENOENT;
}

/* ----------------------------------------------------------------- */
/* locking, module state files                                        */

int
fk_lock (const char *root)
{
  char path[PATH_MAX];
  int fd, r;

  r = fk_path (path, root, "fake/lock");
  if (r < 0)
    return r;
  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return -errno;
  while (flock (fd, LOCK_EX) < 0)
    {
      if (errno != EINTR)
        {
          r = -errno;
          close (fd);
          return r;
        }
    }
  return fd;
}

void
fk_unlock (int lock_fd)
{
  if (lock_fd >= 0)
    close (lock_fd);  /* drops the flock */
}

/* FK_MOD_*, FK_BUILTIN for a directory without initstate, or -ENOENT. */
int
fk_get_state (const char *root, const char *name)
{
  char path[PATH_MAX], buf[32];
  struct stat st;
  ssize_t n;

  if (!fk_name_is_valid (name))
    return -ENOENT;
  if (fk_path (path, root, "sys/module/%s/initstate", name) < 0)
    return -ENOENT;
  n = fk_read_file (path, buf, sizeof buf);
  if (n < 0)
    {
      if (fk_path (path, root, "sys/module/%s", name) < 0)
        return -ENOENT;
      if (stat (path, &st) == 0 && S_ISDIR (st.st_mode))
        return FK_BUILTIN;
      return -ENOENT;
    }
  if (strncmp (buf, "coming", 6) == 0)
    return FK_MOD_COMING;
  if (strncmp (buf, "going", 5) == 0)
    return FK_MOD_GOING;
  return FK_MOD_LIVE;
}

long
fk_get_refcnt (const char *root, const char *name)
{
  char path[PATH_MAX];
  long v = 0;

  if (fk_path (path, root, "sys/module/%s/refcnt", name) < 0
      || fk_read_long (path, &v) < 0)
    return 0;
  return v;
}

int
fk_put_refcnt (const char *root, const char *name, long v)
{
  char buf[32];

  snprintf (buf, sizeof buf, "%ld\n", v);
  return fk_write_mod_attr (root, name, "refcnt", buf);
}

int
fk_set_state (const char *root, const char *name, FkModState state)
{
  char buf[16];

  snprintf (buf, sizeof buf, "%s\n", fk_mod_state_to_string (state));
  return fk_write_mod_attr (root, name, "initstate", buf);
}

const char *
fk_mod_state_to_string (FkModState state)
{
  switch (state)
    {
    case FK_MOD_COMING:
      return "coming";
    case FK_MOD_GOING:
      return "going";
    case FK_MOD_LIVE:
    default:
      return "live";
    }
}

/* Number of entries in a directory (without . and ..), or -errno. */
int
fk_count_dir (const char *path)
{
  DIR *d = opendir (path);
  struct dirent *de;
  int n = 0;

  if (d == NULL)
    return -errno;
  while ((de = readdir (d)) != NULL)
    if (strcmp (de->d_name, ".") != 0 && strcmp (de->d_name, "..") != 0)
      n++;
  closedir (d);
  return n;
}
