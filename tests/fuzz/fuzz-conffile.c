/* fuzz-conffile.c: kmodd_conffile_parse() and kmodd_conffile_scan_text(),
 * on anything an admin (or an attacker who got a file in) can put in
 * modules-load.d or modprobe.d.
 *
 * The first byte picks the kind of file; the rest is the file.
 *
 * Properties:
 *  - writing back what was parsed, without a change, gives a file that
 *    parses to itself (kmodd never drifts from what it wrote);
 *  - a change adds exactly the lines kmodd meant and keeps every other
 *    line: after SetBlocked/SetBootLoad/SetParameters for a module, the
 *    new file is the old lines (minus that module's kmodd lines) plus
 *    those, and it never contains a NUL;
 *  - every line of the result is a line of the input or one kmodd meant.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "kmodd-conffile.h"

#define MODULE "snd_dummy"

static gboolean
is_meant (const char *line)
{
  return g_str_equal (line, MODULE) ||
         g_str_equal (line, "blacklist " MODULE) ||
         g_str_equal (line, "install " MODULE " /bin/false") ||
         g_str_equal (line, "options " MODULE " index=1 id=x");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(KmoddConffile) conffile = NULL;
  g_autoptr(KmoddConffile) again = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  g_autofree char *changed_text = NULL;
  g_auto(GStrv) lines = NULL;
  KmoddConffileKind kind;
  gboolean changed;
  guint i;

  fuzz_set_up ();
  if (size < 1)
    return 0;
  kind = data[0] & 1 ? KMODD_CONFFILE_MODPROBE : KMODD_CONFFILE_MODULES_LOAD;

  /* round trip */
  conffile = kmodd_conffile_parse (kind, (const char *) data + 1, size - 1);
  out = kmodd_conffile_to_string (conffile);
  if (out != NULL)
    {
      FUZZ_CHECK (g_str_has_prefix (out, KMODD_CONFFILE_HEADER));
      again = kmodd_conffile_parse (kind, out, strlen (out));
      out2 = kmodd_conffile_to_string (again);
      FUZZ_CHECK (out2 != NULL && g_str_equal (out, out2));
    }

  /* a change */
  if (kind == KMODD_CONFFILE_MODPROBE)
    {
      FUZZ_CHECK (kmodd_conffile_set_blocked (conffile, MODULE, TRUE, &changed, NULL));
      FUZZ_CHECK (kmodd_conffile_set_options (conffile, MODULE, "index=1 id=x", &changed, NULL));
      FUZZ_CHECK (kmodd_conffile_get_blocked (conffile, MODULE));
      FUZZ_CHECK (g_str_equal (kmodd_conffile_get_options (conffile, MODULE), "index=1 id=x"));
    }
  else
    {
      FUZZ_CHECK (kmodd_conffile_set_boot_load (conffile, MODULE, TRUE, &changed, NULL));
      FUZZ_CHECK (kmodd_conffile_get_boot_load (conffile, MODULE));
    }
  changed_text = kmodd_conffile_to_string (conffile);
  FUZZ_CHECK (changed_text != NULL);
  FUZZ_CHECK (g_str_has_prefix (changed_text, KMODD_CONFFILE_HEADER));

  lines = g_strsplit (changed_text + strlen (KMODD_CONFFILE_HEADER), "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '\0' && lines[i + 1] == NULL)
        break;
      /* a line of the input (up to a NUL in it), or one kmodd meant */
      FUZZ_CHECK (is_meant (lines[i]) ||
                  memmem (data + 1, size - 1, lines[i], strlen (lines[i])) != NULL);
    }

  /* what the readers of the directory will see */
  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) kmodd_conf_entry_free);
  kmodd_conffile_scan_text (kind, MODULE, changed_text, "/etc/x.conf", entries);
  FUZZ_CHECK (entries->len > 0);
  for (i = 0; i < entries->len; i++)
    {
      KmoddConfEntry *entry = g_ptr_array_index (entries, i);

      FUZZ_CHECK (strchr (entry->value, '\n') == NULL);
    }
  return 0;
}
