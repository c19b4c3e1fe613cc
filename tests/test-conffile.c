/* test-conffile.c: kmodd's own modules-load.d and modprobe.d files.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "kmodd-conffile.h"
#include "kmodd-error.h"

static char *
body (const char *text)
{
  g_assert_nonnull (text);
  g_assert_true (g_str_has_prefix (text, KMODD_CONFFILE_HEADER));
  return g_strdup (text + strlen (KMODD_CONFFILE_HEADER));
}

static void
test_modules_load (void)
{
  const char *text = KMODD_CONFFILE_HEADER "# admin\nloop\nsnd-dummy\n;odd\n";
  g_autoptr(KmoddConffile) c = kmodd_conffile_parse (KMODD_CONFFILE_MODULES_LOAD,
                                                     text, strlen (text));
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *rest = NULL;
  gboolean changed;

  g_assert_true (kmodd_conffile_get_boot_load (c, "loop"));
  g_assert_true (kmodd_conffile_get_boot_load (c, "snd_dummy"));
  g_assert_false (kmodd_conffile_get_boot_load (c, "msdos"));

  g_assert_true (kmodd_conffile_set_boot_load (c, "msdos", TRUE, &changed, &error));
  g_assert_true (changed);
  g_assert_true (kmodd_conffile_set_boot_load (c, "msdos", TRUE, &changed, &error));
  g_assert_false (changed);
  g_assert_true (kmodd_conffile_set_boot_load (c, "snd_dummy", FALSE, &changed, &error));
  g_assert_true (changed);
  out = kmodd_conffile_to_string (c);
  rest = body (out);
  g_assert_cmpstr (rest, ==, "# admin\nloop\n;odd\nmsdos\n");

  /* never a name that is not libkmod's spelling */
  g_assert_false (kmodd_conffile_set_boot_load (c, "snd-dummy", TRUE, &changed, &error));
  g_assert_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_NAME);
  g_clear_error (&error);
  g_assert_false (kmodd_conffile_set_boot_load (c, "a\nb", TRUE, &changed, &error));
  g_clear_error (&error);
  g_assert_false (kmodd_conffile_set_boot_load (c, "", TRUE, &changed, &error));
  g_clear_error (&error);
}

static void
test_modprobe (void)
{
  const char *text = "alias foo loop\n"
                     "options loop max_loop=4 \\\n"
                     "blacklist msdos\n"
                     "install dummy /bin/false\n"
                     "blacklist dummy\n";
  g_autoptr(KmoddConffile) c = kmodd_conffile_parse (KMODD_CONFFILE_MODPROBE,
                                                     text, strlen (text));
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *rest = NULL;
  gboolean changed;

  /* the continued line and the one after it are not understood */
  g_assert_null (kmodd_conffile_get_options (c, "loop"));
  g_assert_false (kmodd_conffile_get_blocked (c, "msdos"));
  g_assert_true (kmodd_conffile_get_blocked (c, "dummy"));

  g_assert_true (kmodd_conffile_set_blocked (c, "dummy", FALSE, &changed, &error));
  g_assert_true (changed);
  g_assert_true (kmodd_conffile_set_blocked (c, "vfat", TRUE, &changed, &error));
  g_assert_true (changed);
  g_assert_true (kmodd_conffile_set_options (c, "vfat", "utf8=1 shortname=mixed", &changed, &error));
  g_assert_true (changed);
  g_assert_true (kmodd_conffile_set_options (c, "vfat", "utf8=1 shortname=mixed", &changed, &error));
  g_assert_false (changed);
  g_assert_cmpstr (kmodd_conffile_get_options (c, "vfat"), ==, "utf8=1 shortname=mixed");

  out = kmodd_conffile_to_string (c);
  rest = body (out);
  g_assert_cmpstr (rest, ==,
                   "alias foo loop\n"
                   "options loop max_loop=4 \\\n"
                   "blacklist msdos\n"
                   "blacklist vfat\n"
                   "install vfat /bin/false\n"
                   "options vfat utf8=1 shortname=mixed\n");

  /* a second parse understands exactly what was written */
  {
    g_autoptr(KmoddConffile) again = kmodd_conffile_parse (KMODD_CONFFILE_MODPROBE,
                                                           out, strlen (out));
    g_autofree char *out2 = kmodd_conffile_to_string (again);

    g_assert_cmpstr (out2, ==, out);
    g_assert_true (kmodd_conffile_get_blocked (again, "vfat"));
  }

  g_assert_true (kmodd_conffile_set_options (c, "vfat", NULL, &changed, &error));
  g_assert_true (changed);
}

static void
test_unsafe_options (void)
{
  const char *bad[] = {
    "a=1\nblacklist x", "a=#1", "a=\"1 2\"", "a=1\\", "a='1'", "a=1\tb", " a=1", "a=1 ",
    "a=1\r", "a=$(x)", "a=`x`", "a=1;b", "", "a=\x01",
  };
  g_autoptr(KmoddConffile) c = kmodd_conffile_parse (KMODD_CONFFILE_MODPROBE, "", 0);
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean changed = FALSE;

      g_assert_false (kmodd_conffile_options_are_safe (bad[i]));
      g_assert_false (kmodd_conffile_set_options (c, "loop", bad[i], &changed, &error));
      g_assert_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS);
    }
  /* nothing but the header: the file would go */
  g_assert_null (kmodd_conffile_to_string (c));
  g_assert_true (kmodd_conffile_options_are_safe ("max_loop=4 a=b,c:d/e+f-g.h@i%j~k^l!m"));
}

static void
test_replace (void)
{
  g_autofree char *dir = g_dir_make_tmp ("kmodd-conffile-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "kmodd.conf", NULL);
  g_autofree char *leftover = g_build_filename (dir, ".#kmodd.conf.deadbeef", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) listing = NULL;
  GStatBuf st;
  mode_t old = umask (077);

  g_assert_true (g_file_set_contents (leftover, "half", -1, NULL));
  g_assert_true (kmodd_conffile_replace (dir, "kmodd.conf", "one\n", &error));
  g_assert_no_error (error);
  umask (old);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0644);
  g_assert_true (kmodd_conffile_read (path, &text, NULL));
  g_assert_cmpstr (text, ==, "one\n");
  g_assert_false (g_file_test (leftover, G_FILE_TEST_EXISTS));

  g_assert_true (kmodd_conffile_replace (dir, "kmodd.conf", NULL, &error));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_clear_pointer (&text, g_free);
  g_assert_true (kmodd_conffile_read (path, &text, NULL));
  g_assert_cmpstr (text, ==, "");

  listing = g_dir_open (dir, 0, NULL);
  g_assert_null (g_dir_read_name (listing));
  g_rmdir (dir);
}

static void
test_scan (void)
{
  g_autoptr(GPtrArray) e = g_ptr_array_new_with_free_func ((GDestroyNotify) kmodd_conf_entry_free);
  KmoddConfEntry *entry;

  kmodd_conffile_scan_text (KMODD_CONFFILE_MODPROBE, "snd_dummy",
                            "# blacklist snd_dummy\n"
                            "options snd-dummy \\\n  index=1\n"
                            "softdep snd_dummy pre: snd_timer\n"
                            "blacklist snd_dummyx\n"
                            "install\tsnd_dummy /bin/true\n",
                            "/etc/modprobe.d/x.conf", e);
  g_assert_cmpuint (e->len, ==, 3);
  entry = g_ptr_array_index (e, 0);
  g_assert_cmpstr (entry->kind, ==, "options");
  g_assert_cmpstr (entry->value, ==, "index=1");
  g_assert_cmpstr (entry->source, ==, "/etc/modprobe.d/x.conf");
  entry = g_ptr_array_index (e, 1);
  g_assert_cmpstr (entry->kind, ==, "softdep");
  g_assert_cmpstr (entry->value, ==, "pre: snd_timer");
  entry = g_ptr_array_index (e, 2);
  g_assert_cmpstr (entry->kind, ==, "install");
  g_assert_cmpstr (entry->value, ==, "/bin/true");

  g_ptr_array_set_size (e, 0);
  kmodd_conffile_scan_text (KMODD_CONFFILE_MODULES_LOAD, "snd_dummy",
                            "; x\n# snd_dummy\n  snd-dummy  \n", "/run/m.conf", e);
  g_assert_cmpuint (e->len, ==, 1);

  g_ptr_array_set_size (e, 0);
  kmodd_conffile_scan_cmdline ("snd_dummy",
                               "ro quiet modprobe.blacklist=floppy,snd-dummy "
                               "snd_dummy.index=2 snd_dummyx.index=3 \"snd-dummy.id=a b\"\n", e);
  g_assert_cmpuint (e->len, ==, 3);
  entry = g_ptr_array_index (e, 0);
  g_assert_cmpstr (entry->kind, ==, "blacklist");
  g_assert_cmpstr (entry->source, ==, "/proc/cmdline");
  entry = g_ptr_array_index (e, 2);
  g_assert_cmpstr (entry->value, ==, "id=a b");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/conffile/modules-load", test_modules_load);
  g_test_add_func ("/conffile/modprobe", test_modprobe);
  g_test_add_func ("/conffile/unsafe-options", test_unsafe_options);
  g_test_add_func ("/conffile/replace", test_replace);
  g_test_add_func ("/conffile/scan", test_scan);
  return g_test_run ();
}
