// SPDX-License-Identifier: GPL-2.0
// VFIO and vpin mappings. VFIO type1 would pin a vpin mapping's FS-DAX pages
// and never unpin them (it skips pages with PG_reserved, which ZONE_DEVICE
// pages carry), so vpin refuses it: VFIO_IOMMU_MAP_DMA of a mapping fails
// with EOPNOTSUPP, as for the file's own FS-DAX mapping, and nothing stays
// pinned. Runs in a guest with an emulated Intel IOMMU and QEMU's "edu" PCI
// device (tests/vm/run --iommu); skips elsewhere. The emulated IOMMU has no
// interrupt remapping, which type1 wants unless allow_unsafe_interrupts.
#include "tap.hpp"
#include "util.hpp"

#include <filesystem>
#include <fcntl.h>
#include <fstream>
#include <linux/vfio.h>
#include <sys/mman.h>

namespace {

using vt::open_file;
using vt::pages;

// The edu device bound to vfio-pci, in a container with the type1 IOMMU.
class VfioEdu {
public:
	VfioEdu()
	{
		std::string bdf;
		for (const auto &d : std::filesystem::directory_iterator("/sys/bus/pci/devices")) {
			if (read(d.path() / "vendor") == "0x1234" &&
			    read(d.path() / "device") == "0x11e8")
				bdf = d.path().filename();
		}
		if (bdf.empty())
			tap::skip("no edu device (run with tests/vm/run --iommu)");
		const std::string dev = "/sys/bus/pci/devices/" + bdf;
		CHECK_EQ(vt::sh("modprobe vfio_iommu_type1 allow_unsafe_interrupts=1 && modprobe vfio-pci"), 0);
		CHECK_EQ(vt::sh("echo vfio-pci > " + dev + "/driver_override && "
				"{ [ ! -e " + dev + "/driver ] || echo " + bdf + " > " + dev +
				"/driver/unbind; } && echo " + bdf + " > /sys/bus/pci/drivers_probe"),
			 0);
		const std::string group =
			std::filesystem::read_symlink(dev + "/iommu_group").filename();
		container_.reset(open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC));
		CHECK(container_.get() >= 0);
		group_.reset(open(("/dev/vfio/" + group).c_str(), O_RDWR | O_CLOEXEC));
		CHECK(group_.get() >= 0);
		int fd = container_.get();
		CHECK_OK(ioctl(group_.get(), VFIO_GROUP_SET_CONTAINER, &fd));
		CHECK_OK(ioctl(container_.get(), VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU));
	}

	// VFIO_IOMMU_MAP_DMA of [addr, addr + length) at iova.
	int map(const void *addr, size_t length, uint64_t iova)
	{
		vfio_iommu_type1_dma_map m = {};
		m.argsz = sizeof(m);
		m.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
		m.vaddr = reinterpret_cast<uintptr_t>(addr);
		m.iova = iova;
		m.size = length;
		return ioctl(container_.get(), VFIO_IOMMU_MAP_DMA, &m);
	}

	int unmap(size_t length, uint64_t iova)
	{
		vfio_iommu_type1_dma_unmap u = {};
		u.argsz = sizeof(u);
		u.iova = iova;
		u.size = length;
		return ioctl(container_.get(), VFIO_IOMMU_UNMAP_DMA, &u);
	}

private:
	static std::string read(const std::filesystem::path &p)
	{
		std::ifstream f(p);
		std::string s;
		f >> s;
		return s;
	}

	vt::Fd container_, group_;
};

TEST("VFIO_IOMMU_MAP_DMA of a vpin mapping is EOPNOTSUPP, and pins nothing")
{
	VfioEdu vfio;
	vt::Baseline base;
	// Anonymous memory: VFIO pins it, and unpins it again.
	vt::Map anon(pages(8), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	anon.touch();
	CHECK_OK(vfio.map(anon.data(), pages(8), 0x100000));
	CHECK(base.pinned() == 8);
	CHECK_OK(vfio.unmap(pages(8), 0x100000));
	CHECK_EQ(base.pinned(), 0L);

	vt::Mount m(vt::ext4_dax);
	const std::string path = m.path("f");
	vt::Fd fd = vt::make_file(path, pages(16));
	vt::Map fmap(pages(16), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
	auto s = vt::open_session();
	uint64_t lease = 0, pin = 0;
	CHECK_OK(vt::lease(s.get(), fd.get(), VPIN_LEASE_EXCLUSIVE, &lease));
	CHECK_OK(vt::pin(s.get(), fmap.addr(), pages(16), VPIN_PIN_F_WRITE, &pin));
	int mfd = -1;
	CHECK_OK(vt::map_pin(s.get(), pin, 0, 0, &mfd));
	vt::Fd mapping(mfd);
	vt::Map alias(pages(16), PROT_READ | PROT_WRITE, MAP_SHARED, mapping.get(), 0);
	alias.touch();
	const long vpin_pins = base.pinned();

	// The file's own mapping: the kernel refuses FS-DAX.
	CHECK_ERRNO(vfio.map(fmap.data(), pages(16), 0x200000), EOPNOTSUPP);
	// vpin's mapping: refused by vpin, every page it pinned unpinned.
	CHECK_ERRNO(vfio.map(alias.data(), pages(16), 0x200000), EOPNOTSUPP);
	CHECK_EQ(base.pinned(), vpin_pins);
	CHECK_OK(vt::unpin(s.get(), pin));
	CHECK_EQ(base.pinned(), 0L);
}

} // namespace
