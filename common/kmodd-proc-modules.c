/* kmodd-proc-modules.c: a parser for the kernel's /proc/modules.
 *
 * The kernel writes one line per module (kernel/module/procfs.c):
 *
 *   name size refcount holder1,holder2,|- Live|Loading|Unloading 0xaddr [(taint+-)]
 *
 * where the holder column may also carry "[permanent]," and is "-" when
 * empty, and the optional last column holds taint letters plus "+"
 * (coming) or "-" (going) in parentheses.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "kmodd-proc-modules.h"

void
kmodd_loaded_module_free (KmoddLoadedModule *module)
{
  if (module == NULL)
    return;
  g_free (module->name);
  g_strfreev (module->holders);
  g_free (module->taint);
  g_free (module);
}

const char *
kmodd_loaded_state_to_string (KmoddLoadedState state)
{
  switch (state)
    {
    case KMODD_LOADED_LIVE:
      return "live";
    case KMODD_LOADED_COMING:
      return "coming";
    case KMODD_LOADED_GOING:
      return "going";
    default:
      g_assert_not_reached ();
    }
}

static gboolean
parse_u64 (const char *s, guint64 *out)
{
  char *end = NULL;

  if (!g_ascii_isdigit (s[0]))
    return FALSE;
  errno = 0;
  *out = g_ascii_strtoull (s, &end, 10);
  return errno == 0 && end != NULL && *end == '\0';
}

static gboolean
parse_int (const char *s, gint *out)
{
  gint64 v;
  char *end = NULL;

  if (s[0] != '-' && !g_ascii_isdigit (s[0]))
    return FALSE;
  v = g_ascii_strtoll (s, &end, 10);
  if (end == NULL || *end != '\0' || v < G_MININT || v > G_MAXINT)
    return FALSE;
  *out = (gint) v;
  return TRUE;
}

static gboolean
is_module_name (const char *s)
{
  gsize i;

  if (s[0] == '\0')
    return FALSE;
  for (i = 0; s[i] != '\0'; i++)
    {
      if (!g_ascii_isalnum (s[i]) && s[i] != '_' && s[i] != '-')
        return FALSE;
    }
  return i < 64;
}

static KmoddLoadedModule *
parse_line (char *line)
{
  g_autoptr(KmoddLoadedModule) module = g_new0 (KmoddLoadedModule, 1);
  g_autoptr(GPtrArray) holders = g_ptr_array_new_with_free_func (g_free);
  char *fields[7] = { NULL, };
  guint n = 0;
  char *save = NULL;
  char *tok;

  for (tok = strtok_r (line, " ", &save);
       tok != NULL && n < G_N_ELEMENTS (fields);
       tok = strtok_r (NULL, " ", &save))
    fields[n++] = tok;

  if (tok != NULL || n < 6)
    return NULL;

  if (!is_module_name (fields[0]))
    return NULL;
  module->name = g_strdup (fields[0]);

  if (!parse_u64 (fields[1], &module->size))
    return NULL;
  if (!parse_int (fields[2], &module->refcount))
    return NULL;

  if (!g_str_equal (fields[3], "-"))
    {
      char *h = fields[3];
      char *comma;

      while ((comma = strchr (h, ',')) != NULL)
        {
          *comma = '\0';
          if (g_str_equal (h, "[permanent]"))
            module->permanent = TRUE;
          else if (is_module_name (h))
            g_ptr_array_add (holders, g_strdup (h));
          else
            return NULL;
          h = comma + 1;
        }
      if (*h != '\0')
        return NULL;
    }
  g_ptr_array_add (holders, NULL);
  module->holders = (GStrv) g_ptr_array_steal (holders, NULL);

  if (g_str_equal (fields[4], "Live"))
    module->state = KMODD_LOADED_LIVE;
  else if (g_str_equal (fields[4], "Loading"))
    module->state = KMODD_LOADED_COMING;
  else if (g_str_equal (fields[4], "Unloading"))
    module->state = KMODD_LOADED_GOING;
  else
    return NULL;

  if (!g_str_has_prefix (fields[5], "0x"))
    return NULL;

  if (n == 7)
    {
      const char *t = fields[6];
      gsize len = strlen (t);
      GString *taint;
      gsize i;

      if (len < 2 || t[0] != '(' || t[len - 1] != ')')
        return NULL;
      taint = g_string_new (NULL);
      for (i = 1; i < len - 1; i++)
        {
          if (g_ascii_isupper (t[i]))
            g_string_append_c (taint, t[i]);
          else if (t[i] != '+' && t[i] != '-')
            {
              g_string_free (taint, TRUE);
              return NULL;
            }
        }
      module->taint = g_string_free (taint, FALSE);
    }
  else
    module->taint = g_strdup ("");

  return g_steal_pointer (&module);
}

GPtrArray *
kmodd_proc_modules_parse (const char *contents,
                          gsize       length,
                          guint      *out_skipped)
{
  GPtrArray *modules =
    g_ptr_array_new_with_free_func ((GDestroyNotify) kmodd_loaded_module_free);
  g_autofree char *copy = g_strndup (contents, length);
  guint skipped = 0;
  char *line = copy;

  while (line != NULL)
    {
      char *nl = strchr (line, '\n');
      KmoddLoadedModule *module;

      if (nl != NULL)
        *nl = '\0';
      else if (*line == '\0')
        break;

      module = *line != '\0' ? parse_line (line) : NULL;
      if (module != NULL)
        g_ptr_array_add (modules, module);
      else
        skipped++;

      line = nl ? nl + 1 : NULL;
    }

  if (out_skipped)
    *out_skipped = skipped;
  return modules;
}
