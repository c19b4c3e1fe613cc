/* fuzz-proc-modules.c: kmodd_proc_modules_parse(), on /proc/modules.
 *
 * The kernel writes that file, but names in it come from module files,
 * and List hands what it parses to every caller: a line that is not in
 * the kernel's format must be skipped, never half-read.
 *
 * Properties: every line is either a module or counted as skipped; a
 * module has a valid name, holders that are valid names, a known state and
 * taint letters only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "kmodd-proc-modules.h"

static gboolean
is_module_name (const char *s)
{
  gsize i;

  for (i = 0; s[i] != '\0'; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '_' && s[i] != '-')
      return FALSE;
  return i > 0 && i < 64;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GPtrArray) modules = NULL;
  g_autofree char *text = g_strndup ((const char *) data, size);
  guint skipped = G_MAXUINT;
  guint lines = 0;
  const char *p;
  guint i;

  fuzz_set_up ();

  modules = kmodd_proc_modules_parse ((const char *) data, size, &skipped);
  FUZZ_CHECK (modules != NULL && skipped != G_MAXUINT);

  /* the parser stops at a NUL, as a C string would */
  for (p = text; *p != '\0'; p++)
    if (*p == '\n')
      lines++;
  if (text[0] != '\0' && text[strlen (text) - 1] != '\n')
    lines++;
  FUZZ_CHECK (modules->len + skipped == lines);

  for (i = 0; i < modules->len; i++)
    {
      KmoddLoadedModule *m = g_ptr_array_index (modules, i);
      const char *state = kmodd_loaded_state_to_string (m->state);
      guint h;

      FUZZ_CHECK (is_module_name (m->name));
      FUZZ_CHECK (strstr (text, m->name) != NULL);
      FUZZ_CHECK (state != NULL);
      FUZZ_CHECK (m->holders != NULL);
      for (h = 0; m->holders[h] != NULL; h++)
        FUZZ_CHECK (is_module_name (m->holders[h]));
      FUZZ_CHECK (m->taint != NULL);
      for (p = m->taint; *p != '\0'; p++)
        FUZZ_CHECK (g_ascii_isupper (*p));
    }
  return 0;
}
