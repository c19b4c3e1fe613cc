/* kmodd-records-file.c: the records of kmodd-autoclean.h on disk.
 *
 * The file is a GKeyFile with one group per module, written atomically
 * (write, fsync, rename) so that a crash leaves the old or the new state,
 * never half of one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "kmodd-names.h"
#include "kmodd-records-file.h"
#include "kmodd-validate.h"

#define STATE_FILE   "modules"
#define GROUP_PREFIX "module "

char *
kmodd_records_file_default_dir (void)
{
  /* systemd's RuntimeDirectory= sets this; without systemd, the default */
  const char *dir = g_getenv (KMODD_ENV_RUNTIME_DIRECTORY);

  if (dir != NULL && g_path_is_absolute (dir) && strchr (dir, ':') == NULL)
    return g_strdup (dir);
  return g_build_filename (KMODD_RUNSTATEDIR, "kmodd", NULL);
}

gboolean
kmodd_records_file_save (KmoddAutoclean *ac,
                         const char     *dir,
                         GError        **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GPtrArray) records = kmodd_autoclean_snapshot (ac);
  g_autofree char *path = g_build_filename (dir, STATE_FILE, NULL);
  g_autofree char *data = NULL;
  gsize length = 0;
  guint i;

  for (i = 0; i < records->len; i++)
    {
      const KmoddRecord *record = g_ptr_array_index (records, i);
      g_autofree char *group = g_strconcat (GROUP_PREFIX, record->name, NULL);

      g_key_file_set_uint64 (file, group, "RequestedBy", record->uid);
      g_key_file_set_int64 (file, group, "LoadedAt", record->loaded_at);
      g_key_file_set_uint64 (file, group, "Instance", record->instance);
      g_key_file_set_boolean (file, group, "AutoClean", record->autoclean);
      if (record->autoclean)
        g_key_file_set_boolean (file, group, "Visited", record->visited);
      if (record->parameters != NULL)
        g_key_file_set_string (file, group, "Parameters", record->parameters);
    }

  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      int errsv = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "Cannot create %s: %s", dir, g_strerror (errsv));
      return FALSE;
    }

  data = g_key_file_to_data (file, &length, NULL);
  return g_file_set_contents_full (path, data, length,
                                   G_FILE_SET_CONTENTS_CONSISTENT |
                                   G_FILE_SET_CONTENTS_DURABLE,
                                   0600, error);
}

gboolean
kmodd_records_file_load (KmoddAutoclean *ac,
                         const char     *dir,
                         GError        **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autofree char *path = g_build_filename (dir, STATE_FILE, NULL);
  g_auto(GStrv) groups = NULL;
  guint i;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, error))
    return FALSE;

  groups = g_key_file_get_groups (file, NULL);
  for (i = 0; groups[i] != NULL; i++)
    {
      const char *name;
      g_autoptr(GError) local = NULL;
      KmoddRecord record = { 0, };
      g_autofree char *parameters = NULL;
      guint64 uid;

      if (!g_str_has_prefix (groups[i], GROUP_PREFIX))
        continue;
      name = groups[i] + strlen (GROUP_PREFIX);
      if (!kmodd_name_is_module_name (name))
        {
          g_autofree char *escaped = kmodd_escape (name);

          g_warning ("%s: ignoring invalid module name “%s”", path, escaped);
          continue;
        }

      uid = g_key_file_get_uint64 (file, groups[i], "RequestedBy", &local);
      if (local == NULL)
        record.loaded_at = g_key_file_get_int64 (file, groups[i], "LoadedAt", &local);
      if (local == NULL && g_key_file_has_key (file, groups[i], "Instance", NULL))
        record.instance = g_key_file_get_uint64 (file, groups[i], "Instance", &local);
      if (local == NULL)
        record.autoclean = g_key_file_get_boolean (file, groups[i], "AutoClean", &local);
      if (local == NULL && record.autoclean)
        record.visited = g_key_file_get_boolean (file, groups[i], "Visited", &local);
      if (local == NULL && g_key_file_has_key (file, groups[i], "Parameters", NULL))
        parameters = g_key_file_get_string (file, groups[i], "Parameters", &local);
      if (local != NULL || uid > G_MAXUINT32)
        {
          g_warning ("%s: ignoring the record of %s: %s", path, name,
                     local ? local->message : "invalid uid");
          continue;
        }

      record.name = (char *) name;
      record.uid = (guint32) uid;
      record.parameters = parameters;
      kmodd_autoclean_restore (ac, &record);
    }
  return TRUE;
}
