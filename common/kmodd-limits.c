/* kmodd-limits.c: the bounds on a call's arguments, checked before any
 * work. A call over a size bound (all arguments, a string, an array) is
 * LimitsExceeded; an option dictionary with too many entries or arguments
 * nested too deep are InvalidArgs, as any other malformed option.
 *
 * The check costs nothing proportional to what is over a bound: the size
 * of the serialized arguments and the number of an array's elements are
 * read, not counted, and each is checked before the elements are visited.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <gio/gio.h>

#include "kmodd-error.h"
#include "kmodd-limits.h"

static gboolean
check_value (GVariant *value,
             guint     depth,
             GError  **error)
{
  const GVariantType *type = g_variant_get_type (value);
  gsize n;
  gsize i;

  if (g_variant_type_is_basic (type))
    {
      if (g_variant_type_equal (type, G_VARIANT_TYPE_STRING) ||
          g_variant_type_equal (type, G_VARIANT_TYPE_OBJECT_PATH) ||
          g_variant_type_equal (type, G_VARIANT_TYPE_SIGNATURE))
        {
          /* the serialized size is the length plus the nul */
          n = g_variant_get_size (value);
          if (n > KMODD_STRING_MAX + 1)
            {
              g_set_error (error, KMODD_ERROR, KMODD_ERROR_LIMITS_EXCEEDED,
                           "A string of %" G_GSIZE_FORMAT " bytes; at most %d",
                           n - 1, KMODD_STRING_MAX);
              return FALSE;
            }
        }
      return TRUE;
    }

  if (depth >= KMODD_DEPTH_MAX)
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                   "Arguments nested more than %d deep", KMODD_DEPTH_MAX);
      return FALSE;
    }

  n = g_variant_n_children (value);
  if (g_variant_type_is_array (type))
    {
      if (g_variant_type_equal (type, G_VARIANT_TYPE_VARDICT) && n > KMODD_OPTIONS_MAX)
        {
          g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
                       "Too many options (%" G_GSIZE_FORMAT "; at most %d)",
                       n, KMODD_OPTIONS_MAX);
          return FALSE;
        }
      if (n > KMODD_ARRAY_MAX)
        {
          g_set_error (error, KMODD_ERROR, KMODD_ERROR_LIMITS_EXCEEDED,
                       "An array of %" G_GSIZE_FORMAT " elements; at most %d",
                       n, KMODD_ARRAY_MAX);
          return FALSE;
        }
    }

  for (i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (value, i);

      if (!check_value (child, depth + 1, error))
        return FALSE;
    }
  return TRUE;
}

/* Checks every bound of kmodd-limits.h on @arguments, a call's argument
 * tuple (or any value). */
gboolean
kmodd_limits_check (GVariant *arguments,
                    GError  **error)
{
  gsize size = g_variant_get_size (arguments);

  if (size > KMODD_CALL_SIZE_MAX)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_LIMITS_EXCEEDED,
                   "The arguments take %" G_GSIZE_FORMAT " bytes; at most %d",
                   size, KMODD_CALL_SIZE_MAX);
      return FALSE;
    }
  return check_value (arguments, 0, error);
}
