/* test-parsers.c: /proc/modules and kmodd.conf.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "kmodd-config.h"
#include "kmodd-proc-modules.h"

/* Lines as a 6.1 kernel writes them. */
static const char proc_modules[] =
  "msdos 20480 0 - Live 0xffffffffc0a1c000\n"
  "fat 86016 1 msdos, Live 0xffffffffc0a00000\n"
  "vfat 24576 1 - Live 0x0000000000000000\n"
  "nvidia 56123392 2 nvidia_modeset,nvidia_uvm, Live 0xffffffffc1000000 (POE)\n"
  "slow 16384 0 - Loading 0x0000000000000000 (+)\n"
  "bye 16384 0 - Unloading 0x0000000000000000 (O-)\n"
  "perm 16384 0 [permanent], Live 0x0000000000000000\n";

static void
test_proc_modules (void)
{
  g_autoptr(GPtrArray) m = NULL;
  guint skipped = 99;
  KmoddLoadedModule *e;

  m = kmodd_proc_modules_parse (proc_modules, strlen (proc_modules), &skipped);
  g_assert_cmpuint (skipped, ==, 0);
  g_assert_cmpuint (m->len, ==, 7);

  e = g_ptr_array_index (m, 0);
  g_assert_cmpstr (e->name, ==, "msdos");
  g_assert_cmpuint (e->size, ==, 20480);
  g_assert_cmpint (e->refcount, ==, 0);
  g_assert_cmpuint (g_strv_length (e->holders), ==, 0);
  g_assert_cmpint (e->state, ==, KMODD_LOADED_LIVE);
  g_assert_cmpstr (e->taint, ==, "");

  e = g_ptr_array_index (m, 1);
  g_assert_cmpstr (e->name, ==, "fat");
  g_assert_cmpint (e->refcount, ==, 1);
  g_assert_cmpuint (g_strv_length (e->holders), ==, 1);
  g_assert_cmpstr (e->holders[0], ==, "msdos");

  e = g_ptr_array_index (m, 3);
  g_assert_cmpstr (e->taint, ==, "POE");
  g_assert_cmpuint (g_strv_length (e->holders), ==, 2);
  g_assert_cmpstr (e->holders[1], ==, "nvidia_uvm");

  e = g_ptr_array_index (m, 4);
  g_assert_cmpint (e->state, ==, KMODD_LOADED_COMING);
  g_assert_cmpstr (e->taint, ==, "");
  g_assert_cmpstr (kmodd_loaded_state_to_string (e->state), ==, "coming");

  e = g_ptr_array_index (m, 5);
  g_assert_cmpint (e->state, ==, KMODD_LOADED_GOING);
  g_assert_cmpstr (e->taint, ==, "O");

  e = g_ptr_array_index (m, 6);
  g_assert_true (e->permanent);
  g_assert_cmpuint (g_strv_length (e->holders), ==, 0);
}

static void
test_proc_modules_garbage (void)
{
  static const char * const bad[] = {
    "",
    "\n\n\n",
    "onlyname\n",
    "name notanumber 0 - Live 0x0\n",
    "name 1 x - Live 0x0\n",
    "name 1 0 - Dead 0x0\n",
    "name 1 0 - Live 12\n",
    "name 1 0 - Live 0x0 (oops)\n",
    "name 1 0 a,b Live 0x0\n",
    "na/me 1 0 - Live 0x0\n",
    "name 1 0 ../x, Live 0x0\n",
    "name 1 0 - Live 0x0 (O) extra\n",
    "name 99999999999999999999999 99999999999 - Live 0x0\n",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GPtrArray) m = kmodd_proc_modules_parse (bad[i], strlen (bad[i]), NULL);

      g_test_message ("input %zu", i);
      g_assert_cmpuint (m->len, ==, 0);
    }

  /* one bad line does not hide the good ones; no trailing newline needed */
  {
    const char *mixed = "bad line\nfat 86016 0 - Live 0x0";
    g_autoptr(GPtrArray) m = NULL;
    guint skipped = 0;

    m = kmodd_proc_modules_parse (mixed, strlen (mixed), &skipped);
    g_assert_cmpuint (m->len, ==, 1);
    g_assert_cmpuint (skipped, ==, 1);
  }
}

static void
test_config (void)
{
  KmoddConfig c;
  g_autoptr(GError) error = NULL;
  static const char good[] =
    "# comment\n[Daemon]\nAutoCleanInterval=5\nIdleTimeout=30\n";
  static const char * const bad[] = {
    "[Daemon]\nAutoCleanInterval=-1\n",
    "[Daemon]\nAutoCleanInterval=soon\n",
    "[Daemon]\nAutoCleanSamples=0\n",
    "[Daemon]\nNoSuchKey=1\n",
    "[Other]\nAutoCleanInterval=1\n",
    "not a key file",
    "[Daemon]\nAutoCleanInterval=99999999999999999999\n",
  };
  gsize i;

  kmodd_config_init_defaults (&c);
  g_assert_cmpuint (c.autoclean_interval, ==, 60);
  g_assert_cmpuint (c.idle_timeout, ==, 0);

  g_assert_true (kmodd_config_parse (&c, good, strlen (good), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (c.autoclean_interval, ==, 5);
  g_assert_cmpuint (c.idle_timeout, ==, 30);
  g_assert_cmpuint (c.autoclean_samples, ==, 4);

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) e = NULL;

      kmodd_config_init_defaults (&c);
      g_test_message ("config %zu", i);
      g_assert_false (kmodd_config_parse (&c, bad[i], strlen (bad[i]), &e));
      g_assert_nonnull (e);
      /* nothing of a bad file is applied */
      g_assert_cmpuint (c.autoclean_interval, ==, 60);
    }
}

static void
test_config_missing_file (void)
{
  KmoddConfig c;

  /* a missing file is the defaults, silently */
  kmodd_config_load (&c, "/nonexistent/kmodd.conf");
  g_assert_cmpuint (c.autoclean_interval, ==, KMODD_CONFIG_DEFAULT_AUTOCLEAN_INTERVAL);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/proc-modules/kernel-format", test_proc_modules);
  g_test_add_func ("/proc-modules/garbage", test_proc_modules_garbage);
  g_test_add_func ("/config/parse", test_config);
  g_test_add_func ("/config/missing-file", test_config_missing_file);

  return g_test_run ();
}
