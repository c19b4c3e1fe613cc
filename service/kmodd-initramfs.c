/* kmodd-initramfs.c: which modules an initramfs image holds.
 *
 * The image is read as the kernel unpacks it (init/initramfs.c): zero
 * bytes are skipped; "0707" at a 4-byte boundary starts an uncompressed
 * cpio "newc" archive, which runs until its TRAILER!!! and the zeros after
 * it; anything else is a compressed stream whose output is cpio archives
 * and must end between two of them. Debian's initramfs-tools writes an
 * uncompressed early archive (microcode) and then the main one, compressed
 * with zstd, gzip or xz; dracut does the same.
 *
 * Only entry names are kept, and of those only the module names: the
 * image is streamed through a few 64 KiB buffers. It is a root-owned file
 * in /boot, read as if it were hostile all the same: every length is
 * checked, every count bounded, and anything unexpected makes the
 * contents unknown rather than guessed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZLIB_CONST
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "kmodd-initramfs.h"

#define CHUNK            65536
#define CPIO_HEADER_SIZE 110
/* what the decoders may allocate for an image's dictionary or window: xz -9
 * needs 65 MiB, zstd's own default bound is 2^27 */
#define XZ_MEMLIMIT      (G_GUINT64_CONSTANT (80) << 20)
#define ZSTD_WINDOW_LOG  27
#define MODULE_NAME_MAX  55

/* ---- cpio newc --------------------------------------------------------------------- */

typedef enum {
  CPIO_RESET,    /* between archives: zeros, then "0707" or the end */
  CPIO_HEADER,
  CPIO_NAME,
  CPIO_SKIP,     /* padding, the data, padding */
} CpioState;

typedef struct {
  CpioState   state;
  guint64     offset;    /* in the current stream: newc aligns to 4 bytes */
  guint8      header[CPIO_HEADER_SIZE];
  char        name[PATH_MAX];
  gsize       have;
  gsize       namesize;
  guint32     mode;
  guint32     filesize;
  guint64     skip;
  gboolean    trailer;   /* the entry is TRAILER!!! */
  guint       archives;  /* complete ones */
  guint       entries;
  guint64     total;
  char       *prefix;    /* lib/modules/RELEASE/ */
  GHashTable *modules;
} Cpio;

static gboolean
parse_hex (const guint8 *text,
           guint32      *out)
{
  guint32 value = 0;
  int i;

  for (i = 0; i < 8; i++)
    {
      int digit = g_ascii_xdigit_value ((char) text[i]);

      if (digit < 0)
        return FALSE;
      value = (value << 4) | (guint32) digit;
    }
  *out = value;
  return TRUE;
}

static gboolean
is_module_name (const char *name,
                gsize       length)
{
  gsize i;

  if (length == 0 || length > MODULE_NAME_MAX)
    return FALSE;
  for (i = 0; i < length; i++)
    if (!g_ascii_isalnum (name[i]) && name[i] != '_' && name[i] != '-')
      return FALSE;
  return TRUE;
}

/* A regular file: a module when its path ends in lib/modules/REL/.../NAME.ko[.xz|.zst|.gz] */
static void
note_module (Cpio       *cpio,
             const char *path)
{
  static const char * const suffixes[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };
  const char *at = path;
  const char *base;
  char *name;
  gsize i;

  while ((at = strstr (at, cpio->prefix)) != NULL && at != path && at[-1] != '/')
    at++;
  if (at == NULL)
    return;
  base = strrchr (path, '/') + 1; /* the prefix ends with one */

  for (i = 0; i < G_N_ELEMENTS (suffixes); i++)
    if (g_str_has_suffix (base, suffixes[i]))
      {
        gsize length = strlen (base) - strlen (suffixes[i]);

        if (!is_module_name (base, length))
          return;
        name = g_strndup (base, length);
        g_strdelimit (name, "-", '_');
        g_hash_table_add (cpio->modules, name);
        return;
      }
}

static gboolean
cpio_header (Cpio    *cpio,
             GError **error)
{
  guint32 fields[13];
  int i;

  if (memcmp (cpio->header, "07070", 5) != 0 ||
      (cpio->header[5] != '1' && cpio->header[5] != '2'))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "not a cpio newc header at offset %" G_GUINT64_FORMAT,
                   cpio->offset - CPIO_HEADER_SIZE);
      return FALSE;
    }
  for (i = 0; i < 13; i++)
    if (!parse_hex (cpio->header + 6 + 8 * i, &fields[i]))
      {
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                             "a cpio header field is not hexadecimal");
        return FALSE;
      }
  cpio->mode = fields[1];
  cpio->filesize = fields[6];
  cpio->namesize = fields[11];
  if (cpio->namesize == 0 || cpio->namesize > PATH_MAX)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "a cpio entry name of %zu bytes", cpio->namesize);
      return FALSE;
    }
  if (++cpio->entries > KMODD_INITRAMFS_MAX_ENTRIES)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   "more than %d entries", KMODD_INITRAMFS_MAX_ENTRIES);
      return FALSE;
    }
  cpio->state = CPIO_NAME;
  cpio->have = 0;
  return TRUE;
}

static gboolean
cpio_entry (Cpio    *cpio,
            GError **error)
{
  guint64 data_start = (cpio->offset + 3) & ~G_GUINT64_CONSTANT (3);
  guint64 end = (data_start + cpio->filesize + 3) & ~G_GUINT64_CONSTANT (3);

  if (cpio->name[cpio->namesize - 1] != '\0' || strlen (cpio->name) != cpio->namesize - 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "a cpio entry name is not a string");
      return FALSE;
    }
  cpio->trailer = g_str_equal (cpio->name, "TRAILER!!!");
  if (!cpio->trailer && S_ISREG (cpio->mode))
    note_module (cpio, cpio->name);

  cpio->skip = end - cpio->offset;
  cpio->state = CPIO_SKIP;
  return TRUE;
}

/* Takes what it can of @data; *@out_used < @length: the archives in this
 * stream ended (in CPIO_RESET) before a byte that does not start another. */
static gboolean
cpio_feed (Cpio         *cpio,
           const guint8 *data,
           gsize         length,
           gsize        *out_used,
           GError      **error)
{
  gsize i = 0;

  cpio->total += length;
  if (cpio->total > KMODD_INITRAMFS_MAX_BYTES)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   "more than %" G_GUINT64_FORMAT " bytes of archives",
                   KMODD_INITRAMFS_MAX_BYTES);
      return FALSE;
    }

  while (i < length)
    {
      gsize n;

      switch (cpio->state)
        {
        case CPIO_RESET:
          if (data[i] == '\0')
            {
              i++;
              cpio->offset++;
              continue;
            }
          if (data[i] != '0' || (cpio->offset & 3) != 0)
            {
              *out_used = i;
              return TRUE;
            }
          cpio->state = CPIO_HEADER;
          cpio->have = 0;
          break;

        case CPIO_HEADER:
          n = MIN (length - i, CPIO_HEADER_SIZE - cpio->have);
          memcpy (cpio->header + cpio->have, data + i, n);
          cpio->have += n;
          cpio->offset += n;
          i += n;
          if (cpio->have == CPIO_HEADER_SIZE && !cpio_header (cpio, error))
            return FALSE;
          break;

        case CPIO_NAME:
          n = MIN (length - i, cpio->namesize - cpio->have);
          memcpy (cpio->name + cpio->have, data + i, n);
          cpio->have += n;
          cpio->offset += n;
          i += n;
          if (cpio->have == cpio->namesize && !cpio_entry (cpio, error))
            return FALSE;
          break;

        case CPIO_SKIP:
        default:
          n = (gsize) MIN ((guint64) (length - i), cpio->skip);
          cpio->skip -= n;
          cpio->offset += n;
          i += n;
          break;
        }

      if (cpio->state == CPIO_SKIP && cpio->skip == 0)
        {
          cpio->state = cpio->trailer ? CPIO_RESET : CPIO_HEADER;
          cpio->archives += cpio->trailer;
          cpio->have = 0;
        }
    }
  *out_used = length;
  return TRUE;
}

/* Output of a compressed stream: all of it must be archives. */
static gboolean
cpio_feed_all (Cpio         *cpio,
               const guint8 *data,
               gsize         length,
               GError      **error)
{
  gsize used;

  if (!cpio_feed (cpio, data, length, &used, error))
    return FALSE;
  if (used < length)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "junk after an archive in a compressed stream");
      return FALSE;
    }
  return TRUE;
}

/* ---- the image ---------------------------------------------------------------------- */

typedef struct {
  int           fd;        /* -1: all of it is in data from the start */
  const guint8 *data;      /* what is not consumed yet */
  gsize         avail;
  guint8       *buf;
  guint64       offset;    /* consumed */
  guint64       read;
  gboolean      eof;
  GCancellable *cancellable;
} Input;

/* At least @wanted bytes in data, unless the image ends first. */
static gboolean
input_fill (Input   *in,
            gsize    wanted,
            GError **error)
{
  while (in->avail < wanted && !in->eof)
    {
      ssize_t n;

      if (in->fd < 0)
        {
          in->eof = TRUE;
          break;
        }
      if (g_cancellable_set_error_if_cancelled (in->cancellable, error))
        return FALSE;
      if (in->avail > 0 && in->data != in->buf)
        memmove (in->buf, in->data, in->avail);
      in->data = in->buf;
      do
        n = read (in->fd, in->buf + in->avail, CHUNK - in->avail);
      while (n < 0 && errno == EINTR);
      if (n < 0)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "cannot read it: %s", g_strerror (saved));
          return FALSE;
        }
      in->eof = n == 0;
      in->avail += (gsize) n;
      in->read += (guint64) n;
      if (in->read > KMODD_INITRAMFS_MAX_BYTES)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                       "larger than %" G_GUINT64_FORMAT " bytes", KMODD_INITRAMFS_MAX_BYTES);
          return FALSE;
        }
    }
  return TRUE;
}

static void
input_consume (Input *in,
               gsize  n)
{
  in->data += n;
  in->avail -= n;
  in->offset += n;
}

static gboolean
truncated (GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "a compressed stream is truncated");
  return FALSE;
}

static gboolean
stalled (GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "a compressed stream makes no progress");
  return FALSE;
}

static gboolean
inflate_gzip (Input   *in,
              Cpio    *cpio,
              guint8  *out,
              GError **error)
{
  z_stream z = { 0, };
  gboolean ok = FALSE;
  int ret = Z_OK;

  if (inflateInit2 (&z, 16 + MAX_WBITS) != Z_OK)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "zlib failed to start");
      return FALSE;
    }
  while (ret != Z_STREAM_END)
    {
      gsize used, made;

      if (!input_fill (in, 1, error))
        goto out;
      if (in->avail == 0)
        {
          truncated (error);
          goto out;
        }
      z.next_in = in->data;
      z.avail_in = (uInt) MIN (in->avail, CHUNK);
      z.next_out = out;
      z.avail_out = CHUNK;
      ret = inflate (&z, Z_NO_FLUSH);
      if (ret != Z_OK && ret != Z_STREAM_END)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "gzip: %s",
                       z.msg ? z.msg : "error");
          goto out;
        }
      used = MIN (in->avail, CHUNK) - z.avail_in;
      made = CHUNK - z.avail_out;
      input_consume (in, used);
      if (used == 0 && made == 0 && ret != Z_STREAM_END)
        {
          stalled (error);
          goto out;
        }
      if (!cpio_feed_all (cpio, out, made, error))
        goto out;
    }
  ok = TRUE;
out:
  inflateEnd (&z);
  return ok;
}

static gboolean
decompress_xz (Input   *in,
               Cpio    *cpio,
               guint8  *out,
               GError **error)
{
  lzma_stream xz = LZMA_STREAM_INIT;
  gboolean ok = FALSE;
  lzma_ret ret = LZMA_OK;

  if (lzma_stream_decoder (&xz, XZ_MEMLIMIT, 0) != LZMA_OK)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "liblzma failed to start");
      return FALSE;
    }
  while (ret != LZMA_STREAM_END)
    {
      gsize used, made;

      if (!input_fill (in, 1, error))
        goto out;
      xz.next_in = in->data;
      xz.avail_in = in->avail;
      xz.next_out = out;
      xz.avail_out = CHUNK;
      ret = lzma_code (&xz, in->avail == 0 ? LZMA_FINISH : LZMA_RUN);
      if (ret != LZMA_OK && ret != LZMA_STREAM_END)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "xz: error %d", (int) ret);
          goto out;
        }
      used = in->avail - xz.avail_in;
      made = CHUNK - xz.avail_out;
      input_consume (in, used);
      if (used == 0 && made == 0 && ret != LZMA_STREAM_END)
        {
          if (in->eof)
            truncated (error);
          else
            stalled (error);
          goto out;
        }
      if (!cpio_feed_all (cpio, out, made, error))
        goto out;
    }
  ok = TRUE;
out:
  lzma_end (&xz);
  return ok;
}

static gboolean
decompress_zstd (Input   *in,
                 Cpio    *cpio,
                 guint8  *out,
                 GError **error)
{
  ZSTD_DCtx *zstd = ZSTD_createDCtx ();
  gboolean ok = FALSE;
  size_t ret = 1;

  if (zstd == NULL ||
      ZSTD_isError (ZSTD_DCtx_setParameter (zstd, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "libzstd failed to start");
      goto out;
    }
  while (ret != 0)
    {
      ZSTD_inBuffer input;
      ZSTD_outBuffer output = { out, CHUNK, 0 };

      if (!input_fill (in, 1, error))
        goto out;
      input.src = in->data;
      input.size = in->avail;
      input.pos = 0;
      ret = ZSTD_decompressStream (zstd, &output, &input);
      if (ZSTD_isError (ret))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "zstd: %s",
                       ZSTD_getErrorName (ret));
          goto out;
        }
      input_consume (in, input.pos);
      if (input.pos == 0 && output.pos == 0 && ret != 0)
        {
          if (in->eof)
            truncated (error);
          else
            stalled (error);
          goto out;
        }
      if (!cpio_feed_all (cpio, out, output.pos, error))
        goto out;
    }
  ok = TRUE;
out:
  ZSTD_freeDCtx (zstd);
  return ok;
}

typedef gboolean (*Decompress) (Input   *in,
                                Cpio    *cpio,
                                guint8  *out,
                                GError **error);

static Decompress
find_decompressor (const guint8 *magic,
                   gsize         length,
                   GError      **error)
{
  static const struct {
    const char *magic;
    gsize       length;
    const char *name;
    Decompress  decompress;
  } formats[] = {
    { "\x1f\x8b", 2, "gzip", inflate_gzip },
    { "\xfd" "7zXZ\0", 6, "xz", decompress_xz },
    { "\x28\xb5\x2f\xfd", 4, "zstd", decompress_zstd },
    { "BZh", 3, "bzip2", NULL },
    { "\x5d\0\0", 3, "lzma", NULL },
    { "\x89LZO", 4, "lzo", NULL },
    { "\x02\x21\x4c\x18", 4, "lz4", NULL },
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (formats); i++)
    if (length >= formats[i].length && memcmp (magic, formats[i].magic, formats[i].length) == 0)
      {
        if (formats[i].decompress == NULL)
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "compressed with %s, which kmodd does not read", formats[i].name);
        return formats[i].decompress;
      }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "neither a cpio archive nor a known compression");
  return NULL;
}

static GHashTable *
scan (Input      *in,
      const char *release,
      GError    **error)
{
  guint8 *out = g_malloc (CHUNK);
  g_autoptr(GHashTable) modules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *prefix = g_strdup_printf ("lib/modules/%s/", release);
  Cpio *cpio = g_new0 (Cpio, 1);
  GHashTable *result = NULL;

  cpio->prefix = prefix;
  cpio->modules = modules;
  for (;;)
    {
      Decompress decompress;

      if (!input_fill (in, 6, error))
        goto out;
      if (in->avail == 0)
        break;

      if (in->data[0] == '\0')
        {
          static const guint8 block[256] = { 0, };
          gsize zeros = 1;

          /* a block at a time: a sparse image may be mostly zeros */
          while (zeros + sizeof block <= in->avail &&
                 memcmp (in->data + zeros, block, sizeof block) == 0)
            zeros += sizeof block;
          while (zeros < in->avail && in->data[zeros] == '\0')
            zeros++;
          input_consume (in, zeros);
          continue;
        }

      cpio->state = CPIO_RESET;
      cpio->offset = 0;
      if (in->data[0] == '0' && (in->offset & 3) == 0)
        {
          gsize used;

          /* uncompressed archives, up to what follows them */
          do
            {
              if (!input_fill (in, 1, error) ||
                  !cpio_feed (cpio, in->data, in->avail, &used, error))
                goto out;
              input_consume (in, used);
            }
          while (in->avail == 0 && !in->eof);
          if (cpio->state != CPIO_RESET)
            {
              g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                   "an archive is truncated");
              goto out;
            }
          continue;
        }

      decompress = find_decompressor (in->data, in->avail, error);
      if (decompress == NULL || !decompress (in, cpio, out, error))
        goto out;
      if (cpio->state != CPIO_RESET)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "a compressed stream ends inside an archive");
          goto out;
        }
    }

  if (cpio->archives == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "no complete cpio archive");
      goto out;
    }
  result = g_steal_pointer (&modules);
out:
  g_free (cpio);
  g_free (out);
  return result;
}

GHashTable *
kmodd_initramfs_parse (const guint8 *data,
                       gsize         size,
                       const char   *release,
                       GError      **error)
{
  Input in = { -1, data, size, NULL, 0, 0, TRUE, NULL };

  return scan (&in, release, error);
}

GHashTable *
kmodd_initramfs_read_fd (int           fd,
                         const char   *release,
                         GCancellable *cancellable,
                         GError      **error)
{
  guint8 *buf = g_malloc (CHUNK);
  Input in = { fd, buf, 0, buf, 0, 0, FALSE, cancellable };
  GHashTable *modules = scan (&in, release, error);

  g_free (buf);
  return modules;
}
