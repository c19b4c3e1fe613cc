/* test-autoclean.c: the AutoClean pass logic, on a fake kernel view and a
 * fake clock.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>

#include "kmodd-autoclean.h"
#include "kmodd-records-file.h"

#define SEC ((gint64) G_USEC_PER_SEC)

/* A kernel with use counts, holders and dependencies, where removing a
 * module drops its references on its dependencies, as the real one does. */
typedef struct {
  char    *name;
  gint     refcount;  /* other uses, e.g. mounts */
  guint    devices;   /* bound to its drivers: no use count */
  GStrv    deps;
  gboolean live;
  gboolean permanent; /* no exit function */
  guint64  instance;  /* a new one for every load */
} FakeModule;

static guint64 next_instance = 100;

typedef struct {
  GHashTable *modules; /* name -> FakeModule */
  GPtrArray  *removed; /* order of removals */
} FakeKernel;

static void
fake_module_free (FakeModule *m)
{
  g_free (m->name);
  g_strfreev (m->deps);
  g_free (m);
}

static FakeKernel *
fake_new (void)
{
  FakeKernel *k = g_new0 (FakeKernel, 1);

  k->modules = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                      (GDestroyNotify) fake_module_free);
  k->removed = g_ptr_array_new_with_free_func (g_free);
  return k;
}

static void
fake_free (FakeKernel *k)
{
  g_hash_table_unref (k->modules);
  g_ptr_array_unref (k->removed);
  g_free (k);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeKernel, fake_free)

static void
fake_load (FakeKernel *k,
           const char *name,
           const char *deps)
{
  FakeModule *m = g_new0 (FakeModule, 1);

  m->name = g_strdup (name);
  m->deps = deps ? g_strsplit (deps, ",", -1) : g_new0 (char *, 1);
  m->live = TRUE;
  m->instance = next_instance++;
  g_hash_table_replace (k->modules, m->name, m);
}

static FakeModule *
fake_get (FakeKernel *k,
          const char *name)
{
  return g_hash_table_lookup (k->modules, name);
}

static guint64
inst (FakeKernel *k,
      const char *name)
{
  FakeModule *m = fake_get (k, name);

  return m ? m->instance : 0;
}

static guint
fake_holders (FakeKernel *k,
              const char *name)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, k->modules);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += g_strv_contains ((const char * const *) ((FakeModule *) value)->deps, name);
  return n;
}

static gboolean
view_get_usage (gpointer    data,
                const char *module,
                gint       *refcount,
                guint      *n_holders,
                guint      *n_devices,
                gboolean   *live,
                guint64    *instance)
{
  FakeKernel *k = data;
  FakeModule *m = fake_get (k, module);

  if (m == NULL)
    return FALSE;
  *n_holders = fake_holders (k, module);
  /* each holder takes a reference, as ref_module() does */
  *refcount = m->refcount + (gint) *n_holders;
  *n_devices = m->devices;
  if (*refcount == 0 && *n_devices == 0 && m->permanent)
    *refcount = -1;
  *live = m->live;
  *instance = m->instance;
  return TRUE;
}

static GStrv
view_get_dependencies (gpointer    data,
                       const char *module)
{
  FakeModule *m = fake_get (data, module);

  return m ? g_strdupv (m->deps) : g_new0 (char *, 1);
}

static gboolean
view_remove (gpointer    data,
             const char *module,
             GError    **error)
{
  FakeKernel *k = data;
  FakeModule *m = fake_get (k, module);

  /* the pass must never ask for a module in use or held */
  g_assert_nonnull (m);
  g_assert_cmpint (m->refcount, ==, 0);
  g_assert_cmpuint (fake_holders (k, module), ==, 0);
  g_ptr_array_add (k->removed, g_strdup (module));
  g_hash_table_remove (k->modules, module);
  return TRUE;
}

static KmoddKernelView
view_of (FakeKernel *k)
{
  KmoddKernelView view = { view_get_usage, view_get_dependencies, view_remove, k };

  return view;
}

static char *
pass (KmoddAutoclean *ac,
      FakeKernel     *k,
      gboolean        all)
{
  KmoddKernelView view = view_of (k);
  g_auto(GStrv) removed = kmodd_autoclean_pass (ac, &view, all, NULL);

  return g_strjoinv (",", removed);
}

static gboolean
visited (KmoddAutoclean *ac,
         const char     *name)
{
  g_autoptr(KmoddRecord) r = kmodd_autoclean_lookup (ac, name);

  g_assert_nonnull (r);
  return r != NULL && r->visited;
}

/* Loading marks what the call inserted, visited: it survives one pass. */
static void
test_two_passes (void)
{
  g_autoptr(FakeKernel) k = fake_new ();
  g_autoptr(KmoddAutoclean) ac = kmodd_autoclean_new ();
  g_autofree char *r1 = NULL;
  g_autofree char *r2 = NULL;

  fake_load (k, "dummy", NULL);
  kmodd_autoclean_record (ac, "dummy", 1000, 1, inst (k, "dummy"), TRUE);
  g_assert_true (visited (ac, "dummy"));
  g_assert_cmpuint (kmodd_autoclean_count_marks (ac), ==, 1);

  r1 = pass (ac, k, FALSE);
  g_assert_cmpstr (r1, ==, "");
  g_assert_nonnull (fake_get (k, "dummy"));
  g_assert_false (visited (ac, "dummy"));

  r2 = pass (ac, k, FALSE);
  g_assert_cmpstr (r2, ==, "dummy");
  g_assert_null (fake_get (k, "dummy"));
  g_assert_null (kmodd_autoclean_lookup (ac, "dummy"));
  g_assert_cmpuint (kmodd_autoclean_count_marks (ac), ==, 0);
}

/* Use seen by a sample between two passes gives a second chance. */
static void
test_second_chance (void)
{
  g_autoptr(FakeKernel) k = fake_new ();
  g_autoptr(KmoddAutoclean) ac = kmodd_autoclean_new ();
  KmoddKernelView view = view_of (k);
  g_autofree char *r1 = NULL;
  g_autofree char *r2 = NULL;
  g_autofree char *r3 = NULL;
  g_autofree char *r4 = NULL;

  fake_load (k, "loop", NULL);
  kmodd_autoclean_record (ac, "loop", 0, 1, inst (k, "loop"), TRUE);
  r1 = pass (ac, k, FALSE);             /* clears the insertion's visit */
  g_assert_cmpstr (r1, ==, "");

  fake_get (k, "loop")->refcount = 1;   /* losetup */
  g_assert_true (kmodd_autoclean_sample (ac, &view));
  g_assert_true (visited (ac, "loop"));
  fake_get (k, "loop")->refcount = 0;   /* losetup -d, before the pass */

  r2 = pass (ac, k, FALSE);             /* the sample saved it */
  g_assert_cmpstr (r2, ==, "");
  g_assert_false (visited (ac, "loop"));

  fake_get (k, "loop")->refcount = 2;   /* in use during the pass */
  r3 = pass (ac, k, FALSE);
  g_assert_cmpstr (r3, ==, "");
  g_assert_true (visited (ac, "loop"));

  fake_get (k, "loop")->refcount = 0;
  g_free (pass (ac, k, FALSE));
  r4 = pass (ac, k, FALSE);
  g_assert_cmpstr (r4, ==, "loop");
}

/* msdos needs fat: once msdos goes, fat goes in the same pass. */
static void
test_cascade (void)
{
  g_autoptr(FakeKernel) k = fake_new ();
  g_autoptr(KmoddAutoclean) ac = kmodd_autoclean_new ();
  KmoddKernelView view = view_of (k);
  g_autofree char *r1 = NULL;
  g_autofree char *r2 = NULL;

  fake_load (k, "fat", NULL);
  fake_load (k, "msdos", "fat");
  kmodd_autoclean_record (ac, "fat", 0, 1, inst (k, "fat"), TRUE);
  kmodd_autoclean_record (ac, "msdos", 0, 2, inst (k, "msdos"), TRUE);

  /* fat is held by msdos at every sample: its bit stays set */
  kmodd_autoclean_sample (ac, &view);
  r1 = pass (ac, k, FALSE);
  g_assert_cmpstr (r1, ==, "");
  g_assert_true (visited (ac, "fat"));
  g_assert_false (visited (ac, "msdos"));

  r2 = pass (ac, k, FALSE);
  g_assert_cmpstr (r2, ==, "msdos,fat");
  g_assert_cmpuint (g_hash_table_size (k->modules), ==, 0);
}

/* A dependency someone else holds is kept; so is one in use. */
static void
test_in_use_and_held_kept (void)
{
  g_autoptr(FakeKernel) k = fake_new ();
  g_autoptr(KmoddAutoclean) ac = kmodd_autoclean_new ();
  g_autofree char *r1 = NULL;
  g_autofree char *r2 = NULL;

  fake_load (k, "fat", NULL);
  fake_load (k, "msdos", "fat");
  fake_load (k, "vfat", "fat");     /* not marked: loaded by someone else */
  fake_load (k, "isofs", NULL);
  fake_get (k, "isofs")->refcount = 1;  /* a mounted CD */
  kmodd_autoclean_record (ac, "fat", 0, 1, inst (k, "fat"), TRUE);
  kmodd_autoclean_record (ac, "msdos", 0, 2, inst (k, "msdos"), TRUE);
  kmodd_autoclean_record (ac, "isofs", 0, 3, inst (k, "isofs"), TRUE);

  r1 = pass (ac, k, TRUE);
  g_assert_cmpstr (r1, ==, "msdos");
  g_assert_nonnull (fake_get (k, "fat"));
  g_assert_nonnull (fake_get (k, "vfat"));
  g_assert_nonnull (fake_get (k, "isofs"));

  r2 = pass (ac, k, TRUE);
  g_assert_cmpstr (r2, ==, "");
}

/* Nothing unmarked is ever touched, not even by "all" or a cascade. */
static void
test_unmarked_untouched (void)
{
  g_autoptr(KmoddRecord) record = NULL;
  g_autoptr(FakeKernel) k = fake_new ();
  g_autoptr(KmoddAutoclean) ac = kmodd_autoclean_new ();
  g_autofree char *r1 = NULL;
  g_autofree char *r2 = NULL;

  fake_load (k, "fat", NULL);
  fake_load (k, "msdos", "fat");
  fake_load (k, "dummy", NULL);
  kmodd_autoclean_record (ac, "msdos", 0, 1, inst (k, "msdos"), TRUE);   /* fat was already there */
  kmodd_autoclean_record (ac, "dummy", 1000, 1, inst (k, "dummy"), FALSE); /* a plain request */

  r1 = pass (ac, k, TRUE);
  g_assert_cmpstr (r1, ==, "msdos");
  r2 = pass (ac, k, TRUE);
  g_assert_cmpstr (r2, ==, "");
  g_assert_nonnull (fake_get (k, "fat"));
  g_assert_nonnull (fake_get (k, "dummy"));
  record = kmodd_autoclean_lookup (ac, "dummy");
  g_assert_nonnull (record);
}

/* "all" ignores visited bits but never removes what is in use. */
static void
test_all (void)
{
  g_autoptr(FakeKernel) k = fake_new ();
  g_autoptr(KmoddAutoclean) ac = kmodd_autoclean_new ();
  g_autofree char *r = NULL;

  fake_load (k, "dummy", NULL);
  fake_load (k, "loop", NULL);
  fake_get (k, "loop")->refcount = 1;
  kmodd_autoclean_record (ac, "dummy", 0, 1, inst (k, "dummy"), TRUE);
  kmodd_autoclean_record (ac, "loop", 0, 2, inst (k, "loop"), TRUE);

  r = pass (ac, k, TRUE);
  g_assert_cmpstr (r, ==, "dummy");
  g_assert_nonnull (fake_get (k, "loop"));
}

/* A module that left the kernel by other means loses its mark. */
static void
test_gone_drops_mark (void)
{
  g_autoptr(FakeKernel) k = fake_new ();
  g_autoptr(KmoddAutoclean) ac = kmodd_autoclean_new ();
  KmoddKernelView view = view_of (k);
  g_autoptr(GHashTable) loaded = g_hash_table_new (g_str_hash, g_str_equal);

  fake_load (k, "dummy", NULL);
  fake_load (k, "loop", NULL);
  kmodd_autoclean_record (ac, "dummy", 0, 1, inst (k, "dummy"), TRUE);
  kmodd_autoclean_record (ac, "loop", 0, 1, inst (k, "loop"), TRUE);
  g_hash_table_remove (k->modules, "dummy");   /* rmmod dummy */

  /* a sample notices */
  g_assert_true (kmodd_autoclean_sample (ac, &view));
  g_assert_null (kmodd_autoclean_lookup (ac, "dummy"));
  g_assert_cmpuint (kmodd_autoclean_count_marks (ac), ==, 1);

  /* and so does List, through retain() with what /proc/modules holds */

  g_assert_true (kmodd_autoclean_retain (ac, loaded,
                                         kmodd_autoclean_get_generation (ac)));
  g_assert_cmpuint (kmodd_autoclean_count_marks (ac), ==, 0);
}

/* List reads the generation, then /proc/modules, then retains: a record
 * made in between (a load finishing on the worker) is not in what it read,
 * and must stay. */
static void
test_retain_keeps_newer_records (void)
{
  g_autoptr(KmoddAutoclean) ac = kmodd_autoclean_new ();
  g_autoptr(GHashTable) loaded = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(KmoddRecord) kept = NULL;
  guint64 seen;

  kmodd_autoclean_record (ac, "old", 0, 1, 1, TRUE);
  seen = kmodd_autoclean_get_generation (ac);
  /* /proc/modules read now: neither module in it */
  kmodd_autoclean_record (ac, "new", 0, 2, 2, TRUE);

  g_assert_true (kmodd_autoclean_retain (ac, loaded, seen));
  g_assert_null (kmodd_autoclean_lookup (ac, "old"));
  kept = kmodd_autoclean_lookup (ac, "new");
  g_assert_nonnull (kept);
  g_assert_cmpuint (kmodd_autoclean_count_marks (ac), ==, 1);

  /* a later List that does not see it drops it */
  g_assert_true (kmodd_autoclean_retain (ac, loaded, kmodd_autoclean_get_generation (ac)));
  g_assert_null (kmodd_autoclean_lookup (ac, "new"));
}

/* A mark belongs to one load: after "rmmod; modprobe" by someone else,
 * even with the events not yet seen, the module is not ours any more. */
static void
test_replaced_instance_loses_mark (void)
{
  g_autoptr(FakeKernel) k = fake_new ();
  g_autoptr(KmoddAutoclean) ac = kmodd_autoclean_new ();
  KmoddKernelView view = view_of (k);
  g_autofree char *r = NULL;

  fake_load (k, "bfs", NULL);
  fake_load (k, "dummy", NULL);
  kmodd_autoclean_record (ac, "bfs", 1000, 1, inst (k, "bfs"), TRUE);
  kmodd_autoclean_record (ac, "dummy", 1000, 1, inst (k, "dummy"), TRUE);
  fake_load (k, "bfs", NULL);           /* rmmod bfs; modprobe bfs */
  fake_load (k, "dummy", NULL);

  /* a sample notices */
  g_assert_true (kmodd_autoclean_sample (ac, &view));
  g_assert_null (kmodd_autoclean_lookup (ac, "bfs"));

  /* and so does a pass, which then leaves the module alone */
  kmodd_autoclean_record (ac, "bfs", 1000, 1, 1, TRUE);
  r = pass (ac, k, TRUE);
  g_assert_cmpstr (r, ==, "");
  g_assert_nonnull (fake_get (k, "bfs"));
  g_assert_nonnull (fake_get (k, "dummy"));
  g_assert_cmpuint (kmodd_autoclean_count_marks (ac), ==, 0);

  /* the same load keeps its record; one saved without an instance is
   * adopted by the load it finds */
  kmodd_autoclean_record (ac, "dummy", 1000, 1, 0, TRUE);
  g_assert_false (kmodd_autoclean_forget_other_instance (ac, "dummy", inst (k, "dummy")));
  g_assert_false (kmodd_autoclean_forget_other_instance (ac, "dummy", inst (k, "dummy")));
  g_assert_true (kmodd_autoclean_forget_other_instance (ac, "dummy", inst (k, "dummy") + 1));
}

/* A module without an exit function can never go: it loses its mark,
 * instead of failing at every pass. */
static void
test_permanent_loses_mark (void)
{
  g_autoptr(FakeKernel) k = fake_new ();
  g_autoptr(KmoddAutoclean) ac = kmodd_autoclean_new ();
  g_autofree char *r = NULL;

  fake_load (k, "vrf", NULL);
  fake_get (k, "vrf")->permanent = TRUE;
  kmodd_autoclean_record (ac, "vrf", 0, 1, inst (k, "vrf"), TRUE);
  g_test_expect_message ("kmodd", G_LOG_LEVEL_MESSAGE, "*vrf*no exit function*");
  r = pass (ac, k, TRUE);
  g_test_assert_expected_messages ();
  g_assert_cmpstr (r, ==, "");
  g_assert_nonnull (fake_get (k, "vrf"));
  g_assert_cmpuint (kmodd_autoclean_count_marks (ac), ==, 0);
}

/* A module still initialising is left alone. */
static void
test_coming_ignored (void)
{
  g_autoptr(FakeKernel) k = fake_new ();
  g_autoptr(KmoddAutoclean) ac = kmodd_autoclean_new ();
  g_autofree char *r = NULL;

  fake_load (k, "slow", NULL);
  fake_get (k, "slow")->live = FALSE;
  kmodd_autoclean_record (ac, "slow", 0, 1, inst (k, "slow"), TRUE);
  r = pass (ac, k, TRUE);
  g_assert_cmpstr (r, ==, "");
  g_assert_nonnull (fake_get (k, "slow"));
}

/* The timer: samples between passes, one pass per interval. */
static void
test_timer (void)
{
  KmoddAutocleanTimer t;
  gint64 now = 1000 * SEC;
  guint samples = 0;
  guint passes = 0;
  gint64 end;

  kmodd_autoclean_timer_init (&t, 60, 4, now);
  g_assert_cmpint (kmodd_autoclean_timer_next (&t), ==, now + 15 * SEC);
  g_assert_cmpint (kmodd_autoclean_timer_due (&t, now + 14 * SEC), ==, KMODD_AUTOCLEAN_DUE_NOTHING);

  /* drive it for ten minutes, waking exactly when it asks */
  end = now + 600 * SEC;
  while ((now = kmodd_autoclean_timer_next (&t)) <= end)
    {
      switch (kmodd_autoclean_timer_due (&t, now))
        {
        case KMODD_AUTOCLEAN_DUE_SAMPLE:
          samples++;
          break;
        case KMODD_AUTOCLEAN_DUE_PASS:
          passes++;
          break;
        case KMODD_AUTOCLEAN_DUE_NOTHING:
          g_assert_not_reached ();
        }
    }
  g_assert_cmpuint (passes, ==, 10);
  g_assert_cmpuint (samples, ==, 30);

  /* a jump (suspend) gives one pass, not one per missed interval */
  kmodd_autoclean_timer_init (&t, 60, 4, 0);
  g_assert_cmpint (kmodd_autoclean_timer_due (&t, 3600 * SEC), ==, KMODD_AUTOCLEAN_DUE_PASS);
  g_assert_cmpint (kmodd_autoclean_timer_due (&t, 3600 * SEC), ==, KMODD_AUTOCLEAN_DUE_NOTHING);

  /* 0 turns it off */
  kmodd_autoclean_timer_init (&t, 0, 4, 0);
  g_assert_cmpint (kmodd_autoclean_timer_due (&t, G_MAXINT64 / 2), ==, KMODD_AUTOCLEAN_DUE_NOTHING);
  g_assert_cmpint (kmodd_autoclean_timer_next (&t), ==, G_MAXINT64);
}

/* The whole cycle on the fake clock: a module loaded with autoclean and
 * left unused is gone after two intervals, not after one. */
static void
test_clock_two_intervals (void)
{
  g_autoptr(FakeKernel) k = fake_new ();
  g_autoptr(KmoddAutoclean) ac = kmodd_autoclean_new ();
  KmoddKernelView view = view_of (k);
  KmoddAutocleanTimer t;
  gint64 start = 5000 * SEC;
  gint64 now;
  gint64 gone_at = 0;

  fake_load (k, "dummy", NULL);
  kmodd_autoclean_record (ac, "dummy", 0, start, inst (k, "dummy"), TRUE);
  kmodd_autoclean_timer_init (&t, 60, 4, start);

  while (gone_at == 0 && (now = kmodd_autoclean_timer_next (&t)) < start + 600 * SEC)
    {
      KmoddAutocleanDue due = kmodd_autoclean_timer_due (&t, now);

      if (due == KMODD_AUTOCLEAN_DUE_SAMPLE)
        kmodd_autoclean_sample (ac, &view);
      else if (due == KMODD_AUTOCLEAN_DUE_PASS)
        g_free (pass (ac, k, FALSE));
      if (fake_get (k, "dummy") == NULL)
        gone_at = now;
    }
  g_assert_cmpint (gone_at - start, ==, 120 * SEC);
  g_clear_pointer (&k, fake_free);
}

static void
test_state_roundtrip (void)
{
  g_autoptr(KmoddAutoclean) ac = kmodd_autoclean_new ();
  g_autoptr(KmoddAutoclean) back = kmodd_autoclean_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("kmodd-test-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(KmoddRecord) fat = NULL;
  g_autoptr(KmoddRecord) dummy = NULL;

  g_assert_no_error (error);
  kmodd_autoclean_record (ac, "fat", 1000, 123456, 77, TRUE);
  kmodd_autoclean_record (ac, "dummy", 0, 42, 0, FALSE);
  g_assert_true (kmodd_records_file_save (ac, dir, &error));
  g_assert_no_error (error);

  g_assert_true (kmodd_records_file_load (back, dir, &error));
  g_assert_no_error (error);
  fat = kmodd_autoclean_lookup (back, "fat");
  dummy = kmodd_autoclean_lookup (back, "dummy");
  g_assert_nonnull (fat);
  g_assert_cmpuint (fat->uid, ==, 1000);
  g_assert_cmpint (fat->loaded_at, ==, 123456);
  g_assert_cmpuint (fat->instance, ==, 77);
  g_assert_true (fat->autoclean);
  g_assert_true (fat->visited);
  g_assert_nonnull (dummy);
  g_assert_false (dummy->autoclean);

  /* a damaged file is refused, names that are not module names skipped */
  path = g_build_filename (dir, "modules", NULL);
  g_assert_true (g_file_set_contents (path,
                                      "[module ../../etc]\nRequestedBy=0\nLoadedAt=1\nAutoClean=true\nVisited=true\n"
                                      "[module ok]\nRequestedBy=x\n",
                                      -1, NULL));
  g_clear_pointer (&back, kmodd_autoclean_free);
  back = kmodd_autoclean_new ();
  g_test_expect_message ("kmodd", G_LOG_LEVEL_WARNING, "*ignoring invalid module name*");
  g_test_expect_message ("kmodd", G_LOG_LEVEL_WARNING, "*ignoring the record of ok*");
  g_assert_true (kmodd_records_file_load (back, dir, &error));
  g_test_assert_expected_messages ();
  records = kmodd_autoclean_snapshot (back);
  g_assert_cmpuint (records->len, ==, 0);

  g_assert_true (g_file_set_contents (path, "not a key file\x01", -1, NULL));
  g_assert_false (kmodd_records_file_load (back, dir, &error));
  g_assert_nonnull (error);

  g_unlink (path);
  g_rmdir (dir);
}

/* A driver serving a device has use count 0, yet is in use: never
 * removed, and seen by samples; once the device goes, two passes. */
static void
test_bound_device_kept (void)
{
  g_autoptr(FakeKernel) k = fake_new ();
  g_autoptr(KmoddAutoclean) ac = kmodd_autoclean_new ();
  KmoddKernelView view = view_of (k);
  guint i;

  fake_load (k, "e1000", NULL);
  kmodd_autoclean_record (ac, "e1000", 1000, 1, inst (k, "e1000"), TRUE);
  fake_get (k, "e1000")->devices = 1;
  for (i = 0; i < 5; i++)
    {
      g_autofree char *r = pass (ac, k, FALSE);

      g_assert_cmpstr (r, ==, "");
      g_assert_true (visited (ac, "e1000"));
    }

  /* a sample sees the device too: a pass clears the bit, a sample sets it */
  g_free (pass (ac, k, FALSE));
  fake_get (k, "e1000")->devices = 0;
  {
    g_autofree char *r = pass (ac, k, FALSE);

    g_assert_cmpstr (r, ==, "");
    g_assert_false (visited (ac, "e1000"));
  }
  fake_get (k, "e1000")->devices = 2;
  g_assert_true (kmodd_autoclean_sample (ac, &view));
  g_assert_true (visited (ac, "e1000"));

  /* unbound: the usual two passes */
  fake_get (k, "e1000")->devices = 0;
  {
    g_autofree char *r1 = pass (ac, k, FALSE);
    g_autofree char *r2 = pass (ac, k, FALSE);

    g_assert_cmpstr (r1, ==, "");
    g_assert_cmpstr (r2, ==, "e1000");
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/autoclean/two-passes", test_two_passes);
  g_test_add_func ("/autoclean/second-chance", test_second_chance);
  g_test_add_func ("/autoclean/cascade", test_cascade);
  g_test_add_func ("/autoclean/in-use-and-held-kept", test_in_use_and_held_kept);
  g_test_add_func ("/autoclean/unmarked-untouched", test_unmarked_untouched);
  g_test_add_func ("/autoclean/bound-device-kept", test_bound_device_kept);
  g_test_add_func ("/autoclean/all", test_all);
  g_test_add_func ("/autoclean/gone-drops-mark", test_gone_drops_mark);
  g_test_add_func ("/autoclean/coming-ignored", test_coming_ignored);
  g_test_add_func ("/autoclean/replaced-instance-loses-mark", test_replaced_instance_loses_mark);
  g_test_add_func ("/autoclean/permanent-loses-mark", test_permanent_loses_mark);
  g_test_add_func ("/autoclean/timer", test_timer);
  g_test_add_func ("/autoclean/clock-two-intervals", test_clock_two_intervals);
  g_test_add_func ("/autoclean/state-roundtrip", test_state_roundtrip);
  g_test_add_func ("/autoclean/retain-keeps-newer-records", test_retain_keeps_newer_records);

  return g_test_run ();
}
