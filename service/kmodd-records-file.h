/* kmodd-records-file.h: the records of kmodd-autoclean.h on disk, in the runtime
 * directory, so that a restarted daemon keeps its AutoClean marks. They live
 * in /run and vanish with a reboot, as the modules do.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "kmodd-autoclean.h"

G_BEGIN_DECLS

char *kmodd_records_file_default_dir (void);

gboolean kmodd_records_file_save (KmoddAutoclean *ac,
                                  const char     *dir,
                                  GError        **error);

gboolean kmodd_records_file_load (KmoddAutoclean *ac,
                                  const char     *dir,
                                  GError        **error);

G_END_DECLS
