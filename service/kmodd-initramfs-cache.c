/* kmodd-initramfs-cache.c: the modules of the running kernel's initramfs,
 * read once per version of the file.
 *
 * The read (100-300 ms for a real 60 MB image) runs in a GTask thread, so
 * that the main loop goes on; every caller that asks while it runs waits
 * for the same read. The result, a set or the reason the contents are
 * unknown, is kept until the file's device, inode, size or mtime change;
 * a read that was cancelled, or saw the file change under it, is not
 * kept.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmodd-initramfs.h"

/* ---- the cache ---------------------------------------------------------------------- */

typedef struct {
  dev_t  dev;
  ino_t  ino;
  off_t  size;
  time_t mtime;
  long   mtime_nsec;
} Key;

static void
key_init (Key               *key,
          const struct stat *st)
{
  key->dev = st->st_dev;
  key->ino = st->st_ino;
  key->size = st->st_size;
  key->mtime = st->st_mtim.tv_sec;
  key->mtime_nsec = st->st_mtim.tv_nsec;
}

static gboolean
key_equal (const Key *a,
           const Key *b)
{
  return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
         a->mtime == b->mtime && a->mtime_nsec == b->mtime_nsec;
}

typedef struct {
  KmoddInitramfsCache *cache;
  char                *path;
  char                *release;
  Key                  key;        /* what stat() said when the read was asked for */
  GPtrArray           *waiters;    /* GTask */
  gint64               started;
  /* written by the thread, read on the main thread once it is done */
  Key                  read_key;   /* the file read (fstat() before and after) */
  gboolean             definitive; /* the file's contents decided the result */
} Read;

struct _KmoddInitramfsCache {
  char         *release;
  char         *path;      /* the image cached; NULL: none */
  Key           key;
  GHashTable   *modules;   /* NULL: unknown, for failure */
  GError       *failure;
  GPtrArray    *reads;     /* Read, in flight */
  GCancellable *cancellable;
  gboolean      shut_down;
};

static void
read_free (Read *read)
{
  g_free (read->path);
  g_free (read->release);
  g_ptr_array_unref (read->waiters);
  g_free (read);
}

/* An error about what the file holds, not about reading it. */
static gboolean
is_about_contents (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
}

static void
read_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Read *read = task_data;
  GError *error = NULL;
  GHashTable *modules = NULL;
  struct stat before, after;
  Key after_key;
  gboolean same;
  int fd = open (read->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

  if (fd < 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               "cannot open it: %s", g_strerror (saved));
      return;
    }
  if (fstat (fd, &before) < 0 || !S_ISREG (before.st_mode))
    {
      close (fd);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                               "not a regular file");
      return;
    }
  key_init (&read->read_key, &before);
  if ((guint64) before.st_size > KMODD_INITRAMFS_MAX_BYTES)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                 "larger than %" G_GUINT64_FORMAT " bytes", KMODD_INITRAMFS_MAX_BYTES);
  else
    modules = kmodd_initramfs_read_fd (fd, read->release, cancellable, &error);

  same = fstat (fd, &after) == 0;
  if (same)
    {
      key_init (&after_key, &after);
      same = key_equal (&after_key, &read->read_key);
    }
  if (!same)
    {
      g_clear_pointer (&modules, g_hash_table_unref);
      g_clear_error (&error);
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_BUSY, "it changed while being read");
    }
  else
    read->definitive = modules != NULL || is_about_contents (error);
  close (fd);

  if (modules != NULL)
    g_task_return_pointer (task, modules, (GDestroyNotify) g_hash_table_unref);
  else
    g_task_return_error (task, error);
}

static void
return_result (GTask        *waiter,
               GHashTable   *modules,
               const GError *error)
{
  if (modules != NULL)
    g_task_return_pointer (waiter, g_hash_table_ref (modules),
                           (GDestroyNotify) g_hash_table_unref);
  else
    g_task_return_error (waiter, g_error_copy (error));
}

static void
on_read_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Read *read = user_data;
  KmoddInitramfsCache *cache = read->cache;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) modules = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&read->waiters);
  guint i;

  read->waiters = g_ptr_array_new ();
  if (read->definitive)
    {
      g_free (cache->path);
      cache->path = g_strdup (read->path);
      cache->key = read->read_key;
      g_clear_pointer (&cache->modules, g_hash_table_unref);
      g_clear_error (&cache->failure);
      if (modules != NULL)
        cache->modules = g_hash_table_ref (modules);
      else
        cache->failure = g_error_copy (error);
    }
  if (modules != NULL)
    g_debug ("%s holds %u modules (read in %" G_GINT64_FORMAT " ms)", read->path,
             g_hash_table_size (modules), (g_get_monotonic_time () - read->started) / 1000);
  else
    g_debug ("What %s holds is unknown: %s", read->path, error->message);
  g_ptr_array_remove_fast (cache->reads, read);

  /* a caller's callback may be the last thing holding the cache's owner:
   * nothing of the cache is touched from here on */
  for (i = 0; i < waiters->len; i++)
    {
      GTask *waiter = g_ptr_array_index (waiters, i);

      return_result (waiter, modules, error);
      g_object_unref (waiter);
    }
}

KmoddInitramfsCache *
kmodd_initramfs_cache_new (const char *release)
{
  KmoddInitramfsCache *cache = g_new0 (KmoddInitramfsCache, 1);

  cache->release = g_strdup (release);
  cache->reads = g_ptr_array_new_with_free_func ((GDestroyNotify) read_free);
  cache->cancellable = g_cancellable_new ();
  return cache;
}

void
kmodd_initramfs_cache_get_async (KmoddInitramfsCache *cache,
                                 const char          *path,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  g_autoptr(GTask) thread_task = NULL;
  struct stat st;
  Read *read;
  Key key;
  guint i;

  g_task_set_source_tag (task, kmodd_initramfs_cache_get_async);
  if (cache->shut_down)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "kmodd is stopping");
      g_object_unref (task);
      return;
    }
  if (stat (path, &st) < 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               "%s", g_strerror (saved));
      g_object_unref (task);
      return;
    }
  key_init (&key, &st);

  if (cache->path != NULL && g_str_equal (cache->path, path) && key_equal (&cache->key, &key))
    {
      return_result (task, cache->modules, cache->failure);
      g_object_unref (task);
      return;
    }

  for (i = 0; i < cache->reads->len; i++)
    {
      read = g_ptr_array_index (cache->reads, i);
      if (g_str_equal (read->path, path) && key_equal (&read->key, &key))
        {
          g_ptr_array_add (read->waiters, task);
          return;
        }
    }

  read = g_new0 (Read, 1);
  read->cache = cache;
  read->path = g_strdup (path);
  read->release = g_strdup (cache->release);
  read->key = key;
  read->waiters = g_ptr_array_new ();
  read->started = g_get_monotonic_time ();
  g_ptr_array_add (read->waiters, task);
  g_ptr_array_add (cache->reads, read);
  g_debug ("Reading %s", path);

  thread_task = g_task_new (NULL, cache->cancellable, on_read_done, read);
  g_task_set_source_tag (thread_task, read_thread);
  g_task_set_task_data (thread_task, read, NULL);
  g_task_run_in_thread (thread_task, read_thread);
}

GHashTable *
kmodd_initramfs_cache_get_finish (KmoddInitramfsCache *cache,
                                  GAsyncResult        *result,
                                  GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
kmodd_initramfs_cache_shutdown (KmoddInitramfsCache *cache)
{
  cache->shut_down = TRUE;
  g_cancellable_cancel (cache->cancellable);
  while (cache->reads->len > 0)
    g_main_context_iteration (NULL, TRUE);
}

void
kmodd_initramfs_cache_free (KmoddInitramfsCache *cache)
{
  if (cache == NULL)
    return;
  kmodd_initramfs_cache_shutdown (cache);
  g_ptr_array_unref (cache->reads);
  g_object_unref (cache->cancellable);
  g_clear_pointer (&cache->modules, g_hash_table_unref);
  g_clear_error (&cache->failure);
  g_free (cache->path);
  g_free (cache->release);
  g_free (cache);
}
