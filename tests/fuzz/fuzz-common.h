/* fuzz-common.h: what every fuzzer of kmodd's parsers shares.
 *
 * Each fuzz-*.c defines LLVMFuzzerTestOneInput(). Built with clang and
 * -Dfuzzing=true, that is a libFuzzer target; in any other build,
 * fuzz-replay.c supplies a main() that feeds it every file of the seed
 * corpus, as a plain test.
 *
 * A fuzzer asserts the properties the daemon relies on, not just "no
 * crash": a failed check is an abort, which libFuzzer reports as a crash
 * with the input that caused it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

/* Criticals and warnings from GLib (a g_return_if_fail() that trips, say)
 * are bugs too. */
static inline void
fuzz_set_up (void)
{
  static gboolean done = FALSE;

  if (!done)
    {
      g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
      done = TRUE;
    }
}

/* Like g_assert(), but never compiled out (G_DISABLE_ASSERT) and with the
 * failed condition named. */
#define FUZZ_CHECK(cond)                                                  \
  G_STMT_START                                                            \
  {                                                                       \
    if (G_UNLIKELY (!(cond)))                                             \
      {                                                                   \
        g_printerr ("%s:%d: property failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                               \
        abort ();                                                         \
      }                                                                   \
  }                                                                       \
  G_STMT_END
