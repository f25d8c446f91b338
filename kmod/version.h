/* SPDX-License-Identifier: GPL-2.0 */
#ifndef VPIN_VERSION_H
#define VPIN_VERSION_H

#define VPIN_VERSION "0.1.0"

#endif
