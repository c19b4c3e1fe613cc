/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekernel-elf.h: a small, bounds-checked reader for the parts of a
 * kernel module (an ELF64 relocatable object) that the fake kernel needs:
 * the .modinfo strings, the module name and a plausible memory size.
 *
 * Plain libc on purpose: this code runs inside any process the shim is
 * preloaded into (the kmod tools do not link GLib).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define FK_MODULE_NAME_LEN 56  /* MODULE_NAME_LEN on 64-bit kernels */

typedef struct
{
  /* Borrowed pointer into the image and its length (NUL separated
   * "key=value" strings, possibly padded with extra NULs). */
  const char *modinfo;
  size_t      modinfo_len;

  char        name[FK_MODULE_NAME_LEN];

  /* Page-rounded sums of the SHF_ALLOC sections, split the way the
   * kernel lays a module out: .init* sections are freed after init. */
  unsigned long core_size;
  unsigned long init_size;

  /* The image ends with "~Module signature appended~\n". */
  bool          has_signature;
} FkElfModule;

/* Parses @image.  Returns 0, or -ENOEXEC when it is not a loadable
 * x86-64 kernel module, exactly the cases where the kernel says
 * ENOEXEC. */
int fk_elf_parse_module (const void *image, size_t len, FkElfModule *out);

/* Iterates the .modinfo strings: returns the value of the next "key="
 * entry after *@cursor (start with *@cursor = 0), or NULL at the end. */
const char *fk_elf_modinfo_next (const FkElfModule *mod, const char *key,
                                 size_t *cursor);

/* The first value of @key, or NULL. */
const char *fk_elf_modinfo_get (const FkElfModule *mod, const char *key);
