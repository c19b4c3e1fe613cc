/* kmodd-module.c: one entry of the service's List.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "kmodd-enum-types.h"
#include "kmodd-names.h"
#include "kmodd-private.h"

/**
 * KmoddModule:
 *
 * A module as [method@Kmodd.Client.list_async] lists it: a snapshot of what
 * `/proc/modules` and the service knew at that moment, never updated. Watch
 * [signal@Kmodd.Client::module-loaded] and
 * [signal@Kmodd.Client::module-unloaded] and list again to stay current.
 *
 * Every value is also a read-only property, so that list widgets can bind
 * to them.
 */
struct _KmoddModule {
  GObject          parent_instance;

  char            *name;
  KmoddModuleState state;
  guint64          size;
  int              refcount;
  GStrv            holders;
  char            *taint;
  gboolean         autoclean;
  gboolean         visited;
  gboolean         has_requested_by;
  guint32          requested_by;
  GDateTime       *loaded_at;
  guint            devices;
};

G_DEFINE_FINAL_TYPE (KmoddModule, kmodd_module, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_STATE,
  PROP_SIZE,
  PROP_REFCOUNT,
  PROP_HOLDERS,
  PROP_TAINT,
  PROP_AUTOCLEAN,
  PROP_VISITED,
  PROP_HAS_REQUESTED_BY,
  PROP_REQUESTED_BY,
  PROP_LOADED_AT,
  PROP_DEVICES,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static KmoddModuleState
state_from_string (const char *state)
{
  static const struct {
    const char      *nick;
    KmoddModuleState state;
  } states[] = {
    { "live", KMODD_MODULE_STATE_LIVE },
    { "coming", KMODD_MODULE_STATE_COMING },
    { "going", KMODD_MODULE_STATE_GOING },
    { "builtin", KMODD_MODULE_STATE_BUILTIN },
  };
  gsize i;

  for (i = 0; state != NULL && i < G_N_ELEMENTS (states); i++)
    if (g_str_equal (states[i].nick, state))
      return states[i].state;
  return KMODD_MODULE_STATE_UNKNOWN;
}

static gboolean
is (GVariant           *value,
    const GVariantType *type)
{
  return g_variant_is_of_type (value, type);
}

KmoddModule *
_kmodd_module_new_from_variant (GVariant *entry)
{
  KmoddModule *self = g_object_new (KMODD_TYPE_MODULE, NULL);
  guint64 loaded_at = 0;
  gboolean has_loaded_at = FALSE;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  /* one pass over the entry: a List reply has one per module, and looking
   * each key up on its own costs ten times as much */
  g_variant_iter_init (&iter, entry);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      if (g_str_equal (key, KMODD_MODULE_NAME) && is (value, G_VARIANT_TYPE_STRING))
        {
          g_free (self->name);
          self->name = g_variant_dup_string (value, NULL);
        }
      else if (g_str_equal (key, KMODD_MODULE_STATE) && is (value, G_VARIANT_TYPE_STRING))
        self->state = state_from_string (g_variant_get_string (value, NULL));
      else if (g_str_equal (key, KMODD_MODULE_SIZE) && is (value, G_VARIANT_TYPE_UINT64))
        self->size = g_variant_get_uint64 (value);
      else if (g_str_equal (key, KMODD_MODULE_REFCOUNT) && is (value, G_VARIANT_TYPE_INT32))
        self->refcount = g_variant_get_int32 (value);
      else if (g_str_equal (key, KMODD_MODULE_HOLDERS) && is (value, G_VARIANT_TYPE_STRING_ARRAY))
        {
          g_strfreev (self->holders);
          self->holders = g_variant_dup_strv (value, NULL);
        }
      else if (g_str_equal (key, KMODD_MODULE_TAINT) && is (value, G_VARIANT_TYPE_STRING))
        {
          g_free (self->taint);
          self->taint = g_variant_dup_string (value, NULL);
        }
      else if (g_str_equal (key, KMODD_MODULE_AUTOCLEAN) && is (value, G_VARIANT_TYPE_BOOLEAN))
        self->autoclean = g_variant_get_boolean (value);
      else if (g_str_equal (key, KMODD_MODULE_VISITED) && is (value, G_VARIANT_TYPE_BOOLEAN))
        self->visited = g_variant_get_boolean (value);
      else if (g_str_equal (key, KMODD_MODULE_REQUESTED_BY) && is (value, G_VARIANT_TYPE_UINT32))
        {
          self->requested_by = g_variant_get_uint32 (value);
          self->has_requested_by = TRUE;
        }
      else if (g_str_equal (key, KMODD_MODULE_DEVICES) && is (value, G_VARIANT_TYPE_UINT32))
        self->devices = g_variant_get_uint32 (value);
      else if (g_str_equal (key, KMODD_MODULE_LOADED_AT) && is (value, G_VARIANT_TYPE_UINT64))
        {
          loaded_at = g_variant_get_uint64 (value);
          has_loaded_at = TRUE;
        }
    }

  if (self->name == NULL)
    self->name = g_strdup ("");
  if (self->holders == NULL)
    self->holders = g_new0 (char *, 1);
  if (self->taint == NULL)
    self->taint = g_strdup ("");
  if (has_loaded_at && loaded_at <= (guint64) G_MAXINT64)
    {
      g_autoptr(GDateTime) seconds =
        g_date_time_new_from_unix_utc ((gint64) (loaded_at / G_USEC_PER_SEC));

      if (seconds != NULL)
        self->loaded_at = g_date_time_add (seconds, (GTimeSpan) (loaded_at % G_USEC_PER_SEC));
    }

  return self;
}

/**
 * kmodd_module_get_name:
 * @module: a module
 *
 * Gets the module's name, as the kernel spells it (`snd_dummy`, with
 * underscores).
 *
 * Returns: the name
 */
const char *
kmodd_module_get_name (KmoddModule *module)
{
  g_return_val_if_fail (KMODD_IS_MODULE (module), NULL);
  return module->name;
}

/**
 * kmodd_module_get_state:
 * @module: a module
 *
 * Gets the module's state.
 *
 * Returns: the state
 */
KmoddModuleState
kmodd_module_get_state (KmoddModule *module)
{
  g_return_val_if_fail (KMODD_IS_MODULE (module), KMODD_MODULE_STATE_UNKNOWN);
  return module->state;
}

/**
 * kmodd_module_get_size:
 * @module: a module
 *
 * Gets the memory the module takes, in bytes; 0 for builtin modules.
 *
 * Returns: the size in bytes
 */
guint64
kmodd_module_get_size (KmoddModule *module)
{
  g_return_val_if_fail (KMODD_IS_MODULE (module), 0);
  return module->size;
}

/**
 * kmodd_module_get_refcount:
 * @module: a module
 *
 * Gets the module's use count: how many users (other modules, mounts,
 * open devices) hold it. A module with a use count above 0 cannot be
 * unloaded.
 *
 * Returns: the use count, or -1 when the module can never be unloaded
 */
int
kmodd_module_get_refcount (KmoddModule *module)
{
  g_return_val_if_fail (KMODD_IS_MODULE (module), 0);
  return module->refcount;
}

/**
 * kmodd_module_get_holders:
 * @module: a module
 *
 * Gets the modules that depend on this one (the "Used by" column of
 * lsmod(8)).
 *
 * Returns: (transfer none) (array zero-terminated=1): the holders, never
 *   %NULL
 */
const char * const *
kmodd_module_get_holders (KmoddModule *module)
{
  g_return_val_if_fail (KMODD_IS_MODULE (module), NULL);
  return (const char * const *) module->holders;
}

/**
 * kmodd_module_get_taint:
 * @module: a module
 *
 * Gets the taint flags the module set in the kernel, as `/proc/modules`
 * shows them (`"OE"` for an out-of-tree unsigned module).
 *
 * Returns: the taint flags; the empty string when there are none
 */
const char *
kmodd_module_get_taint (KmoddModule *module)
{
  g_return_val_if_fail (KMODD_IS_MODULE (module), NULL);
  return module->taint;
}

/**
 * kmodd_module_get_autoclean:
 * @module: a module
 *
 * Gets whether the module is marked for AutoClean: the service removes it
 * once it has stayed unused for a while.
 *
 * Returns: %TRUE if the module is marked
 */
gboolean
kmodd_module_get_autoclean (KmoddModule *module)
{
  g_return_val_if_fail (KMODD_IS_MODULE (module), FALSE);
  return module->autoclean;
}

/**
 * kmodd_module_get_visited:
 * @module: a module
 *
 * Gets the visited bit of a module marked for AutoClean: set when the module
 * was in use since the last AutoClean pass, which then spares it.
 *
 * Returns: %TRUE if the module is marked and was used since the last pass
 */
gboolean
kmodd_module_get_visited (KmoddModule *module)
{
  g_return_val_if_fail (KMODD_IS_MODULE (module), FALSE);
  return module->visited;
}

/**
 * kmodd_module_has_requested_by:
 * @module: a module
 *
 * Gets whether the service inserted this module, so that
 * [method@Kmodd.Module.get_requested_by] and
 * [method@Kmodd.Module.get_loaded_at] have values.
 *
 * Returns: %TRUE if the service inserted the module
 */
gboolean
kmodd_module_has_requested_by (KmoddModule *module)
{
  g_return_val_if_fail (KMODD_IS_MODULE (module), FALSE);
  return module->has_requested_by;
}

/**
 * kmodd_module_get_requested_by:
 * @module: a module
 *
 * Gets the uid of the caller that had the service insert this module. Only
 * meaningful if [method@Kmodd.Module.has_requested_by] is %TRUE.
 *
 * Returns: the caller's uid, or 0
 */
guint32
kmodd_module_get_requested_by (KmoddModule *module)
{
  g_return_val_if_fail (KMODD_IS_MODULE (module), 0);
  return module->requested_by;
}

/**
 * kmodd_module_get_loaded_at:
 * @module: a module
 *
 * Gets when the service inserted this module.
 *
 * Returns: (transfer none) (nullable): the time (UTC), or %NULL if the
 *   service did not insert the module
 */
GDateTime *
kmodd_module_get_loaded_at (KmoddModule *module)
{
  g_return_val_if_fail (KMODD_IS_MODULE (module), NULL);
  return module->loaded_at;
}

/**
 * kmodd_module_get_devices:
 * @module: a module
 *
 * Gets how many devices the module's drivers serve: while there are any,
 * the module is in use even with a use count of 0 (see
 * [method@Kmodd.Client.devices_async] for which devices).
 *
 * Returns: the number of devices bound to the module's drivers; 0 also
 *   from a service too old to tell
 */
guint
kmodd_module_get_devices (KmoddModule *module)
{
  g_return_val_if_fail (KMODD_IS_MODULE (module), 0);
  return module->devices;
}

static void
kmodd_module_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  KmoddModule *self = KMODD_MODULE (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_SIZE:
      g_value_set_uint64 (value, self->size);
      break;
    case PROP_REFCOUNT:
      g_value_set_int (value, self->refcount);
      break;
    case PROP_HOLDERS:
      g_value_set_boxed (value, self->holders);
      break;
    case PROP_TAINT:
      g_value_set_string (value, self->taint);
      break;
    case PROP_AUTOCLEAN:
      g_value_set_boolean (value, self->autoclean);
      break;
    case PROP_VISITED:
      g_value_set_boolean (value, self->visited);
      break;
    case PROP_HAS_REQUESTED_BY:
      g_value_set_boolean (value, self->has_requested_by);
      break;
    case PROP_REQUESTED_BY:
      g_value_set_uint (value, self->requested_by);
      break;
    case PROP_LOADED_AT:
      g_value_set_boxed (value, self->loaded_at);
      break;
    case PROP_DEVICES:
      g_value_set_uint (value, self->devices);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
    }
}

static void
kmodd_module_finalize (GObject *object)
{
  KmoddModule *self = KMODD_MODULE (object);

  g_free (self->name);
  g_strfreev (self->holders);
  g_free (self->taint);
  g_clear_pointer (&self->loaded_at, g_date_time_unref);

  G_OBJECT_CLASS (kmodd_module_parent_class)->finalize (object);
}

static void
kmodd_module_init (KmoddModule *self)
{
  self->state = KMODD_MODULE_STATE_UNKNOWN;
}

static void
kmodd_module_class_init (KmoddModuleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = kmodd_module_get_property;
  object_class->finalize = kmodd_module_finalize;

  /**
   * KmoddModule:name: (getter get_name)
   *
   * The module's name.
   */
  props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);

  /**
   * KmoddModule:state: (getter get_state)
   *
   * The module's state.
   */
  props[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, KMODD_TYPE_MODULE_STATE,
                                         KMODD_MODULE_STATE_UNKNOWN, flags);

  /**
   * KmoddModule:size: (getter get_size)
   *
   * The memory the module takes, in bytes.
   */
  props[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, flags);

  /**
   * KmoddModule:refcount: (getter get_refcount)
   *
   * The module's use count; -1 if it can never be unloaded.
   */
  props[PROP_REFCOUNT] = g_param_spec_int ("refcount", NULL, NULL, -1, G_MAXINT, 0, flags);

  /**
   * KmoddModule:holders: (getter get_holders)
   *
   * The modules that depend on this one.
   */
  props[PROP_HOLDERS] = g_param_spec_boxed ("holders", NULL, NULL, G_TYPE_STRV, flags);

  /**
   * KmoddModule:taint: (getter get_taint)
   *
   * The module's taint flags, or the empty string.
   */
  props[PROP_TAINT] = g_param_spec_string ("taint", NULL, NULL, NULL, flags);

  /**
   * KmoddModule:autoclean: (getter get_autoclean)
   *
   * Whether the module is marked for AutoClean.
   */
  props[PROP_AUTOCLEAN] = g_param_spec_boolean ("autoclean", NULL, NULL, FALSE, flags);

  /**
   * KmoddModule:visited: (getter get_visited)
   *
   * Whether the module, marked for AutoClean, was used since the last pass.
   */
  props[PROP_VISITED] = g_param_spec_boolean ("visited", NULL, NULL, FALSE, flags);

  /**
   * KmoddModule:has-requested-by: (getter has_requested_by)
   *
   * Whether the service inserted this module.
   */
  props[PROP_HAS_REQUESTED_BY] = g_param_spec_boolean ("has-requested-by", NULL, NULL,
                                                       FALSE, flags);

  /**
   * KmoddModule:requested-by: (getter get_requested_by)
   *
   * The uid of the caller that had the service insert this module.
   */
  props[PROP_REQUESTED_BY] = g_param_spec_uint ("requested-by", NULL, NULL,
                                                0, G_MAXUINT32, 0, flags);

  /**
   * KmoddModule:loaded-at: (getter get_loaded_at)
   *
   * When the service inserted this module, or %NULL.
   */
  props[PROP_LOADED_AT] = g_param_spec_boxed ("loaded-at", NULL, NULL, G_TYPE_DATE_TIME, flags);

  /**
   * KmoddModule:devices: (getter get_devices)
   *
   * How many devices the module's drivers serve.
   */
  props[PROP_DEVICES] = g_param_spec_uint ("devices", NULL, NULL, 0, G_MAXUINT, 0, flags);

  g_object_class_install_properties (object_class, N_PROPS, props);
}
