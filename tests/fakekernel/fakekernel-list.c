/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekernel-list.c: the fake kernel's load order, the listing of its
 * modules, /proc/modules, and the uevents it sends.
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
/* load order                                                         */

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
int
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

void
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
  const char * const *sa = a, * const *sb = b;
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

int
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
    {
      fk_strv_free (names, n_names);  /* the names read before the failure */
      return r;
    }
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

uint64_t
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

void
fk_emit (const char *root, const char *action, const char *name)
{
  uint64_t seq = fk_next_seqnum (root);
  int r = fk_uevent_send_module (action, name, seq);

  fk_debug ("uevent %s /module/%s seqnum %" PRIu64 ": %s", action, name, seq,
            r < 0 ? strerror (-r) : "sent");
}
