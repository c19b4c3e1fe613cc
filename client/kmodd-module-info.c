/* kmodd-module-info.c: the service's Info reply.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "kmodd-names.h"
#include "kmodd-private.h"

/**
 * KmoddModuleInfo:
 *
 * What the service tells about a module, as modinfo(8) would, from
 * [method@Kmodd.Client.info_async]; loaded or not.
 *
 * String getters return %NULL for what the module does not carry (a module
 * without an author has no author, a builtin module has no file); list
 * getters return an empty list. [method@Kmodd.ModuleInfo.get_dict] gives the
 * service's reply as it came, for keys this version of the library does not
 * know.
 */
struct _KmoddModuleInfo {
  GObject     parent_instance;

  GVariant   *dict;
  char       *name;
  char       *filename;
  char       *description;
  char       *author;
  char       *license;
  char       *version;
  char       *vermagic;
  char       *signer;
  char       *softdeps;
  GStrv       depends;
  GStrv       aliases;
  GStrv       firmware;
  GStrv       parameter_names;
  GHashTable *parameters; /* name -> description */
  gboolean    loaded;
  gboolean    builtin;
  gboolean    blacklisted;
  gboolean    has_install_command;
};

G_DEFINE_FINAL_TYPE (KmoddModuleInfo, kmodd_module_info, G_TYPE_OBJECT)

static GStrv
lookup_strv (GVariant   *dict,
             const char *key)
{
  GStrv strv = NULL;

  if (!g_variant_lookup (dict, key, "^as", &strv))
    strv = g_new0 (char *, 1);
  return strv;
}

KmoddModuleInfo *
_kmodd_module_info_new_from_variant (GVariant *dict)
{
  KmoddModuleInfo *self = g_object_new (KMODD_TYPE_MODULE_INFO, NULL);
  g_autoptr(GVariant) params = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  g_clear_pointer (&self->dict, g_variant_unref);
  self->dict = g_variant_ref_sink (dict);

  g_variant_lookup (dict, KMODD_INFO_NAME, "s", &self->name);
  g_variant_lookup (dict, KMODD_INFO_FILENAME, "s", &self->filename);
  g_variant_lookup (dict, "description", "s", &self->description);
  g_variant_lookup (dict, "author", "s", &self->author);
  g_variant_lookup (dict, "license", "s", &self->license);
  g_variant_lookup (dict, "version", "s", &self->version);
  g_variant_lookup (dict, "vermagic", "s", &self->vermagic);
  g_variant_lookup (dict, "signer", "s", &self->signer);
  g_variant_lookup (dict, KMODD_INFO_SOFTDEPS, "s", &self->softdeps);
  g_variant_lookup (dict, KMODD_INFO_LOADED, "b", &self->loaded);
  g_variant_lookup (dict, KMODD_INFO_BUILTIN, "b", &self->builtin);
  g_variant_lookup (dict, KMODD_INFO_BLACKLISTED, "b", &self->blacklisted);
  g_variant_lookup (dict, KMODD_INFO_HAS_INSTALL_COMMAND, "b", &self->has_install_command);

  g_strfreev (self->depends);
  self->depends = lookup_strv (dict, KMODD_INFO_DEPENDS);
  g_strfreev (self->aliases);
  self->aliases = lookup_strv (dict, KMODD_INFO_ALIASES);
  g_strfreev (self->firmware);
  self->firmware = lookup_strv (dict, KMODD_INFO_FIRMWARE);

  params = g_variant_lookup_value (dict, KMODD_INFO_PARAMETERS, G_VARIANT_TYPE ("a{ss}"));
  if (params != NULL)
    {
      GVariantIter iter;
      char *key;
      char *value;

      g_variant_iter_init (&iter, params);
      while (g_variant_iter_next (&iter, "{ss}", &key, &value))
        {
          if (g_hash_table_contains (self->parameters, key))
            {
              g_free (key);
              g_free (value);
              continue;
            }
          g_ptr_array_add (names, g_strdup (key));
          g_hash_table_insert (self->parameters, key, value);
        }
    }
  g_ptr_array_add (names, NULL);
  g_strfreev (self->parameter_names);
  self->parameter_names = (GStrv) g_ptr_array_steal (names, NULL);

  return self;
}

/**
 * kmodd_module_info_get_name:
 * @info: a module info
 *
 * Gets the module's name (an alias given to [method@Kmodd.Client.info_async]
 * is resolved to the module).
 *
 * Returns: (nullable): the module's name
 */
const char *
kmodd_module_info_get_name (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), NULL);
  return info->name;
}

/**
 * kmodd_module_info_get_filename:
 * @info: a module info
 *
 * Gets the path of the module's file.
 *
 * Returns: (nullable) (type filename): the path, or %NULL (builtin modules)
 */
const char *
kmodd_module_info_get_filename (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), NULL);
  return info->filename;
}

/**
 * kmodd_module_info_get_description:
 * @info: a module info
 *
 * Gets the module's description.
 *
 * Returns: (nullable): the description, or %NULL
 */
const char *
kmodd_module_info_get_description (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), NULL);
  return info->description;
}

/**
 * kmodd_module_info_get_author:
 * @info: a module info
 *
 * Gets the module's author or authors.
 *
 * Returns: (nullable): the author, or %NULL
 */
const char *
kmodd_module_info_get_author (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), NULL);
  return info->author;
}

/**
 * kmodd_module_info_get_license:
 * @info: a module info
 *
 * Gets the module's license, as the module declares it (`"GPL"`).
 *
 * Returns: (nullable): the license, or %NULL
 */
const char *
kmodd_module_info_get_license (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), NULL);
  return info->license;
}

/**
 * kmodd_module_info_get_version:
 * @info: a module info
 *
 * Gets the module's own version, which few modules declare.
 *
 * Returns: (nullable): the version, or %NULL
 */
const char *
kmodd_module_info_get_version (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), NULL);
  return info->version;
}

/**
 * kmodd_module_info_get_vermagic:
 * @info: a module info
 *
 * Gets the kernel version and build options the module was built for.
 *
 * Returns: (nullable): the version magic, or %NULL
 */
const char *
kmodd_module_info_get_vermagic (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), NULL);
  return info->vermagic;
}

/**
 * kmodd_module_info_get_signer:
 * @info: a module info
 *
 * Gets who signed the module.
 *
 * Returns: (nullable): the signer, or %NULL for an unsigned module
 */
const char *
kmodd_module_info_get_signer (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), NULL);
  return info->signer;
}

/**
 * kmodd_module_info_get_softdeps:
 * @info: a module info
 *
 * Gets the module's soft dependencies, as modinfo(8) prints them
 * (`"pre: crc32c"`).
 *
 * Returns: (nullable): the soft dependencies, or %NULL
 */
const char *
kmodd_module_info_get_softdeps (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), NULL);
  return info->softdeps;
}

/**
 * kmodd_module_info_get_depends:
 * @info: a module info
 *
 * Gets the modules this module needs, which loading it loads first.
 *
 * Returns: (transfer none) (array zero-terminated=1): the dependencies
 */
const char * const *
kmodd_module_info_get_depends (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), NULL);
  return (const char * const *) info->depends;
}

/**
 * kmodd_module_info_get_aliases:
 * @info: a module info
 *
 * Gets the module's aliases (`fs-vfat`, `pci:v00008086d...`).
 *
 * Returns: (transfer none) (array zero-terminated=1): the aliases
 */
const char * const *
kmodd_module_info_get_aliases (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), NULL);
  return (const char * const *) info->aliases;
}

/**
 * kmodd_module_info_get_firmware:
 * @info: a module info
 *
 * Gets the firmware files the module may load.
 *
 * Returns: (transfer none) (array zero-terminated=1): the firmware files
 */
const char * const *
kmodd_module_info_get_firmware (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), NULL);
  return (const char * const *) info->firmware;
}

/**
 * kmodd_module_info_get_parameter_names:
 * @info: a module info
 *
 * Gets the names of the parameters the module declares, in the order the
 * service lists them. Only these can be given to
 * [method@Kmodd.Client.load_async].
 *
 * Returns: (transfer none) (array zero-terminated=1): the parameter names
 */
const char * const *
kmodd_module_info_get_parameter_names (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), NULL);
  return (const char * const *) info->parameter_names;
}

/**
 * kmodd_module_info_get_parameter_description:
 * @info: a module info
 * @parameter: a parameter name
 *
 * Gets the description of one of the module's parameters, with its type
 * as modinfo(8) shows it (`"Maximum number of loop devices (int)"`).
 *
 * Returns: (nullable): the description, or %NULL if the module has no such
 *   parameter
 */
const char *
kmodd_module_info_get_parameter_description (KmoddModuleInfo *info,
                                             const char      *parameter)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), NULL);
  g_return_val_if_fail (parameter != NULL, NULL);
  return g_hash_table_lookup (info->parameters, parameter);
}

/**
 * kmodd_module_info_get_loaded:
 * @info: a module info
 *
 * Gets whether the module was loaded when the service answered.
 *
 * Returns: %TRUE if the module is loaded
 */
gboolean
kmodd_module_info_get_loaded (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), FALSE);
  return info->loaded;
}

/**
 * kmodd_module_info_get_builtin:
 * @info: a module info
 *
 * Gets whether the module is built into the kernel.
 *
 * Returns: %TRUE if the module is builtin
 */
gboolean
kmodd_module_info_get_builtin (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), FALSE);
  return info->builtin;
}

/**
 * kmodd_module_info_get_blacklisted:
 * @info: a module info
 *
 * Gets whether the module is blacklisted (in modprobe.d or on the kernel
 * command line), so that the service refuses to load it.
 *
 * Returns: %TRUE if the module is blacklisted
 */
gboolean
kmodd_module_info_get_blacklisted (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), FALSE);
  return info->blacklisted;
}

/**
 * kmodd_module_info_get_has_install_command:
 * @info: a module info
 *
 * Gets whether modprobe.d has an install command for the module, which
 * loading it runs instead of inserting it.
 *
 * Returns: %TRUE if the module has an install command
 */
gboolean
kmodd_module_info_get_has_install_command (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), FALSE);
  return info->has_install_command;
}

/**
 * kmodd_module_info_get_dict:
 * @info: a module info
 *
 * Gets the service's reply as it came: a `a{sv}` dictionary with the keys
 * `org.freedesktop.KernelModules1.Manager.Info` documents, and any the
 * service added since.
 *
 * Returns: (transfer none): the dictionary
 */
GVariant *
kmodd_module_info_get_dict (KmoddModuleInfo *info)
{
  g_return_val_if_fail (KMODD_IS_MODULE_INFO (info), NULL);
  return info->dict;
}

static void
kmodd_module_info_finalize (GObject *object)
{
  KmoddModuleInfo *self = KMODD_MODULE_INFO (object);

  g_free (self->name);
  g_free (self->filename);
  g_free (self->description);
  g_free (self->author);
  g_free (self->license);
  g_free (self->version);
  g_free (self->vermagic);
  g_free (self->signer);
  g_free (self->softdeps);
  g_strfreev (self->depends);
  g_strfreev (self->aliases);
  g_strfreev (self->firmware);
  g_strfreev (self->parameter_names);
  g_hash_table_unref (self->parameters);
  g_variant_unref (self->dict);

  G_OBJECT_CLASS (kmodd_module_info_parent_class)->finalize (object);
}

static void
kmodd_module_info_init (KmoddModuleInfo *self)
{
  self->parameters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->dict = g_variant_ref_sink (g_variant_new ("a{sv}", NULL));
  self->depends = g_new0 (char *, 1);
  self->aliases = g_new0 (char *, 1);
  self->firmware = g_new0 (char *, 1);
  self->parameter_names = g_new0 (char *, 1);
}

static void
kmodd_module_info_class_init (KmoddModuleInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = kmodd_module_info_finalize;
}
