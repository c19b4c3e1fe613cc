/* kmodd-kernel-settings.c: the kernel's own settings that kmodd shows as
 * properties: release, modules_disabled, lockdown, signature enforcement.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <libkmod.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <syslog.h>

#include "kmodd-error.h"
#include "kmodd-kernel-private.h"
#include "kmodd-names.h"
#include "kmodd-validate.h"

/* ---- properties ---------------------------------------------------------- */

static char *
read_trimmed (const char *path)
{
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return g_strstrip (contents);
}

char *
kmodd_kernel_release (void)
{
  struct utsname u;

  if (uname (&u) < 0)
    return g_strdup ("");
  return g_strdup (u.release);
}

gboolean
kmodd_kernel_modules_disabled (void)
{
  g_autofree char *value = read_trimmed (KMODD_PATH_MODULES_DISABLED);

  return value != NULL && g_str_equal (value, "1");
}

char *
kmodd_kernel_lockdown (void)
{
  g_autofree char *value = read_trimmed (KMODD_PATH_LOCKDOWN);
  const char *open;
  const char *close;

  /* "none [integrity] confidentiality": the active mode is in brackets */
  if (value == NULL || (open = strchr (value, '[')) == NULL ||
      (close = strchr (open, ']')) == NULL)
    return g_strdup ("none");
  return g_strndup (open + 1, close - open - 1);
}

gboolean
kmodd_kernel_signatures_enforced (void)
{
  g_autofree char *value = read_trimmed (KMODD_PATH_SIG_ENFORCE);
  g_autofree char *lockdown = kmodd_kernel_lockdown ();

  return (value != NULL && g_str_equal (value, "Y")) ||
         !g_str_equal (lockdown, "none");
}
