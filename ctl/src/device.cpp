#include <vpin/device.hpp>

#include <cerrno>
#include <system_error>

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

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
void Device::ioctl(Arg &arg, const char *name, const std::string &subject) const
{
    static_assert(_IOC_SIZE(Request) == sizeof(Arg), "argument type does not match the request");
    if (::ioctl(fd_.get(), Request, &arg) < 0) {
        const int error = errno;
        throw std::system_error{error, std::generic_category(),
                                subject.empty() ? name : std::string{name} + ": " + subject};
    }
}

VersionInfo Device::version() const
{
    vpin_version arg{};
    ioctl<VPIN_IOC_VERSION>(arg, "VPIN_IOC_VERSION");
    return {arg.abi_version, arg.features};
}

std::uint64_t Device::lease(int fd, vpin_lease_type type, const std::string &subject) const
{
    vpin_lease arg{};
    arg.fd = fd;
    arg.type = type;
    ioctl<VPIN_IOC_LEASE>(arg, "VPIN_IOC_LEASE", subject);
    return arg.id;
}

void Device::unlease(std::uint64_t id) const
{
    vpin_unlease arg{};
    arg.id = id;
    ioctl<VPIN_IOC_UNLEASE>(arg, "VPIN_IOC_UNLEASE");
}

std::uint64_t Device::pin(const void *addr, std::uint64_t length, std::uint32_t flags,
                          const std::string &subject) const
{
    vpin_pin arg{};
    arg.addr = reinterpret_cast<std::uintptr_t>(addr);
    arg.length = length;
    arg.flags = flags;
    ioctl<VPIN_IOC_PIN>(arg, "VPIN_IOC_PIN", subject);
    return arg.id;
}

void Device::unpin(std::uint64_t id) const
{
    vpin_unpin arg{};
    arg.id = id;
    ioctl<VPIN_IOC_UNPIN>(arg, "VPIN_IOC_UNPIN");
}

Fd Device::map(std::uint64_t pin, std::uint64_t offset, std::uint64_t length,
                const std::string &subject) const
{
    vpin_map arg{};
    arg.pin_id = pin;
    arg.offset = offset;
    arg.length = length;
    ioctl<VPIN_IOC_MAP>(arg, "VPIN_IOC_MAP", subject);
    return Fd{arg.fd};
}

std::vector<vpin_event> Device::events() const
{
    std::vector<vpin_event> events(16);
    std::vector<vpin_event> all;
    for (;;) {
        pollfd p{fd_.get(), POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0)
            break;
        const ssize_t n = ::read(fd_.get(), events.data(), events.size() * sizeof(vpin_event));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw std::system_error{errno, std::generic_category(), "read " VPIN_DEVICE_PATH};
        all.insert(all.end(), events.begin(),
                   events.begin() + n / static_cast<ssize_t>(sizeof(vpin_event)));
    }
    return all;
}

} // namespace vpin
