// SPDX-License-Identifier: GPL-2.0
// The device node and the ioctl conventions every command follows.
#include "tap.hpp"
#include "util.hpp"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

TEST("the device node is a misc character device")
{
	struct stat st;
	CHECK_OK(stat(VPIN_DEVICE_PATH, &st));
	CHECK(S_ISCHR(st.st_mode));
	CHECK_EQ(major(st.st_rdev), 10u);
}

TEST("VPIN_IOC_VERSION reports the ABI version")
{
	auto s = vt::open_session();
	struct vpin_version v = {};
	CHECK_OK(ioctl(s.get(), VPIN_IOC_VERSION, &v));
	CHECK_EQ(v.abi_version, static_cast<__u32>(VPIN_ABI_VERSION));
	CHECK_EQ(v.features & ~static_cast<__u64>(__VPIN_FEATURE_ALL), 0ull);
}

TEST("an unknown command or ioctl type is ENOTTY")
{
	auto s = vt::open_session();
	struct vpin_version v = {};
	CHECK_ERRNO(ioctl(s.get(), _IOWR(VPIN_IOC_MAGIC, 0x7f, struct vpin_version), &v), ENOTTY);
	CHECK_ERRNO(ioctl(s.get(), _IOWR('x', 0x00, struct vpin_version), &v), ENOTTY);
	CHECK_ERRNO(ioctl(s.get(), 0, 0), ENOTTY);
}

TEST("a known command with another structure size or direction is EINVAL")
{
	auto s = vt::open_session();
	char buf[256] = {};
	CHECK_ERRNO(ioctl(s.get(), _IOC(_IOC_READ | _IOC_WRITE, VPIN_IOC_MAGIC, 0x00,
					sizeof(struct vpin_version) - 8), buf), EINVAL);
	CHECK_ERRNO(ioctl(s.get(), _IOC(_IOC_READ | _IOC_WRITE, VPIN_IOC_MAGIC, 0x00,
					sizeof(struct vpin_version) + 8), buf), EINVAL);
	CHECK_ERRNO(ioctl(s.get(), _IOR(VPIN_IOC_MAGIC, 0x00, struct vpin_version), buf),
		    EINVAL);
}

TEST("non-zero reserved fields are EINVAL")
{
	auto s = vt::open_session();
	struct vpin_version v = {};
	v.reserved0 = 1;
	CHECK_ERRNO(ioctl(s.get(), VPIN_IOC_VERSION, &v), EINVAL);
	v = {};
	v.reserved[1] = 1ull << 63;
	CHECK_ERRNO(ioctl(s.get(), VPIN_IOC_VERSION, &v), EINVAL);
}

TEST("an unreadable argument is EFAULT")
{
	auto s = vt::open_session();
	CHECK_ERRNO(ioctl(s.get(), VPIN_IOC_VERSION, nullptr), EFAULT);
	void *ro = mmap(nullptr, static_cast<size_t>(vt::page_size()), PROT_READ,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ro != MAP_FAILED);
	// Readable but not writable: the answer cannot be written back.
	CHECK_ERRNO(ioctl(s.get(), VPIN_IOC_VERSION, ro), EFAULT);
	munmap(ro, static_cast<size_t>(vt::page_size()));
}

TEST("the module cannot be removed while a session is open")
{
	auto s = vt::open_session();
	CHECK(vt::sh("rmmod vpin 2>/dev/null") != 0);
	CHECK(vt::sh("grep -q '^vpin ' /proc/modules") == 0);
}
