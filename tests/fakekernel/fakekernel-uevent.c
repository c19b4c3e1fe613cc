/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekernel-uevent.c: udev-format netlink broadcast of module uevents.
 *
 * The wire format is libudev's (systemd 252 device-monitor.c): a fixed
 * 40-byte header starting with "libudev\0", the magic 0xfeedcafe in
 * network byte order, header size, offset and length of the property
 * block, and MurmurHash2 hashes of subsystem and devtype that the
 * receivers' kernel socket filter compares; then the NUL-separated
 * KEY=value properties.  Receivers require SCM_CREDENTIALS of uid 0
 * (or their own uid), which the kernel attaches for us; sending to a
 * multicast group needs CAP_NET_ADMIN in the network namespace.
 */
#include "fakekernel-uevent.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define FK_UDEV_MONITOR_MAGIC 0xfeedcafeU
#define FK_MONITOR_GROUP_UDEV 2U

typedef struct
{
  char     prefix[8];
  uint32_t magic;
  uint32_t header_size;
  uint32_t properties_off;
  uint32_t properties_len;
  uint32_t filter_subsystem_hash;
  uint32_t filter_devtype_hash;
  uint32_t filter_tag_bloom_hi;
  uint32_t filter_tag_bloom_lo;
} FkUdevHeader;

uint32_t
fk_murmur_hash2 (const void *key, size_t len, uint32_t seed)
{
  const uint32_t m = 0x5bd1e995U;
  const unsigned char *p = key;
  uint32_t h = seed ^ (uint32_t) len;

  for (; len >= 4; len -= 4, p += 4)
    {
      uint32_t k;

      memcpy (&k, p, 4);  /* host order, like the reference on x86 */
      k *= m;
      k ^= k >> 24;
      k *= m;
      h = (h * m) ^ k;
    }

  if (len > 0)
    {
      /* the last 1 to 3 bytes, zero-padded: the reference's fall-through
       * switch, without reading past the key */
      unsigned char tail[4] = { 0, 0, 0, 0 };

      memcpy (tail, p, len);
      h ^= (uint32_t) tail[2] << 16;
      h ^= (uint32_t) tail[1] << 8;
      h ^= tail[0];
      h *= m;
    }

  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return h;
}

static int
append_prop (char *buf, size_t size, size_t *used, const char *fmt_key,
             const char *value)
{
  int n = snprintf (buf + *used, size - *used, "%s=%s", fmt_key, value);

  if (n < 0 || (size_t) n + 1 > size - *used)
    return -ENAMETOOLONG;
  *used += (size_t) n + 1;  /* keep the NUL */
  return 0;
}

/* Sends the @used bytes of properties in @props, for @subsystem. */
static int
send_props (const char *subsystem, const char *props, size_t used)
{
  FkUdevHeader hdr;
  struct sockaddr_nl dest;
  struct iovec iov[2];
  struct msghdr msg;
  int fd, r = 0;

  memset (&hdr, 0, sizeof hdr);
  memcpy (hdr.prefix, "libudev", 8);
  hdr.magic = htobe32 (FK_UDEV_MONITOR_MAGIC);
  hdr.header_size = sizeof hdr;
  hdr.properties_off = sizeof hdr;
  hdr.properties_len = (uint32_t) used;
  hdr.filter_subsystem_hash = htobe32 (fk_murmur_hash2 (subsystem,
                                                        strlen (subsystem), 0));
  /* no DEVTYPE and no TAGS: devtype hash and tag bloom stay 0 */

  memset (&dest, 0, sizeof dest);
  dest.nl_family = AF_NETLINK;
  dest.nl_groups = FK_MONITOR_GROUP_UDEV;

  iov[0].iov_base = &hdr;
  iov[0].iov_len = sizeof hdr;
  iov[1].iov_base = (void *) props;
  iov[1].iov_len = used;

  memset (&msg, 0, sizeof msg);
  msg.msg_name = &dest;
  msg.msg_namelen = sizeof dest;
  msg.msg_iov = iov;
  msg.msg_iovlen = 2;

  fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
  if (fd < 0)
    return -errno;
  if (sendmsg (fd, &msg, 0) < 0 && errno != ECONNREFUSED && errno != ESRCH)
    r = -errno;
  close (fd);
  return r;
}

static int
append_common (char *buf, size_t size, size_t *used, const char *action,
               const char *devpath, const char *subsystem, uint64_t seqnum)
{
  char seq[32], usec[32];
  struct timespec ts;

  snprintf (seq, sizeof seq, "%" PRIu64, seqnum);
  clock_gettime (CLOCK_MONOTONIC, &ts);
  snprintf (usec, sizeof usec, "%" PRIu64,
            (uint64_t) ts.tv_sec * 1000000U + (uint64_t) ts.tv_nsec / 1000U);
  if (append_prop (buf, size, used, "ACTION", action) < 0
      || append_prop (buf, size, used, "DEVPATH", devpath) < 0
      || append_prop (buf, size, used, "SUBSYSTEM", subsystem) < 0
      || append_prop (buf, size, used, "SEQNUM", seq) < 0
      || append_prop (buf, size, used, "USEC_INITIALIZED", usec) < 0)
    return -ENAMETOOLONG;
  return 0;
}

int
fk_uevent_send_module (const char *action, const char *name, uint64_t seqnum)
{
  static const char subsystem[] = "module";
  char props[512];
  char devpath[128];
  size_t used = 0;

  snprintf (devpath, sizeof devpath, "/module/%s", name);
  if (append_common (props, sizeof props, &used, action, devpath, subsystem, seqnum) < 0)
    return -ENAMETOOLONG;
  return send_props (subsystem, props, used);
}

int
fk_uevent_send_device (const char *action, const char *devpath,
                       const char *subsystem, const char *modalias,
                       const char *driver, uint64_t seqnum)
{
  char props[2048];
  size_t used = 0;

  if (append_common (props, sizeof props, &used, action, devpath, subsystem, seqnum) < 0
      || (driver != NULL && append_prop (props, sizeof props, &used, "DRIVER", driver) < 0)
      || append_prop (props, sizeof props, &used, "MODALIAS", modalias) < 0)
    return -ENAMETOOLONG;
  return send_props (subsystem, props, used);
}
