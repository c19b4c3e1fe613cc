/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekernel-shim-attrs.h: a driver's bind and unbind files under the
 * shim (fakekernel-shim-attrs.c).
 */
#pragma once

/* Called with what open() returned for @path (as opened, after the
 * shim's redirection) and @flags; remembers a descriptor open for
 * writing on a driver's bind or unbind file.  Returns @fd. */
int fk_attrs_track (const char *root, int fd, const char *path, int flags);
