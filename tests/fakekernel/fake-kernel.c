/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fake-kernel: create and steer a fake kernel root for the shim.
 *
 *   fake-kernel init ROOT --modules DIR --release REL
 *                         [--cmdline FILE] [--modprobe-d DIR]
 *   fake-kernel set-refcnt ROOT NAME N
 *   fake-kernel state ROOT
 *   fake-kernel regenerate ROOT
 *   fake-kernel add-driver ROOT MODULE BUS:DRV
 *   fake-kernel add-device ROOT BUS DEV MODALIAS [VENDOR MODEL]
 *   fake-kernel remove-device ROOT BUS DEV
 *   fake-kernel bind|unbind ROOT BUS:DRV DEV
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakekernel-state.h"

static const char default_cmdline[] =
  "BOOT_IMAGE=/boot/vmlinuz-%s root=/dev/vda1 ro quiet\n";

static gboolean
write_file (const char *root, const char *rel, const char *content,
            GError **error)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0755) < 0)
    {
      int e = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
                   "cannot create %s: %s", dir, g_strerror (e));
      return FALSE;
    }
  return g_file_set_contents (path, content, -1, error);
}

static gboolean
make_dirs (const char *root, GError **error)
{
  static const char * const dirs[] = {
    "fake/tmp", "fake/pending", "proc/sys/kernel", "sys/module",
    "sys/kernel/security", "lib/modules", "etc/modprobe.d", "usr/lib",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (root, dirs[i], NULL);

      if (g_mkdir_with_parents (path, 0755) < 0)
        {
          int e = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
                       "cannot create %s: %s", path, g_strerror (e));
          return FALSE;
        }
    }
  return TRUE;
}

/* @modules may be the directory holding REL/ (ROOT/lib/modules of the
 * fixture) or REL's directory itself. */
static char *
find_modules_dir (const char *modules, const char *release, GError **error)
{
  g_autofree char *abs = NULL;
  g_autofree char *with_rel = NULL;
  g_autofree char *probe = NULL;

  if (g_path_is_absolute (modules))
    abs = g_strdup (modules);
  else
    {
      g_autofree char *cwd = g_get_current_dir ();

      abs = g_build_filename (cwd, modules, NULL);
    }

  with_rel = g_build_filename (abs, release, NULL);
  probe = g_build_filename (with_rel, "modules.dep.bin", NULL);
  if (g_file_test (probe, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&with_rel);

  g_free (probe);
  probe = g_build_filename (abs, "modules.dep.bin", NULL);
  if (g_file_test (probe, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&abs);

  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
               "no modules.dep.bin in %s or %s", with_rel, abs);
  return NULL;
}

static gboolean
clear_root (const char *root, GError **error)
{
  g_autofree char *marker = g_build_filename (root, "fake", "release", NULL);
  g_autoptr(GDir) dir = NULL;

  if (!g_file_test (root, G_FILE_TEST_EXISTS))
    return TRUE;
  if (g_file_test (marker, G_FILE_TEST_EXISTS))
    {
      int r = fk_rm_rf (root);

      if (r < 0)
        {
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (-r),
                       "cannot remove old fake root %s: %s", root,
                       g_strerror (-r));
          return FALSE;
        }
      return TRUE;
    }
  dir = g_dir_open (root, 0, error);
  if (dir == NULL)
    return FALSE;
  if (g_dir_read_name (dir) != NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                   "%s exists, is not empty and is not a fake root; "
                   "refusing to wipe it", root);
      return FALSE;
    }
  return TRUE;
}

static gboolean
create_builtin_dirs (const char *root, const char *moddir, GError **error)
{
  g_autofree char *list = g_build_filename (moddir, "modules.builtin", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gsize i;

  if (!g_file_get_contents (list, &contents, NULL, error))
    return FALSE;
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *base = NULL;
      g_autofree char *path = NULL;
      char *p;

      if (lines[i][0] == '\0')
        continue;
      base = g_path_get_basename (lines[i]);
      if (g_str_has_suffix (base, ".ko"))
        base[strlen (base) - 3] = '\0';
      for (p = base; *p != '\0'; p++)
        if (*p == '-')
          *p = '_';
      if (!fk_name_is_valid (base))
        continue;
      path = g_build_filename (root, "sys", "module", base, NULL);
      if (g_mkdir_with_parents (path, 0755) < 0)
        {
          int e = errno;

          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
                       "cannot create %s: %s", path, g_strerror (e));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
copy_modprobe_d (const char *root, const char *src, GError **error)
{
  g_autoptr(GDir) dir = g_dir_open (src, 0, error);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *from = g_build_filename (src, name, NULL);
      g_autofree char *to = g_build_filename ("etc", "modprobe.d", name, NULL);
      g_autofree char *contents = NULL;

      if (!g_file_test (from, G_FILE_TEST_IS_REGULAR))
        continue;
      if (!g_file_get_contents (from, &contents, NULL, error)
          || !write_file (root, to, contents, error))
        return FALSE;
    }
  return TRUE;
}

static int
cmd_init (int argc, char **argv)
{
  g_autofree char *modules = NULL;
  g_autofree char *release = NULL;
  g_autofree char *cmdline_file = NULL;
  g_autofree char *modprobe_d = NULL;
  g_autofree char *moddir = NULL;
  g_autofree char *root = NULL;
  g_autofree char *cmdline = NULL;
  g_autofree char *release_line = NULL;
  g_autofree char *link = NULL;
  g_autofree char *usr_link = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) ctx = NULL;
  const GOptionEntry entries[] = {
    { "modules", 0, 0, G_OPTION_ARG_FILENAME, &modules,
      "Directory holding REL/ with the depmod'ed modules", "DIR" },
    { "release", 0, 0, G_OPTION_ARG_STRING, &release,
      "Kernel release uname() reports", "REL" },
    { "cmdline", 0, 0, G_OPTION_ARG_FILENAME, &cmdline_file,
      "File with the kernel command line", "FILE" },
    { "modprobe-d", 0, 0, G_OPTION_ARG_FILENAME, &modprobe_d,
      "Directory whose files are copied to /etc/modprobe.d", "DIR" },
    G_OPTION_ENTRY_NULL
  };
  int r;

  ctx = g_option_context_new ("ROOT - create a fresh fake kernel root");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    goto fail;
  if (argc != 2 || modules == NULL || release == NULL)
    {
      g_printerr ("usage: fake-kernel init ROOT --modules DIR --release REL "
                  "[--cmdline FILE] [--modprobe-d DIR]\n");
      return 2;
    }
  if (!fk_name_is_valid (release))
    {
      g_printerr ("fake-kernel: invalid release '%s'\n", release);
      return 2;
    }

  if (g_path_is_absolute (argv[1]))
    root = g_strdup (argv[1]);
  else
    {
      g_autofree char *cwd = g_get_current_dir ();

      root = g_build_filename (cwd, argv[1], NULL);
    }

  moddir = find_modules_dir (modules, release, &error);
  if (moddir == NULL || !clear_root (root, &error) || !make_dirs (root, &error))
    goto fail;

  link = g_build_filename (root, "lib", "modules", release, NULL);
  usr_link = g_build_filename (root, "usr", "lib", "modules", NULL);
  if (symlink (moddir, link) < 0 || symlink ("../../lib/modules", usr_link) < 0)
    {
      int e = errno;

      g_printerr ("fake-kernel: cannot link %s: %s\n", link, g_strerror (e));
      return 1;
    }

  if (cmdline_file != NULL)
    {
      if (!g_file_get_contents (cmdline_file, &cmdline, NULL, &error))
        goto fail;
      if (!g_str_has_suffix (cmdline, "\n"))
        {
          char *t = g_strconcat (cmdline, "\n", NULL);

          g_free (cmdline);
          cmdline = t;
        }
    }
  else
    cmdline = g_strdup_printf (default_cmdline, release);

  release_line = g_strconcat (release, "\n", NULL);
  if (!write_file (root, "fake/release", release_line, &error)
      || !write_file (root, "fake/order", "", &error)
      || !write_file (root, "fake/seqnum", "0\n", &error)
      || !write_file (root, "proc/cmdline", cmdline, &error)
      || !write_file (root, "proc/sys/kernel/modules_disabled", "0\n", &error)
      || !write_file (root, "sys/kernel/security/lockdown",
                      "[none] integrity confidentiality\n", &error)
      || !write_file (root, "sys/module/module/parameters/sig_enforce", "N\n",
                      &error)
      || !create_builtin_dirs (root, moddir, &error))
    goto fail;
  if (modprobe_d != NULL && !copy_modprobe_d (root, modprobe_d, &error))
    goto fail;

  r = fk_regenerate_proc_modules (root);
  if (r < 0)
    {
      g_printerr ("fake-kernel: cannot write proc/modules: %s\n",
                  g_strerror (-r));
      return 1;
    }
  return 0;

fail:
  g_printerr ("fake-kernel: %s\n", error->message);
  return 1;
}

static int
cmd_set_refcnt (int argc, char **argv)
{
  guint64 n;
  g_autoptr(GError) error = NULL;
  int r;

  if (argc != 4)
    {
      g_printerr ("usage: fake-kernel set-refcnt ROOT NAME N\n");
      return 2;
    }
  if (!g_ascii_string_to_unsigned (argv[3], 10, 0, G_MAXINT, &n, &error))
    {
      g_printerr ("fake-kernel: %s\n", error->message);
      return 2;
    }
  r = fk_set_refcnt (argv[1], argv[2], (long) n);
  if (r < 0)
    {
      g_printerr ("fake-kernel: %s: %s\n", argv[2], g_strerror (-r));
      return 1;
    }
  return 0;
}

static void
json_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (; *s != '\0'; s++)
    {
      unsigned char c = (unsigned char) *s;

      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_c (out, (char) c);
    }
  g_string_append_c (out, '"');
}

static int
cmd_state (int argc, char **argv)
{
  g_autoptr(GString) out = g_string_new ("{\"modules\": [");
  FkModule *mods;
  size_t n, i, j;
  int lock_fd, r;

  if (argc != 2)
    {
      g_printerr ("usage: fake-kernel state ROOT\n");
      return 2;
    }
  lock_fd = fk_lock (argv[1]);
  if (lock_fd < 0)
    {
      g_printerr ("fake-kernel: %s\n", g_strerror (-lock_fd));
      return 1;
    }
  fk_reap_pending (argv[1]);
  r = fk_list_modules (argv[1], &mods, &n);
  fk_unlock (lock_fd);
  if (r < 0)
    {
      g_printerr ("fake-kernel: %s\n", g_strerror (-r));
      return 1;
    }

  for (i = 0; i < n; i++)
    {
      const FkModule *m = &mods[i];

      g_string_append (out, i ? ",\n  {" : "\n  {");
      g_string_append (out, "\"name\": ");
      json_string (out, m->name);
      g_string_append (out, ", \"state\": ");
      json_string (out, fk_mod_state_to_string (m->state));
      g_string_append_printf (out, ", \"refcnt\": %ld, \"size\": %lu",
                              m->refcnt, m->size);
      g_string_append (out, ", \"taint\": ");
      json_string (out, m->taint);
      g_string_append (out, ", \"holders\": [");
      for (j = 0; j < m->n_holders; j++)
        {
          if (j)
            g_string_append (out, ", ");
          json_string (out, m->holders[j]);
        }
      g_string_append (out, "], \"parameters\": {");
      for (j = 0; j < m->n_params; j++)
        {
          const char *eq = strchr (m->params[j], '=');
          g_autofree char *key = g_strndup (m->params[j],
                                            (gsize) (eq - m->params[j]));

          if (j)
            g_string_append (out, ", ");
          json_string (out, key);
          g_string_append (out, ": ");
          json_string (out, eq + 1);
        }
      g_string_append (out, "}}");
    }
  g_string_append (out, n ? "\n]}\n" : "]}\n");
  fk_free_modules (mods, n);
  fputs (out->str, stdout);
  return 0;
}

static int
cmd_regenerate (int argc, char **argv)
{
  int lock_fd, r;

  if (argc != 2)
    {
      g_printerr ("usage: fake-kernel regenerate ROOT\n");
      return 2;
    }
  lock_fd = fk_lock (argv[1]);
  if (lock_fd < 0)
    {
      g_printerr ("fake-kernel: %s\n", g_strerror (-lock_fd));
      return 1;
    }
  fk_reap_pending (argv[1]);
  r = fk_regenerate_proc_modules (argv[1]);
  fk_unlock (lock_fd);
  if (r < 0)
    {
      g_printerr ("fake-kernel: %s\n", g_strerror (-r));
      return 1;
    }
  return 0;
}

/* add-driver, add-device, remove-device, bind, unbind */
static int
cmd_devices (const char *cmd, int argc, char **argv)
{
  int r;

  if (strcmp (cmd, "add-driver") == 0 && argc == 4)
    r = fk_add_driver (argv[1], argv[2], argv[3]);
  else if (strcmp (cmd, "add-device") == 0 && (argc == 5 || argc == 7))
    r = fk_add_device (argv[1], argv[2], argv[3], argv[4],
                       argc == 7 && argv[5][0] ? argv[5] : NULL,
                       argc == 7 && argv[6][0] ? argv[6] : NULL);
  else if (strcmp (cmd, "remove-device") == 0 && argc == 4)
    r = fk_remove_device (argv[1], argv[2], argv[3]);
  else if ((strcmp (cmd, "bind") == 0 || strcmp (cmd, "unbind") == 0) && argc == 4)
    {
      g_auto(GStrv) spec = g_strsplit (argv[2], ":", 2);

      if (spec[0] == NULL || spec[1] == NULL)
        r = -EINVAL;
      else
        r = fk_bind_device (argv[1], spec[0], spec[1], argv[3],
                            strcmp (cmd, "bind") == 0);
    }
  else
    {
      g_printerr ("usage: fake-kernel %s: wrong arguments (see fake-kernel --help)\n", cmd);
      return 2;
    }
  if (r < 0)
    {
      g_printerr ("fake-kernel %s: %s\n", cmd, g_strerror (-r));
      return 1;
    }
  return 0;
}

static void
usage (void)
{
  g_printerr ("usage: fake-kernel COMMAND ...\n"
              "  init ROOT --modules DIR --release REL [--cmdline FILE] "
              "[--modprobe-d DIR]\n"
              "  set-refcnt ROOT NAME N\n"
              "  state ROOT\n"
              "  regenerate ROOT\n"
              "  add-driver ROOT MODULE BUS:DRV\n"
              "  add-device ROOT BUS DEV MODALIAS [VENDOR MODEL]\n"
              "  remove-device ROOT BUS DEV\n"
              "  bind ROOT BUS:DRV DEV\n"
              "  unbind ROOT BUS:DRV DEV\n");
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");

  if (argc < 2)
    {
      usage ();
      return 2;
    }
  if (strcmp (argv[1], "init") == 0)
    return cmd_init (argc - 1, argv + 1);
  if (strcmp (argv[1], "set-refcnt") == 0)
    return cmd_set_refcnt (argc - 1, argv + 1);
  if (strcmp (argv[1], "state") == 0)
    return cmd_state (argc - 1, argv + 1);
  if (strcmp (argv[1], "regenerate") == 0)
    return cmd_regenerate (argc - 1, argv + 1);
  if (strcmp (argv[1], "add-driver") == 0 || strcmp (argv[1], "add-device") == 0
      || strcmp (argv[1], "remove-device") == 0 || strcmp (argv[1], "bind") == 0
      || strcmp (argv[1], "unbind") == 0)
    return cmd_devices (argv[1], argc - 1, argv + 1);
  usage ();
  return 2;
}
