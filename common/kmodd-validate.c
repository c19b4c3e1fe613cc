/* kmodd-validate.c: checks for everything a caller sends.
 *
 * Nothing here touches the kernel or the file system; every function is a
 * pure function of its input, unit-tested and fuzzed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "kmodd-error.h"
#include "kmodd-names.h"
#include "kmodd-validate.h"

#define ESCAPE_MAX 200

static gboolean
is_name_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-';
}

gboolean
kmodd_name_is_module_name (const char *name)
{
  gsize i;

  if (name == NULL || name[0] == '\0' || name[0] == '-')
    return FALSE;

  for (i = 0; name[i] != '\0'; i++)
    {
      if (i >= KMODD_MODULE_NAME_MAX || !is_name_char (name[i]))
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_forbidden_in_alias (char c)
{
  /* printable ASCII only; no path separators, whitespace, quotes or glob
   * characters: an alias is matched against patterns, never globbed or
   * passed to a shell, but nothing legitimate needs these. */
  if (c <= 0x20 || c >= 0x7f)
    return TRUE;
  return strchr ("/\\\"'`*?[]", c) != NULL;
}

gboolean
kmodd_name_validate (const char    *name,
                     KmoddNameKind *out_kind,
                     GError       **error)
{
  gsize len;
  gsize i;

  g_return_val_if_fail (name != NULL, FALSE);

  len = strlen (name);
  if (len == 0)
    {
      g_set_error_literal (error, KMODD_ERROR, KMODD_ERROR_INVALID_NAME,
                           "The module name is empty");
      return FALSE;
    }

  if (name[0] == '-')
    {
      g_set_error_literal (error, KMODD_ERROR, KMODD_ERROR_INVALID_NAME,
                           "A module name or alias cannot start with “-”");
      return FALSE;
    }

  if (kmodd_name_is_module_name (name))
    {
      if (out_kind)
        *out_kind = KMODD_NAME_MODULE;
      return TRUE;
    }

  if (len > KMODD_ALIAS_MAX)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_NAME,
                   "The name is %" G_GSIZE_FORMAT " bytes long; a module name "
                                                  "has at most %d characters and an alias at most %d bytes",
                   len, KMODD_MODULE_NAME_MAX, KMODD_ALIAS_MAX);
      return FALSE;
    }

  for (i = 0; i < len; i++)
    {
      if (is_forbidden_in_alias (name[i]))
        {
          g_set_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_NAME,
                       "Invalid character at position %" G_GSIZE_FORMAT ": a "
                                                                        "module name is letters, digits, “_” and “-”; an alias "
                                                                        "is printable ASCII without whitespace, quotes, “/”, "
                                                                        "“\\” or glob characters",
                       i + 1);
          return FALSE;
        }
    }

  if (out_kind)
    *out_kind = KMODD_NAME_ALIAS;
  return TRUE;
}

char *
kmodd_module_name_normalize (const char *name)
{
  char *copy = g_strdup (name);

  g_strdelimit (copy, "-", '_');
  return copy;
}

void
kmodd_parameter_free (KmoddParameter *param)
{
  if (param == NULL)
    return;
  g_free (param->key);
  g_free (param->value);
  g_free (param);
}

static gboolean
is_value_char (char c)
{
  /* What real module parameters use (numbers, lists, paths, MAC
   * addresses, names); nothing a shell would interpret. */
  return g_ascii_isalnum (c) || strchr ("_-.,:+/=@%~#^!", c) != NULL;
}

static gboolean
parse_error (GError    **error,
             const char *text,
             const char *where,
             const char *what)
{
  g_set_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS,
               "Invalid parameters at position %" G_GSIZE_FORMAT ": %s",
               (gsize) (where - text) + 1, what);
  return FALSE;
}

/* Parses the value after "key=" at *@pos, up to a space or the end;
 * double quotes group words. */
static char *
parse_value (const char  *text,
             const char **pos,
             GError     **error)
{
  const char *p = *pos;
  GString *value = g_string_new (NULL);

  while (*p != '\0' && *p != ' ')
    {
      if (*p == '"')
        {
          const char *open = p++;

          while (*p != '\0' && *p != '"')
            {
              if (*p != ' ' && !is_value_char (*p))
                {
                  g_string_free (value, TRUE);
                  parse_error (error, text, p, "character not allowed in a value");
                  return NULL;
                }
              g_string_append_c (value, *p++);
            }
          if (*p != '"')
            {
              g_string_free (value, TRUE);
              parse_error (error, text, open, "unterminated quote");
              return NULL;
            }
          p++;
        }
      else if (is_value_char (*p))
        g_string_append_c (value, *p++);
      else
        {
          g_string_free (value, TRUE);
          parse_error (error, text, p, "character not allowed in a value");
          return NULL;
        }
    }

  *pos = p;
  return g_string_free (value, FALSE);
}

GPtrArray *
kmodd_parameters_parse (const char *text,
                        GError    **error)
{
  g_autoptr(GPtrArray) params =
    g_ptr_array_new_with_free_func ((GDestroyNotify) kmodd_parameter_free);
  const char *p = text;
  gsize len;

  g_return_val_if_fail (text != NULL, NULL);

  len = strlen (text);
  if (len > KMODD_PARAMETERS_MAX)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS,
                   "Parameters are %" G_GSIZE_FORMAT " bytes long; at most %d "
                                                     "are accepted",
                   len, KMODD_PARAMETERS_MAX);
      return NULL;
    }

  while (*p != '\0')
    {
      KmoddParameter *param;
      const char *start;
      const char *key_end;
      char *value = NULL;

      if (*p == ' ')
        {
          p++;
          continue;
        }

      start = p;
      while (is_name_char (*p))
        p++;
      if (p == start || *start == '-')
        {
          parse_error (error, text, start,
                       "expected a parameter name (letters, digits, “_”, “-”)");
          return NULL;
        }
      if (p - start > 64)
        {
          parse_error (error, text, start, "the parameter name is too long");
          return NULL;
        }
      key_end = p;

      if (*p == '=')
        {
          p++;
          value = parse_value (text, &p, error);
          if (value == NULL)
            return NULL;
        }
      else if (*p != ' ' && *p != '\0')
        {
          parse_error (error, text, p, "expected “=”, a space or the end");
          return NULL;
        }

      param = g_new0 (KmoddParameter, 1);
      param->key = g_strndup (start, (gsize) (key_end - start));
      param->value = value;
      g_ptr_array_add (params, param);
    }

  if (params->len == 0)
    {
      g_set_error_literal (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS,
                           "The parameters are empty; leave the option out "
                           "instead");
      return NULL;
    }

  return g_steal_pointer (&params);
}

char *
kmodd_parameters_to_string (GPtrArray *params)
{
  GString *out = g_string_new (NULL);
  guint i;

  for (i = 0; i < params->len; i++)
    {
      const KmoddParameter *param = g_ptr_array_index (params, i);

      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, param->key);
      if (param->value == NULL)
        continue;
      g_string_append_c (out, '=');
      if (param->value[0] == '\0' || strchr (param->value, ' ') != NULL)
        g_string_append_printf (out, "\"%s\"", param->value);
      else
        g_string_append (out, param->value);
    }
  return g_string_free (out, FALSE);
}

gboolean
kmodd_parameters_check_declared (GPtrArray          *params,
                                 const char         *module,
                                 const char * const *declared,
                                 GError            **error)
{
  guint i;

  for (i = 0; i < params->len; i++)
    {
      const KmoddParameter *param = g_ptr_array_index (params, i);
      g_autofree char *key = kmodd_module_name_normalize (param->key);
      gboolean found = FALSE;
      gsize j;

      for (j = 0; declared != NULL && declared[j] != NULL; j++)
        {
          g_autofree char *decl = kmodd_module_name_normalize (declared[j]);

          if (g_str_equal (key, decl))
            {
              found = TRUE;
              break;
            }
        }

      if (!found)
        {
          g_set_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS,
                       "Module %s has no parameter “%s”", module, param->key);
          return FALSE;
        }
    }
  return TRUE;
}

const KmoddOptionSpec kmodd_load_options[] = {
  { KMODD_OPTION_PARAMETERS, "s" },
  { KMODD_OPTION_AUTOCLEAN, "b" },
  { KMODD_OPTION_DRY_RUN, "b" },
  { KMODD_OPTION_NO_BLOCK, "b" },
  { NULL, NULL },
};

const KmoddOptionSpec kmodd_unload_options[] = {
  { KMODD_OPTION_DEPENDENCIES, "b" },
  { KMODD_OPTION_UNBIND, "b" },
  { KMODD_OPTION_DRY_RUN, "b" },
  { NULL, NULL },
};

const KmoddOptionSpec kmodd_reload_options[] = {
  { KMODD_OPTION_PARAMETERS, "s" },
  { KMODD_OPTION_DRY_RUN, "b" },
  { NULL, NULL },
};

const KmoddOptionSpec kmodd_autoclean_options[] = {
  { KMODD_OPTION_ALL, "b" },
  { NULL, NULL },
};

const KmoddOptionSpec kmodd_devices_options[] = {
  { KMODD_OPTION_UNBOUND, "b" },
  { NULL, NULL },
};

const KmoddOptionSpec kmodd_list_options[] = {
  { KMODD_OPTION_INCLUDE_BUILTIN, "b" },
  { KMODD_OPTION_NAMES, "as" },
  { NULL, NULL },
};

gboolean
kmodd_options_check (GVariant              *options,
                     const KmoddOptionSpec *spec,
                     GError               **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GVariantIter iter;
  const char *key;
  GVariant *value;
  gsize n;

  g_return_val_if_fail (g_variant_is_of_type (options, G_VARIANT_TYPE_VARDICT), FALSE);

  n = g_variant_n_children (options);
  if (n > KMODD_OPTIONS_MAX)
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   "Too many options (%" G_GSIZE_FORMAT "; at most %d)",
                   n, KMODD_OPTIONS_MAX);
      return FALSE;
    }

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      const KmoddOptionSpec *match = NULL;
      const KmoddOptionSpec *s;

      for (s = spec; s != NULL && s->key != NULL; s++)
        {
          if (g_str_equal (s->key, key))
            {
              match = s;
              break;
            }
        }

      if (match == NULL)
        {
          g_autofree char *escaped = kmodd_escape (key);

          g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                       "Unknown option “%s”", escaped);
          g_variant_unref (value);
          return FALSE;
        }

      if (!g_variant_is_of_type (value, G_VARIANT_TYPE (match->type)))
        {
          g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                       "Option “%s” must be of type “%s”, not “%s”",
                       match->key, match->type, g_variant_get_type_string (value));
          g_variant_unref (value);
          return FALSE;
        }

      if (!g_hash_table_add (seen, (gpointer) match->key))
        {
          g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                       "Option “%s” is given more than once", match->key);
          g_variant_unref (value);
          return FALSE;
        }
    }

  return TRUE;
}

char *
kmodd_escape (const char *untrusted)
{
  GString *out;
  gsize i;

  if (untrusted == NULL)
    return g_strdup ("(null)");

  out = g_string_new (NULL);
  for (i = 0; untrusted[i] != '\0'; i++)
    {
      guchar c = (guchar) untrusted[i];

      if (i == ESCAPE_MAX)
        {
          g_string_append_printf (out, "…(%" G_GSIZE_FORMAT " bytes)",
                                  strlen (untrusted));
          break;
        }
      if (c == '\\')
        g_string_append (out, "\\\\");
      else if (c < 0x20 || c >= 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, (char) c);
    }
  return g_string_free (out, FALSE);
}
