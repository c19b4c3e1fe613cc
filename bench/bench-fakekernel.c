/* bench-fakekernel.c: fills the fake kernel with modules, as setup for the
 * scaling rows (not measured). Run it under the fake kernel's shim
 * (LD_PRELOAD, KMODD_FAKE_ROOT): finit_module() then goes to the fake
 * kernel, and /proc/modules is the fake one.
 *
 *   kmodd-bench fk-load --modules-dir DIR --count N
 *
 * loads leaf modules (no dependencies in modules.dep), in name order,
 * until N modules are loaded.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench-modes.h"
#include "bench-util.h"

static GHashTable *
loaded_modules (void)
{
  GHashTable *loaded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint i;

  if (!g_file_get_contents ("/proc/modules", &contents, NULL, NULL))
    return loaded;
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      const char *space = strchr (lines[i], ' ');

      if (space != NULL)
        g_hash_table_add (loaded, g_strndup (lines[i], space - lines[i]));
    }
  return loaded;
}

int
bench_mode_fk_load (int    argc,
                    char **argv)
{
  g_autofree char *modules_dir = NULL;
  int count = 0;
  const GOptionEntry entries[] = {
    { "modules-dir", 0, 0, G_OPTION_ARG_FILENAME, &modules_dir, "Modules directory", "DIR" },
    { "count", 0, 0, G_OPTION_ARG_INT, &count, "Modules loaded in the end", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- load modules into the fake kernel");
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) loaded = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GPtrArray) paths = NULL;
  guint inserted = 0;
  guint failed = 0;
  guint i;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || modules_dir == NULL)
    {
      g_printerr ("kmodd-bench fk-load: %s\n", error ? error->message : "--modules-dir is needed");
      return 2;
    }
  if (g_getenv ("KMODD_FAKE_ROOT") == NULL)
    {
      g_printerr ("kmodd-bench fk-load: run me under the fake kernel's shim\n");
      return 2;
    }

  names = bench_module_names (modules_dir, TRUE, &paths, &error);
  if (names == NULL)
    {
      g_printerr ("kmodd-bench fk-load: %s\n", error->message);
      return 1;
    }
  loaded = loaded_modules ();

  for (i = 0; i < names->len && g_hash_table_size (loaded) < (guint) count; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      int fd;

      if (g_hash_table_contains (loaded, name))
        continue;
      fd = open (g_ptr_array_index (paths, i), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || syscall (SYS_finit_module, fd, "", 0) != 0)
        {
          if (failed++ < 5)
            g_printerr ("kmodd-bench fk-load: %s: %s\n", name, g_strerror (errno));
        }
      else
        {
          g_hash_table_add (loaded, g_strdup (name));
          inserted++;
        }
      if (fd >= 0)
        close (fd);
    }

  g_print ("{\"mode\": \"fk-load\", \"loaded\": %u, \"inserted\": %u, \"failed\": %u}\n",
           g_hash_table_size (loaded), inserted, failed);
  return g_hash_table_size (loaded) >= (guint) count ? 0 : 1;
}
