/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekernel-state.c: module load/unload semantics of the fake kernel.
 *
 * The behaviour follows Linux 6.1 kernel/module/main.c as closely as a
 * user-space file tree allows:
 *
 *  init_module/finit_module
 *    - EPERM without CAP_SYS_MODULE or with modules_disabled = 1
 *    - EINVAL for unknown finit flags
 *    - signature: a name listed in fake/reject-signature -> EKEYREJECTED;
 *      an unsigned (or forced) module -> EKEYREJECTED if sig_enforce is
 *      Y, EPERM under lockdown, else taint E
 *    - ENOEXEC when not a valid x86-64 module, or a vermagic mismatch
 *      (forcing with MODULE_INIT_IGNORE_* taints F, CONFIG_MODULE_FORCE_LOAD=y)
 *    - a module of the same name in state coming is waited for, then
 *      EEXIST (any other loaded state: EEXIST at once); a builtin of
 *      that name -> EINVAL ("module is already loaded", from sysfs)
 *    - a depends= module missing or going -> ENOENT ("Unknown symbol"),
 *      coming -> waited for up to 30 s, then EBUSY
 *    - bad parameter value -> EINVAL/ERANGE/ENOSPC; unknown keys ignored
 *    - then: state coming (refcnt 1: the kernel holds a reference during
 *      init), dependencies refcnt+1 and holder links, "add" uevent, the
 *      init (fake/init-delay-ms, fake/fail-init), then live (refcnt-1)
 *      or, if init fails, going + removal + "remove" uevent.
 *  delete_module
 *    - EPERM as above; ENOENT if not loaded or builtin; EWOULDBLOCK with
 *      holders; EBUSY if not live; EWOULDBLOCK if refcnt > 0 unless
 *      O_TRUNC (force, CONFIG_MODULE_FORCE_UNLOAD=y); then going
 *      (fake/exit-delay-ms), removal and a "remove" uevent.
 */
#include "fakekernel-state.h"
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

#define FK_MODULE_INIT_IGNORE_MODVERSIONS 1
#define FK_MODULE_INIT_IGNORE_VERMAGIC 2
#define FK_DEP_WAIT_MS 30000
#define FK_POLL_MS 10
#define FK_MAX_PARAMS 128
#define FK_CHARP_MAX 1024

/* Taint bits that are per module, in the order module_flags_taint()
 * prints them. */
enum
{
  FK_TAINT_PROPRIETARY = 1 << 0,  /* P */
  FK_TAINT_FORCED = 1 << 1,       /* F */
  FK_TAINT_CRAP = 1 << 2,         /* C */
  FK_TAINT_OOT = 1 << 3,          /* O */
  FK_TAINT_UNSIGNED = 1 << 4,     /* E */
};

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
static void
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
static int
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

static void
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
static ssize_t
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
static int
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

static int
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

static int
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

static int
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

static int
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

static int
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
                      int (*fn) (const char *line, void *data), void *data)
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

static bool
fk_signature_rejected (const char *root, const char *name)
{
  return fk_foreach_knob_line (root, "reject-signature", fk_line_names,
                               (void *) name) != 0;
}

/* fake/insert-first: module names that someone else loads first, in the
 * instant between a loader's check and its own init_module(): the loader
 * finds the module live and gets EEXIST (add_unformed_module()). */
static bool
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

static int
fk_fail_init_errno (const char *root, const char *name)
{
  return fk_foreach_knob_line (root, "fail-init", fk_line_fail_init,
                               (void *) name);
}

static bool
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

static bool
fk_modules_disabled (const char *root)
{
  char path[PATH_MAX];
  long v = 0;

  if (fk_path (path, root, "proc/sys/kernel/modules_disabled") < 0)
    return false;
  return fk_read_long (path, &v) == 0 && v != 0;
}

static bool
fk_sig_enforced (const char *root)
{
  char path[PATH_MAX], buf[16];

  if (fk_path (path, root, "sys/module/module/parameters/sig_enforce") < 0
      || fk_read_file (path, buf, sizeof buf) <= 0)
    return false;
  return buf[0] == 'Y' || buf[0] == 'y' || buf[0] == '1';
}

static bool
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

#define FK_BUILTIN (-1000)

/* FK_MOD_*, FK_BUILTIN for a directory without initstate, or -ENOENT. */
static int
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

static long
fk_get_refcnt (const char *root, const char *name)
{
  char path[PATH_MAX];
  long v = 0;

  if (fk_path (path, root, "sys/module/%s/refcnt", name) < 0
      || fk_read_long (path, &v) < 0)
    return 0;
  return v;
}

static int
fk_put_refcnt (const char *root, const char *name, long v)
{
  char buf[32];

  snprintf (buf, sizeof buf, "%ld\n", v);
  return fk_write_mod_attr (root, name, "refcnt", buf);
}

static int
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
static int
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

/* ----------------------------------------------------------------- */
/* load order                                                         */

typedef struct
{
  char (*names)[FK_MODULE_NAME_LEN];
  size_t n;
} FkOrder;

static void
fk_order_read (const char *root, FkOrder *order)
{
  char path[PATH_MAX];
  char *buf, *line, *save = NULL;
  size_t cap = 0;

  order->names = NULL;
  order->n = 0;
  if (fk_path (path, root, "fake/order") < 0
      || fk_read_file_alloc (path, &buf) < 0)
    return;
  for (line = strtok_r (buf, "\n", &save); line != NULL;
       line = strtok_r (NULL, "\n", &save))
    {
      if (!fk_name_is_valid (line))
        continue;
      if (order->n == cap)
        {
          void *p;

          cap = cap ? cap * 2 : 64;
          p = realloc (order->names, cap * sizeof *order->names);
          if (p == NULL)
            break;
          order->names = p;
        }
      snprintf (order->names[order->n++], FK_MODULE_NAME_LEN, "%s", line);
    }
  free (buf);
}

static unsigned long
fk_order_index (const FkOrder *order, const char *name)
{
  size_t i;

  for (i = order->n; i > 0; i--)
    if (strcmp (order->names[i - 1], name) == 0)
      return (unsigned long) i;
  return 0;  /* unknown: oldest */
}

/* Rewrites fake/order with @add appended and @remove dropped. */
static int
fk_order_update (const char *root, const char *add, const char *remove)
{
  FkOrder order;
  char path[PATH_MAX];
  char *buf;
  size_t i, used = 0, size;
  int r;

  r = fk_path (path, root, "fake/order");
  if (r < 0)
    return r;
  fk_order_read (root, &order);
  size = (order.n + 2) * (FK_MODULE_NAME_LEN + 1) + 1;
  buf = malloc (size);
  if (buf == NULL)
    {
      free (order.names);
      return -ENOMEM;
    }
  buf[0] = '\0';
  for (i = 0; i < order.n; i++)
    {
      if ((remove != NULL && strcmp (order.names[i], remove) == 0)
          || (add != NULL && strcmp (order.names[i], add) == 0))
        continue;
      used += (size_t) snprintf (buf + used, size - used, "%s\n",
                                 order.names[i]);
    }
  if (add != NULL)
    snprintf (buf + used, size - used, "%s\n", add);
  r = fk_write_file_atomic (root, path, buf);
  free (buf);
  free (order.names);
  return r;
}

/* ----------------------------------------------------------------- */
/* listing and /proc/modules                                          */

static void
fk_strv_free (char **v, size_t n)
{
  size_t i;

  if (v == NULL)
    return;
  for (i = 0; i < n; i++)
    free (v[i]);
  free (v);
}

static int
fk_strv_add (char ***v, size_t *n, const char *s)
{
  char **p = realloc (*v, (*n + 2) * sizeof **v);

  if (p == NULL)
    return -ENOMEM;
  *v = p;
  p[*n] = strdup (s);
  if (p[*n] == NULL)
    return -ENOMEM;
  (*n)++;
  p[*n] = NULL;
  return 0;
}

static int
fk_cmp_by_order_desc (const void *a, const void *b, void *data)
{
  const FkOrder *order = data;
  const char *const *sa = a, *const *sb = b;
  unsigned long oa = fk_order_index (order, *sa);
  unsigned long ob = fk_order_index (order, *sb);

  if (oa != ob)
    return oa < ob ? 1 : -1;
  return strcmp (*sa, *sb);
}

static int
fk_cmp_module_desc (const void *a, const void *b)
{
  const FkModule *ma = a, *mb = b;

  if (ma->order != mb->order)
    return ma->order < mb->order ? 1 : -1;
  return strcmp (ma->name, mb->name);
}

static int
fk_read_dir_names (const char *path, char ***v, size_t *n)
{
  DIR *d = opendir (path);
  struct dirent *de;
  int r = 0;

  if (d == NULL)
    return errno == ENOENT ? 0 : -errno;
  while ((de = readdir (d)) != NULL && r == 0)
    {
      if (de->d_name[0] == '.')
        continue;
      r = fk_strv_add (v, n, de->d_name);
    }
  closedir (d);
  return r;
}

static int
fk_read_module (const char *root, const char *name, const FkOrder *order,
                FkModule *m)
{
  char path[PATH_MAX], buf[4096];
  long core = 0, init = 0;
  int st;
  size_t i;

  memset (m, 0, sizeof *m);
  st = fk_get_state (root, name);
  if (st < 0)
    return -ENOENT;
  snprintf (m->name, sizeof m->name, "%s", name);
  m->state = (FkModState) st;
  m->refcnt = fk_get_refcnt (root, name);
  if (fk_path (path, root, "sys/module/%s/coresize", name) == 0)
    fk_read_long (path, &core);
  if (fk_path (path, root, "sys/module/%s/initsize", name) == 0)
    fk_read_long (path, &init);
  m->size = (unsigned long) (core + init);
  if (fk_path (path, root, "sys/module/%s/taint", name) == 0
      && fk_read_file (path, buf, sizeof buf) > 0)
    {
      size_t l = strcspn (buf, "\r\n");

      if (l >= sizeof m->taint)
        l = sizeof m->taint - 1;
      memcpy (m->taint, buf, l);
      m->taint[l] = '\0';
    }
  m->order = fk_order_index (order, name);

  if (fk_path (path, root, "sys/module/%s/holders", name) == 0)
    fk_read_dir_names (path, &m->holders, &m->n_holders);
  if (m->n_holders > 1)
    qsort_r (m->holders, m->n_holders, sizeof *m->holders,
             fk_cmp_by_order_desc, (void *) order);

  if (fk_path (path, root, "sys/module/%s/parameters", name) == 0)
    {
      char **keys = NULL;
      size_t n_keys = 0;

      fk_read_dir_names (path, &keys, &n_keys);
      for (i = 0; i < n_keys; i++)
        {
          char kv[4096 + 256];

          if (fk_path (path, root, "sys/module/%s/parameters/%s", name,
                       keys[i]) < 0
              || fk_read_file (path, buf, sizeof buf) < 0)
            continue;
          buf[strcspn (buf, "\n")] = '\0';
          snprintf (kv, sizeof kv, "%s=%s", keys[i], buf);
          fk_strv_add (&m->params, &m->n_params, kv);
        }
      fk_strv_free (keys, n_keys);
    }
  return 0;
}

int
fk_list_modules (const char *root, FkModule **out, size_t *n_out)
{
  char path[PATH_MAX];
  char **names = NULL;
  size_t n_names = 0, i, n = 0;
  FkModule *mods;
  FkOrder order;
  int r;

  *out = NULL;
  *n_out = 0;
  r = fk_path (path, root, "sys/module");
  if (r < 0)
    return r;
  r = fk_read_dir_names (path, &names, &n_names);
  if (r < 0)
    return r;
  mods = calloc (n_names + 1, sizeof *mods);
  if (mods == NULL)
    {
      fk_strv_free (names, n_names);
      return -ENOMEM;
    }
  fk_order_read (root, &order);
  for (i = 0; i < n_names; i++)
    if (fk_read_module (root, names[i], &order, &mods[n]) == 0)
      n++;
  free (order.names);
  fk_strv_free (names, n_names);
  qsort (mods, n, sizeof *mods, fk_cmp_module_desc);
  *out = mods;
  *n_out = n;
  return 0;
}

void
fk_free_modules (FkModule *mods, size_t n)
{
  size_t i;

  if (mods == NULL)
    return;
  for (i = 0; i < n; i++)
    {
      fk_strv_free (mods[i].holders, mods[i].n_holders);
      fk_strv_free (mods[i].params, mods[i].n_params);
    }
  free (mods);
}

int
fk_regenerate_proc_modules (const char *root)
{
  FkModule *mods;
  size_t n, i, j, used = 0, size;
  char path[PATH_MAX];
  char *buf;
  int r;

  r = fk_list_modules (root, &mods, &n);
  if (r < 0)
    return r;
  size = 4096;
  for (i = 0; i < n; i++)
    size += 256 + mods[i].n_holders * (FK_MODULE_NAME_LEN + 1);
  buf = malloc (size);
  if (buf == NULL)
    {
      fk_free_modules (mods, n);
      return -ENOMEM;
    }
  buf[0] = '\0';
  for (i = 0; i < n; i++)
    {
      const FkModule *m = &mods[i];

      /* print_unload_info() and m_show() of kernel/module/procfs.c */
      used += (size_t) snprintf (buf + used, size - used, "%s %lu %ld ",
                                 m->name, m->size, m->refcnt);
      for (j = 0; j < m->n_holders; j++)
        used += (size_t) snprintf (buf + used, size - used, "%s,",
                                   m->holders[j]);
      if (m->n_holders == 0)
        used += (size_t) snprintf (buf + used, size - used, "-");
      used += (size_t) snprintf (buf + used, size - used,
                                 " %s 0x0000000000000000",
                                 m->state == FK_MOD_GOING ? "Unloading"
                                 : m->state == FK_MOD_COMING ? "Loading"
                                 : "Live");
      /* module_flags(): only shown for tainted modules */
      if (m->taint[0] != '\0')
        used += (size_t) snprintf (buf + used, size - used, " (%s%s)",
                                   m->taint,
                                   m->state == FK_MOD_GOING ? "-"
                                   : m->state == FK_MOD_COMING ? "+" : "");
      used += (size_t) snprintf (buf + used, size - used, "\n");
    }
  fk_free_modules (mods, n);
  r = fk_path (path, root, "proc/modules");
  if (r == 0)
    r = fk_write_file_atomic (root, path, buf);
  free (buf);
  return r;
}

/* ----------------------------------------------------------------- */
/* uevents                                                            */

static uint64_t
fk_next_seqnum (const char *root)
{
  char path[PATH_MAX], buf[32];
  long v = 0;

  if (fk_path (path, root, "fake/seqnum") < 0)
    return 1;
  fk_read_long (path, &v);
  if (v < 0)
    v = 0;
  v++;
  snprintf (buf, sizeof buf, "%ld\n", v);
  fk_write_file_atomic (root, path, buf);
  return (uint64_t) v;
}

static void
fk_emit (const char *root, const char *action, const char *name)
{
  uint64_t seq = fk_next_seqnum (root);
  int r = fk_uevent_send_module (action, name, seq);

  fk_debug ("uevent %s /module/%s seqnum %" PRIu64 ": %s", action, name, seq,
            r < 0 ? strerror (-r) : "sent");
}

/* ----------------------------------------------------------------- */
/* parameters (kernel/params.c semantics)                             */

typedef struct
{
  char key[64];
  char *value;  /* normalized, as the sysfs file shows it */
} FkParam;

typedef struct
{
  FkParam items[FK_MAX_PARAMS];
  size_t n;
} FkParams;

static void
fk_params_clear (FkParams *p)
{
  size_t i;

  for (i = 0; i < p->n; i++)
    free (p->items[i].value);
  p->n = 0;
}

static bool
fk_param_eq (const char *a, size_t alen, const char *b)
{
  size_t i;

  if (strlen (b) != alen)
    return false;
  for (i = 0; i < alen; i++)
    {
      char ca = a[i] == '-' ? '_' : a[i];
      char cb = b[i] == '-' ? '_' : b[i];

      if (ca != cb)
        return false;
    }
  return true;
}

/* kstrtoull(s, 0, ...) */
static int
fk_kstrtoull (const char *s, unsigned long long *out)
{
  unsigned int base = 10;
  unsigned long long v = 0;
  bool any = false;

  if (*s == '+')
    s++;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
      && isxdigit ((unsigned char) s[2]))
    {
      base = 16;
      s += 2;
    }
  else if (s[0] == '0')
    base = 8;

  for (; *s != '\0'; s++)
    {
      unsigned int d;

      if (*s == '\n' && s[1] == '\0')
        break;
      if (*s >= '0' && *s <= '9')
        d = (unsigned int) (*s - '0');
      else if (*s >= 'a' && *s <= 'f')
        d = (unsigned int) (*s - 'a' + 10);
      else if (*s >= 'A' && *s <= 'F')
        d = (unsigned int) (*s - 'A' + 10);
      else
        return -EINVAL;
      if (d >= base)
        return -EINVAL;
      if (v > (ULLONG_MAX - d) / base)
        return -ERANGE;
      v = v * base + d;
      any = true;
    }
  if (!any)
    return -EINVAL;
  *out = v;
  return 0;
}

static int
fk_kstrtoll (const char *s, long long *out)
{
  unsigned long long u;
  int r;

  if (s[0] == '-')
    {
      r = fk_kstrtoull (s + 1, &u);
      if (r < 0)
        return r;
      if (u > (unsigned long long) LLONG_MAX + 1)
        return -ERANGE;
      *out = u == (unsigned long long) LLONG_MAX + 1 ? LLONG_MIN
                                                     : -(long long) u;
      return 0;
    }
  r = fk_kstrtoull (s, &u);
  if (r < 0)
    return r;
  if (u > (unsigned long long) LLONG_MAX)
    return -ERANGE;
  *out = (long long) u;
  return 0;
}

static int
fk_kstrtobool (const char *s, bool *out)
{
  switch (s[0])
    {
    case 'y': case 'Y': case 't': case 'T': case '1':
      *out = true;
      return 0;
    case 'n': case 'N': case 'f': case 'F': case '0':
      *out = false;
      return 0;
    case 'o': case 'O':
      if (s[1] == 'n' || s[1] == 'N')
        {
          *out = true;
          return 0;
        }
      if (s[1] == 'f' || s[1] == 'F')
        {
          *out = false;
          return 0;
        }
      return -EINVAL;
    default:
      return -EINVAL;
    }
}

/* Normalizes one scalar value of @type the way param_get_* prints it. */
static int
fk_param_format_one (const char *type, const char *val, char *out,
                     size_t size)
{
  static const struct
  {
    const char *type;
    bool is_signed;
    long long min;
    unsigned long long max;
  } ints[] = {
    { "byte", false, 0, UCHAR_MAX },
    { "short", true, SHRT_MIN, SHRT_MAX },
    { "ushort", false, 0, USHRT_MAX },
    { "int", true, INT_MIN, INT_MAX },
    { "uint", false, 0, UINT_MAX },
    { "hexint", false, 0, UINT_MAX },
    { "long", true, LONG_MIN, LONG_MAX },
    { "ulong", false, 0, ULONG_MAX },
    { "ullong", false, 0, ULLONG_MAX },
  };
  size_t i;

  if (strcmp (type, "bool") == 0 || strcmp (type, "invbool") == 0)
    {
      bool b;

      if (fk_kstrtobool (val != NULL ? val : "1", &b) < 0)
        return -EINVAL;
      /* invbool stores the inverse and prints it inverted again */
      snprintf (out, size, "%c", b ? 'Y' : 'N');
      return 0;
    }

  if (val == NULL)
    return -EINVAL;  /* only bools may omit the value */

  for (i = 0; i < sizeof ints / sizeof ints[0]; i++)
    {
      if (strcmp (type, ints[i].type) != 0)
        continue;
      if (ints[i].is_signed)
        {
          long long v;
          int r = fk_kstrtoll (val, &v);

          if (r < 0)
            return r;
          if (v < ints[i].min || v > (long long) ints[i].max)
            return -ERANGE;
          snprintf (out, size, "%lld", v);
        }
      else
        {
          unsigned long long v;
          int r = fk_kstrtoull (val, &v);

          if (r < 0)
            return r;
          if (v > ints[i].max)
            return -ERANGE;
          if (strcmp (type, "hexint") == 0)
            snprintf (out, size, "%#08x", (unsigned int) v);
          else
            snprintf (out, size, "%llu", v);
        }
      return 0;
    }

  if (strcmp (type, "charp") == 0 && strlen (val) > FK_CHARP_MAX)
    return -ENOSPC;
  /* charp, string and anything we do not know: shown as given */
  if (strlen (val) >= size)
    return -ENOSPC;
  snprintf (out, size, "%s", val);
  return 0;
}

static int
fk_param_format (const char *type, const char *val, char **out)
{
  static const char array_prefix[] = "array of ";
  char buf[4096];
  int r;

  if (strncmp (type, array_prefix, strlen (array_prefix)) == 0)
    {
      const char *elem = type + strlen (array_prefix);
      const char *p = val;
      size_t used = 0;

      if (val == NULL)
        return -EINVAL;
      buf[0] = '\0';
      for (;;)
        {
          const char *comma = strchr (p, ',');
          size_t len = comma ? (size_t) (comma - p) : strlen (p);
          char one[1024], fmt[1024];

          if (len >= sizeof one)
            return -ENOSPC;
          memcpy (one, p, len);
          one[len] = '\0';
          r = fk_param_format_one (elem, one, fmt, sizeof fmt);
          if (r < 0)
            return r;
          if (used + strlen (fmt) + 2 >= sizeof buf)
            return -ENOSPC;
          used += (size_t) snprintf (buf + used, sizeof buf - used, "%s%s",
                                     used ? "," : "", fmt);
          if (comma == NULL)
            break;
          p = comma + 1;
        }
    }
  else
    {
      r = fk_param_format_one (type, val, buf, sizeof buf);
      if (r < 0)
        return r;
    }
  *out = strdup (buf);
  return *out ? 0 : -ENOMEM;
}

/* next_arg() of kernel/params.c: splits "key=value" words separated by
 * white space, honouring double quotes around the word or the value. */
static char *
fk_next_arg (char *args, char **param, char **val)
{
  size_t i, equals = 0;
  bool in_quote = false, quoted = false;

  if (*args == '"')
    {
      args++;
      in_quote = quoted = true;
    }
  for (i = 0; args[i] != '\0'; i++)
    {
      if (isspace ((unsigned char) args[i]) && !in_quote)
        break;
      if (equals == 0 && args[i] == '=')
        equals = i;
      if (args[i] == '"')
        in_quote = !in_quote;
    }

  *param = args;
  *val = NULL;
  if (equals != 0)
    {
      args[equals] = '\0';
      *val = args + equals + 1;
      if (**val == '"')
        {
          (*val)++;
          if (i > 0 && args[i - 1] == '"')
            args[i - 1] = '\0';
        }
    }
  if (quoted && i > 0 && args[i - 1] == '"')
    args[i - 1] = '\0';

  if (args[i] != '\0')
    {
      args[i] = '\0';
      args += i + 1;
    }
  else
    args += i;

  while (isspace ((unsigned char) *args))
    args++;
  return args;
}

/* Looks up @key among the module's parmtype= declarations; copies its
 * canonical name and type. */
static bool
fk_find_param (const FkElfModule *mod, const char *key, char *name,
               size_t name_size, char *type, size_t type_size)
{
  size_t cursor = 0;
  const char *decl;

  while ((decl = fk_elf_modinfo_next (mod, "parmtype", &cursor)) != NULL)
    {
      const char *colon = strchr (decl, ':');

      if (colon == NULL)
        continue;
      if (fk_param_eq (decl, (size_t) (colon - decl), key))
        {
          snprintf (name, name_size, "%.*s", (int) (colon - decl), decl);
          snprintf (type, type_size, "%s", colon + 1);
          return true;
        }
    }
  /* a parm= description without parmtype: accept any string */
  cursor = 0;
  while ((decl = fk_elf_modinfo_next (mod, "parm", &cursor)) != NULL)
    {
      const char *colon = strchr (decl, ':');
      size_t len = colon ? (size_t) (colon - decl) : strlen (decl);

      if (fk_param_eq (decl, len, key))
        {
          snprintf (name, name_size, "%.*s", (int) len, decl);
          snprintf (type, type_size, "charp");
          return true;
        }
    }
  return false;
}

static bool
fk_module_declares_params (const FkElfModule *mod)
{
  return fk_elf_modinfo_get (mod, "parmtype") != NULL
         || fk_elf_modinfo_get (mod, "parm") != NULL;
}

static int
fk_parse_params (const FkElfModule *mod, const char *args, FkParams *out)
{
  char *copy, *p;
  int r = 0;

  out->n = 0;
  copy = strdup (args);
  if (copy == NULL)
    return -ENOMEM;
  p = copy;
  while (isspace ((unsigned char) *p))
    p++;
  while (*p != '\0')
    {
      char *key, *val, name[64], type[64];
      char *formatted = NULL;
      size_t i;

      p = fk_next_arg (p, &key, &val);
      if (strcmp (key, "--") == 0)
        break;
      if (!fk_find_param (mod, key, name, sizeof name, type, sizeof type))
        {
          fk_debug ("%s: unknown parameter '%s' ignored", mod->name, key);
          continue;
        }
      r = fk_param_format (type, val, &formatted);
      if (r < 0)
        {
          fk_debug ("%s: '%s' invalid for parameter '%s'", mod->name,
                    val ? val : "", key);
          break;
        }
      for (i = 0; i < out->n; i++)
        if (strcmp (out->items[i].key, name) == 0)
          break;
      if (i == out->n)
        {
          if (out->n == FK_MAX_PARAMS)
            {
              free (formatted);
              r = -E2BIG;
              break;
            }
          out->n++;
          snprintf (out->items[i].key, sizeof out->items[i].key, "%s", name);
        }
      else
        free (out->items[i].value);
      out->items[i].value = formatted;
    }
  free (copy);
  if (r < 0)
    fk_params_clear (out);
  return r;
}

/* ----------------------------------------------------------------- */
/* load                                                               */

static bool
fk_license_is_gpl_compatible (const char *license)
{
  static const char *const ok[] = {
    "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL",
    "Dual MIT/GPL", "Dual MPL/GPL",
  };
  size_t i;

  for (i = 0; i < sizeof ok / sizeof ok[0]; i++)
    if (strcmp (license, ok[i]) == 0)
      return true;
  return false;
}

static void
fk_taint_string (unsigned int taints, char *buf, size_t size)
{
  snprintf (buf, size, "%s%s%s%s%s",
            taints & FK_TAINT_PROPRIETARY ? "P" : "",
            taints & FK_TAINT_FORCED ? "F" : "",
            taints & FK_TAINT_CRAP ? "C" : "",
            taints & FK_TAINT_OOT ? "O" : "",
            taints & FK_TAINT_UNSIGNED ? "E" : "");
}

static int
fk_write_new_file (const char *dir, const char *name, const char *content)
{
  char path[PATH_MAX];
  int fd, r;

  if (snprintf (path, sizeof path, "%s/%s", dir, name) >= (int) sizeof path)
    return -ENAMETOOLONG;
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return -errno;
  r = fk_write_all (fd, content, strlen (content));
  if (close (fd) < 0 && r == 0)
    r = -errno;
  return r;
}

/* Builds the sysfs directory of a coming module in fake/tmp and moves
 * it into place. */
static int
fk_create_module_dir (const char *root, const FkElfModule *mod,
                      unsigned int taints, const FkParams *params)
{
  char tmp[PATH_MAX], sub[PATH_MAX], dest[PATH_MAX], buf[256];
  const char *v;
  size_t i;
  int r;

  r = fk_tmp_path (tmp, root, "mod");
  if (r < 0)
    return r;
  r = fk_path (dest, root, "sys/module/%s", mod->name);
  if (r < 0)
    return r;
  if (mkdir (tmp, 0755) < 0)
    return -errno;

  r = fk_write_new_file (tmp, "initstate", "coming\n");
  if (r == 0)
    r = fk_write_new_file (tmp, "refcnt", "1\n");  /* held during init */
  snprintf (buf, sizeof buf, "%lu\n", mod->core_size);
  if (r == 0)
    r = fk_write_new_file (tmp, "coresize", buf);
  snprintf (buf, sizeof buf, "%lu\n", mod->init_size);
  if (r == 0)
    r = fk_write_new_file (tmp, "initsize", buf);
  fk_taint_string (taints, buf, sizeof buf);
  snprintf (buf + strlen (buf), sizeof buf - strlen (buf), "\n");
  if (r == 0)
    r = fk_write_new_file (tmp, "taint", buf);
  if (r == 0 && (v = fk_elf_modinfo_get (mod, "srcversion")) != NULL)
    {
      snprintf (buf, sizeof buf, "%s\n", v);
      r = fk_write_new_file (tmp, "srcversion", buf);
    }
  if (r == 0 && (v = fk_elf_modinfo_get (mod, "version")) != NULL)
    {
      snprintf (buf, sizeof buf, "%s\n", v);
      r = fk_write_new_file (tmp, "version", buf);
    }
  if (r == 0 && snprintf (sub, sizeof sub, "%s/holders", tmp) >= PATH_MAX)
    r = -ENAMETOOLONG;
  if (r == 0 && mkdir (sub, 0755) < 0)
    r = -errno;
  if (r == 0 && fk_module_declares_params (mod))
    {
      if (snprintf (sub, sizeof sub, "%s/parameters", tmp) >= PATH_MAX)
        r = -ENAMETOOLONG;
      else if (mkdir (sub, 0755) < 0)
        r = -errno;
      for (i = 0; r == 0 && i < params->n; i++)
        {
          char *content;

          if (asprintf (&content, "%s\n", params->items[i].value) < 0)
            {
              r = -ENOMEM;
              break;
            }
          r = fk_write_new_file (sub, params->items[i].key, content);
          free (content);
        }
    }
  if (r == 0 && rename (tmp, dest) < 0)
    r = -errno;
  if (r < 0)
    fk_rm_rf (tmp);
  return r;
}

static int
fk_write_pending (const char *root, const char *name, bool set)
{
  char path[PATH_MAX], buf[32];
  int r = fk_path (path, root, "fake/pending/%s", name);

  if (r < 0)
    return r;
  if (!set)
    return unlink (path) < 0 && errno != ENOENT ? -errno : 0;
  snprintf (buf, sizeof buf, "%d\n", (int) getpid ());
  return fk_write_file_atomic (root, path, buf);
}

/* Visits the modules whose holders/ contains @name (@name's
 * dependencies). */
static void
fk_foreach_dependency (const char *root, const char *name,
                       void (*fn) (const char *root, const char *dep,
                                   const char *holder))
{
  char path[PATH_MAX];
  char **names = NULL;
  size_t n = 0, i;
  struct stat st;

  if (fk_path (path, root, "sys/module") < 0
      || fk_read_dir_names (path, &names, &n) < 0)
    return;
  for (i = 0; i < n; i++)
    {
      if (fk_path (path, root, "sys/module/%s/holders/%s", names[i], name) < 0)
        continue;
      if (lstat (path, &st) == 0)
        fn (root, names[i], name);
    }
  fk_strv_free (names, n);
}

static void
fk_release_dependency (const char *root, const char *dep, const char *holder)
{
  char path[PATH_MAX];
  long refcnt = fk_get_refcnt (root, dep);

  if (fk_path (path, root, "sys/module/%s/holders/%s", dep, holder) == 0)
    unlink (path);
  fk_put_refcnt (root, dep, refcnt > 0 ? refcnt - 1 : 0);
}

/* Removes a module that is (now) going: drops its use of its
 * dependencies, its sysfs dir, and emits "remove".  Lock held. */
static void
fk_teardown (const char *root, const char *name)
{
  char path[PATH_MAX], dead[PATH_MAX];

  fk_foreach_dependency (root, name, fk_release_dependency);
  /* The directory is moved aside and kept, not deleted: sysfs never gives
   * a new load of a module the inode of an old one (kmodd tells loads
   * apart by it), but a disk file system would reuse a freed inode at
   * once. */
  if (fk_path (path, root, "sys/module/%s", name) == 0
      && fk_tmp_path (dead, root, "dead") == 0)
    {
      /* fake/tmp/dead.PID.TID.N -> fake/graveyard/dead.PID.TID.N */
      char grave[PATH_MAX];
      const char *base = strrchr (dead, '/') + 1;

      if (fk_path (grave, root, "fake/graveyard") == 0)
        mkdir (grave, 0755);
      if (fk_path (grave, root, "fake/graveyard/%s", base) < 0
          || rename (path, grave) < 0)
        fk_rm_rf (path);
    }
  fk_order_update (root, NULL, name);
  fk_write_pending (root, name, false);
  fk_regenerate_proc_modules (root);
  fk_emit (root, "remove", name);
}

/* The end of do_init_module(): live, or removed if init "fails".
 * Lock held.  Returns 0 or -errno of the failed init. */
static int
fk_finish_init (const char *root, const char *name)
{
  int e;

  if (fk_get_state (root, name) != FK_MOD_COMING)
    return 0;
  e = fk_fail_init_errno (root, name);
  if (e != 0)
    {
      fk_debug ("%s: init fails with %s", name, strerror (e));
      fk_set_state (root, name, FK_MOD_GOING);
      fk_teardown (root, name);
      return -e;
    }
  fk_set_state (root, name, FK_MOD_LIVE);
  fk_put_refcnt (root, name, fk_get_refcnt (root, name) - 1);
  fk_write_mod_attr (root, name, "initsize", "0\n");
  fk_write_pending (root, name, false);
  fk_regenerate_proc_modules (root);
  return 0;
}

void
fk_reap_pending (const char *root)
{
  char path[PATH_MAX];
  char **names = NULL;
  size_t n = 0, i;

  if (fk_path (path, root, "fake/pending") < 0)
    return;
  if (fk_read_dir_names (path, &names, &n) < 0)
    {
      fk_strv_free (names, n);
      return;
    }
  for (i = 0; i < n; i++)
    {
      long pid = 0;
      int st;

      if (fk_path (path, root, "fake/pending/%s", names[i]) < 0
          || fk_read_long (path, &pid) < 0 || pid <= 0)
        continue;
      if (pid == getpid () || kill ((pid_t) pid, 0) == 0 || errno != ESRCH)
        continue;
      st = fk_get_state (root, names[i]);
      fk_debug ("%s: process %ld died during %s, finishing it", names[i], pid,
                st == FK_MOD_GOING ? "exit" : "init");
      if (st == FK_MOD_COMING)
        fk_finish_init (root, names[i]);
      else if (st == FK_MOD_GOING)
        fk_teardown (root, names[i]);
      else
        unlink (path);
    }
  fk_strv_free (names, n);
}

/* Drops the lock, sleeps a poll interval and takes it again. */
static int
fk_relock (const char *root, int *lock_fd)
{
  fk_unlock (*lock_fd);
  fk_sleep_ms (FK_POLL_MS);
  *lock_fd = fk_lock (root);
  if (*lock_fd < 0)
    return *lock_fd;
  fk_reap_pending (root);
  return 0;
}

static int
fk_check_signature_and_magic (const char *root, const FkElfModule *mod,
                              int flags, unsigned int *taints)
{
  char release[128];
  const char *vermagic;
  bool sig_ok = false;

  /* module_sig_check(): the signature is only looked at without flags */
  if (flags == 0 && mod->has_signature)
    {
      if (fk_signature_rejected (root, mod->name))
        return -EKEYREJECTED;
      sig_ok = true;
    }
  if (!sig_ok)
    {
      if (fk_sig_enforced (root))
        return -EKEYREJECTED;
      if (fk_locked_down (root))
        return -EPERM;
      *taints |= FK_TAINT_UNSIGNED;
    }

  /* check_modinfo(): vermagic */
  vermagic = fk_elf_modinfo_get (mod, "vermagic");
  if ((flags & FK_MODULE_INIT_IGNORE_VERMAGIC) || vermagic == NULL)
    *taints |= FK_TAINT_FORCED;  /* try_to_force_load() */
  else if (fk_read_release (root, release, sizeof release) == 0)
    {
      size_t len = strlen (release);

      if (strncmp (vermagic, release, len) != 0
          || (vermagic[len] != ' ' && vermagic[len] != '\0'))
        return -ENOEXEC;
    }
  if (flags & FK_MODULE_INIT_IGNORE_MODVERSIONS)
    *taints |= FK_TAINT_FORCED;
  return 0;
}

static unsigned int
fk_modinfo_taints (const FkElfModule *mod)
{
  const char *v;
  unsigned int taints = 0;

  v = fk_elf_modinfo_get (mod, "intree");
  if (v == NULL || strcmp (v, "Y") != 0)
    taints |= FK_TAINT_OOT;
  v = fk_elf_modinfo_get (mod, "staging");
  if (v != NULL && strcmp (v, "Y") == 0)
    taints |= FK_TAINT_CRAP;
  v = fk_elf_modinfo_get (mod, "license");
  if (v == NULL || !fk_license_is_gpl_compatible (v))
    taints |= FK_TAINT_PROPRIETARY;
  return taints;
}

/* modinfo's depends= may spell names with '-' (snd-timer); the kernel's
 * names, and so sysfs, always have '_'. */
static void
fk_normalize_name (char *name)
{
  for (; *name != '\0'; name++)
    if (*name == '-')
      *name = '_';
}

/* Checks the dependencies with the lock held; 1 means "wait and retry". */
static int
fk_check_dependencies (const char *root, const FkElfModule *mod)
{
  const char *deps = fk_elf_modinfo_get (mod, "depends");
  char buf[4096], *dep, *save = NULL;

  if (deps == NULL || deps[0] == '\0')
    return 0;
  snprintf (buf, sizeof buf, "%s", deps);
  for (dep = strtok_r (buf, ",", &save); dep != NULL;
       dep = strtok_r (NULL, ",", &save))
    {
      int st;

      fk_normalize_name (dep);
      st = fk_get_state (root, dep);

      if (st == FK_BUILTIN)
        continue;  /* resolved against vmlinux */
      if (st == FK_MOD_COMING)
        return 1;
      if (st != FK_MOD_LIVE)
        {
          fk_debug ("%s: Unknown symbol (needs %s)", mod->name, dep);
          return -ENOENT;
        }
    }
  return 0;
}

static void
fk_take_dependencies (const char *root, const FkElfModule *mod)
{
  const char *deps = fk_elf_modinfo_get (mod, "depends");
  char buf[4096], *dep, *save = NULL;

  if (deps == NULL)
    return;
  snprintf (buf, sizeof buf, "%s", deps);
  for (dep = strtok_r (buf, ",", &save); dep != NULL;
       dep = strtok_r (NULL, ",", &save))
    {
      char path[PATH_MAX], target[PATH_MAX];

      fk_normalize_name (dep);
      if (fk_get_state (root, dep) == FK_BUILTIN)
        continue;
      fk_put_refcnt (root, dep, fk_get_refcnt (root, dep) + 1);
      snprintf (target, sizeof target, "../../%s", mod->name);
      if (fk_path (path, root, "sys/module/%s/holders/%s", dep, mod->name) == 0
          && symlink (target, path) < 0)
        fk_debug ("%s: cannot link holder: %s", dep, strerror (errno));
    }
}

static int
fk_kernel_load (const char *root, const void *image, size_t len,
                const char *args, int flags)
{
  FkElfModule mod;
  FkParams params = { .n = 0 };
  unsigned int taints;
  struct timespec start, now;
  long delay = 0;
  int lock_fd, r;

  if (!fk_has_cap_sys_module () || fk_modules_disabled (root))
    return -EPERM;
  if (args == NULL)
    return -EFAULT;

  r = fk_elf_parse_module (image, len, &mod);
  if (r < 0)
    {
      fk_debug ("init_module: not a kernel module (%zu bytes)", len);
      return r;
    }
  taints = fk_modinfo_taints (&mod);
  r = fk_check_signature_and_magic (root, &mod, flags, &taints);
  if (r < 0)
    {
      fk_debug ("%s: rejected: %s", mod.name, strerror (-r));
      return r;
    }

  lock_fd = fk_lock (root);
  if (lock_fd < 0)
    return lock_fd;
  fk_reap_pending (root);

  clock_gettime (CLOCK_MONOTONIC, &start);
  for (;;)
    {
      long waited;
      int st = fk_get_state (root, mod.name);

      if (st < 0 && fk_inserted_first (root, mod.name))
        {
          FkParams none = { .n = 0 };

          fk_debug ("%s: someone else loads it first", mod.name);
          r = fk_create_module_dir (root, &mod, taints, &none);
          if (r < 0)
            goto out;
          fk_take_dependencies (root, &mod);
          fk_order_update (root, mod.name, NULL);
          fk_write_pending (root, mod.name, true);
          fk_regenerate_proc_modules (root);
          fk_emit (root, "add", mod.name);
          fk_finish_init (root, mod.name);
          continue;
        }

      /* add_unformed_module(): wait for a coming namesake */
      if (st == FK_MOD_COMING)
        {
          r = fk_relock (root, &lock_fd);
          if (r < 0)
            return r;
          continue;
        }
      if (st == FK_BUILTIN)
        {
          r = -EINVAL;  /* mod_sysfs_init(): "module is already loaded" */
          goto out;
        }
      if (st >= 0)
        {
          r = -EEXIST;
          goto out;
        }

      /* resolve_symbol_wait(): wait for coming dependencies */
      r = fk_check_dependencies (root, &mod);
      if (r <= 0)
        break;
      clock_gettime (CLOCK_MONOTONIC, &now);
      waited = (now.tv_sec - start.tv_sec) * 1000
               + (now.tv_nsec - start.tv_nsec) / 1000000;
      if (waited > FK_DEP_WAIT_MS)
        {
          r = -EBUSY;
          goto out;
        }
      r = fk_relock (root, &lock_fd);
      if (r < 0)
        return r;
    }
  if (r < 0)
    goto out;

  r = fk_parse_params (&mod, args, &params);
  if (r < 0)
    goto out;

  r = fk_create_module_dir (root, &mod, taints, &params);
  fk_params_clear (&params);
  if (r < 0)
    goto out;
  fk_take_dependencies (root, &mod);
  fk_order_update (root, mod.name, NULL);
  fk_write_pending (root, mod.name, true);
  fk_regenerate_proc_modules (root);
  /* mod_sysfs_setup() announces the module before its init runs */
  fk_emit (root, "add", mod.name);
  fk_debug ("%s: coming", mod.name);

  fk_read_knob_long (root, "init-delay-ms", &delay);
  if (delay > 0)
    {
      fk_unlock (lock_fd);
      fk_sleep_ms (delay);
      lock_fd = fk_lock (root);
      if (lock_fd < 0)
        return lock_fd;
    }
  r = fk_finish_init (root, mod.name);
  fk_debug ("%s: %s", mod.name, r == 0 ? "live" : "init failed");

out:
  fk_unlock (lock_fd);
  return r;
}

int
fk_kernel_init_module (const char *root, const void *image, size_t len,
                       const char *args)
{
  if (image == NULL)
    return -EFAULT;
  return fk_kernel_load (root, image, len, args, 0);
}

int
fk_kernel_finit_module (const char *root, int fd, const char *args, int flags)
{
  struct stat st;
  void *image;
  int r, fl;

  if (!fk_has_cap_sys_module () || fk_modules_disabled (root))
    return -EPERM;
  if (flags & ~(FK_MODULE_INIT_IGNORE_MODVERSIONS
                | FK_MODULE_INIT_IGNORE_VERMAGIC))
    return -EINVAL;
  fl = fcntl (fd, F_GETFL);
  if (fl < 0 || (fl & O_ACCMODE) == O_WRONLY || (fl & O_PATH))
    return -EBADF;
  if (fstat (fd, &st) < 0)
    return -errno;
  if (!S_ISREG (st.st_mode) || st.st_size <= 0)
    return -EINVAL;

  image = mmap (NULL, (size_t) st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (image == MAP_FAILED)
    return -errno;
  r = fk_kernel_load (root, image, (size_t) st.st_size, args, flags);
  munmap (image, (size_t) st.st_size);
  return r;
}

/* ----------------------------------------------------------------- */
/* delete                                                             */

int
fk_kernel_delete_module (const char *root, const char *name,
                         unsigned int flags)
{
  char path[PATH_MAX];
  long delay = 0;
  int lock_fd, st, r = 0;

  if (!fk_has_cap_sys_module () || fk_modules_disabled (root))
    return -EPERM;
  if (name == NULL)
    return -EFAULT;
  if (!fk_name_is_valid (name))
    return -ENOENT;

  lock_fd = fk_lock (root);
  if (lock_fd < 0)
    return lock_fd;
  fk_reap_pending (root);

  st = fk_get_state (root, name);
  if (st < 0)  /* not loaded, or builtin: find_module() fails */
    {
      r = -ENOENT;
      goto out;
    }
  r = fk_path (path, root, "sys/module/%s/holders", name);
  if (r < 0)
    goto out;
  if (fk_count_dir (path) > 0)
    {
      r = -EWOULDBLOCK;  /* other modules depend on us */
      goto out;
    }
  if (st != FK_MOD_LIVE)
    {
      r = -EBUSY;
      goto out;
    }
  if (fk_get_refcnt (root, name) > 0 && !(flags & O_TRUNC))
    {
      r = -EWOULDBLOCK;
      goto out;
    }

  fk_set_state (root, name, FK_MOD_GOING);
  fk_read_knob_long (root, "exit-delay-ms", &delay);
  if (delay > 0)
    {
      fk_write_pending (root, name, true);
      fk_regenerate_proc_modules (root);
      fk_unlock (lock_fd);
      fk_sleep_ms (delay);
      lock_fd = fk_lock (root);
      if (lock_fd < 0)
        return lock_fd;
      if (fk_get_state (root, name) != FK_MOD_GOING)
        goto out;  /* finished by someone else */
    }
  fk_teardown (root, name);
  fk_debug ("%s: removed", name);

out:
  fk_unlock (lock_fd);
  return r;
}

/* ----------------------------------------------------------------- */
/* control                                                            */

int
fk_set_refcnt (const char *root, const char *name, long refcnt)
{
  int lock_fd, st, r;

  if (refcnt < 0)
    return -EINVAL;
  lock_fd = fk_lock (root);
  if (lock_fd < 0)
    return lock_fd;
  fk_reap_pending (root);
  st = fk_get_state (root, name);
  if (st < 0)
    r = -ENOENT;
  else
    {
      r = fk_put_refcnt (root, name, refcnt);
      if (r == 0)
        r = fk_regenerate_proc_modules (root);
    }
  fk_unlock (lock_fd);
  return r;
}
