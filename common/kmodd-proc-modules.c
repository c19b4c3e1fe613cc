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

static gboolean
parse_taint (const char *t,
             char      **out_taint)
{
  gsize len = strlen (t);
  GString *taint;
  gsize i;

  if (len < 2 || t[0] != '(' || t[len - 1] != ')')
    return FALSE;
  taint = g_string_new (NULL);
  for (i = 1; i < len - 1; i++)
    {
      if (g_ascii_isupper (t[i]))
        g_string_append_c (taint, t[i]);
      else if (t[i] != '+' && t[i] != '-')
        {
          g_string_free (taint, TRUE);
          return FALSE;
        }
    }
  *out_taint = g_string_free (taint, FALSE);
  return TRUE;
}

/* Fills @holders from the "used by" column; returns FALSE if malformed. */
static gboolean
parse_holders (char      *column,
               GPtrArray *holders,
               gboolean  *out_permanent)
{
  char *h = column;
  char *comma;

  *out_permanent = FALSE;
  if (g_str_equal (column, "-"))
    return TRUE;

  while ((comma = strchr (h, ',')) != NULL)
    {
      *comma = '\0';
      if (g_str_equal (h, "[permanent]"))
        *out_permanent = TRUE;
      else if (is_module_name (h))
        g_ptr_array_add (holders, g_strdup (h));
      else
        return FALSE;
      h = comma + 1;
    }
  return *h == '\0';
}

static KmoddLoadedModule *
parse_line (char *line)
{
  g_autoptr(GPtrArray) holders = g_ptr_array_new_with_free_func (g_free);
  KmoddLoadedModule *module;
  KmoddLoadedState state;
  char *fields[7] = { NULL, };
  char *taint = NULL;
  gboolean permanent = FALSE;
  guint64 size = 0;
  gint refcount = 0;
  guint n = 0;
  char *save = NULL;
  char *tok;

  for (tok = strtok_r (line, " ", &save);
       tok != NULL && n < G_N_ELEMENTS (fields);
       tok = strtok_r (NULL, " ", &save))
    fields[n++] = tok;

  if (tok != NULL || n < 6 ||
      !is_module_name (fields[0]) ||
      !parse_u64 (fields[1], &size) ||
      !parse_int (fields[2], &refcount) ||
      !parse_holders (fields[3], holders, &permanent) ||
      !g_str_has_prefix (fields[5], "0x"))
    return NULL;

  if (g_str_equal (fields[4], "Live"))
    state = KMODD_LOADED_LIVE;
  else if (g_str_equal (fields[4], "Loading"))
    state = KMODD_LOADED_COMING;
  else if (g_str_equal (fields[4], "Unloading"))
    state = KMODD_LOADED_GOING;
  else
    return NULL;

  if (n == 7 && !parse_taint (fields[6], &taint))
    return NULL;

  g_ptr_array_add (holders, NULL);
  module = g_new0 (KmoddLoadedModule, 1);
  module->name = g_strdup (fields[0]);
  module->size = size;
  module->refcount = refcount;
  module->holders = (GStrv) g_ptr_array_steal (holders, NULL);
  module->state = state;
  module->taint = taint != NULL ? taint : g_strdup ("");
  module->permanent = permanent;
  return module;
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
