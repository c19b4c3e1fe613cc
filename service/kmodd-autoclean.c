/* kmodd-autoclean.c: records of what kmodd inserted, and kerneld's AUTOCLEAN
 * policy on top of them.
 *
 * kerneld asked the kernel every minute to remove the unused modules marked
 * AUTOCLEAN; the kernel looked at marked, running modules only, removed
 * those whose VISITED flag was clear and cleared the flag of the others, so
 * that every module got one interval of grace after its last use. Today's
 * kernels have neither flag, so kmodd keeps them here:
 *
 *  - the visited bit is set when a request inserts the module (the requester
 *    gets at least one full interval to use it) and whenever a sample or a
 *    pass sees it in use (use count above zero, holders, or a device bound
 *    to one of its drivers: a bound driver holds no use count, yet
 *    removing the module would take the device's driver away);
 *  - a pass removes the marked, live, unused modules whose bit is clear and
 *    clears the bit of the others; "all" ignores the bits (rmmod --all);
 *  - removing a module can leave the marked modules it depended on unused:
 *    the same pass removes those too, whatever their bit says, because the
 *    use that set it was the module just removed (kerneld's cascade);
 *  - modules in use, held or serving a device are never removed, unmarked
 *    modules never touched;
 *  - a record belongs to one load of a module: when the module was removed
 *    and loaded again by someone else, the record (and its mark) goes;
 *  - a module that can never be removed (no exit function) loses its mark.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "kmodd-autoclean.h"

struct _KmoddAutoclean {
  GMutex      lock;
  GHashTable *records;    /* name -> KmoddRecord */
  guint64     generation; /* changes with every change of a record */
};

void
kmodd_record_free (KmoddRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->name);
  g_free (record->parameters);
  g_free (record);
}

static KmoddRecord *
record_copy (const KmoddRecord *record)
{
  KmoddRecord *copy = g_memdup2 (record, sizeof *record);

  copy->name = g_strdup (record->name);
  copy->parameters = g_strdup (record->parameters);
  return copy;
}

KmoddAutoclean *
kmodd_autoclean_new (void)
{
  KmoddAutoclean *ac = g_new0 (KmoddAutoclean, 1);

  g_mutex_init (&ac->lock);
  ac->records = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) kmodd_record_free);
  return ac;
}

void
kmodd_autoclean_free (KmoddAutoclean *ac)
{
  if (ac == NULL)
    return;
  g_hash_table_unref (ac->records);
  g_mutex_clear (&ac->lock);
  g_free (ac);
}

static void
insert_locked (KmoddAutoclean    *ac,
               const KmoddRecord *record)
{
  KmoddRecord *copy = record_copy (record);

  g_hash_table_replace (ac->records, copy->name, copy);
  copy->stamp = ++ac->generation;
}

void
kmodd_autoclean_record (KmoddAutoclean *ac,
                        const char     *name,
                        guint32         uid,
                        gint64          loaded_at,
                        guint64         instance,
                        gboolean        autoclean)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&ac->lock);
  KmoddRecord record = {
    .name = (char *) name,
    .uid = uid,
    .loaded_at = loaded_at,
    .instance = instance,
    .autoclean = autoclean,
    .visited = autoclean,
  };

  insert_locked (ac, &record);
}

void
kmodd_autoclean_restore (KmoddAutoclean    *ac,
                         const KmoddRecord *record)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&ac->lock);

  insert_locked (ac, record);
}

/* The parameters the load of @name that has a record was given (Reload
 * gives them again); NULL: none. */
void
kmodd_autoclean_set_parameters (KmoddAutoclean *ac,
                                const char     *name,
                                const char     *parameters)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&ac->lock);
  KmoddRecord *record = g_hash_table_lookup (ac->records, name);

  if (record == NULL)
    return;
  g_free (record->parameters);
  record->parameters = g_strdup (parameters);
  record->stamp = ++ac->generation;
}

gboolean
kmodd_autoclean_forget (KmoddAutoclean *ac,
                        const char     *name)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&ac->lock);

  if (!g_hash_table_remove (ac->records, name))
    return FALSE;
  ac->generation++;
  return TRUE;
}

/* Drops the record of @name unless it is about load @instance of it (0:
 * the module is not loaded). Returns whether a record went. */
gboolean
kmodd_autoclean_forget_other_instance (KmoddAutoclean *ac,
                                       const char     *name,
                                       guint64         instance)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&ac->lock);
  KmoddRecord *record = g_hash_table_lookup (ac->records, name);

  if (record == NULL)
    return FALSE;
  if (instance != 0 && (record->instance == 0 || record->instance == instance))
    {
      /* the same load; a record from before instances were saved is
       * adopted by the load it finds */
      if (record->instance != instance)
        {
          record->instance = instance;
          ac->generation++;
        }
      return FALSE;
    }
  g_debug ("Forgetting %s: %s", name,
           instance == 0 ? "it is no longer loaded" : "it was loaded again by someone else");
  g_hash_table_remove (ac->records, name);
  ac->generation++;
  return TRUE;
}

KmoddRecord *
kmodd_autoclean_lookup (KmoddAutoclean *ac,
                        const char     *name)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&ac->lock);
  KmoddRecord *record = g_hash_table_lookup (ac->records, name);

  return record ? record_copy (record) : NULL;
}

static gint
compare_records (gconstpointer a,
                 gconstpointer b)
{
  const KmoddRecord *ra = *(const KmoddRecord **) a;
  const KmoddRecord *rb = *(const KmoddRecord **) b;

  if (ra->loaded_at != rb->loaded_at)
    return ra->loaded_at < rb->loaded_at ? -1 : 1;
  return g_strcmp0 (ra->name, rb->name);
}

GPtrArray *
kmodd_autoclean_snapshot (KmoddAutoclean *ac)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&ac->lock);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) kmodd_record_free);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, ac->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (out, record_copy (value));
  g_ptr_array_sort (out, compare_records);
  return out;
}

guint64
kmodd_autoclean_get_generation (KmoddAutoclean *ac)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&ac->lock);

  return ac->generation;
}

guint
kmodd_autoclean_count_marks (KmoddAutoclean *ac)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&ac->lock);
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, ac->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += ((KmoddRecord *) value)->autoclean ? 1 : 0;
  return n;
}

/* Drops the records of modules not in @loaded, a view of the kernel taken
 * when the generation was @seen_generation: a record made after that (a
 * load that ended meanwhile on the worker) is not in the view and stays. */
gboolean
kmodd_autoclean_retain (KmoddAutoclean *ac,
                        GHashTable     *loaded,
                        guint64         seen_generation)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&ac->lock);
  GHashTableIter iter;
  gpointer key;
  gpointer value;
  gboolean changed = FALSE;

  g_hash_table_iter_init (&iter, ac->records);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      if (((KmoddRecord *) value)->stamp > seen_generation)
        continue;
      if (!g_hash_table_contains (loaded, key))
        {
          g_debug ("Forgetting %s: it is no longer loaded", (const char *) key);
          g_hash_table_iter_remove (&iter);
          ac->generation++;
          changed = TRUE;
        }
    }
  return changed;
}

static GStrv
marked_names_locked (KmoddAutoclean *ac)
{
  g_autoptr(GPtrArray) all = NULL;
  GPtrArray *names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;
  guint i;

  all = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, ac->records);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      if (((KmoddRecord *) value)->autoclean)
        g_ptr_array_add (all, value);
    }
  g_ptr_array_sort (all, compare_records);
  for (i = 0; i < all->len; i++)
    g_ptr_array_add (names, g_strdup (((KmoddRecord *) g_ptr_array_index (all, i))->name));
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (names, FALSE);
}

static GStrv
marked_names (KmoddAutoclean *ac)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&ac->lock);

  return marked_names_locked (ac);
}

/* Sets @visited (TRUE) or clears it; returns whether the record changed. */
static gboolean
set_visited (KmoddAutoclean *ac,
             const char     *name,
             gboolean        visited)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&ac->lock);
  KmoddRecord *record = g_hash_table_lookup (ac->records, name);

  if (record == NULL || !record->autoclean || record->visited == visited)
    return FALSE;
  record->visited = visited;
  ac->generation++;
  return TRUE;
}

static gboolean
is_visited (KmoddAutoclean *ac,
            const char     *name)
{
  G_GNUC_UNUSED g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&ac->lock);
  KmoddRecord *record = g_hash_table_lookup (ac->records, name);

  return record != NULL && record->visited;
}

static gboolean
forget_permanent (KmoddAutoclean *ac,
                  const char     *name)
{
  g_message ("AutoClean forgets %s: it has no exit function and can never be removed",
             name);
  return kmodd_autoclean_forget (ac, name);
}

gboolean
kmodd_autoclean_sample (KmoddAutoclean        *ac,
                        const KmoddKernelView *view)
{
  g_auto(GStrv) names = marked_names (ac);
  gboolean changed = FALSE;
  guint i;

  for (i = 0; names[i] != NULL; i++)
    {
      gint refcount = 0;
      guint n_holders = 0;
      guint n_devices = 0;
      gboolean live = FALSE;
      guint64 instance = 0;

      if (!view->get_usage (view->data, names[i], &refcount, &n_holders, &n_devices,
                            &live, &instance))
        instance = 0;
      /* gone, or gone and back, without us seeing the events: the mark
       * goes with the load it was for */
      if (kmodd_autoclean_forget_other_instance (ac, names[i], instance))
        {
          changed = TRUE;
          continue;
        }
      if (refcount < 0)
        changed |= forget_permanent (ac, names[i]);
      else if (refcount > 0 || n_holders > 0 || n_devices > 0)
        changed |= set_visited (ac, names[i], TRUE);
    }
  return changed;
}

GStrv
kmodd_autoclean_pass (KmoddAutoclean        *ac,
                      const KmoddKernelView *view,
                      gboolean               all,
                      gboolean              *out_changed)
{
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) spared = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) freed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) names = marked_names (ac);
  gboolean changed = FALSE;
  gboolean progress = TRUE;
  guint i;

  /* Repeat until nothing more goes: a removal can free the modules it
   * depended on, wherever they come in the list. */
  while (progress)
    {
      progress = FALSE;

      for (i = 0; names[i] != NULL; i++)
        {
          const char *name = names[i];
          g_autoptr(GError) error = NULL;
          g_auto(GStrv) deps = NULL;
          gint refcount = 0;
          guint n_holders = 0;
          guint n_devices = 0;
          gboolean live = FALSE;
          guint64 instance = 0;
          guint j;

          if (g_hash_table_contains (spared, name) ||
              g_ptr_array_find_with_equal_func (removed, name, g_str_equal, NULL))
            continue;

          if (!view->get_usage (view->data, name, &refcount, &n_holders, &n_devices,
                                &live, &instance))
            instance = 0;
          if (kmodd_autoclean_forget_other_instance (ac, name, instance))
            {
              /* not ours any more: never touched */
              changed = TRUE;
              g_hash_table_add (spared, (gpointer) name);
              continue;
            }
          if (!live)
            continue;
          if (refcount < 0)
            {
              changed |= forget_permanent (ac, name);
              g_hash_table_add (spared, (gpointer) name);
              continue;
            }

          if (refcount > 0 || n_holders > 0 || n_devices > 0)
            {
              changed |= set_visited (ac, name, TRUE);
              continue;
            }

          if (!all && !g_hash_table_contains (freed, name) && is_visited (ac, name))
            {
              /* the second chance */
              changed |= set_visited (ac, name, FALSE);
              g_hash_table_add (spared, (gpointer) name);
              continue;
            }

          deps = view->get_dependencies (view->data, name);
          if (!view->remove (view->data, name, &error))
            {
              g_warning ("AutoClean could not remove %s: %s", name, error->message);
              g_hash_table_add (spared, (gpointer) name);
              continue;
            }

          g_ptr_array_add (removed, g_strdup (name));
          kmodd_autoclean_forget (ac, name);
          changed = TRUE;
          progress = TRUE;
          for (j = 0; deps != NULL && deps[j] != NULL; j++)
            g_hash_table_add (freed, g_strdup (deps[j]));
        }
    }

  if (out_changed)
    *out_changed = changed;
  g_ptr_array_add (removed, NULL);
  return (GStrv) g_ptr_array_steal (removed, NULL);
}

/* ---- timer --------------------------------------------------------------- */

void
kmodd_autoclean_timer_init (KmoddAutocleanTimer *timer,
                            guint                interval_s,
                            guint                samples,
                            gint64               now)
{
  timer->interval = (gint64) interval_s * G_USEC_PER_SEC;
  timer->samples = MAX (samples, 1);
  timer->next_pass = now + timer->interval;
  timer->next_sample = now + timer->interval / timer->samples;
}

KmoddAutocleanDue
kmodd_autoclean_timer_due (KmoddAutocleanTimer *timer,
                           gint64               now)
{
  gint64 step;

  if (timer->interval <= 0)
    return KMODD_AUTOCLEAN_DUE_NOTHING;

  step = timer->interval / timer->samples;
  if (now >= timer->next_pass)
    {
      /* after a suspend, one pass, not one per missed interval */
      while (timer->next_pass <= now)
        timer->next_pass += timer->interval;
      timer->next_sample = now + step;
      return KMODD_AUTOCLEAN_DUE_PASS;
    }
  if (now >= timer->next_sample)
    {
      while (timer->next_sample <= now)
        timer->next_sample += step;
      return KMODD_AUTOCLEAN_DUE_SAMPLE;
    }
  return KMODD_AUTOCLEAN_DUE_NOTHING;
}

gint64
kmodd_autoclean_timer_next (const KmoddAutocleanTimer *timer)
{
  if (timer->interval <= 0)
    return G_MAXINT64;
  return MIN (timer->next_pass, timer->next_sample);
}
