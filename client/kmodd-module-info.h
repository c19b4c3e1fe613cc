/* kmodd-module-info.h: what the service tells about a module (modinfo).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define KMODD_TYPE_MODULE_INFO (kmodd_module_info_get_type ())
G_DECLARE_FINAL_TYPE (KmoddModuleInfo, kmodd_module_info, KMODD, MODULE_INFO, GObject)

const char         *kmodd_module_info_get_name (KmoddModuleInfo *info);
const char         *kmodd_module_info_get_filename              (KmoddModuleInfo *info);
const char         *kmodd_module_info_get_description           (KmoddModuleInfo *info);
const char         *kmodd_module_info_get_author                (KmoddModuleInfo *info);
const char         *kmodd_module_info_get_license               (KmoddModuleInfo *info);
const char         *kmodd_module_info_get_version               (KmoddModuleInfo *info);
const char         *kmodd_module_info_get_vermagic              (KmoddModuleInfo *info);
const char         *kmodd_module_info_get_signer                (KmoddModuleInfo *info);
const char         *kmodd_module_info_get_softdeps              (KmoddModuleInfo *info);
const char * const *kmodd_module_info_get_depends               (KmoddModuleInfo *info);
const char * const *kmodd_module_info_get_aliases               (KmoddModuleInfo *info);
const char * const *kmodd_module_info_get_firmware              (KmoddModuleInfo *info);
const char * const *kmodd_module_info_get_parameter_names       (KmoddModuleInfo *info);
const char         *kmodd_module_info_get_parameter_description (KmoddModuleInfo *info,
                                                                 const char      *parameter);
gboolean            kmodd_module_info_get_loaded                (KmoddModuleInfo *info);
gboolean            kmodd_module_info_get_builtin               (KmoddModuleInfo *info);
gboolean            kmodd_module_info_get_blacklisted           (KmoddModuleInfo *info);
gboolean            kmodd_module_info_get_has_install_command   (KmoddModuleInfo *info);
GVariant           *kmodd_module_info_get_dict                  (KmoddModuleInfo *info);

G_END_DECLS
