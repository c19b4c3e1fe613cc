/* kmodd-manager-replies.c: List and Info. List's reply is built from ready
 * parts and kept while neither /proc/modules nor the records change, and
 * no device is bound or unbound (its "devices" counts; kept only while the
 * monitor says so: kmodd-manager-devices.c); Info
 * asks kmodd-kernel-info.c, which keeps its own answers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <malloc.h>

#include "kmodd-error.h"
#include "kmodd-manager-private.h"
#include "kmodd-names.h"
#include "kmodd-records-file.h"
#include "kmodd-validate.h"

static const char * const list_key_names[N_KEYS] = {
  KMODD_MODULE_NAME, KMODD_MODULE_STATE, KMODD_MODULE_SIZE, KMODD_MODULE_REFCOUNT,
  KMODD_MODULE_HOLDERS, KMODD_MODULE_TAINT, KMODD_MODULE_AUTOCLEAN, KMODD_MODULE_VISITED,
  KMODD_MODULE_REQUESTED_BY, KMODD_MODULE_LOADED_AT, KMODD_MODULE_DEVICES,
};

/* The parts of List's entries, made once per manager. */
void
manager_replies_init (KmoddManager *self)
{
  guint i;

  G_STATIC_ASSERT (G_N_ELEMENTS (self->list_keys) == N_KEYS);
  for (i = 0; i < N_KEYS; i++)
    self->list_keys[i] = g_variant_ref_sink (g_variant_new_string (list_key_names[i]));
  self->device_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

void
manager_replies_clear (KmoddManager *self)
{
  guint i;

  for (i = 0; i < N_KEYS; i++)
    g_clear_pointer (&self->list_keys[i], g_variant_unref);
  g_clear_pointer (&self->list_reply, g_variant_unref);
  g_clear_pointer (&self->list_contents, g_bytes_unref);
  g_clear_pointer (&self->device_counts, g_hash_table_unref);
}

static GVariant *
make_entry (KmoddManager            *self,
            const KmoddLoadedModule *module,
            const char              *state,
            const KmoddRecord       *record)
{
  GVariant *items[N_KEYS];
  guint n = 0;

#define ITEM(key, value) \
  items[n++] = g_variant_new_dict_entry (self->list_keys[key], g_variant_new_variant (value))

  ITEM (KEY_NAME, g_variant_new_string (module->name));
  ITEM (KEY_STATE, g_variant_new_string (state));
  ITEM (KEY_SIZE, g_variant_new_uint64 (module->size));
  /* -1: can never be removed (no exit function), as lsmod once showed */
  ITEM (KEY_REFCOUNT, g_variant_new_int32 (module->permanent ? -1 : module->refcount));
  ITEM (KEY_HOLDERS, g_variant_new_strv ((const char * const *) module->holders, -1));
  ITEM (KEY_TAINT, g_variant_new_string (module->taint));
  ITEM (KEY_AUTOCLEAN, g_variant_new_boolean (record != NULL && record->autoclean));
  ITEM (KEY_DEVICES, g_variant_new_uint32 (manager_count_devices (self, module->name)));
  if (record != NULL)
    {
      if (record->autoclean)
        ITEM (KEY_VISITED, g_variant_new_boolean (record->visited));
      ITEM (KEY_REQUESTED_BY, g_variant_new_uint32 (record->uid));
      ITEM (KEY_LOADED_AT, g_variant_new_uint64 ((guint64) record->loaded_at));
    }
#undef ITEM

  return g_variant_new_array (G_VARIANT_TYPE ("{sv}"), items, n);
}

/* Builds the List reply from /proc/modules' @contents and the records;
 * also says which modules are loaded, in @loaded when not NULL. */
static GVariant *
build_list (KmoddManager *self,
            GBytes       *contents,
            GHashTable   *wanted,
            gboolean      include_builtin,
            GHashTable   *loaded)
{
  g_autoptr(GPtrArray) modules = kmodd_kernel_parse_proc_modules (contents);
  g_autoptr(GPtrArray) records = kmodd_autoclean_snapshot (self->autoclean);
  g_autoptr(GHashTable) by_name = NULL;
  g_autoptr(GPtrArray) entries = g_ptr_array_new ();
  guint i;

  if (records->len > 0)
    {
      by_name = g_hash_table_new (g_str_hash, g_str_equal);
      for (i = 0; i < records->len; i++)
        {
          KmoddRecord *record = g_ptr_array_index (records, i);

          g_hash_table_insert (by_name, record->name, record);
        }
    }

  for (i = 0; i < modules->len; i++)
    {
      KmoddLoadedModule *module = g_ptr_array_index (modules, i);

      if (loaded != NULL)
        g_hash_table_add (loaded, g_strdup (module->name));
      if (wanted != NULL && !g_hash_table_contains (wanted, module->name))
        continue;
      g_ptr_array_add (entries,
                       make_entry (self, module, kmodd_loaded_state_to_string (module->state),
                                   by_name ? g_hash_table_lookup (by_name, module->name) : NULL));
    }

  if (include_builtin)
    {
      const char * const *builtin = kmodd_kernel_get_builtin (self->kernel);
      static char *no_holders[] = { NULL };

      for (i = 0; builtin[i] != NULL; i++)
        {
          KmoddLoadedModule entry = {
            .name = (char *) builtin[i], .holders = no_holders, .taint = (char *) "",
          };

          if (wanted != NULL && !g_hash_table_contains (wanted, builtin[i]))
            continue;
          g_ptr_array_add (entries, make_entry (self, &entry, KMODD_STATE_BUILTIN, NULL));
        }
    }

  return g_variant_new_array (G_VARIANT_TYPE_VARDICT, (GVariant **) entries->pdata, entries->len);
}

gboolean
manager_handle_list (KmoddDBusManager      *skeleton,
                     GDBusMethodInvocation *invocation,
                     GVariant              *options,
                     KmoddManager          *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autoptr(GHashTable) wanted = NULL;
  g_autoptr(GHashTable) loaded = NULL;
  g_autofree const char **names = NULL;
  gboolean include_builtin = FALSE;
  gboolean plain;
  guint64 generation;
  GVariant *reply;
  guint i;

  manager_log_debug_call (invocation, NULL, options);
  if (!kmodd_options_check (options, kmodd_list_options, &error))
    {
      manager_return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  g_variant_lookup (options, KMODD_OPTION_INCLUDE_BUILTIN, "b", &include_builtin);
  if (g_variant_lookup (options, KMODD_OPTION_NAMES, "^a&s", &names))
    {
      wanted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      for (i = 0; names[i] != NULL; i++)
        {
          if (!kmodd_name_is_module_name (names[i]))
            {
              g_autofree char *escaped = kmodd_escape (names[i]);

              g_set_error (&error, KMODD_ERROR, KMODD_ERROR_INVALID_NAME,
                           "“%s” in “names” is not a module name", escaped);
              manager_return_error (invocation, error);
              return G_DBUS_METHOD_INVOCATION_HANDLED;
            }
          g_hash_table_add (wanted, kmodd_module_name_normalize (names[i]));
        }
    }

  /* The generation before /proc/modules: records made after it (by a load
   * finishing on the worker meanwhile) are newer than what is read, and
   * must not be taken for records of modules that left. */
  generation = kmodd_autoclean_get_generation (self->autoclean);

  /* one read of /proc/modules */
  contents = kmodd_kernel_read_proc_modules (&error);
  if (contents == NULL)
    {
      manager_return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  /* A panel refreshing its list mostly asks again for what it got: when
   * neither /proc/modules nor the records changed, the last reply is the
   * answer. The generation was read before the records. */
  plain = !include_builtin && wanted == NULL;
  if (plain && self->list_reply != NULL && self->list_generation == generation &&
      g_bytes_equal (contents, self->list_contents))
    {
      kmodd_dbus_manager_complete_list (skeleton, invocation, self->list_reply);
      manager_update_idle (self);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  loaded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  reply = g_variant_ref_sink (build_list (self, contents, wanted, include_builtin, loaded));
  kmodd_dbus_manager_complete_list (skeleton, invocation, reply);

  /* records of modules that left without us seeing it go now */
  if (kmodd_autoclean_retain (self->autoclean, loaded, generation))
    {
      manager_save_state (self);
      manager_refresh_properties (self);
      g_variant_unref (reply);
    }
  else if (plain && self->devices_followed)
    {
      g_clear_pointer (&self->list_reply, g_variant_unref);
      g_clear_pointer (&self->list_contents, g_bytes_unref);
      self->list_reply = reply;
      self->list_contents = g_bytes_ref (contents);
      self->list_generation = generation;
    }
  else
    g_variant_unref (reply);

  manager_update_idle (self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

gboolean
manager_handle_info (KmoddDBusManager      *skeleton,
                     GDBusMethodInvocation *invocation,
                     const char            *name,
                     GVariant              *options,
                     KmoddManager          *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) info = NULL;

  manager_log_debug_call (invocation, name, options);
  if (!kmodd_options_check (options, NULL, &error))
    {
      manager_return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  info = kmodd_kernel_info (self->kernel, name, &error);
  if (info == NULL)
    manager_return_error (invocation, error);
  else
    kmodd_dbus_manager_complete_info (skeleton, invocation, info);

  manager_update_idle (self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

gboolean
manager_handle_list_available (KmoddDBusManager      *skeleton,
                               GDBusMethodInvocation *invocation,
                               GVariant              *options,
                               KmoddManager          *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) names = NULL;

  manager_log_debug_call (invocation, NULL, options);
  if (!kmodd_options_check (options, NULL, &error))
    {
      manager_return_error (invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }

  names = kmodd_kernel_list_available (self->kernel, &error);
  if (names == NULL)
    manager_return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation, g_variant_new_tuple (&names, 1));

  manager_update_idle (self);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}
