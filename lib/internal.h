/* SPDX-License-Identifier: MIT */
/*
 * libvpin's internals, shared with its unit tests: none of this is
 * exported from libvpin.so.
 */
#ifndef VPIN_INTERNAL_H
#define VPIN_INTERNAL_H

#include <linux/vpin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Asks the session behind fd for its version: 0 or a negative errno. */
typedef int (*vpin_ioc_version_fn)(int fd, struct vpin_version *reply);

/* The module's answer to VPIN_IOC_VERSION. */
int vpin_ioc_version(int fd, struct vpin_version *reply);

/*
 * 0 if the reply is of the ABI this library speaks, else -EPROTONOSUPPORT.
 */
int vpin_check_version(const struct vpin_version *reply);

/*
 * vpin_open() with the version query as a parameter, so that a fake reply
 * can stand in for the module's.
 */
int vpin_open_with(const char *path, unsigned int flags, int *session,
		   vpin_ioc_version_fn query);

#ifdef __cplusplus
}
#endif

#endif /* VPIN_INTERNAL_H */
