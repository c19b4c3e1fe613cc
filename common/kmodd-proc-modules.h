/* kmodd-proc-modules.h: a parser for the kernel's /proc/modules.
 *
 * One read of /proc/modules tells everything List needs: name, size, use
 * count, holders (the modules that depend on this one), state and taint.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  KMODD_LOADED_LIVE,
  KMODD_LOADED_COMING,
  KMODD_LOADED_GOING,
} KmoddLoadedState;

typedef struct {
  char            *name;
  guint64          size;
  gint             refcount;  /* -1 when the module cannot be unloaded */
  GStrv            holders;   /* never NULL */
  KmoddLoadedState state;
  char            *taint;     /* "" when none; e.g. "OE" */
  gboolean         permanent; /* has init but no exit: never removable */
} KmoddLoadedModule;

void kmodd_loaded_module_free (KmoddLoadedModule *module);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KmoddLoadedModule, kmodd_loaded_module_free)

/* Returns an array of KmoddLoadedModule in file order. Malformed lines are
 * skipped (and counted in @out_skipped if given): the kernel's own format
 * never has them. */
GPtrArray *kmodd_proc_modules_parse (const char *contents,
                                     gsize       length,
                                     guint      *out_skipped);

const char *kmodd_loaded_state_to_string (KmoddLoadedState state);

G_END_DECLS
