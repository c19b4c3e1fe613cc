/* kmodd-conffile.c: the files kmodd owns in modules-load.d and modprobe.d,
 * and reading what every file there says about a module.
 *
 * kmodd's file is parsed line by line. A line kmodd wrote has one of the
 * shapes below and is understood; every other line (an admin's comment, an
 * alias, a line continued with a backslash) is kept as it is, in its place:
 *
 *   modules-load.d:  NAME
 *   modprobe.d:      blacklist NAME
 *                    install NAME /bin/false
 *                    options NAME WORDS
 *
 * NAME is always a module name as libkmod spells it ([a-z0-9_], from the
 * resolved module), and WORDS passed kmodd_conffile_options_are_safe():
 * nothing that kmodd writes can start a comment, a second line or a word
 * that was not asked for.
 *
 * A file is always replaced whole: a temporary file in the same directory,
 * written, fsync()ed, renamed over the old one, then the directory
 * fsync()ed; a crash leaves the old file or the new one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "kmodd-conffile.h"
#include "kmodd-error.h"
#include "kmodd-names.h"
#include "kmodd-validate.h"

const char * const kmodd_modules_load_dirs[] = {
  "/etc/modules-load.d", "/run/modules-load.d", "/usr/local/lib/modules-load.d",
  "/usr/lib/modules-load.d", NULL,
};

const char * const kmodd_modprobe_dirs[] = {
  "/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d",
  "/lib/modprobe.d", "/usr/lib/modprobe.d", NULL,
};

#define INSTALL_FALSE "/bin/false"

typedef enum {
  LINE_OTHER,
  LINE_LOAD,
  LINE_BLACKLIST,
  LINE_INSTALL_FALSE,
  LINE_OPTIONS,
} LineKind;

typedef struct {
  LineKind kind;
  char    *module; /* normalized; NULL for LINE_OTHER */
  char    *value;  /* the options of LINE_OPTIONS */
  char    *text;   /* the line as it is in the file, without "\n" */
} Line;

struct _KmoddConffile {
  KmoddConffileKind kind;
  GPtrArray        *lines;
};

static void
line_free (Line *line)
{
  g_free (line->module);
  g_free (line->value);
  g_free (line->text);
  g_free (line);
}

static Line *
line_new (LineKind    kind,
          const char *module,
          const char *value,
          char       *text)
{
  Line *line = g_new0 (Line, 1);

  line->kind = kind;
  line->module = g_strdup (module);
  line->value = g_strdup (value);
  line->text = text;
  return line;
}

static gboolean
is_header_line (const char *line)
{
  g_auto(GStrv) header = g_strsplit (KMODD_CONFFILE_HEADER, "\n", -1);

  return *line != '\0' && g_strv_contains ((const char * const *) header, line);
}

/* A module name as kmodd writes it: libkmod's spelling, [a-z0-9_]. */
static gboolean
is_written_name (const char *name)
{
  const char *p;

  if (name == NULL || *name == '\0' || strlen (name) > KMODD_MODULE_NAME_MAX)
    return FALSE;
  for (p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

gboolean
kmodd_conffile_options_are_safe (const char *options)
{
  const char *p;

  if (options == NULL || *options == '\0' || strlen (options) > KMODD_PARAMETERS_MAX ||
      options[0] == ' ' || options[strlen (options) - 1] == ' ')
    return FALSE;
  for (p = options; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("_-.,:+/=@%~^! ", *p) == NULL)
      return FALSE;
  return TRUE;
}

static Line *
parse_line (KmoddConffileKind kind,
            char             *text)
{
  g_auto(GStrv) words = NULL;
  guint n;

  if (kind == KMODD_CONFFILE_MODULES_LOAD)
    {
      if (kmodd_name_is_module_name (text))
        {
          g_autofree char *module = kmodd_module_name_normalize (text);

          return line_new (LINE_LOAD, module, NULL, text);
        }
      return line_new (LINE_OTHER, NULL, NULL, text);
    }

  words = g_strsplit (text, " ", 3);
  n = g_strv_length (words);
  if (n < 2 || !is_written_name (words[1]))
    return line_new (LINE_OTHER, NULL, NULL, text);
  if (n == 2 && g_str_equal (words[0], "blacklist"))
    return line_new (LINE_BLACKLIST, words[1], NULL, text);
  if (n == 3 && g_str_equal (words[0], "install") && g_str_equal (words[2], INSTALL_FALSE))
    return line_new (LINE_INSTALL_FALSE, words[1], NULL, text);
  if (n == 3 && g_str_equal (words[0], "options") &&
      kmodd_conffile_options_are_safe (words[2]))
    return line_new (LINE_OPTIONS, words[1], words[2], text);
  return line_new (LINE_OTHER, NULL, NULL, text);
}

KmoddConffile *
kmodd_conffile_parse (KmoddConffileKind kind,
                      const char       *text,
                      gsize             length)
{
  KmoddConffile *conffile = g_new0 (KmoddConffile, 1);
  const char *p = text;
  const char *end = text + length;
  gboolean continued = FALSE;

  conffile->kind = kind;
  conffile->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) line_free);

  while (p < end)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      const char *stop = nl != NULL ? nl : end;
      gsize raw_len = (gsize) (stop - p);
      char *line = g_strndup (p, raw_len);
      gsize len = strlen (line);
      gboolean continues = len > 0 && line[len - 1] == '\\';

      p = nl != NULL ? nl + 1 : end;
      if (is_header_line (line))
        {
          g_free (line);
          continue;
        }
      /* a continued line and the line after it are kept as they are, and
       * so is one with a NUL in it (cut there) */
      if (continued || continues || len != raw_len)
        g_ptr_array_add (conffile->lines, line_new (LINE_OTHER, NULL, NULL, line));
      else
        g_ptr_array_add (conffile->lines, parse_line (kind, line));
      continued = continues;
    }
  return conffile;
}

void
kmodd_conffile_free (KmoddConffile *conffile)
{
  if (conffile == NULL)
    return;
  g_ptr_array_unref (conffile->lines);
  g_free (conffile);
}

static Line *
find_line (KmoddConffile *conffile,
           LineKind       kind,
           const char    *module)
{
  guint i;

  for (i = 0; i < conffile->lines->len; i++)
    {
      Line *line = g_ptr_array_index (conffile->lines, i);

      if (line->kind == kind && g_str_equal (line->module, module))
        return line;
    }
  return NULL;
}

/* Removes every line of @kind for @module; returns how many went. */
static guint
remove_lines (KmoddConffile *conffile,
              LineKind       kind,
              const char    *module)
{
  guint removed = 0;
  guint i = 0;

  while (i < conffile->lines->len)
    {
      Line *line = g_ptr_array_index (conffile->lines, i);

      if (line->kind == kind && g_str_equal (line->module, module))
        {
          g_ptr_array_remove_index (conffile->lines, i);
          removed++;
        }
      else
        i++;
    }
  return removed;
}

gboolean
kmodd_conffile_get_boot_load (KmoddConffile *conffile,
                              const char    *module)
{
  return find_line (conffile, LINE_LOAD, module) != NULL;
}

gboolean
kmodd_conffile_get_blocked (KmoddConffile *conffile,
                            const char    *module)
{
  return find_line (conffile, LINE_BLACKLIST, module) != NULL ||
         find_line (conffile, LINE_INSTALL_FALSE, module) != NULL;
}

const char *
kmodd_conffile_get_options (KmoddConffile *conffile,
                            const char    *module)
{
  Line *line = find_line (conffile, LINE_OPTIONS, module);

  return line != NULL ? line->value : NULL;
}

static gboolean
check_module (KmoddConffile    *conffile,
              KmoddConffileKind kind,
              const char       *module,
              GError          **error)
{
  g_return_val_if_fail (conffile->kind == kind, FALSE);

  if (!is_written_name (module))
    {
      g_set_error_literal (error, KMODD_ERROR, KMODD_ERROR_INVALID_NAME,
                           "Not a module name as libkmod spells it");
      return FALSE;
    }
  return TRUE;
}

gboolean
kmodd_conffile_set_boot_load (KmoddConffile *conffile,
                              const char    *module,
                              gboolean       enabled,
                              gboolean      *out_changed,
                              GError       **error)
{
  if (!check_module (conffile, KMODD_CONFFILE_MODULES_LOAD, module, error))
    return FALSE;

  if (!enabled)
    *out_changed = remove_lines (conffile, LINE_LOAD, module) > 0;
  else if ((*out_changed = find_line (conffile, LINE_LOAD, module) == NULL))
    g_ptr_array_add (conffile->lines, line_new (LINE_LOAD, module, NULL, g_strdup (module)));
  return TRUE;
}

gboolean
kmodd_conffile_set_blocked (KmoddConffile *conffile,
                            const char    *module,
                            gboolean       blocked,
                            gboolean      *out_changed,
                            GError       **error)
{
  if (!check_module (conffile, KMODD_CONFFILE_MODPROBE, module, error))
    return FALSE;

  *out_changed = FALSE;
  if (!blocked)
    {
      *out_changed |= remove_lines (conffile, LINE_BLACKLIST, module) > 0;
      *out_changed |= remove_lines (conffile, LINE_INSTALL_FALSE, module) > 0;
      return TRUE;
    }

  if (find_line (conffile, LINE_BLACKLIST, module) == NULL)
    {
      g_ptr_array_add (conffile->lines,
                       line_new (LINE_BLACKLIST, module, NULL,
                                 g_strdup_printf ("blacklist %s", module)));
      *out_changed = TRUE;
    }
  if (find_line (conffile, LINE_INSTALL_FALSE, module) == NULL)
    {
      g_ptr_array_add (conffile->lines,
                       line_new (LINE_INSTALL_FALSE, module, NULL,
                                 g_strdup_printf ("install %s " INSTALL_FALSE, module)));
      *out_changed = TRUE;
    }
  return TRUE;
}

gboolean
kmodd_conffile_set_options (KmoddConffile *conffile,
                            const char    *module,
                            const char    *options,
                            gboolean      *out_changed,
                            GError       **error)
{
  gboolean same = FALSE;
  guint n = 0;
  guint i;

  if (!check_module (conffile, KMODD_CONFFILE_MODPROBE, module, error))
    return FALSE;

  if (options == NULL)
    {
      *out_changed = remove_lines (conffile, LINE_OPTIONS, module) > 0;
      return TRUE;
    }

  if (!kmodd_conffile_options_are_safe (options))
    {
      g_set_error_literal (error, KMODD_ERROR, KMODD_ERROR_INVALID_PARAMETERS,
                           "The parameters hold a character that cannot be "
                           "written to modprobe.d (quote, “#”, backslash, "
                           "control character or a leading or trailing space)");
      return FALSE;
    }

  for (i = 0; i < conffile->lines->len; i++)
    {
      Line *line = g_ptr_array_index (conffile->lines, i);

      if (line->kind == LINE_OPTIONS && g_str_equal (line->module, module))
        {
          n++;
          same = g_str_equal (line->value, options);
        }
    }
  if (n == 1 && same)
    {
      *out_changed = FALSE;
      return TRUE;
    }

  remove_lines (conffile, LINE_OPTIONS, module);
  g_ptr_array_add (conffile->lines,
                   line_new (LINE_OPTIONS, module, options,
                             g_strdup_printf ("options %s %s", module, options)));
  *out_changed = TRUE;
  return TRUE;
}

char *
kmodd_conffile_to_string (KmoddConffile *conffile)
{
  g_autoptr(GString) out = g_string_new (KMODD_CONFFILE_HEADER);
  gboolean empty = TRUE;
  guint i;

  for (i = 0; i < conffile->lines->len; i++)
    {
      Line *line = g_ptr_array_index (conffile->lines, i);

      if (line->text[strspn (line->text, " \t")] != '\0')
        empty = FALSE;
      g_string_append (out, line->text);
      g_string_append_c (out, '\n');
    }
  return empty ? NULL : g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- files ------------------------------------------------------------------ */

gboolean
kmodd_conffile_read (const char *path,
                     char      **out_text,
                     GError    **error)
{
  g_autoptr(GError) local = NULL;

  if (g_file_get_contents (path, out_text, NULL, &local))
    return TRUE;
  if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      *out_text = g_strdup ("");
      return TRUE;
    }
  g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED, "Cannot read %s: %s",
               path, local->message);
  return FALSE;
}

static gboolean
set_errno_error (GError    **error,
                 int         saved_errno,
                 const char *what,
                 const char *dir,
                 const char *name)
{
  g_set_error (error, KMODD_ERROR, KMODD_ERROR_FAILED, "Cannot %s %s/%s: %s",
               what, dir, name ? name : "", g_strerror (saved_errno));
  return FALSE;
}

static int
open_dir (const char *dir,
          GError    **error)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd < 0 && errno == ENOENT)
    {
      /* the unit's umask is 0077: a directory others read must be 0755 */
      if (mkdir (dir, 0755) < 0 && errno != EEXIST)
        {
          set_errno_error (error, errno, "create", dir, NULL);
          return -1;
        }
      fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd >= 0 && fchmod (fd, 0755) < 0)
        {
          set_errno_error (error, errno, "set the mode of", dir, NULL);
          close (fd);
          return -1;
        }
    }
  if (fd < 0)
    set_errno_error (error, errno, "open", dir, NULL);
  return fd;
}

/* Temporary files a kill -9 left behind */
static void
remove_leftovers (int         dir_fd,
                  const char *dir,
                  const char *prefix)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (listing != NULL && (entry = g_dir_read_name (listing)) != NULL)
    if (g_str_has_prefix (entry, prefix))
      unlinkat (dir_fd, entry, 0);
}

static gboolean
write_all (int         fd,
           const char *text,
           gsize       length)
{
  while (length > 0)
    {
      ssize_t n = write (fd, text, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      text += n;
      length -= (gsize) n;
    }
  return TRUE;
}

gboolean
kmodd_conffile_replace (const char *dir,
                        const char *name,
                        const char *text,
                        GError    **error)
{
  g_autofree char *prefix = g_strdup_printf (".#%s.", name);
  g_autofree char *tmp = NULL;
  int dir_fd;
  int fd;
  int saved;

  dir_fd = open_dir (dir, error);
  if (dir_fd < 0)
    return FALSE;
  remove_leftovers (dir_fd, dir, prefix);

  if (text == NULL)
    {
      if (unlinkat (dir_fd, name, 0) < 0 && errno != ENOENT)
        {
          saved = errno;
          close (dir_fd);
          return set_errno_error (error, saved, "remove", dir, name);
        }
      fsync (dir_fd);
      close (dir_fd);
      return TRUE;
    }

  tmp = g_strdup_printf ("%s%08x", prefix, g_random_int ());
  fd = openat (dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    {
      saved = errno;
      close (dir_fd);
      return set_errno_error (error, saved, "create", dir, tmp);
    }

  if (fchmod (fd, 0644) < 0 || !write_all (fd, text, strlen (text)) || fsync (fd) < 0)
    {
      saved = errno;
      close (fd);
      unlinkat (dir_fd, tmp, 0);
      close (dir_fd);
      return set_errno_error (error, saved, "write", dir, tmp);
    }
  if (close (fd) < 0 || renameat (dir_fd, tmp, dir_fd, name) < 0)
    {
      saved = errno;
      unlinkat (dir_fd, tmp, 0);
      close (dir_fd);
      return set_errno_error (error, saved, "replace", dir, name);
    }
  if (fsync (dir_fd) < 0)
    {
      saved = errno;
      close (dir_fd);
      return set_errno_error (error, saved, "sync", dir, NULL);
    }
  close (dir_fd);
  return TRUE;
}

/* ---- what every file says ------------------------------------------------------ */

void
kmodd_conf_entry_free (KmoddConfEntry *entry)
{
  g_free (entry->kind);
  g_free (entry->value);
  g_free (entry->source);
  g_free (entry);
}

static void
add_entry (GPtrArray  *entries,
           const char *kind,
           const char *value,
           const char *source)
{
  KmoddConfEntry *entry = g_new0 (KmoddConfEntry, 1);

  entry->kind = g_strdup (kind);
  entry->value = g_strdup (value);
  entry->source = g_strdup (source);
  g_ptr_array_add (entries, entry);
}

static gboolean
same_module (const char *word,
             const char *module)
{
  g_autofree char *normalized = kmodd_module_name_normalize (word);

  return g_str_equal (normalized, module);
}

void
kmodd_conffile_scan_text (KmoddConffileKind kind,
                          const char       *module,
                          const char       *text,
                          const char       *source,
                          GPtrArray        *entries)
{
  static const char * const commands[] = {
    "blacklist", "install", "remove", "options", "softdep", NULL,
  };
  g_autoptr(GString) joined = g_string_new (NULL);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint i;

  for (i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize len = strlen (line);
      g_auto(GStrv) words = NULL;

      /* modprobe.d joins a line ending in a backslash with the next one */
      if (kind == KMODD_CONFFILE_MODPROBE && len > 0 && line[len - 1] == '\\')
        {
          g_string_append_len (joined, line, (gssize) len - 1);
          continue;
        }
      g_string_append (joined, line);
      g_strstrip (joined->str);
      joined->len = strlen (joined->str);

      if (joined->len == 0 || joined->str[0] == '#' ||
          (kind == KMODD_CONFFILE_MODULES_LOAD && joined->str[0] == ';'))
        {
          g_string_truncate (joined, 0);
          continue;
        }

      if (kind == KMODD_CONFFILE_MODULES_LOAD)
        {
          if (same_module (joined->str, module))
            add_entry (entries, "load", joined->str, source);
          g_string_truncate (joined, 0);
          continue;
        }

      g_strdelimit (joined->str, "\t", ' ');
      words = g_strsplit (joined->str, " ", 3);
      if (g_strv_length (words) >= 2 &&
          g_strv_contains (commands, words[0]) && same_module (words[1], module))
        add_entry (entries, words[0], words[2] ? g_strstrip (words[2]) : "", source);
      g_string_truncate (joined, 0);
    }
}

void
kmodd_conffile_scan_cmdline (const char *module,
                             const char *cmdline,
                             GPtrArray  *entries)
{
  g_auto(GStrv) words = NULL;
  guint i;

  if (!g_shell_parse_argv (cmdline, NULL, &words, NULL))
    return;

  for (i = 0; words[i] != NULL; i++)
    {
      const char *eq = strchr (words[i], '=');
      const char *dot = strchr (words[i], '.');

      if (g_str_has_prefix (words[i], "modprobe.blacklist=") ||
          g_str_has_prefix (words[i], "module_blacklist="))
        {
          g_auto(GStrv) names = g_strsplit (eq + 1, ",", -1);
          guint j;

          for (j = 0; names[j] != NULL; j++)
            if (same_module (names[j], module))
              add_entry (entries, "blacklist", words[i], "/proc/cmdline");
        }
      else if (dot != NULL && (eq == NULL || dot < eq))
        {
          g_autofree char *prefix = g_strndup (words[i], (gsize) (dot - words[i]));

          if (same_module (prefix, module))
            add_entry (entries, "options", dot + 1, "/proc/cmdline");
        }
    }
}

static int
compare_names (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
scan_dirs (KmoddConffileKind   kind,
           const char * const *dirs,
           const char         *module,
           GPtrArray          *entries)
{
  g_autoptr(GHashTable) by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autofree const char **names = NULL;
  guint i;

  for (i = 0; dirs[i] != NULL; i++)
    {
      g_autoptr(GDir) dir = g_dir_open (dirs[i], 0, NULL);
      const char *entry;

      while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (entry, ".conf") && entry[0] != '.' &&
            !g_hash_table_contains (by_name, entry))
          g_hash_table_insert (by_name, g_strdup (entry), g_build_filename (dirs[i], entry, NULL));
    }

  names = (const char **) g_hash_table_get_keys_as_array (by_name, NULL);
  g_qsort_with_data (names, (gint) g_hash_table_size (by_name), sizeof (char *),
                     compare_names, NULL);
  for (i = 0; names[i] != NULL; i++)
    {
      const char *path = g_hash_table_lookup (by_name, names[i]);
      g_autofree char *text = NULL;

      if (g_file_get_contents (path, &text, NULL, NULL))
        kmodd_conffile_scan_text (kind, module, text, path, entries);
    }
}

GPtrArray *
kmodd_conffile_scan (const char *module)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) kmodd_conf_entry_free);
  g_autofree char *cmdline = NULL;

  scan_dirs (KMODD_CONFFILE_MODULES_LOAD, kmodd_modules_load_dirs, module, entries);
  scan_dirs (KMODD_CONFFILE_MODPROBE, kmodd_modprobe_dirs, module, entries);
  if (g_file_get_contents ("/proc/cmdline", &cmdline, NULL, NULL))
    kmodd_conffile_scan_cmdline (module, cmdline, entries);
  return entries;
}
