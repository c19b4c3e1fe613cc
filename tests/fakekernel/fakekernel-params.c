/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekernel-params.c: module parameters with kernel/params.c's
 * semantics: parsing, types, ranges and the values sysfs shows.
 */

#include "fakekernel-private.h"
#include "fakekernel-uevent.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ----------------------------------------------------------------- */
/* parameters (kernel/params.c semantics)                             */

void
fk_params_clear (FkParams *p)
{
  size_t i;

  for (i = 0; i < p->n; i++)
    free (p->items[i].value);
  p->n = 0;
}

static bool
fk_param_eq (const char *a, size_t alen, const char *b)
{
  size_t i;

  if (strlen (b) != alen)
    return false;
  for (i = 0; i < alen; i++)
    {
      char ca = a[i] == '-' ? '_' : a[i];
      char cb = b[i] == '-' ? '_' : b[i];

      if (ca != cb)
        return false;
    }
  return true;
}

/* kstrtoull(s, 0, ...) */
static int
fk_kstrtoull (const char *s, unsigned long long *out)
{
  unsigned int base = 10;
  unsigned long long v = 0;
  bool any = false;

  if (*s == '+')
    s++;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')
      && isxdigit ((unsigned char) s[2]))
    {
      base = 16;
      s += 2;
    }
  else if (s[0] == '0')
    base = 8;

  for (; *s != '\0'; s++)
    {
      unsigned int d;

      if (*s == '\n' && s[1] == '\0')
        break;
      if (*s >= '0' && *s <= '9')
        d = (unsigned int) (*s - '0');
      else if (*s >= 'a' && *s <= 'f')
        d = (unsigned int) (*s - 'a' + 10);
      else if (*s >= 'A' && *s <= 'F')
        d = (unsigned int) (*s - 'A' + 10);
      else
        return -EINVAL;
      if (d >= base)
        return -EINVAL;
      if (v > (ULLONG_MAX - d) / base)
        return -ERANGE;
      v = v * base + d;
      any = true;
    }
  if (!any)
    return -EINVAL;
  *out = v;
  return 0;
}

static int
fk_kstrtoll (const char *s, long long *out)
{
  unsigned long long u;
  int r;

  if (s[0] == '-')
    {
      r = fk_kstrtoull (s + 1, &u);
      if (r < 0)
        return r;
      if (u > (unsigned long long) LLONG_MAX + 1)
        return -ERANGE;
      *out = u == (unsigned long long) LLONG_MAX + 1 ? LLONG_MIN
                                                     : -(long long) u;
      return 0;
    }
  r = fk_kstrtoull (s, &u);
  if (r < 0)
    return r;
  if (u > (unsigned long long) LLONG_MAX)
    return -ERANGE;
  *out = (long long) u;
  return 0;
}

static int
fk_kstrtobool (const char *s, bool *out)
{
  switch (s[0])
    {
    case 'y': case 'Y': case 't': case 'T': case '1':
      *out = true;
      return 0;
    case 'n': case 'N': case 'f': case 'F': case '0':
      *out = false;
      return 0;
    case 'o': case 'O':
      if (s[1] == 'n' || s[1] == 'N')
        {
          *out = true;
          return 0;
        }
      if (s[1] == 'f' || s[1] == 'F')
        {
          *out = false;
          return 0;
        }
      return -EINVAL;
    default:
      return -EINVAL;
    }
}

/* Normalizes one scalar value of @type the way param_get_* prints it. */
static int
fk_param_format_one (const char *type, const char *val, char *out,
                     size_t size)
{
  static const struct
  {
    const char        *type;
    bool               is_signed;
    long long          min;
    unsigned long long max;
  } ints[] = {
    { "byte", false, 0, UCHAR_MAX },
    { "short", true, SHRT_MIN, SHRT_MAX },
    { "ushort", false, 0, USHRT_MAX },
    { "int", true, INT_MIN, INT_MAX },
    { "uint", false, 0, UINT_MAX },
    { "hexint", false, 0, UINT_MAX },
    { "long", true, LONG_MIN, LONG_MAX },
    { "ulong", false, 0, ULONG_MAX },
    { "ullong", false, 0, ULLONG_MAX },
  };
  size_t i;

  if (strcmp (type, "bool") == 0 || strcmp (type, "invbool") == 0)
    {
      bool b;

      if (fk_kstrtobool (val != NULL ? val : "1", &b) < 0)
        return -EINVAL;
      /* invbool stores the inverse and prints it inverted again */
      snprintf (out, size, "%c", b ? 'Y' : 'N');
      return 0;
    }

  if (val == NULL)
    return -EINVAL;  /* only bools may omit the value */

  for (i = 0; i < sizeof ints / sizeof ints[0]; i++)
    {
      if (strcmp (type, ints[i].type) != 0)
        continue;
      if (ints[i].is_signed)
        {
          long long v;
          int r = fk_kstrtoll (val, &v);

          if (r < 0)
            return r;
          if (v < ints[i].min || v > (long long) ints[i].max)
            return -ERANGE;
          snprintf (out, size, "%lld", v);
        }
      else
        {
          unsigned long long v;
          int r = fk_kstrtoull (val, &v);

          if (r < 0)
            return r;
          if (v > ints[i].max)
            return -ERANGE;
          if (strcmp (type, "hexint") == 0)
            snprintf (out, size, "%#08x", (unsigned int) v);
          else
            snprintf (out, size, "%llu", v);
        }
      return 0;
    }

  if (strcmp (type, "charp") == 0 && strlen (val) > FK_CHARP_MAX)
    return -ENOSPC;
  /* charp, string and anything we do not know: shown as given */
  if (strlen (val) >= size)
    return -ENOSPC;
  snprintf (out, size, "%s", val);
  return 0;
}

static int
fk_param_format (const char *type, const char *val, char **out)
{
  static const char array_prefix[] = "array of ";
  char buf[4096];
  int r;

  if (strncmp (type, array_prefix, strlen (array_prefix)) == 0)
    {
      const char *elem = type + strlen (array_prefix);
      const char *p = val;
      size_t used = 0;

      if (val == NULL)
        return -EINVAL;
      buf[0] = '\0';
      for (;;)
        {
          const char *comma = strchr (p, ',');
          size_t len = comma ? (size_t) (comma - p) : strlen (p);
          char one[1024], fmt[1024];

          if (len >= sizeof one)
            return -ENOSPC;
          memcpy (one, p, len);
          one[len] = '\0';
          r = fk_param_format_one (elem, one, fmt, sizeof fmt);
          if (r < 0)
            return r;
          if (used + strlen (fmt) + 2 >= sizeof buf)
            return -ENOSPC;
          used += (size_t) snprintf (buf + used, sizeof buf - used, "%s%s",
                                     used ? "," : "", fmt);
          if (comma == NULL)
            break;
          p = comma + 1;
        }
    }
  else
    {
      r = fk_param_format_one (type, val, buf, sizeof buf);
      if (r < 0)
        return r;
    }
  *out = strdup (buf);
  return *out ? 0 : -ENOMEM;
}

/* next_arg() of kernel/params.c: splits "key=value" words separated by
* white space, honouring double quotes around the word or the value. */
static char *
fk_next_arg (char *args, char **param, char **val)
{
  size_t i, equals = 0;
  bool in_quote = false, quoted = false;

  if (*args == '"')
    {
      args++;
      in_quote = quoted = true;
    }
  for (i = 0; args[i] != '\0'; i++)
    {
      if (isspace ((unsigned char) args[i]) && !in_quote)
        break;
      if (equals == 0 && args[i] == '=')
        equals = i;
      if (args[i] == '"')
        in_quote = !in_quote;
    }

  *param = args;
  *val = NULL;
  if (equals != 0)
    {
      args[equals] = '\0';
      *val = args + equals + 1;
      if (**val == '"')
        {
          (*val)++;
          if (i > 0 && args[i - 1] == '"')
            args[i - 1] = '\0';
        }
    }
  if (quoted && i > 0 && args[i - 1] == '"')
    args[i - 1] = '\0';

  if (args[i] != '\0')
    {
      args[i] = '\0';
      args += i + 1;
    }
  else
    args += i;

  while (isspace ((unsigned char) *args))
    args++;
  return args;
}

/* Looks up @key among the module's parmtype= declarations; copies its
 * canonical name and type. */
static bool
fk_find_param (const FkElfModule *mod, const char *key, char *name,
               size_t name_size, char *type, size_t type_size)
{
  size_t cursor = 0;
  const char *decl;

  while ((decl = fk_elf_modinfo_next (mod, "parmtype", &cursor)) != NULL)
    {
      const char *colon = strchr (decl, ':');

      if (colon == NULL)
        continue;
      if (fk_param_eq (decl, (size_t) (colon - decl), key))
        {
          snprintf (name, name_size, "%.*s", (int) (colon - decl), decl);
          snprintf (type, type_size, "%s", colon + 1);
          return true;
        }
    }
  /* a parm= description without parmtype: accept any string */
  cursor = 0;
  while ((decl = fk_elf_modinfo_next (mod, "parm", &cursor)) != NULL)
    {
      const char *colon = strchr (decl, ':');
      size_t len = colon ? (size_t) (colon - decl) : strlen (decl);

      if (fk_param_eq (decl, len, key))
        {
          snprintf (name, name_size, "%.*s", (int) len, decl);
          snprintf (type, type_size, "charp");
          return true;
        }
    }
  return false;
}

bool
fk_module_declares_params (const FkElfModule *mod)
{
  return fk_elf_modinfo_get (mod, "parmtype") != NULL
         || fk_elf_modinfo_get (mod, "parm") != NULL;
}

int
fk_parse_params (const FkElfModule *mod, const char *args, FkParams *out)
{
  char *copy, *p;
  int r = 0;

  out->n = 0;
  copy = strdup (args);
  if (copy == NULL)
    return -ENOMEM;
  p = copy;
  while (isspace ((unsigned char) *p))
    p++;
  while (*p != '\0')
    {
      char *key, *val, name[64], type[64];
      char *formatted = NULL;
      size_t i;

      p = fk_next_arg (p, &key, &val);
      if (strcmp (key, "--") == 0)
        break;
      if (!fk_find_param (mod, key, name, sizeof name, type, sizeof type))
        {
          fk_debug ("%s: unknown parameter '%s' ignored", mod->name, key);
          continue;
        }
      r = fk_param_format (type, val, &formatted);
      if (r < 0)
        {
          fk_debug ("%s: '%s' invalid for parameter '%s'", mod->name,
                    val ? val : "", key);
          break;
        }
      for (i = 0; i < out->n; i++)
        if (strcmp (out->items[i].key, name) == 0)
          break;
      if (i == out->n)
        {
          if (out->n == FK_MAX_PARAMS)
            {
              free (formatted);
              r = -E2BIG;
              break;
            }
          out->n++;
          snprintf (out->items[i].key, sizeof out->items[i].key, "%s", name);
        }
      else
        free (out->items[i].value);
      out->items[i].value = formatted;
    }
  free (copy);
  if (r < 0)
    fk_params_clear (out);
  return r;
}
