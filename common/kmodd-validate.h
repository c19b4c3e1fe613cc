/* kmodd-validate.h: checks for everything a caller sends: module names and
 * aliases, module parameters, option dictionaries; and escaping of caller
 * input for logs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  KMODD_NAME_MODULE, /* [A-Za-z0-9_-], at most 55, no leading '-' */
  KMODD_NAME_ALIAS,  /* anything else that passes: resolved through aliases only */
} KmoddNameKind;

gboolean kmodd_name_validate (const char    *name,
                              KmoddNameKind *out_kind,
                              GError       **error);

gboolean kmodd_name_is_module_name (const char *name);

char *kmodd_module_name_normalize (const char *name);

typedef struct {
  char *key;   /* as given, '-' kept */
  char *value; /* NULL for a bare "key" (a boolean parameter) */
} KmoddParameter;

void kmodd_parameter_free (KmoddParameter *param);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KmoddParameter, kmodd_parameter_free)

GPtrArray *kmodd_parameters_parse (const char *text,
                                   GError    **error);

char *kmodd_parameters_to_string (GPtrArray *params);

gboolean kmodd_parameters_check_declared (GPtrArray          *params,
                                          const char         *module,
                                          const char * const *declared,
                                          GError            **error);

typedef struct {
  const char *key;
  const char *type; /* a GVariant type string */
} KmoddOptionSpec;

/* The options each method of the Manager interface takes, each table
 * ending with { NULL, NULL }. Info takes none (a NULL spec). */
extern const KmoddOptionSpec kmodd_load_options[];
extern const KmoddOptionSpec kmodd_unload_options[];
extern const KmoddOptionSpec kmodd_reload_options[];
extern const KmoddOptionSpec kmodd_autoclean_options[];
extern const KmoddOptionSpec kmodd_list_options[];
extern const KmoddOptionSpec kmodd_devices_options[];

gboolean kmodd_options_check (GVariant              *options,
                              const KmoddOptionSpec *spec,
                              GError               **error);

char *kmodd_escape (const char *untrusted);

G_END_DECLS
