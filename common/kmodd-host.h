/* kmodd-host.h: the [USER@]HOST[:PORT] a client is told to reach over SSH.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the longest host string accepted, in bytes */
#define KMODD_HOST_MAX 1024

typedef struct {
  char *user;  /* NULL when none was given */
  char *host;  /* a name or an address; an IPv6 address without its [ ] */
  guint port;  /* 0 when none was given, else 1..65535 */
} KmoddHost;

void       kmodd_host_free  (KmoddHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KmoddHost, kmodd_host_free)

/* Parses [USER@]HOST[:PORT] (IPv6 as [ADDR] or [ADDR]:PORT). Refuses, with
 * G_IO_ERROR_INVALID_ARGUMENT and a message that does not echo the text:
 * an empty or overlong string, a leading '-' (in the whole or in USER or
 * HOST), whitespace, control characters or other bytes outside the sets
 * below, an empty USER, HOST or PORT, a PORT outside 1..65535.
 * USER: [A-Za-z0-9._-]; HOST: [A-Za-z0-9._-] (a name, an IPv4 address);
 * between [ ]: [0-9A-Fa-f:.] with at least one ':', and an optional
 * %ZONE of [A-Za-z0-9._-]. */
KmoddHost *kmodd_host_parse (const char *text,
                             GError    **error);

/* "USER@HOST" or "HOST": ssh's destination argument */
char      *kmodd_host_destination (const KmoddHost *host);

G_END_DECLS
