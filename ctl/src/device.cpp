#include <vpin/device.hpp>

#include <cerrno>
#include <system_error>

#include <fcntl.h>
#include <sys/ioctl.h>

namespace vpin {

Device::Device(const std::filesystem::path &path)
    : fd_{::open(path.c_str(), O_RDWR | O_CLOEXEC)}
{
    if (!fd_) {
        const int error = errno;
        throw std::system_error{error, std::generic_category(), path.string()};
    }
}

template <unsigned long Request, typename Arg>
void Device::ioctl(Arg &arg, const char *name) const
{
    static_assert(_IOC_SIZE(Request) == sizeof(Arg), "argument type does not match the request");
    if (::ioctl(fd_.get(), Request, &arg) < 0)
        throw std::system_error{errno, std::generic_category(), name};
}

VersionInfo Device::version() const
{
    vpin_version arg{};
    ioctl<VPIN_IOC_VERSION>(arg, "VPIN_IOC_VERSION");
    return {arg.abi_version, arg.features};
}

} // namespace vpin
