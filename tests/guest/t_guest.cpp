// SPDX-License-Identifier: GPL-2.0
// The test guest gives every test what it relies on: DAX file systems on
// pmem, with DAX really in effect for files.
#include "tap.hpp"
#include "util.hpp"

#include <vpin/check.hpp>

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

static void check_dax_file(const std::string &fs, int index)
{
	vt::DaxFs dax(fs, index);
	std::string path = dax.path("f");
	vt::Fd fd(CHECK_OK(open(path.c_str(), O_CREAT | O_RDWR, 0644)));
	CHECK_OK(ftruncate(fd.get(), 1 << 20));
	struct statx stx = {};
	CHECK_OK(statx(AT_FDCWD, path.c_str(), 0, STATX_BASIC_STATS, &stx));
	CHECK(stx.stx_attributes_mask & vpin::statx_attr_dax);
	CHECK(stx.stx_attributes & vpin::statx_attr_dax);
}

TEST("ext4 -o dax on /dev/pmem0 gives DAX files")
{
	check_dax_file("ext4", 0);
}

TEST("xfs -o dax on /dev/pmem1 gives DAX files")
{
	check_dax_file("xfs", 1);
}
