/* kmodd-conffile.h: the files kmodd owns in modules-load.d and modprobe.d,
 * and reading what every file there says about a module.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  KMODD_CONFFILE_MODULES_LOAD, /* modules-load.d(5): one module per line */
  KMODD_CONFFILE_MODPROBE,     /* modprobe.d(5) */
} KmoddConffileKind;

/* The directories, in the order their readers (systemd-modules-load,
 * libkmod) look at them; a file name found in an earlier one masks the
 * same name in the later ones. */
extern const char * const kmodd_modules_load_dirs[];
extern const char * const kmodd_modprobe_dirs[];

/* kmodd's own file: KMODD_CONFFILE_NAME in /etc, KMODD_CONFFILE_RUNTIME_NAME
 * in /run (another name, or the /etc one would mask it; it sorts after
 * kmodd.conf so that its options come last and win). */
#define KMODD_CONFFILE_NAME         "kmodd.conf"
#define KMODD_CONFFILE_RUNTIME_NAME "kmodd.runtime.conf"
#define KMODD_CONFFILE_HEADER \
  "# This file is managed by kmodd (org.freedesktop.KernelModules1): change it\n" \
  "# with kmodctl or over D-Bus. kmodd reads it again before every change and\n" \
  "# keeps lines it does not understand; it removes the file when it is empty.\n"

typedef struct _KmoddConffile KmoddConffile;

KmoddConffile *kmodd_conffile_parse (KmoddConffileKind kind,
                                     const char       *text,
                                     gsize             length);
void kmodd_conffile_free (KmoddConffile *conffile);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KmoddConffile, kmodd_conffile_free)

gboolean kmodd_conffile_get_boot_load (KmoddConffile *conffile,
                                       const char    *module);
gboolean kmodd_conffile_get_blocked (KmoddConffile *conffile,
                                     const char    *module);
const char *kmodd_conffile_get_options (KmoddConffile *conffile,
                                        const char    *module);

/* Each returns whether the file changed; FALSE with @error for a module
 * name or options text that could add a word or a line to the file. */
gboolean kmodd_conffile_set_boot_load (KmoddConffile *conffile,
                                       const char    *module,
                                       gboolean       enabled,
                                       gboolean      *out_changed,
                                       GError       **error);
gboolean kmodd_conffile_set_blocked (KmoddConffile *conffile,
                                     const char    *module,
                                     gboolean       blocked,
                                     gboolean      *out_changed,
                                     GError       **error);
gboolean kmodd_conffile_set_options (KmoddConffile *conffile,
                                     const char    *module,
                                     const char    *options,
                                     gboolean      *out_changed,
                                     GError       **error);

gboolean kmodd_conffile_options_are_safe (const char *options);

/* The file's new text, or NULL when nothing but the header would remain
 * (then the file goes). */
char *kmodd_conffile_to_string (KmoddConffile *conffile);

gboolean kmodd_conffile_read (const char *path,
                              char      **out_text,
                              GError    **error);

gboolean kmodd_conffile_replace (const char *dir,
                                 const char *name,
                                 const char *text,
                                 GError    **error);

/* What a file (or the kernel command line) says about a module. */
typedef struct {
  char *kind;   /* "load", "blacklist", "install", "remove", "options", "softdep" */
  char *value;  /* the rest of the line */
  char *source; /* the file's path, or /proc/cmdline */
} KmoddConfEntry;

void kmodd_conf_entry_free (KmoddConfEntry *entry);

GPtrArray *kmodd_conffile_scan (const char *module);

void kmodd_conffile_scan_text (KmoddConffileKind kind,
                               const char       *module,
                               const char       *text,
                               const char       *source,
                               GPtrArray        *entries);

void kmodd_conffile_scan_cmdline (const char *module,
                                  const char *cmdline,
                                  GPtrArray  *entries);

G_END_DECLS
