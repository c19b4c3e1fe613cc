/* kmodd-initramfs.h: which modules an initramfs image holds.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Bounds on what an image may make kmodd do: beyond them its contents are
 * unknown. */
#define KMODD_INITRAMFS_MAX_BYTES   (G_GUINT64_CONSTANT (1) << 30) /* read or decompressed */
#define KMODD_INITRAMFS_MAX_ENTRIES 200000

/* The names (normalized, "-" as "_") of the modules whose .ko (or .ko.xz,
 * .ko.zst, .ko.gz) is a regular file under a path ending in
 * lib/modules/@release/ in the image: one or more concatenated cpio "newc"
 * archives, each uncompressed or compressed with gzip, xz or zstd, with
 * zero padding between them, as the kernel unpacks them. NULL with @error
 * when the whole image could not be read: another compression, malformed
 * or truncated input, a bound exceeded. Never more than a few buffers in
 * memory. */
GHashTable *kmodd_initramfs_parse (const guint8 *data,
                                   gsize         size,
                                   const char   *release,
                                   GError      **error);
GHashTable *kmodd_initramfs_read_fd (int           fd,
                                     const char   *release,
                                     GCancellable *cancellable,
                                     GError      **error);

/* The set of the image at a path, read in a thread the first time and
 * again only when the file changes (device, inode, size, mtime). Calls
 * while a read runs wait for it. */
typedef struct _KmoddInitramfsCache KmoddInitramfsCache;

KmoddInitramfsCache *kmodd_initramfs_cache_new (const char *release);
void kmodd_initramfs_cache_free (KmoddInitramfsCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KmoddInitramfsCache, kmodd_initramfs_cache_free)

void kmodd_initramfs_cache_get_async (KmoddInitramfsCache *cache,
                                      const char          *path,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
/* The set (a new reference), or NULL with @error: contents unknown. */
GHashTable *kmodd_initramfs_cache_get_finish (KmoddInitramfsCache *cache,
                                              GAsyncResult        *result,
                                              GError             **error);

/* Shutdown: reads in flight stop (their callers get an error) and are
 * waited for; later calls fail at once. */
void kmodd_initramfs_cache_shutdown (KmoddInitramfsCache *cache);

G_END_DECLS
