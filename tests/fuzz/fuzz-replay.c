/* fuzz-replay.c: main() for a fuzzer built without libFuzzer (gcc, or
 * clang without -Dfuzzing=true): runs LLVMFuzzerTestOneInput() once on
 * each file given, and on each file of each directory given, so that the
 * default build checks the seed corpus as a plain test.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib.h>

#include "fuzz-common.h"

static gint
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static guint
replay_path (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      guint n = 0;
      guint i;

      if (dir == NULL)
        g_error ("%s", error->message);
      while ((name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_build_filename (path, name, NULL));
      g_ptr_array_sort (names, compare_paths);
      for (i = 0; i < names->len; i++)
        n += replay_path (g_ptr_array_index (names, i));
      return n;
    }

  if (!g_file_get_contents (path, &contents, &length, &error))
    g_error ("%s", error->message);
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
  return 1;
}

int
main (int    argc,
      char **argv)
{
  guint n = 0;
  int i;

  if (argc < 2)
    {
      g_printerr ("usage: %s FILE|DIR...\n", argv[0]);
      return 2;
    }
  for (i = 1; i < argc; i++)
    n += replay_path (argv[i]);
  g_print ("%s: %u inputs, all properties hold\n", argv[0], n);
  return n > 0 ? 0 : 1;
}
