/* fuzz-initramfs.c: kmodd_initramfs_parse() and kmodd_initramfs_read_fd(),
 * on an initramfs image (concatenated cpio archives, each uncompressed or
 * compressed with gzip, xz or zstd).
 *
 * The image is a root-owned file in /boot, but GetConfiguration reads it
 * in the daemon: a malformed one must give "contents unknown", never a
 * crash, a hang or memory that grows with what the file claims.
 *
 * Properties:
 *  - a set, or NULL with an error, never both or neither;
 *  - every name in the set is a normalized module name ([A-Za-z0-9_],
 *    1 to 55 characters);
 *  - read from a file descriptor, in chunks, the image gives the same
 *    answer as from memory;
 *  - zeros after an image that was read whole change nothing (they are
 *    padding to the kernel too).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "kmodd-initramfs.h"

#define RELEASE "6.1.0-kmodd"

static gboolean
is_normalized_name (const char *name)
{
  gsize i;

  for (i = 0; name[i] != '\0'; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '_')
      return FALSE;
  return i > 0 && i <= 55;
}

static gboolean
same_sets (GHashTable *a,
           GHashTable *b)
{
  GHashTableIter iter;
  gpointer name;

  if (a == NULL || b == NULL)
    return a == b;
  if (g_hash_table_size (a) != g_hash_table_size (b))
    return FALSE;
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    if (!g_hash_table_contains (b, name))
      return FALSE;
  return TRUE;
}

static GHashTable *
parse_from_fd (const uint8_t *data,
               size_t         size)
{
  g_autoptr(GError) error = NULL;
  GHashTable *modules;
  int fd = memfd_create ("fuzz-initramfs", MFD_CLOEXEC);

  FUZZ_CHECK (fd >= 0);
  FUZZ_CHECK (size == 0 || write (fd, data, size) == (ssize_t) size);
  FUZZ_CHECK (lseek (fd, 0, SEEK_SET) == 0);
  modules = kmodd_initramfs_read_fd (fd, RELEASE, NULL, &error);
  FUZZ_CHECK ((modules == NULL) == (error != NULL));
  close (fd);
  return modules;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) modules = NULL;
  g_autoptr(GHashTable) from_fd = NULL;
  GHashTableIter iter;
  gpointer name;

  fuzz_set_up ();
  modules = kmodd_initramfs_parse (data, size, RELEASE, &error);
  FUZZ_CHECK ((modules == NULL) == (error != NULL));

  from_fd = parse_from_fd (data, size);
  FUZZ_CHECK (same_sets (modules, from_fd));
  if (modules == NULL)
    return 0;

  g_hash_table_iter_init (&iter, modules);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    FUZZ_CHECK (is_normalized_name (name));

  {
    uint8_t *padded = g_malloc0 (size + 13);
    g_autoptr(GHashTable) again = NULL;

    if (size > 0)
      memcpy (padded, data, size);
    again = kmodd_initramfs_parse (padded, size + 13, RELEASE, NULL);
    g_free (padded);
    FUZZ_CHECK (same_sets (modules, again));
  }
  return 0;
}
