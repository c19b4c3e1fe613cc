/* kmodd-kernel-info.c: Info's answer for a module (modinfo, signature,
 * parameters, whether and how it is loaded), kept until the file changes.
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

/* ---- info -------------------------------------------------------------- */

static void
add_string_list (GVariantDict *dict,
                 const char   *key,
                 GPtrArray    *values)
{
  g_variant_dict_insert_value (dict, key,
                               g_variant_new_strv ((const char * const *) values->pdata,
                                                   values->len));
}

static GVariant *
build_info (KmoddKernel *kernel,
            const char  *name,
            char       **out_module,
            char       **out_path,
            gboolean    *out_loaded,
            GError     **error)
{
  g_autoptr(GPtrArray) mods = NULL;
  g_autoptr(GPtrArray) depends = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) aliases = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) firmware = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) softdeps = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) parm = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) parmtype = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) parm_order = g_ptr_array_new_with_free_func (g_free);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  GVariantBuilder params;
  struct kmod_module *mod;
  struct kmod_list *info = NULL;
  struct kmod_list *l;
  const char *path;
  int state;
  int r;
  guint i;


  mods = kernel_resolve (kernel, name, error);
  if (mods == NULL)
    return NULL;
  mod = g_ptr_array_index (mods, 0);

  state = kmod_module_get_initstate (mod);
  g_variant_dict_insert (&dict, KMODD_INFO_NAME, "s", kmod_module_get_name (mod));

  path = kmod_module_get_path (mod);
  if (path != NULL)
    g_variant_dict_insert (&dict, KMODD_INFO_FILENAME, "s", path);
  else if (state == KMOD_MODULE_BUILTIN)
    g_variant_dict_insert (&dict, KMODD_INFO_FILENAME, "s", "(builtin)");

  r = kmod_module_get_info (mod, &info);
  if (r < 0 && state != KMOD_MODULE_BUILTIN)
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                   "Cannot read the information of module %s: %s",
                   kmod_module_get_name (mod), g_strerror (-r));
      return NULL;
    }

  kmod_list_foreach (l, info)
    {
      const char *key = kmod_module_info_get_key (l);
      const char *value = kmod_module_info_get_value (l);

      if (value == NULL)
        value = "";

      if (g_str_equal (key, "depends"))
        {
          g_auto(GStrv) parts = g_strsplit (value, ",", -1);

          for (i = 0; parts[i] != NULL; i++)
            if (parts[i][0] != '\0')
              g_ptr_array_add (depends, g_strdup (parts[i]));
        }
      else if (g_str_equal (key, "alias"))
        g_ptr_array_add (aliases, g_strdup (value));
      else if (g_str_equal (key, "firmware"))
        g_ptr_array_add (firmware, g_strdup (value));
      else if (g_str_equal (key, "softdep"))
        g_ptr_array_add (softdeps, g_strdup (value));
      else if (g_str_equal (key, "parm") || g_str_equal (key, "parmtype"))
        {
          const char *colon = strchr (value, ':');
          char *pname;

          if (colon == NULL || colon == value)
            continue;
          pname = g_strndup (value, colon - value);
          /* modinfo(8) shows them in the reverse of libkmod's order */
          if (!g_hash_table_contains (parm, pname) && !g_hash_table_contains (parmtype, pname))
            g_ptr_array_insert (parm_order, 0, g_strdup (pname));
          g_hash_table_replace (g_str_equal (key, "parm") ? parm : parmtype,
                                pname, g_strdup (colon + 1));
        }
      else if (g_str_equal (key, "description") || g_str_equal (key, "author") ||
               g_str_equal (key, "license") || g_str_equal (key, "version") ||
               g_str_equal (key, "vermagic") || g_str_equal (key, "signer") ||
               g_str_equal (key, "srcversion") || g_str_equal (key, "sig_hashalgo") ||
               g_str_equal (key, "sig_key"))
        {
          /* several authors are joined, as modinfo prints them */
          const char *old = NULL;

          if (g_variant_dict_lookup (&dict, key, "&s", &old))
            {
              g_autofree char *joined = g_strdup_printf ("%s, %s", old, value);

              g_variant_dict_insert (&dict, key, "s", joined);
            }
          else
            g_variant_dict_insert (&dict, key, "s", value);
        }
    }
  kmod_module_info_free_list (info);

  add_string_list (&dict, KMODD_INFO_DEPENDS, depends);
  add_string_list (&dict, KMODD_INFO_ALIASES, aliases);
  add_string_list (&dict, KMODD_INFO_FIRMWARE, firmware);
  if (softdeps->len > 0)
    {
      g_autofree char *joined = NULL;

      g_ptr_array_add (softdeps, NULL);
      joined = g_strjoinv ("; ", (char **) softdeps->pdata);
      g_variant_dict_insert (&dict, KMODD_INFO_SOFTDEPS, "s", joined);
    }

  g_variant_builder_init (&params, G_VARIANT_TYPE ("a{ss}"));
  for (i = 0; i < parm_order->len; i++)
    {
      const char *pname = g_ptr_array_index (parm_order, i);
      const char *desc = g_hash_table_lookup (parm, pname);
      const char *type = g_hash_table_lookup (parmtype, pname);
      g_autofree char *text = NULL;

      if (desc != NULL && type != NULL)
        text = g_strdup_printf ("%s (%s)", desc, type);
      else
        text = g_strdup (desc != NULL ? desc : type != NULL ? type : "");
      g_variant_builder_add (&params, "{ss}", pname, text);
    }
  g_variant_dict_insert_value (&dict, KMODD_INFO_PARAMETERS, g_variant_builder_end (&params));

  g_variant_dict_insert (&dict, KMODD_INFO_LOADED, "b",
                         kernel_is_loaded_state (state) || state == KMOD_MODULE_BUILTIN);
  g_variant_dict_insert (&dict, KMODD_INFO_BUILTIN, "b", state == KMOD_MODULE_BUILTIN);
  g_variant_dict_insert (&dict, KMODD_INFO_BLACKLISTED, "b", kernel_is_blacklisted (kernel, mod));
  g_variant_dict_insert (&dict, KMODD_INFO_HAS_INSTALL_COMMAND, "b",
                         kmod_module_get_install_commands (mod) != NULL);

  *out_module = g_strdup (kmod_module_get_name (mod));
  *out_path = g_strdup (path);
  *out_loaded = kernel_is_loaded_state (state) || state == KMOD_MODULE_BUILTIN;
  return g_variant_dict_end (&dict);
}

static gboolean
same_file (const struct stat *a,
           const struct stat *b)
{
  return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
         a->st_size == b->st_size &&
         a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
         a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Adds "devices" to @reply (consumed) while @module drives some: they
 * change without the module file, so they are never cached; a module
 * without bound devices costs one failed opendir(). */
static GVariant *
add_devices (GVariant   *reply,
             const char *module)
{
  g_autoptr(GPtrArray) devices = kmodd_kernel_get_devices (module);
  g_autoptr(GPtrArray) words = NULL;
  GVariantBuilder builder;
  GVariantIter iter;
  GVariant *child;
  guint i;

  if (devices->len == 0)
    return reply;
  words = g_ptr_array_new_with_free_func (g_free);
  for (i = 0; i < devices->len; i++)
    g_ptr_array_add (words, kmodd_device_describe (g_ptr_array_index (devices, i)));
  g_ptr_array_add (words, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_iter_init (&iter, reply);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_variant_builder_add_value (&builder, child);
      g_variant_unref (child);
    }
  g_variant_builder_add (&builder, "{sv}", KMODD_INFO_DEVICES,
                         g_variant_new_strv ((const char * const *) words->pdata, -1));
  g_variant_unref (reply);
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

GVariant *
kmodd_kernel_info (KmoddKernel *kernel,
                   const char  *name,
                   GError     **error)
{
  InfoCacheEntry *entry;
  g_autofree char *module = NULL;
  g_autofree char *path = NULL;
  struct stat st = { 0, };
  gboolean loaded = FALSE;
  GVariant *reply;

  /* drops the cache when modprobe.d or the indexes changed */
  kernel_refresh (kernel);

  entry = g_hash_table_lookup (kernel->info_cache, name);
  if (entry != NULL)
    {
      gboolean valid = entry->path == NULL ||
                       (stat (entry->path, &st) == 0 && same_file (&st, &entry->st));

      loaded = entry->path == NULL || kmodd_kernel_get_instance (entry->module) != 0;
      if (valid && entry->reply[loaded] != NULL)
        {
          reply = g_variant_ref (entry->reply[loaded]);
          return loaded ? add_devices (reply, entry->module) : reply;
        }
      if (!valid)
        g_hash_table_remove (kernel->info_cache, name);
    }

  reply = build_info (kernel, name, &module, &path, &loaded, error);
  if (reply == NULL)
    return NULL;
  reply = g_variant_ref_sink (reply);

  entry = g_hash_table_lookup (kernel->info_cache, name);
  if (entry == NULL && (path == NULL || stat (path, &st) == 0))
    {
      if (g_hash_table_size (kernel->info_cache) >= INFO_CACHE_MAX)
        g_hash_table_remove_all (kernel->info_cache);
      entry = g_new0 (InfoCacheEntry, 1);
      entry->module = g_steal_pointer (&module);
      entry->path = g_steal_pointer (&path);
      entry->st = st;
      g_hash_table_insert (kernel->info_cache, g_strdup (name), entry);
    }
  if (entry != NULL && entry->reply[loaded] == NULL)
    entry->reply[loaded] = g_variant_ref (reply);
  if (loaded && (entry != NULL ? entry->module : module) != NULL)
    reply = add_devices (reply, entry != NULL ? entry->module : module);
  return reply;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* ListAvailable's answer: the name of every module of the running kernel's
 * modules directory, from modules.dep (what modprobe can load by name),
 * sorted and normalized as the kernel names them (snd_dummy). Kept until
 * modules.dep changes: reading it is most of the cost. */
GVariant *
kmodd_kernel_list_available (KmoddKernel *kernel,
                             GError     **error)
{
  g_autofree char *path = g_build_filename (kmod_get_dirname (kernel->ctx), "modules.dep", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GHashTable) seen = NULL;
  GError *local = NULL;
  struct stat st;
  char *line, *next;

  kernel_refresh (kernel);
  if (stat (path, &st) < 0)
    {
      int err = errno;

      g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                   "Cannot read the modules directory's index %s: %s", path, g_strerror (err));
      return NULL;
    }
  if (kernel->available != NULL && same_file (&st, &kernel->available_st))
    return g_variant_ref (kernel->available);

  if (!g_file_get_contents (path, &contents, NULL, &local))
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED,
                   "Cannot read the modules directory's index: %s", local->message);
      g_error_free (local);
      return NULL;
    }

  names = g_ptr_array_new_with_free_func (g_free);
  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (line = contents; line != NULL && *line != '\0'; line = next)
    {
      char *colon, *base, *dot;

      next = strchr (line, '\n');
      if (next != NULL)
        *next++ = '\0';
      colon = strchr (line, ':');
      if (colon == NULL)
        continue;
      *colon = '\0';
      base = strrchr (line, '/');
      base = base != NULL ? base + 1 : line;
      dot = strstr (base, ".ko");
      if (dot == NULL || dot == base)
        continue;
      *dot = '\0';
      if (!kmodd_name_is_module_name (base))
        continue;
      base = kmodd_module_name_normalize (base);
      if (g_hash_table_contains (seen, base))
        {
          g_free (base);
          continue;
        }
      g_hash_table_add (seen, base);
      g_ptr_array_add (names, base);
    }
  g_ptr_array_sort (names, compare_names);

  g_clear_pointer (&kernel->available, g_variant_unref);
  kernel->available = g_variant_ref_sink (g_variant_new_strv ((const char * const *) names->pdata,
                                                              names->len));
  kernel->available_st = st;
  return g_variant_ref (kernel->available);
}
