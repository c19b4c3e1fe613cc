/* kmodctl-output.c: what kmodctl prints, for people and as JSON.
 *
 * The JSON documents are an interface for scripts: their keys are the
 * D-Bus interface's and kmodctl(1) documents them. Keys are never removed
 * or change type; new ones may come.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "kmodctl-output.h"
#include "kmodd-names.h"

/* ---- helpers -------------------------------------------------------------- */

static void
print_json (JsonBuilder *builder,
            gboolean     pretty)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, pretty);
  text = json_generator_to_data (generator, NULL);
  fputs (text, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

static void
add_string_or_null (JsonBuilder *builder,
                    const char  *key,
                    const char  *value)
{
  json_builder_set_member_name (builder, key);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_strv (JsonBuilder        *builder,
          const char         *key,
          const char * const *values)
{
  json_builder_set_member_name (builder, key);
  json_builder_begin_array (builder);
  for (; values != NULL && *values != NULL; values++)
    json_builder_add_string_value (builder, *values);
  json_builder_end_array (builder);
}

static void
add_bool (JsonBuilder *builder,
          const char  *key,
          gboolean     value)
{
  json_builder_set_member_name (builder, key);
  json_builder_add_boolean_value (builder, value);
}

static void
add_int (JsonBuilder *builder,
         const char  *key,
         gint64       value)
{
  json_builder_set_member_name (builder, key);
  json_builder_add_int_value (builder, value);
}

static const char *
enum_nick (GType type,
           int   value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *v = g_enum_get_value (klass, value);

  return v ? v->value_nick : "unknown";
}

static const char *
yes_no (gboolean value)
{
  return value ? "yes" : "no";
}

/* Prints rows of cells in columns as wide as their widest cell; the last
 * column is not padded. */
static void
print_table (GPtrArray *rows)
{
  gsize *widths;
  guint n_columns = 0;
  guint i;
  guint j;

  for (i = 0; i < rows->len; i++)
    n_columns = MAX (n_columns, g_strv_length (g_ptr_array_index (rows, i)));
  widths = g_new0 (gsize, n_columns);
  for (i = 0; i < rows->len; i++)
    {
      GStrv row = g_ptr_array_index (rows, i);

      for (j = 0; row[j] != NULL; j++)
        widths[j] = MAX (widths[j], (gsize) g_utf8_strlen (row[j], -1));
    }

  for (i = 0; i < rows->len; i++)
    {
      GStrv row = g_ptr_array_index (rows, i);
      g_autoptr(GString) line = g_string_new (NULL);

      for (j = 0; row[j] != NULL; j++)
        {
          g_string_append (line, row[j]);
          if (row[j + 1] != NULL)
            {
              gsize pad = widths[j] - (gsize) g_utf8_strlen (row[j], -1) + 2;

              while (pad-- > 0)
                g_string_append_c (line, ' ');
            }
        }
      while (line->len > 0 && line->str[line->len - 1] == ' ')
        g_string_truncate (line, line->len - 1);
      g_string_append_c (line, '\n');
      fputs (line->str, stdout);
    }
  fflush (stdout);
  g_free (widths);
}

/* ---- list ------------------------------------------------------------------ */

static const char *
autoclean_cell (KmoddModule *module)
{
  if (!kmodd_module_get_autoclean (module))
    return "-";
  return kmodd_module_get_visited (module) ? "visited" : "marked";
}

static char *
used_by_cell (KmoddModule *module)
{
  const char * const *holders = kmodd_module_get_holders (module);
  g_autofree char *joined = g_strjoinv (",", (char **) holders);

  if (kmodd_module_get_state (module) == KMODD_MODULE_STATE_BUILTIN)
    return g_strdup ("-");
  if (kmodd_module_get_refcount (module) < 0)
    return joined[0] ? g_strdup_printf ("- %s", joined) : g_strdup ("-");
  if (joined[0] == '\0')
    return g_strdup_printf ("%d", kmodd_module_get_refcount (module));
  return g_strdup_printf ("%d %s", kmodd_module_get_refcount (module), joined);
}

static void
print_modules_json (GPtrArray *modules)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint i;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "modules");
  json_builder_begin_array (builder);
  for (i = 0; i < modules->len; i++)
    {
      KmoddModule *module = g_ptr_array_index (modules, i);
      GDateTime *loaded_at = kmodd_module_get_loaded_at (module);

      json_builder_begin_object (builder);
      add_string_or_null (builder, KMODD_MODULE_NAME, kmodd_module_get_name (module));
      add_string_or_null (builder, KMODD_MODULE_STATE,
                          enum_nick (KMODD_TYPE_MODULE_STATE, kmodd_module_get_state (module)));
      add_int (builder, KMODD_MODULE_SIZE, (gint64) kmodd_module_get_size (module));
      add_int (builder, KMODD_MODULE_REFCOUNT, kmodd_module_get_refcount (module));
      add_strv (builder, KMODD_MODULE_HOLDERS, kmodd_module_get_holders (module));
      add_string_or_null (builder, KMODD_MODULE_TAINT, kmodd_module_get_taint (module));
      add_bool (builder, KMODD_MODULE_AUTOCLEAN, kmodd_module_get_autoclean (module));
      json_builder_set_member_name (builder, KMODD_MODULE_VISITED);
      if (kmodd_module_get_autoclean (module))
        json_builder_add_boolean_value (builder, kmodd_module_get_visited (module));
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, KMODD_MODULE_REQUESTED_BY);
      if (kmodd_module_has_requested_by (module))
        json_builder_add_int_value (builder, kmodd_module_get_requested_by (module));
      else
        json_builder_add_null_value (builder);
      add_int (builder, KMODD_MODULE_DEVICES, kmodd_module_get_devices (module));
      json_builder_set_member_name (builder, KMODD_MODULE_LOADED_AT);
      if (loaded_at != NULL)
        json_builder_add_int_value (builder, g_date_time_to_unix (loaded_at) * G_USEC_PER_SEC +
                                    g_date_time_get_microsecond (loaded_at));
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  print_json (builder, TRUE);
}

void
kmodctl_print_modules (GPtrArray *modules,
                       gboolean   json)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  guint i;

  if (json)
    {
      print_modules_json (modules);
      return;
    }

  g_ptr_array_add (rows, g_strsplit ("Module Size State AutoClean Devices Used_by", " ", -1));
  g_strdelimit (((GStrv) g_ptr_array_index (rows, 0))[5], "_", ' ');
  for (i = 0; i < modules->len; i++)
    {
      KmoddModule *module = g_ptr_array_index (modules, i);
      KmoddModuleState state = kmodd_module_get_state (module);
      GStrv row = g_new0 (char *, 7);

      row[0] = g_strdup (kmodd_module_get_name (module));
      row[1] = state == KMODD_MODULE_STATE_BUILTIN
                 ? g_strdup ("-")
                 : g_strdup_printf ("%" G_GUINT64_FORMAT, kmodd_module_get_size (module));
      row[2] = g_strdup (enum_nick (KMODD_TYPE_MODULE_STATE, state));
      row[3] = g_strdup (autoclean_cell (module));
      row[4] = g_strdup_printf ("%u", kmodd_module_get_devices (module));
      row[5] = used_by_cell (module);
      g_ptr_array_add (rows, row);
    }
  print_table (rows);
}

/* ---- devices ---------------------------------------------------------------- */

static void
print_devices_json (GPtrArray *devices)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  guint i;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "devices");
  json_builder_begin_array (builder);
  for (i = 0; i < devices->len; i++)
    {
      KmoddDevice *device = g_ptr_array_index (devices, i);

      json_builder_begin_object (builder);
      add_string_or_null (builder, KMODD_DEVICE_SYSPATH, kmodd_device_get_syspath (device));
      add_string_or_null (builder, KMODD_DEVICE_SUBSYSTEM, kmodd_device_get_subsystem (device));
      add_string_or_null (builder, KMODD_DEVICE_MODALIAS, kmodd_device_get_modalias (device));
      add_string_or_null (builder, KMODD_DEVICE_VENDOR, kmodd_device_get_vendor (device));
      add_string_or_null (builder, KMODD_DEVICE_MODEL, kmodd_device_get_model (device));
      add_string_or_null (builder, KMODD_DEVICE_DRIVER, kmodd_device_get_driver (device));
      add_string_or_null (builder, KMODD_DEVICE_MODULE, kmodd_device_get_module (device));
      add_strv (builder, KMODD_DEVICE_CANDIDATES, kmodd_device_get_candidates (device));
      add_strv (builder, KMODD_DEVICE_BLACKLISTED, kmodd_device_get_blacklisted (device));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  print_json (builder, TRUE);
}

/* "e1000", or "DRIVER (MODULE)" when they differ; "-" when unbound */
static char *
driver_cell (KmoddDevice *device)
{
  const char *driver = kmodd_device_get_driver (device);
  const char *module = kmodd_device_get_module (device);

  if (driver == NULL)
    return g_strdup ("-");
  if (module == NULL || g_str_equal (driver, module))
    return g_strdup (driver);
  return g_strdup_printf ("%s (%s)", driver, module);
}

/* "e1000,e1000e", a blacklisted one as "pcspkr(blacklisted)"; "-" if none */
static char *
candidates_cell (KmoddDevice *device)
{
  const char * const *candidates = kmodd_device_get_candidates (device);
  const char * const *blacklisted = kmodd_device_get_blacklisted (device);
  g_autoptr(GString) cell = g_string_new (NULL);

  for (; *candidates != NULL; candidates++)
    {
      if (cell->len > 0)
        g_string_append_c (cell, ',');
      g_string_append (cell, *candidates);
      if (g_strv_contains (blacklisted, *candidates))
        g_string_append (cell, "(blacklisted)");
    }
  return g_strdup (cell->len > 0 ? cell->str : "-");
}

void
kmodctl_print_devices (GPtrArray *devices,
                       gboolean   json)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  guint i;

  if (json)
    {
      print_devices_json (devices);
      return;
    }

  g_ptr_array_add (rows, g_strsplit ("Address Subsystem Device Driver Candidates", " ", -1));
  for (i = 0; i < devices->len; i++)
    {
      KmoddDevice *device = g_ptr_array_index (devices, i);
      const char *vendor = kmodd_device_get_vendor (device);
      const char *model = kmodd_device_get_model (device);
      GStrv row = g_new0 (char *, 6);

      row[0] = g_path_get_basename (kmodd_device_get_syspath (device));
      row[1] = g_strdup (kmodd_device_get_subsystem (device));
      if (vendor != NULL || model != NULL)
        row[2] = g_strjoin (" ", vendor ? vendor : model, vendor ? model : NULL, NULL);
      else
        row[2] = g_strdup ("-");
      row[3] = driver_cell (device);
      row[4] = candidates_cell (device);
      g_ptr_array_add (rows, row);
    }
  print_table (rows);
}

/* ---- info ------------------------------------------------------------------- */

static void
print_field (const char *key,
             const char *value)
{
  g_autofree char *trimmed = NULL;

  if (value == NULL)
    return;
  /* vermagic ends in a space; a line should not */
  trimmed = g_strchomp (g_strdup (value));
  printf ("%-16s %s\n", key, trimmed);
}

static void
print_fields (const char         *key,
              const char * const *values)
{
  for (; values != NULL && *values != NULL; values++)
    print_field (key, *values);
}

void
kmodctl_print_info (KmoddModuleInfo *info,
                    gboolean         json)
{
  const char * const *parameters = kmodd_module_info_get_parameter_names (info);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_string_or_null (builder, KMODD_INFO_NAME, kmodd_module_info_get_name (info));
      add_string_or_null (builder, KMODD_INFO_FILENAME, kmodd_module_info_get_filename (info));
      add_string_or_null (builder, "description", kmodd_module_info_get_description (info));
      add_string_or_null (builder, "author", kmodd_module_info_get_author (info));
      add_string_or_null (builder, "license", kmodd_module_info_get_license (info));
      add_string_or_null (builder, "version", kmodd_module_info_get_version (info));
      add_string_or_null (builder, "vermagic", kmodd_module_info_get_vermagic (info));
      add_string_or_null (builder, "signer", kmodd_module_info_get_signer (info));
      add_strv (builder, KMODD_INFO_DEPENDS, kmodd_module_info_get_depends (info));
      add_strv (builder, KMODD_INFO_ALIASES, kmodd_module_info_get_aliases (info));
      add_string_or_null (builder, KMODD_INFO_SOFTDEPS, kmodd_module_info_get_softdeps (info));
      add_strv (builder, KMODD_INFO_FIRMWARE, kmodd_module_info_get_firmware (info));
      json_builder_set_member_name (builder, KMODD_INFO_PARAMETERS);
      json_builder_begin_object (builder);
      for (; *parameters != NULL; parameters++)
        {
          json_builder_set_member_name (builder, *parameters);
          json_builder_add_string_value (builder,
                                         kmodd_module_info_get_parameter_description (info, *parameters));
        }
      json_builder_end_object (builder);
      add_bool (builder, KMODD_INFO_LOADED, kmodd_module_info_get_loaded (info));
      add_bool (builder, KMODD_INFO_BUILTIN, kmodd_module_info_get_builtin (info));
      add_bool (builder, KMODD_INFO_BLACKLISTED, kmodd_module_info_get_blacklisted (info));
      add_bool (builder, KMODD_INFO_HAS_INSTALL_COMMAND,
                kmodd_module_info_get_has_install_command (info));
      json_builder_end_object (builder);
      print_json (builder, TRUE);
      return;
    }

  print_field ("name:", kmodd_module_info_get_name (info));
  print_field ("filename:", kmodd_module_info_get_filename (info));
  print_field ("description:", kmodd_module_info_get_description (info));
  print_field ("author:", kmodd_module_info_get_author (info));
  print_field ("license:", kmodd_module_info_get_license (info));
  print_field ("version:", kmodd_module_info_get_version (info));
  print_field ("vermagic:", kmodd_module_info_get_vermagic (info));
  print_field ("signer:", kmodd_module_info_get_signer (info));
  print_fields ("depends:", kmodd_module_info_get_depends (info));
  print_fields ("alias:", kmodd_module_info_get_aliases (info));
  print_field ("softdeps:", kmodd_module_info_get_softdeps (info));
  print_fields ("firmware:", kmodd_module_info_get_firmware (info));
  for (; *parameters != NULL; parameters++)
    {
      const char *description = kmodd_module_info_get_parameter_description (info, *parameters);
      g_autofree char *line = NULL;

      line = description && *description ? g_strdup_printf ("%s: %s", *parameters, description)
                                          : g_strdup (*parameters);
      print_field ("parm:", line);
    }
  print_field ("loaded:", yes_no (kmodd_module_info_get_loaded (info)));
  print_field ("builtin:", yes_no (kmodd_module_info_get_builtin (info)));
  print_field ("blacklisted:", yes_no (kmodd_module_info_get_blacklisted (info)));
  print_field ("install command:", yes_no (kmodd_module_info_get_has_install_command (info)));
  fflush (stdout);
}

/* ---- status ------------------------------------------------------------------- */

void
kmodctl_print_status (KmoddClient *client,
                      gboolean     json)
{
  guint interval = kmodd_client_get_autoclean_interval (client);
  g_autofree char *interval_text = NULL;

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      add_string_or_null (builder, "version", kmodd_client_get_version (client));
      add_string_or_null (builder, "kernel-release", kmodd_client_get_kernel_release (client));
      add_string_or_null (builder, "lockdown", kmodd_client_get_lockdown (client));
      add_bool (builder, "modules-disabled", kmodd_client_get_modules_disabled (client));
      add_bool (builder, "signatures-enforced", kmodd_client_get_signatures_enforced (client));
      add_int (builder, "autoclean-interval", interval);
      add_int (builder, "autoclean-marks", kmodd_client_get_autoclean_marks (client));
      json_builder_end_object (builder);
      print_json (builder, TRUE);
      return;
    }

  interval_text = interval ? g_strdup_printf ("%u s", interval) : g_strdup ("off");
  printf ("%-20s %s\n", "Version:", kmodd_client_get_version (client));
  printf ("%-20s %s\n", "Kernel release:", kmodd_client_get_kernel_release (client));
  printf ("%-20s %s\n", "Lockdown:", kmodd_client_get_lockdown (client));
  printf ("%-20s %s\n", "Modules disabled:", yes_no (kmodd_client_get_modules_disabled (client)));
  printf ("%-20s %s\n", "Signatures enforced:",
          yes_no (kmodd_client_get_signatures_enforced (client)));
  printf ("%-20s %s\n", "AutoClean interval:", interval_text);
  printf ("%-20s %u\n", "AutoClean marks:", kmodd_client_get_autoclean_marks (client));
  fflush (stdout);
}

/* ---- monitor --------------------------------------------------------------------- */

static const char *
event_reason (KmoddModuleEvent *event)
{
  const char *reason = NULL;

  /* the service's own word, also for reasons this library does not know */
  if (g_variant_lookup (kmodd_module_event_get_details (event), KMODD_DETAIL_REASON, "&s",
                        &reason))
    return reason;
  return enum_nick (KMODD_TYPE_MODULE_EVENT_REASON, kmodd_module_event_get_reason (event));
}

void
kmodctl_print_event (KmoddModuleEvent *event,
                     gboolean          json)
{
  GDateTime *time = kmodd_module_event_get_time (event);
  const char *kind = kmodd_module_event_get_kind (event) == KMODD_MODULE_EVENT_KIND_LOADED
                       ? "loaded" : "unloaded";

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autofree char *iso = g_date_time_format_iso8601 (time);

      json_builder_begin_object (builder);
      add_string_or_null (builder, "time", iso);
      add_string_or_null (builder, "event", kind);
      add_string_or_null (builder, "name", kmodd_module_event_get_name (event));
      add_string_or_null (builder, "reason", event_reason (event));
      json_builder_set_member_name (builder, "uid");
      if (kmodd_module_event_has_uid (event))
        json_builder_add_int_value (builder, kmodd_module_event_get_uid (event));
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
      print_json (builder, FALSE);
    }
  else
    {
      g_autofree char *stamp = g_date_time_format (time, "%Y-%m-%d %H:%M:%S");
      g_autofree char *uid = kmodd_module_event_has_uid (event)
                               ? g_strdup_printf ("%u", kmodd_module_event_get_uid (event))
                               : g_strdup ("-");

      printf ("%s.%03d %-8s %s %s %s\n", stamp, g_date_time_get_microsecond (time) / 1000,
              kind, kmodd_module_event_get_name (event), event_reason (event), uid);
      fflush (stdout);
    }
}

/* ---- load, unload, autoclean ------------------------------------------------------ */

void
kmodctl_print_names (const char         *verb,
                     const char * const *names)
{
  for (; names != NULL && *names != NULL; names++)
    printf ("%s %s\n", verb, *names);
  fflush (stdout);
}
