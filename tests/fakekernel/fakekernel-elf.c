/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekernel-elf.c: bounds-checked ELF64 reader for kernel modules.
 *
 * Every offset and size read from the image is checked against the
 * image length before use, so garbage input yields -ENOEXEC, never a
 * crash.  The checks mirror what the 6.1 kernel's
 * elf_validity_cache_copy() rejects with ENOEXEC.
 */
#include "fakekernel-elf.h"

#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#define FK_PAGE_SIZE 4096UL
#define FK_SIG_MARKER "~Module signature appended~\n"

/* offsetof (struct module, name) on x86-64: enum state + padding,
 * then a struct list_head. */
#define FK_THIS_MODULE_NAME_OFFSET 24

static bool
range_ok (size_t len, uint64_t off, uint64_t size)
{
  return off <= len && size <= len - off;
}

static unsigned long
round_up (unsigned long v, unsigned long align)
{
  if (align <= 1)
    return v;
  return (v + align - 1) / align * align;
}

static bool
str_has_prefix (const char *s, const char *prefix)
{
  return strncmp (s, prefix, strlen (prefix)) == 0;
}

int
fk_elf_parse_module (const void *image, size_t len, FkElfModule *out)
{
  const unsigned char *data = image;
  Elf64_Ehdr ehdr;
  Elf64_Shdr shstr;
  const char *shstrtab;
  Elf64_Shdr modinfo, this_module;
  bool have_modinfo = false, have_this_module = false;
  bool have_symtab = false;
  unsigned long core = 0, init = 0;
  const char *name;
  size_t markerlen = strlen (FK_SIG_MARKER);
  uint16_t i;

  memset (out, 0, sizeof *out);
  memset (&modinfo, 0, sizeof modinfo);
  memset (&this_module, 0, sizeof this_module);

  if (image == NULL || len < sizeof ehdr)
    return -ENOEXEC;
  memcpy (&ehdr, data, sizeof ehdr);

  if (memcmp (ehdr.e_ident, ELFMAG, SELFMAG) != 0
      || ehdr.e_ident[EI_CLASS] != ELFCLASS64
      || ehdr.e_ident[EI_DATA] != ELFDATA2LSB
      || ehdr.e_ident[EI_VERSION] != EV_CURRENT
      || ehdr.e_type != ET_REL
      || ehdr.e_machine != EM_X86_64
      || ehdr.e_shentsize != sizeof (Elf64_Shdr)
      || ehdr.e_shnum == 0
      || ehdr.e_shstrndx == SHN_UNDEF
      || ehdr.e_shstrndx >= ehdr.e_shnum
      || !range_ok (len, ehdr.e_shoff,
                    (uint64_t) ehdr.e_shnum * sizeof (Elf64_Shdr)))
    return -ENOEXEC;

  /* Section headers may be unaligned in a hostile image: copy them. */
  memcpy (&shstr, data + ehdr.e_shoff
          + (uint64_t) ehdr.e_shstrndx * sizeof (Elf64_Shdr), sizeof shstr);
  if (shstr.sh_type == SHT_NOBITS || shstr.sh_size == 0
      || !range_ok (len, shstr.sh_offset, shstr.sh_size)
      || data[shstr.sh_offset + shstr.sh_size - 1] != '\0')
    return -ENOEXEC;
  shstrtab = (const char *) data + shstr.sh_offset;

  for (i = 1; i < ehdr.e_shnum; i++)
    {
      Elf64_Shdr sh;
      const char *secname;

      memcpy (&sh, data + ehdr.e_shoff + (uint64_t) i * sizeof (Elf64_Shdr),
              sizeof sh);
      if (sh.sh_type != SHT_NOBITS && !range_ok (len, sh.sh_offset, sh.sh_size))
        return -ENOEXEC;
      if (sh.sh_name >= shstr.sh_size)
        return -ENOEXEC;
      secname = shstrtab + sh.sh_name;

      if (sh.sh_type == SHT_SYMTAB)
        have_symtab = true;
      if (strcmp (secname, ".modinfo") == 0 && sh.sh_type != SHT_NOBITS)
        {
          modinfo = sh;
          have_modinfo = true;
        }
      else if (strcmp (secname, ".gnu.linkonce.this_module") == 0
               && sh.sh_type != SHT_NOBITS)
        {
          this_module = sh;
          have_this_module = true;
        }

      if (sh.sh_flags & SHF_ALLOC)
        {
          unsigned long sz = round_up (sh.sh_size, sh.sh_addralign);

          if (str_has_prefix (secname, ".init"))
            init += sz;
          else
            core += sz;
        }
    }

  if (!have_this_module || !have_symtab)
    return -ENOEXEC;

  if (have_modinfo)
    {
      out->modinfo = (const char *) data + modinfo.sh_offset;
      out->modinfo_len = modinfo.sh_size;
    }

  name = fk_elf_modinfo_get (out, "name");
  if (name != NULL && name[0] != '\0' && strlen (name) < sizeof out->name)
    memcpy (out->name, name, strlen (name) + 1);
  else
    {
      const char *p;
      size_t n;

      if (this_module.sh_size < FK_THIS_MODULE_NAME_OFFSET + FK_MODULE_NAME_LEN)
        return -ENOEXEC;
      p = (const char *) data + this_module.sh_offset
          + FK_THIS_MODULE_NAME_OFFSET;
      n = strnlen (p, FK_MODULE_NAME_LEN);
      if (n == 0 || n == FK_MODULE_NAME_LEN)
        return -ENOEXEC;
      memcpy (out->name, p, n);
      out->name[n] = '\0';
    }

  out->core_size = round_up (core, FK_PAGE_SIZE);
  out->init_size = round_up (init, FK_PAGE_SIZE);
  out->has_signature = len > markerlen
                       && memcmp (data + len - markerlen, FK_SIG_MARKER, markerlen) == 0;

  return 0;
}

const char *
fk_elf_modinfo_next (const FkElfModule *mod, const char *key, size_t *cursor)
{
  size_t keylen = strlen (key);
  size_t pos = *cursor;

  while (pos < mod->modinfo_len)
    {
      const char *s = mod->modinfo + pos;
      size_t avail = mod->modinfo_len - pos;
      size_t slen = strnlen (s, avail);

      if (slen == avail)
        break;  /* unterminated trailing string: ignore it */

      pos += slen + 1;
      if (slen > keylen && strncmp (s, key, keylen) == 0 && s[keylen] == '=')
        {
          *cursor = pos;
          return s + keylen + 1;
        }
    }

  *cursor = mod->modinfo_len;
  return NULL;
}

const char *
fk_elf_modinfo_get (const FkElfModule *mod, const char *key)
{
  size_t cursor = 0;

  return fk_elf_modinfo_next (mod, key, &cursor);
}
