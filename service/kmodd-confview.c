/* kmodd-confview.c: a module's effective configuration (GetConfiguration)
 * and its parameters in /sys/module/NAME/parameters/.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "kmodd-confview.h"
#include "kmodd-error.h"
#include "kmodd-validate.h"

gboolean
kmodd_conf_entry_is_block (const KmoddConfEntry *entry)
{
  return g_str_equal (entry->kind, "blacklist") ||
         (g_str_equal (entry->kind, "install") &&
          (g_str_equal (entry->value, "/bin/false") || g_str_equal (entry->value, "/bin/true")));
}

gboolean
kmodd_conf_entry_is_load (const KmoddConfEntry *entry)
{
  return g_str_equal (entry->kind, "load");
}

gboolean
kmodd_conf_entry_is_options (const KmoddConfEntry *entry)
{
  return g_str_equal (entry->kind, "options");
}

/* ---- parameters at run time ------------------------------------------------------- */

static char *
parameter_path (const char *module,
                const char *key)
{
  g_autofree char *normalized = kmodd_module_name_normalize (key);

  return g_strdup_printf ("/sys/module/%s/parameters/%s", module, normalized);
}

/* Every parameter must have a file that the kernel lets root write. */
gboolean
kmodd_confview_check_runtime (KmoddKernel *kernel,
                              const char  *module,
                              GPtrArray   *parameters,
                              GError     **error)
{
  g_autoptr(GPtrArray) fixed = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *list = NULL;
  guint i;

  if (!kmodd_kernel_get_usage (kernel, module, NULL))
    {
      g_set_error (error, KMODD_ERROR, KMODD_ERROR_NOT_LOADED,
                   "Module %s is not loaded: “now” has nothing to change", module);
      return FALSE;
    }
  if (parameters == NULL)
    {
      g_set_error_literal (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS,
                           "“now” needs parameters to write");
      return FALSE;
    }

  for (i = 0; i < parameters->len; i++)
    {
      const KmoddParameter *param = g_ptr_array_index (parameters, i);
      g_autofree char *path = parameter_path (module, param->key);
      struct stat st;

      if (stat (path, &st) < 0 || !S_ISREG (st.st_mode) || (st.st_mode & S_IWUSR) == 0)
        g_ptr_array_add (fixed, kmodd_module_name_normalize (param->key));
    }
  if (fixed->len == 0)
    return TRUE;

  g_ptr_array_add (fixed, NULL);
  list = g_strjoinv (", ", (char **) fixed->pdata);
  g_set_error (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS,
               "The kernel does not let these parameters of %s change at run "
               "time: %s; leave out “now” to set them for the next load",
               module, list);
  return FALSE;
}

static gboolean
write_parameter (const char *module,
                 const char *key,
                 const char *value,
                 GError    **error)
{
  g_autofree char *path = parameter_path (module, key);
  g_autofree char *text = g_strdup_printf ("%s\n", value ? value : "1");
  gsize length = strlen (text);
  int fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
  ssize_t n = -1;
  int saved;

  if (fd >= 0)
    n = write (fd, text, length);
  saved = errno;
  if (fd >= 0 && close (fd) < 0 && n >= 0)
    {
      saved = errno;
      n = -1;
    }
  if (n != (ssize_t) length)
    {
      g_set_error (error, KMODD_ERROR,
                   n < 0 && saved == EINVAL ? KMODD_ERROR_INVALID_PARAMETERS : KMODD_ERROR_FAILED,
                   "the kernel refused %s=%s for %s: %s", key, value ? value : "1",
                   module, n < 0 ? g_strerror (saved) : "short write");
      return FALSE;
    }
  return TRUE;
}

GVariant *
kmodd_confview_write_runtime (const char *module,
                              GPtrArray  *parameters,
                              GError    **error)
{
  g_auto(GVariantBuilder) applied = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{ss}"));
  guint i;

  for (i = 0; i < parameters->len; i++)
    {
      const KmoddParameter *param = g_ptr_array_index (parameters, i);
      g_autofree char *key = kmodd_module_name_normalize (param->key);

      if (!write_parameter (module, key, param->value, error))
        return NULL;
      g_variant_builder_add (&applied, "{ss}", key, param->value ? param->value : "1");
    }
  return g_variant_builder_end (&applied);
}

/* ---- GetConfiguration --------------------------------------------------------------- */

static void
add_current_parameters (GVariantDict *dict,
                        const char   *module,
                        gboolean      root)
{
  g_auto(GVariantBuilder) values = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a{ss}"));
  g_autoptr(GPtrArray) hidden = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *dir_path = g_strdup_printf ("/sys/module/%s/parameters", module);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, entry, NULL);
      g_autofree char *value = NULL;
      struct stat st;

      if (stat (path, &st) < 0 || !S_ISREG (st.st_mode))
        continue;
      /* what the kernel does not show everyone, kmodd does not either */
      if ((st.st_mode & S_IROTH) == 0 && !root)
        {
          g_ptr_array_add (hidden, g_strdup (entry));
          continue;
        }
      if (g_file_get_contents (path, &value, NULL, NULL) && g_utf8_validate (value, -1, NULL))
        g_variant_builder_add (&values, "{ss}", entry, g_strchomp (value));
    }

  g_variant_dict_insert_value (dict, "parameters", g_variant_builder_end (&values));
  g_ptr_array_add (hidden, NULL);
  g_variant_dict_insert (dict, "hidden-parameters", "^as", (char **) hidden->pdata);
}

static gboolean
mentions (const char       *path,
          const char       *module,
          KmoddConffileKind kind)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) kmodd_conf_entry_free);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  kmodd_conffile_scan_text (kind, module, text, path, entries);
  return entries->len > 0;
}

char *
kmodd_confview_find_initramfs (void)
{
  g_autofree char *release = kmodd_kernel_release ();
  g_autofree char *debian = g_strdup_printf ("/boot/initrd.img-%s", release);
  g_autofree char *dracut = g_strdup_printf ("/boot/initramfs-%s.img", release);

  if (g_file_test (debian, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&debian);
  if (g_file_test (dracut, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&dracut);
  return NULL;
}

/* "initramfs-stale": older than a kmodd file that mentions the module,
 * and the module is in it (or what it holds is unknown) */
static void
add_initramfs (GVariantDict *dict,
               const char   *module,
               const char   *path,
               GHashTable   *contents)
{
  const char *owned[] = { "/etc/modprobe.d/" KMODD_CONFFILE_NAME,
                          "/etc/modules-load.d/" KMODD_CONFFILE_NAME };
  g_autofree char *normalized = kmodd_module_name_normalize (module);
  gboolean contains = contents != NULL && g_hash_table_contains (contents, normalized);
  gboolean stale = FALSE;
  struct stat initramfs;
  guint i;

  if (path == NULL || stat (path, &initramfs) < 0)
    return;

  for (i = 0; i < G_N_ELEMENTS (owned); i++)
    {
      struct stat st;

      if (stat (owned[i], &st) == 0 && st.st_mtime > initramfs.st_mtime &&
          mentions (owned[i], module,
                    i == 0 ? KMODD_CONFFILE_MODPROBE : KMODD_CONFFILE_MODULES_LOAD))
        stale = TRUE;
    }
  g_variant_dict_insert (dict, "initramfs", "s", path);
  if (contents != NULL)
    g_variant_dict_insert (dict, "initramfs-contains", "b", contains);
  g_variant_dict_insert (dict, "initramfs-stale", "b", stale && (contents == NULL || contains));
}

GVariant *
kmodd_confview_describe (KmoddKernel *kernel,
                         const char  *module,
                         gboolean     root,
                         const char  *initramfs,
                         GHashTable  *initramfs_contents)
{
  g_autoptr(GPtrArray) entries = kmodd_conffile_scan (module);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_auto(GVariantBuilder) list = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE ("a(sss)"));
  gboolean boot_load = FALSE;
  gboolean blocked = FALSE;
  gboolean loaded;
  guint i;

  for (i = 0; i < entries->len; i++)
    {
      const KmoddConfEntry *entry = g_ptr_array_index (entries, i);

      boot_load |= kmodd_conf_entry_is_load (entry);
      blocked |= kmodd_conf_entry_is_block (entry);
      g_variant_builder_add (&list, "(sss)", entry->kind, entry->value, entry->source);
    }

  g_variant_dict_insert (&dict, "module", "s", module);
  g_variant_dict_insert (&dict, "boot-load", "b", boot_load);
  g_variant_dict_insert (&dict, "blocked", "b", blocked);
  g_variant_dict_insert_value (&dict, "entries", g_variant_builder_end (&list));
  loaded = kmodd_kernel_get_usage (kernel, module, NULL);
  g_variant_dict_insert (&dict, "loaded", "b", loaded);
  if (loaded)
    add_current_parameters (&dict, module, root);
  add_initramfs (&dict, module, initramfs, initramfs_contents);
  return g_variant_dict_end (&dict);
}
